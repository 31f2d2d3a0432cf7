//! The demo generator: deterministic, realistic, and bound by the ledger's rules.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use common::utc;
use creditboard_domain::Ledger;
use creditboard_domain::entry::{EntryKind, EntryStatus};
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::preset::{Preset, PresetId};
use std::collections::HashSet;

fn now() -> DateTime<Utc> {
    utc("2026-11-21T15:30:00Z")
}

#[test]
fn the_same_seed_and_day_give_the_same_history() {
    for p in PresetId::ALL {
        let a = generate(&HistoryOptions::new(p, now())).unwrap();
        let b = generate(&HistoryOptions::new(p, now())).unwrap();
        assert_eq!(a.ledger.entries(), b.ledger.entries(), "{p}");
        let other = generate(&HistoryOptions {
            seed: 7,
            ..HistoryOptions::new(p, now())
        })
        .unwrap();
        assert_ne!(a.ledger.entries(), other.ledger.entries(), "{p}");
    }
}

/// Renders in flight are started minutes before "now"; today's last job may have run after
/// that (at 19:52:21 on this day for ACT3). The history must still start, whatever the time.
#[test]
fn a_demo_with_renders_in_flight_starts_at_any_time_of_day() {
    for at in [
        "2026-11-22T19:52:30Z",
        "2026-11-22T19:55:00Z",
        "2026-11-22T20:05:00Z",
    ] {
        let now: DateTime<Utc> = at.parse().unwrap();
        let demo = generate(&HistoryOptions::new(PresetId::Act3, now))
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        let pending = demo
            .ledger
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Hold && e.at > now - Duration::minutes(18))
            .count();
        assert!(pending >= 3, "{at}: {pending} holds in the last 18 minutes");
    }
}

#[test]
fn every_preset_has_a_realistic_400_day_history() {
    for p in PresetId::ALL {
        let demo = generate(&HistoryOptions::new(p, now())).unwrap();
        let l = &demo.ledger;
        let e = l.entries();
        let first = e.first().unwrap().at;
        let span = (now() - first).num_days();
        assert!((399..=401).contains(&span), "{p}: {span} days");
        assert!(e.windows(2).all(|w| w[0].at <= w[1].at), "{p}: time order");

        let charges: Vec<_> = e
            .iter()
            .filter(|x| matches!(x.kind, EntryKind::Consume | EntryKind::HoldCapture))
            .collect();
        assert!(charges.len() > 2_000, "{p}: {} charges", charges.len());
        assert!(
            charges
                .iter()
                .all(|c| c.usage.member.is_some() && c.usage.feature.is_some()),
            "{p}"
        );

        // Failed jobs are refunded (consumes) or their holds released, and linked.
        let failed: Vec<_> = e
            .iter()
            .filter(|x| x.status == EntryStatus::Failed)
            .collect();
        for f in &failed {
            match f.kind {
                EntryKind::Consume => assert!(
                    e.iter()
                        .any(|r| r.kind == EntryKind::Refund && r.reverses == Some(f.id)),
                    "{p}: {} not refunded",
                    f.id
                ),
                EntryKind::HoldRelease => {
                    let hold = f.reverses.and_then(|h| l.entry(h)).unwrap();
                    assert_eq!(hold.kind, EntryKind::Hold, "{p}: {}", f.id);
                    assert_eq!(f.amount.get(), -hold.amount.get(), "{p}: released in full");
                }
                other => panic!("{p}: a failed {other:?}"),
            }
        }
        assert!(failed.len() > 20, "{p}: {} failed", failed.len());

        // Weekday rhythm: more jobs on an average weekday than on a weekend day, except for
        // the event business (Foto Master), which peaks at weekends.
        let tz = l.config().timezone;
        let weekend = charges
            .iter()
            .filter(|c| matches!(tz.date_of(c.at).weekday(), Weekday::Sat | Weekday::Sun))
            .count();
        let weekday = charges.len() - weekend;
        if p == PresetId::Fotomaster {
            assert!(
                weekend * 5 > weekday * 2,
                "{p}: weekends {weekend} vs weekdays {weekday}"
            );
        } else {
            assert!(
                weekday > weekend * 5,
                "{p}: weekdays {weekday} vs weekends {weekend}"
            );
        }

        // Replaying the entries gives the same ledger: the demo obeys the ledger's rules.
        let rebuilt = Ledger::replay(l.config().clone(), l.opened_at(), e.to_vec()).unwrap();
        assert!(rebuilt.same_state(l), "{p}");
        for m in &l.config().meters {
            let sum: i64 = e
                .iter()
                .filter(|x| x.meter == m.id)
                .map(|x| x.amount.get())
                .sum();
            assert_eq!(
                l.balance(&m.id).unwrap().available.get(),
                sum,
                "{p} {}",
                m.id
            );
        }
    }
}

