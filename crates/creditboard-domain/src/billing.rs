//! Buying credits and what automatic top-ups would cost.
//!
//! A purchase is quoted from the meter's offer, authorized, checked against the ledger, paid
//! through a [`PaymentProvider`] and only then written: a declined payment adds nothing, and
//! an accepted one always gets its credits.

use crate::access::{Action, authorize};
use crate::account::{
    AccountConfig, AutoTopUp, BucketKind, MeterConfig, Money, PurchaseOffer, SettingsChange,
};
use crate::amount::Amount;
use crate::api::Viewer;
use crate::entry::{ConsumeOp, EntryKind, JobStatus, Operation, PurchaseOp, Receipt, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Label, MeterId};
use crate::ledger::Ledger;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What the buyer picked: a pack by id, or an exact amount in the meter's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PurchaseChoice {
    Pack(String),
    Exact(Amount),
}

/// What a purchase adds and costs, shown in the confirmation step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub meter: MeterId,
    pub credits: Amount,
    pub price: Money,
    /// The bucket the account's rules put purchases in.
    pub into: BucketKind,
    /// "5,000 Standard" or "Exact amount".
    pub description: String,
}

/// Price of `amount` (minor units of a meter with `decimals`) at `cents_per_unit`, rounded up
/// to the cent.
pub fn price_of(amount: Amount, decimals: u8, offer: &PurchaseOffer) -> Result<Money> {
    let scale = 10i128.pow(u32::from(decimals));
    let raw = i128::from(amount.get()) * i128::from(offer.cents_per_unit);
    let cents =
        i64::try_from((raw + scale - 1).div_euclid(scale)).map_err(|_| DomainError::Overflow)?;
    Ok(Money {
        cents,
        currency: offer.currency.clone(),
    })
}

pub fn quote(config: &AccountConfig, meter: &MeterId, choice: &PurchaseChoice) -> Result<Quote> {
    let m = config.meter(meter)?;
    quote_offer(m, config.offer(meter), choice)
}

/// [`quote`] from a meter and its offer alone (what a page showing the offer holds).
pub fn quote_offer(
    m: &MeterConfig,
    offer: Option<&PurchaseOffer>,
    choice: &PurchaseChoice,
) -> Result<Quote> {
    let offer = offer.ok_or_else(|| DomainError::NotForSale(m.name.clone()))?;
    let (credits, price, description) = match choice {
        PurchaseChoice::Pack(id) => {
            let pack = offer
                .packs
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| DomainError::UnknownPack(id.clone()))?;
            (pack.credits, pack.price.clone(), pack.name.clone())
        }
        PurchaseChoice::Exact(amount) => {
            let range = offer
                .exact
                .ok_or_else(|| DomainError::NotForSale(format!("an exact amount of {}", m.name)))?;
            if *amount < range.min || *amount > range.max {
                return Err(DomainError::AmountOutsideOffer {
                    min: range.min,
                    max: range.max,
                    decimals: m.decimals,
                });
            }
            (
                *amount,
                price_of(*amount, m.decimals, offer)?,
                "Exact amount".to_owned(),
            )
        }
    };
    Ok(Quote {
        meter: m.id.clone(),
        credits,
        price,
        into: m.purchases.into,
        description,
    })
}

/// What a payment provider is asked to charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// The purchase's idempotency key: a provider charges a key once.
    pub key: IdempotencyKey,
    pub price: Money,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    Approved { reference: String },
    Declined { reason: String },
}

/// Takes payments. The demo's provider approves or declines as a designer chose; a host
/// product plugs in its own.
pub trait PaymentProvider {
    fn charge(&mut self, payment: &Payment) -> PaymentOutcome;
}

/// The demo's payments: approves everything, or declines with a card issuer's reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoPayments {
    /// `Some(reason)`: every payment is declined with it.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub decline: Option<String>,
    pub approved: u32,
}

impl PaymentProvider for DemoPayments {
    fn charge(&mut self, _: &Payment) -> PaymentOutcome {
        match &self.decline {
            Some(reason) => PaymentOutcome::Declined {
                reason: reason.clone(),
            },
            None => {
                self.approved += 1;
                PaymentOutcome::Approved {
                    reference: format!("demo-{:06}", self.approved),
                }
            }
        }
    }
}

