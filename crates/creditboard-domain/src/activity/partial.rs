//! A listing from a ledger that holds only its newest entries (an account opened from its
//! snapshot), counted and paged by the [`BlockSums`] of every entry. It reads entries from
//! before the held ones only where block sums cannot answer: the blocks at the period's and
//! the snapshot's edges, the outlines (kind and meter) of the page's blocks to count its way
//! to the page, the page's own entries, and what settled each job shown. It names what it
//! wants a step at a time ([`DomainError::NotHeld`]: the edges, then the outlines, then the
//! rows and their settlements); the store lends it and asks again. The page is the one
//! [`super::activity_page`] makes from the whole ledger (a property test holds the two
//! equal). A listing filtered by more than a meter tests every entry of its period: the
//! store scans them for it ([`super::ListingScan`]).

use super::blocks::BlockSums;
use super::index::Sums;
use super::job::settle;
use super::listing::{Matcher, assemble, past_the_end};
use super::{ActivityPage, ActivityQuery, PageRequest};
use crate::entry::{EntryId, LedgerEntry, Outline};
use crate::error::{DomainError, Result, Wanted};
use crate::ids::MeterId;
use crate::ledger::Ledger;
use crate::period::{Period, PeriodPreset};
use crate::usage::LedgerFilter;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// Whether block sums answer `query` without the history: no filter but a meter (a blank
/// search is none).
pub fn without_history(query: &ActivityQuery) -> bool {
    Matcher::new(query).search.is_none()
        && LedgerFilter {
            search: None,
            ..query.filter.clone()
        }
        .is_empty()
}

/// One page of a listing [`without_history`] answers, `blocks` brought up to `ledger`
/// (anything else wants the whole history or a [`super::ListingScan`]).
pub fn partial_page(
    ledger: &Ledger,
    blocks: &BlockSums,
    req: &PageRequest,
    now: DateTime<Utc>,
) -> Result<ActivityPage> {
    req.check()?;
    let config = ledger.config();
    req.query.check_meter(config)?;
    if !without_history(&req.query) || !blocks.answers(ledger) {
        return Err(DomainError::NotHeld(Box::new(Wanted {
            history: true,
            ..Wanted::default()
        })));
    }
    let count = ledger.count();
    let mut r = Reader {
        ledger,
        blocks,
        meter: req.query.meter.as_ref(),
        count,
        missing: BTreeSet::new(),
        missing_outlines: BTreeSet::new(),
    };
    // Step one: where the period begins and ends, and the snapshot's block.
    let range = req.query.period.map(|p| {
        let activity = (p == Period::preset(PeriodPreset::AllActivity))
            .then(|| r.span())
            .flatten();
        p.resolve_over(now, &config.calendar(), activity)
    });
    let (lo, hi) = match &range {
        Some(range) => {
            let lo = r.position_at(range.start);
            (lo, r.position_at(range.end).max(lo))
        }
        None => (0, count),
    };
    let snapshot = req.snapshot.map_or(count as u64, |s| s.0.min(count as u64));
    let snap = (snapshot as usize).clamp(lo, hi);
    let block = blocks.size();
    if !snap.is_multiple_of(block) && snap < count {
        for p in (snap / block * block).max(lo)..snap {
            r.read(p);
        }
    }
    r.wants()?;
    let sums = r.sums(lo, snap);
    let newer = r.sums(snap, hi).iter().map(|s| s.rows).sum();
    // Step two: the blocks the page's rows are in, found by their counts.
    let first = u64::from(req.page - 1) * u64::from(req.size);
    let last = first + u64::from(req.size);
    let mut regions = Vec::new();
    let (mut at, mut rank) = (snap, 0u64);
    while at > lo && rank < last {
        // Whole blocks wholly before the page are passed over by their sums, at once.
        if at.is_multiple_of(block) && rank < first {
            let (to, rows) = r.skip_to(lo, at, first - rank);
            if to < at {
                rank += rows;
                at = to;
                continue;
            }
        }
        let start = ((at - 1) / block * block).max(lo);
        let rows = r.rows(start, at);
        if rows > 0 && rank + rows > first {
            regions.push((start, at, rank));
        }
        rank += rows;
        at = start;
    }
    // (Every count above came from sums or entries read in step one.)
    r.wants()?;
    // Counted by the entries' outlines (kind, meter: a store reads them from its columns).
    for &(start, end, _) in &regions {
        for p in start..end {
            r.outline(p);
        }
    }
    r.wants()?;
    let mut shown = Vec::new();
    for (start, end, mut rank) in regions {
        for p in (start..end).rev() {
            let Some(o) = r.outline(p).filter(|o| r.is_row(o)) else {
                continue;
            };
            if (first..last).contains(&rank) {
                shown.push(o.id);
            }
            rank += 1;
        }
    }
    // Step three: the rows' own entries, and what settled each.
    let ids: Vec<u64> = shown
        .iter()
        .filter(|id| ledger.entry(**id).is_none())
        .map(|id| id.0)
        .collect();
    let settlers_of: Vec<u64> = shown
        .iter()
        .filter(|id| !ledger.settlers_known(**id))
        .map(|id| id.0)
        .collect();
    if !ids.is_empty() || !settlers_of.is_empty() {
        return Err(DomainError::NotHeld(Box::new(Wanted {
            ids,
            settlers: settlers_of,
            ..Wanted::default()
        })));
    }
    let roots: Vec<&LedgerEntry> = shown.iter().filter_map(|id| ledger.entry(*id)).collect();
    let mut settling = settlers(ledger, &roots);
    let rows = roots
        .iter()
        .map(|e| {
            let by = settling.remove(&e.id).unwrap_or_default();
            settle((*e).clone(), by.into_iter())
        })
        .collect();
    let page = assemble(
        ledger.config(),
        range,
        rows,
        req,
        &sums,
        EntryId(snapshot),
        newer,
    )?;
    match past_the_end(&page, req) {
        Some(last) => partial_page(ledger, blocks, &last, now),
        None => Ok(page),
    }
}

