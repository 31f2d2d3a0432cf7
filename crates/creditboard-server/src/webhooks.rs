//! Webhooks: what the host is told, delivered at least once. The events a write makes
//! (`creditboard_domain::events`) are stored in its transaction, with a delivery to each
//! endpoint that wants them; a task here sends what is due, signed like the payment
//! requests (`Creditboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
//! with the endpoint's own secret), and retries with backoff for a day. Nothing here runs in
//! a request: a slow or dead endpoint never slows the API.
//!
//! A delivery is a POST of
//! `{"id": "evt_…", "type": "purchase.completed", "account": "acme", "created_at": "…", "data": {…}}`
//! with the headers `creditboard-signature`, `creditboard-event-id` and
//! `creditboard-event-type`. Any 2xx is delivered; anything else, or no answer within
//! [`TIMEOUT`], is tried again. An event keeps its id however often it is sent: the host
//! drops one it has seen.

use crate::db::{AttemptRow, DeliveryRow};
use crate::error::ApiResult;
use crate::payments;
use crate::state::AppState;
use chrono::Utc;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::outbox::{EventBody, new_id};

/// How long an endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The pauses after each failed attempt: about a day in all, then the delivery is given up
/// (and can still be sent again by hand).
pub const BACKOFF: [Duration; 10] = [
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(4 * 60 * 60),
    Duration::from_secs(8 * 60 * 60),
    Duration::from_secs(8 * 60 * 60),
];

/// How often the task looks for deliveries due while it finds some,
const POLL: Duration = Duration::from_millis(500);
/// and at most how long it waits when it finds none (the look scans what is due, so an
/// endpoint that is down, whose deliveries pile up, is not scanned twice a second).
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The most deliveries in flight at once from one process,
const IN_FLIGHT: usize = 16;
/// and to one endpoint: a slow one takes at most this many of them.
const PER_ENDPOINT: usize = 4;

/// A fresh signing secret for an endpoint that did not bring one.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// Sends what is due, for as long as the process runs, with the pauses of `backoff`.
pub async fn run(state: AppState, backoff: Vec<Duration>) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks cannot be sent: {e}");
            return;
        }
    };
    let backoff = Arc::new(backoff);
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    // Deliveries in flight, by endpoint.
    let flying: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    // Claimed for longer than a try can take: if this process dies meanwhile, another sends.
    let lease = chrono::Duration::from_std(TIMEOUT * 3).unwrap_or(chrono::Duration::seconds(30));
    let mut pause = POLL;
    loop {
        let free = slots.available_permits() as i64;
        let busy: Vec<String> = lock(&flying)
            .iter()
            .filter(|(_, n)| **n >= PER_ENDPOINT)
            .map(|(e, _)| e.clone())
            .collect();
        let due = if free > 0 {
            state
                .db()
                .claim_due_deliveries(Utc::now(), lease, free, PER_ENDPOINT as i64, &busy)
                .await
        } else {
            Ok(Vec::new())
        };
        match due {
            Ok(due) => {
                // Found work: look again soon; none: wait longer each time, up to IDLE_POLL.
                pause = if due.is_empty() {
                    (pause * 2).min(IDLE_POLL)
                } else {
                    POLL
                };
                for d in due {
                    let Ok(permit) = slots.clone().acquire_owned().await else {
                        return;
                    };
                    let endpoint = d.endpoint.clone();
                    *lock(&flying).entry(endpoint.clone()).or_default() += 1;
                    let (state, client, backoff) = (state.clone(), client.clone(), backoff.clone());
                    let flying = flying.clone();
                    tokio::spawn(async move {
                        if let Err(e) = deliver(&state, &client, &backoff, d).await {
                            tracing::warn!("recording a webhook attempt failed: {}", e.message);
                        }
                        let mut flying = lock(&flying);
                        if let Some(n) = flying.get_mut(&endpoint) {
                            *n -= 1;
                            if *n == 0 {
                                flying.remove(&endpoint);
                            }
                        }
                        drop(permit);
                    });
                }
            }
            Err(e) => tracing::warn!("looking for webhooks to send failed: {}", e.message),
        }
        tokio::time::sleep(pause).await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One attempt of one delivery, recorded with what came of it.
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    backoff: &[Duration],
    d: DeliveryRow,
) -> ApiResult<()> {
    let started = Instant::now();
    let at = Utc::now();
    let signature = payments::sign(d.secret.as_bytes(), at.timestamp(), &d.body);
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header(payments::SIGNATURE_HEADER, signature)
        .header("creditboard-event-id", &d.event)
        .header("creditboard-event-type", &d.kind)
        .body(d.body.clone())
        .send()
        .await;
    let (status, error) = match sent {
        Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
        Ok(r) => (
            Some(i32::from(r.status().as_u16())),
            Some(format!("the endpoint answered {}", r.status())),
        ),
        Err(e) if e.is_timeout() => (None, Some(format!("no answer within {TIMEOUT:?}"))),
        Err(e) => (None, Some(format!("cannot reach the endpoint: {e}"))),
    };
    let n = d.attempts + 1;
    let delivered = error.is_none();
    let pause = backoff.get(usize::try_from(d.attempts).unwrap_or(usize::MAX));
    let (state_name, next_at) = match (delivered, pause) {
        (true, _) => ("delivered", at),
        (false, Some(p)) => (
            "pending",
            at + chrono::Duration::from_std(*p).unwrap_or(chrono::Duration::hours(1)),
        ),
        (false, None) => ("failed", at),
    };
    let attempt = AttemptRow {
        event: d.event,
        endpoint: d.endpoint,
        n,
        at,
        status,
        error,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    };
    state
        .db()
        .record_attempt(&attempt, state_name, next_at)
        .await
}
