//! What a meter sells: packs at fixed prices, an exact amount at a unit price, or both.

use super::AccountConfig;
use super::invalid;
use super::meter::TopUpAmount;
use crate::amount::{Amount, MAX_BALANCE};
use crate::error::{DomainError, Result};
use crate::ids::MeterId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The dearest unit a meter may sell ($1,000,000 a credit) and the dearest pack
/// ($1,000,000,000): beyond them a price is a typo, not a product.
const MAX_CENTS_PER_UNIT: i64 = 100_000_000;
const MAX_PACK_CENTS: i64 = 100_000_000_000;

/// A sum of money in minor units of an ISO 4217 currency with two decimals (USD, EUR, AUD …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub cents: i64,
    pub currency: String,
}

/// A fixed pack of credits at a fixed price ("5,000 Standard").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pack {
    pub id: String,
    pub name: String,
    pub credits: Amount,
    pub price: Money,
}

/// Buying an exact amount: between `min` and `max` (in the meter's minor units), each major
/// unit costing `cents_per_unit` (Foto Master's dollars: 100 cents per dollar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExactAmount {
    pub min: Amount,
    pub max: Amount,
}

/// What a meter sells: packs, an exact amount, or both. Automatic top-ups are charged at
/// `cents_per_unit` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOffer {
    pub meter: MeterId,
    pub currency: String,
    /// Price of one major unit of the meter (one credit, one dollar of balance), in cents.
    pub cents_per_unit: i64,
    #[serde(default)]
    pub packs: Vec<Pack>,
    #[serde(default)]
    pub exact: Option<ExactAmount>,
}

impl AccountConfig {
    /// Each offer names a known meter once, in one currency, at prices in range.
    pub(super) fn validate_offers(&self) -> Result<()> {
        let currency_ok = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
        let mut offered = HashSet::new();
        for o in &self.offers {
            let m = self.meter(&o.meter)?;
            if !offered.insert(o.meter.as_str()) {
                return invalid(format!("meter “{}” has two offers", o.meter));
            }
            if !currency_ok(&o.currency) || o.packs.iter().any(|p| p.price.currency != o.currency) {
                return invalid(format!(
                    "meter “{}”: prices need one three-letter currency code",
                    o.meter
                ));
            }
            if !(1..=MAX_CENTS_PER_UNIT).contains(&o.cents_per_unit) {
                return invalid(format!(
                    "meter “{}”: the unit price is out of range",
                    o.meter
                ));
            }
            let mut ids = HashSet::new();
            for p in &o.packs {
                if !ids.insert(p.id.as_str())
                    || !p.credits.is_positive()
                    || p.credits > MAX_BALANCE
                    || !(1..=MAX_PACK_CENTS).contains(&p.price.cents)
                {
                    return invalid(format!(
                        "meter “{}”: pack “{}” needs a unique id, credits and a price",
                        o.meter, p.id
                    ));
                }
            }
            if let Some(e) = o.exact
                && !(e.min.is_positive() && e.min <= e.max && e.max <= MAX_BALANCE)
            {
                return invalid(format!(
                    "meter “{}”: an exact amount needs 0 < min ≤ max",
                    m.id
                ));
            }
        }
        self.validate_top_ups()
    }

    /// An automatic top-up is a purchase the team does not click: it needs a meter that
    /// sells credits, and adds at most what one purchase may (the exact amount's maximum, or
    /// the largest pack).
    fn validate_top_ups(&self) -> Result<()> {
        for m in &self.meters {
            let Some(t) = m.auto_top_up.filter(|t| t.enabled) else {
                continue;
            };
            // A meter that sells nothing is refused by the account's own check.
            let Some(offer) = self.offer(&m.id) else {
                continue;
            };
            let most = offer
                .exact
                .map(|e| e.max)
                .into_iter()
                .chain(offer.packs.iter().map(|p| p.credits))
                .max()
                .unwrap_or(Amount::ZERO);
            let largest = match t.amount {
                TopUpAmount::Fixed(a) => a,
                TopUpAmount::RefillTo(target) => target,
            };
            if largest > most {
                return invalid(format!(
                    "a top-up of “{}” adds at most what one purchase may ({}), not {}",
                    m.name,
                    most.to_decimal(m.decimals),
                    largest.to_decimal(m.decimals)
                ));
            }
        }
        Ok(())
    }
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
