//! A project's page below its route: what it used in the period, by engine and how often,
//! each meter a card, then its own ledger.

use super::context::Context;
use super::listing::LedgerListing;
use crate::charts::frequency_chart;
use crate::components::breakdown::{Breakdown, Namer};
use crate::components::chart::EChart;
use crate::components::period::PeriodChoice;
use crate::components::states::{ErrorPanel, Skeleton};
use crate::format;
use crate::hooks::activity::use_project_usage;
use crate::hooks::usage::Offered;
use crate::theme::use_chart_theme;
use crate::view::activity::{Column, project_in_activity};
use crate::view::{offered_period, pairs, store_params, to_query_string};
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::usage::Granularity;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

/// One known project: a link back, its name, its usage per meter and its ledger.
#[component]
pub fn ProjectBody(ctx: Context, project: ProjectId, name: String) -> impl IntoView {
    let query = use_query_map();
    let account = ctx.account.clone();
    // The page's own periods (Foto Master's "Event Period, This Year, This Month, or Select
    // Dates"): one choice for the analytics and the ledger below them.
    let what = ctx
        .account
        .presentation
        .heading(Column::Project)
        .to_string();
    let whole = format!("{what} period");
    let offered = Memo::new(move |_| {
        let choices = account.presentation.project_periods.clone();
        let (period, problem) = offered_period(&pairs(&query.read()), &choices);
        Some(Offered {
            period,
            problem,
            choices,
            custom_label: account.presentation.custom_range.to_string(),
            whole: Some(whole.clone()),
        })
    });
    let period = Memo::new(move |_| {
        offered
            .with(|o| o.as_ref().map(|o| o.period))
            .unwrap_or(Period::preset(PeriodPreset::AllActivity))
    });
    let tz = ctx.account.timezone;
    let today = Signal::derive(move || tz.date_of(crate::browser::now()));
    let usage = use_project_usage(project.clone(), period);
    let theme = use_chart_theme();
    let back = move || {
        let sticky = store_params(&pairs(&query.read()));
        crate::browser::app_href(&format!("/activity{}", to_query_string(&sticky)))
    };
    let several = ctx.account.meters.len() > 1;
    let ledger_title = format!("{what} activities");
    let chart_title = ctx.account.presentation.project_chart_title.to_string();
    let in_activity = {
        let (project, account) = (project.clone(), ctx.account.clone());
        move || {
            let mut q = store_params(&pairs(&query.read()));
            q.extend(project_in_activity(
                &project,
                period.get(),
                &account.presentation,
            ));
            crate::browser::app_href(&format!("/activity{}", to_query_string(&q)))
        }
    };
    let analytics = {
        let ctx = ctx.clone();
        move || {
            match usage.get() {
            None => view! { <Skeleton what="the project's usage" /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorPanel what="the project's usage" error retry=Callback::new(move |()| usage.refetch()) />
            }
            .into_any(),
            Some(Ok(u)) => {
                let cards = u
                    .meters
                    .iter()
                    .filter(|m| m.jobs > 0 || !m.used.is_zero())
                    .filter_map(|m| {
                        let meter = ctx.meter(&m.meter)?.clone();
                        let used_title = if several {
                            format!("{} used", meter.name)
                        } else {
                            "Credits used".to_string()
                        };
                        let engine: Namer = Arc::new(|k: &str| k.to_string());
                        let rows = Signal::stored(m.by_engine.clone());
                        let spec = Signal::stored(frequency_chart(&m.series, &theme.get_untracked()));
                        let label = format!("Jobs per {} for this project", match m.series.granularity {
                            Granularity::Day => "day",
                            Granularity::Month => "month",
                        });
                        Some(view! {
                            <section class="card project-meter" data-testid=format!("project-{}", meter.id.as_str())>
                                // What this project spent: not the account's balance, whatever
                                // the meter is called ("Balance" at Foto Master).
                                <h2>{used_title.clone()}</h2>
                                <p class="stat-value" data-testid="project-used">
                                    {format::amount(m.used, &meter)}
                                </p>
                                <p class="muted">
                                    {format!(
                                        "used in {} {} · {}",
                                        format::group_thousands(&m.jobs.to_string()),
                                        if m.jobs == 1 { "job" } else { "jobs" },
                                        format::date_range(&m.range)
                                    )}
                                </p>
                                <h3>{chart_title.clone()}</h3>
                                <EChart spec label=label.clone() stamp=Signal::stored(format!("{:?}", m.range.from)) class="frequency-chart" />
                                <Breakdown
                                    title="By engine".to_string()
                                    key_header="Engine"
                                    rows
                                    name=engine
                                    none="No specific engine"
                                    meter=meter.clone()
                                    donut=true
                                    testid="project-engines".to_string()
                                />
                            </section>
                        })
                    })
                    .collect_view();
                view! { <div class="project-meters">{cards}</div> }.into_any()
            }
        }
        }
    };
    view! {
        <header class="page-head">
            <p>
                <a href=back>"← All activity"</a>
            </p>
            <h1>{name}</h1>
        </header>
        <div class="project-period">
            <PeriodChoice offered today />
        </div>
        {analytics}
        <h2 class="section-title">{ledger_title}</h2>
        <LedgerListing ctx project=Some(project) fixed=Signal::from(period) />
        <p class="activity-link">
            <a href=in_activity data-testid="project-in-activity">
                "Search, filter and export these in Activity →"
            </a>
        </p>
    }
}
