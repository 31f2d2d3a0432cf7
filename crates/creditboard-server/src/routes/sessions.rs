//! Member sessions for the embedded dashboard: the host's backend mints a short-lived token
//! for the member signed in to it, and the dashboard then shows and does exactly what that
//! member may (an admin buys and sets top-ups; a member is told to ask an admin).

use super::{Body, Path};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::{self, TokenKind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::access::{self, Needs};
use creditboard_domain::config::Role;
use creditboard_domain::ids::MemberId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST …/sessions`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The member signed in to the host.
    pub member: MemberId,
    /// Seconds the session lasts: 60 to 43,200 (12 hours); 3,600 if left out.
    #[schema(minimum = 60, maximum = 43200)]
    pub expires_in: Option<u32>,
}

/// A member's session: hand `token` to `embed.js` (never put it in a URL).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub token: String,
    /// The token's id in the account's token list (what revokes it).
    pub id: String,
    pub member: MemberId,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/sessions", tag = "provisioning",
    summary = "Start a member session",
    description = "Mints a short-lived token for one member of the team, for the dashboard the host embeds: it acts as that member, with their role as it stands at each request, and stops working when the member leaves the team. The host's token or the service's.",
    params(("account" = String, Path, description = "The account id")),
    request_body = SessionRequest,
    responses((status = 201, description = "The session", body = Session)))]
pub async fn start(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(r): Body<SessionRequest>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    let who = bearer.caller_for(&account)?;
    access::admit(&who, Needs::Service)?;
    let ttl = match r.expires_in {
        None => tokens::DEFAULT_SESSION_TTL,
        Some(secs) => {
            let ttl = Duration::seconds(i64::from(secs));
            if !(Duration::seconds(60)..=tokens::MAX_SESSION_TTL).contains(&ttl) {
                return Err(ApiError::bad_request(format!(
                    "expires_in is 60 to {} seconds, not {secs}",
                    tokens::MAX_SESSION_TTL.num_seconds()
                )));
            }
            ttl
        }
    };
    let role = s
        .accounts()
        .read(&account, |a, _| {
            a.config().member(&r.member).map(|m| m.role).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not_on_team",
                    format!("“{}” is not on the team: add them first", r.member),
                )
            })
        })
        .await?;
    let expires_at = Utc::now() + ttl;
    let kind = TokenKind::Session(r.member.clone());
    let now = s.accounts().now();
    let (token, id) =
        tokens::issue_audited(s.db(), &account, &kind, expires_at, &bearer.actor(), now).await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            id,
            member: r.member,
            role,
            expires_at,
        }),
    ))
}
