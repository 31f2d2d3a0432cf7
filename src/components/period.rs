//! The period selector: presets as links (so every view has a URL) and a custom range of two
//! dates, checked before it is applied.

use crate::hooks::Offered;
use crate::view::{pairs, to_query_string, with_period};
use chrono::NaiveDate;
use creditboard_domain::period::{Period, PeriodChoices, parse_date};
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
            <PeriodSelector current choices today />
        </Show>
    }
}

/// The account's presets, then, where it offers one, "Custom range" with its two dates.
/// `today` is the account's local date (the latest day that can be chosen).
#[component]
pub fn PeriodSelector(
    #[prop(into)] current: Signal<Period>,
    #[prop(into)] choices: Signal<PeriodChoices>,
    #[prop(into)] today: Signal<NaiveDate>,
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
        choices
            .get()
            .presets
            .into_iter()
            .map(move |preset| {
                let period = Period::preset(preset);
                let selected = move || current.get() == period;
                view! {
                    <a
                        class="chip"
                        href=move || href(period)
                        data-noscroll
                        data-period=preset.slug()
                        aria-current=move || selected().then_some("true")
                    >
                        {preset.label()}
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
                        "Custom range"
                    </button>
                </Show>
            </nav>
            <Show when=move || custom() && custom_open.get()>
                <CustomRange current today />
            </Show>
        </div>
    }
}

/// Two dates and "Apply". A range that ends before it starts, or a date that is not one, is
/// refused with a message and the URL is left alone.
#[component]
fn CustomRange(current: Signal<Period>, today: Signal<NaiveDate>) -> impl IntoView {
    let query = use_query_map();
    let set_query = crate::hooks::use_set_query();
    let (from0, to0) = match current.get_untracked() {
        Period::Custom { from, to } => (from.to_string(), to.to_string()),
        Period::Preset(_) => {
            let t = today.get_untracked();
            ((t - chrono::Days::new(29)).to_string(), t.to_string())
        }
    };
    let from = RwSignal::new(from0);
    let to = RwSignal::new(to0);
    let problem = RwSignal::new(None::<String>);
    // Back and forward between custom ranges: the fields follow the URL.
    Effect::new(move |_| {
        if let Period::Custom { from: f, to: t } = current.get() {
            from.set(f.to_string());
            to.set(t.to_string());
            problem.set(None);
        }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = (|| {
            let (f, t) = (from.get_untracked(), to.get_untracked());
            if f.is_empty() || t.is_empty() {
                return Err("Choose both a start and an end date.".to_string());
            }
            let f = parse_date(&f).map_err(|e| e.to_string())?;
            let t = parse_date(&t).map_err(|e| e.to_string())?;
            let today = today.get_untracked();
            if f > today {
                return Err(format!(
                    "The start date is after today ({}): there is no usage to show yet.",
                    crate::format::long_date(today)
                ));
            }
            Period::custom(f, t).map_err(|e| match e.code() {
                "range_ends_before_start" => {
                    "The end date is before the start date: choose an end on or after the start."
                        .to_string()
                }
                _ => e.to_string(),
            })
        })();
        match checked {
            Ok(period) => {
                problem.set(None);
                set_query(with_period(&pairs(&query.read_untracked()), period));
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let invalid = move || problem.with(Option::is_some).to_string();
    view! {
        <form id="cb-custom-range" class="custom-range" on:submit=apply novalidate>
            <label>
                <span>"From"</span>
                <input
                    type="date"
                    name="from"
                    max=move || today.get().to_string()
                    prop:value=move || from.get()
                    on:input:target=move |ev| from.set(ev.target().value())
                    aria-invalid=invalid
                    aria-describedby="cb-range-problem"
                />
            </label>
            <label>
                <span>"To"</span>
                <input
                    type="date"
                    name="to"
                    max=move || today.get().to_string()
                    prop:value=move || to.get()
                    on:input:target=move |ev| to.set(ev.target().value())
                    aria-invalid=invalid
                    aria-describedby="cb-range-problem"
                />
            </label>
            <button type="submit" class="button primary">"Apply"</button>
            <p id="cb-range-problem" class="field-error" role="alert">
                {move || problem.get()}
            </p>
        </form>
    }
}
