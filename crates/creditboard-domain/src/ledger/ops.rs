//! The operations a client asks for: consume, hold, capture, release, refund, purchase,
//! grant and adjust, each checked whole before it writes, and the automatic top-up.

use super::drawdown::{Target, negated, subtract, take_front};
use super::new_entry::NewEntry;
use super::schedule::Returned;
use super::{Ledger, PendingHold};
use crate::amount::Amount;
use crate::config::meter::{BucketKind, TopUpAmount};
use crate::config::offer::price_of;
use crate::entry::{
    AdjustOp, CaptureOp, ConsumeOp, EntryId, EntryKind, EntryStatus, GrantOp, HoldOp, JobStatus,
    Operation, PurchaseOp, RefundOp, ReleaseOp, Requested, Share, Usage,
};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Label};
use crate::period::check_instant;
use chrono::{DateTime, Datelike, Utc};

impl Ledger {
    pub(super) fn apply_new(&mut self, op: Operation) -> Result<()> {
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
        let entry = NewEntry::new(
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
        let expires_at = self.config.holds.expiry(o.at, o.expires_in)?;
        let split = self.plan_debit(m, o.amount, o.at)?;
        let held = self.books[m].held.checked_add(o.amount)?;
        let before = self.books[m].available;
        self.apply_shares(m, &split)?;
        self.books[m].held = held;
        let reserved = negated(&split);
        let entry = NewEntry::new(
            o.key.clone(),
            o.at,
            EntryKind::Hold,
            EntryStatus::Pending,
            split,
        )
        .expires_at(Some(expires_at))
        .held_by(o.held_by)
        .usage(o.usage);
        let id = self.push(m, entry);
        let hold = PendingHold {
            meter: m,
            amount: o.amount,
            split: reserved,
            expires_at,
            legacy: false,
        };
        self.keep_hold(id, hold);
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
        self.drop_hold(o.hold);
        let release = NewEntry::new(
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
        let capture = NewEntry::new(
            o.key.clone(),
            o.at,
            EntryKind::HoldCapture,
            EntryStatus::Success,
            charge,
        )
        .reverses(o.hold)
        .usage(usage);
        self.push(m, capture);
        self.expire_closed(m, &returned, o.at, &o.key, Returned::Held)
    }

    fn release(&mut self, o: ReleaseOp) -> Result<()> {
        self.give_back_hold(o.hold, o.key, o.at, job_status(o.status))
    }

    /// Gives a pending hold back whole (released by its owner, or expired).
    pub(super) fn give_back_hold(
        &mut self,
        id: EntryId,
        key: IdempotencyKey,
        at: DateTime<Utc>,
        status: EntryStatus,
    ) -> Result<()> {
        let hold = self
            .holds
            .get(&id)
            .ok_or(DomainError::HoldNotPending(id.0))?
            .clone();
        let m = hold.meter;
        let held = self.books[m].held.checked_sub(hold.amount)?;
        let usage = self.entry(id).map(|e| e.usage.clone()).unwrap_or_default();
        let returned = self.returned_split(m, &hold.split, at)?;
        self.apply_shares(m, &returned)?;
        self.books[m].held = held;
        self.drop_hold(id);
        let entry = NewEntry::new(
            key.clone(),
            at,
            EntryKind::HoldRelease,
            status,
            returned.clone(),
        )
        .reverses(id)
        .usage(usage);
        self.push(m, entry);
        self.expire_closed(m, &returned, at, &key, Returned::Held)
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
        let entry = NewEntry::new(
            o.key.clone(),
            o.at,
            EntryKind::Refund,
            EntryStatus::Success,
            split.clone(),
        )
        .reverses(o.of)
        .usage(usage);
        self.push(m, entry);
        self.expire_closed(m, &split, o.at, &o.key, Returned::Refunded)
    }

    fn purchase(&mut self, o: PurchaseOp) -> Result<()> {
        let m = self.config.meter_index(&o.meter)?;
        positive(o.amount)?;
        self.check_room(m, o.amount)?;
        if let Some(price) = o.price {
            // Not paid yet: recorded pending, credited when the payment is settled.
            let entry = NewEntry::new(
                o.key.clone(),
                o.at,
                EntryKind::Purchase,
                EntryStatus::Pending,
                Vec::new(),
            )
            .usage(o.usage);
            let requested = Requested {
                credits: o.amount,
                price,
            };
            self.request_payment(m, entry, requested);
            return Ok(());
        }
        let target = self.purchase_target(m, o.at);
        let (split, expires_at) = self.credit(m, o.amount, target, o.at)?;
        let entry = NewEntry::new(
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
        let entry = NewEntry::new(
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
        let entry = NewEntry::new(
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
        let usage = Usage {
            description: Label::new("Automatic top-up").ok(),
            ..Usage::default()
        };
        if self.top_ups_wait_for_payment {
            // One at a time, and only what the meter's offer prices: requested pending, the
            // store charges it and settles it.
            let price = self
                .config
                .offer(&self.config.meters[m].id)
                .and_then(|o| price_of(amount, self.config.meters[m].decimals, o).ok());
            let Some(price) = price.filter(|_| !self.top_up_pending(m)) else {
                return;
            };
            let entry = NewEntry::new(
                key.derived("top-up"),
                at,
                EntryKind::AutoTopUp,
                EntryStatus::Pending,
                Vec::new(),
            )
            .usage(usage);
            self.request_payment(
                m,
                entry,
                Requested {
                    credits: amount,
                    price,
                },
            );
            let book = &mut self.books[m];
            book.top_up_month = Some(month);
            book.top_up_total = total;
            return;
        }
        let target = self.purchase_target(m, at);
        // A top-up that would overflow is skipped; the consume that triggered it stands.
        let Ok((split, expires_at)) = self.credit(m, amount, target, at) else {
            return;
        };
        let entry = NewEntry::new(
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
}

pub(super) fn job_status(status: JobStatus) -> EntryStatus {
    match status {
        JobStatus::Success => EntryStatus::Success,
        JobStatus::Failed => EntryStatus::Failed,
    }
}

pub(super) fn positive(amount: Amount) -> Result<()> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(DomainError::NonPositiveAmount)
    }
}
