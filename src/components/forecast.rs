//! The run-out forecast in words: "At your last-30-day rate (≈ 575 credits per day) your
//! credits last until Dec 7, 2026", and what is expected to expire unused. The sentences are
//! pure functions of the domain's forecast, tested natively.

use crate::browser;
use crate::format;
use creditboard_domain::BucketKind;
use creditboard_domain::config::meter::{MeterConfig, MeterUnit};
use creditboard_domain::forecast::Forecast;
use creditboard_domain::tz::Timezone;
use leptos::prelude::*;

/// What a meter's holdings are called in a sentence, and the verb that goes with them:
/// "your credits last", "your minutes last", "your balance lasts".
fn holdings(meter: &MeterConfig) -> (&'static str, &'static str) {
    match meter.unit {
        MeterUnit::Credits => ("your credits", "last"),
        MeterUnit::Minutes => ("your minutes", "last"),
        MeterUnit::Currency { .. } => ("your balance", "lasts"),
    }
}

/// The forecast sentence a person would say, from the numbers.
pub fn forecast_sentence(f: &Forecast, meter: &MeterConfig, tz_today: chrono::NaiveDate) -> String {
    let (subject, verb) = holdings(meter);
    if !f.burn_per_day.is_positive() {
        return format!(
            "Nothing was used in the last {} days: at that rate {subject} {verb} indefinitely.",
            f.window_days
        );
    }
    let rate = format!(
        "At your last-{}-day rate (≈ {} per day)",
        f.window_days,
        format::amount(f.burn_per_day, meter)
    );
    match f.runs_out_on {
        Some(day) if day <= tz_today => {
            format!("{rate} {subject} will not cover another day.")
        }
        Some(day) => format!(
            "{rate} {subject} {verb} until {}{}.",
            format::long_date(day),
            counting(f, meter)
        ),
        // Over the year ahead, what keeps it going is named with its numbers.
        None if f.counted.refills > 0 || f.counted.top_ups > 0 => {
            format!(
                "{rate} {subject} {verb} more than a year{}.",
                counting(f, meter)
            )
        }
        None => {
            let why = match (
                meter.allocation.is_some(),
                meter.auto_top_up.is_some_and(|t| t.enabled),
            ) {
                (true, true) => ": refills and top-ups keep up",
                (true, false) => ": each refill covers what you use",
                (false, true) => ": automatic top-ups keep up",
                (false, false) => "",
            };
            format!("{rate} {subject} {verb} more than a year{why}.")
        }
    }
}

/// What to do about a run-out the forecast sees coming, where the meter cannot be bought
/// ("Contact your account administrator or Idomoo support to discuss increasing your
/// allocation"); nothing where it can (the page offers to buy) or nothing runs out.
pub fn run_out_advice(
    f: &Forecast,
    meter: &MeterConfig,
    sold: bool,
    support: &str,
) -> Option<String> {
    if sold || f.runs_out_on.is_none() || !f.burn_per_day.is_positive() {
        return None;
    }
    let (subject, verb) = holdings(meter);
    let run_out = if verb == "lasts" {
        "runs out"
    } else {
        "run out"
    };
    let subject = subject.strip_prefix("your ").unwrap_or(subject);
    Some(format!(
        "Before your {subject} {run_out}, contact your account administrator or {support} to increase your allocation."
    ))
}

/// What a run-out date counts on besides the balance: ", counting the Dec 12, 2026 refill and
/// 40 automatic top-ups (200,000 credits)"; nothing when it counts on nothing.
fn counting(f: &Forecast, meter: &MeterConfig) -> String {
    let c = &f.counted;
    let mut parts = Vec::new();
    match (c.refills, c.first_refill) {
        (0, _) | (_, None) => {}
        (1, Some(day)) => parts.push(format!("the {} refill", format::long_date(day))),
        (n, Some(day)) => parts.push(format!(
            "{n} refills from {} ({})",
            format::long_date(day),
            format::amount(c.refilled, meter)
        )),
    }
    match c.top_ups {
        0 => {}
        1 => parts.push(format!(
            "an automatic top-up of {}",
            format::amount(c.topped_up, meter)
        )),
        n => parts.push(format!(
            "{} automatic top-ups ({})",
            format::group_thousands(&n.to_string()),
            format::amount(c.topped_up, meter)
        )),
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(", counting {}", parts.join(" and "))
    }
}

