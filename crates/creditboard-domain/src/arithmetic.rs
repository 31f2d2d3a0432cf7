//! Checked arithmetic on amounts and decimal text read into them. Every way an amount
//! computation can fail is refused with a [`DomainError`] ([`DomainError::Overflow`] instead of
//! a wrap), never a panic or a silent rounding.

use crate::amount::{Amount, MAX_DECIMALS};
use crate::error::{DomainError, Result};

impl Amount {
    /// `whole` major units at the given scale (`Amount::units(12, 2)` is 12.00).
    pub fn units(whole: i64, decimals: u8) -> Result<Self> {
        whole
            .checked_mul(pow10(decimals)?)
            .map(Amount::minor)
            .ok_or(DomainError::Overflow)
    }

    pub fn checked_add(self, rhs: Amount) -> Result<Amount> {
        self.get()
            .checked_add(rhs.get())
            .map(Amount::minor)
            .ok_or(DomainError::Overflow)
    }

    pub fn checked_sub(self, rhs: Amount) -> Result<Amount> {
        self.get()
            .checked_sub(rhs.get())
            .map(Amount::minor)
            .ok_or(DomainError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Amount> {
        self.get()
            .checked_neg()
            .map(Amount::minor)
            .ok_or(DomainError::Overflow)
    }

    /// `self × num ÷ den`, rounded up (a charge never rounds in the customer's disfavour by
    /// more than one minor unit, and never to zero for a non-zero price).
    pub fn mul_div_ceil(self, num: u64, den: u64) -> Result<Amount> {
        if den == 0 {
            return Err(DomainError::Overflow);
        }
        let product = i128::from(self.get()) * i128::from(num);
        let den = i128::from(den);
        let q = product.div_euclid(den) + i128::from(product.rem_euclid(den) != 0);
        i64::try_from(q)
            .map(Amount::minor)
            .map_err(|_| DomainError::Overflow)
    }

    /// Parses decimal text (`"12"`, `"12.5"`, `"-0.25"`) at the given scale. More decimals than
    /// the meter has is an error, not a silent rounding.
    pub fn parse_decimal(text: &str, decimals: u8) -> Result<Amount> {
        let invalid = |reason| DomainError::InvalidAmount {
            value: text.to_string(),
            reason,
        };
        let t = text.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(invalid("it has no digits"));
        }
        if !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(invalid("use digits and an optional “.”"));
        }
        if frac.len() > usize::from(decimals) {
            return Err(invalid("it has more decimals than this unit allows"));
        }
        let scale = pow10(decimals)?;
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| DomainError::Overflow)?
        };
        let frac_value: i64 = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<width$}", width = usize::from(decimals));
            padded.parse().map_err(|_| DomainError::Overflow)?
        };
        let magnitude = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac_value))
            .ok_or(DomainError::Overflow)?;
        Ok(Amount::minor(if negative { -magnitude } else { magnitude }))
    }
}

fn pow10(decimals: u8) -> Result<i64> {
    if decimals > MAX_DECIMALS {
        return Err(DomainError::InvalidConfig(format!(
            "a unit may have at most {MAX_DECIMALS} decimals"
        )));
    }
    Ok(10i64.pow(u32::from(decimals)))
}

/// Sums without overflow checks are a bug waiting to happen, so `Amount` has no `Sum`; this
/// one checks.
pub fn checked_sum<I: IntoIterator<Item = Amount>>(items: I) -> Result<Amount> {
    items
        .into_iter()
        .try_fold(Amount::ZERO, Amount::checked_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_round_trips_at_each_scale() {
        let cases: &[(&str, u8, i64, &str)] = &[
            ("12", 0, 12, "12"),
            ("12.5", 1, 125, "12.5"),
            ("0.05", 2, 5, "0.05"),
            ("-3.10", 2, -310, "-3.10"),
            (".5", 2, 50, "0.50"),
            ("1234567.89", 2, 123_456_789, "1234567.89"),
        ];
        for &(text, decimals, minor, shown) in cases {
            let a = Amount::parse_decimal(text, decimals).expect(text);
            assert_eq!(a, Amount::minor(minor), "{text}");
            assert_eq!(a.to_decimal(decimals), shown, "{text}");
        }
    }

    #[test]
    fn bad_decimal_text_is_refused_with_a_reason() {
        for (text, decimals) in [
            ("", 2),
            ("1.234", 2),
            ("1,5", 2),
            ("abc", 0),
            ("1.5", 0),
            ("-", 0),
        ] {
            let err = Amount::parse_decimal(text, decimals).unwrap_err();
            assert!(
                matches!(err, DomainError::InvalidAmount { .. }),
                "{text}: {err:?}"
            );
        }
        assert_eq!(
            Amount::parse_decimal("99999999999999999999", 0),
            Err(DomainError::Overflow)
        );
    }

    #[test]
    fn arithmetic_reports_overflow_instead_of_wrapping() {
        let max = Amount::minor(i64::MAX);
        assert_eq!(
            max.checked_add(Amount::minor(1)),
            Err(DomainError::Overflow)
        );
        assert_eq!(
            Amount::minor(i64::MIN).checked_neg(),
            Err(DomainError::Overflow)
        );
        assert_eq!(
            checked_sum([max, Amount::minor(1)]),
            Err(DomainError::Overflow)
        );
        assert_eq!(max.mul_div_ceil(2, 1), Err(DomainError::Overflow));
    }

    #[test]
    fn prices_round_up_to_the_next_minor_unit() {
        // 7 characters at 1 credit per 20 characters costs 1, not 0.
        assert_eq!(Amount::minor(1).mul_div_ceil(7, 20), Ok(Amount::minor(1)));
        assert_eq!(Amount::minor(1).mul_div_ceil(40, 20), Ok(Amount::minor(2)));
        assert_eq!(Amount::minor(1).mul_div_ceil(41, 20), Ok(Amount::minor(3)));
        assert_eq!(Amount::minor(10).mul_div_ceil(0, 60), Ok(Amount::ZERO));
    }
}
