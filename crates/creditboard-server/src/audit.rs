//! The audit log: every change to an account's settings, team, plan, grants and tokens, by
//! whom (a member, the account's service, the host, the server itself), when, and the part
//! it changed before and after. Written in the transaction that makes the change.

use crate::db::{AuditRow, WriteTx};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use creditboard_domain::account::Changed;
use creditboard_domain::entry::{EntryKind, LedgerEntry};
use serde::Serialize;

pub use creditboard_domain::api::host::{Actor, AuditEntry};

/// A stored change as the API lists it.
pub fn entry(row: AuditRow) -> ApiResult<AuditEntry> {
    let json = |s: &str| -> ApiResult<serde_json::Value> {
        serde_json::from_str(s).map_err(ApiError::internal)
    };
    Ok(AuditEntry {
        id: row.id,
        at: row.at,
        actor: serde_json::from_str(&row.actor).map_err(ApiError::internal)?,
        action: row.action,
        subject: row.subject,
        before: json(&row.before)?,
        after: json(&row.after)?,
    })
}

/// A change to record: what, about what, and the part it changed before and after.
pub struct Change<'a> {
    pub action: &'a str,
    pub subject: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl<'a> Change<'a> {
    pub fn new(
        action: &'a str,
        subject: String,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> ApiResult<Change<'a>> {
        Ok(Change {
            action,
            subject,
            before: serde_json::to_value(before).map_err(ApiError::internal)?,
            after: serde_json::to_value(after).map_err(ApiError::internal)?,
        })
    }
}

/// Records one change in `tx`.
pub async fn record(
    tx: &mut WriteTx,
    account: &str,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> ApiResult<()> {
    let text = |v: &serde_json::Value| serde_json::to_string(v).map_err(ApiError::internal);
    let actor = serde_json::to_string(actor).map_err(ApiError::internal)?;
    let (before, after) = (text(&change.before)?, text(&change.after)?);
    tx.audit(
        account,
        at,
        (&actor, change.action, &change.subject, &before, &after),
    )
    .await
}

/// Records the settings changes and the grants and adjustments one write made.
pub async fn record_write(
    tx: &mut WriteTx,
    account: &str,
    at: DateTime<Utc>,
    actor: &Actor,
    changes: &[Changed],
    written: &[LedgerEntry],
) -> ApiResult<()> {
    for c in changes {
        let change = Change::new(
            c.change.action_name(),
            c.change.subject(),
            &c.before,
            &c.after,
        )?;
        record(tx, account, at, actor, change).await?;
    }
    for e in written
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Grant | EntryKind::Adjustment))
    {
        let action = match e.kind {
            EntryKind::Grant => "grant",
            _ => "adjustment",
        };
        let after = serde_json::json!({
            "meter": e.meter,
            "amount": e.amount,
            "reason": e.usage.description,
            "expires_at": e.expires_at,
            "balance_after": e.balance_after,
        });
        let change = Change {
            action,
            subject: format!("entry:{}", e.id),
            before: serde_json::Value::Null,
            after,
        };
        record(tx, account, at, actor, change).await?;
    }
    Ok(())
}
