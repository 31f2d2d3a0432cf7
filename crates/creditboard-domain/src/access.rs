//! Who may do what. Anyone with access to an account reads it; acting for a member (batches,
//! purchases, settings) needs a member, and spending money or changing spend controls an
//! admin; reporting usage is the host product's service. The account aggregate asks here
//! before it acts, so the rule holds whatever a page shows or a host sends.

use crate::config::settings::SettingsChange;
use crate::config::{AccountConfig, Role};
use crate::error::{DomainError, Result};
use crate::ids::MemberId;
use serde::{Deserialize, Serialize};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Caller {
    /// A team member (their role is read from the account, never from the caller).
    Member(MemberId),
    /// The host product's backend: it reports usage, holds and refunds.
    Service,
    /// A read-only view of the dashboard (an embed token): it may read, never act.
    ReadOnly,
}

impl Caller {
    /// The member it speaks for, with their role in the account now; `None` for the service,
    /// a read-only view, or a member no longer on the team.
    pub fn viewer(&self, config: &AccountConfig) -> Option<Viewer> {
        let Caller::Member(id) = self else {
            return None;
        };
        config.member(id).map(|m| Viewer {
            member: m.id.clone(),
            role: m.role,
        })
    }
}

/// The member a request is made as, with their role (`AccountView::viewer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Viewer {
    pub member: MemberId,
    pub role: Role,
}

/// What kind of caller a use case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Any caller: reading, estimating.
    Anyone,
    /// A team member acting for themselves (the role rules then have their say).
    Member,
    /// The host product's service: usage, holds and refunds.
    Service,
}

/// Whether `caller` is the kind of caller `needs` asks for.
pub fn admit(caller: &Caller, needs: Needs) -> Result<()> {
    match (needs, caller) {
        (Needs::Anyone, _)
        | (Needs::Member, Caller::Member(_))
        | (Needs::Service, Caller::Service) => Ok(()),
        (_, Caller::ReadOnly) => Err(DomainError::ReadOnly),
        (Needs::Service, _) => Err(DomainError::ServiceOnly),
        (Needs::Member, _) => Err(DomainError::MemberOnly),
    }
}

/// Something only some members may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    BuyCredits,
    ChangeTopUps,
    ChangeAlerts,
    ChangeMemberCaps,
}

impl Action {
    /// Completes "Only team admins can …".
    pub fn describe(self) -> &'static str {
        match self {
            Action::BuyCredits => "buy credits",
            Action::ChangeTopUps => "change automatic top-ups",
            Action::ChangeAlerts => "change low-balance alerts",
            Action::ChangeMemberCaps => "set member caps",
        }
    }

    /// The role it needs.
    pub fn needs(self) -> Role {
        Role::Admin
    }
}

impl SettingsChange {
    /// What changing this setting counts as.
    pub fn action(&self) -> Action {
        match self {
            SettingsChange::AutoTopUp { .. } => Action::ChangeTopUps,
            SettingsChange::MemberCap { .. } => Action::ChangeMemberCaps,
            SettingsChange::Alerts { .. } => Action::ChangeAlerts,
        }
    }
}

/// Whether `viewer` may do `action`; the refusal names an admin to contact.
/// Without a viewer (a read-only embed) nothing may be done.
pub fn authorize(config: &AccountConfig, viewer: Option<&Viewer>, action: Action) -> Result<()> {
    let allowed = viewer.is_some_and(|v| {
        config
            .member(&v.member)
            .is_some_and(|m| m.role == action.needs())
    });
    if allowed {
        return Ok(());
    }
    Err(DomainError::AdminOnly {
        action: action.describe(),
        admin: config
            .admin_contact()
            .map_or_else(|| "your account owner".to_owned(), |m| m.name.clone()),
    })
}

/// Whether `viewer` may do `action`, for showing or hiding a control.
pub fn may(config: &AccountConfig, viewer: Option<&Viewer>, action: Action) -> bool {
    authorize(config, viewer, action).is_ok()
}
