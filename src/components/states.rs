//! What a page shows instead of its data: while loading, when the store failed, and when a
//! period has nothing in it. Never a blank page.

use crate::store::StoreError;
use leptos::prelude::*;

/// Grey shapes where cards and a chart will be, while the data loads.
#[component]
pub fn Skeleton(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <div class="skeleton" data-testid="skeleton" role="status" aria-live="polite">
            <span class="visually-hidden">{format!("Loading {what}…")}</span>
            <div class="skeleton-cards" aria-hidden="true">
                <div class="skeleton-block card"></div>
                <div class="skeleton-block card"></div>
                <div class="skeleton-block card"></div>
            </div>
            <div class="skeleton-block skeleton-chart" aria-hidden="true"></div>
        </div>
    }
}

/// The store failed: what could not be loaded, why, and a way to try again.
#[component]
pub fn ErrorPanel(
    /// What could not be loaded ("your credit usage").
    #[prop(into)]
    what: String,
    error: StoreError,
    #[prop(into)] retry: Callback<()>,
) -> impl IntoView {
    let advice = if error.is_retryable() {
        "This is usually temporary. Try again in a moment."
    } else {
        "Trying again will not change this; the message says what to fix."
    };
    view! {
        <div class="error-panel card" role="alert" data-testid="error-panel">
            <h2>{format!("We could not load {what}")}</h2>
            <p class="error-message">{error.to_string()}</p>
            <p class="muted">{advice}</p>
            <button type="button" class="button primary" on:click=move |_| retry.run(())>
                "Try again"
            </button>
        </div>
    }
}

/// A period without activity.
#[component]
pub fn EmptyState(#[prop(into)] title: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="empty-state">
            <svg viewBox="0 0 48 48" width="40" height="40" aria-hidden="true">
                <rect x="6" y="26" width="7" height="14" rx="2" />
                <rect x="20" y="18" width="7" height="22" rx="2" />
                <rect x="34" y="30" width="7" height="10" rx="2" />
            </svg>
            <h3>{move || title.get()}</h3>
            <p class="muted">{children()}</p>
        </div>
    }
}
