//! What other processes stored since this one last looked, fetched only when the account's
//! head says there is any.

use super::{Db, MAX_NOTIFICATIONS, WriteTx, corrupt};
use crate::error::{ApiError, ApiResult};
use creditboard_domain::alerts::Notification;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::entry::LedgerEntry;

/// What was stored after a point: entries after an id (with the notifications they fired),
/// settings changes after a version.
pub struct News {
    /// The account was closed (it answers nothing more).
    pub closed: bool,
    pub entries: Vec<LedgerEntry>,
    pub changes: Vec<(i64, SettingsChange)>,
    pub notifications: Vec<Notification>,
}

/// Whether an account is closed, its newest entry id and settings version: one round trip
/// that tells a process whether there is anything to catch up with (mostly not).
const HEAD: &str = "SELECT closed_at_ms, \
    (SELECT COALESCE(MAX(id), 0) FROM entries WHERE account = $1), \
    (SELECT COALESCE(MAX(version), 0) FROM settings_changes WHERE account = $1) \
    FROM accounts WHERE id = $1";
type Head = (Option<i64>, i64, i64);

impl News {
    /// The news when the head says there is nothing to fetch: closed, or nothing newer than
    /// `after` and `version`.
    fn quiet(head: Option<Head>, after: u64, version: i64) -> Option<News> {
        let empty = |closed| News {
            closed,
            entries: Vec::new(),
            changes: Vec::new(),
            notifications: Vec::new(),
        };
        match head {
            Some((Some(_), _, _)) => Some(empty(true)),
            Some((None, last, v)) if last <= after as i64 && v <= version => Some(empty(false)),
            // The row is gone (a demo session copy deleted when it expired): nothing more to
            // serve, as for a closed account.
            None => Some(empty(true)),
            _ => None,
        }
    }
}

impl Db {
    /// What was stored after entry `after` and settings `version`, in order.
    pub async fn news(&self, account: &str, after: u64, version: i64) -> ApiResult<News> {
        let head: Option<Head> =
            on!(self, pool => sqlx::query_as(HEAD).bind(account).fetch_optional(pool).await?);
        if let Some(quiet) = News::quiet(head, after, version) {
            return Ok(quiet);
        }
        Ok(News {
            closed: false,
            entries: self.entries_after(account, after).await?,
            changes: self.changes_after(account, version).await?,
            notifications: self.notifications_after(account, after).await?,
        })
    }
}

impl WriteTx {
    /// What was stored after entry `after` and settings `version`, seen from inside the
    /// write (nothing can be stored in between).
    pub async fn news(&mut self, account: &str, after: u64, version: i64) -> ApiResult<News> {
        let head: Option<Head> = on!(tx self, t => sqlx::query_as(HEAD)
            .bind(account)
            .fetch_optional(&mut **t)
            .await?);
        if let Some(quiet) = News::quiet(head, after, version) {
            return Ok(quiet);
        }
        Ok(News {
            closed: false,
            entries: self.entries_after(account, after).await?,
            changes: self.changes_after(account, version).await?,
            notifications: on!(tx self, t => notifications_after!(&mut **t, account, after, MAX_NOTIFICATIONS))?,
        })
    }
}
