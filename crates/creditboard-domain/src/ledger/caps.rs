//! Member caps: what each member committed on each meter this local month, and the check
//! that refuses a consume or hold past their cap.

use super::Ledger;
use crate::amount::Amount;
use crate::entry::{EntryKind, LedgerEntry, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{MemberId, MeterId};
use crate::tz::Timezone;
use chrono::{DateTime, Datelike, Utc};
use std::collections::HashMap;

fn local_month(tz: Timezone, at: DateTime<Utc>) -> (i32, u32) {
    let local = tz.date_of(at);
    (local.year(), local.month())
}

/// Keeps the members' monthly totals up with an entry just written or replayed.
/// `undoes`: when the entry settles or refunds another, that entry's time. A release, capture
/// or refund counts against the month of the spend it undoes: one that undoes an earlier
/// month's spend leaves this month's total alone (it would otherwise go below what was
/// spent, and the cap could be spent twice).
pub(super) fn count_spend(
    spent: &mut HashMap<(usize, MemberId), MonthSpend>,
    tz: Timezone,
    m: usize,
    e: &LedgerEntry,
    undoes: Option<DateTime<Utc>>,
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
    if undoes.is_some_and(|t| local_month(tz, t) < month) {
        return;
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct MonthSpend {
    month: (i32, u32),
    amount: Amount,
}

impl Ledger {
    /// Refuses a consume or hold that would take its member past their monthly cap.
    pub(super) fn check_member_cap(
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
                member: self.config.member_name(member),
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
}
