//! View state lives in the URL: reload and a shared link show the same view. This module turns
//! query parameters into validated view state, once, and back into links ([`activity`]: the
//! Activity page's filters, page and columns). It works on plain `(key, value)` pairs, so it
//! is pure and tested natively; [`pairs`] reads the router's map.

pub mod activity;

use creditboard_domain::api::query::period_pairs;
pub use creditboard_domain::api::query::{Query, to_query_string};
use creditboard_domain::period::{Period, PeriodChoices};
use leptos_router::params::ParamsMap;

/// The router's query parameters as pairs.
pub fn pairs(map: &ParamsMap) -> Query {
    map.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `key` in `query`, if any.
pub fn get<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The period a page shows: the URL's when the account offers it, otherwise the account's
/// default and what was wrong with the link (said on the page).
pub fn offered_period(query: &Query, choices: &PeriodChoices) -> (Period, Option<String>) {
    let why = match Period::from_query(get(query, "period"), get(query, "from"), get(query, "to")) {
        Ok(None) => return (Period::preset(choices.default), None),
        Ok(Some(p)) if choices.offers(p) => return (p, None),
        Ok(Some(Period::Preset(p))) => {
            format!("“{}” is not one of the periods offered here", p.label())
        }
        Ok(Some(Period::Custom { .. })) => "custom ranges are not offered here".to_string(),
        Err(e) => e.to_string(),
    };
    refused(&why, choices)
}

/// The account's default period, and the sentence that says why the link's is not shown.
fn refused(why: &str, choices: &PeriodChoices) -> (Period, Option<String>) {
    let default = Period::preset(choices.default);
    let label = choices.default.label().to_lowercase();
    // "the last 30 days", but "this month".
    let showing = if label.starts_with("last ") && label.contains("day") {
        format!("the {label}")
    } else {
        label
    };
    (
        default,
        Some(format!(
            "This link’s period does not work: {why}. Showing {showing} instead."
        )),
    )
}

/// The URL parameters a period is written in.
pub const PERIOD_KEYS: [&str; 3] = ["period", "from", "to"];

/// The query with the period replaced (other parameters, such as the preset, are kept).
pub fn with_period(query: &Query, period: Period) -> Query {
    let mut q: Query = query
        .iter()
        .filter(|(k, _)| !PERIOD_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    q.extend(period_pairs(period));
    q
}

/// The parameters that choose the store at start-up (the product, the demo's size, the demo
/// store where a server would answer, the member a server's demo acts as, and its private
/// copy of the account) and the locale; links between pages carry them so a reload opens the
/// same data the same way.
pub const STORE_PARAMS: [&str; 6] = ["preset", "demo_scale", "store", "as", "session", "locale"];

/// A query without its start-up parameters: the view alone.
pub fn view_params(query: &Query) -> Query {
    query
        .iter()
        .filter(|(k, _)| !STORE_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// Only the start-up parameters of a query.
pub fn store_params(query: &Query) -> Query {
    query
        .iter()
        .filter(|(k, _)| STORE_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The query with `changes` applied (`None` removes a key). Any change but the page itself
/// returns to page 1: a new filter is a new listing.
pub fn with_changes(query: &Query, changes: &[(&str, Option<String>)]) -> Query {
    let mut q: Query = query
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .filter(|(k, _)| k != "page" || changes.iter().all(|(c, _)| matches!(*c, "cols")))
        .cloned()
        .collect();
    for (k, v) in changes {
        if let Some(v) = v {
            q.push((k.to_string(), v.clone()));
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::query;
    use chrono::NaiveDate;
    use creditboard_domain::period::PeriodPreset;
    use creditboard_domain::preset::PresetId;

    #[test]
    fn the_url_names_an_offered_period_or_says_what_is_wrong() {
        let all = PeriodChoices::default();
        let last_30 = Period::preset(PeriodPreset::Last30Days);
        assert_eq!(offered_period(&query(&[]), &all), (last_30, None));
        assert_eq!(
            offered_period(&query(&[("period", "last_90_days")]), &all),
            (Period::preset(PeriodPreset::Last90Days), None)
        );
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let august = Period::custom(d("2026-08-01"), d("2026-08-31")).unwrap();
        let august_query = query(&[("from", "2026-08-01"), ("to", "2026-08-31")]);
        assert_eq!(offered_period(&august_query, &all), (august, None));
        for (pairs, says) in [
            (
                vec![("period", "last_91_days")],
                "“last_91_days” is not a known period",
            ),
            (
                vec![("from", "2026-08-31"), ("to", "2026-08-01")],
                "the range ends (2026-08-01) before it starts (2026-08-31)",
            ),
            (
                vec![("from", "2026-02-30"), ("to", "2026-03-01")],
                "“2026-02-30” is not a date (use YYYY-MM-DD)",
            ),
            (vec![("from", "2026-02-01")], "needs both"),
        ] {
            let (period, problem) = offered_period(&query(&pairs), &all);
            let problem = problem.unwrap();
            assert_eq!(period, last_30, "{pairs:?}");
            assert!(problem.contains(says), "{pairs:?}: {problem}");
            assert!(
                problem.ends_with("Showing the last 30 days instead."),
                "{problem}"
            );
        }
        // Lucas: five presets, no custom range, this month first.
        let five = creditboard_domain::preset::Preset::get(PresetId::Lucas)
            .unwrap()
            .config
            .usage_periods;
        assert!(!five.custom && five.default == PeriodPreset::ThisMonth);
        let this_month = Period::preset(PeriodPreset::ThisMonth);
        assert_eq!(offered_period(&query(&[]), &five), (this_month, None));
        let (period, problem) = offered_period(&query(&[("period", "last_30_days")]), &five);
        assert_eq!(period, this_month);
        assert_eq!(
            problem.as_deref(),
            Some(
                "This link’s period does not work: “Last 30 days” is not one of the periods \
                 offered here. Showing this month instead."
            )
        );
        let (period, problem) = offered_period(&august_query, &five);
        assert_eq!(period, this_month);
        assert!(
            problem
                .unwrap()
                .contains("custom ranges are not offered here")
        );
    }

    #[test]
    fn changing_the_period_keeps_the_other_parameters() {
        let q = query(&[
            ("preset", "act3"),
            ("from", "2026-08-01"),
            ("to", "2026-08-31"),
        ]);
        let next = with_period(&q, Period::preset(PeriodPreset::ThisYear));
        assert_eq!(to_query_string(&next), "?preset=act3&period=this_year");
        assert_eq!(to_query_string(&store_params(&next)), "?preset=act3");
        assert_eq!(to_query_string(&Query::new()), "");
        let odd = query(&[("q", "a b&c=d/é")]);
        assert_eq!(to_query_string(&odd), "?q=a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn a_filter_change_returns_to_page_one() {
        let q = query(&[("preset", "act3"), ("page", "4"), ("type", "consume")]);
        let next = with_changes(&q, &[("status", Some("failed".into()))]);
        assert_eq!(
            to_query_string(&next),
            "?preset=act3&type=consume&status=failed"
        );
        let paged = with_changes(&q, &[("page", Some("5".into()))]);
        assert_eq!(to_query_string(&paged), "?preset=act3&type=consume&page=5");
        let cleared = with_changes(&q, &[("type", None)]);
        assert_eq!(to_query_string(&cleared), "?preset=act3");
    }
}
