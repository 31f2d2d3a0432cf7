//! A ledger's state without its history: what replaying its entries up to one of them
//! leaves behind (buckets and balances, pending holds and payments, refunds so far, members'
//! monthly spend). It is what a store keeps beside the entries so that an account can be
//! opened without its whole history.
//!
//! The state is a pure function of the entries and the configuration, so a snapshot stays
//! true for as long as the entries before it do; [`Ledger::resume`] checks it against them
//! (the count, and each meter's balance after its last entry) and refuses one that does not
//! fit, and the store then replays from the start. Resuming still takes every entry, since a
//! ledger holds its history (the idempotency index, refunds and listings read it), and taking
//! one costs about what checking it does: opening pays off only once the entries before the
//! snapshot stay in the database (docs/scaling.md).

use super::book::MeterBook;
use super::caps::MonthSpend;
use super::payments::PendingPayment;
use super::{Found, Ledger, PendingHold, Wanted};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::MemberId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state of a ledger after its first [`LedgerSnapshot::entries`] entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerSnapshot {
    entries: u64,
    /// When the newest of them was written (when the ledger was opened, for none): nothing
    /// after may be older.
    at: DateTime<Utc>,
    books: Vec<MeterBook>,
    holds: Vec<(EntryId, PendingHold)>,
    payments: Vec<(EntryId, PendingPayment)>,
    refunded: Vec<(EntryId, Amount)>,
    spent: Vec<(usize, MemberId, MonthSpend)>,
    next_bucket: u32,
}

impl LedgerSnapshot {
    /// How many entries it reflects: the id of the newest.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// What a ledger resumed from it over `tail` (the entries after it) needs from the
    /// entries before it: the pending holds' and payments' own entries (what settling them
    /// reads), and whatever a tail entry reverses.
    pub fn wanted_for(&self, tail: &[LedgerEntry]) -> Wanted {
        let before = |id: &EntryId| id.0 >= 1 && id.0 <= self.entries;
        Wanted::entries(
            self.holds
                .iter()
                .map(|(id, _)| *id)
                .chain(self.payments.iter().map(|(id, _)| *id))
                .chain(tail.iter().filter_map(|e| e.reverses))
                .filter(before),
        )
    }

    /// Whether it fits a ledger of `config` before any entry is read: every meter has its
    /// book, and everything points at a meter and a bucket that exist.
    fn check_shape(&self, config: &AccountConfig) -> std::result::Result<(), String> {
        let meters = config.meters.len();
        if self.books.len() != meters {
            return Err(format!(
                "it has {} meters, the account {meters}",
                self.books.len()
            ));
        }
        let bucket_indices_hold = self.books.iter().all(|b| {
            b.order.iter().all(|&i| i < b.buckets.len())
                && b.buckets.windows(2).all(|w| w[0].id < w[1].id)
        });
        if !bucket_indices_hold {
            return Err("a meter's draw-down order names a bucket it does not have".into());
        }
        let within = |id: &EntryId| id.0 >= 1 && id.0 <= self.entries;
        let meters_hold = self
            .holds
            .iter()
            .all(|(id, h)| h.meter < meters && within(id))
            && self
                .payments
                .iter()
                .all(|(id, p)| p.meter < meters && within(id))
            && self.refunded.iter().all(|(id, _)| within(id))
            && self.spent.iter().all(|(m, _, _)| *m < meters);
        if !meters_hold {
            return Err("it refers to a meter or an entry the account does not have".into());
        }
        Ok(())
    }
}

impl Ledger {
    /// The state after the entries written so far (the clock is not part of it: a resumed
    /// ledger's clock stands at its newest entry, as a replayed one's does).
    pub fn snapshot(&self) -> LedgerSnapshot {
        let mut spent: Vec<_> = self
            .spent
            .iter()
            .map(|((m, member), s)| (*m, member.clone(), *s))
            .collect();
        spent.sort_by(|a, b| (a.0, a.1.as_str()).cmp(&(b.0, b.1.as_str())));
        let mut refunded: Vec<_> = self.refunded.iter().map(|(id, a)| (*id, *a)).collect();
        refunded.sort_by_key(|(id, _)| *id);
        LedgerSnapshot {
            entries: self.count() as u64,
            at: self.newest_at(),
            books: self.books.clone(),
            holds: self.holds.iter().map(|(id, h)| (*id, h.clone())).collect(),
            payments: self
                .payments
                .iter()
                .map(|(id, p)| (*id, p.clone()))
                .collect(),
            refunded,
            spent,
            next_bucket: self.next_bucket,
        }
    }

