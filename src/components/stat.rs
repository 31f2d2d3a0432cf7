//! Headline numbers on cards, and the usage-rate card with its progress bar.

use crate::format;
use creditboard_domain::usage::RateLevel;
use leptos::prelude::*;

/// A card with a label, a big value, an optional hint below it and anything else the card
/// holds (a balance's buckets).
#[component]
pub fn StatCard(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] testid: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="card stat" data-testid=testid>
            <p class="stat-label">{move || label.get()}</p>
            <p class="stat-value">{move || value.get()}</p>
            {move || hint.get().map(|h| view! { <p class="stat-hint">{h}</p> })}
            {children.map(|c| c())}
        </section>
    }
}

/// The share of the allocation used, as a number and a bar that turns amber at 80 % and red
/// at 100 %.
#[component]
pub fn UsageRateCard(
    /// The product's word for it ("Usage rate", "Usage Rate").
    #[prop(into)]
    label: String,
    /// Basis points of the allocation used (above 10,000 when usage went past it).
    #[prop(into)]
    rate_bp: Signal<u32>,
    #[prop(into)] hint: Signal<String>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let level = move || RateLevel::of(rate_bp.get());
    let text = move || format::percent(rate_bp.get());
    let width = move || format!("width: {}%", rate_bp.get().min(10_000) as f64 / 100.0);
    view! {
        <section
            class=move || format!("card stat usage-rate level-{}", level().as_str())
            data-testid=testid
            data-level=move || level().as_str()
        >
            <p class="stat-label">{label}</p>
            <p class="stat-value">
                {text}
                {move || match level() {
                    RateLevel::Normal => None,
                    RateLevel::Warning => Some(view! { <span class="badge">"Running low"</span> }),
                    RateLevel::Exceeded => Some(view! { <span class="badge">"Allocation used up"</span> }),
                }}
            </p>
            <div
                class="progress"
                role="progressbar"
                aria-label="Share of the allocation used"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || (rate_bp.get().min(10_000) / 100).to_string()
                aria-valuetext=text
            >
                <div class="progress-fill" style=width></div>
            </div>
            <p class="stat-hint">{move || hint.get()}</p>
        </section>
    }
}
