//! The data seam. Everything the UI shows comes through one [`CreditStore`], chosen once at
//! start-up and provided by context ([`Store::provide`], [`Store::expect`]): the REST store
//! over a server that serves the app, or the in-browser demo store. Components never ask the
//! network, the browser's storage or the domain's ledger for data themselves.

pub mod demo;
pub mod rest;
pub mod worker;

use creditboard_domain::DomainError;
use creditboard_domain::account::SettingsChange;
use creditboard_domain::activity::{ActivityPage, ExportChunk, ExportRequest, PageRequest};
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::{
    AccountView, BalanceView, BuyRequest, BuyResult, TeamView, TopUpSimulationRequest, UsageQuery,
    UsageView,
};
use creditboard_domain::batch::{BatchRequest, HeldShot, SettleRequest};
use creditboard_domain::billing::TopUpSimulation;
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::PresetId;
use creditboard_domain::ratecard::RateCard;
use creditboard_domain::ratecard::{Estimate, EstimateLine};
use leptos::prelude::*;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a store call returns. Futures need not be `Send`: the browser has one thread.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>>;

/// Why a store call failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StoreError {
    /// The store could not answer (network down, server error): trying again may help.
    Unavailable(String),
    /// The request itself was refused (`code` is the API's stable error code).
    Rejected { code: String, message: String },
}

impl StoreError {
    /// Whether "Try again" can help.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "{why}"),
            StoreError::Rejected { message, .. } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<DomainError> for StoreError {
    fn from(e: DomainError) -> Self {
        StoreError::Rejected {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

/// Everything the dashboard reads and does. Each method is one request to the backend.
pub trait CreditStore: Send + Sync {
    /// Who the account is: name, timezone, meters, team, the viewer.
    fn account(&self) -> StoreFuture<'_, AccountView>;
    /// The rate card (feature, category and tier names come from it too).
    fn rate_card(&self) -> StoreFuture<'_, RateCard>;
    /// Every meter's balance and buckets now.
    fn balance(&self) -> StoreFuture<'_, BalanceView>;
    /// The usage page's numbers for a period and a filter.
    fn usage(&self, query: UsageQuery) -> StoreFuture<'_, UsageView>;
    /// One page of the credit activity, with the count and sum of everything matching. The
    /// request's snapshot keeps paging stable while entries arrive.
    fn activity(&self, request: PageRequest) -> StoreFuture<'_, ActivityPage>;
    /// The next chunk of a listing's CSV export.
    fn export(&self, request: ExportRequest) -> StoreFuture<'_, ExportChunk>;

    // Spend controls. A read-only store (an embed) keeps the defaults, which refuse.

    /// Prices a job or a batch against the balances.
    fn estimate(&self, _lines: Vec<EstimateLine>) -> StoreFuture<'_, Estimate> {
        read_only("estimate costs")
    }
    /// Buys credits for the viewer (admins only; the store checks).
    fn buy(&self, _request: BuyRequest) -> StoreFuture<'_, BuyResult> {
        read_only("buy credits")
    }
    /// Changes top-ups, a member cap or alerts (admins only; the store checks).
    fn configure(&self, _change: SettingsChange) -> StoreFuture<'_, ()> {
        read_only("change settings")
    }
    /// What top-up settings would do at the recent burn rate.
    fn simulate_top_ups(
        &self,
        _request: TopUpSimulationRequest,
    ) -> StoreFuture<'_, TopUpSimulation> {
        read_only("simulate top-ups")
    }
    /// Low-balance alerts that fired, oldest first.
    fn notifications(&self) -> StoreFuture<'_, Vec<Notification>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// What each member spent this month, and their caps.
    fn team(&self) -> StoreFuture<'_, TeamView> {
        read_only("show member spend")
    }
    /// Holds the cost of every shot of a batch, or nothing.
    fn hold_batch(&self, _request: BatchRequest) -> StoreFuture<'_, Vec<HeldShot>> {
        read_only("run batches")
    }
    /// Captures or releases one shot's hold.
    fn settle(&self, _request: SettleRequest) -> StoreFuture<'_, ()> {
        read_only("settle jobs")
    }

    /// The demo's own controls; `None` for a store backed by a real server.
    fn demo(&self) -> Option<&dyn DemoControls> {
        None
    }

    /// Calls `changed` whenever the data changes by other hands than the app's (usage the
    /// host's service reports); a store only the app writes to keeps the default.
    fn watch(&self, _changed: Box<dyn Fn()>) {}
}

fn read_only<'a, T: 'a>(what: &str) -> StoreFuture<'a, T> {
    let message = format!("This dashboard is read-only: it cannot {what}.");
    Box::pin(async move {
        Err(StoreError::Rejected {
            code: "read_only".into(),
            message,
        })
    })
}

/// What a designer can do with the demo store that a real backend does not offer.
pub trait DemoControls {
    /// The preset it runs (none: a product the host described).
    fn preset(&self) -> Option<PresetId>;
    /// Entries in the demo ledger (shown in the demo menu; the benchmark reads it).
    fn entry_count(&self) -> usize;
    /// Throws away the designer's changes and generates the history again, ending now.
    fn reset(&self) -> StoreFuture<'_, ()>;
    /// Runs one job from the rate card now, as a team member would (kept across reloads).
    fn run_sample_job(&self) -> StoreFuture<'_, String>;
    /// Makes the next request fail, to see the error state.
    fn fail_next_request(&self);
    /// Delays every answer by this many milliseconds (0: none), to see the loading state.
    fn set_latency(&self, millis: u32);
    fn latency(&self) -> u32;
    /// Views the demo as another member (roles differ: see what a member sees).
    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()>;
    /// Makes the demo's payment provider decline (with this reason) or approve again.
    fn set_declining(&self, reason: Option<String>) -> StoreFuture<'_, ()>;
    fn declining(&self) -> bool;
}

/// The store the app was started with, and a revision that moves whenever its data changes
/// (resources read it, so a change refetches what is on screen).
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn CreditStore>,
    revision: RwSignal<u64>,
}

impl Store {
    /// Provides `store` to everything below the current owner.
    pub fn provide(store: Arc<dyn CreditStore>) -> Store {
        let store = Store {
            inner: store,
            revision: RwSignal::new(0),
        };
        provide_context(store.clone());
        store
    }

    /// The store provided above.
    pub fn expect() -> Store {
        expect_context::<Store>()
    }

    pub fn get(&self) -> Arc<dyn CreditStore> {
        self.inner.clone()
    }

    /// Tracks the data's revision (call inside a resource's fetcher).
    pub fn track(&self) -> u64 {
        self.revision.get()
    }

    /// Marks the data changed: everything on screen is fetched again.
    pub fn changed(&self) {
        self.revision.update(|r| *r += 1);
    }
}
