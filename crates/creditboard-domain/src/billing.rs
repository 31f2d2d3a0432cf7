//! Buying credits.
//!
//! A purchase is quoted from the meter's offer, authorized, checked against the ledger and
//! written pending with its price; a [`PaymentProvider`] is asked with the purchase's own
//! key, and the payment settles it: paid, the credits post; declined or failed, a failed
//! purchase stays in the ledger and nothing is added. Automatic top-ups go the same way
//! (`Ledger::top_ups_wait_for_payment`).

use crate::access::Viewer;
use crate::access::{Action, authorize};
use crate::amount::Amount;
use crate::config::AccountConfig;
use crate::config::meter::{BucketKind, MeterConfig};
use crate::config::offer::{Money, PurchaseOffer};
use crate::entry::{EntryId, LedgerEntry, Operation, PaymentResult, PurchaseOp, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, Label, MemberId, MeterId};
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

pub use crate::config::offer::price_of;

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
    /// The member who bought (none for an automatic top-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberId>,
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

    /// Why nothing can be charged here, if so (automatic top-ups are then refused).
    fn unavailable(&self) -> Option<String> {
        None
    }
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

impl PaymentOutcome {
    /// What the ledger writes for this answer.
    pub fn result(self) -> PaymentResult {
        match self {
            PaymentOutcome::Approved { reference } => PaymentResult::Paid { reference },
            PaymentOutcome::Declined { reason } => PaymentResult::Failed { reason },
        }
    }
}

/// What to ask a payment provider for to settle pending entry `entry` (a purchase or an
/// automatic top-up): its own key, so a provider charges it once however often it is asked.
pub fn payment_for(entry: &LedgerEntry) -> Option<Payment> {
    let requested = entry.requested.as_ref()?;
    Some(Payment {
        key: entry.key.clone(),
        price: requested.price.clone(),
        description: entry
            .usage
            .description
            .as_ref()
            .map_or_else(|| entry.kind.label().to_string(), |d| d.to_string()),
        member: entry.usage.member.clone(),
    })
}

/// A purchase written pending, and what the payment provider is to take for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRequested {
    pub quote: Quote,
    /// The purchase's entry: pending until its payment is settled.
    pub entry: EntryId,
    /// The key had been used: this is the first request's purchase, pending or settled.
    pub replayed: bool,
}

/// Authorize, quote, check there is room, and write the purchase pending with its price:
/// nothing is added until [`Ledger::settle_payment`] says it was paid. A repeated key is
/// answered with the first request's purchase (the ledger compares the two).
pub fn request_purchase(
    ledger: &mut Ledger,
    viewer: Option<&Viewer>,
    meter: &MeterId,
    choice: &PurchaseChoice,
    key: IdempotencyKey,
    at: DateTime<Utc>,
) -> Result<PurchaseRequested> {
    authorize(ledger.config(), viewer, Action::BuyCredits)?;
    let q = quote(ledger.config(), meter, choice)?;
    let receipt = ledger.apply(Operation::Purchase(PurchaseOp {
        key,
        meter: meter.clone(),
        amount: q.credits,
        at,
        price: Some(q.price.clone()),
        usage: Usage {
            member: viewer.map(|v| v.member.clone()),
            description: Label::new(&format!("Purchase: {}", q.description)).ok(),
            ..Usage::default()
        },
    }))?;
    Ok(PurchaseRequested {
        quote: q,
        entry: receipt.first,
        replayed: receipt.replayed,
    })
}

/// Buys credits for `viewer` through a provider that answers at once (the demo's): request,
/// charge, settle. A declined payment leaves a failed purchase and says why; a repeated key
/// charges nothing again.
pub fn buy(
    ledger: &mut Ledger,
    viewer: Option<&Viewer>,
    meter: &MeterId,
    choice: &PurchaseChoice,
    provider: &mut dyn PaymentProvider,
    key: IdempotencyKey,
    at: DateTime<Utc>,
) -> Result<PurchaseRequested> {
    let requested = request_purchase(ledger, viewer, meter, choice, key, at)?;
    let pending = ledger
        .entry(requested.entry)
        .filter(|_| ledger.is_pending_payment(requested.entry))
        .and_then(payment_for);
    // A repeat of a purchase whose payment failed answers as the first did.
    if let Some(reason) = ledger.payment_failure(requested.entry)? {
        return Err(DomainError::PaymentDeclined(reason));
    }
    if let Some(payment) = pending {
        let outcome = provider.charge(&payment);
        let declined = match &outcome {
            PaymentOutcome::Declined { reason } => Some(reason.clone()),
            PaymentOutcome::Approved { .. } => None,
        };
        ledger.settle_payment(requested.entry, &outcome.result(), at)?;
        if let Some(reason) = declined {
            return Err(DomainError::PaymentDeclined(reason));
        }
    }
    Ok(requested)
}
