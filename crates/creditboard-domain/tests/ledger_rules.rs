//! The ledger's rules, one test per rule, with cases taken from the products' help pages.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use common::*;
use creditboard_domain::config::DrawDownOrder;
use creditboard_domain::config::meter::{
    Allocation, AutoTopUp, BucketKind, PurchasePolicy, TopUpAmount, UnusedAllocation,
};
use creditboard_domain::entry::{EntryKind, EntryStatus, JobStatus};
use creditboard_domain::{Amount, DomainError, Ledger};

/// ACT3: "Monthly credits are used first; rollover credits kick in when the monthly allocation
/// runs out", and the bank accumulates "up to a plan-specific cap".
#[test]
fn act3_monthly_allocation_is_used_before_the_rollover_bank_and_the_bank_is_capped() {
    let mut cfg = config("America/Los_Angeles");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(1000),
        unused: UnusedAllocation::Rollover {
            cap: Amount::minor(1500),
        },
    });
    cfg.meters[0].purchases = PurchasePolicy {
        into: BucketKind::Rollover,
        expires_after_days: None,
    };
    let opened = local("America/Los_Angeles", "2026-01-01 00:00");
    let mut l = Ledger::open(cfg, opened).unwrap();
    assert_eq!(available(&l), 1000);

    // January: use 200, so 800 roll into the bank on Feb 1.
    l.run(consume(
        "j1",
        200,
        local("America/Los_Angeles", "2026-01-10 09:00"),
    ))
    .unwrap();
    l.advance_to(local("America/Los_Angeles", "2026-02-01 00:00"))
        .unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Rollover), 800);
    assert_eq!(bucket_balance(&l, BucketKind::Included), 1000);
    assert_eq!(available(&l), 1800);

    // A 1,100 job takes the whole monthly allocation first, then 100 from the bank.
    let r = l
        .run(consume(
            "j2",
            1100,
            local("America/Los_Angeles", "2026-02-03 10:00"),
        ))
        .unwrap();
    let split = &r.entries[0].split;
    assert_eq!(split.len(), 2);
    assert_eq!(
        (split[0].kind, split[0].amount.get()),
        (BucketKind::Included, -1000)
    );
    assert_eq!(
        (split[1].kind, split[1].amount.get()),
        (BucketKind::Rollover, -100)
    );

    // March and April without usage: the bank fills to its cap of 1,500 and no further.
    l.advance_to(local("America/Los_Angeles", "2026-04-01 00:00"))
        .unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Rollover), 1500);
    // Of April's unused 1,000 on May 1 nothing fits; all of it lapses through an expiry entry.
    l.advance_to(local("America/Los_Angeles", "2026-05-01 00:00"))
        .unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Rollover), 1500);
    let last_lapse = l
        .entries()
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::Expiry)
        .unwrap();
    assert_eq!(last_lapse.amount.get(), -1000);
    assert_eq!(available(&l), 2500);

    // Purchased credits land in the rollover bank, above the cap (the cap limits rollover only).
    l.run(purchase(
        "buy",
        5000,
        local("America/Los_Angeles", "2026-05-02 12:00"),
    ))
    .unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Rollover), 6500);
    assert_balance_is_sum_of_entries(&l);
}

/// VideoGen: "Your included credits are used first. Once they run out, your additional credits
/// are used", additional credits "do not expire", and the next refill date is shown.
#[test]
fn videogen_included_before_additional_and_next_refill_date() {
    let mut cfg = config("Europe/Berlin");
    cfg.billing.anchor_day = 15;
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(500),
        unused: UnusedAllocation::Lapse,
    });
    let opened = local("Europe/Berlin", "2026-03-20 08:00");
    let mut l = Ledger::open(cfg, opened).unwrap();
    l.run(purchase(
        "mini",
        2000,
        local("Europe/Berlin", "2026-03-20 09:00"),
    ))
    .unwrap();
    let r = l
        .run(consume(
            "c1",
            600,
            local("Europe/Berlin", "2026-03-21 09:00"),
        ))
        .unwrap();
    let kinds: Vec<_> = r.entries[0]
        .split
        .iter()
        .map(|s| (s.kind, s.amount.get()))
        .collect();
    assert_eq!(
        kinds,
        vec![(BucketKind::Included, -500), (BucketKind::Additional, -100)]
    );

    let balance = l.balance(&meter()).unwrap();
    // The next cycle starts on April 15 at local midnight (CEST, UTC+2).
    assert_eq!(balance.next_refill, Some(utc("2026-04-14T22:00:00Z")));

    // At the refill nothing is left to lapse; the purchased credits are untouched.
    l.advance_to(utc("2026-04-14T22:00:00Z")).unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Included), 500);
    assert_eq!(bucket_balance(&l, BucketKind::Additional), 1900);
    // A year later they still have not expired.
    l.advance_to(local("Europe/Berlin", "2027-04-01 00:00"))
        .unwrap();
    assert_eq!(bucket_balance(&l, BucketKind::Additional), 1900);
    assert_balance_is_sum_of_entries(&l);
}

