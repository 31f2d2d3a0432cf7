//! Spend controls: roles, buying through a payment provider, member caps, alerts, and the
//! top-up simulator. Expected numbers are worked out by hand in the comments.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use creditboard_domain::access::Viewer;
use creditboard_domain::access::{Action, authorize};
use creditboard_domain::alerts;
use creditboard_domain::billing::{DemoPayments, PurchaseChoice, buy, price_of, quote};
use creditboard_domain::config::meter::{AutoTopUp, BucketKind, TopUpAmount};
use creditboard_domain::config::offer::{ExactAmount, Money, Pack, PurchaseOffer};
use creditboard_domain::config::settings::{AlertLevel, SettingsChange};
use creditboard_domain::config::{Member, Role};
use creditboard_domain::entry::{ConsumeOp, EntryStatus, HoldOp, Operation, Usage};
use creditboard_domain::ids::{IdempotencyKey, MemberId};
use creditboard_domain::topups::simulate_top_ups;
use creditboard_domain::{AccountConfig, Amount, EntryKind, Ledger};

fn member_id(s: &str) -> MemberId {
    MemberId::new(s).unwrap()
}

fn viewer(id: &str, role: Role) -> Viewer {
    Viewer {
        member: member_id(id),
        role,
    }
}

/// One credits meter sold in packs and by exact amount at 1 cent a credit; Ada is the admin,
/// Ben and Cy are members.
fn team_config() -> AccountConfig {
    let mut cfg = config("UTC");
    cfg.members = vec![
        Member {
            id: member_id("ada"),
            name: "Ada Admin".into(),
            role: Role::Admin,
        },
        Member {
            id: member_id("ben"),
            name: "Ben".into(),
            role: Role::Member,
        },
        Member {
            id: member_id("cy"),
            name: "Cy".into(),
            role: Role::Member,
        },
    ];
    cfg.offers = vec![PurchaseOffer {
        meter: meter(),
        currency: "USD".into(),
        cents_per_unit: 1,
        packs: vec![Pack {
            id: "standard".into(),
            name: "5,000 Standard".into(),
            credits: Amount::minor(5_000),
            price: Money {
                cents: 4_500,
                currency: "USD".into(),
            },
        }],
        exact: Some(ExactAmount {
            min: Amount::minor(100),
            max: Amount::minor(50_000),
        }),
    }];
    cfg
}

fn key(s: &str) -> IdempotencyKey {
    IdempotencyKey::new(s).unwrap()
}

fn by(member: &str, op: Operation) -> Operation {
    let who = Some(member_id(member));
    match op {
        Operation::Consume(o) => Operation::Consume(ConsumeOp {
            usage: Usage {
                member: who,
                ..o.usage
            },
            ..o
        }),
        Operation::Hold(o) => Operation::Hold(HoldOp {
            usage: Usage {
                member: who,
                ..o.usage
            },
            ..o
        }),
        other => other,
    }
}

#[test]
fn a_member_cannot_buy_or_change_top_ups_and_is_told_whom_to_ask() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    let ben = viewer("ben", Role::Member);
    let before = l.entries().len();
    let mut pay = DemoPayments::default();
    let err = buy(
        &mut l,
        Some(&ben),
        &meter(),
        &PurchaseChoice::Pack("standard".into()),
        &mut pay,
        key("b1"),
        at(1),
    )
    .unwrap_err();
    assert_eq!(err.code(), "admin_only");
    assert_eq!(
        err.to_string(),
        "Only team admins can buy credits — contact Ada Admin."
    );
    assert_eq!(pay.approved, 0, "nothing was charged");
    assert_eq!(l.entries().len(), before, "nothing was written");
    for action in [
        Action::ChangeTopUps,
        Action::ChangeAlerts,
        Action::ChangeMemberCaps,
    ] {
        assert_eq!(
            authorize(l.config(), Some(&ben), action)
                .unwrap_err()
                .code(),
            "admin_only"
        );
        authorize(l.config(), Some(&viewer("ada", Role::Admin)), action).unwrap();
    }
    // The role comes from the account, not from what the caller claims.
    let claims_admin = viewer("ben", Role::Admin);
    assert!(authorize(l.config(), Some(&claims_admin), Action::ChangeTopUps).is_err());
    // A read-only embed may do nothing.
    assert!(authorize(l.config(), None, Action::BuyCredits).is_err());
}

