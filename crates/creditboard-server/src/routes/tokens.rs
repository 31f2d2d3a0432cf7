//! The account's tokens, for its admins and the host's service: list them (never the
//! secrets) and revoke one, which stops it on the next request.

use super::Path;
use crate::audit::{self, Change};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::{TokenInfo, hash_prefix};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use creditboard_domain::access;

#[utoipa::path(get, path = "/api/v1/accounts/{account}/tokens", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "The account's tokens, oldest first (admins and the service)", body = Vec<TokenInfo>)))]
pub async fn list(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    let who = bearer.caller_for(&account)?;
    s.accounts()
        .read_as(&account, &who, |a, _| {
            Ok(access::may_manage_tokens(a.config(), &who)?)
        })
        .await?;
    Ok(Json(crate::tokens::list(s.db(), &account).await?))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account}/tokens/{id}", tag = "spend",
    params(("account" = String, Path, description = "The account id"),
           ("id" = String, Path, description = "The token's id from the list (`tok_` and 16 hex digits)")),
    responses((status = 204, description = "Revoked: the token stops working on its next request")))]
pub async fn revoke(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let who = bearer.caller_for(&account)?;
    let prefix = hash_prefix(&id).ok_or_else(|| {
        ApiError::bad_request(format!(
            "“{id}” is not a token id: ids are “tok_” and 16 hex digits, as the list gives them"
        ))
    })?;
    s.accounts()
        .read_as(&account, &who, |a, _| {
            Ok(access::may_manage_tokens(a.config(), &who)?)
        })
        .await?;
    let mut tx = s.db().begin_write(&account).await?;
    if tx.delete_token(&account, prefix).await? {
        let change = Change::new(
            "revoke_token",
            format!("token:{id}"),
            &serde_json::json!({ "id": id }),
            &(),
        )?;
        audit::record(
            &mut tx,
            &account,
            s.accounts().now(),
            &bearer.actor(),
            change,
        )
        .await?;
        tx.commit().await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "this account has no token {id}"
        )))
    }
}
