//! Properties over random operation sequences and random account setups: whatever happens,
//! the books balance, nothing goes negative, retries and refusals change nothing, the
//! draw-down order holds, and the entries alone rebuild the ledger.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::Duration;
use common::*;
use creditboard_domain::account::usage_view;
use creditboard_domain::activity::BlockSums;
use creditboard_domain::api::UsageQuery;
use creditboard_domain::config::DrawDownOrder;
use creditboard_domain::config::meter::{
    Allocation, AutoTopUp, BucketKind, MeterConfig, MeterUnit, PurchasePolicy, TopUpAmount,
    UnusedAllocation,
};
use creditboard_domain::entry::{BucketId, EntryId, EntryKind, JobStatus, Operation};
use creditboard_domain::ids::MeterId;
use creditboard_domain::ledger::Bucket;
use creditboard_domain::usage::{DailyRollup, LedgerFilter};
use creditboard_domain::{Amount, DomainError, Ledger, LedgerEntry, Period, PeriodPreset};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Intent {
    Consume(i64, bool),
    Purchase(i64),
    Grant(i64, i64),
    Adjust(i64),
    Hold(i64),
    Capture(usize, i64),
    Release(usize),
    Refund(usize, Option<i64>),
    /// A consume or purchase on the second meter, when the account has one.
    Minutes(i64, bool),
    Advance,
    Repeat,
    /// A request that must be refused: zero amount, unknown meter, or the past.
    Bad(u8),
}

fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![
        6 => (1i64..400, any::<bool>()).prop_map(|(a, f)| Intent::Consume(a, f)),
        2 => (1i64..1500).prop_map(Intent::Purchase),
        1 => (1i64..500, 1i64..2000).prop_map(|(a, h)| Intent::Grant(a, h)),
        1 => (-300i64..300).prop_map(Intent::Adjust),
        2 => (1i64..400).prop_map(Intent::Hold),
        2 => (any::<usize>(), 1i64..450).prop_map(|(i, a)| Intent::Capture(i, a)),
        1 => any::<usize>().prop_map(Intent::Release),
        2 => (any::<usize>(), proptest::option::of(1i64..300)).prop_map(|(i, a)| Intent::Refund(i, a)),
        1 => (1i64..600, any::<bool>()).prop_map(|(a, buy)| Intent::Minutes(a, buy)),
        1 => Just(Intent::Advance),
        1 => Just(Intent::Repeat),
        1 => (0u8..3).prop_map(Intent::Bad),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    tz: &'static str,
    anchor: u8,
    allocation: Option<(i64, Option<i64>)>,
    overdraft: i64,
    /// Threshold, amount (fixed, or "refill to" threshold + amount), monthly cap.
    top_up: Option<(i64, i64, bool, Option<i64>)>,
    /// 0: additional credits that never expire; 1: that expire after a few days; 2: into the
    /// rollover bank (when the allocation rolls over).
    purchases: u8,
    by_kind: bool,
    second_meter: bool,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        prop::sample::select(vec![
            "UTC",
            "America/New_York",
            "Asia/Kolkata",
            "Pacific/Chatham",
        ]),
        1u8..=31,
        proptest::option::of((100i64..2000, proptest::option::of(0i64..3000))),
        prop_oneof![3 => Just(0i64), 1 => 1i64..300],
        proptest::option::of((
            0i64..300,
            1i64..1000,
            any::<bool>(),
            proptest::option::of(1i64..3000),
        )),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(tz, anchor, allocation, overdraft, top_up, purchases, by_kind, second_meter)| Setup {
                tz,
                anchor,
                allocation,
                overdraft,
                top_up,
                purchases,
                by_kind,
                second_meter,
            },
        )
}

fn minutes() -> MeterId {
    MeterId::new("minutes").unwrap()
}

