//! Per block of entries, what a listing counts: each meter's rows, usage and credits added,
//! and when the block's first and last entries were written. Kept with an account's snapshot
//! (about 50 bytes a meter for each thousand entries), they let a copy that holds only its
//! newest entries count and page a listing without the ones before: whole blocks from their
//! sums, the few entries at the edges read by id (`partial.rs`).

use super::index::{BLOCK, Sums};
use crate::entry::LedgerEntry;
use crate::ids::MeterId;
use crate::ledger::Ledger;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
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
            self.sums.resize(self.sums.len() + n, Sums::default());
        }
        let block = self.synced / self.size;
        self.times[block].1 = at;
        let meter = self.meters.iter().position(|m| *m == e.meter).unwrap_or(0);
        self.sums[block * n + meter.min(n - 1)].add(Sums::of(e));
        self.synced += 1;
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

    /// Block `b`'s sums, per meter; only `meter`'s when one is given (by position).
    pub(super) fn block(
        &self,
        b: usize,
        meter: Option<usize>,
    ) -> impl Iterator<Item = (usize, Sums)> {
        let n = self.meters.len().max(1);
        self.sums[b * n..(b + 1) * n]
            .iter()
            .copied()
            .enumerate()
            .filter(move |(m, _)| meter.is_none_or(|w| w == *m))
    }

    /// Position of `meter` among the meters summed.
    pub(super) fn meter(&self, meter: &MeterId) -> Option<usize> {
        self.meters.iter().position(|m| m == meter)
    }
}
