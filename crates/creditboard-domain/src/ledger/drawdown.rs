//! Which buckets a debit draws from and where credits go, and the bucket bookkeeping that
//! moves amounts between them.

use super::Ledger;
use super::book::Bucket;
use crate::amount::{Amount, MAX_BALANCE};
use crate::config::meter::BucketKind;
use crate::entry::{BucketId, Share};
use crate::error::{DomainError, Result};
use chrono::{DateTime, Duration, Utc};

/// Where credited amounts go.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Existing(BucketId),
    New {
        kind: BucketKind,
        expires_at: Option<DateTime<Utc>>,
    },
}

impl Ledger {
    /// Where credits given back (a refund, a released hold) go: the buckets they came from.
    /// Overdraft debt they created may have been repaid since; only what is still owed goes
    /// back to the debt, the rest lands where purchases land (a bucket that never expires, so
    /// the entry needs no expiry of its own).
    pub(super) fn returned_split(
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
    pub(super) fn check_room(&self, m: usize, amount: Amount) -> Result<()> {
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
    pub(super) fn plan_debit(
        &self,
        m: usize,
        amount: Amount,
        at: DateTime<Utc>,
    ) -> Result<Vec<Share>> {
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
    pub(super) fn credit(
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

    pub(super) fn purchase_target(&self, m: usize, at: DateTime<Utc>) -> Target {
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

    pub(super) fn bank_bucket(&mut self, m: usize, at: DateTime<Utc>) -> Result<BucketId> {
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

    pub(super) fn insert_bucket(&mut self, m: usize, bucket: Bucket) {
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
    pub(super) fn apply_shares(&mut self, m: usize, split: &[Share]) -> Result<()> {
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
}

pub(super) fn negated(split: &[Share]) -> Vec<Share> {
    split
        .iter()
        .map(|s| Share {
            amount: Amount::minor(-s.amount.get()),
            ..*s
        })
        .collect()
}

/// The first `amount` of a split of positive shares.
pub(super) fn take_front(split: &[Share], amount: Amount) -> Vec<Share> {
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
pub(super) fn subtract(split: &[Share], taken: &[Share]) -> Vec<Share> {
    let mut out: Vec<Share> = split.to_vec();
    for (o, t) in out.iter_mut().zip(taken) {
        o.amount = Amount::minor(o.amount.get() - t.amount.get());
    }
    out.retain(|s| s.amount.is_positive());
    out
}
