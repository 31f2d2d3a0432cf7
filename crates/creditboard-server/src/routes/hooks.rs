//! The host's webhook endpoints (per account, or for every account with the host's token),
//! the events sent and each delivery's attempts, and sending one again by hand.

use super::ingest::service;
use super::{Body, Path, Query};
use crate::audit::{self, Change};
use crate::auth::Bearer;
use crate::db::EndpointRow;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::webhooks;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use creditboard_domain::access::{self, Action, Caller};
use creditboard_domain::api::host::{self, Attempt, Delivery, EventBody, EventsQuery, SentEvent};
use creditboard_domain::api::query::QueryString;
use creditboard_domain::events::EventType;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST …/webhooks`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where events are POSTed: an `http://` URL (this server does not speak TLS; put a
    /// TLS-terminating proxy in front of an https endpoint).
    pub url: String,
    /// The secret deliveries are signed with, 16 to 200 characters; one is made (and shown
    /// once) if left out.
    pub secret: Option<String>,
    /// The events it wants; empty or left out: all.
    #[serde(default)]
    pub events: Vec<EventType>,
}

/// An endpoint as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: String,
    /// The account it gets events of; none: every account (the host's).
    pub account: Option<String>,
    pub url: String,
    pub events: Vec<EventType>,
    pub created_at: DateTime<Utc>,
    /// Only in the answer to the request that made it, when the server made the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn listed(row: EndpointRow, secret: Option<String>) -> ApiResult<Endpoint> {
    Ok(Endpoint {
        events: serde_json::from_str(&row.events).map_err(ApiError::internal)?,
        id: row.id,
        account: row.account,
        url: row.url,
        created_at: row.created_at,
        secret,
    })
}

fn check(e: &NewEndpoint) -> ApiResult<()> {
    if e.url.starts_with("https://") {
        return Err(ApiError::bad_request(format!(
            "“{}” is https, which this server does not speak: use http:// on a private network or behind a TLS-terminating proxy",
            e.url
        )));
    }
    let ok = e.url.len() <= 2000
        && e.url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace));
    if !ok {
        return Err(ApiError::bad_request(format!(
            "“{}” is not an http:// URL",
            e.url
        )));
    }
    if e.url.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "a webhook URL has no control characters",
        ));
    }
    if let Some(s) = &e.secret
        && (!(16..=200).contains(&s.chars().count()) || s.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(
            "a webhook secret is 16 to 200 characters, none of them control characters",
        ));
    }
    Ok(())
}

/// Whether `id` can be one of ours (`we_…`, `evt_…`: the prefix and 24 hex digits); anything
/// else names nothing.
fn our_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Registers `request` for `account` (`None`: every account), or answers the endpoint that
/// is already there for the same URL, events and secret.
async fn register(
    s: &AppState,
    account: Option<&str>,
    request: NewEndpoint,
) -> ApiResult<(StatusCode, Json<Endpoint>)> {
    check(&request)?;
    let mut events = request.events.clone();
    events.sort_by_key(|e| e.as_str());
    events.dedup();
    let events_json = serde_json::to_string(&events).map_err(ApiError::internal)?;
    for row in s.db().endpoints(account).await? {
        if row.url == request.url {
            let same = row.events == events_json
                && request.secret.as_ref().is_none_or(|x| *x == row.secret);
            if same {
                return Ok((StatusCode::OK, Json(listed(row, None)?)));
            }
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!(
                    "{} is registered already ({}) with other events or another secret: delete it first",
                    row.url, row.id
                ),
            ));
        }
    }
    let made = request.secret.is_none();
    let row = EndpointRow {
        id: webhooks::new_id("we"),
        account: account.map(str::to_string),
        url: request.url,
        secret: request.secret.unwrap_or_else(webhooks::new_secret),
        events: events_json,
        created_at: Utc::now(),
    };
    if let Err(e) = s.db().insert_endpoint(&row).await {
        // Registered by a request running beside this one: answered as a retry would be.
        return match s
            .db()
            .endpoints(account)
            .await?
            .into_iter()
            .find(|r| r.url == row.url)
        {
            Some(_) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!(
                    "{} was being registered by another request: send it again",
                    row.url
                ),
            )),
            None => Err(e),
        };
    }
    let secret = made.then(|| row.secret.clone());
    Ok((StatusCode::CREATED, Json(listed(row, secret)?)))
}

/// The service, the host, or an admin of the account (what the admins' pages read).
pub(super) async fn admin_or_service(
    s: &AppState,
    bearer: &Bearer,
    account: &str,
) -> ApiResult<()> {
    let who = bearer.caller_for(account)?;
    // Read either way: an account that does not exist is a 404, a closed one a 410.
    s.accounts()
        .read_as(account, &who, |a, _| {
            if who == Caller::Service {
                return Ok(());
            }
            if who == Caller::ReadOnly {
                return Err(creditboard_domain::DomainError::ReadOnly.into());
            }
            Ok(access::authorize(
                a.config(),
                who.viewer(a.config()).as_ref(),
                Action::ManageTeam,
            )?)
        })
        .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/webhooks", tag = "webhooks",
    summary = "Register a webhook endpoint",
    description = "Events of this account are POSTed to the endpoint, signed with its secret. The same URL, events and secret again answer 200 with the endpoint.",
    params(("account" = String, Path, description = "The account id")),
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "Registered (with the secret, if the server made it)", body = Endpoint),
        (status = 200, description = "Registered already, as asked", body = Endpoint)))]
