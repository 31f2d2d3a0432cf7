//! A meter's usage over the period: bars per day (or month) stacked by category, the period
//! total and the average per day, and the same numbers as a table for those who cannot or do
//! not want to read a chart. The chart stays mounted while the period changes: ECharts
//! redraws it in place instead of starting again.

use crate::charts::{ChartSpec, key_name, usage_chart};
use crate::components::breakdown::Namer;
use crate::components::chart::EChart;
use crate::components::states::EmptyState;
use crate::format;
use crate::theme::use_chart_theme;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::usage::{Granularity, MeterUsage, Series};
use leptos::prelude::*;

fn per(granularity: Granularity) -> &'static str {
    match granularity {
        Granularity::Day => "Daily",
        Granularity::Month => "Monthly",
    }
}

/// The chart card of one meter under the product's title ("Daily usage"); `titled` names the
/// meter too (when the account has several).
#[component]
pub fn UsageChartCard(
    meter: MeterConfig,
    #[prop(into)] usage: Signal<MeterUsage>,
    /// The chart's own period, when it is not the page's ("Last 30 days").
    #[prop(default = None)]
    period: Option<String>,
    /// Controls at the card's top right (Foto Master's period toggles).
    #[prop(default = None)]
    controls: Option<ViewFn>,
    category: Namer,
    titled: bool,
    presentation: Presentation,
) -> impl IntoView {
    let id = meter.id.to_string();
    let theme = use_chart_theme();
    let as_table = RwSignal::new(false);
    let granularity = Memo::new(move |_| usage.with(|u| u.series.granularity));
    let name = meter.name.clone();
    let title = move || {
        let title = presentation.chart_title_per(per(granularity.get()));
        if titled {
            format!("{title} — {name}")
        } else {
            title
        }
    };
    let empty = Memo::new(move |_| usage.with(|u| u.used.is_zero() && u.jobs == 0));
    let range_label = Memo::new(move |_| usage.with(|u| format::date_range(&u.range)));
    let spec = {
        let (meter, category) = (meter.clone(), category.clone());
        Signal::derive(move || -> ChartSpec {
            usage.with(|u| usage_chart(&u.series, |k| category(k), &meter, &theme.get()))
        })
    };
    let stamp =
        Signal::derive(move || usage.with(|u| format!("{}/{}", u.range.from, u.range.until)));
    let summary = {
        let meter = meter.clone();
        move || {
            usage.with(|u| {
                let total = format!(
                    "Total {} · ≈ {} per day",
                    format::amount(u.used, &meter),
                    format::amount(u.average_per_day, &meter)
                );
                match &period {
                    Some(p) => format!("{p}: {total}"),
                    None => total,
                }
            })
        }
    };
    let chart_label = {
        let title = title.clone();
        Signal::derive(move || format!("{}, {}, stacked by category", title(), range_label.get()))
    };
    let unit = format::unit_name(&meter);
    let table = {
        let (meter, category) = (meter.clone(), category.clone());
        let series = Signal::derive(move || usage.with(|u| u.series.clone()));
        move || view! { <SeriesTable series meter=meter.clone() category=category.clone() /> }
    };
    let chart_testid = format!("chart-{id}");
    let empty_title = Signal::derive(move || format!("No {unit} used {}", range_label.get()));
    let body = move || {
        // Only an empty period swaps the chart out: a new period redraws it in place.
        if empty.get() {
            return view! {
                <EmptyState title=empty_title>
                    "Nothing was charged in this period. Choose a longer period to see earlier activity."
                </EmptyState>
            }
            .into_any();
        }
        let (table, chart_testid) = (table.clone(), chart_testid.clone());
        view! {
            <Show
                when=move || as_table.get()
                fallback=move || {
                    view! {
                        <EChart spec label=chart_label stamp testid=chart_testid.clone() />
                    }
                }
            >
                {table.clone()}
            </Show>
        }
        .into_any()
    };
    view! {
        <div class="card chart-card">
            <div class="chart-card-head">
                <div>
                    <h2>{title}</h2>
                    <p class="muted" data-testid=format!("chart-summary-{id}")>{summary}</p>
                </div>
                {controls.map(|c| view! { <div class="chart-controls">{c.run()}</div> })}
                <Show when=move || !empty.get()>
                    <button
                        type="button"
                        class="button"
                        aria-pressed=move || as_table.get().to_string()
                        on:click=move |_| as_table.update(|t| *t = !*t)
                    >
                        "Show as table"
                    </button>
                </Show>
            </div>
            {body}
        </div>
    }
}

/// The chart's numbers as a table: one row per bar, the total and each category.
#[component]
fn SeriesTable(
    #[prop(into)] series: Signal<Series>,
    meter: MeterConfig,
    category: Namer,
) -> impl IntoView {
    let unit = format::unit_name(&meter);
    let label = move || match series.with(|s| s.granularity) {
        Granularity::Day => "Day",
        Granularity::Month => "Month",
    };
    let id = meter.id.to_string();
    let head = {
        let category = category.clone();
        move || {
            series.with(|s| {
                s.categories
                    .iter()
                    .map(|k| key_name(k, "Uncategorized", |k| category(k)))
                    .map(|n| view! { <th scope="col" class="num">{n}</th> })
                    .collect_view()
            })
        }
    };
    let rows = move || {
        series.with(|s| {
            s.points
                .iter()
                .map(|p| {
                    let when = match s.granularity {
                        Granularity::Day => format::long_date(p.from),
                        Granularity::Month => format::long_month_label(p.from),
                    };
                    view! {
                        <tr>
                            <th scope="row">{when}</th>
                            <td class="num">{format::number(p.total, &meter)}</td>
                            {p.by_category
                                .iter()
                                .map(|v| view! { <td class="num">{format::number(*v, &meter)}</td> })
                                .collect_view()}
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div
            class="table-wrap series-table"
            tabindex="0"
            role="region"
            aria-label=move || format!("Usage per {} as a table", label().to_ascii_lowercase())
            data-testid=format!("series-table-{id}")
        >
            <table class="data-table">
                <caption class="visually-hidden">
                    {move || format!("Usage per {}, in {unit}", label().to_ascii_lowercase())}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{label}</th>
                        <th scope="col" class="num">"Total"</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
