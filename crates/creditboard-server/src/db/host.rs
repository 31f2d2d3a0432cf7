//! What the host product provisions: its own tokens, accounts created through the API, and
//! their closing.

use super::{Db, WriteTx, corrupt};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};

/// A stored host token.
pub struct HostTokenRow {
    pub expires_at_ms: i64,
}

/// An account as the host sees it: when it opened and closed, and the request that made it.
pub struct AccountRecordRow {
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The SHA-256 of the creating request (`None`: seeded or written by hand).
    pub created_by: Option<String>,
}

fn at(ms: i64) -> ApiResult<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| corrupt(ms))
}

impl Db {
    pub async fn host_token(&self, hash: &str) -> ApiResult<Option<HostTokenRow>> {
        let sql = "SELECT expires_at_ms FROM host_tokens WHERE hash = $1";
        let row: Option<i64> =
            on!(self, pool => sqlx::query_scalar(sql).bind(hash).fetch_optional(pool).await?);
        Ok(row.map(|expires_at_ms| HostTokenRow { expires_at_ms }))
    }

    pub async fn insert_host_token(&self, hash: &str, expires_at: DateTime<Utc>) -> ApiResult<()> {
        let sql =
            "INSERT INTO host_tokens (hash, expires_at_ms, created_at_ms) VALUES ($1, $2, $3)";
        on!(self, pool => {
            sqlx::query(sql)
                .bind(hash)
                .bind(expires_at.timestamp_millis())
                .bind(Utc::now().timestamp_millis())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// When `account` opened and closed, and what created it; `None`: no such account.
    pub async fn account_record(&self, account: &str) -> ApiResult<Option<AccountRecordRow>> {
        let sql = "SELECT opened_at, closed_at_ms, created_by FROM accounts WHERE id = $1";
        let row: Option<(String, Option<i64>, Option<String>)> =
            on!(self, pool => sqlx::query_as(sql).bind(account).fetch_optional(pool).await?);
        let Some((opened, closed, created_by)) = row else {
            return Ok(None);
        };
        Ok(Some(AccountRecordRow {
            opened_at: DateTime::parse_from_rfc3339(&opened)
                .map_err(corrupt)?
                .with_timezone(&Utc),
            closed_at: closed.map(at).transpose()?,
            created_by,
        }))
    }
}

impl WriteTx {
    /// Notes the request that created `account` (just inserted), so a retry is known.
    pub async fn set_created_by(&mut self, account: &str, request_hash: &str) -> ApiResult<()> {
        let sql = "UPDATE accounts SET created_by = $1 WHERE id = $2";
        on!(tx self, t => {
            sqlx::query(sql).bind(request_hash).bind(account).execute(&mut **t).await?;
        });
        Ok(())
    }

    /// Closes `account` at `now` and deletes its tokens; whether it was open.
    pub async fn close_account(&mut self, account: &str, now: DateTime<Utc>) -> ApiResult<bool> {
        let sql = "UPDATE accounts SET closed_at_ms = $1 WHERE id = $2 AND closed_at_ms IS NULL";
        let closed = on!(tx self, t => sqlx::query(sql)
            .bind(now.timestamp_millis())
            .bind(account)
            .execute(&mut **t)
            .await?
            .rows_affected());
        on!(tx self, t => {
            sqlx::query("DELETE FROM tokens WHERE account = $1")
                .bind(account)
                .execute(&mut **t)
                .await?;
        });
        Ok(closed > 0)
    }

    /// The account's team as stored now (inside the write: no change can come between).
    pub async fn on_team(&mut self, account: &str, member: &str) -> ApiResult<bool> {
        let sql = "SELECT config FROM accounts WHERE id = $1 AND closed_at_ms IS NULL";
        let config: Option<String> = on!(tx self, t => sqlx::query_scalar(sql)
            .bind(account)
            .fetch_optional(&mut **t)
            .await?);
        let Some(config) = config else {
            return Ok(false);
        };
        let config: creditboard_domain::config::AccountConfig =
            serde_json::from_str(&config).map_err(corrupt)?;
        Ok(config.members.iter().any(|m| m.id.as_str() == member))
    }

    /// Deletes the tokens of `member` of `account` (taken off the team); how many.
    pub async fn delete_member_tokens(&mut self, account: &str, member: &str) -> ApiResult<u64> {
        let sql = "DELETE FROM tokens WHERE account = $1 AND member = $2";
        let n = on!(tx self, t => sqlx::query(sql)
            .bind(account)
            .bind(member)
            .execute(&mut **t)
            .await?
            .rows_affected());
        Ok(n)
    }

    /// Inserts a token (a session minted for a member) inside this write.
    pub async fn insert_token(
        &mut self,
        hash: &str,
        account: &str,
        kind: &str,
        member: Option<&str>,
        expires_at: DateTime<Utc>,
    ) -> ApiResult<()> {
        let sql = "INSERT INTO tokens (hash, account, kind, member, expires_at_ms, created_at_ms) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on!(tx self, t => {
            sqlx::query(sql)
                .bind(hash)
                .bind(account)
                .bind(kind)
                .bind(member)
                .bind(expires_at.timestamp_millis())
                .bind(Utc::now().timestamp_millis())
                .execute(&mut **t)
                .await?;
        });
        Ok(())
    }

    /// Deletes the token of `account` whose hash starts with `prefix`; whether there was one.
    pub async fn delete_token(&mut self, account: &str, prefix: &str) -> ApiResult<bool> {
        let sql = "DELETE FROM tokens WHERE account = $1 AND substr(hash, 1, 16) = $2";
        let n = on!(tx self, t => sqlx::query(sql)
            .bind(account)
            .bind(prefix)
            .execute(&mut **t)
            .await?
            .rows_affected());
        Ok(n > 0)
    }
}
