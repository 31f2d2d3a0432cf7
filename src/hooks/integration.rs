//! The Audit page's data: the account's changes (a page of them, from where the URL says) and
//! the events its host is told, with their deliveries.

use super::{Fetched, use_ask};
use crate::store::StoreError;
use creditboard_domain::api::calls::{AuditPage, AuditQuery, EventsQuery, SentEvent};
use creditboard_domain::api::query::QueryString;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page of changes the URL asks for (`?before=`), or why the URL cannot be read.
pub fn use_audit() -> Signal<Option<Result<AuditPage, StoreError>>> {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let pairs: Vec<(String, String)> = query
            .read()
            .get("before")
            .map(|b| vec![("before".to_string(), b)])
            .unwrap_or_default();
        AuditQuery::from_query(&pairs).map_err(StoreError::from)
    });
    let page: Fetched<AuditPage> = use_ask(move || asked.get().unwrap_or_default());
    Signal::derive(move || match asked.get() {
        Err(e) => Some(Err(e)),
        Ok(_) => page.get(),
    })
}

/// The newest events and what became of each.
pub fn use_webhook_events() -> Fetched<Vec<SentEvent>> {
    use_ask(|| EventsQuery { limit: Some(50) })
}
