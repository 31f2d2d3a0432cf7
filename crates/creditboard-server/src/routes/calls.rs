//! The dashboard's reads and actions, routed from the domain's one declaration
//! (`creditboard_domain::with_calls!`): each call gets its route and its entry in the API
//! document from its [`Call`] impl, and one generic handler asks the account.

use super::{Body, Query};
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use axum::{Json, Router};
use creditboard_domain::api::call::{Args, Asker, Call, Method};
use creditboard_domain::api::calls;
use creditboard_domain::billing::{Payment, PaymentOutcome, PaymentProvider};
use std::collections::HashMap;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
use utoipa::openapi::{ContentBuilder, HttpMethod, ObjectBuilder, Required, ResponseBuilder, Type};

/// Every call of the declaration, expanded for the server.
macro_rules! server_calls {
    ($($(#[$doc:meta])* $name:ident: $req:ident -> $reply:ty { $($spec:tt)* })*) => {
        /// A route for every call.
        pub fn routes(router: Router<AppState>) -> Router<AppState> {
            $(let router = route::<calls::$req>(router);)*
            router
        }

        /// Every call's operation, into the API document.
        pub fn document(doc: &mut utoipa::openapi::OpenApi) {
            $(document_call::<calls::$req>(doc);)*
        }
    };
}

creditboard_domain::with_calls!(server_calls);

/// Where a call is routed under `/api/v1/accounts/{account}`.
fn relative_path<C: Call>() -> &'static str {
    match C::ROUTE.path {
        "" => "/",
        path => path,
    }
}

fn route<C: Call>(router: Router<AppState>) -> Router<AppState> {
    // A purchase waits for the payment provider between two writes, which a call answered
    // under the account's lock cannot: it has its own handler, documented as declared.
    if C::ROUTE.path == "/purchases" {
        return router.route(relative_path::<C>(), post(super::purchases::buy));
    }
    // The audit log and the events are the database's (every process's changes, the
    // deliveries made), not the aggregate's.
    match C::ROUTE.path {
        "/audit" => return router.route(relative_path::<C>(), get(super::audit::log)),
        "/webhook-events" => return router.route(relative_path::<C>(), get(super::hooks::events)),
        _ => {}
    }
    let handler: MethodRouter<AppState> = match C::ROUTE.method {
        Method::Get => get(answer::<C>),
        Method::Post => post(answer::<C>),
        Method::Put => put(answer::<C>),
    };
    router.route(relative_path::<C>(), handler)
}

/// A call's request as it arrived: from the query string or the JSON body, as the call
/// travels.
struct CallRequest<C>(C);

impl<C: Call> FromRequest<AppState> for CallRequest<C> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<Self> {
        match C::ROUTE.args {
            Args::Body => {
                let Body(request) = Body::<C>::from_request(req, state).await?;
                Ok(CallRequest(request))
            }
            Args::None | Args::Query => {
                let (mut parts, _) = req.into_parts();
                let Query(pairs) =
                    <Query<Vec<(String, String)>> as axum::extract::FromRequestParts<_>>::from_request_parts(
                        &mut parts, state,
                    )
                    .await?;
                Ok(CallRequest(C::from_query(&pairs)?))
            }
        }
    }
}

/// What the generic calls know of payments: whether any can be taken (automatic top-ups
/// are refused where not). Purchases, the one call that charges, have their own handler.
pub(super) struct Charges(pub(super) Option<&'static str>);

impl PaymentProvider for Charges {
    fn charge(&mut self, _: &Payment) -> PaymentOutcome {
        PaymentOutcome::Declined {
            reason: "purchases are charged by their own handler".into(),
        }
    }

    fn unavailable(&self) -> Option<String> {
        self.0.map(str::to_string)
    }
}

/// Asks the account: a read under its lock, an action in a write that stores what it wrote.
async fn answer<C: Call>(
    State(s): State<AppState>,
    bearer: Bearer,
    super::Path(params): super::Path<HashMap<String, String>>,
    CallRequest(request): CallRequest<C>,
) -> ApiResult<Response> {
    let account = params.get("account").cloned().unwrap_or_default();
    let who = bearer.caller_for(&account)?;
    for (name, id) in request.path_params() {
        let in_path = params.get(name).map(String::as_str).unwrap_or_default();
        if in_path.parse::<u64>().ok() != Some(id.0) {
            return Err(ApiError::bad_request(format!(
                "the body names {name} {id} but the path names #{in_path}"
            )));
        }
    }
    let ask = |a: &mut creditboard_domain::account::Account, now| -> ApiResult<C::Reply> {
        let mut payments = Charges(s.payments().unavailable());
        let mut asker = Asker {
            caller: &who,
            now,
            payments: &mut payments,
        };
        Ok(request.clone().ask(a, &mut asker)?)
    };
    let reply = if C::ROUTE.changes {
        s.accounts()
            .write_as(&account, &who, &bearer.actor(), ask)
            .await?
    } else {
        s.accounts().read_as(&account, &who, ask).await?
    };
    let status = StatusCode::from_u16(C::ROUTE.status)
        .map_err(|_| ApiError::internal("a call declares an impossible status"))?;
    Ok(match status {
        StatusCode::NO_CONTENT => status.into_response(),
        _ => (status, Json(reply)).into_response(),
    })
}

/// The call's operation in the API document: its path and method, parameters, body and
/// answer (the error answers every operation shares are added by `ErrorResponses`).
fn document_call<C: Call>(doc: &mut utoipa::openapi::OpenApi) {
    let mut schemas = Vec::new();
    let mut op = OperationBuilder::new()
        .tag(C::ROUTE.tag)
        .operation_id(Some(C::NAME))
        .parameter(path_param("account", "The account id", Type::String, None));
    for p in C::ROUTE.params {
        op = op.parameter(path_param(p.name, p.about, Type::Integer, Some(1.0)));
    }
    op = op.parameters(Some(C::query_params()));
    if let Some(body) = C::body_schema(&mut schemas) {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(body)).build(),
                )
                .required(Some(Required::True))
                .build(),
        ));
    }
    let mut response = ResponseBuilder::new().description(C::ROUTE.answers);
    if let Some(reply) = C::reply_schema(&mut schemas) {
        response = response.content(
            "application/json",
            ContentBuilder::new().schema(Some(reply)).build(),
        );
    }
    op = op.response(C::ROUTE.status.to_string(), response.build());
    let method = match C::ROUTE.method {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
        Method::Put => HttpMethod::Put,
    };
    let path = format!("/api/v1/accounts/{{account}}{}", C::ROUTE.path);
    let item = PathItem::new(method, op.build());
    match doc.paths.paths.get_mut(&path) {
        Some(existing) => existing.merge_operations(item),
        None => {
            doc.paths.paths.insert(path, item);
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}

fn path_param(
    name: &str,
    description: &str,
    kind: Type,
    minimum: Option<f64>,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .description(Some(description))
        .required(Required::True)
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(kind.clone())
                .format(
                    (kind == Type::Integer)
                        .then_some(SchemaFormat::KnownFormat(KnownFormat::Int64)),
                )
                .minimum(minimum)
                .build(),
        ))
        .build()
}
