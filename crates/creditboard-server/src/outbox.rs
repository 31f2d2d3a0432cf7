//! The events one write makes for the host (`creditboard_domain::events`), as they are
//! stored in its transaction and later delivered by [`crate::webhooks`].

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use creditboard_domain::alerts::Notification;
use creditboard_domain::events;
use creditboard_domain::ledger::Ledger;
use rand::RngCore;

pub use creditboard_domain::api::host::EventBody;

/// The events one write made, ready to store: (id, type, body).
pub fn outgoing(
    account: &str,
    ledger: &Ledger,
    before: usize,
    fired: &[Notification],
    now: DateTime<Utc>,
) -> ApiResult<Vec<(String, &'static str, String)>> {
    events::written(ledger, before, fired)
        .into_iter()
        .map(|data| {
            let body = EventBody {
                id: new_id("evt"),
                kind: data.kind,
                account: account.to_string(),
                created_at: now,
                data,
            };
            let text = serde_json::to_string(&body).map_err(ApiError::internal)?;
            Ok((body.id, body.kind.as_str(), text))
        })
        .collect()
}

/// A fresh id with a prefix: `evt_…`, `we_…` (96 random bits).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}