fn open(s: &Setup) -> Ledger {
    let mut cfg = sold(config(s.tz));
    cfg.billing.anchor_day = s.anchor;
    let m = &mut cfg.meters[0];
    m.allocation = s.allocation.map(|(amount, cap)| Allocation {
        amount: Amount::minor(amount),
        unused: cap.map_or(UnusedAllocation::Lapse, |c| UnusedAllocation::Rollover {
            cap: Amount::minor(c),
        }),
    });
    m.overdraft_limit = Amount::minor(s.overdraft);
    m.auto_top_up = s
        .top_up
        .map(|(threshold, amount, refill_to, cap)| AutoTopUp {
            enabled: true,
            threshold: Amount::minor(threshold),
            amount: if refill_to {
                TopUpAmount::RefillTo(Amount::minor(threshold + amount))
            } else {
                TopUpAmount::Fixed(Amount::minor(amount))
            },
            // A cap below one top-up is refused as settings that can never work.
            monthly_cap: cap.map(|c| Amount::minor(c.max(amount))),
        });
    let rolls_over = matches!(
        m.allocation,
        Some(Allocation {
            unused: UnusedAllocation::Rollover { .. },
            ..
        })
    );
    m.purchases = match s.purchases {
        1 => PurchasePolicy {
            into: BucketKind::Additional,
            expires_after_days: Some(3),
        },
        2 if rolls_over => PurchasePolicy {
            into: BucketKind::Rollover,
            expires_after_days: None,
        },
        _ => PurchasePolicy::default(),
    };
    if s.second_meter {
        cfg.meters.push(MeterConfig {
            id: minutes(),
            name: "Rendering minutes".into(),
            unit: MeterUnit::Minutes,
            decimals: 1,
            allocation: Some(Allocation {
                amount: Amount::minor(600),
                unused: UnusedAllocation::Lapse,
            }),
            purchases: PurchasePolicy::default(),
            overdraft_limit: Amount::ZERO,
            auto_top_up: None,
        });
    }
    if s.by_kind {
        cfg.draw_down = DrawDownOrder::ByKind(vec![
            BucketKind::Promotional,
            BucketKind::Included,
            BucketKind::Additional,
            BucketKind::Rollover,
        ]);
    }
    Ledger::open(cfg, at(0)).unwrap()
}

fn pick(
    l: &Ledger,
    i: usize,
    wanted: impl Fn(&creditboard_domain::LedgerEntry) -> bool,
) -> EntryId {
    let matching: Vec<EntryId> = l
        .entries()
        .iter()
        .filter(|e| wanted(e))
        .map(|e| e.id)
        .collect();
    if matching.is_empty() {
        EntryId(i as u64 % 50 + 1)
    } else {
        matching[i % matching.len()]
    }
}

