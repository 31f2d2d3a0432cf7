//! The five products we serve, as configurations: meters, bucket policy, rate card, team, and
//! the shape of their demo history. A product is data here, never a code path.
//!
//! The numbers follow the products' help pages (packs of 2,000/5,000/10,000/25,000 for
//! VideoGen, Draft→4K "roughly doubling" for ACT3, a USD balance for Foto Master, …); where a
//! page is silent they are plausible values, chosen once.

use crate::account::{
    AccountConfig, AlertLevel, AlertRule, Allocation, AutoTopUp, BillingCycle, BucketKind,
    DrawDownOrder, ExactAmount, Freshness, Member, MeterConfig, MeterUnit, Money, Pack, Plan,
    Project, PurchaseOffer, PurchasePolicy, Role, Timezone, TopUpAmount, UnusedAllocation,
};
use crate::amount::Amount;
use crate::entry::QuantityUnit;
use crate::error::{DomainError, Result};
use crate::ids::{AccountId, CategoryId, Label, MemberId, ProjectId, TierId};
use crate::period::{PeriodChoices, PeriodPreset};
use crate::presentation::{
    ActivityFilter, ActivityLink, BucketName, CardLabels, ColumnHeading, LedgerColumn,
    MeterCardLabels, Presentation,
};
use crate::ratecard::{
    CategoryInfo, FeatureRate, Price, RateCard, Requirement, TierInfo, TierPrice,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresetId {
    Lucas,
    Ngram,
    Videogen,
    Act3,
    Fotomaster,
}

impl PresetId {
    pub const ALL: [PresetId; 5] = [
        PresetId::Lucas,
        PresetId::Ngram,
        PresetId::Videogen,
        PresetId::Act3,
        PresetId::Fotomaster,
    ];

    /// The demo a URL without a (known) preset opens, on the demo store and the server alike.
    pub const DEFAULT: PresetId = PresetId::Videogen;

    /// The preset a start-up URL names, or the default with what was wrong.
    pub fn from_url(slug: Option<&str>) -> (PresetId, Option<String>) {
        match slug {
            None => (PresetId::DEFAULT, None),
            Some(s) => match s.parse() {
                Ok(p) => (p, None),
                Err(_) => (
                    PresetId::DEFAULT,
                    Some(format!(
                        "There is no product preset “{s}”; showing the {} demo.",
                        PresetId::DEFAULT.slug()
                    )),
                ),
            },
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            PresetId::Lucas => "lucas",
            PresetId::Ngram => "ngram",
            PresetId::Videogen => "videogen",
            PresetId::Act3 => "act3",
            PresetId::Fotomaster => "fotomaster",
        }
    }
}

impl FromStr for PresetId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self> {
        PresetId::ALL
            .into_iter()
            .find(|p| p.slug() == s)
            .ok_or_else(|| {
                DomainError::InvalidConfig(format!("“{s}” is not a known product preset"))
            })
    }
}

impl fmt::Display for PresetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A product the host describes itself: its account and its rate card, the same JSON the
/// API serves (`GET /account`'s config and `GET /rate-card`). The demo runs it with a plain
/// rhythm: every feature equally often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductConfig {
    pub account: AccountConfig,
    pub rate_card: RateCard,
}

