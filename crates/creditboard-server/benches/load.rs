//! The server under load beyond one account's reads (`scale` measures those), over real HTTP
//! on loopback, release build:
//!
//! - **many accounts**: `CB_BENCH_ACCOUNTS` (10,000) accounts of about 1,000 entries each in
//!   one database, served by one process within its default memory budget (1 GiB): the first
//!   answer of each account (none is held yet), p50 and p99; a ledger page of a held account,
//!   p99; the process's resident memory after all of them, and how many it still holds;
//! - **export**: `ledger.csv` of an account of about 1,000,000 rows: first byte, the whole
//!   file, and how much the process's resident memory grew while it streamed;
//! - **ingestion beside readers**: one-event `POST /usage` on that account, p50 and p99,
//!   alone and while four clients search (`q=`) and page deep in the same account, in
//!   alternating rounds so the machine's noise falls on both.
//!
//! PostgreSQL when `CB_POSTGRES_URL` is set (as `cargo xtask bench` does), otherwise SQLite
//! in a temporary directory. Figures go to `target/bench/load.json`.

mod support;

use chrono::Utc;
use creditboard_domain::history::{History, HistoryOptions, generate};
use creditboard_domain::ids::AccountId;
use creditboard_domain::preset::PresetId;
use creditboard_server::db::Db;
use creditboard_server::state::AppState;
use creditboard_server::tokens::{self, TokenKind};
use creditboard_server::{Config, router, start};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::percentile;
use support::rss;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "creditboard_server=warn".into()),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// VideoGen's demo history at `scale_percent` of its rhythm, funded so ingestion never runs
/// out.
fn history(scale_percent: u32) -> History {
    let mut account = generate(&HistoryOptions {
        scale_percent,
        ..HistoryOptions::new(PresetId::Videogen, Utc::now())
    })
    .expect("demo history");
    support::fund(&mut account.ledger);
    account
}

async fn store(db: &Db, account: &History, id: &str) {
    let mut config = account.ledger.config().clone();
    config.id = AccountId::new(id).expect("id");
    db.create_account(
        &config,
        &account.rate_card,
        account.ledger.opened_at(),
        account.ledger.entries(),
    )
    .await
    .expect("store");
}

struct Served {
    base: String,
    state: AppState,
    host: String,
}

async fn serve(url: &str) -> Served {
    let state = start(&Config {
        database_url: url.to_string(),
        app_dir: None,
        demo: false,
        clock: None,
        payments: None,
        frame_ancestors: Default::default(),
    })
    .await
    .expect("server");
    let host = tokens::issue(
        state.db(),
        "",
        &TokenKind::Host,
        Utc::now() + chrono::Duration::hours(6),
    )
    .await
    .expect("host token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Served { base, state, host }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> f64 {
    let t = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body = response.bytes().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body:?}");
    t.elapsed().as_secs_f64() * 1e3
}

