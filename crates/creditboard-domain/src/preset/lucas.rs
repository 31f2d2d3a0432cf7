//! Lucas's data: two meters billed separately, and a team of five.

use super::parts::{
    PER_USE, account, alerts, categories, credits_meter, feature, id, label, members, projects,
};
use super::profile::{DemoProfile, DescriptionStyle, demo_feature};
use super::{Preset, PresetId};
use crate::amount::Amount;
use crate::config::meter::{Allocation, MeterUnit, UnusedAllocation};
use crate::config::presentation::{CardLabels, MeterCardLabels};
use crate::config::settings::AlertLevel;
use crate::config::{Plan, Role};
use crate::entry::QuantityUnit;
use crate::error::Result;
use crate::period::Freshness;
use crate::period::{PeriodChoices, PeriodPreset};
use crate::ratecard::{Price, RateCard};

/// Lucas: Video Rendering Minutes and AI Feature Credits, billed separately; data through
/// yesterday 23:59.
pub(super) fn lucas() -> Result<Preset> {
    let mut minutes = credits_meter(
        "render_minutes",
        "Video Rendering Minutes",
        Some(Allocation {
            amount: Amount::minor(10_000), // 1,000.0 minutes
            unused: UnusedAllocation::Lapse,
        }),
    );
    minutes.unit = MeterUnit::Minutes;
    minutes.decimals = 1;
    let ai = credits_meter(
        "ai_credits",
        "AI Feature Credits",
        Some(Allocation {
            amount: Amount::minor(20_000),
            unused: UnusedAllocation::Lapse,
        }),
    );
    let mut config = account(
        "lucas-studio",
        "Lucas Studio",
        "America/New_York",
        Plan::Business,
        1,
        vec![minutes, ai],
    )?;
    config.freshness = Freshness::ThroughYesterday;
    // Exactly the five periods of its help page, no custom range; the billing month first.
    config.usage_periods = PeriodChoices {
        presets: vec![
            PeriodPreset::Last7Days,
            PeriodPreset::ThisMonth,
            PeriodPreset::LastMonth,
            PeriodPreset::Last90Days,
            PeriodPreset::Last180Days,
        ],
        custom: false,
        default: PeriodPreset::ThisMonth,
    };
    // "Your Available Rendering Minutes balance is displayed there."
    // "Contact your account administrator or Idomoo support to discuss increasing your
    // allocation."
    config.presentation.support = label("Idomoo support");
    config.presentation.meter_cards = vec![MeterCardLabels {
        meter: id("render_minutes"),
        labels: CardLabels {
            available: label("Available Rendering Minutes"),
            ..CardLabels::default()
        },
    }];
    config.members = members(&[
        ("m_dana", "Dana Whitfield", Role::Admin),
        ("m_omar", "Omar Haddad", Role::Member),
        ("m_grace", "Grace Liu", Role::Member),
        ("m_tom", "Tom Becker", Role::Member),
        ("m_ines", "Inês Costa", Role::Member),
    ]);
    config.projects = projects(&[
        ("spring_campaign", "Spring campaign"),
        ("onboarding_videos", "Onboarding videos"),
        ("q3_sales_kit", "Q3 sales kit"),
    ]);
    // Lucas sells no credits in the product: "contact your account administrator".
    config.alerts = [
        alerts("render_minutes", &[AlertLevel::Percent(20)]),
        alerts("ai_credits", &[AlertLevel::Percent(20)]),
    ]
    .concat();
    // A rendering minute is 10 minor units; 1 minute per 60 seconds of video.
    let per_second_minutes = Price {
        amount: Amount::minor(10),
        per: 60,
    };
    let rate_card = RateCard {
        categories: categories(&[
            ("video_rendering", "Video rendering"),
            ("image_animation", "Image animation"),
            ("image_generation", "Image generation"),
            ("voice_generation", "Voice generation"),
            ("ai_avatars", "AI avatars"),
            ("brand_customization", "Brand customization"),
            ("stock_media", "Stock media"),
            ("content_extraction", "Content extraction"),
            ("music_generation", "Music generation"),
        ]),
        tiers: vec![],
        features: vec![
            feature(
                "video_creation",
                "Video creation",
                "video_rendering",
                "render_minutes",
                QuantityUnit::Second,
                per_second_minutes,
            ),
            feature(
                "save_edits",
                "Saving edits",
                "video_rendering",
                "render_minutes",
                QuantityUnit::Second,
                per_second_minutes,
            ),
            feature(
                "publish_video",
                "Publishing",
                "video_rendering",
                "render_minutes",
                QuantityUnit::Second,
                per_second_minutes,
            ),
            feature(
                "animate_image",
                "Image animation",
                "image_animation",
                "ai_credits",
                PER_USE,
                Price::each(40),
            ),
            feature(
                "generate_image",
                "Image generation",
                "image_generation",
                "ai_credits",
                QuantityUnit::Image,
                Price::each(10),
            ),
            feature(
                "generate_voice",
                "Voice generation",
                "voice_generation",
                "ai_credits",
                QuantityUnit::Character,
                Price {
                    amount: Amount::minor(1),
                    per: 50,
                },
            ),
            feature(
                "ai_avatar",
                "AI avatar",
                "ai_avatars",
                "ai_credits",
                QuantityUnit::Second,
                Price::each(3),
            ),
            feature(
                "brand_kit",
                "Brand customization",
                "brand_customization",
                "ai_credits",
                PER_USE,
                Price::each(25),
            ),
            feature(
                "stock_media",
                "Stock media",
                "stock_media",
                "ai_credits",
                PER_USE,
                Price::each(15),
            ),
            feature(
                "extract_content",
                "Content extraction",
                "content_extraction",
                "ai_credits",
                PER_USE,
                Price::each(20),
            ),
            feature(
                "generate_music",
                "Music generation",
                "music_generation",
                "ai_credits",
                QuantityUnit::Second,
                Price::each(1),
            ),
        ],
    };
    let demo = DemoProfile {
        jobs_per_weekday: 30,
        weekend_per_mille: 120,
        burst_per_mille: 25,
        failure_per_mille: 30,
        project_per_mille: 600,
        projects_in_turn: false,
        member_weights: &[3, 5, 4, 2, 2],
        features: vec![
            demo_feature("video_creation", 22, (20, 180)),
            demo_feature("save_edits", 14, (20, 180)),
            demo_feature("publish_video", 10, (30, 240)),
            demo_feature("animate_image", 5, (1, 1)),
            demo_feature("generate_image", 9, (1, 4)),
            demo_feature("generate_voice", 9, (200, 2400)),
            demo_feature("ai_avatar", 4, (15, 90)),
            demo_feature("brand_kit", 2, (1, 1)),
            demo_feature("stock_media", 5, (1, 1)),
            demo_feature("extract_content", 3, (1, 1)),
            demo_feature("generate_music", 3, (15, 120)),
        ],
        description: DescriptionStyle::FeatureName,
        purchase: None,
        holds: false,
        grants: &[],
    };
    Ok(Preset {
        id: Some(PresetId::Lucas),
        config,
        rate_card,
        demo,
    })
}
