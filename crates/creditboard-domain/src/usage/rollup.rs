//! Daily rollups: usage per meter, local day and attributes, kept up with the ledger as
//! entries are appended. A 180-day summary then reads 180 days instead of the millions of
//! entries in them, and gives the same [`MeterUsage`] as [`summary::summarize`] (a test
//! holds the two equal on every preset's history).
//!
//! They are kept with an account's snapshot ([`crate::account::AccountSnapshot`]): a copy
//! opened from it takes in the entries after it and answers the same summaries without the
//! entries before it.
//!
//! Each day keeps its usage twice: per attribute alone (a few dozen rows, what an unfiltered
//! summary reads) and per combination of attributes (what a filtered one reads). Views the
//! rollups cannot answer (text search, kinds or statuses, a range that does not start and end
//! at local midnight) are computed from the entries.

use super::allocation::allocation_for;
use super::filter::{LedgerFilter, entries_in};
use super::series::{Granularity, bar_boundaries};
use super::summary::{self, Accumulator, MeterUsage};
use super::tally::{ATTRIBUTES, NONE_KEY, attribute_keys, to_amount};
use crate::amount::Amount;
use crate::entry::{EntryKind, LedgerEntry};
use crate::error::Result;
use crate::ids::MeterId;
use crate::ledger::Ledger;
use crate::period::DateRange;
use crate::tz::Timezone;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;

/// Attribute values as codes (0 is "none"), per attribute, in [`ATTRIBUTES`] order:
/// category, feature, engine, member, tier, project.
type Codes = [u32; ATTRIBUTES];

/// One attribute value's usage: (code, net usage, jobs).
type Row = (u32, i128, u32);

