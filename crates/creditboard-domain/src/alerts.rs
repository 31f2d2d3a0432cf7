//! Low-balance alerts: each fires once per crossing, when an entry takes a meter's balance
//! from at or above its level to below it. Going back above (a refill, a purchase) re-arms
//! it. Derived from the entries, so every store gets the same notifications.

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
    /// The entry that crossed it.
    pub entry: EntryId,
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
    if rules.is_empty() {
        return out;
    }
    for group in entries.chunk_by(|a, b| a.at == b.at) {
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
                    });
                }
            }
        }
    }
    out
}

/// The most notifications a store lists (the newest).
pub const MAX_NOTIFICATIONS: usize = 100;

/// The alerts a ledger's entries fired so far, found as entries are written: a store keeps
/// one beside its ledger and looks again before it lists them or changes the alert levels
/// (what the old levels saw stays).
#[derive(Debug, Clone, Default)]
pub struct AlertLog {
    /// Entries looked at.
    seen: usize,
    found: Vec<Notification>,
}

impl AlertLog {
    /// Finds the alerts the entries written since the last look fired.
    pub fn catch_up(&mut self, ledger: &Ledger) {
        let entries = ledger.entries();
        self.found.extend(fired(
            ledger.config(),
            &entries[self.seen.min(entries.len())..],
        ));
        self.seen = entries.len();
    }

    /// The newest [`MAX_NOTIFICATIONS`], oldest first, after catching up with `ledger`.
    pub fn latest(&mut self, ledger: &Ledger) -> Vec<Notification> {
        self.catch_up(ledger);
        let keep = self.found.len().saturating_sub(MAX_NOTIFICATIONS);
        self.found[keep..].to_vec()
    }
}
