//! The credit-activity ledger as the Activity page and `GET /api/v1/ledger` show it: one
//! filtered page, newest first, with the count and sum of everything matching, and the CSV
//! export of the same set.
//!
//! A listing reads from a snapshot: the newest entry id when it began. Entries appended later
//! get higher ids, so they never shift a page: paging back and forth shows every matching row
//! exactly once however many entries arrive meanwhile (the page says how many are newer). The
//! cursor is that snapshot with a page number; the export walks the same set by id (a keyset),
//! chunk by chunk.

mod export;
mod index;
mod listing;

pub use export::{CSV_HEADER, ExportChunk, ExportRequest, csv_line, export_chunk, local_iso};
pub use index::ActivityIndex;
pub use listing::activity_page;

use crate::amount::Amount;
use crate::entry::{EntryId, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::ids::MeterId;
use crate::period::{DateRange, Period};
use crate::usage::filter::LedgerFilter;
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

/// A row with what the entry alone does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityRow {
    pub entry: LedgerEntry,
    /// How much of this charge has been refunded (a failed job's refund): shown with it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: Amount,
    /// A hold whose job is still running.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// Count and sum of the matching entries of one meter (units differ between meters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterTotal {
    pub meter: MeterId,
    pub count: u64,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    /// The local days covered; `None` for the whole history.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub range: Option<DateRange>,
    pub rows: Vec<ActivityRow>,
    pub page: u32,
    pub size: u32,
    /// Matching entries up to the snapshot.
    pub total_count: u64,
    /// Per meter, in the account's meter order; meters without a match are left out.
    pub totals: Vec<MeterTotal>,
    /// Pass back to keep paging the same set.
    pub snapshot: EntryId,
    /// Matching entries that arrived after the snapshot.
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
