//! Small builders so the tests read as tables of operations and expectations.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use creditboard_domain::account::Scan;
use creditboard_domain::activity::{ActivityPage, BlockSums, ListingScan, PageRequest, ScanStep};
use creditboard_domain::config::meter::{BucketKind, MeterConfig, MeterUnit, PurchasePolicy};
use creditboard_domain::config::{AccountConfig, BillingCycle, DrawDownOrder, HoldPolicy, Plan};
use creditboard_domain::entry::Outline;
use creditboard_domain::entry::{
    AdjustOp, CaptureOp, ConsumeOp, EntryId, GrantOp, HeldBy, HoldOp, JobStatus, Operation,
    PurchaseOp, RefundOp, ReleaseOp, Usage,
};
use creditboard_domain::ids::{AccountId, IdempotencyKey, MeterId};
use creditboard_domain::ledger::{Found, Wanted};
use creditboard_domain::period::Freshness;
use creditboard_domain::tz::Timezone;
use creditboard_domain::{Amount, DomainError, Ledger, LedgerEntry};

pub fn meter() -> MeterId {
    MeterId::new("credits").unwrap()
}

/// One credits meter, no allocation, no overdraft, billing on the 1st.
pub fn config(tz: &str) -> AccountConfig {
    AccountConfig {
        id: AccountId::new("acct").unwrap(),
        name: "Test team".into(),
        timezone: Timezone::new(tz).unwrap(),
        freshness: Freshness::Live,
        plan: Plan::Pro,
        billing: BillingCycle { anchor_day: 1 },
        draw_down: DrawDownOrder::default(),
        meters: vec![MeterConfig {
            id: meter(),
            name: "Credits".into(),
            unit: MeterUnit::Credits,
            decimals: 0,
            allocation: None,
            purchases: PurchasePolicy::default(),
            overdraft_limit: Amount::ZERO,
            auto_top_up: None,
        }],
        members: vec![],
        projects: vec![],
        offers: vec![],
        member_caps: vec![],
        alerts: vec![],
        holds: HoldPolicy::default(),
        usage_periods: Default::default(),
        presentation: Default::default(),
    }
}

/// `cfg` with its credits for sale (a cent each), as automatic top-ups need.
pub fn sold(mut cfg: AccountConfig) -> AccountConfig {
    cfg.offers = vec![creditboard_domain::config::offer::PurchaseOffer {
        meter: meter(),
        currency: "USD".into(),
        cents_per_unit: 1,
        packs: vec![],
        exact: Some(creditboard_domain::config::offer::ExactAmount {
            min: Amount::minor(1),
            max: Amount::minor(1_000_000),
        }),
    }];
    cfg
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// `hours` after 2026-01-01T00:00Z.
pub fn at(hours: i64) -> DateTime<Utc> {
    utc("2026-01-01T00:00:00Z") + Duration::hours(hours)
}

/// A wall-clock time ("2026-01-10 09:00") in a timezone.
pub fn local(tz: &str, s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    Timezone::new(tz)
        .unwrap()
        .from_local(naive)
        .earliest()
        .unwrap()
}

pub fn usd(s: &str) -> i64 {
    Amount::parse_decimal(s, 2).unwrap().get()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

pub fn consume(k: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    consume_with(k, amount, at, JobStatus::Success)
}

pub fn consume_with(k: &str, amount: i64, at: DateTime<Utc>, status: JobStatus) -> Operation {
    Operation::Consume(ConsumeOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        status,
        usage: Usage::default(),
    })
}

pub fn consume_on(k: &str, meter: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Consume(ConsumeOp {
        key: key(k),
        meter: MeterId::new(meter).unwrap(),
        amount: Amount::minor(amount),
        at,
        status: JobStatus::Success,
        usage: Usage::default(),
    })
}

pub fn purchase(k: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Purchase(PurchaseOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        price: None,
        usage: Usage::default(),
    })
}

