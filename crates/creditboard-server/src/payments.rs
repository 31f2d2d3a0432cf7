//! The payment provider the server charges purchases and automatic top-ups through. It is
//! configured, never built in: the host's HTTP payment endpoint (`--payments URL`, with the
//! shared secret in `CB_PAYMENT_SECRET`), or the demo's, which only `--demo` uses. Without
//! one, buying and top-ups are refused with a clear message.
//!
//! The endpoint gets a signed JSON request and answers signed JSON. Both carry
//! `Creditboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (as
//! Stripe signs webhooks); an answer more than five minutes from now, or signed with
//! another secret, is not trusted. A request:
//!
//! ```json
//! {"type": "charge", "key": "buy-1", "account": "acme", "amount": 4900, "currency": "USD",
//!  "description": "Purchase: 5,000 Standard", "member": "m_ana"}
//! ```
//!
//! `type` is `charge` (take the money once per account and key: a repeated one answers as
//! the first time) or `status` (what became of it, charging nothing). The answer names the
//! payment it answers and how it went: `{"key": "buy-1", "account": "acme", "outcome":
//! "approved", "reference": "…"}`, `… "outcome": "declined", "reason": "…"}` or, to a
//! status request for a key never charged, `… "outcome": "unknown"}`; an answer naming
//! another payment is not trusted (a signed answer replayed from another charge).

use creditboard_domain::billing::{DemoPayments, Payment, PaymentOutcome};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The header both ways carry.
pub const SIGNATURE_HEADER: &str = "creditboard-signature";
/// How far a signature's time may be from ours.
pub const TOLERANCE_SECONDS: i64 = 300;
/// How long the endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What the server asks the endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentRequest {
    #[serde(rename = "type")]
    pub kind: RequestKind,
    pub key: String,
    pub account: String,
    pub amount: i64,
    pub currency: String,
    pub description: String,
    /// The member who bought; none for an automatic top-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Charge,
    Status,
}

/// What the endpoint answers: the payment it answers, and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAnswer {
    pub key: String,
    pub account: String,
    #[serde(flatten)]
    pub answer: PaymentAnswer,
}

/// How a payment went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PaymentAnswer {
    Approved {
        reference: String,
    },
    Declined {
        reason: String,
    },
    /// To a status request: this key was never charged.
    Unknown,
}

/// What asking the provider came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// It answered (a status request may answer `Unknown`).
    Answered(PaymentAnswer),
    /// No trustworthy answer (down, slow, a bad signature): the payment stays pending and is
    /// asked again under the same key.
    Unreachable(String),
}

/// The configured provider.
pub enum Provider {
    /// None configured: buying and top-ups are refused.
    Unset,
    /// The demo's, for `--demo` only: approves, or declines as a designer chose.
    Demo(Mutex<DemoLedger>),
    /// The host's endpoint.
    Http(HttpProvider),
}

/// The demo's provider, remembering each key's answer as a real one would.
#[derive(Default)]
pub struct DemoLedger {
    pub payments: DemoPayments,
    answered: HashMap<String, PaymentOutcome>,
}

pub struct HttpProvider {
    url: String,
    secret: Vec<u8>,
    client: reqwest::Client,
    retry_pauses: Vec<Duration>,
}

/// Pauses between the tries of one charge when the provider does not answer.
pub const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(200), Duration::from_secs(1)];

impl Provider {
    /// The host's endpoint at `url`, signing with `secret`.
    pub fn http(url: &str, secret: &str) -> Result<Provider, String> {
        // This build speaks plain HTTP (requests and answers are signed, not encrypted): an
        // https:// endpoint could never be reached, so it is refused rather than failing
        // every payment.
        if url.starts_with("https://") {
            return Err(format!(
                "the payment endpoint “{url}” is https, which this server does not speak: reach it over http:// on the loopback or a private network, or through a TLS-terminating proxy"
            ));
        }
        if !url.starts_with("http://") {
            return Err(format!(
                "the payment endpoint “{url}” is not an http:// URL"
            ));
        }
        if secret.len() < 16 {
            return Err("CB_PAYMENT_SECRET must be at least 16 characters".into());
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Provider::Http(HttpProvider {
            url: url.to_string(),
            secret: secret.as_bytes().to_vec(),
            client,
            retry_pauses: RETRY_PAUSES.to_vec(),
        }))
    }

    /// The same provider, pausing `pauses` between tries (tests that take an endpoint down
    /// many times keep them short).
    pub fn retrying_after(mut self, pauses: Vec<Duration>) -> Provider {
        if let Provider::Http(h) = &mut self {
            h.retry_pauses = pauses;
        }
        self
    }

    /// How long to wait before each retry of a charge nobody answered.
    pub fn retry_pauses(&self) -> &[Duration] {
        match self {
            Provider::Http(h) => &h.retry_pauses,
            _ => &[],
        }
    }

    pub fn demo() -> Provider {
        Provider::Demo(Mutex::new(DemoLedger::default()))
    }

