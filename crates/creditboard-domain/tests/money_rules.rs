//! The money rules a host relies on, one test per defect they once had: who settles a hold,
//! when a hold expires, what a repeated idempotency key is compared on, and a batch key that
//! covers the whole batch.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::Duration;
use common::*;
use creditboard_domain::access::Caller;
use creditboard_domain::account::Account;
use creditboard_domain::batch::{BatchRequest, SettleRequest, ShotOutcome};
use creditboard_domain::config::meter::BucketKind;
use creditboard_domain::entry::{
    ConsumeOp, EntryId, EntryKind, EntryStatus, HeldBy, HoldOp, JobStatus, Operation, RefundOp,
    Usage,
};
use creditboard_domain::ids::{FeatureId, IdempotencyKey, Label, MemberId, ProjectId, TierId};
use creditboard_domain::preset::{Preset, PresetId};
use creditboard_domain::ratecard::EstimateLine;
use creditboard_domain::{Amount, DomainError, Ledger};

fn key(s: &str) -> IdempotencyKey {
    IdempotencyKey::new(s).unwrap()
}

fn member(id: &str) -> Caller {
    Caller::Member(MemberId::new(id).unwrap())
}

/// ACT3 (Maya an admin; Leo and Sam members) with its 30,000 monthly credits.
fn act3() -> Account {
    let preset = Preset::get(PresetId::Act3).unwrap();
    Account::new(
        Ledger::open(preset.config, at(0)).unwrap(),
        preset.rate_card,
    )
}

fn shot(name: &str, seconds: u64) -> EstimateLine {
    EstimateLine {
        feature: FeatureId::new("render_veo").unwrap(),
        tier: Some(TierId::new("standard").unwrap()),
        quantity: seconds,
        label: Some(Label::new(name).unwrap()),
    }
}

fn batch(k: &str, lines: Vec<EstimateLine>) -> BatchRequest {
    BatchRequest {
        key: key(k),
        lines,
        project: None,
    }
}

fn settle(k: &str, hold: EntryId, outcome: ShotOutcome) -> SettleRequest {
    SettleRequest {
        key: key(k),
        hold,
        outcome,
    }
}

fn completed(amount: i64) -> ShotOutcome {
    ShotOutcome::Completed {
        amount: Amount::minor(amount),
    }
}

fn service_hold(k: &str, amount: i64, expires_in: Option<u32>) -> Operation {
    Operation::Hold(HoldOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(amount),
        at: at(1),
        expires_in,
        held_by: HeldBy::Service,
        usage: Usage::default(),
    })
}

/// Defect 1: a member's token settled a 400-credit hold the host's service made (released
/// 400, captured 1), and the service's own capture then failed.
#[test]
fn a_member_could_settle_the_services_hold() {
    let mut a = act3();
    let hold = a
        .apply(&Caller::Service, service_hold("render-1", 400, None))
        .unwrap()
        .first;
    let before = a.ledger().clone();
    for (who, outcome) in [
        ("m_leo", completed(1)),
        ("m_leo", ShotOutcome::Failed),
        ("m_maya", completed(1)),
        ("m_maya", ShotOutcome::Failed),
    ] {
        let err = a
            .settle(&member(who), &settle("steal", hold, outcome), at(2))
            .unwrap_err();
        assert_eq!(err.code(), "not_hold_owner", "{who}: {err}");
        assert!(
            err.to_string().contains("only the service settles it"),
            "{err}"
        );
        assert!(a.ledger().same_state(&before), "{who} changed the ledger");
    }
    // The service's capture is the one that settles it.
    let op = Operation::Capture(creditboard_domain::entry::CaptureOp {
        key: key("render-1-done"),
        hold,
        amount: Amount::minor(350),
        at: at(2),
    });
    a.apply(&Caller::Service, op).unwrap();
    assert_eq!(
        a.ledger().balance(&meter()).unwrap().available.get(),
        29_650
    );

    // A member's batch is theirs: not the service's, not another member's; an admin may
    // release a shot but not complete it.
    let held = a
        .hold_batch(
            &member("m_leo"),
            &batch(
                "leo-1",
                vec![shot("One", 8), shot("Two", 8), shot("Three", 8)],
            ),
            at(3),
        )
        .unwrap();
    let (one, two, three) = (held[0].hold, held[1].hold, held[2].hold);
    assert_eq!(a.ledger().entry(one).unwrap().held_by, Some(HeldBy::Member));
    let before = a.ledger().clone();
    let service_capture = Operation::Capture(creditboard_domain::entry::CaptureOp {
        key: key("svc"),
        hold: one,
        amount: Amount::minor(80),
        at: at(4),
    });
    let refusals = [
        a.apply(&Caller::Service, service_capture).unwrap_err(),
        a.settle(&member("m_sam"), &settle("sam", one, completed(80)), at(4))
            .unwrap_err(),
        a.settle(
            &member("m_sam"),
            &settle("sam", one, ShotOutcome::Failed),
            at(4),
        )
        .unwrap_err(),
        a.settle(
            &member("m_maya"),
            &settle("maya", one, completed(80)),
            at(4),
        )
        .unwrap_err(),
    ];
    for err in refusals {
        assert_eq!(err.code(), "not_hold_owner", "{err}");
        assert!(err.to_string().contains("Leo Park's batch"), "{err}");
    }
    assert!(a.ledger().same_state(&before));
    a.settle(
        &member("m_maya"),
        &settle("maya-stop", two, ShotOutcome::Failed),
        at(4),
    )
    .unwrap();
    a.settle(
        &member("m_leo"),
        &settle("leo-done", one, completed(80)),
        at(4),
    )
    .unwrap();
    a.settle(
        &member("m_leo"),
        &settle("leo-fail", three, ShotOutcome::Failed),
        at(4),
    )
    .unwrap();
    let balance = a.ledger().balance(&meter()).unwrap();
    assert_eq!(
        (balance.available.get(), balance.held.get()),
        (29_650 - 80, 0)
    );
}

