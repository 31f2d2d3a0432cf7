//! Buying credits.
//!
//! A purchase is quoted from the meter's offer, authorized, checked against the ledger, paid
//! through a [`PaymentProvider`] and only then written: a declined payment adds nothing, and
//! an accepted one always gets its credits.

use crate::access::Viewer;
use crate::access::{Action, authorize};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::config::meter::{BucketKind, MeterConfig};
use crate::config::offer::{Money, PurchaseOffer};
use crate::entry::{Operation, PurchaseOp, Receipt, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Label, MeterId};
use crate::ledger::Ledger;
use chrono::{DateTime, Utc};
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
    if let Some(first) = ledger.first_entry(&key) {
        // A repeat is the same purchase when it is the same pack: answered with the first
        // payment's reference, compared field by field by the ledger.
        let text = first.usage.description.as_ref().map(|d| d.to_string());
        let paid = text.as_deref().and_then(|d| {
            d.strip_prefix(&format!("Purchase: {} (", q.description))?
                .strip_suffix(')')
        });
        let reference = paid.unwrap_or("not paid").to_string();
        return ledger.apply(op(&reference));
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
