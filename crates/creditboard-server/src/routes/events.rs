//! The live stream: a Server-Sent Event `ledger` with the newest entry id whenever entries
//! are appended to the account, so an open dashboard refetches within a second of a consume.
//!
//! A stream lives no longer than its token: it ends at the token's expiry (with an `expired`
//! event, so the page knows to ask for a new one rather than reconnect), and within
//! [`RECHECK`] of the token being revoked or its member taken off the team. A token may hold
//! [`streams::PER_TOKEN`] open, an account [`streams::PER_ACCOUNT`].

use super::Path;
use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::streams::{self, Full, Subscription};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often an open stream checks its token is still good (revocation, removal).
const RECHECK: Duration = Duration::from_secs(15);

#[utoipa::path(get, path = "/api/v1/accounts/{account}/events", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"),
           ("access_token" = Option<String>, Query, description = "The token, for clients that cannot send headers (EventSource)")),
    responses((status = 200, description = "`event: ledger`, `data: {\"last\": <newest entry id>}` on connecting and whenever entries are appended; `event: expired` and the end of the stream when the token expires (the stream also ends soon after the token is revoked)", content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let who = bearer.caller_for(&account)?;
    // Opened before reading the newest id, so nothing appended in between is missed.
    let subscription = s
        .accounts()
        .streams()
        .open(&account, &bearer.hash)
        .map_err(too_many)?;
    let last = s
        .accounts()
        .read_as(&account, &who, |a, _| Ok(a.last_id()))
        .await?;
    let open = Open {
        state: s,
        bearer,
        subscription,
        first: Some(last),
        ended: false,
        next_check: tokio::time::Instant::now() + RECHECK,
    };
    Ok(Sse::new(stream::unfold(open, next)).keep_alive(KeepAlive::new().interval(RECHECK)))
}

fn too_many(full: Full) -> ApiError {
    let (whose, cap) = match full {
        Full::Token => ("this token", streams::PER_TOKEN),
        Full::Account => ("this account", streams::PER_ACCOUNT),
    };
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_streams",
        format!("{whose} already has {cap} live streams open: close one first"),
    )
}

/// One open stream's state between events.
struct Open {
    state: AppState,
    bearer: Bearer,
    subscription: Subscription,
    /// The newest id when it opened, sent first.
    first: Option<u64>,
    ended: bool,
    /// When the token is checked next: a deadline, not a timer restarted by every event, so
    /// a busy account's stream notices a revoked token as soon as a quiet one's does.
    next_check: tokio::time::Instant,
}

fn ledger(last: u64) -> Event {
    Event::default()
        .event("ledger")
        .data(format!("{{\"last\":{last}}}"))
}

/// The stream's next event, or its end.
async fn next(mut open: Open) -> Option<(Result<Event, Infallible>, Open)> {
    if open.ended {
        return None;
    }
    if let Some(last) = open.first.take() {
        return Some((Ok(ledger(last)), open));
    }
    let expiry = (open.bearer.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let deadline = tokio::time::Instant::now() + expiry;
    loop {
        tokio::select! {
            heard = open.subscription.appended.recv() => match heard {
                Ok(last) => return Some((Ok(ledger(last)), open)),
                // Missed some: say so with a refetch anyway.
                Err(RecvError::Lagged(_)) => return Some((Ok(ledger(0)), open)),
                Err(RecvError::Closed) => return None,
            },
            () = tokio::time::sleep_until(deadline) => {
                open.ended = true;
                let event = Event::default().event("expired").data("{}");
                return Some((Ok(event), open));
            }
            () = tokio::time::sleep_until(open.next_check) => {
                if Bearer::of(open.state.db(), &open.bearer.hash).await.is_err() {
                    return None;
                }
                open.next_check = tokio::time::Instant::now() + RECHECK;
            }
        }
    }
}
