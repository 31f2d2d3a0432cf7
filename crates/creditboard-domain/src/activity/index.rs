//! The listing index: a compact, columnar copy of what listings filter on, with per-block
//! sums and per-value posting lists, kept up with the ledger.

use super::ActivityQuery;
use crate::ids::MeterId;
use crate::ledger::Ledger;

/// A compact copy of what listings filter on, by column (a few bytes per entry instead of the
/// entry's few hundred), so a filtered scan over a million entries reads only the columns
/// it tests. Rows line up with the ledger's entries by position; [`ActivityIndex::sync`]
/// appends the new ones (entries are append-only). Per block of `BLOCK` rows it keeps each
/// meter's count and sum, so a listing without filters (the common case, and the whole
/// history) counts and pages without scanning. Per attribute value it keeps the rows that
/// carry it (a posting list), so a listing filtered by a member, an engine or a category
/// visits only that value's rows in the period. Text search still reads the entries, only
/// for rows that pass every other condition.
#[derive(Debug, Default, Clone)]
pub struct ActivityIndex {
    len: usize,
    pub(super) amount: Vec<i64>,
    /// category, feature, engine, member, project, tier: codes, 0 is "none".
    attrs: [Vec<u32>; 6],
    pub(super) meter: Vec<u8>,
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
pub(super) const BLOCK: usize = 1024;

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
    pub(super) fn sums(&self, lo: usize, hi: usize, meter: Option<u8>) -> Vec<(u64, i128)> {
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
    pub(super) fn positions<'a>(
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
    pub(super) fn compile(&self, query: &ActivityQuery) -> Option<Compiled> {
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

pub(super) struct Compiled {
    attrs: [Vec<u32>; 6],
    pub(super) meter: Option<u8>,
    kinds: Vec<u8>,
    statuses: Vec<u8>,
}

impl Compiled {
    /// Whether the filter asks for nothing beyond a meter (block sums answer it).
    pub(super) fn meter_only(&self) -> bool {
        self.kinds.is_empty() && self.statuses.is_empty() && self.attrs.iter().all(Vec::is_empty)
    }

    pub(super) fn matches(&self, index: &ActivityIndex, i: usize) -> bool {
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