#[test]
fn presets_show_what_makes_each_product_itself() {
    let kinds = |p| -> HashSet<EntryKind> {
        generate(&HistoryOptions::new(p, now()))
            .unwrap()
            .ledger
            .entries()
            .iter()
            .map(|e| e.kind)
            .collect()
    };
    // Lucas: two meters, eight AI categories plus rendering, exactly the five periods of its
    // help page and no custom range.
    let lucas = Preset::get(PresetId::Lucas).unwrap();
    assert_eq!(lucas.config.meters.len(), 2);
    assert_eq!(lucas.rate_card.categories.len(), 9);
    let slugs = |p: PresetId| -> Vec<&str> {
        let choices = Preset::get(p).unwrap().config.usage_periods;
        choices.presets.iter().map(|p| p.slug()).collect()
    };
    assert_eq!(
        slugs(PresetId::Lucas),
        [
            "last_7_days",
            "this_month",
            "last_month",
            "last_90_days",
            "last_180_days"
        ]
    );
    assert!(!lucas.config.usage_periods.custom);
    // Foto Master: "This Year, This Month, or Select Dates".
    assert_eq!(slugs(PresetId::Fotomaster), ["this_month", "this_year"]);
    assert!(
        Preset::get(PresetId::Fotomaster)
            .unwrap()
            .config
            .usage_periods
            .custom
    );
    // VideoGen: top-ups fire and purchases land in additional credits.
    assert!(kinds(PresetId::Videogen).contains(&EntryKind::AutoTopUp));
    // ACT3: batch renders are holds, captured; some are in flight now; the bank fills.
    let act3 = generate(&HistoryOptions::new(PresetId::Act3, now())).unwrap();
    let k: HashSet<_> = act3.ledger.entries().iter().map(|e| e.kind).collect();
    for needed in [
        EntryKind::Hold,
        EntryKind::HoldCapture,
        EntryKind::HoldRelease,
        EntryKind::Rollover,
    ] {
        assert!(k.contains(&needed), "act3 lacks {needed:?}");
    }
    assert!(
        act3.ledger
            .balance(&act3.ledger.config().meters[0].id)
            .unwrap()
            .held
            .is_positive()
    );
    // Foto Master: dollars and cents.
    let fm = generate(&HistoryOptions::new(PresetId::Fotomaster, now())).unwrap();
    assert_eq!(fm.ledger.config().meters[0].decimals, 2);
    assert!(
        fm.ledger
            .entries()
            .iter()
            .any(|e| e.amount.get() % 100 != 0)
    );
    // ngram: "Tool: …" descriptions.
    let ng = generate(&HistoryOptions::new(PresetId::Ngram, now())).unwrap();
    let consume = ng
        .ledger
        .entries()
        .iter()
        .find(|e| e.kind == EntryKind::Consume)
        .unwrap();
    assert!(
        consume
            .usage
            .description
            .as_ref()
            .unwrap()
            .as_str()
            .starts_with("Tool: ")
    );
}

#[test]
fn a_larger_scale_gives_proportionally_more_entries() {
    let small = generate(&HistoryOptions {
        days: 60,
        ..HistoryOptions::new(PresetId::Ngram, now())
    })
    .unwrap();
    let big = generate(&HistoryOptions {
        days: 60,
        scale_percent: 1_000,
        ..HistoryOptions::new(PresetId::Ngram, now())
    })
    .unwrap();
    let (s, b) = (small.ledger.entries().len(), big.ledger.entries().len());
    assert!(b > s * 8 && b < s * 12, "{s} → {b}");
    assert!(big.ledger.entries().last().unwrap().at <= now());
    assert!(now() - big.ledger.opened_at() <= Duration::days(61));
}

