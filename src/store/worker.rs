//! The demo store in a Web Worker. The page talks to it as it would to a server: requests
//! and answers as JSON messages. That keeps the ledger engine, the demo generator and the
//! five presets out of the app's own download (a host running on its REST backend never
//! loads them), and keeps the page responsive while a large demo history is generated.
//!
//! - [`WorkerStore`] is the page's side: a [`CreditStore`] that posts requests and awaits
//!   their answers.
//! - [`serve`] is the worker's side (the `demo-worker` binary): a [`DemoStore`] answering them.
//!
//! A worker has no local storage, so the page hands it the saved demo state at start-up and
//! writes what the worker asks it to keep. A worker also has its own clock, which tests
//! cannot pin: every request carries the page's "now". Messages are plain JavaScript objects
//! (structured clones) read with `serde_wasm_bindgen`, the same path chart options take, so
//! the app carries one serializer, not two.

use super::demo::{DemoStore, Persist};
use super::{CreditStore, DemoControls, StoreError, StoreFuture};
use crate::browser;
use chrono::{DateTime, Utc};
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
use creditboard_domain::preset::{PresetId, Product};
use creditboard_domain::ratecard::{Estimate, EstimateLine, RateCard};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicUsize, Ordering};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The worker binary's name: Trunk writes `demo-worker.js` and `demo-worker_bg.wasm`.
pub const WORKER_NAME: &str = "demo-worker";

/// From the page to the worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// The demo to run, and what the page had kept of it.
    Start {
        product: Product,
        scale_percent: u32,
        saved: Option<String>,
    },
    Call {
        id: u32,
        now: DateTime<Utc>,
        call: Call,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    Account,
    RateCard,
    Balance,
    Usage(Box<UsageQuery>),
    Activity(Box<PageRequest>),
    Export(Box<ExportRequest>),
    Estimate(Vec<EstimateLine>),
    Buy(Box<BuyRequest>),
    Configure(Box<SettingsChange>),
    SimulateTopUps(Box<TopUpSimulationRequest>),
    Notifications,
    Team,
    HoldBatch(Box<BatchRequest>),
    Settle(Box<SettleRequest>),
    Reset,
    SampleJob,
    SetViewer(MemberId),
    SetDeclining(Option<String>),
}

/// From the worker to the page.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker has loaded and listens.
    Ready,
    Reply {
        id: u32,
        /// Entries in the demo ledger after the call.
        entries: usize,
        result: Result<Reply, StoreError>,
    },
    /// Keep `value` under `key` in local storage (or forget it, for `None`).
    Keep { key: String, value: Option<String> },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Account(Box<AccountView>),
    RateCard(Box<RateCard>),
    Balance(Box<BalanceView>),
    Usage(Box<UsageView>),
    // The answers only other pages ask for stay JavaScript objects until those pages' code
    // reads them (see `decoder!`).
    Activity(Raw),
    Export(Raw),
    Estimate(Raw),
    Bought(Raw),
    Simulated(Raw),
    Notifications(Box<Vec<Notification>>),
    Team(Raw),
    Held(Raw),
    Done,
    Said(String),
}

/// An answer as the worker sent it: a JavaScript object, read into its Rust type by a
/// decoder.
#[derive(Debug, Serialize, Deserialize)]
pub struct Raw(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Raw {
    fn encode<T: Serialize>(value: &T) -> Result<Raw, StoreError> {
        serde_wasm_bindgen::to_value(value)
            .map(Raw)
            .map_err(|e| StoreError::Unavailable(format!("The demo data could not answer: {e}")))
    }
}

fn decode<T: serde::de::DeserializeOwned>(raw: JsValue) -> Result<T, StoreError> {
    serde_wasm_bindgen::from_value(raw).map_err(unreadable)
}

fn unreadable(why: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!(
        "The demo data sent an answer that could not be read: {why}"
    ))
}

