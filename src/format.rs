//! Formatting at the edge: amounts in minor units become text people read. One place, so
//! every card, table and chart label says numbers the same way.
//!
//! Numbers, money and dates follow the current [`Locale`] (CLDR conventions), set once at
//! start-up with [`set_locale`]. Each function has an `_in` twin taking the locale, for tests
//! and for callers that need a particular one. The words around them ("credits", "min ago")
//! stay English.

use std::cell::Cell;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use creditboard_domain::Amount;
use creditboard_domain::config::meter::{MeterConfig, MeterUnit};
use creditboard_domain::config::offer::Money;
use creditboard_domain::entry::QuantityUnit;
use creditboard_domain::period::DateRange;

pub use crate::locale::Locale;

thread_local! {
    /// The app is single-threaded in the browser; natively each test thread starts at en-US.
    static LOCALE: Cell<Locale> = const { Cell::new(Locale::EnUs) };
}

/// Sets the locale every function here formats in (the app does it once, at start-up).
pub fn set_locale(locale: Locale) {
    LOCALE.with(|l| l.set(locale));
}

/// The locale text is formatted in now (en-US unless [`set_locale`] said otherwise).
pub fn locale() -> Locale {
    LOCALE.with(Cell::get)
}

/// `1234567` → `1,234,567` (grouped by thousands), in the current locale.
pub fn group_thousands(digits: &str) -> String {
    group_thousands_in(locale(), digits)
}

/// Plain decimal text (`-1234.5`, as [`Amount::to_decimal`] writes it) in `locale`:
/// `-1,234.5`, `-1.234,5`, `-1 234,5` (narrow no-break space).
pub fn group_thousands_in(locale: Locale, digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let group = locale.group_separator();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 * 3 + 4);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    // All four locales write CLDR's minus as an ASCII hyphen-minus.
    match frac {
        Some(f) => format!("{sign}{out}{}{f}", locale.decimal_separator()),
        None => format!("{sign}{out}"),
    }
}

/// A number as someone types it in the current locale (`1.234,5` in de-DE, `1 234,5` in
/// fr-FR) as plain decimal text (`1234.5`) for [`Amount::parse_decimal`]; a currency sign
/// around it is dropped.
pub fn typed_decimal(text: &str) -> String {
    typed_decimal_in(locale(), text)
}

pub fn typed_decimal_in(locale: Locale, text: &str) -> String {
    let (group, decimal) = (locale.group_separator(), locale.decimal_separator());
    let text = text.trim();
    let text = text.strip_suffix("US").unwrap_or(text);
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != group && !matches!(c, '$' | '€'))
        .map(|c| if c == decimal { '.' } else { c })
        .collect()
}

/// A number for a form field in the current locale: its decimal sign, no grouping (`1234,5`),
/// so that [`typed_decimal`] reads it back.
pub fn field_number(amount: Amount, meter: &MeterConfig) -> String {
    let plain = amount.to_decimal(meter.decimals);
    match locale().decimal_separator() {
        '.' => plain,
        sign => plain.replace('.', &sign.to_string()),
    }
}

/// The number alone, at the meter's scale: `1,234`, `443.2`, `27.32`.
pub fn number(amount: Amount, meter: &MeterConfig) -> String {
    number_in(locale(), amount, meter)
}

/// [`number`] in `locale`: `1.234`, `443,2`, `27,32` in German.
pub fn number_in(locale: Locale, amount: Amount, meter: &MeterConfig) -> String {
    group_thousands_in(locale, &amount.to_decimal(meter.decimals))
}

/// With its unit: `1,234 credits`, `443.2 min`, `$27.32`.
pub fn amount(amount: Amount, meter: &MeterConfig) -> String {
    amount_in(locale(), amount, meter)
}

/// [`amount`] in `locale`. Only USD meters get a symbol (`1.234,56 $`); other currency
/// meters are written with their code, as in en-US.
pub fn amount_in(locale: Locale, amount: Amount, meter: &MeterConfig) -> String {
    let n = number_in(locale, amount.abs(), meter);
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
        MeterUnit::Currency { code } if code == "USD" => {
            with_currency(locale, sign, &n, locale.currency_symbol(code), code)
        }
        MeterUnit::Currency { code } => with_currency(locale, sign, &n, None, code),
    }
}

/// A quantity with its unit: `1,000 seconds`, `1 image`.
pub fn quantity(unit: QuantityUnit, n: u64) -> String {
    quantity_in(locale(), unit, n)
}

