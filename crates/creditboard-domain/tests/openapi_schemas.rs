//! The OpenAPI schemas describe what serde really writes: every value the API can send, taken
//! from the demo histories of all presets, validates against its type's schema (JSON Schema
//! 2020-12, as OpenAPI 3.1 uses it), and wrong shapes do not.
#![cfg(feature = "openapi")]
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use creditboard_domain::access::Viewer;
use creditboard_domain::account::{balance_view, team_view, usage_view};
use creditboard_domain::activity::{
    ActivityIndex, ActivityQuery, ExportRequest, PageRequest, activity_page, export_chunk,
};
use creditboard_domain::api::query::RawQuery;
use creditboard_domain::api::{
    AccountView, BalanceView, BuyRequest, BuyResult, ErrorBody, LedgerPage, TeamView,
    TopUpSimulationRequest, UsageQuery, UsageView,
};
use creditboard_domain::batch::{BatchRequest, HeldShot, SettleRequest, ShotOutcome, hold_batch};
use creditboard_domain::billing::{
    DemoPayments, Payment, PaymentOutcome, PurchaseChoice, Quote, buy, quote,
};
use creditboard_domain::config::meter::{AutoTopUp, TopUpAmount};
use creditboard_domain::config::settings::{AlertLevel, SettingsChange};
use creditboard_domain::config::{AccountConfig, Role};
use creditboard_domain::entry::{
    AdjustOp, CaptureOp, ConsumeOp, EntryKind, EntryStatus, GrantOp, HeldBy, HoldOp, JobStatus,
    Operation, PurchaseOp, Quantity, QuantityUnit, Receipt, RefundOp, ReleaseOp, Usage,
};
use creditboard_domain::history::{History, HistoryOptions, generate};
use creditboard_domain::ids::{
    AccountId, CategoryId, FeatureId, IdempotencyKey, Label, MemberId, MeterId, ProjectId, TierId,
};
use creditboard_domain::period::{DateRange, PeriodPreset};
use creditboard_domain::preset::PresetId;
use creditboard_domain::ratecard::{Estimate, EstimateLine, RateCard, estimate};
use creditboard_domain::topups::{TopUpSimulation, simulate_top_ups};
use creditboard_domain::usage::LedgerFilter;
use creditboard_domain::usage::rollup::DailyRollup;
use creditboard_domain::{Amount, DomainError, EntryId, LedgerEntry, Period, Timezone, alerts};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use utoipa::{OpenApi, ToSchema};

/// Every type the REST API reads or writes; the types they reach are collected with them.
#[derive(OpenApi)]
#[openapi(components(schemas(
    AccountView,
    BalanceView,
    UsageView,
    UsageQuery,
    LedgerPage,
    RawQuery,
    TeamView,
    BuyRequest,
    BuyResult,
    TopUpSimulationRequest,
    TopUpSimulation,
    ErrorBody,
    RateCard,
    Estimate,
    EstimateLine,
    ActivityQuery,
    PageRequest,
    creditboard_domain::activity::ActivityPage,
    ExportRequest,
    creditboard_domain::activity::ExportChunk,
    BatchRequest,
    HeldShot,
    SettleRequest,
    SettingsChange,
    Operation,
    Receipt,
    alerts::Notification,
    AccountConfig,
    PresetId,
    Payment,
    PaymentOutcome,
    DemoPayments,
)))]
struct Api;

/// Validators for the components of [`Api`], compiled once per schema.
struct Schemas {
    components: Value,
    compiled: HashMap<String, jsonschema::Validator>,
}

impl Schemas {
    fn new() -> Self {
        let doc = serde_json::to_value(Api::openapi()).unwrap();
        Schemas {
            components: doc["components"].clone(),
            compiled: HashMap::new(),
        }
    }

