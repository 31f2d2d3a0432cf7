//! The HTTP surface: `/api/v1/accounts/{account}/…` and the OpenAPI document at
//! `/api/openapi.json`. The dashboard's reads and actions come from the domain's declaration
//! (`calls.rs`); the host's ingestion, embed tokens, the CSV file and the live stream are the
//! server's own.

mod audit;
mod body;
mod calls;
mod docs;
mod embed;
mod events;
mod export;
mod grants;
mod hooks;
mod ingest;
mod provision;
mod purchases;
mod reference;
mod sessions;
mod tokens;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::routing::{delete, get, patch, post};
use utoipa::OpenApi;

pub use body::Body;
pub use embed::{EmbedToken, EmbedTokenRequest};
pub use ingest::{
    CaptureRequest, HoldRequest, IngestResult, RefundRequest, ReleaseRequest, UsageBatch,
    UsageEvent,
};

/// A query string; a malformed one is a 400 in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; malformed ones are a 400 in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The largest request body: a full usage batch (1,000 events) fits with room to spare.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn api() -> Router<AppState> {
    let account = Router::new()
        .route("/usage", post(ingest::usage))
        .route("/ledger.csv", get(export::csv))
        .route("/holds", post(ingest::hold))
        .route("/holds/{hold}/capture", post(ingest::capture))
        .route("/holds/{hold}/release", post(ingest::release))
        .route("/refunds", post(ingest::refund))
        .route("/embed-tokens", post(embed::embed_token))
        .route("/tokens", get(tokens::list))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/events", get(events::stream))
        .route("/", patch(provision::update).delete(provision::close))
        .route("/members", post(provision::add_member))
        .route(
            "/members/{member}",
            patch(provision::update_member).delete(provision::remove_member),
        )
        .route("/grants", post(grants::grant))
        .route("/adjustments", post(grants::adjust))
        .route("/sessions", post(sessions::start))
        .route("/webhooks", post(hooks::add).get(hooks::list))
        .route("/webhooks/{id}", delete(hooks::remove))
        .route("/webhook-events/{id}/redeliver", post(hooks::redeliver))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1/accounts/{account}", calls::routes(account))
        .route("/api/v1/accounts", post(provision::create))
        .route(
            "/api/v1/webhooks",
            post(hooks::add_global).get(hooks::list_global),
        )
        .route("/api/v1/webhooks/{id}", delete(hooks::remove_global))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(reference::page))
        .route("/api/docs/init.js", get(reference::init))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(writes_run_to_the_end))
}

/// A write runs to its end even when its client goes away. hyper drops a request's future
/// when its connection closes, and a write dropped half-way could leave its pooled database
/// connection inside the transaction (SQLite: the next write finds the database locked) or
/// in the middle of a `COPY` (PostgreSQL: the connection answers out of step). Reads (the
/// live stream, the export) stay cancellable, so they stop with their client.
async fn writes_run_to_the_end(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// A path that exists asked with a method it does not take: the API's error, naming the
/// methods it does take.
async fn method_not_allowed(
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    method: axum::http::Method,
) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not take {method}", uri.path()),
    )
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// The OpenAPI document: the declared calls, the server's own handlers and the domain's
/// types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Creditboard API",
        description = "Credits, usage and spend controls of an account. Amounts are integers in the meter's minor units; times are UTC (RFC 3339); calendar questions are answered in the account's timezone.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        export::csv,
        embed::embed_token,
        ingest::usage,
        ingest::hold,
        ingest::capture,
        ingest::release,
        ingest::refund,
        events::stream,
        tokens::list,
        tokens::revoke,
        provision::create,
        provision::update,
        provision::close,
        provision::add_member,
        provision::update_member,
        provision::remove_member,
        grants::grant,
        grants::adjust,
        sessions::start,
        hooks::add,
        hooks::list,
        hooks::remove,
        hooks::add_global,
        hooks::list_global,
        hooks::remove_global,
        hooks::redeliver,
    ),
    components(schemas(creditboard_domain::api::ErrorBody)),
    modifiers(&Calls, &Security, &ErrorResponses),
    tags(
        (name = "dashboard", description = "What the dashboard reads: any token of the account"),
        (name = "spend", description = "Estimates, purchases, settings and batches: team members (admins for purchases and settings)"),
        (name = "ingest", description = "Usage, holds and refunds reported by the host product's service"),
        (name = "provisioning", description = "Accounts, their plans and teams, grants and member sessions: the host's token (which also creates accounts) or the account's service token"),
        (name = "webhooks", description = "Webhook endpoints, events and their deliveries, and the audit log")
    )
)]
pub struct ApiDoc;

/// The declared calls' operations.
struct Calls;

impl utoipa::Modify for Calls {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        calls::document(doc);
    }
}
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A member, service or embed token of the account in the path",
                    ))
                    .build(),
            ),
        );
        doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Each operation's id, words, example and errors ([`docs`]).
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        docs::document(doc);
    }
}