/// [`quantity`] in `locale`: `1.000 seconds` in German.
pub fn quantity_in(locale: Locale, unit: QuantityUnit, n: u64) -> String {
    let label = unit.count_label(n);
    let word = label.split_once(' ').map_or("", |(_, w)| w);
    format!("{} {word}", group_thousands_in(locale, &n.to_string()))
}

/// A price: `$45.00`, `€2,000.00`, `1,250.00 CHF`.
pub fn money(m: &Money) -> String {
    money_in(locale(), m)
}

/// [`money`] in `locale`: `45,00 €` and `2.000,00 $` in German, `2 000,00 $US` in French,
/// `€45.00` in Japanese.
pub fn money_in(locale: Locale, m: &Money) -> String {
    let n = group_thousands_in(locale, &Amount::minor(m.cents.abs()).to_decimal(2));
    let sign = if m.cents < 0 { "-" } else { "" };
    let code = m.currency.as_str();
    with_currency(locale, sign, &n, locale.currency_symbol(code), code)
}

/// A formatted magnitude with its currency, where the locale puts it: `-$5.00` (en-US,
/// ja-JP), `-5,00 $` (de-DE, fr-FR: after, with a no-break space). Without a symbol the
/// code stands in: after the number in en-US (as it always has), before it in ja-JP.
fn with_currency(locale: Locale, sign: &str, n: &str, symbol: Option<&str>, code: &str) -> String {
    match (locale, symbol) {
        (Locale::EnUs | Locale::JaJp, Some(symbol)) => format!("{sign}{symbol}{n}"),
        (Locale::EnUs, None) => format!("{sign}{n} {code}"),
        (Locale::JaJp, None) => format!("{sign}{code}\u{A0}{n}"),
        (Locale::DeDe | Locale::FrFr, symbol) => {
            format!("{sign}{n}\u{A0}{}", symbol.unwrap_or(code))
        }
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
    percent_in(locale(), bp)
}

/// [`percent`] in `locale`: `82,5 %` in German and French (a no-break space before `%`).
pub fn percent_in(locale: Locale, bp: u32) -> String {
    let digits = if bp >= 10_000 {
        (bp / 100).to_string()
    } else {
        let tenths = bp / 10;
        if tenths.is_multiple_of(10) {
            (tenths / 10).to_string()
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        }
    };
    let n = group_thousands_in(locale, &digits);
    match locale {
        Locale::EnUs | Locale::JaJp => format!("{n}%"),
        Locale::DeDe | Locale::FrFr => format!("{n}\u{A0}%"),
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
    short_date_in(locale(), d)
}

/// [`short_date`] in `locale` (CLDR's month-and-day, `MMMd`): `3. Nov.`, `3 nov.`, `11月3日`.
pub fn short_date_in(locale: Locale, d: NaiveDate) -> String {
    let (day, month) = (d.day(), d.month());
    let mmm = locale.month_abbr(month);
    match locale {
        Locale::EnUs => format!("{mmm} {day}"),
        Locale::DeDe => format!("{day}. {mmm}"),
        Locale::FrFr => format!("{day} {mmm}"),
        Locale::JaJp => format!("{month}月{day}日"),
    }
}

/// "Nov 3, 2026".
pub fn long_date(d: NaiveDate) -> String {
    long_date_in(locale(), d)
}

/// [`long_date`] in `locale` (CLDR's medium date): `3. Nov. 2026`, `3 nov. 2026`,
/// `2026/11/03`.
pub fn long_date_in(locale: Locale, d: NaiveDate) -> String {
    let (year, month, day) = (d.year(), d.month(), d.day());
    let mmm = locale.month_abbr(month);
    match locale {
        Locale::EnUs => format!("{mmm} {day}, {year}"),
        Locale::DeDe => format!("{day}. {mmm} {year}"),
        Locale::FrFr => format!("{day} {mmm} {year}"),
        Locale::JaJp => format!("{year}/{month:02}/{day:02}"),
    }
}

/// "Nov 20, 23:59".
pub fn date_time(t: NaiveDateTime) -> String {
    date_time_in(locale(), t)
}

/// [`date_time`] in `locale`, on the 24-hour clock: `20. Nov., 23:59`, `20 nov., 23:59`,
/// `11月20日 23:59`.
pub fn date_time_in(locale: Locale, t: NaiveDateTime) -> String {
    let time = format!("{:02}:{:02}", t.hour(), t.minute());
    with_time(locale, &short_date_in(locale, t.date()), &time)
}

/// A date and a time of day joined as CLDR's medium date-time pattern does: `Nov 20, 9:05`,
/// `11月20日 9:05`.
fn with_time(locale: Locale, date: &str, time: &str) -> String {
    match locale {
        Locale::EnUs | Locale::DeDe | Locale::FrFr => format!("{date}, {time}"),
        Locale::JaJp => format!("{date} {time}"),
    }
}

/// When something happened, as a ledger says it: "Nov 21, 7:27 PM"; `year` adds the year,
/// `seconds` the seconds.
pub fn moment(t: NaiveDateTime, year: bool, seconds: bool) -> String {
    moment_in(locale(), t, year, seconds)
}

/// [`moment`] in `locale`, as `Intl.DateTimeFormat` writes a short month, the day, the hour
/// and two-digit minutes: en-US on the 12-hour clock, the others on the 24-hour clock
/// (`21. Nov., 19:27`, `21 nov. 2026, 19:27:05`, `2026年11月21日 9:05`).
pub fn moment_in(locale: Locale, t: NaiveDateTime, year: bool, seconds: bool) -> String {
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    let sec = if seconds {
        format!(":{s:02}")
    } else {
        String::new()
    };
    let time = match locale {
        Locale::EnUs => {
            let half = if h < 12 { "AM" } else { "PM" };
            format!("{}:{m:02}{sec} {half}", (h + 11) % 12 + 1)
        }
        Locale::DeDe | Locale::FrFr | Locale::JaJp => format!("{h}:{m:02}{sec}"),
    };
    let d = t.date();
    let date = match (locale, year) {
        // Intl's Japanese medium date with the time is the written-out one, not `2026/03/03`.
        (Locale::JaJp, true) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        (_, true) => long_date_in(locale, d),
        (_, false) => short_date_in(locale, d),
    };
    with_time(locale, &date, &time)
}

/// A month of a year, as monthly chart bars are labelled: "Nov 2026".
pub fn month_label(d: NaiveDate) -> String {
    month_label_in(locale(), d)
}

/// [`month_label`] in `locale` (CLDR `yMMM`): `Nov. 2026`, `nov. 2026`, `2026年11月`.
pub fn month_label_in(locale: Locale, d: NaiveDate) -> String {
    match locale {
        Locale::JaJp => format!("{}年{}月", d.year(), d.month()),
        _ => format!("{} {}", locale.month_abbr(d.month()), d.year()),
    }
}

/// A month of a year with the month's full name: "November 2026".
pub fn long_month_label(d: NaiveDate) -> String {
    long_month_label_in(locale(), d)
}

/// [`long_month_label`] in `locale` (CLDR `yMMMM`): `November 2026`, `novembre 2026`,
/// `2026年11月`.
pub fn long_month_label_in(locale: Locale, d: NaiveDate) -> String {
    match locale {
        Locale::JaJp => month_label_in(locale, d),
        _ => format!("{} {}", locale.month_name(d.month()), d.year()),
    }
}

/// The days of a range as people say them: "Oct 23 – Nov 21, 2026", "Dec 30, 2025 – Jan 5,
/// 2026", "Nov 21, 2026" for one day, and "no days yet" for an empty range.
pub fn date_range(range: &DateRange) -> String {
    date_range_in(locale(), range)
}

/// [`date_range`] in `locale`: `23. Okt. – 21. Nov. 2026`, `23 oct. – 21 nov. 2026`, and
/// in Japanese, whose dates start with the year, both ends in full:
/// `2026/10/23～2026/11/21`.
pub fn date_range_in(locale: Locale, range: &DateRange) -> String {
    let Some(last) = range.last_day() else {
        return "no days yet".into();
    };
    let first = range.from;
    if first == last {
        long_date_in(locale, first)
    } else if locale == Locale::JaJp {
        format!(
            "{}～{}",
            long_date_in(locale, first),
            long_date_in(locale, last)
        )
    } else if first.year() == last.year() {
        format!(
            "{} – {}",
            short_date_in(locale, first),
            long_date_in(locale, last)
        )
    } else {
        format!(
            "{} – {}",
            long_date_in(locale, first),
            long_date_in(locale, last)
        )
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
    use creditboard_domain::config::meter::{MeterConfig, PurchasePolicy};
    use creditboard_domain::ids::MeterId;
    use creditboard_domain::period::Calendar;

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
        use creditboard_domain::period::Freshness;
        use creditboard_domain::period::Period;
        use creditboard_domain::tz::Timezone;
        let tz = Timezone::new("UTC").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .to_utc();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let range = |from: &str, to: &str| {
            Period::custom(d(from), d(to))
                .unwrap()
                .resolve(now, &Calendar::new(tz, Freshness::Live))
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

    const LOCALES: [Locale; 4] = [Locale::EnUs, Locale::DeDe, Locale::FrFr, Locale::JaJp];

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The days `from` to `to` (inclusive), resolved on 2026-11-21.
    fn days(from: &str, to: &str) -> DateRange {
        use creditboard_domain::period::Freshness;
        use creditboard_domain::period::Period;
        use creditboard_domain::tz::Timezone;
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .to_utc();
        Period::custom(day(from), day(to)).unwrap().resolve(
            now,
            &Calendar::new(Timezone::new("UTC").unwrap(), Freshness::Live),
        )
    }

    /// Checks `f` in each of [`LOCALES`] against the text expected in it, in that order.
    fn each_locale(what: &str, f: impl Fn(Locale) -> String, expected: [&str; 4]) {
        for (l, e) in LOCALES.into_iter().zip(expected) {
            assert_eq!(f(l), e, "{what} in {}", l.tag());
        }
    }

    // Expected text below is CLDR's, written out by hand: `\u{A0}` is a no-break space,
    // `\u{202F}` a narrow no-break space (French digit groups).

    #[test]
    fn numbers_use_the_locale_separators() {
        each_locale(
            "grouping",
            |l| group_thousands_in(l, "-1234567.5"),
            [
                "-1,234,567.5",
                "-1.234.567,5",
                "-1\u{202F}234\u{202F}567,5",
                "-1,234,567.5",
            ],
        );
        each_locale(
            "three digits",
            |l| group_thousands_in(l, "999.25"),
            ["999.25", "999,25", "999,25", "999.25"],
        );
        let credits = meter(MeterUnit::Credits, 0);
        let minutes = meter(MeterUnit::Minutes, 1);
        each_locale(
            "credits",
            |l| amount_in(l, Amount::minor(-1_234_567), &credits),
            [
                "-1,234,567 credits",
                "-1.234.567 credits",
                "-1\u{202F}234\u{202F}567 credits",
                "-1,234,567 credits",
            ],
        );
        each_locale(
            "minutes",
            |l| number_in(l, Amount::minor(4_432), &minutes),
            ["443.2", "443,2", "443,2", "443.2"],
        );
        each_locale(
            "quantity",
            |l| quantity_in(l, QuantityUnit::Second, 12_000),
            [
                "12,000 seconds",
                "12.000 seconds",
                "12\u{202F}000 seconds",
                "12,000 seconds",
            ],
        );
    }

    #[test]
    fn currency_meters_put_the_currency_where_the_locale_does() {
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, 2);
        let eur = meter(MeterUnit::Currency { code: "EUR".into() }, 2);
        each_locale(
            "USD",
            |l| amount_in(l, Amount::minor(123_456), &usd),
            [
                "$1,234.56",
                "1.234,56\u{A0}$",
                "1\u{202F}234,56\u{A0}$US",
                "$1,234.56",
            ],
        );
        each_locale(
            "negative USD",
            |l| amount_in(l, Amount::minor(-500), &usd),
            ["-$5.00", "-5,00\u{A0}$", "-5,00\u{A0}$US", "-$5.00"],
        );
        each_locale(
            "EUR meter",
            |l| amount_in(l, Amount::minor(5), &eur),
            [
                "0.05 EUR",
                "0,05\u{A0}EUR",
                "0,05\u{A0}EUR",
                "EUR\u{A0}0.05",
            ],
        );
    }

    #[test]
    fn prices_read_in_each_locale() {
        let m = |cents, c: &str| Money {
            cents,
            currency: c.into(),
        };
        let cases = [
            (
                m(4_500, "EUR"),
                ["€45.00", "45,00\u{A0}€", "45,00\u{A0}€", "€45.00"],
            ),
            (
                m(200_000, "USD"),
                [
                    "$2,000.00",
                    "2.000,00\u{A0}$",
                    "2\u{202F}000,00\u{A0}$US",
                    "$2,000.00",
                ],
            ),
            (
                m(-1_999, "GBP"),
                ["-£19.99", "-19,99\u{A0}£", "-19,99\u{A0}£GB", "-£19.99"],
            ),
            (
                m(100, "AUD"),
                ["A$1.00", "1,00\u{A0}AU$", "1,00\u{A0}$AU", "A$1.00"],
            ),
            (
                m(123_456, "CHF"),
                [
                    "1,234.56 CHF",
                    "1.234,56\u{A0}CHF",
                    "1\u{202F}234,56\u{A0}CHF",
                    "CHF\u{A0}1,234.56",
                ],
            ),
        ];
        for (price, expected) in cases {
            each_locale(&price.currency, |l| money_in(l, &price), expected);
        }
    }

    #[test]
    fn percentages_in_each_locale() {
        each_locale(
            "12.5 %",
            |l| percent_in(l, 1_250),
            ["12.5%", "12,5\u{A0}%", "12,5\u{A0}%", "12.5%"],
        );
        each_locale(
            "100 %",
            |l| percent_in(l, 10_000),
            ["100%", "100\u{A0}%", "100\u{A0}%", "100%"],
        );
        each_locale(
            "1,500 %",
            |l| percent_in(l, 150_000),
            ["1,500%", "1.500\u{A0}%", "1\u{202F}500\u{A0}%", "1,500%"],
        );
        each_locale(
            "0.1 %",
            |l| percent_in(l, 15),
            ["0.1%", "0,1\u{A0}%", "0,1\u{A0}%", "0.1%"],
        );
    }

    #[test]
    fn dates_in_each_locale() {
        let nov = day("2026-11-20");
        let mar = day("2026-03-03");
        each_locale(
            "short",
            |l| short_date_in(l, nov),
            ["Nov 20", "20. Nov.", "20 nov.", "11月20日"],
        );
        each_locale(
            "short March",
            |l| short_date_in(l, mar),
            ["Mar 3", "3. März", "3 mars", "3月3日"],
        );
        each_locale(
            "long",
            |l| long_date_in(l, nov),
            [
                "Nov 20, 2026",
                "20. Nov. 2026",
                "20 nov. 2026",
                "2026/11/20",
            ],
        );
        each_locale(
            "long March",
            |l| long_date_in(l, mar),
            ["Mar 3, 2026", "3. März 2026", "3 mars 2026", "2026/03/03"],
        );
        let late = nov.and_hms_opt(23, 59, 0).unwrap();
        let early = mar.and_hms_opt(9, 5, 0).unwrap();
        each_locale(
            "date and time",
            |l| date_time_in(l, late),
            [
                "Nov 20, 23:59",
                "20. Nov., 23:59",
                "20 nov., 23:59",
                "11月20日 23:59",
            ],
        );
        each_locale(
            "morning",
            |l| date_time_in(l, early),
            [
                "Mar 3, 09:05",
                "3. März, 09:05",
                "3 mars, 09:05",
                "3月3日 09:05",
            ],
        );
        // A ledger's moments, as Intl.DateTimeFormat writes them (short month, numeric day
        // and hour, two-digit minutes and seconds).
        let evening = nov.and_hms_opt(19, 27, 5).unwrap();
        let morning = mar.and_hms_opt(9, 5, 7).unwrap();
        each_locale(
            "moment",
            |l| moment_in(l, evening, false, false),
            [
                "Nov 20, 7:27 PM",
                "20. Nov., 19:27",
                "20 nov., 19:27",
                "11月20日 19:27",
            ],
        );
        each_locale(
            "moment with the year and seconds",
            |l| moment_in(l, morning, true, true),
            [
                "Mar 3, 2026, 9:05:07 AM",
                "3. März 2026, 9:05:07",
                "3 mars 2026, 9:05:07",
                "2026年3月3日 9:05:07",
            ],
        );
        each_locale(
            "midnight and noon",
            |l| {
                let midnight = moment_in(l, nov.and_hms_opt(0, 0, 0).unwrap(), false, false);
                let noon = moment_in(l, nov.and_hms_opt(12, 30, 0).unwrap(), false, false);
                format!("{midnight} / {noon}")
            },
            [
                "Nov 20, 12:00 AM / Nov 20, 12:30 PM",
                "20. Nov., 0:00 / 20. Nov., 12:30",
                "20 nov., 0:00 / 20 nov., 12:30",
                "11月20日 0:00 / 11月20日 12:30",
            ],
        );
        each_locale(
            "month",
            |l| month_label_in(l, nov),
            ["Nov 2026", "Nov. 2026", "nov. 2026", "2026年11月"],
        );
        each_locale(
            "September",
            |l| month_label_in(l, day("2026-09-01")),
            ["Sep 2026", "Sept. 2026", "sept. 2026", "2026年9月"],
        );
        each_locale(
            "long month",
            |l| long_month_label_in(l, nov),
            [
                "November 2026",
                "November 2026",
                "novembre 2026",
                "2026年11月",
            ],
        );
        each_locale(
            "long February",
            |l| long_month_label_in(l, day("2026-02-01")),
            ["February 2026", "Februar 2026", "février 2026", "2026年2月"],
        );
    }

    #[test]
    fn every_month_is_abbreviated_as_cldr_does() {
        let firsts = |l| {
            (1..=12)
                .map(|m| short_date_in(l, NaiveDate::from_ymd_opt(2026, m, 1).unwrap()))
                .collect::<Vec<_>>()
                .join("|")
        };
        assert_eq!(
            firsts(Locale::EnUs),
            "Jan 1|Feb 1|Mar 1|Apr 1|May 1|Jun 1|Jul 1|Aug 1|Sep 1|Oct 1|Nov 1|Dec 1"
        );
        assert_eq!(
            firsts(Locale::DeDe),
            "1. Jan.|1. Feb.|1. März|1. Apr.|1. Mai|1. Juni|1. Juli|1. Aug.|1. Sept.|1. Okt.|1. Nov.|1. Dez."
        );
        assert_eq!(
            firsts(Locale::FrFr),
            "1 janv.|1 févr.|1 mars|1 avr.|1 mai|1 juin|1 juil.|1 août|1 sept.|1 oct.|1 nov.|1 déc."
        );
        assert_eq!(
            firsts(Locale::JaJp),
            "1月1日|2月1日|3月1日|4月1日|5月1日|6月1日|7月1日|8月1日|9月1日|10月1日|11月1日|12月1日"
        );
    }

    #[test]
    fn date_ranges_in_each_locale() {
        each_locale(
            "same year",
            |l| date_range_in(l, &days("2026-10-23", "2026-11-21")),
            [
                "Oct 23 – Nov 21, 2026",
                "23. Okt. – 21. Nov. 2026",
                "23 oct. – 21 nov. 2026",
                "2026/10/23～2026/11/21",
            ],
        );
        each_locale(
            "across years",
            |l| date_range_in(l, &days("2025-12-30", "2026-01-05")),
            [
                "Dec 30, 2025 – Jan 5, 2026",
                "30. Dez. 2025 – 5. Jan. 2026",
                "30 déc. 2025 – 5 janv. 2026",
                "2025/12/30～2026/01/05",
            ],
        );
        each_locale(
            "one day",
            |l| date_range_in(l, &days("2026-11-21", "2026-11-21")),
            [
                "Nov 21, 2026",
                "21. Nov. 2026",
                "21 nov. 2026",
                "2026/11/21",
            ],
        );
    }

    #[test]
    fn the_current_locale_is_set_once_and_used_everywhere() {
        assert_eq!(locale(), Locale::EnUs);
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, 2);
        set_locale(Locale::DeDe);
        assert_eq!(locale(), Locale::DeDe);
        assert_eq!(amount(Amount::minor(123_456), &usd), "1.234,56\u{A0}$");
        assert_eq!(percent(8_250), "82,5\u{A0}%");
        assert_eq!(long_date(day("2026-11-20")), "20. Nov. 2026");
        assert_eq!(group_thousands("1234"), "1.234");
        // Another thread (a test's, natively) starts at the default.
        assert_eq!(
            std::thread::spawn(locale).join().unwrap(),
            Locale::default()
        );
        set_locale(Locale::default());
        assert_eq!(amount(Amount::minor(123_456), &usd), "$1,234.56");
    }

    #[test]
    fn typed_numbers_read_back_in_each_locale() {
        use Locale::*;
        assert_eq!(typed_decimal_in(EnUs, " $1,234.50 "), "1234.50");
        assert_eq!(typed_decimal_in(DeDe, "1.234,50 $"), "1234.50");
        assert_eq!(typed_decimal_in(FrFr, "1\u{202f}234,5\u{a0}$US"), "1234.5");
        assert_eq!(typed_decimal_in(FrFr, "1 234,5"), "1234.5");
        assert_eq!(typed_decimal_in(JaJp, "1,234.5"), "1234.5");
        // In German a point groups thousands: "1.5" is fifteen.
        assert_eq!(typed_decimal_in(DeDe, "1.5"), "15");
    }
}
