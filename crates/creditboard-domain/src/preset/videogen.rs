//! VideoGen's data: credits, packs, automatic top-ups and image tiers.

use super::parts::{
    PER_USE, account, alerts, categories, credits_meter, engine, feature, label, members, offer,
    projects, requires, tiered, tiers,
};
use super::profile::{DemoFeature, DemoProfile, DescriptionStyle, demo_feature, tier_weights};
use super::{Preset, PresetId};
use crate::amount::Amount;
use crate::config::meter::{Allocation, AutoTopUp, BucketKind, TopUpAmount, UnusedAllocation};
use crate::config::presentation::{BucketName, UsagePart};
use crate::config::settings::AlertLevel;
use crate::config::{Plan, Role};
use crate::entry::QuantityUnit;
use crate::error::Result;
use crate::period::{PeriodChoices, PeriodPreset};
use crate::ratecard::{Price, RateCard, Requirement};

/// VideoGen: included + additional credits, packs, automatic top-ups, image tiers.
pub(super) fn videogen() -> Result<Preset> {
    let mut meter = credits_meter(
        "credits",
        "Credits",
        Some(Allocation {
            amount: Amount::minor(25_000),
            unused: UnusedAllocation::Lapse,
        }),
    );
    meter.auto_top_up = Some(AutoTopUp {
        enabled: true,
        threshold: Amount::minor(1_000),
        amount: TopUpAmount::Fixed(Amount::minor(5_000)),
        monthly_cap: Some(Amount::minor(20_000)),
    });
    let mut config = account(
        "videogen-team",
        "Northwind Media",
        "Europe/Berlin",
        Plan::Pro,
        12,
        vec![meter],
    )?;
    // "You can filter activity by time range (1 day, 7 days, or 30 days)"; the balance card
    // breaks the total into included and additional credits, then the next refill date.
    config.presentation.activity_periods = PeriodChoices {
        presets: vec![
            PeriodPreset::Last1Day,
            PeriodPreset::Last7Days,
            PeriodPreset::Last30Days,
        ],
        custom: false,
        default: PeriodPreset::Last30Days,
    };
    config.presentation.all_history = false;
    config.presentation.balance_breakdown = true;
    // The Usage tab: the "Enable top-ups" banner at its top while they are off, the balance,
    // Buy credits and Configure top-ups, and "See rate card" at its bottom.
    config.presentation.usage_parts = vec![
        UsagePart::TopUpsBanner,
        UsagePart::Cards,
        UsagePart::Buy,
        UsagePart::TopUps,
        UsagePart::Chart,
        UsagePart::Breakdowns,
        UsagePart::RateCardLink,
    ];
    config.presentation.bucket_names = vec![BucketName {
        kind: BucketKind::Included,
        name: label("Included credits"),
    }];
    config.members = members(&[
        ("m_anton", "Anton Koenig", Role::Admin),
        ("m_lea", "Lea Hoffmann", Role::Admin),
        ("m_jonas", "Jonas Weber", Role::Member),
        ("m_sofia", "Sofia Rossi", Role::Member),
        ("m_emil", "Emil Larsen", Role::Member),
        ("m_mira", "Mira Novak", Role::Member),
    ]);
    config.projects = projects(&[
        ("brand_refresh", "Brand refresh"),
        ("customer_stories", "Customer stories"),
        ("social_weekly", "Social weekly"),
    ]);
    config.offers = vec![offer(
        "credits",
        "EUR",
        1,
        &[
            ("mini", "2,000 Mini", 2_000, 2_000),
            ("standard", "5,000 Standard", 5_000, 4_500),
            ("large", "10,000 Large", 10_000, 8_500),
            ("bulk", "25,000 Bulk", 25_000, 20_000),
        ],
    )];
    config.alerts = alerts(
        "credits",
        &[
            AlertLevel::Percent(50),
            AlertLevel::Percent(20),
            AlertLevel::Percent(5),
        ],
    );
    let c = "credits";
    let pro_and_top_ups: &[Requirement] =
        &[Requirement::Plan(Plan::Pro), Requirement::TopUpsEnabled];
    let top_ups: &[Requirement] = &[Requirement::TopUpsEnabled];
    let rate_card = RateCard {
        categories: categories(&[
            ("video_export", "Video export"),
            ("ai_video", "AI video generation"),
            ("ai_image", "AI image generation"),
            ("ai_audio", "AI audio"),
            ("ai_effects", "AI effects"),
            ("storage", "Storage"),
        ]),
        tiers: tiers(&[("low", "Low"), ("standard", "Standard"), ("high", "High")]),
        features: vec![
            feature(
                "export_1080p",
                "Video export (1080p)",
                "video_export",
                c,
                QuantityUnit::Second,
                Price::each(1),
            ),
            feature(
                "export_4k",
                "Video export (4K)",
                "video_export",
                c,
                QuantityUnit::Second,
                Price::each(3),
            ),
            requires(
                engine(
                    feature(
                        "ai_video_clip",
                        "AI video clip",
                        "ai_video",
                        c,
                        QuantityUnit::Second,
                        Price::each(20),
                    ),
                    "Veo",
                ),
                top_ups,
            ),
            tiered(
                feature(
                    "ai_image",
                    "AI image",
                    "ai_image",
                    c,
                    QuantityUnit::Image,
                    Price::each(1),
                ),
                &[
                    ("low", 2, &[]),
                    ("standard", 5, &[]),
                    ("high", 12, pro_and_top_ups),
                ],
            ),
            feature(
                "voiceover",
                "AI voiceover",
                "ai_audio",
                c,
                QuantityUnit::Character,
                Price {
                    amount: Amount::minor(1),
                    per: 25,
                },
            ),
            feature(
                "music_track",
                "AI music track",
                "ai_audio",
                c,
                PER_USE,
                Price::each(30),
            ),
            requires(
                feature(
                    "background_removal",
                    "Video background removal",
                    "ai_effects",
                    c,
                    QuantityUnit::Second,
                    Price::each(2),
                ),
                top_ups,
            ),
            feature(
                "auto_subtitles",
                "Auto subtitles",
                "ai_effects",
                c,
                PER_USE,
                Price::each(10),
            ),
            requires(
                feature(
                    "website_scan",
                    "Website scan",
                    "ai_effects",
                    c,
                    PER_USE,
                    Price::each(50),
                ),
                top_ups,
            ),
            requires(
                feature(
                    "flexible_storage",
                    "Flexible storage",
                    "storage",
                    c,
                    QuantityUnit::GbDay,
                    Price::each(3),
                ),
                top_ups,
            ),
        ],
    };
    let demo = DemoProfile {
        jobs_per_weekday: 30,
        weekend_per_mille: 150,
        burst_per_mille: 20,
        failure_per_mille: 35,
        project_per_mille: 500,
        projects_in_turn: false,
        member_weights: &[2, 3, 5, 4, 3, 2],
        features: vec![
            demo_feature("export_1080p", 16, (15, 120)),
            demo_feature("export_4k", 3, (15, 90)),
            demo_feature("ai_video_clip", 4, (4, 10)),
            DemoFeature {
                feature: "ai_image".into(),
                weight: 14,
                tiers: tier_weights(&[("low", 3), ("standard", 6), ("high", 2)]),
                quantity: (1, 4),
            },
            demo_feature("voiceover", 7, (200, 2000)),
            demo_feature("music_track", 2, (1, 1)),
            demo_feature("background_removal", 2, (10, 60)),
            demo_feature("auto_subtitles", 6, (1, 1)),
            demo_feature("website_scan", 1, (1, 1)),
            demo_feature("flexible_storage", 1, (5, 40)),
        ],
        description: DescriptionStyle::FeatureName,
        purchase: Some(Amount::minor(10_000)),
        holds: false,
        grants: &[(15, 1_500, 25, "Holiday promotion")],
    };
    Ok(Preset {
        id: Some(PresetId::Videogen),
        config,
        rate_card,
        demo,
    })
}
