//! The balance counter in the top bar and the Credits detail panel it opens: what is left in
//! each bucket, when the allocation refills, and what expires soon.

use crate::components::states::ErrorPanel;
use crate::components::ui::dialog::Dialog;
use crate::components::ui::drawer::Drawer;
use crate::format;
use crate::hooks::AccountData;
use creditboard_domain::Amount;
use creditboard_domain::api::{AccountView, BalanceView, MeterBalanceView};
use creditboard_domain::config::meter::{BucketKind, MeterConfig, UnusedAllocation};
use creditboard_domain::config::offer::PurchaseOffer;
use creditboard_domain::config::presentation::{PanelPart, Presentation};
use creditboard_domain::tz::Timezone;
use leptos::html;
use leptos::prelude::*;

/// The always-visible balance: every meter's available amount; opens the Credits panel.
#[component]
pub fn BalanceCounter(open: RwSignal<bool>, node_ref: NodeRef<html::Button>) -> impl IntoView {
    let data = AccountData::expect();
    // "…" while loading; a word, not a blank, when the balance could not be loaded.
    let text = move || match (data.account.get(), data.balance.get()) {
        (Some(Ok(account)), Some(Ok(balance))) => balance
            .meters
            .iter()
            .filter_map(|m| {
                let meter = account.meters.iter().find(|c| c.id == m.balance.meter)?;
                let available = format::amount(m.balance.available, meter);
                // Credits reserved by in-flight jobs are not available, but not spent yet.
                Some(if m.balance.held.is_positive() {
                    format!(
                        "{available} ({} held)",
                        format::number(m.balance.held, meter)
                    )
                } else {
                    available
                })
            })
            .collect::<Vec<_>>()
            .join(" · "),
        (Some(Err(_)), _) | (_, Some(Err(_))) => "Balance unavailable".into(),
        _ => "…".into(),
    };
    view! {
        <button
            type="button"
            class="balance-counter"
            node_ref=node_ref
            data-testid="balance-counter"
            aria-haspopup="dialog"
            aria-expanded=move || open.get().to_string()
            aria-controls="cb-credits-panel"
            on:click=move |_| open.update(|o| *o = !*o)
        >
            <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
                <circle cx="10" cy="10" r="8" />
                <path d="M7 10h6M10 7v6" />
            </svg>
            <span class="visually-hidden">"Credits available: "</span>
            <span class="balance-counter-value">{text}</span>
        </button>
    }
}

