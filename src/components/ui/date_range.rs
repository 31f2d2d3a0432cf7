//! The one two-dates form ("From", "To", "Apply") and its checks: a range is refused with a
//! message, and nothing else happens, unless both dates are dates, the start is not after
//! today and the domain takes the range (`Period::custom`: it ends on or after its start, and
//! is not too long). The form hands out the checked period; where it goes is its owner's.

use chrono::NaiveDate;
use creditboard_domain::period::{Period, parse_date};
use leptos::prelude::*;

/// The period two typed dates make, or what is wrong with them, in words. `today` (the
/// latest day that can be chosen), when known, refuses a start after it.
pub fn check_range(from: &str, to: &str, today: Option<NaiveDate>) -> Result<Period, String> {
    if from.is_empty() || to.is_empty() {
        return Err("Choose both a start and an end date.".to_string());
    }
    let from = parse_date(from).map_err(|e| e.to_string())?;
    let to = parse_date(to).map_err(|e| e.to_string())?;
    if let Some(today) = today
        && from > today
    {
        return Err(format!(
            "The start date is after today ({}): there is no usage to show yet.",
            crate::format::long_date(today)
        ));
    }
    Period::custom(from, to).map_err(|e| match e.code() {
        "range_ends_before_start" => {
            "The end date is before the start date: choose an end on or after the start."
                .to_string()
        }
        _ => e.to_string(),
    })
}

/// Two dates and "Apply", checked with [`check_range`] before `on_apply` hears of them.
#[component]
pub fn DateRangeForm(
    /// The range chosen now (the URL's), if any: the fields follow it, so back and forward
    /// between ranges show each one's dates.
    #[prop(into)]
    range: Signal<Option<(NaiveDate, NaiveDate)>>,
    /// Called with a range that passed every check.
    #[prop(into)]
    on_apply: Callback<Period>,
    /// The latest day that can be chosen: the fields' `max`, and a start after it is refused.
    #[prop(optional, into)]
    today: MaybeProp<NaiveDate>,
    /// What the fields start with when no range is chosen (else they start empty).
    #[prop(optional, into)]
    initial: MaybeProp<(NaiveDate, NaiveDate)>,
    /// The form's id, for the control that shows it (`aria-controls`).
    #[prop(optional)]
    id: Option<&'static str>,
    /// The message's id. With one the message is always in the page (empty when all is
    /// well) and the fields point at it and say whether they are invalid; without one it
    /// appears only when something is wrong.
    #[prop(optional)]
    problem_id: Option<&'static str>,
    /// "Apply" as the page's primary button.
    #[prop(optional)]
    primary: bool,
) -> impl IntoView {
    let (from0, to0) = range
        .get_untracked()
        .or_else(|| initial.get_untracked())
        .map_or_else(Default::default, |(f, t)| (f.to_string(), t.to_string()));
    let from = RwSignal::new(from0);
    let to = RwSignal::new(to0);
    let problem = RwSignal::new(None::<String>);
    // Back and forward between ranges: the fields follow the URL.
    Effect::new(move |_| {
        if let Some((f, t)) = range.get() {
            from.set(f.to_string());
            to.set(t.to_string());
            problem.set(None);
        }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_range(
            &from.get_untracked(),
            &to.get_untracked(),
            today.get_untracked(),
        );
        match checked {
            Ok(period) => {
                problem.set(None);
                on_apply.run(period);
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let described = problem_id.is_some();
    let invalid = move || described.then(|| problem.with(Option::is_some).to_string());
    let max = move || today.get().map(|t| t.to_string());
    let message = match problem_id {
        Some(problem_id) => view! {
            <p id=problem_id class="field-error" role="alert">
                {move || problem.get()}
            </p>
        }
        .into_any(),
        None => view! {
            <Show when=move || problem.with(Option::is_some)>
                <p class="field-error" role="alert">
                    {move || problem.get()}
                </p>
            </Show>
        }
        .into_any(),
    };
    view! {
        <form id=id class="custom-range" on:submit=apply novalidate>
            <label>
                <span>"From"</span>
                <input
                    type="date"
                    name="from"
                    max=max
                    prop:value=move || from.get()
                    on:input:target=move |ev| from.set(ev.target().value())
                    aria-invalid=invalid
                    aria-describedby=problem_id
                />
            </label>
            <label>
                <span>"To"</span>
                <input
                    type="date"
                    name="to"
                    max=max
                    prop:value=move || to.get()
                    on:input:target=move |ev| to.set(ev.target().value())
                    aria-invalid=invalid
                    aria-describedby=problem_id
                />
            </label>
            <button type="submit" class=if primary { "button primary" } else { "button" }>
                "Apply"
            </button>
            {message}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::check_range;
    use chrono::NaiveDate;
    use creditboard_domain::period::Period;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    /// `from`, `to` and `today` as typed; the range applied, or the message shown.
    fn check(from: &str, to: &str, today: Option<&str>, expected: Result<(&str, &str), &str>) {
        let got = check_range(from, to, today.map(day));
        let want = expected
            .map(|(f, t)| Period::Custom {
                from: day(f),
                to: day(t),
            })
            .map_err(str::to_string);
        assert_eq!(got, want, "{from:?} {to:?} {today:?}");
    }

    #[test]
    fn a_range_is_applied_only_when_every_check_passes() {
        let today = Some("2026-11-21");
        check(
            "2026-08-01",
            "2026-08-31",
            today,
            Ok(("2026-08-01", "2026-08-31")),
        );
        // The end may be after today (the range simply has no data there yet); one day is a range.
        check(
            "2026-11-01",
            "2026-12-31",
            today,
            Ok(("2026-11-01", "2026-12-31")),
        );
        check(
            "2026-11-21",
            "2026-11-21",
            today,
            Ok(("2026-11-21", "2026-11-21")),
        );
        check(
            "",
            "2026-08-31",
            today,
            Err("Choose both a start and an end date."),
        );
        check(
            "2026-08-01",
            "",
            None,
            Err("Choose both a start and an end date."),
        );
        check(
            "2026-02-30",
            "2026-03-01",
            today,
            Err("“2026-02-30” is not a date (use YYYY-MM-DD)"),
        );
        check(
            "2026-11-22",
            "2026-11-30",
            today,
            Err("The start date is after today (Nov 21, 2026): there is no usage to show yet."),
        );
        // Without a today, only the domain's own checks.
        check(
            "2026-11-22",
            "2026-11-30",
            None,
            Ok(("2026-11-22", "2026-11-30")),
        );
        check(
            "2026-08-31",
            "2026-08-01",
            today,
            Err("The end date is before the start date: choose an end on or after the start."),
        );
        check(
            "1990-01-01",
            "2026-01-01",
            today,
            Err("the range is longer than 3660 days"),
        );
    }
}
