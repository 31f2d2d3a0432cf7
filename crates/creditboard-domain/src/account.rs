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

/// When billing cycles start: local midnight on `anchor_day` of every month (clamped to the
/// month's last day, so 31 means "the last day" in short months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
}

/// A member's monthly limit on one meter: their consumes and holds in a calendar month
/// (account timezone, net of refunds and releases) may not pass `monthly`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberCap {
    pub member: MemberId,
    pub meter: MeterId,
    pub monthly: Amount,
}

/// The dearest unit a meter may sell ($1,000,000 a credit) and the dearest pack
/// ($1,000,000,000): beyond them a price is a typo, not a product.
const MAX_CENTS_PER_UNIT: i64 = 100_000_000;
const MAX_PACK_CENTS: i64 = 100_000_000_000;

/// A sum of money in minor units of an ISO 4217 currency with two decimals (USD, EUR, AUD …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub cents: i64,
    pub currency: String,
}

/// A fixed pack of credits at a fixed price ("5,000 Standard").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pack {
    pub id: String,
    pub name: String,
    pub credits: Amount,
    pub price: Money,
}

/// Buying an exact amount: between `min` and `max` (in the meter's minor units), each major
/// unit costing `cents_per_unit` (Foto Master's dollars: 100 cents per dollar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExactAmount {
    pub min: Amount,
    pub max: Amount,
}

/// What a meter sells: packs, an exact amount, or both. Automatic top-ups are charged at
/// `cents_per_unit` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOffer {
    pub meter: MeterId,
    pub currency: String,
    /// Price of one major unit of the meter (one credit, one dollar of balance), in cents.
    pub cents_per_unit: i64,
    #[serde(default)]
    pub packs: Vec<Pack>,
    #[serde(default)]
    pub exact: Option<ExactAmount>,
}

/// Where a low-balance alert sits: a percentage of the meter's allocation, or an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Percent(u8),
    Below(Amount),
}

/// Fires once each time the meter's balance crosses below its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRule {
    pub meter: MeterId,
    pub level: AlertLevel,
}

/// A change to an account's spend controls. Applying one yields a new configuration, which
/// is validated whole before it replaces the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettingsChange {
    /// Automatic top-ups of a meter (`None`: none configured).
    AutoTopUp {
        meter: MeterId,
        #[cfg_attr(feature = "openapi", schema(required))]
        settings: Option<AutoTopUp>,
    },
    /// A member's monthly cap on a meter (`None`: no cap).
    MemberCap {
        member: MemberId,
        meter: MeterId,
        #[cfg_attr(feature = "openapi", schema(required))]
        monthly: Option<Amount>,
    },
    /// The low-balance alert levels of a meter (replacing the ones it had).
    Alerts {
        meter: MeterId,
        levels: Vec<AlertLevel>,
    },
}

