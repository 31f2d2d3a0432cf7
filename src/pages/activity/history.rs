//! The latest transactions as a short scrollable table (ACT3's Transaction History in the
//! Credits Detail panel): the product's columns, a row per job, newest first, following the
//! store as shots complete.

use super::context::{Context, cell_text, column_class, head_cells, use_context_data};
use crate::hooks::activity::use_listing;
use crate::view::activity::Column;
use crate::view::{pairs, store_params, to_query_string};
use creditboard_domain::activity::ActivityQuery;
use leptos::prelude::*;

/// How many rows the history shows; the Activity page has the rest.
const ROWS: u32 = 50;

/// The latest transactions, once the account's names are known.
#[component]
pub fn TransactionHistory() -> impl IntoView {
    let context = use_context_data();
    move || match context.get() {
        Some(Ok(ctx)) => view! { <HistoryTable ctx /> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="muted">{format!("The history could not be loaded: {e}")}</p> }
                .into_any()
        }
        None => view! { <p class="muted" role="status">"Loading the history…"</p> }.into_any(),
    }
}

#[component]
fn HistoryTable(ctx: Context) -> impl IntoView {
    let request = Memo::new(|_| (ActivityQuery::default(), 1, ROWS));
    let listing = use_listing(request);
    // The product's columns, without the running balance (the panel says it above).
    let columns: Vec<Column> = ctx
        .usual_columns()
        .into_iter()
        .filter(|c| *c != Column::Balance)
        .collect();
    let query = leptos_router::hooks::use_query_map();
    let all = move || {
        let q = store_params(&pairs(&query.read()));
        crate::browser::app_href(&format!("/activity{}", to_query_string(&q)))
    };
    let title = ctx.account.presentation.activity_title.to_string();
    let head = head_cells(&ctx, &columns);
    let rows = move || {
        listing.get().map(|page| match page {
            Ok(page) => page
                .rows
                .iter()
                .map(|row| {
                    let cells = columns
                        .iter()
                        .map(|c| {
                            view! { <td class=column_class(*c)>{cell_text(&ctx, row, *c)}</td> }
                        })
                        .collect_view();
                    view! { <tr data-entry=row.entry.id.0.to_string()>{cells}</tr> }
                })
                .collect_view()
                .into_any(),
            Err(e) => view! {
                <tr>
                    <td>{format!("The history could not be loaded: {e}")}</td>
                </tr>
            }
            .into_any(),
        })
    };
    view! {
        <section class="panel-history" aria-labelledby="cb-panel-history" data-testid="panel-history">
            <h4 id="cb-panel-history">{title.clone()}</h4>
            <div class="panel-history-scroll" tabindex="0" role="region" aria-label=title>
                <table class="data-table ledger compact">
                    <thead>
                        <tr>{head}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="panel-line">
                <a href=all>"See all transactions"</a>
            </p>
        </section>
    }
}