#[derive(Debug, Default, Clone, Serialize)]
pub struct DailyRollup {
    /// Entries summed so far, by count (entries are append-only): the id of the newest.
    synced: usize,
    /// The day bucketing's zone and the meters, as when built: a change rebuilds.
    tz: Option<Timezone>,
    meters: Vec<MeterId>,
    names: Vec<String>,
    /// `names` by value (derived: not stored).
    #[serde(skip)]
    codes: HashMap<String, u32>,
    books: Vec<MeterDays>,
    /// The local day the last entry fell on, with its bounds, so most entries skip the
    /// timezone arithmetic.
    #[serde(skip)]
    cursor: Option<(DateTime<Utc>, DateTime<Utc>, NaiveDate)>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct MeterDays {
    /// Days with at least one entry of the meter, ascending.
    days: Vec<Day>,
    /// The last day's combinations, for adding to them (earlier days keep only the list;
    /// derived: not stored).
    #[serde(skip)]
    open: HashMap<Codes, usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Day {
    date: NaiveDate,
    used: i128,
    jobs: u32,
    by_attribute: [Vec<Row>; ATTRIBUTES],
    combinations: Vec<(Codes, i128, u32)>,
    /// The meter's balance after the day's last entry.
    closing: Amount,
}

impl DailyRollup {
    pub fn new() -> Self {
        Self::default()
    }

    /// Brings the rollups up to the ledger's entries. Rollups that do not fit it (another
    /// timezone or meters, a ledger that shrank) are summed again from the entries; for a
    /// ledger opened without the entries before its held ones, they cannot be, and hold
    /// nothing until it is opened whole ([`DailyRollup::answers`] is then false).
    pub fn sync(&mut self, ledger: &Ledger) {
        let config = ledger.config();
        let (base, count) = (ledger.base(), ledger.count());
        let meters = config.meter_ids();
        let fits = (base..=count).contains(&self.synced)
            && self.tz == Some(config.timezone)
            && meters == self.meters;
        if !fits && base > 0 {
            *self = DailyRollup::default();
            return;
        }
        if !fits {
            *self = DailyRollup {
                tz: Some(config.timezone),
                books: vec![MeterDays::default(); meters.len()],
                meters,
                names: vec![NONE_KEY.to_string()],
                ..DailyRollup::default()
            };
        }
        for e in &ledger.entries()[self.synced - base..] {
            self.add(config.timezone, e);
        }
        self.synced = count;
    }

    /// How many entries they sum (the id of the newest).
    pub fn synced(&self) -> usize {
        self.synced
    }

    fn add(&mut self, tz: Timezone, e: &LedgerEntry) {
        let Some(m) = self.meters.iter().position(|m| *m == e.meter) else {
            return;
        };
        let date = match self.cursor {
            Some((start, next, date)) if start <= e.at && e.at < next => date,
            _ => {
                let date = tz.date_of(e.at);
                let start = tz.start_of_day(date);
                let next = date.succ_opt().map_or(start, |d| tz.start_of_day(d));
                self.cursor = Some((start, next, date));
                date
            }
        };
        let codes = if e.kind.is_usage() {
            attribute_keys(&e.usage).map(|k| self.code(k))
        } else {
            [0; ATTRIBUTES]
        };
        let book = &mut self.books[m];
        if book.days.last().is_none_or(|d| d.date != date) {
            book.open.clear();
            book.days.push(Day {
                date,
                used: 0,
                jobs: 0,
                by_attribute: Default::default(),
                combinations: Vec::new(),
                closing: Amount::ZERO,
            });
        }
        let Some(day) = book.days.last_mut() else {
            return;
        };
        day.closing = e.balance_after;
        if !e.kind.is_usage() {
            return;
        }
        let used = -i128::from(e.amount.get());
        let jobs = u32::from(e.kind != EntryKind::Refund);
        day.used += used;
        day.jobs += jobs;
        for (rows, code) in day.by_attribute.iter_mut().zip(codes) {
            match rows.iter_mut().find(|r| r.0 == code) {
                Some(row) => {
                    row.1 += used;
                    row.2 += jobs;
                }
                None => rows.push((code, used, jobs)),
            }
        }
        let slot = *book.open.entry(codes).or_insert_with(|| {
            day.combinations.push((codes, 0, 0));
            day.combinations.len() - 1
        });
        let combination = &mut day.combinations[slot];
        combination.1 += used;
        combination.2 += jobs;
    }

    fn code(&mut self, value: Option<&str>) -> u32 {
        let Some(v) = value else { return 0 };
        if let Some(c) = self.codes.get(v) {
            return *c;
        }
        let c = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(v.to_string());
        self.codes.insert(v.to_string(), c);
        c
    }

    /// Whether the rollups hold the answer for this range and filter.
    fn answers(&self, ledger: &Ledger, range: &DateRange, filter: &LedgerFilter) -> bool {
        let tz = ledger.config().timezone;
        self.synced == ledger.count()
            && self.tz == Some(tz)
            && range.start == tz.start_of_day(range.from)
            && range.end == tz.start_of_day(range.until)
            && filter.kinds.is_empty()
            && filter.statuses.is_empty()
            && filter.search.as_deref().is_none_or(|q| q.trim().is_empty())
    }

    /// The usage summary of one meter, as [`summary::summarize`] computes it from the
    /// entries, read from the days when the rollups are up to the ledger (from the entries
    /// otherwise, which a ledger opened without its history asks for).
    pub fn summarize(
        &self,
        ledger: &Ledger,
        meter: &MeterId,
        range: &DateRange,
        filter: &LedgerFilter,
    ) -> Result<MeterUsage> {
        let config = ledger.config();
        let meter_config = config.meter(meter)?;
        let Some(book) = self
            .book(meter)
            .filter(|_| self.answers(ledger, range, filter))
        else {
            ledger.require_history()?;
            return summary::summarize(ledger.entries(), config, meter, range, filter);
        };
        let granularity = Granularity::for_range(range);
        let boundaries = bar_boundaries(config.timezone, range, granularity);
        let mut acc = Accumulator::new(&boundaries);
        let days = book.days_in(range);
        let wanted = self.wanted(filter);
        for day in days {
            acc.series.advance_to_day(day.date);
            match &wanted {
                None => {
                    for (dim, rows) in day.by_attribute.iter().enumerate() {
                        for &(code, used, jobs) in rows {
                            acc.add_marginal(dim, self.name(code), used, jobs);
                        }
                    }
                }
                Some(Some(want)) => {
                    for (codes, used, jobs) in &day.combinations {
                        let hit = want
                            .iter()
                            .zip(codes)
                            .all(|(w, c)| w.is_empty() || w.contains(c));
                        if hit {
                            acc.add(codes.map(|c| self.name(c)), *used, *jobs);
                        }
                    }
                }
                // A value the account never used: nothing matches.
                Some(None) => {}
            }
        }
        let closing_balance = book.days[..book.days.partition_point(|d| d.date < range.until)]
            .last()
            .map_or(Amount::ZERO, |d| d.closing);
        let allocation = meter_config
            .allocation
            .map(|a| allocation_for(a.amount, &config.calendar(), range))
            .transpose()?;
        acc.finish(meter, range, granularity, closing_balance, allocation)
    }

    /// Net usage of one meter in a range (the forecast's burn rate), from the days when the
    /// rollups are up to the ledger.
    pub fn used(&self, ledger: &Ledger, meter: &MeterId, range: &DateRange) -> Result<Amount> {
        let total = match self
            .book(meter)
            .filter(|_| self.answers(ledger, range, &LedgerFilter::default()))
        {
            Some(book) => book.days_in(range).iter().map(|d| d.used).sum::<i128>(),
            None => {
                ledger.require_history()?;
                entries_in(ledger.entries(), range)
                    .iter()
                    .filter(|e| e.meter == *meter)
                    .map(|e| i128::from(e.net_usage().get()))
                    .sum()
            }
        };
        to_amount(total)
    }

    fn book(&self, meter: &MeterId) -> Option<&MeterDays> {
        let m = self.meters.iter().position(|x| x == meter)?;
        self.books.get(m)
    }

    fn name(&self, code: u32) -> &str {
        self.names
            .get(code as usize)
            .map_or(NONE_KEY, String::as_str)
    }

    /// The filter in codes: `None` without attribute conditions, `Some(None)` when a
    /// condition names only values never seen.
    fn wanted(&self, f: &LedgerFilter) -> Option<Option<[Vec<u32>; ATTRIBUTES]>> {
        let lists: [Vec<&str>; ATTRIBUTES] = [
            f.categories.iter().map(|v| v.as_str()).collect(),
            f.features.iter().map(|v| v.as_str()).collect(),
            f.engines.iter().map(|v| v.as_str()).collect(),
            f.members.iter().map(|v| v.as_str()).collect(),
            f.tiers.iter().map(|v| v.as_str()).collect(),
            f.projects.iter().map(|v| v.as_str()).collect(),
        ];
        if lists.iter().all(Vec::is_empty) {
            return None;
        }
        let mut want: [Vec<u32>; ATTRIBUTES] = Default::default();
        for (codes, values) in want.iter_mut().zip(&lists) {
            *codes = values
                .iter()
                .filter_map(|v| self.codes.get(*v).copied())
                .collect();
            if !values.is_empty() && codes.is_empty() {
                return Some(None);
            }
        }
        Some(Some(want))
    }
}

impl<'de> Deserialize<'de> for DailyRollup {
    /// Stored without what is derived from the rest: the codes by name, each meter's last
    /// day's combinations by codes (what the next entries of that day add to).
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            synced: usize,
            tz: Option<Timezone>,
            meters: Vec<MeterId>,
            names: Vec<String>,
            books: Vec<MeterDays>,
        }
        let s = Stored::deserialize(d)?;
        if s.books.len() != s.meters.len() {
            return Err(serde::de::Error::custom("rollups: a book per meter"));
        }
        let mut books = s.books;
        for book in &mut books {
            if let Some(last) = book.days.last() {
                book.open = last
                    .combinations
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.0, i))
                    .collect();
            }
        }
        let codes = s
            .names
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, n)| Some((n.clone(), u32::try_from(i).ok()?)))
            .collect();
        Ok(DailyRollup {
            synced: s.synced,
            tz: s.tz,
            meters: s.meters,
            names: s.names,
            codes,
            books,
            cursor: None,
        })
    }
}

impl MeterDays {
    fn days_in(&self, range: &DateRange) -> &[Day] {
        let lo = self.days.partition_point(|d| d.date < range.from);
        let hi = self.days.partition_point(|d| d.date < range.until).max(lo);
        &self.days[lo..hi]
    }
}