fn check_books(l: &Ledger) -> Result<(), TestCaseError> {
    for m in &l.config().meters {
        let entries = || l.entries().iter().filter(|e| e.meter == m.id);
        let sum: i64 = entries().map(|e| e.amount.get()).sum();
        let balance = l.balance(&m.id).unwrap();
        prop_assert_eq!(balance.available.get(), sum, "balance = sum of entries");
        if let Some(last) = entries().next_back() {
            prop_assert_eq!(last.balance_after.get(), sum, "last balance_after");
        }
        let buckets = l.buckets(&m.id).unwrap();
        prop_assert!(
            buckets.iter().all(|b| !b.balance.is_negative()),
            "no bucket below zero"
        );
        let in_buckets: i64 = buckets.iter().map(|b| b.balance.get()).sum();
        prop_assert_eq!(
            in_buckets - balance.debt.get(),
            sum,
            "balance = buckets − debt"
        );
        prop_assert!(
            !balance.debt.is_negative() && balance.debt <= m.overdraft_limit,
            "debt within the limit"
        );
        prop_assert!(!balance.held.is_negative());
    }
    prop_assert!(
        l.entries()
            .windows(2)
            .all(|w| w[0].at <= w[1].at && w[0].id.0 + 1 == w[1].id.0)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_keep_every_invariant(
        s in setup(),
        intents in prop::collection::vec((intent(), 0i64..(3 * 24 * 60)), 1..70),
        snapshot_at in any::<prop::sample::Index>(),
        forget in prop::collection::vec(any::<bool>(), 70),
    ) {
        let snapshot_at = snapshot_at.index(intents.len());
        let mut snapshot = None;
        // The same ledger resumed from the snapshot without the entries before it, every
        // operation after it run on both: what it wants from before is found in the whole
        // ledger's entries.
        let mut tail: Option<Ledger> = None;
        // The daily rollups and the listing's block sums (blocks of 4 entries, so a history
        // spans many) as of the snapshot, stored as text beside it.
        let mut stored_rollup = String::new();
        let mut stored_blocks = String::new();
        let mut l = open(&s);
        let mut t = at(0);
        let mut last: Option<Operation> = None;
        for (n, (intent, gap)) in intents.into_iter().enumerate() {
            if n == snapshot_at {
                let taken = l.snapshot();
                let earlier = found(l.entries(), &taken.wanted_for(&[]));
                let mut resumed = Ledger::resume_tail(l.config().clone(), at(0), taken.clone(), earlier, []).unwrap();
                // Its clock stands at its newest entry, as a replayed ledger's does; the whole
                // one's may have been moved on since.
                resumed.advance_to(l.now()).unwrap();
                tail = Some(resumed);
                snapshot = Some(taken);
                let mut rollup = DailyRollup::new();
                rollup.sync(&l);
                stored_rollup = serde_json::to_string(&rollup).unwrap();
                let mut blocks = BlockSums::with_block_size(4);
                blocks.sync(&l);
                stored_blocks = serde_json::to_string(&blocks).unwrap();
            }
            if let Some(tail) = tail.as_mut().filter(|_| forget[n]) {
                tail.forget_lent();
            }
            t += Duration::minutes(gap);
            let k = format!("k{n}");
            let op = match intent {
                Intent::Consume(a, failed) => tagged(
                    consume_with(&k, a, t, if failed { JobStatus::Failed } else { JobStatus::Success }),
                    a,
                ),
                Intent::Purchase(a) => purchase(&k, a, t),
                Intent::Grant(a, h) => grant(&k, a, t, Some(t + Duration::hours(h))),
                Intent::Adjust(a) => adjust(&k, a, t),
                Intent::Hold(a) => tagged(hold(&k, a, t), a),
                Intent::Capture(i, a) => capture(&k, pick(&l, i, |e| e.kind == EntryKind::Hold && l.is_pending_hold(e.id)), a, t),
                Intent::Release(i) => release(&k, pick(&l, i, |e| e.kind == EntryKind::Hold && l.is_pending_hold(e.id)), t),
                Intent::Refund(i, a) => refund(&k, pick(&l, i, |e| matches!(e.kind, EntryKind::Consume | EntryKind::HoldCapture)), a, t),
                Intent::Minutes(_, _) if !s.second_meter => continue,
                Intent::Minutes(a, false) => consume_on(&k, "minutes", a, t),
                Intent::Minutes(a, true) => purchase_on(&k, "minutes", a, t),
                Intent::Advance => {
                    l.advance_to(t).unwrap();
                    if let Some(tail) = tail.as_mut() {
                        tail.advance_to(t).unwrap();
                        check_tail(tail, &l)?;
                    }
                    check_books(&l)?;
                    continue;
                }
                Intent::Repeat => match last.clone() {
                    Some(op) => op,
                    None => continue,
                },
                Intent::Bad(0) => consume(&k, 0, t),
                Intent::Bad(1) => consume_on(&k, "nope", 5, t),
                Intent::Bad(_) => consume(&k, 5, at(0) - Duration::hours(1)),
            };
            let before = l.clone();
            if let Some(tail) = tail.as_mut() {
                let whole = l.clone().run(op.clone());
                let first = run_lending(tail, before.entries(), op.clone());
                prop_assert_eq!(codes(&first), codes(&whole), "{:?}", op);
                if first.is_ok() {
                    let again = run_lending(tail, before.entries(), op.clone());
                    prop_assert_eq!(again.map(|r| r.entries), first.map(|r| r.entries));
                }
            }
            match l.run(op.clone()) {
                Ok(receipt) if receipt.replayed => {
                    prop_assert!(l.same_state(&before), "a retry changed the ledger");
                }
                Ok(receipt) => {
                    // A retry answers with exactly these entries and changes nothing.
                    let after = l.clone();
                    let again = l.run(op.clone()).unwrap();
                    prop_assert!(again.replayed);
                    prop_assert_eq!(&again.entries, &receipt.entries);
                    prop_assert!(l.same_state(&after));
                    check_draw_down(&before, &receipt)?;
                    last = Some(op);
                }
                Err(e) => {
                    // Refusals are about the request, never about the ledger's own state.
                    prop_assert!(!matches!(e.code(), "corrupt_ledger" | "overflow"), "{}", e);
                    prop_assert!(l.same_state(&before), "a refused operation changed the ledger");
                    prop_assert_eq!(l.now(), before.now());
                }
            }
            check_books(&l)?;
            if let Some(tail) = tail.as_ref() {
                check_tail(tail, &l)?;
            }
        }
        if let Some(tail) = tail.as_ref() {
            let rollup = serde_json::from_str(&stored_rollup).unwrap();
            check_usage(tail, rollup, &l)?;
            check_listing(tail, serde_json::from_str(&stored_blocks).unwrap(), &l)?;
        }
        check_export(tail.as_ref().unwrap_or(&l), &l)?;
        check_scan(tail.as_ref().unwrap_or(&l), &l)?;
        let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
        prop_assert!(rebuilt.same_state(&l), "replaying the entries rebuilds the ledger");
        // A snapshot taken on the way, stored as text, and the entries after it rebuild the
        // same ledger: the same state, and the same answer to every key it has seen.
        let text = serde_json::to_string(&snapshot.unwrap()).unwrap();
        let resumed = Ledger::resume(
            l.config().clone(),
            at(0),
            serde_json::from_str(&text).unwrap(),
            l.entries().to_vec(),
        )
        .unwrap();
        prop_assert!(resumed.same_state(&rebuilt), "resuming from a snapshot rebuilds the ledger");
        prop_assert_eq!(resumed.snapshot(), rebuilt.snapshot());
        prop_assert_eq!(resumed.now(), rebuilt.now());
        for e in l.entries() {
            prop_assert_eq!(resumed.first_entry(&e.key).unwrap().map(|f| f.id), rebuilt.first_entry(&e.key).unwrap().map(|f| f.id));
        }
        if let Some(op) = last {
            let mut resumed = resumed;
            let again = resumed.run(op).unwrap();
            prop_assert!(again.replayed, "a retry after resuming is answered, not run");
        }
    }
}

/// An operation on a ledger holding part of its history, with the store's part played: what
/// it wants from before is looked up by scanning all the entries and lent.
fn run_lending(t: &mut Ledger, whole: &[LedgerEntry], op: Operation) -> Result<Ran, DomainError> {
    for _ in 0..4 {
        match t.run(op.clone()) {
            Err(DomainError::NotHeld(wanted)) => {
                t.lend(found(&whole[..t.base()], &wanted)).unwrap();
            }
            done => return done,
        }
    }
    panic!("lending what it asked for did not satisfy it: {op:?}");
}

fn codes(r: &Result<Ran, DomainError>) -> Result<Vec<LedgerEntry>, &'static str> {
    r.as_ref().map(|r| r.entries.clone()).map_err(|e| e.code())
}

