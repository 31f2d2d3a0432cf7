//! The backend over the reference server's REST API (`crates/creditboard-server`): one request
//! per call, JSON both ways, the member's token on each. A server serving the app names its
//! API and a token in the page (`window.creditboardServer`, see `crate::start`); the app picks
//! this backend when it finds them.
//!
//! A call says where it lives (`Call::ROUTE`): its method and path under the account, and
//! whether its request travels in the query string (in the API's parameter names, written by
//! the domain beside the server's parser) or as a JSON body. The browser parses answers
//! (`Response.json()`) and `serde_wasm_bindgen` reads them, as it reads the demo worker's: the
//! app carries one deserializer, not two.
//!
//! The server's event stream says when entries were appended (another client's usage); the
//! app then fetches what is on screen again ([`Backend::watch`]).

use super::{Backend, Sent, StoreError, StoreFuture};
use crate::browser;
use creditboard_domain::api::call::Args;
use creditboard_domain::api::query::{Query, to_query_string};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

split_point! {
    /// The store over `api` with `token`. A split point: the store's code is a chunk of its
    /// own, which a page on the demo store never loads.
    pub fn connect(api: String, token: String) -> Arc<dyn Backend> {
        Arc::new(RestStore::new(&api, &token))
    }
}

/// One account's API on the server and the token to call it with.
pub struct RestStore {
    /// `…/api/v1/accounts/<id>`, absolute or relative to the page.
    api: String,
    token: String,
}

impl RestStore {
    pub fn new(api: &str, token: &str) -> RestStore {
        RestStore {
            api: api.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    fn url(&self, path: &str, query: &Query) -> String {
        format!("{}{path}{}", self.api, to_query_string(query))
    }

    /// Sends one request; the answer's JSON as a JavaScript value (`undefined` for none).
    async fn request(
        &self,
        method: &str,
        url: &str,
        body: Option<JsValue>,
        abort: Option<&web_sys::AbortSignal>,
    ) -> Result<JsValue, StoreError> {
        let unreachable = |_| {
            StoreError::Unavailable(
                "The server could not be reached. Check the connection and try again.".into(),
            )
        };
        let Some(window) = web_sys::window() else {
            return Err(unreachable(JsValue::NULL));
        };
        let headers = web_sys::Headers::new().map_err(unreachable)?;
        headers
            .set("Authorization", &format!("Bearer {}", self.token))
            .map_err(unreachable)?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            headers
                .set("Content-Type", "application/json")
                .map_err(unreachable)?;
            init.set_body(&body);
        }
        init.set_headers(&headers);
        init.set_signal(abort);
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(url, &init))
                .await
                .map_err(unreachable)?
                .unchecked_into();
        let status = response.status();
        if status == 204 {
            return Ok(JsValue::UNDEFINED);
        }
        // A body that is not JSON (a proxy's error page) reads as none.
        let answer = match response.json() {
            Ok(parsing) => JsFuture::from(parsing).await.ok(),
            Err(_) => None,
        };
        match answer {
            Some(answer) if response.ok() => Ok(answer),
            None if response.ok() => Err(unreadable("it is not JSON")),
            answer => Err(failure(status, answer.as_ref().and_then(error_detail))),
        }
    }
}

/// A request body as JSON text (the request was written as JSON keeps it).
fn json(request: &JsValue) -> Result<JsValue, StoreError> {
    js_sys::JSON::stringify(request)
        .map(JsValue::from)
        .map_err(|e| StoreError::unwritable(format!("{e:?}")))
}

fn unreadable(why: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!(
        "The server sent an answer that could not be read: {why}"
    ))
}

/// The API's error body, `{"error":{"code":…,"message":…}}`, as `(code, message)`.
fn error_detail(body: &JsValue) -> Option<(String, String)> {
    let error = js_sys::Reflect::get(body, &JsValue::from_str("error")).ok()?;
    let text = |name: &str| {
        js_sys::Reflect::get(&error, &JsValue::from_str(name))
            .ok()?
            .as_string()
    };
    Some((text("code")?, text("message")?))
}

/// What a failed answer means: the server (or the way to it) failed or is busy, so trying
/// again may help; or it refused the request, which the same request will not change.
fn failure(status: u16, detail: Option<(String, String)>) -> StoreError {
    let retryable = status >= 500 || status == 408 || status == 429;
    match (retryable, detail) {
        (true, Some((_, message))) => StoreError::Unavailable(message),
        (true, None) => StoreError::Unavailable(format!(
            "The server could not answer (HTTP {status}). Try again shortly."
        )),
        (false, Some((code, message))) => StoreError::Rejected { code, message },
        (false, None) => StoreError::Rejected {
            code: format!("http_{status}"),
            message: format!("The server refused the request (HTTP {status})."),
        },
    }
}

