//! Data hooks: what pages and components read, each fetched through the store in context and
//! refetched when the store says its data changed.

use crate::store::{Store, StoreError};
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::{AccountView, BalanceView, UsageQuery, UsageView};
use creditboard_domain::period::{Period, PeriodChoices};
use creditboard_domain::ratecard::RateCard;
use leptos::prelude::*;

pub type Fetched<T> = LocalResource<Result<T, StoreError>>;

/// What every page of the account shares: who the account is, its rate card (for names) and
/// its balance (the top bar and the Credits panel). Fetched once, below the shell.
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
        let store = Store::expect();
        let (s1, s2, s3, s4) = (store.clone(), store.clone(), store.clone(), store);
        let data = AccountData {
            account: LocalResource::new(move || {
                s1.track();
                let store = s1.get();
                async move { store.account().await }
            }),
            rate_card: LocalResource::new(move || {
                s2.track();
                let store = s2.get();
                async move { store.rate_card().await }
            }),
            balance: LocalResource::new(move || {
                s3.track();
                let store = s3.get();
                async move { store.balance().await }
            }),
            notifications: LocalResource::new(move || {
                s4.track();
                let store = s4.get();
                async move { store.notifications().await }
            }),
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

/// The period a page shows, what was wrong with the link's, and what the account offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub period: Period,
    pub problem: Option<String>,
    pub choices: PeriodChoices,
}

/// The usage and team pages' period (see [`crate::view::offered_period`]); `None` until the
/// account is known, since which periods are offered, and which comes first, is the account's.
pub fn use_offered_period(data: AccountData) -> Memo<Option<Offered>> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| {
        let choices = data.account.get()?.ok()?.usage_periods;
        let (period, problem) =
            crate::view::offered_period(&crate::view::pairs(&query.read()), &choices);
        Some(Offered {
            period,
            problem,
            choices,
        })
    })
}

/// The usage page's numbers for the period the URL asks for, as the account offers it (see
/// [`crate::view::offered_period`]): the fetch waits for the account, whose periods they are,
/// and a failed account fails it. Refetched when the period or the data changes.
pub fn use_usage(data: AccountData) -> Fetched<UsageView> {
    let store = Store::expect();
    let query = leptos_router::hooks::use_query_map();
    // Only the period's own parameters: others changing fetch nothing.
    let asked = Memo::new(move |_| {
        crate::view::pairs(&query.read())
            .into_iter()
            .filter(|(k, _)| crate::view::PERIOD_KEYS.contains(&k.as_str()))
            .collect::<crate::view::Query>()
    });
    LocalResource::new(move || {
        store.track();
        let asked = asked.get();
        let account = data.account;
        let store = store.get();
        async move {
            let account = account.await?;
            let (period, _) = crate::view::offered_period(&asked, &account.usage_periods);
            let query = UsageQuery {
                period,
                filter: Default::default(),
            };
            store.usage(query).await
        }
    })
}

/// Navigates to the current path with `query` (view state lives in the URL), keeping the
/// scroll position: what every filter, period and page control does.
pub fn use_set_query() -> impl Fn(crate::view::Query) + Clone + 'static {
    let location = leptos_router::hooks::use_location();
    let navigate = leptos_router::hooks::use_navigate();
    move |query: crate::view::Query| {
        let href = format!(
            "{}{}",
            location.pathname.get_untracked(),
            crate::view::to_query_string(&query)
        );
        navigate(
            &href,
            leptos_router::NavigateOptions {
                scroll: false,
                // The path is the whole one, base path included: not resolved against it again.
                resolve: false,
                ..leptos_router::NavigateOptions::default()
            },
        );
    }
}
