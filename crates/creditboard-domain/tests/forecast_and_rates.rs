//! The run-out forecast, the rate card and the estimator.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::Duration;
use common::*;
use creditboard_domain::config::Plan;
use creditboard_domain::config::meter::{Allocation, AutoTopUp, TopUpAmount, UnusedAllocation};
use creditboard_domain::entry::QuantityUnit;
use creditboard_domain::forecast::Counted;
use creditboard_domain::forecast::{expiring_within, forecast};
use creditboard_domain::ids::{CategoryId, FeatureId, Label, TierId};
use creditboard_domain::ratecard::{
    CategoryInfo, EstimateLine, FeatureRate, Price, RateCard, Requirement, TierInfo, TierPrice,
    affordable, describe_requirements, estimate,
};
use creditboard_domain::{Amount, BucketKind, Ledger};

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 100 credits a day for 30 days leaves 1,000 after a 4,000 purchase: ten more days.
#[test]
fn the_forecast_runs_out_at_the_recent_rate() {
    let mut l = funded(4_000);
    for d in 0..30 {
        l.run(consume(&format!("d{d}"), 100, at(24 * d + 12)))
            .unwrap();
    }
    // Jan 30, 18:00: the last 30 days are Jan 1 … Jan 30, 100 a day.
    let now = at(24 * 29 + 18);
    let f = forecast(&l, &meter(), now, 30).unwrap();
    assert_eq!(f.burn_per_day.get(), 100);
    assert_eq!(f.available.get(), 1_000);
    // Ten more days of 100 are covered (Jan 31 … Feb 9); on Feb 10 the balance is gone.
    assert_eq!(f.runs_out_on, Some(date("2026-02-10")));
    assert!(f.expiring.is_empty());
    assert_eq!(f.counted, Counted::default(), "nothing but the balance");
}

/// Automatic top-ups fire when a job takes the balance below the threshold: a day whose use
/// the balance cannot cover in full still sets one off, and the forecast counts them.
#[test]
fn the_forecast_plays_top_ups_and_counts_them() {
    let mut cfg = sold(config("UTC"));
    cfg.meters[0].auto_top_up = Some(AutoTopUp {
        enabled: true,
        threshold: Amount::minor(500),
        amount: TopUpAmount::Fixed(Amount::minor(1_000)),
        monthly_cap: None,
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    // 600 a day for 30 days out of 19,150: 1,150 left, never below the threshold yet.
    l.run(purchase("p", 19_150, at(1))).unwrap();
    for d in 0..30 {
        l.run(consume(&format!("d{d}"), 600, at(24 * d + 12)))
            .unwrap();
    }
    let f = forecast(&l, &meter(), at(24 * 29 + 18), 30).unwrap();
    assert_eq!((f.burn_per_day.get(), f.available.get()), (600, 1_150));
    // Tomorrow leaves 550: above the threshold, short of a day. The day after, its first jobs
    // use the 550, a top-up adds 1,000, and the day goes on; so every day after.
    assert_eq!(f.runs_out_on, None, "top-ups keep up");
    assert!(f.counted.top_ups > 100, "{:?}", f.counted);
    assert_eq!(
        f.counted.topped_up.get(),
        i64::from(f.counted.top_ups) * 1_000
    );
}

/// A run-out date that counts on refills says which: 1,000 a month on the 1st, 200 used a day
/// (6,000 over January), 500 left on Jan 30. Feb 1's refill carries it six more days.
#[test]
fn the_forecast_names_the_refills_it_counts_on() {
    let mut cfg = config("UTC");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(1_000),
        unused: UnusedAllocation::Lapse,
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    l.run(purchase("p", 5_500, at(1))).unwrap();
    for d in 0..30 {
        l.run(consume(&format!("d{d}"), 200, at(24 * d + 12)))
            .unwrap();
    }
    let f = forecast(&l, &meter(), at(24 * 29 + 18), 30).unwrap();
    assert_eq!((f.burn_per_day.get(), f.available.get()), (200, 500));
    // Jan 31 takes 200 (300 left); Feb 1's refill comes at midnight, before that day's use:
    // 1,300 cover Feb 1 … Feb 6, and on Feb 7 the 100 left do not cover a day.
    assert_eq!(f.runs_out_on, Some(date("2026-02-07")));
    assert_eq!(
        f.counted,
        Counted {
            first_refill: Some(date("2026-02-01")),
            refills: 1,
            refilled: Amount::minor(1_000),
            top_ups: 0,
            topped_up: Amount::ZERO,
        }
    );
}

#[test]
fn a_young_accounts_rate_is_over_the_days_it_has_existed() {
    let mut l = funded(1_300);
    for d in 0..3 {
        l.run(consume(&format!("d{d}"), 100, at(24 * d + 12)))
            .unwrap();
    }
    // Jan 3, 20:00: the account has existed for three local days (Jan 1 … Jan 3).
    let f = forecast(&l, &meter(), at(24 * 2 + 20), 30).unwrap();
    assert_eq!((f.window_days, f.burn_per_day.get()), (3, 100));
    assert_eq!(
        f.runs_out_on,
        Some(l.config().timezone.date_of(at(24 * 13)))
    );
}

#[test]
fn refills_that_outpace_usage_never_run_out() {
    let mut cfg = config("UTC");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(5_000),
        unused: UnusedAllocation::Lapse,
    });
    let mut l = Ledger::open(cfg, at(0)).unwrap();
    for d in 0..20 {
        l.run(consume(&format!("d{d}"), 100, at(24 * d + 12)))
            .unwrap();
    }
    // Jan 20, 20:00: 100 a day over the account's 20 days (Jan 1 … Jan 20).
    let f = forecast(&l, &meter(), at(24 * 19 + 20), 30).unwrap();
    assert_eq!(f.runs_out_on, None);
    // 3,000 is left of January's 5,000; at 100 a day (2,000 over the account's 20 days) for
    // the 11 days to Feb 1, 1,900 lapse.
    let included = f
        .expiring
        .iter()
        .find(|e| e.kind == BucketKind::Included)
        .unwrap();
    assert_eq!(included.amount.get(), 3_000);
    assert_eq!(f.burn_per_day.get(), 100);
    assert_eq!(included.expected_unused.get(), 3_000 - 100 * 11);
}

