//! The reference REST backend for Creditboard: the domain's ledger behind an HTTP API, stored
//! in SQLite (default) or PostgreSQL. See `routes` for the API, `accounts` for how requests
//! reach the ledger, `db` for storage.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod background;
pub mod connections;
pub mod db;
pub mod demo;
pub mod error;
pub mod outbox;
pub mod paying;
pub mod payments;
pub mod resident;
pub mod routes;
pub mod serving;
pub mod state;
pub mod streams;
pub mod tokens;
pub mod webhooks;

use axum::Router;
use axum::routing::any;
use db::Db;
use state::AppState;
use std::path::PathBuf;

/// How to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// The built app to serve beside the API.
    pub app_dir: Option<PathBuf>,
    /// Seed the presets' demo accounts and hand the page a member token.
    pub demo: bool,
    /// Start the ledger's clock at this instant (demos and end-to-end tests pin time).
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
    /// The host's payment endpoint and the secret both sides sign with (`--payments`,
    /// `CB_PAYMENT_SECRET`). Without it only `--demo` can take payments, with the demo's.
    pub payments: Option<(String, String)>,
    /// The origins whose pages may show the dashboard in a frame (`--frame-ancestors`,
    /// `CB_FRAME_ANCESTORS`): its own unless the operator names its hosts'.
    pub frame_ancestors: serving::FrameAncestors,
}

/// Opens the database (applying migrations), seeds the demo if asked, and builds the state.
pub async fn start(config: &Config) -> Result<AppState, String> {
    let db = Db::connect(&config.database_url).await?;
    let mut accounts = accounts::Accounts::new(db.clone());
    if let Some(start) = config.clock {
        accounts.start_clock_at(start);
    }
    let demo = if config.demo {
        let sessions = demo::seed(&db, accounts.now())
            .await
            .map_err(|e| format!("cannot seed the demo accounts: {}", e.message))?;
        Some(sessions)
    } else {
        None
    };
    let payments = match (&config.payments, config.demo) {
        (Some((url, secret)), _) => payments::Provider::http(url, secret)?,
        (None, true) => payments::Provider::demo(),
        (None, false) => payments::Provider::Unset,
    };
    let state = AppState::with_payments(accounts, config.app_dir.clone(), demo, payments);
    listen_to_other_processes(state.clone());
    Ok(state)
}

/// Passes on what other server processes append (PostgreSQL), so every process's live
/// stream reports every consume.
pub fn listen_to_other_processes(state: AppState) {
    tokio::spawn(async move {
        loop {
            let heard = |account: String, last: u64| state.accounts().announce(&account, last);
            match state.db().listen_appended(heard).await {
                Ok(()) => return,
                Err(e) => tracing::warn!("listening for other processes' entries: {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
}

/// The whole HTTP surface: the API and, when there is one, the app; the dashboard framed by
/// its own origin only.
pub fn router(state: AppState) -> Router {
    router_with(state, serving::FrameAncestors::default())
}

/// [`router`], framed by `frame_ancestors` (`Config::frame_ancestors`). Every answer gets
/// the serving policy (`serving`): caching, security headers, the CSP.
pub fn router_with(state: AppState, frame_ancestors: serving::FrameAncestors) -> Router {
    let api = routes::api();
    let routed = match state.app_dir() {
        Some(dir) => api
            .route("/", any(app::fallback))
            .route("/index.html", any(app::fallback))
            .fallback_service(serving::files(
                dir,
                any(app::fallback).with_state(state.clone()),
            )),
        None => api.fallback(app::not_found_api),
    };
    serving::apply(routed.with_state(state), frame_ancestors)
}
