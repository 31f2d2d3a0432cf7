//! Route `/rates`: every feature's price by category, quality tiers side by side, what each
//! needs (a plan, top-ups), a search box (`?q=`, in the URL like all view state), and the
//! cost estimator.

use crate::components::estimator::{Estimator, price_text};
use crate::components::states::ErrorPanel;
use crate::hooks::AccountData;
use crate::hooks::url::use_set_query;
use crate::view::{pairs, with_changes};
use creditboard_domain::api::AccountView;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::ratecard::{FeatureRate, RateCard, Requirement, describe_requirements};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RatesPage() -> impl IntoView {
    let data = AccountData::expect();
    let query = use_query_map();
    let set_query = use_set_query();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let typed = RwSignal::new(search.get_untracked());
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = typed.get_untracked();
        let value = (!q.trim().is_empty()).then(|| q.trim().to_owned());
        set_query(with_changes(
            &pairs(&query.read_untracked()),
            &[("q", value)],
        ));
    };
    // Built once per account: a batch or a purchase refetches the account, which must not
    // wipe the estimator's lines.
    let ready = Memo::new(move |_| match (data.account.get(), data.rate_card.get()) {
        (Some(Ok(a)), Some(Ok(_))) => Some(Ok(a.id.clone())),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        _ => None,
    });
    let body = move || match ready.get() {
        Some(Ok(_)) => {
            let (Some(Ok(account)), Some(Ok(card))) =
                (data.account.get_untracked(), data.rate_card.get_untracked())
            else {
                return ().into_any();
            };
            view! {
                <RateTables account=account.clone() card=card.clone() search=search />
                <Estimator account=account card=card />
            }
            .into_any()
        }
        Some(Err(e)) => view! {
            <ErrorPanel what="the rate card" error=e retry=move |_| data.refetch() />
        }
        .into_any(),
        None => view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any(),
    };
    view! {
        <header class="page-head">
            <h1>"Rate card"</h1>
            <form class="search" role="search" on:submit=on_search>
                <label>
                    <span class="visually-hidden">"Search features"</span>
                    <input
                        type="search"
                        placeholder="Search features, engines, categories"
                        data-testid="rate-search"
                        prop:value=move || typed.get()
                        on:input:target=move |ev| typed.set(ev.target().value())
                    />
                </label>
                <button type="submit" class="button">"Search"</button>
            </form>
        </header>
        {body}
    }
}

#[component]
fn RateTables(account: AccountView, card: RateCard, search: Memo<String>) -> impl IntoView {
    move || {
        let matching: Vec<&FeatureRate> = card.search(&search.get()).collect();
        if matching.is_empty() {
            return view! {
                <p class="card muted" data-testid="rates-empty">
                    {format!("No feature matches “{}”.", search.get())}
                </p>
            }
            .into_any();
        }
        card.categories
            .iter()
            .filter_map(|cat| {
                let features: Vec<&FeatureRate> = matching
                    .iter()
                    .copied()
                    .filter(|f| f.category == cat.id)
                    .collect();
                (!features.is_empty())
                    .then(|| category_table(&cat.name, &features, &card, &account))
            })
            .collect_view()
            .into_any()
    }
}

fn category_table(
    name: &str,
    features: &[&FeatureRate],
    card: &RateCard,
    account: &AccountView,
) -> impl IntoView + use<> {
    // Tier columns: the card's tiers any of these features is priced at, in the card's order.
    let tiers: Vec<_> = card
        .tiers
        .iter()
        .filter(|t| {
            features
                .iter()
                .any(|f| f.prices.iter().any(|p| p.tier.as_ref() == Some(&t.id)))
        })
        .cloned()
        .collect();
    let tiered = !tiers.is_empty();
    let headers = if tiered {
        tiers
            .iter()
            .map(|t| view! { <th scope="col" class="num">{t.name.clone()}</th> })
            .collect_view()
            .into_any()
    } else {
        view! { <th scope="col" class="num">"Price"</th> }.into_any()
    };
    let meter_of = |f: &FeatureRate| -> Option<MeterConfig> {
        account.meters.iter().find(|m| m.id == f.meter).cloned()
    };
    let rows = features
        .iter()
        .map(|f| {
            let meter = meter_of(f);
            let price_cell = |p: &creditboard_domain::ratecard::TierPrice| {
                meter
                    .as_ref()
                    .map(|m| price_text(p.price, f, m))
                    .unwrap_or_default()
            };
            let cells = if tiered {
                tiers
                    .iter()
                    .map(|t| {
                        let text = f
                            .prices
                            .iter()
                            .find(|p| p.tier.as_ref() == Some(&t.id))
                            .map(price_cell)
                            .unwrap_or_else(|| "—".into());
                        view! { <td class="num">{text}</td> }
                    })
                    .collect_view()
                    .into_any()
            } else {
                let text = f.prices.first().map(price_cell).unwrap_or_default();
                view! { <td class="num">{text}</td> }.into_any()
            };
            let needs = needs_text(f, card);
            // The badge is for a feature that needs top-ups at every tier; one tier's need (AI
            // image's High quality) is said in the requirements column.
            let top_ups = !f.prices.is_empty()
                && f.prices
                    .iter()
                    .all(|p| f.requirements(p).contains(&Requirement::TopUpsEnabled));
            view! {
                <tr data-testid=format!("rate-{}", f.id)>
                    <th scope="row">
                        {f.name.clone()}
                        {top_ups.then(|| view! { <span class="badge needs-top-ups">"Requires top-ups"</span> })}
                    </th>
                    <td>{f.engine.as_ref().map(|e| e.to_string())}</td>
                    {cells}
                    <td class="needs">{needs}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card rate-category" aria-label=name.to_owned()>
            <h2>{name.to_owned()}</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label=format!("{name} prices")>
                <table class="data-table">
                    <thead>
                        <tr>
                            <th scope="col">"Feature"</th>
                            <th scope="col">"Engine"</th>
                            {headers}
                            <th scope="col">"Requirements"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// "High needs a Pro plan and top-ups enabled", tier by tier.
fn needs_text(f: &FeatureRate, card: &RateCard) -> String {
    let mut parts = Vec::new();
    if !f.requires.is_empty() {
        parts.push(capitalized(&describe_requirements(&f.requires)));
    }
    for p in &f.prices {
        let own: Vec<Requirement> = p
            .requires
            .iter()
            .copied()
            .filter(|r| !f.requires.contains(r))
            .collect();
        if let (Some(t), false) = (&p.tier, own.is_empty()) {
            parts.push(format!(
                "{} {}",
                card.tier_name(t.as_str()),
                describe_requirements(&own)
            ));
        }
    }
    parts.join("; ")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
