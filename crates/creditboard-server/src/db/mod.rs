//! Storage: SQLite (a file under `./data`, WAL) by default, PostgreSQL when `DATABASE_URL`
//! says `postgres://`. Both hold the same three things: accounts (configuration and rate card
//! as the domain's JSON, with a log of settings changes), the append-only entries, and token
//! hashes. The SQL is written once; `on!` runs it against whichever pool is open.

use crate::error::{ApiError, ApiResult};
use bodies::{Param, Select};
use chrono::{DateTime, Utc};
use creditboard_domain::LedgerEntry;
use creditboard_domain::alerts::{MAX_NOTIFICATIONS, Notification};
use creditboard_domain::config::AccountConfig;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::ratecard::RateCard;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The default database: a file under `./data`.
pub const DEFAULT_URL: &str = "sqlite://data/creditboard.db";

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write in progress, holding the account's write lock (SQLite: the database's; PostgreSQL:
/// an advisory lock on the account) until it commits or is dropped.
pub enum WriteTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same code against either backend; `$conn` is bound to the pool or transaction.
macro_rules! on {
    (tx $target:expr, $conn:ident => $body:expr) => {
        match $target {
            WriteTx::Sqlite($conn) => $body,
            WriteTx::Postgres($conn) => $body,
        }
    };
    ($target:expr, $conn:ident => $body:expr) => {
        match $target {
            Db::Sqlite($conn) => $body,
            Db::Postgres($conn) => $body,
        }
    };
}

/// The entries of `account` after id `after`, through any executor (pool or transaction).
macro_rules! entries_after {
    ($conn:expr, $account:expr, $after:expr) => {{
        let after = i64::try_from($after).map_err(ApiError::internal)?;
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT body FROM entries WHERE account = $1 AND id > $2 ORDER BY id")
                .bind($account)
                .bind(after)
                .fetch_all($conn)
                .await?;
        rows.iter()
            .map(|(body,)| serde_json::from_str(body).map_err(corrupt))
            .collect()
    }};
}

/// The notifications of `account` fired by entries after id `after`, oldest first (the
/// newest `limit` of them), through any executor.
macro_rules! notifications_after {
    ($conn:expr, $account:expr, $after:expr, $limit:expr) => {{
        let after = i64::try_from($after).map_err(ApiError::internal)?;
        let limit = i64::try_from($limit).map_err(ApiError::internal)?;
        let mut rows: Vec<(String,)> = sqlx::query_as(
            "SELECT body FROM notifications WHERE account = $1 AND entry > $2 \
             ORDER BY entry DESC, seq DESC LIMIT $3",
        )
        .bind($account)
        .bind(after)
        .bind(limit)
        .fetch_all($conn)
        .await?;
        rows.reverse();
        rows.iter()
            .map(|(body,)| serde_json::from_str(body).map_err(corrupt))
            .collect::<ApiResult<Vec<Notification>>>()
    }};
}

/// The settings changes of `account` after `version`, through any executor.
macro_rules! changes_after {
    ($conn:expr, $account:expr, $version:expr) => {{
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT version, change FROM settings_changes \
             WHERE account = $1 AND version > $2 ORDER BY version",
        )
        .bind($account)
        .bind($version)
        .fetch_all($conn)
        .await?;
        rows.into_iter()
            .map(|(v, change)| Ok((v, serde_json::from_str(&change).map_err(corrupt)?)))
            .collect()
    }};
}
mod appends;
mod audit;
mod bodies;
mod demo;
mod host;
mod news;
mod schedule;
mod snapshots;
mod sql;
mod webhooks;

pub use audit::AuditRow;
pub use host::{AccountRecordRow, HostTokenRow};
pub use news::News;
pub use webhooks::{AttemptRow, DeliveryRow, EndpointRow, EventRow};

/// The PostgreSQL notification channel of appended entries: `<last id>:<account>`.
pub const APPENDED_CHANNEL: &str = "creditboard_appended";

/// An account as stored.
pub struct AccountRow {
    /// Closed by the host: it answers 410 and is never loaded.
    pub closed: bool,
    pub config: AccountConfig,
    pub rate_card: RateCard,
    pub opened_at: DateTime<Utc>,
    pub version: i64,
}

/// A stored token.
pub struct TokenRow {
    pub account: String,
    pub kind: String,
    pub member: Option<String>,
    pub expires_at_ms: Option<i64>,
}

/// A token as stored (its hash, never the secret).
pub struct StoredToken {
    pub hash: String,
    pub kind: String,
    pub member: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored data cannot be read: {what}"))
}

