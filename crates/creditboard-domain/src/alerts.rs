//! Low-balance alerts: each fires once per crossing, when an entry takes a meter's balance
//! from at or above its level to below it. Going back above (a refill, a purchase) re-arms
//! it. Derived from the entries, so every store gets the same notifications.

use crate::account::{AccountConfig, AlertLevel, AlertRule};
use crate::amount::Amount;
use crate::entry::{EntryId, LedgerEntry};
use crate::ids::MeterId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One alert that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The alerts `entries` fired, oldest first.
pub fn fired(config: &AccountConfig, entries: &[LedgerEntry]) -> Vec<Notification> {
    let rules: Vec<(&AlertRule, Amount)> = config
        .alerts
        .iter()
        .filter_map(|r| threshold(config, r).map(|t| (r, t)))
        .collect();
    if rules.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in entries {
        let before = e.balance_after.get().saturating_sub(e.amount.get());
        for (rule, level) in &rules {
            if rule.meter == e.meter && before >= level.get() && e.balance_after < *level {
                out.push(Notification {
                    at: e.at,
                    meter: e.meter.clone(),
                    level: rule.level,
                    threshold: *level,
                    balance: e.balance_after,
                    entry: e.id,
                });
            }
        }
    }
    out
}
