//! Usage for a period: totals, rate, breakdowns, daily and monthly series, in the account's
//! timezone — including entries a minute either side of local midnight on DST days.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use creditboard_domain::account::usage_view;
use creditboard_domain::api::UsageQuery;
use creditboard_domain::config::meter::{Allocation, UnusedAllocation};
use creditboard_domain::entry::{ConsumeOp, EntryKind, JobStatus, Operation, Usage};
use creditboard_domain::ids::{CategoryId, IdempotencyKey, MemberId};
use creditboard_domain::period::{BillingCycle, Calendar, Freshness, Period, PeriodPreset};
use creditboard_domain::tz::Timezone;
use creditboard_domain::usage::DailyRollup;
use creditboard_domain::usage::allocation::allocation_for;
use creditboard_domain::usage::{
    Granularity, LedgerFilter, NONE_KEY, average_per_day, summarize, usage_series,
};
use creditboard_domain::{Amount, Ledger};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn job(
    k: &str,
    amount: i64,
    at: chrono::DateTime<chrono::Utc>,
    category: &str,
    member: &str,
) -> Operation {
    Operation::Consume(ConsumeOp {
        key: IdempotencyKey::new(k).unwrap(),
        meter: meter(),
        amount: Amount::minor(amount),
        at,
        status: JobStatus::Success,
        usage: Usage {
            category: Some(CategoryId::new(category).unwrap()),
            member: Some(MemberId::new(member).unwrap()),
            ..Usage::default()
        },
    })
}

/// `(timezone, the day before a DST change or an ordinary day)`: an entry at 23:59 on that day
/// and one at 00:01 the next day land in their own local days.
#[test]
fn entries_a_minute_either_side_of_local_midnight_land_on_their_local_day() {
    // The third column is how long the next day is, in minutes, from the zone's rules: a
    // one-hour change gives 23 or 25 hours, Lord Howe's half-hour one 23½ or 24½.
    let cases = [
        ("America/New_York", "2026-03-07", 23 * 60), // DST starts the next night
        ("America/New_York", "2026-10-31", 25 * 60), // DST ends the next night
        ("Europe/London", "2026-03-28", 23 * 60),
        ("Europe/London", "2026-10-24", 25 * 60),
        ("Asia/Kolkata", "2026-06-15", 24 * 60), // +05:30, no DST
        ("Australia/Lord_Howe", "2026-10-03", 23 * 60 + 30), // 30-minute DST
        ("Australia/Lord_Howe", "2026-04-04", 24 * 60 + 30),
        ("Pacific/Chatham", "2026-09-26", 23 * 60), // +12:45 → +13:45
        ("Pacific/Chatham", "2026-04-04", 25 * 60),
    ];
    for (zone, day, next_day_minutes) in cases {
        let d = date(day);
        let next = d.succ_opt().unwrap();
        let mut l = Ledger::open(
            config(zone),
            local(zone, &format!("{} 00:00", d - Duration::days(3))),
        )
        .unwrap();
        l.run(purchase(
            "p",
            10_000,
            local(zone, &format!("{} 00:00", d - Duration::days(3))),
        ))
        .unwrap();
        l.run(job("late", 7, local(zone, &format!("{d} 23:59")), "a", "m"))
            .unwrap();
        l.run(job(
            "early",
            11,
            local(zone, &format!("{next} 00:01")),
            "a",
            "m",
        ))
        .unwrap();
        let tz = l.config().timezone;
        let range = Period::custom(d, next).unwrap().resolve(
            local(zone, &format!("{next} 12:00")),
            &Calendar::new(tz, Freshness::Live),
        );
        let series = usage_series(
            l.entries(),
            l.config(),
            &meter(),
            &range,
            Granularity::Day,
            &LedgerFilter::default(),
        )
        .unwrap();
        let totals: Vec<(NaiveDate, i64)> = series
            .points
            .iter()
            .map(|p| (p.from, p.total.get()))
            .collect();
        assert_eq!(totals, vec![(d, 7), (next, 11)], "{zone} {day}");
        // The day of the change itself is 23, 24, 24.5 or 25 hours long, never a wrong date.
        let one_day = Period::custom(next, next).unwrap().resolve(
            local(zone, &format!("{next} 12:00")),
            &Calendar::new(tz, Freshness::Live),
        );
        assert_eq!(
            (one_day.end - one_day.start).num_minutes(),
            next_day_minutes,
            "{zone} {next}"
        );
    }
}

