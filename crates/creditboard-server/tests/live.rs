//! What stays open: the live stream (it ends with its token, and a token or an account may
//! hold only so many) and the CSV export (streamed whole, a few at a time per token). Over
//! real HTTP on both databases.

mod common;

use common::*;
use creditboard_server::streams;
use creditboard_server::tokens::{self, TokenKind};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

async fn sse(client: &reqwest::Client, base: &str, token: &str) -> reqwest::Response {
    client
        .get(format!("{base}{}?access_token={token}", path("/events")))
        .send()
        .await
        .expect("subscribe")
}

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error");
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn a_stream_ends_when_its_token_expires() {
    for db in each_backend().await {
        let (state, _) = server(&db, 0).await;
        let store = state.db().clone();
        let expires = chrono::Utc::now() + chrono::Duration::seconds(2);
        let token = tokens::issue(&store, ACCOUNT, &TokenKind::Embed, expires)
            .await
            .expect("issue");
        let base = format!("http://{}", listen(state).await);
        let mut stream = sse(&reqwest::Client::new(), &base, &token).await;
        assert_eq!(stream.status(), 200, "{}", db.backend);
        let first = stream
            .chunk()
            .await
            .expect("read")
            .expect("the first event");
        assert!(String::from_utf8_lossy(&first).contains("event: ledger"));
        // Keep-alive comments may come first; within a few seconds of the expiry it says so
        // and ends.
        let mut said = String::new();
        let ended = tokio::time::timeout(Duration::from_secs(6), async {
            while let Some(chunk) = stream.chunk().await.expect("read") {
                said.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        assert!(
            ended.is_ok(),
            "{}: still open after the token expired: {said}",
            db.backend
        );
        assert!(said.contains("event: expired"), "{}: {said}", db.backend);
        // And it cannot be opened again with that token.
        let again = sse(&reqwest::Client::new(), &base, &token).await;
        assert_eq!(again.status(), 401, "{}", db.backend);
    }
}

#[tokio::test]
async fn a_token_and_an_account_hold_only_so_many_streams() {
    let db = sqlite();
    let (state, t) = server(&db, 0).await;
    let registry = state.accounts().streams().clone();
    let base = format!("http://{}", listen(state).await);
    let client = reqwest::Client::new();
    let mut open = Vec::new();
    for _ in 0..streams::PER_TOKEN {
        let s = sse(&client, &base, &t.embed).await;
        assert_eq!(s.status(), 200);
        open.push(s);
    }
    assert_eq!(registry.open_on(ACCOUNT), streams::PER_TOKEN);
    let refused = sse(&client, &base, &t.embed).await;
    assert_eq!(
        error_code(refused).await,
        (429, "too_many_streams".to_string())
    );
    // Another token of the account still may, up to the account's cap.
    let admin = sse(&client, &base, &t.admin).await;
    assert_eq!(admin.status(), 200);
    let fill: Vec<_> = (registry.open_on(ACCOUNT)..streams::PER_ACCOUNT)
        .map(|i| {
            registry
                .open(ACCOUNT, &format!("elsewhere-{i}"))
                .expect("room")
        })
        .collect();
    let refused = sse(&client, &base, &t.service).await;
    assert_eq!(
        error_code(refused).await,
        (429, "too_many_streams".to_string())
    );
    drop(fill);
    let service = sse(&client, &base, &t.service).await;
    assert_eq!(service.status(), 200, "room again once streams close");
}

#[tokio::test]
async fn the_export_streams_every_row_once_and_a_token_runs_two_at_a_time() {
    for db in each_backend().await {
        let (state, t) = server(&db, 100_000_000).await;
        let registry = state.accounts().streams().clone();
        let router = creditboard_server::router(state.clone());
        // More rows than fit in two of the export's chunks.
        let jobs = 12_000;
        for batch in 0..jobs / 1000 {
            let events: Vec<Value> = (0..1000)
                .map(|i| {
                    let n = batch * 1000 + i;
                    json!({"key": format!("bulk-{n}"), "meter": "credits", "amount": 1,
                           "usage": {"description": format!("bulk job {n}")}})
                })
                .collect();
            let (status, body) = post(
                &router,
                &t.service,
                &path("/usage"),
                &json!({"events": events}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let base = format!("http://{}", listen(state).await);
        let client = reqwest::Client::new();
        let csv = |token: String| {
            let client = client.clone();
            let url = format!("{base}{}", path("/ledger.csv"));
            async move {
                client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("export")
            }
        };
        let answer = csv(t.admin.clone()).await;
        assert_eq!(answer.status(), 200, "{}", db.backend);
        let text = answer.text().await.expect("the file");
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines[0],
            creditboard_domain::activity::CSV_HEADER,
            "{}",
            db.backend
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("id,")).count(),
            1,
            "one header"
        );
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        for line in &lines[1..] {
            ids.push(line.split(',').next().expect("id").to_string());
            if let Some(n) = line.split("bulk job ").nth(1) {
                let n: usize = n.split(',').next().expect("n").parse().expect("a number");
                assert!(seen.insert(n), "{}: job {n} twice", db.backend);
            }
        }
        assert_eq!(seen.len(), jobs, "{}: every job once", db.backend);
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{}: no row twice", db.backend);

        // Two exports running for the admin's token: a third waits.
        let hash = tokens::hash(&t.admin);
        let running: Vec<_> = (0..streams::EXPORTS_PER_TOKEN)
            .map(|_| registry.export(&hash).expect("room"))
            .collect();
        assert_eq!(
            error_code(csv(t.admin.clone()).await).await,
            (429, "too_many_exports".to_string()),
            "{}",
            db.backend
        );
        assert_eq!(
            csv(t.member.clone()).await.status(),
            200,
            "another token may"
        );
        drop(running);
        assert_eq!(csv(t.admin.clone()).await.status(), 200, "{}", db.backend);
    }
}