/// Decoders for the answers only other pages ask for. In the split build each is a split
/// point, so the code reading those types travels with the pages, not the first load. The
/// REST store reads the same answers with them; each store says where a bad one came from.
macro_rules! decoder {
    ($($name:ident -> $ty:ty),* $(,)?) => {$(
        split_point! {
            pub(super) fn $name(raw: JsValue) -> Result<$ty, String> {
                serde_wasm_bindgen::from_value(raw).map_err(|e| e.to_string())
            }
        }
    )*};
}

decoder! {
    decode_activity -> ActivityPage,
    decode_export -> ExportChunk,
    decode_estimate -> Estimate,
    decode_bought -> BuyResult,
    decode_simulated -> TopUpSimulation,
    decode_team -> TeamView,
    decode_held -> Vec<HeldShot>,
}

/// The page's side of the demo worker.
pub struct WorkerStore {
    preset: Option<PresetId>,
    entries: AtomicUsize,
    fail_next: AtomicU32,
    latency_ms: AtomicU32,
    declining: AtomicBool,
}

/// The running worker and the requests waiting for an answer (the page has one thread; the
/// store itself holds only plain numbers, so it can live in context).
struct Channel {
    worker: web_sys::Worker,
    /// Messages wait here until the worker says it listens (earlier ones would be dropped).
    outbox: Option<Vec<JsValue>>,
    /// Why the worker stopped, once it has: later calls fail at once with it.
    failed: Option<StoreError>,
    next_id: u32,
    /// Resolves the promise a request waits on.
    waiting: HashMap<u32, js_sys::Function>,
    /// Answers that arrived, until their request picks them up.
    answers: HashMap<u32, Answer>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

type Answer = (usize, Result<Reply, StoreError>);

/// Hands an answer to the request waiting for it.
fn deliver(id: u32, answer: Answer) {
    let waiter = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        let c = c.as_mut()?;
        c.answers.insert(id, answer);
        c.waiting.remove(&id)
    });
    if let Some(resolve) = waiter {
        let _ = resolve.call0(&JsValue::NULL);
    }
}

thread_local! {
    static CHANNEL: RefCell<Option<Channel>> = const { RefCell::new(None) };
}

