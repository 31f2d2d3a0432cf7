//! The ledger: one account's append-only history and the bucket state it implies.
//!
//! Every change of a balance is an entry; nothing else moves credits. Operations are checked
//! completely before anything is written, so a refused operation changes nothing. Time only
//! moves forward: before an operation at `t`, everything due by `t` (billing-cycle refills,
//! rollover into the bank, expiries) is written first, in time order, as its own entries.
//!
//! [`Ledger::replay`] rebuilds the same state from the entries alone; the server stores only
//! entries and relies on that.

mod book;
mod caps;
mod drawdown;
mod held;
mod keys;
mod new_entry;
mod ops;
mod payments;
mod replay;
mod same_request;
mod schedule;
mod snapshot;

pub use crate::error::Wanted;
pub use book::{Bucket, MeterBalance};
pub use held::Found;
pub use snapshot::LedgerSnapshot;

use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::config::settings::SettingsChange;
use crate::entry::{EntryId, LedgerEntry, Operation, Receipt, Share};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Interner, MemberId, MeterId};
use crate::period::check_instant;
use book::MeterBook;
use caps::{MonthSpend, count_spend};
use chrono::{DateTime, Utc};
use held::Lent;
use keys::{IdentityHasher, KeyHits};
use new_entry::NewEntry;
use ops::positive;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, RandomState};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct PendingHold {
    meter: usize,
    amount: Amount,
    /// What left each bucket, as positive amounts, in draw-down order.
    split: Vec<Share>,
    /// When the ledger releases it by itself (in `Ledger::hold_expiries` too).
    expires_at: DateTime<Utc>,
    /// Stored before holds had an expiry: given the account's default on replay, released
    /// at the first write after it (never back in time), and not held to it by replay.
    legacy: bool,
}

/// State saved before writing due events, restored if the operation after them is refused.
struct Checkpoint {
    /// The books before due events, when any were due (cloning them per operation would cost
    /// more than the operation).
    books: Option<Vec<MeterBook>>,
    /// The holds and members' spend, when a hold was due to expire (its release changes them).
    holds: Option<HoldState>,
    entries: usize,
    next_bucket: u32,
    now: DateTime<Utc>,
}

/// What a hold's expiry changes besides the books.
struct HoldState {
    holds: BTreeMap<EntryId, PendingHold>,
    hold_expiries: BTreeSet<(DateTime<Utc>, EntryId)>,
    spent: HashMap<(usize, MemberId), MonthSpend>,
}

/// One account's ledger.
#[derive(Debug, Clone)]
pub struct Ledger {
    config: AccountConfig,
    opened_at: DateTime<Utc>,
    books: Vec<MeterBook>,
    /// How many of the oldest entries are not held: a ledger resumed from a snapshot holds
    /// only the entries after it (`held.rs`).
    base: usize,
    /// The entries held, oldest first: entry `base + 1` onwards.
    entries: Vec<LedgerEntry>,
    /// Entries from before the held ones that the store looked up for an operation.
    lent: Lent,
    /// The snapshot a ledger holding part of its history was resumed from (what a rebuild
    /// starts from).
    origin: Option<Box<LedgerSnapshot>>,
    /// Client operation key → position (id − 1) of the first entry it wrote. Keyed by a keyed hash of
    /// the key; a hit is confirmed against the entry's own key, so the index stores no keys.
    index: HashMap<u64, KeyHits, BuildHasherDefault<IdentityHasher>>,
    key_hasher: RandomState,
    holds: BTreeMap<EntryId, PendingHold>,
    /// The pending holds by when they expire, soonest first.
    hold_expiries: BTreeSet<(DateTime<Utc>, EntryId)>,
    /// Purchases and top-ups written pending, waiting for their payment.
    payments: BTreeMap<EntryId, payments::PendingPayment>,
    /// Whether an automatic top-up is paid first (requested pending, posted when paid) or
    /// posted at once (simulations, and a store whose provider answers in the same step).
    top_ups_wait_for_payment: bool,
    refunded: HashMap<EntryId, Amount>,
    /// What each member committed on each meter in the current local month (consumes and
    /// holds, net of refunds and releases), for member caps.
    spent: HashMap<(usize, MemberId), MonthSpend>,
    next_bucket: u32,
    now: DateTime<Utc>,
    interner: Interner,
}

