//! Route `/activity`: every credit event, filtered, a page at a time, with the count and sum
//! of what matches, a detail drawer per row and a CSV export of the whole filtered set. Route
//! `/activity/projects/:id` shows one project: what it used, by engine, how often, and its
//! own ledger.
//!
//! The URL owns the filters, the page, the page size and the columns (`view::activity_from_query`).
//! The page keeps only the listing's snapshot, so paging never skips or repeats a row while
//! entries arrive; page 1 always starts a fresh listing.

use crate::charts::frequency_chart;
use crate::components::breakdown::{Breakdown, Namer};
use crate::components::chart::EChart;
use crate::components::credits::keep_focus_inside;
use crate::components::states::{EmptyState, ErrorPanel, Skeleton};
use crate::format;
use crate::hooks::{AccountData, Fetched, use_set_query};
use crate::store::{Store, StoreError};
use crate::theme::use_chart_theme;
use crate::view::{
    ALL_HISTORY, ActivityView, Column, PageLink, activity_from_query, column_order, page_window,
    pairs, required, store_params, to_query_string, with_changes,
};
use chrono::Datelike;
use creditboard_domain::account::{MeterConfig, Timezone};
use creditboard_domain::activity::{
    ActivityPage as Listing, ActivityRow, EXPORT_CHUNK_ROWS, ExportRequest, PAGE_SIZES, PageRequest,
};
use creditboard_domain::api::{AccountView, UsageQuery};
use creditboard_domain::entry::{EntryId, EntryKind, EntryStatus, LedgerEntry};
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::{Period, PeriodPreset, parse_date};
use creditboard_domain::presentation::{ActivityFilter, Presentation};
use creditboard_domain::ratecard::RateCard;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// What the listing needs besides the page: names and the account's shape.
#[derive(Clone)]
struct Context {
    account: Arc<AccountView>,
    card: Arc<RateCard>,
}

