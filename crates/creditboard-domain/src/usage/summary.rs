//! What the usage page shows for one meter, a period and a filter: totals, the usage rate
//! against the allocation, breakdowns and the series.

use super::allocation::allocation_for;
use super::filter::{LedgerFilter, entries_in};
use super::series::{BarStart, Granularity, Series, SeriesBuilder, bar_boundaries};
use super::tally::{ATTRIBUTES, BreakdownRow, NONE_KEY, Tally, attribute_keys, to_amount};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::{EntryKind, LedgerEntry};
use crate::error::Result;
use crate::ids::MeterId;
use crate::period::DateRange;
use serde::{Deserialize, Serialize};

/// Everything the usage page shows for one meter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterUsage {
    pub meter: MeterId,
    pub range: DateRange,
    /// Net usage in the period.
    pub used: Amount,
    /// Number of charges in the period.
    pub jobs: u32,
    /// The available balance at the end of the period (now, for a current period).
    pub closing_balance: Amount,
    /// The plan's allocation for the period (see [`super::allocation`]): for the current
    /// billing period the whole cycle's, for any other range the allocation for its days.
    /// `None` for a meter without a plan allocation (a prepaid balance).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub allocation: Option<Amount>,
    /// `used / allocation` in basis points (1 % = 100). Above 10,000 when usage went beyond
    /// the allocation into other credits. `None` without an allocation.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub usage_rate_bp: Option<u32>,
    /// `used / days`, rounded to the nearest minor unit.
    pub average_per_day: Amount,
    pub by_category: Vec<BreakdownRow>,
    pub by_feature: Vec<BreakdownRow>,
    pub by_engine: Vec<BreakdownRow>,
    pub by_member: Vec<BreakdownRow>,
    pub by_tier: Vec<BreakdownRow>,
    pub by_project: Vec<BreakdownRow>,
    pub series: Series,
}

/// The usage summary of one meter for a period and a filter.
pub fn summarize(
    entries: &[LedgerEntry],
    config: &AccountConfig,
    meter: &MeterId,
    range: &DateRange,
    filter: &LedgerFilter,
) -> Result<MeterUsage> {
    let meter_config = config.meter(meter)?;
    let granularity = Granularity::for_range(range);
    let boundaries = bar_boundaries(config.timezone, range, granularity);
    let mut acc = Accumulator::new(&boundaries);
    for e in entries_in(entries, range) {
        if !e.kind.is_usage() || e.meter != *meter || !filter.matches(e) {
            continue;
        }
        acc.series.advance_to(e.at);
        let keys = attribute_keys(&e.usage).map(|k| k.unwrap_or(NONE_KEY));
        let jobs = u32::from(e.kind != EntryKind::Refund);
        acc.add(keys, -i128::from(e.amount.get()), jobs);
    }
    let closing_balance = entries[..entries.partition_point(|e| e.at < range.end)]
        .iter()
        .rev()
        .find(|e| e.meter == *meter)
        .map_or(Amount::ZERO, |e| e.balance_after);
    let allocation = meter_config
        .allocation
        .map(|a| allocation_for(a.amount, &config.calendar(), range))
        .transpose()?;
    acc.finish(meter, range, granularity, closing_balance, allocation)
}

/// What a summary adds up, fed entry by entry (from the ledger) or day by day (from
/// [`crate::usage::rollup::DailyRollup`]); both end in the same [`MeterUsage`].
pub(crate) struct Accumulator<'a, 'b> {
    pub(crate) series: SeriesBuilder<'a, 'b>,
    /// category, feature, engine, member, tier, project: the order of [`ATTRIBUTES`].
    dims: [Tally<'a>; 6],
    // Sums in i128: each entry fits an i64, a period of them might not.
    used: i128,
    jobs: u32,
}

impl<'a, 'b> Accumulator<'a, 'b> {
    pub(crate) fn new(boundaries: &'b [BarStart]) -> Self {
        Accumulator {
            series: SeriesBuilder::new(boundaries),
            dims: Default::default(),
            used: 0,
            jobs: 0,
        }
    }

    /// Usage with all its attributes, in the bar the series was last advanced to.
    pub(crate) fn add(&mut self, keys: [&'a str; ATTRIBUTES], used: i128, jobs: u32) {
        self.series.add(keys[0], used, jobs);
        self.used += used;
        self.jobs += jobs;
        for (tally, key) in self.dims.iter_mut().zip(keys) {
            tally.add(key, used, jobs);
        }
    }

    /// Usage known by one attribute only: the totals and the series come from the category
    /// (every usage has exactly one, possibly none), the other breakdowns from their own.
    pub(crate) fn add_marginal(&mut self, dim: usize, key: &'a str, used: i128, jobs: u32) {
        if dim == 0 {
            self.series.add(key, used, jobs);
            self.used += used;
            self.jobs += jobs;
        }
        self.dims[dim].add(key, used, jobs);
    }

    pub(crate) fn finish(
        self,
        meter: &MeterId,
        range: &DateRange,
        granularity: Granularity,
        closing_balance: Amount,
        allocation: Option<Amount>,
    ) -> Result<MeterUsage> {
        let used = to_amount(self.used)?;
        let usage_rate_bp = rate_bp(used, allocation);
        let [
            by_category,
            by_feature,
            by_engine,
            by_member,
            by_tier,
            by_project,
        ] = self.dims.map(Tally::into_rows);
        let (by_category, by_feature, by_engine) = (by_category?, by_feature?, by_engine?);
        let (by_member, by_tier, by_project) = (by_member?, by_tier?, by_project?);
        Ok(MeterUsage {
            meter: meter.clone(),
            range: *range,
            used,
            jobs: self.jobs,
            closing_balance,
            allocation,
            usage_rate_bp,
            average_per_day: average_per_day(used, range.days()),
            by_category,
            by_feature,
            by_engine,
            by_member,
            by_tier,
            by_project,
            series: self.series.finish(granularity)?,
        })
    }
}

impl MeterUsage {
    /// The same usage measured against another allocation (the whole billing cycle's, for
    /// the current billing period).
    pub fn measured_against(self, allocation: Amount) -> MeterUsage {
        MeterUsage {
            usage_rate_bp: rate_bp(self.used, Some(allocation)),
            allocation: Some(allocation),
            ..self
        }
    }
}

/// `used / allocation` in basis points; none without a positive allocation.
fn rate_bp(used: Amount, allocation: Option<Amount>) -> Option<u32> {
    allocation.filter(|a| a.is_positive()).map(|a| {
        let bp = i128::from(used.get()) * 10_000 / i128::from(a.get());
        u32::try_from(bp.max(0)).unwrap_or(u32::MAX)
    })
}

/// `used / days`, rounded half away from zero.
pub fn average_per_day(used: Amount, days: u32) -> Amount {
    if days == 0 {
        return Amount::ZERO;
    }
    let d = i128::from(days);
    let u = i128::from(used.get());
    // |result| ≤ |used|, so it fits back into an i64.
    Amount::minor(((u + u.signum() * (d / 2)) / d) as i64)
}

/// How full a usage rate is: it warns from 80 % of the allocation and is used up at 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLevel {
    Normal,
    Warning,
    Exceeded,
}

impl RateLevel {
    /// The level of a rate in basis points (1 % = 100).
    pub fn of(bp: u32) -> RateLevel {
        match bp {
            ..8_000 => RateLevel::Normal,
            8_000..10_000 => RateLevel::Warning,
            _ => RateLevel::Exceeded,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RateLevel::Normal => "normal",
            RateLevel::Warning => "warning",
            RateLevel::Exceeded => "exceeded",
        }
    }
}
