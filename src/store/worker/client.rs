//! The page's side of the demo worker: a [`Backend`] that posts each call and awaits its
//! answer, and the demo's controls as messages of their own.

use super::protocol::{Control, FromWorker, Raw, ToWorker, WORKER_NAME, decode, encode};
use crate::browser;
use crate::store::demo::DemoStore;
use crate::store::{Backend, DemoControls, Knobs, Sent, StoreError, StoreFuture};
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::{PresetId, Product};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The page's side of the demo worker.
pub struct WorkerStore {
    preset: Option<PresetId>,
    entries: AtomicUsize,
    knobs: Knobs,
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

type Answer = (usize, Result<JsValue, StoreError>);

/// Hands an answer to the request waiting for it; one nobody waits for any more (its page was
/// left) is dropped.
fn deliver(id: u32, answer: Answer) {
    let waiter = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        let c = c.as_mut()?;
        let waiter = c.waiting.remove(&id)?;
        c.answers.insert(id, answer);
        Some(waiter)
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
                    } => deliver(id, (entries, result.map(|Raw(v)| v))),
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
        post(&start);
        Ok(WorkerStore {
            preset,
            entries: AtomicUsize::new(0),
            knobs: Knobs::default(),
        })
    }

    /// Sends one message (made for the id it gets) and waits for its answer; an aborted
    /// signal stops the waiting.
    async fn call(
        &self,
        message: impl FnOnce(u32) -> ToWorker,
        abort: Option<web_sys::AbortSignal>,
    ) -> Result<JsValue, StoreError> {
        self.knobs.before_answer(false).await?;
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
        let on_abort = abort.map(|signal| {
            let stop = Closure::once(move || {
                deliver(
                    id,
                    (
                        0,
                        Err(StoreError::Unavailable("The request was cancelled.".into())),
                    ),
                )
            });
            let _ = signal.add_event_listener_with_callback("abort", stop.as_ref().unchecked_ref());
            (signal, stop)
        });
        post(&message(id));
        let _ = wasm_bindgen_futures::JsFuture::from(answer).await;
        if let Some((signal, stop)) = on_abort {
            let _ =
                signal.remove_event_listener_with_callback("abort", stop.as_ref().unchecked_ref());
        }
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

    async fn control(&self, control: Control) -> Result<JsValue, StoreError> {
        self.call(
            |id| ToWorker::Control {
                id,
                now: browser::now(),
                control,
            },
            None,
        )
        .await
    }
}

/// Posts a message, or keeps it until the worker listens (messages sent before it has
/// loaded are dropped by the browser).
fn post(message: &ToWorker) {
    let Some(value) = encode(message) else {
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

impl Backend for WorkerStore {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        let Sent {
            name,
            request,
            abort,
            ..
        } = call;
        Box::pin(self.call(
            move |id| ToWorker::Call {
                id,
                now: browser::now(),
                name: name.to_string(),
                request: Raw(request),
            },
            abort,
        ))
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
        Box::pin(async move { self.control(Control::Reset).await.map(drop) })
    }

    fn run_sample_job(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            let said = self.control(Control::SampleJob).await?;
            said.as_string().ok_or_else(|| {
                StoreError::Unavailable("The demo data answered a different question.".into())
            })
        })
    }

    fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.control(Control::SetViewer(member)).await.map(drop) })
    }

    fn set_declining(&self, reason: Option<String>) -> StoreFuture<'_, ()> {
        self.knobs.set_declining(reason.is_some());
        Box::pin(async move { self.control(Control::SetDeclining(reason)).await.map(drop) })
    }
}
