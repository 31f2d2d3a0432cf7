//! What the dashboard reads. Any token of the account may read.

use super::{Path, Query};
use crate::auth::{Caller, Need};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use creditboard_domain::activity::{
    self, ActivityPage, ActivityQuery, EXPORT_CHUNK_ROWS, ExportChunk, ExportRequest, PageRequest,
};
use creditboard_domain::alerts::Notification;
use creditboard_domain::api::{
    self, AccountView, BalanceView, RawQuery, TeamView, UsageQuery, UsageView, ViewQuery,
};
use creditboard_domain::entry::EntryId;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::ratecard::RateCard;
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/api/v1/accounts/{account}", tag = "dashboard",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "Who the account is and how it is set up", body = AccountView)))]
pub async fn account(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> ApiResult<Json<AccountView>> {
    caller.allow(&account, Need::Read, None)?;
    let view = s
        .accounts()
        .read(&account, |a, _| {
            let config = a.ledger.config();
            Ok(AccountView::new(config, caller.viewer(config)))
        })
        .await?;
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/rate-card", tag = "dashboard",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "Prices by feature, category and tier", body = RateCard)))]
pub async fn rate_card(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> ApiResult<Json<RateCard>> {
    caller.allow(&account, Need::Read, None)?;
    let card = s
        .accounts()
        .read(&account, |a, _| Ok(a.rate_card.clone()))
        .await?;
    Ok(Json(card))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/balance", tag = "dashboard",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "Every meter's balance and buckets now", body = BalanceView)))]
pub async fn balance(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> ApiResult<Json<BalanceView>> {
    caller.allow(&account, Need::Read, None)?;
    let view = s
        .accounts()
        .read(&account, |a, now| Ok(api::balance_view(&a.ledger, now)?))
        .await?;
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/usage", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery),
    responses((status = 200, description = "Usage in the period (default: the last 30 days) in the account's timezone, with the run-out forecast", body = UsageView)))]
pub async fn usage(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
) -> ApiResult<Json<UsageView>> {
    caller.allow(&account, Need::Read, None)?;
    let ViewQuery { period, filter, .. } = raw.parse()?;
    let query = UsageQuery {
        period: period.unwrap_or(Period::Preset(PeriodPreset::Last30Days)),
        filter,
    };
    let view = s
        .accounts()
        .read(&account, |a, now| {
            Ok(api::usage_view(&a.ledger, &mut a.rollup, &query, now)?)
        })
        .await?;
    Ok(Json(view))
}

/// Paging of a ledger listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 4294967295_i64, value_type = Option<i64>)]
    page: Option<u32>,
    /// Rows per page, 1 to 1,000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    size: Option<u32>,
    /// The newest entry id the listing includes, from the first page's answer: later pages
    /// of the same listing neither skip nor repeat rows while entries arrive.
    #[param(minimum = 1)]
    snapshot: Option<i64>,
}

/// An entry id from a query string: 1 or more.
fn entry_id(raw: Option<i64>, name: &str) -> ApiResult<Option<EntryId>> {
    match raw {
        None => Ok(None),
        Some(id) if id >= 1 => Ok(Some(EntryId(id.unsigned_abs()))),
        Some(id) => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("{name} is an entry id (1 or more), not {id}"),
        )),
    }
}

fn activity_query(raw: &RawQuery) -> ApiResult<ActivityQuery> {
    let ViewQuery {
        period,
        meter,
        filter,
    } = raw.parse()?;
    Ok(ActivityQuery {
        period,
        meter,
        filter,
    })
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/ledger", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery, PageParams),
    responses((status = 200, description = "One page of the entries, newest first, with the count and sum of all that match (no period: the whole history)", body = ActivityPage)))]
pub async fn ledger(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<ActivityPage>> {
    caller.allow(&account, Need::Read, None)?;
    let request = PageRequest {
        query: activity_query(&raw)?,
        size: paging.size.unwrap_or(50),
        page: paging.page.unwrap_or(1),
        snapshot: entry_id(paging.snapshot, "snapshot")?,
    };
    request.check()?;
    let page = s
        .accounts()
        .read(&account, |a, now| {
            Ok(activity::activity_page(
                &a.ledger,
                &mut a.index,
                &request,
                now,
            )?)
        })
        .await?;
    Ok(Json(page))
}

/// Where an export chunk starts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Fixed by the first chunk; pass it back with the next.
    #[param(minimum = 1)]
    snapshot: Option<i64>,
    /// The last id of the previous chunk.
    #[param(minimum = 1)]
    older_than: Option<i64>,
    /// Rows in this chunk, 1 to 100,000 (default 5,000).
    #[param(minimum = 1, maximum = 100000)]
    rows: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/ledger/export", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery, ExportParams),
    responses((status = 200, description = "The next chunk of the listing's CSV, with where the following one starts", body = ExportChunk)))]
pub async fn export(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
    Query(params): Query<ExportParams>,
) -> ApiResult<Json<ExportChunk>> {
    caller.allow(&account, Need::Read, None)?;
    let request = ExportRequest {
        query: activity_query(&raw)?,
        snapshot: entry_id(params.snapshot, "snapshot")?,
        older_than: entry_id(params.older_than, "older_than")?,
        rows: params.rows.unwrap_or(EXPORT_CHUNK_ROWS),
    };
    let chunk = s
        .accounts()
        .read(&account, |a, now| {
            Ok(activity::export_chunk(&a.ledger, &request, now)?)
        })
        .await?;
    Ok(Json(chunk))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/ledger.csv", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"), RawQuery),
    responses((status = 200, description = "Every matching entry as CSV, newest first (times with the account's offset, amounts in the meter's unit)", content_type = "text/csv", body = String)))]
pub async fn csv(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Query(raw): Query<RawQuery>,
) -> ApiResult<Response> {
    caller.allow(&account, Need::Read, None)?;
    let query = activity_query(&raw)?;
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
            .read(&account, |a, now| {
                Ok(activity::export_chunk(&a.ledger, &request, now)?)
            })
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

#[utoipa::path(get, path = "/api/v1/accounts/{account}/notifications", tag = "dashboard",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "Low-balance alerts that fired, oldest first (the newest 100)", body = Vec<Notification>)))]
pub async fn notifications(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> ApiResult<Json<Vec<Notification>>> {
    caller.allow(&account, Need::Read, None)?;
    let list = s
        .accounts()
        .read(&account, |a, _| Ok(a.alerts.latest(&a.ledger)))
        .await?;
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/team", tag = "dashboard",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "What each member spent this month, per meter, and their caps", body = TeamView)))]
pub async fn team(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> ApiResult<Json<TeamView>> {
    caller.allow(&account, Need::Read, None)?;
    let view = s
        .accounts()
        .read(&account, |a, _| Ok(api::team_view(&a.ledger)?))
        .await?;
    Ok(Json(view))
}
