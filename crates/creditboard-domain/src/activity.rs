//! The credit-activity ledger as the Activity page and `GET /api/v1/ledger` show it: one
//! filtered page, newest first, with the count and sum of everything matching, and the CSV
//! export of the same set.
//!
//! A listing reads from a snapshot: the newest entry id when it began. Entries appended later
//! get higher ids, so they never shift a page: paging back and forth shows every matching row
//! exactly once however many entries arrive meanwhile (the page says how many are newer). The
//! cursor is that snapshot with a page number; the export walks the same set by id (a keyset),
//! chunk by chunk.

use crate::account::{AccountConfig, MeterUnit, Timezone};
use crate::aggregate::LedgerFilter;
use crate::amount::Amount;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::{Label, MeterId};
use crate::ledger::Ledger;
use crate::period::{DateRange, Period};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The page sizes the Activity page offers.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
/// The largest page an API client may ask for.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Rows per export chunk: small enough to report progress, large enough to be cheap.
pub const EXPORT_CHUNK_ROWS: u32 = 5000;

/// Which entries a listing shows. No period: the whole history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<MeterId>,
    #[serde(default)]
    pub filter: LedgerFilter,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageRequest {
    pub query: ActivityQuery,
    pub size: u32,
    /// 1-based.
    pub page: u32,
    /// The newest entry the listing includes; `None` starts a fresh listing at the newest now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<EntryId>,
}

impl PageRequest {
    pub fn check(&self) -> Result<()> {
        if self.size == 0 || self.size > MAX_PAGE_SIZE {
            return Err(DomainError::InvalidQuery(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                self.size
            )));
        }
        if self.page == 0 {
            return Err(DomainError::InvalidQuery(
                "pages are numbered from 1".into(),
            ));
        }
        Ok(())
    }
}

/// A row with what the entry alone does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityRow {
    pub entry: LedgerEntry,
    /// How much of this charge has been refunded (a failed job's refund): shown with it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: Amount,
    /// A hold whose job is still running.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// Count and sum of the matching entries of one meter (units differ between meters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterTotal {
    pub meter: MeterId,
    pub count: u64,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    /// The local days covered; `None` for the whole history.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub range: Option<DateRange>,
    pub rows: Vec<ActivityRow>,
    pub page: u32,
    pub size: u32,
    /// Matching entries up to the snapshot.
    pub total_count: u64,
    /// Per meter, in the account's meter order; meters without a match are left out.
    pub totals: Vec<MeterTotal>,
    /// Pass back to keep paging the same set.
    pub snapshot: EntryId,
    /// Matching entries that arrived after the snapshot.
    pub newer: u64,
}

impl ActivityPage {
    pub fn pages(&self) -> u32 {
        let size = u64::from(self.size.max(1));
        u32::try_from(self.total_count.div_ceil(size).max(1)).unwrap_or(u32::MAX)
    }
}

/// A compact copy of what listings filter on, by column (a few bytes per entry instead of the
/// entry's few hundred), so a filtered scan over a million entries reads only the columns
/// it tests. Rows line up with the ledger's entries by position; [`ActivityIndex::sync`]
/// appends the new ones (entries are append-only). Per block of [`BLOCK`] rows it keeps each
/// meter's count and sum, so a listing without filters (the common case, and the whole
/// history) counts and pages without scanning. Per attribute value it keeps the rows that
/// carry it (a posting list), so a listing filtered by a member, an engine or a category
/// visits only that value's rows in the period. Text search still reads the entries, only
/// for rows that pass every other condition.
#[derive(Debug, Default, Clone)]
pub struct ActivityIndex {
    len: usize,
    amount: Vec<i64>,
    /// category, feature, engine, member, project, tier: codes, 0 is "none".
    attrs: [Vec<u32>; 6],
    meter: Vec<u8>,
    kind: Vec<u8>,
    status: Vec<u8>,
    /// Per block, per meter: (rows, sum of amounts).
    blocks: Vec<(u64, i128)>,
    /// Per attribute column, per code: the rows with it, ascending. Positions are `u32`
    /// (4 bytes a row and attribute); a ledger past that many rows scans instead.
    postings: [std::collections::HashMap<u32, Vec<u32>>; 6],
    codes: std::collections::HashMap<String, u32>,
    /// The meters, by position in the account.
    meters: Vec<MeterId>,
}