/// The ledger resumed without its history is the whole one: the same entries after the
/// snapshot, the same state, the same balances.
fn check_tail(tail: &Ledger, whole: &Ledger) -> Result<(), TestCaseError> {
    prop_assert_eq!(tail.count(), whole.entries().len());
    prop_assert_eq!(tail.entries(), &whole.entries()[tail.base()..]);
    prop_assert_eq!(tail.snapshot(), whole.snapshot());
    for m in &whole.config().meters {
        prop_assert_eq!(tail.balance(&m.id).unwrap(), whole.balance(&m.id).unwrap());
    }
    Ok(())
}

/// The ledger resumed without its history, with the rollups stored at its snapshot, gives
/// the whole one's usage summaries and forecasts for the periods the rollups hold, and asks
/// for the whole history for what they cannot answer.
fn check_usage(
    tail: &Ledger,
    mut rollup: DailyRollup,
    whole: &Ledger,
) -> Result<(), TestCaseError> {
    let now = whole.now();
    let searched = LedgerFilter {
        search: Some("job".into()),
        ..LedgerFilter::default()
    };
    let unknown = LedgerFilter {
        categories: vec![creditboard_domain::ids::CategoryId::new("video").unwrap()],
        ..LedgerFilter::default()
    };
    let day_aligned = [
        PeriodPreset::Last7Days,
        PeriodPreset::Last30Days,
        PeriodPreset::ThisMonth,
        PeriodPreset::LastMonth,
        PeriodPreset::Last90Days,
        PeriodPreset::ThisYear,
    ];
    let mut asked = Vec::new();
    for preset in day_aligned {
        for filter in [LedgerFilter::default(), unknown.clone()] {
            asked.push((
                UsageQuery {
                    period: Period::preset(preset),
                    filter,
                },
                true,
            ));
        }
    }
    asked.push((
        UsageQuery {
            period: Period::preset(PeriodPreset::Last30Days),
            filter: searched,
        },
        false,
    ));
    asked.push((
        UsageQuery {
            period: Period::preset(PeriodPreset::AllActivity),
            filter: LedgerFilter::default(),
        },
        false,
    ));
    for (query, held) in asked {
        let expected = usage_view(whole, &mut DailyRollup::new(), &query, now).unwrap();
        match usage_view(tail, &mut rollup, &query, now) {
            Ok(view) => prop_assert_eq!(view, expected, "{:?}", query),
            Err(DomainError::NotHeld(w)) => {
                prop_assert!(
                    w.history && tail.base() > 0 && !held,
                    "{:?} wanted the history",
                    query
                );
            }
            Err(e) => prop_assert!(false, "{:?}: {}", query, e),
        }
    }
    Ok(())
}

