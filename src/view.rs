//! View state lives in the URL: reload and a shared link show the same view. This module turns
//! query parameters into validated view state, once, and back into links. It works on plain
//! `(key, value)` pairs, so it is pure and tested natively; [`pairs`] reads the router's map.

use creditboard_domain::activity::{ActivityQuery, PAGE_SIZES};
use creditboard_domain::api::RawQuery;
use creditboard_domain::period::{Period, PeriodChoices};
use creditboard_domain::presentation::Presentation;
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

/// The value of `key` in `query`, if any.
pub fn get<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
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
    q.extend(
        period
            .query_pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    q
}

/// The parameters that choose the store at start-up (the product, the demo's size, the demo
/// store where a server would answer, the member a server's demo acts as, and its private
/// copy of the account) and the locale; links between pages carry them so a reload opens the
/// same data the same way.
pub const STORE_PARAMS: [&str; 6] = ["preset", "demo_scale", "store", "as", "session", "locale"];

/// Whether the URL asks for the in-browser demo store (`store=demo`) even where a server
/// serving the app names its API.
pub fn demo_store_asked(query: &Query) -> bool {
    get(query, "store") == Some("demo")
}

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

/// The demo's start-up choice, read from the page's query string: which product, at what
/// activity (percent of normal; benchmarks use thousands), and what was wrong with the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChoice {
    pub preset: PresetId,
    pub scale_percent: u32,
    pub problems: Vec<String>,
}

/// The preset shown when the URL names none.
pub const DEFAULT_PRESET: PresetId = PresetId::DEFAULT;

pub fn demo_choice(query: &Query) -> DemoChoice {
    let (preset, problem) = PresetId::from_url(get(query, "preset"));
    let mut problems: Vec<String> = problem.into_iter().collect();
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

// ---- The Activity page's view state ----

/// `period=all`: the whole history, where the account offers it.
pub const ALL_HISTORY: &str = "all";

/// The ledger's columns; which are shown, in what order and under what heading is the
/// account's (`Presentation::ledger_columns`).
pub use creditboard_domain::presentation::LedgerColumn as Column;

/// Date, description, amount and balance are what a ledger is: where the product shows them,
/// they cannot be hidden.
pub fn required(column: Column, presentation: &Presentation) -> bool {
    matches!(
        column,
        Column::Time | Column::Description | Column::Amount | Column::Balance
    ) && presentation.shows(column)
}

/// Every column in table order: the product's, then the others in the dashboard's order.
pub fn column_order(presentation: &Presentation) -> Vec<Column> {
    let mut order = presentation.ledger_columns.clone();
    order.extend(Column::ALL.into_iter().filter(|c| !presentation.shows(*c)));
    order
}

/// What the Activity URL asks for, validated; `problems` says what was wrong with it (those
/// parameters fall back to their defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityView {
    pub query: ActivityQuery,
    pub page: u32,
    pub size: u32,
    /// `None`: the account's usual columns.
    pub columns: Option<Vec<Column>>,
    pub problems: Vec<String>,
}

/// The Activity filters' URL keys (`type` for the entry kind, `engine` for the service).
pub const FILTER_KEYS: [&str; 10] = [
    "type", "status", "category", "feature", "engine", "member", "project", "tier", "q", "meter",
];

/// The Activity view the URL asks for, as the account offers it: its time ranges (a range it
/// does not offer is said, and its first shown instead) and its columns.
pub fn activity_from_query(query: &Query, presentation: &Presentation) -> ActivityView {
    let mut problems = Vec::new();
    let choices = &presentation.activity_periods;
    let (period, problem) = match get(query, "period") {
        Some(ALL_HISTORY) if presentation.all_history => (None, None),
        Some(ALL_HISTORY) => {
            let (p, why) = refused("the whole history is not offered here", choices);
            (Some(p), why)
        }
        _ => {
            let (p, why) = offered_period(query, choices);
            (Some(p), why)
        }
    };
    problems.extend(problem);
    // Each filter is checked alone, so one bad value drops only itself.
    let mut query_out = ActivityQuery {
        period,
        ..ActivityQuery::default()
    };
    for key in FILTER_KEYS {
        let Some(value) = get(query, key) else {
            continue;
        };
        let mut raw = RawQuery::default();
        let slot = match key {
            "type" => &mut raw.kind,
            "status" => &mut raw.status,
            "category" => &mut raw.category,
            "feature" => &mut raw.feature,
            "engine" => &mut raw.engine,
            "member" => &mut raw.member,
            "project" => &mut raw.project,
            "tier" => &mut raw.tier,
            "q" => &mut raw.q,
            _ => &mut raw.meter,
        };
        *slot = Some(value.to_string());
        match raw.parse() {
            Ok(v) => {
                let f = v.filter;
                let into = &mut query_out.filter;
                match key {
                    "type" => into.kinds = f.kinds,
                    "status" => into.statuses = f.statuses,
                    "category" => into.categories = f.categories,
                    "feature" => into.features = f.features,
                    "engine" => into.engines = f.engines,
                    "member" => into.members = f.members,
                    "project" => into.projects = f.projects,
                    "tier" => into.tiers = f.tiers,
                    "q" => into.search = f.search,
                    _ => query_out.meter = v.meter,
                }
            }
            Err(e) => problems.push(format!("The filter “{key}={value}” does not work: {e}.")),
        }
    }
    let page = match get(query, "page") {
        None => 1,
        Some(p) => match p.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                problems.push(format!("“{p}” is not a page number. Showing page 1."));
                1
            }
        },
    };
    let size = match get(query, "size") {
        None => PAGE_SIZES[0],
        Some(s) => match s.parse::<u32>() {
            Ok(n) if PAGE_SIZES.contains(&n) => n,
            _ => {
                problems.push(format!(
                    "“{s}” is not a page size: choose 25, 50 or 100. Showing {}.",
                    PAGE_SIZES[0]
                ));
                PAGE_SIZES[0]
            }
        },
    };
    let columns = get(query, "cols").map(|list| {
        let mut cols: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| required(*c, presentation))
            .collect();
        for slug in list.split(',').filter(|s| !s.is_empty()) {
            match Column::ALL.into_iter().find(|c| c.slug() == slug) {
                Some(c) if !cols.contains(&c) => cols.push(c),
                Some(_) => {}
                None => problems.push(format!("There is no column “{slug}”.")),
            }
        }
        let order = column_order(presentation);
        cols.sort_by_key(|c| order.iter().position(|x| x == c));
        cols
    });
    ActivityView {
        query: query_out,
        page,
        size,
        columns,
        problems,
    }
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

