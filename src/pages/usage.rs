//! Route `/`: the credit usage page — balance per meter and the last 30 days of usage.

use crate::charts::{ChartStyle, DARK, LIGHT, usage_chart};
use crate::components::chart::EChart;
use crate::components::stat::StatCard;
use crate::data::{DEFAULT_PRESET, Demo, load_demo, now};
use crate::format;
use creditboard_domain::account::MeterConfig;
use creditboard_domain::aggregate::{LedgerFilter, MeterUsage, summarize};
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::preset::PresetId;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The usage page of the demo account named by `?preset=` (VideoGen's by default).
#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let preset = Memo::new(move |_| match query.read().get("preset") {
        None => Ok(DEFAULT_PRESET),
        Some(p) => p.parse::<PresetId>().map_err(|_| p.to_string()),
    });
    let demo = Memo::new(move |_| load_demo(preset.get().unwrap_or(DEFAULT_PRESET), now()));
    view! {
        <main class="page">
            {move || {
                preset
                    .get()
                    .err()
                    .map(|p| {
                        view! {
                            <p class="notice" role="status">
                                "There is no product preset “" {p} "”; showing the "
                                {DEFAULT_PRESET.slug()} " demo."
                            </p>
                        }
                    })
            }}
            {move || match demo.get() {
                Ok(demo) => view! { <Account demo /> }.into_any(),
                Err(e) => {
                    view! {
                        <p class="error" role="alert">
                            "The demo data could not be built: " {e}
                        </p>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

/// An account: its name, then one section per meter.
#[component]
pub fn Account(demo: Demo) -> impl IntoView {
    let ledger = &demo.0.ledger;
    let config = ledger.config();
    let now = now();
    let range =
        Period::preset(PeriodPreset::Last30Days).resolve(now, config.timezone, config.freshness);
    let meters: Vec<_> = config
        .meters
        .iter()
        .filter_map(|m| {
            let usage = summarize(
                ledger.entries(),
                config,
                &m.id,
                &range,
                &LedgerFilter::default(),
            )
            .ok()?;
            let available = ledger.balance(&m.id).ok()?.available;
            Some((m.clone(), usage, available))
        })
        .collect();
    let card = demo.0.rate_card.clone();
    view! {
        <header class="page-header">
            <h1 data-testid="account-name">{config.name.clone()}</h1>
            <p class="muted">
                "Credit usage · last 30 days · times in " {config.timezone.name()}
            </p>
        </header>
        {meters
            .into_iter()
            .map(|(meter, usage, available)| {
                let names = card.clone();
                view! { <MeterSection meter usage available category_name=move |k| names.category_name(k).to_string() /> }
            })
            .collect_view()}
    }
}

/// Cards and the daily chart of one meter.
#[component]
fn MeterSection(
    meter: MeterConfig,
    usage: MeterUsage,
    available: creditboard_domain::Amount,
    category_name: impl Fn(&str) -> String + 'static,
) -> impl IntoView {
    let style = ChartStyle {
        palette: if media_matches("(prefers-color-scheme: dark)") {
            DARK
        } else {
            LIGHT
        },
        animate: !media_matches("(prefers-reduced-motion: reduce)"),
    };
    let chart = usage_chart(&usage.series, category_name, meter.decimals, &style);
    let id = meter.id.to_string();
    let rate = usage
        .usage_rate_bp
        .map(|bp| format!("{}.{:02} % of what was available", bp / 100, bp % 100));
    let average = format!(
        "≈ {} per day",
        format::amount(usage.average_per_day, &meter)
    );
    view! {
        <section class="meter" data-testid=format!("meter-{id}")>
            <h2>{meter.name.clone()}</h2>
            <div class="cards">
                <StatCard
                    label="Available"
                    value=format::amount(available, &meter)
                    testid=format!("available-{id}")
                />
                <StatCard
                    label="Used in the last 30 days"
                    value=format::amount(usage.used, &meter)
                    hint=average
                    testid=format!("used-{id}")
                />
                <StatCard
                    label="Usage rate"
                    value=usage.usage_rate_bp.map_or("—".to_string(), |bp| format!("{} %", (bp + 50) / 100))
                    hint=rate.unwrap_or_default()
                    testid=format!("rate-{id}")
                />
            </div>
            <EChart
                chart=Signal::stored(chart)
                label=format!("Daily {} usage over the last 30 days, by category", meter.name)
                testid=format!("chart-{id}")
            />
        </section>
    }
}

/// Whether a media query matches (dark colours, reduced motion: the CSS follows the same).
fn media_matches(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}
