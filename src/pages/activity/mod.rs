//! Route `/activity`: every credit event, filtered, a page at a time, with the count and sum
//! of what matches, a detail drawer per row and a CSV export of the whole filtered set. Route
//! `/activity/projects/:id` shows one project: what it used, by engine, how often, and its
//! own ledger.
//!
//! The URL owns the filters, the page, the page size and the columns (`view::activity_from_query`).
//! The page keeps only the listing's snapshot, so paging never skips or repeats a row while
//! entries arrive; page 1 always starts a fresh listing.
//!
//! This file holds the two routes; the listing (`listing`) and its parts (`filters`,
//! `columns`, `export`, `drawer`), the project's page (`project`) and what they all know of
//! the account (`context`) are beside it.

mod columns;
mod context;
mod drawer;
mod export;
mod filters;
mod history;
mod listing;
mod project;

use crate::components::states::{ErrorPanel, Skeleton};
use crate::hooks::AccountData;
use context::use_context_data;
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::period::Period;
pub use history::TransactionHistory;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use listing::LedgerListing;
use project::ProjectBody;

/// Route `/activity`.
#[component]
pub fn CreditActivityPage() -> impl IntoView {
    let context = use_context_data();
    let data = AccountData::expect();
    let body = move || {
        match context.get() {
        None => view! { <Skeleton what="your credit activity" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel what="your credit activity" error retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        Some(Ok(ctx)) => view! {
            <ProjectLinks ctx=ctx.clone() />
            <LedgerListing ctx project=None />
        }
        .into_any(),
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

/// Every project (Foto Master's events) as a link to its own page: its analytics are one
/// click from the Activity page, not behind a column that may be hidden.
#[component]
fn ProjectLinks(ctx: context::Context) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let what = ctx
        .account
        .presentation
        .heading(crate::view::activity::Column::Project)
        .to_string();
    let links = ctx
        .account
        .projects
        .iter()
        .map(|p| {
            let id = p.id.to_string();
            let href = move || {
                let sticky = crate::view::store_params(&crate::view::pairs(&query.read()));
                crate::browser::app_href(&format!(
                    "/activity/projects/{id}{}",
                    crate::view::to_query_string(&sticky)
                ))
            };
            view! {
                <li>
                    <a href=href>{p.name.clone()}</a>
                </li>
            }
        })
        .collect_view();
    (!ctx.account.projects.is_empty()).then(|| {
        view! {
            <nav class="project-links" aria-label=format!("{what}s") data-testid="project-links">
                <span class="muted">{format!("{what}s:")}</span>
                <ul>{links}</ul>
            </nav>
        }
    })
}

/// The latest activity of `period` on another page (ngram's table on its usage page, Foto
/// Master's Recent Activity): the ledger a page at a time, without filters or tools.
#[component]
pub fn RecentActivity(period: Signal<Period>) -> impl IntoView {
    let context = use_context_data();
    let data = AccountData::expect();
    move || {
        match context.get() {
        None => view! { <Skeleton what="the latest activity" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorPanel what="the latest activity" error retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        Some(Ok(ctx)) => view! {
            <section class="recent-activity" data-testid="recent-activity" aria-label="Recent activity">
                <LedgerListing ctx project=None fixed=period />
            </section>
        }
        .into_any(),
    }
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