async fn run() {
    let dir = std::env::temp_dir().join(format!("creditboard-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = std::env::var("CB_POSTGRES_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/load.db", dir.display()));
    let mut report = json!({});
    report["many_accounts"] = many_accounts(&url).await;
    report["big_account"] = big_account(&url).await;
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).expect("target/bench");
    let text = serde_json::to_string_pretty(&report).expect("json");
    std::fs::write(out.join("load.json"), &text).expect("write load.json");
    println!("{text}");
}

async fn many_accounts(url: &str) -> Value {
    let n = count("CB_BENCH_ACCOUNTS", 10_000);
    // About 1,000 entries: the demo history at a fifth of its rhythm.
    let account = history(18);
    let entries = account.ledger.entries().len();
    let db = Db::connect(url).await.expect("database");
    let backend = db.backend();
    let t = Instant::now();
    let ids: Vec<String> = (0..n).map(|i| format!("load-{i:05}")).collect();
    let existing = db.account_ids().await.expect("ids");
    for id in &ids {
        if !existing.contains(id) {
            store(&db, &account, id).await;
        }
    }
    eprintln!(
        "{backend}: {n} accounts of {entries} entries stored in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    db.close().await;

    let served = serve(url).await;
    let client = reqwest::Client::new();
    let rss_before = rss();
    let mut first = Vec::with_capacity(n);
    for id in &ids {
        let page = format!("{}/api/v1/accounts/{id}/ledger?size=50", served.base);
        first.push(get(&client, &page, &served.host).await);
    }
    let held = served.state.accounts().resident().held();
    let rss_after = rss();
    // The last account touched is held: its pages.
    let page = format!(
        "{}/api/v1/accounts/{}/ledger?size=50",
        served.base,
        ids[n - 1]
    );
    let mut warm = Vec::new();
    for _ in 0..500 {
        warm.push(get(&client, &page, &served.host).await);
    }
    let figures = json!({
        "backend": backend,
        "accounts": n,
        "entries_each": entries,
        "first_answer_p50_ms": percentile(&mut first.clone(), 50.0),
        "first_answer_p99_ms": percentile(&mut first, 99.0),
        "held_ledger_page_p50_ms": percentile(&mut warm.clone(), 50.0),
        "held_ledger_page_p99_ms": percentile(&mut warm, 99.0),
        "held_after": held,
        "budget_mb": served.state.accounts().resident().budget() >> 20,
        "counted_mb": served.state.accounts().resident().bytes() >> 20,
        "rss_before_mb": rss_before >> 20,
        "rss_after_mb": rss_after >> 20,
    });
    eprintln!("{backend}: many accounts: {figures}");
    figures
}

async fn big_account(url: &str) -> Value {
    // About 1,000,000 rows: the demo history at 140 times its rhythm.
    let scale = u32::try_from(count("CB_BENCH_EXPORT_SCALE", 14_000)).unwrap_or(14_000);
    let account = history(scale);
    let db = Db::connect(url).await.expect("database");
    let backend = db.backend();
    if db.account("export").await.expect("account").is_none() {
        let t = Instant::now();
        store(&db, &account, "export").await;
        eprintln!(
            "{backend}: {} entries stored in {:.0} s",
            account.ledger.entries().len(),
            t.elapsed().as_secs_f64()
        );
    }
    db.close().await;
    let served = serve(url).await;
    // Room for this account twice (about 1.3 GB a copy), as a host serving it would set
    // `--memory-budget`: within the default 1 GiB it is held once, and its reads and writes
    // then wait for each other.
    served.state.accounts().resident().set_budget(4 << 30);
    let client = reqwest::Client::new();
    let api = format!("{}/api/v1/accounts/export", served.base);
    let load_ms = get(&client, &format!("{api}/balance"), &served.host).await;

    // The export, with resident memory sampled while it streams.
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let before = rss();
    let t = Instant::now();
    let mut response = client
        .get(format!("{api}/ledger.csv"))
        .bearer_auth(&served.host)
        .send()
        .await
        .expect("export");
    assert!(response.status().is_success(), "{}", response.status());
    let mut first_byte_ms = None;
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = response.chunk().await.expect("read") {
        first_byte_ms.get_or_insert(t.elapsed().as_secs_f64() * 1e3);
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let whole_ms = t.elapsed().as_secs_f64() * 1e3;
    done.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    let export = json!({
        "rows": lines.saturating_sub(1),
        "megabytes": bytes as f64 / 1e6,
        "first_byte_ms": first_byte_ms,
        "whole_file_ms": whole_ms,
        "rss_growth_mb": grew as f64 / (1 << 20) as f64,
    });
    eprintln!("{backend}: export: {export}");

    let ingestion = ingestion_beside_readers(&client, &api, &served.host).await;
    eprintln!("{backend}: ingestion beside readers: {ingestion}");
    json!({
        "backend": backend,
        "entries": account.ledger.entries().len(),
        "first_answer_ms": load_ms,
        "export": export,
        "ingestion": ingestion,
    })
}

/// One-event consumes, sequential, `n` of them: their latencies.
async fn consumes(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    round: &str,
    n: usize,
) -> Vec<f64> {
    let mut ms = Vec::with_capacity(n);
    for i in 0..n {
        let body = json!({"events": [{"key": format!("alone-{round}-{i}"), "meter": "credits", "amount": 1}]});
        let t = Instant::now();
        let response = client
            .post(format!("{api}/usage"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("consume");
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.expect("answer");
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms
}

async fn ingestion_beside_readers(client: &reqwest::Client, api: &str, token: &str) -> Value {
    let first: Value = client
        .get(format!("{api}/ledger?size=50"))
        .bearer_auth(token)
        .send()
        .await
        .expect("page")
        .json()
        .await
        .expect("page");
    let pages = first["total_count"]
        .as_u64()
        .unwrap_or(1)
        .div_ceil(50)
        .max(1);
    let (mut alone, mut beside) = (Vec::new(), Vec::new());
    let mut reads = 0usize;
    for round in 0..5 {
        alone.extend(consumes(client, api, token, &format!("a{round}"), 100).await);
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..4u64)
            .map(|r| {
                let (client, api, token, stop) = (
                    client.clone(),
                    api.to_string(),
                    token.to_string(),
                    stop.clone(),
                );
                tokio::spawn(async move {
                    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ r;
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let path = if r % 2 == 0 {
                            format!("{api}/ledger?size=50&q=teaser&page={}", 1 + x % 20)
                        } else {
                            format!("{api}/ledger?size=50&page={}", 1 + x % pages)
                        };
                        get(&client, &path, &token).await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        beside.extend(consumes(client, api, token, &format!("b{round}"), 100).await);
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            reads += r.await.expect("reader");
        }
    }
    json!({
        "alone_p50_ms": percentile(&mut alone.clone(), 50.0),
        "alone_p99_ms": percentile(&mut alone, 99.0),
        "beside_readers_p50_ms": percentile(&mut beside.clone(), 50.0),
        "beside_readers_p99_ms": percentile(&mut beside, 99.0),
        "reads_meanwhile": reads,
    })
}
