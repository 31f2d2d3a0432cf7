//! A meter's chart on the usage page (or the same numbers as a table) and its breakdowns by
//! category, feature, engine and member.

use crate::browser;
use crate::components::breakdown::{Breakdown, Namer};
use crate::components::usage_chart::UsageChartCard;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::usage::{BreakdownRow, MeterUsage, NONE_KEY};
use leptos::prelude::*;

/// A meter's chart (or the same numbers as a table) and its breakdowns, either or both.
#[component]
pub(super) fn MeterDetails(
    meter: MeterConfig,
    /// The page's period's numbers (the breakdowns).
    usage: Signal<MeterUsage>,
    /// The chart's numbers: its own period's, where it has one.
    chart_usage: Signal<MeterUsage>,
    /// The chart's own period, named on it ("Last 30 days").
    chart_period: Option<String>,
    show_chart: bool,
    show_breakdowns: bool,
    /// Controls at the chart's top right (Foto Master's period toggles).
    controls: Option<ViewFn>,
    several: bool,
    /// The product's title for the chart.
    presentation: Presentation,
    category: Namer,
    feature: Namer,
    member: Namer,
    engine: Namer,
) -> impl IntoView {
    let id = meter.id.to_string();
    let empty = Memo::new(move |_| usage.with(|u| u.used.is_zero() && u.jobs == 0));
    let rows = |pick: fn(&MeterUsage) -> &Vec<BreakdownRow>| {
        Memo::new_with_compare(
            move |_| usage.with(|u| pick(u).clone()),
            super::always_changed,
        )
    };
    let by_category = rows(|u| &u.by_category);
    let by_feature = rows(|u| &u.by_feature);
    let by_engine = rows(|u| &u.by_engine);
    let by_member = rows(|u| &u.by_member);
    // A breakdown is shown when the usage carries the attribute at all (products without
    // engines, say, get no engine table); a donut of one slice would say nothing.
    // Memos, not derived signals: a view that reads them is rebuilt only when the answer
    // changes, not whenever the rows do.
    let named = |rows: Memo<Vec<BreakdownRow>>| {
        Memo::new(move |_| rows.with(|r| r.iter().any(|r| r.key != NONE_KEY)))
    };
    let several_categories: Signal<bool> =
        Memo::new(move |_| usage.with(|u| u.series.categories.len() > 1)).into();
    let for_breakdowns = meter.clone();
    let breakdown = move |title: &'static str,
                          key_header: &'static str,
                          none: &'static str,
                          rows: Memo<Vec<BreakdownRow>>,
                          name: Namer,
                          donut: Signal<bool>,
                          slug: &'static str| {
        let shown = named(rows);
        let meter = for_breakdowns.clone();
        let testid = format!("by-{slug}-{}", meter.id);
        move || {
            shown.get().then(|| {
                view! {
                    <Breakdown
                        title
                        key_header
                        none
                        rows
                        name=name.clone()
                        meter=meter.clone()
                        donut
                        testid=testid.clone()
                    />
                }
            })
        }
    };
    let no_donut = Signal::stored(false);
    // Below the chart, out of the first view: built once the cards and the chart are on
    // screen, so the first paint does not wait for four tables and a donut.
    let chart_category = category.clone();
    let painted = RwSignal::new(false);
    browser::after_next_paint(move || {
        painted.try_set(true);
    });
    let breakdowns = move || {
        (show_breakdowns && painted.get()).then(|| {
            view! {
                {breakdown("By category", "Category", "Uncategorized", by_category, category.clone(), several_categories, "category")}
                {breakdown("By feature", "Feature", "Other usage", by_feature, feature.clone(), no_donut, "feature")}
                {breakdown("By engine", "Engine", "No specific engine", by_engine, engine.clone(), no_donut, "engine")}
                {breakdown("By team member", "Team member", "Unattributed", by_member, member.clone(), no_donut, "member")}
            }
        })
    };
    view! {
        <section class="meter-details" data-testid=format!("details-{id}")>
            {show_chart.then(|| view! {
                <UsageChartCard
                    meter=meter.clone()
                    usage=chart_usage
                    period=chart_period.clone()
                    controls=controls.clone()
                    category=chart_category.clone()
                    titled=several
                    presentation=presentation.clone()
                />
            })}
            {show_breakdowns.then(|| view! {
                <div class="breakdowns" class:hidden=move || empty.get()>
                    {breakdowns.clone()}
                </div>
            })}
        </section>
    }
}
