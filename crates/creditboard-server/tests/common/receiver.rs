//! A host's webhook endpoint, as the server meets it over real HTTP: it verifies each
//! delivery's signature with its secret, keeps what it received, and can be told to fail
//! (a 500) or to hang (no answer until released).
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use creditboard_server::payments;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

pub const SECRET: &str = "whsec_test_0123456789abcdef";

#[derive(Default)]
pub struct Receiver {
    /// Deliveries whose signature checked out, in the order they came.
    pub received: Mutex<Vec<Value>>,
    /// Deliveries refused for their signature.
    pub forged: Mutex<u32>,
    /// While set, every delivery gets a 500.
    pub failing: AtomicBool,
    /// While set, deliveries wait for `release` before they are answered.
    pub hanging: AtomicBool,
    pub release: Notify,
    /// Deliveries received and not answered yet (while hanging).
    pub open: std::sync::atomic::AtomicU32,
}

impl Receiver {
    pub fn types(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// Starts the endpoint on a loopback port: its URL and its state.
pub async fn start() -> (String, Arc<Receiver>) {
    let receiver = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/hooks", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks"), receiver)
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if r.hanging.load(Ordering::SeqCst) {
        r.open.fetch_add(1, Ordering::SeqCst);
        r.release.notified().await;
        r.open.fetch_sub(1, Ordering::SeqCst);
    }
    if r.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let text = String::from_utf8_lossy(&body).to_string();
    let signature = headers
        .get(payments::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if payments::verify(SECRET.as_bytes(), signature, &text, now).is_err() {
        *r.forged.lock().unwrap() += 1;
        return StatusCode::BAD_REQUEST;
    }
    let event: Value = serde_json::from_str(&text).unwrap();
    let id = headers
        .get("creditboard-event-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(event["id"], id, "the header names the event in the body");
    r.received.lock().unwrap().push(event);
    StatusCode::NO_CONTENT
}
