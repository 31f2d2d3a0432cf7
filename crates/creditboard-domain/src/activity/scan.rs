//! A filtered listing (a member, a kind, a status, a text search) for a copy that holds only
//! its newest entries: block sums count only by meter, so the store reads the entries to it,
//! newest first, a chunk at a time, from the newest the copy holds down to the period's start.
//! The scan keeps the page being filled, what the matching entries sum to, and the
//! settlements read whose job is older (a capture, a release, a refund comes before the entry
//! it settles): memory is a chunk and a page however long the history, time grows with the
//! entries read. Settlements in the period whose job began before it are looked up by id at
//! the end, when a kind or a status (the job's) decides whether they count. "All activity"
//! first finds the newest and the oldest matching entry, from each end.
//!
//! The page is the one [`super::activity_page`] makes from the whole ledger (a property test
//! holds the two equal).

use super::index::Sums;
use super::job::settle;
use super::listing::{Matcher, assemble};
use super::scan_step::{ScanStep, settlements_by_job};
use super::{ActivityPage, ActivityRow, PageRequest};
use crate::config::AccountConfig;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{Result, Wanted};
use crate::ledger::{Found, Ledger};
use crate::period::{DateRange, Period, PeriodPreset};
use crate::usage::LedgerFilter;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// "All activity": the newest entry the filter matches, newest first.
    Newest,
    /// Then the oldest, oldest first.
    Oldest,
    /// The period's entries and every newer one (they settle its jobs), newest first.
    Listing,
    /// Settlements in the period whose job is older: the jobs and what settled them.
    Jobs,
    Done,
}

/// A filtered page under way: ask [`ListingScan::next`], answer it with
/// [`ListingScan::feed`] or [`ListingScan::lend`], until it says [`ScanStep::Done`].
#[derive(Debug, Clone)]
pub struct ListingScan {
    config: AccountConfig,
    request: PageRequest,
    now: DateTime<Utc>,
    /// Attributes the entry itself must carry (its meter aside): the kind and the status are
    /// the job's, the text search is `matcher`'s.
    attrs: LedgerFilter,
    matcher: Matcher,
    phase: Phase,
    /// The newest entry the copy held when the scan began: newer ones are another request's.
    count: u64,
    /// The listing's snapshot: matching rows after it are `newer`.
    snapshot: EntryId,
    range: Option<DateRange>,
    /// "All activity": the newest matching entry's time, once found.
    newest: Option<DateTime<Utc>>,
    /// Where the next chunk starts.
    cursor: u64,
    /// What an entry's stored text must contain to matter ([`ScanStep::Naming`]; none: every
    /// entry matters), and the first id the period can hold (a block's start).
    naming: Vec<String>,
    from: u64,
    /// Settling entries read, by the entry they settle, until that one is read.
    pending: HashMap<EntryId, Vec<LedgerEntry>>,
    /// After the period: jobs asked for by id, and those found, waiting for what settled them.
    asked: HashSet<u64>,
    jobs: HashMap<EntryId, (LedgerEntry, Vec<LedgerEntry>)>,
    sums: Vec<Sums>,
    newer: u64,
    /// Rows counted so far (newest first), those of the page asked for, and while short of it
    /// the last page's worth (the answer when the page is past the end).
    rank: u64,
    rows: Vec<ActivityRow>,
    last: VecDeque<ActivityRow>,
}

