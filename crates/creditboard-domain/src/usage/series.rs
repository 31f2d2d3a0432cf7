//! The chart's numbers: usage per day (or month) stacked by category, in the account's
//! timezone.

use super::filter::{LedgerFilter, entries_in};
use super::tally::{NONE_KEY, Tally, to_amount};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::{EntryKind, LedgerEntry};
use crate::error::Result;
use crate::ids::{CategoryId, MeterId};
use crate::period::{DateRange, start_of_day};
use crate::tz::Timezone;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

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
    pub(crate) fn new(boundaries: &'b [BarStart]) -> Self {
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

    pub(crate) fn add(&mut self, category: &'a str, used: i128, jobs: u32) {
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

    pub(crate) fn finish(self, granularity: Granularity) -> Result<Series> {
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
