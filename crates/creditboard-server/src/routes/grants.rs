//! Credits the host gives or corrects, each with a reason shown in the ledger: grants into
//! a promotional bucket (a promotion, compensation), with an optional expiry, and
//! adjustments (a correction, either way). The host's token or the service's; the key makes
//! a retry safe; each is in the audit log.

use super::ingest::{Written, apply_one, service};
use super::{Body, Path};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use creditboard_domain::amount::Amount;
use creditboard_domain::entry::{AdjustOp, GrantOp, Operation, Usage};
use creditboard_domain::ids::{IdempotencyKey, Label, MeterId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST …/grants`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    /// Credits added, in the meter's minor units; greater than zero.
    #[schema(minimum = 1)]
    pub amount: Amount,
    /// Why, as the ledger shows it: "Welcome credits", "Compensation for the outage of 3 May".
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub reason: Label,
    /// When what is left of them expires (after now); none: they do not.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST …/adjustments`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    /// Credits added (positive) or taken away (negative), never zero.
    pub amount: Amount,
    /// Why, as the ledger shows it: "Double-charged render 4711".
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub reason: Label,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/grants", tag = "provisioning",
    summary = "Grant credits",
    description = "Adds credits in a promotional bucket, with the reason the ledger shows and an optional expiry. Sending the same key again answers with what the first request wrote; the same key with anything else changed is a 409.",
    params(("account" = String, Path, description = "The account id")),
    request_body = GrantRequest,
    responses((status = 200, description = "The grant's entry", body = Written)))]
pub async fn grant(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(r): Body<GrantRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    if !r.amount.is_positive() {
        return Err(ApiError::bad_request(format!(
            "a grant adds credits: the amount must be greater than zero, not {}",
            r.amount.get()
        )));
    }
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Grant(GrantOp {
            key: r.key.clone(),
            meter: r.meter.clone(),
            amount: r.amount,
            at,
            expires_at: r.expires_at,
            usage: because(&r.reason),
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/adjustments", tag = "provisioning",
    summary = "Adjust a balance",
    description = "Corrects a meter's balance either way, with the reason the ledger shows. A negative adjustment takes credits as usage would (and is refused past the balance). The key makes a retry safe.",
    params(("account" = String, Path, description = "The account id")),
    request_body = AdjustmentRequest,
    responses((status = 200, description = "The adjustment's entry", body = Written)))]
pub async fn adjust(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(r): Body<AdjustmentRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Adjust(AdjustOp {
            key: r.key.clone(),
            meter: r.meter.clone(),
            amount: r.amount,
            at,
            usage: because(&r.reason),
        })
    })
    .await
}

fn because(reason: &Label) -> Usage {
    Usage {
        description: Some(reason.clone()),
        ..Usage::default()
    }
}
