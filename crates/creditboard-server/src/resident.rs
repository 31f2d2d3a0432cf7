//! Which accounts this process holds in memory, and how much they may take. An account is
//! held twice, each copy under a lock of its own: the **writer**'s, which takes every write,
//! and the **reader**'s, which answers every read and catches up with what was stored (the
//! way another process would), so a long search never holds up a write, nor a write a read.
//! Each copy is loaded on first use (from the other when it is held and idle, else from the
//! database) and stays while it is used; when the ones held come to more than the
//! operator's budget (`--memory-budget`), those used least recently are dropped, to be
//! replayed from the database if asked for again. An account in use is never dropped, so one
//! account larger than the budget is still served; one too large to be held twice within the
//! budget is held once, its reads answered from the writer's copy.

use creditboard_domain::account::Account;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What one held entry costs, all told (the entry, the listing index, the rollups, the
/// idempotency index), with room for the allocator: measured as resident memory with many
/// accounts loaded and dropped, about 1,050 bytes.
pub const BYTES_PER_ENTRY: u64 = 1_150;

/// How many uses between two prunings of the empty slots.
const PRUNE_EVERY: u64 = 1024;

/// The budget when the operator sets none.
pub const DEFAULT_BUDGET_BYTES: u64 = 1 << 30;

/// The largest budget taken, in MiB (1 TiB): anything larger is a typo.
const MAX_BUDGET_MB: u64 = 1 << 20;

/// A budget as the operator writes it (`--memory-budget`, `CB_MEMORY_BUDGET_MB`): whole MiB,
/// 1 to 1,048,576. Returns bytes.
pub fn parse_budget_mb(text: &str) -> Result<u64, String> {
    match text.trim().replace('_', "").parse::<u64>() {
        Ok(mb) if (1..=MAX_BUDGET_MB).contains(&mb) => Ok(mb << 20),
        _ => Err(format!(
            "the memory budget is a whole number of MiB from 1 to {MAX_BUDGET_MB}, not “{text}”"
        )),
    }
}

/// One account's place: its two copies once loaded (`None` before, and after one was dropped
/// or a failure made it untrustworthy), what each is counted as, and when it was last used.
#[derive(Default)]
pub struct Slot {
    pub writer: tokio::sync::Mutex<Option<Account>>,
    pub reader: tokio::sync::Mutex<Option<Account>>,
    bytes: [AtomicU64; 2],
    used: AtomicU64,
    /// A request needed the whole history (a listing, a summary): copies are opened whole
    /// from then on, not from the account's snapshot.
    whole: AtomicBool,
    /// How many entries before the writer's copy's own, as last measured (0: it holds them
    /// all, or none is held), read without its lock.
    writer_base: AtomicU64,
}

/// Which copy of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Writer = 0,
    Reader = 1,
}

impl Slot {
    pub fn side(&self, side: Side) -> &tokio::sync::Mutex<Option<Account>> {
        match side {
            Side::Writer => &self.writer,
            Side::Reader => &self.reader,
        }
    }

    /// Whether copies are opened with the whole history.
    pub fn wants_whole(&self) -> bool {
        self.whole.load(Ordering::Relaxed)
    }

    pub fn writer_base(&self) -> u64 {
        self.writer_base.load(Ordering::Relaxed)
    }

    pub fn want_whole(&self) {
        self.whole.store(true, Ordering::Relaxed);
    }

    fn bytes(&self) -> u64 {
        self.bytes.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// How many entries the larger copy held is counted with, if one is held.
    pub fn entries(&self) -> Option<u64> {
        let most = self.bytes.iter().map(|b| b.load(Ordering::Relaxed)).max()?;
        (most > 0).then(|| (most / BYTES_PER_ENTRY).saturating_sub(1))
    }
}

pub struct Resident {
    /// Every account this process has been asked for. A slot left empty is a few dozen
    /// bytes; it is kept so that every task asking for an account shares one lock.
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    budget: AtomicU64,
    /// The sum of the slots' counts.
    bytes: AtomicU64,
    /// A clock of uses, for least-recently-used.
    uses: AtomicU64,
}

impl Default for Resident {
    fn default() -> Self {
        Resident {
            slots: Mutex::default(),
            budget: AtomicU64::new(DEFAULT_BUDGET_BYTES),
            bytes: AtomicU64::new(0),
            uses: AtomicU64::new(0),
        }
    }
}

/// Runs CPU-heavy work (a search over millions of entries, a replay) so that the runtime's
/// other tasks (a consume on the same account, say) move to another thread meanwhile rather
/// than wait for this one. On a single-threaded runtime (tests) it just runs.
pub fn heavy<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// What `account` is counted as while held.
pub fn estimate(account: &Account) -> u64 {
    (account.ledger().entries().len() as u64 + 1) * BYTES_PER_ENTRY
}

impl Resident {
    pub fn set_budget(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::Relaxed);
    }

