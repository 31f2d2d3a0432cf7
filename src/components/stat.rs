//! A headline number on a card.

use leptos::prelude::*;

/// A card with a label, a big value and an optional hint below it.
#[component]
pub fn StatCard(
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    view! {
        <section class="card stat" data-testid=testid>
            <h3 class="stat-label">{label}</h3>
            <p class="stat-value">{move || value.get()}</p>
            {move || hint.get().map(|h| view! { <p class="stat-hint">{h}</p> })}
        </section>
    }
}
