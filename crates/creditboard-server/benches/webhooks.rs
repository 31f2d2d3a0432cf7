//! A dead webhook endpoint does not slow the API: one-event `POST …/usage` latency on SQLite
//! with no endpoint registered, and with one that accepts connections and never answers
//! (every delivery waits out its timeout, and is retried), in alternating rounds of the same
//! run so the machine's noise falls on both. Prints p50 and p99 of each and their ratios, and
//! writes them to `target/bench/webhooks.json`. Run by `cargo xtask bench`.

mod support;

use creditboard_domain::preset::{Preset, PresetId};
use creditboard_server::state::AppState;
use creditboard_server::tokens::{self, TokenKind};
use creditboard_server::{Config, router, start, webhooks};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;
use support::percentile;

const ROUNDS: usize = 5;
const REQUESTS: usize = 200;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile_dir();
    let url = format!("sqlite://{}/bench.db", dir.display());
    let state = start(&Config {
        database_url: url.clone(),
        app_dir: None,
        demo: false,
        clock: None,
        payments: None,
        frame_ancestors: Default::default(),
    })
    .await
    .expect("server");
    tokio::spawn(webhooks::run(state.clone(), webhooks::BACKOFF.to_vec()));
    let host = tokens::issue(
        state.db(),
        "",
        &TokenKind::Host,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .expect("host token");
    let base = serve(state).await;
    let client = reqwest::Client::new();
    let preset = Preset::get(PresetId::Videogen).expect("preset");
    let mut config = preset.config;
    config.id = creditboard_domain::ids::AccountId::new("bench").expect("id");
    config.meters[0].auto_top_up = None;
    let created = client
        .post(format!("{base}/api/v1/accounts"))
        .bearer_auth(&host)
        .json(&json!({ "account": config, "rate_card": preset.rate_card }))
        .send()
        .await
        .expect("create");
    assert!(created.status().is_success(), "{}", created.status());
    // The dead endpoint: it takes every connection and never answers.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let dead_url = format!("http://{}/hooks", dead.local_addr().expect("address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = dead.accept().await {
            held.push(socket);
        }
    });
    let account = format!("{base}/api/v1/accounts/bench");
    let mut key = 0usize;
    let mut rounds: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for _ in 0..ROUNDS {
        let quiet = usage(&client, &account, &host, &mut key).await;
        let added: Value = client
            .post(format!("{account}/webhooks"))
            .bearer_auth(&host)
            .json(&json!({ "url": dead_url, "secret": "bench-secret-0123456789" }))
            .send()
            .await
            .expect("register")
            .json()
            .await
            .expect("endpoint");
        // Grants make events, so deliveries pile up against the dead endpoint meanwhile.
        let with_dead = usage(&client, &account, &host, &mut key).await;
        client
            .delete(format!(
                "{account}/webhooks/{}",
                added["id"].as_str().unwrap_or("")
            ))
            .bearer_auth(&host)
            .send()
            .await
            .expect("delete");
        rounds.push((quiet, with_dead));
    }
    let (mut quiet, mut dead): (Vec<f64>, Vec<f64>) =
        rounds
            .into_iter()
            .fold((Vec::new(), Vec::new()), |(mut q, mut d), (a, b)| {
                q.extend(a);
                d.extend(b);
                (q, d)
            });
    let (q50, q99) = (percentile(&mut quiet, 50.0), percentile(&mut quiet, 99.0));
    let (d50, d99) = (percentile(&mut dead, 50.0), percentile(&mut dead, 99.0));
    let report = json!({
        "requests_each": quiet.len(),
        "no_endpoint": { "p50_ms": q50, "p99_ms": q99 },
        "dead_endpoint": { "p50_ms": d50, "p99_ms": d99 },
        "ratio_p50": d50 / q50,
        "ratio_p99": d99 / q99,
    });
    eprintln!(
        "one-event usage, {} requests each: no endpoint p50 {q50:.2} ms p99 {q99:.2} ms; dead endpoint p50 {d50:.2} ms p99 {d99:.2} ms (x{:.2}, x{:.2})",
        quiet.len(),
        d50 / q50,
        d99 / q99
    );
    let out = root().join("target/bench");
    std::fs::create_dir_all(&out).expect("target/bench");
    let text = serde_json::to_string_pretty(&report).expect("json");
    std::fs::write(out.join("webhooks.json"), &text).expect("write");
    println!("{text}");
    let _ = std::fs::remove_dir_all(dir);
}

/// [`REQUESTS`] one-event usage reports, each also granting a credit back so events are made;
/// the usage requests' latencies in ms.
async fn usage(client: &reqwest::Client, account: &str, token: &str, key: &mut usize) -> Vec<f64> {
    let mut ms = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        *key += 1;
        let body =
            json!({ "events": [{ "key": format!("u-{key}"), "meter": "credits", "amount": 1 }] });
        let t = Instant::now();
        let r = client
            .post(format!("{account}/usage"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("usage");
        let status = r.status();
        r.bytes().await.expect("answer");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(status.is_success(), "{status}");
        let grant = json!({ "key": format!("g-{key}"), "meter": "credits", "amount": 1, "reason": "Bench" });
        let r = client
            .post(format!("{account}/grants"))
            .bearer_auth(token)
            .json(&grant)
            .send()
            .await
            .expect("grant");
        assert!(r.status().is_success(), "{}", r.status());
    }
    ms
}

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        axum::serve(listener, router(state)).await.expect("serve");
    });
    base
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cb-bench-webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
