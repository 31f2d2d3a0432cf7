//! How an account is set up: its timezone, meters, buckets policy, billing cycle, team.
//!
//! One [`AccountConfig`] describes any of the five products we serve (two meters for Lucas, a
//! USD balance for Foto Master, a capped rollover bank for ACT3, …): products differ by data,
//! not by code paths. [`AccountConfig::validate`] runs once at the edge; the ledger trusts it.

use crate::amount::{Amount, MAX_BALANCE, MAX_DECIMALS};
use crate::error::{DomainError, Result};
use crate::ids::{AccountId, MemberId, MeterId, ProjectId};
use crate::period::start_of_day;
pub use crate::tz::Timezone;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What a meter counts: `"credits"`, `"minutes"` or `{"currency":{"code":"USD"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterUnit {
    Credits,
    Minutes,
    /// A prepaid money balance; `code` is ISO 4217 ("USD").
    Currency {
        code: String,
    },
}

/// Where the balance of a meter sits. The draw-down order decides which is used first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketKind {
    /// The plan's allocation for the current billing cycle ("included", "monthly").
    Included,
    /// Unused allocation carried over from earlier cycles, up to the plan's cap.
    Rollover,
    /// Purchased credits and automatic top-ups ("additional").
    Additional,
    /// Promotional grants; they usually expire.
    Promotional,
    /// Credits used beyond the balance within an overdraft limit; paid back by the next grant.
    Overdraft,
}

impl BucketKind {
    pub const ALL: [BucketKind; 5] = [
        BucketKind::Included,
        BucketKind::Rollover,
        BucketKind::Additional,
        BucketKind::Promotional,
        BucketKind::Overdraft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BucketKind::Included => "included",
            BucketKind::Rollover => "rollover",
            BucketKind::Additional => "additional",
            BucketKind::Promotional => "promotional",
            BucketKind::Overdraft => "overdraft",
        }
    }
}

/// What happens to the allocation left at the end of a billing cycle: `"lapse"` or
/// `{"rollover":{"cap":…}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnusedAllocation {
    /// It expires (an expiry entry records it).
    Lapse,
    /// It moves into the rollover bank, which never holds more than `cap`; the excess expires.
    Rollover { cap: Amount },
}

/// The plan's included credits, granted at every billing-cycle start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub amount: Amount,
    pub unused: UnusedAllocation,
}

/// Where purchased credits and top-ups land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchasePolicy {
    /// `Additional` (VideoGen) or `Rollover` (ACT3: "credits are added to your Rollover Bank").
    pub into: BucketKind,
    /// Days until purchased credits expire; `None`: they do not expire.
    pub expires_after_days: Option<u32>,
}

impl Default for PurchasePolicy {
    fn default() -> Self {
        PurchasePolicy {
            into: BucketKind::Additional,
            expires_after_days: None,
        }
    }
}

/// How much an automatic top-up adds: `{"fixed":…}` or `{"refill_to":…}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopUpAmount {
    /// Always this many.
    Fixed(Amount),
    /// Enough to bring the balance back to this target.
    RefillTo(Amount),
}

/// Automatic top-up: fires once each time the balance crosses below `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoTopUp {
    pub enabled: bool,
    pub threshold: Amount,
    pub amount: TopUpAmount,
    /// Most credits top-ups may add in one calendar month (account timezone); a top-up that
    /// would exceed it does not fire.
    pub monthly_cap: Option<Amount>,
}

/// One separately billed meter of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterConfig {
    pub id: MeterId,
    /// What people call it: "AI Feature Credits", "Video Rendering Minutes", "Balance".
    pub name: String,
    pub unit: MeterUnit,
    /// Minor units per major unit as a power of ten (USD: 2).
    pub decimals: u8,
    pub allocation: Option<Allocation>,
    #[serde(default)]
    pub purchases: PurchasePolicy,
    /// How far below zero a consume may take the balance (0: no overdraft).
    #[serde(default)]
    pub overdraft_limit: Amount,
    #[serde(default)]
    pub auto_top_up: Option<AutoTopUp>,
}

/// When billing cycles start: local midnight on `anchor_day` of every month (clamped to the
/// month's last day, so 31 means "the last day" in short months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCycle {
    pub anchor_day: u8,
}

