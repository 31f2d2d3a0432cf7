//! The rate card (what each feature costs) and the estimator (what a job or a batch will cost,
//! whether the balance covers it, and how many more such jobs it affords).
//!
//! Prices are exact fractions of minor units — "1 credit per 20 characters" is
//! `Price { amount: 1, per: 20 }` — and a cost is rounded up to the next minor unit, so an
//! estimate never promises less than the charge will be.

use crate::amount::Amount;
use crate::config::{AccountConfig, Plan};
use crate::entry::QuantityUnit;
use crate::error::{DomainError, Result};
use crate::ids::{CategoryId, FeatureId, Label, MeterId, TierId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most lines in one estimate (a batch render of a long project).
pub const MAX_ESTIMATE_LINES: usize = 1000;

/// `amount` minor units of the feature's meter per `per` units of quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Price {
    pub amount: Amount,
    pub per: u32,
}

impl Price {
    pub const fn each(amount: i64) -> Self {
        Price {
            amount: Amount::minor(amount),
            per: 1,
        }
    }

    /// The cost of `quantity` units, rounded up to a whole minor unit.
    pub fn cost(self, quantity: u64) -> Result<Amount> {
        self.amount.mul_div_ceil(quantity, u64::from(self.per))
    }

    /// How many units `budget` pays for, rounded down.
    pub fn affordable(self, budget: Amount) -> u64 {
        if !self.amount.is_positive() || !budget.is_positive() {
            return 0;
        }
        let units = i128::from(budget.get()) * i128::from(self.per) / i128::from(self.amount.get());
        u64::try_from(units).unwrap_or(u64::MAX)
    }
}

/// What a feature or tier needs before it can be used: `{"plan":"pro"}` or
/// `"top_ups_enabled"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// At least this plan.
    Plan(Plan),
    /// Automatic top-ups switched on.
    TopUpsEnabled,
}

impl Requirement {
    pub fn describe(self) -> String {
        match self {
            Requirement::Plan(plan) => {
                let name = plan.name();
                let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {name} plan")
            }
            Requirement::TopUpsEnabled => "top-ups enabled".to_string(),
        }
    }

    pub fn is_met(self, config: &AccountConfig) -> bool {
        match self {
            Requirement::Plan(plan) => config.plan >= plan,
            Requirement::TopUpsEnabled => config.top_ups_enabled(),
        }
    }
}

