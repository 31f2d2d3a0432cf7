//! The Activity filter bar: time range (a custom one in the design system's date-range form),
//! the product's attribute filters, a search and "Clear filters". Every control changes the
//! URL, which owns the filters.

use super::context::Context;
use crate::components::ui::date_range::DateRangeForm;
use crate::hooks::activity::use_change_query;
use crate::view::activity::{ALL_HISTORY, ActivityView, FILTER_KEYS};
use creditboard_domain::config::presentation::ActivityFilter;
use creditboard_domain::entry::{EntryKind, EntryStatus};
use creditboard_domain::period::Period;
use creditboard_domain::tz::Timezone;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The filter bar: time range, service, category, member, project, type, status and a search.
#[component]
pub fn Filters(ctx: Context, view_state: Memo<ActivityView>, show_project: bool) -> impl IntoView {
    let change = use_change_query();
    let query = use_query_map();
    let current = move |key: &'static str| {
        move || {
            query
                .read()
                .get(key)
                .map(|v| v.split(',').next().unwrap_or_default().to_string())
                .unwrap_or_default()
        }
    };
    let select = {
        let change = change.clone();
        move |key: &'static str, label: &str, options: Vec<(String, String)>| {
            let label = label.to_string();
            let change = change.clone();
            let value = current(key);
            let id = format!("cb-filter-{key}");
            let label_for = id.clone();
            view! {
                <label class="filter" for=label_for>
                    <span>{label}</span>
                    <select
                        id=id
                        data-filter=key
                        prop:value=value
                        on:change:target=move |ev| {
                            let v = ev.target().value();
                            change(vec![(key, (!v.is_empty()).then_some(v))]);
                        }
                    >
                        <option value="">"All"</option>
                        {options
                            .into_iter()
                            .map(|(v, text)| view! { <option value=v>{text}</option> })
                            .collect_view()}
                    </select>
                </label>
            }
        }
    };
    // The account's time ranges (VideoGen: exactly 1, 7 and 30 days).
    let periods = {
        let offered = &ctx.account.presentation;
        let mut v = vec![];
        if offered.all_history {
            v.push((ALL_HISTORY.to_string(), "All history".to_string()));
        }
        v.extend(
            offered
                .activity_periods
                .presets
                .iter()
                .map(|p| (p.slug().to_string(), p.label().to_string())),
        );
        if offered.activity_periods.custom {
            v.push(("custom".into(), "Select dates…".into()));
        }
        v
    };
    let period_value = move || {
        view_state.with(|v| match v.query.period {
            None => ALL_HISTORY.to_string(),
            Some(Period::Preset(p)) => p.slug().to_string(),
            Some(Period::Custom { .. }) => "custom".into(),
        })
    };
    let custom_open = RwSignal::new(false);
    let on_period = {
        let change = change.clone();
        move |v: String| {
            if v == "custom" {
                custom_open.set(true);
                return;
            }
            custom_open.set(false);
            change(vec![("period", Some(v)), ("from", None), ("to", None)]);
        }
    };
    let show_custom = move || {
        custom_open.get()
            || view_state.with(|v| matches!(v.query.period, Some(Period::Custom { .. })))
    };
    // The product's filters, each named as its column is headed (Foto Master's "Service"),
    // and only those the account has data for.
    let presentation = &ctx.account.presentation;
    let filters: Vec<_> = presentation
        .activity_filters
        .iter()
        .filter(|f| **f != ActivityFilter::Project || show_project)
        .filter_map(|f| {
            let options = filter_options(&ctx, *f);
            (!options.is_empty())
                .then(|| select(f.key(), presentation.heading(f.column()), options))
        })
        .collect();
    let search = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    // Back and forward: the box follows the URL.
    Effect::new(move |_| search.set(query.read().get("q").unwrap_or_default()));
    let on_search = {
        let change = change.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let q = search.get_untracked().trim().to_string();
            change(vec![("q", (!q.is_empty()).then_some(q))]);
        }
    };
    let clear = {
        let change = change.clone();
        move |_| {
            let mut all: Vec<(&'static str, Option<String>)> =
                FILTER_KEYS.iter().map(|k| (*k, None)).collect();
            all.extend([("period", None), ("from", None), ("to", None)]);
            change(all);
        }
    };
    let tz = ctx.account.timezone;
    view! {
        <section class="filters card" aria-label="Filters">
            <div class="filter-row">
                <label class="filter" for="cb-filter-period">
                    <span>"Date range"</span>
                    <select
                        id="cb-filter-period"
                        data-filter="period"
                        prop:value=period_value
                        on:change:target=move |ev| on_period(ev.target().value())
                    >
                        {periods
                            .into_iter()
                            .map(|(v, t)| view! { <option value=v>{t}</option> })
                            .collect_view()}
                    </select>
                </label>
                {filters}
            </div>
            <Show when=show_custom>
                <CustomRange view_state tz />
            </Show>
            <div class="filter-row">
                <form class="search" role="search" on:submit=on_search>
                    <label for="cb-filter-q" class="visually-hidden">
                        "Search descriptions"
                    </label>
                    <input
                        id="cb-filter-q"
                        type="search"
                        placeholder="Search descriptions, features, engines"
                        maxlength="200"
                        prop:value=move || search.get()
                        on:input:target=move |ev| search.set(ev.target().value())
                    />
                    <button type="submit" class="button">
                        "Search"
                    </button>
                </form>
                <button type="button" class="button quiet" on:click=clear>
                    "Clear filters"
                </button>
            </div>
        </section>
    }
}