/// Lucas sells nothing: at 14 times its rhythm its plan grows with it, so the demo is
/// busier (not starved once the month's minutes are gone) and this month still shows use.
#[test]
fn a_busier_demo_of_a_product_that_sells_nothing_is_busier() {
    let at = |scale_percent| {
        generate(&HistoryOptions {
            days: 90,
            scale_percent,
            ..HistoryOptions::new(PresetId::Lucas, now())
        })
        .unwrap()
        .ledger
    };
    let (normal, busy) = (at(100), at(1_400));
    let consumes = |l: &Ledger| {
        l.entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Consume)
            .count()
    };
    let (n, b) = (consumes(&normal), consumes(&busy));
    assert!(b > n * 10, "{n} → {b} jobs");
    let tz = busy.config().timezone;
    let month = tz.date_of(now()).format("%Y-%m").to_string();
    let used_this_month: i64 = busy
        .entries()
        .iter()
        .filter(|e| e.meter.as_str() == "render_minutes")
        .filter(|e| tz.date_of(e.at).format("%Y-%m").to_string() == month)
        .map(|e| e.net_usage().get())
        .sum();
    assert!(used_this_month > 0, "minutes are used this month");
}

#[test]
fn a_ledger_read_back_from_json_shares_its_ids_again() {
    let demo = generate(&HistoryOptions {
        days: 30,
        ..HistoryOptions::new(PresetId::Videogen, now())
    })
    .unwrap();
    let l = &demo.ledger;
    let json = serde_json::to_string(l.entries()).unwrap();
    let entries: Vec<creditboard_domain::LedgerEntry> = serde_json::from_str(&json).unwrap();
    let back = Ledger::replay(l.config().clone(), l.opened_at(), entries).unwrap();
    assert!(back.same_state(l));
    let members: Vec<_> = back
        .entries()
        .iter()
        .filter_map(|e| e.usage.member.as_ref())
        .collect();
    let anton: Vec<_> = members.iter().filter(|m| m.as_str() == "m_anton").collect();
    assert!(anton.len() > 10);
    assert!(
        anton.windows(2).all(|w| w[0].ptr_eq(w[1])),
        "equal ids share one allocation"
    );
}

#[test]
fn period_choices_are_checked_with_the_account() {
    use creditboard_domain::period::PeriodPreset;
    let mut config = Preset::get(PresetId::Lucas).unwrap().config;
    assert!(config.validate().is_ok());
    for (presets, default, says) in [
        (vec![], PeriodPreset::ThisMonth, "at least one period"),
        (
            vec![PeriodPreset::ThisMonth, PeriodPreset::ThisMonth],
            PeriodPreset::ThisMonth,
            "offered twice",
        ),
        (
            vec![PeriodPreset::ThisMonth],
            PeriodPreset::Last30Days,
            "not one of the periods offered",
        ),
    ] {
        config.usage_periods.presets = presets;
        config.usage_periods.default = default;
        let e = config.validate().unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
    // A stored config from before the choices existed gets the dashboard's own set.
    let mut json = serde_json::to_value(Preset::get(PresetId::Ngram).unwrap().config).unwrap();
    json.as_object_mut().unwrap().remove("usage_periods");
    let old: creditboard_domain::config::AccountConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.usage_periods.presets.len(), 7);
    assert_eq!(old.usage_periods.default, PeriodPreset::Last30Days);
}

/// What a preset presents, in plain words, to compare with its help page.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    /// Per meter: available, used (for "this month"), rate, average.
    cards: Vec<(String, [String; 4])>,
    /// The ledger's headings, in order.
    ledger: Vec<String>,
    activity_periods: Vec<&'static str>,
    all_history: bool,
    custom_range: bool,
    link: Option<(String, &'static str)>,
    buckets: [String; 3],
    breakdown: bool,
    panel: String,
    /// The Activity page's title and its filters' names.
    activity: (String, Vec<String>),
    /// The chart's title over days.
    chart: String,
}