#[test]
fn an_admin_buys_a_pack_or_an_exact_amount_and_a_repeat_charges_once() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    let ada = viewer("ada", Role::Admin);
    let mut pay = DemoPayments::default();
    let r = buy(
        &mut l,
        Some(&ada),
        &meter(),
        &PurchaseChoice::Pack("standard".into()),
        &mut pay,
        key("buy1"),
        at(1),
    )
    .unwrap();
    assert_eq!(available(&l), 5_000);
    assert_eq!(bucket_balance(&l, BucketKind::Additional), 5_000);
    let again = buy(
        &mut l,
        Some(&ada),
        &meter(),
        &PurchaseChoice::Pack("standard".into()),
        &mut pay,
        key("buy1"),
        at(2),
    )
    .unwrap();
    assert!(again.replayed);
    assert_eq!(again.entry, r.entry);
    assert_eq!((pay.approved, available(&l)), (1, 5_000));
    buy(
        &mut l,
        Some(&ada),
        &meter(),
        &PurchaseChoice::Exact(Amount::minor(1_234)),
        &mut pay,
        key("buy2"),
        at(3),
    )
    .unwrap();
    assert_eq!((pay.approved, available(&l)), (2, 6_234));
    let purchase = l.entries().last().unwrap();
    assert_eq!(purchase.kind, EntryKind::Purchase);
    assert_eq!(purchase.usage.member, Some(member_id("ada")));
}

#[test]
fn a_declined_payment_adds_nothing_leaves_a_failed_purchase_and_says_why() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    l.run(purchase("seed", 700, at(1))).unwrap();
    let mut pay = DemoPayments {
        decline: Some("the card issuer declined (insufficient funds)".into()),
        approved: 0,
    };
    let ada = viewer("ada", Role::Admin);
    let exact = PurchaseChoice::Exact(Amount::minor(2_000));
    let err = buy(
        &mut l,
        Some(&ada),
        &meter(),
        &exact,
        &mut pay,
        key("declined"),
        at(2),
    )
    .unwrap_err();
    assert_eq!(err.code(), "payment_declined");
    assert!(err.to_string().contains("insufficient funds"), "{err}");
    assert_eq!(available(&l), 700);
    // The ledger keeps the attempt: written pending, then failed, adding nothing.
    let tail: Vec<_> = l.entries()[l.entries().len() - 2..]
        .iter()
        .map(|e| (e.kind, e.status, e.amount.get()))
        .collect();
    assert_eq!(
        tail,
        [
            (EntryKind::Purchase, EntryStatus::Pending, 0),
            (EntryKind::Purchase, EntryStatus::Failed, 0)
        ]
    );
    // The same key is the same purchase: it answers as it did and charges nothing.
    pay.decline = None;
    let again = buy(
        &mut l,
        Some(&ada),
        &meter(),
        &exact,
        &mut pay,
        key("declined"),
        at(3),
    );
    assert_eq!(again.unwrap_err().code(), "payment_declined");
    assert_eq!((pay.approved, available(&l)), (0, 700));
    // A new attempt is a new key.
    buy(
        &mut l,
        Some(&ada),
        &meter(),
        &exact,
        &mut pay,
        key("second-try"),
        at(3),
    )
    .unwrap();
    assert_eq!((pay.approved, available(&l)), (1, 2_700));
}