/// Buys credits for `viewer`: authorize, quote, check, pay, write. A repeated key answers with
/// the first purchase and charges nothing.
pub fn buy(
    ledger: &mut Ledger,
    viewer: Option<&Viewer>,
    meter: &MeterId,
    choice: &PurchaseChoice,
    provider: &mut dyn PaymentProvider,
    key: IdempotencyKey,
    at: DateTime<Utc>,
) -> Result<Receipt> {
    authorize(ledger.config(), viewer, Action::BuyCredits)?;
    let q = quote(ledger.config(), meter, choice)?;
    let op = |reference: &str| {
        Operation::Purchase(PurchaseOp {
            key: key.clone(),
            meter: meter.clone(),
            amount: q.credits,
            at,
            usage: Usage {
                member: viewer.map(|v| v.member.clone()),
                description: Label::new(&format!("Purchase: {} ({reference})", q.description)).ok(),
                ..Usage::default()
            },
        })
    };
    if ledger.knows_key(&key) {
        return ledger.apply(op("repeated"));
    }
    ledger.check_credit(meter, q.credits)?;
    let payment = Payment {
        key: key.clone(),
        price: q.price.clone(),
        description: q.description.clone(),
    };
    match provider.charge(&payment) {
        PaymentOutcome::Declined { reason } => Err(DomainError::PaymentDeclined(reason)),
        PaymentOutcome::Approved { reference } => ledger.apply(op(&reference)),
    }
}

/// One local calendar month of a top-up simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpMonth {
    pub year: i32,
    pub month: u32,
    pub top_ups: u32,
    pub credits: Amount,
    /// What they would be charged, when the meter has an offer.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub price: Option<Money>,
    /// A top-up was due but the monthly cap held it back.
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpSimulation {
    pub burn_per_day: Amount,
    pub days: u32,
    pub months: Vec<TopUpMonth>,
    /// The first local day the balance could not cover the usage, if it came.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub runs_dry_on: Option<chrono::NaiveDate>,
}

/// How often `settings` would top `meter` up over the next `days` at `burn_per_day`, by
/// letting a fork of the ledger (refills, expiries, the cap and all) play it hour by hour.
pub fn simulate_top_ups(
    ledger: &Ledger,
    meter: &MeterId,
    settings: AutoTopUp,
    burn_per_day: Amount,
    now: DateTime<Utc>,
    days: u32,
) -> Result<TopUpSimulation> {
    let config = ledger.config();
    let m = config.meter(meter)?.clone();
    let tz = config.timezone;
    let offer = config.offer(meter).cloned();
    let mut sim = ledger.fork();
    sim.configure(&SettingsChange::AutoTopUp {
        meter: meter.clone(),
        settings: Some(AutoTopUp {
            enabled: true,
            ..settings
        }),
    })?;
    sim.advance_to(now.max(ledger.now()))?;
    let start = sim.now();
    let burn = burn_per_day.get().max(0);
    let mut months: Vec<TopUpMonth> = Vec::new();
    let mut runs_dry_on = None;
    let hours = i64::from(days.min(366)) * 24;
    for h in 1..=hours {
        // Spread a day's usage over its hours, the remainder on the first ones.
        let share = burn / 24 + i64::from((h - 1) % 24 < burn % 24);
        let at = start + Duration::hours(h);
        let before = sim.entries().len();
        let result = if share > 0 {
            sim.apply(Operation::Consume(ConsumeOp {
                key: IdempotencyKey::new(&format!("simulated-{h}"))?,
                meter: meter.clone(),
                amount: Amount::minor(share),
                at,
                status: JobStatus::Success,
                usage: Usage::default(),
            }))
            .map(|_| ())
        } else {
            sim.advance_to(at)
        };
        if let Err(DomainError::InsufficientCredits { .. }) = result {
            runs_dry_on.get_or_insert(tz.date_of(at));
            sim.advance_to(at)?;
        } else {
            result?;
        }
        let local = tz.date_of(at);
        let month = match months.last_mut() {
            Some(last) if (last.year, last.month) == (local.year(), local.month()) => last,
            _ => {
                months.push(TopUpMonth {
                    year: local.year(),
                    month: local.month(),
                    top_ups: 0,
                    credits: Amount::ZERO,
                    price: None,
                    capped: false,
                });
                months.last_mut().ok_or(DomainError::Overflow)?
            }
        };
        let mut fired = false;
        for e in &sim.entries()[before..] {
            if e.kind == EntryKind::AutoTopUp && e.meter == *meter {
                fired = true;
                month.top_ups += 1;
                month.credits = month.credits.checked_add(e.amount)?;
            }
        }
        // Below the threshold after a consume with no top-up: the cap held it back.
        let balance = sim.balance(meter)?.available;
        if share > 0 && !fired && balance < settings.threshold && settings.monthly_cap.is_some() {
            let consumed_across = sim.entries()[before..].iter().any(|e| {
                e.kind == EntryKind::Consume
                    && e.balance_after.get().saturating_sub(e.amount.get())
                        >= settings.threshold.get()
            });
            month.capped |= consumed_across;
        }
    }
    if let Some(offer) = &offer {
        for month in &mut months {
            month.price = Some(price_of(month.credits, m.decimals, offer)?);
        }
    }
    Ok(TopUpSimulation {
        burn_per_day: Amount::minor(burn),
        days,
        months,
        runs_dry_on,
    })
}