impl Db {
    /// Opens the database `url` names and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db, String> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No JIT: every query here reads a few rows by key, but on a large account the
            // generic plan's cost estimate crosses the JIT threshold, and compiling took
            // ~6 ms of a 0.2 ms query (measured at 10M entries).
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| e.to_string())?
                .options([("jit", "off")]);
            let pool = PgPoolOptions::new()
                .max_connections(32)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
            Db::Postgres(pool)
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| format!("“{url}” is not a SQLite URL: {e}"))?;
            if let Some(dir) = options.get_filename().parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // A commit is on disk before the client hears "done": a crash right after
                // an answer never loses what it confirmed.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| format!("cannot open SQLite database {url}: {e}"))?;
            Db::Sqlite(pool)
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), String> {
        let result = match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            // The migrator takes an advisory lock: several servers may start at once.
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        };
        result.map_err(|e| format!("cannot apply migrations: {e}"))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// Calls `heard(account, last)` for entries other processes append (PostgreSQL only;
    /// returns at once for SQLite). Reconnects after a dropped connection.
    pub async fn listen_appended(&self, heard: impl Fn(String, u64)) -> Result<(), String> {
        let Db::Postgres(pool) = self else {
            return Ok(());
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(|e| e.to_string())?;
        listener
            .listen(APPENDED_CHANNEL)
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let n = listener.recv().await.map_err(|e| e.to_string())?;
            if let Some((last, account)) = n.payload().split_once(':') {
                heard(account.to_string(), last.parse().unwrap_or(0));
            }
        }
    }

    pub async fn close(&self) {
        on!(self, pool => pool.close().await)
    }

    pub async fn account(&self, id: &str) -> ApiResult<Option<AccountRow>> {
        let sql = "SELECT config, rate_card, opened_at, config_version, closed_at_ms \
                   FROM accounts WHERE id = $1";
        let row: Option<(String, String, String, i64, Option<i64>)> =
            on!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await?);
        let Some((config, rate_card, opened_at, version, closed)) = row else {
            return Ok(None);
        };
        Ok(Some(AccountRow {
            closed: closed.is_some(),
            config: serde_json::from_str(&config).map_err(corrupt)?,
            rate_card: serde_json::from_str(&rate_card).map_err(corrupt)?,
            opened_at: DateTime::parse_from_rfc3339(&opened_at)
                .map_err(corrupt)?
                .with_timezone(&Utc),
            version,
        }))
    }

    /// The accounts still open.
    pub async fn account_ids(&self) -> ApiResult<Vec<String>> {
        let sql = "SELECT id FROM accounts WHERE closed_at_ms IS NULL ORDER BY id";
        let rows = on!(self, pool => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The newest entry's id (0 for none or no such account).
    pub async fn last_entry_id(&self, account: &str) -> ApiResult<u64> {
        let sql = "SELECT COALESCE(MAX(id), 0) FROM entries WHERE account = $1";
        let id: i64 =
            on!(self, pool => sqlx::query_scalar(sql).bind(account).fetch_one(pool).await?);
        Ok(u64::try_from(id).unwrap_or(0))
    }

    /// Entries after `after`, in order.
    pub async fn entries_after(&self, account: &str, after: u64) -> ApiResult<Vec<LedgerEntry>> {
        on!(self, pool => entries_after!(pool, account, after))
    }

    /// The bodies of up to `limit` entries below id `below`, newest first (a keyset walk
    /// back through the history; parsed by the caller, off the runtime's threads).
    pub async fn bodies_below(
        &self,
        account: &str,
        below: u64,
        limit: u32,
    ) -> ApiResult<Vec<String>> {
        let sql =
            "SELECT body FROM entries WHERE account = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        let below = i64::try_from(below).unwrap_or(i64::MAX);
        let params = [Param::Int(below), Param::Int(i64::from(limit))];
        let mut pool = self;
        pool.bodies(sql, account, &params).await
    }

    /// Up to `limit` entries' bodies below id `below` and from id `from` on, newest first,
    /// whose text contains one of `any_of`: the database passes over the others before they
    /// are sent and parsed (a listing's scan for a member, say).
    pub async fn bodies_naming(
        &self,
        account: &str,
        (below, from): (u64, u64),
        any_of: &[String],
        limit: u32,
    ) -> ApiResult<Vec<String>> {
        let mut pool = self;
        let sql = if pool.sqlite() {
            "SELECT body FROM entries WHERE account = $1 AND id < $2 AND id >= $3 \
             AND EXISTS (SELECT 1 FROM json_each($4) AS n WHERE instr(body, n.value) > 0) \
             ORDER BY id DESC LIMIT $5"
        } else {
            "SELECT body FROM entries WHERE account = $1 AND id < $2 AND id >= $3 \
             AND EXISTS (SELECT 1 FROM json_array_elements_text($4::json) AS n(v) \
             WHERE strpos(body, n.v) > 0) ORDER BY id DESC LIMIT $5"
        };
        let int = |n: u64| Param::Int(i64::try_from(n).unwrap_or(i64::MAX));
        let list = serde_json::to_string(any_of).map_err(ApiError::internal)?;
        let params = [
            int(below),
            int(from),
            Param::Text(list),
            Param::Int(i64::from(limit)),
        ];
        pool.bodies(sql, account, &params).await
    }

    /// Up to `limit` entries' bodies above id `above`, oldest first.
    pub async fn bodies_above(
        &self,
        account: &str,
        above: u64,
        limit: u32,
    ) -> ApiResult<Vec<String>> {
        let sql = "SELECT body FROM entries WHERE account = $1 AND id > $2 ORDER BY id LIMIT $3";
        let above = i64::try_from(above).unwrap_or(i64::MAX);
        let params = [Param::Int(above), Param::Int(i64::from(limit))];
        let mut pool = self;
        pool.bodies(sql, account, &params).await
    }

    /// The newest notifications fired by entries after `after` (all the dashboard lists).
    pub async fn notifications_after(
        &self,
        account: &str,
        after: u64,
    ) -> ApiResult<Vec<Notification>> {
        on!(self, pool => notifications_after!(pool, account, after, MAX_NOTIFICATIONS))
    }

    async fn changes_after(
        &self,
        account: &str,
        version: i64,
    ) -> ApiResult<Vec<(i64, SettingsChange)>> {
        on!(self, pool => changes_after!(pool, account, version))
    }

    /// Creates an account with its history (seeding, tests). Fails if it exists.
    pub async fn create_account(
        &self,
        config: &AccountConfig,
        rate_card: &RateCard,
        opened_at: DateTime<Utc>,
        entries: &[LedgerEntry],
    ) -> ApiResult<()> {
        let tx = self.open_account(config, rate_card, opened_at).await?;
        tx.insert_history(config, entries).await?.commit().await
    }

    /// Starts creating an account: its row is inserted in the write this returns, to
    /// commit. Fails if it exists.
    pub async fn open_account(
        &self,
        config: &AccountConfig,
        rate_card: &RateCard,
        opened_at: DateTime<Utc>,
    ) -> ApiResult<WriteTx> {
        let mut tx = self.begin_write(config.id.as_str()).await?;
        let sql = "INSERT INTO accounts (id, config, rate_card, opened_at) VALUES ($1, $2, $3, $4)";
        let config_json = serde_json::to_string(config).map_err(ApiError::internal)?;
        let card_json = serde_json::to_string(rate_card).map_err(ApiError::internal)?;
        on!(tx &mut tx, t => {
            sqlx::query(sql)
                .bind(config.id.as_str())
                .bind(&config_json)
                .bind(&card_json)
                .bind(opened_at.to_rfc3339())
                .execute(&mut **t)
                .await?;
        });
        Ok(tx)
    }

    /// Starts a write to `account`, waiting for other writers to it.
    pub async fn begin_write(&self, account: &str) -> ApiResult<WriteTx> {
        Ok(match self {
            // IMMEDIATE takes the write lock now: a deferred transaction that reads first
            // and then writes would fail with "database is locked" instead of waiting.
            Db::Sqlite(pool) => WriteTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
                WriteTx::Postgres(tx)
            }
        })
    }

    pub async fn token(&self, hash: &str) -> ApiResult<Option<TokenRow>> {
        let sql = "SELECT account, kind, member, expires_at_ms FROM tokens WHERE hash = $1";
        let row: Option<(String, String, Option<String>, Option<i64>)> =
            on!(self, pool => sqlx::query_as(sql).bind(hash).fetch_optional(pool).await?);
        Ok(row.map(|(account, kind, member, expires_at_ms)| TokenRow {
            account,
            kind,
            member,
            expires_at_ms,
        }))
    }

    pub async fn insert_token(
        &self,
        hash: &str,
        account: &str,
        kind: &str,
        member: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> ApiResult<()> {
        let sql = "INSERT INTO tokens (hash, account, kind, member, expires_at_ms, created_at_ms) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on!(self, pool => {
            sqlx::query(sql)
                .bind(hash)
                .bind(account)
                .bind(kind)
                .bind(member)
                .bind(expires_at.map(|t| t.timestamp_millis()))
                .bind(Utc::now().timestamp_millis())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Every token of `account`, oldest first.
    pub async fn tokens_of(&self, account: &str) -> ApiResult<Vec<StoredToken>> {
        let sql = "SELECT hash, kind, member, created_at_ms, expires_at_ms FROM tokens \
                   WHERE account = $1 ORDER BY created_at_ms, hash";
        /// hash, kind, member, created at, expires at (milliseconds).
        type Row = (String, String, Option<String>, i64, Option<i64>);
        let rows: Vec<Row> =
            on!(self, pool => sqlx::query_as(sql).bind(account).fetch_all(pool).await?);
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| corrupt(ms));
        rows.into_iter()
            .map(|(hash, kind, member, created, expires)| {
                Ok(StoredToken {
                    hash,
                    kind,
                    member,
                    created_at: at(created)?,
                    expires_at: expires.map(at).transpose()?,
                })
            })
            .collect()
    }

    /// Revokes the token of `account` whose hash starts with `prefix`; whether there was one.
    pub async fn delete_token(&self, account: &str, prefix: &str) -> ApiResult<bool> {
        let sql = "DELETE FROM tokens WHERE account = $1 AND substr(hash, 1, 16) = $2";
        let done = on!(self, pool => sqlx::query(sql)
            .bind(account)
            .bind(prefix)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done > 0)
    }

    /// Forgets embed tokens that expired before `now`.
    pub async fn delete_expired_tokens(&self, now: DateTime<Utc>) -> ApiResult<u64> {
        let sql = "DELETE FROM tokens WHERE expires_at_ms IS NOT NULL AND expires_at_ms < $1";
        let done = on!(self, pool => sqlx::query(sql)
            .bind(now.timestamp_millis())
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done)
    }
}

impl WriteTx {
    /// Stores the notifications a write fired, beside its entries.
    pub async fn insert_notifications(
        &mut self,
        account: &str,
        notifications: &[Notification],
    ) -> ApiResult<()> {
        let sql = "INSERT INTO notifications (account, entry, seq, body) VALUES ($1, $2, $3, $4)";
        for (i, n) in notifications.iter().enumerate() {
            // Several may come from one entry: numbered in the order they fired.
            let seq = notifications[..i]
                .iter()
                .filter(|m| m.entry == n.entry)
                .count();
            let body = serde_json::to_string(n).map_err(ApiError::internal)?;
            let entry = i64::try_from(n.entry.0).map_err(ApiError::internal)?;
            let seq = i32::try_from(seq).map_err(ApiError::internal)?;
            on!(tx self, t => {
                sqlx::query(sql)
                    .bind(account)
                    .bind(entry)
                    .bind(seq)
                    .bind(&body)
                    .execute(&mut **t)
                    .await?;
            });
        }
        Ok(())
    }

    async fn entries_after(&mut self, account: &str, after: u64) -> ApiResult<Vec<LedgerEntry>> {
        on!(tx self, t => entries_after!(&mut **t, account, after))
    }

    async fn changes_after(
        &mut self,
        account: &str,
        version: i64,
    ) -> ApiResult<Vec<(i64, SettingsChange)>> {
        on!(tx self, t => changes_after!(&mut **t, account, version))
    }

    /// Stores a new account's history with the notifications it fired: it was written under
    /// `config`, so its alerts fired with its levels.
    pub async fn insert_history(
        self,
        config: &AccountConfig,
        entries: &[LedgerEntry],
    ) -> ApiResult<Self> {
        let mut tx = self.append(config.id.as_str(), entries).await?;
        let fired = creditboard_domain::alerts::fired(config, entries);
        tx.insert_notifications(config.id.as_str(), &fired).await?;
        Ok(tx)
    }

    /// Records a settings change as the account's next config version.
    pub async fn record_change(
        &mut self,
        account: &str,
        version: i64,
        change: &SettingsChange,
        config: &AccountConfig,
    ) -> ApiResult<()> {
        let change = serde_json::to_string(change).map_err(ApiError::internal)?;
        let config = serde_json::to_string(config).map_err(ApiError::internal)?;
        on!(tx self, t => {
            sqlx::query("INSERT INTO settings_changes (account, version, change) VALUES ($1, $2, $3)")
                .bind(account)
                .bind(version)
                .bind(&change)
                .execute(&mut **t)
                .await?;
            sqlx::query("UPDATE accounts SET config = $1, config_version = $2 WHERE id = $3")
                .bind(&config)
                .bind(version)
                .bind(account)
                .execute(&mut **t)
                .await?;
        });
        Ok(())
    }

    /// Tells every server process sharing a PostgreSQL database that entries were appended
    /// (delivered when the transaction commits). A SQLite database has one process.
    pub async fn notify_appended(&mut self, account: &str, last: u64) -> ApiResult<()> {
        if let WriteTx::Postgres(t) = self {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(APPENDED_CHANNEL)
                .bind(format!("{last}:{account}"))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> ApiResult<()> {
        on!(tx self, t => t.commit().await?);
        Ok(())
    }
}
