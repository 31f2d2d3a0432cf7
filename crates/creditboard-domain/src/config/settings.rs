//! The spend controls a team changes as it goes: members' monthly caps, low-balance alert
//! levels, and the [`SettingsChange`] that changes them (or automatic top-ups).

use super::invalid;
use super::meter::{Allocation, AutoTopUp, MeterConfig};
use super::{AccountConfig, Member, Plan, Role};
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
    /// Puts a member on the team (the host provisions its users).
    AddMember { member: Member },
    /// Renames a member or changes their role; what is left out stays.
    UpdateMember {
        member: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
    },
    /// A meter's plan allocation and what happens to its unused part. The cycle under way
    /// keeps what it was granted; the next billing-cycle start grants the new amount and
    /// rolls over or lapses under the new rule.
    Allocation {
        meter: MeterId,
        allocation: Allocation,
    },
    /// The day billing cycles start. The cycle under way ends when it was going to; the
    /// ones after it start on the new day.
    BillingDay { anchor_day: u8 },
    /// The plan tier the rate card's requirements are checked against.
    Plan { plan: Plan },
}

/// The part of the settings a change touches, in the JSON the settings are in (`null` for
/// nothing: no top-up, no cap, a member not on the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Touched {
    None,
    TopUp(AutoTopUp),
    Cap(Amount),
    Levels(Vec<AlertLevel>),
    Member(Member),
    Allocation(Allocation),
    AnchorDay(u8),
    Plan(Plan),
}

/// The longest name a member may have.
pub const MAX_MEMBER_NAME: usize = 100;

/// Who may make a settings change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// The team's admins, and the host's service for them.
    AdminOrHost,
    /// The host product alone: its users, its plans.
    Host,
}

impl SettingsChange {
    /// Who may make it: spend controls are the team's (and the host's), the team's members
    /// and the plan the host's.
    pub fn changed_by(&self) -> ChangedBy {
        match self {
            SettingsChange::AutoTopUp { .. }
            | SettingsChange::MemberCap { .. }
            | SettingsChange::Alerts { .. }
            | SettingsChange::RemoveMember { .. } => ChangedBy::AdminOrHost,
            SettingsChange::AddMember { .. }
            | SettingsChange::UpdateMember { .. }
            | SettingsChange::Allocation { .. }
            | SettingsChange::BillingDay { .. }
            | SettingsChange::Plan { .. } => ChangedBy::Host,
        }
    }

    /// What the change is about, as the audit log names it (`member:m_ana`, `meter:credits`,
    /// `billing`).
    pub fn subject(&self) -> String {
        match self {
            SettingsChange::AutoTopUp { meter, .. }
            | SettingsChange::Alerts { meter, .. }
            | SettingsChange::Allocation { meter, .. } => format!("meter:{meter}"),
            SettingsChange::MemberCap { member, meter, .. } => {
                format!("member:{member}/meter:{meter}")
            }
            SettingsChange::RemoveMember { member }
            | SettingsChange::UpdateMember { member, .. } => format!("member:{member}"),
            SettingsChange::AddMember { member } => format!("member:{}", member.id),
            SettingsChange::BillingDay { .. } => "billing".into(),
            SettingsChange::Plan { .. } => "plan".into(),
        }
    }

    /// The short name of what it changes (`auto_top_up`, `add_member`…), as stored.
    pub fn action_name(&self) -> &'static str {
        match self {
            SettingsChange::AutoTopUp { .. } => "auto_top_up",
            SettingsChange::MemberCap { .. } => "member_cap",
            SettingsChange::Alerts { .. } => "alerts",
            SettingsChange::RemoveMember { .. } => "remove_member",
            SettingsChange::AddMember { .. } => "add_member",
            SettingsChange::UpdateMember { .. } => "update_member",
            SettingsChange::Allocation { .. } => "allocation",
            SettingsChange::BillingDay { .. } => "billing_day",
            SettingsChange::Plan { .. } => "plan",
        }
    }

    /// The part of `config` this change touches: what the audit log shows before and after
    /// it.
    pub fn touched(&self, config: &AccountConfig) -> Touched {
        let meter = |id: &MeterId| config.meters.iter().find(|m| &m.id == id);
        let member = |id: &MemberId| {
            config
                .member(id)
                .cloned()
                .map_or(Touched::None, Touched::Member)
        };
        match self {
            SettingsChange::AutoTopUp { meter: id, .. } => meter(id)
                .and_then(|m| m.auto_top_up)
                .map_or(Touched::None, Touched::TopUp),
            SettingsChange::MemberCap {
                member: who,
                meter: id,
                ..
            } => config
                .member_caps
                .iter()
                .find(|c| &c.member == who && &c.meter == id)
                .map_or(Touched::None, |c| Touched::Cap(c.monthly)),
            SettingsChange::Alerts { meter: id, .. } => Touched::Levels(
                config
                    .alerts
                    .iter()
                    .filter(|a| &a.meter == id)
                    .map(|a| a.level)
                    .collect(),
            ),
            SettingsChange::RemoveMember { member: id }
            | SettingsChange::UpdateMember { member: id, .. } => member(id),
            SettingsChange::AddMember { member: m } => member(&m.id),
            SettingsChange::Allocation { meter: id, .. } => meter(id)
                .and_then(|m| m.allocation)
                .map_or(Touched::None, Touched::Allocation),
            SettingsChange::BillingDay { .. } => Touched::AnchorDay(config.billing.anchor_day),
            SettingsChange::Plan { .. } => Touched::Plan(config.plan),
        }
    }

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
            SettingsChange::AddMember { member } => {
                if next.member(&member.id).is_some() {
                    return invalid(format!(
                        "“{}” is already on the team: change them instead",
                        member.id
                    ));
                }
                check_member_name(&member.name)?;
                next.members.push(member.clone());
            }
            SettingsChange::UpdateMember { member, name, role } => {
                let Some(i) = next.members.iter().position(|m| &m.id == member) else {
                    return invalid(format!("“{member}” is not on the team"));
                };
                if let Some(name) = name {
                    check_member_name(name)?;
                    next.members[i].name = name.clone();
                }
                if let Some(role) = role {
                    next.members[i].role = *role;
                }
                if !next.members.iter().any(|m| m.role == Role::Admin) {
                    return invalid(format!(
                        "{} is the team's only admin: make someone else an admin first",
                        config.member_name(member)
                    ));
                }
            }
            SettingsChange::Allocation { meter, allocation } => {
                let m = next.meter_index(meter)?;
                // The schedule of refills is the ledger's from the account's start: a meter
                // gains or loses an allocation only with a new account.
                if next.meters[m].allocation.is_none() {
                    return invalid(format!(
                        "“{}” has no plan allocation to change: its credits come from purchases and grants",
                        next.meters[m].name
                    ));
                }
                next.meters[m].allocation = Some(*allocation);
            }
            SettingsChange::BillingDay { anchor_day } => {
                next.billing.anchor_day = *anchor_day;
            }
            SettingsChange::Plan { plan } => next.plan = *plan,
        }
        Ok(next)
    }
}

fn check_member_name(name: &str) -> Result<()> {
    if name.trim().is_empty()
        || name.chars().count() > MAX_MEMBER_NAME
        || name.chars().any(char::is_control)
    {
        return invalid(format!(
            "a member's name is 1 to {MAX_MEMBER_NAME} characters, none of them control characters, not {name:?}"
        ));
    }
    Ok(())
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
