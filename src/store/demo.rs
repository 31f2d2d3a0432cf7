//! The in-browser demo store: a product preset's generated history in a real domain ledger,
//! for designers and static demos. It is the same ledger the server runs, not a mock. The
//! app runs it in a Web Worker (see `worker`); browser tests run it in the page.
//!
//! What is kept in the browser is small: when the history was generated and the operations a
//! designer ran since. Generation is deterministic, so the ledger is rebuilt from those on
//! start-up; a million-entry ledger never has to fit in local storage. An untouched demo is
//! generated afresh on every start, so its history always ends now.

use super::{CreditStore, DemoControls, StoreError, StoreFuture};
use crate::browser;
use chrono::{DateTime, Utc};
use creditboard_domain::access;
use creditboard_domain::account::SettingsChange;
use creditboard_domain::activity::{self, ActivityPage, ExportChunk, ExportRequest, PageRequest};
use creditboard_domain::alerts::{AlertLog, Notification};
use creditboard_domain::api::{
    self, AccountView, BalanceView, BuyRequest, BuyResult, TeamView, TopUpSimulationRequest,
    UsageQuery, UsageView, Viewer,
};
use creditboard_domain::batch::{self, BatchRequest, HeldShot, SettleRequest};
use creditboard_domain::billing::{DemoPayments, TopUpSimulation};
use creditboard_domain::demo::{DemoAccount, DemoOptions, generate};
use creditboard_domain::entry::{
    ConsumeOp, JobStatus, Operation, PurchaseOp, Quantity, QuantityUnit, Usage,
};
use creditboard_domain::ids::{IdempotencyKey, Label, MemberId};
use creditboard_domain::preset::{PresetId, Product};
use creditboard_domain::ratecard::{Estimate, EstimateLine, RateCard};
use creditboard_domain::rollup::DailyRollup;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Where the demo keeps what a designer changed (the browser's local storage, or nothing).
pub trait Persist: Send + Sync {
    fn load(&self, key: &str) -> Option<String>;
    fn save(&self, key: &str, value: &str);
    fn remove(&self, key: &str);
}

/// Keeps nothing (tests, or a page that must not write to storage).
pub struct NoPersist;

impl Persist for NoPersist {
    fn load(&self, _: &str) -> Option<String> {
        None
    }
    fn save(&self, _: &str, _: &str) {}
    fn remove(&self, _: &str) {}
}

/// What survives a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    generated_at: DateTime<Utc>,
    /// The member the demo is viewed as (`None`: the first admin).
    #[serde(default)]
    viewer: Option<MemberId>,
    steps: Vec<Step>,
}

/// One thing a designer did, replayed through the same domain function on the next start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Step {
    Op(Operation),
    Configure(SettingsChange),
    Batch {
        request: BatchRequest,
        viewer: Option<Viewer>,
        at: DateTime<Utc>,
    },
    Settle {
        request: SettleRequest,
        at: DateTime<Utc>,
    },
}

struct State {
    demo: DemoAccount,
    saved: Saved,
    /// What Activity listings scan, built on first use and kept up with the ledger.
    index: activity::ActivityIndex,
    /// What usage summaries read, kept up with the ledger the same way.
    rollup: DailyRollup,
    alerts: AlertLog,
    payments: DemoPayments,
}

impl State {
    /// The member the demo is viewed as: the designer's choice, or the first admin.
    fn viewer(&self) -> Option<Viewer> {
        let config = self.demo.ledger.config();
        self.saved
            .viewer
            .as_ref()
            .and_then(|id| config.member(id))
            .or_else(|| config.admin_contact())
            .or(config.members.first())
            .map(|m| Viewer {
                member: m.id.clone(),
                role: m.role,
            })
    }

