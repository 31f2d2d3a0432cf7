//! The data seam. Everything the UI shows comes through one [`Store`], chosen once at start-up
//! and provided by context: the REST backend over a server that serves the app, or the
//! in-browser demo. Hooks ask it ([`Store::ask`], [`Store::act`]); pages and components never
//! ask the network, the browser's storage or the domain's ledger for data themselves.
//!
//! The calls are the domain's declaration (`creditboard_domain::api::calls`): a call is a
//! request type whose [`Call`] impl says what it answers and where it lives, so a backend
//! carries any call without knowing it, and a new call needs nothing here.

pub mod demo;
mod knobs;
pub mod rest;
pub mod worker;

pub use knobs::Knobs;

use creditboard_domain::DomainError;
use creditboard_domain::api::call::{Call, Route};
use creditboard_domain::api::query::Query;
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::PresetId;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use wasm_bindgen::JsValue;

/// What a backend call returns. Futures need not be `Send`: the browser has one thread.
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

    /// A request that could not be written to send.
    fn unwritable(why: impl fmt::Display) -> Self {
        StoreError::Rejected {
            code: "bad_request".into(),
            message: format!("The request could not be written: {why}"),
        }
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

/// One call on its way: what a backend needs to carry it, whichever call it is.
pub struct Sent {
    /// The call's name (the demo worker answers by it).
    pub name: &'static str,
    pub route: Route,
    /// The path under the account, its parameters filled in.
    pub path: String,
    /// The query string, for calls that travel in one.
    pub query: Query,
    /// The request as a JavaScript value (the worker's message; the REST body).
    pub request: JsValue,
    /// Aborted when the page that asked is left (reads only).
    pub abort: Option<web_sys::AbortSignal>,
}

/// Where the calls go: a server's REST API or the demo. Each call is one request; the answer
/// comes back as a JavaScript value, read into its type by [`Store`].
pub trait Backend: Send + Sync {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue>;

    /// The demo's own controls; `None` for a backend that is a real server.
    fn demo(&self) -> Option<&dyn DemoControls> {
        None
    }

    /// Calls `changed` whenever the data changes by other hands than the app's (usage the
    /// host's service reports); a backend only the app writes to keeps the default.
    fn watch(&self, _changed: Box<dyn Fn()>) {}
}

/// What a designer can do with the demo that a real backend does not offer.
pub trait DemoControls {
    /// The preset it runs (none: a product the host described).
    fn preset(&self) -> Option<PresetId>;
    /// Entries in the demo ledger (shown in the demo menu; the benchmark reads it).
    fn entry_count(&self) -> usize;
    /// Throws away the designer's changes and generates the history again, ending now.
    fn reset(&self) -> StoreFuture<'_, ()>;
    /// Runs one job from the rate card now, as a team member would (kept across reloads).
    fn run_sample_job(&self) -> StoreFuture<'_, String>;
    /// Its dials: requests made to fail, a delay, payments declined.
    fn knobs(&self) -> &Knobs;
    /// Views the demo as another member (roles differ: see what a member sees).
    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()>;
    /// Makes the demo's payment provider decline (with this reason) or approve again.
    fn set_declining(&self, reason: Option<String>) -> StoreFuture<'_, ()>;
}

/// The backend the app was started with, and a revision that moves whenever its data changes
/// (resources read it, so a change refetches what is on screen).
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    revision: RwSignal<u64>,
}

impl Store {
    /// Provides `backend` to everything below the current owner.
    pub fn provide(backend: Arc<dyn Backend>) -> Store {
        let store = Store {
            backend,
            revision: RwSignal::new(0),
        };
        provide_context(store.clone());
        store
    }

    /// The store provided above.
    pub fn expect() -> Store {
        expect_context::<Store>()
    }

    /// The demo's controls, on the demo.
    pub fn demo(&self) -> Option<&dyn DemoControls> {
        self.backend.demo()
    }

    /// Follows changes others make (see [`Backend::watch`]).
    pub fn watch(&self, changed: Box<dyn Fn()>) {
        self.backend.watch(changed);
    }

    /// Tracks the data's revision (call inside a resource's fetcher).
    pub fn track(&self) -> u64 {
        self.revision.get()
    }

    /// Marks the data changed: everything on screen is fetched again.
    pub fn changed(&self) {
        self.revision.update(|r| *r += 1);
    }

    /// Asks a read. Leaving the page that asked (the reactive owner being cleaned up, as
    /// when a resource is dropped or asks again) aborts it, as Leptos's hackernews example
    /// does its fetches.
    pub async fn ask<C: Call>(&self, request: C) -> Result<C::Reply, StoreError> {
        let sent = Sent::of(&request)?;
        decode(self.send(sent, true).await?)
    }

    /// Does an action: once sent it is not aborted (its outcome matters even if the page is
    /// left), and when it succeeds everything on screen is fetched again.
    pub async fn act<C: Call>(&self, request: C) -> Result<C::Reply, StoreError> {
        let sent = Sent::of(&request)?;
        let reply = match self.send(sent, false).await {
            Ok(answer) => decode(answer)?,
            Err(e) => {
                // A declined payment is a refusal that writes: the failed purchase and its
                // notification are there to show.
                if matches!(&e, StoreError::Rejected { code, .. } if code == "payment_declined") {
                    self.changed();
                }
                return Err(e);
            }
        };
        self.changed();
        Ok(reply)
    }

    /// Sends a call, abortable or not. Not generic, so each call adds only its codecs.
    async fn send(&self, mut sent: Sent, abortable: bool) -> Result<JsValue, StoreError> {
        if abortable && Owner::current().is_some() {
            let controller = web_sys::AbortController::new().ok();
            sent.abort = controller.as_ref().map(|c| c.signal());
            let controller = SendWrapper::new(controller);
            on_cleanup(move || {
                if let Some(c) = controller.take() {
                    c.abort();
                }
            });
        }
        self.backend.send(sent).await
    }
}

impl Sent {
    /// `request` ready to go, not abortable yet.
    fn of<C: Call>(request: &C) -> Result<Sent, StoreError> {
        Ok(Sent {
            name: C::NAME,
            route: C::ROUTE,
            path: request.path(),
            query: request.to_query(),
            request: to_js(request)?,
            abort: None,
        })
    }
}

/// An answer read into its type.
fn decode<T: serde::de::DeserializeOwned>(answer: JsValue) -> Result<T, StoreError> {
    serde_wasm_bindgen::from_value(answer)
        .map_err(|e| StoreError::Unavailable(format!("The answer could not be read: {e}")))
}

/// A value as JavaScript sees it in JSON: maps as objects, `None` as `null`, so the REST
/// body is its `JSON.stringify` and the worker reads it back as it was.
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, StoreError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(StoreError::unwritable)
}