#[test]
fn promotional_credits_used_first_but_partly_expiring_unused() {
    let mut l = funded(3_000);
    for d in 0..30 {
        l.run(consume(&format!("d{d}"), 100, at(24 * d + 12)))
            .unwrap();
    }
    // Jan 30 in the evening: the last 30 days (Jan 1 … Jan 30) ran at 100 a day.
    l.run(purchase("more", 5_000, at(24 * 29 + 19))).unwrap();
    let now = at(24 * 29 + 20);
    l.run(grant(
        "promo",
        1_000,
        now,
        Some(now + Duration::hours(24 * 5 + 6)),
    ))
    .unwrap();
    let f = forecast(&l, &meter(), now, 30).unwrap();
    // Five days of 100 come out of the promotion before it expires; 500 expire unused.
    assert_eq!(f.expected_unused.get(), 500);
    let soon = expiring_within(
        &l.config().meters[0],
        &l.balance(&meter()).unwrap(),
        now,
        30,
    );
    assert_eq!(soon.len(), 1);
    assert_eq!(
        (soon[0].kind, soon[0].amount.get()),
        (BucketKind::Promotional, 1_000)
    );
}

#[test]
fn no_usage_means_no_run_out_and_everything_expiring_expires() {
    let mut l = funded(100);
    l.run(grant("promo", 300, at(1), Some(at(100)))).unwrap();
    let f = forecast(&l, &meter(), at(2), 30).unwrap();
    assert_eq!((f.burn_per_day.get(), f.runs_out_on), (0, None));
    assert_eq!(f.expected_unused.get(), 300);
}

#[test]
fn an_allocation_that_rolls_over_is_only_at_risk_above_the_banks_room() {
    let mut cfg = config("UTC");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(1_000),
        unused: UnusedAllocation::Rollover {
            cap: Amount::minor(600),
        },
    });
    let l = Ledger::open(cfg, at(0)).unwrap();
    let soon = expiring_within(
        &l.config().meters[0],
        &l.balance(&meter()).unwrap(),
        at(1),
        31,
    );
    assert_eq!(soon.len(), 1);
    assert_eq!(
        soon[0].amount.get(),
        400,
        "1,000 unused, 600 fit into the bank"
    );
}

fn card() -> RateCard {
    let cat = |id: &str| CategoryInfo {
        id: CategoryId::new(id).unwrap(),
        name: id.into(),
    };
    let tier = |id: &str, name: &str| TierInfo {
        id: TierId::new(id).unwrap(),
        name: name.into(),
    };
    let mut config = config("UTC");
    config.plan = Plan::Starter;
    let _ = config;
    RateCard {
        categories: vec![cat("image"), cat("audio")],
        tiers: vec![
            tier("low", "Low"),
            tier("standard", "Standard"),
            tier("high", "High"),
        ],
        features: vec![
            FeatureRate {
                id: FeatureId::new("ai_image").unwrap(),
                name: "AI image".into(),
                category: CategoryId::new("image").unwrap(),
                meter: meter(),
                unit: QuantityUnit::Image,
                engine: None,
                prices: vec![
                    TierPrice {
                        tier: Some(TierId::new("low").unwrap()),
                        price: Price::each(2),
                        requires: vec![],
                    },
                    TierPrice {
                        tier: Some(TierId::new("standard").unwrap()),
                        price: Price::each(5),
                        requires: vec![],
                    },
                    TierPrice {
                        tier: Some(TierId::new("high").unwrap()),
                        price: Price::each(12),
                        requires: vec![Requirement::Plan(Plan::Pro), Requirement::TopUpsEnabled],
                    },
                ],
                requires: vec![],
            },
            FeatureRate {
                id: FeatureId::new("voiceover").unwrap(),
                name: "Voiceover".into(),
                category: CategoryId::new("audio").unwrap(),
                meter: meter(),
                unit: QuantityUnit::Character,
                engine: None,
                prices: vec![TierPrice {
                    tier: None,
                    price: Price {
                        amount: Amount::minor(1),
                        per: 25,
                    },
                    requires: vec![],
                }],
                requires: vec![],
            },
        ],
    }
}

