//! Integer money: [`Amount`] is a signed count of a meter's minor units.
//!
//! A meter says how many decimals its unit has (credits: 0, minutes: 1, USD: 2); the ledger
//! never sees a float. Plain formatting lives here so the server and the browser agree on it;
//! locale-aware display belongs to the UI. What can fail (checked arithmetic, reading decimal
//! text) is in [`crate::arithmetic`], which speaks the domain's error type: this module
//! depends on nothing else in the crate.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest number of decimals a meter may use.
pub const MAX_DECIMALS: u8 = 6;

/// The most minor units a meter's balance may hold, and the largest amount one operation or
/// setting may name (10^15: ten trillion dollars in cents). Far below `i64::MAX`, so every
/// refill, rollover and top-up on top of a full balance still fits: a ledger can never get
/// stuck on an overflow.
pub const MAX_BALANCE: Amount = Amount(1_000_000_000_000_000);

/// A signed amount in minor units of some meter (the meter knows the scale).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Amount(i64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// An amount of `minor` minor units.
    pub const fn minor(minor: i64) -> Self {
        Amount(minor)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn abs(self) -> Amount {
        Amount(self.0.saturating_abs())
    }

    pub fn min(self, other: Amount) -> Amount {
        Amount(self.0.min(other.0))
    }

    pub fn max(self, other: Amount) -> Amount {
        Amount(self.0.max(other.0))
    }

    /// Plain decimal text at the given scale: 12345 minor units at 2 decimals are `123.45`.
    /// No grouping, `.` as the separator (for CSV, APIs and error messages).
    pub fn to_decimal(self, decimals: u8) -> String {
        let decimals = decimals.min(MAX_DECIMALS);
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if decimals == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(u32::from(decimals));
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = usize::from(decimals)
        )
    }
}

impl Amount {
    /// Decimal text with thousands grouped, for sentences: `1,849`, `12,345.50`.
    pub fn to_grouped(self, decimals: u8) -> String {
        let plain = self.to_decimal(decimals);
        let (sign, rest) = match plain.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", plain.as_str()),
        };
        let (whole, frac) = match rest.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (rest, None),
        };
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match frac {
            Some(f) => format!("{sign}{grouped}.{f}"),
            None => format!("{sign}{grouped}"),
        }
    }
}

/// Raw minor units; use [`Amount::to_decimal`] to show an amount to a person.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