    fn apply(&mut self, step: &Step) -> Result<(), StoreError> {
        let ledger = &mut self.demo.ledger;
        match step {
            Step::Op(op) => {
                ledger.apply(op.clone())?;
            }
            Step::Configure(change) => {
                // Alerts fire when entries are written: what the old levels saw stays, and
                // new levels only look at entries from now on.
                if matches!(change, SettingsChange::Alerts { .. }) {
                    self.alerts.catch_up(&self.demo.ledger);
                }
                self.demo.ledger.configure(change)?;
            }
            Step::Batch {
                request,
                viewer,
                at,
            } => {
                batch::hold_batch(ledger, &self.demo.rate_card, viewer.as_ref(), request, *at)?;
            }
            Step::Settle { request, at } => batch::settle(ledger, request, *at)?,
        }
        Ok(())
    }
}

/// The demo store of one product (a preset, or a host's own).
pub struct DemoStore {
    product: Product,
    scale_percent: u32,
    clock: fn() -> DateTime<Utc>,
    persist: Box<dyn Persist>,
    state: Mutex<Option<State>>,
    fail_next: AtomicU32,
    latency_ms: AtomicU32,
    declining: AtomicBool,
}

impl DemoStore {
    /// The demo of `product` at its normal activity (`scale_percent` 100), kept in `persist`.
    pub fn new(
        product: impl Into<Product>,
        scale_percent: u32,
        clock: fn() -> DateTime<Utc>,
        persist: Box<dyn Persist>,
    ) -> Self {
        DemoStore {
            product: product.into(),
            scale_percent,
            clock,
            persist,
            state: Mutex::new(None),
            fail_next: AtomicU32::new(0),
            latency_ms: AtomicU32::new(0),
            declining: AtomicBool::new(false),
        }
    }

    /// Builds the demo's history now rather than on the first request.
    pub fn prepare(&self) {
        // A failure here is met again, and answered, by the first request.
        let _ = self.with_ledger(|_, _| Ok(()));
    }

    /// Where a demo's saved state is kept in the browser's local storage: a host's own
    /// product under a hash of its configuration, so a changed one starts afresh.
    pub fn storage_key(product: &Product, scale_percent: u32) -> String {
        let name = match product {
            Product::Preset(id) => id.slug().to_string(),
            Product::Custom(config) => {
                let json = serde_json::to_string(config).unwrap_or_default();
                // FNV-1a: the same on every build and browser, unlike the std hasher.
                let hash = json.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
                });
                format!("custom-{hash:016x}")
            }
        };
        format!("creditboard.demo.v2.{name}.{scale_percent}")
    }

    fn key(&self) -> String {
        DemoStore::storage_key(&self.product, self.scale_percent)
    }

    fn lock(&self) -> MutexGuard<'_, Option<State>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits as a real backend would: a designer's chosen latency, and before the first
    /// (expensive) generation one turn of the browser, so the loading state gets painted.
    async fn answer_later(&self) -> Result<(), StoreError> {
        let first = self.lock().is_none();
        let latency = self.latency_ms.load(Ordering::Relaxed);
        if latency > 0 || first {
            browser::sleep(latency).await;
        }
        let failing = self
            .fail_next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if failing.is_ok() {
            return Err(StoreError::Unavailable(
                "The demo store failed this request on purpose (Demo → Simulate an error).".into(),
            ));
        }
        Ok(())
    }

    /// Runs `f` on the ledger, brought up to now (refills and expiries written).
    fn with_ledger<T>(
        &self,
        f: impl FnOnce(&mut State, DateTime<Utc>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let now = (self.clock)();
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(self.build(now)?);
        }
        let state = guard
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("the demo data is missing".into()))?;
        if now > state.demo.ledger.now() {
            state.demo.ledger.advance_to(now)?;
        }
        f(state, now)
    }

    /// Generates the history and replays the designer's operations on it. Saved state that
    /// no longer applies (an older version, edited by hand) is dropped, not trusted.
    fn build(&self, now: DateTime<Utc>) -> Result<State, StoreError> {
        let saved = self
            .persist
            .load(&self.key())
            .and_then(|text| serde_json::from_str::<Saved>(&text).ok())
            .filter(|s| (!s.steps.is_empty() || s.viewer.is_some()) && s.generated_at <= now);
        if let Some(saved) = saved {
            if let Ok(state) = self.replay(saved) {
                return Ok(state);
            }
            self.persist.remove(&self.key());
        }
        self.replay(Saved {
            generated_at: now,
            viewer: None,
            steps: Vec::new(),
        })
    }

    fn replay(&self, saved: Saved) -> Result<State, StoreError> {
        let demo = generate(&DemoOptions {
            scale_percent: self.scale_percent,
            ..DemoOptions::new(self.product.clone(), saved.generated_at)
        })?;
        let mut state = State {
            demo,
            saved,
            index: activity::ActivityIndex::new(),
            rollup: DailyRollup::new(),
            alerts: AlertLog::default(),
            payments: DemoPayments::default(),
        };
        for step in state.saved.steps.clone() {
            state.apply(&step)?;
        }
        Ok(state)
    }

    /// Keeps a step the designer took (already applied) for the next start.
    fn keep(&self, state: &mut State, step: Step) -> Result<(), StoreError> {
        state.saved.steps.push(step);
        self.save(state)
    }

    fn save(&self, state: &State) -> Result<(), StoreError> {
        let text = serde_json::to_string(&state.saved)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        self.persist.save(&self.key(), &text);
        Ok(())
    }

    /// Applies a designer's step and keeps it; a refused step changes and keeps nothing.
    fn run(&self, state: &mut State, step: Step) -> Result<(), StoreError> {
        state.apply(&step)?;
        self.keep(state, step)
    }
}