fn line(feature: &str, tier: Option<&str>, quantity: u64) -> EstimateLine {
    EstimateLine {
        feature: FeatureId::new(feature).unwrap(),
        tier: tier.map(|t| TierId::new(t).unwrap()),
        quantity,
        label: Label::new("Shot 1").ok(),
    }
}

#[test]
fn a_batch_estimate_totals_lines_and_says_how_many_more_fit() {
    let card = card();
    let mut cfg = config("UTC");
    cfg.plan = Plan::Starter;
    card.validate(&cfg).unwrap();
    let lines = [
        line("ai_image", Some("standard"), 4),
        line("voiceover", None, 1_010),
    ];
    let e = estimate(&card, &cfg, |_| Amount::minor(500), &lines).unwrap();
    // 4 × 5 = 20; 1,010 characters at 1 per 25 = 40.4 → 41 (rounded up).
    let costs: Vec<i64> = e.lines.iter().map(|l| l.cost.get()).collect();
    assert_eq!(costs, vec![20, 41]);
    let m = &e.meters[0];
    assert_eq!(
        (
            m.total.get(),
            m.covered,
            m.balance_after.get(),
            m.more_like_this
        ),
        (61, true, 439, 7)
    );
    assert!(e.can_run());

    let e = estimate(&card, &cfg, |_| Amount::minor(60), &lines).unwrap();
    assert_eq!(
        (
            e.meters[0].covered,
            e.meters[0].balance_after.get(),
            e.meters[0].more_like_this
        ),
        (false, -1, 0)
    );
    assert!(!e.can_run());
}

#[test]
fn requirements_are_reported_for_tiers_the_account_cannot_use() {
    let card = card();
    let mut cfg = config("UTC");
    cfg.plan = Plan::Starter;
    let e = estimate(
        &card,
        &cfg,
        |_| Amount::minor(1_000),
        &[line("ai_image", Some("high"), 1)],
    )
    .unwrap();
    assert_eq!(
        e.lines[0].unmet,
        vec![Requirement::Plan(Plan::Pro), Requirement::TopUpsEnabled]
    );
    assert!(!e.can_run());
    assert_eq!(
        describe_requirements(&e.lines[0].unmet),
        "needs a Pro plan and top-ups enabled"
    );
    cfg.plan = Plan::Enterprise;
    let e = estimate(
        &card,
        &cfg,
        |_| Amount::minor(1_000),
        &[line("ai_image", Some("high"), 1)],
    )
    .unwrap();
    assert_eq!(e.lines[0].unmet, vec![Requirement::TopUpsEnabled]);
}

#[test]
fn bad_estimate_lines_get_clear_errors() {
    let card = card();
    let cfg = config("UTC");
    let cases = [
        (line("nope", None, 1), "unknown_feature"),
        (line("ai_image", None, 1), "tier_required"),
        (line("ai_image", Some("4k"), 1), "unknown_tier"),
        (line("voiceover", None, 0), "non_positive_quantity"),
        (line("voiceover", Some("low"), 5), "unknown_tier"),
    ];
    for (l, code) in cases {
        let err = estimate(&card, &cfg, |_| Amount::ZERO, &[l]).unwrap_err();
        assert_eq!(err.code(), code);
    }
    assert!(estimate(&card, &cfg, |_| Amount::ZERO, &[]).is_err());
}

#[test]
fn the_balance_in_product_units() {
    let card = card();
    let standard = TierId::new("standard").unwrap();
    let images = affordable(
        &card,
        &FeatureId::new("ai_image").unwrap(),
        Some(&standard),
        Amount::minor(1_503),
    )
    .unwrap();
    assert_eq!(images, 300);
    let characters = affordable(
        &card,
        &FeatureId::new("voiceover").unwrap(),
        None,
        Amount::minor(10),
    )
    .unwrap();
    assert_eq!(characters, 250);
}

#[test]
fn an_overdraft_counts_toward_what_an_estimate_covers() {
    let card = card();
    let mut cfg = config("UTC");
    cfg.meters[0].overdraft_limit = Amount::minor(30);
    // 4 standard images cost 20; 10 available and 30 of overdraft cover it, once.
    let e = estimate(
        &card,
        &cfg,
        |_| Amount::minor(10),
        &[line("ai_image", Some("standard"), 4)],
    )
    .unwrap();
    let m = &e.meters[0];
    assert_eq!(
        (m.covered, m.balance_after.get(), m.more_like_this),
        (true, -10, 1)
    );
}

#[test]
fn a_rate_card_line_on_a_meter_the_account_lacks_is_an_error() {
    let mut card = card();
    card.features[1].meter = creditboard_domain::ids::MeterId::new("minutes").unwrap();
    let err = estimate(
        &card,
        &config("UTC"),
        |_| Amount::minor(10),
        &[line("voiceover", None, 10)],
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_meter");
}
