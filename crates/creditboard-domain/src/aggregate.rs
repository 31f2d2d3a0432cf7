//! What the dashboard shows for a period and a filter: totals, usage rate, breakdowns and the
//! daily (or monthly) series, all in the account's timezone.
//!
//! Usage is net: charges (consumes, captured holds) count, refunds take them back on the day
//! of the refund and under the charge's attributes. Reservations, grants and expiries are not
//! usage. Functions take entries sorted by time (as every ledger keeps them) and find the
//! period by binary search, so a summary costs one pass over the period's entries.

use crate::account::{AccountConfig, BucketKind, Timezone};
use crate::amount::Amount;
use crate::entry::{EntryKind, EntryStatus, LedgerEntry, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{CategoryId, FeatureId, Label, MemberId, MeterId, ProjectId, TierId};
use crate::period::{DateRange, start_of_day};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The key breakdowns use for entries without the attribute.
pub const NONE_KEY: &str = "";

/// Which entries a view includes. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerFilter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<EntryKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<EntryStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<Label>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierId>,
    /// Case-insensitive text searched in the description and the feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl LedgerFilter {
    pub fn is_empty(&self) -> bool {
        *self == LedgerFilter::default()
    }

    pub fn matches(&self, e: &LedgerEntry) -> bool {
        self.matches_except_search(e) && self.search.as_deref().is_none_or(|q| search_matches(e, q))
    }

    /// Every condition but the text search (which callers scanning many entries prepare once).
    pub(crate) fn matches_except_search(&self, e: &LedgerEntry) -> bool {
        fn any<T: PartialEq>(wanted: &[T], value: Option<&T>) -> bool {
            wanted.is_empty() || value.is_some_and(|v| wanted.contains(v))
        }
        (self.kinds.is_empty() || self.kinds.contains(&e.kind))
            && (self.statuses.is_empty() || self.statuses.contains(&e.status))
            && any(&self.categories, e.usage.category.as_ref())
            && any(&self.features, e.usage.feature.as_ref())
            && any(&self.engines, e.usage.engine.as_ref())
            && any(&self.members, e.usage.member.as_ref())
            && any(&self.projects, e.usage.project.as_ref())
            && any(&self.tiers, e.usage.tier.as_ref())
    }
}

fn search_matches(e: &LedgerEntry, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    let hit = |s: Option<&str>| s.is_some_and(|s| crate::activity::contains_folded(s, &q));
    q.is_empty()
        || hit(e.usage.description.as_ref().map(Label::as_str))
        || hit(e.usage.feature.as_ref().map(FeatureId::as_str))
        || hit(e.usage.engine.as_ref().map(Label::as_str))
}

/// Days or months per bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Month,
}

impl Granularity {
    /// Daily bars up to 90 days, monthly beyond (180 bars are unreadable on a phone).
    pub fn for_range(range: &DateRange) -> Self {
        if range.days() > 90 {
            Granularity::Month
        } else {
            Granularity::Day
        }
    }
}

/// One bar: local days `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesPoint {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub total: Amount,
    /// Aligned with [`Series::categories`].
    pub by_category: Vec<Amount>,
    /// Number of charges (jobs) in the bar.
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    pub granularity: Granularity,
    /// Category keys, biggest first; [`NONE_KEY`] for usage without a category.
    pub categories: Vec<String>,
    pub points: Vec<SeriesPoint>,
}

/// A line of a breakdown table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreakdownRow {
    /// The attribute's id ([`NONE_KEY`] when entries lack it).
    pub key: String,
    pub used: Amount,
    pub count: u32,
}

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
    /// The plan allocation usable in the period: what the included bucket held when the
    /// period began (after a cycle start at that instant) plus every refill within it.
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

/// The entries of `range`, by binary search on time.
pub fn entries_in<'a>(entries: &'a [LedgerEntry], range: &DateRange) -> &'a [LedgerEntry] {
    let lo = entries.partition_point(|e| e.at < range.start);
    let hi = entries.partition_point(|e| e.at < range.end);
    &entries[lo..hi.max(lo)]
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
        .map(|_| included_allocation(entries, meter, range))
        .transpose()?;
    acc.finish(meter, range, granularity, closing_balance, allocation)
}