/// Defect 5: a pending hold was still pending six months later, and released then, its
/// credits went back to a bucket long expired.
#[test]
fn holds_never_expired() {
    let mut l = funded(1_000);
    let hold = l.run(hold("job-1", 400, at(1))).unwrap().entries[0].clone();
    // The default: a day after it was made.
    assert_eq!(hold.expires_at, Some(at(25)));
    let short = l
        .run(service_hold("job-2", 100, Some(600)))
        .unwrap()
        .entries[0]
        .clone();
    assert_eq!(short.expires_at, Some(at(1) + Duration::minutes(10)));
    assert_eq!(l.balance(&meter()).unwrap().held.get(), 500);

    // Six months on, the ledger released each at its expiry, as entries of its own.
    let later = at(24 * 182);
    l.advance_to(later).unwrap();
    let releases: Vec<_> = l
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::HoldRelease)
        .map(|e| {
            (
                e.reverses.unwrap(),
                e.at,
                e.amount.get(),
                e.is_hold_expiry(),
                e.status,
            )
        })
        .collect();
    assert_eq!(
        releases,
        [
            (
                short.id,
                at(1) + Duration::minutes(10),
                100,
                true,
                EntryStatus::Failed
            ),
            (hold.id, at(25), 400, true, EntryStatus::Failed),
        ]
    );
    let balance = l.balance(&meter()).unwrap();
    assert_eq!((balance.available.get(), balance.held.get()), (1_000, 0));
    let err = l.run(release("job-1-late", hold.id, later)).unwrap_err();
    assert_eq!(err, DomainError::HoldNotPending(hold.id.0));
    let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
    assert!(rebuilt.same_state(&l));

    // Bounds: a minute to a week, for a hold and for the account's default.
    for seconds in [0, 59, 7 * 24 * 3600 + 1] {
        let err = l
            .run(Operation::Hold(HoldOp {
                key: key(&format!("bad-{seconds}")),
                meter: meter(),
                amount: Amount::minor(1),
                at: later,
                expires_in: Some(seconds),
                held_by: HeldBy::Service,
                usage: Usage::default(),
            }))
            .unwrap_err();
        assert_eq!(err.code(), "hold_expiry_out_of_range");
    }
    for minutes in [0, 7 * 24 * 60 + 1] {
        let mut cfg = config("UTC");
        cfg.holds.expire_after_minutes = minutes;
        assert_eq!(
            Ledger::open(cfg, at(0)).unwrap_err().code(),
            "invalid_config"
        );
    }
}

