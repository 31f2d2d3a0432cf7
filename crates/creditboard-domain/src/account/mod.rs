//! The account aggregate: one account's ledger with everything derived from it (the listing
//! index, the daily rollups, the alert log) and its rate card, answering every use case of the
//! dashboard and the host through one method each. Authorization happens here (the caller
//! goes in), so the server and the demo store are adapters that load, ask and store: no rule
//! is written twice.
//!
//! Reads are in `reads.rs`, actions in `actions.rs`. An adapter that stores the account keeps
//! its entries and its settings changes: [`Account::replay`] rebuilds it from them,
//! [`Account::catch_up`] takes in what other processes stored, and [`Account::take_changes`]
//! hands over the settings changes made here, to store beside the new entries.

mod actions;
mod integration;
mod reads;
mod scanning;
mod snapshot;

pub use reads::{balance_view, team_view, usage_view};
pub use scanning::Scan;
pub use snapshot::AccountSnapshot;

use crate::activity::{ActivityIndex, BlockSums};
use crate::alerts::{AlertLog, Notification};
use crate::api::host::AuditEntry;
use crate::config::AccountConfig;
use crate::config::settings::{SettingsChange, Touched};
use crate::entry::LedgerEntry;
use crate::error::Result;
use crate::ledger::{Found, Ledger};
use crate::ratecard::RateCard;
use crate::usage::DailyRollup;
use chrono::{DateTime, Utc};
use scanning::Scanned;

/// One account and what its use cases read besides the entries.
#[derive(Debug, Clone)]
pub struct Account {
    ledger: Ledger,
    rate_card: RateCard,
    /// What Activity listings scan, kept up with the ledger.
    index: ActivityIndex,
    /// What usage summaries read: usage per local day, kept up with the ledger.
    rollup: DailyRollup,
    /// What listings count and page by without the history: sums per block of entries.
    blocks: BlockSums,
    alerts: AlertLog,
    /// How many settings changes the configuration reflects.
    version: i64,
    /// Settings changes made here since the adapter last took them.
    changes: Vec<Changed>,
    /// The newest changes made here, as the audit log shows them (`integration.rs`).
    audit: Vec<AuditEntry>,
    /// A scan of the stored entries a read wants run (a filtered listing, an export chunk),
    /// and what the last one made, until what was lent is forgotten (`scanning.rs`).
    scanning: Option<Scan>,
    scanned: Option<Scanned>,
}

/// A settings change made here: the version it made, and the part of the settings it
/// touched before and after (what an audit log shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub version: i64,
    pub change: SettingsChange,
    pub before: Touched,
    pub after: Touched,
}

/// When an account next needs a visit without a request ([`Account::schedule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    pub due_at: Option<DateTime<Utc>>,
    pub oldest_pending_payment: Option<DateTime<Utc>>,
}

impl Account {
    /// An account over `ledger` (at settings version 0).
    pub fn new(ledger: Ledger, rate_card: RateCard) -> Account {
        Account {
            ledger,
            rate_card,
            index: ActivityIndex::new(),
            rollup: DailyRollup::new(),
            blocks: BlockSums::default(),
            alerts: AlertLog::default(),
            version: 0,
            changes: Vec::new(),
            audit: Vec::new(),
            scanning: None,
            scanned: None,
        }
    }

    /// The account its stored entries make, its configuration at settings `version`, with
    /// the notifications stored as they fired (the newest are enough).
    pub fn replay(
        config: AccountConfig,
        rate_card: RateCard,
        opened_at: DateTime<Utc>,
        entries: impl IntoIterator<Item = LedgerEntry>,
        version: i64,
        notifications: Vec<Notification>,
    ) -> Result<Account> {
        let ledger = Ledger::replay(config, opened_at, entries)?;
        Ok(Account::stored(ledger, rate_card, version, notifications))
    }