/// Foto Master: a USD balance "down to the cent", and the balance after each transaction.
#[test]
fn fotomaster_balance_after_each_consume_to_the_cent() {
    let mut cfg = config("Australia/Sydney");
    cfg.meters[0].decimals = 2;
    let t = |h| local("Australia/Sydney", &format!("2026-06-01 {h:02}:00"));
    let mut l = Ledger::open(cfg, t(8)).unwrap();
    l.run(purchase("topup", usd("50.00"), t(9))).unwrap();
    let costs = ["0.35", "1.20", "0.05", "12.99"];
    let mut expected = usd("50.00");
    for (i, c) in costs.iter().enumerate() {
        let r = l
            .run(consume(&format!("job{i}"), usd(c), t(10 + i as u32)))
            .unwrap();
        expected -= usd(c);
        assert_eq!(r.entries[0].amount.get(), -usd(c));
        assert_eq!(r.entries[0].balance_after.get(), expected, "after {c}");
    }
    assert_eq!(expected, 3541); // 50.00 − 0.35 − 1.20 − 0.05 − 12.99 = 35.41
    assert_eq!(
        l.entries().last().unwrap().balance_after.to_decimal(2),
        "35.41"
    );
}

#[test]
fn a_repeated_idempotency_key_answers_with_the_first_result_and_changes_nothing() {
    let mut l = funded(1000);
    let first = l.run(consume("job-7", 30, at(1))).unwrap();
    let before = l.clone();
    let again = l.run(consume("job-7", 30, at(2))).unwrap();
    assert!(again.replayed && !first.replayed);
    assert_eq!(again.entries, first.entries);
    assert!(l.same_state(&before));
    // The same key for a different request is a conflict, not a silent replay.
    let err = l.run(consume("job-7", 31, at(3))).unwrap_err();
    assert_eq!(
        err,
        DomainError::IdempotencyConflict {
            key: "job-7".into(),
            differs: "amount: first “30”, now “31”".into()
        }
    );
    assert!(l.same_state(&before));
}

#[test]
fn a_consume_larger_than_the_balance_is_refused_and_changes_nothing() {
    let mut l = funded(100);
    let before = l.clone();
    let err = l.run(consume("big", 101, at(1))).unwrap_err();
    assert!(matches!(
        err,
        DomainError::InsufficientCredits { requested, available, .. }
            if requested.get() == 101 && available.get() == 100
    ));
    assert!(l.same_state(&before));
    assert_eq!(
        err.to_string(),
        "not enough credits on “Credits”: 101 needed, 100 available"
    );
    // The key was not used up by the refused request.
    l.run(consume("big", 100, at(2))).unwrap();
    assert_eq!(available(&l), 0);
}

#[test]
fn an_overdraft_limit_lets_the_balance_go_negative_and_the_next_grant_repays_it() {
    let mut cfg = config("UTC");
    cfg.meters[0].overdraft_limit = Amount::minor(50);
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 100, at(1))).unwrap();
    let r = l.run(consume("c", 140, at(2))).unwrap();
    assert_eq!(r.entries[0].balance_after.get(), -40);
    assert_eq!(
        r.entries[0].split.last().unwrap().kind,
        BucketKind::Overdraft
    );
    assert!(matches!(
        l.run(consume("c2", 11, at(3))),
        Err(DomainError::InsufficientCredits { .. })
    ));
    let p = l.run(purchase("p2", 100, at(4))).unwrap();
    let split: Vec<_> = p.entries[0]
        .split
        .iter()
        .map(|s| (s.kind, s.amount.get()))
        .collect();
    assert_eq!(
        split,
        vec![(BucketKind::Overdraft, 40), (BucketKind::Additional, 60)]
    );
    assert_eq!(l.balance(&meter()).unwrap().debt.get(), 0);
    assert_balance_is_sum_of_entries(&l);
}

