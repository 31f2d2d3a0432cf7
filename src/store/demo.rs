//! The in-browser demo: a product's generated history (a preset's, or the host's own
//! configuration's) in the domain's account aggregate, for designers and static demos. It is
//! the same aggregate the server runs, not a mock: a call is answered by the domain's
//! `dispatch`, as the server answers it. The app runs it in a Web Worker (see `worker`);
//! browser tests run it in the page.
//!
//! What is kept in the browser is small: when the history was generated, the member viewed
//! as, and the calls a designer made that changed something. Generation is deterministic, so
//! the account is rebuilt from those on start-up; a million-entry ledger never has to fit in
//! local storage. An untouched demo is generated afresh on every start, so its history always
//! ends now.

use super::{Backend, DemoControls, Knobs, Sent, StoreError, StoreFuture, to_js};
use chrono::{DateTime, Utc};
use creditboard_domain::access::{self, Caller};
use creditboard_domain::account::Account;
use creditboard_domain::api::call::Asker;
use creditboard_domain::api::dispatch::{self, Undispatched, Wire};
use creditboard_domain::billing::DemoPayments;
use creditboard_domain::entry::{ConsumeOp, JobStatus, Operation, Quantity, QuantityUnit, Usage};
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::ids::{IdempotencyKey, Label, MemberId};
use creditboard_domain::preset::{PresetId, Product};
use serde::{Deserialize, Serialize};
use std::sync::{Mutex, MutexGuard};
use wasm_bindgen::JsValue;

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
    /// A call that changed the account (a purchase, a setting, a batch, a settlement).
    Call {
        name: String,
        request: serde_json::Value,
        caller: Caller,
        at: DateTime<Utc>,
    },
    /// An operation the demo reported as the host's service would (a sample job).
    Apply(Operation),
}

/// Requests and answers as the worker's messages carry them (and the demo replays its steps).
pub struct JsWire;

impl Wire for JsWire {
    type Value = JsValue;

    fn decode<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }

    fn encode<T: Serialize>(value: &T) -> Result<JsValue, String> {
        to_js(value).map_err(|e| e.to_string())
    }
}

impl From<Undispatched> for StoreError {
    fn from(e: Undispatched) -> Self {
        match e {
            Undispatched::Refused(e) => e.into(),
            Undispatched::Unreadable(why) => {
                StoreError::Unavailable(format!("The demo data could not answer: {why}"))
            }
        }
    }
}

struct State {
    account: Account,
    saved: Saved,
    payments: DemoPayments,
}

impl State {
    /// Who the demo is viewed as: the designer's choice, or the first admin.
    fn caller(&self) -> Caller {
        let config = self.account.config();
        self.saved
            .viewer
            .as_ref()
            .and_then(|id| config.member(id))
            .or_else(|| access::admin_contact(&config.members))
            .or(config.members.first())
            .map_or(Caller::ReadOnly, |m| Caller::Member(m.id.clone()))
    }

    /// Runs a step again (at start-up). Purchases were paid when they were made: they are
    /// approved again whatever the designer has set since.
    fn replay(&mut self, step: &Step) -> Result<(), StoreError> {
        match step {
            Step::Call {
                name,
                request,
                caller,
                at,
            } => {
                // Kept as JSON, asked as the worker's messages are: one wire, one set of codecs.
                let request = to_js(request)?;
                let decline = self.payments.decline.take();
                let mut asker = Asker {
                    caller,
                    now: *at,
                    payments: &mut self.payments,
                };
                let done =
                    dispatch::dispatch::<JsWire>(name, request, &mut self.account, &mut asker);
                self.payments.decline = decline;
                done?;
            }
            Step::Apply(op) => {
                self.account.apply(&Caller::Service, op.clone())?;
            }
        }
        Ok(())
    }
}

