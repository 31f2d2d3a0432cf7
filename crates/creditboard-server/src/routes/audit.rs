//! The audit log of an account, for its admins, its service and the host.

use super::{Path, Query};
use crate::audit::AuditEntry;
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Changes before this id (the page after the one that ended with it).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// `?before=` for the next page, if there is one.
    pub next_before: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/audit", tag = "webhooks",
    summary = "Read the audit log",
    description = "Every change to the account's settings, team, plan, grants and tokens: who (a member, the service, the host, the server), when, and the part changed before and after. Admins, the service and the host.",
    params(("account" = String, Path, description = "The account id"), AuditQuery),
    responses((status = 200, description = "Newest first", body = AuditPage)))]
pub async fn log(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = match q.limit {
        None => 50,
        Some(n @ 1..=100) => i64::from(n),
        Some(n) => return Err(ApiError::bad_request(format!("limit is 1 to 100, not {n}"))),
    };
    if q.before.is_some_and(|b| b < 1) {
        return Err(ApiError::bad_request("before is an entry id, 1 or more"));
    }
    super::hooks::admin_or_service(&s, &bearer, &account).await?;
    let rows = s.db().audit_log(&account, q.before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditEntry::from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}
