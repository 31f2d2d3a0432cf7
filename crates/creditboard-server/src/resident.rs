//! Which accounts this process holds in memory, and how much they may take. An account is
//! loaded on first use and stays while it is used; when the ones held come to more than the
//! operator's budget (`--memory-budget`), those used least recently are dropped, to be
//! replayed from the database if asked for again. An account in use is never dropped, so one
//! account larger than the budget is still served.

use creditboard_domain::account::Account;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What one held entry costs, all told (the entry, the listing index, the rollups, the
/// idempotency index): measured as resident memory after a restart, about 940 bytes.
pub const BYTES_PER_ENTRY: u64 = 1_000;

/// The budget when the operator sets none.
pub const DEFAULT_BUDGET_BYTES: u64 = 1 << 30;

/// One account's place: its state once loaded (`None` before, and after it was dropped or
/// a failure made it untrustworthy), what it is counted as, and when it was last used.
#[derive(Default)]
pub struct Slot {
    pub state: tokio::sync::Mutex<Option<Account>>,
    bytes: AtomicU64,
    used: AtomicU64,
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

    /// What the held accounts are counted as now.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot of `account`, marked as used now.
    pub fn slot(&self, account: &str) -> Arc<Slot> {
        let slot = self.slots().entry(account.to_string()).or_default().clone();
        slot.used
            .store(self.uses.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        slot
    }

    /// Counts `slot` as what `state` (its content, held under its lock) takes.
    pub fn measure(&self, slot: &Slot, state: &Option<Account>) {
        let now = state.as_ref().map_or(0, estimate);
        let before = slot.bytes.swap(now, Ordering::Relaxed);
        if now >= before {
            self.bytes.fetch_add(now - before, Ordering::Relaxed);
        } else {
            self.bytes.fetch_sub(before - now, Ordering::Relaxed);
        }
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
            .filter(|s| s.bytes.load(Ordering::Relaxed) > 0 && !std::ptr::eq(&***s, keep))
            .map(|s| (s.used.load(Ordering::Relaxed), s.clone()))
            .collect();
        idle.sort_by_key(|(used, _)| *used);
        for (_, slot) in idle {
            if self.bytes() <= self.budget() {
                break;
            }
            // In use: its holder is working with it; it is dropped another time if need be.
            if let Ok(mut state) = slot.state.try_lock() {
                *state = None;
                self.measure(&slot, &state);
            }
        }
    }

    /// How many accounts are held now.
    pub fn held(&self) -> usize {
        self.slots()
            .values()
            .filter(|s| s.bytes.load(Ordering::Relaxed) > 0)
            .count()
    }

    /// The accounts held now.
    pub fn held_ids(&self) -> Vec<String> {
        self.slots()
            .iter()
            .filter(|(_, s)| s.bytes.load(Ordering::Relaxed) > 0)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether `account` is held now.
    pub fn holds(&self, account: &str) -> bool {
        self.slots()
            .get(account)
            .is_some_and(|s| s.bytes.load(Ordering::Relaxed) > 0)
    }
}