#[test]
fn a_failed_jobs_refund_is_linked_to_its_consume() {
    let mut l = funded(1000);
    let c = l
        .run(consume_with("render", 120, at(1), JobStatus::Failed))
        .unwrap();
    let charge = &c.entries[0];
    assert_eq!(charge.status, EntryStatus::Failed);
    let r = l
        .run(refund("render-refund", charge.id, None, at(2)))
        .unwrap();
    let refunded = &r.entries[0];
    assert_eq!(refunded.kind, EntryKind::Refund);
    assert_eq!(refunded.reverses, Some(charge.id));
    assert_eq!(refunded.amount.get(), 120);
    assert_eq!(
        refunded.usage, charge.usage,
        "a refund carries the attributes of its charge"
    );
    assert_eq!(available(&l), 1000);
    // Nothing is left to refund.
    let err = l.run(refund("again", charge.id, None, at(3))).unwrap_err();
    assert_eq!(err.code(), "refund_exceeds_charge");
}

#[test]
fn partial_refunds_never_exceed_the_charge() {
    let mut l = funded(1000);
    let id = l.run(consume("c", 100, at(1))).unwrap().entries[0].id;
    l.run(refund("r1", id, Some(30), at(2))).unwrap();
    l.run(refund("r2", id, Some(70), at(3))).unwrap();
    assert_eq!(l.refunded(id).get(), 100);
    assert_eq!(
        l.run(refund("r3", id, Some(1), at(4))).unwrap_err().code(),
        "refund_exceeds_charge"
    );
    let purchase_id = l.entries()[0].id;
    assert_eq!(l.entries()[0].kind, EntryKind::Purchase);
    assert_eq!(
        l.run(refund("r4", purchase_id, None, at(5)))
            .unwrap_err()
            .code(),
        "not_refundable"
    );
    assert_eq!(
        l.run(refund("r5", creditboard_domain::EntryId(999), None, at(5)))
            .unwrap_err()
            .code(),
        "unknown_entry"
    );
    assert_eq!(available(&l), 1000);
}

#[test]
fn holds_are_captured_fully_partially_or_released() {
    let mut l = funded(1000);
    let h1 = l.run(hold("h1", 300, at(1))).unwrap().entries[0].clone();
    assert_eq!(
        (h1.kind, h1.status, h1.amount.get()),
        (EntryKind::Hold, EntryStatus::Pending, -300)
    );
    let b = l.balance(&meter()).unwrap();
    assert_eq!((b.available.get(), b.held.get()), (700, 300));

    // Partial capture: 120 charged, 180 back.
    let cap = l.run(capture("cap1", h1.id, 120, at(2))).unwrap();
    let kinds: Vec<_> = cap
        .entries
        .iter()
        .map(|e| (e.kind, e.amount.get()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::HoldRelease, 300),
            (EntryKind::HoldCapture, -120)
        ]
    );
    assert_eq!(cap.primary().kind, EntryKind::HoldCapture);
    let b = l.balance(&meter()).unwrap();
    assert_eq!((b.available.get(), b.held.get()), (880, 0));
    assert!(!l.is_pending_hold(h1.id));
    assert_eq!(
        l.run(capture("cap1b", h1.id, 1, at(3))).unwrap_err().code(),
        "hold_not_pending"
    );

    // Full capture.
    let h2 = l.run(hold("h2", 200, at(4))).unwrap().entries[0].id;
    assert_eq!(
        l.run(capture("cap2", h2, 201, at(5))).unwrap_err().code(),
        "capture_exceeds_hold"
    );
    l.run(capture("cap2", h2, 200, at(5))).unwrap();
    assert_eq!(available(&l), 680);

    // Release.
    let h3 = l.run(hold("h3", 500, at(6))).unwrap().entries[0].id;
    assert_eq!(available(&l), 180);
    l.run(release("rel3", h3, at(7))).unwrap();
    assert_eq!(available(&l), 680);
    assert_eq!(l.balance(&meter()).unwrap().held.get(), 0);

    // A hold larger than the balance is refused like a consume.
    assert_eq!(
        l.run(hold("h4", 681, at(8))).unwrap_err().code(),
        "insufficient_credits"
    );
    // Captured holds count as usage and can be refunded.
    let capture_id = l
        .entries()
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::HoldCapture)
        .unwrap()
        .id;
    l.run(refund("ref", capture_id, None, at(9))).unwrap();
    assert_eq!(available(&l), 880);
    assert_balance_is_sum_of_entries(&l);
}