/// The entries that settled each of `roots`, oldest first: one pass, in id order, over the
/// lent entries after the oldest root and the held ones (an entry settles a root directly,
/// or through another it reverses: a refund of a capture).
fn settlers<'a>(
    ledger: &'a Ledger,
    roots: &[&LedgerEntry],
) -> HashMap<EntryId, Vec<&'a LedgerEntry>> {
    let mut root_of: HashMap<EntryId, EntryId> = roots.iter().map(|e| (e.id, e.id)).collect();
    let mut by_root: HashMap<EntryId, Vec<&LedgerEntry>> = HashMap::new();
    let Some(oldest) = roots.iter().map(|e| e.id).min() else {
        return by_root;
    };
    let after = (oldest.0 as usize).saturating_sub(ledger.base());
    let held = ledger.entries().get(after..).unwrap_or_default();
    for e in ledger.lent_after(oldest).chain(held) {
        if let Some(of) = e.reverses.filter(|_| e.settles())
            && let Some(&root) = root_of.get(&of)
        {
            root_of.insert(e.id, root);
            by_root.entry(root).or_default().push(e);
        }
    }
    by_root
}

/// Entries by position, from what the ledger holds or was lent, noting the blocks it lacks.
struct Reader<'a> {
    ledger: &'a Ledger,
    blocks: &'a BlockSums,
    meter: Option<&'a MeterId>,
    count: usize,
    /// Blocks some entry of which was read but is neither held nor lent.
    missing: BTreeSet<usize>,
    /// Blocks some entry's outline of which was read but is not known.
    missing_outlines: BTreeSet<usize>,
}