/// What the forecast expects to expire unused, or `None`.
pub fn expiry_sentence(f: &Forecast, meter: &MeterConfig, tz: Timezone) -> Option<String> {
    let parts: Vec<(String, String)> = f
        .expiring
        .iter()
        .filter(|e| e.expected_unused.is_positive())
        .map(|e| {
            (
                format!(
                    "{} of {}",
                    format::amount(e.expected_unused, meter),
                    match e.kind {
                        BucketKind::Included => "the monthly allocation",
                        BucketKind::Rollover => "the rollover bank",
                        BucketKind::Additional => "additional credit",
                        BucketKind::Promotional | BucketKind::Overdraft => "promotional credit",
                    }
                ),
                format::long_date(tz.date_of(e.expires_at)),
            )
        })
        .collect();
    match parts.as_slice() {
        [] => None,
        [(what, when)] => Some(format!(
            "At that rate, {what} will expire unused on {when}."
        )),
        _ => Some(format!(
            "At that rate, {} will expire unused: {}.",
            format::amount(f.expected_unused, meter),
            parts
                .iter()
                .map(|(what, when)| format!("{what} on {when}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The run-out forecast and what is expected to expire unused, following the data.
#[component]
pub fn ForecastLine(
    #[prop(into)] forecast: Signal<Option<Forecast>>,
    meter: MeterConfig,
    tz: Timezone,
    /// Whether more of the meter can be bought here.
    sold: bool,
    /// Whom to ask for more where it cannot (the product's words).
    support: String,
) -> impl IntoView {
    let id = meter.id.to_string();
    let sentences = move || {
        forecast.with(|f| {
            f.as_ref().map(|f| {
                let runs = forecast_sentence(f, &meter, tz.date_of(browser::now()));
                let runs = match run_out_advice(f, &meter, sold, &support) {
                    Some(advice) => format!("{runs} {advice}"),
                    None => runs,
                };
                (runs, expiry_sentence(f, &meter, tz))
            })
        })
    };
    view! {
        <div class="forecast" data-testid=format!("forecast-{id}")>
            {move || {
                sentences()
                    .map(|(runs, expires)| {
                        view! {
                            <p class="forecast-runout">{runs}</p>
                            {expires.map(|e| view! { <p class="forecast-expiry">{e}</p> })}
                        }
                    })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::Amount;
    use creditboard_domain::entry::BucketId;
    use creditboard_domain::forecast::{Counted, ExpiringCredits};
    use creditboard_domain::ids::MeterId;

    fn meter(unit: MeterUnit, allocation: bool) -> MeterConfig {
        let decimals = if matches!(unit, MeterUnit::Currency { .. }) {
            2
        } else {
            0
        };
        crate::test_support::meter(unit, decimals, allocation)
    }

    fn day(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn forecast(burn: i64, runs_out_on: Option<&str>) -> Forecast {
        Forecast {
            meter: MeterId::new("m").unwrap(),
            window_days: 30,
            burn_per_day: Amount::minor(burn),
            available: Amount::minor(5_000),
            runs_out_on: runs_out_on.map(day),
            expiring: vec![],
            expected_unused: Amount::ZERO,
            counted: Counted::default(),
        }
    }

    #[test]
    fn a_run_out_where_nothing_is_sold_says_whom_to_ask() {
        let minutes = meter(MeterUnit::Minutes, true);
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, false);
        let soon = forecast(575, Some("2026-12-07"));
        assert_eq!(
            run_out_advice(&soon, &minutes, false, "Idomoo support").as_deref(),
            Some(
                "Before your minutes run out, contact your account administrator or Idomoo support to increase your allocation."
            )
        );
        assert_eq!(
            run_out_advice(&soon, &usd, false, "support").as_deref(),
            Some(
                "Before your balance runs out, contact your account administrator or support to increase your allocation."
            )
        );
        // Where more can be bought the page offers it; where nothing runs out, nothing to do.
        assert_eq!(run_out_advice(&soon, &minutes, true, "support"), None);
        assert_eq!(
            run_out_advice(&forecast(575, None), &minutes, false, "support"),
            None
        );
        assert_eq!(
            run_out_advice(&forecast(0, Some("2026-12-07")), &minutes, false, "support"),
            None
        );
    }

    #[test]
    fn the_forecast_reads_as_a_sentence_for_each_case() {
        let today = day("2026-11-21");
        let credits = meter(MeterUnit::Credits, true);
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, false);
        let cases = [
            (
                forecast(575, Some("2026-12-07")),
                &credits,
                "At your last-30-day rate (≈ 575 credits per day) your credits last until Dec 7, 2026.",
            ),
            (
                forecast(503, Some("2026-11-27")),
                &usd,
                "At your last-30-day rate (≈ $5.03 per day) your balance lasts until Nov 27, 2026.",
            ),
            (
                forecast(25, None),
                &credits,
                "At your last-30-day rate (≈ 25 credits per day) your credits last more than a year: each refill covers what you use.",
            ),
            (
                Forecast {
                    counted: Counted {
                        first_refill: Some(day("2026-12-12")),
                        refills: 1,
                        refilled: Amount::minor(30_000),
                        top_ups: 40,
                        topped_up: Amount::minor(200_000),
                    },
                    ..forecast(1_080, Some("2027-06-08"))
                },
                &credits,
                "At your last-30-day rate (≈ 1,080 credits per day) your credits last until Jun 8, 2027, counting the Dec 12, 2026 refill and 40 automatic top-ups (200,000 credits).",
            ),
            (
                Forecast {
                    counted: Counted {
                        first_refill: Some(day("2026-12-01")),
                        refills: 3,
                        refilled: Amount::minor(3_000),
                        top_ups: 1,
                        topped_up: Amount::minor(500),
                    },
                    ..forecast(80, Some("2027-02-20"))
                },
                &credits,
                "At your last-30-day rate (≈ 80 credits per day) your credits last until Feb 20, 2027, counting 3 refills from Dec 1, 2026 (3,000 credits) and an automatic top-up of 500 credits.",
            ),
            (
                Forecast {
                    counted: Counted {
                        first_refill: Some(day("2026-12-12")),
                        refills: 12,
                        refilled: Amount::minor(300_000),
                        top_ups: 19,
                        topped_up: Amount::minor(95_000),
                    },
                    ..forecast(1_080, None)
                },
                &credits,
                "At your last-30-day rate (≈ 1,080 credits per day) your credits last more than a year, counting 12 refills from Dec 12, 2026 (300,000 credits) and 19 automatic top-ups (95,000 credits).",
            ),
            (
                forecast(0, None),
                &usd,
                "Nothing was used in the last 30 days: at that rate your balance lasts indefinitely.",
            ),
            (
                forecast(900, Some("2026-11-21")),
                &credits,
                "At your last-30-day rate (≈ 900 credits per day) your credits will not cover another day.",
            ),
        ];
        for (f, m, expected) in cases {
            assert_eq!(forecast_sentence(&f, m, today), expected);
        }
    }

    #[test]
    fn what_expires_unused_is_named_with_its_bucket_and_date() {
        let tz = Timezone::new("Europe/Berlin").unwrap();
        let credits = meter(MeterUnit::Credits, true);
        let at = |s: &str| tz.start_of_day(day(s));
        let part = |kind, unused: i64, on: &str| ExpiringCredits {
            bucket: BucketId(1),
            kind,
            amount: Amount::minor(unused * 2),
            expires_at: at(on),
            expected_unused: Amount::minor(unused),
        };
        let mut f = forecast(10, None);
        assert_eq!(expiry_sentence(&f, &credits, tz), None);
        f.expiring = vec![part(BucketKind::Included, 1_200, "2026-12-01")];
        f.expected_unused = Amount::minor(1_200);
        assert_eq!(
            expiry_sentence(&f, &credits, tz).unwrap(),
            "At that rate, 1,200 credits of the monthly allocation will expire unused on Dec 1, 2026."
        );
        f.expiring
            .push(part(BucketKind::Promotional, 300, "2026-12-05"));
        f.expected_unused = Amount::minor(1_500);
        assert_eq!(
            expiry_sentence(&f, &credits, tz).unwrap(),
            "At that rate, 1,500 credits will expire unused: 1,200 credits of the monthly allocation on Dec 1, 2026, 300 credits of promotional credit on Dec 5, 2026."
        );
    }
}
