//! The server as separate processes over real HTTP: many clients at once (one process on
//! SQLite, two sharing a PostgreSQL database), and `kill -9` in the middle of ingestion.

mod common;

use common::*;
use creditboard_server::db::Db;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `creditboard-server` process.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(database_url: &str) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_creditboard-server"))
            .args(["--addr", "127.0.0.1:0"])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "creditboard_server=warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start creditboard-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .expect("line");
            if let Some(rest) = line.strip_prefix("Creditboard server on ") {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        Process { child, base }
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill_9(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a key costs: the same key always asks the same amount, so a repeat is a true retry.
fn amount_of(key: &str) -> i64 {
    1 + key
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) as i64
        % 20
}

fn event(key: &str) -> Value {
    json!({"key": key, "meter": "credits", "amount": amount_of(key)})
}

/// Consume entries as stored: key → (entry id, amount), failing on a key stored twice.
async fn stored_consumes(url: &str) -> HashMap<String, (i64, i64)> {
    let db = Db::connect(url).await.expect("connect");
    let mut out = HashMap::new();
    for e in db.entries_after(ACCOUNT, 0).await.expect("entries") {
        if e.kind.as_str() == "consume" {
            let previous = out.insert(e.key.to_string(), (e.id.0 as i64, -e.amount.get()));
            assert!(previous.is_none(), "key {} is stored twice", e.key);
        }
    }
    db.close().await;
    out
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: &Value,
) -> Result<Value, String> {
    let response = client
        .post(format!("{base}/api/v1/accounts/{ACCOUNT}/usage"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("{status}: {body}"))
    }
}

const CLIENTS: usize = 32;
const PER_CLIENT: usize = 2000;
const BATCH: usize = 50;
/// Included 25,000 plus this grant: less than the clients ask for, so some consumes must be
/// refused for want of credits, and none may overspend.
const GRANT: i64 = 500_000;

/// 32 clients × 2,000 consumes, every tenth repeating a key another client sent: the balance
/// comes out exact, every key is charged once, nothing acknowledged is lost.
async fn many_clients(db: &TestDb, processes: usize) {
    let store = Db::connect(&db.url).await.expect("connect");
    let tokens = seed(&store, GRANT).await;
    store.close().await;
    let servers: Vec<Process> = (0..processes).map(|_| Process::start(&db.url)).collect();
    let bases: Vec<String> = servers.iter().map(|p| p.base.clone()).collect();
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, token, base) = (
            client.clone(),
            tokens.service.clone(),
            bases[c % processes].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let keys: Vec<String> = (0..PER_CLIENT)
                .map(|i| {
                    if i % 10 == 9 {
                        // A retry of a key the next client sends (maybe not yet, maybe at once).
                        format!("c{}-e{}", (c + 1) % CLIENTS, i - 9)
                    } else {
                        format!("c{c}-e{i}")
                    }
                })
                .collect();
            let mut results = Vec::new();
            for chunk in keys.chunks(BATCH) {
                let body = json!({"events": chunk.iter().map(|k| event(k)).collect::<Vec<_>>()});
                let answer = post(&client, &base, &token, &body)
                    .await
                    .expect("batch answered");
                results.extend(
                    answer["results"]
                        .as_array()
                        .expect("results")
                        .iter()
                        .cloned(),
                );
            }
            results
        }));
    }
    let mut accepted: HashMap<String, i64> = HashMap::new();
    let mut refused = 0;
    for task in tasks {
        for r in task.await.expect("client") {
            let key = r["key"].as_str().expect("key").to_string();
            match r["entry"].as_i64() {
                Some(id) => {
                    // Every answer for a key names the same entry.
                    let first = *accepted.entry(key.clone()).or_insert(id);
                    assert_eq!(
                        first, id,
                        "{}: key {key} answered with two entries",
                        db.backend
                    );
                }
                None => {
                    assert_eq!(r["error"]["code"], "insufficient_credits", "{r}");
                    refused += 1;
                }
            }
        }
    }
    let stored = stored_consumes(&db.url).await;
    for (key, id) in &accepted {
        assert_eq!(
            stored.get(key).map(|s| s.0),
            Some(*id),
            "{}: acknowledged {key} is not stored as answered",
            db.backend
        );
    }
    assert_eq!(
        stored.len(),
        accepted.len(),
        "{}: stored consumes nobody was told about",
        db.backend
    );
    for (key, (_, amount)) in &stored {
        assert_eq!(*amount, amount_of(key));
    }
    let spent: i64 = stored.values().map(|s| s.1).sum();
    let distinct: HashSet<String> = (0..CLIENTS)
        .flat_map(|c| {
            (0..PER_CLIENT)
                .filter(|i| i % 10 != 9)
                .map(move |i| format!("c{c}-e{i}"))
        })
        .collect();
    let demand: i64 = distinct.iter().map(|k| amount_of(k)).sum();
    assert!(
        demand > INCLUDED + GRANT,
        "the test must ask for more than there is"
    );
    assert!(
        refused > 0,
        "{}: some consumes had to be refused",
        db.backend
    );
    // The balance every process reports is what was there less exactly what was charged.
    let app = reqwest::Client::new();
    for base in &bases {
        let balance: Value = app
            .get(format!("{base}/api/v1/accounts/{ACCOUNT}/balance"))
            .bearer_auth(&tokens.admin)
            .send()
            .await
            .expect("balance")
            .json()
            .await
            .expect("json");
        let available = balance["meters"][0]["balance"]["available"]
            .as_i64()
            .expect("available");
        assert_eq!(
            available,
            INCLUDED + GRANT - spent,
            "{}: balance at {base}",
            db.backend
        );
        assert!(available >= 0, "overspent");
        // Nothing is left that a consume of the smallest size would still fit: refusals
        // happened because credits ran out, not for another reason.
        assert!(
            available < 20,
            "{}: {available} left although consumes were refused",
            db.backend
        );
    }
    drop(servers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_on_sqlite_never_overspend_and_count_each_key_once() {
    many_clients(&sqlite(), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_on_two_processes_sharing_postgres_stay_exact() {
    many_clients(&postgres().await, 2).await;
}

/// Kills the server with SIGKILL while clients are sending, three times; after each restart
/// every acknowledged consume is stored exactly once, and sending the unacknowledged batches
/// again stores each of their keys once too.
async fn crashes(db: &TestDb) {
    let store = Db::connect(&db.url).await.expect("connect");
    let tokens = seed(&store, 10_000_000).await;
    store.close().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut sent: HashSet<String> = HashSet::new();
    for round in 0..3 {
        let server = Process::start(&db.url);
        let mut tasks = Vec::new();
        for c in 0..8 {
            let (client, token, base) =
                (client.clone(), tokens.service.clone(), server.base.clone());
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut tried = Vec::new();
                for b in 0.. {
                    let keys: Vec<String> =
                        (0..20).map(|i| format!("r{round}-c{c}-b{b}-{i}")).collect();
                    tried.extend(keys.iter().cloned());
                    let body = json!({"events": keys.iter().map(|k| event(k)).collect::<Vec<_>>()});
                    match post(&client, &base, &token, &body).await {
                        Ok(_) => acked.extend(keys),
                        Err(_) => break,
                    }
                }
                (acked, tried)
            }));
        }
        tokio::time::sleep(Duration::from_millis(700 + 300 * round)).await;
        server.kill_9();
        for task in tasks {
            let (acked, tried) = task.await.expect("client");
            acknowledged.extend(acked);
            sent.extend(tried);
        }
        let stored = stored_consumes(&db.url).await;
        let lost: Vec<_> = acknowledged
            .iter()
            .filter(|k| !stored.contains_key(*k))
            .collect();
        assert!(
            lost.is_empty(),
            "{} round {round}: acknowledged but lost: {lost:?}",
            db.backend
        );
        assert!(
            acknowledged.len() > 100,
            "round {round}: the clients got answers before the kill"
        );
    }
    // Clients retry what they never heard back about: each key ends up stored once.
    let server = Process::start(&db.url);
    let pending: Vec<String> = sent.difference(&acknowledged).cloned().collect();
    for chunk in pending.chunks(500) {
        let body = json!({"events": chunk.iter().map(|k| event(k)).collect::<Vec<_>>()});
        post(&client, &server.base, &tokens.service, &body)
            .await
            .expect("retry");
    }
    let stored = stored_consumes(&db.url).await;
    assert_eq!(
        stored.len(),
        sent.len(),
        "{}: every key sent is stored once",
        db.backend
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_ingestion_loses_nothing_acknowledged_on_sqlite() {
    crashes(&sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_ingestion_loses_nothing_acknowledged_on_postgres() {
    crashes(&postgres().await).await;
}

/// A dashboard connected to one process hears about a consume another process stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_reports_what_another_process_wrote() {
    let db = postgres().await;
    let store = Db::connect(&db.url).await.expect("connect");
    let tokens = seed(&store, 0).await;
    store.close().await;
    let (a, b) = (Process::start(&db.url), Process::start(&db.url));
    let client = reqwest::Client::new();
    let mut stream = client
        .get(format!(
            "{}/api/v1/accounts/{ACCOUNT}/events?access_token={}",
            b.base, tokens.embed
        ))
        .send()
        .await
        .expect("subscribe");
    stream
        .chunk()
        .await
        .expect("read")
        .expect("the first event");
    let answer = post(
        &client,
        &a.base,
        &tokens.service,
        &json!({"events": [event("across-1")]}),
    )
    .await
    .expect("consume");
    let entry = answer["results"][0]["entry"].as_u64().expect("entry");
    let next = tokio::time::timeout(Duration::from_secs(1), stream.chunk())
        .await
        .expect("an event within a second")
        .expect("read")
        .expect("an event");
    let text = String::from_utf8(next.to_vec()).expect("utf-8");
    assert!(text.contains(&format!("\"last\":{entry}")), "{text}");
}

/// Three processes over one PostgreSQL, no sticky sessions: one is killed with SIGKILL while
/// all three take consumes; the other two answer on, nothing any of them acknowledged is
/// lost, and a dashboard's stream on one hears a write made through another within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_serve_on_when_one_is_killed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let db = postgres().await;
    let store = Db::connect(&db.url).await.expect("connect");
    let tokens = seed(&store, 10_000_000).await;
    store.close().await;
    let processes: Vec<Process> = (0..3).map(|_| Process::start(&db.url)).collect();
    let bases: Vec<String> = processes.iter().map(|p| p.base.clone()).collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut stream = client
        .get(format!(
            "{}/api/v1/accounts/{ACCOUNT}/events?access_token={}",
            bases[2], tokens.embed
        ))
        .send()
        .await
        .expect("subscribe");
    stream
        .chunk()
        .await
        .expect("read")
        .expect("the first event");

    let killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (p, base) in bases.iter().enumerate() {
        for c in 0..3 {
            let (client, token, base) = (client.clone(), tokens.service.clone(), base.clone());
            let (killed, stop) = (killed.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let (mut acked, mut after_kill) = (Vec::new(), 0);
                for b in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let keys: Vec<String> =
                        (0..10).map(|i| format!("p{p}-c{c}-b{b}-{i}")).collect();
                    let body = json!({"events": keys.iter().map(|k| event(k)).collect::<Vec<_>>()});
                    match post(&client, &base, &token, &body).await {
                        Ok(_) => {
                            if killed.load(Ordering::SeqCst) {
                                after_kill += 1;
                            }
                            acked.extend(keys);
                        }
                        Err(_) => break,
                    }
                }
                (p, acked, after_kill)
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut processes = processes.into_iter();
    processes.next().expect("the first").kill_9();
    killed.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop.store(true, Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    let mut served_after = [0; 3];
    for task in tasks {
        let (p, acked, after_kill) = task.await.expect("client");
        acknowledged.extend(acked);
        served_after[p] += after_kill;
    }
    assert_eq!(
        served_after[0], 0,
        "the killed process answers nothing after"
    );
    assert!(
        served_after[1] > 0 && served_after[2] > 0,
        "the others serve on: {served_after:?}"
    );
    let stored = stored_consumes(&db.url).await;
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|k| !stored.contains_key(*k))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");

    // A write through the second process reaches the stream on the third within a second.
    let answer = post(
        &client,
        &bases[1],
        &tokens.service,
        &json!({"events": [event("after-the-kill")]}),
    )
    .await
    .expect("consume");
    let entry = answer["results"][0]["entry"].as_u64().expect("entry");
    let heard = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let chunk = stream.chunk().await.expect("read").expect("an event");
            let text = String::from_utf8_lossy(&chunk).to_string();
            let newest = text
                .split("\"last\":")
                .filter_map(|s| s.split('}').next()?.parse::<u64>().ok())
                .max();
            if newest.is_some_and(|last| last >= entry) {
                return;
            }
        }
    })
    .await;
    assert!(
        heard.is_ok(),
        "the stream did not hear entry {entry} within a second"
    );
}