/// Listings without a filter but the meter, from a ledger holding only the entries after a
/// snapshot with the block sums stored beside it (what it wants from before looked up in the
/// whole ledger's entries and lent), are the whole ledger's pages: every period, page, size
/// and snapshot, row by row with the job's settlement, and the totals.
fn check_listing(
    tail: &Ledger,
    mut blocks: BlockSums,
    whole: &Ledger,
) -> Result<(), TestCaseError> {
    use creditboard_domain::activity::{
        ActivityIndex, ActivityQuery, PageRequest, activity_page, partial_page,
    };
    let now = whole.now();
    blocks.sync(tail);
    prop_assert!(blocks.answers(tail));
    let mut whole_blocks = BlockSums::with_block_size(3);
    whole_blocks.sync(whole);
    let query = |period: Option<PeriodPreset>, meter: Option<&str>| ActivityQuery {
        period: period.map(Period::preset),
        meter: meter.map(|m| MeterId::new(m).unwrap()),
        ..ActivityQuery::default()
    };
    let queries = [
        query(None, None),
        query(Some(PeriodPreset::Last7Days), None),
        query(Some(PeriodPreset::Last1Day), None),
        query(Some(PeriodPreset::Last30Days), Some("credits")),
        query(Some(PeriodPreset::AllActivity), None),
        query(None, Some("minutes")),
    ];
    let middle = Some(EntryId(whole.count() as u64 / 2));
    let pages = [
        (5, 1, None),
        (5, 2, None),
        (3, 4, None),
        (2, 3, middle),
        (5, 99, None),
        (1000, 1, None),
    ];
    // The last 24 hours from a clock between two milliseconds: the period starts inside one.
    let between = now + Duration::microseconds(500);
    let timed = queries
        .into_iter()
        .map(|q| (q, now))
        .chain([(query(Some(PeriodPreset::Last1Day), None), between)]);
    for (query, now) in timed {
        if query
            .meter
            .as_ref()
            .is_some_and(|m| whole.config().meter(m).is_err())
        {
            continue;
        }
        // One copy for all of a query's pages, forgetting what was lent after each as a
        // store does: what it keeps between requests must not change an answer.
        let mut t = tail.clone();
        for (size, page, snapshot) in pages {
            let req = PageRequest {
                query: query.clone(),
                size,
                page,
                snapshot,
            };
            let expected = activity_page(whole, &mut ActivityIndex::new(), &req, now).unwrap();
            prop_assert_eq!(
                &partial_page(whole, &whole_blocks, &req, now).unwrap(),
                &expected
            );
            // As a store would: three lookups (edges, page, settlements), twice past the end.
            let mut answer = None;
            for _ in 0..7 {
                match partial_page(&t, &blocks, &req, now) {
                    Err(DomainError::NotHeld(wanted)) => {
                        prop_assert!(!wanted.history, "{:?} wanted the history", req);
                        t.lend(found(&whole.entries()[..t.base()], &wanted))
                            .unwrap();
                    }
                    done => {
                        answer = Some(done.unwrap());
                        break;
                    }
                }
            }
            prop_assert_eq!(answer.as_ref(), Some(&expected), "{:?}", req);
            t.forget_lent();
        }
        // Asked again, the first page reads nothing more: what it was lent (well under what
        // a copy keeps here) outlived the requests since.
        let again = PageRequest {
            query: query.clone(),
            size: pages[0].0,
            page: pages[0].1,
            snapshot: None,
        };
        let repeat = partial_page(&t, &blocks, &again, now);
        prop_assert!(
            !matches!(repeat, Err(DomainError::NotHeld(_))),
            "{:?} looked up again: {:?}",
            again,
            repeat
        );
    }
    Ok(())
}