impl ProductConfig {
    /// Checks the account and the rate card against it, as a server does when it stores them.
    pub fn validate(&self) -> Result<()> {
        self.account.validate()?;
        self.rate_card.validate(&self.account)?;
        if self.rate_card.features.is_empty() {
            return Err(DomainError::InvalidConfig(
                "the rate card has no features: the demo would have nothing to use credits on"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The product as a preset with a plain demo rhythm.
    fn preset(&self) -> Preset {
        let (account, card) = (&self.account, &self.rate_card);
        let features: Vec<DemoFeature> = card
            .features
            .iter()
            .map(|f| DemoFeature {
                feature: f.id.to_string(),
                weight: 1,
                tiers: f
                    .prices
                    .iter()
                    .filter_map(|p| Some((p.tier.as_ref()?.to_string(), 1)))
                    .collect(),
                quantity: match f.unit {
                    QuantityUnit::Second => (5, 60),
                    QuantityUnit::Minute => (1, 10),
                    QuantityUnit::Character => (200, 2_000),
                    QuantityUnit::GbDay => (1, 20),
                    QuantityUnit::Use | QuantityUnit::Image => (1, 3),
                },
            })
            .collect();
        let jobs_per_weekday = plain_jobs_per_weekday(account, card, &features);
        // The admins buy the smallest pack (or ten times the least exact amount) when low.
        let purchase = account.offers.first().and_then(|o| {
            let pack = o.packs.iter().map(|p| p.credits).min();
            pack.or(o
                .exact
                .map(|e| Amount::minor(e.min.get().saturating_mul(10))))
        });
        Preset {
            id: None,
            config: account.clone(),
            rate_card: card.clone(),
            demo: DemoProfile {
                jobs_per_weekday,
                weekend_per_mille: PLAIN_WEEKEND_PER_MILLE,
                burst_per_mille: 30,
                failure_per_mille: 30,
                project_per_mille: 500,
                member_weights: &[],
                features,
                description: DescriptionStyle::FeatureName,
                purchase,
                holds: false,
                grants: &[],
            },
        }
    }
}

/// A host's product's weekend, relative to a weekday.
const PLAIN_WEEKEND_PER_MILLE: u32 = 300;

/// Jobs a weekday that use about nine tenths of the first meter's monthly allocation, so the
/// demo's cards and forecast look like a team on its plan; 12 where there is no allocation.
fn plain_jobs_per_weekday(account: &AccountConfig, card: &RateCard, demo: &[DemoFeature]) -> u32 {
    let Some((meter, allocation)) = account
        .meters
        .first()
        .and_then(|m| Some((&m.id, m.allocation?.amount.get())))
    else {
        return 12;
    };
    // The mean job: each feature on that meter equally often, at each of its prices equally
    // often, for the middle of its quantities.
    let costs: Vec<i64> = demo
        .iter()
        .filter_map(|d| {
            let f = card.features.iter().find(|f| f.id.as_str() == d.feature)?;
            let middle = (d.quantity.0 + d.quantity.1) / 2;
            let prices: Vec<i64> = f
                .prices
                .iter()
                .filter_map(|p| p.price.cost(middle).ok().map(|a| a.get()))
                .collect();
            (f.meter == *meter && !prices.is_empty())
                .then(|| prices.iter().sum::<i64>() / prices.len() as i64)
        })
        .collect();
    let mean = costs.iter().sum::<i64>() / (costs.len().max(1) as i64);
    if mean <= 0 {
        return 12;
    }
    // A month: 22 weekdays and 8 weekend days at the weekend's pace, in tenths of a weekday.
    let weekday_tenths = 220 + 80 * i64::from(PLAIN_WEEKEND_PER_MILLE) / 1000;
    let jobs = allocation * 9 / 10 * 10 / (mean * weekday_tenths);
    u32::try_from(jobs.clamp(1, 200)).unwrap_or(1)
}

/// What the demo runs: one of the five presets, or a host's own product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    Preset(PresetId),
    Custom(Box<ProductConfig>),
}

impl From<PresetId> for Product {
    fn from(id: PresetId) -> Self {
        Product::Preset(id)
    }
}

impl Product {
    /// The preset, for one of the five.
    pub fn preset_id(&self) -> Option<PresetId> {
        match self {
            Product::Preset(id) => Some(*id),
            Product::Custom(_) => None,
        }
    }

    /// Its configuration and demo rhythm (a custom one is checked first).
    pub fn load(&self) -> Result<Preset> {
        match self {
            Product::Preset(id) => Preset::get(*id),
            Product::Custom(config) => {
                config.validate()?;
                Ok(config.preset())
            }
        }
    }
}

/// How the demo describes a job in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionStyle {
    /// "Tool: keyframeGenerate" (ngram).
    Tool,
    /// "Sc. 12 / Shot 3A" (ACT3).
    Shot,
    /// The feature's name ("AI Modify (Nano Banana 2)").
    FeatureName,
}

/// One feature the demo team uses, and how.
#[derive(Debug, Clone)]
pub struct DemoFeature {
    pub feature: String,
    /// Relative frequency.
    pub weight: u32,
    /// Tiers with relative frequencies (empty for untiered features).
    pub tiers: Vec<(String, u32)>,
    /// Quantity range, inclusive.
    pub quantity: (u64, u64),
}

/// The rhythm of a product's demo history.
#[derive(Debug, Clone)]
pub struct DemoProfile {
    /// Jobs on a weekday at full team size.
    pub jobs_per_weekday: u32,
    /// Weekend activity relative to a weekday, per mille.
    pub weekend_per_mille: u32,
    /// Chance a day starts a burst of heavy use, per mille.
    pub burst_per_mille: u32,
    /// Failed jobs (refunded), per mille.
    pub failure_per_mille: u32,
    /// Jobs belonging to a project, per mille.
    pub project_per_mille: u32,
    /// Member weights, aligned with the config's members.
    pub member_weights: &'static [u32],
    pub features: Vec<DemoFeature>,
    pub description: DescriptionStyle,
    /// Purchases the admins make when the balance runs low (`None`: the account cannot buy).
    pub purchase: Option<Amount>,
    /// Whether jobs run as holds captured on completion (batch renders).
    pub holds: bool,
    /// Promotional grants: (days before now, amount, days valid, description).
    pub grants: &'static [(u32, i64, u32, &'static str)],
}