pub async fn add(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(request): Body<NewEndpoint>,
) -> ApiResult<(StatusCode, Json<Endpoint>)> {
    service(&bearer, &account)?;
    check(&request)?;
    s.accounts().read(&account, |_, _| Ok(())).await?;
    let (status, Json(endpoint)) = register(&s, Some(&account), request).await?;
    if status == StatusCode::CREATED {
        let after = serde_json::json!({ "url": endpoint.url, "events": endpoint.events });
        audit_endpoint(
            &s,
            &bearer,
            &account,
            "add_webhook",
            &endpoint.id,
            &(),
            &after,
        )
        .await?;
    }
    Ok((status, Json(endpoint)))
}

/// Records a change to the account's endpoints in the audit log.
async fn audit_endpoint(
    s: &AppState,
    bearer: &Bearer,
    account: &str,
    action: &'static str,
    id: &str,
    before: &impl Serialize,
    after: &impl Serialize,
) -> ApiResult<()> {
    let mut tx = s.db().begin_write(account).await?;
    let change = Change::new(action, format!("webhook:{id}"), before, after)?;
    audit::record(
        &mut tx,
        account,
        s.accounts().now(),
        &bearer.actor(),
        change,
    )
    .await?;
    tx.commit().await
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/webhooks", tag = "webhooks",
    summary = "List webhook endpoints",
    description = "The account's endpoints (never their secrets). Admins, the service and the host.",
    params(("account" = String, Path, description = "The account id")),
    responses((status = 200, description = "The endpoints, oldest first", body = Vec<Endpoint>)))]
pub async fn list(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
) -> ApiResult<Json<Vec<Endpoint>>> {
    admin_or_service(&s, &bearer, &account).await?;
    let rows = s.db().endpoints(Some(&account)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| listed(r, None))
            .collect::<ApiResult<_>>()?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account}/webhooks/{id}", tag = "webhooks",
    summary = "Delete a webhook endpoint",
    description = "Stops sending to the endpoint; what was still to go there is cancelled.",
    params(("account" = String, Path, description = "The account id"),
           ("id" = String, Path, description = "The endpoint's id (`we_…`)")),
    responses((status = 204, description = "Deleted")))]
pub async fn remove(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    service(&bearer, &account)?;
    s.accounts().read(&account, |_, _| Ok(())).await?;
    if our_id("we", &id) && s.db().delete_endpoint(Some(&account), &id).await? {
        let before = serde_json::json!({ "id": id });
        audit_endpoint(&s, &bearer, &account, "delete_webhook", &id, &before, &()).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "this account has no endpoint {id}"
        )))
    }
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    summary = "Register a server-wide webhook endpoint",
    description = "Events of every account are POSTed to the endpoint. The host's token only.",
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "Registered", body = Endpoint),
        (status = 200, description = "Registered already, as asked", body = Endpoint)))]
pub async fn add_global(
    State(s): State<AppState>,
    bearer: Bearer,
    Body(request): Body<NewEndpoint>,
) -> ApiResult<(StatusCode, Json<Endpoint>)> {
    bearer.host()?;
    register(&s, None, request).await
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    summary = "List server-wide webhook endpoints",
    responses((status = 200, description = "The endpoints, oldest first", body = Vec<Endpoint>)))]
pub async fn list_global(
    State(s): State<AppState>,
    bearer: Bearer,
) -> ApiResult<Json<Vec<Endpoint>>> {
    bearer.host()?;
    let rows = s.db().endpoints(None).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| listed(r, None))
            .collect::<ApiResult<_>>()?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    summary = "Delete a server-wide webhook endpoint",
    params(("id" = String, Path, description = "The endpoint's id (`we_…`)")),
    responses((status = 204, description = "Deleted")))]
pub async fn remove_global(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    bearer.host()?;
    if our_id("we", &id) && s.db().delete_endpoint(None, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "there is no server-wide endpoint {id}"
        )))
    }
}

/// The declared call `webhook_events`, answered from the database: each event with its
/// deliveries and every attempt.
pub async fn events(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<SentEvent>>> {
    let q = EventsQuery::from_query(&pairs)?;
    let limit = i64::try_from(host::limit(q.limit)?).unwrap_or(50);
    admin_or_service(&s, &bearer, &account).await?;
    let rows = s.db().events_of(&account, limit).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let deliveries = s.db().deliveries_of(&ids).await?;
    let mut out = Vec::new();
    for row in rows {
        let attempts = s.db().attempts_of(&row.id).await?;
        let event: EventBody = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
        let deliveries = deliveries
            .iter()
            .filter(|d| d.0 == row.id)
            .map(|(_, endpoint, state, _, next)| Delivery {
                endpoint: endpoint.clone(),
                state: state.clone(),
                next_attempt_at: (state == "pending").then_some(*next),
                attempts: attempts
                    .iter()
                    .filter(|a| &a.endpoint == endpoint)
                    .map(|a| Attempt {
                        n: a.n,
                        at: a.at,
                        status: a.status,
                        error: a.error.clone(),
                        duration_ms: a.duration_ms,
                    })
                    .collect(),
            })
            .collect();
        out.push(SentEvent { event, deliveries });
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/webhook-events/{id}/redeliver", tag = "webhooks",
    summary = "Send an event again",
    description = "Sends the event again, now, to every endpoint it went to (delivered or given up); it keeps its id, so a host that saw it can drop it.",
    params(("account" = String, Path, description = "The account id"),
           ("id" = String, Path, description = "The event's id (`evt_…`)")),
    responses((status = 202, description = "Queued")))]
pub async fn redeliver(
    State(s): State<AppState>,
    bearer: Bearer,
    Path((account, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    admin_or_service(&s, &bearer, &account).await?;
    if our_id("evt", &id) && s.db().redeliver(&account, &id, Utc::now()).await? {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(ApiError::not_found(format!(
            "this account has no event {id}"
        )))
    }
}
