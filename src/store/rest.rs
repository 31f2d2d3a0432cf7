//! The store over the reference server's REST API (`crates/creditboard-server`): one request
//! per call, JSON both ways, the member's token on each. A server serving the app names its
//! API and a token in the page (`window.creditboardServer`); `app::start` picks this store
//! when it finds them.
//!
//! The browser parses answers (`Response.json()`) and `serde_wasm_bindgen` reads them, as it
//! reads the demo worker's: the app carries one deserializer, not two, and the answers only
//! other pages read go through the worker's decoders, which are split points. Bodies take the
//! same path out (`JSON.stringify`).
//!
//! The server's event stream says when entries were appended (another client's usage); the
//! app then fetches what is on screen again ([`CreditStore::watch`]).

use super::worker::{
    decode_activity, decode_bought, decode_estimate, decode_export, decode_held, decode_simulated,
    decode_team,
};
use super::{CreditStore, StoreError, StoreFuture};
use crate::browser;
use crate::view::{Query, to_query_string, with_period};
use creditboard_domain::account::SettingsChange;
use creditboard_domain::activity::{
    ActivityPage, ActivityQuery, ExportChunk, ExportRequest, PageRequest,
};
use creditboard_domain::aggregate::LedgerFilter;
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::{
    AccountView, BalanceView, BuyRequest, BuyResult, TeamView, TopUpSimulationRequest, UsageQuery,
    UsageView,
};
use creditboard_domain::batch::{BatchRequest, HeldShot, SettleRequest};
use creditboard_domain::billing::TopUpSimulation;
use creditboard_domain::ratecard::{Estimate, EstimateLine, RateCard};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Where the server that serves the page has its API, and the token to call it with
/// (`window.creditboardServer = {"api": …, "token": …, …}`); none when no server named them.
pub fn named_by_page() -> Option<(String, String)> {
    let config = page_config()?;
    let field = |name: &str| {
        js_sys::Reflect::get(&config, &JsValue::from_str(name))
            .ok()?
            .as_string()
            .filter(|s| !s.is_empty())
    };
    Some((field("api")?, field("token")?))
}

/// Whether a server's demo mode served the page: it lists the members the page may act as.
pub fn server_demo() -> bool {
    page_config()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("members")).ok())
        .is_some_and(|m| js_sys::Array::is_array(&m))
}

/// What the server found wrong with the page's start-up URL (an unknown preset, say).
pub fn page_notices() -> Vec<String> {
    page_config()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("notices")).ok())
        .filter(js_sys::Array::is_array)
        .map(|n| {
            js_sys::Array::from(&n)
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
}

fn page_config() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    js_sys::Reflect::get(&window, &JsValue::from_str("creditboardServer"))
        .ok()
        .filter(JsValue::is_object)
}