/// The newest entry id of a `ledger` event's data (`{"last": 42}`).
fn last_id(data: &str) -> Option<u64> {
    let (_, rest) = data.split_once("\"last\"")?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Given the newest id seen so far and an event's, the newest seen now and whether entries
/// arrived since. The first event (on connecting) only says where the ledger stands; `0`
/// is the server saying it lost count, so the data may have changed.
fn news(seen: Option<u64>, last: u64) -> (Option<u64>, bool) {
    match seen {
        None => (Some(last), false),
        Some(seen) if last == 0 => (Some(seen), true),
        Some(seen) => (Some(seen.max(last)), last > seen),
    }
}

/// How long to wait after news before fetching again, so a burst of usage is one refetch.
const SETTLE_MS: u32 = 250;

type Listener = Closure<dyn FnMut(web_sys::MessageEvent)>;

thread_local! {
    /// The event stream being followed and its listener (one at a time).
    static EVENTS: RefCell<Option<(web_sys::EventSource, Listener)>> = const { RefCell::new(None) };
}

impl Backend for RestStore {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        Box::pin(async move {
            let body = match call.route.args {
                Args::Body => Some(json(&call.request)?),
                Args::None | Args::Query => None,
            };
            let url = self.url(&call.path, &call.query);
            self.request(call.route.method.as_str(), &url, body, call.abort.as_ref())
                .await
        })
    }

    /// Follows the server's `ledger` events (an `EventSource`, which reconnects by itself;
    /// the token goes in the URL, as it cannot send headers).
    fn watch(&self, changed: Box<dyn Fn()>) {
        let query = vec![("access_token".to_string(), self.token.clone())];
        let Ok(source) = web_sys::EventSource::new(&self.url("/events", &query)) else {
            return;
        };
        let changed: Rc<dyn Fn()> = Rc::from(changed);
        let seen = Cell::new(None);
        let waiting = Rc::new(Cell::new(false));
        let on_ledger = Listener::new(move |ev: web_sys::MessageEvent| {
            let Some(last) = ev.data().as_string().as_deref().and_then(last_id) else {
                return;
            };
            let (now_seen, arrived) = news(seen.get(), last);
            seen.set(now_seen);
            if arrived && !waiting.replace(true) {
                let (waiting, changed) = (waiting.clone(), changed.clone());
                leptos::task::spawn_local(async move {
                    browser::sleep(SETTLE_MS).await;
                    waiting.set(false);
                    changed();
                });
            }
        });
        let _ =
            source.add_event_listener_with_callback("ledger", on_ledger.as_ref().unchecked_ref());
        EVENTS.with(|events| {
            if let Some((before, _)) = events.replace(Some((source, on_ledger))) {
                before.close();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_retryable_only_when_the_server_could_not_answer() {
        let detail = || Some(("insufficient_credits".into(), "not enough credits".into()));
        assert_eq!(
            failure(422, detail()),
            StoreError::Rejected {
                code: "insufficient_credits".into(),
                message: "not enough credits".into()
            }
        );
        assert!(!failure(401, None).is_retryable());
        assert!(failure(401, None).to_string().contains("HTTP 401"));
        for status in [500, 502, 503, 429] {
            assert!(failure(status, None).is_retryable(), "{status}");
        }
        assert_eq!(
            failure(503, detail()),
            StoreError::Unavailable("not enough credits".into())
        );
    }

    #[test]
    fn ledger_events_say_when_entries_arrived() {
        assert_eq!(last_id(r#"{"last":42}"#), Some(42));
        assert_eq!(last_id(r#"{ "last" : 7 }"#), Some(7));
        assert_eq!(last_id("{}"), None);
        assert_eq!(last_id(r#"{"last":"x"}"#), None);
        // The first event on connecting is where the ledger stands, not news.
        assert_eq!(news(None, 40), (Some(40), false));
        assert_eq!(news(Some(40), 40), (Some(40), false));
        assert_eq!(news(Some(40), 41), (Some(41), true));
        assert_eq!(news(Some(41), 39), (Some(41), false));
        // The server lost count: fetch again, keep what was seen.
        assert_eq!(news(Some(41), 0), (Some(41), true));
    }
}
