//! Component tests in headless Chromium (wasm-bindgen-test): the period selector, the cards,
//! the error state, the demo store's persistence and the browser's timezone data. Expected
//! numbers are computed here from the demo history, not read from the page.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use creditboard::app::App;
use creditboard::store::demo::{DemoStore, NoPersist, Persist};
use creditboard::store::{Backend, DemoControls, Sent, Store, StoreError, StoreFuture};
use creditboard_domain::api::BalanceView;
use creditboard_domain::api::calls::BalanceRequest;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::entry::EntryKind;
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::ids::MeterId;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::preset::PresetId;
use creditboard_domain::tz::{Timezone, ZoneSource};
use creditboard_domain::usage::{LedgerFilter, summarize};
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The instant every test's demo ends at.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T15:30:00Z")
        .unwrap()
        .to_utc()
}

fn setup() {
    creditboard::zones::install();
    if !creditboard::components::chart::echarts_loaded() {
        js_sys::eval(include_str!("../node_modules/echarts/dist/echarts.min.js")).unwrap();
    }
    // Each test starts at "/" with no query: the router reads the page's own URL.
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
        .unwrap();
}

/// Puts `search` (`?period=…`) in the page's URL, as a link would.
fn set_search(search: &str) {
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("/{search}")),
        )
        .unwrap();
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn container() -> web_sys::HtmlElement {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// The demo store of a preset at the fixed instant, keeping nothing.
fn demo(preset: PresetId) -> DemoStore {
    DemoStore::new(preset, 100, now, Box::new(NoPersist))
}

/// What a demo store answers for the balance (as the app would ask it).
trait BalanceNow {
    async fn balance_now(&self) -> Result<BalanceView, StoreError>;
}

impl BalanceNow for DemoStore {
    async fn balance_now(&self) -> Result<BalanceView, StoreError> {
        let answer = self.answer("balance", JsValue::NULL)?;
        Ok(serde_wasm_bindgen::from_value(answer).unwrap())
    }
}

/// Local storage stand-in shared between two stores (a reload).
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<HashMap<String, String>>>);

impl Persist for Memory {
    fn load(&self, key: &str) -> Option<String> {
        self.0.lock().unwrap().get(key).cloned()
    }
    fn save(&self, key: &str, value: &str) {
        self.0.lock().unwrap().insert(key.into(), value.into());
    }
    fn remove(&self, key: &str) {
        self.0.lock().unwrap().remove(key);
    }
}

/// A mounted view, taken down completely when dropped: its owner is cleaned up, so the
/// router's window listeners leave with it and cannot answer the next test's clicks.
struct Mounted {
    owner: Owner,
    el: web_sys::HtmlElement,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.owner.cleanup();
        self.el.remove();
    }
}

fn mount_view<V: IntoView + 'static>(
    view: impl FnOnce() -> V + 'static,
) -> (web_sys::HtmlElement, Mounted) {
    let el = container();
    let owner = Owner::new();
    let handle = owner.with(|| leptos::mount::mount_to(el.clone(), view));
    handle.forget();
    (el.clone(), Mounted { owner, el })
}

