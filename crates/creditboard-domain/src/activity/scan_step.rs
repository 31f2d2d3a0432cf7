//! What a scan of the stored entries asks the store for, and what settled each job from
//! what the store lends it: the parts [`super::ListingScan`] and [`super::ExportScan`]
//! share.

use crate::entry::{EntryId, LedgerEntry};
use crate::error::Wanted;
use std::collections::HashMap;

/// What a scan asks the store for next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanStep {
    /// The entries below this id, newest first, as many as the store reads at a time (none
    /// left: an empty chunk).
    Below(u64),
    /// The same, from `from` up only, and only those whose stored text (serde_json's compact
    /// form) contains one of `any_of`: the others cannot matter to the page (a settlement
    /// carries its job's attributes, so a job's settlements name what it names).
    Naming {
        below: u64,
        from: u64,
        any_of: Vec<String>,
    },
    /// The entries above this id, oldest first, likewise.
    Above(u64),
    /// Entries it did not read, by id, and what settled some jobs (lent as
    /// [`crate::ledger::Found`], as to a ledger).
    Lookup(Wanted),
    /// Nothing more: [`super::ListingScan::page`] (or [`super::ExportScan::chunk`]) answers.
    Done,
}

/// What settled each job, from the settling entries of some jobs (a settlement of a
/// settlement, such as a refund of a capture, goes to the job the capture settled), each
/// entry once, oldest first.
pub(super) fn settlements_by_job(
    entries: impl IntoIterator<Item = LedgerEntry>,
) -> HashMap<EntryId, Vec<LedgerEntry>> {
    let by_id: HashMap<EntryId, LedgerEntry> = entries
        .into_iter()
        .filter(|e| e.settles())
        .map(|e| (e.id, e))
        .collect();
    let mut jobs: HashMap<EntryId, Vec<LedgerEntry>> = HashMap::new();
    for e in by_id.values() {
        if let Some(job) = job_of(e, &by_id) {
            jobs.entry(job).or_default().push(e.clone());
        }
    }
    for settled in jobs.values_mut() {
        settled.sort_by_key(|e| e.id);
    }
    jobs
}

/// The job `e` settles, through the settlements between (all in `by_id`, the jobs not).
fn job_of(e: &LedgerEntry, by_id: &HashMap<EntryId, LedgerEntry>) -> Option<EntryId> {
    let mut of = e.reverses?;
    for _ in 0..by_id.len() {
        match by_id.get(&of).and_then(|p| p.reverses) {
            Some(up) => of = up,
            None => return Some(of),
        }
    }
    None
}