impl ListingScan {
    /// The scan for `request` over `ledger`'s entries up to its newest now (a copy opened
    /// from its snapshot needs none of the older ones for this).
    pub fn new(ledger: &Ledger, request: &PageRequest, now: DateTime<Utc>) -> Result<Self> {
        request.check()?;
        let config = ledger.config();
        request.query.check_meter(config)?;
        let count = ledger.count() as u64;
        let all_activity = request.query.period == Some(Period::preset(PeriodPreset::AllActivity));
        let mut scan = ListingScan {
            config: config.clone(),
            request: request.clone(),
            now,
            attrs: LedgerFilter {
                kinds: Vec::new(),
                statuses: Vec::new(),
                search: None,
                ..request.query.filter.clone()
            },
            matcher: Matcher::new(&request.query),
            phase: if all_activity {
                Phase::Newest
            } else {
                Phase::Listing
            },
            count,
            snapshot: request
                .snapshot
                .map_or(EntryId(count), |s| s.min(EntryId(count))),
            range: None,
            newest: None,
            cursor: count + 1,
            naming: naming(&request.query.filter),
            from: 1,
            pending: HashMap::new(),
            asked: HashSet::new(),
            jobs: HashMap::new(),
            sums: vec![Sums::default(); config.meters.len()],
            newer: 0,
            rank: 0,
            rows: Vec::new(),
            last: VecDeque::new(),
        };
        if !all_activity {
            scan.resolve(None);
        }
        Ok(scan)
    }

    /// The scan with the period known to start at entry `from` or later (the block sums'
    /// times tell): nothing older is read but the jobs of its settlements.
    pub fn starting_at(mut self, from: u64) -> Self {
        self.from = from.max(1);
        self
    }

    /// When the period starts, if the calendar alone tells ("all activity" starts at the
    /// first matching entry, a scan's own finding).
    pub fn period_start(&self) -> Option<DateTime<Utc>> {
        (self.phase == Phase::Listing)
            .then(|| self.range.as_ref().map(|r| r.start))
            .flatten()
    }

    /// The page it answers.
    pub fn request(&self) -> &PageRequest {
        &self.request
    }

    /// The newest entry it reads: what it looks up is at or below it.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// What the scan wants next.
    pub fn next(&self) -> ScanStep {
        match self.phase {
            Phase::Listing if !self.naming.is_empty() => ScanStep::Naming {
                below: self.cursor,
                from: self.from,
                any_of: self.naming.clone(),
            },
            Phase::Newest | Phase::Listing => ScanStep::Below(self.cursor),
            Phase::Oldest => ScanStep::Above(self.cursor),
            Phase::Jobs if !self.waiting().is_empty() => ScanStep::Lookup(Wanted {
                ids: self.waiting(),
                ..Wanted::default()
            }),
            Phase::Jobs => ScanStep::Lookup(Wanted {
                settlers: self.jobs.keys().map(|id| id.0).collect(),
                ..Wanted::default()
            }),
            Phase::Done => ScanStep::Done,
        }
    }

    /// The next entries, in the order [`ListingScan::next`] asked for (none: there are no
    /// more).
    pub fn feed(&mut self, entries: &[LedgerEntry]) {
        match self.phase {
            Phase::Newest => match entries.iter().find(|e| self.spans(e)) {
                Some(e) => {
                    self.newest = Some(e.at);
                    self.phase = Phase::Oldest;
                    self.cursor = 0;
                }
                None if entries.is_empty() => self.resolve(None),
                None => self.cursor = entries.last().map_or(0, |e| e.id.0),
            },
            Phase::Oldest => match (entries.iter().find(|e| self.spans(e)), self.newest) {
                (Some(e), Some(newest)) => self.resolve(Some((e.at, newest))),
                (None, Some(_)) if !entries.is_empty() => {
                    self.cursor = entries.last().map_or(0, |e| e.id.0);
                }
                _ => self.resolve(None),
            },
            Phase::Listing => {
                let count = self.count;
                for e in entries.iter().filter(|e| e.id.0 <= count) {
                    self.read(e);
                }
                let before = |e: &LedgerEntry| self.range.as_ref().is_some_and(|r| e.at < r.start);
                match entries.last() {
                    Some(e) if !before(e) => self.cursor = e.id.0,
                    _ => self.after_period(),
                }
            }
            Phase::Jobs | Phase::Done => {}
        }
    }

