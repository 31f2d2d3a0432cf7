//! `ledger.csv`: a listing's whole CSV export as one file, for a spreadsheet or a script
//! (the dashboard's download fetches the same chunks one by one).

use super::{Path, Query};
use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use creditboard_domain::activity::ExportRequest;
use creditboard_domain::api::query::RawQuery;

#[utoipa::path(get, path = "/api/v1/accounts/{account}/ledger.csv", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery),
    responses((status = 200, description = "Every matching entry as CSV, newest first (times with the account's offset, amounts in the meter's unit)", content_type = "text/csv", body = String)))]
pub async fn csv(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
) -> ApiResult<Response> {
    let who = bearer.caller_for(&account)?;
    let query = raw.parse()?;
    // Chunk by chunk from one snapshot, as the dashboard's download does.
    let mut csv = String::new();
    let (mut snapshot, mut older_than) = (None, None);
    loop {
        let request = ExportRequest {
            query: query.clone(),
            snapshot,
            older_than,
            rows: 50_000,
        };
        let chunk = s
            .accounts()
            .read_as(&account, &who, |a, now| Ok(a.export(&request, now)?))
            .await?;
        csv.push_str(&chunk.csv);
        snapshot = Some(chunk.snapshot);
        older_than = chunk.older_than;
        if older_than.is_none() {
            break;
        }
    }
    let name = format!("attachment; filename=\"{account}-ledger.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    )
        .into_response())
}