    /// The schema `#/components/schemas/<name>`, its `$ref`s resolved in the same document.
    fn validator(&mut self, name: &str) -> &jsonschema::Validator {
        assert!(
            self.components["schemas"].get(name).is_some(),
            "no schema named {name}"
        );
        let components = &self.components;
        self.compiled.entry(name.to_string()).or_insert_with(|| {
            let schema = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": format!("#/components/schemas/{name}"),
                "components": components,
            });
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"))
        })
    }

    fn is_valid(&mut self, name: &str, instance: &Value) -> bool {
        self.validator(name).is_valid(instance)
    }

    /// `value` as serde writes it matches the schema of its type.
    fn check<T: Serialize + ToSchema>(&mut self, value: &T) {
        let name = T::name();
        let instance = serde_json::to_value(value).unwrap();
        let errors: Vec<String> = self
            .validator(&name)
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name} does not match its schema:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(&instance).unwrap()
        );
    }

    /// A wrong shape for `T`: the schema refuses it.
    fn refuses<T: ToSchema>(&mut self, instance: Value) {
        let name = T::name();
        assert!(
            !self.is_valid(&name, &instance),
            "{name} accepts a wrong shape: {instance}"
        );
    }

    /// A wrong shape for `T`: the schema and serde both refuse it.
    fn both_refuse<T: ToSchema + DeserializeOwned>(&mut self, instance: Value) {
        self.refuses::<T>(instance.clone());
        assert!(
            serde_json::from_value::<T>(instance.clone()).is_err(),
            "serde accepts {instance}"
        );
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T15:30:00Z")
        .unwrap()
        .to_utc()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

fn demo(preset: PresetId) -> History {
    generate(&HistoryOptions::new(preset, now())).unwrap()
}

fn admin(config: &AccountConfig) -> Viewer {
    let m = config
        .members
        .iter()
        .find(|m| m.role == Role::Admin)
        .unwrap();
    Viewer {
        member: m.id.clone(),
        role: m.role,
    }
}

/// A filter that matches something: the attributes of the newest charge.
fn filter_like(entry: &LedgerEntry) -> LedgerFilter {
    let u = &entry.usage;
    LedgerFilter {
        kinds: vec![entry.kind],
        statuses: vec![entry.status],
        categories: u.category.iter().cloned().collect(),
        features: u.feature.iter().cloned().collect(),
        members: u.member.iter().cloned().collect(),
        ..LedgerFilter::default()
    }
}

/// [`filter_like`] for a listing, whose rows are jobs: a capture or release is its hold's row,
/// a refund its charge's.
fn listed_like(entry: &LedgerEntry) -> LedgerFilter {
    let kind = match entry.kind {
        EntryKind::HoldCapture | EntryKind::HoldRelease => EntryKind::Hold,
        EntryKind::Refund => EntryKind::Consume,
        k => k,
    };
    LedgerFilter {
        kinds: vec![kind],
        statuses: vec![],
        ..filter_like(entry)
    }
}

fn periods() -> Vec<Period> {
    let mut all: Vec<Period> = PeriodPreset::ALL.into_iter().map(Period::preset).collect();
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    all.push(Period::custom(day(1), day(1)).unwrap());
    all.push(Period::custom(day(5), day(28)).unwrap());
    all
}

/// Every response the dashboard's read endpoints give for one preset.
fn check_views(s: &mut Schemas, d: &History) {
    let l = &d.ledger;
    let config = l.config();
    s.check(&AccountView::new(config, Some(admin(config))));
    s.check(&AccountView::new(config, None));
    s.check(config);
    s.check(&d.rate_card);
    s.check(&balance_view(l, now()).unwrap());
    s.check(&team_view(l).unwrap());

    let charge = l
        .entries()
        .iter()
        .rev()
        .find(|e| e.kind.is_usage() && e.kind != EntryKind::Refund)
        .unwrap();
    for period in periods() {
        for filter in [LedgerFilter::default(), filter_like(charge)] {
            let query = UsageQuery { period, filter };
            s.check(&query);
            s.check(&usage_view(l, &mut DailyRollup::new(), &query, now()).unwrap());
        }
    }

    let mut index = ActivityIndex::new();
    for (period, filter) in [
        (None, LedgerFilter::default()),
        (
            Some(Period::preset(PeriodPreset::Last30Days)),
            listed_like(charge),
        ),
        (
            Some(Period::preset(PeriodPreset::Last7Days)),
            LedgerFilter {
                search: Some("no such text anywhere".into()),
                ..LedgerFilter::default()
            },
        ),
    ] {
        let query = ActivityQuery {
            period,
            meter: Some(charge.meter.clone()),
            filter,
        };
        let first = PageRequest {
            query: query.clone(),
            size: 100,
            page: 1,
            snapshot: None,
        };
        let page = activity_page(l, &mut index, &first, now()).unwrap();
        let next = PageRequest {
            page: 2,
            snapshot: Some(page.snapshot),
            ..first.clone()
        };
        s.check(&first);
        s.check(&next);
        s.check(&page);
        s.check(&activity_page(l, &mut index, &next, now()).unwrap());

        let mut export = ExportRequest {
            query,
            snapshot: None,
            older_than: None,
            rows: 2000,
        };
        loop {
            s.check(&export);
            let chunk = export_chunk(l, &mut index, &export, now()).unwrap();
            s.check(&chunk);
            let Some(older_than) = chunk.older_than else {
                break;
            };
            export.snapshot = Some(chunk.snapshot);
            export.older_than = Some(older_than);
        }
    }

    let newest: Vec<LedgerEntry> = l.entries().iter().rev().take(50).cloned().collect();
    s.check(&LedgerPage {
        next: newest.last().map(|e| e.id),
        prev: None,
        total_count: l.entries().len() as u64,
        total_amount: Amount::minor(-123_456),
        entries: newest,
    });

    for n in alerts::fired(config, l.entries()) {
        s.check(&n);
    }

    // A job of every feature at every tier, as one batch estimate.
    let lines: Vec<EstimateLine> = d
        .rate_card
        .features
        .iter()
        .flat_map(|f| {
            f.prices.iter().map(|p| EstimateLine {
                feature: f.id.clone(),
                tier: p.tier.clone(),
                quantity: 3,
                label: Some(Label::new("Sc. 1 / Shot 2A").unwrap()),
            })
        })
        .collect();
    for line in &lines {
        s.check(line);
    }
    let available = |m: &MeterId| l.balance(m).map_or(Amount::ZERO, |b| b.available);
    s.check(&estimate(&d.rate_card, config, available, &lines).unwrap());
}

/// What the write endpoints take and answer, on a copy of the preset's ledger.
fn check_writes(s: &mut Schemas, d: &History) {
    let mut l = d.ledger.clone();
    let config = l.config().clone();
    let viewer = admin(&config);
    let meter = config.meters[0].id.clone();
    let t = |minutes: i64| now() + Duration::minutes(minutes);

    // A grant first, so every charge below is covered.
    let ops = [
        Operation::Grant(GrantOp {
            key: key("grant-1"),
            meter: meter.clone(),
            amount: Amount::minor(5_000_000),
            at: t(1),
            expires_at: Some(t(60 * 24 * 30)),
            usage: Usage {
                description: Some(Label::new("Welcome bonus").unwrap()),
                ..Usage::default()
            },
        }),
        Operation::Grant(GrantOp {
            key: key("grant-2"),
            meter: meter.clone(),
            amount: Amount::minor(10),
            at: t(1),
            expires_at: None,
            usage: Usage::default(),
        }),
        Operation::Consume(ConsumeOp {
            key: key("job-1"),
            meter: meter.clone(),
            amount: Amount::minor(40),
            at: t(2),
            status: JobStatus::Failed,
            usage: Usage {
                feature: Some(FeatureId::new("keyframeGenerate").unwrap()),
                category: Some(CategoryId::new("image_generation").unwrap()),
                engine: Some(Label::new("GPT-Image 2").unwrap()),
                tier: Some(TierId::new("4k").unwrap()),
                quantity: Some(Quantity {
                    amount: 2,
                    unit: QuantityUnit::GbDay,
                }),
                member: Some(viewer.member.clone()),
                project: Some(ProjectId::new("evt_2026-05.wedding").unwrap()),
                description: Some(Label::new("Tool: keyframeGenerate").unwrap()),
            },
        }),
        Operation::Purchase(PurchaseOp {
            key: key("buy-1"),
            meter: meter.clone(),
            amount: Amount::minor(500),
            at: t(3),
            price: None,
            usage: Usage::default(),
        }),
        Operation::Adjust(AdjustOp {
            key: key("support-1"),
            meter: meter.clone(),
            amount: Amount::minor(-7),
            at: t(4),
            usage: Usage::default(),
        }),
        Operation::Hold(HoldOp {
            key: key("render-1"),
            meter: meter.clone(),
            amount: Amount::minor(90),
            at: t(5),
            expires_in: Some(600),
            held_by: HeldBy::Member,
            usage: Usage::default(),
        }),
        Operation::Hold(HoldOp {
            key: key("render-2"),
            meter: meter.clone(),
            amount: Amount::minor(90),
            at: t(5),
            expires_in: Some(600),
            held_by: HeldBy::Member,
            usage: Usage::default(),
        }),
    ];
    let mut applied = Vec::new();
    for op in ops {
        s.check(&op);
        let receipt = l.apply(op).unwrap();
        s.check(&receipt);
        applied.push(receipt.first);
    }
    let (consume, hold_1, hold_2) = (applied[2], applied[5], applied[6]);
    let settle = [
        Operation::Capture(CaptureOp {
            key: key("render-1-done"),
            hold: hold_1,
            amount: Amount::minor(80),
            at: t(6),
        }),
        Operation::Release(ReleaseOp {
            key: key("render-2-failed"),
            hold: hold_2,
            at: t(6),
            status: JobStatus::Failed,
        }),
        Operation::Refund(RefundOp {
            key: key("job-1-refund"),
            of: consume,
            amount: None,
            at: t(7),
            description: None,
        }),
    ];
    for op in settle {
        s.check(&op);
        let receipt = l.apply(op).unwrap();
        s.check(&receipt);
        // A repeated key answers with the first result.
        s.check(&Receipt {
            replayed: true,
            ..receipt
        });
    }
    s.check(&Operation::Refund(RefundOp {
        key: key("job-2-refund"),
        of: consume,
        amount: Some(Amount::minor(5)),
        at: t(7),
        description: Some(Label::new("Partial refund").unwrap()),
    }));
    for e in &l.entries()[d.ledger.entries().len()..] {
        s.check(e);
    }

    // Buying, where the preset sells something.
    if let Some(offer) = config.offers.first() {
        let mut choices: Vec<PurchaseChoice> = offer
            .packs
            .iter()
            .map(|p| PurchaseChoice::Pack(p.id.clone()))
            .collect();
        if let Some(exact) = offer.exact {
            choices.push(PurchaseChoice::Exact(exact.min));
        }
        for (n, choice) in choices.into_iter().enumerate() {
            let q: Quote = quote(&config, &offer.meter, &choice).unwrap();
            let request = BuyRequest {
                meter: offer.meter.clone(),
                choice: choice.clone(),
                key: key(&format!("purchase-{n}")),
            };
            s.check(&request);
            let receipt = buy(
                &mut l,
                Some(&viewer),
                &request.meter,
                &request.choice,
                &mut DemoPayments::default(),
                request.key.clone(),
                t(10),
            )
            .unwrap();
            s.check(&BuyResult {
                quote: q,
                entry: receipt.entry,
                replayed: receipt.replayed,
                status: l.payment_status(receipt.entry).unwrap(),
            });
        }
        s.check(&Payment {
            key: key("purchase-0"),
            price: offer.packs.first().map(|p| p.price.clone()).unwrap_or(
                creditboard_domain::config::offer::Money {
                    cents: 1000,
                    currency: offer.currency.clone(),
                },
            ),
            description: "5,000 Standard".into(),
            member: None,
        });
    }

    // Spend controls, and what top-ups would do.
    let settings = AutoTopUp {
        enabled: true,
        threshold: Amount::minor(1_000),
        amount: TopUpAmount::RefillTo(Amount::minor(5_000)),
        monthly_cap: Some(Amount::minor(20_000)),
    };
    let changes = [
        SettingsChange::AutoTopUp {
            meter: meter.clone(),
            settings: Some(settings),
        },
        SettingsChange::AutoTopUp {
            meter: meter.clone(),
            settings: None,
        },
        SettingsChange::MemberCap {
            member: viewer.member.clone(),
            meter: meter.clone(),
            monthly: Some(Amount::minor(9_000)),
        },
        SettingsChange::MemberCap {
            member: viewer.member.clone(),
            meter: meter.clone(),
            monthly: None,
        },
        SettingsChange::Alerts {
            meter: meter.clone(),
            levels: vec![AlertLevel::Below(Amount::minor(100))],
        },
    ];
    for change in &changes {
        s.check(change);
    }
    s.check(&AccountView::new(
        &changes[0].apply_to(&config).unwrap(),
        None,
    ));
    for settings in [
        settings,
        AutoTopUp {
            amount: TopUpAmount::Fixed(Amount::minor(2_500)),
            monthly_cap: None,
            ..settings
        },
    ] {
        s.check(&TopUpSimulationRequest {
            meter: meter.clone(),
            settings,
        });
        let simulated = simulate_top_ups(&l, &meter, settings, Amount::minor(700), t(20), 90);
        match config.offer(&meter) {
            Some(_) => s.check(&simulated.unwrap()),
            // Top-ups where nothing is sold are refused (Lucas): nothing to answer.
            None => assert_eq!(simulated.unwrap_err().code(), "invalid_config"),
        }
    }

    // A batch render: estimate, hold every shot, settle them.
    let feature = d
        .rate_card
        .features
        .iter()
        .find(|f| {
            f.meter == meter
                && f.requires.is_empty()
                && f.prices.iter().all(|p| p.requires.is_empty())
        })
        .unwrap();
    let request = BatchRequest {
        key: key("batch-1"),
        lines: feature
            .prices
            .iter()
            .map(|p| EstimateLine {
                feature: feature.id.clone(),
                tier: p.tier.clone(),
                quantity: 1,
                label: None,
            })
            .collect(),
        project: config.projects.first().map(|p| p.id.clone()),
    };
    s.check(&request);
    let held = hold_batch(&mut l, &d.rate_card, Some(&viewer), &request, t(30)).unwrap();
    for (n, shot) in held.iter().enumerate() {
        s.check(shot);
        let outcome = if n % 2 == 0 {
            ShotOutcome::Completed {
                amount: shot.amount,
            }
        } else {
            ShotOutcome::Failed
        };
        s.check(&SettleRequest {
            key: key(&format!("settle-{n}")),
            hold: shot.hold,
            outcome,
        });
    }
}

#[test]
fn every_value_the_api_sends_matches_its_schema() {
    let mut s = Schemas::new();
    let mut kinds = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let mut entries = 0;
    for preset in PresetId::ALL {
        let d = demo(preset);
        s.check(&preset);
        for e in d.ledger.entries() {
            s.check(e);
            kinds.insert(e.kind.as_str());
            statuses.insert(e.status.as_str());
        }
        entries += d.ledger.entries().len();
        check_views(&mut s, &d);
        check_writes(&mut s, &d);
    }
    for e in [
        DomainError::UnknownMeter("minutes".into()),
        DomainError::InsufficientCredits {
            meter: "credits".into(),
            available: Amount::minor(3),
            requested: Amount::minor(40),
            decimals: 0,
        },
    ] {
        s.check(&ErrorBody::from(&e));
    }
    s.check(&RawQuery {
        period: Some("last_30_days".into()),
        kind: Some("consume,refund".into()),
        ..RawQuery::default()
    });
    s.check(&DemoPayments {
        decline: Some("card declined".into()),
        approved: 2,
    });
    for outcome in [
        PaymentOutcome::Approved {
            reference: "demo-000001".into(),
        },
        PaymentOutcome::Declined {
            reason: "insufficient funds".into(),
        },
    ] {
        s.check(&outcome);
    }
    // Adjustments come from support, never from the demo: the writes above add one.
    let missing: Vec<_> = EntryKind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !kinds.contains(k) && *k != "adjustment")
        .collect();
    assert!(missing.is_empty(), "no demo entry of kinds {missing:?}");
    assert_eq!(statuses.len(), EntryStatus::ALL.len());
    println!(
        "{entries} demo entries of {} kinds and {} schemas checked",
        kinds.len(),
        s.compiled.len()
    );
}