#[test]
fn an_auto_top_up_fires_once_per_crossing_within_its_monthly_cap() {
    let mut cfg = sold(config("UTC"));
    cfg.meters[0].auto_top_up = Some(AutoTopUp {
        enabled: true,
        threshold: Amount::minor(100),
        amount: TopUpAmount::Fixed(Amount::minor(500)),
        monthly_cap: Some(Amount::minor(1000)),
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 300, at(1))).unwrap();
    // 300 → 150: still above the threshold.
    let r = l.run(consume("c1", 150, at(2))).unwrap();
    assert_eq!(r.entries.len(), 1);
    // 150 → 50 crosses below 100: one top-up of 500, keyed after the consume that caused it.
    let r = l.run(consume("c2", 100, at(3))).unwrap();
    assert_eq!(r.entries.len(), 2);
    assert_eq!(
        (r.entries[1].kind, r.entries[1].amount.get()),
        (EntryKind::AutoTopUp, 500)
    );
    assert_eq!(r.entries[1].key.as_str(), "c2#top-up");
    assert_eq!(available(&l), 550);
    // 550 → 120: above; 120 → 20: the second crossing, second top-up (cap reached: 1,000).
    l.run(consume("c3", 430, at(4))).unwrap();
    let r = l.run(consume("c4", 100, at(5))).unwrap();
    assert_eq!(r.entries.len(), 2);
    assert_eq!(available(&l), 520);
    // Third crossing this month: the cap stops it.
    l.run(consume("c5", 430, at(6))).unwrap();
    let r = l.run(consume("c6", 50, at(7))).unwrap();
    assert_eq!(r.entries.len(), 1, "the monthly cap of 1,000 is used up");
    assert_eq!(available(&l), 40);
    // Staying below the threshold is not a new crossing, even in a new month.
    let next_month = utc("2026-02-01T10:00:00Z");
    let r = l.run(consume("c7", 10, next_month)).unwrap();
    assert_eq!(r.entries.len(), 1);
    // Back above and across again in the new month: it fires.
    l.run(purchase("p2", 200, next_month)).unwrap();
    let r = l.run(consume("c8", 200, next_month)).unwrap();
    assert_eq!(r.entries.len(), 2);
    let top_ups = l
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::AutoTopUp)
        .count();
    assert_eq!(top_ups, 3);
    // Repeating the consume that caused a top-up answers with both entries and adds nothing.
    let again = l.run(consume("c8", 200, next_month)).unwrap();
    assert!(again.replayed);
    assert_eq!(again.entries.len(), 2);
    assert_eq!(
        l.entries()
            .iter()
            .filter(|e| e.kind == EntryKind::AutoTopUp)
            .count(),
        3
    );
}

#[test]
fn refill_to_tops_up_to_the_target() {
    let mut cfg = sold(config("UTC"));
    cfg.meters[0].auto_top_up = Some(AutoTopUp {
        enabled: true,
        threshold: Amount::minor(100),
        amount: TopUpAmount::RefillTo(Amount::minor(1000)),
        monthly_cap: None,
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 300, at(1))).unwrap();
    let r = l.run(consume("c", 270, at(2))).unwrap();
    assert_eq!(r.entries[1].amount.get(), 970);
    assert_eq!(available(&l), 1000);
}

