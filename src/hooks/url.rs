//! View state lives in the URL: what a filter, a period or a page control does is navigate.

use leptos::prelude::*;

/// The address of the current path with `query`: the whole path, base path included.
pub fn use_href() -> impl Fn(&crate::view::Query) -> String + Clone + Send + Sync + 'static {
    let location = leptos_router::hooks::use_location();
    move |query: &crate::view::Query| {
        format!(
            "{}{}",
            location.pathname.get_untracked(),
            crate::view::to_query_string(query)
        )
    }
}

/// Navigates to the current path with `query` (view state lives in the URL), keeping the
/// scroll position: what every filter, period and page control does.
pub fn use_set_query() -> impl Fn(crate::view::Query) + Clone + 'static {
    let href_of = use_href();
    let navigate = leptos_router::hooks::use_navigate();
    move |query: crate::view::Query| {
        let href = href_of(&query);
        navigate(
            &href,
            leptos_router::NavigateOptions {
                scroll: false,
                // The path is the whole one, base path included: not resolved against it again.
                resolve: false,
                ..leptos_router::NavigateOptions::default()
            },
        );
    }
}