impl BillingCycle {
    /// The first cycle start strictly after `after`.
    pub fn next_start(self, tz: Timezone, after: DateTime<Utc>) -> DateTime<Utc> {
        let local = tz.date_of(after);
        let this_month = local.with_day(1).unwrap_or(local);
        for months_ahead in 0..3 {
            let month = this_month + Months::new(months_ahead);
            let start = start_of_day(tz, self.day_in(month));
            if start > after {
                return start;
            }
        }
        // Unreachable: a month ahead always starts later. Fall back to a safe value.
        after + chrono::Duration::days(31)
    }

    /// The latest cycle start at or before `at`.
    pub fn current_start(self, tz: Timezone, at: DateTime<Utc>) -> DateTime<Utc> {
        let local = tz.date_of(at);
        let this_month = local.with_day(1).unwrap_or(local);
        for months_back in 0..3 {
            let month = this_month - Months::new(months_back);
            let start = start_of_day(tz, self.day_in(month));
            if start <= at {
                return start;
            }
        }
        at
    }

    fn day_in(self, first_of_month: NaiveDate) -> NaiveDate {
        let last = (first_of_month + Months::new(1))
            .pred_opt()
            .unwrap_or(first_of_month);
        let day = u32::from(self.anchor_day).clamp(1, last.day());
        first_of_month.with_day(day).unwrap_or(first_of_month)
    }
}

/// The order in which buckets are drawn down: `"included_then_soonest_expiring"` or
/// `{"by_kind":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawDownOrder {
    /// Included first, then whatever expires soonest, then the rest (rollover bank,
    /// additional, promotional; oldest first).
    #[default]
    IncludedThenSoonestExpiring,
    /// By kind in the given order; within a kind, soonest expiring then oldest first.
    ByKind(Vec<BucketKind>),
}

/// Freshness of usage data: live, or through the end of yesterday (Lucas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    #[default]
    Live,
    ThroughYesterday,
}

/// Plans, in order: a requirement "Pro" is met by Pro, Business and Enterprise.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    #[default]
    Starter,
    Pro,
    Business,
    Enterprise,
}

impl Plan {
    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Starter => "Starter",
            Plan::Pro => "Pro",
            Plan::Business => "Business",
            Plan::Enterprise => "Enterprise",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
}

/// Everything the ledger needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    pub id: AccountId,
    pub name: String,
    pub timezone: Timezone,
    #[serde(default)]
    pub freshness: Freshness,
    #[serde(default)]
    pub plan: Plan,
    pub billing: BillingCycle,
    #[serde(default)]
    pub draw_down: DrawDownOrder,
    pub meters: Vec<MeterConfig>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub projects: Vec<Project>,
}