#[test]
fn quotes_check_the_offer_and_round_prices_up_to_the_cent() {
    let cfg = team_config();
    let q = quote(&cfg, &meter(), &PurchaseChoice::Pack("standard".into())).unwrap();
    assert_eq!((q.credits.get(), q.price.cents), (5_000, 4_500));
    assert_eq!(
        quote(&cfg, &meter(), &PurchaseChoice::Pack("huge".into()))
            .unwrap_err()
            .code(),
        "unknown_pack"
    );
    for outside in [99, 50_001, 0, -5] {
        let err = quote(
            &cfg,
            &meter(),
            &PurchaseChoice::Exact(Amount::minor(outside)),
        )
        .unwrap_err();
        assert_eq!(err.code(), "amount_outside_offer");
        assert_eq!(err.to_string(), "buy between 100 and 50000");
    }
    // 1.5 minutes (15 tenths) at 7 cents a minute: 10.5 cents, charged 11.
    let offer = PurchaseOffer {
        cents_per_unit: 7,
        ..cfg.offers[0].clone()
    };
    assert_eq!(price_of(Amount::minor(15), 1, &offer).unwrap().cents, 11);
    assert_eq!(price_of(Amount::minor(20), 1, &offer).unwrap().cents, 14);
}

/// A team ledger with 10,000 credits and Ben's monthly cap at 100, the only cap.
fn ben_capped_at_100() -> Ledger {
    let mut cfg = team_config();
    cfg.member_caps = vec![];
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 10_000, at(0))).unwrap();
    l.configure(&SettingsChange::MemberCap {
        member: member_id("ben"),
        meter: meter(),
        monthly: Some(Amount::minor(100)),
    })
    .unwrap();
    l
}

#[test]
fn a_member_cap_rejects_the_excess_consume_and_nothing_else() {
    let mut l = ben_capped_at_100();
    l.run(by("ben", consume("b1", 60, at(1)))).unwrap();
    let before = l.clone();
    let err = l.run(by("ben", consume("b2", 50, at(2)))).unwrap_err();
    assert_eq!(err.code(), "member_cap_reached");
    assert_eq!(
        err.to_string(),
        "Ben's monthly cap on “Credits” is 100: 60 used this month, 50 more asked for"
    );
    assert!(l.same_state(&before), "the refused consume wrote nothing");
    // Exactly up to the cap is fine; others and unattributed jobs are not limited.
    l.run(by("ben", consume("b3", 40, at(3)))).unwrap();
    l.run(by("cy", consume("c1", 500, at(3)))).unwrap();
    l.run(consume("anon", 500, at(3))).unwrap();
    assert_eq!(
        l.run(by("ben", hold("bh", 1, at(4)))).unwrap_err().code(),
        "member_cap_reached",
        "holds count against the cap too"
    );
    // A refund gives room back.
    let b1 = l
        .entries()
        .iter()
        .find(|e| e.key.as_str() == "b1")
        .unwrap()
        .id;
    l.run(refund("r1", b1, Some(60), at(5))).unwrap();
    l.run(by("ben", consume("b4", 60, at(6)))).unwrap();
    assert_eq!(
        l.spent_this_month(&member_id("ben"), &meter())
            .unwrap()
            .get(),
        100
    );
    // A new month starts from zero (the ledger is in UTC).
    let feb = utc("2026-02-01T00:00:00Z");
    l.run(by("ben", consume("b5", 100, feb))).unwrap();
    // Replaying the entries rebuilds the month's total: the cap still holds.
    let mut replayed =
        Ledger::replay(l.config().clone(), l.opened_at(), l.entries().to_vec()).unwrap();
    assert_eq!(
        replayed
            .run(by("ben", consume("b6", 1, feb)))
            .unwrap_err()
            .code(),
        "member_cap_reached"
    );
}