/// Who ran a job and what it was, by its amount: what listings filter and search on.
fn tagged(mut op: Operation, amount: i64) -> Operation {
    let usage = match &mut op {
        Operation::Consume(c) => &mut c.usage,
        Operation::Hold(h) => &mut h.usage,
        _ => return op,
    };
    let member = if amount % 2 == 0 { "ann" } else { "bob" };
    usage.member = Some(creditboard_domain::ids::MemberId::new(member).unwrap());
    usage.description = creditboard_domain::ids::Label::fitted(&format!("Render {}", amount % 3));
    op
}

/// Filtered listings (a kind, a status, a member, a text search) scanned from the entries as
/// a store reads them, set up on a ledger that may hold only the entries after a snapshot,
/// are the whole ledger's pages: every period, page, size and snapshot.
fn check_scan(setup: &Ledger, whole: &Ledger) -> Result<(), TestCaseError> {
    use creditboard_domain::activity::{ActivityIndex, ActivityQuery, PageRequest, activity_page};
    use creditboard_domain::entry::EntryStatus;
    use creditboard_domain::ids::MemberId;
    let now = whole.now();
    let query = |period: Option<PeriodPreset>, filter: LedgerFilter| ActivityQuery {
        period: period.map(Period::preset),
        filter,
        ..ActivityQuery::default()
    };
    let by = |kinds: Vec<EntryKind>, statuses: Vec<EntryStatus>| LedgerFilter {
        kinds,
        statuses,
        ..LedgerFilter::default()
    };
    let member = |m: &str| LedgerFilter {
        members: vec![MemberId::new(m).unwrap()],
        ..LedgerFilter::default()
    };
    let queries = [
        query(None, by(vec![], vec![EntryStatus::Success])),
        query(
            Some(PeriodPreset::Last7Days),
            by(vec![], vec![EntryStatus::Pending]),
        ),
        query(
            Some(PeriodPreset::Last1Day),
            by(vec![EntryKind::Hold], vec![]),
        ),
        query(
            Some(PeriodPreset::Last1Day),
            by(vec![], vec![EntryStatus::Pending]),
        ),
        query(
            Some(PeriodPreset::Last1Day),
            by(vec![], vec![EntryStatus::Success, EntryStatus::Failed]),
        ),
        query(
            Some(PeriodPreset::Last7Days),
            by(vec![EntryKind::Consume], vec![EntryStatus::Success]),
        ),
        query(Some(PeriodPreset::Last30Days), member("ann")),
        query(Some(PeriodPreset::AllActivity), member("bob")),
        query(
            Some(PeriodPreset::AllActivity),
            by(vec![EntryKind::Hold], vec![EntryStatus::Success]),
        ),
        query(
            Some(PeriodPreset::Last7Days),
            LedgerFilter {
                search: Some(" render 1".into()),
                ..LedgerFilter::default()
            },
        ),
        query(None, member("nobody")),
        ActivityQuery {
            period: Some(Period::custom(at(24).date_naive(), at(72).date_naive()).unwrap()),
            ..query(None, member("ann"))
        },
        ActivityQuery {
            meter: Some(MeterId::new("credits").unwrap()),
            ..query(
                Some(PeriodPreset::Last30Days),
                by(vec![], vec![EntryStatus::Failed]),
            )
        },
    ];
    let middle = Some(EntryId(whole.count() as u64 / 2));
    let pages = [
        (5, 1, None),
        (3, 4, None),
        (2, 3, middle),
        (4, 99, None),
        (1000, 1, None),
    ];
    for query in queries {
        for (size, page, snapshot) in pages {
            let req = PageRequest {
                query: query.clone(),
                size,
                page,
                snapshot,
            };
            let expected = activity_page(whole, &mut ActivityIndex::new(), &req, now).unwrap();
            prop_assert_eq!(scan_page(setup, whole, &req, now), expected, "{:?}", req);
        }
    }
    Ok(())
}

