//! What the host provisions: accounts (created from the same JSON a preset is, checked the
//! same way; read; their plan changed; closed) and their team. The host's token creates
//! accounts; it and the account's service token do the rest. Every call may be repeated:
//! the same request again changes nothing and answers as the first did, and every change is
//! in the audit log.

use super::ingest::service;
use super::{Body, Path};
use crate::audit::{self, Change};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use creditboard_domain::access;
use creditboard_domain::config::meter::Allocation;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::config::{AccountConfig, Member, Plan, Role};
use creditboard_domain::ids::{MemberId, MeterId};
use creditboard_domain::preset::ProductConfig;
use creditboard_domain::ratecard::RateCard;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// `POST /api/v1/accounts`: the account's configuration and rate card, the JSON a preset is
/// (`docs/examples/pixelforge.json`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub account: AccountConfig,
    pub rate_card: RateCard,
}

/// An account as the host sees it: its settings now, when it opened and closed.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct AccountRecord {
    pub id: String,
    pub opened_at: DateTime<Utc>,
    /// Set once the account is closed: it then answers `410 account_closed` to everything
    /// else, and its tokens are gone.
    pub closed_at: Option<DateTime<Utc>>,
    pub config: AccountConfig,
    pub rate_card: RateCard,
}

/// `PATCH …/accounts/{account}`: a plan change. What is left out stays. The billing cycle
/// under way keeps what it was granted and ends when it was going to: a new allocation is
/// granted, and a new rollover rule applied, at the next cycle start; a new billing day
/// starts the cycles after that one.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    /// The plan tier the rate card's requirements are checked against.
    pub plan: Option<Plan>,
    /// The day of the month cycles start, 1 to 31 (31: the month's last day).
    #[schema(minimum = 1, maximum = 31)]
    pub billing_anchor_day: Option<u8>,
    /// New allocations, by meter (a meter keeps having one: it cannot gain or lose it).
    #[serde(default)]
    pub allocations: Vec<MeterAllocation>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeterAllocation {
    pub meter: MeterId,
    pub allocation: Allocation,
}

/// `PATCH …/members/{member}`: what is left out stays.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    pub name: Option<String>,
    pub role: Option<Role>,
}

fn request_hash(request: &NewAccount) -> ApiResult<String> {
    let canonical = serde_json::to_string(request).map_err(ApiError::internal)?;
    Ok(hex::encode(Sha256::digest(canonical.as_bytes())))
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "provisioning",
    summary = "Create an account",
    description = "Creates an account from its configuration and rate card, checked as a preset is. The host's token only. Sending the same request again answers 200 with the account and changes nothing; another request for an existing id is a 409.",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created", body = AccountRecord),
        (status = 200, description = "The same request again: the account as it is now", body = AccountRecord)))]
pub async fn create(
    State(s): State<AppState>,
    bearer: Bearer,
    Body(request): Body<NewAccount>,
) -> ApiResult<(StatusCode, Json<AccountRecord>)> {
    bearer.host()?;
    let product = ProductConfig {
        account: request.account.clone(),
        rate_card: request.rate_card.clone(),
    };
    product.validate()?;
    let id = request.account.id.to_string();
    let hash = request_hash(&request)?;
    if let Some(existing) = s.db().account_record(&id).await? {
        return match existing.created_by {
            Some(h) if h == hash => Ok((StatusCode::OK, Json(record(&s, &id).await?))),
            _ => Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!(
                    "an account “{id}” exists, made by another request: change it with PATCH /api/v1/accounts/{id}"
                ),
            )),
        };
    }
    let now = s.accounts().now();
    let created = async {
        let mut tx = s
            .db()
            .open_account(&request.account, &request.rate_card, now)
            .await?;
        tx.set_created_by(&id, &hash).await?;
        let after = serde_json::json!({ "name": request.account.name });
        let change = Change::new("create_account", format!("account:{id}"), &(), &after)?;
        audit::record(&mut tx, &id, now, &bearer.actor(), change).await?;
        tx.commit().await
    }
    .await;
    let id = request.account.id.to_string();
    if let Err(e) = created {
        // Two creations at once: the loser answers as a retry would.
        return match s.db().account_record(&id).await? {
            Some(_) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!("the account “{id}” was being created by another request: send it again"),
            )),
            None => Err(e),
        };
    }
    Ok((StatusCode::CREATED, Json(record(&s, &id).await?)))
}

