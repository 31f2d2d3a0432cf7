//! Accounts opened from a snapshot: a process that finds an account's snapshot opens it from
//! that and the entries after it, without the ones before; it answers as a process that
//! replayed everything would, takes writes that name entries from before the snapshot (a
//! retried key, a refund, a hold's capture), and opens the account whole when a request
//! reads the whole history.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use chrono::Utc;
use common::*;
use creditboard_server::db::Db;
use serde_json::{Value, json};

/// Entries between two snapshots here: small, so a test account has several.
const EVERY: u64 = 40;

async fn get(router: &Router, token: &str, rest: &str) -> Value {
    let (status, body) = call(router, Method::GET, &path(rest), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{rest}: {body}");
    timeless(body)
}

/// Asserts that `app` answers each of `reads` as `reference` does.
async fn same_answers<S: AsRef<str>>(
    app: &Router,
    reference: &Router,
    token: &str,
    reads: impl IntoIterator<Item = S>,
) {
    for read in reads {
        let read = read.as_ref();
        assert_eq!(
            get(app, token, read).await,
            get(reference, token, read).await,
            "{read}"
        );
    }
}

/// The row a listing's page shows for entry `id`, if it shows one.
fn row_of(page: &Value, id: u64) -> Option<Value> {
    page["rows"]
        .as_array()?
        .iter()
        .find(|r| r["entry"]["id"].as_u64() == Some(id))
        .cloned()
}

/// `ledger.csv` for `query`, as text.
async fn csv(router: &Router, token: &str, query: &str) -> String {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = axum::http::Request::get(path(&format!("/ledger.csv{query}")))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn usage(router: &Router, token: &str, jobs: std::ops::Range<u32>) -> Value {
    let events: Vec<Value> = jobs
        .map(|n| {
            let member = if n % 3 == 0 { "ana" } else { "ben" };
            json!({"key": format!("job-{n}"), "meter": "credits", "amount": 3 + n % 5,
                         "usage": {"description": format!("job {n}"), "member": member}})
        })
        .collect();
    let (status, body) = post(router, token, &path("/usage"), &json!({"events": events})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// What job `n` was charged, as `usage` writes it.
fn charged(n: i64) -> i64 {
    3 + n % 5
}

#[tokio::test]
async fn an_account_opened_from_its_snapshot_answers_as_one_replayed_whole() {
    for db in each_backend().await {
        let (first, t) = server(&db, 100_000).await;
        first.accounts().set_snapshot_every(EVERY);
        let first_app = creditboard_server::router(first.clone());
        // A history: jobs, one refunded later, a hold left pending.
        let jobs = usage(&first_app, &t.service, 0..60).await;
        let early_job = jobs["results"][3]["entry"].as_u64().unwrap();
        let job_5 = jobs["results"][5]["entry"].as_u64().unwrap();
        let (status, hold) = post(
            &first_app,
            &t.service,
            &path("/holds"),
            &json!({"key": "render-1", "meter": "credits", "amount": 500}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{hold}");
        let hold_id = hold["entries"][0]["id"].as_u64().unwrap();
        usage(&first_app, &t.service, 60..100).await;
        // Held whole here (it had no snapshot); the background pass stores one.
        get(&first_app, &t.admin, "/balance").await;
        first.accounts().snapshot_if_grown(ACCOUNT).await;
        let stored = first.db().snapshot_entries(ACCOUNT).await.unwrap();
        assert!(stored > hold_id, "a snapshot after the hold: {stored}");

        // Another process opens it from the snapshot: the entries before it stay stored.
        let second = state_at(&db, Utc::now(), None).await;
        second.accounts().set_snapshot_every(EVERY);
        let second_app = creditboard_server::router(second.clone());
        let balance = get(&second_app, &t.admin, "/balance").await;
        assert_eq!(balance, get(&first_app, &t.admin, "/balance").await);
        let held = second.accounts().held_from(ACCOUNT).await;
        assert!(
            !held.is_empty() && held.iter().all(|&b| b as u64 == stored),
            "opened from the snapshot of {stored}: {held:?}"
        );

        // Usage summaries and forecasts come from the snapshot's daily rollups and the
        // entries after it, the history left unread; a text search or the whole of the
        // activity is not in the rollups, so such a summary opens it whole (below).
        same_answers(
            &second_app,
            &first_app,
            &t.admin,
            [
                "/usage",
                "/usage?period=last_7_days",
                "/usage?period=this_month",
                "/usage?period=last_90_days&category=none-such",
            ],
        )
        .await;
        // The CSV export is read from the database, newest first: the same file without the
        // history in memory.
        for query in [
            "",
            "?period=last_7_days",
            "?status=pending",
            "?type=hold",
            "?q=job%201",
        ] {
            let file = csv(&second_app, &t.admin, query).await;
            assert_eq!(file, csv(&first_app, &t.admin, query).await, "{query}");
            assert!(
                file.lines().count() > 1 || query == "?q=job%201",
                "{query}: {file}"
            );
        }
        let held = second.accounts().held_from(ACCOUNT).await;
        assert!(
            held.iter().all(|&b| b as u64 == stored),
            "summaries and exports read no entry from before the snapshot: {held:?}"
        );

        // Writes naming what is before it: a retried job answers as the first time did…
        let again = usage(&second_app, &t.service, 3..4).await;
        assert_eq!(again["results"][0]["replayed"], json!(true), "{again}");
        assert_eq!(again["results"][0]["entry"].as_u64(), Some(early_job));
        // … the same key with another amount is refused, naming the difference…
        let events = json!({"events": [{"key": "job-3", "meter": "credits", "amount": 99}]});
        let (_, conflict) = post(&second_app, &t.service, &path("/usage"), &events).await;
        assert_eq!(
            conflict["results"][0]["error"]["code"],
            json!("idempotency_conflict")
        );
        // … a refund of an early job and the capture of the pending hold go through.
        let (status, refund) = post(
            &second_app,
            &t.service,
            &path("/refunds"),
            &json!({"key": "refund-job-3", "of": early_job}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{refund}");
        let (status, capture) = post(
            &second_app,
            &t.service,
            &path(&format!("/holds/{hold_id}/capture")),
            &json!({"key": "render-1-done", "amount": 320}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{capture}");
        // A refund of more than is left is refused as it would be on the whole ledger.
        let (status, twice) = post(
            &second_app,
            &t.service,
            &path("/refunds"),
            &json!({"key": "refund-job-3-again", "of": early_job}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{twice}");
        assert!(
            second
                .accounts()
                .held_from(ACCOUNT)
                .await
                .iter()
                .all(|&b| b > 0),
            "the writes needed no more than the entries they name"
        );

        // Written on without its history, it stores the next snapshot itself, and a third
        // process opens from that one, its summaries taking in the rollups it carries.
        usage(&second_app, &t.service, 100..160).await;
        second.accounts().snapshot_if_grown(ACCOUNT).await;
        let newer = second.db().snapshot_entries(ACCOUNT).await.unwrap();
        assert!(
            newer >= stored + EVERY,
            "a newer snapshot: {stored} → {newer}"
        );
        let third = state_at(&db, Utc::now(), None).await;
        // A budget its history would not fit twice: filtered reads scan the stored entries
        // rather than open it whole.
        third.accounts().resident().set_budget(1);
        let third_app = creditboard_server::router(third.clone());
        same_answers(
            &third_app,
            &first_app,
            &t.admin,
            ["/balance", "/usage", "/usage?period=last_7_days"],
        )
        .await;
        // Listings without a filter but the meter page by the snapshot's block sums, reading
        // only the blocks they show and what settled each job (the refunded job and the
        // captured hold are before this snapshot; their refund and capture too).
        let snapshot = newer / 2;
        same_answers(
            &third_app,
            &first_app,
            &t.admin,
            [
                "/ledger?size=10".to_string(),
                "/ledger?size=7&page=3".to_string(),
                "/ledger?size=25&page=6".to_string(),
                "/ledger?size=5&page=2&period=last_7_days".to_string(),
                "/ledger?size=25&meter=credits&period=all_activity".to_string(),
                "/ledger?size=3&page=1000".to_string(),
                format!("/ledger?size=4&page=2&snapshot={snapshot}"),
            ],
        )
        .await;
        // Filtered listings (a status, a kind, a text search, a member) scan the stored
        // entries newest first, a chunk at a time, rather than opening the history (for a
        // member, only those whose stored text names them): the same pages.
        same_answers(
            &third_app,
            &first_app,
            &t.admin,
            [
                "/ledger?size=10&status=pending",
                "/ledger?size=5&page=2&type=hold",
                "/ledger?size=7&page=3&q=job%201",
                "/ledger?size=5&period=last_7_days&status=success",
                "/ledger?size=5&page=99&q=job",
                "/ledger?size=25&period=all_activity&q=job%2012",
                "/ledger?size=6&page=2&member=ana",
                "/ledger?size=6&page=3&period=last_7_days&member=ben&status=success",
            ],
        )
        .await;
        // The dashboard's export, chunk by chunk: the first counts its rows as the listing
        // does, and each scans the entries below it, what settled its rows looked up.
        for query in [
            "",
            "&status=success",
            "&type=hold&period=last_7_days",
            "&q=job%201",
            "&member=ana",
        ] {
            let mut read = format!("/ledger/export?rows=40{query}");
            let mut lines = 0;
            for _ in 0..100 {
                let chunk = get(&third_app, &t.admin, &read).await;
                assert_eq!(chunk, get(&first_app, &t.admin, &read).await, "{read}");
                lines += chunk["rows"].as_u64().unwrap();
                match (chunk["older_than"].as_u64(), chunk["snapshot"].as_u64()) {
                    (Some(older), Some(snapshot)) => {
                        read = format!(
                            "/ledger/export?rows=40{query}&older_than={older}&snapshot={snapshot}"
                        );
                    }
                    _ => break,
                }
            }
            assert!(lines > 0 || query == "&q=job%201", "{query}: no rows");
        }
        let shown = get(&third_app, &t.admin, "/ledger?size=1000").await;
        let row = |id: u64| row_of(&shown, id).unwrap_or_else(|| panic!("no row {id}: {shown}"));
        assert_eq!(row(early_job)["refunded"], json!(charged(3)), "{shown}");
        assert_eq!(row(hold_id)["settled"]["captured"], json!(320));
        let held = third.accounts().held_from(ACCOUNT).await;
        assert!(
            held.iter().all(|&b| b as u64 == newer),
            "opened from the newer snapshot, nothing before it read: {held:?}"
        );

        // Every read answers as the first process's (which replayed everything and takes
        // in what the second wrote); a summary with a text search opens the second's copy
        // whole.
        same_answers(&second_app, &first_app, &t.admin, DASHBOARD_READS).await;
        same_answers(&second_app, &first_app, &t.admin, ["/usage?q=job"]).await;
        assert!(second.accounts().held_from(ACCOUNT).await.contains(&0));
        // The balance is what the writes make, counted independently: 100,000 granted,
        // the 160 jobs (3 + n % 5 each), the job refunded, 320 of the hold captured.
        let jobs: i64 = (0..160).map(|n| 3 + n % 5).sum();
        let job_3 = 6; // 3 + 3 % 5
        let expected = INCLUDED + 100_000 - jobs + job_3 - 320;
        assert_eq!(available(&second_app, &t.admin).await, expected);

        // A job refunded over a thousand entries later (a block of the listing's sums
        // apart): its page reads its block, and its refund through the index of settling
        // entries.
        usage(&second_app, &t.service, 160..760).await;
        usage(&second_app, &t.service, 760..1360).await;
        let (status, refund) = post(
            &second_app,
            &t.service,
            &path("/refunds"),
            &json!({"key": "refund-job-5", "of": job_5}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{refund}");
        usage(&second_app, &t.service, 1360..1400).await;
        second.accounts().snapshot_if_grown(ACCOUNT).await;
        let newest = second.db().snapshot_entries(ACCOUNT).await.unwrap();
        let fourth = state_at(&db, Utc::now(), None).await;
        let fourth_app = creditboard_server::router(fourth.clone());
        same_answers(
            &fourth_app,
            &first_app,
            &t.admin,
            ["/ledger?size=100&page=1000", "/ledger?size=30&page=20"],
        )
        .await;
        let oldest = get(&fourth_app, &t.admin, "/ledger?size=1000&page=2").await;
        let refunded = row_of(&oldest, job_5).map(|r| r["refunded"].clone());
        assert_eq!(
            refunded,
            Some(json!(charged(5))),
            "job 5's refund on its row"
        );
        let held = fourth.accounts().held_from(ACCOUNT).await;
        assert!(
            newest > job_5 + 1024 && held.iter().all(|&b| b as u64 == newest),
            "opened from the newest snapshot ({newest}), nothing before it read: {held:?}"
        );
    }
}

#[tokio::test]
async fn a_snapshot_that_does_not_fit_the_entries_is_set_aside() {
    for db in each_backend().await {
        // Not snapshotted here (the default: every 50,000 entries).
        let (first, t) = server(&db, 100_000).await;
        let app = creditboard_server::router(first.clone());
        usage(&app, &t.service, 0..50).await;
        get(&app, &t.admin, "/balance").await;
        // The other account's snapshot stored as this one's: its balances are not these.
        let other = state_at(&db, Utc::now(), None).await;
        other.accounts().set_snapshot_every(1);
        let other_app = creditboard_server::router(other.clone());
        let events = json!({"events": [{"key": "x", "meter": "credits", "amount": 7}]});
        post(
            &other_app,
            &t.other_service,
            &format!("/api/v1/accounts/{OTHER}/usage"),
            &events,
        )
        .await;
        let (status, _) = call(
            &other_app,
            Method::GET,
            &format!("/api/v1/accounts/{OTHER}/balance"),
            Some(&t.other_admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let wrong = other.db().snapshot(OTHER).await.unwrap().unwrap();
        first.db().store_snapshot(ACCOUNT, &wrong).await.unwrap();
        usage(&app, &t.service, 50..60).await;
        // A new process replays the account instead, and answers right.
        let fresh = creditboard_server::router(state_at(&db, Utc::now(), None).await);
        let jobs: i64 = (0..60).map(|n| 3 + n % 5).sum();
        assert_eq!(available(&fresh, &t.admin).await, INCLUDED + 100_000 - jobs);
        // One that cannot be read at all (another version's format) is passed over too.
        let sql = "UPDATE account_snapshots SET state = '{\"ledger\": 7}' WHERE account = 'acme'";
        let failed = match first.db() {
            Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.err(),
            Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.err(),
        };
        assert!(failed.is_none(), "{failed:?}");
        let fresh = creditboard_server::router(state_at(&db, Utc::now(), None).await);
        assert_eq!(available(&fresh, &t.admin).await, INCLUDED + 100_000 - jobs);
    }
}
