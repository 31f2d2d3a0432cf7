//! Events that fall due with time: billing-cycle refills, rollover into the bank and
//! expiries, written in time order before anything at a later instant.

use super::Ledger;
use super::drawdown::Target;
use super::new_entry::NewEntry;
use crate::amount::Amount;
use crate::config::meter::{BucketKind, UnusedAllocation};
use crate::entry::{EntryKind, EntryStatus, Share};
use crate::error::Result;
use crate::ids::IdempotencyKey;
use chrono::{DateTime, Utc};

impl Ledger {
    pub(super) fn write_due(&mut self, t: DateTime<Utc>) -> Result<()> {
        while let Some((at, m, bucket)) = self.next_due(t) {
            match bucket {
                None => self.run_cycle(m, at)?,
                Some(i) => self.expire_bucket(m, i, at, None)?,
            }
        }
        self.now = t;
        Ok(())
    }

    /// Whether a refill, rollover or expiry falls due by `t`. A server writes those before it
    /// answers, so every reader sees the balances they leave.
    pub fn is_due(&self, t: DateTime<Utc>) -> bool {
        self.next_due(t).is_some()
    }

    /// The earliest event due by `t`: `(when, meter, None)` for a cycle start,
    /// `(when, meter, Some(bucket index))` for an expiry. Cycles go before expiries at the
    /// same instant, lower meters before higher.
    pub(super) fn next_due(
        &self,
        t: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, usize, Option<usize>)> {
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
                    let entry = NewEntry::new(
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
                let entry = NewEntry::new(
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
        let entry = NewEntry::new(
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
            NewEntry::new(key, at, EntryKind::Expiry, EntryStatus::Success, split).describe(why);
        self.push(m, entry);
        Ok(())
    }

    /// Credits returned to buckets that have closed expire at once: a refund never revives
    /// credits past their expiry.
    pub(super) fn expire_closed(
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
}