/// The stated rule for credits released after their bucket ended: held credits stay their
/// bucket's, so they expire on release, in an entry that says so.
#[test]
fn credits_released_after_their_bucket_ended_expire_with_the_reason() {
    let mut l = Ledger::open(config("UTC"), at(0)).unwrap();
    l.run(grant("promo", 300, at(0), Some(at(2)))).unwrap();
    let hold = l.run(hold("job", 100, at(1))).unwrap().entries[0].id;
    // At 2:00 the 200 not held expire; at 1:00 the next day the hold expires unsettled.
    l.advance_to(at(26)).unwrap();
    let tail: Vec<_> = l.entries()[2..]
        .iter()
        .map(|e| {
            (
                e.kind,
                e.amount.get(),
                e.at,
                e.usage.description.as_ref().map(|d| d.to_string()),
            )
        })
        .collect();
    let said = |s: &str| Some(s.to_string());
    assert_eq!(
        tail,
        [
            (
                EntryKind::Expiry,
                -200,
                at(2),
                said("Promotional credits expired")
            ),
            (EntryKind::HoldRelease, 100, at(25), None),
            (
                EntryKind::Expiry,
                -100,
                at(25),
                said("Held credits expired: their bucket ended while they were held")
            ),
        ]
    );
    assert_eq!(l.entries()[3].reverses, Some(hold));
    assert_eq!(bucket_balance(&l, BucketKind::Promotional), 0);
    assert_eq!(available(&l), 0);
}

fn job(k: &str, usage: Usage, status: JobStatus) -> Operation {
    Operation::Consume(ConsumeOp {
        key: key(k),
        meter: meter(),
        amount: Amount::minor(30),
        at: at(1),
        status,
        usage,
    })
}

/// Defect 3: key `job-777` resent with another member, feature, project, status and
/// description was answered `replayed: true`, and the entry kept the first attributes.
#[test]
fn idempotency_compared_only_kind_meter_and_amount() {
    let mut l = funded(1_000);
    let usage = Usage {
        feature: Some(FeatureId::new("image").unwrap()),
        member: Some(MemberId::new("m_ana").unwrap()),
        project: Some(ProjectId::new("p_launch").unwrap()),
        description: Some(Label::new("Hero shot").unwrap()),
        ..Usage::default()
    };
    l.run(job("job-777", usage.clone(), JobStatus::Success))
        .unwrap();
    let before = l.clone();
    // The same request is answered with the first result.
    let again = l
        .run(job("job-777", usage.clone(), JobStatus::Success))
        .unwrap();
    assert!(again.replayed);
    let cases: Vec<(Usage, JobStatus, &str)> = vec![
        (
            Usage {
                member: Some(MemberId::new("m_ben").unwrap()),
                ..usage.clone()
            },
            JobStatus::Success,
            "usage.member: first “m_ana”, now “m_ben”",
        ),
        (
            Usage {
                feature: Some(FeatureId::new("voice").unwrap()),
                ..usage.clone()
            },
            JobStatus::Success,
            "usage.feature: first “image”, now “voice”",
        ),
        (
            Usage {
                project: None,
                ..usage.clone()
            },
            JobStatus::Success,
            "usage.project: first “p_launch”, now none",
        ),
        (
            Usage {
                description: Some(Label::new("Another").unwrap()),
                ..usage.clone()
            },
            JobStatus::Success,
            "usage.description: first “Hero shot”, now “Another”",
        ),
        (
            usage.clone(),
            JobStatus::Failed,
            "status: first “success”, now “failed”",
        ),
    ];
    for (changed, status, differs) in cases {
        let err = l.run(job("job-777", changed, status)).unwrap_err();
        assert_eq!(
            err,
            DomainError::IdempotencyConflict {
                key: "job-777".into(),
                differs: differs.into()
            }
        );
        assert!(l.same_state(&before));
    }
    // A key used for a consume is not a hold's, nor a refund's.
    let err = l.run(hold("job-777", 30, at(1))).unwrap_err();
    assert!(
        err.to_string()
            .contains("it wrote a consume, this is a hold"),
        "{err}"
    );

    // Holds: the hold's life and its usage are part of the request.
    l.run(service_hold("render-9", 50, Some(3_600))).unwrap();
    let err = l
        .run(service_hold("render-9", 50, Some(7_200)))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expires_in: first “3600”, now “7200”"),
        "{err}"
    );
    assert!(
        l.run(service_hold("render-9", 50, Some(3_600)))
            .unwrap()
            .replayed
    );

    // Refunds: the amount and the description.
    let charge = l.entries()[1].id;
    let refund = |k: &str, amount: Option<i64>, description: Option<&str>| {
        Operation::Refund(RefundOp {
            key: key(k),
            of: charge,
            amount: amount.map(Amount::minor),
            at: at(2),
            description: description.map(|d| Label::new(d).unwrap()),
        })
    };
    l.run(refund("back-1", Some(10), Some("Refunded: blurry")))
        .unwrap();
    assert!(
        l.run(refund("back-1", Some(10), Some("Refunded: blurry")))
            .unwrap()
            .replayed
    );
    let err = l
        .run(refund("back-1", Some(12), Some("Refunded: blurry")))
        .unwrap_err();
    assert!(
        err.to_string().contains("amount: first “10”, now “12”"),
        "{err}"
    );
    let err = l.run(refund("back-1", Some(10), None)).unwrap_err();
    assert!(
        err.to_string()
            .contains("description: first “Refunded: blurry”, now “Hero shot”"),
        "{err}"
    );
}

