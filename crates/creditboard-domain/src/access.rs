//! Who may do what. Anyone with access to an account reads it; acting for a member (batches,
//! purchases, settings) needs a member, and spending money or changing spend controls an
//! admin; reporting usage is the host product's service. The account aggregate asks here
//! before it acts, so the rule holds whatever a page shows or a host sends.

use crate::config::settings::{ChangedBy, SettingsChange};
use crate::config::{AccountConfig, Member, Role};
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
    /// A team member acting for themselves (the role rules then have their say).
    Member,
    /// The host product's service: usage, holds and refunds.
    Service,
}

/// Whether `caller` is the kind of caller `needs` asks for.
pub fn admit(caller: &Caller, needs: Needs) -> Result<()> {
    match (needs, caller) {
        (Needs::Member, Caller::Member(_)) | (Needs::Service, Caller::Service) => Ok(()),
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
    /// Issue read-only views of the dashboard (embed tokens; see [`may_share`]).
    Share,
    /// Take members off the team, list and revoke the account's tokens.
    ManageTeam,
}

impl Action {
    /// Completes "Only team admins can …".
    pub fn describe(self) -> &'static str {
        match self {
            Action::BuyCredits => "buy credits",
            Action::ChangeTopUps => "change automatic top-ups",
            Action::ChangeAlerts => "change low-balance alerts",
            Action::ChangeMemberCaps => "set member caps",
            Action::Share => "issue embed tokens",
            Action::ManageTeam => "manage the team and its tokens",
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
            // The rest are the host's alone (`changed_by`): no member is ever asked.
            SettingsChange::RemoveMember { .. }
            | SettingsChange::AddMember { .. }
            | SettingsChange::UpdateMember { .. }
            | SettingsChange::Allocation { .. }
            | SettingsChange::BillingDay { .. }
            | SettingsChange::Plan { .. } => Action::ManageTeam,
        }
    }
}

/// Whether `caller` may make `change`: the host's service any, an admin the team's spend
/// controls (and taking someone off the team), nobody else.
pub fn may_change(config: &AccountConfig, caller: &Caller, change: &SettingsChange) -> Result<()> {
    match (caller, change.changed_by()) {
        (Caller::Service, _) => Ok(()),
        (Caller::ReadOnly, _) => Err(DomainError::ReadOnly),
        (Caller::Member(_), ChangedBy::Host) => Err(DomainError::HostOnly(change.action_name())),
        (Caller::Member(_), ChangedBy::AdminOrHost) => {
            authorize(config, caller.viewer(config).as_ref(), change.action())
        }
    }
}

/// A member's token works only while they are on the team: taken off it, they lose access
/// on their next request, whatever they ask.
pub fn on_team(config: &AccountConfig, caller: &Caller) -> Result<()> {
    match caller {
        Caller::Member(m) if config.member(m).is_none() => {
            Err(DomainError::NotOnTeam(m.to_string()))
        }
        _ => Ok(()),
    }
}

/// Who may list and revoke the account's tokens: the host's service and admins.
pub fn may_manage_tokens(config: &AccountConfig, caller: &Caller) -> Result<()> {
    match caller {
        Caller::Service => Ok(()),
        Caller::ReadOnly => Err(DomainError::ReadOnly),
        Caller::Member(_) => authorize(config, caller.viewer(config).as_ref(), Action::ManageTeam),
    }
}

/// Whether `viewer` holds, among `members`, the role `action` needs. Without a viewer (a
/// read-only embed) nothing may be done.
pub fn may(members: &[Member], viewer: Option<&Viewer>, action: Action) -> bool {
    viewer.is_some_and(|v| {
        members
            .iter()
            .any(|m| m.id == v.member && m.role == action.needs())
    })
}

/// Who to ask for something only admins may do: the first admin.
pub fn admin_contact(members: &[Member]) -> Option<&Member> {
    members.iter().find(|m| m.role == Role::Admin)
}

/// What a member who may not do `action` is told: it names an admin to contact.
pub fn refusal(members: &[Member], action: Action) -> DomainError {
    DomainError::AdminOnly {
        action: action.describe(),
        admin: admin_contact(members)
            .map_or_else(|| "your account owner".to_owned(), |m| m.name.clone()),
    }
}

/// Whether `caller` may hand out read-only views of the dashboard (embed tokens): the host's
/// service, or an admin.
pub fn may_share(config: &AccountConfig, caller: &Caller) -> Result<()> {
    match caller {
        Caller::Service => Ok(()),
        Caller::ReadOnly => Err(DomainError::ReadOnly),
        Caller::Member(_)
            if may(
                &config.members,
                caller.viewer(config).as_ref(),
                Action::Share,
            ) =>
        {
            Ok(())
        }
        Caller::Member(_) => Err(DomainError::ShareAdminOnly),
    }
}

/// Whether `viewer` may do `action` in the account set up as `config`; the refusal names an
/// admin to contact.
pub fn authorize(config: &AccountConfig, viewer: Option<&Viewer>, action: Action) -> Result<()> {
    if may(&config.members, viewer, action) {
        Ok(())
    } else {
        Err(refusal(&config.members, action))
    }
}