#[test]
fn a_summary_adds_up_usage_refunds_and_breakdowns() {
    let mut l = funded(10_000);
    let day = |d: i64, h: i64| at(24 * d + h);
    l.run(job("j1", 100, day(1, 9), "video", "ana")).unwrap();
    l.run(job("j2", 40, day(1, 10), "image", "ben")).unwrap();
    let failed = l
        .run(job("j3", 60, day(2, 9), "video", "ben"))
        .unwrap()
        .entries[0]
        .id;
    l.run(refund("r3", failed, None, day(2, 10))).unwrap();
    l.run(job("j4", 25, day(3, 9), "image", "ana")).unwrap();
    l.run(hold("h", 500, day(3, 10))).unwrap(); // a reservation is not usage
    l.run(purchase("p", 1_000, day(3, 11))).unwrap(); // neither is a purchase

    let tz = l.config().timezone;
    let range = Period::custom(date("2026-01-02"), date("2026-01-04"))
        .unwrap()
        .resolve(day(5, 0), &Calendar::new(tz, Freshness::Live));
    let s = summarize(
        l.entries(),
        l.config(),
        &meter(),
        &range,
        &LedgerFilter::default(),
    )
    .unwrap();
    // Independently: 100 + 40 + 60 − 60 + 25.
    assert_eq!(s.used.get(), 165);
    assert_eq!(s.jobs, 4);
    let daily: Vec<i64> = s.series.points.iter().map(|p| p.total.get()).collect();
    assert_eq!(daily, vec![140, 0, 25]);
    assert_eq!(
        s.series.categories,
        vec!["video".to_string(), "image".to_string()]
    );
    assert_eq!(
        s.series.points[0].by_category,
        vec![Amount::minor(100), Amount::minor(40)]
    );
    let by_member: Vec<(String, i64)> = s
        .by_member
        .iter()
        .map(|r| (r.key.clone(), r.used.get()))
        .collect();
    assert_eq!(by_member, vec![("ana".into(), 125), ("ben".into(), 40)]);
    // The closing balance is the balance now: 10,000 − 165 − 500 held + 1,000.
    assert_eq!(s.closing_balance.get(), 10_335);
    // A prepaid balance has no plan allocation to measure a rate against.
    assert_eq!((s.allocation, s.usage_rate_bp), (None, None));
    assert_eq!(s.average_per_day.get(), 55);
    assert_eq!(s.by_tier[0].key, NONE_KEY);

    // A filter narrows everything at once.
    let filter = LedgerFilter {
        members: vec![MemberId::new("ben").unwrap()],
        ..LedgerFilter::default()
    };
    let s = summarize(l.entries(), l.config(), &meter(), &range, &filter).unwrap();
    assert_eq!((s.used.get(), s.jobs), (40, 2));
    let filter = LedgerFilter {
        kinds: vec![EntryKind::Refund],
        ..LedgerFilter::default()
    };
    assert_eq!(
        summarize(l.entries(), l.config(), &meter(), &range, &filter)
            .unwrap()
            .used
            .get(),
        -60
    );
    let filter = LedgerFilter {
        search: Some("nothing like this".into()),
        ..LedgerFilter::default()
    };
    let s = summarize(l.entries(), l.config(), &meter(), &range, &filter).unwrap();
    assert_eq!(s.used.get(), 0);
}

