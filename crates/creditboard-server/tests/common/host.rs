//! A host's payment endpoint, as the server meets it over real HTTP: it verifies the
//! server's signature, charges each key once (a repeated key answers as the first time),
//! declines the test amount [`DECLINED_CENTS`] (and everything while told to), fails with a
//! 500 while told to, and signs
//! its answers.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use creditboard_server::payments::{
    self, PaymentAnswer, PaymentRequest, RequestKind, SignedAnswer,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

pub const SECRET: &str = "test-payment-secret-0123456789";
/// A price the host's card processor declines.
pub const DECLINED_CENTS: i64 = 402;

#[derive(Default)]
pub struct Host {
    /// Charges actually taken (a repeated key is not a new one).
    pub charges: AtomicU32,
    /// Requests of any kind that reached the endpoint.
    pub requests: AtomicU32,
    /// While set, every request gets a 500 (the host is down).
    pub failing: AtomicBool,
    /// While set, every new charge is declined (the card on file stopped working).
    pub declining: AtomicBool,
    /// Answers by account and key: keys are the account's own.
    answered: Mutex<HashMap<(String, String), PaymentAnswer>>,
}

impl Host {
    /// Whether the host ever charged `key` of the test account.
    pub fn charged(&self, key: &str) -> bool {
        self.answered
            .lock()
            .unwrap()
            .get(&(super::ACCOUNT.to_string(), key.to_string()))
            .is_some_and(|a| matches!(a, PaymentAnswer::Approved { .. }))
    }
}

/// Starts the endpoint on a loopback port: its URL and its state.
pub async fn start() -> (String, Arc<Host>) {
    let host = Arc::new(Host::default());
    let app = Router::new()
        .route("/payments", axum::routing::post(pay))
        .with_state(host.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/payments"), host)
}

async fn pay(State(host): State<Arc<Host>>, headers: HeaderMap, body: Bytes) -> Response {
    host.requests.fetch_add(1, Ordering::SeqCst);
    if host.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let text = String::from_utf8_lossy(&body).to_string();
    let now = chrono::Utc::now().timestamp();
    let signature = headers
        .get(payments::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    if payments::verify(SECRET.as_bytes(), signature, &text, now).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(request) = serde_json::from_str::<PaymentRequest>(&text) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let answer = {
        let mut answered = host.answered.lock().unwrap();
        let id = (request.account.clone(), request.key.clone());
        match (request.kind, answered.get(&id).cloned()) {
            (_, Some(first)) => first,
            (RequestKind::Status, None) => PaymentAnswer::Unknown,
            (RequestKind::Charge, None) => {
                let answer =
                    if request.amount == DECLINED_CENTS || host.declining.load(Ordering::SeqCst) {
                        PaymentAnswer::Declined {
                            reason: "the card was declined (insufficient funds)".into(),
                        }
                    } else {
                        let n = host.charges.fetch_add(1, Ordering::SeqCst) + 1;
                        PaymentAnswer::Approved {
                            reference: format!("ch_{n:04}"),
                        }
                    };
                answered.insert(id, answer.clone());
                answer
            }
        }
    };
    let out = serde_json::to_string(&SignedAnswer {
        key: request.key,
        account: request.account,
        answer,
    })
    .unwrap();
    let signed = payments::sign(SECRET.as_bytes(), now, &out);
    (
        [
            ("content-type", "application/json".to_string()),
            (payments::SIGNATURE_HEADER, signed),
        ],
        out,
    )
        .into_response()
}
