//! Foto Master's data: a prepaid USD balance and its services.

use super::parts::{
    PER_USE, account, alerts, categories, engine, feature, id, label, members, offer, projects,
};
use super::profile::{DemoProfile, DescriptionStyle, demo_feature};
use super::{Preset, PresetId};
use crate::amount::Amount;
use crate::config::meter::{MeterConfig, MeterUnit, PurchasePolicy};
use crate::config::offer::{ExactAmount, PurchaseOffer};
use crate::config::presentation::UsagePart;
use crate::config::presentation::{ActivityFilter, ColumnHeading, LedgerColumn};
use crate::config::settings::AlertLevel;
use crate::config::{Plan, Role};
use crate::error::Result;
use crate::period::{PeriodChoices, PeriodPreset};
use crate::ratecard::{Price, RateCard};

/// Foto Master: a prepaid USD balance to the cent, engines per service, usage per event.
pub(super) fn fotomaster() -> Result<Preset> {
    let meter = MeterConfig {
        id: id("usd"),
        name: "Balance".into(),
        unit: MeterUnit::Currency { code: "USD".into() },
        decimals: 2,
        allocation: None,
        purchases: PurchasePolicy::default(),
        overdraft_limit: Amount::ZERO,
        auto_top_up: None,
    };
    let mut config = account(
        "fotomaster-booths",
        "Snapshot Booths Co.",
        "Australia/Sydney",
        Plan::Starter,
        1,
        vec![meter],
    )?;
    // "This Year, This Month, or Select Dates".
    config.usage_periods = PeriodChoices {
        presets: vec![PeriodPreset::ThisMonth, PeriodPreset::ThisYear],
        custom: true,
        default: PeriodPreset::ThisMonth,
    };
    // "Current Balance"; the ledger's six columns: Date, Service, Type, Status, Transaction,
    // Balance. Its "Service" is what the job was ("AI Modify (Nano Banana 2)", "SMS"): the
    // description; the engine alone is then the "Engine".
    config.presentation.cards.available = label("Current Balance");
    config.presentation.ledger_columns = vec![
        LedgerColumn::Time,
        LedgerColumn::Description,
        LedgerColumn::Type,
        LedgerColumn::Status,
        LedgerColumn::Amount,
        LedgerColumn::Balance,
    ];
    config.presentation.column_headings = vec![
        ColumnHeading::known(LedgerColumn::Description, "Service"),
        ColumnHeading::known(LedgerColumn::Service, "Engine"),
        ColumnHeading::known(LedgerColumn::Amount, "Transaction"),
        ColumnHeading::known(LedgerColumn::Balance, "Balance"),
        ColumnHeading::known(LedgerColumn::Project, "Event"),
    ];
    // The dashboard: the balance with the Amount field and Buy credits beside it, the
    // timeline graph in the middle, the Recent Activity grid at the bottom.
    config.presentation.usage_parts = vec![
        UsagePart::Cards,
        UsagePart::Buy,
        UsagePart::Chart,
        UsagePart::RecentActivity,
    ];
    config.presentation.custom_range = label("Select Dates");
    config.presentation.project_chart_title = label("AI Activities");
    // An event's AI Activities: "Event Period, This Year, This Month, or Select Dates".
    config.presentation.project_periods = PeriodChoices {
        presets: vec![
            PeriodPreset::AllActivity,
            PeriodPreset::ThisYear,
            PeriodPreset::ThisMonth,
        ],
        custom: true,
        default: PeriodPreset::AllActivity,
    };
    config.presentation.period_on_chart = true;
    // "Filter by a specific service or AI feature", "date range" and "status".
    config.presentation.activity_filters = vec![ActivityFilter::Feature, ActivityFilter::Status];
    config.members = members(&[
        ("m_olivia", "Olivia Brennan", Role::Admin),
        ("m_jack", "Jack Nguyen", Role::Member),
    ]);
    config.projects = projects(&[
        ("evt_smith_lee_wedding", "Smith–Lee Wedding"),
        ("evt_acme_gala", "Acme Gala 2026"),
        ("evt_city_marathon", "City Marathon Expo"),
        ("evt_uni_formal", "University Formal"),
        ("evt_tech_summit", "Tech Summit Sydney"),
        ("evt_nye_party", "New Year's Eve Party"),
    ]);
    // "Type the exact dollar amount you wish to add": to the cent, $10 to $2,000.
    config.offers = vec![PurchaseOffer {
        exact: Some(ExactAmount {
            min: Amount::minor(1_000),
            max: Amount::minor(200_000),
        }),
        ..offer("usd", "USD", 100, &[])
    }];
    config.alerts = alerts("usd", &[AlertLevel::Below(Amount::minor(2_000))]);
    let usd = "usd";
    let cents = Price::each;
    let svc = |fid, name, cat, price, eng: Option<&str>| {
        let f = feature(fid, name, cat, usd, PER_USE, cents(price));
        match eng {
            Some(e) => engine(f, e),
            None => f,
        }
    };
    let rate_card = RateCard {
        categories: categories(&[
            ("ai_image_to_video", "AI Image To Video"),
            ("ai_modify", "AI Modify"),
            ("ai_draw_me", "AI Draw Me"),
            ("standard_ai", "Standard AI Processing"),
            ("sms", "SMS"),
            ("editorial_ai", "Editorial AI"),
        ]),
        tiers: vec![],
        features: vec![
            svc(
                "i2v_kling",
                "AI Image To Video (Kling)",
                "ai_image_to_video",
                90,
                Some("Kling"),
            ),
            svc(
                "i2v_sora",
                "AI Image To Video (Sora)",
                "ai_image_to_video",
                120,
                Some("Sora"),
            ),
            svc(
                "i2v_seedance",
                "AI Image To Video (Seedance)",
                "ai_image_to_video",
                75,
                Some("Seedance"),
            ),
            svc(
                "modify_nano_banana",
                "AI Modify (Nano Banana 2)",
                "ai_modify",
                12,
                Some("Nano Banana 2"),
            ),
            svc(
                "modify_gpt_image",
                "AI Modify (GPT-Image 2)",
                "ai_modify",
                18,
                Some("GPT-Image 2"),
            ),
            svc(
                "combine_grok",
                "AI Combine Grok Imagine",
                "ai_modify",
                10,
                Some("Grok Imagine"),
            ),
            svc("draw_me", "AI Draw Me", "ai_draw_me", 8, None),
            svc(
                "background_removal",
                "Background removal",
                "standard_ai",
                2,
                None,
            ),
            svc("face_switch", "Face switch", "standard_ai", 4, None),
            svc("sms", "SMS", "sms", 5, None),
            svc("editorial_ai", "Editorial AI", "editorial_ai", 15, None),
        ],
    };
    let demo = DemoProfile {
        jobs_per_weekday: 16,
        weekend_per_mille: 2200,
        burst_per_mille: 60,
        failure_per_mille: 25,
        project_per_mille: 900,
        projects_in_turn: true,
        member_weights: &[2, 3],
        features: vec![
            demo_feature("i2v_kling", 5, (1, 1)),
            demo_feature("i2v_sora", 2, (1, 1)),
            demo_feature("i2v_seedance", 3, (1, 1)),
            demo_feature("modify_nano_banana", 14, (1, 1)),
            demo_feature("modify_gpt_image", 8, (1, 1)),
            demo_feature("combine_grok", 6, (1, 1)),
            demo_feature("draw_me", 7, (1, 1)),
            demo_feature("background_removal", 12, (1, 1)),
            demo_feature("face_switch", 6, (1, 1)),
            demo_feature("sms", 9, (1, 1)),
            demo_feature("editorial_ai", 3, (1, 1)),
        ],
        description: DescriptionStyle::FeatureName,
        purchase: Some(Amount::minor(25_000)), // $250.00
        holds: false,
        grants: &[],
    };
    Ok(Preset {
        id: Some(PresetId::Fotomaster),
        config,
        rate_card,
        demo,
    })
}
