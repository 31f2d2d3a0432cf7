//! The audit log as stored: one row per change, newest last.

use super::{Db, WriteTx, corrupt};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};

/// One change as stored: `actor` and `before`/`after` are JSON.
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
}

const INSERT: &str = "INSERT INTO audit (account, at_ms, actor, action, subject, before, after) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// A change to record: (actor, action, subject, before, after), JSON where it says so.
pub type NewAudit<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

impl WriteTx {
    /// Records a change in the transaction that makes it.
    pub async fn audit(
        &mut self,
        account: &str,
        at: DateTime<Utc>,
        (actor, action, subject, before, after): NewAudit<'_>,
    ) -> ApiResult<()> {
        on!(tx self, t => {
            sqlx::query(INSERT)
                .bind(account)
                .bind(at.timestamp_millis())
                .bind(actor)
                .bind(action)
                .bind(subject)
                .bind(before)
                .bind(after)
                .execute(&mut **t)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    /// The changes of `account` before id `before` (none: the newest), newest first, at
    /// most `limit`.
    pub async fn audit_log(
        &self,
        account: &str,
        before: Option<i64>,
        limit: i64,
    ) -> ApiResult<Vec<AuditRow>> {
        let sql = "SELECT id, at_ms, actor, action, subject, before, after FROM audit \
                   WHERE account = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        type Row = (i64, i64, String, String, String, String, String);
        let rows: Vec<Row> = on!(self, pool => sqlx::query_as(sql)
            .bind(account)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(id, at, actor, action, subject, before, after)| {
                Ok(AuditRow {
                    id,
                    at: DateTime::<Utc>::from_timestamp_millis(at).ok_or_else(|| corrupt(at))?,
                    actor,
                    action,
                    subject,
                    before,
                    after,
                })
            })
            .collect()
    }
}
