//! A chunk of the dashboard's CSV export for a copy that holds only its newest entries: the
//! store feeds it the entries below the chunk's start, newest first, a chunk at a time, and
//! looks up what settled each row's job (a capture, a release or a refund may be newer than
//! the chunk, up to the newest entry), so a chunk costs its own entries and one lookup per
//! batch of rows, wherever it is in the history. The rows' count for the progress bar (the
//! first chunk's `total`) is the listing's, given. The lines are the ones
//! [`super::export_chunk`] makes from the whole ledger (a property test holds them equal).

use super::export::{CSV_HEADER, ExportChunk, ExportRequest, csv_line};
use super::job::settle;
use super::listing::Matcher;
use super::scan_step::{ScanStep, settlements_by_job};
use crate::config::AccountConfig;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result, Wanted};
use crate::ledger::{Found, Ledger};
use crate::period::{DateRange, Period, PeriodPreset};
use crate::usage::LedgerFilter;
use chrono::{DateTime, Utc};

/// An export chunk under way: ask [`ExportScan::next`], answer with [`ExportScan::feed`] or
/// [`ExportScan::lend`], until [`ScanStep::Done`].
#[derive(Debug, Clone)]
pub struct ExportScan {
    config: AccountConfig,
    request: ExportRequest,
    /// Everything the row's entry must be but the job's status (known once what settled it
    /// is looked up).
    attrs: LedgerFilter,
    matcher: Matcher,
    range: Option<DateRange>,
    count: u64,
    /// Rows are at or below it.
    bound: u64,
    cursor: u64,
    /// Rows read whose status waits for what settled them, newest first.
    waiting: Vec<LedgerEntry>,
    /// No entry is left to read (before the period, or none at all).
    read_all: bool,
    chunk: ExportChunk,
    /// The last row written.
    last: Option<EntryId>,
    done: bool,
}

impl ExportScan {
    /// The chunk `request` asks for over `ledger`'s entries up to its newest now. "All
    /// activity" starts at the first matching entry, which only the whole history tells.
    pub fn new(ledger: &Ledger, request: &ExportRequest, now: DateTime<Utc>) -> Result<Self> {
        request.check()?;
        let config = ledger.config();
        request.query.check_meter(config)?;
        if request.query.period == Some(Period::preset(PeriodPreset::AllActivity)) {
            ledger.require_history()?;
        }
        let count = ledger.count() as u64;
        let snapshot = request
            .snapshot
            .map_or(EntryId(count), |s| s.min(EntryId(count)));
        let bound = request
            .older_than
            .map_or(snapshot, |o| EntryId(o.0.saturating_sub(1)).min(snapshot));
        let first = request.older_than.is_none();
        let mut csv = String::new();
        if first {
            csv.push_str(CSV_HEADER);
            csv.push_str("\r\n");
        }
        Ok(ExportScan {
            config: config.clone(),
            attrs: LedgerFilter {
                statuses: Vec::new(),
                search: None,
                ..request.query.filter.clone()
            },
            matcher: Matcher::new(&request.query),
            range: request
                .query
                .period
                .map(|p| p.resolve_over(now, &config.calendar(), None)),
            count,
            bound: bound.0,
            cursor: bound.0 + 1,
            waiting: Vec::new(),
            read_all: false,
            chunk: ExportChunk {
                csv,
                rows: 0,
                snapshot,
                older_than: None,
                total: 0,
            },
            last: None,
            done: false,
            request: request.clone(),
        })
    }

    /// The first chunk, with the rows of the whole export (the listing's count): what the
    /// progress bar goes by.
    pub fn counting(mut self, total: u64) -> Self {
        if self.request.older_than.is_none() {
            self.chunk.total = total;
        }
        self
    }

    pub fn request(&self) -> &ExportRequest {
        &self.request
    }

    /// The newest entry it reads: what it looks up is at or below it.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// What the scan wants next: entries, or what settled the rows read (as many as the
    /// chunk may still take, and one more to tell whether another chunk follows).
    pub fn next(&self) -> ScanStep {
        if self.done {
            return ScanStep::Done;
        }
        match self.waiting.is_empty() {
            true => ScanStep::Below(self.cursor),
            false => ScanStep::Lookup(Wanted {
                settlers: self.asked().iter().map(|e| e.id.0).collect(),
                ..Wanted::default()
            }),
        }
    }

    /// The next entries below the cursor, newest first (none: there are no more).
    pub fn feed(&mut self, entries: &[LedgerEntry]) {
        if self.done || !self.waiting.is_empty() {
            return;
        }
        for e in entries.iter().filter(|e| e.id.0 <= self.bound) {
            if self.range.as_ref().is_some_and(|r| e.at < r.start) {
                self.read_all = true;
                break;
            }
            if self.is_row(e) {
                self.waiting.push(e.clone());
            }
        }
        match entries.last() {
            Some(e) if !self.read_all => self.cursor = e.id.0,
            _ => self.read_all = true,
        }
        self.done = self.read_all && self.waiting.is_empty();
    }

    /// What settled the rows asked about: each becomes a line if its job's status is wanted.
    pub fn lend(&mut self, found: Found) {
        let asked = self.asked().len();
        let mut settling = settlements_by_job(found.entries);
        let asked: Vec<LedgerEntry> = self.waiting.drain(..asked).collect();
        for root in asked {
            let settled = settling.remove(&root.id).unwrap_or_default();
            let row = settle(root, settled.iter());
            let statuses = &self.request.query.filter.statuses;
            if !(statuses.is_empty() || statuses.contains(&row.status)) {
                continue;
            }
            if self.chunk.rows == self.request.rows {
                // One more matches: the next chunk starts after the last line.
                self.chunk.older_than = self.last;
                self.done = true;
                break;
            }
            csv_line(&mut self.chunk.csv, &row, &self.config);
            self.chunk.rows += 1;
            self.last = Some(row.entry.id);
        }
        if self.done {
            self.waiting.clear();
        }
        self.done |= self.read_all && self.waiting.is_empty();
    }

    /// The chunk, once [`ExportScan::next`] says [`ScanStep::Done`].
    pub fn chunk(self) -> ExportChunk {
        self.chunk
    }

    /// The rows whose settlements the next lookup asks for.
    fn asked(&self) -> &[LedgerEntry] {
        let room = (self.request.rows - self.chunk.rows) as usize + 1;
        &self.waiting[..self.waiting.len().min(room)]
    }

    /// Whether `e` begins a row the export may show: in the period, the meter, the
    /// attributes, the kind and the text search (its status is its job's).
    fn is_row(&self, e: &LedgerEntry) -> bool {
        !e.settles()
            && self.range.as_ref().is_none_or(|r| e.at < r.end)
            && self
                .request
                .query
                .meter
                .as_ref()
                .is_none_or(|m| e.meter == *m)
            && self.attrs.matches_except_search(e)
            && self.matcher.search_hits(e)
    }
}

impl ExportRequest {
    /// Whether the chunk asked for can be made: between 1 and 100,000 rows, a listing's
    /// query.
    pub fn check(&self) -> Result<()> {
        if self.rows == 0 || self.rows > 100_000 {
            return Err(DomainError::InvalidQuery(format!(
                "an export chunk holds between 1 and 100000 rows, not {}",
                self.rows
            )));
        }
        self.query.check()
    }
}
