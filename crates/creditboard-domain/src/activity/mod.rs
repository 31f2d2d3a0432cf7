//! The credit-activity ledger as the Activity page and `GET /api/v1/ledger` show it: one
//! filtered page, newest first, with the count and sum of everything matching, and the CSV
//! export of the same set.
//!
//! A listing reads from a snapshot: the newest entry id when it began. Entries appended later
//! get higher ids, so they never shift a page: paging back and forth shows every matching row
//! exactly once however many entries arrive meanwhile (the page says how many are newer). The
//! cursor is that snapshot with a page number; the export walks the same set by id (a keyset),
//! chunk by chunk, from the ledger held whole or, as [`ExportStream`], from the entries as a
//! store reads them.

mod blocks;
mod export;
mod export_scan;
mod index;
mod job;
mod listing;
mod partial;
mod scan;
mod scan_step;
mod stream;

pub use blocks::BlockSums;
pub use export::{CSV_HEADER, ExportChunk, ExportRequest, csv_line, export_chunk, local_iso};
pub use export_scan::ExportScan;
pub use index::ActivityIndex;
pub use listing::activity_page;
pub use partial::{partial_page, without_history};
pub use scan::ListingScan;
pub use scan_step::ScanStep;
pub use stream::ExportStream;

use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::entry::{EntryId, EntryKind, EntryStatus, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::MeterId;
use crate::period::{DateRange, Period};
use crate::usage::filter::LedgerFilter;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The page sizes the Activity page offers.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
/// The largest page an API client may ask for.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Rows per export chunk: small enough to report progress, large enough to be cheap.
pub const EXPORT_CHUNK_ROWS: u32 = 5000;

/// Which entries a listing shows. No period: the whole history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<MeterId>,
    #[serde(default)]
    pub filter: LedgerFilter,
}

impl ActivityQuery {
    /// A listing's rows are jobs and entries that stand alone: a kind that only ever settles
    /// another row cannot be one.
    pub fn check(&self) -> Result<()> {
        match self.filter.kinds.iter().find(|k| k.settles()) {
            Some(k) => Err(DomainError::InvalidQuery(format!(
                "“{}” is not a type of row: a {} is shown on the row of the job it settles (filter by status instead)",
                k.as_str(),
                settling_name(*k)
            ))),
            None => Ok(()),
        }
    }
}

impl ActivityQuery {
    /// Whether its meter, if it names one, is one of the account's.
    pub(crate) fn check_meter(&self, config: &AccountConfig) -> Result<()> {
        match &self.meter {
            Some(m) => config.meter(m).map(|_| ()),
            None => Ok(()),
        }
    }
}

fn settling_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Refund => "refund",
        EntryKind::HoldCapture => "hold's capture",
        _ => "hold's release",
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageRequest {
    pub query: ActivityQuery,
    pub size: u32,
    /// 1-based.
    pub page: u32,
    /// The newest entry the listing includes; `None` starts a fresh listing at the newest now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<EntryId>,
}

impl PageRequest {
    pub fn check(&self) -> Result<()> {
        self.query.check()?;
        if self.size == 0 || self.size > MAX_PAGE_SIZE {
            return Err(DomainError::InvalidQuery(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                self.size
            )));
        }
        if self.page == 0 {
            return Err(DomainError::InvalidQuery(
                "pages are numbered from 1".into(),
            ));
        }
        Ok(())
    }
}

/// A row of the listing: a job (a charge or a hold) with what became of it, or an entry that
/// stands alone (a purchase, a refill). Captures, releases and refunds are not rows of their
/// own: they are the life of the row they settle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityRow {
    /// The entry that began the row: the charge, the hold, the purchase.
    pub entry: LedgerEntry,
    /// Where the job stands now: `pending` only while credits are held for it.
    pub status: EntryStatus,
    /// What it comes to now: the charge net of its refunds; a hold's capture net of its
    /// refunds (zero once released); the entry's own amount for everything else.
    pub amount: Amount,
    /// How much of the charge has been given back.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: Amount,
    /// When and how a hold was settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<Settlement>,
}

impl ActivityRow {
    /// Credits are held for it now.
    pub fn is_pending(&self) -> bool {
        self.status == EntryStatus::Pending
    }
}

/// How a hold ended: captured (in part or whole) or released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    pub at: DateTime<Utc>,
    /// Charged out of the hold (zero when it was released whole).
    pub captured: Amount,
    /// Given back out of the hold.
    pub released: Amount,
    /// Released by the ledger because nobody settled the hold before it expired.
    #[serde(default)]
    pub expired: bool,
}

/// What the matching rows of one meter come to (units differ between meters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterTotal {
    pub meter: MeterId,
    /// Matching rows.
    pub count: u64,
    /// Usage in the period: charges net of their refunds, by the day each entry was written,
    /// as the usage page counts it.
    pub used: Amount,
    /// Credits added in the period: refills, purchases, top-ups, grants, upward corrections.
    pub added: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    /// The local days covered; `None` for the whole history.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub range: Option<DateRange>,
    pub rows: Vec<ActivityRow>,
    /// The page shown: the one asked for, or the last when that is past the end.
    pub page: u32,
    pub size: u32,
    /// Matching rows up to the snapshot.
    pub total_count: u64,
    /// Per meter, in the account's meter order; meters without a match are left out.
    pub totals: Vec<MeterTotal>,
    /// Pass back to keep paging the same set.
    pub snapshot: EntryId,
    /// Matching rows that arrived after the snapshot.
    pub newer: u64,
}

impl ActivityPage {
    pub fn pages(&self) -> u32 {
        let size = u64::from(self.size.max(1));
        u32::try_from(self.total_count.div_ceil(size).max(1)).unwrap_or(u32::MAX)
    }
}

fn is_zero(a: &Amount) -> bool {
    a.is_zero()
}
