//! Memory bounded: a process holds the accounts it uses within its budget, dropping the
//! ones used least recently and replaying them from the database when asked again, with
//! every answer as if nothing had been dropped; an account too large to hold twice is held
//! once; the background pass opens only the accounts with something due.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use chrono::Utc;
use common::*;
use creditboard_server::state::AppState;
use serde_json::{Value, json};

async fn reads(router: &Router, tokens: &[(&str, &str)]) -> Vec<(String, Value)> {
    let mut answers = Vec::new();
    for (account, token) in tokens {
        for read in DASHBOARD_READS {
            let uri = format!("/api/v1/accounts/{account}{read}");
            let (status, body) = call(router, Method::GET, &uri, Some(token), None).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
            answers.push((uri, timeless(body)));
        }
    }
    answers
}

#[tokio::test]
async fn a_tiny_budget_drops_accounts_and_every_answer_stays_the_same() {
    for db in each_backend().await {
        let (roomy, t) = server(&db, 1_000_000).await;
        let tiny = state_at(&db, Utc::now(), None).await;
        // Smaller than any account: only the one in use is held.
        tiny.accounts().resident().set_budget(1);
        let (roomy_app, tiny_app) = (
            creditboard_server::router(roomy.clone()),
            creditboard_server::router(tiny.clone()),
        );
        let readers = [(ACCOUNT, t.admin.as_str()), (OTHER, t.other_admin.as_str())];
        let services = [
            (ACCOUNT, t.service.as_str()),
            (OTHER, t.other_service.as_str()),
        ];
        for round in 0..6 {
            // Writes through the tiny process, to each account in turn.
            for (i, (account, service)) in services.iter().enumerate() {
                let events: Vec<Value> = (0..25)
                    .map(|n| {
                        json!({"key": format!("job-{round}-{i}-{n}"), "meter": "credits",
                                    "amount": 1 + n, "usage": {"description": format!("job {n}")}})
                    })
                    .collect();
                let uri = format!("/api/v1/accounts/{account}/usage");
                let (status, body) =
                    post(&tiny_app, service, &uri, &json!({"events": events})).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert!(
                    tiny.accounts().resident().held() <= 1,
                    "{}: {} held",
                    db.backend,
                    tiny.accounts().resident().held()
                );
            }
            let expected = reads(&roomy_app, &readers).await;
            let answered = reads(&tiny_app, &readers).await;
            for ((uri, got), (_, want)) in answered.iter().zip(&expected) {
                assert!(
                    got == want,
                    "{}: round {round}: {uri}:\n{got}\n{want}",
                    db.backend
                );
            }
        }
        assert!(
            tiny.accounts().resident().readers_held().is_empty(),
            "{}: too large to hold twice, each is held once",
            db.backend
        );
        assert!(
            roomy.accounts().resident().held() == 2,
            "the roomy one keeps both"
        );
        assert!(tiny.accounts().resident().bytes() < roomy.accounts().resident().bytes());
    }
}

#[tokio::test]
async fn an_account_too_large_to_hold_twice_is_held_once_and_answers_the_same() {
    for db in each_backend().await {
        let (roomy, t) = server(&db, 1_000_000).await;
        let tight = state_at(&db, Utc::now(), None).await;
        let (roomy_app, tight_app) = (
            creditboard_server::router(roomy.clone()),
            creditboard_server::router(tight.clone()),
        );
        let readers = [(ACCOUNT, t.admin.as_str())];
        let stored = tight.accounts().db().last_entry_id(ACCOUNT).await.unwrap();
        // Room for one copy of it, never for two as it grows.
        let one_copy = (stored + 1) * creditboard_server::resident::BYTES_PER_ENTRY;
        tight.accounts().resident().set_budget(one_copy);
        for round in 0..3 {
            let events: Vec<Value> = (0..10)
                .map(|n| json!({"key": format!("once-{round}-{n}"), "meter": "credits", "amount": 2}))
                .collect();
            let (status, body) = post(
                &tight_app,
                &t.service,
                &path("/usage"),
                &json!({"events": events}),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let expected = reads(&roomy_app, &readers).await;
            assert_eq!(
                reads(&tight_app, &readers).await,
                expected,
                "{}",
                db.backend
            );
            let resident = tight.accounts().resident();
            assert!(resident.holds(ACCOUNT), "{}", db.backend);
            assert!(
                resident.readers_held().is_empty(),
                "{}: only the writer's copy",
                db.backend
            );
        }
        // With room for both, reads get a copy of their own again.
        tight.accounts().resident().set_budget(1 << 30);
        let expected = reads(&roomy_app, &readers).await;
        assert_eq!(
            reads(&tight_app, &readers).await,
            expected,
            "{}",
            db.backend
        );
        assert_eq!(tight.accounts().resident().readers_held(), [ACCOUNT]);
    }
}

async fn held_after_pass(state: &AppState) -> Vec<String> {
    creditboard_server::background::once(state).await.unwrap();
    let mut held = state.accounts().resident().held_ids();
    held.sort();
    held
}

#[tokio::test]
async fn the_background_pass_opens_only_accounts_with_something_due() {
    for db in each_backend().await {
        let (_, _) = server(&db, 0).await;
        // The first pass knows nothing yet: it opens both and records when each is next due
        // (their allocations' next cycle).
        let first = state_at(&db, Utc::now(), None).await;
        assert_eq!(
            held_after_pass(&first).await,
            [ACCOUNT, OTHER],
            "{}",
            db.backend
        );
        // A new process: nothing is due, so nothing is opened.
        let second = state_at(&db, Utc::now(), None).await;
        assert!(held_after_pass(&second).await.is_empty(), "{}", db.backend);
        // A process whose clock is past the next cycle: both are due, opened and refilled.
        let later = Utc::now() + chrono::Duration::days(40);
        let third = state_at(&db, later, None).await;
        assert_eq!(
            held_after_pass(&third).await,
            [ACCOUNT, OTHER],
            "{}",
            db.backend
        );
        let fourth = state_at(&db, later, None).await;
        assert!(
            held_after_pass(&fourth).await.is_empty(),
            "{}: refilled, nothing due",
            db.backend
        );
    }
}
