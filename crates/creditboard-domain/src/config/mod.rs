//! How an account is set up: its timezone, meters, billing cycle, draw-down order, team, what
//! it sells and its spend controls.
//!
//! One [`AccountConfig`] describes any of the five products we serve (two meters for Lucas, a
//! USD balance for Foto Master, a capped rollover bank for ACT3, …): products differ by data,
//! not by code paths. [`AccountConfig::validate`] runs once at the edge; the ledger trusts it.

pub mod composition;
pub mod holds;
pub mod meter;
pub mod offer;
pub mod presentation;
pub mod settings;

use crate::amount::Amount;
use crate::config::presentation::{PanelPart, Presentation};
use crate::error::{DomainError, Result};
use crate::ids::{AccountId, MemberId, MeterId, ProjectId};
pub use crate::period::BillingCycle;
use crate::period::{Calendar, Freshness, PeriodChoices};
use crate::tz::Timezone;
pub use holds::HoldPolicy;
use meter::{BucketKind, MeterConfig};
use offer::PurchaseOffer;
use serde::{Deserialize, Serialize};
use settings::{AlertRule, MemberCap};
use std::collections::HashSet;

/// The order in which buckets are drawn down: `"included_then_soonest_expiring"` or
/// `{"by_kind":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DrawDownOrder {
    /// Included first, then whatever expires soonest, then the rest (rollover bank,
    /// additional, promotional; oldest first).
    #[default]
    IncludedThenSoonestExpiring,
    /// By kind in the given order; within a kind, soonest expiring then oldest first.
    ByKind(Vec<BucketKind>),
}

/// Plans, in order: a requirement "Pro" is met by Pro, Business and Enterprise.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    #[default]
    Starter,
    Pro,
    Business,
    Enterprise,
}

impl Plan {
    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Starter => "Starter",
            Plan::Pro => "Pro",
            Plan::Business => "Business",
            Plan::Enterprise => "Enterprise",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
}

/// Everything the ledger needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountConfig {
    pub id: AccountId,
    pub name: String,
    pub timezone: Timezone,
    #[serde(default)]
    pub freshness: Freshness,
    #[serde(default)]
    pub plan: Plan,
    pub billing: BillingCycle,
    #[serde(default)]
    pub draw_down: DrawDownOrder,
    pub meters: Vec<MeterConfig>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub projects: Vec<Project>,
    /// What can be bought, per meter (none: buying happens elsewhere).
    #[serde(default)]
    pub offers: Vec<PurchaseOffer>,
    /// Optional monthly limits on what one member may spend.
    #[serde(default)]
    pub member_caps: Vec<MemberCap>,
    /// Low-balance alerts.
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// How long a hold reserves credits unless it is settled.
    #[serde(default)]
    pub holds: HoldPolicy,
    /// The periods the usage page offers.
    #[serde(default)]
    pub usage_periods: PeriodChoices,
    /// The product's words for cards, ledger columns and buckets, and the Activity page's
    /// time ranges.
    #[serde(default)]
    pub presentation: Presentation,
}

impl AccountConfig {
    /// The account's timezone, freshness and billing cycle: what periods resolve in.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            timezone: self.timezone,
            freshness: self.freshness,
            billing: self.billing,
        }
    }

    /// Checks everything the ledger relies on; call once when a config enters the system.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return invalid("the account needs a name".into());
        }
        if self.meters.is_empty() {
            return invalid("an account needs at least one meter".into());
        }
        self.usage_periods.validate()?;
        self.holds.validate()?;
        self.presentation.validate(&self.meters)?;
        if !(1..=31).contains(&self.billing.anchor_day) {
            return invalid("the billing anchor day must be between 1 and 31".into());
        }
        let mut ids = HashSet::new();
        for m in &self.meters {
            if !ids.insert(m.id.as_str()) {
                return invalid(format!("meter “{}” is defined twice", m.id));
            }
            m.validate()?;
        }
        if let DrawDownOrder::ByKind(kinds) = &self.draw_down {
            let distinct: HashSet<_> = kinds.iter().collect();
            if distinct.len() != kinds.len() || kinds.contains(&BucketKind::Overdraft) {
                return invalid(
                    "the draw-down order lists each bucket kind at most once and never overdraft"
                        .into(),
                );
            }
        }
        let mut members = HashSet::new();
        for m in &self.members {
            if !members.insert(m.id.as_str()) {
                return invalid(format!("member “{}” is listed twice", m.id));
            }
        }
        self.validate_offers()?;
        if self.offers.is_empty() {
            if let Some(p) = self.presentation.usage_parts.iter().find(|p| p.sells()) {
                return invalid(format!(
                    "the usage page shows “{}”, but nothing is sold here",
                    p.slug()
                ));
            }
            if self.presentation.credits_panel.contains(&PanelPart::Buy) {
                return invalid(
                    "the Credits panel offers to buy credits, but nothing is sold here".into(),
                );
            }
        }
        // A top-up is charged at the meter's own price: a meter that sells nothing could
        // never charge one.
        if let Some(m) = self
            .meters
            .iter()
            .find(|m| m.auto_top_up.is_some_and(|t| t.enabled) && self.offer(&m.id).is_none())
        {
            return invalid(format!(
                "“{}” is not sold here, so automatic top-ups could never be charged: contact support to buy more",
                m.name
            ));
        }
        self.validate_caps_and_alerts()
    }

    pub fn offer(&self, meter: &MeterId) -> Option<&PurchaseOffer> {
        self.offers.iter().find(|o| &o.meter == meter)
    }

    pub fn member_cap(&self, member: &MemberId, meter: &MeterId) -> Option<Amount> {
        self.member_caps
            .iter()
            .find(|c| &c.member == member && &c.meter == meter)
            .map(|c| c.monthly)
    }

    /// The meters' ids, in the account's order.
    pub fn meter_ids(&self) -> Vec<MeterId> {
        self.meters.iter().map(|m| m.id.clone()).collect()
    }

    pub fn meter(&self, id: &MeterId) -> Result<&MeterConfig> {
        self.meters
            .iter()
            .find(|m| &m.id == id)
            .ok_or_else(|| DomainError::UnknownMeter(id.to_string()))
    }

    pub fn meter_index(&self, id: &MeterId) -> Result<usize> {
        self.meters
            .iter()
            .position(|m| &m.id == id)
            .ok_or_else(|| DomainError::UnknownMeter(id.to_string()))
    }

    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// A member's name for a sentence (the id, for someone no longer in the team).
    pub fn member_name(&self, id: &MemberId) -> String {
        self.member(id)
            .map_or_else(|| id.to_string(), |m| m.name.clone())
    }

    pub fn project(&self, id: &ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| &p.id == id)
    }

    /// Whether any meter has automatic top-ups switched on (a rate-card requirement).
    pub fn top_ups_enabled(&self) -> bool {
        self.meters
            .iter()
            .any(|m| m.auto_top_up.is_some_and(|t| t.enabled))
    }
}

/// A configuration that can never work, and why.
fn invalid<T>(why: String) -> Result<T> {
    Err(DomainError::InvalidConfig(why))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn unknown_timezones_are_named_in_the_error() {
        let err = Timezone::new("Mars/Olympus").unwrap_err();
        assert_eq!(err, DomainError::UnknownTimezone("Mars/Olympus".into()));
        assert!(err.to_string().contains("Mars/Olympus"));
        assert_eq!(
            Timezone::new("Asia/Kolkata").unwrap().name(),
            "Asia/Kolkata"
        );
    }
}
