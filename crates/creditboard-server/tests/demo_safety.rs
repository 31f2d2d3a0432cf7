//! The demo safe in public: it listens beyond loopback only when asked, its session copies
//! expire and are deleted whole, and the cap on them holds across restarts and across
//! processes making copies at once.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::{TimeDelta, Utc};
use common::*;
use creditboard_server::accounts::Accounts;
use creditboard_server::db::Db;
use creditboard_server::demo::{self, DemoPageError, SESSION_LIFETIME};
use serde_json::Value;
use std::process::Command;

/// The API path and token a demo page for `query` names.
async fn session(demo: &demo::DemoSessions, db: &Db, query: &str) -> Result<Value, String> {
    match demo.page_config(db, query).await {
        Ok(config) => Ok(serde_json::from_str(&config.unwrap().replace("<\\/", "</")).unwrap()),
        Err(DemoPageError::BadUrl(why)) => Err(why),
        Err(DemoPageError::Failed(e)) => panic!("{}", e.message),
    }
}

#[tokio::test]
async fn session_copies_expire_whole_and_their_cap_holds_across_restarts() {
    for test_db in each_backend().await {
        let db = Db::connect(&test_db.url).await.unwrap();
        let seeded_at = Utc::now();
        let mut first = demo::seed(&db, seeded_at).await.unwrap();
        first.cap = 2;
        let shared = db.account_ids().await.unwrap();
        let a = session(&first, &db, "preset=videogen&session=a")
            .await
            .unwrap();
        session(&first, &db, "preset=videogen&session=b")
            .await
            .unwrap();
        assert_eq!(db.account_ids().await.unwrap().len(), shared.len() + 2);

        // A restart: the copies are still there and still count.
        let mut second = demo::seed(&db, seeded_at).await.unwrap();
        second.cap = 2;
        let again = session(&second, &db, "preset=videogen&session=a")
            .await
            .unwrap();
        assert_eq!(again["api"], a["api"], "{}: the same copy", test_db.backend);
        let refused = session(&second, &db, "preset=videogen&session=c").await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|why| why.contains("2 sessions")),
            "{}: {refused:?}",
            test_db.backend
        );

        // A copy older than its lifetime is deleted with everything it held.
        let accounts = Accounts::new(db.clone());
        let now = Utc::now();
        assert!(
            second.expire(&accounts, now).await.unwrap().is_empty(),
            "none is old yet"
        );
        let later = now + SESSION_LIFETIME + TimeDelta::minutes(1);
        let mut gone = second.expire(&accounts, later).await.unwrap();
        gone.sort();
        assert_eq!(
            gone,
            ["videogen.session.a", "videogen.session.b"],
            "{}",
            test_db.backend
        );
        assert_eq!(
            db.account_ids().await.unwrap(),
            shared,
            "{}",
            test_db.backend
        );
        assert!(
            db.entries_after("videogen.session.a", 0)
                .await
                .unwrap()
                .is_empty()
        );
        let token = again["token"].as_str().unwrap();
        assert!(
            db.token(&creditboard_server::tokens::hash(token))
                .await
                .unwrap()
                .is_none(),
            "its tokens went with it"
        );
        // The shared accounts' entries stay immutable: the database refuses to delete them.
        assert!(
            db.delete_demo_session(&shared[0]).await.is_err(),
            "{}: only session copies are deleted",
            test_db.backend
        );
        assert!(!db.entries_after(&shared[0], 0).await.unwrap().is_empty());

        // The link works again: a fresh copy, within the cap.
        let fresh = session(&second, &db, "preset=videogen&session=c")
            .await
            .unwrap();
        assert_eq!(fresh["api"], "/api/v1/accounts/videogen.session.c");
    }
}

#[tokio::test]
async fn processes_making_session_copies_at_once_stay_within_the_cap() {
    for test_db in each_backend().await {
        let db = Db::connect(&test_db.url).await.unwrap();
        let seeded_at = Utc::now();
        // Two processes, each with its own connections, five new sessions each, all at once.
        let mut processes = Vec::new();
        for _ in 0..2 {
            let own = Db::connect(&test_db.url).await.unwrap();
            let mut demo = demo::seed(&own, seeded_at).await.unwrap();
            demo.cap = 4;
            processes.push((own, demo));
        }
        let shared = db.account_ids().await.unwrap().len();
        let tries = processes.iter().enumerate().flat_map(|(p, (own, demo))| {
            (0..5).map(move |n| async move {
                session(demo, own, &format!("preset=videogen&session=p{p}-{n}"))
                    .await
                    .is_ok()
            })
        });
        let made = futures_util::future::join_all(tries)
            .await
            .into_iter()
            .filter(|ok| *ok)
            .count();
        assert_eq!(made, 4, "{}: copies made", test_db.backend);
        assert_eq!(
            db.account_ids().await.unwrap().len(),
            shared + 4,
            "{}: copies stored",
            test_db.backend
        );
    }
}

/// Runs the server binary with `args` and an empty database; what it said and whether it
/// started listening.
fn serve(args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_creditboard-server"))
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/d.db", dir.path().display()),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It either refuses at once or, once seeded, prints the address it listens on (among
    // its logs).
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let line = std::io::BufRead::lines(out)
        .map_while(Result::ok)
        .find(|l| l.starts_with("Creditboard server on"))
        .unwrap_or_default();
    let listening = !line.is_empty();
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    (listening, line + &String::from_utf8_lossy(&output.stderr))
}

#[test]
fn the_demo_listens_beyond_loopback_only_when_asked() {
    let (listening, said) = serve(&["--demo", "--addr", "0.0.0.0:0"]);
    assert!(!listening, "{said}");
    assert!(said.contains("add --public"), "{said}");
    let (listening, said) = serve(&["--demo", "--addr", "127.0.0.1:0"]);
    assert!(listening, "{said}");
    let (listening, said) = serve(&["--demo", "--public", "--addr", "0.0.0.0:0"]);
    assert!(listening, "{said}");
    let (listening, said) = serve(&["--public", "--addr", "127.0.0.1:0"]);
    assert!(
        !listening && said.contains("--public is for --demo"),
        "{said}"
    );
}