impl WorkerStore {
    /// Starts the worker for `product` at `scale_percent` of its normal activity.
    pub fn spawn(product: Product, scale_percent: u32) -> Result<WorkerStore, StoreError> {
        let key = DemoStore::storage_key(&product, scale_percent);
        let saved = browser::local_storage().and_then(|s| s.get_item(&key).ok().flatten());
        let (worker, said) = match adopt_early_worker() {
            Some(early) => early,
            None => (
                new_worker().map_err(|e| {
                    StoreError::Unavailable(format!("The demo data could not start: {e}"))
                })?,
                js_sys::Array::new(),
            ),
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let message = match decode::<FromWorker>(ev.data()) {
                    Ok(m) => m,
                    Err(unreadable) => {
                        // An answer that cannot be read still ends its request.
                        let id = js_sys::Reflect::get(&ev.data(), &"Reply".into())
                            .and_then(|r| js_sys::Reflect::get(&r, &"id".into()))
                            .ok()
                            .and_then(|id| id.as_f64());
                        if let Some(id) = id {
                            deliver(id as u32, (0, Err(unreadable)));
                        }
                        return;
                    }
                };
                match message {
                    FromWorker::Ready => CHANNEL.with(|c| {
                        if let Some(c) = c.borrow_mut().as_mut() {
                            for message in c.outbox.take().unwrap_or_default() {
                                let _ = c.worker.post_message(&message);
                            }
                        }
                    }),
                    FromWorker::Reply {
                        id,
                        entries,
                        result,
                    } => deliver(id, (entries, result)),
                    FromWorker::Keep { key, value } => {
                        if let Some(storage) = browser::local_storage() {
                            let _ = match value {
                                Some(v) => storage.set_item(&key, &v),
                                None => storage.remove_item(&key),
                            };
                        }
                    }
                }
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let handler: js_sys::Function = on_message
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone();
        // A worker that fails (blocked script, crash) answers every waiting request with an
        // error instead of leaving the page loading forever.
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|ev: web_sys::ErrorEvent| {
            let failure =
                StoreError::Unavailable(format!("The demo data stopped working: {}", ev.message()));
            let ids: Vec<u32> = CHANNEL.with(|c| {
                let mut c = c.borrow_mut();
                let Some(c) = c.as_mut() else {
                    return Vec::new();
                };
                c.failed = Some(failure.clone());
                c.waiting.keys().copied().collect()
            });
            for id in ids {
                deliver(id, (0, Err(failure.clone())));
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let preset = product.preset_id();
        let start = ToWorker::Start {
            product,
            scale_percent,
            saved,
        };
        CHANNEL.with(|c| {
            *c.borrow_mut() = Some(Channel {
                worker,
                outbox: Some(Vec::new()),
                failed: None,
                next_id: 1,
                waiting: HashMap::new(),
                answers: HashMap::new(),
                _on_message: on_message,
                _on_error: on_error,
            })
        });
        // What the early worker said before the app took it over (its Ready, at least).
        for message in said.iter() {
            let _ = handler.call1(&JsValue::NULL, &message);
        }
        post(start);
        Ok(WorkerStore {
            preset,
            entries: AtomicUsize::new(0),
            fail_next: AtomicU32::new(0),
            latency_ms: AtomicU32::new(0),
            declining: AtomicBool::new(false),
        })
    }

    /// Sends one call and waits for its answer.
    async fn call(&self, call: Call) -> Result<Reply, StoreError> {
        let latency = self.latency_ms.load(Ordering::Relaxed);
        if latency > 0 {
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
        let mut resolve = None;
        let answer = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
        let sent = CHANNEL.with(|c| {
            let mut c = c.borrow_mut();
            let Some(c) = c.as_mut() else {
                return Err(StoreError::Unavailable(
                    "The demo data is not running.".into(),
                ));
            };
            if let Some(failure) = &c.failed {
                return Err(failure.clone());
            }
            let id = c.next_id;
            c.next_id = c.next_id.wrapping_add(1).max(1);
            if let Some(resolve) = resolve {
                c.waiting.insert(id, resolve);
            }
            Ok(id)
        });
        let id = sent?;
        post(ToWorker::Call {
            id,
            now: browser::now(),
            call,
        });
        let _ = wasm_bindgen_futures::JsFuture::from(answer).await;
        let answer = CHANNEL.with(|c| c.borrow_mut().as_mut()?.answers.remove(&id));
        match answer {
            Some((entries, result)) => {
                if entries > 0 {
                    self.entries.store(entries, Ordering::Relaxed);
                }
                result
            }
            None => Err(StoreError::Unavailable(
                "The demo data did not answer.".into(),
            )),
        }
    }
}

/// Posts a message, or keeps it until the worker listens (messages sent before it has
/// loaded are dropped by the browser).
fn post(message: ToWorker) {
    let Ok(value) = serde_wasm_bindgen::to_value(&message) else {
        return;
    };
    CHANNEL.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            match &mut c.outbox {
                Some(waiting) => waiting.push(value),
                None => {
                    let _ = c.worker.post_message(&value);
                }
            }
        }
    });
}

/// The worker `index.html` started while the app's code was loading, and the messages it has
/// sent so far; none when the page did not start one or it failed.
fn adopt_early_worker() -> Option<(web_sys::Worker, js_sys::Array)> {
    let window: JsValue = web_sys::window()?.into();
    let key = JsValue::from_str("__creditboardWorker");
    let early = js_sys::Reflect::get(&window, &key)
        .ok()
        .filter(JsValue::is_object)?;
    let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    let field = |name: &str| js_sys::Reflect::get(&early, &JsValue::from_str(name)).ok();
    let worker: web_sys::Worker = field("worker").filter(JsValue::is_object)?.unchecked_into();
    if field("failed").and_then(|f| f.as_bool()) != Some(false) {
        worker.terminate();
        return None;
    }
    let said = field("said")?.dyn_into::<js_sys::Array>().ok()?;
    Some((worker, said))
}

/// `new Worker(…)` running Trunk's `demo-worker.js`, found beside the app's own script: a
/// deep link (`/activity/…`), a base path or a host page embedding the app all find it.
fn new_worker() -> Result<web_sys::Worker, String> {
    let url = |file: &str| browser::app_file_url(file).ok_or(format!("cannot locate {file}"));
    let js = url(&format!("{WORKER_NAME}.js"))?;
    let wasm = url(&format!("{WORKER_NAME}_bg.wasm"))?;
    // JSON string literals are JavaScript string literals.
    let literal = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let boot = format!(
        "importScripts({});wasm_bindgen({{module_or_path:{}}});",
        literal(&js),
        literal(&wasm)
    );
    let parts = js_sys::Array::of1(&JsValue::from_str(&boot));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "cannot prepare the worker")?;
    let blob_url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "cannot prepare the worker")?;
    web_sys::Worker::new(&blob_url).map_err(|e| format!("{e:?}"))
}

