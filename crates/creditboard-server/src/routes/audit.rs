//! The audit log of an account, for its admins, its service and the host (the declared call
//! `audit`, answered from the database: every process's changes).

use super::Query;
use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use creditboard_domain::api::host::{AuditPage, AuditQuery};
use creditboard_domain::api::query::QueryString;

pub async fn log(
    State(s): State<AppState>,
    bearer: Bearer,
    super::Path(account): super::Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<AuditPage>> {
    let q = AuditQuery::from_query(&pairs)?;
    let limit = i64::try_from(q.check()?).unwrap_or(50);
    // The host keeps reading a closed account's log (its record of who did what); everyone
    // else meets the account as it is (404, 410, or the roles' rule).
    let closed = bearer.kind == crate::tokens::TokenKind::Host
        && s.db()
            .account_record(&account)
            .await?
            .is_some_and(|r| r.closed_at.is_some());
    if !closed {
        super::hooks::admin_or_service(&s, &bearer, &account).await?;
    }
    let rows = s.db().audit_log(&account, q.before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .map(crate::audit::entry)
        .collect::<ApiResult<Vec<_>>>()?;
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}