impl Ledger {
    /// A new ledger; meters with an allocation get their first refill at `opened_at`.
    pub fn open(config: AccountConfig, opened_at: DateTime<Utc>) -> Result<Ledger> {
        check_instant(opened_at)?;
        let mut ledger = Ledger::empty(config, opened_at)?;
        ledger.advance_to(opened_at)?;
        Ok(ledger)
    }

    fn empty(config: AccountConfig, opened_at: DateTime<Utc>) -> Result<Ledger> {
        config.validate()?;
        let books = config
            .meters
            .iter()
            .map(|m| MeterBook::new(m.allocation.map(|_| opened_at)))
            .collect();
        Ok(Ledger {
            config,
            opened_at,
            books,
            base: 0,
            entries: Vec::new(),
            lent: Lent::default(),
            origin: None,
            index: HashMap::default(),
            key_hasher: RandomState::new(),
            holds: BTreeMap::new(),
            hold_expiries: BTreeSet::new(),
            payments: BTreeMap::new(),
            top_ups_wait_for_payment: false,
            refunded: HashMap::new(),
            spent: HashMap::new(),
            next_bucket: 1,
            now: opened_at,
            interner: Interner::default(),
        })
    }

    pub fn config(&self) -> &AccountConfig {
        &self.config
    }

    pub fn opened_at(&self) -> DateTime<Utc> {
        self.opened_at
    }