fn unexpected<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable(
        "The demo data answered a different question.".into(),
    ))
}

/// Sends `call` and unpacks the answer, which must be `reply` (boxed) or `Done` (for `()`).
macro_rules! ask {
    ($store:ident, $call:expr, $reply:path) => {
        Box::pin(async move {
            match $store.call($call).await? {
                $reply(answer) => Ok(*answer),
                _ => unexpected(),
            }
        })
    };
    ($store:ident, $call:expr) => {
        Box::pin(async move {
            match $store.call($call).await? {
                Reply::Done => Ok(()),
                _ => unexpected(),
            }
        })
    };
    ($store:ident, $call:expr, $reply:path, $decoder:ident) => {
        Box::pin(async move {
            match $store.call($call).await? {
                $reply(Raw(raw)) => $decoder(raw).await.map_err(unreadable),
                _ => unexpected(),
            }
        })
    };
}

impl CreditStore for WorkerStore {
    fn account(&self) -> StoreFuture<'_, AccountView> {
        ask!(self, Call::Account, Reply::Account)
    }

    fn rate_card(&self) -> StoreFuture<'_, RateCard> {
        ask!(self, Call::RateCard, Reply::RateCard)
    }

    fn balance(&self) -> StoreFuture<'_, BalanceView> {
        ask!(self, Call::Balance, Reply::Balance)
    }

    fn usage(&self, query: UsageQuery) -> StoreFuture<'_, UsageView> {
        ask!(self, Call::Usage(Box::new(query)), Reply::Usage)
    }

    fn activity(&self, request: PageRequest) -> StoreFuture<'_, ActivityPage> {
        ask!(
            self,
            Call::Activity(Box::new(request)),
            Reply::Activity,
            decode_activity
        )
    }

    fn export(&self, request: ExportRequest) -> StoreFuture<'_, ExportChunk> {
        ask!(
            self,
            Call::Export(Box::new(request)),
            Reply::Export,
            decode_export
        )
    }

    fn estimate(&self, lines: Vec<EstimateLine>) -> StoreFuture<'_, Estimate> {
        ask!(
            self,
            Call::Estimate(lines),
            Reply::Estimate,
            decode_estimate
        )
    }

    fn buy(&self, request: BuyRequest) -> StoreFuture<'_, BuyResult> {
        ask!(
            self,
            Call::Buy(Box::new(request)),
            Reply::Bought,
            decode_bought
        )
    }

    fn configure(&self, change: SettingsChange) -> StoreFuture<'_, ()> {
        ask!(self, Call::Configure(Box::new(change)))
    }

    fn simulate_top_ups(
        &self,
        request: TopUpSimulationRequest,
    ) -> StoreFuture<'_, TopUpSimulation> {
        ask!(
            self,
            Call::SimulateTopUps(Box::new(request)),
            Reply::Simulated,
            decode_simulated
        )
    }

    fn notifications(&self) -> StoreFuture<'_, Vec<Notification>> {
        ask!(self, Call::Notifications, Reply::Notifications)
    }

    fn team(&self) -> StoreFuture<'_, TeamView> {
        ask!(self, Call::Team, Reply::Team, decode_team)
    }

    fn hold_batch(&self, request: BatchRequest) -> StoreFuture<'_, Vec<HeldShot>> {
        ask!(
            self,
            Call::HoldBatch(Box::new(request)),
            Reply::Held,
            decode_held
        )
    }

    fn settle(&self, request: SettleRequest) -> StoreFuture<'_, ()> {
        ask!(self, Call::Settle(Box::new(request)))
    }

    fn demo(&self) -> Option<&dyn DemoControls> {
        Some(self)
    }
}

