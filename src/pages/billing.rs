//! Route `/billing`: buy credits, automatic top-ups (with what they would cost at the recent
//! burn rate), low-balance alerts and the alerts that fired. Members see it all read-only;
//! every change goes through the store, which checks the role again.

use crate::components::spend::{
    AdminOnlyNote, Outcome, Said, alert_text, fresh_key, parse_amount, parse_positive, use_may,
};
use crate::components::states::ErrorPanel;
use crate::format;
use crate::hooks::AccountData;
use crate::store::Store;
use creditboard_domain::DomainError;
use creditboard_domain::access::Action;
use creditboard_domain::account::{
    AlertLevel, AutoTopUp, BucketKind, MeterConfig, PurchaseOffer, SettingsChange, TopUpAmount,
};
use creditboard_domain::api::{AccountView, BuyRequest, TopUpSimulationRequest};
use creditboard_domain::billing::{PurchaseChoice, TopUpSimulation, quote_offer};
use creditboard_domain::ids::IdempotencyKey;
use creditboard_domain::ratecard::{RateCard, Requirement};
use leptos::prelude::*;

#[component]
pub fn BillingPage() -> impl IntoView {
    let data = AccountData::expect();
    // The forms are built once per account and viewer: a purchase or a saved setting
    // refetches the account, which must not wipe what the forms show (their outcome).
    let ready = Memo::new(move |_| match (data.account.get(), data.rate_card.get()) {
        (Some(Ok(a)), Some(Ok(_))) => Some(Ok((a.id.clone(), a.viewer.clone()))),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        _ => None,
    });
    let page = move || match ready.get() {
        Some(Ok(_)) => {
            let (Some(Ok(account)), Some(Ok(card))) =
                (data.account.get_untracked(), data.rate_card.get_untracked())
            else {
                return ().into_any();
            };
            let meters = account.meters.clone();
            meters
                .into_iter()
                .map(|meter| {
                    let offer = account.offer(&meter.id).cloned();
                    view! {
                        <section class="billing-meter" aria-label=meter.name.clone()>
                            {(account.meters.len() > 1)
                                .then(|| view! { <h2 class="section-title">{meter.name.clone()}</h2> })}
                            <div class="billing-grid">
                                <div class="billing-stack">
                                    <BuyCredits meter=meter.clone() offer=offer />
                                    <Alerts meter=meter.clone() account=account.clone() />
                                </div>
                                <TopUps meter=meter.clone() card=card.clone() />
                            </div>
                        </section>
                    }
                })
                .collect_view()
                .into_any()
        }
        Some(Err(e)) => view! {
            <ErrorPanel what="your billing settings" error=e retry=move |_| data.refetch() />
        }
        .into_any(),
        None => view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any(),
    };
    view! {
        <header class="page-head">
            <h1>"Billing"</h1>
        </header>
        {page}
        <NotificationList />
    }
}

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

fn bucket_phrase(kind: BucketKind) -> &'static str {
    match kind {
        BucketKind::Rollover => "your rollover bank",
        _ => "your additional credits",
    }
}