#[test]
fn the_usage_rate_is_share_of_the_allocation_used() {
    // ngram's three cards: 4,000 allocated, 3,300 used → 82.5 % (a warning at 80 %).
    let mut cfg = config("Asia/Kolkata");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(4_000),
        unused: UnusedAllocation::Lapse,
    });
    let opened = local("Asia/Kolkata", "2026-11-01 00:00");
    let mut l = Ledger::open(cfg, opened).unwrap();
    for i in 0..11 {
        l.run(consume(
            &format!("c{i}"),
            300,
            opened + Duration::hours(10 + 24 * i),
        ))
        .unwrap();
    }
    let now = local("Asia/Kolkata", "2026-11-20 18:00");
    // "Total Used: credits consumed in the current billing period", against the whole
    // cycle's 4,000: 82.5 %.
    let view = |period: PeriodPreset| {
        let query = UsageQuery {
            period: Period::preset(period),
            filter: LedgerFilter::default(),
        };
        let v = usage_view(&l, &mut DailyRollup::new(), &query, now).unwrap();
        let s = &v.meters[0];
        (s.used.get(), s.allocation.map(Amount::get), s.usage_rate_bp)
    };
    assert_eq!(
        view(PeriodPreset::ThisBillingPeriod),
        (3_300, Some(4_000), Some(8_250))
    );
    // The same days as "this month" are measured against the allocation for those days:
    // 20 of November's 30 days, 2,666.7 → 2,667 credits, 3,300 of them used (123.7 %).
    assert_eq!(
        view(PeriodPreset::ThisMonth),
        (3_300, Some(2_667), Some(3_300 * 10_000 / 2_667))
    );
    let tz = l.config().timezone;
    let range =
        Period::preset(PeriodPreset::ThisMonth).resolve(now, &Calendar::new(tz, Freshness::Live));
    let s = summarize(
        l.entries(),
        l.config(),
        &meter(),
        &range,
        &LedgerFilter::default(),
    )
    .unwrap();
    assert_eq!((s.used.get(), s.closing_balance.get()), (3_300, 700));
    assert_eq!(s.average_per_day.get(), 165); // 3,300 over Nov 1–20
}

/// The allocation for a range: each billing cycle gives its allocation in proportion to the
/// time of it the range covers. Berlin, 1,000 a month; October 2026 has 745 hours (the clocks
/// go back on the 25th), November 720.
#[test]
fn the_allocation_of_a_range_is_each_cycle_pro_rata_by_time() {
    let berlin = Timezone::new("Europe/Berlin").unwrap();
    let thousand = Amount::minor(1_000);
    let on = |anchor_day: u8| Calendar {
        billing: BillingCycle { anchor_day },
        ..Calendar::new(berlin, Freshness::Live)
    };
    let now = local("Europe/Berlin", "2026-12-20 12:00");
    let round = |hours: i64, of: i64| (2 * 1_000 * hours + of) / (2 * of);
    let cases: [(&str, u8, &str, &str, i64); 7] = [
        ("a whole cycle", 1, "2026-10-01", "2026-10-31", 1_000),
        ("another whole cycle", 1, "2026-11-01", "2026-11-30", 1_000),
        // 17 days and the extra hour of October, then 14 days of November.
        (
            "across a cycle change",
            1,
            "2026-10-15",
            "2026-11-14",
            round(17 * 24 + 1, 745) + round(14 * 24, 720),
        ),
        (
            "mid-cycle",
            1,
            "2026-10-21",
            "2026-10-31",
            round(11 * 24 + 1, 745),
        ),
        ("one day", 1, "2026-11-10", "2026-11-10", round(24, 720)),
        // Cycles from the 15th: the same dates are exactly one cycle.
        (
            "a whole cycle from the 15th",
            15,
            "2026-10-15",
            "2026-11-14",
            1_000,
        ),
        // Two whole cycles and 5 days of a 30-day one.
        (
            "several cycles",
            15,
            "2026-09-15",
            "2026-11-19",
            2_000 + round(5 * 24, 720),
        ),
    ];
    for (name, anchor, from, to, want) in cases {
        let calendar = on(anchor);
        let range = Period::custom(date(from), date(to))
            .unwrap()
            .resolve(now, &calendar);
        let got = allocation_for(thousand, &calendar, &range).unwrap();
        assert_eq!(got.get(), want, "{name}");
    }
}

#[test]
fn the_usage_rate_over_a_range_is_what_was_used_of_the_allocation_for_its_days() {
    // 1,000 a month from the 1st, unused credits lapse; 500 purchased on the side.
    let mut cfg = config("Europe/Berlin");
    cfg.meters[0].allocation = Some(Allocation {
        amount: Amount::minor(1_000),
        unused: UnusedAllocation::Lapse,
    });
    let berlin = |s: &str| local("Europe/Berlin", s);
    let mut l = Ledger::open(cfg, berlin("2026-10-01 00:00")).unwrap();
    l.run(purchase("p", 500, berlin("2026-10-01 08:00")))
        .unwrap();
    l.run(consume("a", 600, berlin("2026-10-20 10:00")))
        .unwrap();
    l.run(consume("b", 300, berlin("2026-11-05 10:00")))
        .unwrap();
    l.run(consume("c", 800, berlin("2026-11-10 10:00")))
        .unwrap();
    let now = berlin("2026-11-20 12:00");
    let rate = |from: &str, to: &str| {
        let range = Period::custom(date(from), date(to))
            .unwrap()
            .resolve(now, &l.config().calendar());
        let s = summarize(
            l.entries(),
            l.config(),
            &meter(),
            &range,
            &LedgerFilter::default(),
        )
        .unwrap();
        (s.used.get(), s.allocation.map(Amount::get), s.usage_rate_bp)
    };
    // Oct 15 – Nov 14: 549 + 467 allocated for those days, 1,700 used.
    assert_eq!(
        rate("2026-10-15", "2026-11-14"),
        (1_700, Some(1_016), Some(1_700 * 10_000 / 1_016))
    );
    // November through the 20th: 667 of its 1,000 for those 20 days, 1,100 used.
    assert_eq!(
        rate("2026-11-01", "2026-11-20"),
        (1_100, Some(667), Some(1_100 * 10_000 / 667))
    );
    // Nothing used: 0 %.
    assert_eq!(rate("2026-10-21", "2026-10-31"), (0, Some(356), Some(0)));
}

