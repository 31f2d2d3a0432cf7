//! The estimator's lines as the form holds them (feature, tier, quantity, a label), read into
//! what the account prices, and one line's row of fields.

use creditboard_domain::ids::{Label, TierId};
use creditboard_domain::ratecard::{EstimateLine, FeatureRate, RateCard};
use leptos::prelude::*;

/// One line as the form holds it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) id: u32,
    pub(super) label: String,
    pub(super) feature: String,
    pub(super) tier: String,
    pub(super) quantity: String,
}

/// The lines as the store takes them, or the first problem ("Line 2: …").
pub(super) fn parse_lines(drafts: &[Draft], card: &RateCard) -> Result<Vec<EstimateLine>, String> {
    drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = i + 1;
            let feature = card
                .features
                .iter()
                .find(|f| f.id.as_str() == d.feature)
                .ok_or_else(|| format!("Line {n}: choose a feature."))?;
            let quantity: u64 = d
                .quantity
                .trim()
                .replace(',', "")
                .parse()
                .ok()
                .filter(|q| *q > 0)
                .ok_or_else(|| {
                    format!(
                        "Line {n}: the quantity is a whole number of {} above zero.",
                        feature.unit.count_label(2).trim_start_matches("2 ")
                    )
                })?;
            let tier = if feature.is_tiered() {
                Some(
                    TierId::new(&d.tier)
                        .map_err(|_| format!("Line {n}: choose a quality tier."))?,
                )
            } else {
                None
            };
            let label = match d.label.trim() {
                "" => None,
                text => Some(Label::new(text).map_err(|e| format!("Line {n}: {e}"))?),
            };
            Ok(EstimateLine {
                feature: feature.id.clone(),
                tier,
                quantity,
                label,
            })
        })
        .collect()
}

pub(super) fn default_tier(f: &FeatureRate) -> String {
    f.prices
        .get(f.prices.len().saturating_sub(1) / 2)
        .and_then(|p| p.tier.as_ref())
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The estimator's card: the lines, their price against the balance, and Generate's dialog.
/// One line of the form. Rows are keyed by id, so typing in one never rebuilds the others
/// (nor itself): only the parts that depend on the chosen feature follow it.
pub(super) fn line_row(
    d: Draft,
    lines: RwSignal<Vec<Draft>>,
    card: StoredValue<RateCard>,
) -> impl IntoView {
    let id = d.id;
    let n =
        Memo::new(move |_| lines.with(|l| l.iter().position(|x| x.id == id).map_or(0, |i| i + 1)));
    let set = move |f: fn(&mut Draft, String), v: String| {
        lines.update(|l| {
            if let Some(d) = l.iter_mut().find(|d| d.id == id) {
                f(d, v);
            }
        });
    };
    let chosen = Memo::new(move |_| {
        lines.with(|l| l.iter().find(|d| d.id == id).map(|d| d.feature.clone()))
    });
    let feature = move || {
        let chosen = chosen.get()?;
        card.with_value(|c| c.features.iter().find(|f| f.id.as_str() == chosen).cloned())
    };
    let options = card.with_value(|c| {
        c.categories
            .iter()
            .map(|cat| {
                let opts = c
                    .features
                    .iter()
                    .filter(|f| f.category == cat.id)
                    .map(|f| {
                        view! {
                            <option value=f.id.to_string() selected=f.id.as_str() == d.feature>
                                {f.name.clone()}
                            </option>
                        }
                    })
                    .collect_view();
                view! { <optgroup label=cat.name.clone()>{opts}</optgroup> }
            })
            .collect_view()
    });
    let tiers = move || {
        let f = feature().filter(FeatureRate::is_tiered)?;
        let current = lines.with_untracked(|l| {
            l.iter()
                .find(|d| d.id == id)
                .map(|d| d.tier.clone())
                .unwrap_or_default()
        });
        let opts = f
            .prices
            .iter()
            .filter_map(|p| p.tier.as_ref())
            .map(|t| {
                let name = card.with_value(|c| c.tier_name(t.as_str()).to_owned());
                view! { <option value=t.to_string() selected=t.as_str() == current>{name}</option> }
            })
            .collect_view();
        Some(view! {
            <label class="field">
                <span>"Quality"</span>
                <select on:change:target=move |ev| set(|d, v| d.tier = v, ev.target().value())>{opts}</select>
            </label>
        })
    };
    let unit = move || {
        feature()
            .map(|f| f.unit.count_label(2).trim_start_matches("2 ").to_owned())
            .unwrap_or_default()
    };
    view! {
        <li class="estimate-line" data-testid=move || format!("line-{}", n.get())>
            <label class="field">
                <span>{move || format!("Line {} name", n.get())}</span>
                <input
                    type="text"
                    placeholder="Optional (shot name)"
                    prop:value=d.label.clone()
                    on:input:target=move |ev| set(|d, v| d.label = v, ev.target().value())
                />
            </label>
            <label class="field">
                <span>"Feature"</span>
                <select on:change:target=move |ev| {
                    let v = ev.target().value();
                    let tier = card
                        .with_value(|c| c.features.iter().find(|f| f.id.as_str() == v).map(default_tier))
                        .unwrap_or_default();
                    lines.update(|l| {
                        if let Some(d) = l.iter_mut().find(|d| d.id == id) {
                            d.feature = v;
                            d.tier = tier;
                        }
                    });
                }>{options}</select>
            </label>
            {tiers}
            <label class="field quantity">
                <span>{move || format!("Quantity ({})", unit())}</span>
                <input
                    type="text"
                    inputmode="numeric"
                    prop:value=d.quantity.clone()
                    on:input:target=move |ev| set(|d, v| d.quantity = v, ev.target().value())
                />
            </label>
            <button
                type="button"
                class="icon-button"
                aria-label=move || format!("Remove line {}", n.get())
                disabled=move || lines.with(Vec::len) == 1
                on:click=move |_| lines.update(|l| l.retain(|d| d.id != id))
            >
                "×"
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::preset::{Preset, PresetId};

    use super::super::prices::price_text;

    #[test]
    fn prices_read_per_unit_and_lines_are_checked() {
        let preset = Preset::get(PresetId::Videogen).unwrap();
        let card = &preset.rate_card;
        let meter = &preset.config.meters[0];
        let f = |id: &str| card.features.iter().find(|f| f.id.as_str() == id).unwrap();
        let voice = f("voiceover");
        assert_eq!(
            price_text(voice.prices[0].price, voice, meter),
            "1 credit per 25 characters"
        );
        let clip = f("ai_video_clip");
        assert_eq!(
            price_text(clip.prices[0].price, clip, meter),
            "20 credits per second"
        );
        let draft = |feature: &str, tier: &str, quantity: &str| Draft {
            id: 1,
            label: String::new(),
            feature: feature.into(),
            tier: tier.into(),
            quantity: quantity.into(),
        };
        let lines = parse_lines(&[draft("ai_image", "high", "12")], card).unwrap();
        assert_eq!(lines[0].quantity, 12);
        assert_eq!(lines[0].tier.as_ref().unwrap().as_str(), "high");
        let err = |d| parse_lines(&[draft("export_1080p", "", "1"), d], card).unwrap_err();
        assert_eq!(err(draft("nope", "", "1")), "Line 2: choose a feature.");
        assert_eq!(
            err(draft("ai_image", "high", "0")),
            "Line 2: the quantity is a whole number of images above zero."
        );
        assert_eq!(
            err(draft("voiceover", "", "ten")),
            "Line 2: the quantity is a whole number of characters above zero."
        );
    }
}
