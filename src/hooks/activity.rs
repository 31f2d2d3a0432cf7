//! The Activity page's data: the listing the URL asks for, its CSV export, a project's
//! usage, and the one way its controls change the URL.

use super::url::use_set_query;
use super::{Fetched, use_ask};
use crate::store::{Store, StoreError};
use crate::view::{pairs, with_changes};
use creditboard_domain::activity::{
    ActivityPage, ActivityQuery, EXPORT_CHUNK_ROWS, ExportRequest, PageRequest,
};
use creditboard_domain::api::{UsageQuery, UsageView};
use creditboard_domain::entry::EntryId;
use creditboard_domain::ids::ProjectId;
use creditboard_domain::period::Period;
use creditboard_domain::usage::LedgerFilter;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// One page of the listing `request` names (its query, page and size). Page 1 starts a fresh
/// listing; later pages keep the snapshot the user is reading, so rows neither shift nor
/// repeat while entries arrive.
pub fn use_listing(request: Memo<(ActivityQuery, u32, u32)>) -> Fetched<ActivityPage> {
    let snapshot = StoredValue::new(None::<EntryId>);
    let listing = use_ask(move || {
        let (query, page, size) = request.get();
        PageRequest {
            query,
            size,
            page,
            snapshot: if page > 1 { snapshot.get_value() } else { None },
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(l)) = listing.get() {
            snapshot.set_value(Some(l.snapshot));
        }
    });
    listing
}

/// A CSV download of a whole listing, chunk by chunk from one snapshot.
#[derive(Clone, Copy)]
pub struct UseExport {
    /// Dispatched with the listing's query; its outcome is why it stopped, if it did.
    pub run: Action<ActivityQuery, Result<(), StoreError>>,
    /// Rows done and rows in all while it runs (0 in all until the first chunk says).
    pub progress: RwSignal<Option<(u64, u64)>>,
}

/// Exports a listing as `credit-activity.csv`, its progress shown as it goes.
pub fn use_export() -> UseExport {
    let store = Store::expect();
    let progress = RwSignal::new(None::<(u64, u64)>);
    let run = Action::new_local(move |query: &ActivityQuery| {
        let (store, query) = (store.clone(), query.clone());
        async move {
            progress.set(Some((0, 0)));
            let result = export(&store, query, progress).await;
            progress.set(None);
            result.map(|parts| crate::browser::save_text_file("credit-activity.csv", &parts))
        }
    });
    UseExport { run, progress }
}

async fn export(
    store: &Store,
    query: ActivityQuery,
    progress: RwSignal<Option<(u64, u64)>>,
) -> Result<Vec<String>, StoreError> {
    let mut parts: Vec<String> = Vec::new();
    let mut request = ExportRequest {
        query,
        snapshot: None,
        older_than: None,
        rows: EXPORT_CHUNK_ROWS,
    };
    let (mut done, mut total) = (0u64, 0u64);
    loop {
        let chunk = store.ask(request.clone()).await?;
        if request.older_than.is_none() {
            total = chunk.total;
        }
        done += u64::from(chunk.rows);
        progress.set(Some((done, total)));
        parts.push(chunk.csv);
        match chunk.older_than {
            Some(o) => {
                request.snapshot = Some(chunk.snapshot);
                request.older_than = Some(o);
            }
            None => return Ok(parts),
        }
    }
}

/// One project's usage in `period`.
pub fn use_project_usage(project: ProjectId, period: Memo<Period>) -> Fetched<UsageView> {
    use_ask(move || UsageQuery {
        period: period.get(),
        filter: LedgerFilter {
            projects: vec![project.clone()],
            ..Default::default()
        },
    })
}

/// Navigates to this page with `changes` applied to its query (filters return to page 1).
pub fn use_change_query() -> impl Fn(Vec<(&'static str, Option<String>)>) + Clone + 'static {
    let query = use_query_map();
    let set_query = use_set_query();
    move |changes: Vec<(&'static str, Option<String>)>| {
        set_query(with_changes(&pairs(&query.read_untracked()), &changes))
    }
}