    /// The account from its snapshot and the entries after it, without the entries before
    /// ([`Ledger::resume_tail`]): it answers balances, estimates, writes and the usage
    /// summaries its rollups hold, and refuses what reads the whole history with
    /// [`crate::DomainError::NotHeld`], for the store to open it whole.
    #[allow(
        clippy::too_many_arguments,
        reason = "what a store keeps of an account"
    )]
    pub fn resume_tail(
        config: AccountConfig,
        rate_card: RateCard,
        opened_at: DateTime<Utc>,
        mut snapshot: AccountSnapshot,
        earlier: Found,
        tail: Vec<LedgerEntry>,
        version: i64,
        notifications: Vec<Notification>,
    ) -> Result<Account> {
        let rollup = snapshot.take_rollup();
        let blocks = snapshot.take_blocks();
        let ledger = Ledger::resume_tail(config, opened_at, snapshot.ledger, earlier, tail)?;
        let mut account = Account::stored(ledger, rate_card, version, notifications);
        // The snapshot's rollups take in the tail; without them, summaries need the whole
        // history.
        account.rollup = rollup.unwrap_or_default();
        account.rollup.sync(&account.ledger);
        // So do the block sums; without them, listings need it.
        account.blocks = blocks.unwrap_or_default();
        account.blocks.sync(&account.ledger);
        Ok(account)
    }

    fn stored(
        ledger: Ledger,
        rate_card: RateCard,
        version: i64,
        notifications: Vec<Notification>,
    ) -> Account {
        let alerts = AlertLog::stored(ledger.count(), notifications);
        Account {
            version,
            alerts,
            ..Account::new(ledger, rate_card)
        }
    }

    /// Takes what the store looked up for a [`crate::DomainError::NotHeld`] ([`Ledger::lend`]).
    pub fn lend(&mut self, found: Found) -> Result<()> {
        self.ledger.lend(found)
    }

    /// Forgets what was lent for the last request ([`Ledger::forget_lent`]).
    pub fn forget_lent(&mut self) {
        self.ledger.forget_lent();
        self.scanning = None;
        self.scanned = None;
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn config(&self) -> &AccountConfig {
        self.ledger.config()
    }

    pub fn rate_card(&self) -> &RateCard {
        &self.rate_card
    }

    /// How many settings changes its configuration reflects.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The newest entry's id (0 for none).
    pub fn last_id(&self) -> u64 {
        self.ledger.count() as u64
    }

    /// Whether a refill, rollover or expiry falls due by `t`.
    pub fn is_due(&self, t: DateTime<Utc>) -> bool {
        self.ledger.is_due(t)
    }

    /// What a server must come back for, and when: the next refill, rollover or expiry, and
    /// the oldest payment still waiting for its provider.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            due_at: self.ledger.next_due_at(),
            oldest_pending_payment: self.ledger.pending_payments().map(|e| e.at).min(),
        }
    }

    /// Writes everything due by `t` (refills, rollovers, expiries); on an error nothing
    /// changes.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> Result<()> {
        self.ledger.advance_to(t)
    }

    /// Takes in what others stored since: settings changes with their versions, then
    /// entries and the notifications they fired. On an error the account must be thrown
    /// away and replayed.
    pub fn catch_up(
        &mut self,
        changes: impl IntoIterator<Item = (i64, SettingsChange)>,
        entries: Vec<LedgerEntry>,
        notifications: Vec<Notification>,
    ) -> Result<()> {
        for (version, change) in changes {
            self.change_settings(&change)?;
            self.version = version;
        }
        let count = entries.len();
        if !entries.is_empty() {
            self.ledger.replay_more(entries)?;
        }
        self.alerts.add_stored(count, notifications);
        Ok(())
    }

    /// The alerts fired since the last call, to be stored beside the entries that fired
    /// them.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.alerts.take_new(&self.ledger)
    }

    /// Brings the listing index, the block sums and the daily rollups up to the entries now, so the next
    /// listing or summary does not wait for them.
    pub fn refresh(&mut self) {
        self.rollup.sync(&self.ledger);
        self.blocks.sync(&self.ledger);
        // Without the whole history there is nothing to list.
        if self.ledger.base() == 0 {
            self.index.sync(&self.ledger);
        }
    }

    /// The settings changes made here since the last call, with their versions, to be
    /// stored beside the entries written with them.
    pub fn take_changes(&mut self) -> Vec<Changed> {
        std::mem::take(&mut self.changes)
    }

    /// Applies a settings change: the alerts the old levels saw stay (alerts fire as entries
    /// are written), then the new configuration is checked whole.
    fn change_settings(&mut self, change: &SettingsChange) -> Result<()> {
        if matches!(change, SettingsChange::Alerts { .. }) {
            self.alerts.catch_up(&self.ledger);
        }
        self.ledger.configure(change)
    }
}
