//! The Activity page's view state: the account's time ranges (a range it does not offer is
//! said, and its first shown instead), the filters, the page and its size, and the columns in
//! the product's order.

use super::{Query, get, offered_period, refused};
use creditboard_domain::activity::{ActivityQuery, PAGE_SIZES};
use creditboard_domain::api::query::{RawQuery, period_pairs};
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::{Period, PeriodPreset};

/// `period=all`: the whole history, where the account offers it.
pub const ALL_HISTORY: &str = "all";

/// The ledger's columns; which are shown, in what order and under what heading is the
/// account's (`Presentation::ledger_columns`).
pub use creditboard_domain::config::presentation::LedgerColumn as Column;

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
        match raw.parse().and_then(|v| v.check().map(|()| v)) {
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

/// The filters' values the account does not know, named and dropped: a link asking for a
/// member, category, feature, engine, project or tier it has never had shows the rest of
/// the listing rather than nothing. `known(key, value)` says whether the account has it.
pub fn drop_unknown(view: &mut ActivityView, known: impl Fn(&str, &str) -> bool) {
    fn drop<T: std::fmt::Display>(
        list: &mut Vec<T>,
        (key, what): (&str, &str),
        known: &impl Fn(&str, &str) -> bool,
        problems: &mut Vec<String>,
    ) {
        list.retain(|v| {
            let v = v.to_string();
            let ok = known(key, &v);
            if !ok {
                problems.push(format!(
                    "The filter “{key}={v}” does not work: there is no {what} “{v}” here."
                ));
            }
            ok
        });
    }
    let (f, problems) = (&mut view.query.filter, &mut view.problems);
    drop(&mut f.members, ("member", "member"), &known, problems);
    drop(
        &mut f.categories,
        ("category", "category"),
        &known,
        problems,
    );
    drop(&mut f.features, ("feature", "feature"), &known, problems);
    drop(&mut f.engines, ("engine", "service"), &known, problems);
    drop(&mut f.projects, ("project", "project"), &known, problems);
    drop(&mut f.tiers, ("tier", "tier"), &known, problems);
}

/// One project's rows on the Activity page, where its filters, search and export are: the
/// same days where that page offers them; a project's whole life is the whole history there
/// (where offered; else that page's own default).
pub fn project_in_activity(
    project: &ProjectId,
    period: Period,
    presentation: &Presentation,
) -> Query {
    let mut q: Query = vec![("project".into(), project.as_str().into())];
    if period == Period::preset(PeriodPreset::AllActivity) {
        if presentation.all_history {
            q.push(("period".into(), ALL_HISTORY.into()));
        }
    } else if presentation.activity_periods.offers(period) {
        q.extend(period_pairs(period));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::query;
    use creditboard_domain::preset::{Preset, PresetId};

    #[test]
    fn a_project_opens_on_the_activity_page_in_its_days_or_its_whole_history() {
        let fotomaster = Preset::get(PresetId::Fotomaster)
            .unwrap()
            .config
            .presentation;
        let gala = ProjectId::new("evt_acme_gala").unwrap();
        let link = |p: Period| project_in_activity(&gala, p, &fotomaster);
        let project = ("project".to_string(), "evt_acme_gala".to_string());
        assert_eq!(
            link(Period::preset(PeriodPreset::AllActivity)),
            vec![project.clone(), ("period".into(), "all".into())]
        );
        assert_eq!(
            link(Period::preset(PeriodPreset::ThisYear)),
            vec![project.clone(), ("period".into(), "this_year".into())]
        );
        let days = Period::custom(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        )
        .unwrap();
        assert_eq!(
            link(days),
            vec![
                project.clone(),
                ("from".into(), "2026-03-01".into()),
                ("to".into(), "2026-03-09".into())
            ]
        );
        // Without the whole history there, the Activity page's own default.
        let mut no_history = fotomaster.clone();
        no_history.all_history = false;
        assert_eq!(
            project_in_activity(
                &gala,
                Period::preset(PeriodPreset::AllActivity),
                &no_history
            ),
            vec![project]
        );
    }

    #[test]
    fn activity_filters_come_from_the_url_and_bad_ones_are_named() {
        let all = Presentation::default();
        let v = activity_from_query(
            &query(&[
                ("type", "consume,purchase"),
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
        // A refund is shown on its job's row, so it is no type to filter by.
        let refund = activity_from_query(&query(&[("type", "refund")]), &all);
        assert!(refund.query.filter.kinds.is_empty());
        assert!(
            refund.problems[0].contains("filter by status instead"),
            "{:?}",
            refund.problems
        );
        // Values the account never had are named and dropped; the others stay.
        let mut v = activity_from_query(
            &query(&[("member", "m_anna,nobody"), ("category", "bogus")]),
            &all,
        );
        drop_unknown(&mut v, |key, value| key == "member" && value == "m_anna");
        assert_eq!(v.query.filter.members.len(), 1);
        assert!(v.query.filter.categories.is_empty());
        assert_eq!(
            v.problems,
            [
                "The filter “member=nobody” does not work: there is no member “nobody” here.",
                "The filter “category=bogus” does not work: there is no category “bogus” here.",
            ]
        );
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
                // Foto Master's projects are its events.
                "Event",
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
}
