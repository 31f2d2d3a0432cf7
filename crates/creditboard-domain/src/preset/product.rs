//! A product the host describes itself, and the plain demo rhythm it runs with.

use super::Preset;
use super::profile::{DemoFeature, DemoProfile, DescriptionStyle};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::QuantityUnit;
use crate::error::{DomainError, Result};
use crate::ratecard::RateCard;
use serde::{Deserialize, Serialize};

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
    pub(super) fn preset(&self) -> Preset {
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
                projects_in_turn: false,
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
