//! What an account's admins see of the host's integration: the audit log (every change, by
//! whom, before and after) and the events the host is told, with each delivery's attempts. A
//! server answers both from its database; the demo store from the aggregate (the changes
//! made in the browser, the events its ledger made, which it has nowhere to send).

use super::query::{Query, QueryString, number};
use crate::error::{DomainError, Result};
use crate::events::{EventType, HostEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A team member (their own token or a session the host minted for them).
    Member { member: String },
    /// The account's service token.
    Service,
    /// The host's token for the whole server.
    Host,
    /// A read-only embed token (which changes nothing).
    Embed,
    /// The server on its own.
    Server,
}

/// One change, as `GET …/audit` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Increasing: `?before=` pages back from it.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// `create_account`, `close_account`, `add_member`, `update_member`, `remove_member`,
    /// `auto_top_up`, `member_cap`, `alerts`, `allocation`, `billing_day`, `plan`, `grant`,
    /// `adjustment`, `issue_token`, `revoke_token`, `add_webhook`, `delete_webhook`.
    pub action: String,
    /// What it is about: `member:m_ana`, `meter:credits`, `entry:42`, `token:tok_…`.
    pub subject: String,
    /// The part it changed, before and after, in the settings' own JSON (`null`: none).
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub before: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub after: serde_json::Value,
}

/// `GET …/audit?before=&limit=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct AuditQuery {
    /// Changes before this id (the page after the one that ended with it).
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub before: Option<i64>,
    /// 1 to 100 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// The most a list of changes or events carries at once.
pub const MAX_LIST: u32 = 100;

/// A list's `limit`: 1 to [`MAX_LIST`], 50 when not given.
pub fn limit(asked: Option<u32>) -> Result<usize> {
    match asked {
        None => Ok(50),
        Some(n @ 1..=MAX_LIST) => Ok(n as usize),
        Some(n) => Err(DomainError::InvalidQuery(format!(
            "limit is 1 to {MAX_LIST}, not {n}"
        ))),
    }
}

impl AuditQuery {
    pub fn check(&self) -> Result<usize> {
        if self.before.is_some_and(|b| b < 1) {
            return Err(DomainError::InvalidQuery(
                "before is a change's id, 1 or more".into(),
            ));
        }
        limit(self.limit)
    }
}

/// A page of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// `?before=` for the next page, if there is one.
    pub next_before: Option<i64>,
}

/// `GET …/webhook-events?limit=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct EventsQuery {
    /// 1 to 100 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// An event as delivered: what a host's webhook endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventBody {
    /// The same however often it is sent: a host drops one it has seen.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub account: String,
    pub created_at: DateTime<Utc>,
    pub data: HostEvent,
}

/// One event with what became of it at each endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentEvent {
    pub event: EventBody,
    /// One per endpoint it went to (none: no endpoint wanted it).
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub endpoint: String,
    /// `pending` (trying, with backoff), `delivered`, `failed` (given up after a day) or
    /// `cancelled` (the endpoint was deleted).
    pub state: String,
    /// When the next attempt is due, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub n: i32,
    pub at: DateTime<Utc>,
    /// The endpoint's HTTP status; none: it did not answer.
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl QueryString for AuditQuery {
    fn to_query(&self) -> Query {
        let mut q = Vec::new();
        if let Some(b) = self.before {
            q.push(("before".to_string(), b.to_string()));
        }
        if let Some(l) = self.limit {
            q.push(("limit".to_string(), l.to_string()));
        }
        q
    }

    fn from_query(query: &[(String, String)]) -> Result<Self> {
        let q = AuditQuery {
            before: number(query, "before")?,
            limit: number(query, "limit")?,
        };
        q.check()?;
        Ok(q)
    }

    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter> {
        <AuditQuery as utoipa::IntoParams>::into_params(|| {
            Some(utoipa::openapi::path::ParameterIn::Query)
        })
    }
}

impl QueryString for EventsQuery {
    fn to_query(&self) -> Query {
        self.limit
            .map(|l| vec![("limit".to_string(), l.to_string())])
            .unwrap_or_default()
    }

    fn from_query(query: &[(String, String)]) -> Result<Self> {
        let q = EventsQuery {
            limit: number(query, "limit")?,
        };
        limit(q.limit)?;
        Ok(q)
    }

    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter> {
        <EventsQuery as utoipa::IntoParams>::into_params(|| {
            Some(utoipa::openapi::path::ParameterIn::Query)
        })
    }
}