impl Context {
    fn meter(&self, id: &creditboard_domain::ids::MeterId) -> Option<&MeterConfig> {
        self.account.meters.iter().find(|m| m.id == *id)
    }
    fn member(&self, id: &str) -> String {
        self.account
            .members
            .iter()
            .find(|m| m.id.as_str() == id)
            .map_or_else(|| id.to_string(), |m| m.name.clone())
    }
    fn project(&self, id: &str) -> String {
        self.account
            .projects
            .iter()
            .find(|p| p.id.as_str() == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }
    fn engines(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .card
            .features
            .iter()
            .filter_map(|f| f.engine.as_ref().map(|e| e.as_str().to_string()))
            .collect();
        v.sort();
        v.dedup();
        v
    }
    /// The product's columns this account has data for (no team: no member column, and so on).
    fn usual_columns(&self) -> Vec<Column> {
        self.account
            .presentation
            .ledger_columns
            .iter()
            .copied()
            .filter(|c| match c {
                Column::Service => !self.engines().is_empty(),
                Column::Category => !self.card.categories.is_empty(),
                Column::Member => !self.account.members.is_empty(),
                Column::Project => !self.account.projects.is_empty(),
                Column::Tier => !self.card.tiers.is_empty(),
                _ => true,
            })
            .collect()
    }
    /// "Jan 28, 2:21 PM" in the account's timezone (with the year when it is not this one).
    fn when(&self, e: &LedgerEntry) -> String {
        let tz = self.account.timezone;
        let local = tz.local(e.at);
        let this_year = tz.local(crate::browser::now()).year();
        format::moment(local, local.year() != this_year, false)
    }
    /// What the entry was: its description, else its feature, else its type.
    fn description(&self, e: &LedgerEntry) -> String {
        if let Some(d) = &e.usage.description {
            return d.as_str().to_string();
        }
        if let Some(f) = &e.usage.feature {
            return self.card.feature_name(f.as_str()).to_string();
        }
        match (e.kind, e.reverses) {
            (EntryKind::Refund, Some(of)) => format!("Refund of entry #{}", of.0),
            (kind, _) => kind.label().to_string(),
        }
    }
}

/// "-20", "+500", "-1.50": the signed change in the meter's unit, without the unit.
fn signed(amount: creditboard_domain::Amount, meter: Option<&MeterConfig>) -> String {
    let Some(meter) = meter else {
        return amount.get().to_string();
    };
    let n = format::number(amount.abs(), meter);
    if amount.is_negative() {
        format!("-{n}")
    } else if amount.is_zero() {
        n
    } else {
        format!("+{n}")
    }
}

/// The status a person reads: a failed job that was refunded says it cost nothing.
fn status_text(row: &ActivityRow) -> (&'static str, Option<&'static str>) {
    let e = &row.entry;
    if row.pending {
        return ("Pending", Some("Held for a job still running"));
    }
    match e.status {
        EntryStatus::Failed
            if !row.refunded.is_zero() && row.refunded.get() + e.amount.get() >= 0 =>
        {
            ("Failed", Some("Refunded — you were not charged"))
        }
        EntryStatus::Failed if !row.refunded.is_zero() => ("Failed", Some("Partly refunded")),
        EntryStatus::Failed => ("Failed", None),
        EntryStatus::Pending => ("Pending", None),
        EntryStatus::Success => ("Success", None),
    }
}

/// "120 from monthly allocation, 30 from rollover bank", in the product's names for buckets.
pub fn split_sentence(
    e: &LedgerEntry,
    meter: Option<&MeterConfig>,
    names: &Presentation,
) -> String {
    e.split
        .iter()
        .map(|s| {
            let n = match meter {
                Some(m) => format::number(s.amount.abs(), m),
                None => s.amount.get().abs().to_string(),
            };
            let dir = if s.amount.is_negative() {
                "from"
            } else {
                "into"
            };
            format!("{n} {dir} {}", names.bucket_name(s.kind).to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Navigates to this page with `changes` applied to its query (filters return to page 1).
fn use_change_query() -> impl Fn(Vec<(&'static str, Option<String>)>) + Clone + 'static {
    let query = use_query_map();
    let set_query = use_set_query();
    move |changes: Vec<(&'static str, Option<String>)>| {
        set_query(with_changes(&pairs(&query.read_untracked()), &changes))
    }
}

/// The account's names, once loaded.
fn use_context_data() -> Memo<Option<Result<Context, StoreError>>> {
    let data = AccountData::expect();
    Memo::new(move |_| {
        let account = data.account.get()?;
        let card = data.rate_card.get()?;
        Some((|| {
            Ok(Context {
                account: Arc::new(account?),
                card: Arc::new(card?),
            })
        })())
    })
}

impl PartialEq for Context {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.account, &other.account) && Arc::ptr_eq(&self.card, &other.card)
    }
}

/// Route `/activity`.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let context = use_context_data();
    let data = AccountData::expect();
    let body = move || {
        match context.get() {
        None => view! { <Skeleton what="your credit activity" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel what="your credit activity" error retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        Some(Ok(ctx)) => view! { <LedgerListing ctx project=None /> }.into_any(),
    }
    };
    // The product's title once its account is here (ACT3's "Transaction History").
    let title = move || {
        context.with(|c| match c {
            Some(Ok(ctx)) => ctx.account.presentation.activity_title.to_string(),
            _ => Presentation::default().activity_title.to_string(),
        })
    };
    view! {
        <div class="activity-page">
            <header class="page-head">
                <h1>{title}</h1>
            </header>
            {body}
        </div>
    }
}

/// Filters, summary, table, pager and export for the URL's listing; `project` pins one.
#[component]
fn LedgerListing(ctx: Context, project: Option<ProjectId>) -> impl IntoView {
    let query = use_query_map();
    let account = ctx.account.clone();
    let view_state: Memo<ActivityView> =
        Memo::new(move |_| activity_from_query(&pairs(&query.read()), &account.presentation));
    let store = Store::expect();
    let snapshot = StoredValue::new(None::<EntryId>);
    let pinned = project.clone();
    let request = Memo::new(move |_| {
        let v = view_state.get();
        let mut q = v.query;
        if let Some(p) = &pinned {
            q.filter.projects = vec![p.clone()];
        }
        (q, v.page, v.size)
    });
    let listing: Fetched<Listing> = LocalResource::new(move || {
        store.track();
        let (query, page, size) = request.get();
        // Page 1 starts a fresh listing; later pages keep the one the user is reading.
        let snapshot = if page > 1 { snapshot.get_value() } else { None };
        let store = store.get();
        async move {
            store
                .activity(PageRequest {
                    query,
                    size,
                    page,
                    snapshot,
                })
                .await
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(l)) = listing.get() {
            snapshot.set_value(Some(l.snapshot));
        }
    });
    let selected = RwSignal::new(None::<ActivityRow>);
    let columns = {
        let ctx = ctx.clone();
        Memo::new(move |_| {
            view_state
                .get()
                .columns
                .unwrap_or_else(|| ctx.usual_columns())
        })
    };
    let problems = move || {
        let p = view_state.with(|v| v.problems.clone());
        (!p.is_empty()).then(|| {
            view! {
                <div class="notice" role="status" data-testid="query-problem">
                    {p.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                </div>
            }
        })
    };
    let results = {
        let ctx = ctx.clone();
        move || {
            match listing.get() {
            None => view! { <Skeleton what="the ledger" /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorPanel what="the ledger" error retry=Callback::new(move |()| listing.refetch()) />
            }
            .into_any(),
            Some(Ok(page)) => view! {
                <Results ctx=ctx.clone() page columns selected />
            }
            .into_any(),
        }
        }
    };
    let export_query = Signal::derive(move || request.get().0);
    view! {
        <Filters ctx=ctx.clone() view_state show_project=project.is_none() />
        {problems}
        <div class="listing-tools">
            <ColumnChooser columns account=ctx.account.clone() />
            <PageSize view_state />
            <Export query=export_query />
        </div>
        <div aria-busy=move || listing.with(|l| l.is_none()).to_string()>{results}</div>
        <Drawer ctx selected />
    }
}

/// The filter bar: time range, service, category, member, project, type, status and a search.
#[component]
fn Filters(ctx: Context, view_state: Memo<ActivityView>, show_project: bool) -> impl IntoView {
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
            let mut all: Vec<(&'static str, Option<String>)> = crate::view::FILTER_KEYS
                .iter()
                .map(|k| (*k, None))
                .collect();
            all.extend([("period", None), ("from", None), ("to", None)]);
            change(all);
        }
    };
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
                <DateRangeForm view_state />
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
        ActivityFilter::Type => named(EntryKind::ALL.iter().map(|k| (k.as_str(), k.label()))),
        ActivityFilter::Status => named(
            EntryStatus::ALL
                .iter()
                .map(|s| (s.as_str(), status_label(*s))),
        ),
    }
}

fn status_label(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Success => "Success",
        EntryStatus::Failed => "Failed",
        EntryStatus::Pending => "Pending",
    }
}

/// Two dates for the time range, checked before the URL changes.
#[component]
fn DateRangeForm(view_state: Memo<ActivityView>) -> impl IntoView {
    let change = use_change_query();
    let (f0, t0) = match view_state.get_untracked().query.period {
        Some(Period::Custom { from, to }) => (from.to_string(), to.to_string()),
        _ => (String::new(), String::new()),
    };
    let from = RwSignal::new(f0);
    let to = RwSignal::new(t0);
    let problem = RwSignal::new(None::<String>);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = (|| {
            let (f, t) = (from.get_untracked(), to.get_untracked());
            if f.is_empty() || t.is_empty() {
                return Err("Choose both a start and an end date.".to_string());
            }
            let f = parse_date(&f).map_err(|e| e.to_string())?;
            let t = parse_date(&t).map_err(|e| e.to_string())?;
            Period::custom(f, t).map_err(|e| e.to_string())
        })();
        match checked {
            Ok(Period::Custom { from, to }) => {
                problem.set(None);
                change(vec![
                    ("period", None),
                    ("from", Some(from.to_string())),
                    ("to", Some(to.to_string())),
                ]);
            }
            Ok(_) => {}
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <form class="custom-range" on:submit=apply novalidate>
            <label>
                <span>"From"</span>
                <input
                    type="date"
                    name="from"
                    prop:value=move || from.get()
                    on:input:target=move |ev| from.set(ev.target().value())
                />
            </label>
            <label>
                <span>"To"</span>
                <input
                    type="date"
                    name="to"
                    prop:value=move || to.get()
                    on:input:target=move |ev| to.set(ev.target().value())
                />
            </label>
            <button type="submit" class="button">
                "Apply"
            </button>
            <Show when=move || problem.with(Option::is_some)>
                <p class="field-error" role="alert">
                    {move || problem.get()}
                </p>
            </Show>
        </form>
    }
}

/// Which columns are shown: the required ones always, the rest by choice (kept in the URL),
/// under the product's headings.
#[component]
fn ColumnChooser(columns: Memo<Vec<Column>>, account: Arc<AccountView>) -> impl IntoView {
    let change = use_change_query();
    let order = column_order(&account.presentation);
    let optional: Vec<Column> = order
        .iter()
        .copied()
        .filter(|c| !required(*c, &account.presentation))
        .collect();
    let boxes = optional
        .clone()
        .into_iter()
        .map(|c| {
            let optional = optional.clone();
            let change = change.clone();
            let toggle = move |_| {
                let mut cols = columns.get_untracked();
                if cols.contains(&c) {
                    cols.retain(|x| *x != c);
                } else {
                    cols.push(c);
                }
                let list = optional
                    .iter()
                    .filter(|x| cols.contains(x))
                    .map(|x| x.slug())
                    .collect::<Vec<_>>()
                    .join(",");
                change(vec![("cols", Some(list))]);
            };
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-column=c.slug()
                        prop:checked=move || columns.with(|cols| cols.contains(&c))
                        on:change=toggle
                    />
                    {account.presentation.heading(c).to_string()}
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="columns-menu">
            <summary class="button">"Columns"</summary>
            <fieldset>
                <legend class="visually-hidden">"Columns shown"</legend>
                {boxes}
            </fieldset>
        </details>
    }
}

#[component]
fn PageSize(view_state: Memo<ActivityView>) -> impl IntoView {
    let change = use_change_query();
    view! {
        <label class="filter inline" for="cb-page-size">
            <span>"Rows per page"</span>
            <select
                id="cb-page-size"
                prop:value=move || view_state.with(|v| v.size.to_string())
                on:change:target=move |ev| change(vec![("size", Some(ev.target().value()))])
            >
                {PAGE_SIZES
                    .iter()
                    .map(|s| view! { <option value=s.to_string()>{s.to_string()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// "Download CSV": the whole filtered set, fetched chunk by chunk with its progress shown, then
/// saved as one file.
#[component]
fn Export(query: Signal<creditboard_domain::activity::ActivityQuery>) -> impl IntoView {
    let store = Store::expect();
    let progress = RwSignal::new(None::<(u64, u64)>);
    let problem = RwSignal::new(None::<String>);
    let run = move |_| {
        if progress.get_untracked().is_some() {
            return;
        }
        let store = store.get();
        let query = query.get_untracked();
        problem.set(None);
        progress.set(Some((0, 0)));
        leptos::task::spawn_local(async move {
            let mut parts: Vec<String> = Vec::new();
            let mut req = ExportRequest {
                query,
                snapshot: None,
                older_than: None,
                rows: EXPORT_CHUNK_ROWS,
            };
            let (mut done, mut total) = (0u64, 0u64);
            let result = loop {
                match store.export(req.clone()).await {
                    Ok(chunk) => {
                        if req.older_than.is_none() {
                            total = chunk.total;
                        }
                        done += u64::from(chunk.rows);
                        progress.set(Some((done, total)));
                        parts.push(chunk.csv);
                        match chunk.older_than {
                            Some(o) => {
                                req.snapshot = Some(chunk.snapshot);
                                req.older_than = Some(o);
                            }
                            None => break Ok(()),
                        }
                    }
                    Err(e) => break Err(e),
                }
            };
            progress.set(None);
            match result {
                Ok(()) => save_csv(&parts),
                Err(e) => problem.set(Some(format!("The export stopped: {e}"))),
            }
        });
    };
    let label = move || match progress.get() {
        None => "Download CSV".to_string(),
        Some((_, 0)) => "Preparing…".to_string(),
        Some((done, total)) => format!("Exporting {}%", done * 100 / total.max(1)),
    };
    view! {
        <div class="export">
            <button
                type="button"
                class="button"
                data-testid="export-csv"
                aria-disabled=move || progress.with(Option::is_some).to_string()
                on:click=run
            >
                {label}
            </button>
            <Show when=move || progress.with(Option::is_some)>
                <progress
                    aria-label="Export progress"
                    max=move || progress.get().map_or(1, |(_, t)| t.max(1)).to_string()
                    value=move || progress.get().map_or(0, |(d, _)| d).to_string()
                ></progress>
            </Show>
            <Show when=move || problem.with(Option::is_some)>
                <p class="field-error" role="alert">
                    {move || problem.get()}
                </p>
            </Show>
        </div>
    }
}

/// Saves the parts as `credit-activity.csv` through a temporary link.
fn save_csv(parts: &[String]) {
    let array = js_sys::Array::new();
    for p in parts {
        array.push(&wasm_bindgen::JsValue::from_str(p));
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&array, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = document.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&url);
        a.set_download("credit-activity.csv");
        a.click();
    }
    // The download reads the blob after the click returns: let it go only later.
    leptos::task::spawn_local(async move {
        crate::browser::sleep(60_000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
}

/// The summary, the table and the pager for one page.
#[component]
fn Results(
    ctx: Context,
    page: Listing,
    columns: Memo<Vec<Column>>,
    selected: RwSignal<Option<ActivityRow>>,
) -> impl IntoView {
    let change = use_change_query();
    let count = page.total_count;
    let sums = page
        .totals
        .iter()
        .filter_map(|t| Some(format::amount(t.amount, ctx.meter(&t.meter)?)))
        .collect::<Vec<_>>()
        .join(" · ");
    let summary = format!(
        "{} {} · {}",
        format::group_thousands(&count.to_string()),
        if count == 1 { "entry" } else { "entries" },
        if sums.is_empty() {
            "nothing".to_string()
        } else {
            sums
        }
    );
    let newer = page.newer;
    let first_page = {
        let change = change.clone();
        move |_| change(vec![("page", None)])
    };
    if page.rows.is_empty() {
        return view! {
            <p class="listing-summary" data-testid="activity-summary">{summary}</p>
            <EmptyState title=Signal::stored("No activity matches".to_string())>
                <p>"Try a longer time range or fewer filters."</p>
            </EmptyState>
        }
        .into_any();
    }
    let pages = page.pages();
    let current = page.page;
    let rows = page
        .rows
        .into_iter()
        .map(|row| view! { <Row ctx=ctx.clone() row columns selected /> })
        .collect_view();
    let head = move || {
        columns
            .get()
            .into_iter()
            .map(|c| {
                let class = match c {
                    Column::Amount | Column::Balance => "num",
                    _ => "",
                };
                view! {
                    <th scope="col" class=class>
                        {ctx.account.presentation.heading(c).to_string()}
                    </th>
                }
            })
            .collect_view()
    };
    view! {
        <p class="listing-summary" data-testid="activity-summary">
            {summary}
        </p>
        <Show when=move || { newer > 0 }>
            <p class="notice" role="status">
                {format!(
                    "{newer} new {} arrived since this list was opened. ",
                    if newer == 1 { "entry" } else { "entries" },
                )}
                <button type="button" class="link-button" on:click=first_page.clone()>
                    "Show the newest"
                </button>
            </p>
        </Show>
        <div class="table-wrap card" tabindex="0" role="region" aria-label="Credit activity">
            <table class="data-table ledger" data-testid="ledger">
                <thead>
                    <tr>{head}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager current pages />
    }
    .into_any()
}

#[component]
fn Row(
    ctx: Context,
    row: ActivityRow,
    columns: Memo<Vec<Column>>,
    selected: RwSignal<Option<ActivityRow>>,
) -> impl IntoView {
    let query = use_query_map();
    let e = row.entry.clone();
    let meter = ctx.meter(&e.meter).cloned();
    let (status, note) = status_text(&row);
    let negative = e.amount.is_negative();
    let cell = move |c: Column| -> AnyView {
        let e = &row.entry;
        match c {
            Column::Time => {
                let row = row.clone();
                view! {
                    <td>
                        <button
                            type="button"
                            class="link-button"
                            aria-haspopup="dialog"
                            on:click=move |_| selected.set(Some(row.clone()))
                        >
                            {ctx.when(e)}
                        </button>
                    </td>
                }
                .into_any()
            }
            Column::Description => view! { <td>{ctx.description(e)}</td> }.into_any(),
            Column::Service => {
                view! { <td>{e.usage.engine.as_ref().map(|x| x.as_str().to_string())}</td> }
                    .into_any()
            }
            Column::Category => view! {
                <td>
                    {e
                        .usage
                        .category
                        .as_ref()
                        .map(|c| ctx.card.category_name(c.as_str()).to_string())}
                </td>
            }
            .into_any(),
            Column::Member => {
                view! { <td>{e.usage.member.as_ref().map(|m| ctx.member(m.as_str()))}</td> }
                    .into_any()
            }
            Column::Project => {
                let link = e.usage.project.as_ref().map(|p| {
                    let sticky = store_params(&pairs(&query.read_untracked()));
                    let href = crate::browser::app_href(&format!(
                        "/activity/projects/{}{}",
                        p.as_str(),
                        to_query_string(&sticky)
                    ));
                    view! { <a href=href>{ctx.project(p.as_str())}</a> }
                });
                view! { <td>{link}</td> }.into_any()
            }
            Column::Tier => view! {
                <td>{e.usage.tier.as_ref().map(|t| ctx.card.tier_name(t.as_str()).to_string())}</td>
            }
            .into_any(),
            Column::Type => view! { <td>{e.kind.label()}</td> }.into_any(),
            Column::Status => view! {
                <td>
                    <span class=format!("status status-{}", status.to_ascii_lowercase())>{status}</span>
                    {note.map(|n| view! { <span class="status-note">{n}</span> })}
                </td>
            }
            .into_any(),
            Column::Amount => view! {
                <td class="num" class:negative=negative>
                    {signed(e.amount, meter.as_ref())}
                </td>
            }
            .into_any(),
            Column::Balance => view! {
                <td class="num">
                    {meter.as_ref().map(|m| format::number(e.balance_after, m))}
                </td>
            }
            .into_any(),
        }
    };
    view! {
        <tr data-entry=e.id.0.to_string()>
            {move || columns.get().into_iter().map(cell.clone()).collect_view()}
        </tr>
    }
}

/// Previous, page numbers, next; each a link, so a page has a URL.
#[component]
fn Pager(current: u32, pages: u32) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let href = move |p: u32| {
        let page = (p > 1).then(|| p.to_string());
        let q = with_changes(&pairs(&query.read_untracked()), &[("page", page)]);
        format!(
            "{}{}",
            location.pathname.get_untracked(),
            to_query_string(&q)
        )
    };
    let links = page_window(current, pages)
        .into_iter()
        .map(|l| match l {
            PageLink::Gap => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
            PageLink::Page(p) => view! {
                <li>
                    <a
                        href=href(p)
                        data-noscroll
                        aria-label=format!("Page {p}")
                        aria-current=(p == current).then_some("page")
                    >
                        {p}
                    </a>
                </li>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <nav class="pager" aria-label="Pages" data-testid="pager">
            <a
                class="button"
                href=(current > 1).then(|| href(current - 1))
                aria-disabled=(current <= 1).to_string()
                data-noscroll
                rel="prev"
            >
                "Previous"
            </a>
            <ol>{links}</ol>
            <a
                class="button"
                href=(current < pages).then(|| href(current + 1))
                aria-disabled=(current >= pages).to_string()
                data-noscroll
                rel="next"
            >
                "Next"
            </a>
            <span class="muted">{format!("Page {current} of {pages}")}</span>
        </nav>
    }
}

/// Every attribute of one entry, in a dialog from the side.
#[component]
fn Drawer(ctx: Context, selected: RwSignal<Option<ActivityRow>>) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    let close_button = NodeRef::<html::Button>::new();
    // Focus goes back where it was (the row's button) when the drawer closes.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        if selected.with(Option::is_some) {
            if opener.with_value(Option::is_none) {
                let active = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                opener.set_value(active);
            }
            if let Some(b) = close_button.get() {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        selected.set(None);
        if let Some(el) = opener.try_update_value(Option::take).flatten() {
            let _ = el.focus();
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Tab" => {
            if let Some(p) = panel.get_untracked() {
                keep_focus_inside(&p, &ev);
            }
        }
        _ => {}
    };
    let body = move || {
        selected.get().map(|row| {
            let e = row.entry.clone();
            let meter = ctx.meter(&e.meter).cloned();
            let tz: Timezone = ctx.account.timezone;
            let (status, note) = status_text(&row);
            let amount = |a| match &meter {
                Some(m) => format::amount(a, m),
                None => a.get().to_string(),
            };
            // Named as the product heads its columns (Foto Master's "Transaction").
            let words = &ctx.account.presentation;
            let mut items: Vec<(&str, String)> = vec![
                ("Entry", format!("#{}", e.id.0)),
                (
                    words.heading(Column::Time),
                    format!(
                        "{} ({})",
                        format::moment(tz.local(e.at), true, true),
                        tz.name()
                    ),
                ),
                (words.heading(Column::Description), ctx.description(&e)),
                (words.heading(Column::Type), e.kind.label().to_string()),
                (
                    words.heading(Column::Status),
                    match note {
                        Some(n) => format!("{status} — {n}"),
                        None => status.to_string(),
                    },
                ),
                (words.heading(Column::Amount), amount(e.amount)),
                (words.heading(Column::Balance), amount(e.balance_after)),
            ];
            if let Some(m) = &meter {
                items.push(("Meter", m.name.clone()));
            }
            if !e.split.is_empty() {
                items.push(("Buckets", split_sentence(&e, meter.as_ref(), words)));
            }
            let u = &e.usage;
            if let Some(f) = &u.feature {
                items.push(("Feature", ctx.card.feature_name(f.as_str()).to_string()));
            }
            if let Some(c) = &u.category {
                items.push((
                    words.heading(Column::Category),
                    ctx.card.category_name(c.as_str()).to_string(),
                ));
            }
            if let Some(x) = &u.engine {
                items.push((words.heading(Column::Service), x.as_str().to_string()));
            }
            if let Some(t) = &u.tier {
                items.push((
                    words.heading(Column::Tier),
                    ctx.card.tier_name(t.as_str()).to_string(),
                ));
            }
            if let Some(q) = &u.quantity {
                items.push(("Quantity", q.unit.count_label(q.amount)));
            }
            if let Some(m) = &u.member {
                items.push((words.heading(Column::Member), ctx.member(m.as_str())));
            }
            if let Some(p) = &u.project {
                items.push((words.heading(Column::Project), ctx.project(p.as_str())));
            }
            if !row.refunded.is_zero() {
                items.push(("Refunded", amount(row.refunded)));
            }
            if let Some(r) = e.reverses {
                items.push(("Reverses", format!("entry #{}", r.0)));
            }
            if let Some(x) = e.expires_at {
                items.push(("Expires", format::long_date(tz.local(x).date())));
            }
            items.push(("Idempotency key", e.key.as_str().to_string()));
            view! {
                <dl class="details">
                    {items
                        .into_iter()
                        .map(|(k, v)| view! { <dt>{k.to_string()}</dt><dd>{v}</dd> })
                        .collect_view()}
                </dl>
            }
        })
    };
    view! {
        <Show when=move || selected.with(Option::is_some)>
            <div class="panel-backdrop" on:click=move |_| close()></div>
            <div
                class="side-panel"
                role="dialog"
                aria-modal="true"
                aria-labelledby="cb-entry-title"
                data-testid="entry-drawer"
                node_ref=panel
                on:keydown=on_key
            >
                <div class="side-panel-head">
                    <h2 id="cb-entry-title">"Ledger entry"</h2>
                    <button
                        type="button"
                        class="icon-button"
                        node_ref=close_button
                        aria-label="Close the entry details"
                        on:click=move |_| close()
                    >
                        "×"
                    </button>
                </div>
                {body.clone()}
            </div>
        </Show>
    }
}

/// Route `/activity/projects/:id`: one project's credits, engines, rhythm and ledger.
#[component]
pub fn ProjectPage() -> impl IntoView {
    let params = use_params_map();
    let context = use_context_data();
    let data = AccountData::expect();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let body = move || match context.get() {
        None => view! { <Skeleton what="the project" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel what="the project" error retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        Some(Ok(ctx)) => {
            let raw = id.get();
            let known = ctx
                .account
                .projects
                .iter()
                .find(|p| p.id.as_str() == raw)
                .cloned();
            match known {
                None => view! {
                    <h1>"Project not found"</h1>
                    <p class="notice" role="status">
                        {format!("This account has no project “{raw}”.")}
                    </p>
                }
                .into_any(),
                Some(p) => view! { <ProjectBody ctx project=p.id name=p.name /> }.into_any(),
            }
        }
    };
    view! { <div class="activity-page project-page">{body}</div> }
}

#[component]
fn ProjectBody(ctx: Context, project: ProjectId, name: String) -> impl IntoView {
    let query = use_query_map();
    let store = Store::expect();
    let account = ctx.account.clone();
    let period = Memo::new(move |_| {
        activity_from_query(&pairs(&query.read()), &account.presentation)
            .query
            .period
            .unwrap_or(Period::preset(PeriodPreset::ThisYear))
    });
    let pinned = project.clone();
    let usage = LocalResource::new(move || {
        store.track();
        let filter = creditboard_domain::aggregate::LedgerFilter {
            projects: vec![pinned.clone()],
            ..Default::default()
        };
        let q = UsageQuery {
            period: period.get(),
            filter,
        };
        let store = store.get();
        async move { store.usage(q).await }
    });
    let theme = use_chart_theme();
    let back = move || {
        let sticky = store_params(&pairs(&query.read()));
        crate::browser::app_href(&format!("/activity{}", to_query_string(&sticky)))
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
                        let engine: Namer = Arc::new(|k: &str| k.to_string());
                        let rows = Signal::stored(m.by_engine.clone());
                        let spec = Signal::stored(frequency_chart(&m.series, &theme.get_untracked()));
                        let label = format!("Jobs per {} for this project", match m.series.granularity {
                            creditboard_domain::aggregate::Granularity::Day => "day",
                            creditboard_domain::aggregate::Granularity::Month => "month",
                        });
                        Some(view! {
                            <section class="card project-meter" data-testid=format!("project-{}", meter.id.as_str())>
                                <h2>{meter.name.clone()}</h2>
                                <p class="stat-value" data-testid="project-used">
                                    {format::amount(m.used, &meter)}
                                </p>
                                <p class="muted">
                                    {format!("used in {} jobs · {}", m.jobs, format::date_range(&m.range))}
                                </p>
                                <h3>"Activity"</h3>
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
        {analytics}
        <h2 class="section-title">"Ledger"</h2>
        <LedgerListing ctx project=Some(project) />
    }
}
