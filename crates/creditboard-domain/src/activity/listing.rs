//! One page of a listing, newest first, with the count of rows and what was used and added:
//! from the index's block sums where nothing is filtered, its posting lists where attributes
//! are, the entries only for a text search or a shown row.

use super::index::{ActivityIndex, BLOCK, Sums};
use super::job::job_row;
use super::{ActivityPage, ActivityQuery, ActivityRow, MeterTotal, PageRequest};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::Label;
use crate::ledger::Ledger;
use crate::period::DateRange;
use crate::usage::filter::{contains_folded, entries_in, range_of};
use chrono::{DateTime, Utc};

/// The listing's entries in time order: the period's slice of the ledger (entries are sorted
/// by time) and, when asked, one meter.
pub(super) fn candidates<'a>(
    ledger: &'a Ledger,
    query: &ActivityQuery,
    now: DateTime<Utc>,
) -> Result<(Option<DateRange>, &'a [LedgerEntry])> {
    let config = ledger.config();
    query.check_meter(config)?;
    let range = query
        .period
        .map(|p| range_of(ledger, p, &query.filter, now));
    let entries = match &range {
        Some(r) => entries_in(ledger.entries(), r),
        None => ledger.entries(),
    };
    Ok((range, entries))
}

/// A filter prepared once per listing: the search text lower-cased up front, not per entry.
#[derive(Debug, Clone)]
pub(super) struct Matcher {
    pub(super) search: Option<String>,
}

impl Matcher {
    pub(super) fn new(query: &ActivityQuery) -> Self {
        let search = query
            .filter
            .search
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        Matcher { search }
    }

    /// Whether the entry passes the text search (any entry does when there is none).
    pub(super) fn search_hits(&self, e: &LedgerEntry) -> bool {
        self.search.as_deref().is_none_or(|q| search_hit(e, q))
    }
}

/// Whether the (lower-case) search text is in the entry's description, feature or engine.
fn search_hit(e: &LedgerEntry, q: &str) -> bool {
    [
        e.usage.description.as_ref().map(Label::as_str),
        e.usage.feature.as_ref().map(|f| f.as_str()),
        e.usage.engine.as_ref().map(Label::as_str),
    ]
    .into_iter()
    .flatten()
    .any(|text| contains_folded(text, q))
}

/// One page of the listing, newest first (past the last page, the last page): its rows are
/// jobs and entries that stand alone;
/// its sums count every matching entry of the period (a refund on the day it was given). The
/// index is brought up to the ledger first.
pub fn activity_page(
    ledger: &Ledger,
    index: &mut ActivityIndex,
    req: &PageRequest,
    now: DateTime<Utc>,
) -> Result<ActivityPage> {
    req.check()?;
    index.sync(ledger);
    let (range, entries) = candidates(ledger, &req.query, now)?;
    let newest = ledger.entries().last().map_or(EntryId(0), |e| e.id);
    let snapshot = req.snapshot.map_or(newest, |s| s.min(newest));
    let skip = u64::from(req.page - 1) * u64::from(req.size);
    let mut sums = vec![Sums::default(); ledger.config().meters.len()];
    let mut newer = 0u64;
    let mut rows = Vec::with_capacity(req.size as usize);
    if let Some(compiled) = index.compile(&req.query) {
        let search = Matcher::new(&req.query).search;
        // The candidates are a contiguous run of the ledger, so are their index rows. Ids are
        // positions + 1: the entry itself is read only for a search or a shown row.
        let lo = entries.first().map_or(0, |e| (e.id.0 - 1) as usize);
        let hi = lo + entries.len();
        let snap = (snapshot.0 as usize).clamp(lo, hi);
        let all = ledger.entries();
        let index = &*index;
        let show = |i: usize, rows: &mut Vec<ActivityRow>| rows.push(job_row(index, all, i));
        let row_at = |i: usize| index.is_root(i) && compiled.matches(index, i);
        if compiled.meter_only() && search.is_none() {
            sums = index.sums(lo, snap, compiled.meter);
            newer = index
                .sums(snap, hi, compiled.meter)
                .iter()
                .map(|s| s.rows)
                .sum();
            // Back from the snapshot past `skip` matching rows, a whole block at a time
            // where its count allows.
            let (mut at, mut left) = (snap, skip);
            while left > 0 && at > lo {
                if at.is_multiple_of(BLOCK) && at - BLOCK >= lo {
                    let block: u64 = index
                        .sums(at - BLOCK, at, compiled.meter)
                        .iter()
                        .map(|s| s.rows)
                        .sum();
                    if block <= left {
                        left -= block;
                        at -= BLOCK;
                        continue;
                    }
                }
                at -= 1;
                left -= u64::from(row_at(at));
            }
            while rows.len() < req.size as usize && at > lo {
                at -= 1;
                if row_at(at) {
                    show(at, &mut rows);
                }
            }
        } else {
            let hit = |i: usize| {
                compiled.matches(index, i)
                    && search
                        .as_ref()
                        .is_none_or(|q| search_hit(&entries[i - lo], q))
            };
            let mut seen = 0u64;
            for i in index.positions(&compiled, lo, hi) {
                if !hit(i) {
                    continue;
                }
                let root = index.is_root(i);
                if i >= snap {
                    newer += u64::from(root);
                    continue;
                }
                if root {
                    if seen >= skip && rows.len() < req.size as usize {
                        show(i, &mut rows);
                    }
                    seen += 1;
                }
                if let Some(slot) = sums.get_mut(usize::from(index.meter[i])) {
                    slot.add(index.entry_sums(i));
                }
            }
        }
    }
    let page = assemble(ledger.config(), range, rows, req, &sums, snapshot, newer)?;
    match past_the_end(&page, req) {
        Some(last) => activity_page(ledger, index, &last, now),
        None => Ok(page),
    }
}

/// The page of `rows` with the totals of `sums` (per meter, in the account's order).
pub(super) fn assemble(
    config: &AccountConfig,
    range: Option<DateRange>,
    rows: Vec<ActivityRow>,
    req: &PageRequest,
    sums: &[Sums],
    snapshot: EntryId,
    newer: u64,
) -> Result<ActivityPage> {
    let amount = |sum: i128| i64::try_from(sum).map(Amount::minor);
    let totals = config
        .meters
        .iter()
        .zip(sums)
        .filter(|(_, s)| **s != Sums::default())
        .map(|(m, s)| {
            Ok(MeterTotal {
                meter: m.id.clone(),
                count: s.rows,
                used: amount(s.used).map_err(|_| DomainError::Overflow)?,
                added: amount(s.added).map_err(|_| DomainError::Overflow)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(ActivityPage {
        range,
        rows,
        page: req.page,
        size: req.size,
        total_count: sums.iter().map(|s| s.rows).sum(),
        totals,
        snapshot,
        newer,
    })
}

/// A page past the end (an old link, a listing that shrank) answers the last page, and says
/// so by its number: the request for it.
pub(super) fn past_the_end(page: &ActivityPage, req: &PageRequest) -> Option<PageRequest> {
    (page.rows.is_empty() && page.total_count > 0 && req.page > page.pages()).then(|| PageRequest {
        page: page.pages(),
        snapshot: Some(page.snapshot),
        ..req.clone()
    })
}
