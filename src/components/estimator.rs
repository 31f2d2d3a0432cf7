//! The cost estimator: one job or a batch of lines (feature, tier, quantity), priced by the
//! store against the balance; and, for a batch, the Cost Estimate dialog whose Confirm holds
//! every shot and hands them to the render queue.

use crate::components::render_queue::RenderQueue;
use crate::components::spend::{Outcome, Said, fresh_key};
use crate::format;
use crate::hooks::AccountData;
use crate::store::Store;
use creditboard_domain::Amount;
use creditboard_domain::account::MeterConfig;
use creditboard_domain::api::AccountView;
use creditboard_domain::batch::BatchRequest;
use creditboard_domain::ids::{Label, MeterId, TierId};
use creditboard_domain::ratecard::{
    Estimate, EstimateLine, FeatureRate, LineEstimate, MAX_ESTIMATE_LINES, Price, RateCard,
    describe_requirements,
};
use leptos::html;
use leptos::prelude::*;

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

/// One line as the form holds it.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    id: u32,
    label: String,
    feature: String,
    tier: String,
    quantity: String,
}

/// The lines as the store takes them, or the first problem ("Line 2: …").
fn parse_lines(drafts: &[Draft], card: &RateCard) -> Result<Vec<EstimateLine>, String> {
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

fn default_tier(f: &FeatureRate) -> String {
    f.prices
        .get(f.prices.len().saturating_sub(1) / 2)
        .and_then(|p| p.tier.as_ref())
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[component]
pub fn Estimator(account: AccountView, card: RateCard) -> impl IntoView {
    let store = Store::expect();
    let data = AccountData::expect();
    let queue = RenderQueue::expect();
    let first = card.features.first().cloned();
    let next_id = StoredValue::new(2u32);
    let lines = RwSignal::new(vec![Draft {
        id: 1,
        label: String::new(),
        feature: first.as_ref().map(|f| f.id.to_string()).unwrap_or_default(),
        tier: first.as_ref().map(default_tier).unwrap_or_default(),
        quantity: "10".into(),
    }]);
    let card = StoredValue::new(card);
    let account = StoredValue::new(account);
    let parsed = Memo::new(move |_| lines.with(|l| card.with_value(|c| parse_lines(l, c))));
    let s1 = store.clone();
    let estimate = LocalResource::new(move || {
        s1.track();
        let lines = parsed.get().ok();
        let store = s1.get();
        async move { Some(store.estimate(lines?).await) }
    });
    let add = move |_| {
        if lines.with(Vec::len) >= MAX_ESTIMATE_LINES {
            return;
        }
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        lines.update(|l| {
            let copy = l.last().cloned();
            l.push(Draft {
                id,
                label: String::new(),
                ..copy.unwrap_or(Draft {
                    id,
                    label: String::new(),
                    feature: String::new(),
                    tier: String::new(),
                    quantity: "1".into(),
                })
            });
        });
    };
    let dialog = NodeRef::<html::Dialog>::new();
    let confirming = RwSignal::new(false);
    let outcome = RwSignal::<Said>::new(None);
    let open_dialog = move |_| {
        outcome.set(None);
        if let Some(d) = dialog.get_untracked() {
            let _ = d.show_modal();
        }
    };
    let close_dialog = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let s2 = store.clone();
    let confirm = move |_| {
        let Ok(lines) = parsed.get_untracked() else {
            return;
        };
        let names: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.label
                    .as_ref()
                    .map_or_else(|| format!("Shot {}", i + 1), |x| x.to_string())
            })
            .collect();
        let store = s2.clone();
        confirming.set(true);
        leptos::task::spawn_local(async move {
            let request = BatchRequest {
                key: fresh_key("batch"),
                lines,
                project: None,
            };
            let result = store.get().hold_batch(request).await;
            confirming.set(false);
            close_dialog();
            match result {
                Ok(held) => {
                    let n = held.len();
                    queue.start(held, names);
                    outcome.set(Some(Ok(format!(
                        "{n} shots held and rendering: follow them in the render queue above."
                    ))));
                }
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
            store.changed();
        });
    };
    let meter_of =
        move |id: &MeterId| account.with_value(|a| a.meters.iter().find(|m| &m.id == id).cloned());
    let results = move || {
        let problem = parsed.get().err();
        if let Some(p) = problem {
            return view! { <p class="bad" role="alert">{p}</p> }.into_any();
        }
        match estimate.get() {
            Some(Some(Ok(e))) => estimate_view(&e, &meter_of, card).into_any(),
            Some(Some(Err(e))) => {
                view! { <p class="bad" role="alert">{e.to_string()}</p> }.into_any()
            }
            _ => view! { <p class="muted">"Pricing…"</p> }.into_any(),
        }
    };
    let can_run = move || matches!(estimate.get(), Some(Some(Ok(e))) if e.can_run());
    let in_units = move || {
        let balance = data.balance.get().and_then(Result::ok)?;
        let parts: Vec<String> = account.with_value(|a| {
            card.with_value(|c| {
                balance
                    .meters
                    .iter()
                    .filter_map(|m| {
                        let meter = a.meters.iter().find(|x| x.id == m.balance.meter)?;
                        let units = balance_in_units(c, meter, m.balance.available, 2);
                        (!units.is_empty()).then(|| {
                            format!(
                                "{} ≈ {}",
                                format::amount(m.balance.available, meter),
                                units.join(" or ")
                            )
                        })
                    })
                    .collect()
            })
        });
        Some(format!("Your balance: {}.", parts.join("; ")))
    };
    view! {
        <section class="card estimator" aria-labelledby="estimator-title" data-testid="estimator">
            <h2 id="estimator-title">"Cost estimator"</h2>
            <p class="muted" data-testid="balance-in-units">{in_units}</p>
            <ol class="estimate-lines">
                <For each=move || lines.get() key=|d| d.id let(d)>
                    {line_row(d, lines, card)}
                </For>
            </ol>
            <div class="estimate-actions">
                <button type="button" class="button" on:click=add>"Add a line"</button>
            </div>
            <div class="estimate-result" aria-live="polite" data-testid="estimate-result">{results}</div>
            <div class="estimate-actions">
                <button
                    type="button"
                    class="button primary"
                    data-testid="generate"
                    disabled=move || !can_run()
                    on:click=open_dialog
                >
                    "Generate…"
                </button>
            </div>
            <p class="outcome" role="status" data-testid="generate-outcome">
                <Outcome outcome />
            </p>
            <dialog node_ref=dialog class="cost-dialog" aria-labelledby="cost-title" data-testid="cost-estimate">
                <h2 id="cost-title">"Cost estimate"</h2>
                {move || match estimate.get() {
                    Some(Some(Ok(e))) => dialog_table(&e, &meter_of, card).into_any(),
                    _ => ().into_any(),
                }}
                <p class="muted">"Nothing is spent until you confirm. Each shot's cost is held now and charged when it completes; a failed shot costs nothing."</p>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| close_dialog()>"Cancel"</button>
                    <button
                        type="button"
                        class="button primary"
                        data-testid="confirm-batch"
                        disabled=move || confirming.get()
                        on:click=confirm
                    >
                        {move || if confirming.get() { "Holding…" } else { "Confirm" }}
                    </button>
                </div>
            </dialog>
        </section>
    }
}

/// One line of the form. Rows are keyed by id, so typing in one never rebuilds the others
/// (nor itself): only the parts that depend on the chosen feature follow it.
fn line_row(d: Draft, lines: RwSignal<Vec<Draft>>, card: StoredValue<RateCard>) -> impl IntoView {
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

fn estimate_view(
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
fn dialog_table(
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
            view! {
                <tr>
                    <th scope="row">{line_label(l, i, "Shot")}</th>
                    <td>{l.engine.as_ref().map_or_else(|| l.feature_name.clone(), |x| x.to_string())}</td>
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
        <div class="table-wrap" tabindex="0" role="region" aria-label="Shots in this batch">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Shot"</th>
                        <th scope="col">"Engine"</th>
                        <th scope="col">"Quality"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col" class="num">"Estimated cost"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="estimate-total" data-testid="batch-total"><strong>{total}</strong></p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::preset::{Preset, PresetId};

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
