//! A row as a person reads it: the entry that began a job and what its captures, releases
//! and refunds made of it.

use super::index::ActivityIndex;
use super::{ActivityRow, Settlement};
use crate::amount::Amount;
use crate::entry::{EntryKind, EntryStatus, LedgerEntry};

/// The row that entry `root` begins, its settling entries read from `entries` (the whole
/// ledger, by position). A listing may show a job whose settlement came after its snapshot:
/// a row always tells where the job stands now.
pub(super) fn job_row(index: &ActivityIndex, entries: &[LedgerEntry], root: usize) -> ActivityRow {
    let entry = entries[root].clone();
    let settling = index
        .settled_by
        .get(&(root as u32))
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|&i| entries.get(i as usize));
    settle(entry, settling)
}

/// A job from its first entry and the entries that settled it, oldest first.
pub(super) fn settle<'a>(
    entry: LedgerEntry,
    settling: impl Iterator<Item = &'a LedgerEntry>,
) -> ActivityRow {
    let mut amount = entry.amount.get();
    let mut status = entry.status;
    let (mut refunded, mut captured, mut released) = (0i64, 0i64, 0i64);
    let mut settled_at = None;
    let mut expired = false;
    let mut balance_after = entry.balance_after;
    for e in settling {
        amount = amount.saturating_add(e.amount.get());
        match e.kind {
            EntryKind::Refund => refunded = refunded.saturating_add(e.amount.get()),
            EntryKind::HoldCapture => {
                captured = captured.saturating_sub(e.amount.get());
                status = EntryStatus::Success;
                settled_at.get_or_insert(e.at);
            }
            EntryKind::HoldRelease => {
                released = released.saturating_add(e.amount.get());
                status = e.status;
                expired |= e.is_hold_expiry();
                settled_at.get_or_insert(e.at);
            }
            // A purchase's or top-up's payment: paid (its credits) or failed. Its row reads
            // the balance the credits made, not the one before they were paid.
            EntryKind::Purchase | EntryKind::AutoTopUp => {
                status = e.status;
                balance_after = e.balance_after;
            }
            _ => {}
        }
    }
    // A capture is written as a release of the whole hold and the charge: what went back
    // is the hold less what was charged.
    let released = Amount::minor(released.saturating_sub(captured));
    let entry = LedgerEntry {
        balance_after,
        ..entry
    };
    ActivityRow {
        status,
        amount: Amount::minor(amount),
        refunded: Amount::minor(refunded),
        settled: settled_at.map(|at| Settlement {
            at,
            captured: Amount::minor(captured),
            released,
            expired,
        }),
        entry,
    }
}