/// Rows per block of [`ActivityIndex`] sums.
const BLOCK: usize = 1024;

impl ActivityIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Brings the index up to the ledger's entries (a ledger that shrank, as after a reset,
    /// is indexed again from the start).
    pub fn sync(&mut self, ledger: &Ledger) {
        let entries = ledger.entries();
        let meters: Vec<MeterId> = ledger
            .config()
            .meters
            .iter()
            .map(|m| m.id.clone())
            .collect();
        if entries.len() < self.len || meters != self.meters {
            *self = ActivityIndex {
                meters,
                ..ActivityIndex::default()
            };
        }
        let n = self.meters.len().max(1);
        for e in &entries[self.len..] {
            let u = &e.usage;
            let attrs = [
                self.code(u.category.as_ref().map(|v| v.as_str())),
                self.code(u.feature.as_ref().map(|v| v.as_str())),
                self.code(u.engine.as_ref().map(|v| v.as_str())),
                self.code(u.member.as_ref().map(|v| v.as_str())),
                self.code(u.project.as_ref().map(|v| v.as_str())),
                self.code(u.tier.as_ref().map(|v| v.as_str())),
            ];
            let row = u32::try_from(self.len).ok();
            for ((column, postings), code) in
                self.attrs.iter_mut().zip(&mut self.postings).zip(attrs)
            {
                column.push(code);
                if let (Some(row), true) = (row, code != 0) {
                    postings.entry(code).or_default().push(row);
                }
            }
            let meter = self.meters.iter().position(|m| *m == e.meter).unwrap_or(0);
            if self.len.is_multiple_of(BLOCK) {
                self.blocks.resize(self.blocks.len() + n, (0, 0));
            }
            let block = (self.len / BLOCK) * n + meter.min(n - 1);
            self.blocks[block].0 += 1;
            self.blocks[block].1 += i128::from(e.amount.get());
            self.amount.push(e.amount.get());
            self.meter.push(u8::try_from(meter).unwrap_or(u8::MAX));
            self.kind.push(kind_code(e.kind));
            self.status.push(status_code(e.status));
            self.len += 1;
        }
    }

    fn code(&mut self, value: Option<&str>) -> u32 {
        let Some(v) = value else { return 0 };
        if let Some(c) = self.codes.get(v) {
            return *c;
        }
        let c = u32::try_from(self.codes.len() + 1).unwrap_or(u32::MAX);
        self.codes.insert(v.to_string(), c);
        c
    }

    /// Per meter, (rows, sum) of rows `lo..hi` that match `meter` (any when `None`): whole
    /// blocks from their sums, the ends row by row.
    fn sums(&self, lo: usize, hi: usize, meter: Option<u8>) -> Vec<(u64, i128)> {
        let n = self.meters.len().max(1);
        let mut out = vec![(0u64, 0i128); n];
        let wanted = |m: usize| meter.is_none_or(|w| usize::from(w) == m);
        let add_rows = |from: usize, to: usize, out: &mut Vec<(u64, i128)>| {
            for i in from..to {
                let m = usize::from(self.meter[i]).min(n - 1);
                if wanted(m) {
                    out[m].0 += 1;
                    out[m].1 += i128::from(self.amount[i]);
                }
            }
        };
        let first_full = lo.div_ceil(BLOCK);
        let last_full = hi / BLOCK;
        if first_full >= last_full {
            add_rows(lo, hi, &mut out);
            return out;
        }
        add_rows(lo, first_full * BLOCK, &mut out);
        for b in first_full..last_full {
            for (m, slot) in out.iter_mut().enumerate() {
                if wanted(m) {
                    let (count, sum) = self.blocks[b * n + m];
                    slot.0 += count;
                    slot.1 += sum;
                }
            }
        }
        add_rows(last_full * BLOCK, hi, &mut out);
        out
    }

    /// The rows in `lo..hi`, newest first, that can match `compiled`: those of the filtered
    /// attribute with the fewest such rows (a merge of its values' posting lists), or every
    /// row when no attribute is filtered.
    fn positions<'a>(
        &'a self,
        compiled: &Compiled,
        lo: usize,
        hi: usize,
    ) -> Box<dyn Iterator<Item = usize> + 'a> {
        let whole = || Box::new((lo..hi).rev()) as Box<dyn Iterator<Item = usize>>;
        if u32::try_from(self.len).is_err() {
            return whole();
        }
        let runs = |column: usize, want: &[u32]| -> Vec<&'a [u32]> {
            want.iter()
                .filter_map(|code| self.postings[column].get(code))
                .map(|rows| {
                    let a = rows.partition_point(|&r| (r as usize) < lo);
                    let b = rows.partition_point(|&r| (r as usize) < hi);
                    &rows[a..b]
                })
                .collect()
        };
        let best = compiled
            .attrs
            .iter()
            .enumerate()
            .filter(|(_, want)| !want.is_empty())
            .map(|(column, want)| runs(column, want))
            .min_by_key(|runs| runs.iter().map(|r| r.len()).sum::<usize>());
        let Some(mut runs) = best else {
            return whole();
        };
        // A k-way merge from the back: k is the number of values asked for, a handful.
        Box::new(std::iter::from_fn(move || {
            let (k, _) = runs
                .iter()
                .enumerate()
                .filter_map(|(k, r)| r.last().map(|&row| (k, row)))
                .max_by_key(|&(_, row)| row)?;
            let (&row, rest) = runs[k].split_last()?;
            runs[k] = rest;
            Some(row as usize)
        }))
    }

    /// The filter in codes: `None` when it can match nothing (a value never seen).
    fn compile(&self, query: &ActivityQuery) -> Option<Compiled> {
        let f = &query.filter;
        let list = |values: Vec<&str>| -> Option<Vec<u32>> {
            if values.is_empty() {
                return Some(Vec::new());
            }
            let codes: Vec<u32> = values
                .iter()
                .filter_map(|v| self.codes.get(*v).copied())
                .collect();
            (!codes.is_empty()).then_some(codes)
        };
        let attrs = [
            list(f.categories.iter().map(|v| v.as_str()).collect())?,
            list(f.features.iter().map(|v| v.as_str()).collect())?,
            list(f.engines.iter().map(|v| v.as_str()).collect())?,
            list(f.members.iter().map(|v| v.as_str()).collect())?,
            list(f.projects.iter().map(|v| v.as_str()).collect())?,
            list(f.tiers.iter().map(|v| v.as_str()).collect())?,
        ];
        let meter = match &query.meter {
            Some(m) => Some(u8::try_from(self.meters.iter().position(|x| x == m)?).ok()?),
            None => None,
        };
        Some(Compiled {
            attrs,
            meter,
            kinds: f.kinds.iter().map(|k| kind_code(*k)).collect(),
            statuses: f.statuses.iter().map(|s| status_code(*s)).collect(),
        })
    }
}

