//! A listing's CSV export made from its entries as a store reads them, newest first, a chunk
//! at a time, without the ledger's history in memory: what it holds is a chunk and the
//! settlements read whose job is older than the chunk (a capture, a release, a refund seen
//! before the entry it settles). The same lines as [`super::export_chunk`] makes from a
//! ledger held whole (a property test holds the two equal).

use super::job::settle;
use super::listing::Matcher;
use super::{ActivityQuery, CSV_HEADER, csv_line};
use crate::config::AccountConfig;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::Result;
use crate::ledger::Ledger;
use crate::period::{DateRange, Period, PeriodPreset};
use crate::usage::filter::{LedgerFilter, range_of};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// An export under way: feed it the entries at or below [`ExportStream::snapshot`], newest
/// first, until [`ExportStream::is_done`] or the entries run out.
#[derive(Debug)]
pub struct ExportStream {
    config: AccountConfig,
    query: ActivityQuery,
    /// Everything but the job's status and the text search, tested on the entry that began
    /// the row (the row's status is the job's, known once its settlements are).
    entry_filter: LedgerFilter,
    matcher: Matcher,
    range: Option<DateRange>,
    snapshot: EntryId,
    /// Settling entries read, by the entry they settle, until that one is read.
    pending: HashMap<EntryId, Vec<LedgerEntry>>,
    started: bool,
    done: bool,
}

impl ExportStream {
    /// The export of `query` over `ledger`'s entries up to its newest now. "All activity"
    /// starts at the first matching entry, which only the whole history tells.
    pub fn new(ledger: &Ledger, query: &ActivityQuery, now: DateTime<Utc>) -> Result<Self> {
        query.check()?;
        let config = ledger.config();
        query.check_meter(config)?;
        if query.period == Some(Period::preset(PeriodPreset::AllActivity)) {
            ledger.require_history()?;
        }
        let range = query
            .period
            .map(|p| range_of(ledger, p, &query.filter, now));
        Ok(ExportStream {
            config: config.clone(),
            entry_filter: LedgerFilter {
                statuses: Vec::new(),
                search: None,
                ..query.filter.clone()
            },
            matcher: Matcher::new(query),
            query: query.clone(),
            range,
            snapshot: EntryId(ledger.count() as u64),
            pending: HashMap::new(),
            started: false,
            done: false,
        })
    }

    /// The newest entry the export reads: the store's entries at or below it, newest first.
    pub fn snapshot(&self) -> EntryId {
        self.snapshot
    }

    /// Whether the entries fed so far reached before the period: nothing older can be a row.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The CSV lines of the rows `entries` (the next ones, newest first) complete; the header
    /// first.
    pub fn feed(&mut self, entries: &[LedgerEntry]) -> String {
        let mut csv = String::new();
        if !self.started {
            self.started = true;
            csv.push_str(CSV_HEADER);
            csv.push_str("\r\n");
        }
        for e in entries {
            if self.done || e.id > self.snapshot {
                continue;
            }
            if self.range.as_ref().is_some_and(|r| e.at < r.start) {
                // Entries are in time order: every older one is before the period too.
                self.done = true;
                self.pending.clear();
                continue;
            }
            let mut settling = self.pending.remove(&e.id).unwrap_or_default();
            match e.reverses {
                // Its job is older: what settled it goes with it to the job.
                Some(of) if e.settles() => {
                    settling.push(e.clone());
                    self.pending.entry(of).or_default().extend(settling);
                }
                _ => {
                    settling.sort_by_key(|s| s.id);
                    self.row(e, &settling, &mut csv);
                }
            }
        }
        csv
    }

    /// The line of the row `root` begins, if it is in the period and matches.
    fn row(&self, root: &LedgerEntry, settling: &[LedgerEntry], csv: &mut String) {
        let in_period = self.range.as_ref().is_none_or(|r| root.at < r.end);
        let wanted = in_period
            && self.query.meter.as_ref().is_none_or(|m| root.meter == *m)
            && self.entry_filter.matches_except_search(root)
            && self.matcher.search_hits(root);
        if !wanted {
            return;
        }
        let row = settle(root.clone(), settling.iter());
        let statuses = &self.query.filter.statuses;
        if statuses.is_empty() || statuses.contains(&row.status) {
            csv_line(csv, &row, &self.config);
        }
    }
}