/// Mounts the whole app over `store` in a fresh container.
fn mount(store: Arc<dyn Backend>) -> (web_sys::HtmlElement, Mounted) {
    mount_view(move || view! { <App store /> })
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits until `selector` matches inside `el` (up to 10 s).
async fn find(el: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlElement {
    for _ in 0..1000 {
        if let Some(found) = el.query_selector(selector).unwrap() {
            return found.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("nothing matches {selector}");
}

async fn text_of(el: &web_sys::HtmlElement, selector: &str) -> String {
    find(el, selector).await.text_content().unwrap_or_default()
}

/// Digits of a displayed amount as minor units: "5,443.2 min" → 54432, "-$1.05" → -105.
fn minor_units(text: &str) -> i64 {
    let negative = text.trim_start().starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let value: i64 = digits.parse().unwrap();
    if negative { -value } else { value }
}

/// The period selector's preset chips, in order.
fn chip_labels(selector: &web_sys::HtmlElement) -> Vec<String> {
    let links = selector.query_selector_all("a.chip").unwrap();
    (0..links.length())
        .map(|i| links.get(i).unwrap().text_content().unwrap())
        .collect()
}

fn location_search() -> String {
    web_sys::window().unwrap().location().search().unwrap()
}

#[wasm_bindgen_test]
async fn the_period_selector_puts_the_period_in_the_url_and_checks_custom_ranges() {
    setup();
    let (el, _app) = mount(Arc::new(demo(PresetId::Videogen)));
    let selector = find(&el, "[data-testid=period-selector]").await;
    assert_eq!(
        chip_labels(&selector),
        [
            "Last 7 days",
            "This month",
            "Last month",
            "Last 30 days",
            "Last 90 days",
            "Last 180 days",
            "This year"
        ]
    );
    // Nothing in the URL: the last 30 days, marked as the current choice.
    let current = text_of(&el, "a.chip[aria-current=true]").await;
    assert_eq!(current, "Last 30 days");

    let ninety = find(&el, "a.chip[data-period=last_90_days]").await;
    assert!(
        ninety
            .get_attribute("href")
            .unwrap()
            .ends_with("?period=last_90_days")
    );
    ninety.click();
    for _ in 0..100 {
        if location_search() == "?period=last_90_days" {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(location_search(), "?period=last_90_days");
    for _ in 0..300 {
        if text_of(&el, "a.chip[aria-current=true]").await == "Last 90 days" {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(
        text_of(&el, "a.chip[aria-current=true]").await,
        "Last 90 days"
    );
    // The range the page names is the account's last 90 days (Berlin, through today).
    let range = text_of(&el, "[data-testid=period-range]").await;
    assert_eq!(range, "Aug 24 – Nov 21, 2026");

    // A custom range that ends before it starts is refused and the URL stays.
    find(&el, "[aria-controls=cb-custom-range]").await.click();
    let form = find(&el, "#cb-custom-range").await;
    let set = |name: &str, value: &str| {
        let input: web_sys::HtmlInputElement = form
            .query_selector(&format!("input[name={name}]"))
            .unwrap()
            .unwrap()
            .unchecked_into();
        input.set_value(value);
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    };
    set("from", "2026-08-31");
    set("to", "2026-08-01");
    find(&el, "#cb-custom-range button[type=submit]")
        .await
        .click();
    sleep(50).await;
    let problem = text_of(&el, "#cb-range-problem").await;
    assert!(problem.contains("before the start date"), "{problem}");
    assert_eq!(location_search(), "?period=last_90_days");

    set("to", "2026-09-30");
    find(&el, "#cb-custom-range button[type=submit]")
        .await
        .click();
    for _ in 0..100 {
        if location_search().contains("from=") {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(location_search(), "?from=2026-08-31&to=2026-09-30");
    sleep(50).await; // the message clears on the next render
    assert_eq!(text_of(&el, "#cb-range-problem").await, "");
    assert_eq!(
        text_of(&el, "[data-testid=period-range]").await,
        "Aug 31 – Sep 30, 2026"
    );
}

#[wasm_bindgen_test]
async fn lucas_offers_exactly_its_five_periods_and_refuses_others_in_the_link() {
    setup();
    set_search("?period=last_30_days");
    let (el, _app) = mount(Arc::new(demo(PresetId::Lucas)));
    let selector = find(&el, "[data-testid=period-selector]").await;
    // Its help page's list, in its order.
    assert_eq!(
        chip_labels(&selector),
        [
            "Last 7 days",
            "This month",
            "Last month",
            "Last 90 days",
            "Last 180 days"
        ]
    );
    assert!(
        selector
            .query_selector("[aria-controls=cb-custom-range]")
            .unwrap()
            .is_none(),
        "no custom range"
    );
    // The link asked for a period Lucas does not offer: said, and this month shown instead.
    let problem = text_of(&el, "[data-testid=query-problem]").await;
    assert!(
        problem.contains("“Last 30 days” is not one of the periods offered here"),
        "{problem}"
    );
    assert_eq!(
        text_of(&el, "a.chip[aria-current=true]").await,
        "This month"
    );
    assert_eq!(
        text_of(&el, "[data-testid=period-range]").await,
        "Nov 1 – Nov 20, 2026"
    );
}

#[wasm_bindgen_test]
async fn the_cards_show_each_meters_balance_usage_and_rate() {
    setup();
    // Lucas bills two meters separately: each gets its own group of cards.
    let (el, _app) = mount(Arc::new(demo(PresetId::Lucas)));
    let expected = generate(&HistoryOptions::new(PresetId::Lucas, now())).unwrap();
    let ledger = &expected.ledger;
    let tz = ledger.config().timezone;
    // Lucas opens on this month and shows data through yesterday: Nov 1 – Nov 20 in New York.
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    for meter in &ledger.config().meters {
        let id = meter.id.as_str();
        let available: i64 = ledger
            .entries()
            .iter()
            .filter(|e| e.meter == meter.id)
            .map(|e| e.amount.get())
            .sum();
        let used: i64 = ledger
            .entries()
            .iter()
            .filter(|e| e.meter == meter.id)
            .filter(|e| {
                matches!(
                    e.kind,
                    EntryKind::Consume | EntryKind::HoldCapture | EntryKind::Refund
                )
            })
            .filter(|e| (first..=last).contains(&tz.date_of(e.at)))
            .map(|e| -e.amount.get())
            .sum();
        let shown = text_of(&el, &format!("[data-testid=available-{id}] .stat-value")).await;
        assert_eq!(minor_units(&shown), available, "{id} available: {shown}");
        let shown = text_of(&el, &format!("[data-testid=used-{id}] .stat-value")).await;
        assert_eq!(minor_units(&shown), used, "{id} used: {shown}");
        let label = text_of(&el, &format!("[data-testid=used-{id}] .stat-label")).await;
        assert_eq!(label, "Used this month");
        // "Your Available Rendering Minutes balance"; the AI credits keep the usual word.
        let label = text_of(&el, &format!("[data-testid=available-{id}] .stat-label")).await;
        let named = match id {
            "render_minutes" => "Available Rendering Minutes",
            _ => "Available",
        };
        assert_eq!(label, named, "{id}");
        // Both meters have a monthly allocation, so both show a usage rate with its bar: the
        // domain's rate for these days, coloured by the 80 % and 100 % thresholds.
        let range =
            Period::preset(PeriodPreset::ThisMonth).resolve(now(), &ledger.config().calendar());
        let summary = summarize(
            ledger.entries(),
            ledger.config(),
            &meter.id,
            &range,
            &LedgerFilter::default(),
        )
        .unwrap();
        let bp = summary.usage_rate_bp.unwrap();
        let rate = find(&el, &format!("[data-testid=rate-{id}]")).await;
        let bar = rate.query_selector("[role=progressbar]").unwrap().unwrap();
        let value: u32 = bar.get_attribute("aria-valuenow").unwrap().parse().unwrap();
        assert_eq!(value, (bp / 100).min(100), "{id}");
        let expected_level = match bp {
            10_000.. => "exceeded",
            8_000.. => "warning",
            _ => "normal",
        };
        assert_eq!(
            rate.get_attribute("data-level").unwrap(),
            expected_level,
            "{id}: {bp} bp"
        );
        find(&el, &format!("[data-testid=chart-{id}] canvas")).await;
    }
    assert_eq!(
        text_of(&el, "[data-testid=freshness]").await,
        "Data through Nov 20, 23:59"
    );
}

#[wasm_bindgen_test]
async fn the_usage_rate_card_warns_at_80_and_100_percent() {
    use creditboard::components::stat::UsageRateCard;
    setup();
    // The number is rounded down, so it never shows a threshold the colour has not reached.
    for (bp, level, text, now) in [
        (7_999u32, "normal", "79.9%", "79"),
        (8_000, "warning", "80%", "80"),
        (9_999, "warning", "99.9%", "99"),
        (10_000, "exceeded", "100%", "100"),
        (12_345, "exceeded", "123%", "100"),
    ] {
        let (el, _mounted) = mount_view(move || {
            view! { <UsageRateCard label="Usage rate" rate_bp=bp hint="h".to_string() testid="card" /> }
        });
        let card = find(&el, "[data-testid=card]").await;
        assert_eq!(card.get_attribute("data-level").unwrap(), level, "{bp}");
        let bar = card.query_selector("[role=progressbar]").unwrap().unwrap();
        assert_eq!(bar.get_attribute("aria-valuenow").unwrap(), now, "{bp}");
        assert_eq!(bar.get_attribute("aria-valuetext").unwrap(), text, "{bp}");
    }
}

/// Fails its first `failures` requests, then answers like the demo store.
struct Flaky {
    inner: DemoStore,
    failures: AtomicU32,
    calls: AtomicU32,
}

impl Flaky {
    fn check(&self) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match self
            .failures
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        {
            Ok(_) => Err(StoreError::Unavailable(
                "The server did not answer in time.".into(),
            )),
            Err(_) => Ok(()),
        }
    }
}

impl Backend for Flaky {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        Box::pin(async move {
            self.check()?;
            self.inner.send(call).await
        })
    }
}

#[wasm_bindgen_test]
async fn a_failing_store_shows_an_error_panel_and_retry_recovers() {
    setup();
    // The page's first three calls fail: the account, the rate card and the balance (the
    // usage waits for the account, whose periods it needs, and fails with it).
    let store = Arc::new(Flaky {
        inner: demo(PresetId::Ngram),
        failures: AtomicU32::new(3),
        calls: AtomicU32::new(0),
    });
    let (el, _app) = mount(store.clone());
    let panel = find(&el, "[data-testid=error-panel]").await;
    assert_eq!(panel.get_attribute("role").unwrap(), "alert");
    let text = panel.text_content().unwrap();
    assert!(
        text.contains("We could not load your credit usage"),
        "{text}"
    );
    assert!(
        text.contains("The server did not answer in time."),
        "{text}"
    );
    assert!(
        el.query_selector("[data-testid^=available-]")
            .unwrap()
            .is_none()
    );
    let before = store.calls.load(Ordering::Relaxed);
    let retry: web_sys::HtmlElement = panel
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(retry.text_content().unwrap(), "Try again");
    retry.click();
    find(&el, "[data-testid=available-credits] .stat-value").await;
    assert!(
        store.calls.load(Ordering::Relaxed) > before,
        "Retry asked the store again"
    );
    assert!(
        el.query_selector("[data-testid=error-panel]")
            .unwrap()
            .is_none()
    );
}

/// Answers everything but the balance.
struct NoBalance(DemoStore);

impl Backend for NoBalance {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        if call.name == "balance" {
            return Box::pin(async {
                Err(StoreError::Unavailable(
                    "The balance service is down.".into(),
                ))
            });
        }
        self.0.send(call)
    }
}

#[wasm_bindgen_test]
async fn without_a_balance_the_counter_and_panel_say_so() {
    setup();
    let (el, _app) = mount(Arc::new(NoBalance(demo(PresetId::Videogen))));
    let counter = find(&el, "[data-testid=balance-counter]").await;
    for _ in 0..300 {
        if counter
            .text_content()
            .unwrap()
            .contains("Balance unavailable")
        {
            break;
        }
        sleep(10).await;
    }
    assert!(
        counter
            .text_content()
            .unwrap()
            .contains("Balance unavailable")
    );
    counter.click();
    let panel = find(&el, "[data-testid=credits-panel]").await;
    let error = find(&panel, "[data-testid=error-panel]").await;
    let text = error.text_content().unwrap();
    assert!(text.contains("We could not load your balance"), "{text}");
    assert!(text.contains("The balance service is down."), "{text}");
    // The page itself, which needs the balance for its cards, says so too.
    find(&el, "main [data-testid=error-panel]").await;
}

#[wasm_bindgen_test]
async fn while_loading_the_page_shows_skeletons() {
    setup();
    let store = demo(PresetId::Act3);
    store.knobs().set_latency(400);
    let (el, _app) = mount(Arc::new(store));
    let skeleton = find(&el, "[data-testid=skeleton]").await;
    assert_eq!(skeleton.get_attribute("role").unwrap(), "status");
    find(&el, "[data-testid^=available-]").await;
    assert!(
        el.query_selector("[data-testid=skeleton]")
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn a_designers_changes_to_the_demo_survive_a_reload_until_reset() {
    setup();
    let memory = Memory::default();
    let first = DemoStore::new(PresetId::Videogen, 100, now, Box::new(memory.clone()));
    let untouched = first.balance_now().await.unwrap().meters[0]
        .balance
        .available;
    let said = first.run_sample_job().await.unwrap();
    assert!(said.starts_with("Ran “"), "{said}");
    let changed = first.balance_now().await.unwrap().meters[0]
        .balance
        .available;
    assert!(changed < untouched);

    // A new store over the same storage (a reload) rebuilds the same ledger.
    let again = DemoStore::new(PresetId::Videogen, 100, now, Box::new(memory.clone()));
    let reloaded = again.balance_now().await.unwrap().meters[0]
        .balance
        .available;
    assert_eq!(reloaded, changed);
    assert_eq!(again.entry_count(), first.entry_count());

    again.reset().await.unwrap();
    assert_eq!(
        again.balance_now().await.unwrap().meters[0]
            .balance
            .available,
        untouched
    );
    let fresh = DemoStore::new(PresetId::Videogen, 100, now, Box::new(memory));
    assert_eq!(
        fresh.balance_now().await.unwrap().meters[0]
            .balance
            .available,
        untouched
    );
}

#[wasm_bindgen_test]
async fn the_browsers_timezone_data_agrees_with_the_tz_database() {
    setup();
    let zones = creditboard::zones::IntlZones;
    for name in [
        "America/New_York",
        "Europe/London",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Santiago",
        "Europe/Berlin",
        "UTC",
    ] {
        let db: chrono_tz::Tz = name.parse().unwrap();
        // Every 17 hours over 2025–2027 (DST changes included).
        let mut t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let mut checked = 0u32;
        while t.year() < 2028 {
            let expected = db
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc();
            assert_eq!(
                zones.offset_at(name, t.timestamp()),
                Some(expected),
                "{name} {t}"
            );
            t += chrono::Duration::hours(17);
            // Thousands of Intl calls: give the test runner its turn now and then (a slow
            // machine would otherwise hold the page past the runner's patience).
            checked += 1;
            if checked.is_multiple_of(50) {
                sleep(0).await;
            }
        }
        // The domain, running on the browser's data, finds local midnights like the database.
        let tz = Timezone::new(name).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let midnight = day.and_hms_opt(0, 0, 0).unwrap();
        let from_db = db
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.to_utc());
        assert_eq!(Some(tz.start_of_day(day)), from_db, "{name}");
    }
    assert!(!zones.knows("Mars/Olympus"));
    assert_eq!(
        Timezone::new("Mars/Olympus").unwrap_err().code(),
        "unknown_timezone"
    );
}

/// Keeps every call waiting for ever, noting whether it can be aborted and its signal.
#[derive(Default)]
struct Waiting(Mutex<Vec<Option<send_wrapper::SendWrapper<web_sys::AbortSignal>>>>);

impl Backend for Waiting {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        let signal = call.abort.map(send_wrapper::SendWrapper::new);
        self.0.lock().unwrap().push(signal);
        Box::pin(std::future::pending())
    }
}

#[wasm_bindgen_test]
async fn leaving_a_page_aborts_its_reads_but_not_its_actions() {
    setup();
    let backend = Arc::new(Waiting::default());
    let page = Owner::new();
    page.with(|| {
        let store = Store::provide(backend.clone());
        // What a page's hooks do: a read in a resource, and an action.
        let reader = store.clone();
        let _read = LocalResource::new(move || {
            let store = reader.clone();
            async move { store.ask(BalanceRequest).await }
        });
        let act = Action::new_local(move |change: &SettingsChange| {
            let (store, change) = (store.clone(), change.clone());
            async move { store.act(change).await }
        });
        act.dispatch(SettingsChange::Alerts {
            meter: MeterId::new("credits").unwrap(),
            levels: Vec::new(),
        });
    });
    sleep(50).await;
    {
        let calls = backend.0.lock().unwrap();
        assert_eq!(calls.len(), 2, "both went out");
        let read = calls
            .iter()
            .flatten()
            .next()
            .expect("the read can be aborted");
        assert!(!read.aborted(), "not before the page is left");
        assert_eq!(
            calls.iter().filter(|c| c.is_none()).count(),
            1,
            "the action cannot be"
        );
    }
    page.cleanup();
    let calls = backend.0.lock().unwrap();
    let read = calls.iter().flatten().next().unwrap();
    assert!(read.aborted(), "leaving the page aborted the read");
}