impl AccountConfig {
    /// Checks everything the ledger relies on; call once when a config enters the system.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(DomainError::InvalidConfig(msg));
        if self.name.trim().is_empty() {
            return bad("the account needs a name".into());
        }
        if self.meters.is_empty() {
            return bad("an account needs at least one meter".into());
        }
        if !(1..=31).contains(&self.billing.anchor_day) {
            return bad("the billing anchor day must be between 1 and 31".into());
        }
        let mut ids = HashSet::new();
        for m in &self.meters {
            if !ids.insert(m.id.as_str()) {
                return bad(format!("meter “{}” is defined twice", m.id));
            }
            if m.decimals > MAX_DECIMALS {
                return bad(format!(
                    "meter “{}” has more than {MAX_DECIMALS} decimals",
                    m.id
                ));
            }
            if m.overdraft_limit.is_negative() {
                return bad(format!("meter “{}” has a negative overdraft limit", m.id));
            }
            let mut amounts = vec![m.overdraft_limit];
            if let Some(a) = m.allocation {
                amounts.push(a.amount);
                if let UnusedAllocation::Rollover { cap } = a.unused {
                    amounts.push(cap);
                }
            }
            if let Some(t) = m.auto_top_up {
                amounts.push(t.threshold);
                amounts.extend(t.monthly_cap);
                amounts.push(match t.amount {
                    TopUpAmount::Fixed(a) | TopUpAmount::RefillTo(a) => a,
                });
            }
            if amounts.iter().any(|a| *a > MAX_BALANCE) {
                return bad(format!(
                    "meter “{}”: amounts in its settings may be at most {}",
                    m.id,
                    MAX_BALANCE.to_decimal(m.decimals)
                ));
            }
            if let Some(a) = m.allocation {
                if !a.amount.is_positive() {
                    return bad(format!("meter “{}” has a non-positive allocation", m.id));
                }
                if let UnusedAllocation::Rollover { cap } = a.unused
                    && cap.is_negative()
                {
                    return bad(format!("meter “{}” has a negative rollover cap", m.id));
                }
            }
            match m.purchases.into {
                BucketKind::Additional => {}
                BucketKind::Rollover
                    if matches!(
                        m.allocation,
                        Some(Allocation {
                            unused: UnusedAllocation::Rollover { .. },
                            ..
                        })
                    ) => {}
                other => {
                    return bad(format!(
                        "meter “{}”: purchases cannot go into the {} bucket",
                        m.id,
                        other.as_str()
                    ));
                }
            }
            if m.purchases.into == BucketKind::Rollover && m.purchases.expires_after_days.is_some()
            {
                return bad(format!(
                    "meter “{}”: purchases into the rollover bank cannot expire (the bank is one bucket)",
                    m.id
                ));
            }
            if m.purchases
                .expires_after_days
                .is_some_and(|d| !(1..=36_500).contains(&d))
            {
                return bad(format!(
                    "meter “{}”: purchases expire after 1 to 36,500 days, or never",
                    m.id
                ));
            }
            if let Some(t) = m.auto_top_up {
                let amount_ok = match t.amount {
                    TopUpAmount::Fixed(a) => a.is_positive(),
                    TopUpAmount::RefillTo(target) => target > t.threshold,
                };
                if t.threshold.is_negative() || !amount_ok {
                    return bad(format!(
                        "meter “{}”: a top-up needs a threshold ≥ 0 and an amount that lifts the balance above it",
                        m.id
                    ));
                }
                if t.monthly_cap.is_some_and(|c| !c.is_positive()) {
                    return bad(format!(
                        "meter “{}”: the top-up monthly cap must be positive",
                        m.id
                    ));
                }
            }
        }
        if let DrawDownOrder::ByKind(kinds) = &self.draw_down {
            let distinct: HashSet<_> = kinds.iter().collect();
            if distinct.len() != kinds.len() || kinds.contains(&BucketKind::Overdraft) {
                return bad(
                    "the draw-down order lists each bucket kind at most once and never overdraft"
                        .into(),
                );
            }
        }
        let mut members = HashSet::new();
        for m in &self.members {
            if !members.insert(m.id.as_str()) {
                return bad(format!("member “{}” is listed twice", m.id));
            }
        }
        Ok(())
    }

    pub fn meter(&self, id: &MeterId) -> Result<&MeterConfig> {
        self.meters
            .iter()
            .find(|m| &m.id == id)
            .ok_or_else(|| DomainError::UnknownMeter(id.to_string()))
    }

    pub fn meter_index(&self, id: &MeterId) -> Result<usize> {
        self.meters
            .iter()
            .position(|m| &m.id == id)
            .ok_or_else(|| DomainError::UnknownMeter(id.to_string()))
    }

    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    pub fn project(&self, id: &ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| &p.id == id)
    }

    /// Whether any meter has automatic top-ups switched on (a rate-card requirement).
    pub fn top_ups_enabled(&self) -> bool {
        self.meters
            .iter()
            .any(|m| m.auto_top_up.is_some_and(|t| t.enabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn unknown_timezones_are_named_in_the_error() {
        let err = Timezone::new("Mars/Olympus").unwrap_err();
        assert_eq!(err, DomainError::UnknownTimezone("Mars/Olympus".into()));
        assert!(err.to_string().contains("Mars/Olympus"));
        assert_eq!(
            Timezone::new("Asia/Kolkata").unwrap().name(),
            "Asia/Kolkata"
        );
    }

    #[test]
    fn billing_cycles_start_at_local_midnight_and_clamp_short_months() {
        let ny = Timezone::new("America/New_York").unwrap();
        let cycle = BillingCycle { anchor_day: 31 };
        // Jan 31 00:00 EST = 05:00 UTC; next: Feb 28 (2026 is not a leap year).
        assert_eq!(
            cycle.next_start(ny, utc(2026, 1, 15, 0, 0)),
            utc(2026, 1, 31, 5, 0)
        );
        assert_eq!(
            cycle.next_start(ny, utc(2026, 1, 31, 5, 0)),
            utc(2026, 2, 28, 5, 0)
        );
        // March 31 is after the DST change: 00:00 EDT = 04:00 UTC.
        assert_eq!(
            cycle.next_start(ny, utc(2026, 3, 1, 0, 0)),
            utc(2026, 3, 31, 4, 0)
        );
        assert_eq!(
            cycle.current_start(ny, utc(2026, 3, 15, 0, 0)),
            utc(2026, 2, 28, 5, 0)
        );
        assert_eq!(
            cycle.current_start(ny, utc(2026, 3, 31, 4, 0)),
            utc(2026, 3, 31, 4, 0)
        );
    }
}
