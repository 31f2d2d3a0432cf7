//! The demo generator: deterministic, realistic, and bound by the ledger's rules.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use common::utc;
use creditboard_domain::Ledger;
use creditboard_domain::demo::{DemoOptions, generate};
use creditboard_domain::entry::{EntryKind, EntryStatus};
use creditboard_domain::preset::{Preset, PresetId};
use std::collections::HashSet;

fn now() -> DateTime<Utc> {
    utc("2026-11-21T15:30:00Z")
}

#[test]
fn the_same_seed_and_day_give_the_same_history() {
    for p in PresetId::ALL {
        let a = generate(&DemoOptions::new(p, now())).unwrap();
        let b = generate(&DemoOptions::new(p, now())).unwrap();
        assert_eq!(a.ledger.entries(), b.ledger.entries(), "{p}");
        let other = generate(&DemoOptions {
            seed: 7,
            ..DemoOptions::new(p, now())
        })
        .unwrap();
        assert_ne!(a.ledger.entries(), other.ledger.entries(), "{p}");
    }
}

#[test]
fn every_preset_has_a_realistic_400_day_history() {
    for p in PresetId::ALL {
        let demo = generate(&DemoOptions::new(p, now())).unwrap();
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
        generate(&DemoOptions::new(p, now()))
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
    let act3 = generate(&DemoOptions::new(PresetId::Act3, now())).unwrap();
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
    let fm = generate(&DemoOptions::new(PresetId::Fotomaster, now())).unwrap();
    assert_eq!(fm.ledger.config().meters[0].decimals, 2);
    assert!(
        fm.ledger
            .entries()
            .iter()
            .any(|e| e.amount.get() % 100 != 0)
    );
    // ngram: "Tool: …" descriptions.
    let ng = generate(&DemoOptions::new(PresetId::Ngram, now())).unwrap();
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
    let small = generate(&DemoOptions {
        days: 60,
        ..DemoOptions::new(PresetId::Ngram, now())
    })
    .unwrap();
    let big = generate(&DemoOptions {
        days: 60,
        scale_percent: 1_000,
        ..DemoOptions::new(PresetId::Ngram, now())
    })
    .unwrap();
    let (s, b) = (small.ledger.entries().len(), big.ledger.entries().len());
    assert!(b > s * 8 && b < s * 12, "{s} → {b}");
    assert!(big.ledger.entries().last().unwrap().at <= now());
    assert!(now() - big.ledger.opened_at() <= Duration::days(61));
}

#[test]
fn a_ledger_read_back_from_json_shares_its_ids_again() {
    let demo = generate(&DemoOptions {
        days: 30,
        ..DemoOptions::new(PresetId::Videogen, now())
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
    let old: creditboard_domain::account::AccountConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.usage_periods.presets.len(), 7);
    assert_eq!(old.usage_periods.default, PeriodPreset::Last30Days);
}
