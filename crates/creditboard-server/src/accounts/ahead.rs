//! A batch's operation keys, looked up before its write takes the account's locks.
//!
//! A writer's copy opened from a snapshot asks the store whether each key of a batch wrote
//! anything before it (`Wanted::keys`): 1,000 probes of the key index, about 2–3 ms of a
//! 1,000-event batch. Asked under the locks, that time is every other writer's wait too; asked
//! before them, batches from several clients look their keys up side by side.
//!
//! It stays exact because entries never change and ids are dense: the lookup first reads the
//! account's last id `covers`, so it sees every entry up to it. Under the locks, a copy
//! holding the entries after `base ≤ covers` is answered from it (the entries up to `base`);
//! a copy opened since from a newer snapshot, or a want beyond the keys, is looked up there
//! as before. A key written after the lookup is after `base`, in the copy's own entries.

use super::Accounts;
use crate::resident::Slot;
use creditboard_domain::ledger::{Found, Wanted};
use std::collections::HashSet;

/// What a batch's keys wrote among the account's first `covers` entries.
pub(crate) struct Ahead {
    found: Found,
    keys: HashSet<String>,
    covers: u64,
}

impl Accounts {
    /// Looks `keys` up for a write to `account`, if its writer's copy was last held opened
    /// from a snapshot (a copy holding everything never asks). A failed lookup is no
    /// answer: the write asks under its locks as before.
    pub(super) async fn look_up_ahead(
        &self,
        slot: &Slot,
        account: &str,
        keys: Vec<String>,
    ) -> Option<Ahead> {
        if slot.writer_base() == 0 || keys.is_empty() {
            return None;
        }
        let covers = self.db.last_entry_id(account).await.ok()?;
        let wanted = Wanted {
            keys,
            ..Wanted::default()
        };
        let found = self.db.found(account, covers, &wanted).await.ok()?;
        Some(Ahead {
            keys: wanted.keys.into_iter().collect(),
            found,
            covers,
        })
    }
}

impl Ahead {
    /// The answer to `wanted` for a copy holding the entries after `base`, if this holds
    /// it: every key of it looked up, nothing else wanted, and `base` within what was read.
    pub(super) fn answer(&self, wanted: &Wanted, base: u64) -> Option<Found> {
        if !wanted.only_keys()
            || base > self.covers
            || !wanted.keys.iter().all(|k| self.keys.contains(k))
        {
            return None;
        }
        let asked: HashSet<&str> = wanted.keys.iter().map(String::as_str).collect();
        let entries = self
            .found
            .entries
            .iter()
            .filter(|e| e.id.0 <= base)
            .filter(|e| e.key.operation_key().is_some_and(|k| asked.contains(k)))
            .cloned()
            .collect();
        Some(Found {
            entries,
            keys: wanted.keys.clone(),
            ..Found::default()
        })
    }
}