pub fn purchase_on(k: &str, meter: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Purchase(PurchaseOp {
        key: key(k),
        meter: MeterId::new(meter).unwrap(),
        amount: Amount::minor(amount),
        at,
        price: None,
        usage: Usage::default(),
    })
}

pub fn grant(
    k: &str,
    amount: i64,
    at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Operation {
    Operation::Grant(GrantOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        expires_at,
        usage: Usage::default(),
    })
}

pub fn adjust(k: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Adjust(AdjustOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        usage: Usage::default(),
    })
}

pub fn hold(k: &str, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Hold(HoldOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        expires_in: None,
        held_by: HeldBy::Service,
        usage: Usage::default(),
    })
}

pub fn capture(k: &str, hold: EntryId, amount: i64, at: DateTime<Utc>) -> Operation {
    Operation::Capture(CaptureOp {
        key: key(k),
        hold,
        amount: Amount::minor(amount),
        at,
    })
}

pub fn release(k: &str, hold: EntryId, at: DateTime<Utc>) -> Operation {
    release_with(k, hold, at, JobStatus::Success)
}

pub fn release_with(k: &str, hold: EntryId, at: DateTime<Utc>, status: JobStatus) -> Operation {
    Operation::Release(ReleaseOp {
        key: key(k),
        hold,
        at,
        status,
    })
}

pub fn refund(k: &str, of: EntryId, amount: Option<i64>, at: DateTime<Utc>) -> Operation {
    Operation::Refund(RefundOp {
        key: key(k),
        of,
        amount: amount.map(Amount::minor),
        at,
        description: None,
    })
}

/// A ledger opened at `at(0)` holding `credits` purchased credits.
pub fn funded(credits: i64) -> Ledger {
    let mut l = Ledger::open(config("UTC"), at(0)).unwrap();
    if credits > 0 {
        l.apply(purchase("initial", credits, at(0))).unwrap();
    }
    l
}

pub fn available(l: &Ledger) -> i64 {
    l.balance(&meter()).unwrap().available.get()
}

pub fn bucket_balance(l: &Ledger, kind: BucketKind) -> i64 {
    l.balance(&meter())
        .unwrap()
        .buckets
        .iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.balance.get())
        .sum()
}

/// The available balance equals the sum of all entries, and the last entry's balance.
pub fn assert_balance_is_sum_of_entries(l: &Ledger) {
    for m in &l.config().meters {
        let sum: i64 = l
            .entries()
            .iter()
            .filter(|e| e.meter == m.id)
            .map(|e| e.amount.get())
            .sum();
        let balance = l.balance(&m.id).unwrap();
        assert_eq!(balance.available.get(), sum, "meter {}", m.id);
        if let Some(last) = l.entries().iter().rev().find(|e| e.meter == m.id) {
            assert_eq!(last.balance_after.get(), sum);
        }
    }
}

/// What an operation wrote, copied out of the ledger for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    pub entries: Vec<LedgerEntry>,
    pub replayed: bool,
}

impl Ran {
    /// The entry answering the request (the capture of a capture, not its release).
    pub fn primary(&self) -> &LedgerEntry {
        self.entries
            .iter()
            .find(|e| e.key.operation_key() == Some(e.key.as_str()))
            .unwrap_or(&self.entries[0])
    }
}

pub trait Run {
    fn run(&mut self, op: Operation) -> Result<Ran, DomainError>;
}

impl Run for Ledger {
    fn run(&mut self, op: Operation) -> Result<Ran, DomainError> {
        let r = self.apply(op)?;
        Ok(Ran {
            entries: self.receipt_entries(&r).into_iter().cloned().collect(),
            replayed: r.replayed,
        })
    }
}

