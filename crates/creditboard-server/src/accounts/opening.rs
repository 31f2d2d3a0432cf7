//! Accounts opened from a snapshot: the snapshots stored as accounts grow, a copy opened from
//! the newest and the entries after it, and what such a copy needs from the entries before
//! it looked up and lent (the domain's `Wanted` and `Found`).

use super::Accounts;
use crate::db::{News, WriteTx, corrupt};
use crate::error::{ApiError, ApiResult};
use crate::resident::{Side, heavy};
use creditboard_domain::LedgerEntry;
use creditboard_domain::account::Scan;
use creditboard_domain::account::{Account, AccountSnapshot};
use creditboard_domain::activity::ScanStep;
use std::sync::atomic::Ordering;

/// Entries a listing's scan reads at a time (as `ledger.csv` does: a chunk parses in a few
/// milliseconds and holds a few megabytes).
const SCAN_CHUNK: u32 = 2_000;

impl Accounts {
    /// Snapshots accounts every `entries` entries (tests that need small accounts opened
    /// from one).
    pub fn set_snapshot_every(&self, entries: u64) {
        self.snapshot_every.store(entries.max(1), Ordering::Relaxed);
    }

    pub(super) fn snapshot_every(&self) -> u64 {
        self.snapshot_every.load(Ordering::Relaxed)
    }

    /// How many of the oldest entries each copy of `account` held here leaves in the
    /// database (0: opened whole), writer's first.
    pub async fn held_from(&self, account: &str) -> Vec<usize> {
        let Some(slot) = self.resident.peek(account) else {
            return Vec::new();
        };
        let mut bases = Vec::new();
        for side in [Side::Writer, Side::Reader] {
            if let Some(a) = slot.side(side).lock().await.as_ref() {
                bases.push(a.ledger().base());
            }
        }
        bases
    }

    /// An account opened from its snapshot (read since `started`) and the entries after it,
    /// without those before: what it needs from them (its pending holds' and payments'
    /// entries, what the newer entries reverse) looked up first.
    pub(super) async fn open_from(
        &self,
        account: &str,
        row: &crate::db::AccountRow,
        snapshot: AccountSnapshot,
        started: std::time::Instant,
    ) -> ApiResult<Account> {
        let read = started.elapsed();
        let base = snapshot.entries();
        let tail = self.db.entries_after(account, base).await?;
        let earlier = self
            .db
            .found(account, base, &snapshot.ledger.wanted_for(&tail))
            .await?;
        let notifications = self.db.notifications_after(account, 0).await?;
        let (config, rate_card) = (row.config.clone(), row.rate_card.clone());
        let mut opened = heavy(|| {
            Account::resume_tail(
                config,
                rate_card,
                row.opened_at,
                snapshot,
                earlier,
                tail,
                row.version,
                notifications,
            )
        })?;
        opened.top_ups_wait_for_payment();
        tracing::info!(
            "opened {account} from its snapshot of {base} entries (read in {read:.0?}) and {} after it in {:.0?}",
            opened.ledger().entries().len(),
            started.elapsed(),
        );
        Ok(opened)
    }

    /// A scan of the stored entries for a copy opened from its snapshot (the domain's `Scan`:
    /// a filtered listing's page, a chunk of the dashboard's export): [`SCAN_CHUNK`] entries
    /// at a time, each parsed off the runtime's threads and dropped once fed, so memory is a
    /// chunk and a page, not the history the copy would otherwise be opened with.
    pub(super) async fn scan(&self, account: &str, mut scan: Scan) -> ApiResult<Scan> {
        loop {
            let bodies = match scan.next() {
                ScanStep::Below(id) => self.db.bodies_below(account, id, SCAN_CHUNK).await?,
                ScanStep::Above(id) => self.db.bodies_above(account, id, SCAN_CHUNK).await?,
                ScanStep::Naming {
                    below,
                    from,
                    any_of,
                } => {
                    let (ids, chunk) = ((below, from), SCAN_CHUNK);
                    self.db.bodies_naming(account, ids, &any_of, chunk).await?
                }
                ScanStep::Lookup(wanted) => {
                    scan.lend(self.db.found(account, scan.count(), &wanted).await?);
                    continue;
                }
                ScanStep::Done => return Ok(scan),
            };
            heavy(|| {
                let entries = bodies
                    .iter()
                    .map(|b| serde_json::from_str::<LedgerEntry>(b).map_err(corrupt))
                    .collect::<ApiResult<Vec<_>>>()?;
                scan.feed(&entries);
                Ok::<_, ApiError>(())
            })?;
        }
    }