/// Issue 20, "member caps across a month": a release or refund in a new month made that
/// month's spend negative, so the cap could be spent twice. They count against the month of
/// the spend they undo: January's, which is over.
#[test]
fn member_caps_across_a_month_a_release_or_refund_in_a_new_month_makes_no_room() {
    let mut l = ben_capped_at_100();
    // January 31: Ben holds 80 for a render and is charged 20 for another job.
    let jan31 = utc("2026-01-31T22:00:00Z");
    let hold = l.run(by("ben", hold("h", 80, jan31))).unwrap().entries[0].id;
    let charge = l.run(by("ben", consume("c", 20, jan31))).unwrap().entries[0].id;
    // February 1: the render failed and the job was refunded.
    let feb1 = utc("2026-02-01T09:00:00Z");
    l.run(release("h-r", hold, feb1)).unwrap();
    l.run(refund("c-r", charge, None, feb1)).unwrap();
    let spent = |l: &Ledger| {
        l.spent_this_month(&member_id("ben"), &meter())
            .unwrap()
            .get()
    };
    assert_eq!(spent(&l), 0, "February's spend is not below nothing");
    // February's cap is February's 100, once.
    l.run(by("ben", consume("f1", 100, feb1))).unwrap();
    assert_eq!(
        l.run(by("ben", consume("f2", 1, feb1))).unwrap_err().code(),
        "member_cap_reached"
    );
    // Replayed from the stored entries (as a server restarts), the same.
    let mut replayed =
        Ledger::replay(l.config().clone(), l.opened_at(), l.entries().to_vec()).unwrap();
    assert_eq!(spent(&replayed), 100);
    assert_eq!(
        replayed
            .run(by("ben", consume("f3", 1, feb1)))
            .unwrap_err()
            .code(),
        "member_cap_reached"
    );
    // Within one month, a release still gives its room back.
    let feb2 = utc("2026-02-02T09:00:00Z");
    let mut l = replayed;
    let f1 = l
        .entries()
        .iter()
        .find(|e| e.key.as_str() == "f1")
        .unwrap()
        .id;
    l.run(refund("f1-r", f1, Some(30), feb2)).unwrap();
    assert_eq!(spent(&l), 70);
    l.run(by("ben", consume("f4", 30, feb2))).unwrap();
}

#[test]
fn settings_changes_are_checked_whole_and_a_bad_one_changes_nothing() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    let before = l.config().clone();
    let bad = [
        SettingsChange::AutoTopUp {
            meter: meter(),
            settings: Some(AutoTopUp {
                enabled: true,
                threshold: Amount::minor(-1),
                amount: TopUpAmount::Fixed(Amount::minor(10)),
                monthly_cap: None,
            }),
        },
        SettingsChange::MemberCap {
            member: member_id("nobody"),
            meter: meter(),
            monthly: Some(Amount::minor(5)),
        },
        // A percentage needs an allocation, which this meter has not.
        SettingsChange::Alerts {
            meter: meter(),
            levels: vec![AlertLevel::Percent(20)],
        },
    ];
    for change in &bad {
        assert_eq!(l.configure(change).unwrap_err().code(), "invalid_config");
        assert_eq!(l.config(), &before);
    }
}

#[test]
fn an_alert_fires_once_per_crossing() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    l.configure(&SettingsChange::Alerts {
        meter: meter(),
        levels: vec![
            AlertLevel::Below(Amount::minor(500)),
            AlertLevel::Below(Amount::minor(100)),
        ],
    })
    .unwrap();
    l.run(purchase("p", 1_000, at(0))).unwrap();
    l.run(consume("c1", 400, at(1))).unwrap(); // 600
    l.run(consume("c2", 150, at(2))).unwrap(); // 450: crosses 500
    l.run(consume("c3", 50, at(3))).unwrap(); // 400: still below, no new alert
    l.run(consume("c4", 350, at(4))).unwrap(); // 50: crosses 100
    l.run(purchase("p2", 1_000, at(5))).unwrap(); // 1,050: re-armed
    l.run(consume("c5", 600, at(6))).unwrap(); // 450: crosses 500 again
    let fired = alerts::fired(l.config(), l.entries());
    let seen: Vec<(&str, i64, i64)> = fired
        .iter()
        .map(|n| {
            let e = &l.entries()[n.entry.0 as usize - 1];
            (e.key.as_str(), n.threshold.get(), n.balance.get())
        })
        .collect();
    assert_eq!(seen, [("c2", 500, 450), ("c4", 100, 50), ("c5", 500, 450)]);
}

