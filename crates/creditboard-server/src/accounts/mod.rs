//! Accounts in memory: an adapter around the domain's [`Account`] aggregate. The database
//! holds each account's entries and settings changes; every server process keeps the
//! aggregate of the accounts it serves (within its memory budget, `crate::resident`),
//! rebuilt from them and caught up before each request, so every rule (authorization,
//! draw-down, caps, holds, idempotency, refills) is the domain's and answers match the demo
//! store's to the credit.
//!
//! Each account is held twice: writes go to the writer's copy, reads to the reader's, each
//! under its own lock. A write runs under the writer's lock in this process and the
//! account's lock in the database (SQLite's write lock, PostgreSQL's advisory lock), catches
//! up with what other processes wrote, asks the account, and stores what it wrote (entries
//! and settings changes) in the same transaction. The answer leaves only after the commit,
//! so an acknowledged write is stored; a failed commit throws the copy away and it is
//! replayed from what was stored. A read catches the reader's copy up with what is stored
//! (this process's writes included, as another process's would be) and answers from it: a
//! search over millions of entries holds up other reads of the account, never its writes.

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::outbox;
use crate::resident::{Resident, Side, Slot, heavy};
use crate::streams::Streams;
use ahead::Ahead;

mod ahead;
mod opening;
use chrono::{DateTime, Utc};
use creditboard_domain::access::{self, Caller};
use creditboard_domain::account::Account;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::entry::{EntryId, EntryKind};
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

pub struct Accounts {
    db: Db,
    /// The accounts held in memory, within the budget.
    resident: Resident,
    /// The live streams open on this process's accounts.
    streams: Streams,
    /// Top-ups written pending by this process, for the payment task to charge
    /// (`crate::paying`): a write never waits for a payment provider.
    pending: tokio::sync::mpsc::UnboundedSender<(String, EntryId)>,
    pub(crate) pending_rx: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<(String, EntryId)>>>,
    clock_offset: chrono::Duration,
    /// Entries between two snapshots of an account ([`SNAPSHOT_EVERY`]; tests set less).
    snapshot_every: AtomicU64,
}

/// How often a write is tried again after losing a race to another process's write.
const WRITE_ATTEMPTS: usize = 3;

/// How often a request on a copy opened from a snapshot may come back for more entries
/// (reads and writes alike): an operation names all it needs at once, so one lookup is the
/// rule; a listing takes three (its edges, its page's outlines, its rows and what settled
/// them), twice for a page past the end.
const LOOKUPS: usize = 8;

/// An account is snapshotted once it has this many entries more than its stored snapshot
/// reflects (none: 0): a smaller one replays in well under the time a snapshot saves.
pub const SNAPSHOT_EVERY: u64 = 50_000;