    /// Stores `snapshot` if it is [`super::SNAPSHOT_EVERY`] entries ahead of the stored one. A
    /// failure is logged: the account is served all the same, replayed next time.
    pub(super) async fn store_snapshot(&self, account: &str, snapshot: &AccountSnapshot) {
        let stored = async {
            let before = self.db.snapshot_entries(account).await?;
            if snapshot.entries() >= before + self.snapshot_every() {
                self.db.store_snapshot(account, snapshot).await?;
                tracing::info!(
                    "{account}: snapshot of {} entries stored",
                    snapshot.entries()
                );
            }
            Ok::<_, ApiError>(())
        };
        if let Err(e) = stored.await {
            tracing::warn!("{account}: its snapshot was not stored: {}", e.message);
        }
    }

    /// Stores a snapshot of `account` if it is held and grew by [`super::SNAPSHOT_EVERY`]
    /// entries since the stored one (the background pass). A copy opened from a snapshot
    /// makes the next one too (its state is the whole ledger's; a property test holds them
    /// equal), so an account only ever written to keeps opening from a recent one. A copy in
    /// use is left for the next pass.
    pub async fn snapshot_if_grown(&self, account: &str) {
        let Some(slot) = self.resident.peek(account) else {
            return;
        };
        // Made only when due: the stored one's count is one small query.
        let Ok(stored) = self.db.snapshot_entries(account).await else {
            return;
        };
        let due = |a: &Account| a.last_id() >= stored + self.snapshot_every();
        // The reader's copy, if idle and due; else the writer's, if idle and due (an account
        // held once has no reader's, and a reader's catches up only when read). Writes wait
        // while it is made: once every `SNAPSHOT_EVERY` entries.
        let mut snapshot = None;
        let reader_busy = match slot.reader.try_lock() {
            Ok(mut reader) => {
                if let Some(a) = reader.as_mut().filter(|a| due(a)) {
                    snapshot = Some(heavy(|| a.snapshot()));
                }
                false
            }
            Err(_) => true,
        };
        if snapshot.is_none()
            && !reader_busy
            && let Ok(mut writer) = slot.writer.try_lock()
            && let Some(a) = writer.as_mut().filter(|a| due(a))
        {
            snapshot = Some(heavy(|| a.snapshot()));
        }
        if let Some(snapshot) = snapshot {
            self.store_snapshot(account, &snapshot).await;
        }
    }

    /// Applies what other processes stored since this copy last looked (lending first what
    /// those entries need from before a snapshot the copy was opened from).
    pub(super) async fn catch_up(
        &self,
        id: &str,
        account: &mut Account,
        news: ApiResult<News>,
        tx: Option<&mut WriteTx>,
    ) -> ApiResult<()> {
        let News {
            closed,
            entries,
            changes,
            notifications,
        } = news?;
        if closed {
            return Err(ApiError::closed(id));
        }
        let wanted = account.ledger().wanted_before(&entries);
        if !wanted.is_empty() {
            let base = account.ledger().base() as u64;
            let found = match tx {
                Some(tx) => tx.found(id, base, &wanted).await?,
                None => self.db.found(id, base, &wanted).await?,
            };
            account.lend(found)?;
        }
        account.catch_up(changes, entries, notifications)?;
        Ok(())
    }
}
