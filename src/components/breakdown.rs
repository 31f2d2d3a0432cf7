//! A breakdown of usage by one attribute (category, feature, engine, member): a table with
//! each row's share, optionally beside a donut of the same numbers. It follows its rows as
//! the period changes, the donut redrawn in place.

use crate::charts::{ChartSpec, donut_chart, key_name};
use crate::components::chart::EChart;
use crate::format;
use crate::theme::use_chart_theme;
use creditboard_domain::Amount;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::usage::BreakdownRow;
use leptos::prelude::*;
use std::sync::Arc;

/// Rows shown before "Show all".
const FIRST_ROWS: usize = 8;

/// Names for a breakdown's keys (from the rate card or the team).
pub type Namer = Arc<dyn Fn(&str) -> String + Send + Sync>;

fn total_of(rows: &[BreakdownRow]) -> Amount {
    Amount::minor(
        rows.iter()
            .map(|r| r.used.get().max(0))
            .fold(0i64, i64::saturating_add),
    )
}

/// One breakdown: a captioned table, and a donut when `donut` is set.
#[component]
pub fn Breakdown(
    #[prop(into)] title: String,
    /// The column header for the key ("Category", "Team member").
    #[prop(into)]
    key_header: String,
    #[prop(into)] rows: Signal<Vec<BreakdownRow>>,
    name: Namer,
    /// What usage without the attribute is called ("Uncategorized").
    none: &'static str,
    meter: MeterConfig,
    #[prop(optional, into)] donut: Signal<bool>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let unit = format::unit_name(&meter);
    let show_all = RwSignal::new(false);
    let count = Memo::new(move |_| rows.with(Vec::len));
    let theme = use_chart_theme();
    let chart = {
        let (name, meter, title) = (name.clone(), meter.clone(), title.clone());
        let spec = Signal::derive(move || -> ChartSpec {
            rows.with(|rows| donut_chart(rows, none, |k| name(k), &meter, &theme.get()))
        });
        move || {
            donut.get().then(|| {
                view! {
                    <EChart
                        spec
                        label=format!("{title} as a donut chart; the table has the numbers")
                        class="donut"
                    />
                }
            })
        }
    };
    let body_rows = move || {
        let limit = if show_all.get() {
            usize::MAX
        } else {
            FIRST_ROWS
        };
        let colours = theme.get().series;
        let with_swatches = donut.get();
        rows.with(|rows| {
            let total = total_of(rows);
            // Beside a donut, each row carries its slice's colour (slices are the positive
            // rows, in the same order).
            let mut slice = 0;
            rows.iter()
                .take(limit)
                .map(|r| {
                    let swatch = (with_swatches && r.used.is_positive()).then(|| {
                        let colour = colours
                            .get(slice % colours.len().max(1))
                            .cloned()
                            .unwrap_or_default();
                        slice += 1;
                        view! {
                            <span
                                class="swatch"
                                style=format!("background: {colour}")
                                aria-hidden="true"
                            ></span>
                        }
                    });
                    let share = format::share_bp(r.used, total);
                    let bar = format!("width: {}%", (share.min(10_000) as f64) / 100.0);
                    view! {
                        <tr>
                            <th scope="row">{swatch}{key_name(&r.key, none, |k| name(k))}</th>
                            <td class="num">{format::number(r.used, &meter)}</td>
                            <td class="num share">
                                <span class="share-bar" aria-hidden="true">
                                    <span style=bar></span>
                                </span>
                                <span class="share-value">{format::percent(share)}</span>
                            </td>
                            <td class="num">{format::group_thousands(&r.count.to_string())}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="card breakdown" class:with-donut=move || donut.get() data-testid=testid>
            <h3>{title.clone()}</h3>
            <div class="breakdown-body">
                {chart}
                // Focusable so a table wider than a phone can be scrolled from the keyboard.
                <div class="table-wrap" tabindex="0" role="region" aria-label=title.clone()>
                    <table class="data-table">
                        <caption class="visually-hidden">{format!("{title}, in {unit}")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{key_header}</th>
                                <th scope="col" class="num">{format!("Used ({unit})")}</th>
                                <th scope="col" class="num">"Share"</th>
                                <th scope="col" class="num">"Jobs"</th>
                            </tr>
                        </thead>
                        <tbody>{body_rows}</tbody>
                    </table>
                </div>
            </div>
            <Show when=move || { count.get() > FIRST_ROWS }>
                <button
                    type="button"
                    class="link-button"
                    aria-expanded=move || show_all.get().to_string()
                    on:click=move |_| show_all.update(|s| *s = !*s)
                >
                    {move || {
                        if show_all.get() {
                            "Show fewer".to_string()
                        } else {
                            format!("Show all {}", count.get())
                        }
                    }}
                </button>
            </Show>
        </section>
    }
}
