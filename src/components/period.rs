//! The period selector: presets as links (so every view has a URL) and a custom range of two
//! dates (the design system's date-range form), checked before it is applied.

use crate::components::ui::date_range::DateRangeForm;
use crate::hooks::usage::Offered;
use crate::view::{pairs, to_query_string, with_period};
use chrono::NaiveDate;
use creditboard_domain::period::{Period, PeriodChoices, PeriodPreset};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// What was wrong with the link's period, then the selector: shown once the account, whose
/// periods they are, is known.
#[component]
pub fn PeriodChoice(
    offered: Memo<Option<Offered>>,
    #[prop(into)] today: Signal<NaiveDate>,
) -> impl IntoView {
    let known = Memo::new(move |_| offered.with(Option::is_some));
    let problem = move || offered.with(|o| o.as_ref().and_then(|o| o.problem.clone()));
    // The selector is shown only once these are the account's.
    let choices = Memo::new(move |_| {
        offered.with(|o| o.as_ref().map(|o| o.choices.clone()).unwrap_or_default())
    });
    let current = Signal::derive(move || {
        offered
            .with(|o| o.as_ref().map(|o| o.period))
            .unwrap_or_else(|| Period::preset(choices.with(|c| c.default)))
    });
    let custom_label = Signal::derive(move || {
        offered.with(|o| {
            o.as_ref()
                .map(|o| o.custom_label.clone())
                .unwrap_or_default()
        })
    });
    let whole = Signal::derive(move || offered.with(|o| o.as_ref().and_then(|o| o.whole.clone())));
    view! {
        {move || {
            problem()
                .map(|why| {
                    view! {
                        <p class="notice" role="status" data-testid="query-problem">
                            {why}
                        </p>
                    }
                })
        }}
        <Show when=move || known.get()>
            <PeriodSelector current choices today custom_label whole />
        </Show>
    }
}

/// The account's presets, then, where it offers one, "Custom range" (in the product's words)
/// with its two dates.
/// `today` is the account's local date (the latest day that can be chosen).
#[component]
pub fn PeriodSelector(
    #[prop(into)] current: Signal<Period>,
    #[prop(into)] choices: Signal<PeriodChoices>,
    #[prop(into)] today: Signal<NaiveDate>,
    /// What the product calls a range of dates (Foto Master's "Select Dates").
    #[prop(into)]
    custom_label: Signal<String>,
    /// What the page calls all of its activity, for the "All activity" preset.
    #[prop(into)]
    whole: Signal<Option<String>>,
) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let href = move |p: Period| {
        let q = with_period(&pairs(&query.read()), p);
        format!("{}{}", location.pathname.get(), to_query_string(&q))
    };
    let custom_open = RwSignal::new(current.get_untracked().is_custom());
    // A custom range in the URL opens the form (a shared link shows its dates).
    Effect::new(move |_| {
        if current.get().is_custom() {
            custom_open.set(true);
        }
    });
    let presets = move || {
        let whole = whole.get();
        choices
            .get()
            .presets
            .into_iter()
            .map(move |preset| {
                let period = Period::preset(preset);
                let label = match (preset, &whole) {
                    (PeriodPreset::AllActivity, Some(whole)) => whole.clone(),
                    _ => preset.label().to_string(),
                };
                let selected = move || current.get() == period;
                view! {
                    <a
                        class="chip"
                        href=move || href(period)
                        data-noscroll
                        data-period=preset.slug()
                        aria-current=move || selected().then_some("true")
                    >
                        {label}
                    </a>
                }
            })
            .collect_view()
    };
    let custom = move || choices.with(|c| c.custom);
    view! {
        <div class="period-selector" data-testid="period-selector">
            <nav class="chips" aria-label="Period">
                {presets}
                <Show when=custom>
                    <button
                        type="button"
                        class="chip"
                        aria-expanded=move || custom_open.get().to_string()
                        aria-controls="cb-custom-range"
                        aria-current=move || current.get().is_custom().then_some("true")
                        on:click=move |_| custom_open.update(|o| *o = !*o)
                    >
                        {custom_label}
                    </button>
                </Show>
            </nav>
            <Show when=move || custom() && custom_open.get()>
                <Suspense>{Suspend::new(custom_range(current, today))}</Suspense>
            </Show>
        </div>
    }
}

split_point! {
    /// The custom range's form, fetched when it is first opened: most visits never open it.
    fn custom_range(current: Signal<Period>, today: Signal<NaiveDate>) -> AnyView {
        view! { <CustomRange current today /> }.into_any()
    }
}

/// The custom range's form: the dates of the period in the URL, else the last 30 days through
/// `today`; "Apply" puts the checked range in the URL.
#[component]
fn CustomRange(current: Signal<Period>, today: Signal<NaiveDate>) -> impl IntoView {
    let query = use_query_map();
    let set_query = crate::hooks::url::use_set_query();
    let range = Signal::derive(move || match current.get() {
        Period::Custom { from, to } => Some((from, to)),
        Period::Preset(_) => None,
    });
    let t = today.get_untracked();
    let initial = (t - chrono::Days::new(29), t);
    let on_apply = Callback::new(move |period: Period| {
        set_query(with_period(&pairs(&query.read_untracked()), period));
    });
    view! {
        <DateRangeForm
            id="cb-custom-range"
            problem_id="cb-range-problem"
            primary=true
            range
            on_apply
            today
            initial
        />
    }
}
