//! The ledger: one account's append-only history and the bucket state it implies.
//!
//! Every change of a balance is an entry; nothing else moves credits. Operations are checked
//! completely before anything is written, so a refused operation changes nothing. Time only
//! moves forward: before an operation at `t`, everything due by `t` (billing-cycle refills,
//! rollover into the bank, expiries) is written first, in time order, as its own entries.
//!
//! [`Ledger::replay`] rebuilds the same state from the entries alone; the server stores only
//! entries and relies on that.

use crate::account::{
    AccountConfig, BucketKind, DrawDownOrder, SettingsChange, Timezone, TopUpAmount,
    UnusedAllocation,
};
use crate::amount::{Amount, MAX_BALANCE};
use crate::entry::{
    AdjustOp, BucketId, CaptureOp, ConsumeOp, EntryId, EntryKind, EntryStatus, GrantOp, HoldOp,
    JobStatus, LedgerEntry, Operation, PurchaseOp, Receipt, RefundOp, ReleaseOp, Share, Usage,
};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Interner, Label, MemberId, MeterId};
use crate::period::check_instant;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Credits of one kind with one expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bucket {
    pub id: BucketId,
    pub kind: BucketKind,
    pub balance: Amount,
    pub granted_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Bucket {
    /// Whether credits in it can still be used at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|e| e > at)
    }
}

/// A meter's balance as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterBalance {
    pub meter: MeterId,
    /// What can be spent now (buckets minus overdraft debt; held credits excluded).
    pub available: Amount,
    /// Reserved by in-flight jobs.
    pub held: Amount,
    /// Used beyond the balance, within the overdraft limit.
    pub debt: Amount,
    /// Buckets with credits in draw-down order (the included bucket even when empty).
    pub buckets: Vec<Bucket>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next_refill: Option<DateTime<Utc>>,
}

/// One meter's state. Everything here can be rebuilt from the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MeterBook {
    /// Every bucket ever created, by ascending id.
    buckets: Vec<Bucket>,
    /// Indices into `buckets` in draw-down order.
    order: Vec<usize>,
    debt: Amount,
    available: Amount,
    held: Amount,
    next_cycle: Option<DateTime<Utc>>,
    included: Option<BucketId>,
    bank: Option<BucketId>,
    additional: Option<BucketId>,
    top_up_month: Option<(i32, u32)>,
    top_up_total: Amount,
}

impl MeterBook {
    fn new(next_cycle: Option<DateTime<Utc>>) -> Self {
        MeterBook {
            buckets: Vec::new(),
            order: Vec::new(),
            debt: Amount::ZERO,
            available: Amount::ZERO,
            held: Amount::ZERO,
            next_cycle,
            included: None,
            bank: None,
            additional: None,
            top_up_month: None,
            top_up_total: Amount::ZERO,
        }
    }

    fn index_of(&self, id: BucketId) -> Option<usize> {
        self.buckets.binary_search_by_key(&id, |b| b.id).ok()
    }

    fn balance_of(&self, id: Option<BucketId>) -> Amount {
        id.and_then(|id| self.index_of(id))
            .map_or(Amount::ZERO, |i| self.buckets[i].balance)
    }

    fn sort_order(&mut self, policy: &DrawDownOrder) {
        let buckets = &self.buckets;
        let mut order: Vec<usize> = (0..buckets.len()).collect();
        order.sort_by_key(|&i| {
            let b = &buckets[i];
            let expiry = b.expires_at.map_or(i64::MAX, |e| e.timestamp());
            let rank = match policy {
                DrawDownOrder::IncludedThenSoonestExpiring => match (b.kind, b.expires_at) {
                    (BucketKind::Included, _) => 0,
                    (_, Some(_)) => 1,
                    (BucketKind::Rollover, None) => 2,
                    (BucketKind::Additional, None) => 3,
                    (_, None) => 4,
                },
                DrawDownOrder::ByKind(kinds) => kinds
                    .iter()
                    .position(|k| *k == b.kind)
                    .unwrap_or(kinds.len()),
            };
            (rank, expiry, b.granted_at, b.id)
        });
        self.order = order;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingHold {
    meter: usize,
    amount: Amount,
    /// What left each bucket, as positive amounts, in draw-down order.
    split: Vec<Share>,
}

/// Where credited amounts go.
#[derive(Debug, Clone, Copy)]
enum Target {
    Existing(BucketId),
    New {
        kind: BucketKind,
        expires_at: Option<DateTime<Utc>>,
    },
}

/// State saved before writing due events, restored if the operation after them is refused.
struct Checkpoint {
    /// The books before due events, when any were due (cloning them per operation would cost
    /// more than the operation).
    books: Option<Vec<MeterBook>>,
    entries: usize,
    next_bucket: u32,
    now: DateTime<Utc>,
}

/// One account's ledger.
#[derive(Debug, Clone)]
pub struct Ledger {
    config: AccountConfig,
    opened_at: DateTime<Utc>,
    books: Vec<MeterBook>,
    entries: Vec<LedgerEntry>,
    /// Client operation key → index of the first entry it wrote. Keyed by a keyed hash of
    /// the key; a hit is confirmed against the entry's own key, so the index stores no keys.
    index: HashMap<u64, Slot, BuildHasherDefault<IdentityHasher>>,
    key_hasher: RandomState,
    holds: BTreeMap<EntryId, PendingHold>,
    refunded: HashMap<EntryId, Amount>,
    /// What each member committed on each meter in the current local month (consumes and
    /// holds, net of refunds and releases), for member caps.
    spent: HashMap<(usize, MemberId), MonthSpend>,
    next_bucket: u32,
    now: DateTime<Utc>,
    interner: Interner,
}

fn local_month(tz: Timezone, at: DateTime<Utc>) -> (i32, u32) {
    let local = tz.date_of(at);
    (local.year(), local.month())
}

/// Keeps the members' monthly totals up with an entry just written or replayed.
fn count_spend(
    spent: &mut HashMap<(usize, MemberId), MonthSpend>,
    tz: Timezone,
    m: usize,
    e: &LedgerEntry,
) {
    let counts = matches!(
        e.kind,
        EntryKind::Consume
            | EntryKind::Hold
            | EntryKind::HoldRelease
            | EntryKind::HoldCapture
            | EntryKind::Refund
    );
    let Some(member) = e.usage.member.as_ref().filter(|_| counts) else {
        return;
    };
    let month = local_month(tz, e.at);
    let spend = spent.entry((m, member.clone())).or_insert(MonthSpend {
        month,
        amount: Amount::ZERO,
    });
    if spend.month != month {
        *spend = MonthSpend {
            month,
            amount: Amount::ZERO,
        };
    }
    // Entries stay within MAX_BALANCE, so a month's total cannot overflow in practice;
    // saturating keeps a cap check conservative if it ever did.
    spend.amount = Amount::minor(spend.amount.get().saturating_sub(e.amount.get()));
}

/// A running total that starts again each local calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MonthSpend {
    month: (i32, u32),
    amount: Amount,
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
            entries: Vec::new(),
            index: HashMap::default(),
            key_hasher: RandomState::new(),
            holds: BTreeMap::new(),
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

    /// All entries, oldest first (ids are positions from 1, times never decrease).
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    pub fn entry(&self, id: EntryId) -> Option<&LedgerEntry> {
        usize::try_from(id.0)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.entries.get(i))
    }