fn shown(p: PresetId) -> Shown {
    use creditboard_domain::BucketKind;
    let config = Preset::get(p).unwrap().config;
    assert!(config.validate().is_ok(), "{p}");
    let v = &config.presentation;
    Shown {
        cards: config
            .meters
            .iter()
            .map(|m| {
                let c = v.cards_of(&m.id);
                (
                    m.id.to_string(),
                    [
                        c.available.to_string(),
                        c.used_in("this month"),
                        c.rate.to_string(),
                        c.average.to_string(),
                    ],
                )
            })
            .collect(),
        ledger: v
            .ledger_columns
            .iter()
            .map(|c| v.heading(*c).to_string())
            .collect(),
        activity_periods: v
            .activity_periods
            .presets
            .iter()
            .map(|p| p.slug())
            .collect(),
        all_history: v.all_history,
        custom_range: v.activity_periods.custom,
        link: v
            .activity_link
            .as_ref()
            .map(|l| (l.text.to_string(), l.period.slug())),
        buckets: [
            BucketKind::Included,
            BucketKind::Rollover,
            BucketKind::Additional,
        ]
        .map(|k| v.bucket_name(k).to_string()),
        breakdown: v.balance_breakdown,
        panel: v.credits_title.to_string(),
        activity: (
            v.activity_title.to_string(),
            v.activity_filters
                .iter()
                .map(|f| v.heading(f.column()).to_string())
                .collect(),
        ),
        chart: v.chart_title.as_str().replace("{per}", "Daily"),
    }
}

fn strings<const N: usize>(s: [&str; N]) -> [String; N] {
    s.map(str::to_string)
}

#[test]
fn each_preset_presents_itself_in_its_help_pages_words() {
    // The dashboard's own wording, where a help page names nothing else.
    let cards = strings([
        "Available",
        "Used this month",
        "Usage rate",
        "Average per day",
    ]);
    let ledger: Vec<String> = [
        "Date",
        "Description",
        "Service",
        "Category",
        "Team member",
        "Project",
        "Quality",
        "Type",
        "Status",
        "Amount",
        "Balance after",
    ]
    .map(str::to_string)
    .to_vec();
    let every_range = vec![
        "last_1_day",
        "last_7_days",
        "last_30_days",
        "this_month",
        "last_month",
        "last_90_days",
        "last_180_days",
        "this_year",
    ];
    let buckets = strings(["Monthly allocation", "Rollover bank", "Additional credits"]);
    let dashboard = Shown {
        cards: vec![],
        ledger: ledger.clone(),
        activity_periods: every_range.clone(),
        all_history: true,
        custom_range: true,
        link: None,
        buckets: buckets.clone(),
        breakdown: false,
        panel: "Credits".into(),
        activity: (
            "Credit activity".into(),
            strings([
                "Service",
                "Category",
                "Team member",
                "Project",
                "Type",
                "Status",
            ])
            .to_vec(),
        ),
        chart: "Daily usage".into(),
    };
    // Lucas: "Your Available Rendering Minutes balance"; its AI credits keep the usual cards.
    assert_eq!(
        shown(PresetId::Lucas),
        Shown {
            cards: vec![
                (
                    "render_minutes".to_string(),
                    strings([
                        "Available Rendering Minutes",
                        "Used this month",
                        "Usage rate",
                        "Average per day"
                    ])
                ),
                ("ai_credits".to_string(), cards.clone()),
            ],
            ..dashboard.clone()
        }
    );
    // ngram: "Available Credits", "Total Used", "Usage Rate"; its table's Date, Description,
    // Category and Credits; "See last 30 days of usage activity".
    assert_eq!(
        shown(PresetId::Ngram),
        Shown {
            cards: vec![(
                "credits".to_string(),
                strings([
                    "Available Credits",
                    "Total Used",
                    "Usage Rate",
                    "Average per day"
                ])
            )],
            ledger: strings(["Date", "Description", "Category", "Credits"]).to_vec(),
            link: Some(("See last 30 days of usage activity".into(), "last_30_days")),
            chart: "Daily Credit Usage".into(),
            ..dashboard.clone()
        }
    );
    // VideoGen: activity "by time range (1 day, 7 days, or 30 days)"; the balance card's
    // "breakdown of included and additional credits".
    assert_eq!(
        shown(PresetId::Videogen),
        Shown {
            cards: vec![("credits".to_string(), cards.clone())],
            activity_periods: vec!["last_1_day", "last_7_days", "last_30_days"],
            all_history: false,
            custom_range: false,
            buckets: strings(["Included credits", "Rollover bank", "Additional credits"]),
            breakdown: true,
            ..dashboard.clone()
        }
    );
    // ACT3: the "Credits Detail" panel with "Monthly Allocation" and "Rollover Bank"; its
    // "Transaction History" of "the date, the shot name, the quality tier used, and the
    // credit cost".
    assert_eq!(
        shown(PresetId::Act3),
        Shown {
            cards: vec![("credits".to_string(), cards.clone())],
            ledger: strings(["Date", "Shot", "Quality tier", "Credits"]).to_vec(),
            buckets: strings(["Monthly Allocation", "Rollover Bank", "Additional credits"]),
            panel: "Credits Detail".into(),
            // The dashboard's filters, under its own title.
            activity: ("Transaction History".into(), dashboard.activity.1.clone()),
            ..dashboard.clone()
        }
    );
    // Foto Master: "Current Balance"; "six distinct columns": Date, Service, Type, Status,
    // Transaction, Balance; filters by "Service", "Date range" (the time range every Activity
    // page has) and "Status".
    assert_eq!(
        shown(PresetId::Fotomaster),
        Shown {
            cards: vec![(
                "usd".to_string(),
                strings([
                    "Current Balance",
                    "Used this month",
                    "Usage rate",
                    "Average per day"
                ])
            )],
            ledger: strings([
                "Date",
                "Service",
                "Type",
                "Status",
                "Transaction",
                "Balance"
            ])
            .to_vec(),
            activity: (
                "Credit activity".into(),
                strings(["Service", "Status"]).to_vec()
            ),
            ..dashboard.clone()
        }
    );
}

