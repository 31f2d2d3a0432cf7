//! The messages between the page and the demo worker: plain JavaScript objects (structured
//! clones) read with `serde_wasm_bindgen`, the same path every answer takes, so the app
//! carries one serializer, not two. A call travels by its name with its request as it is; the
//! answer stays a JavaScript value until the code that asked reads it into its type.

use crate::store::StoreError;
use chrono::{DateTime, Utc};
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::Product;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

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
    /// One call of the seam (`creditboard_domain::api::calls`), by name.
    Call {
        id: u32,
        now: DateTime<Utc>,
        name: String,
        request: Raw,
    },
    /// One of the demo's own controls.
    Control {
        id: u32,
        now: DateTime<Utc>,
        control: Control,
    },
}

/// What a designer asks of the demo beyond the calls (see `DemoControls`).
#[derive(Debug, Serialize, Deserialize)]
pub enum Control {
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
        result: Result<Raw, StoreError>,
    },
    /// Keep `value` under `key` in local storage (or forget it, for `None`).
    Keep { key: String, value: Option<String> },
}

/// A value as JavaScript holds it, carried as it is.
#[derive(Debug, Serialize, Deserialize)]
pub struct Raw(#[serde(with = "serde_wasm_bindgen::preserve")] pub JsValue);

/// What the page sends, as a JavaScript object.
pub fn encode<T: Serialize>(message: &T) -> Option<JsValue> {
    serde_wasm_bindgen::to_value(message).ok()
}

/// What arrived, read.
pub fn decode<T: serde::de::DeserializeOwned>(raw: JsValue) -> Result<T, StoreError> {
    serde_wasm_bindgen::from_value(raw).map_err(|e| {
        StoreError::Unavailable(format!(
            "The demo data sent an answer that could not be read: {e}"
        ))
    })
}
