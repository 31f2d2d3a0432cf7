//! The ledger's two hot paths at a million entries: applying consumes, and aggregating a
//! 180-day daily series by category (what the dashboard's chart needs).
//!
//! Targets on a 2-core machine: ≥ 1,000,000 applied entries per second; ≤ 100 ms per
//! aggregation. `cargo xtask bench` runs this and prints the figures.

use chrono::{DateTime, Duration, Utc};
use creditboard_domain::amount::MAX_BALANCE;
use creditboard_domain::entry::{ConsumeOp, EntryKind, JobStatus, Operation, Usage};
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::ids::{CategoryId, FeatureId, IdempotencyKey, MemberId};
use creditboard_domain::period::{DateRange, Period, PeriodPreset};
use creditboard_domain::preset::{Preset, PresetId};
use creditboard_domain::usage::{Granularity, LedgerFilter, entries_in, summarize, usage_series};
use creditboard_domain::{Amount, Ledger};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const N: usize = 1_000_000;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The last 180 days in the VideoGen account's timezone, as the dashboard resolves them.
fn last_180_days() -> DateRange {
    let config = Preset::get(PresetId::Videogen)
        .unwrap_or_else(|e| panic!("{e}"))
        .config;
    Period::preset(PeriodPreset::Last180Days).resolve(now(), &config.calendar())
}

/// A funded VideoGen-style ledger and a million consumes spread over the last 180 days (every
/// one inside the range the aggregation reads), with the attributes a real job carries
/// (feature, category, member).
fn setup() -> (Ledger, Vec<Operation>) {
    let preset = Preset::get(PresetId::Videogen).unwrap_or_else(|e| panic!("{e}"));
    let meter = preset.config.meters[0].id.clone();
    let range = last_180_days();
    let start = range.start;
    let mut ledger = Ledger::open(preset.config.clone(), start).unwrap_or_else(|e| panic!("{e}"));
    let big = Operation::Purchase(creditboard_domain::entry::PurchaseOp {
        key: IdempotencyKey::new("bench-funding").unwrap_or_else(|e| panic!("{e}")),
        meter: meter.clone(),
        amount: Amount::minor(MAX_BALANCE.get() / 2),
        at: start,
        price: None,
        usage: Usage::default(),
    });
    ledger.apply(big).unwrap_or_else(|e| panic!("{e}"));
    let features: Vec<(FeatureId, CategoryId)> = preset
        .rate_card
        .features
        .iter()
        .map(|f| (f.id.clone(), f.category.clone()))
        .collect();
    let members: Vec<MemberId> = preset.config.members.iter().map(|m| m.id.clone()).collect();
    let step = (now() - start).num_milliseconds() / N as i64;
    let ops = (0..N)
        .map(|i| {
            let (feature, category) = &features[i % features.len()];
            Operation::Consume(ConsumeOp {
                key: IdempotencyKey::new(&format!("job-{i}")).unwrap_or_else(|e| panic!("{e}")),
                meter: meter.clone(),
                amount: Amount::minor(1 + (i % 37) as i64),
                at: start + Duration::milliseconds(step * i as i64 + 1),
                status: JobStatus::Success,
                usage: Usage {
                    feature: Some(feature.clone()),
                    category: Some(category.clone()),
                    member: Some(members[i % members.len()].clone()),
                    ..Usage::default()
                },
            })
        })
        .collect();
    (ledger, ops)
}

fn apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("apply_1m_consumes", |b| {
        b.iter_batched(
            setup,
            |(mut ledger, ops)| {
                for op in ops {
                    black_box(ledger.apply(op).unwrap_or_else(|e| panic!("{e}")));
                }
                ledger
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn aggregate(c: &mut Criterion) {
    let (mut ledger, ops) = setup();
    for op in ops {
        ledger.apply(op).unwrap_or_else(|e| panic!("{e}"));
    }
    let config = ledger.config().clone();
    let meter = config.meters[0].id.clone();
    let range = last_180_days();
    let jobs_in_range = entries_in(ledger.entries(), &range)
        .iter()
        .filter(|e| e.kind == EntryKind::Consume)
        .count();
    assert_eq!(jobs_in_range, N, "every job lies in the aggregated range");
    let filter = LedgerFilter::default();
    let mut g = c.benchmark_group("aggregate");
    g.sample_size(20);
    g.throughput(Throughput::Elements(ledger.entries().len() as u64));
    g.bench_function("daily_series_by_category_1m_180d", |b| {
        b.iter(|| {
            usage_series(
                black_box(ledger.entries()),
                &config,
                &meter,
                &range,
                Granularity::Day,
                &filter,
            )
        })
    });
    g.bench_function("full_summary_1m_180d", |b| {
        b.iter(|| {
            summarize(
                black_box(ledger.entries()),
                &config,
                &meter,
                &range,
                &filter,
            )
        })
    });
    g.finish();

    // The demo generator at the size the browser store starts with.
    let mut g = c.benchmark_group("demo");
    g.sample_size(10);
    g.bench_function("generate_videogen_400d", |b| {
        b.iter(|| {
            generate(&HistoryOptions::new(PresetId::Videogen, now()))
                .map(|d| d.ledger.entries().len())
        })
    });
    g.finish();
}

criterion_group!(benches, apply, aggregate);
criterion_main!(benches);
