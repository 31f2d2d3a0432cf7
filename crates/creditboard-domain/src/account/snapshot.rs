//! What a store keeps beside an account's entries to open it without them: its ledger's
//! state, its daily rollups and its listing's block sums, as of the same entry. Opened from
//! it, the account answers balances, writes, usage summaries and listings without a filter
//! (the last reading a few blocks of entries by id); searches, filtered listings and what
//! else reads every entry ask for the whole history.

use super::Account;
use crate::activity::BlockSums;
use crate::ledger::LedgerSnapshot;
use crate::usage::DailyRollup;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub ledger: LedgerSnapshot,
    /// The rollups of the same entries; absent from a snapshot stored before they were kept
    /// (its summaries then need the whole history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rollup: Option<DailyRollup>,
    /// The listing's block sums of the same entries; absent from one stored before they
    /// were kept (its listings then need the whole history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocks: Option<BlockSums>,
}

impl AccountSnapshot {
    /// A snapshot of the ledger alone.
    pub fn of_ledger(ledger: LedgerSnapshot) -> Self {
        AccountSnapshot {
            ledger,
            rollup: None,
            blocks: None,
        }
    }

    /// How many entries it reflects: the id of the newest.
    pub fn entries(&self) -> u64 {
        self.ledger.entries()
    }

    /// The rollups, if they sum exactly the entries the ledger's state reflects.
    pub(super) fn take_rollup(&mut self) -> Option<DailyRollup> {
        let entries = self.entries();
        self.rollup.take().filter(|r| r.synced() as u64 == entries)
    }

    /// The block sums, if they sum exactly the entries the ledger's state reflects.
    pub(super) fn take_blocks(&mut self) -> Option<BlockSums> {
        let entries = self.entries();
        self.blocks
            .take()
            .filter(|b| b.synced() as u64 == entries && b.is_sound())
    }

    pub fn has_rollup(&self) -> bool {
        self.rollup.is_some()
    }
}

impl Account {
    /// Its state after the entries written so far, rollups and block sums included when
    /// they sum them all.
    pub fn snapshot(&mut self) -> AccountSnapshot {
        self.rollup.sync(&self.ledger);
        self.blocks.sync(&self.ledger);
        let ledger = self.ledger.snapshot();
        let rollup = (self.rollup.synced() as u64 == ledger.entries()).then(|| self.rollup.clone());
        let blocks = (self.blocks.synced() as u64 == ledger.entries()).then(|| self.blocks.clone());
        AccountSnapshot {
            ledger,
            rollup,
            blocks,
        }
    }
}
