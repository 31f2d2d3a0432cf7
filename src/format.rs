//! Formatting at the edge: amounts in minor units become text people read. One place, so
//! every card, table and chart label says numbers the same way.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use creditboard_domain::Amount;
use creditboard_domain::account::{MeterConfig, MeterUnit, Money};
use creditboard_domain::entry::QuantityUnit;
use creditboard_domain::period::DateRange;

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

/// A quantity with its unit: `1,000 seconds`, `1 image`.
pub fn quantity(unit: QuantityUnit, n: u64) -> String {
    let label = unit.count_label(n);
    let word = label.split_once(' ').map_or("", |(_, w)| w);
    format!("{} {word}", group_thousands(&n.to_string()))
}

/// A price: `$45.00`, `€2,000.00`, `1,250.00 CHF`.
pub fn money(m: &Money) -> String {
    let n = group_thousands(&Amount::minor(m.cents.abs()).to_decimal(2));
    let sign = if m.cents < 0 { "-" } else { "" };
    match m.currency.as_str() {
        "USD" => format!("{sign}${n}"),
        "EUR" => format!("{sign}€{n}"),
        "GBP" => format!("{sign}£{n}"),
        "AUD" => format!("{sign}A${n}"),
        code => format!("{sign}{n} {code}"),
    }
}

/// An amount as a chart value in major units (charts need floats; the ledger never does).
pub fn chart_value(amount: Amount, decimals: u8) -> f64 {
    amount.get() as f64 / 10f64.powi(i32::from(decimals))
}

/// What the meter counts, in the plural ("credits", "minutes", "USD").
pub fn unit_name(meter: &MeterConfig) -> String {
    match &meter.unit {
        MeterUnit::Credits => "credits".into(),
        MeterUnit::Minutes => "minutes".into(),
        MeterUnit::Currency { code } => code.clone(),
    }
}

/// Basis points as a percentage people read: `8250` → `82.5%`, `10000` → `100%`. Rounded
/// down, so a figure never shows a threshold (80 %, 100 %) it has not reached.
pub fn percent(bp: u32) -> String {
    if bp >= 10_000 {
        return format!("{}%", bp / 100);
    }
    let tenths = bp / 10;
    if tenths.is_multiple_of(10) {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// A share of a total in basis points (0 when the total is not positive).
pub fn share_bp(part: Amount, total: Amount) -> u32 {
    if !total.is_positive() || part.is_negative() {
        return 0;
    }
    let bp = i128::from(part.get()) * 10_000 / i128::from(total.get());
    u32::try_from(bp).unwrap_or(u32::MAX)
}

/// "Nov 3".
pub fn short_date(d: NaiveDate) -> String {
    d.format("%b %-d").to_string()
}

/// "Nov 3, 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// "Nov 20, 23:59".
pub fn date_time(t: NaiveDateTime) -> String {
    t.format("%b %-d, %H:%M").to_string()
}

/// The days of a range as people say them: "Oct 23 – Nov 21, 2026", "Dec 30, 2025 – Jan 5,
/// 2026", "Nov 21, 2026" for one day, and "no days yet" for an empty range.
pub fn date_range(range: &DateRange) -> String {
    let Some(last) = range.last_day() else {
        return "no days yet".into();
    };
    let first = range.from;
    if first == last {
        long_date(first)
    } else if first.year() == last.year() {
        format!("{} – {}", short_date(first), long_date(last))
    } else {
        format!("{} – {}", long_date(first), long_date(last))
    }
}

/// How long ago, coarsely: "just now", "12 s ago", "3 min ago", "2 h ago".
pub fn age(seconds: i64) -> String {
    match seconds {
        ..5 => "just now".into(),
        5..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        _ => format!("{} h ago", seconds / 3600),
    }
}

/// Text safe to put inside HTML (chart tooltips are HTML strings).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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
    fn prices_read_with_their_currency_and_cents() {
        let m = |cents, c: &str| Money {
            cents,
            currency: c.into(),
        };
        assert_eq!(money(&m(4_500, "EUR")), "€45.00");
        assert_eq!(money(&m(200_000, "USD")), "$2,000.00");
        assert_eq!(money(&m(5, "USD")), "$0.05");
        assert_eq!(money(&m(-1_999, "GBP")), "-£19.99");
        assert_eq!(money(&m(123_456, "CHF")), "1,234.56 CHF");
        assert_eq!(quantity(QuantityUnit::Second, 12_000), "12,000 seconds");
        assert_eq!(quantity(QuantityUnit::GbDay, 1), "1 GB-day");
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

    #[test]
    fn percentages_shares_and_ages() {
        for (bp, text) in [
            (8_250, "82.5%"),
            (10_000, "100%"),
            (0, "0%"),
            (7_999, "79.9%"),
            (8_000, "80%"),
            (12_345, "123%"),
            (12_399, "123%"),
            (9_999, "99.9%"),
            (5, "0%"),
            (15, "0.1%"),
        ] {
            assert_eq!(percent(bp), text, "{bp}");
        }
        assert_eq!(share_bp(Amount::minor(1), Amount::minor(3)), 3_333);
        assert_eq!(share_bp(Amount::minor(5), Amount::ZERO), 0);
        assert_eq!(age(3), "just now");
        assert_eq!(age(42), "42 s ago");
        assert_eq!(age(185), "3 min ago");
        assert_eq!(escape_html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn date_ranges_read_naturally() {
        use creditboard_domain::account::{Freshness, Timezone};
        use creditboard_domain::period::Period;
        let tz = Timezone::new("UTC").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .to_utc();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let range = |from: &str, to: &str| {
            Period::custom(d(from), d(to))
                .unwrap()
                .resolve(now, tz, Freshness::Live)
        };
        assert_eq!(
            date_range(&range("2026-10-23", "2026-11-21")),
            "Oct 23 – Nov 21, 2026"
        );
        assert_eq!(
            date_range(&range("2025-12-30", "2026-01-05")),
            "Dec 30, 2025 – Jan 5, 2026"
        );
        assert_eq!(
            date_range(&range("2026-11-21", "2026-11-21")),
            "Nov 21, 2026"
        );
        assert_eq!(
            date_range(&range("2026-12-01", "2026-12-05")),
            "no days yet"
        );
    }
}
