//! Properties over random operation sequences and random account setups: whatever happens,
//! the books balance, nothing goes negative, retries and refusals change nothing, the
//! draw-down order holds, and the entries alone rebuild the ledger.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::Duration;
use common::*;
use creditboard_domain::account::{
    Allocation, AutoTopUp, BucketKind, DrawDownOrder, TopUpAmount, UnusedAllocation,
};
use creditboard_domain::entry::{EntryId, EntryKind, JobStatus, Operation};
use creditboard_domain::{Amount, Ledger};
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
    top_up: Option<(i64, i64, Option<i64>)>,
    by_kind: bool,
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
        proptest::option::of((0i64..300, 1i64..1000, proptest::option::of(1i64..3000))),
        any::<bool>(),
    )
        .prop_map(
            |(tz, anchor, allocation, overdraft, top_up, by_kind)| Setup {
                tz,
                anchor,
                allocation,
                overdraft,
                top_up,
                by_kind,
            },
        )
}

fn open(s: &Setup) -> Ledger {
    let mut cfg = config(s.tz);
    cfg.billing.anchor_day = s.anchor;
    let m = &mut cfg.meters[0];
    m.allocation = s.allocation.map(|(amount, cap)| Allocation {
        amount: Amount::minor(amount),
        unused: cap.map_or(UnusedAllocation::Lapse, |c| UnusedAllocation::Rollover {
            cap: Amount::minor(c),
        }),
    });
    m.overdraft_limit = Amount::minor(s.overdraft);
    m.auto_top_up = s.top_up.map(|(threshold, amount, cap)| AutoTopUp {
        enabled: true,
        threshold: Amount::minor(threshold),
        amount: TopUpAmount::Fixed(Amount::minor(amount)),
        monthly_cap: cap.map(Amount::minor),
    });
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
    let m = &l.config().meters[0];
    let sum: i64 = l.entries().iter().map(|e| e.amount.get()).sum();
    let balance = l.balance(&meter()).unwrap();
    prop_assert_eq!(balance.available.get(), sum, "balance = sum of entries");
    if let Some(last) = l.entries().last() {
        prop_assert_eq!(last.balance_after.get(), sum, "last balance_after");
    }
    let buckets = l.buckets(&meter()).unwrap();
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
    ) {
        let mut l = open(&s);
        let mut t = at(0);
        let mut last: Option<Operation> = None;
        for (n, (intent, gap)) in intents.into_iter().enumerate() {
            t += Duration::minutes(gap);
            let k = format!("k{n}");
            let op = match intent {
                Intent::Consume(a, failed) => {
                    consume_with(&k, a, t, if failed { JobStatus::Failed } else { JobStatus::Success })
                }
                Intent::Purchase(a) => purchase(&k, a, t),
                Intent::Grant(a, h) => grant(&k, a, t, Some(t + Duration::hours(h))),
                Intent::Adjust(a) => adjust(&k, a, t),
                Intent::Hold(a) => hold(&k, a, t),
                Intent::Capture(i, a) => capture(&k, pick(&l, i, |e| e.kind == EntryKind::Hold && l.is_pending_hold(e.id)), a, t),
                Intent::Release(i) => release(&k, pick(&l, i, |e| e.kind == EntryKind::Hold && l.is_pending_hold(e.id)), t),
                Intent::Refund(i, a) => refund(&k, pick(&l, i, |e| matches!(e.kind, EntryKind::Consume | EntryKind::HoldCapture)), a, t),
                Intent::Advance => {
                    l.advance_to(t).unwrap();
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
                    check_draw_down(&l, &receipt)?;
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
        }
        let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
        prop_assert!(rebuilt.same_state(&l), "replaying the entries rebuilds the ledger");
    }
}

/// Draw-down is greedy and ordered: within a debit's split every bucket but the last was
/// emptied, and (default order) included comes first, then expiring buckets by expiry, then
/// the rest.
fn check_draw_down(l: &Ledger, receipt: &Ran) -> Result<(), TestCaseError> {
    let Some(primary) = receipt.entries.first() else {
        return Ok(());
    };
    if !matches!(primary.kind, EntryKind::Consume | EntryKind::Hold) || receipt.entries.len() > 1 {
        return Ok(());
    }
    let buckets = l.buckets(&meter()).unwrap();
    let shares: Vec<_> = primary
        .split
        .iter()
        .filter(|s| s.kind != BucketKind::Overdraft)
        .collect();
    for s in shares.iter().rev().skip(1) {
        let b = buckets.iter().find(|b| b.id == s.bucket).unwrap();
        prop_assert!(
            b.balance.is_zero(),
            "bucket {:?} was not emptied before the next",
            s.bucket
        );
    }
    if shares.len() == primary.split.len() - 1 {
        // Overdraft only after every open bucket is empty.
        let open_left = buckets
            .iter()
            .any(|b| b.is_open(primary.at) && b.balance.is_positive());
        prop_assert!(!open_left, "overdraft used while credits were left");
    }
    if matches!(
        l.config().draw_down,
        DrawDownOrder::IncludedThenSoonestExpiring
    ) {
        let rank = |id| {
            let b = buckets.iter().find(|b| b.id == id).unwrap();
            match (b.kind, b.expires_at) {
                (BucketKind::Included, _) => (0, None),
                (_, Some(e)) => (1, Some(e)),
                _ => (2, None),
            }
        };
        let ranks: Vec<_> = shares.iter().map(|s| rank(s.bucket)).collect();
        prop_assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "draw-down order: {:?}",
            ranks
        );
    }
    Ok(())
}
