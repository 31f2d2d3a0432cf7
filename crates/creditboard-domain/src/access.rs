//! Who may do what. Members see everything; spending money and changing spend controls is for
//! admins. Stores call [`authorize`] before they act, so the rule holds whatever the UI shows.

use crate::account::{AccountConfig, Role, SettingsChange};
use crate::api::Viewer;
use crate::error::{DomainError, Result};

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