#[test]
fn a_presentation_is_checked_with_the_account_and_bad_ones_are_named() {
    use creditboard_domain::config::presentation::{
        ActivityLink, ColumnHeading, LedgerColumn, MeterCardLabels,
    };
    use creditboard_domain::period::PeriodPreset;
    let base = Preset::get(PresetId::Lucas).unwrap().config;
    let check = |change: &dyn Fn(&mut creditboard_domain::AccountConfig), says: &str| {
        let mut config = base.clone();
        change(&mut config);
        let e = config.validate().unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{e}");
        assert!(e.to_string().contains(says), "{e} (wanted “{says}”)");
    };
    check(
        &|c| c.presentation.activity_periods.presets.clear(),
        "the Activity page needs at least one period preset",
    );
    check(
        &|c| {
            c.presentation
                .activity_periods
                .presets
                .push(PeriodPreset::Last7Days)
        },
        "the Activity page: the period “last_7_days” is offered twice",
    );
    check(
        &|c| {
            c.presentation.activity_periods.presets = vec![PeriodPreset::Last1Day];
        },
        "the Activity page: the default period “last_30_days” is not one of the periods offered",
    );
    check(
        &|c| {
            c.presentation.activity_periods.presets = vec![PeriodPreset::Last30Days];
            c.presentation.activity_link = Some(ActivityLink {
                text: "Last week".try_into().unwrap(),
                period: PeriodPreset::Last7Days,
            });
        },
        "links to the Activity page over “Last 7 days”, which the Activity page does not offer",
    );
    check(
        &|c| c.presentation.ledger_columns.push(LedgerColumn::Amount),
        "the ledger column “amount” is listed twice",
    );
    check(
        &|c| {
            c.presentation
                .ledger_columns
                .retain(|c| *c != LedgerColumn::Time)
        },
        "the ledger needs its “time” column",
    );
    check(
        &|c| {
            c.presentation
                .ledger_columns
                .retain(|c| *c != LedgerColumn::Amount)
        },
        "the ledger needs its “amount” column",
    );
    check(
        &|c| {
            c.presentation.column_headings = vec![
                ColumnHeading {
                    column: LedgerColumn::Amount,
                    heading: "Credits".try_into().unwrap(),
                },
                ColumnHeading {
                    column: LedgerColumn::Amount,
                    heading: "Cost".try_into().unwrap(),
                },
            ]
        },
        "the ledger column “amount” is given two headings",
    );
    // Every column can be added, so no two may share a heading.
    check(
        &|c| {
            c.presentation.column_headings = vec![ColumnHeading {
                column: LedgerColumn::Description,
                heading: "service".try_into().unwrap(),
            }]
        },
        "the ledger columns “description” and “service” are both headed “Service”",
    );
    check(
        &|c| {
            c.presentation
                .activity_filters
                .push(c.presentation.activity_filters[0])
        },
        "the Activity filter “engine” is listed twice",
    );
    check(
        &|c| c.presentation.chart_title = "{period} usage".try_into().unwrap(),
        "the chart's title “{period} usage” has a placeholder it cannot fill (it may use: {per})",
    );
    check(
        &|c| c.presentation.cards.used = "Used {periodd}".try_into().unwrap(),
        "the used card's label “Used {periodd}” has a placeholder it cannot fill (it may use: {period})",
    );
    check(
        &|c| c.presentation.cards.available = "Available {period}".try_into().unwrap(),
        "it may use: none",
    );
    check(
        &|c| {
            c.presentation.meter_cards.push(MeterCardLabels {
                meter: "hours".try_into().unwrap(),
                labels: Default::default(),
            })
        },
        "card labels are given for the meter “hours”, which the account does not have",
    );
    check(
        &|c| {
            let again = c.presentation.meter_cards[0].clone();
            c.presentation.meter_cards.push(again);
        },
        "card labels are given twice for the meter “render_minutes”",
    );
    check(
        &|c| c.presentation.meter_cards[0].labels.rate = "{rate}".try_into().unwrap(),
        "meter “render_minutes”: the rate card's label “{rate}”",
    );

    // From JSON: an unknown column and a blank heading are refused by name.
    let json = |presentation: serde_json::Value| {
        let mut v = serde_json::to_value(&base).unwrap();
        v["presentation"] = presentation;
        serde_json::from_value::<creditboard_domain::AccountConfig>(v)
    };
    let e = json(serde_json::json!({ "ledger_columns": ["time", "colour", "amount"] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown variant `colour`"), "{e}");
    let e = json(serde_json::json!({ "activity_filters": ["feature", "colour"] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown variant `colour`"), "{e}");
    let e = json(serde_json::json!({
        "column_headings": [{ "column": "time", "heading": "  " }]
    }))
    .unwrap_err()
    .to_string();
    assert!(e.contains("it is empty"), "{e}");
    // Only what differs need be written: the rest is the dashboard's.
    let foto = json(serde_json::json!({
        "cards": { "available": "Current Balance" },
        "all_history": false
    }))
    .unwrap();
    assert_eq!(
        foto.presentation.cards.available.as_str(),
        "Current Balance"
    );
    assert_eq!(foto.presentation.cards.used.as_str(), "Used {period}");
    assert!(!foto.presentation.all_history);
    assert_eq!(foto.presentation.activity_periods.presets.len(), 8);
}

#[test]
fn a_stored_config_from_before_presentations_reads_as_the_dashboard_did() {
    let mut json = serde_json::to_value(Preset::get(PresetId::Videogen).unwrap().config).unwrap();
    json.as_object_mut().unwrap().remove("presentation");
    let old: creditboard_domain::AccountConfig = serde_json::from_value(json).unwrap();
    assert!(old.validate().is_ok());
    assert_eq!(old.presentation, Default::default());
    // Every range the Activity page offered before, the whole history, the usual columns.
    assert_eq!(old.presentation.activity_periods.presets.len(), 8);
    assert!(old.presentation.all_history && old.presentation.activity_periods.custom);
    assert_eq!(old.presentation.ledger_columns.len(), 11);
    assert_eq!(
        old.presentation
            .heading(creditboard_domain::config::presentation::LedgerColumn::Balance),
        "Balance after"
    );
}

/// The product `docs/examples/pixelforge.json` describes, as a host passes it to the demo.
fn pixelforge() -> creditboard_domain::preset::ProductConfig {
    serde_json::from_str(include_str!("../../../docs/examples/pixelforge.json")).unwrap()
}

#[test]
fn a_hosts_own_product_runs_as_a_demo_priced_by_its_own_rate_card() {
    use creditboard_domain::preset::Product;
    let product = pixelforge();
    let demo = generate(&HistoryOptions::new(
        Product::Custom(Box::new(product.clone())),
        now(),
    ))
    .unwrap();
    assert_eq!(demo.preset, None);
    let ledger = &demo.ledger;
    assert_eq!(ledger.config().name, "Pixel Forge Studio");
    assert_eq!(
        ledger.config().presentation.activity_title.as_str(),
        "Spark history"
    );
    // Every feature and both of the animation's tiers are used, each job at the rate card's
    // price: Upscale 3 sparks an image, Animate 2 (HD) or 5 (4K) a second.
    let mut seen = HashSet::new();
    let mut consumes = 0;
    for e in ledger.entries() {
        if e.kind != EntryKind::Consume {
            continue;
        }
        consumes += 1;
        let feature = e.usage.feature.as_ref().unwrap().as_str();
        let tier = e.usage.tier.as_ref().map(|t| t.as_str());
        let each = match (feature, tier) {
            ("upscale", None) => 3,
            ("animate", Some("hd")) => 2,
            ("animate", Some("uhd")) => 5,
            other => panic!("a job the rate card does not price: {other:?}"),
        };
        let quantity = e.usage.quantity.as_ref().unwrap().amount as i64;
        assert_eq!(e.amount.get(), -each * quantity, "entry {}", e.id.0);
        // Described by the feature's name, and by one of the two members.
        let described = e.usage.description.as_ref().unwrap().as_str();
        assert_eq!(described == "Upscale", feature == "upscale", "{described}");
        let member = e.usage.member.as_ref().unwrap().as_str();
        assert!(["m_ines", "m_tobi"].contains(&member), "{member}");
        seen.insert((feature, tier));
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    // A team on its plan: thousands of jobs over the year, and the last 30 days use roughly
    // the monthly allocation of 20,000 sparks (jobs net of their refunds).
    assert!(consumes > 1_000, "{consumes}");
    let month_ago = now() - Duration::days(30);
    let used: i64 = ledger
        .entries()
        .iter()
        .filter(|e| e.at > month_ago && matches!(e.kind, EntryKind::Consume | EntryKind::Refund))
        .map(|e| -e.amount.get())
        .sum();
    assert!(
        (10_000..=30_000).contains(&used),
        "{used} sparks in 30 days"
    );
    // The same product gives the same history; another account's id another.
    let again = generate(&HistoryOptions::new(
        Product::Custom(Box::new(product.clone())),
        now(),
    ))
    .unwrap();
    assert_eq!(again.ledger.entries(), ledger.entries());
    let mut other = product;
    other.account.id = "pixelforge-berlin".try_into().unwrap();
    let other = generate(&HistoryOptions::new(
        Product::Custom(Box::new(other)),
        now(),
    ))
    .unwrap();
    assert_ne!(other.ledger.entries(), ledger.entries());
}

#[test]
fn a_hosts_product_that_does_not_hold_together_is_refused_with_the_reason() {
    use creditboard_domain::preset::Product;
    let check = |change: &dyn Fn(&mut creditboard_domain::preset::ProductConfig), says: &str| {
        let mut product = pixelforge();
        change(&mut product);
        let e = generate(&HistoryOptions::new(
            Product::Custom(Box::new(product)),
            now(),
        ))
        .unwrap_err();
        assert!(e.to_string().contains(says), "{e} (wanted “{says}”)");
    };
    check(
        &|p| p.rate_card.features.clear(),
        "the rate card has no features",
    );
    check(
        &|p| p.rate_card.features[0].meter = "minutes".try_into().unwrap(),
        "there is no meter “minutes”",
    );
    check(
        &|p| p.account.presentation.chart_title = "{day} sparks".try_into().unwrap(),
        "the chart's title “{day} sparks” has a placeholder it cannot fill",
    );
    check(&|p| p.account.meters.clear(), "meter");
}
