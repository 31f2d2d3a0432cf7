//! The pages the navigation already names but later work fills (Activity, Rate card,
//! Billing, Team). They say plainly what will be here rather than show an empty frame.

use leptos::prelude::*;

/// A page that is not built yet.
#[component]
pub fn Planned(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <header class="page-head">
            <h1>{title}</h1>
        </header>
        <div class="card planned">
            <p>{what}</p>
            <p class="muted">"This page is not available yet."</p>
        </div>
    }
}