/// The operation a purchase wrote, to replay it without paying again.
fn purchase_op(entry: &creditboard_domain::LedgerEntry) -> Operation {
    Operation::Purchase(PurchaseOp {
        key: entry.key.clone(),
        meter: entry.meter.clone(),
        amount: entry.amount,
        at: entry.at,
        usage: entry.usage.clone(),
    })
}

/// A typical quantity of one job of a feature priced per `unit`.
fn sample_quantity(unit: QuantityUnit) -> u64 {
    match unit {
        QuantityUnit::Second => 8,
        QuantityUnit::Character => 600,
        _ => 1,
    }
}

impl CreditStore for DemoStore {
    fn account(&self) -> StoreFuture<'_, AccountView> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| Ok(AccountView::new(s.demo.ledger.config(), s.viewer())))
        })
    }

    fn rate_card(&self) -> StoreFuture<'_, RateCard> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| Ok(s.demo.rate_card.clone()))
        })
    }

    fn balance(&self) -> StoreFuture<'_, BalanceView> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| Ok(api::balance_view(&s.demo.ledger, now)?))
        })
    }

    fn usage(&self, query: UsageQuery) -> StoreFuture<'_, UsageView> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| {
                Ok(api::usage_view(&s.demo.ledger, &mut s.rollup, &query, now)?)
            })
        })
    }

    fn activity(&self, request: PageRequest) -> StoreFuture<'_, ActivityPage> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| {
                Ok(activity::activity_page(
                    &s.demo.ledger,
                    &mut s.index,
                    &request,
                    now,
                )?)
            })
        })
    }

    fn export(&self, request: ExportRequest) -> StoreFuture<'_, ExportChunk> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| Ok(activity::export_chunk(&s.demo.ledger, &request, now)?))
        })
    }

    fn estimate(&self, lines: Vec<EstimateLine>) -> StoreFuture<'_, Estimate> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| Ok(api::estimate(&s.demo.ledger, &s.demo.rate_card, &lines)?))
        })
    }

    fn buy(&self, request: BuyRequest) -> StoreFuture<'_, BuyResult> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| {
                let viewer = s.viewer();
                let bought = api::buy(
                    &mut s.demo.ledger,
                    viewer.as_ref(),
                    &request,
                    &mut s.payments,
                    now,
                )?;
                if !bought.replayed {
                    let entry = s.demo.ledger.entry(bought.entry).cloned();
                    if let Some(entry) = entry {
                        self.keep(s, Step::Op(purchase_op(&entry)))?;
                    }
                }
                Ok(bought)
            })
        })
    }

    fn configure(&self, change: SettingsChange) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| {
                access::authorize(s.demo.ledger.config(), s.viewer().as_ref(), change.action())?;
                self.run(s, Step::Configure(change))
            })
        })
    }

    fn simulate_top_ups(
        &self,
        request: TopUpSimulationRequest,
    ) -> StoreFuture<'_, TopUpSimulation> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| Ok(api::simulate_top_ups(&s.demo.ledger, &request, now)?))
        })
    }

    fn notifications(&self) -> StoreFuture<'_, Vec<Notification>> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| Ok(s.alerts.latest(&s.demo.ledger)))
        })
    }

    fn team(&self) -> StoreFuture<'_, TeamView> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, _| Ok(api::team_view(&s.demo.ledger)?))
        })
    }

    fn hold_batch(&self, request: BatchRequest) -> StoreFuture<'_, Vec<HeldShot>> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| {
                let viewer = s.viewer();
                let held = batch::hold_batch(
                    &mut s.demo.ledger,
                    &s.demo.rate_card,
                    viewer.as_ref(),
                    &request,
                    now,
                )?;
                self.keep(
                    s,
                    Step::Batch {
                        request,
                        viewer,
                        at: now,
                    },
                )?;
                Ok(held)
            })
        })
    }

    fn settle(&self, request: SettleRequest) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| self.run(s, Step::Settle { request, at: now }))
        })
    }

    fn demo(&self) -> Option<&dyn DemoControls> {
        Some(self)
    }
}

