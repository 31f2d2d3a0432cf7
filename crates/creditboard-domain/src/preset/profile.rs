//! The rhythm of a product's demo history: which features the team uses, how often and how.

use crate::amount::Amount;

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
    /// Whether projects run in turn, each for a stretch of the history (Foto Master's events,
    /// ACT3's productions), rather than all of them all along.
    pub projects_in_turn: bool,
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

pub(super) fn demo_feature(feature: &str, weight: u32, quantity: (u64, u64)) -> DemoFeature {
    DemoFeature {
        feature: feature.into(),
        weight,
        tiers: vec![],
        quantity,
    }
}

pub(super) fn tier_weights(weighted: &[(&str, u32)]) -> Vec<(String, u32)> {
    weighted.iter().map(|(t, w)| (t.to_string(), *w)).collect()
}