/// The CSV export streamed from the entries newest first, a few at a time, set up on a ledger
/// that may hold only the entries after a snapshot, is the export of the whole ledger.
fn check_export(setup: &Ledger, whole: &Ledger) -> Result<(), TestCaseError> {
    use creditboard_domain::account::Scan;
    use creditboard_domain::activity::{
        ActivityIndex, ActivityQuery, ExportRequest, ExportScan, ExportStream, export_chunk,
    };
    use creditboard_domain::entry::EntryStatus;
    let now = whole.now();
    let filtered = |kinds: Vec<EntryKind>, statuses: Vec<EntryStatus>| ActivityQuery {
        filter: LedgerFilter {
            kinds,
            statuses,
            ..LedgerFilter::default()
        },
        ..ActivityQuery::default()
    };
    // Two days early in the history: entries after the period too.
    let early = Period::custom(at(24).date_naive(), at(72).date_naive()).unwrap();
    let mut queries = vec![
        ActivityQuery::default(),
        ActivityQuery {
            period: Some(early),
            ..filtered(vec![], vec![EntryStatus::Success])
        },
        ActivityQuery {
            period: Some(Period::preset(PeriodPreset::Last7Days)),
            ..ActivityQuery::default()
        },
        ActivityQuery {
            period: Some(Period::preset(PeriodPreset::Last30Days)),
            meter: Some(MeterId::new("credits").unwrap()),
            ..ActivityQuery::default()
        },
        filtered(vec![], vec![EntryStatus::Success]),
        filtered(vec![], vec![EntryStatus::Pending]),
        filtered(vec![EntryKind::Hold], vec![]),
        filtered(vec![EntryKind::Consume], vec![EntryStatus::Failed]),
        filtered(vec![EntryKind::Purchase], vec![]),
    ];
    if setup.base() == 0 {
        queries.push(ActivityQuery {
            period: Some(Period::preset(PeriodPreset::AllActivity)),
            ..ActivityQuery::default()
        });
    }
    for query in queries {
        let request = ExportRequest {
            query: query.clone(),
            snapshot: None,
            older_than: None,
            rows: 100_000,
        };
        let expected = export_chunk(whole, &mut ActivityIndex::new(), &request, now).unwrap();
        prop_assert!(expected.older_than.is_none());
        let mut stream = ExportStream::new(setup, &query, now).unwrap();
        let newest_first: Vec<LedgerEntry> = whole.entries().iter().rev().cloned().collect();
        let mut csv = String::new();
        for chunk in newest_first.chunks(7) {
            if stream.is_done() {
                break;
            }
            csv.push_str(&stream.feed(chunk));
        }
        // The header, had there been no entry to feed.
        csv.push_str(&stream.feed(&[]));
        prop_assert_eq!(csv, expected.csv, "{:?}", query);
        // The dashboard's export chunk by chunk, each scanned from the entries below it with
        // what settled its rows looked up: the whole ledger's chunks.
        if query.period == Some(Period::preset(PeriodPreset::AllActivity)) {
            continue;
        }
        let middle = Some(EntryId(whole.count() as u64 / 2));
        for (rows, snapshot) in [(3, None), (1, middle), (100_000, None)] {
            let mut request = ExportRequest {
                query: query.clone(),
                snapshot,
                older_than: None,
                rows,
            };
            for _ in 0..=whole.count() {
                let expected =
                    export_chunk(whole, &mut ActivityIndex::new(), &request, now).unwrap();
                let scan = ExportScan::new(setup, &request, now).unwrap();
                let scan = scan.counting(expected.total);
                let Scan::Export(scan) = run_scan(Scan::Export(scan), whole.entries()) else {
                    unreachable!("an export's scan");
                };
                let chunk = scan.chunk();
                prop_assert_eq!(&chunk, &expected, "{:?}", request);
                match chunk.older_than {
                    Some(_) => {
                        request.older_than = chunk.older_than;
                        request.snapshot = Some(chunk.snapshot);
                    }
                    None => break,
                }
            }
        }
    }
    Ok(())
}