impl DemoControls for DemoStore {
    fn preset(&self) -> Option<PresetId> {
        self.product.preset_id()
    }

    fn entry_count(&self) -> usize {
        self.lock()
            .as_ref()
            .map_or(0, |s| s.demo.ledger.entries().len())
    }

    fn reset(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.persist.remove(&self.key());
            *self.lock() = None;
            self.with_ledger(|_, _| Ok(()))
        })
    }

    fn run_sample_job(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_ledger(|s, now| {
                let card = &s.demo.rate_card;
                let n = s.saved.steps.len();
                let feature = card
                    .features
                    .get(n % card.features.len().max(1))
                    .ok_or_else(|| {
                        StoreError::Unavailable("this product has no features to run".into())
                    })?;
                let tier = feature.prices.first().and_then(|p| p.tier.clone());
                let quantity = sample_quantity(feature.unit);
                let cost = feature.price(tier.as_ref())?.price.cost(quantity)?;
                let viewer = s.viewer();
                let op = Operation::Consume(ConsumeOp {
                    key: IdempotencyKey::new(&format!("demo-sample-{}-{n}", now.timestamp()))?,
                    meter: feature.meter.clone(),
                    amount: cost,
                    at: now,
                    status: JobStatus::Success,
                    usage: Usage {
                        feature: Some(feature.id.clone()),
                        category: Some(feature.category.clone()),
                        engine: feature.engine.clone(),
                        tier,
                        quantity: Some(Quantity {
                            amount: quantity,
                            unit: feature.unit,
                        }),
                        member: viewer.map(|v| v.member),
                        project: None,
                        description: Label::new("Sample job from the demo menu").ok(),
                    },
                });
                let name = feature.name.clone();
                let meter = s.demo.ledger.config().meter(&feature.meter)?.clone();
                self.run(s, Step::Op(op))?;
                Ok(format!(
                    "Ran “{name}” for {}.",
                    crate::format::amount(cost, &meter)
                ))
            })
        })
    }

    fn fail_next_request(&self) {
        self.fail_next.fetch_add(1, Ordering::Relaxed);
    }

    fn set_latency(&self, millis: u32) {
        self.latency_ms.store(millis, Ordering::Relaxed);
    }

    fn latency(&self) -> u32 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.with_ledger(|s, _| {
                if s.demo.ledger.config().member(&member).is_none() {
                    return Err(StoreError::Rejected {
                        code: "unknown_member".into(),
                        message: format!("there is no member “{member}”"),
                    });
                }
                s.saved.viewer = Some(member);
                self.save(s)
            })
        })
    }

    fn set_declining(&self, reason: Option<String>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.declining.store(reason.is_some(), Ordering::Relaxed);
            self.with_ledger(|s, _| {
                s.payments.decline = reason;
                Ok(())
            })
        })
    }

    fn declining(&self) -> bool {
        self.declining.load(Ordering::Relaxed)
    }
}