    /// What the store looked up for a [`ScanStep::Lookup`].
    pub fn lend(&mut self, found: Found) {
        if self.phase != Phase::Jobs {
            return;
        }
        let waiting = self.waiting();
        if !waiting.is_empty() {
            self.asked.extend(waiting.iter().copied());
            for e in found.entries {
                let Some(group) = self.pending.remove(&e.id) else {
                    continue;
                };
                match e.reverses {
                    // Itself a settlement (a refund of a capture): its job is older still.
                    Some(of) if e.settles() => match self.jobs.get_mut(&of) {
                        Some((_, settled)) => settled.extend(group),
                        None => self.pending.entry(of).or_default().extend(group),
                    },
                    _ => {
                        self.jobs.insert(e.id, (e, group));
                    }
                }
            }
            // A job the store does not have (it cannot be: entries are never deleted) decides
            // nothing.
            self.pending.retain(|id, _| !self.asked.contains(&id.0));
            if self.waiting().is_empty() && self.jobs.is_empty() {
                self.phase = Phase::Done;
            }
            return;
        }
        // What settled the jobs: each settlement in the period counts as its job says.
        let seen: Vec<LedgerEntry> = self.jobs.values().flat_map(|(_, g)| g.clone()).collect();
        let mut settling = settlements_by_job(found.entries.into_iter().chain(seen));
        for (id, (root, group)) in std::mem::take(&mut self.jobs) {
            let settled = settling.remove(&id).unwrap_or_default();
            let row = settle(root.clone(), settled.iter());
            let job = self.job_matches(&root, &row);
            for e in &group {
                self.count_entry(e, job);
            }
        }
        self.phase = Phase::Done;
    }

    /// The page, once [`ListingScan::next`] says [`ScanStep::Done`].
    pub fn page(self) -> Result<ActivityPage> {
        let size = u64::from(self.request.size.max(1));
        let mut request = self.request.clone();
        let mut rows = self.rows;
        let pages = self.rank.div_ceil(size);
        if rows.is_empty() && self.rank > 0 && u64::from(request.page) > pages {
            // Past the end: the last page, as the request for it would answer.
            request.page = u32::try_from(pages).unwrap_or(u32::MAX);
            request.snapshot = Some(self.snapshot);
            let on_it = (self.rank - (pages - 1) * size) as usize;
            let kept = self.last.len();
            rows = self.last.into_iter().skip(kept - on_it.min(kept)).collect();
        }
        assemble(
            &self.config,
            self.range,
            rows,
            &request,
            &self.sums,
            self.snapshot,
            self.newer,
        )
    }

    /// Whether `e` is one of the entries "all activity" spans: the filter's, every meter's
    /// (the whole ledger's listing decides the same way).
    fn spans(&self, e: &LedgerEntry) -> bool {
        e.id.0 <= self.count && self.request.query.filter.matches(e)
    }

    /// The period, once "all activity" knows its first and last matching entry; the listing
    /// starts at the newest entry.
    fn resolve(&mut self, activity: Option<(DateTime<Utc>, DateTime<Utc>)>) {
        self.range = self
            .request
            .query
            .period
            .map(|p| p.resolve_over(self.now, &self.config.calendar(), activity));
        self.phase = Phase::Listing;
        self.cursor = self.count + 1;
    }

    /// One entry of the listing phase: a settlement waits for its job; a job (or an entry
    /// that stands alone) is settled and counted with what settled it.
    fn read(&mut self, e: &LedgerEntry) {
        let mut settling = self.pending.remove(&e.id).unwrap_or_default();
        if let Some(of) = e.reverses.filter(|_| e.settles()) {
            settling.push(e.clone());
            self.pending.entry(of).or_default().extend(settling);
            return;
        }
        settling.sort_by_key(|s| s.id);
        let row = settle(e.clone(), settling.iter());
        let job = self.job_matches(e, &row);
        if job && self.in_period(e) && self.matches(e) {
            if e.id > self.snapshot {
                self.newer += 1;
            } else {
                self.add(e);
                self.show(row);
            }
        }
        for s in &settling {
            self.count_entry(s, job);
        }
    }