    /// The latest instant the ledger has been brought up to.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The entries held, oldest first (ids are positions from 1, times never decrease): all
    /// of them, unless the ledger was resumed from a snapshot without the ones before it
    /// ([`Ledger::base`]).
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// Entry `id`, if it is held or was lent.
    pub fn entry(&self, id: EntryId) -> Option<&LedgerEntry> {
        usize::try_from(id.0)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|p| self.at_position(p))
    }

    /// Whether a hold is still reserving credits (its job is in flight).
    pub fn is_pending_hold(&self, id: EntryId) -> bool {
        self.holds.contains_key(&id)
    }

    /// Starts keeping a hold until it is settled or expires.
    fn keep_hold(&mut self, id: EntryId, hold: PendingHold) {
        self.hold_expiries.insert((hold.expires_at, id));
        self.holds.insert(id, hold);
    }

    /// Stops keeping a settled or expired hold.
    fn drop_hold(&mut self, id: EntryId) -> Option<PendingHold> {
        let hold = self.holds.remove(&id)?;
        self.hold_expiries.remove(&(hold.expires_at, id));
        Some(hold)
    }

    /// How much of a charge has been refunded so far.
    pub fn refunded(&self, charge: EntryId) -> Amount {
        self.refunded.get(&charge).copied().unwrap_or_default()
    }

    pub fn balance(&self, meter: &MeterId) -> Result<MeterBalance> {
        let m = self.config.meter_index(meter)?;
        let book = &self.books[m];
        let buckets = book
            .order
            .iter()
            .map(|&i| &book.buckets[i])
            .filter(|b| {
                (b.balance.is_positive() && b.is_open(self.now)) || Some(b.id) == book.included
            })
            .cloned()
            .collect();
        Ok(MeterBalance {
            meter: meter.clone(),
            available: book.available,
            held: book.held,
            debt: book.debt,
            buckets,
            next_refill: book.next_cycle,
        })
    }

    /// Every bucket the meter ever had, by id (closed and empty ones included).
    pub fn buckets(&self, meter: &MeterId) -> Result<&[Bucket]> {
        Ok(&self.books[self.config.meter_index(meter)?].buckets)
    }

    /// Writes everything due by `t` (refills, rollovers, expiries) and moves the clock to `t`.
    /// On an error nothing changes.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> Result<()> {
        check_instant(t)?;
        if t < self.now {
            return Err(self.backwards(t));
        }
        let checkpoint = self.checkpoint(t);
        let result = self.write_due(t);
        if result.is_err() {
            self.restore(checkpoint, None);
        }
        result
    }

    fn checkpoint(&self, t: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            books: self.next_due(t).is_some().then(|| self.books.clone()),
            holds: self.hold_due(t).then(|| HoldState {
                holds: self.holds.clone(),
                hold_expiries: self.hold_expiries.clone(),
                spent: self.spent.clone(),
            }),
            entries: self.count(),
            next_bucket: self.next_bucket,
            now: self.now,
        }
    }

    /// Applies one operation. A key seen before answers with the first result and changes
    /// nothing; a refused operation changes nothing either.
    pub fn apply(&mut self, op: Operation) -> Result<Receipt> {
        // `#` marks keys the ledger derives; a client key with one could never be found again.
        if op.key().as_str().contains('#') {
            return Err(DomainError::InvalidId {
                what: "idempotency key",
                value: op.key().to_string(),
                reason: "use letters, digits, “_”, “-”, “.” and “:” only",
            });
        }
        check_instant(op.at())?;
        if let Some(first) = self.lookup(op.key().as_str())? {
            return self.replayed(&op, first);
        }
        if let Some(id) = op.refers_to() {
            self.reach(id)?;
        }
        let key = op.key().clone();
        self.run(op.at(), |l| {
            let start = l.count();
            l.apply_new(op)?;
            l.index_new_key(key.as_str(), start);
            Ok(start)
        })
    }

    /// Writes what is due by `at`, then `step` (which returns where its entries start); a
    /// refusal anywhere changes nothing.
    fn run(
        &mut self,
        at: DateTime<Utc>,
        step: impl FnOnce(&mut Ledger) -> Result<usize>,
    ) -> Result<Receipt> {
        if at < self.now {
            return Err(self.backwards(at));
        }
        let checkpoint = self.checkpoint(at);
        // Where the due events end and the operation begins.
        let mut due_end = None;
        let result = self.write_due(at).and_then(|()| {
            due_end = Some((self.count(), self.next_bucket));
            let start = step(self)?;
            Ok(Receipt {
                first: EntryId(start as u64 + 1),
                count: (self.count() - start) as u32,
                replayed: false,
            })
        });
        if result.is_err() {
            self.restore(checkpoint, due_end);
        }
        result
    }

    /// Undoes a refused operation and the due events written before it. `due_end` is where
    /// the due events ended, if the operation itself started.
    fn restore(&mut self, c: Checkpoint, due_end: Option<(usize, u32)>) {
        let end = (self.count(), self.next_bucket);
        if end == (c.entries, c.next_bucket) {
            self.now = c.now;
            return;
        }
        // Operations check everything before they write, so only due events (which touch the
        // books, and holds when one expires, never refunds) should need undoing: put the
        // saved state back.
        let op_untouched = due_end.is_none_or(|d| d == end);
        match c.books {
            Some(books) if op_untouched => {
                self.entries.truncate(c.entries - self.base);
                self.books = books;
                if let Some(h) = c.holds {
                    self.holds = h.holds;
                    self.hold_expiries = h.hold_expiries;
                    self.spent = h.spent;
                }
                self.next_bucket = c.next_bucket;
                self.now = c.now;
            }
            // The operation failed half-way (a bug): rebuild everything from the entries
            // that stand, which is slow but exact.
            _ => {
                let kept = self.entries[..c.entries - self.base].to_vec();
                let (config, opened_at) = (self.config.clone(), self.opened_at);
                let rebuilt = match self.origin.clone() {
                    // Rebuilt from the same snapshot with what was lent; should that not be
                    // enough, the copy keeps what the operation wrote and its store, seeing
                    // a refusal after writes, throws it away rather than storing them.
                    Some(origin) => {
                        let lent = self.lent_again();
                        Ledger::resume_tail(config, opened_at, *origin, lent, kept)
                    }
                    None => Ledger::replay(config, opened_at, kept),
                };
                if let Ok(mut rebuilt) = rebuilt {
                    rebuilt.now = c.now;
                    rebuilt.top_ups_wait_for_payment = self.top_ups_wait_for_payment;
                    *self = rebuilt;
                }
            }
        }
    }

    /// The entries a receipt refers to (held, or lent for the operation it answered).
    pub fn receipt_entries(&self, r: &Receipt) -> Vec<&LedgerEntry> {
        let start = (r.first.0 as usize).saturating_sub(1);
        (start..start + r.count as usize)
            .map_while(|p| self.at_position(p))
            .collect()
    }

    fn backwards(&self, got: DateTime<Utc>) -> DomainError {
        DomainError::TimeWentBackwards {
            last: self.now.to_rfc3339(),
            got: got.to_rfc3339(),
        }
    }

    /// Whether a client key has been used (its operation would be answered, not run).
    pub fn knows_key(&self, key: &IdempotencyKey) -> Result<bool> {
        Ok(self.lookup(key.as_str())?.is_some())
    }

    /// The entry a client key wrote (its operation's own, not one it caused).
    pub fn first_entry(&self, key: &IdempotencyKey) -> Result<Option<&LedgerEntry>> {
        let Some(first) = self.lookup(key.as_str())? else {
            return Ok(None);
        };
        Ok((first..)
            .map_while(|p| self.at_position(p))
            .take_while(|e| &e.key == key || e.key.is_derived_from(key))
            .find(|e| &e.key == key))
    }

    /// Whether `amount` could be credited to `meter` now (a purchase checks this before the
    /// payment is taken, so a charged customer always gets the credits).
    pub fn check_credit(&self, meter: &MeterId, amount: Amount) -> Result<()> {
        positive(amount)?;
        self.check_room(self.config.meter_index(meter)?, amount)
    }

    /// Changes a setting (top-ups, a member cap, alerts). The new configuration is checked
    /// whole; a refused change changes nothing.
    pub fn configure(&mut self, change: &SettingsChange) -> Result<()> {
        let config = change.apply_to(&self.config)?;
        // A cap below this month's spend would stop the member at once: said, not done. 0 is
        // the way to stop them, and says so.
        if let SettingsChange::MemberCap {
            member,
            meter,
            monthly: Some(cap),
        } = change
        {
            let used = self.spent_this_month(member, meter)?;
            if cap.is_positive() && *cap < used {
                return Err(DomainError::CapBelowSpent {
                    member: self.config.member_name(member),
                    cap: *cap,
                    used,
                    decimals: self.config.meter(meter)?.decimals,
                });
            }
        }
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Appends an entry; its balance is the meter's available balance now.
    fn push(&mut self, m: usize, mut d: NewEntry) -> EntryId {
        d.usage.intern(&mut self.interner);

        let id = EntryId(self.count() as u64 + 1);
        let amount = Amount::minor(d.split.iter().map(|s| s.amount.get()).sum());
        let balance_after = self.books[m].available;
        self.entries.push(LedgerEntry {
            id,
            key: d.key,
            at: d.at,
            meter: self.config.meters[m].id.clone(),
            kind: d.kind,
            status: d.status,
            amount,
            split: d.split,
            balance_after,
            expires_at: d.expires_at,
            reverses: d.reverses,
            held_by: d.held_by,
            requested: d.requested,
            usage: d.usage,
        });
        if let Some(e) = self.entries.last() {
            let undoes = e.reverses.and_then(|id| self.entry(id)).map(|r| r.at);
            count_spend(&mut self.spent, self.config.timezone, m, e, undoes);
        }
        id
    }

    /// The balances without the history, for what-if simulations (the forecast). Entry ids of
    /// the fork start again at 1; its entries say what would happen, not what did.
    pub(crate) fn fork(&self) -> Ledger {
        Ledger {
            config: self.config.clone(),
            opened_at: self.opened_at,
            books: self.books.clone(),
            base: 0,
            entries: Vec::new(),
            lent: Lent::default(),
            origin: None,
            index: HashMap::default(),
            key_hasher: self.key_hasher.clone(),
            holds: self.holds.clone(),
            hold_expiries: self.hold_expiries.clone(),
            payments: self.payments.clone(),
            // A trial acts as the ledger would; a what-if turns this off itself
            // (`Ledger::top_ups_post_at_once`).
            top_ups_wait_for_payment: self.top_ups_wait_for_payment,
            refunded: HashMap::new(),
            spent: self.spent.clone(),
            next_bucket: self.next_bucket,
            now: self.now,
            interner: Interner::default(),
        }
    }

    /// Same state as `other`, apart from how far the clock was moved without writing entries.
    pub fn same_state(&self, other: &Ledger) -> bool {
        self.config == other.config
            && self.books == other.books
            && self.base == other.base
            && self.entries == other.entries
            && self.holds == other.holds
            && self.payments == other.payments
            && self.refunded == other.refunded
            && self.next_bucket == other.next_bucket
    }
}
