//! Route `/billing`: the page that lays out, for each meter, buying credits, automatic
//! top-ups and low-balance alert levels, then the alerts that fired. Members see it all
//! read-only; every change goes through the store, which checks the role again.

mod alerts;
pub mod buy;
mod notifications;
pub mod top_ups;

use crate::components::states::ErrorPanel;
use crate::hooks::AccountData;
use alerts::Alerts;
use buy::BuyCredits;
use leptos::prelude::*;
use notifications::NotificationList;
use top_ups::TopUps;

/// The billing page: one section of forms per meter, then the notifications.
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
                    // Top-ups are charged at the meter's price: none where nothing is sold.
                    let sells = offer.is_some();
                    view! {
                        <section class="billing-meter" aria-label=meter.name.clone()>
                            {(account.meters.len() > 1)
                                .then(|| view! { <h2 class="section-title">{meter.name.clone()}</h2> })}
                            <div class="billing-grid">
                                <div class="billing-stack">
                                    <BuyCredits meter=meter.clone() offer=offer support=account.presentation.support.to_string() />
                                    <Alerts meter=meter.clone() account=account.clone() />
                                </div>
                                {sells.then(|| view! { <TopUps meter=meter.clone() card=card.clone() /> })}
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