#[test]
fn the_top_up_simulator_counts_top_ups_and_their_price_and_sees_the_cap() {
    let mut l = Ledger::open(team_config(), at(0)).unwrap();
    l.run(purchase("p", 1_000, at(0))).unwrap();
    let settings = AutoTopUp {
        enabled: true,
        threshold: Amount::minor(500),
        amount: TopUpAmount::Fixed(Amount::minor(500)),
        monthly_cap: None,
    };
    // 240 a day is 10 an hour. The balance first goes below 500 at hour 51 (1,000 → 490) and
    // is topped up to 990; from there every 50 hours: hours 51, 101, …, 701 in 720 hours.
    let sim = simulate_top_ups(&l, &meter(), settings, Amount::minor(240), at(0), 30).unwrap();
    assert_eq!(
        sim.months.len(),
        1,
        "the 30 days from Jan 1 stay in January"
    );
    let jan = &sim.months[0];
    assert_eq!((jan.top_ups, jan.credits.get()), (14, 7_000));
    assert_eq!(jan.price.as_ref().unwrap().cents, 7_000, "1 cent a credit");
    assert!(!jan.capped);
    assert_eq!(sim.runs_dry_on, None);
    // With a cap of 3,000 a month: six top-ups (hours 51 … 301), the seventh is held back at
    // hour 351, the balance reaches 0 at hour 400 and hour 401 (Jan 17, 17:00) cannot run.
    let capped = AutoTopUp {
        monthly_cap: Some(Amount::minor(3_000)),
        ..settings
    };
    let sim = simulate_top_ups(&l, &meter(), capped, Amount::minor(240), at(0), 30).unwrap();
    let jan = &sim.months[0];
    assert_eq!((jan.top_ups, jan.credits.get()), (6, 3_000));
    assert!(jan.capped);
    assert_eq!(
        sim.runs_dry_on,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 1, 17).unwrap())
    );
    // The simulation is a fork: the ledger itself did not move.
    assert_eq!(available(&l), 1_000);
}

mod batches {
    use super::*;
    use creditboard_domain::batch::{BatchRequest, SettleRequest, ShotOutcome, hold_batch, settle};
    use creditboard_domain::ids::{FeatureId, Label, TierId};
    use creditboard_domain::preset::{Preset, PresetId};
    use creditboard_domain::ratecard::EstimateLine;

    fn shot(name: &str, feature: &str, tier: &str, seconds: u64) -> EstimateLine {
        EstimateLine {
            feature: FeatureId::new(feature).unwrap(),
            tier: Some(TierId::new(tier).unwrap()),
            quantity: seconds,
            label: Some(Label::new(name).unwrap()),
        }
    }

    /// ACT3: 30,000 monthly credits; renders cost 5/10/20/40 credits a second from Draft to 4K.
    fn act3() -> (Ledger, Preset) {
        let preset = Preset::get(PresetId::Act3).unwrap();
        let ledger = Ledger::open(preset.config.clone(), at(0)).unwrap();
        assert_eq!(ledger.balance(&meter()).unwrap().available.get(), 30_000);
        (ledger, preset)
    }

    fn request(key: &str, lines: Vec<EstimateLine>) -> BatchRequest {
        BatchRequest {
            key: super::key(key),
            lines,
            project: None,
        }
    }

