//! Purchases and automatic top-ups that a payment provider must take before their credits
//! post: written pending (nothing added, the price recorded), then settled as paid (the
//! credits, on the pending entry's row) or failed (nothing, with the reason). The ledger
//! never calls a provider; the store does, between the two writes, with the pending
//! entry's key, so a retry or a restart never charges twice.

use super::Ledger;
use super::new_entry::NewEntry;
use crate::amount::Amount;
use crate::entry::{
    EntryId, EntryKind, EntryStatus, LedgerEntry, PaymentResult, Receipt, Requested,
    failed_payment_text,
};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Label};
use crate::period::check_instant;
use chrono::{DateTime, Datelike, Utc};

/// A purchase or top-up waiting for its payment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct PendingPayment {
    pub(super) meter: usize,
    pub(super) credits: Amount,
}

impl Ledger {
    /// From now on, automatic top-ups are requested pending and posted when paid (a store
    /// with a payment provider it calls between writes); before, they post at once.
    pub fn top_ups_wait_for_payment(&mut self) {
        self.top_ups_wait_for_payment = true;
    }

    /// Automatic top-ups post at once again: what-if simulations assume they are paid.
    pub(crate) fn top_ups_post_at_once(&mut self) {
        self.top_ups_wait_for_payment = false;
    }

    /// Purchases and top-ups written pending and not settled yet, oldest first.
    pub fn pending_payments(&self) -> impl Iterator<Item = &LedgerEntry> {
        self.payments.keys().filter_map(|id| self.entry(*id))
    }

    /// Whether entry `id` is a purchase or top-up waiting for its payment.
    pub fn is_pending_payment(&self, id: EntryId) -> bool {
        self.payments.contains_key(&id)
    }

    /// Where purchase or top-up `id` stands: pending, or how its payment ended (a purchase
    /// posted at once is a success).
    pub fn payment_status(&self, id: EntryId) -> Result<EntryStatus> {
        if self.payments.contains_key(&id) {
            return Ok(EntryStatus::Pending);
        }
        Ok(match self.reach(id)? {
            Some(first) if first.status != EntryStatus::Pending => first.status,
            _ => self
                .payment_settlement(id)?
                .map_or(EntryStatus::Failed, |e| e.status),
        })
    }

    /// The entry that settled pending purchase or top-up `id` (paid or failed).
    pub fn payment_settlement(&self, id: EntryId) -> Result<Option<&LedgerEntry>> {
        let start = usize::try_from(id.0)
            .unwrap_or(usize::MAX)
            .saturating_sub(self.base);
        let held = self.entries.get(start..).unwrap_or_default().iter();
        let found = self
            .lent_after(id)
            .chain(held)
            .find(|e| e.reverses == Some(id) && e.settles_payment());
        if found.is_none() {
            // It may be among the entries not held.
            self.needs_settlement(id)?;
        }
        Ok(found)
    }

    /// Why pending purchase or top-up `id`'s payment failed, if it did.
    pub fn payment_failure(&self, id: EntryId) -> Result<Option<String>> {
        let settlement = self.payment_settlement(id)?;
        Ok(settlement
            .and_then(|s| s.payment_failure())
            .map(|(_, reason)| reason))
    }

    /// Writes a purchase or top-up pending: nothing added, its price and credits recorded.
    pub(super) fn request_payment(
        &mut self,
        m: usize,
        entry: NewEntry,
        requested: Requested,
    ) -> EntryId {
        let credits = requested.credits;
        let id = self.push(m, entry.requested(requested));
        self.payments
            .insert(id, PendingPayment { meter: m, credits });
        id
    }

    /// Whether meter `m` has a top-up waiting for its payment (one at a time).
    pub(super) fn top_up_pending(&self, m: usize) -> bool {
        self.payments.iter().any(|(id, p)| {
            p.meter == m
                && self
                    .entry(*id)
                    .is_some_and(|e| e.kind == EntryKind::AutoTopUp)
        })
    }

    /// Settles pending purchase or top-up `id` as the payment provider answered: paid, its
    /// credits post (where the meter's purchases go); failed, nothing is added and the
    /// reason is written. Either is an entry on the pending one's row, keyed by the ledger.
    pub fn settle_payment(
        &mut self,
        id: EntryId,
        result: &PaymentResult,
        at: DateTime<Utc>,
    ) -> Result<Receipt> {
        check_instant(at)?;
        let pending = self
            .payments
            .get(&id)
            .cloned()
            .ok_or(DomainError::PaymentNotPending(id.0))?;
        let first = self.entry(id).ok_or(DomainError::UnknownEntry(id.0))?;
        let (kind, mut usage) = (first.kind, first.usage.clone());
        let what = usage
            .description
            .as_ref()
            .map_or_else(|| kind.label().to_string(), |d| d.to_string());
        let m = pending.meter;
        self.run(at, |l| {
            let start = l.count();
            let entry = match result {
                PaymentResult::Paid { reference } => {
                    l.check_room(m, pending.credits)?;
                    let target = l.purchase_target(m, at);
                    let (split, expires_at) = l.credit(m, pending.credits, target, at)?;
                    usage.description = Label::fitted(&format!("{what} (paid: {reference})"));
                    NewEntry::new(paid_key(id), at, kind, EntryStatus::Success, split)
                        .expires_at(expires_at)
                }
                PaymentResult::Failed { reason } => {
                    if kind == EntryKind::AutoTopUp {
                        l.forget_top_up(m, id, pending.credits);
                    }
                    usage.description = Label::fitted(&failed_payment_text(&what, reason));
                    NewEntry::new(failed_key(id), at, kind, EntryStatus::Failed, Vec::new())
                }
            };
            l.payments.remove(&id);
            l.push(m, entry.reverses(id).usage(usage));
            Ok(start)
        })
    }

    /// A failed top-up does not count against the month's top-up cap.
    pub(super) fn forget_top_up(&mut self, m: usize, id: EntryId, credits: Amount) {
        let Some(requested_at) = self.entry(id).map(|e| e.at) else {
            return;
        };
        let local = self.config.timezone.date_of(requested_at);
        let book = &mut self.books[m];
        if book.top_up_month == Some((local.year(), local.month())) {
            book.top_up_total =
                Amount::minor(book.top_up_total.get().saturating_sub(credits.get()));
        }
    }
}

/// The key of the entry that posts pending payment `id`'s credits.
pub(super) fn paid_key(id: EntryId) -> IdempotencyKey {
    IdempotencyKey::system(&["paid", &id.0.to_string()])
}

/// The key of the entry that says pending payment `id` failed.
pub(super) fn failed_key(id: EntryId) -> IdempotencyKey {
    IdempotencyKey::system(&["payment-failed", &id.0.to_string()])
}
