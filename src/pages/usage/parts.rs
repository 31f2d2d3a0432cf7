//! The usage page's parts that a product may add (`Presentation::usage_parts`): buying and
//! top-ups in place, the latest activity, the top-ups banner, the rate card link. The forms
//! and the listing are the Billing and Activity pages' own, each fetched when first shown
//! (`pages::lazy`), so the first view of a product without them does not carry them.

use crate::hooks::AccountData;
use crate::pages::lazy::{buy_form, recent_activity_part, top_ups_form};
use crate::view::{pairs, store_params, to_query_string};
use creditboard_domain::api::AccountView;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::offer::PurchaseOffer;
use creditboard_domain::period::Period;
use leptos::prelude::*;

/// A link to another page of the dashboard, with the store's parameters.
fn page_href(path: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || {
        let q = store_params(&pairs(&query.read()));
        crate::browser::app_href(&format!("{path}{}", to_query_string(&q)))
    }
}

/// The meters the account sells credits of (buying and top-ups need an offer).
fn sold_meters(account: &AccountView) -> Vec<MeterConfig> {
    account
        .meters
        .iter()
        .filter(|m| account.offer(&m.id).is_some())
        .cloned()
        .collect()
}

/// "See rate card" (VideoGen: at the bottom of the Usage tab).
pub(super) fn rate_card_link() -> impl IntoView {
    view! {
        <p class="page-link">
            <a href=page_href("/rates") data-testid="rate-card-link">"See rate card"</a>
        </p>
    }
}

/// "Enable top-ups" while a meter that sells credits has them off: some features need them
/// (VideoGen's banner at the top of the Usage tab). It leads to the settings on this page.
pub(super) fn top_ups_banner(account: &AccountView) -> impl IntoView + use<> {
    let data = AccountData::expect();
    let sold = sold_meters(account);
    move || {
        // The live account: the banner goes once top-ups are saved on.
        let account = data.account.get().and_then(Result::ok)?;
        let off = sold.iter().find(|m| {
            account
                .meters
                .iter()
                .find(|x| x.id == m.id)
                .is_none_or(|x| !x.auto_top_up.is_some_and(|t| t.enabled))
        })?;
        let target = format!("#top-ups-{}", off.id);
        Some(view! {
            <div class="notice top-ups-banner" role="status" data-testid="top-ups-banner">
                <p>
                    "Automatic top-ups are off. Some features need them, and they keep your team working when credits run low."
                </p>
                <a class="button small" href=target>"Enable top-ups"</a>
            </div>
        })
    }
}

/// Buying credits in place, for each meter that sells them.
pub(super) fn buy(account: &AccountView) -> impl IntoView + use<> {
    let offered: Vec<(MeterConfig, PurchaseOffer)> = account
        .meters
        .iter()
        .filter_map(|m| Some((m.clone(), account.offer(&m.id)?.clone())))
        .collect();
    view! {
        <div class="usage-part usage-buy" data-testid="usage-buy">
            {offered
                .into_iter()
                .map(|(meter, offer)| {
                    view! { <Suspense>{Suspend::new(buy_form(meter, offer))}</Suspense> }
                })
                .collect_view()}
        </div>
    }
}

/// Each selling meter's automatic top-ups in place ("Configure top-ups").
pub(super) fn top_ups(account: &AccountView) -> impl IntoView + use<> {
    let data = AccountData::expect();
    let sold = sold_meters(account);
    let card = data.rate_card.get_untracked().and_then(Result::ok)?;
    Some(view! {
        <div class="usage-part usage-top-ups">
            {sold
                .into_iter()
                .map(|meter| {
                    let card = card.clone();
                    view! { <Suspense>{Suspend::new(top_ups_form(meter, card))}</Suspense> }
                })
                .collect_view()}
        </div>
    })
}

/// The latest activity (ngram's table, Foto Master's Recent Activity): over the chart's own
/// period where it has one (ngram's last 30 days), else the page's, following it.
pub(super) fn recent_activity(
    account: &AccountView,
    page_period: Signal<Period>,
) -> impl IntoView + use<> {
    let period = match account.presentation.chart_period {
        Some(p) => Signal::stored(Period::preset(p)),
        None => page_period,
    };
    view! { <Suspense>{Suspend::new(recent_activity_part(period))}</Suspense> }
}
