//! What a store keeps beside an account's entries to open it without them: its ledger's
//! state and its daily rollups, as of the same entry. Opened from it, the account answers
//! balances, writes and usage summaries; listings and what else reads every entry ask for
//! the whole history.

use super::Account;
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
}

impl AccountSnapshot {
    /// A snapshot of the ledger alone.
    pub fn of_ledger(ledger: LedgerSnapshot) -> Self {
        AccountSnapshot {
            ledger,
            rollup: None,
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

    pub fn has_rollup(&self) -> bool {
        self.rollup.is_some()
    }
}

impl Account {
    /// Its state after the entries written so far, rollups included when they sum them all.
    pub fn snapshot(&mut self) -> AccountSnapshot {
        self.rollup.sync(&self.ledger);
        let ledger = self.ledger.snapshot();
        let rollup = (self.rollup.synced() as u64 == ledger.entries()).then(|| self.rollup.clone());
        AccountSnapshot { ledger, rollup }
    }
}
