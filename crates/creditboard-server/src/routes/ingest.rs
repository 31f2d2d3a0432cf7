//! What the host product's services report: usage (in batches), holds for running jobs, their
//! capture or release, and refunds. Service tokens only. Every operation carries the client's
//! idempotency key: a retry answers with the first result and changes nothing. The server's
//! clock stamps each operation, so entries never go back in time.

use super::{Body, Path};
use crate::audit::Actor;
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use creditboard_domain::Ledger;
use creditboard_domain::LedgerEntry;
use creditboard_domain::access::{self, Caller, Needs};
use creditboard_domain::account::Account;
use creditboard_domain::amount::Amount;
use creditboard_domain::api::ErrorDetail;
use creditboard_domain::entry::{
    CaptureOp, ConsumeOp, EntryId, HeldBy, HoldOp, JobStatus, Operation, Receipt, RefundOp,
    ReleaseOp, Usage,
};
use creditboard_domain::ids::{IdempotencyKey, Label, MeterId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most events one usage request may carry.
pub const MAX_BATCH: usize = 1000;

/// One job's usage.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageEvent {
    /// Makes the event safe to send again: the same key is counted once.
    pub key: IdempotencyKey,
    pub meter: MeterId,
    /// Credits used, in the meter's minor units; greater than zero.
    #[schema(minimum = 1)]
    pub amount: Amount,
    /// `failed`: charged now and expected to be refunded.
    #[serde(default)]
    pub status: JobStatus,
    /// Feature, category, engine, tier, quantity, member, project, description.
    #[serde(default)]
    pub usage: Usage,
}

/// `POST …/usage`: 1 to 1,000 events, applied in order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBatch {
    #[schema(min_items = 1, max_items = 1000)]
    pub events: Vec<UsageEvent>,
}

/// What became of one event: counted (or counted before), or refused by a rule.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct EventResult {
    pub key: IdempotencyKey,
    /// The event's entry (a top-up it triggered follows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryId>,
    /// True when the key had been counted before and nothing changed.
    #[serde(default)]
    pub replayed: bool,
    /// The meter's balance after the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_after: Option<Amount>,
    /// Why the event was refused (not enough credits, a member's cap…); nothing was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct IngestResult {
    pub accepted: u32,
    pub refused: u32,
    /// One per event, in order.
    pub results: Vec<EventResult>,
}

/// What an operation wrote (or, for a repeated key, what the first request wrote).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Written {
    pub replayed: bool,
    pub entries: Vec<LedgerEntry>,
}

fn written(ledger: &Ledger, receipt: Receipt) -> Written {
    Written {
        replayed: receipt.replayed,
        entries: ledger
            .receipt_entries(&receipt)
            .into_iter()
            .cloned()
            .collect(),
    }
}

fn positive(amount: Amount, what: &str) -> ApiResult<()> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{what}: the amount must be greater than zero, not {}",
            amount.get()
        )))
    }
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/usage", tag = "ingest",
    params(("account" = String, Path, description = "The account id")),
    request_body = UsageBatch,
    responses((status = 200, description = "Each event counted or refused (malformed batches are refused whole with a 400)", body = IngestResult)))]
pub async fn usage(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(batch): Body<UsageBatch>,
) -> ApiResult<Json<IngestResult>> {
    let who = service(&bearer, &account)?;
    if batch.events.is_empty() || batch.events.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "a batch carries 1 to {MAX_BATCH} events, not {}",
            batch.events.len()
        )));
    }
    for (i, e) in batch.events.iter().enumerate() {
        positive(e.amount, &format!("event {i} (“{}”)", e.key))?;
    }
    let keys = batch
        .events
        .iter()
        .map(|e| e.key.as_str().to_string())
        .collect();
    let result = s
        .accounts()
        .write_keyed(&account, &bearer.actor(), keys, |a, now| {
            apply_batch(a, &who, &batch, now)
        })
        .await?;
    Ok(Json(result))
}

/// The caller, when it is the host's service (the domain's rule, checked before the body is).
pub(super) fn service(bearer: &Bearer, account: &str) -> ApiResult<Caller> {
    let who = bearer.caller_for(account)?;
    access::admit(&who, Needs::Service)?;
    Ok(who)
}

fn apply_batch(
    account: &mut Account,
    who: &Caller,
    batch: &UsageBatch,
    now: DateTime<Utc>,
) -> ApiResult<IngestResult> {
    let mut out = IngestResult {
        accepted: 0,
        refused: 0,
        results: Vec::with_capacity(batch.events.len()),
    };
    let ops: Vec<Operation> = batch
        .events
        .iter()
        .map(|e| {
            Operation::Consume(ConsumeOp {
                key: e.key.clone(),
                meter: e.meter.clone(),
                amount: e.amount,
                at: now,
                status: e.status,
                usage: e.usage.clone(),
            })
        })
        .collect();
    // Each event stands alone, so what any of them needs from before a snapshot the
    // account was opened from is asked for before the first is applied.
    account.ledger().require(&ops)?;
    for (e, op) in batch.events.iter().zip(ops) {
        let result = match account.apply(who, op) {
            Ok(receipt) => {
                out.accepted += 1;
                let entry = account
                    .ledger()
                    .receipt_entries(&receipt)
                    .into_iter()
                    .find(|x| x.key == e.key);
                EventResult {
                    key: e.key.clone(),
                    entry: entry.map(|x| x.id),
                    replayed: receipt.replayed,
                    balance_after: entry.map(|x| x.balance_after),
                    error: None,
                }
            }
            Err(err) => {
                out.refused += 1;
                EventResult {
                    key: e.key.clone(),
                    entry: None,
                    replayed: false,
                    balance_after: None,
                    error: Some(ErrorDetail {
                        code: err.code().to_string(),
                        message: err.to_string(),
                    }),
                }
            }
        };
        out.results.push(result);
    }
    Ok(out)
}

