//! Formatting at the edge: amounts in minor units become text people read. One place, so
//! every card, table and chart label says numbers the same way.

use creditboard_domain::Amount;
use creditboard_domain::account::{MeterConfig, MeterUnit};

/// `1234567` → `1,234,567` (grouped by thousands).
pub fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// The number alone, at the meter's scale: `1,234`, `443.2`, `27.32`.
pub fn number(amount: Amount, meter: &MeterConfig) -> String {
    group_thousands(&amount.to_decimal(meter.decimals))
}

/// With its unit: `1,234 credits`, `443.2 min`, `$27.32`.
pub fn amount(amount: Amount, meter: &MeterConfig) -> String {
    let n = number(amount.abs(), meter);
    let sign = if amount.is_negative() { "-" } else { "" };
    match &meter.unit {
        MeterUnit::Credits => format!(
            "{sign}{n} {}",
            if amount.abs().get() == 1 {
                "credit"
            } else {
                "credits"
            }
        ),
        MeterUnit::Minutes => format!("{sign}{n} min"),
        MeterUnit::Currency { code } if code == "USD" => format!("{sign}${n}"),
        MeterUnit::Currency { code } => format!("{sign}{n} {code}"),
    }
}

/// An amount as a chart value in major units (charts need floats; the ledger never does).
pub fn chart_value(amount: Amount, decimals: u8) -> f64 {
    amount.get() as f64 / 10f64.powi(i32::from(decimals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::account::{MeterConfig, PurchasePolicy};
    use creditboard_domain::ids::MeterId;

    fn meter(unit: MeterUnit, decimals: u8) -> MeterConfig {
        MeterConfig {
            id: MeterId::new("m").unwrap(),
            name: "M".into(),
            unit,
            decimals,
            allocation: None,
            purchases: PurchasePolicy::default(),
            overdraft_limit: Amount::ZERO,
            auto_top_up: None,
        }
    }

    #[test]
    fn amounts_read_as_people_expect() {
        let credits = meter(MeterUnit::Credits, 0);
        let minutes = meter(MeterUnit::Minutes, 1);
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, 2);
        let eur = meter(MeterUnit::Currency { code: "EUR".into() }, 2);
        let cases = [
            (Amount::minor(1_234_567), &credits, "1,234,567 credits"),
            (Amount::minor(1), &credits, "1 credit"),
            (Amount::minor(-20), &credits, "-20 credits"),
            (Amount::minor(4_432), &minutes, "443.2 min"),
            (Amount::minor(2_732), &usd, "$27.32"),
            (Amount::minor(-123_456), &usd, "-$1,234.56"),
            (Amount::minor(5), &eur, "0.05 EUR"),
        ];
        for (a, m, expected) in cases {
            assert_eq!(amount(a, m), expected);
        }
        assert_eq!(group_thousands("-1234.5"), "-1,234.5");
        assert_eq!(group_thousands("999"), "999");
    }
}
