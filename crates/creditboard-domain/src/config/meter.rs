//! One meter of an account: what it counts, its buckets, its allocation, where purchases
//! land, and its automatic top-up; each meter checks its own settings.

use super::invalid;
use crate::amount::{Amount, MAX_BALANCE, MAX_DECIMALS};
use crate::error::Result;
use crate::ids::MeterId;
use serde::{Deserialize, Serialize};

/// What a meter counts: `"credits"`, `"minutes"` or `{"currency":{"code":"USD"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnusedAllocation {
    /// It expires (an expiry entry records it).
    Lapse,
    /// It moves into the rollover bank, which never holds more than `cap`; the excess expires.
    Rollover { cap: Amount },
}

/// The plan's included credits, granted at every billing-cycle start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub amount: Amount,
    pub unused: UnusedAllocation,
}

/// Where purchased credits and top-ups land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchasePolicy {
    /// `Additional` (VideoGen) or `Rollover` (ACT3: "credits are added to your Rollover Bank").
    pub into: BucketKind,
    /// Days until purchased credits expire; `None`: they do not expire.
    #[cfg_attr(feature = "openapi", schema(required))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TopUpAmount {
    /// Always this many.
    Fixed(Amount),
    /// Enough to bring the balance back to this target.
    RefillTo(Amount),
}

/// Automatic top-up: fires once each time the balance crosses below `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoTopUp {
    pub enabled: bool,
    pub threshold: Amount,
    pub amount: TopUpAmount,
    /// Most credits top-ups may add in one calendar month (account timezone); a top-up that
    /// would exceed it does not fire.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub monthly_cap: Option<Amount>,
}

/// One separately billed meter of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterConfig {
    pub id: MeterId,
    /// What people call it: "AI Feature Credits", "Video Rendering Minutes", "Balance".
    pub name: String,
    pub unit: MeterUnit,
    /// Minor units per major unit as a power of ten (USD: 2).
    pub decimals: u8,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub allocation: Option<Allocation>,
    #[serde(default)]
    pub purchases: PurchasePolicy,
    /// How far below zero a consume may take the balance (0: no overdraft).
    #[serde(default)]
    pub overdraft_limit: Amount,
    #[serde(default)]
    pub auto_top_up: Option<AutoTopUp>,
}

/// Why automatic top-up settings cannot work. The account's validation and the settings form
/// ask the same question ([`AutoTopUp::problem`]) and each says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopUpProblem {
    NegativeThreshold,
    /// The amount added is zero or less.
    NothingAdded,
    /// "Refill to" a target that is not above the threshold.
    TargetNotAboveThreshold,
    /// The monthly cap is zero or less.
    CapNotPositive,
    /// The monthly cap is below the smallest top-up, so none could ever fire.
    CapBelowOneTopUp {
        smallest: Amount,
    },
}

impl AutoTopUp {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<TopUpProblem> {
        if self.threshold.is_negative() {
            return Some(TopUpProblem::NegativeThreshold);
        }
        match self.amount {
            TopUpAmount::Fixed(a) if !a.is_positive() => return Some(TopUpProblem::NothingAdded),
            TopUpAmount::RefillTo(target) if target <= self.threshold => {
                return Some(TopUpProblem::TargetNotAboveThreshold);
            }
            _ => {}
        }
        match self.monthly_cap {
            Some(c) if !c.is_positive() => Some(TopUpProblem::CapNotPositive),
            Some(c) if c < self.smallest() => Some(TopUpProblem::CapBelowOneTopUp {
                smallest: self.smallest(),
            }),
            _ => None,
        }
    }

    /// The least one top-up adds: its amount, or for "refill to" what lifts the balance from
    /// the threshold to the target.
    pub fn smallest(&self) -> Amount {
        match self.amount {
            TopUpAmount::Fixed(a) => a,
            TopUpAmount::RefillTo(target) => {
                Amount::minor(target.get().saturating_sub(self.threshold.get()))
            }
        }
    }
}

impl MeterConfig {
    /// Checks the meter's own settings: decimals, amounts within [`MAX_BALANCE`], where
    /// purchases may go, its top-up.
    pub fn validate(&self) -> Result<()> {
        let m = self;
        if m.decimals > MAX_DECIMALS {
            return invalid(format!(
                "meter “{}” has more than {MAX_DECIMALS} decimals",
                m.id
            ));
        }
        if m.overdraft_limit.is_negative() {
            return invalid(format!("meter “{}” has a negative overdraft limit", m.id));
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
            return invalid(format!(
                "meter “{}”: amounts in its settings may be at most {}",
                m.id,
                MAX_BALANCE.to_decimal(m.decimals)
            ));
        }
        if let Some(a) = m.allocation {
            if !a.amount.is_positive() {
                return invalid(format!("meter “{}” has a non-positive allocation", m.id));
            }
            if let UnusedAllocation::Rollover { cap } = a.unused
                && cap.is_negative()
            {
                return invalid(format!("meter “{}” has a negative rollover cap", m.id));
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
                return invalid(format!(
                    "meter “{}”: purchases cannot go into the {} bucket",
                    m.id,
                    other.as_str()
                ));
            }
        }
        if m.purchases.into == BucketKind::Rollover && m.purchases.expires_after_days.is_some() {
            return invalid(format!(
                "meter “{}”: purchases into the rollover bank cannot expire (the bank is one bucket)",
                m.id
            ));
        }
        if m.purchases
            .expires_after_days
            .is_some_and(|d| !(1..=36_500).contains(&d))
        {
            return invalid(format!(
                "meter “{}”: purchases expire after 1 to 36,500 days, or never",
                m.id
            ));
        }
        match m.auto_top_up.and_then(|t| t.problem()) {
            None => Ok(()),
            Some(TopUpProblem::CapNotPositive) => invalid(format!(
                "meter “{}”: the top-up monthly cap must be positive",
                m.id
            )),
            Some(TopUpProblem::CapBelowOneTopUp { smallest }) => invalid(format!(
                "meter “{}”: a monthly cap below one top-up ({}) would stop every top-up: raise the cap or lower the amount",
                m.id,
                smallest.to_grouped(m.decimals)
            )),
            Some(_) => invalid(format!(
                "meter “{}”: a top-up needs a threshold ≥ 0 and an amount that lifts the balance above it",
                m.id
            )),
        }
    }
}
