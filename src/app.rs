//! The app shell: the router and the routes.

use crate::pages::usage::UsagePage;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The whole app: one router, one page per route.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=UsagePage />
            </Routes>
        </Router>
    }
}

/// Shown for an unknown route.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="page">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to credit usage"</a>
            </p>
        </main>
    }
}