/// Draw-down is greedy and ordered, checked against an independent model: from the buckets
/// open when the debit happened, ranked by the account's order, take greedily, and only then
/// use the overdraft.
fn check_draw_down(before: &Ledger, receipt: &Ran) -> Result<(), TestCaseError> {
    let primary = receipt.primary();
    if !matches!(primary.kind, EntryKind::Consume | EntryKind::Hold) {
        return Ok(());
    }
    // The state the debit met: the ledger before it, with everything due by then written.
    let mut then = before.clone();
    then.advance_to(primary.at).unwrap();
    let mut open: Vec<Bucket> = then
        .buckets(&primary.meter)
        .unwrap()
        .iter()
        .filter(|b| b.balance.is_positive() && b.is_open(primary.at))
        .cloned()
        .collect();
    let never = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    match &then.config().draw_down {
        DrawDownOrder::IncludedThenSoonestExpiring => open.sort_by_key(|b| {
            let rank = match (b.kind, b.expires_at) {
                (BucketKind::Included, _) => 0,
                (_, Some(_)) => 1,
                (BucketKind::Rollover, None) => 2,
                (BucketKind::Additional, None) => 3,
                (_, None) => 4,
            };
            (rank, b.expires_at.unwrap_or(never), b.granted_at, b.id)
        }),
        DrawDownOrder::ByKind(kinds) => open.sort_by_key(|b| {
            let rank = kinds
                .iter()
                .position(|k| *k == b.kind)
                .unwrap_or(kinds.len());
            (rank, b.expires_at.unwrap_or(never), b.granted_at, b.id)
        }),
    }
    let mut left = -primary.amount.get();
    let mut expected: Vec<(BucketId, i64)> = Vec::new();
    for b in &open {
        if left == 0 {
            break;
        }
        let take = left.min(b.balance.get());
        expected.push((b.id, -take));
        left -= take;
    }
    if left > 0 {
        expected.push((BucketId::OVERDRAFT, -left));
    }
    let actual: Vec<(BucketId, i64)> = primary
        .split
        .iter()
        .map(|s| (s.bucket, s.amount.get()))
        .collect();
    prop_assert_eq!(actual, expected, "draw-down of entry {}", primary.id);
    Ok(())
}