    pub fn budget(&self) -> u64 {
        self.budget.load(Ordering::Relaxed)
    }

    /// Whether an account of `entries` entries is held once rather than twice: two copies
    /// would not fit the budget together, so its reads share the writer's copy (and wait for
    /// its writes) rather than push every other account out, or the process past its memory.
    pub fn held_once(&self, entries: u64) -> bool {
        entries
            .saturating_add(1)
            .saturating_mul(BYTES_PER_ENTRY * 2)
            > self.budget()
    }

    /// What the held accounts are counted as now.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot of `account`, marked as used now.
    pub fn slot(&self, account: &str) -> Arc<Slot> {
        let mut slots = self.slots();
        // Now and then, the slots nothing holds and nobody is using go (requests for ids
        // that were never accounts, accounts dropped long ago), so the map stays as large as
        // what is held.
        if self
            .uses
            .load(Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            slots.retain(|_, s| s.bytes() > 0 || Arc::strong_count(s) > 1);
        }
        let slot = slots.entry(account.to_string()).or_default().clone();
        drop(slots);
        slot.used
            .store(self.uses.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        slot
    }

    /// Counts `side` of `slot` as what `state` (its content, held under its lock) takes.
    pub fn measure(&self, slot: &Slot, side: Side, state: &Option<Account>) {
        let now = state.as_ref().map_or(0, estimate);
        if side == Side::Writer {
            let base = state.as_ref().map_or(0, |a| a.ledger().base() as u64);
            slot.writer_base.store(base, Ordering::Relaxed);
        }
        let before = slot.bytes[side as usize].swap(now, Ordering::Relaxed);
        if now >= before {
            self.bytes.fetch_add(now - before, Ordering::Relaxed);
        } else {
            self.bytes.fetch_sub(before - now, Ordering::Relaxed);
        }
    }

    /// Drops `side`'s copy of `slot` (`state`, held under its lock) and stops counting it.
    pub fn drop_copy(&self, slot: &Slot, side: Side, state: &mut Option<Account>) {
        // Freeing millions of entries takes a while: off the runtime's threads.
        let dropped = state.take();
        heavy(|| drop(dropped));
        self.measure(slot, side, state);
    }

    /// Drops the accounts used least recently until the rest fit the budget, skipping
    /// `keep` (in use by the caller, who holds its lock) and any other in use now.
    pub fn trim(&self, keep: &Slot) {
        if self.bytes() <= self.budget() {
            return;
        }
        let mut idle: Vec<(u64, Arc<Slot>)> = self
            .slots()
            .values()
            .filter(|s| s.bytes() > 0 && !std::ptr::eq(&***s, keep))
            .map(|s| (s.used.load(Ordering::Relaxed), s.clone()))
            .collect();
        idle.sort_by_key(|(used, _)| *used);
        for (_, slot) in idle {
            if self.bytes() <= self.budget() {
                break;
            }
            // In use: its holder is working with it; it is dropped another time if need be.
            for side in [Side::Reader, Side::Writer] {
                if let Ok(mut state) = slot.side(side).try_lock() {
                    self.drop_copy(&slot, side, &mut state);
                }
            }
        }
    }

    /// How many accounts are held now.
    pub fn held(&self) -> usize {
        self.slots().values().filter(|s| s.bytes() > 0).count()
    }

    /// The accounts held now.
    pub fn held_ids(&self) -> Vec<String> {
        self.slots()
            .iter()
            .filter(|(_, s)| s.bytes() > 0)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The accounts whose reader's copy is held now.
    pub fn readers_held(&self) -> Vec<String> {
        self.slots()
            .iter()
            .filter(|(_, s)| s.bytes[Side::Reader as usize].load(Ordering::Relaxed) > 0)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The slot of `account` if there is one, not marked as used.
    pub fn peek(&self, account: &str) -> Option<Arc<Slot>> {
        self.slots().get(account).cloned()
    }

    /// Whether `account` is held now.
    pub fn holds(&self, account: &str) -> bool {
        self.slots().get(account).is_some_and(|s| s.bytes() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_whole_mebibytes_within_bounds() {
        assert_eq!(parse_budget_mb("512"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_budget_mb("1_024"), Ok(1 << 30));
        for bad in ["0", "-5", "1.5", "2GB", "", "1048577"] {
            let refused = parse_budget_mb(bad).unwrap_err();
            assert!(refused.contains(&format!("“{bad}”")), "{refused}");
        }
    }
}
