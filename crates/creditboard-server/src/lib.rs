//! The reference REST backend for Creditboard: the domain's ledger behind an HTTP API, stored
//! in SQLite (default) or PostgreSQL. See `routes` for the API, `accounts` for how requests
//! reach the ledger, `db` for storage.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod background;
pub mod db;
pub mod demo;
pub mod error;
pub mod outbox;
pub mod paying;
pub mod payments;
pub mod resident;
pub mod routes;
pub mod state;
pub mod streams;
pub mod tokens;
pub mod webhooks;

use axum::Router;
use axum::routing::get;
use db::Db;
use state::AppState;
use std::path::PathBuf;
use tower_http::services::ServeDir;

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

/// The whole HTTP surface: the API and, when there is one, the app.
pub fn router(state: AppState) -> Router {
    let api = routes::api();
    let routed = match state.app_dir() {
        Some(dir) => api.route("/", get(app::page)).fallback_service(
            ServeDir::new(dir)
                .append_index_html_on_directories(false)
                .fallback(get(app::page).with_state(state.clone())),
        ),
        None => api.fallback(app::not_found_api),
    };
    routed.with_state(state)
}