/// The account as it stands, for the host.
async fn record(s: &AppState, id: &str) -> ApiResult<AccountRecord> {
    let row = s
        .db()
        .account_record(id)
        .await?
        .ok_or_else(|| ApiError::no_account(id))?;
    if row.closed_at.is_some() {
        let stored = s
            .db()
            .account(id)
            .await?
            .ok_or_else(|| ApiError::no_account(id))?;
        return Ok(AccountRecord {
            id: id.to_string(),
            opened_at: row.opened_at,
            closed_at: row.closed_at,
            config: stored.config,
            rate_card: stored.rate_card,
        });
    }
    let (config, rate_card) = s
        .accounts()
        .read(id, |a, _| Ok((a.config().clone(), a.rate_card().clone())))
        .await?;
    Ok(AccountRecord {
        id: id.to_string(),
        opened_at: row.opened_at,
        closed_at: None,
        config,
        rate_card,
    })
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account}", tag = "provisioning",
    summary = "Change an account's plan",
    description = "Changes the plan tier, the billing day or meters' allocations, all or none. The cycle under way keeps what it was granted and ends when it was going to; the next cycle start grants the new allocation and applies the new rollover rule, and a new billing day starts the cycles after that. The same change again changes nothing.",
    params(("account" = String, Path, description = "The account id")),
    request_body = PlanChange,
    responses((status = 200, description = "The account after the change", body = AccountRecord)))]
pub async fn update(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(request): Body<PlanChange>,
) -> ApiResult<Json<AccountRecord>> {
    service(&bearer, &account)?;
    let mut changes = Vec::new();
    if let Some(plan) = request.plan {
        changes.push(SettingsChange::Plan { plan });
    }
    if let Some(anchor_day) = request.billing_anchor_day {
        if !(1..=31).contains(&anchor_day) {
            return Err(ApiError::bad_request(format!(
                "billing_anchor_day is 1 to 31 (31: the month's last day), not {anchor_day}"
            )));
        }
        changes.push(SettingsChange::BillingDay { anchor_day });
    }
    for a in &request.allocations {
        changes.push(SettingsChange::Allocation {
            meter: a.meter.clone(),
            allocation: a.allocation,
        });
    }
    if changes.is_empty() {
        return Err(ApiError::bad_request(
            "the change names nothing to change: plan, billing_anchor_day or allocations",
        ));
    }
    configure(&s, &bearer, &account, &changes).await?;
    Ok(Json(record(&s, &account).await?))
}

/// Makes `changes` as the caller, all or none (each checked on the settings the ones before
/// it leave).
async fn configure(
    s: &AppState,
    bearer: &Bearer,
    account: &str,
    changes: &[SettingsChange],
) -> ApiResult<()> {
    let who = bearer.caller_for(account)?;
    s.accounts()
        .write_as(account, &who, &bearer.actor(), |a, _| {
            // Tried first, step by step as they will be made: a refusal leaves nothing made.
            let mut trial = a.config().clone();
            for c in changes {
                access::may_change(a.config(), &who, c)?;
                trial = c.apply_to(&trial)?;
                trial.validate()?;
            }
            for c in changes {
                a.configure(&who, c, &super::calls::Charges(s.payments().unavailable()))?;
            }
            Ok(())
        })
        .await
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account}", tag = "provisioning",
    summary = "Close an account",
    description = "Closes the account (the host's token only): its tokens stop working at once and it answers `410 account_closed` from then on; its ledger is kept. Closing a closed account answers the same.",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "The closed account", body = AccountRecord)))]
