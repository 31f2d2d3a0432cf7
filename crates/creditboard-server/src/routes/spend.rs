//! Spend controls: estimates, purchases, settings, batch renders, embed tokens. Who may do
//! what is the domain's rule (`access::authorize`), checked against the account's own member
//! list; the token only says which member is asking.

use super::{Body, Path};
use crate::auth::{self, Caller, Need, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::access;
use creditboard_domain::account::SettingsChange;
use creditboard_domain::api::{self, BuyRequest, BuyResult, TopUpSimulationRequest};
use creditboard_domain::batch::{self, BatchRequest, HeldShot, SettleRequest};
use creditboard_domain::billing::TopUpSimulation;
use creditboard_domain::ratecard::{Estimate, EstimateLine};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[utoipa::path(post, path = "/api/v1/accounts/{account}/estimate", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = Vec<EstimateLine>,
    responses((status = 200, description = "Each line's cost, the total per meter, and whether the balance covers it", body = Estimate)))]
pub async fn estimate(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Body(lines): Body<Vec<EstimateLine>>,
) -> ApiResult<Json<Estimate>> {
    caller.allow(&account, Need::Read, None)?;
    let estimate = s
        .accounts()
        .read(&account, |a, _| {
            Ok(api::estimate(&a.ledger, &a.rate_card, &lines)?)
        })
        .await?;
    Ok(Json(estimate))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/top-ups/simulate", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = TopUpSimulationRequest,
    responses((status = 200, description = "What these top-up settings would add and charge, month by month, at the recent burn rate", body = TopUpSimulation)))]
pub async fn simulate_top_ups(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Body(request): Body<TopUpSimulationRequest>,
) -> ApiResult<Json<TopUpSimulation>> {
    caller.allow(&account, Need::Read, None)?;
    let simulation = s
        .accounts()
        .read(&account, |a, now| {
            Ok(api::simulate_top_ups(&a.ledger, &request, now)?)
        })
        .await?;
    Ok(Json(simulation))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/purchases", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = BuyRequest,
    responses((status = 200, description = "What was bought (a repeated key answers with the first purchase and charges nothing)", body = BuyResult)))]
pub async fn buy(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Body(request): Body<BuyRequest>,
) -> ApiResult<Json<BuyResult>> {
    caller.allow(&account, Need::Member, None)?;
    let result = s
        .accounts()
        .write(&account, |a, now| {
            let viewer = caller.viewer(a.ledger.config());
            let mut payments = s
                .accounts()
                .payments
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            Ok(api::buy(
                &mut a.ledger,
                viewer.as_ref(),
                &request,
                &mut *payments,
                now,
            )?)
        })
        .await?;
    Ok(Json(result))
}

#[utoipa::path(put, path = "/api/v1/accounts/{account}/settings", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = SettingsChange,
    responses((status = 204, description = "Changed (admins only)")))]
pub async fn configure(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Body(change): Body<SettingsChange>,
) -> ApiResult<StatusCode> {
    caller.allow(&account, Need::Member, None)?;
    s.accounts()
        .configure(&account, &change, |a| {
            let config = a.ledger.config();
            access::authorize(config, caller.viewer(config).as_ref(), change.action())?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/batches", tag = "spend",
    params(("account" = String, Path, description = "The account id")),
    request_body = BatchRequest,
    responses((status = 200, description = "Every shot's hold, or nothing when the balance or a cap cannot cover the batch", body = Vec<HeldShot>)))]
pub async fn hold_batch(
    State(s): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
    Body(request): Body<BatchRequest>,
) -> ApiResult<Json<Vec<HeldShot>>> {
    caller.allow(&account, Need::Member, None)?;
    let held = s
        .accounts()
        .write(&account, |a, now| {
            let viewer = caller.viewer(a.ledger.config());
            Ok(batch::hold_batch(
                &mut a.ledger,
                &a.rate_card,
                viewer.as_ref(),
                &request,
                now,
            )?)
        })
        .await?;
    Ok(Json(held))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/holds/{hold}/settle", tag = "spend",
    params(("account" = String, Path, description = "The account id"),
           ("hold" = i64, Path, description = "The hold's entry id", minimum = 1)),
    request_body = SettleRequest,
    responses((status = 204, description = "Captured or released")))]
pub async fn settle(
    State(s): State<AppState>,
    caller: Caller,
    Path((account, hold)): Path<(String, i64)>,
    Body(request): Body<SettleRequest>,
) -> ApiResult<StatusCode> {
    caller.allow(&account, Need::Member, None)?;
    if request.hold != super::hold_id(hold)? {
        return Err(ApiError::bad_request(format!(
            "the body settles hold #{} but the path names #{hold}",
            request.hold
        )));
    }
    s.accounts()
        .write(&account, |a, now| {
            super::ingest::known_entry(&a.ledger, request.hold)?;
            Ok(batch::settle(&mut a.ledger, &request, now)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

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
    caller: Caller,
    Path(account): Path<String>,
    Body(request): Body<EmbedTokenRequest>,
) -> ApiResult<(StatusCode, Json<EmbedToken>)> {
    caller.allow(&account, Need::Read, None)?;
    let config = s
        .accounts()
        .read(&account, |a, _| Ok(a.ledger.config().clone()))
        .await?;
    caller.allow(&account, Need::ServiceOrAdmin, Some(&config))?;
    let ttl = match request.ttl_seconds {
        None => auth::DEFAULT_EMBED_TTL,
        Some(secs) => {
            let ttl = Duration::seconds(i64::from(secs));
            if !(Duration::seconds(60)..=auth::MAX_EMBED_TTL).contains(&ttl) {
                return Err(ApiError::bad_request(format!(
                    "ttl_seconds must be between 60 and {}, not {secs}",
                    auth::MAX_EMBED_TTL.num_seconds()
                )));
            }
            ttl
        }
    };
    let expires_at = Utc::now() + ttl;
    let token = auth::issue(s.db(), &account, &TokenKind::Embed, Some(expires_at)).await?;
    Ok((StatusCode::CREATED, Json(EmbedToken { token, expires_at })))
}
