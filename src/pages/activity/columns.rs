//! The listing's shape, kept in the URL: which columns are shown and how many rows a page has.

use crate::hooks::activity::use_change_query;
use crate::view::activity::{ActivityView, Column, column_order, required};
use creditboard_domain::activity::PAGE_SIZES;
use creditboard_domain::api::AccountView;
use leptos::prelude::*;
use std::sync::Arc;

/// Which columns are shown: the required ones always, the rest by choice (kept in the URL),
/// under the product's headings.
#[component]
pub fn ColumnChooser(columns: Memo<Vec<Column>>, account: Arc<AccountView>) -> impl IntoView {
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

/// "Rows per page": the page size, one of the sizes the listing offers.
#[component]
pub fn PageSize(view_state: Memo<ActivityView>) -> impl IntoView {
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