    /// The ledger its stored entries make, from a snapshot of the state after the first of
    /// them: those are taken as they are (indexed, not replayed), the rest replayed and
    /// checked as [`Ledger::replay`] does. Refuses a snapshot that does not fit the entries;
    /// the caller then replays them all.
    pub fn resume(
        config: AccountConfig,
        opened_at: DateTime<Utc>,
        snapshot: LedgerSnapshot,
        entries: impl IntoIterator<Item = LedgerEntry>,
    ) -> Result<Ledger> {
        let corrupt = |msg: String| DomainError::CorruptLedger(format!("snapshot: {msg}"));
        snapshot.check_shape(&config).map_err(corrupt)?;
        let mut ledger = Ledger::empty(config, opened_at)?;
        let mut entries = entries.into_iter();
        let covered = usize::try_from(snapshot.entries).unwrap_or(usize::MAX);
        // Each meter's balance after its newest covered entry must be the snapshot's.
        let mut last_balance = vec![None; ledger.books.len()];
        for e in entries.by_ref().take(covered) {
            let m = ledger.adopt(e)?;
            last_balance[m] = ledger.entries.last().map(|e| e.balance_after);
        }
        if ledger.entries.len() != covered {
            return Err(corrupt(format!(
                "it reflects {covered} entries, {} are stored",
                ledger.entries.len()
            )));
        }
        let books_fit = last_balance
            .iter()
            .zip(&snapshot.books)
            .all(|(last, book)| last.unwrap_or(Amount::ZERO) == book.available);
        if !books_fit {
            return Err(corrupt("its balances are not the entries' balances".into()));
        }
        if ledger.newest_at() != snapshot.at {
            return Err(corrupt("its time is not its newest entry's".into()));
        }
        ledger.books = snapshot.books;
        for (id, hold) in snapshot.holds {
            ledger.keep_hold(id, hold);
        }
        ledger.payments = snapshot.payments.into_iter().collect();
        ledger.refunded = snapshot.refunded.into_iter().collect();
        ledger.spent = snapshot
            .spent
            .into_iter()
            .map(|(m, member, s)| ((m, member), s))
            .collect();
        ledger.next_bucket = snapshot.next_bucket;
        ledger.replay_more(entries)?;
        Ok(ledger)
    }

    /// The ledger from a snapshot and the entries after it (`tail`), without the entries
    /// before: what operations need from those is looked up and lent (`held.rs`), starting
    /// with `earlier`, what [`LedgerSnapshot::wanted_for`] named. The tail is replayed and
    /// checked as [`Ledger::replay`] does; its first entry must follow the snapshot's last.
    pub fn resume_tail(
        config: AccountConfig,
        opened_at: DateTime<Utc>,
        snapshot: LedgerSnapshot,
        earlier: Found,
        tail: impl IntoIterator<Item = LedgerEntry>,
    ) -> Result<Ledger> {
        let corrupt = |msg: String| DomainError::CorruptLedger(format!("snapshot: {msg}"));
        snapshot.check_shape(&config).map_err(corrupt)?;
        if snapshot.at < opened_at {
            return Err(corrupt("it is older than the account".into()));
        }
        let mut ledger = Ledger::empty(config, opened_at)?;
        ledger.base = usize::try_from(snapshot.entries).map_err(|_| DomainError::Overflow)?;
        ledger.books = snapshot.books.clone();
        for (id, hold) in &snapshot.holds {
            ledger.keep_hold(*id, hold.clone());
        }
        ledger.payments = snapshot.payments.iter().cloned().collect();
        ledger.refunded = snapshot.refunded.iter().copied().collect();
        ledger.spent = snapshot
            .spent
            .iter()
            .map(|(m, member, s)| ((*m, member.clone()), *s))
            .collect();
        ledger.next_bucket = snapshot.next_bucket;
        ledger.now = snapshot.at;
        let pinned = snapshot.wanted_for(&[]).ids;
        ledger.origin = Some(Box::new(snapshot));
        ledger.lend(earlier)?;
        // Settling a pending hold or payment reads its entry: they stay lent until then.
        if let Some(id) = pinned
            .iter()
            .find(|id| ledger.entry(EntryId(**id)).is_none())
        {
            return Err(DomainError::NotHeld(Box::new(Wanted {
                ids: vec![*id],
                ..Wanted::default()
            })));
        }
        ledger.replay_more(tail)?;
        Ok(ledger)
    }

    /// When the newest entry was written (or the ledger opened, before any).
    pub(super) fn newest_at(&self) -> DateTime<Utc> {
        match (self.entries.last(), &self.origin) {
            (Some(e), _) => e.at,
            (None, Some(origin)) => origin.at,
            (None, None) => self.opened_at,
        }
    }