#[test]
fn promotional_credits_expire_through_an_entry_and_are_used_before_they_do() {
    let mut l = funded(1000);
    l.run(grant("welcome", 200, at(1), Some(at(48)))).unwrap();
    // Default order: included (none here), then the soonest expiring (the promotion).
    let r = l.run(consume("c", 150, at(2))).unwrap();
    assert_eq!(r.entries[0].split[0].kind, BucketKind::Promotional);
    assert_eq!(available(&l), 1050);
    // At expiry the remaining 50 leave through an expiry entry, timed at the expiry.
    l.advance_to(at(72)).unwrap();
    let e = l.entries().last().unwrap();
    assert_eq!(
        (e.kind, e.amount.get(), e.at),
        (EntryKind::Expiry, -50, at(48))
    );
    assert_eq!(available(&l), 1000);
    assert_balance_is_sum_of_entries(&l);
}

#[test]
fn a_refund_into_an_expired_bucket_expires_again_at_once() {
    let mut l = funded(0);
    l.run(grant("promo", 100, at(1), Some(at(10)))).unwrap();
    let id = l.run(consume("c", 80, at(2))).unwrap().entries[0].id;
    l.advance_to(at(11)).unwrap();
    let r = l.run(refund("late-refund", id, None, at(12))).unwrap();
    let kinds: Vec<_> = r.entries.iter().map(|e| (e.kind, e.amount.get())).collect();
    assert_eq!(
        kinds,
        vec![(EntryKind::Refund, 80), (EntryKind::Expiry, -80)]
    );
    assert_eq!(available(&l), 0);
}

#[test]
fn the_draw_down_order_is_configurable_per_account() {
    let mut cfg = config("UTC");
    cfg.draw_down = DrawDownOrder::ByKind(vec![BucketKind::Additional, BucketKind::Promotional]);
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(grant("promo", 100, at(1), Some(at(10)))).unwrap();
    l.run(purchase("p", 100, at(1))).unwrap();
    let r = l.run(consume("c", 150, at(2))).unwrap();
    let kinds: Vec<_> = r.entries[0]
        .split
        .iter()
        .map(|s| (s.kind, s.amount.get()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (BucketKind::Additional, -100),
            (BucketKind::Promotional, -50)
        ]
    );
}

#[test]
fn bad_input_gets_a_typed_error_and_changes_nothing() {
    let mut l = funded(1000);
    let before = l.clone();
    let cases: Vec<(creditboard_domain::Operation, &str)> = vec![
        (consume("z", 0, at(1)), "non_positive_amount"),
        (consume("n", -5, at(1)), "non_positive_amount"),
        (consume_on("m", "minutes", 5, at(1)), "unknown_meter"),
        (purchase("p0", 0, at(1)), "non_positive_amount"),
        (grant("g", 10, at(5), Some(at(5))), "expiry_not_after_grant"),
        (adjust("a", 0, at(1)), "zero_amount"),
        (
            consume("old", 5, utc("2020-01-01T00:00:00Z")),
            "time_went_backwards",
        ),
        (
            capture("cx", creditboard_domain::EntryId(1), 5, at(1)),
            "hold_not_pending",
        ),
        (
            release("rx", creditboard_domain::EntryId(77), at(1)),
            "hold_not_pending",
        ),
    ];
    for (op, code) in cases {
        let err = l.run(op).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert!(!err.to_string().is_empty());
        assert!(l.same_state(&before), "{code} changed the ledger");
    }
}

#[test]
fn a_refused_operation_also_undoes_the_due_events_it_would_have_written() {
    let mut l = funded(100);
    l.run(grant("promo", 50, at(1), Some(at(5)))).unwrap();
    let before = l.clone();
    // At hour 6 the promotion has expired, so 120 > 100 is refused, and the expiry that
    // would have been written on the way is not kept either.
    assert!(l.run(consume("c", 120, at(6))).is_err());
    assert!(l.same_state(&before));
    assert_eq!(l.now(), before.now());
}

#[test]
fn adjustments_add_or_remove_without_counting_as_usage() {
    let mut l = funded(100);
    let up = l.run(adjust("a1", 25, at(1))).unwrap();
    let down = l.run(adjust("a2", -40, at(2))).unwrap();
    assert_eq!(available(&l), 85);
    assert!(up.entries[0].net_usage().is_zero() && down.entries[0].net_usage().is_zero());
}

