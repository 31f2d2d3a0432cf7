//! The worker's side (the `demo-worker` binary): a [`DemoStore`] answering the page's calls,
//! one at a time, with the page's clock, keeping what the demo saves through the page.

use super::protocol::{Control, FromWorker, Raw, ToWorker, encode};
use crate::store::demo::{DemoStore, Persist};
use crate::store::{DemoControls, StoreError};
use chrono::{DateTime, Utc};
use creditboard_domain::preset::Product;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicI64, Ordering};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

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
    if let Some(value) = encode(message) {
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
    let choice = crate::start::demo_choice(&crate::start::start_query(&search));
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
                ToWorker::Call {
                    id,
                    now,
                    name,
                    request,
                } => {
                    PAGE_NOW_MS.store(now.timestamp_millis(), Ordering::Relaxed);
                    let Some(store) = DEMO.with(|d| *d.borrow()) else {
                        return;
                    };
                    let result = store.answer(&name, request.0).map(Raw);
                    reply(store, id, result);
                }
                ToWorker::Control { id, now, control } => {
                    PAGE_NOW_MS.store(now.timestamp_millis(), Ordering::Relaxed);
                    let Some(store) = DEMO.with(|d| *d.borrow()) else {
                        return;
                    };
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = obey(store, control).await.map(Raw);
                        reply(store, id, result);
                    });
                }
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    send(&FromWorker::Ready);
    prepare_from_page();
}

/// Sends a call's answer back, with the ledger's size after it.
fn reply(store: &DemoStore, id: u32, result: Result<Raw, StoreError>) {
    send(&FromWorker::Reply {
        id,
        entries: store.entry_count(),
        result,
    });
}

/// Carries out one of the demo's controls; the answer as the page reads it.
async fn obey(store: &DemoStore, control: Control) -> Result<JsValue, StoreError> {
    Ok(match control {
        Control::Reset => {
            store.reset().await?;
            JsValue::UNDEFINED
        }
        Control::SampleJob => JsValue::from_str(&store.run_sample_job().await?),
        Control::SetViewer(member) => {
            store.set_viewer(member).await?;
            JsValue::UNDEFINED
        }
        Control::SetDeclining(reason) => {
            store.set_declining(reason).await?;
            JsValue::UNDEFINED
        }
    })
}
