//! The usage page's data: the period the URL asks for, as the account offers it, and the
//! numbers for it.

use super::{AccountData, Boxed, Fetched};
use crate::store::{Store, StoreError};
use creditboard_domain::api::{UsageQuery, UsageView};
use creditboard_domain::period::{Period, PeriodChoices};
use leptos::prelude::*;

/// The period a page shows, what was wrong with the link's, and what the account offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub period: Period,
    pub problem: Option<String>,
    pub choices: PeriodChoices,
    /// What the product calls a range of dates (Foto Master's "Select Dates").
    pub custom_label: String,
    /// What the page calls all of its activity (an event's period), where it names it.
    pub whole: Option<String>,
}

/// The usage and team pages' period (see [`crate::view::offered_period`]); `None` until the
/// account is known, since which periods are offered, and which comes first, is the account's.
pub fn use_offered_period(data: AccountData) -> Memo<Option<Offered>> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| {
        let account = data.account.get()?.ok()?;
        let choices = account.usage_periods.clone();
        let (period, problem) =
            crate::view::offered_period(&crate::view::pairs(&query.read()), &choices);
        Some(Offered {
            period,
            problem,
            choices,
            custom_label: account.presentation.custom_range.to_string(),
            whole: None,
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
    LocalResource::new(move || -> Boxed<Result<UsageView, StoreError>> {
        store.track();
        let asked = asked.get();
        let account = data.account;
        let store = store.clone();
        Box::pin(async move {
            let account = account.await?;
            let (period, _) = crate::view::offered_period(&asked, &account.usage_periods);
            let query = UsageQuery {
                period,
                filter: Default::default(),
            };
            store.ask(query).await
        })
    })
}

/// The chart's own numbers, where the account gives the chart its own period (ngram's last
/// 30 days under cards for the billing period); `None` where the chart shows the page's.
pub fn use_chart_usage(data: AccountData) -> Fetched<Option<UsageView>> {
    let store = Store::expect();
    LocalResource::new(move || -> Boxed<Result<Option<UsageView>, StoreError>> {
        store.track();
        let account = data.account;
        let store = store.clone();
        Box::pin(async move {
            let account = account.await?;
            let Some(preset) = account.presentation.chart_period else {
                return Ok(None);
            };
            let query = UsageQuery {
                period: Period::preset(preset),
                filter: Default::default(),
            };
            store.ask(query).await.map(Some)
        })
    })
}