    /// Whether a hold is still reserving credits (its job is in flight).
    pub fn is_pending_hold(&self, id: EntryId) -> bool {
        self.holds.contains_key(&id)
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

    fn write_due(&mut self, t: DateTime<Utc>) -> Result<()> {
        while let Some((at, m, bucket)) = self.next_due(t) {
            match bucket {
                None => self.run_cycle(m, at)?,
                Some(i) => self.expire_bucket(m, i, at, None)?,
            }
        }
        self.now = t;
        Ok(())
    }

    fn checkpoint(&self, t: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            books: self.next_due(t).is_some().then(|| self.books.clone()),
            entries: self.entries.len(),
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
        if let Some(first) = self.lookup(op.key().as_str()) {
            return self.replayed(&op, first);
        }
        let at = op.at();
        if at < self.now {
            return Err(self.backwards(at));
        }
        let checkpoint = self.checkpoint(at);
        // Where the due events end and the operation begins.
        let mut due_end = None;
        let result = self.write_due(at).and_then(|()| {
            due_end = Some((self.entries.len(), self.next_bucket));
            let start = self.entries.len();
            let key = op.key().clone();
            self.apply_new(op)?;
            self.index_new_key(key.as_str(), start);
            Ok(Receipt {
                first: EntryId(start as u64 + 1),
                count: (self.entries.len() - start) as u32,
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
        let end = (self.entries.len(), self.next_bucket);
        if end == (c.entries, c.next_bucket) {
            self.now = c.now;
            return;
        }
        // Operations check everything before they write, so only due events (which touch the
        // books, never holds or refunds) should need undoing: put the saved books back.
        let op_untouched = due_end.is_none_or(|d| d == end);
        match c.books {
            Some(books) if op_untouched => {
                self.entries.truncate(c.entries);
                self.books = books;
                self.next_bucket = c.next_bucket;
                self.now = c.now;
            }
            // The operation failed half-way (a bug): rebuild everything from the entries
            // that stand, which is slow but exact.
            _ => {
                let kept = self.entries[..c.entries].to_vec();
                if let Ok(mut rebuilt) = Ledger::replay(self.config.clone(), self.opened_at, kept) {
                    rebuilt.now = c.now;
                    *self = rebuilt;
                }
            }
        }
    }

    fn replayed(&self, op: &Operation, first: usize) -> Result<Receipt> {
        let key = op.key();
        let run = self.entries[first..]
            .iter()
            .take_while(|e| &e.key == key || e.key.is_derived_from(key));
        let mut count = 0u32;
        let mut primary = None;
        for e in run {
            count += 1;
            if &e.key == key {
                primary = Some(e);
            }
        }
        match primary {
            Some(p) if op.matches_first_result(p) => Ok(Receipt {
                first: EntryId(first as u64 + 1),
                count,
                replayed: true,
            }),
            _ => Err(DomainError::IdempotencyConflict(key.to_string())),
        }
    }

    /// The entries a receipt refers to.
    pub fn receipt_entries(&self, r: &Receipt) -> &[LedgerEntry] {
        let start = (r.first.0 as usize)
            .saturating_sub(1)
            .min(self.entries.len());
        let end = (start + r.count as usize).min(self.entries.len());
        &self.entries[start..end]
    }

    fn hash_key(&self, key: &str) -> u64 {
        self.key_hasher.hash_one(key)
    }

    /// The first entry an operation key wrote.
    fn lookup(&self, key: &str) -> Option<usize> {
        let is_it = |&i: &usize| self.entries[i].key.operation_key() == Some(key);
        match self.index.get(&self.hash_key(key))? {
            Slot::One(i) => Some(*i).filter(is_it),
            Slot::Many(list) => list.iter().copied().find(is_it),
        }
    }

    /// Records where a key's first entry is; the key must not be indexed yet.
    fn index_new_key(&mut self, key: &str, entry: usize) {
        let h = self.hash_key(key);
        match self.index.get_mut(&h) {
            None => {
                self.index.insert(h, Slot::One(entry));
            }
            // A 64-bit collision between different keys: keep both.
            Some(slot) => {
                let list = match slot {
                    Slot::One(i) => vec![*i, entry],
                    Slot::Many(list) => {
                        list.push(entry);
                        return;
                    }
                };
                *slot = Slot::Many(list);
            }
        }
    }

    fn backwards(&self, got: DateTime<Utc>) -> DomainError {
        DomainError::TimeWentBackwards {
            last: self.now.to_rfc3339(),
            got: got.to_rfc3339(),
        }
    }

    fn apply_new(&mut self, op: Operation) -> Result<()> {
        match op {
            Operation::Consume(o) => self.consume(o),
            Operation::Purchase(o) => self.purchase(o),
            Operation::Grant(o) => self.grant(o),
            Operation::Adjust(o) => self.adjust(o),
            Operation::Hold(o) => self.hold(o),
            Operation::Capture(o) => self.capture(o),
            Operation::Release(o) => self.release(o),
            Operation::Refund(o) => self.refund(o),
        }
    }

    fn consume(&mut self, o: ConsumeOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        positive(o.amount)?;
        self.check_member_cap(m, &o.usage, o.amount, o.at)?;
        let split = self.plan_debit(m, o.amount, o.at)?;
        let before = self.books[m].available;
        self.apply_shares(m, &split)?;
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Consume,
            job_status(o.status),
            split,
        )
        .usage(o.usage);
        self.push(m, entry);
        self.maybe_top_up(m, before, &o.key, o.at);
        Ok(())
    }

    fn hold(&mut self, o: HoldOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        positive(o.amount)?;
        self.check_member_cap(m, &o.usage, o.amount, o.at)?;
        let split = self.plan_debit(m, o.amount, o.at)?;
        let held = self.books[m].held.checked_add(o.amount)?;
        let before = self.books[m].available;
        self.apply_shares(m, &split)?;
        self.books[m].held = held;
        let reserved = negated(&split);
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Hold,
            EntryStatus::Pending,
            split,
        )
        .usage(o.usage);
        let id = self.push(m, entry);
        self.holds.insert(
            id,
            PendingHold {
                meter: m,
                amount: o.amount,
                split: reserved,
            },
        );
        self.maybe_top_up(m, before, &o.key, o.at);
        Ok(())
    }

    fn capture(&mut self, o: CaptureOp) -> Result<()> {
        let hold = self
            .holds
            .get(&o.hold)
            .ok_or(DomainError::HoldNotPending(o.hold.0))?
            .clone();
        positive(o.amount)?;
        if o.amount > hold.amount {
            return Err(DomainError::CaptureExceedsHold {
                hold: o.hold.0,
                requested: o.amount,
                held: hold.amount,
                decimals: self.config.meters[hold.meter].decimals,
            });
        }
        let m = hold.meter;
        let held = self.books[m].held.checked_sub(hold.amount)?;
        let usage = self
            .entry(o.hold)
            .map(|e| e.usage.clone())
            .unwrap_or_default();
        // Settled as a release of the whole hold followed by the actual charge, drawn from the
        // same buckets the hold reserved: the running balance never dips below the truth.
        let returned = self.returned_split(m, &hold.split, o.at)?;
        let charge = negated(&take_front(&returned, o.amount));
        self.apply_shares(m, &returned)?;
        self.books[m].held = held;
        self.holds.remove(&o.hold);
        let release = Draft::new(
            o.key.derived("release"),
            o.at,
            EntryKind::HoldRelease,
            EntryStatus::Success,
            returned.clone(),
        )
        .reverses(o.hold)
        .usage(usage.clone());
        self.push(m, release);
        self.apply_shares(m, &charge)?;
        let capture = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::HoldCapture,
            EntryStatus::Success,
            charge,
        )
        .reverses(o.hold)
        .usage(usage);
        self.push(m, capture);
        self.expire_closed(m, &returned, o.at, &o.key)
    }

    fn release(&mut self, o: ReleaseOp) -> Result<()> {
        let hold = self
            .holds
            .get(&o.hold)
            .ok_or(DomainError::HoldNotPending(o.hold.0))?
            .clone();
        let m = hold.meter;
        let held = self.books[m].held.checked_sub(hold.amount)?;
        let usage = self
            .entry(o.hold)
            .map(|e| e.usage.clone())
            .unwrap_or_default();
        let returned = self.returned_split(m, &hold.split, o.at)?;
        self.apply_shares(m, &returned)?;
        self.books[m].held = held;
        self.holds.remove(&o.hold);
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::HoldRelease,
            job_status(o.status),
            returned.clone(),
        )
        .reverses(o.hold)
        .usage(usage);
        self.push(m, entry);
        self.expire_closed(m, &returned, o.at, &o.key)
    }

    fn refund(&mut self, o: RefundOp) -> Result<()> {
        let charge = self.entry(o.of).ok_or(DomainError::UnknownEntry(o.of.0))?;
        if !matches!(charge.kind, EntryKind::Consume | EntryKind::HoldCapture) {
            return Err(DomainError::NotRefundable(o.of.0));
        }
        let m = self.config.meter_index(&charge.meter)?;
        let charged = charge.amount.checked_neg()?;
        let done = self.refunded(o.of);
        let refundable = charged.checked_sub(done)?;
        let amount = match o.amount {
            Some(a) => positive(a).map(|()| a)?,
            None => refundable,
        };
        if amount > refundable || !amount.is_positive() {
            return Err(DomainError::RefundExceedsCharge {
                entry: o.of.0,
                requested: amount,
                refundable,
                decimals: self.config.meters[m].decimals,
            });
        }
        // Give back the last-drawn buckets first: a partial refund undoes the end of the draw.
        let reversed: Vec<Share> = negated(&charge.split).into_iter().rev().collect();
        let already = take_front(&reversed, done);
        let rest = subtract(&reversed, &already);
        let split = take_front(&rest, amount);
        let mut usage = charge.usage.clone();
        if o.description.is_some() {
            usage.description = o.description;
        }
        let split = self.returned_split(m, &split, o.at)?;
        self.apply_shares(m, &split)?;
        self.refunded.insert(o.of, done.checked_add(amount)?);
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Refund,
            EntryStatus::Success,
            split.clone(),
        )
        .reverses(o.of)
        .usage(usage);
        self.push(m, entry);
        self.expire_closed(m, &split, o.at, &o.key)
    }

