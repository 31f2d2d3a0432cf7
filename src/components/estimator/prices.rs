//! Prices and balances as text a person reads: "20 credits per second", "≈ 2,974 seconds of
//! Shot render".

use crate::format;
use creditboard_domain::Amount;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::ratecard::{FeatureRate, Price, RateCard};

/// "10 credits per second", "1 credit per 20 characters", "$0.50 per use".
pub fn price_text(price: Price, feature: &FeatureRate, meter: &MeterConfig) -> String {
    let amount = format::amount(price.amount, meter);
    if price.per == 1 {
        format!("{amount} {}", feature.unit.per_label())
    } else {
        format!(
            "{amount} per {}",
            feature.unit.count_label(u64::from(price.per))
        )
    }
}

/// The balance in product units: "≈ 2,974 seconds of Shot render (Veo 3), Standard" for the
/// first feature of each category (at its middle tier), at most `limit` of them.
pub fn balance_in_units(
    card: &RateCard,
    meter: &MeterConfig,
    available: Amount,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    for category in &card.categories {
        let Some(f) = card
            .features
            .iter()
            .find(|f| f.category == category.id && f.meter == meter.id)
        else {
            continue;
        };
        let Some(p) = f.prices.get(f.prices.len().saturating_sub(1) / 2) else {
            continue;
        };
        let n = p.price.affordable(available);
        let tier = p
            .tier
            .as_ref()
            .map(|t| format!(" ({})", card.tier_name(t.as_str())))
            .unwrap_or_default();
        out.push(format!(
            "{} of {}{tier}",
            format::quantity(f.unit, n),
            f.name
        ));
        if out.len() == limit {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::preset::{Preset, PresetId};

    #[test]
    fn the_balance_reads_in_product_units() {
        let preset = Preset::get(PresetId::Videogen).unwrap();
        let meter = &preset.config.meters[0];
        // 1,000 credits: 1080p export at 1 a second, AI video at 20 a second.
        let units = balance_in_units(&preset.rate_card, meter, Amount::minor(1_000), 2);
        assert_eq!(
            units,
            [
                "1,000 seconds of Video export (1080p)",
                "50 seconds of AI video clip"
            ]
        );
    }
}
