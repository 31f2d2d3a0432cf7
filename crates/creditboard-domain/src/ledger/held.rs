//! The part of its history a ledger holds. A ledger resumed from a snapshot
//! ([`Ledger::resume_tail`]) holds only the entries after it; what an operation needs from
//! before (the entry a refund reverses, a hold's own entry, what an operation key wrote
//! first) the store looks up and lends it, so the domain stays free of I/O: the ledger
//! answers [`DomainError::NotHeld`] naming what it wants, the store finds it
//! ([`Wanted`] → [`Found`]) and asks again. [`Wanted::for_operations`] names all of a
//! batch's wants at once, so a batch costs one lookup rather than one per operation.

use super::Ledger;
use super::payments::{failed_key, paid_key};
use crate::entry::{EntryId, LedgerEntry, Operation, Outline};
use crate::error::{DomainError, Result, Wanted};
use std::collections::{BTreeMap, HashSet, VecDeque};

impl Wanted {
    /// The entry keys to look up: each operation key itself, and the keys of the entries
    /// that would settle each payment. (A key that was found also needs the entries derived
    /// from it, `<key>#…`.)
    pub fn entry_keys(&self) -> Vec<String> {
        let settling = self.settlements.iter().flat_map(|&id| {
            [paid_key(EntryId(id)), failed_key(EntryId(id))].map(|k| k.as_str().to_string())
        });
        self.keys.iter().cloned().chain(settling).collect()
    }

    fn key(key: &str) -> Self {
        Wanted {
            keys: vec![key.to_string()],
            ..Wanted::default()
        }
    }

    fn id(id: EntryId) -> Self {
        Wanted::entries([id])
    }

    /// Entries by id, each named once, in order.
    pub(super) fn entries(ids: impl IntoIterator<Item = EntryId>) -> Self {
        let mut ids: Vec<u64> = ids.into_iter().map(|id| id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        Wanted {
            ids,
            ..Wanted::default()
        }
    }

    /// Everything `ops` may need from before the entries `ledger` holds.
    pub fn for_operations<'a>(
        ledger: &Ledger,
        ops: impl IntoIterator<Item = &'a Operation>,
    ) -> Wanted {
        let mut wanted = Wanted::default();
        if ledger.base == 0 {
            return wanted;
        }
        for op in ops {
            let key = op.key().as_str();
            if ledger.needs_key(key) {
                wanted.keys.push(key.to_string());
            }
            if let Some(id) = op.refers_to()
                && ledger.needs_id(id)
            {
                wanted.ids.push(id.0);
            }
        }
        wanted.keys.sort_unstable();
        wanted.keys.dedup();
        wanted.ids.sort_unstable();
        wanted.ids.dedup();
        wanted
    }
}

/// What the store found for a [`Wanted`]: the entries it names (those that exist), and which
/// keys and settlements were looked up, found or not.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub entries: Vec<LedgerEntry>,
    pub keys: Vec<String>,
    pub settlements: Vec<u64>,
    /// Jobs whose reversing entries were looked up (those before the held ones are lent).
    pub settled: Vec<u64>,
    /// Runs of entries by id that were read whole.
    pub spans: Vec<(u64, u64)>,
    /// The outlines of the runs `Wanted::outlines` names, and those runs.
    pub outlines: Vec<Outline>,
    pub outline_spans: Vec<(u64, u64)>,
}

/// How many entries of the runs lent whole (and how many outlines) a ledger keeps between
/// requests: a listing paging back and forth reads the same few blocks again.
const KEPT: u64 = 8 * 1024;

/// Entries from before the held ones that the store lent, and what it looked up.
#[derive(Debug, Clone, Default)]
pub(super) struct Lent {
    entries: BTreeMap<EntryId, LedgerEntry>,
    /// Operation keys looked up: those not in the key index wrote nothing.
    keys: HashSet<String>,
    /// Payments whose settlement was looked up: lent if there was one.
    settlements: HashSet<u64>,
    /// Jobs whose reversing entries were looked up: lent, those before the held ones.
    settled: HashSet<u64>,
    /// Runs lent whole, the newest last: the newest, up to [`KEPT`] entries, outlive a
    /// request.
    spans: VecDeque<(u64, u64)>,
    /// Outlines lent, by id, and their runs; the newest, up to [`KEPT`], outlive a request.
    outlines: BTreeMap<u64, Outline>,
    outline_spans: VecDeque<(u64, u64)>,
    /// Something was lent since what was kept was last chosen (a request that found all it
    /// needed kept leaves it as it is, without going through it again).
    fresh: bool,
}

