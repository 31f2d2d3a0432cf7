//! The live stream: a Server-Sent Event `ledger` with the newest entry id whenever entries
//! are appended to the account, so an open dashboard refetches within a second of a consume.

use super::Path;
use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;

#[utoipa::path(get, path = "/api/v1/accounts/{account}/events", tag = "dashboard",
    params(("account" = String, Path, description = "The account id"),
           ("access_token" = Option<String>, Query, description = "The token, for clients that cannot send headers (EventSource)")),
    responses((status = 200, description = "`event: ledger`, `data: {\"last\": <newest entry id>}` on connecting and whenever entries are appended", content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let who = bearer.caller_for(&account)?;
    // Subscribe before reading the newest id, so nothing appended in between is missed.
    let appended = BroadcastStream::new(s.accounts().subscribe());
    let last = s
        .accounts()
        .read_as(&account, &who, |a, _| Ok(a.last_id()))
        .await?;
    let event = |last: u64| {
        Event::default()
            .event("ledger")
            .data(format!("{{\"last\":{last}}}"))
    };
    let first = stream::once(async move { Ok(event(last)) });
    let later = appended.filter_map(move |change| {
        let account = account.clone();
        async move {
            match change {
                Ok(a) if a.account == account => Some(Ok(event(a.last))),
                Ok(_) => None,
                // Missed some: say so with a refetch anyway.
                Err(_) => Some(Ok(event(0))),
            }
        }
    });
    Ok(Sse::new(first.chain(later)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
