//! Rebuilding a ledger from its stored entries, checking that each one follows from the
//! entries before it.

use super::book::Bucket;
use super::caps::count_spend;
use super::drawdown::negated;
use super::payments::PendingPayment;
use super::{Ledger, PendingHold};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::config::meter::BucketKind;
use crate::entry::{EntryKind, EntryStatus, LedgerEntry, is_hold_expiry_key};
use crate::error::{DomainError, Result};
use chrono::{DateTime, Datelike, Utc};

impl Ledger {
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

    /// An operation's entries are written together: a key already in the ledger may come
    /// again only as the next entry of that same operation (system entries the ledger writes
    /// on the way may sit between), and never twice whole.
    fn check_same_operation(
        &self,
        first: usize,
        e: &LedgerEntry,
    ) -> std::result::Result<(), String> {
        let op = e.key.operation_key();
        for earlier in (first..).map_while(|p| self.at_position(p)) {
            if earlier.key == e.key {
                return Err(format!(
                    "its key “{}” is entry {}'s",
                    e.key.as_str(),
                    earlier.id
                ));
            }
            if earlier.key.operation_key().is_some_and(|k| Some(k) != op) {
                return Err(format!(
                    "its operation “{}” was already written, before entry {}",
                    op.unwrap_or_default(),
                    earlier.id
                ));
            }
        }
        Ok(())
    }

    /// The ledger releases a hold at its expiry before anything later: no entry may come
    /// after a hold's expiry while it is pending, and the release the ledger writes comes
    /// exactly then.
    fn check_holds_expire(&self, e: &LedgerEntry) -> std::result::Result<(), String> {
        let overdue = self
            .hold_expiries
            .iter()
            .take_while(|(at, _)| *at < e.at)
            .find(|(_, id)| self.holds.get(id).is_some_and(|h| !h.legacy));
        if let Some((at, id)) = overdue {
            return Err(format!(
                "hold {id} expired at {} but is still pending",
                at.to_rfc3339()
            ));
        }
        if is_hold_expiry_key(&e.key) {
            let hold = e.reverses.and_then(|id| self.holds.get(&id));
            let due = hold.map(|h| h.expires_at);
            // On time; a legacy hold at the first write after its time.
            let on_time =
                hold.is_some_and(|h| h.expires_at == e.at || (h.legacy && h.expires_at < e.at));
            if !e.is_hold_expiry() || !on_time {
                return Err(format!(
                    "a hold's expiry written at {} when the hold was due at {}",
                    e.at.to_rfc3339(),
                    due.map_or("no time (it is not pending)".into(), |d| d.to_rfc3339())
                ));
            }
        }
        Ok(())
    }

    fn replay_entry(&mut self, mut e: LedgerEntry) -> Result<()> {
        e.usage.intern(&mut self.interner);
        e.meter = self.config.meters[self.config.meter_index(&e.meter)?]
            .id
            .clone();
        let corrupt = |msg: String| DomainError::CorruptLedger(format!("entry {}: {msg}", e.id));
        if e.id.0 != self.count() as u64 + 1 {
            return Err(corrupt("ids are not contiguous".into()));
        }
        // What it reverses may be before the entries held: looked up first.
        if let Some(id) = e.reverses {
            self.reach(id)?;
        }
        // Stored entries never go back in time. (This ledger's own clock may be ahead of
        // them: another process may stamp its entries by a clock a little behind.)
        let previous = self.newest_at();
        if e.at < previous {
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
        self.check_holds_expire(&e).map_err(corrupt)?;
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
                // Holds stored before they had an expiry get the account's default.
                let expires_at = match e.expires_at {
                    Some(x) => x,
                    None => self.config.holds.expiry(e.at, None)?,
                };
                let hold = PendingHold {
                    meter: m,
                    amount,
                    split: negated(&e.split),
                    expires_at,
                    legacy: e.expires_at.is_none(),
                };
                self.keep_hold(e.id, hold);
            }
            EntryKind::HoldRelease => {
                let amount = e
                    .reverses
                    .and_then(|id| self.drop_hold(id))
                    .map(|h| h.amount);
                if let Some(amount) = amount {
                    let book = &mut self.books[m];
                    book.held = book.held.checked_sub(amount)?;
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
                // The refill says when its cycle ends (a billing day changed since does not
                // move it); refills stored without it end on the day configured.
                book.next_cycle =
                    Some(e.expires_at.unwrap_or_else(|| {
                        self.config.billing.next_start(self.config.timezone, e.at)
                    }));
            }
            // A top-up counts against its month when requested (or posted at once); a failed
            // one stops counting, a paid one was counted already.
            EntryKind::AutoTopUp if e.reverses.is_none() => {
                let counted = match &e.requested {
                    Some(r) => r.credits,
                    None => e.amount,
                };
                let local = self.config.timezone.date_of(e.at);
                let month = (local.year(), local.month());
                let used = if book.top_up_month == Some(month) {
                    book.top_up_total
                } else {
                    Amount::ZERO
                };
                book.top_up_month = Some(month);
                book.top_up_total = used.checked_add(counted)?;
            }
            _ => {}
        }
        if let Some(r) = e
            .requested
            .as_ref()
            .filter(|_| e.status == EntryStatus::Pending)
        {
            let pending = PendingPayment {
                meter: m,
                credits: r.credits,
            };
            self.payments.insert(e.id, pending);
        }
        // A payment's settlement ends it (the removal happens whatever its kind).
        if let Some(id) = e.reverses.filter(|_| e.settles_payment())
            && let Some(p) = self.payments.remove(&id)
            && e.kind == EntryKind::AutoTopUp
            && e.status == EntryStatus::Failed
        {
            self.forget_top_up(m, id, p.credits);
        }
        let position = self.count();
        let op = e.key.operation_key().map(str::to_owned);
        // Only among the keys held or lent: an operation's entries are stored together, and a
        // snapshot is taken between operations, so a held entry's operation is held whole.
        let known = op.as_deref().and_then(|op| self.indexed(op));
        if let Some(first) = known {
            self.check_same_operation(first, &e).map_err(corrupt)?;
        }
        self.now = self.now.max(e.at);
        let undoes = e.reverses.and_then(|id| self.entry(id)).map(|r| r.at);
        count_spend(&mut self.spent, self.config.timezone, m, &e, undoes);
        self.entries.push(e);
        if let Some(op) = op
            && known.is_none()
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
        // A purchase or top-up waiting for its payment, or whose payment failed, adds nothing.
        let unpaid =
            e.kind.is_paid_for() && matches!(e.status, EntryStatus::Pending | EntryStatus::Failed);
        let expected = if unpaid { Some(Equal) } else { expected };
        let sign = e.amount.get().cmp(&0);
        if expected.is_some_and(|x| x != sign) || (expected.is_none() && sign == Equal) {
            return Err(format!(
                "a {} of {} has the wrong sign",
                e.kind.as_str(),
                e.amount
            ));
        }
        if e.status == EntryStatus::Pending && e.kind.is_paid_for() && e.requested.is_none() {
            return Err("a pending purchase or top-up without what it asks for".into());
        }
        if let Some(id) = e.reverses.filter(|_| e.settles_payment()) {
            let pending = self.payments.get(&id);
            let paid = e.status == EntryStatus::Success;
            return match pending {
                Some(p) if p.meter == m && (!paid || p.credits == e.amount) => Ok(()),
                _ => Err("it settles something that is not a payment waiting for it".into()),
            };
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
                let last = self.count().checked_sub(1);
                let release = last.and_then(|p| self.at_position(p)).filter(|r| {
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
}