/// "Select dates…": the URL's custom range in the date-range form; "Apply" puts a checked
/// range in the URL. The latest day it takes is the account's today.
#[component]
fn CustomRange(view_state: Memo<ActivityView>, tz: Timezone) -> impl IntoView {
    let change = use_change_query();
    let range = Memo::new(move |_| {
        view_state.with(|v| match v.query.period {
            Some(Period::Custom { from, to }) => Some((from, to)),
            _ => None,
        })
    });
    let today = Signal::derive(move || tz.date_of(crate::browser::now()));
    let on_apply = Callback::new(move |period: Period| {
        if let Period::Custom { from, to } = period {
            change(vec![
                ("period", None),
                ("from", Some(from.to_string())),
                ("to", Some(to.to_string())),
            ]);
        }
    });
    view! { <DateRangeForm range on_apply today /> }
}

/// A filter's choices as (query value, name): none where the account has nothing to filter.
fn filter_options(ctx: &Context, filter: ActivityFilter) -> Vec<(String, String)> {
    fn named<'a>(choices: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
        choices
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect()
    }
    let (card, account) = (&ctx.card, &ctx.account);
    match filter {
        ActivityFilter::Feature => named(card.features.iter().map(|f| (f.id.as_str(), &*f.name))),
        ActivityFilter::Engine => ctx.engines().into_iter().map(|e| (e.clone(), e)).collect(),
        ActivityFilter::Category => {
            named(card.categories.iter().map(|c| (c.id.as_str(), &*c.name)))
        }
        ActivityFilter::Member => named(account.members.iter().map(|m| (m.id.as_str(), &*m.name))),
        ActivityFilter::Project => {
            named(account.projects.iter().map(|p| (p.id.as_str(), &*p.name)))
        }
        ActivityFilter::Tier => named(card.tiers.iter().map(|t| (t.id.as_str(), &*t.name))),
        ActivityFilter::Type => named(EntryKind::listed().map(|k| (k.as_str(), k.label()))),
        ActivityFilter::Status => named(
            EntryStatus::ALL
                .iter()
                .map(|s| (s.as_str(), status_label(*s))),
        ),
    }
}

/// A status as the filter names it.
fn status_label(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Success => "Success",
        EntryStatus::Failed => "Failed",
        EntryStatus::Pending => "Pending",
    }
}
