//! The server's one error type. Every failure leaves as `{"error":{"code":…,"message":…}}`
//! with the status that fits it; internal failures are logged and answered with a generic
//! sentence, never with what went wrong inside.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use creditboard_domain::DomainError;
use creditboard_domain::api::{ErrorBody, ErrorDetail};
use creditboard_domain::ledger::Wanted;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// What an account opened without its whole history needs looked up before the request
    /// can be answered (`crate::accounts` does, and asks again); never sent.
    pub wanted: Option<Box<Wanted>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            wanted: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// The same answer whether the account does not exist or belongs to someone else.
    pub fn no_account(id: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_account",
            format!("there is no account “{id}”"),
        )
    }

    /// The account was closed by the host: nothing more is answered for it.
    pub fn closed(id: &str) -> Self {
        ApiError::new(
            StatusCode::GONE,
            "account_closed",
            format!("the account “{id}” is closed"),
        )
    }

    /// Something broke inside: logged in full, answered without details.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {what}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request; it has been logged",
        )
    }

    /// The database is busy or unreachable: trying again may help.
    pub fn unavailable(what: impl std::fmt::Display) -> Self {
        tracing::warn!("database unavailable: {what}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the ledger is busy or unreachable; try again shortly",
        )
    }
}

/// The status a domain refusal deserves: malformed input is 400, a rule that refuses a
/// well-formed request is 422, a clash with an earlier request is 409.
fn domain_status(e: &DomainError) -> StatusCode {
    use DomainError::*;
    match e {
        NonPositiveAmount
        | ZeroAmount
        | NonPositiveQuantity
        | Overflow
        | InvalidAmount { .. }
        | UnknownTimezone(_)
        | RangeEndsBeforeStart { .. }
        | RangeTooLong { .. }
        | UnknownPeriod(_)
        | InvalidDate(_)
        | InvalidId { .. }
        | TimeOutOfRange(_)
        | ExpiryNotAfterGrant
        | HoldExpiryOutOfRange { .. }
        | InvalidConfig(_)
        | InvalidQuery(_) => StatusCode::BAD_REQUEST,
        UnknownEntry(_) => StatusCode::NOT_FOUND,
        IdempotencyConflict { .. }
        | HoldNotPending(_)
        | PaymentNotPending(_)
        | NoPaymentProvider(_)
        | TimeWentBackwards { .. } => StatusCode::CONFLICT,
        ReadOnly
        | MemberOnly
        | ServiceOnly
        | HostOnly(_)
        | AdminOnly { .. }
        | ShareAdminOnly
        | NotHoldOwner { .. } => StatusCode::FORBIDDEN,
        NotOnTeam(_) => StatusCode::UNAUTHORIZED,
        PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
        CorruptLedger(_) | NotHeld(_) => StatusCode::INTERNAL_SERVER_ERROR,
        UnknownMeter(_)
        | UnknownFeature(_)
        | UnknownTier { .. }
        | TierRequired(_)
        | BalanceLimit { .. }
        | InsufficientCredits { .. }
        | CaptureExceedsHold { .. }
        | NotRefundable(_)
        | RefundExceedsCharge { .. }
        | MemberCapReached { .. }
        | CapBelowSpent { .. }
        | NotForSale(_)
        | UnknownPack(_)
        | RequirementUnmet { .. }
        | AmountOutsideOffer { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::CorruptLedger(_) => ApiError::internal(e),
            // Routine: the adapter looks it up and asks again. Should one escape it, the
            // client sees an internal error.
            DomainError::NotHeld(wanted) => ApiError {
                wanted: Some(wanted),
                ..ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server could not complete the request; it has been logged",
                )
            },
            e => ApiError::new(domain_status(&e), e.code(), e.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::unavailable(e)
            }
            e => ApiError::internal(e),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        if timed_out(&e) {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                e.body_text(),
            );
        }
        let status = match e {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, "invalid_body", e.body_text())
    }
}

/// Whether the body was not read because it did not arrive in time (`connections`).
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(e) = cause {
        if e.is::<crate::connections::BodyTimedOut>() {
            return true;
        }
        cause = e.source();
    }
    false
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
