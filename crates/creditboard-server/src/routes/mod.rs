//! The HTTP surface: `/api/v1/accounts/{account}/…`, the OpenAPI document at
//! `/api/openapi.json`, and the built app with an SPA fallback.

mod dashboard;
mod events;
mod ingest;
mod spend;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts};
use axum::routing::{get, post, put};
use utoipa::OpenApi;

pub use ingest::{
    CaptureRequest, HoldRequest, IngestResult, RefundRequest, ReleaseRequest, UsageBatch,
    UsageEvent,
};
pub use spend::{EmbedToken, EmbedTokenRequest};

/// A JSON body; a malformed one is a 400 in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

/// A query string; a malformed one is a 400 in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; malformed ones are a 400 in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A hold's id from the path: entry ids start at 1, so anything less names no entry.
fn hold_id(raw: i64) -> crate::error::ApiResult<creditboard_domain::entry::EntryId> {
    u64::try_from(raw)
        .ok()
        .filter(|id| *id >= 1)
        .map(creditboard_domain::entry::EntryId)
        .ok_or_else(|| creditboard_domain::DomainError::UnknownEntry(raw.unsigned_abs()).into())
}

/// The largest request body: a full usage batch (1,000 events) fits with room to spare.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn api() -> Router<AppState> {
    let account = Router::new()
        .route("/", get(dashboard::account))
        .route("/rate-card", get(dashboard::rate_card))
        .route("/balance", get(dashboard::balance))
        .route("/usage", get(dashboard::usage).post(ingest::usage))
        .route("/ledger", get(dashboard::ledger))
        .route("/ledger/export", get(dashboard::export))
        .route("/ledger.csv", get(dashboard::csv))
        .route("/notifications", get(dashboard::notifications))
        .route("/team", get(dashboard::team))
        .route("/estimate", post(spend::estimate))
        .route("/top-ups/simulate", post(spend::simulate_top_ups))
        .route("/purchases", post(spend::buy))
        .route("/settings", put(spend::configure))
        .route("/batches", post(spend::hold_batch))
        .route("/holds", post(ingest::hold))
        .route("/holds/{hold}/settle", post(spend::settle))
        .route("/holds/{hold}/capture", post(ingest::capture))
        .route("/holds/{hold}/release", post(ingest::release))
        .route("/refunds", post(ingest::refund))
        .route("/embed-tokens", post(spend::embed_token))
        .route("/events", get(events::stream));
    Router::new()
        .nest("/api/v1/accounts/{account}", account)
        .route("/api/openapi.json", get(openapi_json))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// The OpenAPI document, generated from the handlers and the domain's types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Creditboard API",
        description = "Credits, usage and spend controls of an account. Amounts are integers in the meter's minor units; times are UTC (RFC 3339); calendar questions are answered in the account's timezone.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        dashboard::account,
        dashboard::rate_card,
        dashboard::balance,
        dashboard::usage,
        dashboard::ledger,
        dashboard::export,
        dashboard::csv,
        dashboard::notifications,
        dashboard::team,
        spend::estimate,
        spend::simulate_top_ups,
        spend::buy,
        spend::configure,
        spend::hold_batch,
        spend::settle,
        spend::embed_token,
        ingest::usage,
        ingest::hold,
        ingest::capture,
        ingest::release,
        ingest::refund,
        events::stream,
    ),
    components(schemas(creditboard_domain::api::ErrorBody)),
    modifiers(&Security, &ErrorResponses),
    tags(
        (name = "dashboard", description = "What the dashboard reads: any token of the account"),
        (name = "spend", description = "Estimates, purchases, settings and batches: team members (admins for purchases and settings)"),
        (name = "ingest", description = "Usage, holds and refunds reported by the host product's service")
    )
)]
pub struct ApiDoc;

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

/// Every operation can answer with the API's error body; listing them once here keeps the
/// document honest without repeating them on each handler.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let all = [
            ("400", "Malformed or invalid input; nothing changed"),
            ("401", "No token, or an invalid or expired one"),
            (
                "403",
                "The token may not do this (its kind or the member's role)",
            ),
            ("404", "No such account for this token, or no such entry"),
            ("405", "Method not allowed"),
            (
                "409",
                "Clashes with an earlier request (idempotency key, settled hold)",
            ),
            ("413", "The body is too large"),
            ("415", "The body is not JSON"),
            (
                "422",
                "Refused by a rule (credits, caps, offers); nothing changed",
            ),
            ("500", "The server failed; details are logged, not shown"),
            ("503", "The ledger is busy or unreachable; try again"),
        ];
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (code, what) in all {
                    op.responses
                        .responses
                        .entry(code.into())
                        .or_insert_with(|| error(what).into());
                }
            }
        }
    }
}
