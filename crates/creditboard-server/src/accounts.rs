//! Accounts in memory. The database holds each account's entries; every server process keeps
//! the domain's `Ledger` of the accounts it serves, rebuilt from them and caught up before
//! each request, so every rule (draw-down, caps, holds, idempotency, refills) is the domain's
//! and answers match the demo store's to the credit.
//!
//! A write runs under the account's lock in this process and in the database (SQLite's write
//! lock, PostgreSQL's advisory lock), catches up with what other processes wrote, applies the
//! operation, and appends the new entries in the same transaction. The answer leaves only
//! after the commit, so an acknowledged write is stored; a failed commit throws the cached
//! ledger away and it is rebuilt from what was stored.

use crate::db::{Db, News};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use creditboard_domain::Ledger;
use creditboard_domain::account::SettingsChange;
use creditboard_domain::activity::ActivityIndex;
use creditboard_domain::alerts::AlertLog;
use creditboard_domain::billing::DemoPayments;
use creditboard_domain::ratecard::RateCard;
use creditboard_domain::rollup::DailyRollup;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// One account as this process knows it.
pub struct Loaded {
    pub ledger: Ledger,
    pub rate_card: RateCard,
    /// The settings version the ledger's configuration reflects.
    pub version: i64,
    /// What Activity listings scan, kept up with the ledger.
    pub index: ActivityIndex,
    /// What usage summaries read: usage per local day, kept up with the ledger.
    pub rollup: DailyRollup,
    pub alerts: AlertLog,
}

impl Loaded {
    fn apply_change(&mut self, change: &SettingsChange) -> ApiResult<()> {
        // Alerts fire as entries are written: what the old levels saw stays.
        if matches!(change, SettingsChange::Alerts { .. }) {
            self.alerts.catch_up(&self.ledger);
        }
        self.ledger.configure(change)?;
        Ok(())
    }
}

