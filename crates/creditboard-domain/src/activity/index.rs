//! The listing index: a compact, columnar copy of what listings filter on, with per-block
//! sums and per-value posting lists, and which job each entry belongs to, kept up with the
//! ledger.

use super::ActivityQuery;
use crate::entry::{EntryKind, EntryStatus, LedgerEntry, settles_another};
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
///
/// A capture, a release or a refund belongs to the job it settles (its root: the hold or the
/// charge); the job's kind and status are its root's, its status updated as it settles. Only
/// roots are rows; every entry counts in what was used and added.
#[derive(Debug, Default, Clone)]
pub struct ActivityIndex {
    len: usize,
    /// Per entry: what it used (net usage) and added, in minor units.
    pub(super) used: Vec<i64>,
    pub(super) added: Vec<i64>,
    /// Per entry: the position of its job's root (itself for a root).
    pub(super) root: Vec<u32>,
    /// Per root with any: the entries that settled it, oldest first.
    pub(super) settled_by: std::collections::HashMap<u32, Vec<u32>>,
    /// category, feature, engine, member, project, tier: codes, 0 is "none".
    attrs: [Vec<u32>; 6],
    pub(super) meter: Vec<u8>,
    kind: Vec<u8>,
    /// The job's status for a root (it changes as the job settles); the entry's otherwise.
    status: Vec<u8>,
    /// Per block, per meter: rows (roots), used and added.
    blocks: Vec<Sums>,
    /// Per attribute column, per code: the rows with it, ascending. Positions are `u32`
    /// (4 bytes a row and attribute); a ledger past that many rows scans instead.
    postings: [std::collections::HashMap<u32, Vec<u32>>; 6],
    codes: std::collections::HashMap<String, u32>,
    /// The meters, by position in the account.
    meters: Vec<MeterId>,
}

/// Whether `e` begins a row of the listing: everything but what settles an earlier entry.
pub(super) fn begins_row(e: &LedgerEntry) -> bool {
    !settles_another(e.kind, e.reverses.is_some())
}

/// Stored as `[rows, used, added]`.
impl serde::Serialize for Sums {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.rows, self.used, self.added).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Sums {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (rows, used, added) = <(u64, i128, i128)>::deserialize(d)?;
        Ok(Sums { rows, used, added })
    }
}

/// Rows per block of [`ActivityIndex`] sums.
pub(super) const BLOCK: usize = 1024;

/// Rows, usage and credits added over some entries of one meter.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sums {
    pub(super) rows: u64,
    pub(super) used: i128,
    pub(super) added: i128,
}

impl Sums {
    /// What one entry adds: a row if it begins one (a job, or an entry that stands alone),
    /// what it used and what it added.
    pub(super) fn of(e: &LedgerEntry) -> Sums {
        Sums {
            rows: u64::from(begins_row(e)),
            used: i128::from(e.net_usage().get()),
            added: i128::from(e.added().get()),
        }
    }

    pub(super) fn add(&mut self, other: Sums) {
        self.rows += other.rows;
        self.used += other.used;
        self.added += other.added;
    }

    /// What is left of these sums without `part` (a part of what they sum).
    pub(super) fn less(self, part: Sums) -> Sums {
        Sums {
            rows: self.rows - part.rows,
            used: self.used - part.used,
            added: self.added - part.added,
        }
    }
}

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
        let meters = ledger.config().meter_ids();
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
            let position = u32::try_from(self.len).unwrap_or(u32::MAX);
            let root = match e.reverses {
                Some(of) if e.settles() => {
                    let of = usize::try_from(of.0.saturating_sub(1)).unwrap_or(usize::MAX);
                    self.root.get(of).copied().unwrap_or(position)
                }
                _ => position,
            };
            let (used, added) = (e.net_usage().get(), e.added().get());
            if self.len.is_multiple_of(BLOCK) {
                self.blocks.resize(self.blocks.len() + n, Sums::default());
            }
            let block = (self.len / BLOCK) * n + meter.min(n - 1);
            self.blocks[block].add(Sums::of(e));
            self.used.push(used);
            self.added.push(added);
            self.root.push(root);
            self.meter.push(u8::try_from(meter).unwrap_or(u8::MAX));
            self.kind.push(kind_code(e.kind));
            self.status.push(status_code(e.status));
            if root != position {
                self.settled_by.entry(root).or_default().push(position);
                // A capture makes the job a success; a release ends it as the release says
                // (a capture's own release comes just before the capture); refunds leave it.
                let status = match e.kind {
                    EntryKind::HoldCapture => Some(EntryStatus::Success),
                    // A release, or a purchase's or top-up's payment: it says how it ended.
                    EntryKind::HoldRelease | EntryKind::Purchase | EntryKind::AutoTopUp => {
                        Some(e.status)
                    }
                    _ => None,
                };
                if let (Some(status), Some(slot)) = (status, self.status.get_mut(root as usize)) {
                    *slot = status_code(status);
                }
            }
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

    /// Per meter, the sums of entries `lo..hi` that match `meter` (any when `None`): whole
    /// blocks from their sums, the ends entry by entry.
    pub(super) fn sums(&self, lo: usize, hi: usize, meter: Option<u8>) -> Vec<Sums> {
        let n = self.meters.len().max(1);
        let mut out = vec![Sums::default(); n];
        let wanted = |m: usize| meter.is_none_or(|w| usize::from(w) == m);
        let add_rows = |from: usize, to: usize, out: &mut Vec<Sums>| {
            for i in from..to {
                let m = usize::from(self.meter[i]).min(n - 1);
                if wanted(m) {
                    out[m].add(self.entry_sums(i));
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
                    slot.add(self.blocks[b * n + m]);
                }
            }
        }
        add_rows(last_full * BLOCK, hi, &mut out);
        out
    }

    /// Whether entry `i` begins a row (a job, or an entry that stands alone).
    pub(super) fn is_root(&self, i: usize) -> bool {
        self.root[i] as usize == i
    }

    /// What entry `i` adds to a listing's sums.
    pub(super) fn entry_sums(&self, i: usize) -> Sums {
        Sums {
            rows: u64::from(self.is_root(i)),
            used: i128::from(self.used[i]),
            added: i128::from(self.added[i]),
        }
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

fn kind_code(k: EntryKind) -> u8 {
    EntryKind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u8
}

fn status_code(s: EntryStatus) -> u8 {
    EntryStatus::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
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

    /// Whether entry `i` matches: its job's kind and status, its own attributes (a settling
    /// entry carries its job's).
    pub(super) fn matches(&self, index: &ActivityIndex, i: usize) -> bool {
        let root = index.root[i] as usize;
        self.meter.is_none_or(|m| m == index.meter[i])
            && (self.kinds.is_empty() || self.kinds.contains(&index.kind[root]))
            && (self.statuses.is_empty() || self.statuses.contains(&index.status[root]))
            && self
                .attrs
                .iter()
                .zip(&index.attrs)
                .all(|(want, column)| want.is_empty() || want.contains(&column[i]))
    }
}