/// A link in the pager: a page number, or a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageLink {
    Page(u32),
    Gap,
}

/// The page numbers a pager shows: the first, the last, and two either side of the current
/// one, with gaps between (`1 … 4 5 [6] 7 8 … 20`).
pub fn page_window(current: u32, pages: u32) -> Vec<PageLink> {
    let pages = pages.max(1);
    let current = current.clamp(1, pages);
    let mut out = Vec::new();
    let mut last = 0;
    for p in 1..=pages {
        let near = p.abs_diff(current) <= 2;
        if p == 1 || p == pages || near {
            if last != 0 && p > last + 1 {
                // A gap of one page is shown as that page, not as "…".
                if p == last + 2 {
                    out.push(PageLink::Page(last + 1));
                } else {
                    out.push(PageLink::Gap);
                }
            }
            out.push(PageLink::Page(p));
            last = p;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use creditboard_domain::period::PeriodPreset;
    use creditboard_domain::preset::Preset;

    fn query(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

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
    fn the_demo_is_chosen_from_the_url_with_clear_complaints() {
        let c = demo_choice(&query(&[("preset", "lucas"), ("demo_scale", "1400")]));
        assert_eq!((c.preset, c.scale_percent), (PresetId::Lucas, 1400));
        assert!(c.problems.is_empty());
        let c = demo_choice(&query(&[("preset", "nope"), ("demo_scale", "0")]));
        assert_eq!((c.preset, c.scale_percent), (DEFAULT_PRESET, 100));
        assert_eq!(c.problems.len(), 2);
        assert!(c.problems[0].contains("There is no product preset “nope”"));
        assert!(demo_store_asked(&query(&[("store", "demo")])));
        assert!(!demo_store_asked(&query(&[("preset", "act3")])));
    }
    #[test]
    fn the_pager_shows_the_ends_and_the_neighbourhood() {
        use PageLink::{Gap, Page};
        assert_eq!(page_window(1, 1), vec![Page(1)]);
        assert_eq!(page_window(1, 0), vec![Page(1)]);
        assert_eq!(
            page_window(6, 20),
            vec![
                Page(1),
                Gap,
                Page(4),
                Page(5),
                Page(6),
                Page(7),
                Page(8),
                Gap,
                Page(20)
            ]
        );
        assert_eq!(
            page_window(1, 7),
            vec![Page(1), Page(2), Page(3), Gap, Page(7)]
        );
        // One missing page is shown rather than hidden behind "…".
        assert_eq!(page_window(4, 7), (1..=7).map(Page).collect::<Vec<_>>());
        assert_eq!(page_window(99, 5).last(), Some(&Page(5)));
    }

    #[test]
    fn activity_filters_come_from_the_url_and_bad_ones_are_named() {
        let all = Presentation::default();
        let v = activity_from_query(
            &query(&[
                ("type", "consume,refund"),
                ("member", "m_anna"),
                ("q", "keyframe"),
                ("page", "3"),
                ("size", "50"),
            ]),
            &all,
        );
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(
            v.query.period,
            Some(Period::preset(PeriodPreset::Last30Days))
        );
        assert_eq!(v.query.filter.kinds.len(), 2);
        assert_eq!(v.query.filter.search.as_deref(), Some("keyframe"));
        assert_eq!((v.page, v.size), (3, 50));
        assert_eq!(
            activity_from_query(&query(&[("period", "all")]), &all)
                .query
                .period,
            None
        );
        let bad = activity_from_query(
            &query(&[
                ("type", "teleport"),
                ("status", "failed"),
                ("page", "0"),
                ("size", "1000"),
                ("period", "forever"),
                ("cols", "time,colour"),
            ]),
            &all,
        );
        assert_eq!(bad.problems.len(), 5, "{:?}", bad.problems);
        assert!(bad.problems.iter().any(|p| p.contains("type=teleport")));
        // The good filter stays; the bad ones fall back.
        assert_eq!(bad.query.filter.statuses.len(), 1);
        assert!(bad.query.filter.kinds.is_empty());
        assert_eq!((bad.page, bad.size), (1, 25));
        assert_eq!(
            bad.query.period,
            Some(Period::preset(PeriodPreset::Last30Days))
        );
        // Required columns are always there, in table order.
        assert_eq!(
            bad.columns.unwrap(),
            vec![
                Column::Time,
                Column::Description,
                Column::Amount,
                Column::Balance
            ]
        );
    }

    #[test]
    fn the_activity_page_offers_the_accounts_time_ranges_and_says_when_a_link_asks_for_another() {
        let videogen = Preset::get(PresetId::Videogen).unwrap().config.presentation;
        let days = |n| match n {
            1 => Period::preset(PeriodPreset::Last1Day),
            7 => Period::preset(PeriodPreset::Last7Days),
            _ => Period::preset(PeriodPreset::Last30Days),
        };
        // "1 day, 7 days, or 30 days": each is shown as asked, none is a problem.
        for (slug, n) in [("last_1_day", 1), ("last_7_days", 7), ("last_30_days", 30)] {
            let v = activity_from_query(&query(&[("period", slug)]), &videogen);
            assert_eq!(
                (v.query.period, v.problems.len()),
                (Some(days(n)), 0),
                "{slug}"
            );
        }
        assert_eq!(
            activity_from_query(&query(&[]), &videogen).query.period,
            Some(days(30))
        );
        // Anything else is refused in words, and its first shown.
        for (pairs, says) in [
            (
                vec![("period", "last_90_days")],
                "“Last 90 days” is not one of the periods offered here",
            ),
            (
                vec![("period", "all")],
                "the whole history is not offered here",
            ),
            (
                vec![("from", "2026-08-01"), ("to", "2026-08-31")],
                "custom ranges are not offered here",
            ),
        ] {
            let v = activity_from_query(&query(&pairs), &videogen);
            assert_eq!(v.query.period, Some(days(30)), "{pairs:?}");
            assert_eq!(
                v.problems,
                vec![format!(
                    "This link’s period does not work: {says}. Showing the last 30 days instead."
                )]
            );
        }
        // The dashboard's own set still offers the whole history and a custom range.
        let all = Presentation::default();
        let v = activity_from_query(&query(&[("period", "last_90_days")]), &all);
        assert_eq!(
            (v.query.period, v.problems.len()),
            (Some(Period::preset(PeriodPreset::Last90Days)), 0)
        );
        let v = activity_from_query(
            &query(&[("from", "2026-08-01"), ("to", "2026-08-31")]),
            &all,
        );
        assert!(v.problems.is_empty() && matches!(v.query.period, Some(Period::Custom { .. })));
    }

    #[test]
    fn the_ledger_shows_the_products_columns_in_its_order() {
        let foto = Preset::get(PresetId::Fotomaster)
            .unwrap()
            .config
            .presentation;
        // Foto Master's six columns lead; the others follow in the dashboard's order.
        assert_eq!(
            column_order(&foto),
            vec![
                Column::Time,
                Column::Description,
                Column::Type,
                Column::Status,
                Column::Amount,
                Column::Balance,
                Column::Service,
                Column::Category,
                Column::Member,
                Column::Project,
                Column::Tier,
            ]
        );
        let headings: Vec<&str> = column_order(&foto)
            .into_iter()
            .map(|c| foto.heading(c))
            .collect();
        assert_eq!(
            headings,
            [
                "Date",
                "Service",
                "Type",
                "Status",
                "Transaction",
                "Balance",
                "Engine",
                "Category",
                "Team member",
                "Project",
                "Quality"
            ]
        );
        // ngram's table has no balance column, so a chosen set need not keep one; the date,
        // the description and the amount stay, and added columns follow the product's in the
        // dashboard's order.
        let ngram = Preset::get(PresetId::Ngram).unwrap().config.presentation;
        let v = activity_from_query(&query(&[("cols", "balance,tier")]), &ngram);
        assert_eq!(
            v.columns.unwrap(),
            vec![
                Column::Time,
                Column::Description,
                Column::Amount,
                Column::Tier,
                Column::Balance
            ]
        );
        let v = activity_from_query(&query(&[("cols", "")]), &ngram);
        assert_eq!(
            v.columns.unwrap(),
            vec![Column::Time, Column::Description, Column::Amount]
        );
        assert_eq!(ngram.heading(Column::Amount), "Credits");
        assert_eq!(
            Presentation::default().heading(Column::Balance),
            "Balance after"
        );
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