/// Defect 4: key K with one line, then K with three (the third beyond the balance): refused,
/// yet the second shot was held and stayed pending; resent with another third line, held with
/// no all-or-nothing check.
#[test]
fn a_batch_key_half_applied() {
    let mut a = act3();
    let leo = member("m_leo");
    let first = a
        .hold_batch(&leo, &batch("K", vec![shot("Opening", 8)]), at(1))
        .unwrap();
    let before = a.ledger().clone();
    // 80 + 80 + 300,000 credits: the third is beyond the balance.
    let three = batch(
        "K",
        vec![shot("Opening", 8), shot("Alley", 8), shot("Huge", 30_000)],
    );
    let err = a.hold_batch(&leo, &three, at(2)).unwrap_err();
    assert_eq!(
        err,
        DomainError::IdempotencyConflict {
            key: "K".into(),
            differs: "lines: first 1 shot, now 3".into()
        }
    );
    let other = batch(
        "K",
        vec![shot("Opening", 8), shot("Alley", 8), shot("Small", 1)],
    );
    assert_eq!(
        a.hold_batch(&leo, &other, at(2)).unwrap_err().code(),
        "idempotency_conflict"
    );
    // The same one line, renamed: a different request too.
    let renamed = batch("K", vec![shot("Closing", 8)]);
    let err = a.hold_batch(&leo, &renamed, at(2)).unwrap_err();
    assert!(
        err.to_string()
            .contains("usage.description: first “Opening”, now “Closing”"),
        "{err}"
    );
    assert!(
        a.ledger().same_state(&before),
        "nothing of K-2 or K-3 was held"
    );
    assert!(!a.ledger().knows_key(&key("K-2")).unwrap());
    // The same batch is answered with its first shots.
    let again = a
        .hold_batch(&leo, &batch("K", vec![shot("Opening", 8)]), at(2))
        .unwrap();
    assert_eq!(again, first);
    assert!(a.ledger().same_state(&before));
}