/// Entries appended to an account: what the live stream tells subscribers.
#[derive(Debug, Clone)]
pub struct Appended {
    pub account: String,
    /// The newest entry's id.
    pub last: u64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Loaded>>>;

pub struct Accounts {
    db: Db,
    slots: Mutex<HashMap<String, Slot>>,
    appended: broadcast::Sender<Appended>,
    /// The reference server's payment provider: approves every purchase. A host product
    /// plugs its own in here.
    pub payments: Mutex<DemoPayments>,
    clock_offset: chrono::Duration,
}

/// How often a write is tried again after losing a race to another process's write.
const WRITE_ATTEMPTS: usize = 3;

impl Accounts {
    pub fn new(db: Db) -> Self {
        Accounts {
            db,
            slots: Mutex::new(HashMap::new()),
            appended: broadcast::channel(1024).0,
            payments: Mutex::new(DemoPayments::default()),
            clock_offset: chrono::Duration::zero(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The ledger's clock: the system's, or shifted to start at a chosen instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Runs the ledger's clock from `start` on (demos and end-to-end tests that pin time).
    pub fn start_clock_at(&mut self, start: DateTime<Utc>) {
        self.clock_offset = start - Utc::now();
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Appended> {
        self.appended.subscribe()
    }

    /// Tells subscribers about entries another process wrote (PostgreSQL notifications).
    pub fn announce(&self, appended: Appended) {
        let _ = self.appended.send(appended);
    }

    fn slot(&self, account: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(account.to_string()).or_default().clone()
    }

    /// Forgets an account's cached state (it is rebuilt on the next request).
    pub async fn evict(&self, account: &str) {
        *self.slot(account).lock().await = None;
    }

    /// Answers from the account as stored now. Refills, rollovers and expiries that fell
    /// due are written first, so every reader sees the same balances.
    pub async fn read<T>(
        &self,
        account: &str,
        f: impl FnOnce(&mut Loaded, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let slot = self.slot(account);
        let mut guard = slot.lock().await;
        self.load(&mut guard, account).await?;
        let fresh = {
            let loaded = loaded(&mut guard)?;
            let news = self.db.news(account, last_id(loaded), loaded.version).await;
            catch_up(loaded, news)
        };
        if let Err(e) = fresh {
            *guard = None;
            return Err(e);
        }
        let now = self.now().max(loaded(&mut guard)?.ledger.now());
        if loaded(&mut guard)?.ledger.is_due(now) {
            self.write_locked(&mut guard, account, |_, _| Ok(()))
                .await
                .map_err(Conflict::into_error)?;
        }
        let loaded = loaded(&mut guard)?;
        let now = self.now().max(loaded.ledger.now());
        f(loaded, now)
    }

    /// Changes the account: `f` applies operations to the ledger; what they wrote is stored
    /// before the answer leaves. `f` may run more than once if another process wrote first.
    pub async fn write<T>(
        &self,
        account: &str,
        mut f: impl FnMut(&mut Loaded, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let slot = self.slot(account);
        let mut guard = slot.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_locked(&mut guard, account, &mut f).await {
                Err(Conflict::Lost(e)) if attempt < WRITE_ATTEMPTS => {
                    tracing::debug!("write to {account} lost a race, retrying: {}", e.message);
                }
                Err(Conflict::Lost(e) | Conflict::Refused(e)) => return Err(e),
                Ok(value) => return Ok(value),
            }
        }
    }

    /// Changes the account's settings (after `check` passes on the current state).
    pub async fn configure(
        &self,
        account: &str,
        change: &SettingsChange,
        check: impl Fn(&Loaded) -> ApiResult<()>,
    ) -> ApiResult<()> {
        let slot = self.slot(account);
        let mut guard = slot.lock().await;
        self.load(&mut guard, account).await?;
        let mut tx = self.db.begin_write(account).await?;
        let result = async {
            let loaded = loaded(&mut guard)?;
            let news = tx.news(account, last_id(loaded), loaded.version).await;
            catch_up(loaded, news)?;
            check(loaded)?;
            loaded.apply_change(change)?;
            let version = loaded.version + 1;
            tx.record_change(account, version, change, loaded.ledger.config())
                .await?;
            tx.commit().await?;
            loaded.version = version;
            Ok(())
        }
        .await;
        if result.is_err() {
            // The cached configuration may be ahead of the database's: rebuild it.
            *guard = None;
        }
        result
    }

    async fn load(&self, guard: &mut Option<Loaded>, account: &str) -> ApiResult<()> {
        if guard.is_some() {
            return Ok(());
        }
        let row = self
            .db
            .account(account)
            .await?
            .ok_or_else(|| ApiError::no_account(account))?;
        let started = std::time::Instant::now();
        let entries = self.db.entries_after(account, 0).await?;
        let read = started.elapsed();
        let ledger = Ledger::replay(row.config, row.opened_at, entries)?;
        let replayed = started.elapsed();
        // Built now rather than by the first listing or summary, which would wait for it.
        let mut index = ActivityIndex::new();
        index.sync(&ledger);
        let mut rollup = DailyRollup::new();
        rollup.sync(&ledger);
        tracing::info!(
            "loaded {account}: {} entries in {:.0?} (read {:.0?}, replay {:.0?}, index and rollups {:.0?})",
            ledger.entries().len(),
            started.elapsed(),
            read,
            replayed - read,
            started.elapsed() - replayed,
        );
        *guard = Some(Loaded {
            ledger,
            rate_card: row.rate_card,
            version: row.version,
            index,
            rollup,
            alerts: AlertLog::default(),
        });
        Ok(())
    }

    async fn write_locked<T>(
        &self,
        guard: &mut Option<Loaded>,
        account: &str,
        mut f: impl FnMut(&mut Loaded, DateTime<Utc>) -> ApiResult<T>,
    ) -> Result<T, Conflict> {
        self.load(guard, account).await.map_err(Conflict::Refused)?;
        let mut tx = self.db.begin_write(account).await.map_err(Conflict::Lost)?;
        let caught_up = {
            let loaded = loaded(guard).map_err(Conflict::Refused)?;
            let news = tx.news(account, last_id(loaded), loaded.version).await;
            catch_up(loaded, news)
        };
        if let Err(e) = caught_up {
            *guard = None;
            return Err(Conflict::Refused(e));
        }
        let loaded = loaded(guard).map_err(Conflict::Refused)?;
        let before = loaded.ledger.entries().len();
        // Entries never go back in time, even if this process's clock is behind another's.
        let now = self.now().max(loaded.ledger.now());
        let result = loaded
            .ledger
            .advance_to(now)
            .map_err(ApiError::from)
            .and_then(|()| f(loaded, now));
        let written = &loaded.ledger.entries()[before..];
        if written.is_empty() {
            return result.map_err(Conflict::Refused);
        }
        // Due refills and expiries are stored even when the operation was refused: they are
        // time passing, not the operation.
        let last = written.last().map_or(0, |e| e.id.0);
        let stored = match tx.insert_entries(account, written).await {
            Ok(()) => match tx.notify_appended(account, last).await {
                Ok(()) => tx.commit().await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            *guard = None;
            return Err(Conflict::Lost(e));
        }
        self.announce(Appended {
            account: account.to_string(),
            last,
        });
        result.map_err(Conflict::Refused)
    }
}

/// Why a write did not happen: refused (final) or lost to another writer (worth a retry).
enum Conflict {
    Refused(ApiError),
    Lost(ApiError),
}

impl Conflict {
    fn into_error(self) -> ApiError {
        match self {
            Conflict::Refused(e) | Conflict::Lost(e) => e,
        }
    }
}

fn loaded(guard: &mut Option<Loaded>) -> ApiResult<&mut Loaded> {
    guard
        .as_mut()
        .ok_or_else(|| ApiError::internal("account state missing after load"))
}

fn last_id(loaded: &Loaded) -> u64 {
    loaded.ledger.entries().last().map_or(0, |e| e.id.0)
}

/// Applies what other processes stored since this one last looked.
fn catch_up(loaded: &mut Loaded, news: ApiResult<News>) -> ApiResult<()> {
    let News { entries, changes } = news?;
    for (version, change) in changes {
        loaded.apply_change(&change)?;
        loaded.version = version;
    }
    if !entries.is_empty() {
        loaded.ledger.replay_more(entries)?;
    }
    Ok(())
}