    #[test]
    fn a_batch_is_held_whole_then_captured_shot_by_shot_and_a_failed_shot_costs_nothing() {
        let (mut l, preset) = act3();
        let maya = viewer("m_maya", Role::Admin);
        let batch = request(
            "b1",
            vec![
                shot("Opening crane", "render_veo", "standard", 8), // 80
                shot("Close-up", "render_veo", "high", 6),          // 120
                shot("Alley wide", "render_kling", "draft", 12),    // 60
            ],
        );
        let held = hold_batch(&mut l, &preset.rate_card, Some(&maya), &batch, at(1)).unwrap();
        let amounts: Vec<i64> = held.iter().map(|h| h.amount.get()).collect();
        assert_eq!(amounts, [80, 120, 60]);
        let balance = l.balance(&meter()).unwrap();
        assert_eq!((balance.available.get(), balance.held.get()), (29_740, 260));
        let hold = l.entry(held[0].hold).unwrap();
        assert_eq!(
            hold.usage.description.as_ref().unwrap().as_str(),
            "Opening crane"
        );
        assert_eq!(hold.usage.member, Some(member_id("m_maya")));
        // A retry holds nothing more.
        let again = hold_batch(&mut l, &preset.rate_card, Some(&maya), &batch, at(1)).unwrap();
        assert_eq!(again, held);
        assert_eq!(l.balance(&meter()).unwrap().held.get(), 260);

        let settle_as = |l: &mut Ledger, k: &str, i: usize, outcome, t| {
            settle(
                l,
                &SettleRequest {
                    key: super::key(k),
                    hold: held[i].hold,
                    outcome,
                },
                at(t),
            )
        };
        settle_as(
            &mut l,
            "s1",
            0,
            ShotOutcome::Completed {
                amount: Amount::minor(80),
            },
            2,
        )
        .unwrap();
        assert_eq!(l.balance(&meter()).unwrap().available.get(), 29_740);
        // Rendered shorter than planned: 100 of the 120 held are charged, 20 come back.
        settle_as(
            &mut l,
            "s2",
            1,
            ShotOutcome::Completed {
                amount: Amount::minor(100),
            },
            3,
        )
        .unwrap();
        assert_eq!(l.balance(&meter()).unwrap().available.get(), 29_760);
        settle_as(&mut l, "s3", 2, ShotOutcome::Failed, 4).unwrap();
        let balance = l.balance(&meter()).unwrap();
        assert_eq!((balance.available.get(), balance.held.get()), (29_820, 0));
        let release = l.entries().last().unwrap();
        assert_eq!(
            (release.kind, release.status),
            (
                EntryKind::HoldRelease,
                creditboard_domain::EntryStatus::Failed
            )
        );
        // A settled hold cannot be settled again.
        assert_eq!(
            settle_as(&mut l, "s4", 0, ShotOutcome::Failed, 5)
                .unwrap_err()
                .code(),
            "hold_not_pending"
        );
    }

    #[test]
    fn a_batch_the_balance_a_requirement_or_a_cap_cannot_cover_holds_nothing() {
        let (mut l, preset) = act3();
        let maya = viewer("m_maya", Role::Admin);
        let before = l.clone();
        // 2 × 1,000 s of High: 40,000 of 30,000.
        let too_big = request(
            "big",
            vec![
                shot("A", "render_veo", "high", 1_000),
                shot("B", "render_veo", "high", 1_000),
            ],
        );
        let err = hold_batch(&mut l, &preset.rate_card, Some(&maya), &too_big, at(1)).unwrap_err();
        assert_eq!(err.code(), "insufficient_credits");
        assert!(l.same_state(&before));
        // 4K needs the Enterprise plan; the account is on Business.
        let four_k = request("4k", vec![shot("Final", "render_veo", "4k", 5)]);
        let err = hold_batch(&mut l, &preset.rate_card, Some(&maya), &four_k, at(1)).unwrap_err();
        assert_eq!(err.code(), "requirement_unmet");
        assert!(err.to_string().contains("Enterprise"), "{err}");
        assert!(l.same_state(&before));
        // Leo may spend 100 a month: the second shot of 80 would pass it.
        l.configure(&SettingsChange::MemberCap {
            member: member_id("m_leo"),
            meter: meter(),
            monthly: Some(Amount::minor(100)),
        })
        .unwrap();
        let before = l.clone();
        let two = request(
            "leo",
            vec![
                shot("One", "render_veo", "standard", 8),
                shot("Two", "render_veo", "standard", 8),
            ],
        );
        let leo = viewer("m_leo", Role::Member);
        let err = hold_batch(&mut l, &preset.rate_card, Some(&leo), &two, at(2)).unwrap_err();
        assert_eq!(err.code(), "member_cap_reached");
        assert!(l.same_state(&before), "the first shot was not held either");
    }
}