/// "needs a Pro plan and top-ups enabled"
pub fn describe_requirements(reqs: &[Requirement]) -> String {
    let parts: Vec<String> = reqs.iter().map(|r| r.describe()).collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => format!("needs {one}"),
        [init @ .., last] => format!("needs {} and {last}", init.join(", ")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryInfo {
    pub id: CategoryId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierInfo {
    pub id: TierId,
    pub name: String,
}

/// The price of a feature at one tier (or its only price: `tier: None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierPrice {
    #[cfg_attr(feature = "openapi", schema(required))]
    pub tier: Option<TierId>,
    pub price: Price,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeatureRate {
    pub id: FeatureId,
    pub name: String,
    pub category: CategoryId,
    pub meter: MeterId,
    pub unit: QuantityUnit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<Label>,
    pub prices: Vec<TierPrice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
}

impl FeatureRate {
    pub fn is_tiered(&self) -> bool {
        self.prices.iter().any(|p| p.tier.is_some())
    }

    /// The price at `tier`; untiered features take no tier.
    pub fn price(&self, tier: Option<&TierId>) -> Result<&TierPrice> {
        match tier {
            None if self.is_tiered() => Err(DomainError::TierRequired(self.id.to_string())),
            None => self
                .prices
                .first()
                .ok_or_else(|| DomainError::UnknownFeature(self.id.to_string())),
            Some(t) => self
                .prices
                .iter()
                .find(|p| p.tier.as_ref() == Some(t))
                .ok_or_else(|| DomainError::UnknownTier {
                    feature: self.id.to_string(),
                    tier: t.to_string(),
                }),
        }
    }

    /// Requirements of the feature and of the tier together.
    pub fn requirements(&self, tier: &TierPrice) -> Vec<Requirement> {
        let mut all = self.requires.clone();
        all.extend(tier.requires.iter().filter(|r| !self.requires.contains(r)));
        all
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateCard {
    pub categories: Vec<CategoryInfo>,
    pub tiers: Vec<TierInfo>,
    pub features: Vec<FeatureRate>,
}

impl RateCard {
    /// Every feature's category, tiers and meter exist, ids are unique, prices are positive.
    pub fn validate(&self, config: &AccountConfig) -> Result<()> {
        let bad = |m: String| Err(DomainError::InvalidConfig(m));
        let mut ids = HashSet::new();
        for f in &self.features {
            if !ids.insert(f.id.as_str()) {
                return bad(format!("feature “{}” is on the rate card twice", f.id));
            }
            config.meter(&f.meter)?;
            if !self.categories.iter().any(|c| c.id == f.category) {
                return bad(format!(
                    "feature “{}” has an unknown category “{}”",
                    f.id, f.category
                ));
            }
            if f.prices.is_empty() {
                return bad(format!("feature “{}” has no price", f.id));
            }
            let tiered = f.prices.iter().filter(|p| p.tier.is_some()).count();
            if tiered != 0 && tiered != f.prices.len() {
                return bad(format!(
                    "feature “{}” mixes tiered and untiered prices",
                    f.id
                ));
            }
            for p in &f.prices {
                if !p.price.amount.is_positive() || p.price.per == 0 {
                    return bad(format!("feature “{}” has a non-positive price", f.id));
                }
                if let Some(t) = &p.tier
                    && !self.tiers.iter().any(|i| &i.id == t)
                {
                    return bad(format!("feature “{}” has an unknown tier “{t}”", f.id));
                }
            }
        }
        Ok(())
    }

    pub fn feature(&self, id: &FeatureId) -> Result<&FeatureRate> {
        self.features
            .iter()
            .find(|f| &f.id == id)
            .ok_or_else(|| DomainError::UnknownFeature(id.to_string()))
    }

    pub fn category_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.categories
            .iter()
            .find(|c| c.id.as_str() == id)
            .map_or(id, |c| c.name.as_str())
    }

    pub fn tier_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.tiers
            .iter()
            .find(|t| t.id.as_str() == id)
            .map_or(id, |t| t.name.as_str())
    }

    pub fn feature_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.features
            .iter()
            .find(|f| f.id.as_str() == id)
            .map_or(id, |f| f.name.as_str())
    }

    /// Features matching a search text in their name, category or engine.
    pub fn search<'a>(&'a self, query: &str) -> impl Iterator<Item = &'a FeatureRate> + 'a {
        let q = query.trim().to_lowercase();
        self.features.iter().filter(move |f| {
            q.is_empty()
                || f.name.to_lowercase().contains(&q)
                || self
                    .category_name(f.category.as_str())
                    .to_lowercase()
                    .contains(&q)
                || f.engine
                    .as_ref()
                    .is_some_and(|e| e.as_str().to_lowercase().contains(&q))
        })
    }
}

/// One job to estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EstimateLine {
    pub feature: FeatureId,
    #[serde(default)]
    pub tier: Option<TierId>,
    pub quantity: u64,
    /// A shot or job name, echoed back.
    #[serde(default)]
    pub label: Option<Label>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineEstimate {
    pub feature: FeatureId,
    pub feature_name: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub tier: Option<TierId>,
    pub quantity: u64,
    pub unit: QuantityUnit,
    pub meter: MeterId,
    pub cost: Amount,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub label: Option<Label>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub engine: Option<Label>,
    /// Requirements the account does not meet yet (the job would be refused).
    pub unmet: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterEstimate {
    pub meter: MeterId,
    pub total: Amount,
    pub available: Amount,
    /// The balance, plus the meter's overdraft limit, pays for the batch.
    pub covered: bool,
    /// May be negative: the shortfall.
    pub balance_after: Amount,
    /// How many more batches like this one the balance after it affords.
    pub more_like_this: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub lines: Vec<LineEstimate>,
    /// One per meter the lines use, in the account's meter order.
    pub meters: Vec<MeterEstimate>,
}

impl Estimate {
    /// Every meter covers its part and no requirement is unmet.
    pub fn can_run(&self) -> bool {
        self.meters.iter().all(|m| m.covered) && self.lines.iter().all(|l| l.unmet.is_empty())
    }
}

/// Prices a job or a batch against the balances (`available` per meter).
pub fn estimate(
    card: &RateCard,
    config: &AccountConfig,
    available: impl Fn(&MeterId) -> Amount,
    lines: &[EstimateLine],
) -> Result<Estimate> {
    if lines.is_empty() {
        return Err(DomainError::InvalidConfig(
            "an estimate needs at least one line".into(),
        ));
    }
    if lines.len() > MAX_ESTIMATE_LINES {
        return Err(DomainError::InvalidConfig(format!(
            "an estimate has at most {MAX_ESTIMATE_LINES} lines"
        )));
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.quantity == 0 {
            return Err(DomainError::NonPositiveQuantity);
        }
        let f = card.feature(&line.feature)?;
        // A line on a meter the account lacks would be left out of every total.
        config.meter(&f.meter)?;
        let price = f.price(line.tier.as_ref())?;
        out.push(LineEstimate {
            feature: f.id.clone(),
            feature_name: f.name.clone(),
            tier: price.tier.clone(),
            quantity: line.quantity,
            unit: f.unit,
            meter: f.meter.clone(),
            cost: price.price.cost(line.quantity)?,
            label: line.label.clone(),
            engine: f.engine.clone(),
            unmet: f
                .requirements(price)
                .into_iter()
                .filter(|r| !r.is_met(config))
                .collect(),
        });
    }
    let mut meters = Vec::new();
    for m in &config.meters {
        let costs: Vec<Amount> = out
            .iter()
            .filter(|l| l.meter == m.id)
            .map(|l| l.cost)
            .collect();
        if costs.is_empty() {
            continue;
        }
        let total = crate::arithmetic::checked_sum(costs)?;
        let available = available(&m.id);
        let balance_after = available.checked_sub(total)?;
        // What may still be spent after the batch: the balance plus the overdraft allowed.
        let spendable_after = balance_after.checked_add(m.overdraft_limit)?;
        let more_like_this = if spendable_after.is_negative() || !total.is_positive() {
            0
        } else {
            u64::try_from(spendable_after.get() / total.get()).unwrap_or(0)
        };
        meters.push(MeterEstimate {
            meter: m.id.clone(),
            total,
            available,
            covered: !spendable_after.is_negative(),
            balance_after,
            more_like_this,
        });
    }
    Ok(Estimate { lines: out, meters })
}

/// The balance in product units: how many units of a feature at a tier `available` pays for
/// ("≈ 42 min of Standard video").
pub fn affordable(
    card: &RateCard,
    feature: &FeatureId,
    tier: Option<&TierId>,
    available: Amount,
) -> Result<u64> {
    Ok(card
        .feature(feature)?
        .price(tier)?
        .price
        .affordable(available))
}
