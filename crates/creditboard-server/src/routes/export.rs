//! `ledger.csv`: a listing's whole CSV export as one file, for a spreadsheet or a script
//! (the dashboard's download fetches the same chunks one by one).
//!
//! Streamed: chunk by chunk from one snapshot of the listing, each chunk read under the
//! account's lock and sent before the next is made, so memory stays that of one chunk however
//! long the file and the first bytes leave at once. A token runs at most
//! [`streams::EXPORTS_PER_TOKEN`] at a time.

use super::{Path, Query};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::streams::{self, ExportSlot};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use creditboard_domain::access::Caller;
use creditboard_domain::activity::{ActivityQuery, ExportRequest};
use creditboard_domain::api::query::RawQuery;
use creditboard_domain::entry::EntryId;
use futures_util::StreamExt;

/// Rows per chunk: small enough that the account's lock is held briefly and the first bytes
/// leave quickly, large enough that the per-chunk lookups do not dominate.
const ROWS_PER_CHUNK: u32 = 5_000;

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
    let mut export = Export {
        state: s,
        account: account.clone(),
        who,
        query,
        snapshot: None,
        older_than: None,
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
    who: Caller,
    query: ActivityQuery,
    snapshot: Option<EntryId>,
    older_than: Option<EntryId>,
    done: bool,
    _slot: ExportSlot,
}

impl Export {
    async fn chunk(&mut self) -> ApiResult<Bytes> {
        let request = ExportRequest {
            query: self.query.clone(),
            snapshot: self.snapshot,
            older_than: self.older_than,
            rows: ROWS_PER_CHUNK,
        };
        let chunk = self
            .state
            .accounts()
            .read_as(&self.account, &self.who, |a, now| {
                Ok(a.export_uncounted(&request, now)?)
            })
            .await?;
        self.snapshot = Some(chunk.snapshot);
        self.older_than = chunk.older_than;
        self.done = chunk.older_than.is_none();
        Ok(Bytes::from(chunk.csv))
    }
}