pub async fn close(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
) -> ApiResult<Json<AccountRecord>> {
    // The account's own service token cannot end it: that is the host's decision.
    bearer.host()?;
    let row = s
        .db()
        .account_record(&account)
        .await?
        .ok_or_else(|| ApiError::no_account(&account))?;
    if row.closed_at.is_none() {
        // A payment being settled would be stranded: charged, and never credited.
        let waiting = s
            .accounts()
            .read(&account, |a, _| Ok(a.ledger().pending_payments().count()))
            .await?;
        if waiting > 0 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "payment_pending",
                format!(
                    "{waiting} payment(s) of this account are being settled: close it once they are (a few minutes at most)"
                ),
            ));
        }
        let now = s.accounts().now();
        let mut tx = s.db().begin_write(&account).await?;
        if tx.close_account(&account, now).await? {
            let change = Change::new(
                "close_account",
                format!("account:{account}"),
                &serde_json::json!({ "closed_at": null }),
                &serde_json::json!({ "closed_at": now }),
            )?;
            audit::record(&mut tx, &account, now, &bearer.actor(), change).await?;
        }
        tx.commit().await?;
        s.accounts().evict(&account).await;
    }
    Ok(Json(record(&s, &account).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/members", tag = "provisioning",
    summary = "Add a member",
    description = "Puts a member on the team with a role. The same member again answers 200 and changes nothing; a member already on the team with another name or role is a 409 (change them with PATCH).",
    params(("account" = String, Path, description = "The account id")),
    request_body = Member,
    responses(
        (status = 201, description = "Added", body = Member),
        (status = 200, description = "Already on the team, as asked", body = Member)))]
pub async fn add_member(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(member): Body<Member>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    service(&bearer, &account)?;
    let who = bearer.caller_for(&account)?;
    let change = SettingsChange::AddMember {
        member: member.clone(),
    };
    let payments = super::calls::Charges(s.payments().unavailable());
    // Looked at in the write that adds them: two identical requests at once add them once.
    let added = s
        .accounts()
        .write_as(&account, &who, &bearer.actor(), |a, _| {
            match a.config().member(&member.id) {
                Some(m) if *m == member => return Ok(false),
                Some(m) => return Err(already_on_team(m)),
                None => {}
            }
            a.configure(&who, &change, &payments)?;
            Ok(true)
        })
        .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(member)))
}

fn already_on_team(m: &Member) -> ApiError {
    let role = match m.role {
        Role::Admin => "an admin",
        Role::Member => "a member",
    };
    ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_conflict",
        format!(
            "{} is on the team already, as {} named {}: change them with PATCH …/members/{}",
            m.id, role, m.name, m.id
        ),
    )
}

/// A member the path names who is not on the team.
fn not_on_team(id: &MemberId) -> ApiError {
    ApiError::not_found(format!("“{id}” is not on the team"))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account}/members/{member}", tag = "provisioning",
    summary = "Change a member",
    description = "Renames a member or changes their role (the team keeps at least one admin). A role change takes effect on the member's next request.",
    params(("account" = String, Path, description = "The account id"),
           ("member" = String, Path, description = "The member id")),
    request_body = MemberChange,
    responses((status = 200, description = "The member now", body = Member)))]
pub async fn update_member(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, member)): Path<(String, String)>,
    Body(request): Body<MemberChange>,
) -> ApiResult<Json<Member>> {
    service(&bearer, &account)?;
    let id = MemberId::new(&member)?;
    let change = SettingsChange::UpdateMember {
        member: id.clone(),
        name: request.name,
        role: request.role,
    };
    let who = bearer.caller_for(&account)?;
    let payments = super::calls::Charges(s.payments().unavailable());
    let now = s
        .accounts()
        .write_as(&account, &who, &bearer.actor(), |a, _| {
            if a.config().member(&id).is_none() {
                return Err(not_on_team(&id));
            }
            a.configure(&who, &change, &payments)?;
            a.config()
                .member(&id)
                .cloned()
                .ok_or_else(|| not_on_team(&id))
        })
        .await?;
    Ok(Json(now))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account}/members/{member}", tag = "provisioning",
    summary = "Remove a member",
    description = "Takes a member off the team (never the last admin): their tokens and sessions stop working at once; their entries stay theirs.",
    params(("account" = String, Path, description = "The account id"),
           ("member" = String, Path, description = "The member id")),
    responses((status = 204, description = "Removed")))]
pub async fn remove_member(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    service(&bearer, &account)?;
    let id = MemberId::new(&member)?;
    let change = SettingsChange::RemoveMember { member: id.clone() };
    let who = bearer.caller_for(&account)?;
    let payments = super::calls::Charges(s.payments().unavailable());
    // Their tokens are deleted in the same write (`Accounts::write`).
    s.accounts()
        .write_as(&account, &who, &bearer.actor(), |a, _| {
            if a.config().member(&id).is_none() {
                return Err(not_on_team(&id));
            }
            Ok(a.configure(&who, &change, &payments)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