fn kind_code(k: crate::entry::EntryKind) -> u8 {
    crate::entry::EntryKind::ALL
        .iter()
        .position(|x| *x == k)
        .unwrap_or(0) as u8
}

fn status_code(s: crate::entry::EntryStatus) -> u8 {
    crate::entry::EntryStatus::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(0) as u8
}

struct Compiled {
    attrs: [Vec<u32>; 6],
    meter: Option<u8>,
    kinds: Vec<u8>,
    statuses: Vec<u8>,
}

impl Compiled {
    /// Whether the filter asks for nothing beyond a meter (block sums answer it).
    fn meter_only(&self) -> bool {
        self.kinds.is_empty() && self.statuses.is_empty() && self.attrs.iter().all(Vec::is_empty)
    }

    fn matches(&self, index: &ActivityIndex, i: usize) -> bool {
        self.meter.is_none_or(|m| m == index.meter[i])
            && (self.kinds.is_empty() || self.kinds.contains(&index.kind[i]))
            && (self.statuses.is_empty() || self.statuses.contains(&index.status[i]))
            && self
                .attrs
                .iter()
                .zip(&index.attrs)
                .all(|(want, column)| want.is_empty() || want.contains(&column[i]))
    }
}

/// The listing's entries in time order: the period's slice of the ledger (entries are sorted
/// by time) and, when asked, one meter.
fn candidates<'a>(
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
        Some(r) => crate::aggregate::entries_in(ledger.entries(), r),
        None => ledger.entries(),
    };
    Ok((range, entries))
}