#[component]
fn BuyCredits(meter: MeterConfig, offer: Option<PurchaseOffer>) -> impl IntoView {
    let Some(offer) = offer else {
        return view! {
            <div class="card billing-card">
                <h2>"Buy credits"</h2>
                <p class="muted">
                    {format!(
                        "{} cannot be bought here: contact your account administrator to change your allocation.",
                        meter.name,
                    )}
                </p>
            </div>
        }
        .into_any();
    };
    let store = Store::expect();
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
    let busy = RwSignal::new(false);
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
            summary: format!(
                "Buy {} for {}? They go into {}.",
                format::amount(q.credits, &m1),
                format::money(&q.price),
                bucket_phrase(q.into)
            ),
        }));
    };
    let m2 = meter.clone();
    let confirm = move |_| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        let store = store.clone();
        let meter = m2.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let request = BuyRequest {
                meter: meter.id.clone(),
                choice: p.choice.clone(),
                key: p.key.clone(),
            };
            let result = store.get().buy(request).await;
            busy.set(false);
            match result {
                Ok(done) => {
                    pending.set(None);
                    outcome.set(Some(Ok(format!(
                        "Bought {} for {}. They are in your balance now.",
                        format::amount(done.quote.credits, &meter),
                        format::money(&done.quote.price)
                    ))));
                    store.changed();
                }
                // A declined card or a refusal: nothing was added; the same key may retry.
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
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

/// The top-up form as typed.
#[derive(Debug, Clone, PartialEq)]
struct TopUpForm {
    enabled: bool,
    threshold: String,
    refill_to: bool,
    amount: String,
    cap: String,
}

impl TopUpForm {
    fn from(settings: Option<AutoTopUp>, meter: &MeterConfig) -> Self {
        let n = |a| format::field_number(a, meter);
        match settings {
            Some(t) => TopUpForm {
                enabled: t.enabled,
                threshold: n(t.threshold),
                refill_to: matches!(t.amount, TopUpAmount::RefillTo(_)),
                amount: n(match t.amount {
                    TopUpAmount::Fixed(a) | TopUpAmount::RefillTo(a) => a,
                }),
                cap: t.monthly_cap.map(n).unwrap_or_default(),
            },
            None => TopUpForm {
                enabled: false,
                threshold: String::new(),
                refill_to: false,
                amount: String::new(),
                cap: String::new(),
            },
        }
    }

    /// The settings, or which field is wrong and why.
    fn parse(&self, meter: &MeterConfig) -> Result<AutoTopUp, (&'static str, String)> {
        let threshold = parse_amount(&self.threshold, meter).map_err(|e| ("threshold", e))?;
        if threshold.is_negative() {
            return Err(("threshold", "The threshold cannot be negative.".into()));
        }
        let amount = parse_positive(&self.amount, meter).map_err(|e| ("amount", e))?;
        if self.refill_to && amount <= threshold {
            return Err(("amount", "Refill to an amount above the threshold.".into()));
        }
        let monthly_cap = if self.cap.trim().is_empty() {
            None
        } else {
            Some(parse_positive(&self.cap, meter).map_err(|e| ("cap", e))?)
        };
        Ok(AutoTopUp {
            enabled: self.enabled,
            threshold,
            amount: if self.refill_to {
                TopUpAmount::RefillTo(amount)
            } else {
                TopUpAmount::Fixed(amount)
            },
            monthly_cap,
        })
    }
}

#[component]
fn TopUps(meter: MeterConfig, card: RateCard) -> impl IntoView {
    let store = Store::expect();
    let may = use_may(Action::ChangeTopUps);
    let form = RwSignal::new(TopUpForm::from(meter.auto_top_up, &meter));
    // Field errors wait until the form is touched: an empty form is not a mistake yet.
    let touched = RwSignal::new(meter.auto_top_up.is_some());
    let saved = RwSignal::<Said>::new(None);
    let m1 = meter.clone();
    let parsed = Memo::new(move |_| form.with(|f| f.parse(&m1)));
    let error_for = move |field: &'static str| {
        move || match parsed.get() {
            Err((f, msg)) if f == field && touched.get() => Some(msg),
            _ => None,
        }
    };
    // What these settings would do, asked again whenever they are valid and change.
    let s1 = store.clone();
    let meter_id = meter.id.clone();
    let simulation = LocalResource::new(move || {
        s1.track();
        let settings = parsed.get().ok();
        let store = s1.get();
        let meter = meter_id.clone();
        async move {
            let settings = settings?;
            Some(
                store
                    .simulate_top_ups(TopUpSimulationRequest { meter, settings })
                    .await,
            )
        }
    });
    let m2 = meter.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let settings = match parsed.get_untracked() {
            Ok(s) => s,
            Err((_, msg)) => return saved.set(Some(Err(msg))),
        };
        let store = store.clone();
        let change = SettingsChange::AutoTopUp {
            meter: m2.id.clone(),
            settings: Some(settings),
        };
        leptos::task::spawn_local(async move {
            let result = store.get().configure(change).await;
            saved.set(Some(match result {
                Ok(()) => Ok(if settings.enabled {
                    "Automatic top-ups are on.".into()
                } else {
                    "Automatic top-ups are off.".into()
                }),
                Err(e) => Err(e.to_string()),
            }));
            if saved.with_untracked(|s| matches!(s, Some(Ok(_)))) {
                store.changed();
            }
        });
    };
    let needing: Vec<String> = card
        .features
        .iter()
        .filter(|f| {
            f.meter == meter.id
                && f.prices
                    .iter()
                    .any(|p| f.requirements(p).contains(&Requirement::TopUpsEnabled))
        })
        .map(|f| f.name.clone())
        .collect();
    let unit = format::unit_name(&meter);
    let m3 = meter.clone();
    let sim_view = move || {
        let m = m3.clone();
        match simulation.get() {
            Some(Some(Ok(sim))) => simulation_table(&sim, &m).into_any(),
            Some(Some(Err(e))) => view! { <p class="bad">{e.to_string()}</p> }.into_any(),
            Some(None) => {
                view! { <p class="muted">"Fill in valid settings to see what they would cost."</p> }
                    .into_any()
            }
            None => view! { <p class="muted">"Working it out…"</p> }.into_any(),
        }
    };
    let field = move |id: &'static str,
                      label: String,
                      get: fn(&TopUpForm) -> String,
                      set: fn(&mut TopUpForm, String)| {
        let error = error_for(id);
        let error2 = error_for(id);
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    inputmode="decimal"
                    data-testid=format!("top-up-{id}")
                    aria-invalid=move || error2().is_some().to_string()
                    prop:value=move || form.with(get)
                    on:input:target=move |ev| {
                        touched.set(true);
                        form.update(|f| set(f, ev.target().value()));
                    }
                />
                <span class="field-error">{error}</span>
            </label>
        }
    };
    view! {
        <div class="card billing-card top-ups-card" data-testid=format!("top-ups-{}", meter.id)>
            <h2>"Automatic top-ups"</h2>
            <p class="muted">
                "Add credits whenever the balance drops below a threshold, so work never stops. Nothing is charged until a top-up happens."
            </p>
            {(!needing.is_empty())
                .then(|| {
                    view! {
                        <p class="requires-top-ups">
                            {format!("Needed by: {}.", needing.join(", "))}
                        </p>
                    }
                })}
            <AdminOnlyNote action=Action::ChangeTopUps />
            <form on:submit=save novalidate>
                <fieldset disabled=move || !may.get()>
                    <legend class="visually-hidden">"Top-up settings"</legend>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="top-up-enabled"
                            prop:checked=move || form.with(|f| f.enabled)
                            on:change:target=move |ev| form.update(|f| f.enabled = ev.target().checked())
                        />
                        "Top up automatically"
                    </label>
                    {field("threshold", format!("When the balance drops below ({unit})"), |f| f.threshold.clone(), |f, v| f.threshold = v)}
                    <label class="field">
                        <span>"How much"</span>
                        <select
                            data-testid="top-up-mode"
                            prop:value=move || if form.with(|f| f.refill_to) { "refill_to" } else { "fixed" }
                            on:change:target=move |ev| form.update(|f| f.refill_to = ev.target().value() == "refill_to")
                        >
                            <option value="fixed">"Add a fixed amount"</option>
                            <option value="refill_to">"Refill to a target"</option>
                        </select>
                    </label>
                    {field("amount", format!("Amount ({unit})"), |f| f.amount.clone(), |f, v| f.amount = v)}
                    {field("cap", format!("Monthly cap ({unit}, optional)"), |f| f.cap.clone(), |f, v| f.cap = v)}
                    <button type="submit" class="button primary">"Save top-ups"</button>
                </fieldset>
            </form>
            <p class="outcome" role="status" data-testid="top-up-outcome">
                <Outcome outcome=saved />
            </p>
            <h3>"At your current rate"</h3>
            <div data-testid="top-up-simulation">{sim_view}</div>
        </div>
    }
}