#[test]
fn replaying_the_entries_rebuilds_the_same_ledger() {
    let mut cfg = config("America/New_York");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(1000),
        unused: UnusedAllocation::Rollover {
            cap: Amount::minor(700),
        },
    });
    let mut l = Ledger::open(cfg.clone(), at(0)).unwrap();
    l.run(grant("g", 90, at(1), Some(at(24 * 40)))).unwrap();
    let h = l.run(hold("h", 300, at(2))).unwrap().entries[0].id;
    l.run(consume("c", 250, at(3))).unwrap();
    l.run(capture("cap", h, 100, at(4))).unwrap();
    l.run(hold("h2", 20, at(5))).unwrap();
    l.advance_to(at(24 * 70)).unwrap();
    let rebuilt = Ledger::replay(cfg, at(0), l.entries().to_vec()).unwrap();
    assert!(rebuilt.same_state(&l));

    // A tampered balance is detected.
    let mut entries = l.entries().to_vec();
    entries[2].balance_after = Amount::minor(entries[2].balance_after.get() + 1);
    let err = Ledger::replay(l.config().clone(), at(0), entries).unwrap_err();
    assert_eq!(err.code(), "corrupt_ledger");
}

/// Issue 20, "replay accepts a duplicate key silently": stored entries whose key was already
/// used by another operation are a corrupt ledger, said with both entries, not a replay.
#[test]
fn replay_refuses_a_key_used_twice() {
    let cfg = config("UTC");
    let mut l = Ledger::open(cfg.clone(), at(0)).unwrap();
    l.run(purchase("p", 1_000, at(0))).unwrap();
    l.run(consume("a", 10, at(1))).unwrap();
    l.run(consume("b", 20, at(2))).unwrap();
    l.run(consume("c", 30, at(3))).unwrap();
    let mut entries = l.entries().to_vec();
    let (first, last) = (entries[1].clone(), entries.len() - 1);
    entries[last].key = first.key.clone();
    let err = Ledger::replay(cfg, at(0), entries).unwrap_err();
    assert_eq!(err.code(), "corrupt_ledger");
    assert_eq!(
        err.to_string(),
        format!(
            "the stored ledger is inconsistent: entry {}: its key “a” is entry {}'s",
            l.entries()[last].id,
            first.id
        )
    );
}

/// Credits given back after the overdraft they created was repaid go where purchases go, not
/// into negative debt.
#[test]
fn refunds_and_releases_after_the_overdraft_was_repaid() {
    let mut cfg = config("UTC");
    cfg.meters[0].overdraft_limit = Amount::minor(50);
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p1", 100, at(1))).unwrap();
    let charge = l.run(consume("c", 140, at(2))).unwrap().entries[0].id;
    l.run(purchase("p2", 100, at(3))).unwrap(); // repays the 40 of debt
    assert_eq!(l.balance(&meter()).unwrap().debt.get(), 0);
    let r = l.run(refund("r", charge, None, at(4))).unwrap();
    assert!(
        r.entries[0]
            .split
            .iter()
            .all(|s| s.kind != BucketKind::Overdraft)
    );
    assert_eq!(available(&l), 200, "both purchases, nothing used");

    // The same for a hold that went into overdraft, then a purchase, then capture or release.
    let h1 = l.run(hold("h1", 230, at(5))).unwrap().entries[0].id;
    assert_eq!(l.balance(&meter()).unwrap().debt.get(), 30);
    l.run(purchase("p3", 100, at(6))).unwrap();
    l.run(capture("cap", h1, 200, at(7))).unwrap();
    assert_eq!(available(&l), 100, "300 in, 200 captured");
    let h2 = l.run(hold("h2", 140, at(8))).unwrap().entries[0].id;
    l.run(purchase("p4", 100, at(9))).unwrap();
    l.run(release("rel", h2, at(10))).unwrap();
    let b = l.balance(&meter()).unwrap();
    assert_eq!((b.available.get(), b.held.get(), b.debt.get()), (200, 0, 0));
    assert_balance_is_sum_of_entries(&l);
    let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
    assert!(rebuilt.same_state(&l));
}

#[test]
fn instants_outside_the_supported_range_are_refused_without_panicking() {
    let mut l = funded(100);
    let far = chrono::NaiveDate::from_ymd_opt(200_000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        l.run(consume("far", 5, far)).unwrap_err().code(),
        "time_out_of_range"
    );
    assert_eq!(
        l.run(grant("g", 5, at(1), Some(far))).unwrap_err().code(),
        "time_out_of_range"
    );
    assert_eq!(l.advance_to(far).unwrap_err().code(), "time_out_of_range");
    let mut cfg = config("UTC");
    cfg.meters[0].purchases.expires_after_days = Some(100_000_000);
    assert_eq!(
        Ledger::open(cfg, at(0)).unwrap_err().code(),
        "invalid_config"
    );
}