/// A product: its account, its rate card and its demo rhythm.
#[derive(Debug, Clone)]
pub struct Preset {
    /// Which of the five (none: a host's own product).
    pub id: Option<PresetId>,
    pub config: AccountConfig,
    pub rate_card: RateCard,
    pub demo: DemoProfile,
}

impl Preset {
    /// The preset's configuration; fails only when its timezone is unknown to the host.
    pub fn get(id: PresetId) -> Result<Preset> {
        match id {
            PresetId::Lucas => lucas(),
            PresetId::Ngram => ngram(),
            PresetId::Videogen => videogen(),
            PresetId::Act3 => act3(),
            PresetId::Fotomaster => fotomaster(),
        }
    }
}

// Preset data is written by us, not typed by users: an invalid literal is a bug caught by the
// preset tests, so these helpers fall back instead of returning errors.
fn id<T: TryFrom<&'static str>>(s: &'static str) -> T
where
    T::Error: fmt::Debug,
{
    match T::try_from(s) {
        Ok(v) => v,
        Err(e) => panic!("preset id {s:?} is invalid: {e:?}"),
    }
}

fn label(s: &str) -> Label {
    Label::new(s).unwrap_or_else(|e| panic!("preset label {s:?} is invalid: {e}"))
}

fn members(list: &[(&'static str, &str, Role)]) -> Vec<Member> {
    list.iter()
        .map(|&(i, name, role)| Member {
            id: id::<MemberId>(i),
            name: name.into(),
            role,
        })
        .collect()
}

/// Packs as `(id, name, credits, price in cents)`, plus the unit price top-ups are charged at.
fn offer(
    meter: &'static str,
    currency: &str,
    cents_per_unit: i64,
    packs: &[(&str, &str, i64, i64)],
) -> PurchaseOffer {
    PurchaseOffer {
        meter: id(meter),
        currency: currency.into(),
        cents_per_unit,
        packs: packs
            .iter()
            .map(|&(pack, name, credits, cents)| Pack {
                id: pack.into(),
                name: name.into(),
                credits: Amount::minor(credits),
                price: Money {
                    cents,
                    currency: currency.into(),
                },
            })
            .collect(),
        exact: None,
    }
}

fn alerts(meter: &'static str, levels: &[AlertLevel]) -> Vec<AlertRule> {
    levels
        .iter()
        .map(|&level| AlertRule {
            meter: id(meter),
            level,
        })
        .collect()
}

fn projects(list: &[(&'static str, &str)]) -> Vec<Project> {
    list.iter()
        .map(|&(i, name)| Project {
            id: id::<ProjectId>(i),
            name: name.into(),
        })
        .collect()
}

fn categories(list: &[(&'static str, &str)]) -> Vec<CategoryInfo> {
    list.iter()
        .map(|&(i, name)| CategoryInfo {
            id: id::<CategoryId>(i),
            name: name.into(),
        })
        .collect()
}

fn tiers(list: &[(&'static str, &str)]) -> Vec<TierInfo> {
    list.iter()
        .map(|&(i, name)| TierInfo {
            id: id::<TierId>(i),
            name: name.into(),
        })
        .collect()
}

/// An untiered feature.
fn feature(
    fid: &'static str,
    name: &str,
    category: &'static str,
    meter: &'static str,
    unit: QuantityUnit,
    price: Price,
) -> FeatureRate {
    FeatureRate {
        id: id(fid),
        name: name.into(),
        category: id(category),
        meter: id(meter),
        unit,
        engine: None,
        prices: vec![TierPrice {
            tier: None,
            price,
            requires: vec![],
        }],
        requires: vec![],
    }
}

fn tiered(mut f: FeatureRate, prices: &[(&'static str, i64, &[Requirement])]) -> FeatureRate {
    let per = f.prices.first().map_or(1, |p| p.price.per);
    f.prices = prices
        .iter()
        .map(|&(t, amount, reqs)| TierPrice {
            tier: Some(id(t)),
            price: Price {
                amount: Amount::minor(amount),
                per,
            },
            requires: reqs.to_vec(),
        })
        .collect();
    f
}

fn engine(mut f: FeatureRate, e: &str) -> FeatureRate {
    f.engine = Some(label(e));
    f
}

fn requires(mut f: FeatureRate, reqs: &[Requirement]) -> FeatureRate {
    f.requires = reqs.to_vec();
    f
}

fn credits_meter(meter: &'static str, name: &str, allocation: Option<Allocation>) -> MeterConfig {
    MeterConfig {
        id: id(meter),
        name: name.into(),
        unit: MeterUnit::Credits,
        decimals: 0,
        allocation,
        purchases: PurchasePolicy::default(),
        overdraft_limit: Amount::ZERO,
        auto_top_up: None,
    }
}

fn account(
    slug: &'static str,
    name: &str,
    zone: &str,
    plan: Plan,
    anchor_day: u8,
    meters: Vec<MeterConfig>,
) -> Result<AccountConfig> {
    // The one part of a preset that depends on the host: its timezone data.
    Ok(AccountConfig {
        id: id::<AccountId>(slug),
        name: name.into(),
        timezone: Timezone::new(zone)?,
        freshness: Freshness::Live,
        plan,
        billing: BillingCycle { anchor_day },
        draw_down: DrawDownOrder::default(),
        meters,
        members: vec![],
        projects: vec![],
        offers: vec![],
        member_caps: vec![],
        alerts: vec![],
        usage_periods: PeriodChoices::default(),
        presentation: Presentation::default(),
    })
}

const PER_USE: QuantityUnit = QuantityUnit::Use;

/// Lucas: Video Rendering Minutes and AI Feature Credits, billed separately; data through
/// yesterday 23:59.
fn lucas() -> Result<Preset> {
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

/// ngram: credits with a monthly allocation; tools in four categories.
fn ngram() -> Result<Preset> {
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

/// VideoGen: included + additional credits, packs, automatic top-ups, image tiers.
fn videogen() -> Result<Preset> {
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

/// ACT3: monthly allocation plus a capped rollover bank; Draft/Standard/High/4K roughly
/// doubling; purchases into the bank; batch renders as holds.
fn act3() -> Result<Preset> {
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
    config.presentation.activity_title = label("Transaction History");
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

/// Foto Master: a prepaid USD balance to the cent, engines per service, usage per event.
fn fotomaster() -> Result<Preset> {
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
    ];
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

fn demo_feature(feature: &str, weight: u32, quantity: (u64, u64)) -> DemoFeature {
    DemoFeature {
        feature: feature.into(),
        weight,
        tiers: vec![],
        quantity,
    }
}

fn tier_weights(weighted: &[(&str, u32)]) -> Vec<(String, u32)> {
    weighted.iter().map(|(t, w)| (t.to_string(), *w)).collect()
}
