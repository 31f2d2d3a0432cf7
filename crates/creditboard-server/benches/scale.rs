//! The server at scale: one account with 10,000,000 ledger entries (the VideoGen demo history
//! at a thousand times its rhythm, holds, refunds and refills included), stored in SQLite and
//! then in PostgreSQL, measured over real HTTP on loopback:
//!
//! - a ledger page (the Activity page's default, the last 30 days; a deep page; the whole
//!   history; a member's rows), p50 and p99 of sequential requests;
//! - the 180-day usage summary with its forecast, unfiltered and for one member;
//! - ingestion: batches of 1,000 consumes, one client and four at once.
//!
//! Targets (SQLite, this 2-core machine): ledger page p99 ≤ 10 ms, 180-day summary ≤ 20 ms,
//! ingestion ≥ 10,000 consumes/s. `cargo xtask bench` runs this with a throwaway PostgreSQL
//! (`CB_POSTGRES_URL`) and prints the figures; they are written to
//! `target/bench/server.json`. `CB_BENCH_ENTRIES` makes a smaller account for trying it out.
//! The SQLite file is kept under `target/bench-server/` and reused while it holds the same
//! history.

mod support;

use chrono::{DateTime, Utc};
use creditboard_domain::config::Role;
use creditboard_domain::history::{History, HistoryOptions, generate};
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::PresetId;
use creditboard_server::db::Db;
use creditboard_server::tokens::{self, TokenKind};
use creditboard_server::{Config, router, start};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;
use support::percentile;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let wanted: usize = std::env::var("CB_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(10_000_000);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "creditboard_server=info".into()),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let account = history(wanted);
        let entries = account.ledger.entries().len();
        eprintln!(
            "generated {entries} entries in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        // `CB_BENCH_BACKENDS=postgres` measures one database alone (both by default).
        let backends =
            std::env::var("CB_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
        let out = root().join("target/bench");
        // A run of one database keeps the other's figures from an earlier run of this size.
        let mut report = std::fs::read_to_string(out.join("server.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(|r| r["entries"] == json!(entries))
            .unwrap_or_else(|| json!({ "entries": entries }));
        let mut runs = Vec::new();
        if backends.contains("sqlite") {
            runs.push(("sqlite", sqlite(&account, entries).await));
        }
        if backends.contains("postgres") {
            match std::env::var("CB_POSTGRES_URL") {
                Ok(url) => {
                    let db = Db::connect(&url).await.expect("database");
                    if db
                        .account(&Seeded::of(&account).id)
                        .await
                        .expect("account")
                        .is_none()
                    {
                        seed(&db, &account).await;
                    }
                    db.close().await;
                    runs.push(("postgres", url));
                }
                Err(_) => eprintln!("CB_POSTGRES_URL is not set: PostgreSQL skipped"),
            }
        }
        // The generated history is about as large as the server's whole copy of it: it goes
        // before the server loads the account (twice, with the listing after a restart).
        let seeded = Seeded::of(&account);
        drop(account);
        for (backend, url) in runs {
            report[backend] = measure(&url, &seeded).await;
        }
        std::fs::create_dir_all(&out).expect("target/bench");
        let text = serde_json::to_string_pretty(&report).expect("json");
        std::fs::write(out.join("server.json"), &text).expect("write server.json");
        println!("{text}");
    });
}

/// A SQLite database to measure: a copy of the pristine file holding the history, stored
/// first when there is none yet; its URL.
async fn sqlite(account: &History, entries: usize) -> String {
    let dir = root().join("target/bench-server");
    std::fs::create_dir_all(&dir).expect("bench directory");
    // The history is stored once into a pristine file; each run measures a copy, since
    // ingestion adds to it.
    let pristine = dir.join(format!("scale-{entries}.db"));
    if !pristine.exists() {
        let partial = dir.join("seeding.db");
        remove_database(&partial);
        let db = Db::connect(&format!("sqlite://{}", partial.display()))
            .await
            .expect("database");
        seed(&db, account).await;
        db.close().await;
        copy_database(&partial, &pristine);
        remove_database(&partial);
    }
    let file = dir.join("run.db");
    remove_database(&file);
    copy_database(&pristine, &file);
    format!("sqlite://{}", file.display())
}

/// A SQLite database is its file and, when not checkpointed yet, its `-wal` and `-shm`.
fn database_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        .collect()
}

fn remove_database(db: &Path) {
    for f in database_files(db) {
        let _ = std::fs::remove_file(f);
    }
}

fn copy_database(from: &Path, to: &Path) {
    for (a, b) in database_files(from).into_iter().zip(database_files(to)) {
        if a.exists() {
            std::fs::copy(&a, &b).expect("copy the seeded database");
        }
    }
}

/// The VideoGen demo history scaled to at least `wanted` entries, plus a grant that funds
/// the ingestion runs.
fn history(wanted: usize) -> History {
    let base = generate(&HistoryOptions::new(PresetId::Videogen, now()))
        .expect("demo history")
        .ledger
        .entries()
        .len();
    let scale = (wanted * 100).div_ceil(base) as u32;
    // Beyond the generator's largest scale, the history reaches further back instead.
    let (scale, days) = if scale > 100_000 {
        (100_000, (400 * scale).div_ceil(100_000))
    } else {
        (scale.max(1), 400)
    };
    let mut account = generate(&HistoryOptions {
        scale_percent: scale,
        days,
        ..HistoryOptions::new(PresetId::Videogen, now())
    })
    .expect("scaled demo history");
    support::fund(&mut account.ledger);
    account
}

/// Stores the history in a fresh database.
async fn seed(db: &Db, account: &History) {
    let ledger = &account.ledger;
    let t = Instant::now();
    db.create_account(
        ledger.config(),
        &account.rate_card,
        ledger.opened_at(),
        ledger.entries(),
    )
    .await
    .expect("store the history");
    eprintln!(
        "{}: stored {} entries in {:.1} s",
        db.backend(),
        ledger.entries().len(),
        t.elapsed().as_secs_f64()
    );
}

/// What the measurements need of the stored history, once the history itself is gone.
struct Seeded {
    id: String,
    admin: MemberId,
    member: String,
    clock: DateTime<Utc>,
}

impl Seeded {
    fn of(account: &History) -> Seeded {
        let config = account.ledger.config();
        let admin = config
            .members
            .iter()
            .find(|m| m.role == Role::Admin)
            .expect("an admin");
        Seeded {
            id: config.id.as_str().to_string(),
            admin: admin.id.clone(),
            member: config.members[1].id.to_string(),
            clock: account.ledger.now().max(now()),
        }
    }
}

/// Starts the server on a database holding the history and measures.
async fn measure(url: &str, seeded: &Seeded) -> Value {
    let Seeded {
        id,
        admin,
        member,
        clock,
    } = seeded;
    let (id, member, clock) = (id.clone(), member.clone(), *clock);
    let db = Db::connect(url).await.expect("database");
    let backend = db.backend();
    let admin_token = tokens::issue(
        &db,
        &id,
        &TokenKind::Member(admin.clone()),
        chrono::Utc::now() + chrono::Duration::days(1),
    )
    .await
    .expect("token");
    let service = tokens::issue(
        &db,
        &id,
        &TokenKind::Service,
        chrono::Utc::now() + chrono::Duration::days(1),
    )
    .await
    .expect("token");
    db.close().await;

    let (state, base, server) = serve(url, clock, &id).await;
    let client = reqwest::Client::new();
    let get = |base: String, path: String| {
        let (client, token, url) = (client.clone(), admin_token.clone(), format!("{base}{path}"));
        async move {
            let t = Instant::now();
            let response = client
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            let status = response.status();
            let body = response.bytes().await.expect("body");
            assert!(status.is_success(), "{url}: {status} {body:?}");
            (t.elapsed().as_secs_f64() * 1e3, body)
        }
    };

    // The first request of a process that finds no snapshot loads the account: every entry
    // read, parsed and replayed, the listing index and the rollups built; the snapshot it
    // then stores is what the next process opens the account from.
    let (cold_ms, _) = get(base.clone(), "/balance".into()).await;
    let snapshot = state.db().snapshot(&id).await.expect("snapshot");
    let snapshot_bytes = serde_json::to_string(&snapshot).expect("json").len();
    eprintln!(
        "{backend}: first request (loads the account) {cold_ms:.0} ms; snapshot {snapshot_bytes} bytes, rollups kept: {}",
        snapshot.as_ref().is_some_and(|s| s.has_rollup())
    );
    server.abort();
    state.accounts().evict(&id).await;
    drop(state);

    // A restart: the first answer comes from the snapshot and the entries after it, and so
    // do the first write, the first usage summaries (from the snapshot's daily rollups) and
    // the first listings (from its block sums and the few blocks of entries a page shows).
    let (_state, base, server) = serve(url, clock, &id).await;
    let rss_before = support::rss();
    let (first_answer_ms, _) = get(base.clone(), "/balance".into()).await;
    let t = Instant::now();
    let write = client
        .post(format!("{base}/usage"))
        .bearer_auth(&service)
        .json(&json!({"events": [{"key": "bench-after-restart", "meter": "credits", "amount": 1}]}))
        .send()
        .await
        .expect("ingest");
    assert!(write.status().is_success(), "{}", write.status());
    let first_write_ms = t.elapsed().as_secs_f64() * 1e3;
    let (first_summary_ms, _) = get(base.clone(), "/usage?period=last_30_days".into()).await;
    let (first_summary_180_ms, _) = get(base.clone(), "/usage?period=last_180_days".into()).await;
    let (first_listing_ms, _) =
        get(base.clone(), "/ledger?period=last_30_days&size=50".into()).await;
    eprintln!(
        "{backend}: after a restart, first answer {first_answer_ms:.0} ms, first write {first_write_ms:.0} ms, first usage summary {first_summary_ms:.0} ms (180 days {first_summary_180_ms:.0} ms), first listing {first_listing_ms:.0} ms"
    );
    let get = |path: String| get(base.clone(), path);

    let mut figures = json!({
        "backend": backend,
        "cold_load_ms": cold_ms,
        "snapshot_bytes": snapshot_bytes,
        "first_answer_after_restart_ms": first_answer_ms,
        "first_write_after_restart_ms": first_write_ms,
        "first_summary_after_restart_ms": first_summary_ms,
        "first_180_day_summary_after_restart_ms": first_summary_180_ms,
        "first_listing_after_restart_ms": first_listing_ms,
    });
    let (_, first) = get("/ledger?period=last_30_days&size=50".into()).await;
    let first: Value = serde_json::from_slice(&first).expect("page");
    let pages = first["total_count"]
        .as_u64()
        .unwrap_or(0)
        .div_ceil(50)
        .max(1);
    // A chunk of the export from the middle of the history, the listing's newest entry as
    // its snapshot.
    let newest = first["snapshot"].as_u64().unwrap_or(0);
    let middle = newest / 2;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut deep = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        1 + x % pages
    };
    let cases: Vec<(&str, usize, NextPath)> = vec![
        (
            "ledger_30_days_first_page",
            1000,
            Box::new(|| "/ledger?period=last_30_days&size=50".into()),
        ),
        (
            "ledger_30_days_any_page",
            500,
            Box::new(move || format!("/ledger?period=last_30_days&size=50&page={}", deep())),
        ),
        (
            "ledger_all_history_first_page",
            300,
            Box::new(|| "/ledger?size=50".into()),
        ),
        (
            "ledger_30_days_one_member",
            30,
            Box::new({
                let member = member.clone();
                move || format!("/ledger?period=last_30_days&size=50&member={member}")
            }),
        ),
        (
            "export_30_days_first_chunk",
            20,
            Box::new(|| "/ledger/export?period=last_30_days&rows=5000".into()),
        ),
        (
            "export_chunk_mid_history",
            20,
            Box::new(move || {
                format!("/ledger/export?rows=5000&older_than={middle}&snapshot={newest}")
            }),
        ),
        (
            "usage_180_days",
            200,
            Box::new(|| "/usage?period=last_180_days".into()),
        ),
        (
            "usage_180_days_one_member",
            200,
            Box::new({
                let member = member.clone();
                move || format!("/usage?period=last_180_days&member={member}")
            }),
        ),
    ];
    for (name, runs, mut path) in cases {
        // Until here the copy is the one opened from the snapshot. A listing filtered by
        // member opens the history when it fits the budget twice (the 100,000-entry
        // account); past that (the 10,000,000-entry one) it scans the stored entries of its
        // period and after, a chunk at a time, as export chunks do.
        if name == "ledger_30_days_one_member" {
            let grown = support::rss().saturating_sub(rss_before) as f64 / 1e6;
            eprintln!(
                "{backend}: resident memory after the listings without a filter: +{grown:.1} MB since the restart"
            );
            figures["rss_growth_unfiltered_listings_mb"] = json!(grown);
        }
        if name == "usage_180_days" {
            let grown = support::rss().saturating_sub(rss_before) as f64 / 1e6;
            eprintln!(
                "{backend}: resident memory after the filtered listings and export chunks: +{grown:.1} MB since the restart"
            );
            figures["rss_growth_filtered_listings_mb"] = json!(grown);
        }
        for _ in 0..5 {
            get(path()).await;
        }
        let mut ms = Vec::with_capacity(runs);
        for _ in 0..runs {
            ms.push(get(path()).await.0);
        }
        let (p50, p99) = (percentile(&mut ms, 50.0), percentile(&mut ms, 99.0));
        eprintln!("{backend}: {name}: p50 {p50:.2} ms, p99 {p99:.2} ms ({runs} requests)");
        figures[name] = json!({ "p50_ms": p50, "p99_ms": p99, "requests": runs });
    }
    for clients in [1usize, 4] {
        let per_client = 40;
        let t = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (client, token, url) = (client.clone(), service.clone(), format!("{base}/usage"));
            let member = member.clone();
            tasks.push(tokio::spawn(async move {
                for b in 0..per_client {
                    let events: Vec<Value> = (0..1000)
                        .map(|i| {
                            json!({
                                "key": format!("bench-{clients}-{c}-{b}-{i}"),
                                "meter": "credits",
                                "amount": 1 + i % 7,
                                "usage": {"feature": "text_to_video", "member": member},
                            })
                        })
                        .collect();
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "events": events }))
                        .send()
                        .await
                        .expect("ingest");
                    let status = response.status();
                    let body: Value = response.json().await.expect("ingest answer");
                    assert!(status.is_success(), "{status} {body}");
                    assert_eq!(body["accepted"], 1000, "every consume charged: {body}");
                }
            }));
        }
        for t in tasks {
            t.await.expect("client");
        }
        let consumes = (clients * per_client * 1000) as f64;
        let rate = consumes / t.elapsed().as_secs_f64();
        eprintln!("{backend}: ingestion, {clients} client(s): {rate:.0} consumes/s");
        figures[format!("ingest_{clients}_clients_per_s")] = json!(rate);
    }
    server.abort();
    figures
}

/// A server process on `url`, its clock started at `clock`: its state, the account's API
/// base URL, and the task serving it.
async fn serve(
    url: &str,
    clock: DateTime<Utc>,
    id: &str,
) -> (
    creditboard_server::state::AppState,
    String,
    tokio::task::JoinHandle<()>,
) {
    let state = start(&Config {
        database_url: url.to_string(),
        app_dir: None,
        demo: false,
        clock: Some(clock),
        payments: None,
        frame_ancestors: Default::default(),
    })
    .await
    .expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!(
        "http://{}/api/v1/accounts/{id}",
        listener.local_addr().expect("address")
    );
    let served = state.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router(served)).await.expect("serve");
    });
    (state, base, server)
}

/// What a measured case requests next.
type NextPath = Box<dyn FnMut() -> String>;
