//! The daily rollups give exactly the summaries the entries give: every preset's history,
//! every period the dashboard offers, custom ranges across DST changes, with and without
//! filters, built at once or entry batch by entry batch.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use creditboard_domain::account::usage_view;
use creditboard_domain::api::UsageQuery;
use creditboard_domain::forecast::forecast;
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::{Calendar, Period, PeriodPreset};
use creditboard_domain::preset::PresetId;
use creditboard_domain::usage::rollup::DailyRollup;
use creditboard_domain::usage::{LedgerFilter, summarize};
use creditboard_domain::{DateRange, Ledger};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T15:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The filters a page sends: none, one attribute, several, a value never used, and the ones
/// the rollups leave to the entries (search, kinds).
fn filters(ledger: &Ledger) -> Vec<LedgerFilter> {
    let charge = ledger
        .entries()
        .iter()
        .rev()
        .find(|e| e.kind.is_usage() && e.usage.member.is_some())
        .expect("a charge with a member");
    let u = &charge.usage;
    let mut out = vec![LedgerFilter::default()];
    if let Some(c) = &u.category {
        out.push(LedgerFilter {
            categories: vec![c.clone()],
            ..LedgerFilter::default()
        });
    }
    out.push(LedgerFilter {
        members: u.member.iter().cloned().collect(),
        features: u.feature.iter().cloned().collect(),
        ..LedgerFilter::default()
    });
    out.push(LedgerFilter {
        projects: vec![ProjectId::new("never-used").unwrap()],
        ..LedgerFilter::default()
    });
    out.push(LedgerFilter {
        search: Some("a".into()),
        ..LedgerFilter::default()
    });
    out.push(LedgerFilter {
        kinds: vec![charge.kind],
        ..LedgerFilter::default()
    });
    out
}

/// Every preset period, plus custom ranges at pseudo-random places (a fixed sequence, so a
/// failure repeats), including ranges that do not start at local midnight.
fn ranges(ledger: &Ledger) -> Vec<DateRange> {
    let config = ledger.config();
    let (tz, freshness) = (config.timezone, config.freshness);
    let mut out: Vec<DateRange> = PeriodPreset::ALL
        .iter()
        .map(|p| Period::preset(*p).resolve(now(), &Calendar::new(tz, freshness)))
        .collect();
    let first = tz.date_of(ledger.opened_at());
    let span = (tz.date_of(now()) - first).num_days();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..12 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let from = first + Duration::days((x % span as u64) as i64 - 3);
        let to = from + Duration::days(((x >> 20) % 200) as i64);
        out.push(
            Period::custom(from, to)
                .unwrap()
                .resolve(now(), &Calendar::new(tz, freshness)),
        );
    }
    // Around the European and American DST changes of 2026.
    for (from, to) in [("2026-03-01", "2026-04-05"), ("2026-10-20", "2026-11-10")] {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        out.push(
            Period::custom(d(from), d(to))
                .unwrap()
                .resolve(now(), &Calendar::new(tz, freshness)),
        );
    }
    let mut unaligned = out[3];
    unaligned.start += Duration::hours(5);
    out.push(unaligned);
    out
}

#[test]
fn summaries_from_rollups_equal_summaries_from_entries() {
    let mut checked = 0;
    for preset in PresetId::ALL {
        let ledger = generate(&HistoryOptions::new(preset, now()))
            .unwrap()
            .ledger;
        let config = ledger.config();
        let mut rollup = DailyRollup::new();
        rollup.sync(&ledger);
        for range in ranges(&ledger) {
            for filter in filters(&ledger) {
                for m in &config.meters {
                    let expected = summarize(ledger.entries(), config, &m.id, &range, &filter);
                    let got = rollup.summarize(&ledger, &m.id, &range, &filter);
                    assert_eq!(got, expected, "{preset:?} {} {range:?} {filter:?}", m.id);
                    checked += 1;
                }
            }
            for m in &config.meters {
                let expected: i64 = creditboard_domain::usage::entries_in(ledger.entries(), &range)
                    .iter()
                    .filter(|e| e.meter == m.id)
                    .map(|e| e.net_usage().get())
                    .sum();
                assert_eq!(rollup.used(&ledger, &m.id, &range).unwrap().get(), expected);
            }
        }
    }
    assert!(checked > 500, "{checked} summaries compared");
}

#[test]
fn rollups_kept_up_batch_by_batch_equal_rollups_built_at_once() {
    let full = generate(&HistoryOptions::new(PresetId::Act3, now()))
        .unwrap()
        .ledger;
    let entries = full.entries().to_vec();
    let mut ledger = Ledger::replay(full.config().clone(), full.opened_at(), Vec::new()).unwrap();
    let mut rollup = DailyRollup::new();
    for batch in entries.chunks(997) {
        ledger.replay_more(batch.iter().cloned()).unwrap();
        rollup.sync(&ledger);
    }
    let config = ledger.config();
    for range in ranges(&ledger) {
        for m in &config.meters {
            let f = LedgerFilter::default();
            assert_eq!(
                rollup.summarize(&ledger, &m.id, &range, &f),
                summarize(ledger.entries(), config, &m.id, &range, &f)
            );
        }
    }
}

#[test]
fn a_rollup_behind_its_ledger_still_answers_from_the_entries() {
    let mut ledger = generate(&HistoryOptions::new(PresetId::Videogen, now()))
        .unwrap()
        .ledger;
    let mut rollup = DailyRollup::new();
    rollup.sync(&ledger);
    let meter = ledger.config().meters[0].id.clone();
    let range =
        Period::preset(PeriodPreset::Last30Days).resolve(now(), &ledger.config().calendar());
    let before = rollup
        .summarize(&ledger, &meter, &range, &LedgerFilter::default())
        .unwrap();
    // A day passes: refills, expiries and nothing else; the un-synced rollup must not serve
    // the stale days as if they were current.
    ledger.advance_to(now() + Duration::days(40)).unwrap();
    let later = Period::preset(PeriodPreset::Last30Days)
        .resolve(now() + Duration::days(40), &ledger.config().calendar());
    let expected = summarize(
        ledger.entries(),
        ledger.config(),
        &meter,
        &later,
        &LedgerFilter::default(),
    );
    assert_eq!(
        rollup.summarize(&ledger, &meter, &later, &LedgerFilter::default()),
        expected
    );
    assert_ne!(before.range, later);
    // The usage page's forecast reads its burn rate from the rollups: the same forecast.
    let at = now() + Duration::days(40);
    let query = UsageQuery {
        period: Period::preset(PeriodPreset::Last30Days),
        filter: LedgerFilter::default(),
    };
    let view = usage_view(&ledger, &mut rollup, &query, at).unwrap();
    for (m, got) in ledger.config().meters.iter().zip(&view.forecasts) {
        assert_eq!(*got, forecast(&ledger, &m.id, at, 30).unwrap());
    }
}