    /// Why nothing can be charged, if so.
    pub fn unavailable(&self) -> Option<&'static str> {
        match self {
            Provider::Unset => Some(
                "this server has no payment provider configured (start it with --payments URL and CB_PAYMENT_SECRET), so credits cannot be bought or topped up here",
            ),
            _ => None,
        }
    }

    /// Charges `payment` once per key for `account`.
    pub async fn charge(&self, account: &str, payment: &Payment) -> Asked {
        self.ask(RequestKind::Charge, account, payment).await
    }

    /// What became of `payment`'s key, charging nothing.
    pub async fn status(&self, account: &str, payment: &Payment) -> Asked {
        self.ask(RequestKind::Status, account, payment).await
    }

    async fn ask(&self, kind: RequestKind, account: &str, payment: &Payment) -> Asked {
        match self {
            Provider::Unset => Asked::Unreachable(self.unavailable().unwrap_or_default().into()),
            Provider::Demo(demo) => {
                let mut demo = demo.lock().unwrap_or_else(|e| e.into_inner());
                let key = payment.key.to_string();
                let known = demo.answered.get(&key).cloned();
                let outcome = match (kind, known) {
                    (_, Some(o)) => o,
                    (RequestKind::Status, None) => return Asked::Answered(PaymentAnswer::Unknown),
                    (RequestKind::Charge, None) => {
                        use creditboard_domain::billing::PaymentProvider;
                        let o = demo.payments.charge(payment);
                        demo.answered.insert(key, o.clone());
                        o
                    }
                };
                Asked::Answered(match outcome {
                    PaymentOutcome::Approved { reference } => PaymentAnswer::Approved { reference },
                    PaymentOutcome::Declined { reason } => PaymentAnswer::Declined { reason },
                })
            }
            Provider::Http(http) => http.ask(kind, account, payment).await,
        }
    }
}

impl HttpProvider {
    async fn ask(&self, kind: RequestKind, account: &str, payment: &Payment) -> Asked {
        let request = PaymentRequest {
            kind,
            key: payment.key.to_string(),
            account: account.to_string(),
            amount: payment.price.cents,
            currency: payment.price.currency.clone(),
            description: payment.description.clone(),
            member: payment.member.as_ref().map(|m| m.to_string()),
        };
        let body = match serde_json::to_string(&request) {
            Ok(b) => b,
            Err(e) => return Asked::Unreachable(e.to_string()),
        };
        let now = chrono::Utc::now().timestamp();
        let sent = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(&self.secret, now, &body))
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Asked::Unreachable(format!("the payment endpoint did not answer: {e}"));
            }
        };
        if !response.status().is_success() {
            return Asked::Unreachable(format!(
                "the payment endpoint answered {}",
                response.status()
            ));
        }
        let signature = response
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => return Asked::Unreachable(e.to_string()),
        };
        if let Err(why) = verify(&self.secret, signature.as_deref(), &text, now) {
            return Asked::Unreachable(format!(
                "the payment endpoint's answer is not trusted: {why}"
            ));
        }
        match serde_json::from_str::<SignedAnswer>(&text) {
            Ok(a) if a.key != request.key || a.account != request.account => {
                Asked::Unreachable("the payment endpoint's answer is for another payment".into())
            }
            Ok(SignedAnswer {
                answer: PaymentAnswer::Unknown,
                ..
            }) if kind == RequestKind::Charge => {
                Asked::Unreachable("the payment endpoint answered a charge with “unknown”".into())
            }
            Ok(a) => Asked::Answered(a.answer),
            Err(e) => {
                Asked::Unreachable(format!("the payment endpoint's answer cannot be read: {e}"))
            }
        }
    }
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn sign(secret: &[u8], t: i64, body: &str) -> String {
    format!("t={t},v1={}", hex::encode(mac(secret, t, body)))
}

fn mac(secret: &[u8], t: i64, body: &str) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut m = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Checks a signature header over `body` against `secret`, its time within
/// [`TOLERANCE_SECONDS`] of `now`.
pub fn verify(secret: &[u8], header: Option<&str>, body: &str, now: i64) -> Result<(), String> {
    let header = header.ok_or("it is not signed")?;
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err("the signature header is malformed".into());
    };
    if (now - t).abs() > TOLERANCE_SECONDS {
        return Err("the signature is too old or from the future".into());
    }
    let mut m = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| e.to_string())?;
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    // Constant-time comparison.
    m.verify_slice(&v1)
        .map_err(|_| "the signature does not match".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_that_could_never_be_reached_is_refused() {
        let secret = "a-secret-of-some-length";
        assert!(Provider::http("http://127.0.0.1:9/pay", secret).is_ok());
        for url in ["https://pay.example.com/", "ftp://pay", "pay.example.com"] {
            assert!(Provider::http(url, secret).is_err(), "{url}");
        }
        assert!(Provider::http("http://127.0.0.1:9/pay", "short").is_err());
    }

    #[test]
    fn a_signature_holds_only_for_its_body_secret_and_time() {
        let secret = b"a-secret-of-some-length";
        let body = r#"{"outcome":"approved","reference":"ch_1"}"#;
        let header = sign(secret, 1_000, body);
        assert_eq!(verify(secret, Some(&header), body, 1_100), Ok(()));
        assert!(verify(secret, Some(&header), &body.replace("ch_1", "ch_2"), 1_100).is_err());
        assert!(verify(b"another-secret-entirely", Some(&header), body, 1_100).is_err());
        assert!(verify(secret, Some(&header), body, 1_000 + TOLERANCE_SECONDS + 1).is_err());
        assert!(verify(secret, None, body, 1_000).is_err());
        assert!(verify(secret, Some("t=1000"), body, 1_000).is_err());
    }
}
