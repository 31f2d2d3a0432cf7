//! Embed tokens: short-lived, read-only tokens a host hands its page to show one account's
//! dashboard, issued to the host's service or an admin.

use super::{Body, Path};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::{self, TokenKind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::access;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST …/embed-tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbedTokenRequest {
    /// How long the token lives, 60 to 43,200 seconds (default 900).
    #[schema(minimum = 60, maximum = 43200)]
    pub ttl_seconds: Option<u32>,
}

/// A read-only token for showing the dashboard of one account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EmbedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/embed-tokens", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = EmbedTokenRequest,
    responses((status = 201, description = "A short-lived read-only token for this account", body = EmbedToken)))]
pub async fn embed_token(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(request): Body<EmbedTokenRequest>,
) -> ApiResult<(StatusCode, Json<EmbedToken>)> {
    let caller = bearer.caller_for(&account)?;
    // Bad input is refused before the account is looked at (whatever state it is in).
    let ttl = match request.ttl_seconds {
        None => tokens::DEFAULT_EMBED_TTL,
        Some(secs) => {
            let ttl = Duration::seconds(i64::from(secs));
            if !(Duration::seconds(60)..=tokens::MAX_EMBED_TTL).contains(&ttl) {
                return Err(ApiError::bad_request(format!(
                    "ttl_seconds must be between 60 and {}, not {secs}",
                    tokens::MAX_EMBED_TTL.num_seconds()
                )));
            }
            ttl
        }
    };
    s.accounts()
        .read_as(&account, &caller, |a, _| {
            Ok(access::may_share(a.config(), &caller)?)
        })
        .await?;
    let expires_at = Utc::now() + ttl;
    let now = s.accounts().now();
    let (token, _) = tokens::issue_audited(
        s.db(),
        &account,
        &TokenKind::Embed,
        expires_at,
        &bearer.actor(),
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(EmbedToken { token, expires_at })))
}
