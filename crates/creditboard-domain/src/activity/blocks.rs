//! Per block of entries, what a listing counts: each meter's rows, usage and credits added,
//! and when the block's first and last entries were written. Kept with an account's snapshot
//! (about 50 bytes a meter for each thousand entries), they let a copy that holds only its
//! newest entries count and page a listing without the ones before: whole blocks from their
//! sums (a run of them from two running totals), the few entries at the edges read by id
//! (`partial.rs`).

use super::index::{BLOCK, Sums};
use crate::entry::LedgerEntry;
use crate::ids::MeterId;
use crate::ledger::Ledger;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct BlockSums {
    /// Entries per block.
    size: usize,
    /// Entries summed, by count (entries are append-only): the id of the newest.
    synced: usize,
    /// The meters, as when built: a change sums again.
    meters: Vec<MeterId>,
    /// Per block: its first and last entry's time, in milliseconds.
    times: Vec<(i64, i64)>,
    /// Per block, per meter (in `meters` order): rows, usage and credits added.
    sums: Vec<Sums>,
    /// Per block, per meter: what the blocks before it sum to, so a run of whole blocks
    /// sums in one subtraction (a page deep in ten thousand blocks is found by a binary
    /// search, not a walk). Made again from `sums`, never stored.
    #[serde(skip)]
    before: Vec<Sums>,
}

/// [`BlockSums`] as stored: all but what is made again from them.
#[derive(Deserialize)]
struct Stored {
    size: usize,
    synced: usize,
    meters: Vec<MeterId>,
    times: Vec<(i64, i64)>,
    sums: Vec<Sums>,
}

impl From<Stored> for BlockSums {
    fn from(s: Stored) -> Self {
        let mut blocks = BlockSums {
            size: s.size,
            synced: s.synced,
            meters: s.meters,
            times: s.times,
            sums: s.sums,
            before: Vec::new(),
        };
        blocks.sum_before();
        blocks
    }
}

/// The largest block a stored one may claim (a thousand times the one kept).
const MAX_BLOCK: usize = BLOCK * 1024;

impl Default for BlockSums {
    fn default() -> Self {
        BlockSums::with_block_size(BLOCK)
    }
}

impl BlockSums {
    /// Sums per `size` entries (the listing index's block, unless a test wants small ones).
    pub fn with_block_size(size: usize) -> Self {
        BlockSums {
            size: size.max(1),
            synced: 0,
            meters: Vec::new(),
            times: Vec::new(),
            sums: Vec::new(),
            before: Vec::new(),
        }
    }

    /// Brings the sums up to the ledger's entries. Sums that do not fit it (other meters, a
    /// ledger that shrank) are made again from the entries; a ledger opened without the
    /// entries before its held ones cannot, and its sums then hold nothing
    /// ([`BlockSums::answers`] is false).
    pub fn sync(&mut self, ledger: &Ledger) {
        let (base, count) = (ledger.base(), ledger.count());
        let meters = ledger.config().meter_ids();
        let fits = (base..=count).contains(&self.synced) && meters == self.meters;
        if !fits {
            *self = BlockSums::with_block_size(self.size);
            if base > 0 {
                return;
            }
            self.meters = meters;
        }
        for e in &ledger.entries()[self.synced - base..] {
            self.add(e);
        }
    }

    fn add(&mut self, e: &LedgerEntry) {
        let n = self.meters.len().max(1);
        let at = e.at.timestamp_millis();
        if self.synced.is_multiple_of(self.size) {
            self.times.push((at, at));
            self.begin_block(n);
        }
        let block = self.synced / self.size;
        self.times[block].1 = at;
        let meter = self.meters.iter().position(|m| *m == e.meter).unwrap_or(0);
        self.sums[block * n + meter.min(n - 1)].add(Sums::of(e));
        self.synced += 1;
    }

    /// Opens a block of sums, and its `before`: the last block's and what came before it.
    fn begin_block(&mut self, n: usize) {
        let last = self.sums.len().saturating_sub(n);
        for m in 0..n {
            let mut before = Sums::default();
            if let (Some(b), Some(s)) = (self.before.get(last + m), self.sums.get(last + m)) {
                before = *b;
                before.add(*s);
            }
            self.before.push(before);
        }
        self.sums.resize(self.sums.len() + n, Sums::default());
    }

    /// Makes `before` again from the sums (as read from a snapshot).
    fn sum_before(&mut self) {
        let n = self.meters.len().max(1);
        let mut running = vec![Sums::default(); n];
        self.before.clear();
        for block in self.sums.chunks(n) {
            self.before.extend_from_slice(&running);
            for (r, s) in running.iter_mut().zip(block) {
                r.add(*s);
            }
        }
    }

    /// Per meter, the sums of blocks `a..z`; only `meter`'s when one is given (by position).
    pub(super) fn range(&self, a: usize, z: usize, meter: Option<usize>) -> Vec<Sums> {
        let n = self.meters.len().max(1);
        let through = |b: usize, m: usize| match self.before.get(b * n + m) {
            Some(before) => *before,
            // Past the last block: everything.
            None => {
                let last = self.sums.len() - n;
                let mut all = self.before[last + m];
                all.add(self.sums[last + m]);
                all
            }
        };
        (0..n)
            .map(|m| match meter.is_none_or(|w| w == m) && a < z {
                true => through(z, m).less(through(a, m)),
                false => Sums::default(),
            })
            .collect()
    }

    /// How many entries they sum (the id of the newest).
    pub fn synced(&self) -> usize {
        self.synced
    }

    /// Whether they sum every entry of `ledger`.
    pub fn answers(&self, ledger: &Ledger) -> bool {
        self.synced == ledger.count()
            && self
                .meters
                .iter()
                .eq(ledger.config().meters.iter().map(|m| &m.id))
    }

    /// Whether stored sums hold together: a block of sums per meter for every block, times
    /// in order. Sums that do not are set aside (listings then need the history), not the
    /// snapshot they came with.
    pub fn is_sound(&self) -> bool {
        let blocks = self.synced.div_ceil(self.size.max(1));
        (1..=MAX_BLOCK).contains(&self.size)
            && self.times.len() == blocks
            && self.sums.len() == blocks * self.meters.len().max(1)
            && self.times.iter().all(|(first, last)| first <= last)
            && self.times.windows(2).all(|w| w[0].1 <= w[1].0)
    }

    /// The first id a period starting at `ms` can hold: the start of the first block whose
    /// last entry is that late (every entry before it is earlier). Sums that do not answer
    /// the ledger tell nothing: the first id.
    pub fn first_at(&self, ledger: &Ledger, ms: i64) -> u64 {
        if !self.answers(ledger) {
            return 1;
        }
        let block = self.times.partition_point(|&(_, last)| last < ms);
        (block * self.size) as u64 + 1
    }

    /// Entries per block.
    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// How many blocks there are (the last may be partly filled).
    pub(super) fn len(&self) -> usize {
        self.times.len()
    }

    /// Block `b`'s first and last entry's time, in milliseconds.
    pub(super) fn times(&self, b: usize) -> (i64, i64) {
        self.times[b]
    }

    /// Position of `meter` among the meters summed.
    pub(super) fn meter(&self, meter: &MeterId) -> Option<usize> {
        self.meters.iter().position(|m| m == meter)
    }
}