impl<'a> Reader<'a> {
    fn read(&mut self, position: usize) -> Option<&'a LedgerEntry> {
        let e = self.ledger.entry(EntryId(position as u64 + 1));
        if e.is_none() {
            self.missing.insert(position / self.blocks.size());
        }
        e
    }

    /// The outline of the entry at `position`, noting its block if it is not known.
    fn outline(&mut self, position: usize) -> Option<Outline> {
        let o = self.ledger.outline(EntryId(position as u64 + 1));
        if o.is_none() {
            self.missing_outlines.insert(position / self.blocks.size());
        }
        o
    }

    /// The blocks read but lacking, whole, as what to look up.
    fn wants(&mut self) -> Result<()> {
        if self.missing.is_empty() && self.missing_outlines.is_empty() {
            return Ok(());
        }
        let (size, count) = (self.blocks.size(), self.count);
        let runs = |blocks: BTreeSet<usize>| -> Vec<(u64, u64)> {
            blocks
                .into_iter()
                .map(|b| {
                    let first = b * size;
                    (first as u64 + 1, (first + size).min(count) as u64)
                })
                .collect()
        };
        Err(DomainError::NotHeld(Box::new(Wanted {
            spans: runs(std::mem::take(&mut self.missing)),
            outlines: runs(std::mem::take(&mut self.missing_outlines)),
            ..Wanted::default()
        })))
    }

    /// Whether the entry `o` outlines is a row of the listing: it begins one, of the meter
    /// asked for.
    fn is_row(&self, o: &Outline) -> bool {
        !o.settles() && self.meter.is_none_or(|m| o.meter == *m)
    }

    /// Per meter, what positions `lo..hi` add: the whole blocks among them from their sums,
    /// the rest entry by entry.
    fn sums(&mut self, lo: usize, hi: usize) -> Vec<Sums> {
        let n = self.ledger.config().meters.len().max(1);
        let mut out = vec![Sums::default(); n];
        let block = self.blocks.size();
        // The blocks wholly inside: the last one whole once it ends at the newest entry.
        let a = lo.div_ceil(block);
        let z = match hi == self.count {
            true => self.blocks.len(),
            false => hi / block,
        };
        if a >= z {
            self.add_entries(lo, hi, &mut out);
            return out;
        }
        self.add_entries(lo, a * block, &mut out);
        let meter = self.meter.and_then(|m| self.blocks.meter(m));
        for (slot, s) in out.iter_mut().zip(self.blocks.range(a, z, meter)) {
            slot.add(s);
        }
        self.add_entries((z * block).min(hi), hi, &mut out);
        out
    }

    /// Adds what the entries at positions `lo..hi` of the meter asked for add.
    fn add_entries(&mut self, lo: usize, hi: usize, out: &mut [Sums]) {
        for p in lo..hi {
            if let Some(e) = self
                .read(p)
                .filter(|e| self.meter.is_none_or(|m| e.meter == *m))
            {
                let m = self.blocks.meter(&e.meter).unwrap_or(0);
                out[m.min(out.len() - 1)].add(Sums::of(e));
            }
        }
    }

    /// How far below the block boundary `at` whole blocks hold at most `room` rows: the
    /// lowest boundary, no lower than `lo`, with that few rows between it and `at`, and
    /// those rows.
    fn skip_to(&self, lo: usize, at: usize, room: u64) -> (usize, u64) {
        let block = self.blocks.size();
        let meter = self.meter.and_then(|m| self.blocks.meter(m));
        let rows = |b: usize| -> u64 {
            let sums = self.blocks.range(b, at / block, meter);
            sums.iter().map(|s| s.rows).sum()
        };
        // Fewer rows the higher the boundary: the lowest that fits, by halving.
        let (mut x, mut y) = (lo.div_ceil(block), at / block);
        while x < y {
            let mid = (x + y) / 2;
            match rows(mid) <= room {
                true => y = mid,
                false => x = mid + 1,
            }
        }
        (x * block, rows(x))
    }

    /// Rows in positions `lo..hi`.
    fn rows(&mut self, lo: usize, hi: usize) -> u64 {
        self.sums(lo, hi).iter().map(|s| s.rows).sum()
    }

    /// The first position written at or after `t` (entries are in time order): a block found
    /// by its times, read only when `t` falls inside it.
    fn position_at(&mut self, t: DateTime<Utc>) -> usize {
        let ms = t.timestamp_millis();
        let (mut a, mut z) = (0, self.blocks.len());
        while a < z {
            let mid = (a + z) / 2;
            if self.blocks.times(mid).1 < ms {
                a = mid + 1;
            } else {
                z = mid;
            }
        }
        // Times are kept to the millisecond: a block that ends in `t`'s millisecond may
        // be followed by one that begins in it, so the search goes on while it does.
        for b in a..self.blocks.len() {
            let start = b * self.blocks.size();
            if self.blocks.times(b).0 > ms {
                return start;
            }
            let end = (start + self.blocks.size()).min(self.count);
            for p in start..end {
                match self.read(p) {
                    Some(e) if e.at >= t => return p,
                    Some(_) => {}
                    None => return start,
                }
            }
        }
        self.count
    }

    /// When the first and the last entry were written (to the millisecond: days are all
    /// "all activity" takes from them).
    fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let last = self.blocks.times(self.blocks.len().checked_sub(1)?).1;
        let first = self.blocks.times(0).0;
        Some((
            DateTime::from_timestamp_millis(first)?,
            DateTime::from_timestamp_millis(last)?,
        ))
    }
}