/// What a summary adds up, fed entry by entry (from the ledger) or day by day (from
/// [`crate::rollup::DailyRollup`]); both end in the same [`MeterUsage`].
pub(crate) struct Accumulator<'a, 'b> {
    pub(crate) series: SeriesBuilder<'a, 'b>,
    /// category, feature, engine, member, tier, project: the order of [`ATTRIBUTES`].
    dims: [Tally<'a>; 6],
    // Sums in i128: each entry fits an i64, a period of them might not.
    used: i128,
    jobs: u32,
}

/// The attributes summaries break usage down by, in the order they are kept.
pub(crate) const ATTRIBUTES: usize = 6;

/// A usage's attributes in summary order: category, feature, engine, member, tier, project.
pub(crate) fn attribute_keys(u: &Usage) -> [Option<&str>; ATTRIBUTES] {
    [
        u.category.as_ref().map(CategoryId::as_str),
        u.feature.as_ref().map(FeatureId::as_str),
        u.engine.as_ref().map(Label::as_str),
        u.member.as_ref().map(MemberId::as_str),
        u.tier.as_ref().map(TierId::as_str),
        u.project.as_ref().map(ProjectId::as_str),
    ]
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
        let usage_rate_bp = allocation.filter(|a| a.is_positive()).map(|a| {
            let bp = i128::from(used.get()) * 10_000 / i128::from(a.get());
            u32::try_from(bp.max(0)).unwrap_or(u32::MAX)
        });
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

/// The allocation usable in `range` (see [`MeterUsage::allocation`]), from the included
/// shares of the entries: the included balance once the period has begun, plus refills.
/// Reads back only to the last refill before the period, so it costs one cycle of entries.
pub(crate) fn included_allocation(
    entries: &[LedgerEntry],
    meter: &MeterId,
    range: &DateRange,
) -> Result<Amount> {
    let included = |e: &LedgerEntry| {
        e.split
            .iter()
            .filter(|s| s.kind == BucketKind::Included)
            .try_fold(Amount::ZERO, |acc, s| acc.checked_add(s.amount))
    };
    let lo = entries.partition_point(|e| e.at < range.start);
    let hi = entries.partition_point(|e| e.at < range.end).max(lo);
    let last_refill = entries[..lo]
        .iter()
        .rposition(|e| e.kind == EntryKind::Refill && e.meter == *meter)
        .unwrap_or(0);
    let mut total = Amount::ZERO;
    for e in entries[last_refill..lo]
        .iter()
        .filter(|e| e.meter == *meter)
    {
        total = total.checked_add(included(e)?)?;
    }
    for e in entries[lo..hi].iter().filter(|e| e.meter == *meter) {
        // A cycle starting exactly at the period's start belongs before it: what lapsed or
        // rolled over then was never usable in the period. Later lapses are not subtracted,
        // those credits were usable until they lapsed.
        let cycle_at_start = e.at == range.start && crate::rollup::is_cycle_change(e);
        if e.kind == EntryKind::Refill || cycle_at_start {
            total = total.checked_add(included(e)?)?;
        }
    }
    Ok(total.max(Amount::ZERO))
}

/// Just the series (the chart), for when breakdowns are not needed.
pub fn usage_series(
    entries: &[LedgerEntry],
    config: &AccountConfig,
    meter: &MeterId,
    range: &DateRange,
    granularity: Granularity,
    filter: &LedgerFilter,
) -> Result<Series> {
    config.meter(meter)?;
    let boundaries = bar_boundaries(config.timezone, range, granularity);
    let mut series = SeriesBuilder::new(&boundaries);
    for e in entries_in(entries, range) {
        if e.kind.is_usage() && e.meter == *meter && filter.matches(e) {
            let category = e
                .usage
                .category
                .as_ref()
                .map_or(NONE_KEY, CategoryId::as_str);
            series.advance_to(e.at);
            series.add(
                category,
                -i128::from(e.amount.get()),
                u32::from(e.kind != EntryKind::Refund),
            );
        }
    }
    series.finish(granularity)
}

pub(crate) fn to_amount(sum: i128) -> Result<Amount> {
    i64::try_from(sum)
        .map(Amount::minor)
        .map_err(|_| DomainError::Overflow)
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

/// The instants where bars start, plus the range end.
pub(crate) fn bar_boundaries(
    tz: Timezone,
    range: &DateRange,
    granularity: Granularity,
) -> Vec<BarStart> {
    match granularity {
        Granularity::Day => range
            .day_boundaries(tz)
            .into_iter()
            .zip(range.from.iter_days())
            .map(|(at, date)| BarStart { at, date })
            .collect(),
        Granularity::Month => {
            let mut out = vec![BarStart {
                at: range.start,
                date: range.from,
            }];
            let mut month = range.from.with_day(1).unwrap_or(range.from) + Months::new(1);
            while month < range.until {
                out.push(BarStart {
                    at: start_of_day(tz, month),
                    date: month,
                });
                month = month + Months::new(1);
            }
            out.push(BarStart {
                at: range.end,
                date: range.until,
            });
            out
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct BarStart {
    at: chrono::DateTime<chrono::Utc>,
    date: NaiveDate,
}

pub(crate) struct SeriesBuilder<'a, 'b> {
    boundaries: &'b [BarStart],
    bar: usize,
    totals: Vec<i128>,
    counts: Vec<u32>,
    categories: Tally<'a>,
    /// Per bar, per category slot (in the order categories were first seen).
    cells: Vec<Vec<i128>>,
}

impl<'a, 'b> SeriesBuilder<'a, 'b> {
    fn new(boundaries: &'b [BarStart]) -> Self {
        let bars = boundaries.len().saturating_sub(1);
        SeriesBuilder {
            boundaries,
            bar: 0,
            totals: vec![0; bars],
            counts: vec![0; bars],
            categories: Tally::default(),
            cells: vec![Vec::new(); bars],
        }
    }

    /// Moves to the bar holding `at`. Usage comes in time order: the bar only moves forward.
    pub(crate) fn advance_to(&mut self, at: chrono::DateTime<chrono::Utc>) {
        while self.bar + 2 < self.boundaries.len() && at >= self.boundaries[self.bar + 1].at {
            self.bar += 1;
        }
    }

    /// Moves to the bar holding the local day `date` (bars are whole days).
    pub(crate) fn advance_to_day(&mut self, date: NaiveDate) {
        while self.bar + 2 < self.boundaries.len() && date >= self.boundaries[self.bar + 1].date {
            self.bar += 1;
        }
    }

    fn add(&mut self, category: &'a str, used: i128, jobs: u32) {
        if self.totals.is_empty() {
            return;
        }
        let slot = self.categories.add(category, used, jobs);
        let row = &mut self.cells[self.bar];
        if row.len() <= slot {
            row.resize(slot + 1, 0);
        }
        row[slot] += used;
        self.totals[self.bar] += used;
        self.counts[self.bar] += jobs;
    }

    fn finish(self, granularity: Granularity) -> Result<Series> {
        // Biggest category first, so stacks and legends read the same way.
        let mut order: Vec<usize> = (0..self.categories.rows.len()).collect();
        order.sort_by(|&a, &b| {
            let (ka, ua, _) = self.categories.rows[a];
            let (kb, ub, _) = self.categories.rows[b];
            ub.cmp(&ua).then(ka.cmp(kb))
        });
        let points = (0..self.totals.len())
            .map(|i| {
                Ok(SeriesPoint {
                    from: self.boundaries[i].date,
                    until: self.boundaries[i + 1].date,
                    total: to_amount(self.totals[i])?,
                    by_category: order
                        .iter()
                        .map(|&slot| to_amount(self.cells[i].get(slot).copied().unwrap_or(0)))
                        .collect::<Result<_>>()?,
                    count: self.counts[i],
                })
            })
            .collect::<Result<_>>()?;
        Ok(Series {
            granularity,
            categories: order
                .iter()
                .map(|&s| self.categories.rows[s].0.to_string())
                .collect(),
            points,
        })
    }
}

/// Sums per key, in first-seen order.
///
/// Ids are shared `Arc<str>`s, so most lookups are answered by the key's address from a small
/// direct-mapped cache; text hashing is the fallback (and decides, so equal text in different
/// allocations still lands in one row).
struct Tally<'a> {
    recent: [(usize, usize, usize); 64],
    slots: HashMap<&'a str, usize, BuildHasherDefault<FxHasher>>,
    rows: Vec<(&'a str, i128, u32)>,
}

impl Default for Tally<'_> {
    fn default() -> Self {
        Tally {
            recent: [(0, 0, 0); 64],
            slots: HashMap::default(),
            rows: Vec::new(),
        }
    }
}

impl<'a> Tally<'a> {
    fn add(&mut self, key: &'a str, used: i128, jobs: u32) -> usize {
        let ptr = key.as_ptr() as usize;
        let line = (ptr >> 4 ^ ptr >> 10) & 63;
        let (p, len, cached) = self.recent[line];
        let slot = if p == ptr && len == key.len() {
            cached
        } else {
            let next = self.rows.len();
            let slot = *self.slots.entry(key).or_insert(next);
            if slot == next {
                self.rows.push((key, 0, 0));
            }
            self.recent[line] = (ptr, key.len(), slot);
            slot
        };
        let row = &mut self.rows[slot];
        row.1 += used;
        row.2 += jobs;
        slot
    }

    fn into_rows(self) -> Result<Vec<BreakdownRow>> {
        let mut rows = self
            .rows
            .into_iter()
            .map(|(key, used, count)| {
                Ok(BreakdownRow {
                    key: key.to_string(),
                    used: to_amount(used)?,
                    count,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        rows.sort_by(|a, b| b.used.cmp(&a.used).then_with(|| a.key.cmp(&b.key)));
        Ok(rows)
    }
}

/// The multiply-rotate hash rustc uses for its own tables: a few cycles per word.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