/// A filter prepared once per listing: the search text lower-cased up front, not per entry.
struct Matcher<'q> {
    query: &'q ActivityQuery,
    search: Option<String>,
}

impl<'q> Matcher<'q> {
    fn new(query: &'q ActivityQuery) -> Self {
        let search = query
            .filter
            .search
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        Matcher { query, search }
    }

    fn matches(&self, e: &LedgerEntry) -> bool {
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

/// Whether `text` contains `needle` (already lower-case), ignoring case; no allocation for
/// ASCII text, which is nearly all of it.
pub(crate) fn contains_folded(text: &str, needle: &str) -> bool {
    if text.is_ascii() && needle.is_ascii() {
        let (t, n) = (text.as_bytes(), needle.as_bytes());
        n.is_empty()
            || t.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
    } else {
        text.to_lowercase().contains(needle)
    }
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

/// The next piece of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportRequest {
    pub query: ActivityQuery,
    /// Fixed by the first chunk; later chunks pass it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<EntryId>,
    /// Continue with entries older than this one (the last id of the previous chunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than: Option<EntryId>,
    pub rows: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportChunk {
    /// CSV lines, each ending in CRLF; the first chunk starts with the header.
    pub csv: String,
    pub rows: u32,
    pub snapshot: EntryId,
    /// Where the next chunk starts; `None` when this was the last.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub older_than: Option<EntryId>,
    /// Rows in the whole export (for progress).
    pub total: u64,
}

/// The CSV header: one column per attribute, amounts in the meter's unit.
pub const CSV_HEADER: &str = "id,time,meter,unit,type,status,description,feature,category,engine,tier,member,project,quantity,quantity_unit,amount,balance_after,refunded,reverses";

/// One chunk of the CSV export of a listing, newest first like the table.
pub fn export_chunk(
    ledger: &Ledger,
    req: &ExportRequest,
    now: DateTime<Utc>,
) -> Result<ExportChunk> {
    if req.rows == 0 || req.rows > 100_000 {
        return Err(DomainError::InvalidQuery(format!(
            "an export chunk holds between 1 and 100000 rows, not {}",
            req.rows
        )));
    }
    let (_, entries) = candidates(ledger, &req.query, now)?;
    let newest = ledger.entries().last().map_or(EntryId(0), |e| e.id);
    let snapshot = req.snapshot.map_or(newest, |s| s.min(newest));
    let matcher = Matcher::new(&req.query);
    let config = ledger.config();
    // Ids grow with time, so the slice below the cursor is a binary search away.
    let bound = req
        .older_than
        .map_or(snapshot, |o| EntryId(o.0.saturating_sub(1)).min(snapshot));
    let end = entries.partition_point(|e| e.id <= bound);
    let first = req.older_than.is_none();
    let total = if first {
        entries[..end].iter().filter(|e| matcher.matches(e)).count() as u64
    } else {
        0
    };
    let mut csv = String::new();
    if first {
        csv.push_str(CSV_HEADER);
        csv.push_str("\r\n");
    }
    let (mut rows, mut last) = (0u32, None);
    let mut more = false;
    for e in entries[..end].iter().rev() {
        if !matcher.matches(e) {
            continue;
        }
        if rows == req.rows {
            more = true;
            break;
        }
        csv_line(&mut csv, e, ledger.refunded(e.id), config);
        rows += 1;
        last = Some(e.id);
    }
    Ok(ExportChunk {
        csv,
        rows,
        snapshot,
        older_than: if more { last } else { None },
        total,
    })
}

/// One entry as a CSV line. Times are ISO-8601 in the account's timezone, with its offset.
pub fn csv_line(out: &mut String, e: &LedgerEntry, refunded: Amount, config: &AccountConfig) {
    use std::fmt::Write;
    let meter = config.meters.iter().find(|m| m.id == e.meter);
    let decimals = meter.map_or(0, |m| m.decimals);
    let member = e.usage.member.as_ref().map(|id| {
        config
            .members
            .iter()
            .find(|m| m.id == *id)
            .map_or(id.as_str(), |m| m.name.as_str())
    });
    let project = e.usage.project.as_ref().map(|id| {
        config
            .projects
            .iter()
            .find(|p| p.id == *id)
            .map_or(id.as_str(), |p| p.name.as_str())
    });
    let (quantity, quantity_unit) = match e.usage.quantity {
        Some(q) => (q.amount.to_string(), q.unit.as_str().to_string()),
        None => (String::new(), String::new()),
    };
    let fields: [String; 19] = [
        e.id.0.to_string(),
        local_iso(e.at, config.timezone),
        e.meter.as_str().to_string(),
        meter
            .map(|m| unit_name(&m.unit).to_string())
            .unwrap_or_default(),
        e.kind.as_str().to_string(),
        e.status.as_str().to_string(),
        opt(e.usage.description.as_ref().map(Label::as_str)),
        opt(e.usage.feature.as_ref().map(|f| f.as_str())),
        opt(e.usage.category.as_ref().map(|c| c.as_str())),
        opt(e.usage.engine.as_ref().map(Label::as_str)),
        opt(e.usage.tier.as_ref().map(|t| t.as_str())),
        opt(member),
        opt(project),
        quantity,
        quantity_unit,
        e.amount.to_decimal(decimals),
        e.balance_after.to_decimal(decimals),
        if refunded.is_zero() {
            String::new()
        } else {
            refunded.to_decimal(decimals)
        },
        e.reverses.map(|r| r.0.to_string()).unwrap_or_default(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", CsvField(f));
    }
    out.push_str("\r\n");
}

fn is_zero(a: &Amount) -> bool {
    a.is_zero()
}

fn unit_name(unit: &MeterUnit) -> &str {
    match unit {
        MeterUnit::Credits => "credits",
        MeterUnit::Minutes => "minutes",
        MeterUnit::Currency { code } => code,
    }
}

fn opt(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

/// `2026-01-28T14:21:00-05:00`: the instant in the account's timezone.
pub fn local_iso(at: DateTime<Utc>, tz: Timezone) -> String {
    at.with_timezone(&tz.offset_at(at))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` in text is prefixed with `'` so a
/// spreadsheet does not run it as a formula. Numbers are written by us and never start so
/// except for a minus sign, which only amounts carry.
struct CsvField<'a>(&'a str);

impl std::fmt::Display for CsvField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        let numeric = s.parse::<f64>().is_ok();
        let formula = !numeric && s.starts_with(['=', '+', '-', '@']);
        let quote = formula || s.contains([',', '"', '\r', '\n']);
        if !quote {
            return f.write_str(s);
        }
        f.write_str("\"")?;
        if formula {
            f.write_str("'")?;
        }
        f.write_str(&s.replace('"', "\"\""))?;
        f.write_str("\"")
    }
}
