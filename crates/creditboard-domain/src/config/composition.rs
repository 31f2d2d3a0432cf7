//! How a product composes its screens: the usage page's parts in its order, the Credits
//! panel's, and the Cost Estimate dialog's words. Part of [`super::presentation::Presentation`],
//! checked with the account like the rest of it.

use crate::ids::Label;
use serde::{Deserialize, Serialize};

/// A part of the usage page. A product shows the parts it lists, in its order; parts that
/// need something the account lacks (an offer to buy from, a link's period) are refused when
/// the account is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UsagePart {
    /// "Enable top-ups" while a meter that sells credits has them off (VideoGen's banner at
    /// the top of the Usage tab).
    TopUpsBanner,
    /// Each meter's balance, used and rate cards, and its run-out forecast.
    Cards,
    /// Buying credits in place, for admins (VideoGen's "Buy credits", Foto Master's Amount
    /// field beside the balance).
    Buy,
    /// A meter's automatic top-ups in place (VideoGen's "Configure top-ups").
    TopUps,
    /// The latest activity, a page at a time (ngram's Date, Description, Category, Credits;
    /// Foto Master's Recent Activity).
    RecentActivity,
    /// Each meter's chart with its total and average per day.
    Chart,
    /// Where the usage went: by category, feature, member, project, tier.
    Breakdowns,
    /// The way on to the Activity page (`activity_link`).
    ActivityLink,
    /// "See rate card" (VideoGen: at the bottom of the Usage tab).
    RateCardLink,
}

impl UsagePart {
    /// The dashboard's own page: cards, chart, breakdowns.
    pub const USUAL: [UsagePart; 3] = [UsagePart::Cards, UsagePart::Chart, UsagePart::Breakdowns];

    pub fn slug(self) -> &'static str {
        match self {
            UsagePart::TopUpsBanner => "top_ups_banner",
            UsagePart::Cards => "cards",
            UsagePart::Buy => "buy",
            UsagePart::TopUps => "top_ups",
            UsagePart::RecentActivity => "recent_activity",
            UsagePart::Chart => "chart",
            UsagePart::Breakdowns => "breakdowns",
            UsagePart::ActivityLink => "activity_link",
            UsagePart::RateCardLink => "rate_card_link",
        }
    }

    /// Parts that buy or set top-ups: they need something for sale.
    pub fn sells(self) -> bool {
        matches!(
            self,
            UsagePart::Buy | UsagePart::TopUps | UsagePart::TopUpsBanner
        )
    }
}

/// A part of the Credits panel the balance counter opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PanelPart {
    /// What is left in each bucket, and what is held.
    Buckets,
    /// When the allocation refills.
    Refill,
    /// What expires in the next 30 days.
    Expiring,
    /// The latest transactions, scrollable (ACT3's Transaction History).
    History,
    /// Buy credits: a dialog with the packs (ACT3's "Buy Credits" at the bottom).
    Buy,
}

impl PanelPart {
    /// The dashboard's own panel.
    pub const USUAL: [PanelPart; 3] = [PanelPart::Buckets, PanelPart::Refill, PanelPart::Expiring];

    pub fn slug(self) -> &'static str {
        match self {
            PanelPart::Buckets => "buckets",
            PanelPart::Refill => "refill",
            PanelPart::Expiring => "expiring",
            PanelPart::History => "history",
            PanelPart::Buy => "buy",
        }
    }
}

/// How the Cost Estimate dialog names a batch's lines and their columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EstimateWords {
    /// A line ("Job 1"; ACT3's "Shot 1").
    pub line: Label,
    /// The column naming what runs ("Feature"; ACT3's "Engine").
    pub what: Label,
    /// Whether that column names the engine rather than the feature.
    pub by_engine: bool,
    /// The tier's column ("Quality"; ACT3's "Quality tier").
    pub tier: Label,
    /// The quantity's column ("Quantity"; ACT3's "Duration").
    pub quantity: Label,
}

impl Default for EstimateWords {
    fn default() -> Self {
        EstimateWords {
            line: Label::known("Job"),
            what: Label::known("Feature"),
            by_engine: false,
            tier: Label::known("Quality"),
            quantity: Label::known("Quantity"),
        }
    }
}