fn month_name(year: i32, month: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(format::month_label)
        .unwrap_or_default()
}

fn simulation_table(sim: &TopUpSimulation, meter: &MeterConfig) -> impl IntoView + use<> {
    let rate = format!(
        "At ≈ {} per day (your last-30-day average), over the next {} days:",
        format::amount(sim.burn_per_day, meter),
        sim.days
    );
    let dry = sim.runs_dry_on.map(|d| {
        format!(
            "The balance would run out on {} — the top-ups could not keep up.",
            format::long_date(d)
        )
    });
    let rows = sim
        .months
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{month_name(m.year, m.month)}</th>
                    <td class="num">{m.top_ups}</td>
                    <td class="num">{format::amount(m.credits, meter)}</td>
                    <td class="num">{m.price.as_ref().map(format::money).unwrap_or_else(|| "—".into())}</td>
                    <td>{m.capped.then_some("Cap reached")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>{rate}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Top-ups by month">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Month"</th>
                        <th scope="col" class="num">"Top-ups"</th>
                        <th scope="col" class="num">"Credits added"</th>
                        <th scope="col" class="num">"Charged"</th>
                        <th scope="col">"Note"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {dry.map(|d| view! { <p class="bad">{d}</p> })}
    }
}

/// "50%, 20%, 1,000" ↔ alert levels.
fn levels_text(levels: &[AlertLevel], meter: &MeterConfig) -> String {
    levels
        .iter()
        .map(|l| match l {
            AlertLevel::Percent(p) => format!("{p}%"),
            AlertLevel::Below(a) => format::number(*a, meter),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_levels(text: &str, meter: &MeterConfig) -> Result<Vec<AlertLevel>, String> {
    let mut out = Vec::new();
    // Commas group thousands too, so levels are separated by ";" or by ", " with a space.
    for part in text.split([';', '\n']).flat_map(|p| p.split(", ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(p) = part.strip_suffix('%') {
            match p.trim().parse::<u8>() {
                Ok(p) if (1..=99).contains(&p) => {
                    if meter.allocation.is_none() {
                        return Err(format!(
                            "“{part}”: {} has no monthly allocation to take a percentage of — use an amount.",
                            meter.name
                        ));
                    }
                    out.push(AlertLevel::Percent(p));
                }
                _ => {
                    return Err(format!(
                        "“{part}”: a percentage is a whole number from 1 to 99."
                    ));
                }
            }
        } else {
            let a = parse_positive(part, meter).map_err(|e| format!("“{part}”: {e}"))?;
            out.push(AlertLevel::Below(a));
        }
    }
    Ok(out)
}

#[component]
fn Alerts(meter: MeterConfig, account: AccountView) -> impl IntoView {
    let store = Store::expect();
    let may = use_may(Action::ChangeAlerts);
    let current: Vec<AlertLevel> = account
        .alerts
        .iter()
        .filter(|a| a.meter == meter.id)
        .map(|a| a.level)
        .collect();
    let text = RwSignal::new(levels_text(&current, &meter));
    let outcome = RwSignal::<Said>::new(None);
    let m1 = meter.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let levels = match parse_levels(&text.get_untracked(), &m1) {
            Ok(l) => l,
            Err(e) => return outcome.set(Some(Err(e))),
        };
        let store = store.clone();
        let change = SettingsChange::Alerts {
            meter: m1.id.clone(),
            levels,
        };
        leptos::task::spawn_local(async move {
            match store.get().configure(change).await {
                Ok(()) => {
                    outcome.set(Some(Ok("Alerts saved.".into())));
                    store.changed();
                }
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
        });
    };
    let hint = if meter.allocation.is_some() {
        "Percentages of your monthly allocation or amounts, separated by commas — e.g. 50%, 20%, 5%"
    } else {
        "Amounts, separated by commas — e.g. 100, 20"
    };
    view! {
        <div class="card billing-card" data-testid=format!("alerts-{}", meter.id)>
            <h2>"Low-balance alerts"</h2>
            <p class="muted">"Each level alerts once each time the balance drops below it."</p>
            <AdminOnlyNote action=Action::ChangeAlerts />
            <form on:submit=save novalidate>
                <fieldset disabled=move || !may.get()>
                    <legend class="visually-hidden">"Alert levels"</legend>
                    <label class="field">
                        <span>"Alert when the balance drops below"</span>
                        <input
                            type="text"
                            data-testid="alert-levels"
                            aria-describedby=format!("alerts-hint-{}", meter.id)
                            prop:value=move || text.get()
                            on:input:target=move |ev| text.set(ev.target().value())
                        />
                        <span class="muted" id=format!("alerts-hint-{}", meter.id)>{hint}</span>
                    </label>
                    <button type="submit" class="button primary">"Save alerts"</button>
                </fieldset>
            </form>
            <p class="outcome" role="status">
                <Outcome outcome />
            </p>
        </div>
    }
}

/// How many alerts the list shows before "Show all".
const RECENT_ALERTS: usize = 10;

#[component]
fn NotificationList() -> impl IntoView {
    let data = AccountData::expect();
    let show_all = RwSignal::new(false);
    let list = move || {
        let account = data.account.get().and_then(Result::ok)?;
        let notes = data.notifications.get().and_then(Result::ok)?;
        let tz = account.timezone;
        if notes.is_empty() {
            return Some(view! { <p class="muted">"No alert has fired yet."</p> }.into_any());
        }
        let shown = if show_all.get() {
            notes.len()
        } else {
            RECENT_ALERTS
        };
        let more = (notes.len() > shown).then(|| {
            view! {
                <button type="button" class="button small" on:click=move |_| show_all.set(true)>
                    {format!("Show all {}", notes.len())}
                </button>
            }
        });
        let rows = notes
            .iter()
            .rev()
            .take(shown)
            .map(|n| {
                view! {
                    <li>
                        <time datetime=n.at.to_rfc3339()>
                            {format::moment(tz.local(n.at), true, false)}
                        </time>
                        " — "
                        {alert_text(n, &account)}
                    </li>
                }
            })
            .collect_view();
        Some(
            view! {
                <ol class="notifications" data-testid="notifications">{rows}</ol>
                {more}
            }
            .into_any(),
        )
    };
    view! {
        <section class="card" aria-labelledby="notifications-title">
            <h2 id="notifications-title">"Notifications"</h2>
            {list}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::Amount;
    use creditboard_domain::account::MeterUnit;

    fn meter(allocation: bool, decimals: u8) -> MeterConfig {
        crate::test_support::meter(MeterUnit::Credits, decimals, allocation)
    }

    #[test]
    fn alert_levels_read_back_as_typed_and_bad_ones_are_named() {
        let m = meter(true, 0);
        let levels = parse_levels("50%; 20%, 5%; 1,500", &m).unwrap();
        assert_eq!(
            levels,
            [
                AlertLevel::Percent(50),
                AlertLevel::Percent(20),
                AlertLevel::Percent(5),
                AlertLevel::Below(Amount::minor(1_500)),
            ]
        );
        assert_eq!(levels_text(&levels, &m), "50%, 20%, 5%, 1,500");
        assert_eq!(parse_levels("", &m).unwrap(), []);
        assert!(parse_levels("120%", &m).unwrap_err().contains("1 to 99"));
        assert!(parse_levels("soon", &m).unwrap_err().contains("“soon”"));
        let prepaid = meter(false, 2);
        assert!(
            parse_levels("20%", &prepaid)
                .unwrap_err()
                .contains("no monthly allocation")
        );
        assert_eq!(
            parse_levels("20.50", &prepaid).unwrap(),
            [AlertLevel::Below(Amount::minor(2_050))]
        );
    }

    #[test]
    fn the_top_up_form_names_the_field_that_is_wrong() {
        let m = meter(true, 0);
        let form = |threshold: &str, refill_to, amount: &str, cap: &str| TopUpForm {
            enabled: true,
            threshold: threshold.into(),
            refill_to,
            amount: amount.into(),
            cap: cap.into(),
        };
        let ok = form("1,000", false, "5000", "").parse(&m).unwrap();
        assert_eq!(ok.threshold, Amount::minor(1_000));
        assert_eq!(ok.amount, TopUpAmount::Fixed(Amount::minor(5_000)));
        assert_eq!(ok.monthly_cap, None);
        assert_eq!(
            form("x", false, "5", "").parse(&m).unwrap_err().0,
            "threshold"
        );
        assert_eq!(
            form("-5", false, "5", "").parse(&m).unwrap_err().0,
            "threshold"
        );
        assert_eq!(
            form("10", false, "0", "").parse(&m).unwrap_err().0,
            "amount"
        );
        assert_eq!(
            form("10", true, "10", "").parse(&m).unwrap_err().0,
            "amount"
        );
        assert_eq!(
            form("10", false, "5", "2.5").parse(&m).unwrap_err().0,
            "cap"
        );
        // What the form shows for saved settings parses back to the same settings.
        assert_eq!(TopUpForm::from(Some(ok), &m).parse(&m).unwrap(), ok);
    }
}
