//! The demo's session copies (`--demo`, `session=`): recorded when made, counted against
//! the cap across restarts, and deleted whole when they expire.

use super::{Db, WriteTx};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};

/// Every table that holds an account's rows, children before parents.
const ACCOUNT_ROWS: [&str; 11] = [
    "DELETE FROM webhook_attempts WHERE event IN (SELECT id FROM webhook_events WHERE account = $1)",
    "DELETE FROM webhook_deliveries WHERE event IN (SELECT id FROM webhook_events WHERE account = $1)",
    "DELETE FROM webhook_events WHERE account = $1",
    "DELETE FROM audit WHERE account = $1",
    "DELETE FROM notifications WHERE account = $1",
    "DELETE FROM settings_changes WHERE account = $1",
    "DELETE FROM tokens WHERE account = $1",
    // Allowed by the ledger's guard for session copies alone (migration 0005).
    "DELETE FROM entries WHERE account = $1",
    "DELETE FROM demo_sessions WHERE account = $1",
    "DELETE FROM webhook_endpoints WHERE account = $1",
    "DELETE FROM accounts WHERE id = $1",
];

impl Db {
    /// Records that `account` is a session copy made at `at`, unless it is recorded already.
    pub async fn record_demo_session(&self, account: &str, at: DateTime<Utc>) -> ApiResult<()> {
        let sql = "INSERT INTO demo_sessions (account, created_at_ms) VALUES ($1, $2) \
                   ON CONFLICT (account) DO NOTHING";
        on!(self, pool => sqlx::query(sql).bind(account).bind(at.timestamp_millis()).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// How many session copies exist, whichever process made them.
    pub async fn demo_session_count(&self) -> ApiResult<u64> {
        let sql = "SELECT COUNT(*) FROM demo_sessions";
        let n: i64 = on!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The session copies made before `before`.
    pub async fn demo_sessions_made_before(&self, before: DateTime<Utc>) -> ApiResult<Vec<String>> {
        let sql =
            "SELECT account FROM demo_sessions WHERE created_at_ms < $1 ORDER BY created_at_ms";
        Ok(
            on!(self, pool => sqlx::query_scalar(sql).bind(before.timestamp_millis()).fetch_all(pool).await?),
        )
    }

    /// Deletes the session copy `account` and everything it holds, in one transaction under
    /// the account's write lock. Anything but a session copy is refused by the database.
    pub async fn delete_demo_session(&self, account: &str) -> ApiResult<()> {
        let mut tx = self.begin_write(account).await?;
        let is_session = "SELECT COUNT(*) FROM demo_sessions WHERE account = $1";
        let n: i64 = on!(tx &mut tx, t => sqlx::query_scalar(is_session).bind(account).fetch_one(&mut **t).await?);
        if n == 0 {
            return Err(crate::error::ApiError::internal(format!(
                "{account} is not a demo session copy: it is never deleted"
            )));
        }
        for sql in ACCOUNT_ROWS {
            on!(tx &mut tx, t => sqlx::query(sql).bind(account).execute(&mut **t).await.map(drop)?);
        }
        tx.commit().await
    }
}
