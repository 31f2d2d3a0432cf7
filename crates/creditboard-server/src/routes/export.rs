//! `ledger.csv`: a listing's whole CSV export as one file, for a spreadsheet or a script
//! (the dashboard's download fetches the chunks of `export` one by one).
//!
//! Streamed from the database, newest first, a chunk of entries at a time (the domain's
//! `ExportStream` makes the rows), each sent before the next is read: memory stays that of a
//! chunk however long the file, the first bytes leave at once, and no copy of the account
//! has to hold its history (one opened from its snapshot exports without it). A token runs
//! at most [`streams::EXPORTS_PER_TOKEN`] at a time.

use super::{Path, Query};
use crate::auth::Bearer;
use crate::db::corrupt;
use crate::error::{ApiError, ApiResult};
use crate::resident::heavy;
use crate::state::AppState;
use crate::streams::{self, ExportSlot};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use creditboard_domain::LedgerEntry;
use creditboard_domain::activity::ExportStream;
use creditboard_domain::api::query::RawQuery;
use futures_util::StreamExt;

/// Entries read per chunk: small enough that the first bytes leave quickly, large enough
/// that the round trips do not dominate.
const ENTRIES_PER_CHUNK: u32 = 2_000;

#[utoipa::path(get, path = "/api/v1/accounts/{account}/ledger.csv", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery),
    responses((status = 200, description = "Every matching entry as CSV, newest first (times with the account's offset, amounts in the meter's unit), streamed as it is read", content_type = "text/csv", body = String)))]
pub async fn csv(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
) -> ApiResult<Response> {
    let who = bearer.caller_for(&account)?;
    let query = raw.parse()?;
    let slot = s.accounts().streams().export(&bearer.hash).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_exports",
            format!(
                "this token already runs {} exports: wait for one to finish",
                streams::EXPORTS_PER_TOKEN
            ),
        )
    })?;
    // The read authorizes the caller, checks the query and fixes the export's snapshot: the
    // newest entry now.
    let stream = s
        .accounts()
        .read_as(&account, &who, |a, now| Ok(a.export_stream(&query, now)?))
        .await?;
    let mut export = Export {
        state: s,
        account: account.clone(),
        below: stream.snapshot().0.saturating_add(1),
        stream,
        done: false,
        _slot: slot,
    };
    // The first chunk before the answer: a refusal (the query, the account) is still a
    // status and the API's error, not a broken download.
    let first = export.chunk().await?;
    let rest = futures_util::stream::unfold(export, |mut export| async move {
        if export.done {
            return None;
        }
        let chunk = export.chunk().await.map_err(|e| {
            tracing::warn!("export of {} stopped: {}", export.account, e.message);
            std::io::Error::other(e.message.clone())
        });
        if chunk.is_err() {
            export.done = true;
        }
        Some((chunk, export))
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest);
    let name = format!("attachment; filename=\"{account}-ledger.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// An export under way: where the next chunk starts.
struct Export {
    state: AppState,
    account: String,
    stream: ExportStream,
    /// The next chunk's entries are below this id.
    below: u64,
    done: bool,
    _slot: ExportSlot,
}

impl Export {
    async fn chunk(&mut self) -> ApiResult<Bytes> {
        let bodies = self
            .state
            .db()
            .bodies_below(&self.account, self.below, ENTRIES_PER_CHUNK)
            .await?;
        let last = bodies.len() < ENTRIES_PER_CHUNK as usize;
        let stream = &mut self.stream;
        let (csv, oldest) = heavy(|| {
            let entries = bodies
                .iter()
                .map(|b| serde_json::from_str::<LedgerEntry>(b).map_err(corrupt))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok::<_, ApiError>((stream.feed(&entries), entries.last().map(|e| e.id.0)))
        })?;
        self.below = oldest.unwrap_or(0);
        self.done = last || self.stream.is_done();
        Ok(Bytes::from(csv))
    }
}
