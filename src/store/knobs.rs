//! The designer's dials a demo store keeps on the page's side (not in the account): requests
//! made to fail, a delay before each answer, and whether payments are being declined.

use super::StoreError;
use crate::browser;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The demo's dials, read before each answer.
#[derive(Debug, Default)]
pub struct Knobs {
    fail_next: AtomicU32,
    latency_ms: AtomicU32,
    declining: AtomicBool,
}

impl Knobs {
    /// Makes the next request fail, to see the error state.
    pub fn fail_next_request(&self) {
        self.fail_next.fetch_add(1, Ordering::Relaxed);
    }

    /// Delays every answer by this many milliseconds (0: none), to see the loading state.
    pub fn set_latency(&self, millis: u32) {
        self.latency_ms.store(millis, Ordering::Relaxed);
    }

    pub fn latency(&self) -> u32 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    /// Whether the demo's payment provider was told to decline.
    pub fn declining(&self) -> bool {
        self.declining.load(Ordering::Relaxed)
    }

    pub(super) fn set_declining(&self, on: bool) {
        self.declining.store(on, Ordering::Relaxed);
    }

    /// Waits as a real backend would (the chosen delay; at least one turn of the browser
    /// when `yield_first`, so a loading state gets painted), then fails the request if a
    /// failure was asked for.
    pub(super) async fn before_answer(&self, yield_first: bool) -> Result<(), StoreError> {
        let latency = self.latency();
        if latency > 0 || yield_first {
            browser::sleep(latency).await;
        }
        let failing = self
            .fail_next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if failing.is_ok() {
            return Err(StoreError::Unavailable(
                "The demo store failed this request on purpose (Demo actions → Simulate an error)."
                    .into(),
            ));
        }
        Ok(())
    }
}