#[test]
fn wrong_shapes_are_refused() {
    let mut s = Schemas::new();
    let d = generate(&HistoryOptions {
        days: 60,
        ..HistoryOptions::new(PresetId::Videogen, now())
    })
    .unwrap();
    let l = &d.ledger;
    let entry = serde_json::to_value(&l.entries()[0]).unwrap();
    let with = |mut v: Value, field: &str, value: Value| {
        v[field] = value;
        v
    };
    let without = |mut v: Value, field: &str| {
        v.as_object_mut().unwrap().remove(field);
        v
    };
    assert!(s.is_valid("LedgerEntry", &entry));

    // Amounts are integers of minor units, never text or fractions.
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "amount", json!("12")));
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "amount", json!(1.5)));
    // Ids are integers; times are RFC 3339.
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "id", json!("#1")));
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "at", json!("yesterday")));
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "kind", json!("teleport")));
    s.both_refuse::<LedgerEntry>(without(entry.clone(), "balance_after"));
    // Fields serde leaves out when empty may be absent, but not null when they never are.
    assert!(s.is_valid("LedgerEntry", &without(entry.clone(), "usage")));
    s.both_refuse::<LedgerEntry>(with(entry.clone(), "split", Value::Null));

    // An `Option` serde always writes is required, and may be null.
    let account = serde_json::to_value(AccountView::new(l.config(), None)).unwrap();
    assert!(s.is_valid("AccountView", &account));
    s.refuses::<AccountView>(without(account.clone(), "viewer"));
    s.both_refuse::<AccountView>(with(account.clone(), "timezone", json!(7)));
    let balance = serde_json::to_value(balance_view(l, now()).unwrap()).unwrap();
    let meter_balance = &balance["meters"][0]["balance"];
    s.refuses::<creditboard_domain::ledger::MeterBalance>(without(
        meter_balance.clone(),
        "next_refill",
    ));

    // Validated strings.
    s.both_refuse::<MeterId>(json!("has space"));
    s.both_refuse::<MeterId>(json!("x".repeat(65)));
    s.both_refuse::<MeterId>(json!(""));
    s.both_refuse::<AccountId>(json!("slash/"));
    s.both_refuse::<IdempotencyKey>(json!("a##b"));
    s.both_refuse::<IdempotencyKey>(json!("#"));
    s.both_refuse::<Label>(json!("   "));
    s.refuses::<Label>(json!(" padded "));
    s.both_refuse::<Label>(json!("bell\u{7}"));

    // Enums: tags and variants as serde spells them.
    let consume = serde_json::to_value(Operation::Consume(ConsumeOp {
        key: key("job-1"),
        meter: MeterId::new("credits").unwrap(),
        amount: Amount::minor(5),
        at: now(),
        status: JobStatus::Success,
        usage: Usage::default(),
    }))
    .unwrap();
    assert_eq!(consume["op"], "consume");
    assert!(s.is_valid("Operation", &consume));
    s.both_refuse::<Operation>(with(consume.clone(), "op", json!("teleport")));
    s.both_refuse::<Operation>(without(consume.clone(), "op"));
    s.both_refuse::<Operation>(with(consume.clone(), "op", json!("hold_capture")));
    s.both_refuse::<Operation>(without(consume.clone(), "key"));
    s.both_refuse::<Period>(json!({"preset": "forever"}));
    s.both_refuse::<Period>(json!("last_30_days"));
    s.both_refuse::<Period>(json!({"custom": {"from": "2026-03-01"}}));
    s.both_refuse::<ShotOutcome>(json!("completed"));
    s.both_refuse::<PurchaseChoice>(json!({"exact": "12.00"}));
    s.both_refuse::<TopUpAmount>(json!({"fixed": 10, "refill_to": 10}));
    s.both_refuse::<DateRange>(json!({"from": "2026-03-01", "until": "2026-03-02"}));
    s.both_refuse::<BuyRequest>(json!({"meter": "credits", "choice": {"pack": "p"}}));
}