/// `POST …/holds`: reserve credits for a job that is starting.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    #[schema(minimum = 1)]
    pub amount: Amount,
    /// Seconds until the ledger releases the hold by itself if it is neither captured nor
    /// released: 60 to 604,800 (a week). Without it, the account's default (a day unless
    /// the account says otherwise).
    #[schema(minimum = 60, maximum = 604800)]
    pub expires_in: Option<u32>,
    #[serde(default)]
    pub usage: Usage,
}

/// `POST …/holds/{hold}/capture`: the job finished; charge `amount` (at most the hold).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureRequest {
    pub key: IdempotencyKey,
    #[schema(minimum = 1)]
    pub amount: Amount,
}

/// `POST …/holds/{hold}/release`: the job was cancelled or failed; charge nothing.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    pub key: IdempotencyKey,
    #[serde(default)]
    pub status: JobStatus,
}

/// `POST …/refunds`: give back a charge, all of it or `amount`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    pub key: IdempotencyKey,
    /// The consume or capture refunded.
    #[schema(minimum = 1)]
    pub of: EntryId,
    #[schema(minimum = 1)]
    pub amount: Option<Amount>,
    pub description: Option<Label>,
}

/// A hold's id from the path: entry ids start at 1, so anything less names no entry.
fn hold_id(raw: i64) -> crate::error::ApiResult<creditboard_domain::entry::EntryId> {
    u64::try_from(raw)
        .ok()
        .filter(|id| *id >= 1)
        .map(creditboard_domain::entry::EntryId)
        .ok_or_else(|| creditboard_domain::DomainError::UnknownEntry(raw.unsigned_abs()).into())
}

/// Applies one operation as the host's service (the account checks what it names exists).
pub(super) async fn apply_one(
    s: &AppState,
    account: &str,
    (who, actor): (&Caller, &Actor),
    op: impl Fn(DateTime<Utc>) -> Operation,
) -> ApiResult<Json<Written>> {
    let done = s
        .accounts()
        .write(account, actor, |a, now| {
            let receipt = a.apply(who, op(now))?;
            Ok(written(a.ledger(), receipt))
        })
        .await?;
    Ok(Json(done))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/holds", tag = "ingest",
    params(("account" = String, Path, description = "The account id")),
    request_body = HoldRequest,
    responses((status = 200, description = "The hold (its entry id settles it; only the service settles it, and the ledger releases it by itself at `expires_at`)", body = Written)))]
pub async fn hold(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(r): Body<HoldRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    positive(r.amount, "the hold")?;
    creditboard_domain::config::holds::check_expires_in(r.expires_in)?;
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Hold(HoldOp {
            key: r.key.clone(),
            meter: r.meter.clone(),
            amount: r.amount,
            at,
            expires_in: r.expires_in,
            held_by: HeldBy::Service,
            usage: r.usage.clone(),
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/holds/{hold}/capture", tag = "ingest",
    params(("account" = String, Path, description = "The account id"),
           ("hold" = i64, Path, description = "The hold's entry id", minimum = 1)),
    request_body = CaptureRequest,
    responses((status = 200, description = "The hold released and the actual charge written", body = Written)))]
pub async fn capture(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, hold)): Path<(String, i64)>,
    Body(r): Body<CaptureRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    let hold = hold_id(hold)?;
    positive(r.amount, "the capture")?;
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Capture(CaptureOp {
            key: r.key.clone(),
            hold,
            amount: r.amount,
            at,
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/holds/{hold}/release", tag = "ingest",
    params(("account" = String, Path, description = "The account id"),
           ("hold" = i64, Path, description = "The hold's entry id", minimum = 1)),
    request_body = ReleaseRequest,
    responses((status = 200, description = "The hold given back", body = Written)))]
pub async fn release(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, hold)): Path<(String, i64)>,
    Body(r): Body<ReleaseRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    let hold = hold_id(hold)?;
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Release(ReleaseOp {
            key: r.key.clone(),
            hold,
            at,
            status: r.status,
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/refunds", tag = "ingest",
    params(("account" = String, Path, description = "The account id")),
    request_body = RefundRequest,
    responses((status = 200, description = "The refund", body = Written)))]
pub async fn refund(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(r): Body<RefundRequest>,
) -> ApiResult<Json<Written>> {
    let who = service(&bearer, &account)?;
    if let Some(amount) = r.amount {
        positive(amount, "the refund")?;
    }
    apply_one(&s, &account, (&who, &bearer.actor()), |at| {
        Operation::Refund(RefundOp {
            key: r.key.clone(),
            of: r.of,
            amount: r.amount,
            at,
            description: r.description.clone(),
        })
    })
    .await
}