split_point! {
    /// The store over `api` with `token`. A split point: the store's code is a chunk of its
    /// own, which a page on the demo store never loads.
    pub fn connect(api: String, token: String) -> Arc<dyn CreditStore> {
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

    async fn get(&self, path: &str, query: &Query) -> Result<JsValue, StoreError> {
        self.send("GET", &self.url(path, query), None).await
    }

    async fn post(
        &self,
        method: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<JsValue, StoreError> {
        let body = json(body)?;
        self.send(method, &self.url(path, &Query::new()), Some(body))
            .await
    }

    /// Sends one request; the answer's JSON as a JavaScript value (`undefined` for none).
    async fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<JsValue>,
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

/// A request body as JSON text, through the serializer the app already carries (maps as
/// objects, `None` as `null`: what `JSON.stringify` keeps).
fn json(value: &impl Serialize) -> Result<JsValue, StoreError> {
    // Sending it again would not help.
    let cannot = |e: String| StoreError::Rejected {
        code: "bad_request".into(),
        message: format!("The request could not be written: {e}"),
    };
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| cannot(e.to_string()))?;
    js_sys::JSON::stringify(&value)
        .map(JsValue::from)
        .map_err(|e| cannot(format!("{e:?}")))
}

fn read<T: DeserializeOwned>(answer: JsValue) -> Result<T, StoreError> {
    serde_wasm_bindgen::from_value(answer).map_err(unreadable)
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

/// The query parameters of a filter, named as the API's (`RawQuery`'s fields); lists are
/// comma-separated.
fn filter_pairs(filter: &LedgerFilter, out: &mut Query) {
    fn list<T>(out: &mut Query, key: &str, items: &[T], text: impl Fn(&T) -> &str) {
        if !items.is_empty() {
            let joined: Vec<&str> = items.iter().map(text).collect();
            out.push((key.to_string(), joined.join(",")));
        }
    }
    list(out, "kind", &filter.kinds, |k| k.as_str());
    list(out, "status", &filter.statuses, |s| s.as_str());
    list(out, "category", &filter.categories, |c| c.as_str());
    list(out, "feature", &filter.features, |f| f.as_str());
    list(out, "engine", &filter.engines, |e| e.as_str());
    list(out, "member", &filter.members, |m| m.as_str());
    list(out, "project", &filter.projects, |p| p.as_str());
    list(out, "tier", &filter.tiers, |t| t.as_str());
    if let Some(q) = &filter.search {
        out.push(("q".into(), q.clone()));
    }
}

fn usage_pairs(query: &UsageQuery) -> Query {
    let mut out = with_period(&Query::new(), query.period);
    filter_pairs(&query.filter, &mut out);
    out
}

/// A listing's parameters; no period is the whole history.
fn listing_pairs(query: &ActivityQuery) -> Query {
    let mut out = match query.period {
        Some(period) => with_period(&Query::new(), period),
        None => Query::new(),
    };
    if let Some(meter) = &query.meter {
        out.push(("meter".into(), meter.as_str().to_string()));
    }
    filter_pairs(&query.filter, &mut out);
    out
}

fn page_pairs(request: &PageRequest) -> Query {
    let mut out = listing_pairs(&request.query);
    out.push(("page".into(), request.page.to_string()));
    out.push(("size".into(), request.size.to_string()));
    if let Some(snapshot) = request.snapshot {
        out.push(("snapshot".into(), snapshot.0.to_string()));
    }
    out
}

fn export_pairs(request: &ExportRequest) -> Query {
    let mut out = listing_pairs(&request.query);
    for (key, id) in [
        ("snapshot", request.snapshot),
        ("older_than", request.older_than),
    ] {
        if let Some(id) = id {
            out.push((key.into(), id.0.to_string()));
        }
    }
    out.push(("rows".into(), request.rows.to_string()));
    out
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

impl CreditStore for RestStore {
    fn account(&self) -> StoreFuture<'_, AccountView> {
        Box::pin(async move { read(self.get("", &Query::new()).await?) })
    }

    fn rate_card(&self) -> StoreFuture<'_, RateCard> {
        Box::pin(async move { read(self.get("/rate-card", &Query::new()).await?) })
    }

    fn balance(&self) -> StoreFuture<'_, BalanceView> {
        Box::pin(async move { read(self.get("/balance", &Query::new()).await?) })
    }

    fn usage(&self, query: UsageQuery) -> StoreFuture<'_, UsageView> {
        Box::pin(async move { read(self.get("/usage", &usage_pairs(&query)).await?) })
    }

    fn activity(&self, request: PageRequest) -> StoreFuture<'_, ActivityPage> {
        Box::pin(async move {
            let answer = self.get("/ledger", &page_pairs(&request)).await?;
            decode_activity(answer).await.map_err(unreadable)
        })
    }

    fn export(&self, request: ExportRequest) -> StoreFuture<'_, ExportChunk> {
        Box::pin(async move {
            let answer = self.get("/ledger/export", &export_pairs(&request)).await?;
            decode_export(answer).await.map_err(unreadable)
        })
    }

    fn estimate(&self, lines: Vec<EstimateLine>) -> StoreFuture<'_, Estimate> {
        Box::pin(async move {
            let answer = self.post("POST", "/estimate", &lines).await?;
            decode_estimate(answer).await.map_err(unreadable)
        })
    }

    fn buy(&self, request: BuyRequest) -> StoreFuture<'_, BuyResult> {
        Box::pin(async move {
            let answer = self.post("POST", "/purchases", &request).await?;
            decode_bought(answer).await.map_err(unreadable)
        })
    }

    fn configure(&self, change: SettingsChange) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.post("PUT", "/settings", &change).await.map(drop) })
    }

    fn simulate_top_ups(
        &self,
        request: TopUpSimulationRequest,
    ) -> StoreFuture<'_, TopUpSimulation> {
        Box::pin(async move {
            let answer = self.post("POST", "/top-ups/simulate", &request).await?;
            decode_simulated(answer).await.map_err(unreadable)
        })
    }

    fn notifications(&self) -> StoreFuture<'_, Vec<Notification>> {
        Box::pin(async move { read(self.get("/notifications", &Query::new()).await?) })
    }

    fn team(&self) -> StoreFuture<'_, TeamView> {
        Box::pin(async move {
            let answer = self.get("/team", &Query::new()).await?;
            decode_team(answer).await.map_err(unreadable)
        })
    }

    fn hold_batch(&self, request: BatchRequest) -> StoreFuture<'_, Vec<HeldShot>> {
        Box::pin(async move {
            let answer = self.post("POST", "/batches", &request).await?;
            decode_held(answer).await.map_err(unreadable)
        })
    }

    fn settle(&self, request: SettleRequest) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let path = format!("/holds/{}/settle", request.hold.0);
            self.post("POST", &path, &request).await.map(drop)
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
    use creditboard_domain::entry::{EntryId, EntryKind, EntryStatus};
    use creditboard_domain::ids::{MemberId, MeterId};
    use creditboard_domain::period::{Period, PeriodPreset};

    #[test]
    fn queries_use_the_apis_parameter_names() {
        let filter = LedgerFilter {
            kinds: vec![EntryKind::Consume, EntryKind::HoldCapture],
            statuses: vec![EntryStatus::Failed],
            members: vec![MemberId::new("m_anton").unwrap()],
            search: Some("key frame".into()),
            ..LedgerFilter::default()
        };
        let usage = UsageQuery {
            period: Period::preset(PeriodPreset::Last90Days),
            filter: filter.clone(),
        };
        assert_eq!(
            to_query_string(&usage_pairs(&usage)),
            "?period=last_90_days&kind=consume%2Chold_capture&status=failed&member=m_anton&q=key%20frame"
        );
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let query = ActivityQuery {
            period: Some(Period::custom(d("2026-08-01"), d("2026-08-31")).unwrap()),
            meter: Some(MeterId::new("credits").unwrap()),
            filter: LedgerFilter::default(),
        };
        let page = PageRequest {
            query: query.clone(),
            size: 25,
            page: 3,
            snapshot: Some(EntryId(812)),
        };
        assert_eq!(
            to_query_string(&page_pairs(&page)),
            "?from=2026-08-01&to=2026-08-31&meter=credits&page=3&size=25&snapshot=812"
        );
        // No period: the whole history.
        let export = ExportRequest {
            query: ActivityQuery::default(),
            snapshot: Some(EntryId(9)),
            older_than: None,
            rows: 5000,
        };
        assert_eq!(
            to_query_string(&export_pairs(&export)),
            "?snapshot=9&rows=5000"
        );
    }

    #[test]
    fn the_query_pairs_parse_back_into_the_same_view() {
        let filter = LedgerFilter {
            kinds: vec![EntryKind::Refund, EntryKind::AutoTopUp],
            members: vec![
                MemberId::new("m_anton").unwrap(),
                MemberId::new("m_mira").unwrap(),
            ],
            search: Some("upscale".into()),
            ..LedgerFilter::default()
        };
        let query = ActivityQuery {
            period: Some(Period::preset(PeriodPreset::ThisMonth)),
            meter: Some(MeterId::new("credits").unwrap()),
            filter,
        };
        let mut raw = creditboard_domain::api::RawQuery::default();
        for (k, v) in listing_pairs(&query) {
            let slot = match k.as_str() {
                "period" => &mut raw.period,
                "meter" => &mut raw.meter,
                "kind" => &mut raw.kind,
                "member" => &mut raw.member,
                "q" => &mut raw.q,
                other => panic!("unexpected parameter {other}"),
            };
            *slot = Some(v);
        }
        let view = raw.parse().unwrap();
        assert_eq!(view.period, query.period);
        assert_eq!(view.meter, query.meter);
        assert_eq!(view.filter, query.filter);
    }

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
