//! Browser tests of the app shell, run by wasm-bindgen-test in headless Chromium.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use creditboard::data::{load_demo, now};
use creditboard::pages::usage::Account;
use creditboard_domain::preset::PresetId;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The real ECharts, as the app's page loads it.
fn load_echarts() {
    if !creditboard::components::chart::echarts_loaded() {
        js_sys::eval(include_str!("../node_modules/echarts/dist/echarts.min.js")).unwrap();
    }
}

fn container() -> web_sys::HtmlElement {
    let document = document();
    let style = document.create_element("style").unwrap();
    style.set_text_content(Some(".chart { width: 800px; height: 300px; }"));
    document.head().unwrap().append_child(&style).unwrap();
    let el = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// Digits of a displayed amount as minor units: "5,443.2 min" → 54432.
fn minor_units(text: &str) -> i64 {
    let negative = text.trim_start().starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let value: i64 = digits.parse().unwrap();
    if negative { -value } else { value }
}

async fn settle() {
    for _ in 0..5 {
        leptos::task::tick().await;
    }
}

#[wasm_bindgen_test]
async fn the_account_shows_every_meters_balance_and_draws_its_chart() {
    load_echarts();
    // Lucas bills two meters separately: both must show, each with its own balance.
    let demo = load_demo(PresetId::Lucas, now()).unwrap();
    let ledger = demo.0.ledger.clone();
    let el = container();
    let _mounted = mount_to(el.clone(), move || view! { <Account demo=demo.clone() /> });
    settle().await;

    let text = |selector: &str| {
        el.query_selector(selector)
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert_eq!(text("[data-testid=account-name]"), ledger.config().name);
    for meter in &ledger.config().meters {
        // Independently: the balance is the sum of the meter's entries.
        let sum: i64 = ledger
            .entries()
            .iter()
            .filter(|e| e.meter == meter.id)
            .map(|e| e.amount.get())
            .sum();
        let shown = text(&format!("[data-testid=available-{}] .stat-value", meter.id));
        assert_eq!(minor_units(&shown), sum, "{}: {shown}", meter.name);
        let chart = el
            .query_selector(&format!("[data-testid=chart-{}] canvas", meter.id))
            .unwrap();
        assert!(chart.is_some(), "{} has a drawn chart", meter.name);
    }
}
