//! The demo's session copies (`--demo`, `session=`): recorded when made, counted against
//! the cap across restarts, and deleted whole when they expire.

use super::{Db, WriteTx};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use creditboard_domain::LedgerEntry;
use creditboard_domain::config::AccountConfig;
use creditboard_domain::ratecard::RateCard;

/// The advisory lock session copies are counted under (not an account id: those never hold a
/// space).
const SESSIONS_LOCK: &str = "demo sessions";

/// Every table that holds an account's rows, children before parents.
const ACCOUNT_ROWS: [&str; 12] = [
    "DELETE FROM webhook_attempts WHERE event IN (SELECT id FROM webhook_events WHERE account = $1)",
    "DELETE FROM webhook_deliveries WHERE event IN (SELECT id FROM webhook_events WHERE account = $1)",
    "DELETE FROM webhook_events WHERE account = $1",
    "DELETE FROM audit WHERE account = $1",
    "DELETE FROM notifications WHERE account = $1",
    "DELETE FROM account_snapshots WHERE account = $1",
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

    /// Stores a session copy with its history, counted as made at `at`, if fewer than `cap`
    /// exist, whichever process made them; false (and nothing stored) when the cap is reached.
    pub async fn create_demo_session(
        &self,
        config: &AccountConfig,
        rate_card: &RateCard,
        opened_at: DateTime<Utc>,
        entries: &[LedgerEntry],
        at: DateTime<Utc>,
        cap: u64,
    ) -> ApiResult<bool> {
        let mut tx = self.open_account(config, rate_card, opened_at).await?;
        let account = config.id.as_str();
        // Counted and recorded under one lock, in the write that creates the copy: SQLite's
        // write lock, or on PostgreSQL an advisory lock every process takes for this, so
        // processes making copies at once cannot pass the cap together.
        if let WriteTx::Postgres(t) = &mut tx {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(SESSIONS_LOCK)
                .execute(&mut **t)
                .await?;
        }
        let count = "SELECT COUNT(*) FROM demo_sessions";
        let n: i64 = on!(tx &mut tx, t => sqlx::query_scalar(count).fetch_one(&mut **t).await?);
        if u64::try_from(n).unwrap_or(u64::MAX) >= cap {
            return Ok(false);
        }
        let record = "INSERT INTO demo_sessions (account, created_at_ms) VALUES ($1, $2)";
        on!(tx &mut tx, t => sqlx::query(record).bind(account).bind(at.timestamp_millis()).execute(&mut **t).await.map(drop)?);
        tx.insert_history(config, entries).await?.commit().await?;
        Ok(true)
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