/// "All activity" (Foto Master's "Event Period") is the days from the first job in view to
/// the last, whatever today is: a wedding in January stays January in December.
#[test]
fn all_activity_is_the_days_from_the_first_job_in_view_to_the_last() {
    let mut l = funded(10_000);
    let day = |d: i64, h: i64| at(24 * d + h);
    l.run(job("a1", 100, day(2, 9), "video", "ana")).unwrap();
    l.run(job("b1", 40, day(4, 23), "image", "ben")).unwrap();
    l.run(job("a2", 25, day(9, 18), "image", "ana")).unwrap();
    l.run(job("b2", 70, day(30, 1), "video", "ben")).unwrap();
    let now = day(340, 12);
    let ana = LedgerFilter {
        members: vec![MemberId::new("ana").unwrap()],
        ..LedgerFilter::default()
    };
    let query = UsageQuery {
        period: Period::preset(PeriodPreset::AllActivity),
        filter: ana,
    };
    let v = usage_view(&l, &mut DailyRollup::new(), &query, now).unwrap();
    // UTC account: ana's jobs ran on Jan 3 and Jan 10; the range ends after Jan 10.
    assert_eq!(
        (v.range.start, v.range.end),
        (utc("2026-01-03T00:00:00Z"), utc("2026-01-11T00:00:00Z"))
    );
    let s = &v.meters[0];
    assert_eq!((s.used.get(), s.jobs), (125, 2));
    assert_eq!(s.series.points.len(), 8, "one bar a day, Jan 3 to Jan 10");
    // The listing takes the same days.
    let listing = creditboard_domain::activity::ActivityQuery {
        period: Some(Period::preset(PeriodPreset::AllActivity)),
        meter: None,
        filter: LedgerFilter {
            members: vec![MemberId::new("ben").unwrap()],
            ..LedgerFilter::default()
        },
    };
    let request = creditboard_domain::activity::PageRequest {
        query: listing,
        size: 10,
        page: 1,
        snapshot: None,
    };
    let mut index = creditboard_domain::activity::ActivityIndex::new();
    let page = creditboard_domain::activity::activity_page(&l, &mut index, &request, now).unwrap();
    // Ben's jobs ran on Jan 5 and Jan 31.
    let range = page.range.unwrap();
    assert_eq!(
        (range.start, range.end, page.total_count),
        (utc("2026-01-05T00:00:00Z"), utc("2026-02-01T00:00:00Z"), 2)
    );
    // Nothing in view: today alone, not the whole calendar.
    let nobody = UsageQuery {
        period: Period::preset(PeriodPreset::AllActivity),
        filter: LedgerFilter {
            members: vec![MemberId::new("nobody").unwrap()],
            ..LedgerFilter::default()
        },
    };
    let v = usage_view(&l, &mut DailyRollup::new(), &nobody, now).unwrap();
    assert_eq!(v.range.end - v.range.start, Duration::days(1));
    assert_eq!(v.meters[0].used.get(), 0);
}

