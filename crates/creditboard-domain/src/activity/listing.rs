//! One page of a listing, newest first, with the count and sum of everything matching: from
//! the index's block sums where nothing is filtered, its posting lists where attributes are,
//! the entries only for a text search or a shown row.

use super::index::{ActivityIndex, BLOCK};
use super::{ActivityPage, ActivityQuery, ActivityRow, MeterTotal, PageRequest};
use crate::amount::Amount;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::Label;
use crate::ledger::Ledger;
use crate::period::DateRange;
use crate::usage::filter::{contains_folded, entries_in};
use chrono::{DateTime, Utc};

/// The listing's entries in time order: the period's slice of the ledger (entries are sorted
/// by time) and, when asked, one meter.
pub(super) fn candidates<'a>(
    ledger: &'a Ledger,
    query: &ActivityQuery,
    now: DateTime<Utc>,
) -> Result<(Option<DateRange>, &'a [LedgerEntry])> {
    let config = ledger.config();
    if let Some(m) = &query.meter {
        config.meter(m)?;
    }
    let range = query
        .period
        .map(|p| p.resolve(now, config.timezone, config.freshness));
    let entries = match &range {
        Some(r) => entries_in(ledger.entries(), r),
        None => ledger.entries(),
    };
    Ok((range, entries))
}

/// A filter prepared once per listing: the search text lower-cased up front, not per entry.
pub(super) struct Matcher<'q> {
    query: &'q ActivityQuery,
    pub(super) search: Option<String>,
}

impl<'q> Matcher<'q> {
    pub(super) fn new(query: &'q ActivityQuery) -> Self {
        let search = query
            .filter
            .search
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        Matcher { query, search }
    }

    pub(super) fn matches(&self, e: &LedgerEntry) -> bool {
        self.query.meter.as_ref().is_none_or(|m| *m == e.meter)
            && self.query.filter.matches_except_search(e)
            && self.search.as_deref().is_none_or(|q| search_hit(e, q))
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

/// One page of the listing, newest first. `index` is brought up to the ledger first.
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
    let meters = &ledger.config().meters;
    // Sums in i128: each amount fits an i64, many of them might not.
    let mut sums = vec![(0u64, 0i128); meters.len()];
    let (mut total, mut newer) = (0u64, 0u64);
    let mut rows = Vec::with_capacity(req.size as usize);
    if let Some(compiled) = index.compile(&req.query) {
        let search = Matcher::new(&req.query).search;
        // The candidates are a contiguous run of the ledger, so are their index rows. Ids are
        // positions + 1: the entry itself is read only for a search or a shown row.
        let lo = entries.first().map_or(0, |e| (e.id.0 - 1) as usize);
        let hi = lo + entries.len();
        let snap = (snapshot.0 as usize).clamp(lo, hi);
        let show = |i: usize, rows: &mut Vec<ActivityRow>| {
            let e = &entries[i - lo];
            rows.push(ActivityRow {
                entry: e.clone(),
                refunded: ledger.refunded(e.id),
                pending: ledger.is_pending_hold(e.id),
            });
        };
        if compiled.meter_only() && search.is_none() {
            sums = index.sums(lo, snap, compiled.meter);
            total = sums.iter().map(|s| s.0).sum();
            newer = index
                .sums(snap, hi, compiled.meter)
                .iter()
                .map(|s| s.0)
                .sum();
            // Back from the snapshot past `skip` matching rows, a whole block at a time
            // where its count allows.
            let (mut at, mut left) = (snap, skip);
            while left > 0 && at > lo {
                if at.is_multiple_of(BLOCK) && at - BLOCK >= lo {
                    let block: u64 = index
                        .sums(at - BLOCK, at, compiled.meter)
                        .iter()
                        .map(|s| s.0)
                        .sum();
                    if block <= left {
                        left -= block;
                        at -= BLOCK;
                        continue;
                    }
                }
                at -= 1;
                left -= u64::from(compiled.matches(index, at));
            }
            while rows.len() < req.size as usize && at > lo {
                at -= 1;
                if compiled.matches(index, at) {
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
            for i in index.positions(&compiled, lo, hi) {
                if !hit(i) {
                    continue;
                }
                if i >= snap {
                    newer += 1;
                    continue;
                }
                if total >= skip && rows.len() < req.size as usize {
                    show(i, &mut rows);
                }
                total += 1;
                if let Some(slot) = sums.get_mut(usize::from(index.meter[i])) {
                    slot.0 += 1;
                    slot.1 += i128::from(index.amount[i]);
                }
            }
        }
    }
    let totals = meters
        .iter()
        .zip(sums)
        .filter(|(_, (count, _))| *count > 0)
        .map(|(m, (count, sum))| {
            Ok(MeterTotal {
                meter: m.id.clone(),
                count,
                amount: Amount::minor(i64::try_from(sum).map_err(|_| DomainError::Overflow)?),
            })
        })
        .collect::<Result<_>>()?;
    Ok(ActivityPage {
        range,
        rows,
        page: req.page,
        size: req.size,
        total_count: total,
        totals,
        snapshot,
        newer,
    })
}