/// The hand-written string schemas say exactly what the types accept and write: a string is
/// valid for the schema when serde reads it and writes it back unchanged.
#[test]
fn string_schemas_agree_with_validation() {
    let mut s = Schemas::new();
    let mut candidates: Vec<String> = [
        "",
        "a",
        "credits",
        "keyframeGenerate",
        "evt_2026-05.wedding",
        "a:b",
        "4k",
        "has space",
        "emoji🙂",
        "slash/",
        "job-1#top-up",
        "#refill#credits#2026-11-01",
        "#refill",
        "a##b",
        "#",
        "a#",
        "Tool: keyframeGenerate",
        "  padded",
        "padded  ",
        "tab\tinside",
        "bell\u{7}",
        "\u{a0}nbsp",
        "Sc. 12 / Shot 3A",
        "Ünïcödé 🙂",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for n in [63, 64, 65, 127, 128, 129, 199, 200, 201] {
        candidates.push("x".repeat(n));
        candidates.push("é".repeat(n));
        candidates.push(format!("#{}#{}", "k".repeat(n), "k".repeat(n)));
    }
    // Derived keys: at most 512 characters in all.
    candidates.push(format!("#{}", vec!["k".repeat(127); 4].join("#")));
    candidates.push(format!("#{}", vec!["k".repeat(128); 4].join("#")));

    fn agrees<T: ToSchema + DeserializeOwned + Serialize>(s: &mut Schemas, text: &str) {
        let value = json!(text);
        let canonical = serde_json::from_value::<T>(value.clone())
            .is_ok_and(|v| serde_json::to_value(v).unwrap() == value);
        assert_eq!(
            s.is_valid(&T::name(), &value),
            canonical,
            "{}: {text:?}",
            T::name()
        );
    }
    for text in &candidates {
        agrees::<MeterId>(&mut s, text);
        agrees::<CategoryId>(&mut s, text);
        agrees::<FeatureId>(&mut s, text);
        agrees::<TierId>(&mut s, text);
        agrees::<MemberId>(&mut s, text);
        agrees::<ProjectId>(&mut s, text);
        agrees::<AccountId>(&mut s, text);
        agrees::<IdempotencyKey>(&mut s, text);
        agrees::<Label>(&mut s, text);
    }
    for zone in ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"] {
        let tz = serde_json::to_value(Timezone::new(zone).unwrap()).unwrap();
        assert!(s.is_valid("Timezone", &tz));
    }
    s.refuses::<Timezone>(json!(""));
    s.refuses::<EntryId>(json!(-1));
}