#[test]
fn a_series_for_an_unknown_meter_is_an_error() {
    let l = funded(10);
    let range = Period::preset(PeriodPreset::Last7Days)
        .resolve(at(48), &Calendar::new(l.config().timezone, Freshness::Live));
    let err = usage_series(
        l.entries(),
        l.config(),
        &creditboard_domain::ids::MeterId::new("minutes").unwrap(),
        &range,
        Granularity::Day,
        &LedgerFilter::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_meter");
}

#[test]
fn long_periods_get_monthly_bars_that_add_up_to_the_daily_ones() {
    let mut l = funded(1_000_000);
    for d in 0..200 {
        l.run(job(
            &format!("d{d}"),
            10 + d % 7,
            at(24 * d + 12),
            "video",
            "ana",
        ))
        .unwrap();
    }
    let tz = l.config().timezone;
    let now = at(24 * 200);
    let range =
        Period::preset(PeriodPreset::Last180Days).resolve(now, &Calendar::new(tz, Freshness::Live));
    assert_eq!(Granularity::for_range(&range), Granularity::Month);
    let monthly = usage_series(
        l.entries(),
        l.config(),
        &meter(),
        &range,
        Granularity::Month,
        &LedgerFilter::default(),
    )
    .unwrap();
    let daily = usage_series(
        l.entries(),
        l.config(),
        &meter(),
        &range,
        Granularity::Day,
        &LedgerFilter::default(),
    )
    .unwrap();
    assert_eq!(daily.points.len(), 180);
    assert_eq!(monthly.points.first().unwrap().from, range.from);
    assert_eq!(monthly.points.last().unwrap().until, range.until);
    for m in &monthly.points {
        let sum: i64 = daily
            .points
            .iter()
            .filter(|p| p.from >= m.from && p.from < m.until)
            .map(|p| p.total.get())
            .sum();
        assert_eq!(m.total.get(), sum, "{}", m.from);
    }
    // Independently: the 180 days end today (day 200, no job yet), so they start at day 21;
    // day d cost 10 + d % 7.
    let expected: i64 = (21..200).map(|d| 10 + d % 7).sum();
    assert_eq!(
        monthly.points.iter().map(|p| p.total.get()).sum::<i64>(),
        expected
    );
}

#[test]
fn average_per_day_rounds_to_the_nearest_unit() {
    let cases = [
        (100, 3, 33),
        (101, 2, 51),
        (-101, 2, -51),
        (0, 30, 0),
        (5, 0, 0),
        (45, 30, 2),
    ];
    for (used, days, expected) in cases {
        assert_eq!(
            average_per_day(Amount::minor(used), days).get(),
            expected,
            "{used}/{days}"
        );
    }
}

#[test]
fn data_through_yesterday_leaves_out_today() {
    let mut cfg = config("America/New_York");
    cfg.freshness = Freshness::ThroughYesterday;
    let opened = local("America/New_York", "2026-11-10 00:00");
    let mut l = Ledger::open(cfg, opened).unwrap();
    l.run(purchase("p", 1_000, opened)).unwrap();
    l.run(consume(
        "yesterday",
        5,
        local("America/New_York", "2026-11-20 23:59"),
    ))
    .unwrap();
    l.run(consume(
        "today",
        7,
        local("America/New_York", "2026-11-21 00:00"),
    ))
    .unwrap();
    let now = local("America/New_York", "2026-11-21 15:00");
    let tz = l.config().timezone;
    let range = Period::preset(PeriodPreset::Last7Days)
        .resolve(now, &Calendar::new(tz, l.config().freshness));
    let s = summarize(
        l.entries(),
        l.config(),
        &meter(),
        &range,
        &LedgerFilter::default(),
    )
    .unwrap();
    assert_eq!(s.used.get(), 5);
    assert_eq!(s.series.points.last().unwrap().from, date("2026-11-20"));
}

#[test]
fn totals_beyond_an_i64_are_an_error_not_a_wrap() {
    // Each entry is valid on its own; a period of them is not representable.
    let l = funded(1);
    let mut entries = Vec::new();
    for (i, at) in [at(1), at(2)].into_iter().enumerate() {
        let mut e = l.entries()[0].clone();
        e.id = creditboard_domain::EntryId(i as u64 + 1);
        e.kind = EntryKind::Consume;
        e.at = at;
        e.amount = Amount::minor(-(i64::MAX / 3) * 2);
        entries.push(e);
    }
    let tz = l.config().timezone;
    let range = Period::custom(date("2026-01-01"), date("2026-01-01"))
        .unwrap()
        .resolve(at(30), &Calendar::new(tz, Freshness::Live));
    let err = summarize(
        &entries,
        l.config(),
        &meter(),
        &range,
        &LedgerFilter::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "overflow");
    let err = usage_series(
        &entries,
        l.config(),
        &meter(),
        &range,
        Granularity::Day,
        &LedgerFilter::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "overflow");
}