/// The demo of one product (a preset, or a host's own).
pub struct DemoStore {
    product: Product,
    scale_percent: u32,
    clock: fn() -> DateTime<Utc>,
    persist: Box<dyn Persist>,
    state: Mutex<Option<State>>,
    knobs: Knobs,
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
            knobs: Knobs::default(),
        }
    }

    /// Builds the demo's history now rather than on the first request.
    pub fn prepare(&self) {
        // A failure here is met again, and answered, by the first request.
        let _ = self.with_state(|_, _| Ok(()));
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
        format!("creditboard.demo.v3.{name}.{scale_percent}")
    }

    fn key(&self) -> String {
        DemoStore::storage_key(&self.product, self.scale_percent)
    }

    fn lock(&self) -> MutexGuard<'_, Option<State>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers the call `name` with `request` as the member viewed as, now. A call that
    /// changed something is kept for the next start; a refused one changes and keeps nothing.
    pub fn answer(&self, name: &str, request: JsValue) -> Result<JsValue, StoreError> {
        let changes = dispatch::route(name).is_some_and(|r| r.changes);
        self.with_state(|s, now| {
            let caller = s.caller();
            let kept = changes
                .then(|| serde_wasm_bindgen::from_value::<serde_json::Value>(request.clone()).ok())
                .flatten();
            let mut asker = Asker {
                caller: &caller,
                now,
                payments: &mut s.payments,
            };
            let reply = dispatch::dispatch::<JsWire>(name, request, &mut s.account, &mut asker)?;
            if let Some(request) = kept {
                self.keep(
                    s,
                    Step::Call {
                        name: name.to_string(),
                        request,
                        caller,
                        at: now,
                    },
                )?;
            }
            Ok(reply)
        })
    }

    /// Waits as a real backend would: before the first (expensive) generation at least one
    /// turn of the browser, so the loading state gets painted.
    async fn answer_later(&self) -> Result<(), StoreError> {
        let first = self.lock().is_none();
        self.knobs.before_answer(first).await
    }

    /// Runs `f` on the demo's state, its account brought up to now (refills and expiries
    /// written).
    fn with_state<T>(
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
        if now > state.account.ledger().now() {
            state.account.advance_to(now)?;
        }
        f(state, now)
    }

    /// Generates the history and replays the designer's steps on it. Saved state that no
    /// longer applies (an older version, edited by hand) is dropped, not trusted.
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
        let history = generate(&HistoryOptions {
            scale_percent: self.scale_percent,
            ..HistoryOptions::new(self.product.clone(), saved.generated_at)
        })?;
        let mut state = State {
            account: Account::new(history.ledger, history.rate_card),
            saved,
            payments: DemoPayments::default(),
        };
        for step in state.saved.steps.clone() {
            state.replay(&step)?;
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
}

/// A typical quantity of one job of a feature priced per `unit`.
fn sample_quantity(unit: QuantityUnit) -> u64 {
    match unit {
        QuantityUnit::Second => 8,
        QuantityUnit::Character => 600,
        _ => 1,
    }
}

/// In the page (browser tests), the demo answers directly.
impl Backend for DemoStore {
    fn send(&self, call: Sent) -> StoreFuture<'_, JsValue> {
        Box::pin(async move {
            self.answer_later().await?;
            self.answer(call.name, call.request)
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
            .map_or(0, |s| s.account.ledger().entries().len())
    }

    fn reset(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.persist.remove(&self.key());
            *self.lock() = None;
            self.with_state(|_, _| Ok(()))
        })
    }

    fn run_sample_job(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            self.answer_later().await?;
            self.with_state(|s, now| {
                let card = s.account.rate_card();
                let n = s.saved.steps.len();
                let feature = card
                    .features
                    .get(n % card.features.len().max(1))
                    .ok_or_else(|| {
                        StoreError::Unavailable("this product has no features to run".into())
                    })?
                    .clone();
                let tier = feature.prices.first().and_then(|p| p.tier.clone());
                let quantity = sample_quantity(feature.unit);
                let cost = feature.price(tier.as_ref())?.price.cost(quantity)?;
                let member = match s.caller() {
                    Caller::Member(m) => Some(m),
                    _ => None,
                };
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
                        member,
                        project: None,
                        description: Label::new("Sample job from the demo menu").ok(),
                    },
                });
                let meter = s.account.config().meter(&feature.meter)?.clone();
                // The demo reports the job as the host's service would.
                s.account.apply(&Caller::Service, op.clone())?;
                self.keep(s, Step::Apply(op))?;
                Ok(format!(
                    "Ran “{}” for {}.",
                    feature.name,
                    crate::format::amount(cost, &meter)
                ))
            })
        })
    }

    fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    fn set_viewer(&self, member: MemberId) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.with_state(|s, _| {
                if s.account.config().member(&member).is_none() {
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
            self.knobs.set_declining(reason.is_some());
            self.with_state(|s, _| {
                s.payments.decline = reason;
                Ok(())
            })
        })
    }
}