/// The Credits detail panel, a dialog sliding in from the side (the design system's drawer).
/// Escape, the close button or a click outside closes it; focus stays inside while it is open
/// and returns to the counter.
#[component]
pub fn CreditsPanel(open: RwSignal<bool>, return_focus: NodeRef<html::Button>) -> impl IntoView {
    let data = AccountData::expect();
    // The product's name for the panel ("Credits Detail"), once the account is known.
    let title = Signal::derive(move || match data.account.get() {
        Some(Ok(account)) => account.presentation.credits_title.to_string(),
        _ => Presentation::default().credits_title.to_string(),
    });
    let body = move || match (data.account.get(), data.balance.get()) {
        (Some(Ok(account)), Some(Ok(balance))) => {
            view! { <PanelBody account balance /> }.into_any()
        }
        (Some(Err(error)), _) | (_, Some(Err(error))) => view! {
            <ErrorPanel what="your balance" error retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        _ => view! {
            <div class="skeleton" role="status">
                <span class="visually-hidden">"Loading your balance…"</span>
                <div class="skeleton-block panel-skeleton" aria-hidden="true"></div>
            </div>
        }
        .into_any(),
    };
    view! {
        <Drawer
            open
            on_close=Callback::new(move |()| open.set(false))
            title
            title_id="cb-credits-title"
            close_label="Close the credits panel"
            testid="credits-panel"
            id="cb-credits-panel"
            return_focus
        >
            {body}
        </Drawer>
    }
}

/// What the Credits panel shows that the pages build (the transaction history, the purchase
/// form): the app hands them to the shell, and each is fetched when first shown.
#[derive(Clone, Copy)]
pub struct PanelSlots {
    pub history: fn() -> AnyView,
    pub buy: fn(MeterConfig, PurchaseOffer) -> AnyView,
}

/// Every meter's credits, then the parts the product adds (ACT3: the Transaction History,
/// then Buy Credits at the bottom).
#[component]
fn PanelBody(account: AccountView, balance: BalanceView) -> impl IntoView {
    let tz = account.timezone;
    let parts = account.presentation.credits_panel.clone();
    let slots = use_context::<PanelSlots>();
    let meters = balance
        .meters
        .into_iter()
        .filter_map(|m| {
            let meter = account
                .meters
                .iter()
                .find(|c| c.id == m.balance.meter)?
                .clone();
            let names = account.presentation.clone();
            Some(view! { <MeterCredits meter balance=m tz names /> })
        })
        .collect_view();
    let history = slots
        .filter(|_| parts.contains(&PanelPart::History))
        .map(|s| (s.history)());
    let buy = slots
        .filter(|_| parts.contains(&PanelPart::Buy))
        .map(|s| view! { <PanelBuy account=account.clone() buy=s.buy /> });
    view! {
        {meters}
        {history}
        {buy}
    }
}

/// "Buy Credits" at the bottom of the panel: a dialog with what each meter sells.
#[component]
fn PanelBuy(account: AccountView, buy: fn(MeterConfig, PurchaseOffer) -> AnyView) -> impl IntoView {
    let open = RwSignal::new(false);
    let forms = account
        .meters
        .iter()
        .filter_map(|m| Some(buy(m.clone(), account.offer(&m.id)?.clone())))
        .collect_view();
    view! {
        <div class="panel-buy">
            <button
                type="button"
                class="button primary"
                data-testid="panel-buy"
                on:click=move |_| open.set(true)
            >
                "Buy Credits"
            </button>
            <Dialog
                open
                on_close=Callback::new(move |()| open.set(false))
                title=Signal::stored("Buy Credits".to_string())
                title_id="cb-panel-buy-title"
                testid="panel-buy-dialog"
                class="buy-dialog"
            >
                {forms}
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| open.set(false)>
                        "Close"
                    </button>
                </div>
            </Dialog>
        </div>
    }
}

/// The rollover bank's cap, and why the bank can hold more: unused allocation rolls over only
/// while the bank is below the cap, and bought credits that land in it are not capped.
fn bank_note(balance: Amount, cap: Amount, meter: &MeterConfig) -> String {
    let cap_text = format::amount(cap, meter);
    if balance > cap {
        format!(
            "above the {cap_text} cap with bought credits, which are not capped; unused allocation rolls over again once it is below"
        )
    } else {
        format!("unused allocation rolls over up to {cap_text}")
    }
}

/// One meter in the panel.
#[component]
fn MeterCredits(
    meter: MeterConfig,
    balance: MeterBalanceView,
    tz: Timezone,
    /// The product's names for buckets.
    names: Presentation,
) -> impl IntoView {
    let b = &balance.balance;
    let amount = |a| format::amount(a, &meter);
    let cap = meter.allocation.and_then(|a| match a.unused {
        UnusedAllocation::Rollover { cap } => Some(cap),
        UnusedAllocation::Lapse => None,
    });
    let mut rows: Vec<(String, String, Option<String>)> = b
        .buckets
        .iter()
        .map(|bucket| {
            let note = match (bucket.kind, bucket.expires_at) {
                (BucketKind::Included, _) => None,
                (BucketKind::Rollover, _) => cap.map(|c| bank_note(bucket.balance, c, &meter)),
                (_, Some(e)) => Some(format!("expires {}", format::long_date(tz.date_of(e)))),
                (_, None) => Some("never expire".into()),
            };
            (
                names.bucket_name(bucket.kind).to_string(),
                amount(bucket.balance),
                note,
            )
        })
        .collect();
    if b.held.is_positive() {
        rows.push((
            "Held by running jobs".into(),
            amount(b.held),
            Some("not available until they finish".into()),
        ));
    }
    if b.debt.is_positive() {
        rows.push((
            "Overdraft used".into(),
            format!("-{}", amount(b.debt)),
            Some("repaid from the next credits".into()),
        ));
    }
    let refill = b.next_refill.zip(meter.allocation).map(|(at, a)| {
        format!(
            "{} more on {}",
            amount(a.amount),
            format::long_date(tz.date_of(at))
        )
    });
    let expiring: Vec<String> = balance
        .expiring_soon
        .iter()
        .map(|e| {
            format!(
                "{} of {} on {}",
                amount(e.amount),
                names.bucket_name(e.kind).to_lowercase(),
                format::long_date(tz.date_of(e.expires_at))
            )
        })
        .collect();
    let id = meter.id.to_string();
    view! {
        <section class="panel-meter" data-testid=format!("panel-{id}")>
            <h3>{meter.name.clone()}</h3>
            <p class="panel-total">
                <strong data-testid=format!("panel-available-{id}")>{amount(b.available)}</strong>
                " available"
            </p>
            <dl class="buckets">
                {rows
                    .into_iter()
                    .map(|(label, value, note)| {
                        view! {
                            <div class="bucket-row">
                                <dt>{label}</dt>
                                <dd>
                                    <span class="bucket-value">{value}</span>
                                    {note.map(|n| view! { <span class="bucket-note">{n}</span> })}
                                </dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
            {refill
                .filter(|_| names.credits_panel.contains(&PanelPart::Refill))
                .map(|r| {
                    view! {
                        <p class="panel-line">
                            <span class="panel-line-label">"Next refill"</span>
                            {r}
                        </p>
                    }
                })}
            {names.credits_panel.contains(&PanelPart::Expiring).then(|| view! {
                <h4>"Expiring in the next 30 days"</h4>
                {if expiring.is_empty() {
                    view! { <p class="muted">"Nothing expires in the next 30 days."</p> }.into_any()
                } else {
                    view! {
                        <ul class="expiring">
                            {expiring.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::config::meter::MeterUnit;

    #[test]
    fn a_bank_above_its_cap_says_why() {
        let credits = crate::test_support::meter(MeterUnit::Credits, 0, true);
        let cap = Amount::minor(60_000);
        assert_eq!(
            bank_note(Amount::minor(12_000), cap, &credits),
            "unused allocation rolls over up to 60,000 credits"
        );
        assert_eq!(
            bank_note(Amount::minor(72_482), cap, &credits),
            "above the 60,000 credits cap with bought credits, which are not capped; unused allocation rolls over again once it is below"
        );
    }
}
