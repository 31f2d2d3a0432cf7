//! Buying credits: a pack or an exact amount, quoted by the domain, then a confirmation step
//! before the purchase is made (with a key of its own, so a retry never buys twice).

use crate::browser::fresh_key;
use crate::components::spend::{AdminOnlyNote, Outcome, Said, parse_positive};
use crate::format;
use crate::hooks::account::use_may;
use crate::hooks::billing::use_buy;
use creditboard_domain::Amount;
use creditboard_domain::DomainError;
use creditboard_domain::access::Action;
use creditboard_domain::api::BuyRequest;
use creditboard_domain::billing::{PurchaseChoice, quote_offer};
use creditboard_domain::config::meter::{BucketKind, MeterConfig, MeterUnit};
use creditboard_domain::config::offer::{Money, PurchaseOffer};
use creditboard_domain::entry::EntryStatus;
use creditboard_domain::ids::IdempotencyKey;
use leptos::prelude::*;

/// The choice being made, as the form holds it.
#[derive(Debug, Clone, PartialEq)]
enum Picked {
    Pack(String),
    Exact,
}

/// A purchase ready to confirm.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    choice: PurchaseChoice,
    key: IdempotencyKey,
    summary: String,
}

/// Where bought credits go, as the confirmation says it.
fn bucket_phrase(kind: BucketKind) -> &'static str {
    match kind {
        BucketKind::Rollover => "your rollover bank",
        _ => "your additional credits",
    }
}

/// The question before paying. A balance in money (Foto Master's dollars) is topped up: the
/// amount is the price, said once.
fn confirm_text(credits: &Amount, price: &Money, into: BucketKind, meter: &MeterConfig) -> String {
    match meter.unit {
        MeterUnit::Currency { .. } => format!(
            "Add {} to your balance? It is charged to the payment method on file.",
            format::money(price)
        ),
        _ => format!(
            "Buy {} for {}? They go into {}.",
            format::amount(*credits, meter),
            format::money(price),
            bucket_phrase(into)
        ),
    }
}

/// What a purchase came to.
fn bought_text(credits: &Amount, price: &Money, meter: &MeterConfig) -> String {
    match meter.unit {
        MeterUnit::Currency { .. } => {
            format!("Added {} to your balance.", format::amount(*credits, meter))
        }
        _ => format!(
            "Bought {} for {}. They are in your balance now.",
            format::amount(*credits, meter),
            format::money(price)
        ),
    }
}

