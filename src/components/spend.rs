//! Pieces the spend-control pages share: the note a member sees instead of the controls, what
//! an action came to, amounts typed into forms, and what a fired alert says.

use crate::format;
use crate::hooks::AccountData;
use crate::hooks::account::use_may;
use creditboard_domain::Amount;
use creditboard_domain::access::Action;
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::AccountView;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::settings::AlertLevel;
use leptos::prelude::*;

/// What a member sees where an admin would see the controls.
#[component]
pub fn AdminOnlyNote(action: Action) -> impl IntoView {
    let data = AccountData::expect();
    let may = use_may(action);
    let refusal = move || {
        data.account
            .get()
            .and_then(Result::ok)
            .map(|a| a.refusal(action).to_string())
    };
    view! {
        <Show when=move || !may.get() && data.account.get().is_some()>
            <p class="admin-only" data-testid="admin-only">
                {refusal}
            </p>
        </Show>
    }
}

/// What an action came to: a confirmation, or the reason it was refused.
pub type Said = Option<Result<String, String>>;

/// [`Said`] as text inside the caller's live region.
#[component]
pub fn Outcome(outcome: RwSignal<Said>) -> impl IntoView {
    move || match outcome.get() {
        Some(Ok(text)) => view! { <span class="ok">{text}</span> }.into_any(),
        Some(Err(text)) => view! { <span class="bad">{text}</span> }.into_any(),
        None => ().into_any(),
    }
}

/// An amount typed for `meter` ("1,500", "25.50"): a clear sentence when it is not one.
pub fn parse_amount(text: &str, meter: &MeterConfig) -> Result<Amount, String> {
    // In the viewer's locale: "1.234,5" in German is 1234.5.
    let cleaned = crate::format::typed_decimal(text);
    if cleaned.is_empty() {
        return Err("Enter an amount.".into());
    }
    Amount::parse_decimal(&cleaned, meter.decimals).map_err(|e| {
        if e == creditboard_domain::DomainError::Overflow {
            format!(
                "“{}” is too large: enter at most {}.",
                text.trim(),
                crate::format::amount(creditboard_domain::amount::MAX_BALANCE, meter)
            )
        } else if meter.decimals == 0 {
            format!("“{}” is not a whole number.", text.trim())
        } else {
            format!(
                "“{}” is not an amount with at most {} decimals.",
                text.trim(),
                meter.decimals
            )
        }
    })
}

/// [`parse_amount`] for a field that must be above zero.
pub fn parse_positive(text: &str, meter: &MeterConfig) -> Result<Amount, String> {
    let a = parse_amount(text, meter)?;
    if a.is_positive() {
        Ok(a)
    } else {
        Err("Enter an amount greater than zero.".into())
    }
}

/// The level an alert crossed: "20% of your monthly allocation (800 credits)", "5,000
/// credits".
fn level_text(n: &Notification, meter: &MeterConfig) -> String {
    match n.level {
        AlertLevel::Percent(p) => format!(
            "{p}% of your monthly allocation ({})",
            format::amount(n.threshold, meter)
        ),
        AlertLevel::Below(_) => format::amount(n.threshold, meter),
    }
}

/// What a fired alert says, as of when it fired (the notification list gives the time).
pub fn alert_text(n: &Notification, account: &AccountView) -> String {
    if let Some(f) = &n.payment_failed {
        return format!("{} was not paid: {}. Nothing was added.", f.what, f.reason);
    }
    let Some(meter) = account.meters.iter().find(|m| m.id == n.meter) else {
        return String::new();
    };
    format!(
        "{} fell below {}: {} left.",
        meter.name,
        level_text(n, meter),
        format::amount(n.balance, meter)
    )
}

/// The banner's sentence: when the alert fired, and the balance now (which may have moved
/// since).
pub fn alert_banner_text(n: &Notification, account: &AccountView, now: Amount) -> String {
    let Some(meter) = account.meters.iter().find(|m| m.id == n.meter) else {
        return String::new();
    };
    let tz = account.timezone;
    format!(
        "{} fell below {} on {}. {} left now.",
        meter.name,
        level_text(n, meter),
        format::moment(tz.local(n.at), false, false),
        format::amount(now, meter)
    )
}
