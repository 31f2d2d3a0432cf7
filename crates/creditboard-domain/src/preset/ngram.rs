//! ngram's data: one credits meter and its tools.

use super::parts::{
    PER_USE, account, alerts, categories, credits_meter, feature, label, members, projects,
};
use super::profile::{DemoProfile, DescriptionStyle, demo_feature};
use super::{Preset, PresetId};
use crate::amount::Amount;
use crate::config::meter::{Allocation, UnusedAllocation};
use crate::config::presentation::{
    ActivityLink, CardLabels, ColumnHeading, LedgerColumn, UsagePart,
};
use crate::config::settings::AlertLevel;
use crate::config::{Plan, Role};
use crate::entry::QuantityUnit;
use crate::error::Result;
use crate::period::{PeriodChoices, PeriodPreset};
use crate::ratecard::{Price, RateCard};

/// ngram: credits with a monthly allocation; tools in four categories.
pub(super) fn ngram() -> Result<Preset> {
    let mut config = account(
        "ngram-creators",
        "ngram Creators",
        "Asia/Kolkata",
        Plan::Pro,
        5,
        vec![credits_meter(
            "credits",
            "Credits",
            Some(Allocation {
                amount: Amount::minor(4_000),
                unused: UnusedAllocation::Lapse,
            }),
        )],
    )?;
    // Its three cards, its activity table's four columns, and "See last 30 days of usage
    // activity" below the 30-day chart.
    config.presentation.cards = CardLabels {
        available: label("Available Credits"),
        used: label("Total Used"),
        rate: label("Usage Rate"),
        ..CardLabels::default()
    };
    config.presentation.ledger_columns = vec![
        LedgerColumn::Time,
        LedgerColumn::Description,
        LedgerColumn::Category,
        LedgerColumn::Amount,
    ];
    config.presentation.column_headings =
        vec![ColumnHeading::known(LedgerColumn::Amount, "Credits")];
    config.presentation.chart_title = label("{per} Credit Usage");
    config.presentation.activity_link = Some(ActivityLink {
        text: label("See last 30 days of usage activity"),
        period: PeriodPreset::Last30Days,
    });
    // "Total Used: credits consumed in the current billing period", then the activity table,
    // then the Daily Credit Usage chart of the last 30 days, then the link.
    config.usage_periods = PeriodChoices {
        presets: vec![
            PeriodPreset::ThisBillingPeriod,
            PeriodPreset::Last7Days,
            PeriodPreset::Last30Days,
            PeriodPreset::LastMonth,
            PeriodPreset::Last90Days,
        ],
        custom: true,
        default: PeriodPreset::ThisBillingPeriod,
    };
    config.presentation.usage_parts = vec![
        UsagePart::Cards,
        UsagePart::RecentActivity,
        UsagePart::Chart,
        UsagePart::ActivityLink,
    ];
    config.presentation.chart_period = Some(PeriodPreset::Last30Days);
    config.members = members(&[
        ("m_rishikesh", "Rishikesh Rao", Role::Admin),
        ("m_ananya", "Ananya Iyer", Role::Member),
        ("m_kabir", "Kabir Mehta", Role::Member),
    ]);
    config.projects = projects(&[
        ("explainer_series", "Explainer series"),
        ("product_launch", "Product launch"),
    ]);
    config.alerts = alerts(
        "credits",
        &[
            AlertLevel::Percent(50),
            AlertLevel::Percent(20),
            AlertLevel::Percent(5),
        ],
    );
    let c = "credits";
    let rate_card = RateCard {
        categories: categories(&[
            ("ai_generation", "AI Generation"),
            ("image_generation", "Image Generation"),
            ("audio_generation", "Audio Generation"),
            ("research", "Research"),
        ]),
        tiers: vec![],
        features: vec![
            feature(
                "scriptWrite",
                "Script writing",
                "ai_generation",
                c,
                PER_USE,
                Price::each(10),
            ),
            feature(
                "storyboardCreate",
                "Storyboard",
                "ai_generation",
                c,
                PER_USE,
                Price::each(15),
            ),
            feature(
                "creativeBrief",
                "Creative brief",
                "ai_generation",
                c,
                PER_USE,
                Price::each(5),
            ),
            feature(
                "brandStyleGenerator",
                "Brand styling",
                "image_generation",
                c,
                PER_USE,
                Price::each(25),
            ),
            feature(
                "keyframeGenerate",
                "Keyframe image",
                "image_generation",
                c,
                QuantityUnit::Image,
                Price::each(20),
            ),
            feature(
                "voiceoverGenerate",
                "Voiceover",
                "audio_generation",
                c,
                QuantityUnit::Character,
                Price {
                    amount: Amount::minor(1),
                    per: 40,
                },
            ),
            feature(
                "researcher",
                "Web research",
                "research",
                c,
                PER_USE,
                Price::each(8),
            ),
        ],
    };
    let demo = DemoProfile {
        jobs_per_weekday: 14,
        weekend_per_mille: 350,
        burst_per_mille: 30,
        failure_per_mille: 40,
        project_per_mille: 400,
        projects_in_turn: false,
        member_weights: &[4, 3, 2],
        features: vec![
            demo_feature("scriptWrite", 14, (1, 1)),
            demo_feature("storyboardCreate", 8, (1, 1)),
            demo_feature("creativeBrief", 6, (1, 1)),
            demo_feature("brandStyleGenerator", 2, (1, 1)),
            demo_feature("keyframeGenerate", 16, (1, 3)),
            demo_feature("voiceoverGenerate", 8, (300, 1800)),
            demo_feature("researcher", 9, (1, 1)),
        ],
        description: DescriptionStyle::Tool,
        purchase: Some(Amount::minor(2_000)),
        holds: false,
        grants: &[
            (380, 500, 30, "Welcome credits"),
            (20, 300, 30, "Creator week bonus"),
        ],
    };
    Ok(Preset {
        id: Some(PresetId::Ngram),
        config,
        rate_card,
        demo,
    })
}