#[test]
fn a_deserialized_request_with_a_reserved_key_is_refused() {
    let mut l = funded(100);
    let json = serde_json::json!({
        "op": "consume", "key": "job#1", "meter": "credits", "amount": 5,
        "at": "2026-01-01T05:00:00Z"
    });
    let op: creditboard_domain::Operation = serde_json::from_value(json).unwrap();
    let before = l.clone();
    assert_eq!(l.run(op).unwrap_err().code(), "invalid_id");
    assert!(l.same_state(&before));
}

/// A balance cannot be bought past the limit, and a meter near it keeps working: its refills
/// and rollovers still fit, so the ledger can never get stuck on an overflow.
#[test]
fn balances_stop_at_the_limit_and_a_full_meter_keeps_refilling() {
    use creditboard_domain::amount::MAX_BALANCE;
    let mut cfg = config("UTC");
    cfg.meters[0].allocation = Some(Allocation {
        amount: MAX_BALANCE,
        unused: UnusedAllocation::Rollover { cap: MAX_BALANCE },
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    let before = l.clone();
    let err = l.run(purchase("too-much", 1, at(1))).unwrap_err();
    assert_eq!(err.code(), "balance_limit");
    assert!(l.same_state(&before));
    assert_eq!(
        l.run(grant("g", 1, at(1), None)).unwrap_err().code(),
        "balance_limit"
    );
    // Two cycles later: the allocation rolled into the bank and was granted again.
    l.advance_to(at(24 * 62)).unwrap();
    assert_eq!(available(&l), 2 * MAX_BALANCE.get());
    l.run(consume("c", 5, at(24 * 62 + 1))).unwrap();
    assert_balance_is_sum_of_entries(&l);

    let mut cfg = config("UTC");
    cfg.meters[0].overdraft_limit = Amount::minor(MAX_BALANCE.get() + 1);
    assert_eq!(
        Ledger::open(cfg, at(0)).unwrap_err().code(),
        "invalid_config"
    );
}

/// VideoGen's additional credits never expire; a product may make them expire, through an
/// expiry entry, and the soonest-expiring purchase is used first.
#[test]
fn purchased_credits_can_expire_and_the_sooner_one_is_used_first() {
    let mut cfg = config("UTC");
    cfg.meters[0].purchases = PurchasePolicy {
        into: BucketKind::Additional,
        expires_after_days: Some(30),
    };
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    let first = l.run(purchase("p1", 100, at(0))).unwrap();
    assert_eq!(first.entries[0].expires_at, Some(at(24 * 30)));
    l.run(purchase("p2", 100, at(24 * 10))).unwrap();
    let c = l.run(consume("c", 60, at(24 * 20))).unwrap();
    assert_eq!(c.entries[0].split.len(), 1);
    assert_eq!(
        c.entries[0].split[0].bucket,
        first.entries[0].split[0].bucket
    );
    l.advance_to(at(24 * 35)).unwrap();
    let expiry = l.entries().last().unwrap();
    assert_eq!(
        (expiry.kind, expiry.amount.get(), expiry.at),
        (EntryKind::Expiry, -40, at(24 * 30))
    );
    assert_eq!(available(&l), 100);
    assert_balance_is_sum_of_entries(&l);

    let mut cfg = config("UTC");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(10),
        unused: UnusedAllocation::Rollover {
            cap: Amount::minor(10),
        },
    });
    cfg.meters[0].purchases = PurchasePolicy {
        into: BucketKind::Rollover,
        expires_after_days: Some(30),
    };
    assert_eq!(
        Ledger::open(cfg, at(0)).unwrap_err().code(),
        "invalid_config"
    );
}