    /// Takes a stored entry the snapshot already reflects: kept and indexed, its arithmetic
    /// not redone. Returns its meter.
    fn adopt(&mut self, mut e: LedgerEntry) -> Result<usize> {
        e.usage.intern(&mut self.interner);
        let m = self.config.meter_index(&e.meter)?;
        e.meter = self.config.meters[m].id.clone();
        let previous = self.entries.last().map_or(self.opened_at, |p| p.at);
        if e.id.0 != self.count() as u64 + 1 || e.at < previous {
            return Err(DomainError::CorruptLedger(format!(
                "entry {}: ids are not contiguous or it is older than the entry before it",
                e.id
            )));
        }
        let position = self.entries.len();
        let op = e.key.operation_key().map(str::to_owned);
        self.now = self.now.max(e.at);
        self.entries.push(e);
        if let Some(op) = op
            && self.indexed(&op).is_none()
        {
            self.index_new_key(&op, position);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

    use super::*;
    use crate::history::{HistoryOptions, generate};
    use crate::preset::PresetId;

    fn history() -> Ledger {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        generate(&HistoryOptions::new(PresetId::Videogen, now))
            .unwrap()
            .ledger
    }

    fn replayed(l: &Ledger, upto: usize) -> Ledger {
        let entries = l.entries()[..upto].to_vec();
        Ledger::replay(l.config().clone(), l.opened_at(), entries).unwrap()
    }

    #[test]
    fn a_demo_history_resumed_from_any_point_is_the_history_replayed() {
        let l = history();
        let all = l.entries().to_vec();
        let whole = replayed(&l, all.len());
        for cut in [0, 1, all.len() / 3, all.len() / 2, all.len() - 1, all.len()] {
            let snapshot = replayed(&l, cut).snapshot();
            // Stored as text and read back, as a server does.
            let text = serde_json::to_string(&snapshot).unwrap();
            let snapshot: LedgerSnapshot = serde_json::from_str(&text).unwrap();
            let resumed =
                Ledger::resume(l.config().clone(), l.opened_at(), snapshot, all.clone()).unwrap();
            assert!(resumed.same_state(&whole), "cut at {cut}");
            assert_eq!(resumed.snapshot(), whole.snapshot(), "cut at {cut}");
            assert_eq!(resumed.now(), whole.now());
        }
    }

    #[test]
    fn a_demo_history_resumed_without_the_entries_before_any_point_is_the_history() {
        let l = history();
        let all = l.entries().to_vec();
        let whole = replayed(&l, all.len());
        for cut in [0, 1, all.len() / 3, all.len() / 2, all.len() - 1, all.len()] {
            let snapshot = replayed(&l, cut).snapshot();
            let tail = all[cut..].to_vec();
            let wanted = snapshot.wanted_for(&tail);
            // What a store finds for it: the entries it names, by id.
            let earlier = Found {
                entries: all[..cut]
                    .iter()
                    .filter(|e| wanted.ids.contains(&e.id.0))
                    .cloned()
                    .collect(),
                ..Found::default()
            };
            let resumed =
                Ledger::resume_tail(l.config().clone(), l.opened_at(), snapshot, earlier, tail)
                    .unwrap();
            assert_eq!(resumed.base(), cut);
            assert_eq!(resumed.entries(), &all[cut..], "cut at {cut}");
            assert_eq!(resumed.snapshot(), whole.snapshot(), "cut at {cut}");
            assert_eq!(resumed.now(), whole.now());
        }
        // Without what it names, it says what it wants: cut just after an entry a later one
        // reverses (a refunded job, a released hold).
        let cut = all
            .iter()
            .position(|e| all.iter().any(|x| x.reverses == Some(e.id)))
            .unwrap()
            + 1;
        let snapshot = replayed(&l, cut).snapshot();
        let wanted = snapshot.wanted_for(&all[cut..]);
        assert_eq!(wanted.ids, vec![cut as u64]);
        let refused = Ledger::resume_tail(
            l.config().clone(),
            l.opened_at(),
            snapshot,
            Found::default(),
            all[cut..].to_vec(),
        );
        match refused {
            Err(DomainError::NotHeld(w)) => assert!(wanted.ids.contains(&w.ids[0]), "{w:?}"),
            other => panic!("{:?}", other.map(|l| l.count())),
        }
    }

    #[test]
    fn a_snapshot_that_does_not_fit_the_entries_is_refused() {
        let l = history();
        let all = l.entries().to_vec();
        let half = all.len() / 2;
        let snapshot = replayed(&l, half).snapshot();
        // Fewer entries stored than it reflects.
        let short = Ledger::resume(
            l.config().clone(),
            l.opened_at(),
            snapshot.clone(),
            all[..half - 1].to_vec(),
        );
        assert_eq!(short.unwrap_err().code(), "corrupt_ledger");
        // Claiming more entries than it reflects: the balances no longer match.
        let mut ahead = snapshot.clone();
        ahead.entries = half as u64 + 40;
        let wrong = Ledger::resume(l.config().clone(), l.opened_at(), ahead, all.clone());
        assert_eq!(wrong.unwrap_err().code(), "corrupt_ledger");
        // Another meter count.
        let mut other = snapshot;
        other.books.pop();
        let wrong = Ledger::resume(l.config().clone(), l.opened_at(), other, all);
        assert_eq!(wrong.unwrap_err().code(), "corrupt_ledger");
    }
}