impl DemoControls for WorkerStore {
    fn preset(&self) -> Option<PresetId> {
        self.preset
    }

    fn entry_count(&self) -> usize {
        self.entries.load(Ordering::Relaxed)
    }

    fn reset(&self) -> StoreFuture<'_, ()> {
        ask!(self, Call::Reset)
    }

    fn run_sample_job(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            match self.call(Call::SampleJob).await? {
                Reply::Said(s) => Ok(s),
                _ => unexpected(),
            }
        })
    }

    fn fail_next_request(&self) {
        self.fail_next.fetch_add(1, Ordering::Relaxed);
    }

    fn set_latency(&self, millis: u32) {
        self.latency_ms.store(millis, Ordering::Relaxed);
    }

    fn latency(&self) -> u32 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()> {
        ask!(self, Call::SetViewer(member))
    }

    fn set_declining(&self, reason: Option<String>) -> StoreFuture<'_, ()> {
        self.declining.store(reason.is_some(), Ordering::Relaxed);
        ask!(self, Call::SetDeclining(reason))
    }

    fn declining(&self) -> bool {
        self.declining.load(Ordering::Relaxed)
    }
}

// ---- The worker's side ----

/// The page's clock, as the last request gave it.
static PAGE_NOW_MS: AtomicI64 = AtomicI64::new(0);

fn page_now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(PAGE_NOW_MS.load(Ordering::Relaxed)).unwrap_or_default()
}

/// Keeps what the demo saves by asking the page to write it, and remembers it here too: the
/// page's storage is out of reach, and a reset must not read back what it just removed.
struct PageStorage {
    saved: std::sync::Mutex<Option<String>>,
}

impl PageStorage {
    fn set(&self, value: Option<&str>) {
        *self.saved.lock().unwrap_or_else(|e| e.into_inner()) = value.map(str::to_string);
    }
}

