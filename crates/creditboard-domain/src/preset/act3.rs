//! ACT3's data: a rollover bank, quality tiers and batch renders.

use super::parts::{
    account, alerts, categories, credits_meter, engine, feature, label, members, offer, projects,
    tiered, tiers,
};
use super::profile::{DemoFeature, DemoProfile, DescriptionStyle, demo_feature, tier_weights};
use super::{Preset, PresetId};
use crate::amount::Amount;
use crate::config::meter::{Allocation, BucketKind, PurchasePolicy, UnusedAllocation};
use crate::config::presentation::{
    BucketName, ColumnHeading, EstimateWords, LedgerColumn, PanelPart,
};
use crate::config::settings::AlertLevel;
use crate::config::{Plan, Role};
use crate::entry::QuantityUnit;
use crate::error::Result;
use crate::ratecard::{Price, RateCard, Requirement};

/// ACT3: monthly allocation plus a capped rollover bank; Draft/Standard/High/4K roughly
/// doubling; purchases into the bank; batch renders as holds.
pub(super) fn act3() -> Result<Preset> {
    let mut meter = credits_meter(
        "credits",
        "Credits",
        Some(Allocation {
            amount: Amount::minor(30_000),
            unused: UnusedAllocation::Rollover {
                cap: Amount::minor(60_000),
            },
        }),
    );
    meter.purchases = PurchasePolicy {
        into: BucketKind::Rollover,
        expires_after_days: None,
    };
    let mut config = account(
        "act3-pictures",
        "Harbor Light Pictures",
        "America/Los_Angeles",
        Plan::Business,
        1,
        vec![meter],
    )?;
    // The counter opens the "Credits Detail" panel: "Monthly Allocation" and "Rollover Bank".
    // Its "Transaction History" rows give the date, the shot name, the quality tier and the
    // credit cost.
    config.presentation.credits_title = label("Credits Detail");
    // "Monthly Allocation and Rollover Bank", then "scroll down … Transaction History", then
    // "at the bottom of the Credits Detail panel, click Buy Credits".
    config.presentation.credits_panel = vec![
        PanelPart::Buckets,
        PanelPart::Refill,
        PanelPart::History,
        PanelPart::Buy,
    ];
    config.presentation.activity_title = label("Transaction History");
    // "It lists the shot name, the engine to be used, the quality tier, the shot duration".
    config.presentation.estimate_words = EstimateWords {
        line: label("Shot"),
        what: label("Engine"),
        by_engine: true,
        tier: label("Quality tier"),
        quantity: label("Duration"),
    };
    config.presentation.ledger_columns = vec![
        LedgerColumn::Time,
        LedgerColumn::Description,
        LedgerColumn::Tier,
        LedgerColumn::Amount,
    ];
    config.presentation.column_headings = vec![
        ColumnHeading::known(LedgerColumn::Description, "Shot"),
        ColumnHeading::known(LedgerColumn::Tier, "Quality tier"),
        ColumnHeading::known(LedgerColumn::Amount, "Credits"),
    ];
    config.presentation.bucket_names = vec![
        BucketName {
            kind: BucketKind::Included,
            name: label("Monthly Allocation"),
        },
        BucketName {
            kind: BucketKind::Rollover,
            name: label("Rollover Bank"),
        },
    ];
    config.members = members(&[
        ("m_maya", "Maya Okafor", Role::Admin),
        ("m_leo", "Leo Park", Role::Member),
        ("m_sam", "Sam Ortega", Role::Member),
        ("m_june", "June Adeyemi", Role::Member),
    ]);
    config.projects = projects(&[
        ("midnight_run", "Midnight Run"),
        ("harbor_lights", "Harbor Lights"),
        ("paper_moons", "Paper Moons (short)"),
    ]);
    // "Credits are added to your Rollover Bank" (the meter's purchase policy).
    config.offers = vec![offer(
        "credits",
        "USD",
        1,
        &[
            ("small", "5,000 credits", 5_000, 5_000),
            ("medium", "15,000 credits", 15_000, 13_500),
            ("large", "40,000 credits", 40_000, 32_000),
        ],
    )];
    config.alerts = alerts("credits", &[AlertLevel::Percent(20)]);
    let c = "credits";
    let enterprise: &[Requirement] = &[Requirement::Plan(Plan::Enterprise)];
    let render = |fid, name, eng| {
        engine(
            tiered(
                feature(
                    fid,
                    name,
                    "ai_render",
                    c,
                    QuantityUnit::Second,
                    Price::each(1),
                ),
                &[
                    ("draft", 5, &[]),
                    ("standard", 10, &[]),
                    ("high", 20, &[]),
                    ("4k", 40, enterprise),
                ],
            ),
            eng,
        )
    };
    let rate_card = RateCard {
        categories: categories(&[
            ("ai_render", "AI video render"),
            ("ai_still", "AI stills"),
            ("ai_audio", "AI audio"),
        ]),
        tiers: tiers(&[
            ("draft", "Draft"),
            ("standard", "Standard"),
            ("high", "High"),
            ("4k", "4K"),
        ]),
        features: vec![
            render("render_veo", "Shot render (Veo 3)", "Veo 3"),
            render("render_kling", "Shot render (Kling 2.1)", "Kling 2.1"),
            render(
                "render_runway",
                "Shot render (Runway Gen-4)",
                "Runway Gen-4",
            ),
            tiered(
                feature(
                    "still_frame",
                    "Still frame",
                    "ai_still",
                    c,
                    QuantityUnit::Image,
                    Price::each(1),
                ),
                &[
                    ("draft", 2, &[]),
                    ("standard", 4, &[]),
                    ("high", 8, &[]),
                    ("4k", 16, enterprise),
                ],
            ),
            feature(
                "dialogue_voice",
                "Dialogue voice",
                "ai_audio",
                c,
                QuantityUnit::Character,
                Price {
                    amount: Amount::minor(1),
                    per: 20,
                },
            ),
        ],
    };
    let render_tiers = tier_weights(&[("draft", 10), ("standard", 6), ("high", 3)]);
    let demo = DemoProfile {
        jobs_per_weekday: 30,
        weekend_per_mille: 200,
        burst_per_mille: 35,
        failure_per_mille: 50,
        project_per_mille: 1000,
        projects_in_turn: true,
        member_weights: &[2, 4, 4, 3],
        features: vec![
            DemoFeature {
                feature: "render_veo".into(),
                weight: 6,
                tiers: render_tiers.clone(),
                quantity: (3, 12),
            },
            DemoFeature {
                feature: "render_kling".into(),
                weight: 8,
                tiers: render_tiers.clone(),
                quantity: (3, 10),
            },
            DemoFeature {
                feature: "render_runway".into(),
                weight: 5,
                tiers: render_tiers.clone(),
                quantity: (3, 10),
            },
            DemoFeature {
                feature: "still_frame".into(),
                weight: 6,
                tiers: render_tiers.clone(),
                quantity: (1, 6),
            },
            demo_feature("dialogue_voice", 3, (80, 600)),
        ],
        description: DescriptionStyle::Shot,
        purchase: Some(Amount::minor(25_000)),
        holds: true,
        grants: &[],
    };
    Ok(Preset {
        id: Some(PresetId::Act3),
        config,
        rate_card,
        demo,
    })
}
