//! What one page lends another, each a split point: fetched when first shown, so a product
//! or a page that never shows it does not download it. The usage page's parts (buying, top-ups,
//! the latest activity) and the Credits panel's (the history, buying) come from here.

use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::offer::PurchaseOffer;
use creditboard_domain::period::Period;
use creditboard_domain::ratecard::RateCard;
use leptos::prelude::*;

split_point! {
    /// The Billing page's purchase form.
    pub fn buy_form(meter: MeterConfig, offer: PurchaseOffer) -> AnyView {
        view! { <crate::pages::billing::buy::BuyCredits meter offer=Some(offer) /> }.into_any()
    }
}

split_point! {
    /// The Billing page's top-up settings.
    pub fn top_ups_form(meter: MeterConfig, card: RateCard) -> AnyView {
        view! { <crate::pages::billing::top_ups::TopUps meter card /> }.into_any()
    }
}

split_point! {
    /// The Activity page's listing over `period`, without its tools.
    pub fn recent_activity_part(period: Signal<Period>) -> AnyView {
        view! { <crate::pages::activity::RecentActivity period /> }.into_any()
    }
}

split_point! {
    /// The latest transactions, short and scrollable.
    pub fn history_part() -> AnyView {
        view! { <crate::pages::activity::TransactionHistory /> }.into_any()
    }
}

/// The Credits panel's parts the pages build, for the shell.
pub fn panel_slots() -> crate::components::credits::PanelSlots {
    crate::components::credits::PanelSlots {
        history: || view! { <Suspense>{Suspend::new(history_part())}</Suspense> }.into_any(),
        buy: |meter, offer| {
            view! { <Suspense>{Suspend::new(buy_form(meter, offer))}</Suspense> }.into_any()
        },
    }
}
