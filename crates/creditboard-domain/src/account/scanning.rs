//! Reads a copy opened from its snapshot answers by a scan of the stored entries rather than
//! its history: a filtered listing's page, a chunk of the dashboard's export. The read
//! prepares the scan and wants it run ([`Wanted::scan`]); the store takes it
//! ([`Account::take_scan`]), feeds it and lends it back finished ([`Account::lend_scan`]);
//! asked again, the read answers with what it made.

use super::Account;
use crate::activity::{
    ActivityPage, ExportChunk, ExportRequest, ExportScan, ListingScan, PageRequest, ScanStep,
};
use crate::entry::LedgerEntry;
use crate::error::{DomainError, Result, Wanted};
use crate::ledger::Found;

/// What a finished scan made, for the request that wanted it, over the entries it read.
#[derive(Debug, Clone)]
pub(super) enum Scanned {
    Listing {
        request: PageRequest,
        count: u64,
        page: ActivityPage,
    },
    Export {
        request: ExportRequest,
        count: u64,
        chunk: ExportChunk,
    },
}

impl Account {
    /// The scan a read wants run, if any.
    pub fn take_scan(&mut self) -> Option<Scan> {
        self.scanning.take()
    }

    /// A scan the store ran to its end: what it made answers the read that wanted it (on
    /// this copy, with these entries), until what was lent is forgotten.
    pub fn lend_scan(&mut self, scan: Scan) -> Result<()> {
        self.scanned = Some(match scan {
            Scan::Listing(s) => Scanned::Listing {
                request: s.request().clone(),
                count: s.count(),
                page: s.page()?,
            },
            Scan::Export(s) => Scanned::Export {
                request: s.request().clone(),
                count: s.count(),
                chunk: s.chunk(),
            },
        });
        Ok(())
    }

    /// The page a scan made for `request`, if one did for these entries.
    pub(super) fn scanned_page(&self, request: &PageRequest) -> Option<ActivityPage> {
        match &self.scanned {
            Some(Scanned::Listing {
                request: r,
                count,
                page,
            }) if r == request && *count == self.ledger.count() as u64 => Some(page.clone()),
            _ => None,
        }
    }

    /// The chunk a scan made for `request`, if one did for these entries.
    pub(super) fn scanned_chunk(&self, request: &ExportRequest) -> Option<ExportChunk> {
        match &self.scanned {
            Some(Scanned::Export {
                request: r,
                count,
                chunk,
            }) if r == request && *count == self.ledger.count() as u64 => Some(chunk.clone()),
            _ => None,
        }
    }

    /// Wants `scan` run by the store.
    pub(super) fn want_scan<T>(&mut self, scan: Scan) -> Result<T> {
        self.scanning = Some(scan);
        Err(DomainError::NotHeld(Box::new(Wanted {
            scan: true,
            ..Wanted::default()
        })))
    }
}

/// A scan the store runs for a copy without its history: a filtered listing's page, or a
/// chunk of the dashboard's export.
#[derive(Debug, Clone)]
pub enum Scan {
    Listing(ListingScan),
    Export(ExportScan),
}

impl Scan {
    pub fn next(&self) -> ScanStep {
        match self {
            Scan::Listing(s) => s.next(),
            Scan::Export(s) => s.next(),
        }
    }

    pub fn feed(&mut self, entries: &[LedgerEntry]) {
        match self {
            Scan::Listing(s) => s.feed(entries),
            Scan::Export(s) => s.feed(entries),
        }
    }

    pub fn lend(&mut self, found: Found) {
        match self {
            Scan::Listing(s) => s.lend(found),
            Scan::Export(s) => s.lend(found),
        }
    }

    /// The newest entry it reads: what it looks up is at or below it.
    pub fn count(&self) -> u64 {
        match self {
            Scan::Listing(s) => s.count(),
            Scan::Export(s) => s.count(),
        }
    }
}