/// The "Buy credits" card of one meter: what to buy, the confirmation, what it came to.
#[component]
pub fn BuyCredits(
    meter: MeterConfig,
    offer: Option<PurchaseOffer>,
    /// Whom to ask, besides the administrator, where nothing is sold (the product's words).
    #[prop(optional)]
    support: Option<String>,
) -> impl IntoView {
    let Some(offer) = offer else {
        return view! {
            <div class="card billing-card" data-testid=format!("not-sold-{}", meter.id)>
                <h2>"Buy credits"</h2>
                <p class="muted">
                    {format!(
                        "{} cannot be bought here. To increase your allocation, contact your account administrator or {}.",
                        meter.name,
                        support.as_deref().unwrap_or("support"),
                    )}
                </p>
            </div>
        }
        .into_any();
    };
    let may = use_may(Action::BuyCredits);
    let first = offer
        .packs
        .first()
        .map_or(Picked::Exact, |p| Picked::Pack(p.id.clone()));
    let picked = RwSignal::new(first);
    let exact_text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(None::<Pending>);
    let outcome = RwSignal::<Said>::new(None);
    let buy = use_buy();
    let busy = buy.pending();
    let m0 = meter.clone();
    Effect::new(move |_| match buy.value().get() {
        Some(Ok(done)) => {
            pending.set(None);
            outcome.set(Some(Ok(match done.status {
                // The provider has not answered yet: the server settles it when it does.
                EntryStatus::Pending => "Your payment is being confirmed: the credits are added as soon as it goes through.".to_string(),
                _ => bought_text(&done.quote.credits, &done.quote.price, &m0),
            })));
        }
        // A declined card or a refusal: nothing was added. The attempt stays in the ledger
        // under its key, so trying again is a new purchase (a new key, from the review).
        Some(Err(e)) => {
            pending.set(None);
            outcome.set(Some(Err(e.to_string())));
        }
        None => {}
    });
    let (m1, o1) = (meter.clone(), offer.clone());
    let review = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        let choice = match picked.get_untracked() {
            Picked::Pack(id) => PurchaseChoice::Pack(id),
            Picked::Exact => match parse_positive(&exact_text.get_untracked(), &m1) {
                Ok(a) => PurchaseChoice::Exact(a),
                Err(e) => return problem.set(Some(e)),
            },
        };
        // The domain's own quote: the form refuses what the store would.
        let q = match quote_offer(&m1, Some(&o1), &choice) {
            Ok(q) => q,
            Err(DomainError::AmountOutsideOffer { min, max, .. }) => {
                return problem.set(Some(format!(
                    "Buy between {} and {}.",
                    format::amount(min, &m1),
                    format::amount(max, &m1)
                )));
            }
            Err(e) => return problem.set(Some(e.to_string())),
        };
        problem.set(None);
        pending.set(Some(Pending {
            choice,
            key: fresh_key("buy"),
            summary: confirm_text(&q.credits, &q.price, q.into, &m1),
        }));
    };
    let m2 = meter.clone();
    let confirm = move |_| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        buy.dispatch(BuyRequest {
            meter: m2.id.clone(),
            choice: p.choice.clone(),
            key: p.key.clone(),
        });
    };
    let packs = offer.packs.clone();
    let exact = offer.exact;
    let m3 = meter.clone();
    view! {
        <div class="card billing-card" data-testid=format!("buy-{}", meter.id)>
            <h2>"Buy credits"</h2>
            <AdminOnlyNote action=Action::BuyCredits />
            <form on:submit=review novalidate>
                <fieldset class="choices" disabled=move || !may.get() || pending.with(Option::is_some)>
                    <legend class="visually-hidden">"What to buy"</legend>
                    {packs
                        .into_iter()
                        .map(|p| {
                            let id = p.id.clone();
                            let id2 = p.id.clone();
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name=format!("buy-{}", m3.id)
                                        value=p.id.clone()
                                        prop:checked=move || picked.get() == Picked::Pack(id.clone())
                                        on:change=move |_| picked.set(Picked::Pack(id2.clone()))
                                    />
                                    <span class="choice-name">{p.name.clone()}</span>
                                    <span class="choice-price">{format::money(&p.price)}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                    {exact
                        .map(|range| {
                            let m = m3.clone();
                            let hint = format!(
                                "From {} to {}",
                                format::amount(range.min, &m),
                                format::amount(range.max, &m),
                            );
                            let several = !offer.packs.is_empty();
                            view! {
                                <div class="choice exact">
                                    {several
                                        .then(|| {
                                            view! {
                                                <input
                                                    type="radio"
                                                    name=format!("buy-{}", m.id)
                                                    aria-label="Exact amount"
                                                    prop:checked=move || picked.get() == Picked::Exact
                                                    on:change=move |_| picked.set(Picked::Exact)
                                                />
                                            }
                                        })}
                                    <label class="exact-field">
                                        <span>"Amount"</span>
                                        <input
                                            type="text"
                                            inputmode="decimal"
                                            data-testid="buy-amount"
                                            aria-invalid=move || problem.with(Option::is_some).to_string()
                                            aria-describedby=format!("buy-hint-{}", m.id)
                                            prop:value=move || exact_text.get()
                                            on:input:target=move |ev| {
                                                exact_text.set(ev.target().value());
                                                picked.set(Picked::Exact);
                                            }
                                        />
                                    </label>
                                    <span class="muted" id=format!("buy-hint-{}", m.id)>{hint}</span>
                                </div>
                            }
                        })}
                </fieldset>
                <p class="field-error" role="alert">{move || problem.get()}</p>
                <Show when=move || pending.with(Option::is_none)>
                    <button type="submit" class="button primary" disabled=move || !may.get()>
                        "Review purchase"
                    </button>
                </Show>
            </form>
            <Show when=move || pending.with(Option::is_some)>
                <div class="confirm" role="group" aria-label="Confirm the purchase">
                    <p>{move || pending.get().map(|p| p.summary)}</p>
                    <button
                        type="button"
                        class="button primary"
                        data-testid="confirm-purchase"
                        disabled=move || busy.get()
                        on:click=confirm.clone()
                    >
                        {move || if busy.get() { "Buying…" } else { "Confirm purchase" }}
                    </button>
                    <button type="button" class="button" on:click=move |_| pending.set(None)>
                        "Back"
                    </button>
                </div>
            </Show>
            <p class="outcome" role="status" data-testid="buy-outcome">
                <Outcome outcome />
            </p>
        </div>
    }
    .into_any()
}