    /// Past the period's start: settlements in the period whose job began before it count
    /// as their job's kind and status say, looked up when the filter asks for either.
    fn after_period(&mut self) {
        let job_wide = !self.request.query.filter.kinds.is_empty()
            || !self.request.query.filter.statuses.is_empty();
        let pending = std::mem::take(&mut self.pending);
        for (of, group) in pending {
            if !group.iter().any(|e| self.in_period(e)) {
                continue;
            }
            if job_wide {
                self.pending.insert(of, group);
            } else {
                for e in &group {
                    self.count_entry(e, true);
                }
            }
        }
        self.phase = match self.pending.is_empty() {
            true => Phase::Done,
            false => Phase::Jobs,
        };
    }

    /// Jobs (or settlements between) still to look up by id.
    fn waiting(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .pending
            .keys()
            .map(|id| id.0)
            .filter(|id| !self.asked.contains(id))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The job's part of the filter: its kind and where it stands now.
    fn job_matches(&self, root: &LedgerEntry, row: &ActivityRow) -> bool {
        let f = &self.request.query.filter;
        (f.kinds.is_empty() || f.kinds.contains(&root.kind))
            && (f.statuses.is_empty() || f.statuses.contains(&row.status))
    }

    /// The entry's own part: its meter, its attributes, the text search.
    fn matches(&self, e: &LedgerEntry) -> bool {
        self.request
            .query
            .meter
            .as_ref()
            .is_none_or(|m| e.meter == *m)
            && self.attrs.matches_except_search(e)
            && self.matcher.search_hits(e)
    }

    fn in_period(&self, e: &LedgerEntry) -> bool {
        e.id.0 <= self.count
            && self
                .range
                .as_ref()
                .is_none_or(|r| r.start <= e.at && e.at < r.end)
    }

    /// A settlement's part of the sums (a row is counted with its job).
    fn count_entry(&mut self, e: &LedgerEntry, job: bool) {
        if job && self.in_period(e) && self.matches(e) && e.id <= self.snapshot {
            self.add(e);
        }
    }

    fn add(&mut self, e: &LedgerEntry) {
        let meters = &self.config.meters;
        let slot = meters.iter().position(|m| m.id == e.meter).unwrap_or(0);
        if let Some(sums) = self.sums.get_mut(slot) {
            sums.add(Sums::of(e));
        }
    }

    /// The next row, newest first: kept if on the page asked for, or while short of it among
    /// the last page's worth.
    fn show(&mut self, row: ActivityRow) {
        let size = u64::from(self.request.size);
        let skip = u64::from(self.request.page - 1) * size;
        if (skip..skip + size).contains(&self.rank) {
            self.rows.push(row);
        } else if self.rank < skip {
            if self.last.len() as u64 == size {
                self.last.pop_front();
            }
            self.last.push_back(row);
        }
        self.rank += 1;
    }
}

/// What a stored entry's text must contain for `filter` to match it or its job: one of the
/// values of its attribute with the fewest asked for, as serde_json writes it in the entry's
/// usage (`"member":"ann"`); none when no attribute is filtered.
fn naming(filter: &LedgerFilter) -> Vec<String> {
    fn quoted<T: serde::Serialize>(key: &str, values: &[T]) -> Vec<String> {
        values
            .iter()
            .filter_map(|v| serde_json::to_string(v).ok())
            .map(|v| format!("\"{key}\":{v}"))
            .collect()
    }
    [
        quoted("member", &filter.members),
        quoted("project", &filter.projects),
        quoted("category", &filter.categories),
        quoted("feature", &filter.features),
        quoted("engine", &filter.engines),
        quoted("tier", &filter.tiers),
    ]
    .into_iter()
    .filter(|values| !values.is_empty())
    .min_by_key(Vec::len)
    .unwrap_or_default()
}
