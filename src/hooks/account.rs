//! What every page of the account shares: who the account is, its rate card (for names), its
//! balance (the top bar and the Credits panel), the alerts that fired, and changing its spend
//! controls (top-ups and alerts on Billing, member caps on Team).

use super::{Fetched, use_act, use_ask};
use crate::store::StoreError;
use creditboard_domain::access;
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::calls::{
    AccountRequest, BalanceRequest, NotificationsRequest, RateCardRequest,
};
use creditboard_domain::api::{AccountView, BalanceView};
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::ratecard::RateCard;
use leptos::prelude::*;

/// The account's shared reads, fetched once below the shell.
#[derive(Clone, Copy)]
pub struct AccountData {
    pub account: Fetched<AccountView>,
    pub rate_card: Fetched<RateCard>,
    pub balance: Fetched<BalanceView>,
    /// Low-balance alerts that fired (the banner and the Billing page).
    pub notifications: Fetched<Vec<Notification>>,
}

impl AccountData {
    /// Starts fetching and provides the handles to everything below.
    pub fn provide() -> AccountData {
        let data = AccountData {
            account: use_ask(|| AccountRequest),
            rate_card: use_ask(|| RateCardRequest),
            balance: use_ask(|| BalanceRequest),
            notifications: use_ask(|| NotificationsRequest),
        };
        provide_context(data);
        data
    }

    pub fn expect() -> AccountData {
        expect_context::<AccountData>()
    }

    /// Fetches everything again (after a failure).
    pub fn refetch(&self) {
        self.account.refetch();
        self.rate_card.refetch();
        self.balance.refetch();
        self.notifications.refetch();
    }
}

/// Whether the viewer may do `action` (the store checks again when it is done).
pub fn use_may(action: access::Action) -> Signal<bool> {
    let data = AccountData::expect();
    Signal::derive(move || {
        data.account
            .get()
            .and_then(Result::ok)
            .is_some_and(|a| a.may(action))
    })
}

/// Changes a spend control: top-ups, an alert level, a member's cap (admins only; the account
/// checks).
pub fn use_change_settings() -> Action<SettingsChange, Result<(), StoreError>> {
    use_act()
}
