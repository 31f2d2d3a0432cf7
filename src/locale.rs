//! The locales the dashboard writes numbers, money and dates for, and the CLDR data each
//! needs: separators, month names and currency symbols. Written out here rather than taken
//! from ICU or the browser's `Intl`, so text is the same natively and in the browser, tests
//! are deterministic, and the wasm stays small.

/// A locale the dashboard formats for (`format` reads the current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    EnUs,
    DeDe,
    FrFr,
    JaJp,
}

impl Locale {
    /// Every supported locale, in the order error messages list them.
    pub const ALL: [Locale; 4] = [Locale::EnUs, Locale::DeDe, Locale::FrFr, Locale::JaJp];

    /// A BCP-47 tag, case-insensitively: `de-DE`, `de_de` or just the language (`de`). Other
    /// regions (`de-AT`, `en-GB`) are errors rather than a near miss: their dates and
    /// separators differ.
    pub fn parse(tag: &str) -> Result<Locale, String> {
        let wanted = tag.trim().replace('_', "-").to_ascii_lowercase();
        Locale::ALL
            .into_iter()
            .find(|l| {
                let full = l.tag().to_ascii_lowercase();
                wanted == full || full.split_once('-').is_some_and(|(lang, _)| wanted == lang)
            })
            .ok_or_else(|| {
                let supported: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
                format!(
                    "unknown locale “{}”: the supported ones are {}",
                    tag.trim(),
                    supported.join(", ")
                )
            })
    }

    /// The canonical BCP-47 tag: `en-US`, `de-DE`, `fr-FR`, `ja-JP`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::DeDe => "de-DE",
            Locale::FrFr => "fr-FR",
            Locale::JaJp => "ja-JP",
        }
    }

    /// Between groups of thousands: `,`, `.`, a narrow no-break space (French), `,`.
    pub fn group_separator(self) -> char {
        match self {
            Locale::EnUs | Locale::JaJp => ',',
            Locale::DeDe => '.',
            Locale::FrFr => '\u{202F}',
        }
    }

    /// Before the fraction.
    pub fn decimal_separator(self) -> char {
        match self {
            Locale::EnUs | Locale::JaJp => '.',
            Locale::DeDe | Locale::FrFr => ',',
        }
    }

    /// The abbreviated month (CLDR format width "abbreviated"), `month` in 1..=12: `Nov`,
    /// `Nov.`, `nov.`, `11月`. German and French abbreviate only the longer names (`Mai`,
    /// `mars`).
    pub(crate) fn month_abbr(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const DE: [&str; 12] = [
            "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
            "Dez.",
        ];
        const FR: [&str; 12] = [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ];
        const JA: [&str; 12] = [
            "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月",
        ];
        let names = match self {
            Locale::EnUs => &EN,
            Locale::DeDe => &DE,
            Locale::FrFr => &FR,
            Locale::JaJp => &JA,
        };
        month_of(names, month)
    }

    /// The month's full name (CLDR format width "wide"): `November`, `novembre`, `11月`.
    pub(crate) fn month_name(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const DE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        match self {
            Locale::EnUs => month_of(&EN, month),
            Locale::DeDe => month_of(&DE, month),
            Locale::FrFr => month_of(&FR, month),
            // Japanese months are numbered, abbreviated or not.
            Locale::JaJp => self.month_abbr(month),
        }
    }

    /// CLDR's symbol for a currency the dashboard prices in, where the locale has one
    /// (`$US` in French, where a bare `$` would be ambiguous); others are written as their
    /// ISO code.
    pub(crate) fn currency_symbol(self, code: &str) -> Option<&'static str> {
        Some(match (self, code) {
            (Locale::FrFr, "USD") => "$US",
            (_, "USD") => "$",
            (_, "EUR") => "€",
            (Locale::FrFr, "GBP") => "£GB",
            (_, "GBP") => "£",
            (Locale::DeDe, "AUD") => "AU$",
            (Locale::FrFr, "AUD") => "$AU",
            (_, "AUD") => "A$",
            _ => return None,
        })
    }
}

/// `names[month - 1]`, or `""` for a month out of range (chrono never gives one).
fn month_of(names: &[&'static str; 12], month: u32) -> &'static str {
    month
        .checked_sub(1)
        .and_then(|i| names.get(usize::try_from(i).ok()?))
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_case_insensitively_and_by_language() {
        for (tag, locale) in [
            ("en-US", Locale::EnUs),
            ("EN-us", Locale::EnUs),
            ("en", Locale::EnUs),
            ("de-DE", Locale::DeDe),
            ("de", Locale::DeDe),
            ("DE_de", Locale::DeDe),
            ("fr", Locale::FrFr),
            ("fr-fr", Locale::FrFr),
            (" ja-JP ", Locale::JaJp),
            ("JA", Locale::JaJp),
        ] {
            assert_eq!(Locale::parse(tag), Ok(locale), "{tag}");
        }
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.tag()), Ok(l));
        }
        assert_eq!(Locale::default(), Locale::EnUs);
    }

    #[test]
    fn an_unknown_tag_names_the_supported_ones() {
        for tag in ["de-AT", "en-GB", "es", "", "english"] {
            let e = Locale::parse(tag).unwrap_err();
            assert!(e.contains("en-US, de-DE, fr-FR, ja-JP"), "{tag}: {e}");
        }
        assert!(Locale::parse("xx-YY").unwrap_err().contains("xx-YY"));
    }
}
