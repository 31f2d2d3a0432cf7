//! Notifications: a payment that failed (a purchase or an automatic top-up), and low-balance
//! alerts. Each alert fires once per crossing, when an entry takes a meter's balance
//! from at or above its level to below it. Going back above (a refill, a purchase) re-arms
//! it. Found as the entries are written, with the levels of that moment, and stored with
//! them: a restart or another process lists the same notifications.

use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::config::settings::{AlertLevel, AlertRule};
use crate::entry::{EntryId, LedgerEntry};
use crate::ids::MeterId;
use crate::ledger::Ledger;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One alert that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub at: DateTime<Utc>,
    pub meter: MeterId,
    pub level: AlertLevel,
    /// The level as an amount.
    pub threshold: Amount,
    /// The balance right after the crossing.
    pub balance: Amount,
    /// The entry that crossed it (or that says a payment failed).
    pub entry: EntryId,
    /// Set when this is not a low-balance alert but a purchase or automatic top-up whose
    /// payment failed (`level` and `threshold` are then zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_failed: Option<PaymentFailure>,
}

/// A purchase or automatic top-up whose payment was declined or failed: nothing was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentFailure {
    /// "Purchase: 5,000 Standard", "Automatic top-up".
    pub what: String,
    /// As the payment provider said it.
    pub reason: String,
}

impl Notification {
    /// A low-balance alert (not a failed payment).
    pub fn is_low_balance(&self) -> bool {
        self.payment_failed.is_none()
    }
}

/// The notification a failed payment's entry gives.
fn payment_failure(e: &LedgerEntry) -> Option<Notification> {
    let (what, reason) = e.payment_failure()?;
    Some(Notification {
        at: e.at,
        meter: e.meter.clone(),
        level: AlertLevel::Below(Amount::ZERO),
        threshold: Amount::ZERO,
        balance: e.balance_after,
        entry: e.id,
        payment_failed: Some(PaymentFailure { what, reason }),
    })
}

/// The amount a rule stands for: a percentage of the meter's allocation, or its amount.
pub fn threshold(config: &AccountConfig, rule: &AlertRule) -> Option<Amount> {
    match rule.level {
        AlertLevel::Below(a) => Some(a),
        AlertLevel::Percent(p) => {
            let allocation = config.meter(&rule.meter).ok()?.allocation?.amount;
            // Allocations are at most MAX_BALANCE (10^15): times 99 still fits an i64.
            Some(Amount::minor(allocation.get() * i64::from(p) / 100))
        }
    }
}

/// The alerts `entries` fired, oldest first. Entries at one instant count as one change: a
/// cycle's lapse and its refill at midnight are not a crossing.
pub fn fired(config: &AccountConfig, entries: &[LedgerEntry]) -> Vec<Notification> {
    let rules: Vec<(&AlertRule, Amount)> = config
        .alerts
        .iter()
        .filter_map(|r| threshold(config, r).map(|t| (r, t)))
        .collect();
    let mut out = Vec::new();
    for group in entries.chunk_by(|a, b| a.at == b.at) {
        out.extend(group.iter().filter_map(payment_failure));
        if rules.is_empty() {
            continue;
        }
        for meter in &config.meters {
            let mut of_meter = group.iter().filter(|e| e.meter == meter.id);
            let Some(first) = of_meter.next() else {
                continue;
            };
            let last = of_meter.next_back().unwrap_or(first);
            let before = first.balance_after.get().saturating_sub(first.amount.get());
            for (rule, level) in rules.iter().filter(|(r, _)| r.meter == meter.id) {
                if before >= level.get() && last.balance_after < *level {
                    out.push(Notification {
                        at: last.at,
                        meter: meter.id.clone(),
                        level: rule.level,
                        threshold: *level,
                        balance: last.balance_after,
                        entry: last.id,
                        payment_failed: None,
                    });
                }
            }
        }
    }
    out
}

/// The most notifications a store lists (the newest).
pub const MAX_NOTIFICATIONS: usize = 100;

/// The alerts a ledger's entries fired, found as entries are written, with the levels set
/// when they were written: a store keeps one beside its ledger and looks again before it
/// lists them or changes the alert levels (what the old levels saw stays). A store that
/// persists the account takes what was found ([`AlertLog::take_new`]) and stores it with
/// the entries, so a restart or another process lists the same notifications rather than
/// recomputing them with the levels of the day.
#[derive(Debug, Clone, Default)]
pub struct AlertLog {
    /// Entries looked at.
    seen: usize,
    /// The newest notifications (at least [`MAX_NOTIFICATIONS`], and every one not taken).
    found: Vec<Notification>,
    /// How many at the end of `found` the store has not taken yet.
    untaken: usize,
}

impl AlertLog {
    /// A log of stored notifications, the entries before `seen` already looked at.
    pub fn stored(seen: usize, mut found: Vec<Notification>) -> AlertLog {
        let keep = found.len().saturating_sub(MAX_NOTIFICATIONS);
        found.drain(..keep);
        AlertLog {
            seen,
            found,
            untaken: 0,
        }
    }

    /// Finds the alerts the entries written since the last look fired.
    pub fn catch_up(&mut self, ledger: &Ledger) {
        // `seen` counts every entry; the ledger may hold only the newest.
        let entries = ledger.entries();
        let unseen = self.seen.saturating_sub(ledger.base()).min(entries.len());
        let new = fired(ledger.config(), &entries[unseen..]);
        self.untaken += new.len();
        self.found.extend(new);
        self.seen = ledger.count();
        self.trim();
    }

    /// Takes in notifications another process stored for `entries` more entries (looked at
    /// there, not here).
    pub fn add_stored(&mut self, entries: usize, stored: Vec<Notification>) {
        self.seen += entries;
        self.found.extend(stored);
        self.trim();
    }

    /// The notifications found since the last call, oldest first, after catching up with
    /// `ledger`: for the store to keep with the entries that fired them.
    pub fn take_new(&mut self, ledger: &Ledger) -> Vec<Notification> {
        self.catch_up(ledger);
        let new = self.found[self.found.len() - self.untaken..].to_vec();
        self.untaken = 0;
        self.trim();
        new
    }

    /// The newest [`MAX_NOTIFICATIONS`], oldest first, after catching up with `ledger`.
    pub fn latest(&mut self, ledger: &Ledger) -> Vec<Notification> {
        self.catch_up(ledger);
        let keep = self.found.len().saturating_sub(MAX_NOTIFICATIONS);
        self.found[keep..].to_vec()
    }

    fn trim(&mut self) {
        let keep = self
            .found
            .len()
            .saturating_sub(MAX_NOTIFICATIONS.max(self.untaken));
        self.found.drain(..keep);
    }
}
