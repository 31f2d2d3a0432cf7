//! The listing the URL asks for: its filters and tools, then the summary (count and sum of
//! what matches), the table a page at a time, the pager, and the selected entry's drawer.

use super::columns::{ColumnChooser, PageSize};
use super::context::{Context, cell_text, head_cells, signed, status_text};
use super::drawer::EntryDrawer;
use super::export::Export;
use super::filters::Filters;
use crate::components::states::{EmptyState, ErrorPanel, Skeleton};
use crate::components::ui::pager::Pager;
use crate::format;
use crate::hooks::activity::{use_change_query, use_listing};
use crate::hooks::url::use_href;
use crate::view::activity::{ActivityView, Column, activity_from_query, drop_unknown};
use crate::view::{pairs, store_params, to_query_string, with_changes};
use creditboard_domain::Amount;
use creditboard_domain::activity::{ActivityPage, ActivityRow, MeterTotal};
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::Period;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Filters, summary, table, pager and export for the URL's listing; `project` pins one.
/// `fixed`: a listing of that period (following it) on another page, with only the page from
/// the URL and no filters or tools.
#[component]
pub fn LedgerListing(
    ctx: Context,
    project: Option<ProjectId>,
    #[prop(optional)] fixed: Option<Signal<Period>>,
) -> impl IntoView {
    let query = use_query_map();
    let known = ctx.clone();
    let view_state: Memo<ActivityView> = Memo::new(move |_| {
        let pairs = pairs(&query.read());
        let mut v = match fixed {
            Some(period) => {
                let period = period.get();
                let only_page: Vec<_> = pairs.into_iter().filter(|(k, _)| k == "page").collect();
                let mut v = activity_from_query(&only_page, &known.account.presentation);
                v.query.period = Some(period);
                v
            }
            None => activity_from_query(&pairs, &known.account.presentation),
        };
        drop_unknown(&mut v, |key, value| known.knows(key, value));
        v
    });
    let pinned = project.clone();
    let request = Memo::new(move |_| {
        let v = view_state.get();
        let mut q = v.query;
        if let Some(p) = &pinned {
            q.filter.projects = vec![p.clone()];
        }
        (q, v.page, v.size)
    });
    let listing = use_listing(request);
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
            Some(Ok(page)) => {
                // The view may be on its way out (its page failed): then no notice.
                let asked = request.try_with_untracked(|r| r.1).unwrap_or(page.page);
                view! { <Results ctx=ctx.clone() page asked columns selected /> }.into_any()
            }
        }
        }
    };
    let export_query = Signal::derive(move || request.get().0);
    let tools = fixed.is_none().then(|| {
        view! {
            <Filters ctx=ctx.clone() view_state show_project=project.is_none() />
            {problems}
            <div class="listing-tools">
                <ColumnChooser columns account=ctx.account.clone() />
                <PageSize view_state />
                <Export query=export_query />
            </div>
        }
    });
    view! {
        {tools}
        <div aria-busy=move || listing.with(|l| l.is_none()).to_string()>{results}</div>
        <EntryDrawer ctx selected />
    }
}

/// The summary, the table and the pager for one page.
#[component]
fn Results(
    ctx: Context,
    page: ActivityPage,
    /// The page the URL asked for (past the end, the last one is shown).
    asked: u32,
    columns: Memo<Vec<Column>>,
    selected: RwSignal<Option<ActivityRow>>,
) -> impl IntoView {
    let change = use_change_query();
    let past_end = (asked > page.page).then(|| {
        let pages = page.pages();
        view! {
            <p class="notice" role="status" data-testid="page-problem">
                {format!(
                    "There is no page {asked}: this list has {pages} {}. Showing the last.",
                    if pages == 1 { "page" } else { "pages" },
                )}
            </p>
        }
    });
    let summary = summary(&ctx, &page);
    let newer = page.newer;
    let first_page = move |_| change(vec![("page", None)]);
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
    let href = use_page_href();
    let rows = page
        .rows
        .into_iter()
        .map(|row| view! { <Row ctx=ctx.clone() row columns selected /> })
        .collect_view();
    let head = {
        let ctx = ctx.clone();
        move || head_cells(&ctx, &columns.get())
    };
    view! {
        <p class="listing-summary" data-testid="activity-summary">
            {summary}
        </p>
        {past_end}
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
        <Pager current pages href />
    }
    .into_any()
}

/// "287 entries · used 5,620 credits · added 4,000 credits": the rows, and what was used
/// (charges net of refunds, as the usage page counts them) apart from what was added.
fn summary(ctx: &Context, page: &ActivityPage) -> String {
    let count = page.total_count;
    let mut parts = vec![format!(
        "{} {}",
        format::group_thousands(&count.to_string()),
        if count == 1 { "entry" } else { "entries" }
    )];
    let list = |pick: fn(&MeterTotal) -> Amount| {
        page.totals
            .iter()
            .filter(|t| !pick(t).is_zero())
            .filter_map(|t| Some(format::amount(pick(t), ctx.meter(&t.meter)?)))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let (used, added) = (list(|t| t.used), list(|t| t.added));
    if !used.is_empty() {
        parts.push(format!("used {used}"));
    }
    if !added.is_empty() {
        parts.push(format!("added {added}"));
    }
    if used.is_empty() && added.is_empty() && count > 0 {
        parts.push("nothing used".to_string());
    }
    parts.join(" · ")
}

/// A page's address: this path and query with `page` set (none for the first).
fn use_page_href() -> Callback<u32, String> {
    let query = use_query_map();
    let href_of = use_href();
    Callback::new(move |p: u32| {
        let page = (p > 1).then(|| p.to_string());
        href_of(&with_changes(
            &pairs(&query.read_untracked()),
            &[("page", page)],
        ))
    })
}

/// One entry as a table row, its cells in the chosen columns; its time opens the drawer.
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
    let negative = row.amount.is_negative();
    let shown = row.amount;
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
            Column::Status => view! {
                <td>
                    <span class=format!("status status-{}", status.to_ascii_lowercase())>{status}</span>
                    {note.map(|n| view! { <span class="status-note">{n}</span> })}
                </td>
            }
            .into_any(),
            Column::Amount => view! {
                <td class="num" class:negative=negative>
                    {signed(shown, meter.as_ref())}
                </td>
            }
            .into_any(),
            Column::Balance => view! { <td class="num">{cell_text(&ctx, &row, c)}</td> }.into_any(),
            // Description, service, category, member, tier, type: text alone.
            _ => view! { <td>{cell_text(&ctx, &row, c)}</td> }.into_any(),
        }
    };
    view! {
        <tr data-entry=e.id.0.to_string()>
            {move || columns.get().into_iter().map(cell.clone()).collect_view()}
        </tr>
    }
}
