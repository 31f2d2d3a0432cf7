//! What the server tests share: real databases (a SQLite file in a temporary directory, a
//! fresh database on the PostgreSQL server `CB_POSTGRES_URL` names), a seeded account with a
//! token of every kind, and requests through the router or over real HTTP.

#![allow(dead_code, reason = "each test file uses its own part")]

pub mod host;
pub mod receiver;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::Ledger;
use creditboard_domain::amount::Amount;
use creditboard_domain::config::AccountConfig;
use creditboard_domain::entry::{GrantOp, Operation};
use creditboard_domain::ids::{AccountId, IdempotencyKey};
use creditboard_domain::preset::{Preset, PresetId};
use creditboard_domain::ratecard::RateCard;
use creditboard_server::db::Db;
use creditboard_server::payments::Provider;
use creditboard_server::state::AppState;
use creditboard_server::tokens::{self, TokenKind};
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// A database for one test; the SQLite directory lives as long as this does.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/ledger.db", dir.path().display());
    TestDb {
        url,
        backend: "sqlite",
        _dir: Some(dir),
    }
}

/// A fresh database on the test PostgreSQL server. `cargo xtask test` starts one and sets
/// `CB_POSTGRES_URL`; without it these tests fail rather than pass unrun.
pub async fn postgres() -> TestDb {
    let server = std::env::var("CB_POSTGRES_URL").expect(
        "the PostgreSQL tests need CB_POSTGRES_URL (a server they may create databases on): \
         run them with `cargo xtask test`",
    );
    let name = format!("cb_test_{}", hex_id());
    let pool = sqlx::PgPool::connect(&server)
        .await
        .expect("connect to CB_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    TestDb {
        url: format!("{base}/{name}"),
        backend: "postgres",
        _dir: None,
    }
}

fn hex_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Both backends: every behaviour test runs on each.
pub async fn each_backend() -> Vec<TestDb> {
    vec![sqlite(), postgres().await]
}

pub const ACCOUNT: &str = "acme";
pub const OTHER: &str = "other";
/// What the seeded account holds: its plan's 25,000 included credits and a grant.
pub const INCLUDED: i64 = 25_000;

/// Tokens of every kind for the seeded accounts.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub admin: String,
    pub member: String,
    pub service: String,
    pub embed: String,
    pub expired_embed: String,
    /// An admin of the other account.
    pub other_admin: String,
    pub other_service: String,
    /// The host's token, for every account.
    pub host: String,
}

/// The videogen preset's account and rate card under another id, without automatic
/// top-ups or caps, so every movement in a test is one the test made.
pub fn account(id: &str) -> (AccountConfig, RateCard) {
    let preset = Preset::get(PresetId::Videogen).expect("preset");
    let mut config = preset.config;
    config.id = AccountId::new(id).expect("id");
    for m in &mut config.meters {
        m.auto_top_up = None;
    }
    config.member_caps.clear();
    config.alerts.clear();
    (config, preset.rate_card)
}

/// Opens the accounts an hour ago (the included credits granted) plus `grant` credits, and
/// issues tokens.
pub async fn seed(db: &Db, grant: i64) -> Tokens {
    let opened = Utc::now() - Duration::hours(1);
    for id in [ACCOUNT, OTHER] {
        let (config, card) = account(id);
        let mut ledger = Ledger::open(config.clone(), opened).expect("open");
        if grant > 0 {
            ledger
                .apply(Operation::Grant(GrantOp {
                    key: IdempotencyKey::new("seed-grant").expect("key"),
                    meter: config.meters[0].id.clone(),
                    amount: Amount::minor(grant),
                    at: opened,
                    expires_at: None,
                    usage: Default::default(),
                }))
                .expect("grant");
        }
        db.create_account(&config, &card, opened, ledger.entries())
            .await
            .expect("create account");
    }
    let (config, _) = account(ACCOUNT);
    let admin = config
        .members
        .iter()
        .find(|m| m.role == creditboard_domain::config::Role::Admin)
        .expect("an admin");
    let member = config
        .members
        .iter()
        .find(|m| m.role == creditboard_domain::config::Role::Member)
        .expect("a member");
    let issue = |account: &'static str, kind: TokenKind, expires: DateTime<Utc>| async move {
        tokens::issue(db, account, &kind, expires)
            .await
            .expect("issue token")
    };
    let day = Utc::now() + Duration::days(1);
    Tokens {
        admin: issue(ACCOUNT, TokenKind::Member(admin.id.clone()), day).await,
        member: issue(ACCOUNT, TokenKind::Member(member.id.clone()), day).await,
        service: issue(ACCOUNT, TokenKind::Service, day).await,
        embed: issue(
            ACCOUNT,
            TokenKind::Embed,
            Utc::now() + Duration::minutes(10),
        )
        .await,
        expired_embed: issue(ACCOUNT, TokenKind::Embed, Utc::now() - Duration::seconds(1)).await,
        other_admin: issue(OTHER, TokenKind::Member(admin.id.clone()), day).await,
        other_service: issue(OTHER, TokenKind::Service, day).await,
        host: issue("", TokenKind::Host, day).await,
    }
}