/// The store's answer to `wanted`, from the entries before the held ones.
pub fn found(before: &[LedgerEntry], wanted: &Wanted) -> Found {
    // What settled each job asked for, directly or through another settling entry.
    let mut settling: std::collections::HashSet<u64> = wanted.settlers.iter().copied().collect();
    for e in before {
        if e.settles() && e.reverses.is_some_and(|r| settling.contains(&r.0)) {
            settling.insert(e.id.0);
        }
    }
    let mut entries: Vec<LedgerEntry> = before
        .iter()
        .filter(|e| {
            wanted.ids.contains(&e.id.0)
                || wanted.spans.iter().any(|&(a, z)| (a..=z).contains(&e.id.0))
                || (settling.contains(&e.id.0) && !wanted.settlers.contains(&e.id.0))
                || e.key
                    .operation_key()
                    .is_some_and(|k| wanted.keys.iter().any(|w| w == k))
                || e.reverses
                    .is_some_and(|r| e.settles_payment() && wanted.settlements.contains(&r.0))
        })
        .cloned()
        .collect();
    entries.dedup_by_key(|e| e.id);
    Found {
        entries,
        keys: wanted.keys.clone(),
        settlements: wanted.settlements.clone(),
        settled: wanted.settlers.clone(),
        spans: wanted.spans.clone(),
        outlines: before
            .iter()
            .filter(|e| {
                wanted
                    .outlines
                    .iter()
                    .any(|&(a, z)| (a..=z).contains(&e.id.0))
            })
            .map(Outline::of)
            .collect(),
        outline_spans: wanted.outlines.clone(),
    }
}

/// A scan run as a store would: fed `entries` (the whole ledger's) seven at a time, what it
/// looks up found among them.
pub fn run_scan(mut scan: Scan, entries: &[LedgerEntry]) -> Scan {
    for _ in 0..10 * entries.len() + 10 {
        match scan.next() {
            ScanStep::Below(id) => {
                let chunk: Vec<LedgerEntry> = entries
                    .iter()
                    .rev()
                    .filter(|e| e.id.0 < id)
                    .take(7)
                    .cloned()
                    .collect();
                scan.feed(&chunk);
            }
            ScanStep::Above(id) => {
                let chunk: Vec<LedgerEntry> = entries
                    .iter()
                    .filter(|e| e.id.0 > id)
                    .take(7)
                    .cloned()
                    .collect();
                scan.feed(&chunk);
            }
            // As a database would: by id, then by the entry's stored text.
            ScanStep::Naming {
                below,
                from,
                any_of,
            } => {
                let named = |e: &&LedgerEntry| {
                    let text = serde_json::to_string(e).unwrap();
                    any_of.iter().any(|n| text.contains(n.as_str()))
                };
                let chunk: Vec<LedgerEntry> = entries
                    .iter()
                    .rev()
                    .filter(|e| e.id.0 < below && e.id.0 >= from)
                    .filter(named)
                    .take(7)
                    .cloned()
                    .collect();
                scan.feed(&chunk);
            }
            ScanStep::Lookup(wanted) => scan.lend(found(entries, &wanted)),
            ScanStep::Done => return scan,
        }
    }
    panic!("the scan did not finish: {scan:?}");
}

/// A filtered page scanned as a store would, set up on `setup` (which may hold only the
/// entries after a snapshot) and told where the period can start by block sums of three
/// entries over `whole`, whose entries it is fed.
pub fn scan_page(
    setup: &Ledger,
    whole: &Ledger,
    req: &PageRequest,
    now: DateTime<Utc>,
) -> ActivityPage {
    let scan = ListingScan::new(setup, req, now).unwrap();
    let mut blocks = BlockSums::with_block_size(3);
    blocks.sync(whole);
    let from = scan
        .period_start()
        .map_or(1, |start| blocks.first_at(whole, start.timestamp_millis()));
    match run_scan(Scan::Listing(scan.starting_at(from)), whole.entries()) {
        Scan::Listing(s) => s.page().unwrap(),
        Scan::Export(_) => unreachable!("a listing's scan"),
    }
}