    fn purchase(&mut self, o: PurchaseOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        positive(o.amount)?;
        self.check_room(m, o.amount)?;
        let target = self.purchase_target(m, o.at);
        let (split, expires_at) = self.credit(m, o.amount, target, o.at)?;
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Purchase,
            EntryStatus::Success,
            split,
        )
        .usage(o.usage)
        .expires_at(expires_at);
        self.push(m, entry);
        Ok(())
    }

    fn grant(&mut self, o: GrantOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        positive(o.amount)?;
        if o.expires_at.is_some_and(|e| e <= o.at) {
            return Err(DomainError::ExpiryNotAfterGrant);
        }
        if let Some(e) = o.expires_at {
            check_instant(e)?;
        }
        self.check_room(m, o.amount)?;
        let target = Target::New {
            kind: BucketKind::Promotional,
            expires_at: o.expires_at,
        };
        let (split, expires_at) = self.credit(m, o.amount, target, o.at)?;
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Grant,
            EntryStatus::Success,
            split,
        )
        .usage(o.usage)
        .expires_at(expires_at);
        self.push(m, entry);
        Ok(())
    }

    fn adjust(&mut self, o: AdjustOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        if o.amount.is_zero() {
            return Err(DomainError::ZeroAmount);
        }
        let (split, expires_at) = if o.amount.is_positive() {
            self.check_room(m, o.amount)?;
            let target = self.purchase_target(m, o.at);
            self.credit(m, o.amount, target, o.at)?
        } else {
            let split = self.plan_debit(m, o.amount.checked_neg()?, o.at)?;
            self.apply_shares(m, &split)?;
            (split, None)
        };
        let entry = Draft::new(
            o.key.clone(),
            o.at,
            EntryKind::Adjustment,
            EntryStatus::Success,
            split,
        )
        .usage(o.usage)
        .expires_at(expires_at);
        self.push(m, entry);
        Ok(())
    }

    /// Fires the meter's automatic top-up if this debit took the balance from at or above its
    /// threshold to below it, and the month's cap allows the whole top-up.
    fn maybe_top_up(&mut self, m: usize, before: Amount, key: &IdempotencyKey, at: DateTime<Utc>) {
        let Some(t) = self.config.meters[m].auto_top_up.filter(|t| t.enabled) else {
            return;
        };
        let after = self.books[m].available;
        if !(before >= t.threshold && after < t.threshold) {
            return;
        }
        let amount = match t.amount {
            TopUpAmount::Fixed(a) => a,
            TopUpAmount::RefillTo(target) => {
                Amount::minor(target.get().saturating_sub(after.get()))
            }
        };
        let local = self.config.timezone.date_of(at);
        let month = (local.year(), local.month());
        let book = &self.books[m];
        let used = if book.top_up_month == Some(month) {
            book.top_up_total
        } else {
            Amount::ZERO
        };
        let Ok(total) = used.checked_add(amount) else {
            return;
        };
        if t.monthly_cap.is_some_and(|cap| total > cap)
            || !amount.is_positive()
            || self.check_room(m, amount).is_err()
        {
            return;
        }
        let target = self.purchase_target(m, at);
        // A top-up that would overflow is skipped; the consume that triggered it stands.
        let Ok((split, expires_at)) = self.credit(m, amount, target, at) else {
            return;
        };
        let usage = Usage {
            description: Label::new("Automatic top-up").ok(),
            ..Usage::default()
        };
        let entry = Draft::new(
            key.derived("top-up"),
            at,
            EntryKind::AutoTopUp,
            EntryStatus::Success,
            split,
        )
        .usage(usage)
        .expires_at(expires_at);
        self.push(m, entry);
        let book = &mut self.books[m];
        book.top_up_month = Some(month);
        book.top_up_total = total;
    }

    /// The earliest event due by `t`: `(when, meter, None)` for a cycle start,
    /// `(when, meter, Some(bucket index))` for an expiry. Cycles go before expiries at the
    /// same instant, lower meters before higher.
    fn next_due(&self, t: DateTime<Utc>) -> Option<(DateTime<Utc>, usize, Option<usize>)> {
        let mut best: Option<(DateTime<Utc>, usize, Option<usize>)> = None;
        for (m, book) in self.books.iter().enumerate() {
            let mut consider = |at: DateTime<Utc>, bucket: Option<usize>| {
                if at <= t && best.is_none_or(|(b, _, _)| at < b) {
                    best = Some((at, m, bucket));
                }
            };
            if let Some(c) = book.next_cycle {
                consider(c, None);
            }
            for (i, b) in book.buckets.iter().enumerate() {
                if b.kind != BucketKind::Included
                    && b.balance.is_positive()
                    && let Some(e) = b.expires_at
                {
                    consider(e, Some(i));
                }
            }
        }
        best
    }

    /// A billing-cycle start: the unused allocation rolls into the bank (up to its cap) or
    /// lapses, then the new allocation is granted.
    fn run_cycle(&mut self, m: usize, at: DateTime<Utc>) -> Result<()> {
        let Some(allocation) = self.config.meters[m].allocation else {
            self.books[m].next_cycle = None;
            return Ok(());
        };
        let date = self.config.timezone.date_of(at).to_string();
        let meter = self.config.meters[m].id.to_string();
        if let Some(included) = self.books[m].included.take() {
            let unused = self.books[m].balance_of(Some(included));
            let mut lapsed = unused;
            if let (UnusedAllocation::Rollover { cap }, true) =
                (allocation.unused, unused.is_positive())
            {
                let bank_balance = self.books[m].balance_of(self.books[m].bank);
                let room = cap.checked_sub(bank_balance)?.max(Amount::ZERO);
                let moved = unused.min(room);
                if moved.is_positive() {
                    let bank = self.bank_bucket(m, at)?;
                    let split = vec![
                        Share {
                            bucket: included,
                            kind: BucketKind::Included,
                            amount: moved.checked_neg()?,
                        },
                        Share {
                            bucket: bank,
                            kind: BucketKind::Rollover,
                            amount: moved,
                        },
                    ];
                    self.apply_shares(m, &split)?;
                    let entry = Draft::new(
                        IdempotencyKey::system(&["rollover", &meter, &date]),
                        at,
                        EntryKind::Rollover,
                        EntryStatus::Success,
                        split,
                    )
                    .describe("Unused allocation moved to the rollover bank");
                    self.push(m, entry);
                    lapsed = unused.checked_sub(moved)?;
                }
            }
            if lapsed.is_positive() {
                let split = vec![Share {
                    bucket: included,
                    kind: BucketKind::Included,
                    amount: lapsed.checked_neg()?,
                }];
                self.apply_shares(m, &split)?;
                let why = if matches!(allocation.unused, UnusedAllocation::Lapse) {
                    "Unused allocation expired at the end of the billing cycle"
                } else {
                    "Unused allocation above the rollover cap expired"
                };
                let entry = Draft::new(
                    IdempotencyKey::system(&["lapse", &meter, &date]),
                    at,
                    EntryKind::Expiry,
                    EntryStatus::Success,
                    split,
                )
                .describe(why);
                self.push(m, entry);
            }
        }
        let next = self.config.billing.next_start(self.config.timezone, at);
        let target = Target::New {
            kind: BucketKind::Included,
            expires_at: Some(next),
        };
        let (split, _) = self.credit(m, allocation.amount, target, at)?;
        self.books[m].included = split
            .iter()
            .find(|s| s.kind == BucketKind::Included)
            .map(|s| s.bucket);
        let entry = Draft::new(
            IdempotencyKey::system(&["refill", &meter, &date]),
            at,
            EntryKind::Refill,
            EntryStatus::Success,
            split,
        )
        .expires_at(Some(next))
        .describe("Allocation for the new billing cycle");
        self.push(m, entry);
        self.books[m].next_cycle = Some(next);
        Ok(())
    }

    /// Expires what is left in bucket `i`. `op` is the operation that caused it (credits
    /// returned to a bucket that had already closed), `None` for a scheduled expiry.
    fn expire_bucket(
        &mut self,
        m: usize,
        i: usize,
        at: DateTime<Utc>,
        op: Option<&IdempotencyKey>,
    ) -> Result<()> {
        let b = &self.books[m].buckets[i];
        let (id, kind, balance) = (b.id, b.kind, b.balance);
        let split = vec![Share {
            bucket: id,
            kind,
            amount: balance.checked_neg()?,
        }];
        self.apply_shares(m, &split)?;
        let n = (self.entries.len() + 1).to_string();
        let key = match op {
            Some(k) => k.derived(&format!("expiry-{}", id.0)),
            None => IdempotencyKey::system(&["expiry", self.config.meters[m].id.as_str(), &n]),
        };
        let why = match kind {
            BucketKind::Promotional => "Promotional credits expired",
            BucketKind::Included => "Returned credits from an ended billing cycle expired",
            _ => "Credits expired",
        };
        let entry =
            Draft::new(key, at, EntryKind::Expiry, EntryStatus::Success, split).describe(why);
        self.push(m, entry);
        Ok(())
    }

    /// Credits returned to buckets that have closed expire at once: a refund never revives
    /// credits past their expiry.
    fn expire_closed(
        &mut self,
        m: usize,
        returned: &[Share],
        at: DateTime<Utc>,
        op: &IdempotencyKey,
    ) -> Result<()> {
        for s in returned {
            if s.kind == BucketKind::Overdraft {
                continue;
            }
            if let Some(i) = self.books[m].index_of(s.bucket) {
                let b = &self.books[m].buckets[i];
                if !b.is_open(at) && b.balance.is_positive() {
                    self.expire_bucket(m, i, at, Some(op))?;
                }
            }
        }
        Ok(())
    }

    /// Where credits given back (a refund, a released hold) go: the buckets they came from.
    /// Overdraft debt they created may have been repaid since; only what is still owed goes
    /// back to the debt, the rest lands where purchases land (a bucket that never expires, so
    /// the entry needs no expiry of its own).
    fn returned_split(
        &mut self,
        m: usize,
        split: &[Share],
        at: DateTime<Utc>,
    ) -> Result<Vec<Share>> {
        let mut debt = self.books[m].debt;
        let mut spill = Amount::ZERO;
        let mut out = Vec::with_capacity(split.len() + 1);
        for s in split {
            if s.kind == BucketKind::Overdraft {
                let repay = s.amount.min(debt);
                debt = debt.checked_sub(repay)?;
                spill = spill.checked_add(s.amount.checked_sub(repay)?)?;
                if repay.is_positive() {
                    out.push(Share {
                        amount: repay,
                        ..*s
                    });
                }
            } else {
                out.push(*s);
            }
        }
        if spill.is_positive() {
            let kind = match self.config.meters[m].purchases.into {
                BucketKind::Rollover => BucketKind::Rollover,
                _ => BucketKind::Additional,
            };
            let existing = match kind {
                BucketKind::Rollover => self.books[m].bank,
                _ => self.books[m].additional,
            };
            let bucket = match existing {
                Some(id) => id,
                None => self.create_bucket(m, kind, at, None)?,
            };
            out.push(Share {
                bucket,
                kind,
                amount: spill,
            });
        }
        Ok(out)
    }

    /// Refuses a credit that would take the meter (held credits included, they come back)
    /// above [`MAX_BALANCE`]. Refills are not limited: settings are, which bounds them.
    fn check_room(&self, m: usize, amount: Amount) -> Result<()> {
        let book = &self.books[m];
        let would_be = book.available.checked_add(book.held)?.checked_add(amount)?;
        if would_be > MAX_BALANCE {
            let meter = &self.config.meters[m];
            return Err(DomainError::BalanceLimit {
                meter: meter.name.clone(),
                limit: MAX_BALANCE,
                would_be,
                decimals: meter.decimals,
            });
        }
        Ok(())
    }

    /// Which buckets a debit of `amount` draws from, in draw-down order, or why it cannot.
    fn plan_debit(&self, m: usize, amount: Amount, at: DateTime<Utc>) -> Result<Vec<Share>> {
        let book = &self.books[m];
        let mut remaining = amount.get();
        let mut split = Vec::with_capacity(1);
        for &i in &book.order {
            if remaining == 0 {
                break;
            }
            let b = &book.buckets[i];
            if !b.balance.is_positive() || !b.is_open(at) {
                continue;
            }
            let take = remaining.min(b.balance.get());
            split.push(Share {
                bucket: b.id,
                kind: b.kind,
                amount: Amount::minor(-take),
            });
            remaining -= take;
        }
        if remaining > 0 {
            let cfg = &self.config.meters[m];
            let room = cfg.overdraft_limit.checked_sub(book.debt)?.get().max(0);
            if remaining > room {
                return Err(DomainError::InsufficientCredits {
                    meter: cfg.name.clone(),
                    requested: amount,
                    available: Amount::minor(amount.get() - remaining + room),
                    decimals: cfg.decimals,
                });
            }
            split.push(Share {
                bucket: BucketId::OVERDRAFT,
                kind: BucketKind::Overdraft,
                amount: Amount::minor(-remaining),
            });
        }
        Ok(split)
    }

    /// Adds `amount` to the meter: pays back overdraft debt first, the rest into `target`.
    /// Returns the split and the expiry of the credited bucket.
    fn credit(
        &mut self,
        m: usize,
        amount: Amount,
        target: Target,
        at: DateTime<Utc>,
    ) -> Result<(Vec<Share>, Option<DateTime<Utc>>)> {
        let book = &self.books[m];
        let repay = book.debt.min(amount);
        let rest = amount.checked_sub(repay)?;
        book.available.checked_add(amount)?;
        let mut split = Vec::with_capacity(2);
        if repay.is_positive() {
            split.push(Share {
                bucket: BucketId::OVERDRAFT,
                kind: BucketKind::Overdraft,
                amount: repay,
            });
        }
        let mut expires_at = None;
        if rest.is_positive() {
            let (bucket, kind) = match target {
                Target::Existing(id) => {
                    let i = book.index_of(id).ok_or_else(|| {
                        DomainError::CorruptLedger(format!("bucket {} is missing", id.0))
                    })?;
                    book.buckets[i].balance.checked_add(rest)?;
                    expires_at = book.buckets[i].expires_at;
                    (id, book.buckets[i].kind)
                }
                Target::New {
                    kind,
                    expires_at: e,
                } => {
                    expires_at = e;
                    (self.create_bucket(m, kind, at, e)?, kind)
                }
            };
            split.push(Share {
                bucket,
                kind,
                amount: rest,
            });
        }
        self.apply_shares(m, &split)?;
        Ok((split, expires_at))
    }

    fn purchase_target(&self, m: usize, at: DateTime<Utc>) -> Target {
        let policy = self.config.meters[m].purchases;
        let book = &self.books[m];
        match (policy.into, policy.expires_after_days) {
            (BucketKind::Rollover, _) => match book.bank {
                Some(id) => Target::Existing(id),
                None => Target::New {
                    kind: BucketKind::Rollover,
                    expires_at: None,
                },
            },
            (_, Some(days)) => Target::New {
                kind: BucketKind::Additional,
                expires_at: Some(at + Duration::days(i64::from(days))),
            },
            (_, None) => match book.additional {
                Some(id) => Target::Existing(id),
                None => Target::New {
                    kind: BucketKind::Additional,
                    expires_at: None,
                },
            },
        }
    }

    fn bank_bucket(&mut self, m: usize, at: DateTime<Utc>) -> Result<BucketId> {
        match self.books[m].bank {
            Some(id) => Ok(id),
            None => self.create_bucket(m, BucketKind::Rollover, at, None),
        }
    }

    fn create_bucket(
        &mut self,
        m: usize,
        kind: BucketKind,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<BucketId> {
        let id = BucketId(self.next_bucket);
        self.next_bucket = self
            .next_bucket
            .checked_add(1)
            .ok_or(DomainError::Overflow)?;
        self.insert_bucket(
            m,
            Bucket {
                id,
                kind,
                balance: Amount::ZERO,
                granted_at: at,
                expires_at,
            },
        );
        Ok(id)
    }

    fn insert_bucket(&mut self, m: usize, bucket: Bucket) {
        let book = &mut self.books[m];
        match (bucket.kind, bucket.expires_at) {
            (BucketKind::Rollover, _) => book.bank = Some(bucket.id),
            (BucketKind::Additional, None) => book.additional = Some(bucket.id),
            _ => {}
        }
        let pos = book.buckets.partition_point(|b| b.id < bucket.id);
        book.buckets.insert(pos, bucket);
        book.sort_order(&self.config.draw_down);
    }

    /// Moves the split's amounts in and out of buckets (and overdraft debt). Checks every
    /// step before changing anything; a split may name a bucket twice (a stored entry might),
    /// so each bucket's running balance is checked, not just each share.
    fn apply_shares(&mut self, m: usize, split: &[Share]) -> Result<()> {
        let book = &self.books[m];
        let mut total = Amount::ZERO;
        let mut debt = book.debt;
        for (n, s) in split.iter().enumerate() {
            total = total.checked_add(s.amount)?;
            if s.kind == BucketKind::Overdraft {
                debt = debt.checked_sub(s.amount)?;
                if debt.is_negative() {
                    return Err(DomainError::CorruptLedger(
                        "overdraft debt would go below zero".into(),
                    ));
                }
                continue;
            }
            let i = book.index_of(s.bucket).ok_or_else(|| {
                DomainError::CorruptLedger(format!("bucket {} is missing", s.bucket.0))
            })?;
            let after = split[..=n]
                .iter()
                .filter(|o| o.kind != BucketKind::Overdraft && o.bucket == s.bucket)
                .try_fold(book.buckets[i].balance, |acc, o| acc.checked_add(o.amount))?;
            if after.is_negative() {
                return Err(DomainError::CorruptLedger(format!(
                    "bucket {} would go below zero",
                    s.bucket.0
                )));
            }
        }
        let available = book.available.checked_add(total)?;
        let book = &mut self.books[m];
        for s in split {
            if s.kind != BucketKind::Overdraft
                && let Some(i) = book.index_of(s.bucket)
            {
                // Every running balance was checked above: this cannot overflow.
                book.buckets[i].balance =
                    Amount::minor(book.buckets[i].balance.get() + s.amount.get());
            }
        }
        book.debt = debt;
        book.available = available;
        Ok(())
    }

    /// Refuses a consume or hold that would take its member past their monthly cap.
    fn check_member_cap(
        &self,
        m: usize,
        usage: &Usage,
        amount: Amount,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some(member) = &usage.member else {
            return Ok(());
        };
        let meter = &self.config.meters[m];
        let Some(cap) = self.config.member_cap(member, &meter.id) else {
            return Ok(());
        };
        let used = self.member_spent(m, member, at);
        if used.checked_add(amount)? > cap {
            return Err(DomainError::MemberCapReached {
                member: self
                    .config
                    .member(member)
                    .map_or_else(|| member.to_string(), |x| x.name.clone()),
                meter: meter.name.clone(),
                cap,
                used,
                requested: amount,
                decimals: meter.decimals,
            });
        }
        Ok(())
    }

    /// What `member` committed on meter `m` in the local month of `at`.
    fn member_spent(&self, m: usize, member: &MemberId, at: DateTime<Utc>) -> Amount {
        let month = self.local_month(at);
        self.spent
            .get(&(m, member.clone()))
            .filter(|s| s.month == month)
            .map_or(Amount::ZERO, |s| s.amount)
    }

    /// What `member` committed on `meter` this month (for the Team page and its caps).
    pub fn spent_this_month(&self, member: &MemberId, meter: &MeterId) -> Result<Amount> {
        let m = self.config.meter_index(meter)?;
        Ok(self.member_spent(m, member, self.now))
    }

    fn local_month(&self, at: DateTime<Utc>) -> (i32, u32) {
        local_month(self.config.timezone, at)
    }

    /// Whether a client key has been used (its operation would be answered, not run).
    pub fn knows_key(&self, key: &IdempotencyKey) -> bool {
        self.lookup(key.as_str()).is_some()
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
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Appends an entry; its balance is the meter's available balance now.
    fn push(&mut self, m: usize, mut d: Draft) -> EntryId {
        d.usage.intern(&mut self.interner);

        let id = EntryId(self.entries.len() as u64 + 1);
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
            usage: d.usage,
        });
        if let Some(e) = self.entries.last() {
            count_spend(&mut self.spent, self.config.timezone, m, e);
        }
        id
    }

    /// Rebuilds a ledger from its entries alone (as stored by a server), checking that every
    /// entry's balance follows from the ones before it.
    pub fn replay(
        config: AccountConfig,
        opened_at: DateTime<Utc>,
        entries: impl IntoIterator<Item = LedgerEntry>,
    ) -> Result<Ledger> {
        let mut ledger = Ledger::empty(config, opened_at)?;
        for e in entries {
            ledger.replay_entry(e)?;
        }
        Ok(ledger)
    }

    /// Continues a replay with entries stored after the ones this ledger holds (another
    /// writer's). On an error the ledger must be thrown away and rebuilt: the entries before
    /// the bad one stay applied.
    pub fn replay_more(&mut self, entries: impl IntoIterator<Item = LedgerEntry>) -> Result<()> {
        entries.into_iter().try_for_each(|e| self.replay_entry(e))
    }

    /// Whether a refill, rollover or expiry falls due by `t`. A server writes those before it
    /// answers, so every reader sees the balances they leave.
    pub fn is_due(&self, t: DateTime<Utc>) -> bool {
        self.next_due(t).is_some()
    }

    fn replay_entry(&mut self, mut e: LedgerEntry) -> Result<()> {
        e.usage.intern(&mut self.interner);
        e.meter = self.config.meters[self.config.meter_index(&e.meter)?]
            .id
            .clone();
        let corrupt = |msg: String| DomainError::CorruptLedger(format!("entry {}: {msg}", e.id));
        if e.id.0 != self.entries.len() as u64 + 1 {
            return Err(corrupt("ids are not contiguous".into()));
        }
        if e.at < self.now {
            return Err(corrupt("it is older than the entry before it".into()));
        }
        let m = self.config.meter_index(&e.meter)?;
        let sum = e
            .split
            .iter()
            .try_fold(Amount::ZERO, |acc, s| acc.checked_add(s.amount))?;
        if sum != e.amount {
            return Err(corrupt("its split does not add up to its amount".into()));
        }
        self.check_stored_rules(&e, m).map_err(corrupt)?;
        for s in &e.split {
            if s.kind != BucketKind::Overdraft && self.books[m].index_of(s.bucket).is_none() {
                self.insert_bucket(
                    m,
                    Bucket {
                        id: s.bucket,
                        kind: s.kind,
                        balance: Amount::ZERO,
                        granted_at: e.at,
                        expires_at: e.expires_at,
                    },
                );
                let next = s
                    .bucket
                    .0
                    .checked_add(1)
                    .ok_or_else(|| corrupt("its bucket id is out of range".into()))?;
                self.next_bucket = self.next_bucket.max(next);
            }
        }
        self.apply_shares(m, &e.split)?;
        if self.books[m].available != e.balance_after {
            return Err(corrupt(
                "its balance does not follow from the entries before it".into(),
            ));
        }
        let book = &mut self.books[m];
        match e.kind {
            EntryKind::Hold => {
                let amount = e.amount.checked_neg()?;
                book.held = book.held.checked_add(amount)?;
                self.holds.insert(
                    e.id,
                    PendingHold {
                        meter: m,
                        amount,
                        split: negated(&e.split),
                    },
                );
            }
            EntryKind::HoldRelease => {
                if let Some(h) = e.reverses.and_then(|id| self.holds.remove(&id)) {
                    book.held = book.held.checked_sub(h.amount)?;
                }
            }
            EntryKind::Refund => {
                if let Some(of) = e.reverses {
                    let done = self.refunded.get(&of).copied().unwrap_or_default();
                    self.refunded.insert(of, done.checked_add(e.amount)?);
                }
            }
            EntryKind::Refill => {
                book.included = e
                    .split
                    .iter()
                    .find(|s| s.kind == BucketKind::Included)
                    .map(|s| s.bucket);
                book.next_cycle = Some(self.config.billing.next_start(self.config.timezone, e.at));
            }
            EntryKind::AutoTopUp => {
                let local = self.config.timezone.date_of(e.at);
                let month = (local.year(), local.month());
                let used = if book.top_up_month == Some(month) {
                    book.top_up_total
                } else {
                    Amount::ZERO
                };
                book.top_up_month = Some(month);
                book.top_up_total = used.checked_add(e.amount)?;
            }
            _ => {}
        }
        let position = self.entries.len();
        let op = e.key.operation_key().map(str::to_owned);
        self.now = e.at;
        count_spend(&mut self.spent, self.config.timezone, m, &e);
        self.entries.push(e);
        if let Some(op) = op
            && self.lookup(&op).is_none()
        {
            self.index_new_key(&op, position);
        }
        Ok(())
    }

    /// The rules a stored entry must follow beyond its arithmetic: the sign its kind implies,
    /// and what it settles or reverses (checked before anything changes).
    fn check_stored_rules(&self, e: &LedgerEntry, m: usize) -> std::result::Result<(), String> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let expected = match e.kind {
            EntryKind::Consume | EntryKind::Hold | EntryKind::HoldCapture | EntryKind::Expiry => {
                Some(Less)
            }
            EntryKind::Purchase
            | EntryKind::AutoTopUp
            | EntryKind::Refill
            | EntryKind::Grant
            | EntryKind::Refund
            | EntryKind::HoldRelease => Some(Greater),
            EntryKind::Rollover => Some(Equal),
            EntryKind::Adjustment => None,
        };
        let sign = e.amount.get().cmp(&0);
        if expected.is_some_and(|x| x != sign) || (expected.is_none() && sign == Equal) {
            return Err(format!(
                "a {} of {} has the wrong sign",
                e.kind.as_str(),
                e.amount
            ));
        }
        match e.kind {
            EntryKind::HoldRelease => {
                let hold = e.reverses.and_then(|id| self.holds.get(&id));
                match hold {
                    Some(h) if h.meter == m && h.amount == e.amount => Ok(()),
                    _ => Err("it releases something that is not a pending hold in full".into()),
                }
            }
            EntryKind::HoldCapture => {
                // A capture directly follows the release of the whole hold it settles.
                let release = self.entries.last().filter(|r| {
                    r.kind == EntryKind::HoldRelease
                        && r.reverses.is_some()
                        && r.reverses == e.reverses
                });
                match release {
                    Some(r) if -e.amount.get() <= r.amount.get() && r.meter == e.meter => Ok(()),
                    _ => Err("a capture without the release of its hold, or above it".into()),
                }
            }
            EntryKind::Refund => {
                let charge = e.reverses.and_then(|id| self.entry(id));
                let Some(charge) = charge.filter(|c| {
                    matches!(c.kind, EntryKind::Consume | EntryKind::HoldCapture)
                        && c.meter == e.meter
                }) else {
                    return Err("a refund of something that is not a charge".into());
                };
                let done = self.refunded(charge.id).get();
                let refunded = done.checked_add(e.amount.get());
                if refunded.is_none_or(|r| r > -charge.amount.get()) {
                    return Err("it refunds more than was charged".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The balances without the history, for what-if simulations (the forecast). Entry ids of
    /// the fork start again at 1; its entries say what would happen, not what did.
    pub(crate) fn fork(&self) -> Ledger {
        Ledger {
            config: self.config.clone(),
            opened_at: self.opened_at,
            books: self.books.clone(),
            entries: Vec::new(),
            index: HashMap::default(),
            key_hasher: self.key_hasher.clone(),
            holds: self.holds.clone(),
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
            && self.entries == other.entries
            && self.holds == other.holds
            && self.refunded == other.refunded
            && self.next_bucket == other.next_bucket
    }
}

/// Index slot: almost always one entry; several only on a 64-bit hash collision.
#[derive(Debug, Clone)]
enum Slot {
    One(usize),
    Many(Vec<usize>),
}

/// The index keys are already hashes.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// An entry before it gets its id, meter and balance.
struct Draft {
    key: IdempotencyKey,
    at: DateTime<Utc>,
    kind: EntryKind,
    status: EntryStatus,
    split: Vec<Share>,
    expires_at: Option<DateTime<Utc>>,
    reverses: Option<EntryId>,
    usage: Usage,
}

impl Draft {
    fn new(
        key: IdempotencyKey,
        at: DateTime<Utc>,
        kind: EntryKind,
        status: EntryStatus,
        split: Vec<Share>,
    ) -> Self {
        Draft {
            key,
            at,
            kind,
            status,
            split,
            expires_at: None,
            reverses: None,
            usage: Usage::default(),
        }
    }

    fn usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    fn describe(mut self, text: &str) -> Self {
        self.usage.description = Label::new(text).ok();
        self
    }

    fn expires_at(mut self, expires_at: Option<DateTime<Utc>>) -> Self {
        self.expires_at = expires_at;
        self
    }

    fn reverses(mut self, id: EntryId) -> Self {
        self.reverses = Some(id);
        self
    }
}

fn job_status(status: JobStatus) -> EntryStatus {
    match status {
        JobStatus::Success => EntryStatus::Success,
        JobStatus::Failed => EntryStatus::Failed,
    }
}

fn positive(amount: Amount) -> Result<()> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(DomainError::NonPositiveAmount)
    }
}

fn negated(split: &[Share]) -> Vec<Share> {
    split
        .iter()
        .map(|s| Share {
            amount: Amount::minor(-s.amount.get()),
            ..*s
        })
        .collect()
}

/// The first `amount` of a split of positive shares.
fn take_front(split: &[Share], amount: Amount) -> Vec<Share> {
    let mut left = amount.get();
    let mut out = Vec::new();
    for s in split {
        if left <= 0 {
            break;
        }
        let take = left.min(s.amount.get());
        if take > 0 {
            out.push(Share {
                amount: Amount::minor(take),
                ..*s
            });
            left -= take;
        }
    }
    out
}

/// `split` minus a front part `taken` of it (same order, positive shares).
fn subtract(split: &[Share], taken: &[Share]) -> Vec<Share> {
    let mut out: Vec<Share> = split.to_vec();
    for (o, t) in out.iter_mut().zip(taken) {
        o.amount = Amount::minor(o.amount.get() - t.amount.get());
    }
    out.retain(|s| s.amount.is_positive());
    out
}
