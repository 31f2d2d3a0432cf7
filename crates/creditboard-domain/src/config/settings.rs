//! The spend controls a team changes as it goes: members' monthly caps, low-balance alert
//! levels, and the [`SettingsChange`] that changes them (or automatic top-ups).

use super::invalid;
use super::meter::{AutoTopUp, MeterConfig};
use super::{AccountConfig, Role};
use crate::amount::{Amount, MAX_BALANCE};
use crate::error::Result;
use crate::ids::{MemberId, MeterId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A member's monthly limit on one meter: their consumes and holds in a calendar month
/// (account timezone, net of refunds and releases) may not pass `monthly`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberCap {
    pub member: MemberId,
    pub meter: MeterId,
    pub monthly: Amount,
}

/// Where a low-balance alert sits: a percentage of the meter's allocation, or an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Percent(u8),
    Below(Amount),
}

/// Fires once each time the meter's balance crosses below its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRule {
    pub meter: MeterId,
    pub level: AlertLevel,
}

/// A change to an account's spend controls. Applying one yields a new configuration, which
/// is validated whole before it replaces the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettingsChange {
    /// Automatic top-ups of a meter (`None`: none configured).
    AutoTopUp {
        meter: MeterId,
        #[cfg_attr(feature = "openapi", schema(required))]
        settings: Option<AutoTopUp>,
    },
    /// A member's monthly cap on a meter (`None`: no cap).
    MemberCap {
        member: MemberId,
        meter: MeterId,
        #[cfg_attr(feature = "openapi", schema(required))]
        monthly: Option<Amount>,
    },
    /// The low-balance alert levels of a meter (replacing the ones it had).
    Alerts {
        meter: MeterId,
        levels: Vec<AlertLevel>,
    },
    /// Takes a member off the team: their tokens stop working on their next request, and
    /// their caps go with them. Their entries stay theirs.
    RemoveMember { member: MemberId },
}

impl SettingsChange {
    pub fn apply_to(&self, config: &AccountConfig) -> Result<AccountConfig> {
        let mut next = config.clone();
        match self {
            SettingsChange::AutoTopUp { meter, settings } => {
                let m = next.meter_index(meter)?;
                next.meters[m].auto_top_up = *settings;
            }
            SettingsChange::MemberCap {
                member,
                meter,
                monthly,
            } => {
                next.meter(meter)?;
                next.member_caps
                    .retain(|c| !(&c.member == member && &c.meter == meter));
                if let Some(monthly) = monthly {
                    next.member_caps.push(MemberCap {
                        member: member.clone(),
                        meter: meter.clone(),
                        monthly: *monthly,
                    });
                }
            }
            SettingsChange::Alerts { meter, levels } => {
                next.meter(meter)?;
                next.alerts.retain(|a| &a.meter != meter);
                let mut seen = Vec::new();
                for level in levels {
                    if seen.contains(level) {
                        continue;
                    }
                    seen.push(*level);
                    next.alerts.push(AlertRule {
                        meter: meter.clone(),
                        level: *level,
                    });
                }
            }
            SettingsChange::RemoveMember { member } => {
                let Some(gone) = next.member(member).cloned() else {
                    return invalid(format!("“{member}” is not on the team"));
                };
                next.members.retain(|m| &m.id != member);
                next.member_caps.retain(|c| &c.member != member);
                if gone.role == Role::Admin && !next.members.iter().any(|m| m.role == Role::Admin) {
                    return invalid(format!(
                        "{} is the team's only admin: make someone else an admin first",
                        gone.name
                    ));
                }
            }
        }
        Ok(next)
    }
}

/// Why an alert level cannot work on a meter. The account's validation and the alerts form ask
/// the same question ([`AlertLevel::problem`]) and each says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertProblem {
    /// A percentage outside 1 to 99.
    PercentOutOfRange,
    /// A percentage of a meter without an allocation.
    NoAllocation,
    /// An amount of zero or less, or more than a meter can hold.
    AmountOutOfRange,
}

impl AlertLevel {
    /// What is wrong with this level on `meter`, if anything.
    pub fn problem(&self, meter: &MeterConfig) -> Option<AlertProblem> {
        match *self {
            AlertLevel::Percent(p) if !(1..=99).contains(&p) => {
                Some(AlertProblem::PercentOutOfRange)
            }
            AlertLevel::Percent(_) if meter.allocation.is_none() => {
                Some(AlertProblem::NoAllocation)
            }
            AlertLevel::Below(x) if !x.is_positive() || x > MAX_BALANCE => {
                Some(AlertProblem::AmountOutOfRange)
            }
            _ => None,
        }
    }
}

impl AccountConfig {
    /// Member caps and alerts each name a known meter (and member) and stay within the
    /// amounts a meter can hold.
    pub(super) fn validate_caps_and_alerts(&self) -> Result<()> {
        let mut capped = HashSet::new();
        for c in &self.member_caps {
            self.meter(&c.meter)?;
            if self.member(&c.member).is_none() {
                return invalid(format!("there is no member “{}” to cap", c.member));
            }
            if !capped.insert((c.member.as_str(), c.meter.as_str())) {
                return invalid(format!("member “{}” has two caps on one meter", c.member));
            }
            if c.monthly.is_negative() || c.monthly > MAX_BALANCE {
                return invalid(format!(
                    "member “{}”: a monthly cap is between 0 and the meter's limit",
                    c.member
                ));
            }
        }
        for a in &self.alerts {
            let m = self.meter(&a.meter)?;
            match a.level.problem(m) {
                None => {}
                Some(AlertProblem::PercentOutOfRange) => {
                    return invalid("an alert percentage is between 1 and 99".into());
                }
                Some(AlertProblem::NoAllocation) => {
                    return invalid(format!(
                        "“{}” has no allocation to take a percentage of: use an amount",
                        m.name
                    ));
                }
                Some(AlertProblem::AmountOutOfRange) => {
                    return invalid("an alert amount is greater than zero".into());
                }
            }
        }
        Ok(())
    }
}
