//! What an estimate says: each line's cost, the total per meter and whether the balance covers
//! it, and the Cost Estimate dialog's table of shots.

use crate::format;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::presentation::EstimateWords;
use creditboard_domain::ids::MeterId;
use creditboard_domain::ratecard::{Estimate, LineEstimate, RateCard, describe_requirements};
use leptos::prelude::*;

/// A line's name: its label, or "<word> <n>" when it has none.
fn line_label(l: &LineEstimate, i: usize, word: &str) -> String {
    l.label
        .as_ref()
        .map_or_else(|| format!("{word} {}", i + 1), |x| x.to_string())
}

/// A line's cost in its meter's unit.
fn line_cost(l: &LineEstimate, meter_of: &dyn Fn(&MeterId) -> Option<MeterConfig>) -> String {
    meter_of(&l.meter)
        .map(|m| format::amount(l.cost, &m))
        .unwrap_or_default()
}

/// A line's quality tier as the rate card names it.
fn line_tier(l: &LineEstimate, card: StoredValue<RateCard>) -> Option<String> {
    l.tier
        .as_ref()
        .map(|t| card.with_value(|c| c.tier_name(t.as_str()).to_owned()))
}

pub(super) fn estimate_view(
    e: &Estimate,
    meter_of: &dyn Fn(&MeterId) -> Option<MeterConfig>,
    card: StoredValue<RateCard>,
) -> impl IntoView + use<> {
    let rows = e
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cost = line_cost(l, meter_of);
            let tier = line_tier(l, card).unwrap_or_default();
            let unmet = (!l.unmet.is_empty()).then(|| {
                format!("{} first", describe_requirements(&l.unmet)).replacen("needs", "Needs", 1)
            });
            view! {
                <tr>
                    <th scope="row">{line_label(l, i, "Line")}</th>
                    <td>{l.feature_name.clone()}</td>
                    <td>{tier}</td>
                    <td class="num">{format::quantity(l.unit, l.quantity)}</td>
                    <td class="num">{cost}</td>
                    <td class="bad">{unmet}</td>
                </tr>
            }
        })
        .collect_view();
    let totals = e
        .meters
        .iter()
        .filter_map(|t| {
            let m = meter_of(&t.meter)?;
            let verdict = if t.covered {
                format!(
                    "Your balance covers it: {} → {} after. ≈ {} more like this.",
                    format::amount(t.available, &m),
                    format::amount(t.balance_after, &m),
                    format::group_thousands(&t.more_like_this.to_string())
                )
            } else {
                format!(
                    "Not enough: {} available, {} short. Buy credits or turn on top-ups on the Billing page.",
                    format::amount(t.available, &m),
                    format::amount(t.balance_after.abs(), &m)
                )
            };
            Some(view! {
                <p class=if t.covered { "estimate-total" } else { "estimate-total bad" } data-testid=format!("estimate-total-{}", t.meter)>
                    <strong>{format!("Total {}", format::amount(t.total, &m))}</strong>
                    " · "
                    {verdict}
                </p>
            })
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Estimate by line">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Line"</th>
                        <th scope="col">"Feature"</th>
                        <th scope="col">"Quality"</th>
                        <th scope="col" class="num">"Quantity"</th>
                        <th scope="col" class="num">"Cost"</th>
                        <th scope="col"><span class="visually-hidden">"Requirements"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {totals}
    }
}

/// The Cost Estimate dialog's table: shot, engine, tier, duration, cost; the batch total.
pub(super) fn dialog_table(
    e: &Estimate,
    meter_of: &dyn Fn(&MeterId) -> Option<MeterConfig>,
    card: StoredValue<RateCard>,
    words: &EstimateWords,
) -> impl IntoView + use<> {
    let line_word = words.line.to_string();
    let by_engine = words.by_engine;
    let rows = e
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cost = line_cost(l, meter_of);
            view! {
                <tr>
                    <th scope="row">{line_label(l, i, &line_word)}</th>
                    <td>
                        {match (&l.engine, by_engine) {
                            (Some(engine), true) => engine.to_string(),
                            _ => l.feature_name.clone(),
                        }}
                    </td>
                    <td>{line_tier(l, card)}</td>
                    <td class="num">{format::quantity(l.unit, l.quantity)}</td>
                    <td class="num">{cost}</td>
                </tr>
            }
        })
        .collect_view();
    let total = e
        .meters
        .iter()
        .filter_map(|t| {
            Some(format!(
                "Batch total: {}",
                format::amount(t.total, &meter_of(&t.meter)?)
            ))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="What this batch runs">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">{words.line.to_string()}</th>
                        <th scope="col">{words.what.to_string()}</th>
                        <th scope="col">{words.tier.to_string()}</th>
                        <th scope="col" class="num">{words.quantity.to_string()}</th>
                        <th scope="col" class="num">"Estimated cost"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="estimate-total" data-testid="batch-total"><strong>{total}</strong></p>
    }
}