/// Defect 2, in the ledger: where top-ups wait for their payment, the crossing writes a
/// pending top-up that adds nothing, one at a time; paid, its credits post on its row;
/// failed, nothing is added and the month's top-up cap is given back. A replay rebuilds it.
#[test]
fn credits_without_payment() {
    use creditboard_domain::config::meter::{AutoTopUp, TopUpAmount};
    use creditboard_domain::entry::PaymentResult;
    let mut cfg = sold(config("UTC"));
    cfg.meters[0].auto_top_up = Some(AutoTopUp {
        enabled: true,
        threshold: Amount::minor(500),
        amount: TopUpAmount::Fixed(Amount::minor(1_000)),
        // Room for two top-ups a month: the second crossing below is stopped only by the
        // first being pending, the fourth only passes because the failed one gave room back.
        monthly_cap: Some(Amount::minor(2_000)),
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.top_ups_wait_for_payment();
    l.run(grant("seed", 800, at(0), None)).unwrap();
    let first = l.run(consume("a", 400, at(1))).unwrap();
    let pending = first.entries.last().unwrap().clone();
    assert_eq!(
        (pending.kind, pending.status, pending.amount.get()),
        (EntryKind::AutoTopUp, EntryStatus::Pending, 0)
    );
    assert_eq!(pending.requested.as_ref().unwrap().credits.get(), 1_000);
    // The price the provider is asked for: 1,000 credits at a cent.
    assert_eq!(pending.requested.as_ref().unwrap().price.cents, 1_000);
    assert_eq!(available(&l), 400);
    // Up again and down again while one is pending: no second request.
    l.run(grant("more", 200, at(2), None)).unwrap();
    let second = l.run(consume("b", 300, at(3))).unwrap();
    assert_eq!(second.entries.len(), 1, "one pending top-up at a time");
    // It fails: nothing added, and the cap is free for the next crossing.
    let failed = PaymentResult::Failed {
        reason: "card expired".into(),
    };
    l.settle_payment(pending.id, &failed, at(4)).unwrap();
    assert_eq!(available(&l), 300);
    assert_eq!(
        l.settle_payment(pending.id, &failed, at(4))
            .unwrap_err()
            .code(),
        "payment_not_pending"
    );
    l.run(grant("again", 300, at(5), None)).unwrap();
    let third = l.run(consume("c", 200, at(6))).unwrap();
    let next = third.entries.last().unwrap().id;
    assert!(l.is_pending_payment(next));
    let paid = PaymentResult::Paid {
        reference: "ch_1".into(),
    };
    let posted = l.settle_payment(next, &paid, at(7)).unwrap();
    let entry = l.receipt_entries(&posted)[0].clone();
    assert_eq!(
        (entry.kind, entry.status, entry.amount.get(), entry.reverses),
        (
            EntryKind::AutoTopUp,
            EntryStatus::Success,
            1_000,
            Some(next)
        )
    );
    assert_eq!(available(&l), 400 + 1_000);
    let fourth = l.run(consume("d", 1_000, at(7))).unwrap();
    assert!(l.is_pending_payment(fourth.entries.last().unwrap().id));
    l.settle_payment(fourth.entries.last().unwrap().id, &paid, at(7))
        .unwrap();
    assert_eq!(available(&l), 1_400);
    let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
    assert!(rebuilt.same_state(&l));
    // A pending purchase adds nothing until it is paid, and answers a repeat as itself.
    let buy = |k: &str| {
        Operation::Purchase(creditboard_domain::entry::PurchaseOp {
            key: key(k),
            meter: meter(),
            amount: Amount::minor(5_000),
            at: at(8),
            price: Some(creditboard_domain::config::offer::Money {
                cents: 5_000,
                currency: "USD".into(),
            }),
            usage: Usage::default(),
        })
    };
    let asked = l.run(buy("buy-1")).unwrap();
    assert_eq!(available(&l), 1_400);
    assert!(l.run(buy("buy-1")).unwrap().replayed);
    l.settle_payment(asked.entries[0].id, &paid, at(9)).unwrap();
    assert_eq!(available(&l), 6_400);
    let rebuilt = Ledger::replay(l.config().clone(), at(0), l.entries().to_vec()).unwrap();
    assert!(rebuilt.same_state(&l));
}

/// Defect 4, where top-ups wait for their payment: the batch's trial must not count a
/// top-up the real ledger only requests, or the real one refuses half-way and holds the
/// first shots alone.
#[test]
fn a_batch_key_half_applied_where_top_ups_wait_for_payment() {
    use creditboard_domain::config::meter::{AutoTopUp, TopUpAmount};
    use creditboard_domain::config::settings::SettingsChange;
    let mut a = act3();
    a.top_ups_wait_for_payment();
    let top_up = SettingsChange::AutoTopUp {
        meter: meter(),
        settings: Some(AutoTopUp {
            enabled: true,
            threshold: Amount::minor(29_000),
            amount: TopUpAmount::Fixed(Amount::minor(5_000)),
            monthly_cap: None,
        }),
    };
    a.configure(
        &member("m_maya"),
        &top_up,
        &creditboard_domain::billing::DemoPayments::default(),
    )
    .unwrap();
    let before = a.ledger().clone();
    // 2,000 then 28,500 credits: over the 30,000 unless the top-up's 5,000 were there.
    let lines = vec![shot("Crossing", 200), shot("Too much", 2_850)];
    let err = a
        .hold_batch(&member("m_leo"), &batch("B", lines), at(1))
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_credits");
    assert!(a.ledger().same_state(&before), "no shot was held");
}

/// Holds stored before holds expired replay with the account's default and are released
/// at the first write after it, never back in time.
#[test]
fn holds_stored_before_they_expired_still_load_and_are_released() {
    let mut l = funded(1_000);
    // Made with a week to live, so two days on it is still pending; then stored as the
    // server stored holds before they expired: with no expiry.
    l.run(service_hold("old", 300, Some(7 * 24 * 3600)))
        .unwrap();
    l.run(consume("two-days-later", 10, at(50))).unwrap();
    let mut entries = l.entries().to_vec();
    for e in &mut entries {
        if e.kind == EntryKind::Hold {
            e.expires_at = None;
            e.held_by = None;
        }
    }
    let mut old = Ledger::replay(l.config().clone(), at(0), entries).unwrap();
    let hold = old.entries()[1].id;
    assert!(old.is_pending_hold(hold));
    old.run(consume("now", 1, at(51))).unwrap();
    // The release comes before the consume (time passing is written first).
    let release = &old.entries()[old.entries().len() - 2];
    assert!(release.is_hold_expiry());
    assert_eq!(release.reverses, Some(hold));
    assert_eq!(
        release.at,
        at(50),
        "released at the first write after its day, not before"
    );
    let again = Ledger::replay(old.config().clone(), at(0), old.entries().to_vec()).unwrap();
    assert!(again.same_state(&old));
}