impl SettingsChange {
    pub fn apply_to(&self, config: &AccountConfig) -> Result<AccountConfig> {
        let mut next = config.clone();
        match self {
            SettingsChange::AutoTopUp { meter, settings } => {
                let m = next.meter_index(meter)?;
                next.meters[m].auto_top_up = *settings;
            }
            SettingsChange::MemberCap {
                member,
                meter,
                monthly,
            } => {
                next.meter(meter)?;
                next.member_caps
                    .retain(|c| !(&c.member == member && &c.meter == meter));
                if let Some(monthly) = monthly {
                    next.member_caps.push(MemberCap {
                        member: member.clone(),
                        meter: meter.clone(),
                        monthly: *monthly,
                    });
                }
            }
            SettingsChange::Alerts { meter, levels } => {
                next.meter(meter)?;
                next.alerts.retain(|a| &a.meter != meter);
                let mut seen = Vec::new();
                for level in levels {
                    if seen.contains(level) {
                        continue;
                    }
                    seen.push(*level);
                    next.alerts.push(AlertRule {
                        meter: meter.clone(),
                        level: *level,
                    });
                }
            }
        }
        Ok(next)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
}

/// Everything the ledger needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// What can be bought, per meter (none: buying happens elsewhere).
    #[serde(default)]
    pub offers: Vec<PurchaseOffer>,
    /// Optional monthly limits on what one member may spend.
    #[serde(default)]
    pub member_caps: Vec<MemberCap>,
    /// Low-balance alerts.
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// The periods the usage page offers.
    #[serde(default)]
    pub usage_periods: crate::period::PeriodChoices,
    /// The product's words for cards, ledger columns and buckets, and the Activity page's
    /// time ranges.
    #[serde(default)]
    pub presentation: crate::presentation::Presentation,
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
        self.usage_periods.validate()?;
        self.presentation.validate(&self.meters)?;
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
        self.validate_spend_controls()
    }

    /// Offers, member caps and alerts: each names a known meter (and member) and stays
    /// within the amounts a meter can hold.
    fn validate_spend_controls(&self) -> Result<()> {
        let bad = |msg: String| Err(DomainError::InvalidConfig(msg));
        let currency_ok = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
        let mut offered = HashSet::new();
        for o in &self.offers {
            let m = self.meter(&o.meter)?;
            if !offered.insert(o.meter.as_str()) {
                return bad(format!("meter “{}” has two offers", o.meter));
            }
            if !currency_ok(&o.currency) || o.packs.iter().any(|p| p.price.currency != o.currency) {
                return bad(format!(
                    "meter “{}”: prices need one three-letter currency code",
                    o.meter
                ));
            }
            if !(1..=MAX_CENTS_PER_UNIT).contains(&o.cents_per_unit) {
                return bad(format!(
                    "meter “{}”: the unit price is out of range",
                    o.meter
                ));
            }
            let mut ids = HashSet::new();
            for p in &o.packs {
                if !ids.insert(p.id.as_str())
                    || !p.credits.is_positive()
                    || p.credits > MAX_BALANCE
                    || !(1..=MAX_PACK_CENTS).contains(&p.price.cents)
                {
                    return bad(format!(
                        "meter “{}”: pack “{}” needs a unique id, credits and a price",
                        o.meter, p.id
                    ));
                }
            }
            if let Some(e) = o.exact
                && !(e.min.is_positive() && e.min <= e.max && e.max <= MAX_BALANCE)
            {
                return bad(format!(
                    "meter “{}”: an exact amount needs 0 < min ≤ max",
                    m.id
                ));
            }
        }
        let mut capped = HashSet::new();
        for c in &self.member_caps {
            self.meter(&c.meter)?;
            if self.member(&c.member).is_none() {
                return bad(format!("there is no member “{}” to cap", c.member));
            }
            if !capped.insert((c.member.as_str(), c.meter.as_str())) {
                return bad(format!("member “{}” has two caps on one meter", c.member));
            }
            if c.monthly.is_negative() || c.monthly > MAX_BALANCE {
                return bad(format!(
                    "member “{}”: a monthly cap is between 0 and the meter's limit",
                    c.member
                ));
            }
        }
        for a in &self.alerts {
            let m = self.meter(&a.meter)?;
            match a.level {
                AlertLevel::Percent(p) if !(1..=99).contains(&p) => {
                    return bad("an alert percentage is between 1 and 99".into());
                }
                AlertLevel::Percent(_) if m.allocation.is_none() => {
                    return bad(format!(
                        "“{}” has no allocation to take a percentage of: use an amount",
                        m.name
                    ));
                }
                AlertLevel::Below(x) if !x.is_positive() || x > MAX_BALANCE => {
                    return bad("an alert amount is greater than zero".into());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Who to ask for something only admins may do: the first admin.
    pub fn admin_contact(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.role == Role::Admin)
    }

    pub fn offer(&self, meter: &MeterId) -> Option<&PurchaseOffer> {
        self.offers.iter().find(|o| &o.meter == meter)
    }

    pub fn member_cap(&self, member: &MemberId, meter: &MeterId) -> Option<Amount> {
        self.member_caps
            .iter()
            .find(|c| &c.member == member && &c.meter == meter)
            .map(|c| c.monthly)
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