/// Settings that can never work, or would act at once without saying so, are refused with
/// the reason; the rest are kept. Each case: the change, and the refusal's code and words
/// (`None`: accepted).
#[test]
fn settings_that_cannot_work_are_refused_with_the_reason() {
    let mut cfg = team_config();
    cfg.member_caps = vec![];
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 10_000, at(0))).unwrap();
    l.run(by("ben", consume("b1", 1_849, at(1)))).unwrap();
    let top_up =
        |threshold: i64, amount: TopUpAmount, cap: Option<i64>| SettingsChange::AutoTopUp {
            meter: meter(),
            settings: Some(AutoTopUp {
                enabled: true,
                threshold: Amount::minor(threshold),
                amount,
                monthly_cap: cap.map(Amount::minor),
            }),
        };
    let cap = |monthly: Option<i64>| SettingsChange::MemberCap {
        member: member_id("ben"),
        meter: meter(),
        monthly: monthly.map(Amount::minor),
    };
    let fixed = |a: i64| TopUpAmount::Fixed(Amount::minor(a));
    let to = |a: i64| TopUpAmount::RefillTo(Amount::minor(a));
    /// The refusal's code and some of its words.
    type Refused<'a> = Option<(&'a str, &'a str)>;
    let cases: Vec<(&str, SettingsChange, Refused)> = vec![
        (
            "a monthly cap below one top-up",
            top_up(500, fixed(5_000), Some(1_000)),
            Some(("invalid_config", "below one top-up (5,000)")),
        ),
        (
            "a cap below what refilling from the threshold to the target adds",
            top_up(1_000, to(3_000), Some(1_500)),
            Some(("invalid_config", "below one top-up (2,000)")),
        ),
        (
            "a cap of exactly one top-up",
            top_up(500, fixed(5_000), Some(5_000)),
            None,
        ),
        (
            "a top-up larger than any one purchase",
            top_up(500, fixed(1_000_000_000_000_000), None),
            Some(("invalid_config", "adds at most what one purchase may")),
        ),
        (
            "a member cap below this month's spend",
            cap(Some(1_000)),
            Some((
                "cap_below_spent",
                "Ben has already used 1,849 this month, so a cap of 1,000 would stop them at once: set 1,849 or more, or 0 to stop their use until the month ends",
            )),
        ),
        ("a member cap at this month's spend", cap(Some(1_849)), None),
        ("a member cap of 0 stops them", cap(Some(0)), None),
        ("no cap", cap(None), None),
    ];
    for (name, change, refused) in cases {
        let before = l.clone();
        match (l.configure(&change), refused) {
            (Ok(()), None) => {}
            (Err(e), Some((code, words))) => {
                assert_eq!(e.code(), code, "{name}");
                assert!(e.to_string().contains(words), "{name}: {e}");
                assert!(l.same_state(&before), "{name}: the refusal changed nothing");
            }
            (got, want) => panic!("{name}: got {got:?}, wanted {want:?}"),
        }
    }
    // The cap of 0 means what it says: Ben cannot use credits until the month ends.
    l.configure(&cap(Some(0))).unwrap();
    let err = l.run(by("ben", consume("b2", 1, at(2)))).unwrap_err();
    assert_eq!(err.code(), "member_cap_reached");
    assert!(err.to_string().contains("1,849 used this month"), "{err}");

    // A meter that sells nothing cannot have top-ups: they could never be charged.
    let mut unsold = team_config();
    unsold.offers.clear();
    let mut l = Ledger::open(unsold, at(0)).unwrap();
    let err = l.configure(&top_up(500, fixed(5_000), None)).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("is not sold here"), "{err}");
}