/// Adds `span` as the newest run, then drops the oldest runs past [`KEPT`] entries (the
/// newest is kept whatever its length).
fn keep(runs: &mut VecDeque<(u64, u64)>, span: (u64, u64)) {
    runs.retain(|s| *s != span);
    runs.push_back(span);
    let mut total = 0;
    let newest = runs
        .iter()
        .rev()
        .take_while(|(a, z)| {
            total += z.saturating_sub(*a) + 1;
            total <= KEPT
        })
        .count()
        .max(1);
    runs.drain(..runs.len() - newest);
}

impl Ledger {
    /// Refuses, naming what to look up, while `ops` may need anything from before the held
    /// entries: an operation run over several steps asks first, so it never stops half-way.
    pub fn require<'a>(&self, ops: impl IntoIterator<Item = &'a Operation>) -> Result<()> {
        let wanted = Wanted::for_operations(self, ops);
        match wanted.is_empty() {
            true => Ok(()),
            false => Err(DomainError::NotHeld(Box::new(wanted))),
        }
    }

    /// Refuses while the entries before the held ones are not held: what reads them all
    /// (listings, summaries, forecasts) asks for the whole history.
    pub fn require_history(&self) -> Result<()> {
        match self.base {
            0 => Ok(()),
            _ => Err(DomainError::NotHeld(Box::new(Wanted {
                history: true,
                ..Wanted::default()
            }))),
        }
    }

    /// What entries stored after the held ones (another process's, to catch up with) need
    /// from before them: what they reverse.
    pub fn wanted_before(&self, entries: &[LedgerEntry]) -> Wanted {
        Wanted::entries(
            entries
                .iter()
                .filter_map(|e| e.reverses)
                .filter(|id| self.needs_id(*id)),
        )
    }

    /// How many entries the ledger has, held or not: the newest entry's id.
    pub fn count(&self) -> usize {
        self.base + self.entries.len()
    }

    /// How many of the oldest entries are not held (0 for a ledger replayed whole).
    pub fn base(&self) -> usize {
        self.base
    }

    /// The entry at `position` (its id minus one), held or lent.
    pub(super) fn at_position(&self, position: usize) -> Option<&LedgerEntry> {
        match position.checked_sub(self.base) {
            Some(i) => self.entries.get(i),
            None => self.lent.entries.get(&EntryId(position as u64 + 1)),
        }
    }

    /// Entry `id`, or what to look up when it is neither held nor lent; `None` when there is
    /// no such entry.
    pub fn reach(&self, id: EntryId) -> Result<Option<&LedgerEntry>> {
        if self.needs_id(id) {
            return Err(DomainError::NotHeld(Box::new(Wanted::id(id))));
        }
        Ok(self.entry(id))
    }

    fn needs_id(&self, id: EntryId) -> bool {
        id.0 >= 1 && id.0 <= self.base as u64 && !self.lent.entries.contains_key(&id)
    }

    /// Whether whether `key` wrote anything is unknown here: it is not in the index, and
    /// entries it could have written are not held.
    fn needs_key(&self, key: &str) -> bool {
        self.base > 0 && !self.lent.keys.contains(key) && self.indexed(key).is_none()
    }

    /// The first entry an operation key wrote, or what to look up.
    pub(super) fn lookup(&self, key: &str) -> Result<Option<usize>> {
        if self.needs_key(key) {
            return Err(DomainError::NotHeld(Box::new(Wanted::key(key))));
        }
        Ok(self.indexed(key))
    }

    /// The settlement of payment `id` may be before the held entries: what to look up.
    pub(super) fn needs_settlement(&self, id: EntryId) -> Result<()> {
        let before = id.0 <= self.base as u64 && !self.lent.settlements.contains(&id.0);
        match before {
            true => Err(DomainError::NotHeld(Box::new(Wanted {
                settlements: vec![id.0],
                ..Wanted::default()
            }))),
            false => Ok(()),
        }
    }

    /// Whether the entries reversing job `id` are known: it is held (so are they), or they
    /// were looked up.
    pub(crate) fn settlers_known(&self, id: EntryId) -> bool {
        id.0 > self.base as u64 || self.lent.settled.contains(&id.0)
    }

    /// The outline of entry `id`: from the entry if it is held or lent, else as lent.
    pub(crate) fn outline(&self, id: EntryId) -> Option<Outline> {
        match self.entry(id) {
            Some(e) => Some(Outline::of(e)),
            None => self.lent.outlines.get(&id.0).cloned(),
        }
    }

    /// Lent entries after `id`, in id order (what settles it is among them, or held).
    pub(crate) fn lent_after(&self, id: EntryId) -> impl Iterator<Item = &LedgerEntry> {
        self.lent.entries.range(EntryId(id.0 + 1)..).map(|(_, e)| e)
    }

    /// Takes what the store found. Entries must be from before the held ones. The entries of
    /// a key looked up are indexed as the ledger's own would be; an entry lent by id is not
    /// (its operation's other entries were not looked up, so a repeat of it must be).
    pub fn lend(&mut self, found: Found) -> Result<()> {
        self.lent.fresh = true;
        let looked_up: HashSet<&str> = found.keys.iter().map(String::as_str).collect();
        for mut e in found.entries {
            if e.id.0 == 0 || e.id.0 > self.base as u64 {
                return Err(DomainError::CorruptLedger(format!(
                    "entry {} was lent, but the ledger holds the entries after {}",
                    e.id, self.base
                )));
            }
            e.usage.intern(&mut self.interner);
            let position = (e.id.0 - 1) as usize;
            let op = e
                .key
                .operation_key()
                .filter(|k| looked_up.contains(k))
                .map(str::to_owned);
            self.lent.entries.insert(e.id, e);
            if let Some(op) = op {
                // The first entry of a key is the one the index keeps.
                match self.indexed(&op) {
                    Some(p) if p <= position => {}
                    Some(_) => self.reindex_key(&op, position),
                    None => self.index_new_key(&op, position),
                }
            }
        }
        drop(looked_up);
        self.lent.keys.extend(found.keys);
        self.lent.settlements.extend(found.settlements);
        self.lent.settled.extend(found.settled);
        for span in found.spans {
            keep(&mut self.lent.spans, span);
        }
        for span in found.outline_spans {
            keep(&mut self.lent.outline_spans, span);
        }
        for o in found.outlines {
            if o.id.0 == 0 || o.id.0 > self.base as u64 {
                return Err(DomainError::CorruptLedger(format!(
                    "the outline of entry {} was lent, but the ledger holds the entries after {}",
                    o.id, self.base
                )));
            }
            self.lent.outlines.insert(o.id.0, o);
        }
        Ok(())
    }

    /// Forgets what was lent, but for the entries of holds and payments still pending, the
    /// newest runs read whole (up to [`KEPT`] entries and outlines) and up to [`KEPT`]
    /// entries lent one by one: a store lends for one request at a time, so memory stays
    /// that of the held entries and a few blocks.
    pub fn forget_lent(&mut self) {
        if self.base == 0 || !self.lent.fresh {
            return;
        }
        // No lent key stays indexed, a kept entry's included: its operation's other entries
        // go, so a repeat of it is looked up whole again.
        let lent_keys: Vec<(String, usize)> = self
            .lent
            .entries
            .values()
            .filter_map(|e| Some((e.key.operation_key()?.to_string(), (e.id.0 - 1) as usize)))
            .collect();
        for (key, position) in lent_keys {
            self.unindex_key(&key, position);
        }
        let mut entries = std::mem::take(&mut self.lent.entries);
        let spans = std::mem::take(&mut self.lent.spans);
        let in_runs = |id: &EntryId| {
            self.holds.contains_key(id)
                || self.payments.contains_key(id)
                || spans.iter().any(|(a, z)| (*a..=*z).contains(&id.0))
        };
        // The rest was lent one by one: the rows of the pages shown lately and what settled
        // them. They stay too while they are few (they pile up across requests, so past
        // `KEPT` they all go), and so does which jobs' settlements are known: the first page
        // of a listing, asked again and again, then reads nothing again.
        let picked = entries.keys().filter(|id| !in_runs(id)).count();
        let keep_picked = picked as u64 <= KEPT;
        entries.retain(|id, _| keep_picked || in_runs(id));
        let settled = match keep_picked {
            true => std::mem::take(&mut self.lent.settled),
            false => HashSet::new(),
        };
        let mut outlines = std::mem::take(&mut self.lent.outlines);
        let outline_spans = std::mem::take(&mut self.lent.outline_spans);
        outlines.retain(|id, _| outline_spans.iter().any(|(a, z)| (*a..=*z).contains(id)));
        self.lent = Lent {
            entries,
            settled,
            spans,
            outlines,
            outline_spans,
            ..Lent::default()
        };
    }

    /// What was lent, to lend again to a ledger rebuilt from the same snapshot.
    pub(super) fn lent_again(&self) -> Found {
        Found {
            entries: self.lent.entries.values().cloned().collect(),
            keys: self.lent.keys.iter().cloned().collect(),
            settlements: self.lent.settlements.iter().copied().collect(),
            settled: self.lent.settled.iter().copied().collect(),
            spans: self.lent.spans.iter().copied().collect(),
            outlines: self.lent.outlines.values().cloned().collect(),
            outline_spans: self.lent.outline_spans.iter().copied().collect(),
        }
    }
}
