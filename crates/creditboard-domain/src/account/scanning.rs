//! Reads a copy opened from its snapshot answers by a scan of the stored entries rather than
//! its history: a filtered listing's page, a chunk of the dashboard's export. The read
//! prepares the scan and wants it run ([`Wanted::scan`]); the store takes it
//! ([`Account::take_scan`]), feeds it and lends it back finished ([`Account::lend_scan`]);
//! asked again, the read answers with what it made.

use super::Account;
use crate::activity::{ActivityPage, ExportChunk, ExportRequest, PageRequest, Scan};
use crate::error::{DomainError, Result, Wanted};

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
