//! View state lives in the URL: reload and a shared link show the same view. This module turns
//! query parameters into validated view state, once, and back into links. It works on plain
//! `(key, value)` pairs, so it is pure and tested natively; [`pairs`] reads the router's map.

use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::preset::PresetId;
use leptos_router::params::ParamsMap;

/// A query string's parameters, decoded, in order.
pub type Query = Vec<(String, String)>;

/// The router's query parameters as pairs.
pub fn pairs(map: &ParamsMap) -> Query {
    map.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `?a=b&c=d`, percent-encoded; empty for no parameters (a link to the bare path).
pub fn to_query_string(query: &Query) -> String {
    fn encode(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(b))
                }
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        encode(k, &mut out);
        out.push('=');
        encode(v, &mut out);
    }
    out
}

/// The period shown when the URL names none.
pub const DEFAULT_PERIOD: Period = Period::preset(PeriodPreset::Last30Days);

/// The periods the selector offers, in the order it shows them.
pub const PERIOD_CHOICES: [PeriodPreset; 7] = [
    PeriodPreset::Last7Days,
    PeriodPreset::ThisMonth,
    PeriodPreset::LastMonth,
    PeriodPreset::Last30Days,
    PeriodPreset::Last90Days,
    PeriodPreset::Last180Days,
    PeriodPreset::ThisYear,
];

/// Reads `period`, or `from` and `to`, from a query; what is wrong with them otherwise.
pub fn period_from_query(query: &Query) -> Result<Period, String> {
    Period::from_query(get(query, "period"), get(query, "from"), get(query, "to"))
        .map(|p| p.unwrap_or(DEFAULT_PERIOD))
        .map_err(|e| e.to_string())
}

/// The query with the period replaced (other parameters, such as the preset, are kept).
pub fn with_period(query: &Query, period: Period) -> Query {
    let mut q: Query = query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "period" | "from" | "to"))
        .cloned()
        .collect();
    q.extend(
        period
            .query_pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    q
}

/// The parameters that choose the store at start-up (the demo's product and size); links
/// between pages carry them so a reload opens the same demo.
pub const STORE_PARAMS: [&str; 2] = ["preset", "demo_scale"];

/// Only the start-up parameters of a query.
pub fn store_params(query: &Query) -> Query {
    query
        .iter()
        .filter(|(k, _)| STORE_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The demo's start-up choice, read from the page's query string: which product, at what
/// activity (percent of normal; benchmarks use thousands), and what was wrong with the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChoice {
    pub preset: PresetId,
    pub scale_percent: u32,
    pub problems: Vec<String>,
}

/// The preset shown when the URL names none.
pub const DEFAULT_PRESET: PresetId = PresetId::Videogen;

pub fn demo_choice(query: &Query) -> DemoChoice {
    let mut problems = Vec::new();
    let preset = match get(query, "preset") {
        None => DEFAULT_PRESET,
        Some(p) => p.parse().unwrap_or_else(|_| {
            problems.push(format!(
                "There is no product preset “{p}”; showing the {} demo.",
                DEFAULT_PRESET.slug()
            ));
            DEFAULT_PRESET
        }),
    };
    let max = creditboard_domain::demo::MAX_SCALE_PERCENT;
    let scale_percent = match get(query, "demo_scale") {
        None => 100,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                problems.push(format!(
                    "“{s}” is not a demo size: use a percentage from 1 to {max}. Showing the normal size."
                ));
                100
            }
        },
    };
    DemoChoice {
        preset,
        scale_percent,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn query(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_url_names_the_period_or_says_what_is_wrong() {
        assert_eq!(period_from_query(&query(&[])), Ok(DEFAULT_PERIOD));
        assert_eq!(
            period_from_query(&query(&[("period", "last_90_days")])),
            Ok(Period::preset(PeriodPreset::Last90Days))
        );
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            period_from_query(&query(&[("from", "2026-08-01"), ("to", "2026-08-31")])),
            Ok(Period::custom(d("2026-08-01"), d("2026-08-31")).unwrap())
        );
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
            let err = period_from_query(&query(&pairs)).unwrap_err();
            assert!(err.contains(says), "{pairs:?}: {err}");
        }
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
    fn the_demo_is_chosen_from_the_url_with_clear_complaints() {
        let c = demo_choice(&query(&[("preset", "lucas"), ("demo_scale", "1400")]));
        assert_eq!((c.preset, c.scale_percent), (PresetId::Lucas, 1400));
        assert!(c.problems.is_empty());
        let c = demo_choice(&query(&[("preset", "nope"), ("demo_scale", "0")]));
        assert_eq!((c.preset, c.scale_percent), (DEFAULT_PRESET, 100));
        assert_eq!(c.problems.len(), 2);
        assert!(c.problems[0].contains("There is no product preset “nope”"));
    }
}