impl Persist for PageStorage {
    fn load(&self, _key: &str) -> Option<String> {
        self.saved.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn save(&self, key: &str, value: &str) {
        self.set(Some(value));
        send(&FromWorker::Keep {
            key: key.into(),
            value: Some(value.into()),
        });
    }
    fn remove(&self, key: &str) {
        self.set(None);
        send(&FromWorker::Keep {
            key: key.into(),
            value: None,
        });
    }
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn send(message: &FromWorker) {
    if let Ok(value) = serde_wasm_bindgen::to_value(message) {
        let _ = scope().post_message(&value);
    }
}

thread_local! {
    static DEMO: RefCell<Option<&'static DemoStore>> = const { RefCell::new(None) };
    static PREPARED: Cell<Option<Prepared>> = const { Cell::new(None) };
}

/// A demo built before the page asked for it (see [`prepare_from_page`]).
struct Prepared {
    product: Product,
    scale_percent: u32,
    store: Box<DemoStore>,
}

fn demo_store(product: Product, scale_percent: u32, saved: Option<String>) -> Box<DemoStore> {
    let storage = PageStorage {
        saved: std::sync::Mutex::new(saved),
    };
    Box::new(DemoStore::new(
        product,
        scale_percent,
        page_now,
        Box::new(storage),
    ))
}

/// When the page started this worker while its own code was still loading, it left its
/// query and clock in `creditboardPage`: the demo its URL names is built now instead of
/// after the app has started. `Start` keeps it when it asks for that demo with no saved
/// state; otherwise it is dropped and built as asked.
fn prepare_from_page() {
    let field = |object: &JsValue, name: &str| js_sys::Reflect::get(object, &name.into()).ok();
    let Some(page) = field(&js_sys::global(), "creditboardPage").filter(JsValue::is_object) else {
        return;
    };
    let (Some(search), Some(now)) = (
        field(&page, "search").and_then(|s| s.as_string()),
        field(&page, "now").and_then(|n| n.as_f64()),
    ) else {
        return;
    };
    let choice = crate::view::demo_choice(&crate::app::start_query(&search));
    PAGE_NOW_MS.store(now as i64, Ordering::Relaxed);
    let product = Product::Preset(choice.preset);
    let store = demo_store(product.clone(), choice.scale_percent, None);
    store.prepare();
    PREPARED.set(Some(Prepared {
        product,
        scale_percent: choice.scale_percent,
        store,
    }));
}

/// Runs in the worker: answers the page's calls with a [`DemoStore`], one at a time.
pub fn serve() {
    crate::zones::install();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|ev: web_sys::MessageEvent| {
            let Ok(message) = serde_wasm_bindgen::from_value::<ToWorker>(ev.data()) else {
                return;
            };
            match message {
                ToWorker::Start {
                    product,
                    scale_percent,
                    saved,
                } => {
                    let prepared = PREPARED
                        .take()
                        .filter(|p| p.product == product && p.scale_percent == scale_percent)
                        .filter(|_| saved.is_none());
                    let store = prepared
                        .map_or_else(|| demo_store(product, scale_percent, saved), |p| p.store);
                    // One demo for the life of the worker.
                    DEMO.with(|d| *d.borrow_mut() = Some(Box::leak(store)));
                }
                ToWorker::Call { id, now, call } => {
                    PAGE_NOW_MS.store(now.timestamp_millis(), Ordering::Relaxed);
                    let Some(store) = DEMO.with(|d| *d.borrow()) else {
                        return;
                    };
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = answer(store, call).await;
                        send(&FromWorker::Reply {
                            id,
                            entries: store.entry_count(),
                            result,
                        });
                    });
                }
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    send(&FromWorker::Ready);
    prepare_from_page();
}

async fn answer(store: &DemoStore, call: Call) -> Result<Reply, StoreError> {
    Ok(match call {
        Call::Account => Reply::Account(Box::new(store.account().await?)),
        Call::RateCard => Reply::RateCard(Box::new(store.rate_card().await?)),
        Call::Balance => Reply::Balance(Box::new(store.balance().await?)),
        Call::Usage(q) => Reply::Usage(Box::new(store.usage(*q).await?)),
        Call::Activity(r) => Reply::Activity(Raw::encode(&store.activity(*r).await?)?),
        Call::Export(r) => Reply::Export(Raw::encode(&store.export(*r).await?)?),
        Call::Estimate(lines) => Reply::Estimate(Raw::encode(&store.estimate(lines).await?)?),
        Call::Buy(r) => Reply::Bought(Raw::encode(&store.buy(*r).await?)?),
        Call::Configure(c) => {
            store.configure(*c).await?;
            Reply::Done
        }
        Call::SimulateTopUps(r) => {
            Reply::Simulated(Raw::encode(&store.simulate_top_ups(*r).await?)?)
        }
        Call::Notifications => Reply::Notifications(Box::new(store.notifications().await?)),
        Call::Team => Reply::Team(Raw::encode(&store.team().await?)?),
        Call::HoldBatch(r) => Reply::Held(Raw::encode(&store.hold_batch(*r).await?)?),
        Call::Settle(r) => {
            store.settle(*r).await?;
            Reply::Done
        }
        Call::Reset => {
            DemoControls::reset(store).await?;
            Reply::Done
        }
        Call::SampleJob => Reply::Said(store.run_sample_job().await?),
        Call::SetViewer(member) => {
            store.set_viewer(member).await?;
            Reply::Done
        }
        Call::SetDeclining(reason) => {
            store.set_declining(reason).await?;
            Reply::Done
        }
    })
}