/// A server on `db` (fresh state, as a new process would have) and its tokens, charging
/// through a host's payment endpoint ([`host`]).
pub async fn server(db: &TestDb, grant: i64) -> (AppState, Tokens) {
    let (state, tokens, _) = server_paying(db, grant).await;
    (state, tokens)
}

/// [`server`], with the host whose endpoint it charges through.
pub async fn server_paying(db: &TestDb, grant: i64) -> (AppState, Tokens, Arc<host::Host>) {
    let store = Db::connect(&db.url).await.expect("connect");
    let tokens = seed(&store, grant).await;
    let (url, host) = host::start().await;
    let provider = Provider::http(&url, host::SECRET).expect("provider");
    let accounts = creditboard_server::accounts::Accounts::new(store);
    (
        AppState::with_payments(accounts, None, None, provider),
        tokens,
        host,
    )
}

/// Another server process on `db`, its clock started at `now` (it replays what is stored).
pub async fn process_at(db: &TestDb, now: DateTime<Utc>) -> Router {
    creditboard_server::router(state_at(db, now, None).await)
}

/// The state of another server process on `db`, its clock started at `now`, charging
/// through the payment endpoint at `payments` if any.
pub async fn state_at(db: &TestDb, now: DateTime<Utc>, payments: Option<&str>) -> AppState {
    let store = Db::connect(&db.url).await.expect("connect");
    let mut accounts = creditboard_server::accounts::Accounts::new(store);
    accounts.start_clock_at(now);
    let provider = match payments {
        Some(url) => Provider::http(url, host::SECRET)
            .expect("provider")
            .retrying_after(vec![std::time::Duration::from_millis(1); 2]),
        None => Provider::Unset,
    };
    AppState::with_payments(accounts, None, None, provider)
}

/// A POST with a JSON body through the router, as `token`.
pub async fn post(router: &Router, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    call(
        router,
        Method::POST,
        path,
        Some(token),
        Some(&body.to_string()),
    )
    .await
}

/// `PUT …/settings` with `change`, as `token`.
pub async fn put_settings(router: &Router, token: &str, change: &Value) -> (StatusCode, Value) {
    let body = change.to_string();
    call(
        router,
        Method::PUT,
        &path("/settings"),
        Some(token),
        Some(&body),
    )
    .await
}

/// One request through the router: status and JSON body (`Value::Null` when empty or not
/// JSON).
pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Body::from(body.unwrap_or("").to_string()))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Serves `state` on a loopback port for tests over real HTTP.
pub async fn listen(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = creditboard_server::router(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

pub fn path(rest: &str) -> String {
    format!("/api/v1/accounts/{ACCOUNT}{rest}")
}

/// The available balance of the account's first meter, read through the API.
pub async fn available(router: &Router, token: &str) -> i64 {
    let (status, body) = call(router, Method::GET, &path("/balance"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["meters"][0]["balance"]["available"]
        .as_i64()
        .expect("available")
}

/// How many entries the account has, read through the API.
pub async fn entry_count(router: &Router, token: &str) -> u64 {
    let (status, body) = call(
        router,
        Method::GET,
        &path("/ledger?size=1"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["total_count"].as_u64().expect("total_count")
}

/// Every read the dashboard makes.
pub const DASHBOARD_READS: [&str; 6] = [
    "/balance",
    "/usage",
    "/ledger?limit=50&q=job",
    "/ledger?limit=10",
    "/notifications",
    "/team",
];

/// An answer without the instants it was made at (two processes answer a moment apart).
pub fn timeless(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            map.remove("as_of");
            map.remove("data_through");
            for value in map.values_mut() {
                *value = timeless(value.take());
            }
        }
        Value::Array(items) => {
            for value in items.iter_mut() {
                *value = timeless(value.take());
            }
        }
        _ => {}
    }
    v
}
