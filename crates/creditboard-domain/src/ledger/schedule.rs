//! Events that fall due with time: billing-cycle refills, rollover into the bank and
//! expiries, written in time order before anything at a later instant.

use super::Ledger;
use super::drawdown::Target;
use super::new_entry::NewEntry;
use crate::amount::Amount;
use crate::config::meter::{BucketKind, UnusedAllocation};
use crate::entry::{EntryId, EntryKind, EntryStatus, Share, hold_expiry_key};
use crate::error::Result;
use crate::ids::IdempotencyKey;
use chrono::{DateTime, Utc};

/// How credits came back to a bucket that had closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Returned {
    /// A hold's release (or the release before its capture).
    Held,
    /// A refund.
    Refunded,
}

/// What falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// A meter's billing cycle starts.
    Cycle(usize),
    /// A pending hold expires.
    Hold(EntryId),
    /// A meter's bucket (by index) expires.
    Bucket(usize, usize),
}

impl Due {
    fn rank(self) -> (u8, usize) {
        match self {
            Due::Cycle(m) => (0, m),
            Due::Hold(_) => (1, 0),
            Due::Bucket(m, _) => (2, m),
        }
    }
}

impl Ledger {
    pub(super) fn write_due(&mut self, t: DateTime<Utc>) -> Result<()> {
        while let Some((at, due)) = self.next_due(t) {
            match due {
                Due::Cycle(m) => self.run_cycle(m, at)?,
                Due::Hold(id) => self.expire_hold(id, at)?,
                Due::Bucket(m, i) => self.expire_bucket(m, i, at, None)?,
            }
        }
        self.now = t;
        Ok(())
    }

    /// Whether a refill, rollover or expiry (of credits or of a hold) falls due by `t`. A
    /// server writes those before it answers, so every reader sees the balances they leave.
    pub fn is_due(&self, t: DateTime<Utc>) -> bool {
        self.next_due(t).is_some()
    }

    /// When the next refill, rollover or expiry falls due (`None`: nothing ever will, as
    /// things stand), so a server visits the account then rather than every account always.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.next_due(DateTime::<Utc>::MAX_UTC).map(|(at, _)| at)
    }

    /// Whether a hold expires by `t` (its release changes holds and members' spend, which a
    /// refused operation must then put back).
    pub(super) fn hold_due(&self, t: DateTime<Utc>) -> bool {
        self.hold_expiries.first().is_some_and(|(at, _)| *at <= t)
    }

    /// The earliest event due by `t`. At the same instant: cycle starts, then holds, then
    /// buckets; lower meters before higher.
    pub(super) fn next_due(&self, t: DateTime<Utc>) -> Option<(DateTime<Utc>, Due)> {
        let mut best: Option<(DateTime<Utc>, Due)> = None;
        let mut consider = |at: DateTime<Utc>, due: Due| {
            if at <= t && best.is_none_or(|(b, d)| (at, due.rank()) < (b, d.rank())) {
                best = Some((at, due));
            }
        };
        if let Some(&(at, id)) = self.hold_expiries.first() {
            consider(at, Due::Hold(id));
        }
        for (m, book) in self.books.iter().enumerate() {
            if let Some(c) = book.next_cycle {
                consider(c, Due::Cycle(m));
            }
            for (i, b) in book.buckets.iter().enumerate() {
                if b.kind != BucketKind::Included
                    && b.balance.is_positive()
                    && let Some(e) = b.expires_at
                {
                    consider(e, Due::Bucket(m, i));
                }
            }
        }
        best
    }

    /// A hold nobody settled in time: given back whole, as a release the ledger writes.
    fn expire_hold(&mut self, id: EntryId, at: DateTime<Utc>) -> Result<()> {
        // A hold stored before holds expired may be overdue: released now, not in the past.
        let last = self.newest_at();
        self.give_back_hold(id, hold_expiry_key(id), at.max(last), EntryStatus::Failed)
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
    /// returned to a bucket that had already closed) and why, `None` for a scheduled expiry.
    fn expire_bucket(
        &mut self,
        m: usize,
        i: usize,
        at: DateTime<Utc>,
        op: Option<(&IdempotencyKey, Returned)>,
    ) -> Result<()> {
        let b = &self.books[m].buckets[i];
        let (id, kind, balance) = (b.id, b.kind, b.balance);
        let split = vec![Share {
            bucket: id,
            kind,
            amount: balance.checked_neg()?,
        }];
        self.apply_shares(m, &split)?;
        let n = (self.count() + 1).to_string();
        let key = match op {
            Some((k, _)) => k.derived(&format!("expiry-{}", id.0)),
            None => IdempotencyKey::system(&["expiry", self.config.meters[m].id.as_str(), &n]),
        };
        let why = match (op, kind) {
            (Some((_, Returned::Held)), _) => {
                "Held credits expired: their bucket ended while they were held"
            }
            (Some((_, Returned::Refunded)), _) => {
                "Refunded credits expired: their bucket had ended"
            }
            (None, BucketKind::Promotional) => "Promotional credits expired",
            (None, _) => "Credits expired",
        };
        let entry =
            NewEntry::new(key, at, EntryKind::Expiry, EntryStatus::Success, split).describe(why);
        self.push(m, entry);
        Ok(())
    }

    /// Credits returned to buckets that have closed expire at once, as an entry saying why:
    /// neither a refund nor a hold's release revives credits past their bucket's expiry
    /// (held credits stay their bucket's).
    pub(super) fn expire_closed(
        &mut self,
        m: usize,
        returned: &[Share],
        at: DateTime<Utc>,
        op: &IdempotencyKey,
        why: Returned,
    ) -> Result<()> {
        for s in returned {
            if s.kind == BucketKind::Overdraft {
                continue;
            }
            if let Some(i) = self.books[m].index_of(s.bucket) {
                let b = &self.books[m].buckets[i];
                if !b.is_open(at) && b.balance.is_positive() {
                    self.expire_bucket(m, i, at, Some((op, why)))?;
                }
            }
        }
        Ok(())
    }
}