impl Accounts {
    pub fn new(db: Db) -> Self {
        let (pending, pending_rx) = tokio::sync::mpsc::unbounded_channel();
        Accounts {
            db,
            resident: Resident::default(),
            streams: Streams::default(),
            pending,
            pending_rx: Mutex::new(Some(pending_rx)),
            clock_offset: chrono::Duration::zero(),
            snapshot_every: AtomicU64::new(SNAPSHOT_EVERY),
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

    pub fn streams(&self) -> &Streams {
        &self.streams
    }

    /// Tells the account's live streams that entries up to `last` are stored (this
    /// process's writes, and others' by PostgreSQL notifications).
    pub fn announce(&self, account: &str, last: u64) {
        self.streams.announce(account, last);
    }

    /// The accounts held in memory and their budget.
    pub fn resident(&self) -> &Resident {
        &self.resident
    }

    /// Brings the listing index and rollups of `account`'s reader copy up to its entries, if
    /// it is held and idle, without counting as a use (the background pass).
    pub fn refresh_if_held(&self, account: &str) {
        let Some(slot) = self.resident.peek(account) else {
            return;
        };
        if let Ok(mut reader) = slot.reader.try_lock()
            && let Some(a) = reader.as_mut()
        {
            heavy(|| a.refresh());
        }
    }

    /// Forgets an account's cached state (it is rebuilt on the next request).
    pub async fn evict(&self, account: &str) {
        let slot = self.resident.slot(account);
        for side in [Side::Writer, Side::Reader] {
            let mut state = slot.side(side).lock().await;
            self.resident.drop_copy(&slot, side, &mut state);
        }
    }

    /// Answers from the account as stored now, from its reader's copy (never waiting for a
    /// write in progress, nor making one wait). Refills, rollovers and expiries that fell due
    /// are written first, so every reader sees the same balances.
    pub async fn read<T>(
        &self,
        account: &str,
        f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let slot = self.resident.slot(account);
        let entries = match slot.entries() {
            Some(n) => n,
            None => self.db.last_entry_id(account).await?,
        };
        if self.resident.held_once(entries) {
            return self.read_once(&slot, account, f).await;
        }
        let mut guard = slot.reader.lock().await;
        let fresh = self.fresh(&slot, Side::Reader, &mut guard, account).await;
        self.resident.trim(&slot);
        fresh?;
        let now = self.now().max(loaded(&mut guard)?.ledger().now());
        if loaded(&mut guard)?.is_due(now) {
            // The writer's copy writes what fell due; this one then takes it in. (The writer
            // only ever tries this lock, so waiting for the writer's here cannot deadlock.)
            // A writer's copy not held yet starts as a copy of this one, not a second replay.
            if let Ok(mut writer) = slot.writer.try_lock()
                && writer.is_none()
            {
                let reader = loaded(&mut guard)?;
                *writer = Some(heavy(|| reader.clone()));
                self.resident.measure(&slot, Side::Writer, &writer);
            }
            self.write(account, &Actor::Server, |_, _| Ok(())).await?;
            self.fresh(&slot, Side::Reader, &mut guard, account).await?;
        }
        self.answer(&slot, Side::Reader, &mut guard, account, f)
            .await
    }

    /// [`Accounts::read`] for an account held once (`Resident::held_once`): from the
    /// writer's copy, under its lock.
    async fn read_once<T>(
        &self,
        slot: &Slot,
        account: &str,
        f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut guard = slot.writer.lock().await;
        // A reader's copy made while the account was smaller goes; one holding the whole
        // history, where the writer's was opened from a snapshot, becomes the writer's (it
        // catches up below) rather than being opened again.
        if let Ok(mut reader) = slot.reader.try_lock()
            && reader.is_some()
        {
            let whole = |a: &Option<Account>| a.as_ref().is_some_and(|a| a.ledger().base() == 0);
            if whole(&reader) && !whole(&guard) {
                self.resident.drop_copy(slot, Side::Writer, &mut guard);
                *guard = reader.take();
                self.resident.measure(slot, Side::Reader, &reader);
                self.resident.measure(slot, Side::Writer, &guard);
            } else {
                self.resident.drop_copy(slot, Side::Reader, &mut reader);
            }
        }
        let fresh = self.fresh(slot, Side::Writer, &mut guard, account).await;
        self.resident.trim(slot);
        fresh?;
        let now = self.now().max(loaded(&mut guard)?.ledger().now());
        if loaded(&mut guard)?.is_due(now) {
            self.write_holding(slot, &mut guard, account, &Actor::Server, None, |_, _| {
                Ok(())
            })
            .await?;
        }
        self.answer(slot, Side::Writer, &mut guard, account, f)
            .await
    }

    /// Runs a read on a copy brought up to date, at the later of this process's clock and the
    /// ledger's, off the runtime's threads. A copy opened from a snapshot may want entries
    /// from before it (looked up and lent, then asked again), a scan of the stored entries
    /// (run, lent, then asked again) or the whole history (the copy is opened whole, then
    /// asked again).
    async fn answer<T>(
        &self,
        slot: &Slot,
        side: Side,
        guard: &mut Option<Account>,
        account: &str,
        mut f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        for _ in 0..LOOKUPS {
            let a = loaded(guard)?;
            let now = self.now().max(a.ledger().now());
            let wanted = match heavy(|| f(a, now)) {
                Err(ApiError {
                    wanted: Some(wanted),
                    ..
                }) => wanted,
                done => {
                    a.forget_lent();
                    return done;
                }
            };
            // A scan keeps memory to a chunk; an account whose history fits the budget twice
            // is opened whole instead, so its next filtered pages take milliseconds.
            let scan = wanted.scan && self.resident.held_once(a.last_id());
            if scan {
                let scan = a.take_scan().ok_or_else(|| {
                    ApiError::internal(format!("{account}: a read wanted a scan it did not give"))
                })?;
                let scan = self.scan(account, scan).await?;
                loaded(guard)?.lend_scan(scan)?;
            } else if wanted.history || wanted.scan {
                slot.want_whole();
                self.resident.drop_copy(slot, side, guard);
                let fresh = self.fresh(slot, side, guard, account).await;
                self.resident.trim(slot);
                fresh?;
            } else {
                let found = self.db.found(account, a.ledger().base() as u64, &wanted);
                let found = found.await?;
                loaded(guard)?.lend(found)?;
            }
        }
        Err(ApiError::internal(format!(
            "{account}: a read still wanted entries after {LOOKUPS} lookups"
        )))
    }

    /// Brings `side`'s copy up to what is stored (loading it first if need be).
    async fn fresh(
        &self,
        slot: &Slot,
        side: Side,
        guard: &mut Option<Account>,
        account: &str,
    ) -> ApiResult<()> {
        let fresh = async {
            self.load(slot, side, guard, account).await?;
            let a = loaded(guard)?;
            let news = self.db.news(account, a.last_id(), a.version()).await;
            self.catch_up(account, a, news, None).await
        }
        .await;
        if fresh.is_err() {
            *guard = None;
        }
        self.resident.measure(slot, side, guard);
        fresh
    }

    /// [`Accounts::read`] for `caller`, refused if they are a member no longer on the team.
    pub async fn read_as<T>(
        &self,
        account: &str,
        caller: &Caller,
        mut f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.read(account, |a, now| {
            access::on_team(a.config(), caller)?;
            f(a, now)
        })
        .await
    }

    /// [`Accounts::write`] for `caller`, refused if they are a member no longer on the team.
    pub async fn write_as<T>(
        &self,
        account: &str,
        caller: &Caller,
        actor: &Actor,
        mut f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.write(account, actor, |a, now| {
            access::on_team(a.config(), caller)?;
            f(a, now)
        })
        .await
    }

    /// Changes the account as `actor`: `f` asks it; what that wrote (entries, settings
    /// changes, with their audit records and the events they make for the host) is stored
    /// before the answer leaves. `f` may run more than once if another process wrote first.
    pub async fn write<T>(
        &self,
        account: &str,
        actor: &Actor,
        f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let slot = self.resident.slot(account);
        let mut guard = slot.writer.lock().await;
        self.write_holding(&slot, &mut guard, account, actor, None, f)
            .await
    }

    /// [`Accounts::write`] for a batch of operations keyed `keys`: on a copy opened from a
    /// snapshot, the keys are looked up before the locks are taken ([`ahead`]).
    pub async fn write_keyed<T>(
        &self,
        account: &str,
        actor: &Actor,
        keys: Vec<String>,
        f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let slot = self.resident.slot(account);
        let ahead = self.look_up_ahead(&slot, account, keys).await;
        let mut guard = slot.writer.lock().await;
        self.write_holding(&slot, &mut guard, account, actor, ahead.as_ref(), f)
            .await
    }

    /// [`Accounts::write`] with the writer's lock held (`guard`).
    async fn write_holding<T>(
        &self,
        slot: &Slot,
        guard: &mut Option<Account>,
        account: &str,
        actor: &Actor,
        ahead: Option<&Ahead>,
        mut f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wrote = self
                .write_locked(slot, guard, account, actor, ahead, &mut f)
                .await;
            self.resident.measure(slot, Side::Writer, guard);
            self.resident.trim(slot);
            match wrote {
                Err(Conflict::Lost(e)) if attempt < WRITE_ATTEMPTS => {
                    tracing::debug!("write to {account} lost a race, retrying: {}", e.message);
                }
                Err(Conflict::Lost(e) | Conflict::Refused(e)) => return Err(e),
                Ok(value) => return Ok(value),
            }
        }
    }

    /// Loads `side`'s copy: a copy of the other side's when that is held and idle (the
    /// caller then catches up with what is stored), else replayed from the database.
    async fn load(
        &self,
        slot: &Slot,
        side: Side,
        guard: &mut Option<Account>,
        account: &str,
    ) -> ApiResult<()> {
        if guard.is_some() {
            return Ok(());
        }
        let whole = slot.wants_whole();
        let other = match side {
            Side::Writer => Side::Reader,
            Side::Reader => Side::Writer,
        };
        if let Ok(held) = slot.side(other).try_lock()
            && let Some(a) = held.as_ref()
            && (!whole || a.ledger().base() == 0)
        {
            *guard = Some(heavy(|| a.clone()));
            // Counted at once: were the request dropped before the next count, the copy
            // would be held uncounted, out of the budget's reach.
            self.resident.measure(slot, side, guard);
            return Ok(());
        }
        let row = self
            .db
            .account(account)
            .await?
            .ok_or_else(|| ApiError::no_account(account))?;
        if row.closed {
            return Err(ApiError::closed(account));
        }
        let started = std::time::Instant::now();
        if !whole && let Some(snapshot) = self.db.snapshot(account).await? {
            match self.open_from(account, &row, snapshot, started).await {
                Ok(opened) => {
                    *guard = Some(opened);
                    self.resident.measure(slot, side, guard);
                    return Ok(());
                }
                // A snapshot that does not fit is not trusted: the account is replayed.
                Err(e) => {
                    tracing::warn!("{account}: its snapshot was set aside: {}", e.message);
                    slot.want_whole();
                }
            }
        }
        let started = std::time::Instant::now();
        let entries = self.db.entries_after(account, 0).await?;
        let notifications = self.db.notifications_after(account, 0).await?;
        let read = started.elapsed();
        let (mut loaded, replayed) = heavy(|| {
            let mut loaded = Account::replay(
                row.config,
                row.rate_card,
                row.opened_at,
                entries,
                row.version,
                notifications,
            )?;
            let replayed = started.elapsed();
            // Built now rather than by the first listing or summary, which would wait for it.
            loaded.refresh();
            Ok::<_, ApiError>((loaded, replayed))
        })?;
        // Top-ups here are charged through the payment provider, never posted unpaid.
        loaded.top_ups_wait_for_payment();
        tracing::info!(
            "loaded {account}: {} entries in {:.0?} (read {:.0?}, replay {:.0?}, index and rollups {:.0?})",
            loaded.ledger().entries().len(),
            started.elapsed(),
            read,
            replayed - read,
            started.elapsed() - replayed,
        );
        let count = loaded.ledger().count() as u64;
        if count >= self.snapshot_every() {
            let snapshot = loaded.snapshot();
            *guard = Some(loaded);
            self.resident.measure(slot, side, guard);
            self.store_snapshot(account, &snapshot).await;
        } else {
            *guard = Some(loaded);
            self.resident.measure(slot, side, guard);
        }
        Ok(())
    }

    async fn write_locked<T>(
        &self,
        slot: &Slot,
        guard: &mut Option<Account>,
        account: &str,
        actor: &Actor,
        ahead: Option<&Ahead>,
        mut f: impl FnMut(&mut Account, DateTime<Utc>) -> ApiResult<T>,
    ) -> Result<T, Conflict> {
        self.load(slot, Side::Writer, guard, account)
            .await
            .map_err(Conflict::Refused)?;
        let mut tx = self.db.begin_write(account).await.map_err(Conflict::Lost)?;
        let caught_up = {
            let a = loaded(guard).map_err(Conflict::Refused)?;
            let news = tx.news(account, a.last_id(), a.version()).await;
            self.catch_up(account, a, news, Some(&mut tx)).await
        };
        if let Err(e) = caught_up {
            *guard = None;
            return Err(Conflict::Refused(e));
        }
        // Taken out while it is changed and stored: should this request be dropped before
        // the commit (its client went away), the copy is not left holding entries that were
        // never stored; it is replayed on the next request instead.
        let Some(mut taken) = guard.take() else {
            return Err(Conflict::Refused(ApiError::internal(
                "account state missing after load",
            )));
        };
        let a = &mut taken;
        let before = a.ledger().count();
        // Entries never go back in time, even if this process's clock is behind another's.
        let now = self.now().max(a.ledger().now());
        let advanced = a.advance_to(now).map_err(ApiError::from);
        let due_end = a.ledger().count();
        let mut result = advanced.and_then(|()| f(a, now));
        // A copy opened from a snapshot may want entries from before it: looked up, lent,
        // asked again. Operations ask before they change anything; one that wants the whole
        // history, or stopped half-way, is not stored: the copy goes, and the write is tried
        // again on one opened whole.
        let mut lookups = 0;
        while let Err(ApiError {
            wanted: Some(wanted),
            ..
        }) = &result
        {
            lookups += 1;
            if wanted.history || a.ledger().count() != due_end || lookups > LOOKUPS {
                slot.want_whole();
                tracing::info!("{account}: a write wants the whole history; opened whole");
                let e = ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the account is being opened; try again",
                );
                return Err(Conflict::Lost(e));
            }
            let base = a.ledger().base() as u64;
            let found = match ahead.and_then(|ahead| ahead.answer(wanted, base)) {
                Some(found) => Ok(found),
                None => tx.found(account, base, wanted).await,
            };
            a.lend(found.map_err(Conflict::Refused)?)
                .map_err(|e| Conflict::Refused(e.into()))?;
            result = f(a, now);
        }
        // A refusal after the operation wrote entries is a rule broken half-way (the domain
        // checks before it writes): nothing of it is stored, and the copy goes.
        if result.is_err() && a.ledger().count() != due_end {
            tracing::error!("{account}: a refused write left entries behind; not stored");
            return Err(Conflict::Refused(result.err().unwrap_or_else(|| {
                ApiError::internal("a refused write left entries behind")
            })));
        }
        a.forget_lent();
        let changes = a.take_changes();
        let notifications = a.take_notifications();
        let events = outbox::outgoing(account, a.ledger(), before, &notifications, now);
        let written = &a.ledger().entries()[before - a.ledger().base()..];
        // Top-ups this write asked for (a purchase is charged by its own request).
        let requested: Vec<EntryId> = written
            .iter()
            .filter(|e| e.kind == EntryKind::AutoTopUp && a.ledger().is_pending_payment(e.id))
            .map(|e| e.id)
            .collect();
        if written.is_empty() && changes.is_empty() {
            *guard = Some(taken);
            return result.map_err(Conflict::Refused);
        }
        // Due refills and expiries are stored even when the request was refused: they are
        // time passing, not the request.
        let last = written.last().map(|e| e.id.0);
        let stored = async {
            if let Some(last) = last {
                tx = tx.append(account, written).await?;
                tx.insert_notifications(account, &notifications).await?;
                // Delivered by PostgreSQL at the commit, with everything below.
                tx.notify_appended(account, last).await?;
                // When the background pass must come back (the next refill, expiry, or a
                // payment left waiting).
                tx.set_schedule(account, &a.schedule()).await?;
            }
            for c in &changes {
                tx.record_change(account, c.version, &c.change, a.config())
                    .await?;
                // Off the team, their tokens go in the same write: re-added later, they get
                // new ones, never the old ones back.
                if let SettingsChange::RemoveMember { member } = &c.change {
                    tx.delete_member_tokens(account, member.as_str()).await?;
                }
            }
            audit::record_write(&mut tx, account, now, actor, &changes, written).await?;
            // Delivery runs on the real clock, whatever the ledger's says.
            tx.insert_events(account, &events?, Utc::now()).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = stored {
            return Err(Conflict::Lost(e));
        }
        *guard = Some(taken);
        if let Some(last) = last {
            self.announce(account, last);
        }
        for id in requested {
            // The receiver lives as long as the process's payment task.
            let _ = self.pending.send((account.to_string(), id));
        }
        result.map_err(Conflict::Refused)
    }
}

/// Why a write did not happen: refused (final) or lost to another writer (worth a retry).
enum Conflict {
    Refused(ApiError),
    Lost(ApiError),
}

fn loaded(guard: &mut Option<Account>) -> ApiResult<&mut Account> {
    guard
        .as_mut()
        .ok_or_else(|| ApiError::internal("account state missing after load"))
}