/// Lucas bills rendering minutes and AI credits separately: each meter has its own balance,
/// allocation and entries, and one meter running dry leaves the other untouched.
#[test]
fn two_meters_are_billed_separately() {
    let mut cfg = config("Europe/Berlin");
    let mut minutes = cfg.meters[0].clone();
    minutes.id = creditboard_domain::ids::MeterId::new("minutes").unwrap();
    minutes.name = "Video Rendering Minutes".into();
    minutes.decimals = 1;
    minutes.allocation = Some(Allocation {
        amount: Amount::minor(6_000),
        unused: UnusedAllocation::Lapse,
    });
    cfg.meters.push(minutes);
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("credits", 50, at(1))).unwrap();
    l.run(consume_on("render", "minutes", 125, at(2))).unwrap();
    let err = l.run(consume("ai", 51, at(3))).unwrap_err();
    assert_eq!(err.code(), "insufficient_credits");
    l.run(consume_on("render2", "minutes", 5_000, at(4)))
        .unwrap();
    let mins = creditboard_domain::ids::MeterId::new("minutes").unwrap();
    assert_eq!(l.balance(&mins).unwrap().available.get(), 6_000 - 5_125);
    assert_eq!(available(&l), 50);
    assert_balance_is_sum_of_entries(&l);
    assert!(
        l.entries()
            .iter()
            .filter(|e| e.key.as_str().starts_with("render"))
            .all(|e| e.meter == mins)
    );
}

/// A failed render gives its hold back and says it failed, so the activity shows "Failed —
/// not charged" rather than a silent release.
#[test]
fn a_failed_job_releases_its_hold_as_failed() {
    let mut l = funded(500);
    let h = l.run(hold("h", 200, at(1))).unwrap().entries[0].id;
    let r = l
        .run(release_with("r", h, at(2), JobStatus::Failed))
        .unwrap();
    let e = r.primary();
    assert_eq!(
        (e.kind, e.status, e.amount.get(), e.reverses),
        (EntryKind::HoldRelease, EntryStatus::Failed, 200, Some(h))
    );
    assert_eq!(available(&l), 500);
}

/// Stored entries that break a rule are refused on replay, never applied.
#[test]
fn replay_refuses_entries_that_break_the_rules() {
    let mut l = funded(100);
    let c = l.run(consume("c", 30, at(1))).unwrap().entries[0].id;
    l.run(refund("r", c, Some(10), at(2))).unwrap();
    let h = l.run(hold("h", 20, at(3))).unwrap().entries[0].id;
    l.run(capture("cap", h, 15, at(4))).unwrap();
    let good = l.entries().to_vec();
    assert!(
        Ledger::replay(l.config().clone(), at(0), good.clone())
            .unwrap()
            .same_state(&l)
    );
    let tamper = |what: &str, edit: &dyn Fn(&mut Vec<creditboard_domain::LedgerEntry>)| {
        let mut entries = good.clone();
        edit(&mut entries);
        let err = Ledger::replay(l.config().clone(), at(0), entries).unwrap_err();
        assert_eq!(err.code(), "corrupt_ledger", "{what}: {err}");
    };
    let by_kind = |entries: &[creditboard_domain::LedgerEntry], kind| {
        entries.iter().position(|e| e.kind == kind).unwrap()
    };
    tamper("a bucket named twice, going below zero", &|e| {
        let i = by_kind(e, EntryKind::Consume);
        let mut s = e[i].split[0];
        s.amount = Amount::minor(-60);
        e[i].split = vec![s, s];
        e[i].amount = Amount::minor(-120);
        e[i].balance_after = Amount::minor(-20);
    });
    tamper("a refund of more than was charged", &|e| {
        let i = by_kind(e, EntryKind::Refund);
        e[i].reverses = Some(creditboard_domain::EntryId(1)); // the purchase, not a charge
    });
    tamper("a consume that adds credits", &|e| {
        let i = by_kind(e, EntryKind::Consume);
        for s in &mut e[i].split {
            s.amount = Amount::minor(-s.amount.get());
        }
        e[i].amount = Amount::minor(30);
        e[i].balance_after = Amount::minor(130);
    });
    tamper("a release of something that is not a hold", &|e| {
        let i = by_kind(e, EntryKind::HoldRelease);
        e[i].reverses = Some(c);
    });
    tamper("a bucket id at the end of the range", &|e| {
        for s in &mut e[0].split {
            s.bucket = creditboard_domain::entry::BucketId(u32::MAX);
        }
    });
}
