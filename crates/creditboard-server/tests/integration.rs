//! A host adopting Creditboard, through the API alone: accounts created, changed and closed,
//! the team provisioned, credits granted with a reason, member sessions for the embedded
//! dashboard, webhooks signed and retried, and every change in the audit log. Each runs on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use creditboard_domain::entry::EntryKind;
use creditboard_server::db::Db;
use creditboard_server::router;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const STUDIO: &str = "studio";

/// The account a host creates: the JSON a preset is.
fn studio(name: &str) -> Value {
    let (mut config, card) = account(STUDIO);
    config.name = name.to_string();
    config.billing.anchor_day = 1;
    json!({ "account": config, "rate_card": card })
}

fn at(path: &str) -> String {
    format!("/api/v1/accounts/{STUDIO}{path}")
}

async fn send(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let body = body.map(|b| b.to_string());
    call(app, method, path, Some(token), body.as_deref()).await
}

async fn audit_actions(app: &Router, token: &str, account: &str) -> Vec<(String, String)> {
    let (status, log) = call(
        app,
        Method::GET,
        &format!("/api/v1/accounts/{account}/audit"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_account_is_created_once_from_the_json_a_preset_is_and_audited() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let (status, made) = send(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &t.host,
            Some(studio("Studio")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {made}", db.backend);
        assert_eq!(made["id"], STUDIO);
        assert!(made["closed_at"].is_null());
        // The same request again (a host restarting) changes nothing.
        let (status, again) = send(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &t.host,
            Some(studio("Studio")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["opened_at"], made["opened_at"]);
        // Another request for the same id is a conflict, and the account stays as it was.
        let (status, clash) = send(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &t.host,
            Some(studio("Renamed")),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{clash}");
        assert_eq!(clash["error"]["code"], "idempotency_conflict");
        let (_, view) = send(&app, Method::GET, &at(""), &t.host, None).await;
        assert_eq!(view["name"], "Studio");
        // Checked as a preset is: a broken configuration is a 400 and creates nothing.
        let mut broken = studio("Broken");
        broken["account"]["id"] = json!("broken");
        broken["account"]["meters"] = json!([]);
        let (status, refused) = send(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &t.host,
            Some(broken),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("meter"),
            "{refused}"
        );
        let (status, _) = send(&app, Method::GET, "/api/v1/accounts/broken", &t.host, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Only the host's token creates accounts.
        for token in [&t.service, &t.admin, &t.embed] {
            let mut other = studio("Other");
            other["account"]["id"] = json!("other-studio");
            let (status, refused) =
                send(&app, Method::POST, "/api/v1/accounts", token, Some(other)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        }
        assert_eq!(
            audit_actions(&app, &t.host, STUDIO).await,
            vec![("create_account".to_string(), "host".to_string())]
        );
    }
}

#[tokio::test]
async fn members_are_added_changed_and_removed_and_their_sessions_stop_at_once() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let nia = json!({"id": "m_nia", "name": "Nia Okafor", "role": "member"});
        let (status, added) = send(
            &app,
            Method::POST,
            &path("/members"),
            &t.service,
            Some(nia.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {added}", db.backend);
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/members"),
            &t.service,
            Some(nia.clone()),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the same member again changes nothing"
        );
        let mut other_role = nia.clone();
        other_role["role"] = json!("admin");
        let (status, clash) = send(
            &app,
            Method::POST,
            &path("/members"),
            &t.service,
            Some(other_role),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{clash}");
        // Bad input changes nothing and says why.
        for bad in [
            json!({"id": "m_blank", "name": " ", "role": "member"}),
            json!({"id": "not an id", "name": "Nope", "role": "member"}),
            json!({"id": "m_x", "name": "X", "role": "owner"}),
        ] {
            let (status, refused) = send(
                &app,
                Method::POST,
                &path("/members"),
                &t.service,
                Some(bad.clone()),
            )
            .await;
            assert!(status.is_client_error(), "{bad}: {status} {refused}");
            assert!(
                refused["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
        let (_, team) = send(&app, Method::GET, &path(""), &t.service, None).await;
        assert_eq!(team["members"].as_array().unwrap().len(), 7, "six and Nia");
        // A member of the team cannot add one: the team is the host's.
        let (status, refused) = send(
            &app,
            Method::POST,
            &path("/members"),
            &t.admin,
            Some(json!({"id": "m_x", "name": "X", "role": "admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        // A session for Nia acts as Nia: a member, told to ask an admin.
        let (status, session) = send(
            &app,
            Method::POST,
            &path("/sessions"),
            &t.host,
            Some(json!({"member": "m_nia", "expires_in": 600})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{session}");
        assert_eq!(session["role"], "member");
        let nia_token = session["token"].as_str().unwrap().to_string();
        let alerts = json!({"alerts": {"meter": "credits", "levels": [{"percent": 30}]}});
        let (status, refused) = send(
            &app,
            Method::PUT,
            &path("/settings"),
            &nia_token,
            Some(alerts.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("contact"),
            "{refused}"
        );
        // Made an admin, the same session may change settings on its next request.
        let (status, changed) = send(
            &app,
            Method::PATCH,
            &path("/members/m_nia"),
            &t.service,
            Some(json!({"role": "admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["role"], "admin");
        let (status, done) = send(
            &app,
            Method::PUT,
            &path("/settings"),
            &nia_token,
            Some(alerts),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{done}");
        // Taken off the team, her session stops at once.
        let (status, _) = send(
            &app,
            Method::DELETE,
            &path("/members/m_nia"),
            &t.service,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = send(&app, Method::GET, &path("/balance"), &nia_token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = send(
            &app,
            Method::DELETE,
            &path("/members/m_nia"),
            &t.service,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no longer on the team");
        // Back on the team, she gets new tokens: the old session stays dead.
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/members"),
            &t.service,
            Some(nia.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = send(&app, Method::GET, &path("/balance"), &nia_token, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "an old session never comes back"
        );
        // Sessions only for members on the team, for a bounded time.
        let (status, refused) = send(
            &app,
            Method::POST,
            &path("/sessions"),
            &t.host,
            Some(json!({"member": "m_ghost"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let (status, refused) = send(
            &app,
            Method::POST,
            &path("/sessions"),
            &t.host,
            Some(json!({"member": "m_jonas", "expires_in": 86_400})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let actions = audit_actions(&app, &t.admin, ACCOUNT).await;
        let expected: Vec<(&str, &str)> = vec![
            ("add_member", "service"),
            ("issue_token", "host"),
            ("update_member", "service"),
            ("alerts", "member"),
            ("remove_member", "service"),
            ("add_member", "service"),
        ];
        let actions: Vec<(&str, &str)> = actions
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(actions, expected);
        let (_, log) = send(&app, Method::GET, &path("/audit?limit=5"), &t.admin, None).await;
        let update = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "update_member")
            .unwrap();
        assert_eq!(update["before"]["role"], "member");
        assert_eq!(update["after"]["role"], "admin");
    }
}

#[tokio::test]
async fn a_plan_change_mid_cycle_keeps_the_cycle_and_applies_from_the_next() {
    for db in each_backend().await {
        // Berlin: UTC+1 until 29 March, UTC+2 after.
        let utc = |m, d, h| Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap();
        let opened = utc(3, 10, 11);
        let (state, t) = server(&db, 0).await;
        drop(state);
        let app = router(state_at(&db, opened, None).await);
        let (status, made) = send(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &t.host,
            Some(studio("Studio")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let host = t.host.clone();
        let balance = async |app: Router| {
            let (_, b) = send(&app, Method::GET, &at("/balance"), &host, None).await;
            b["meters"][0]["balance"]["available"].as_i64().unwrap()
        };
        assert_eq!(balance(app.clone()).await, INCLUDED);
        // Mid-cycle: 40,000 a month from now on, cycles on the 15th.
        let change = json!({
            "allocations": [{"meter": "credits", "allocation": {"amount": 40_000, "unused": "lapse"}}],
            "billing_anchor_day": 15,
            "plan": "business"
        });
        let (status, changed) =
            send(&app, Method::PATCH, &at(""), &t.host, Some(change.clone())).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(
            changed["config"]["meters"][0]["allocation"]["amount"],
            40_000
        );
        // The same change again changes nothing (and is not audited twice).
        let (status, _) = send(&app, Method::PATCH, &at(""), &t.host, Some(change)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            balance(app.clone()).await,
            INCLUDED,
            "the cycle under way keeps what it was granted"
        );
        // The cycle under way ends when it was going to (1 April), granting the new amount;
        // the one after starts on the 15th.
        let later = router(state_at(&db, utc(4, 20, 10), None).await);
        assert_eq!(balance(later.clone()).await, 40_000);
        let store = Db::connect(&db.url).await.unwrap();
        let refills: Vec<(DateTime<Utc>, i64)> = store
            .entries_after(STUDIO, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EntryKind::Refill)
            .map(|e| (e.at, e.amount.get()))
            .collect();
        // The first is granted when the account opens (the clock runs on from `opened`).
        let first: DateTime<Utc> = made["opened_at"].as_str().unwrap().parse().unwrap();
        assert!((first - opened).num_seconds() < 60);
        assert_eq!(
            refills,
            vec![
                (first, INCLUDED),
                (utc(3, 31, 22), 40_000),
                (utc(4, 14, 22), 40_000),
            ],
            "{}",
            db.backend
        );
        let actions = audit_actions(&later, &t.host, STUDIO).await;
        let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            ["create_account", "plan", "billing_day", "allocation"]
        );
        // A meter without an allocation cannot gain one, and nothing of a refused change lands.
        let bad = json!({"plan": "free", "allocations": [{"meter": "nope", "allocation": {"amount": 1, "unused": "lapse"}}]});
        let (status, refused) = send(&later, Method::PATCH, &at(""), &t.host, Some(bad)).await;
        assert!(status.is_client_error(), "{refused}");
        let (_, view) = send(&later, Method::GET, &at(""), &t.host, None).await;
        assert_eq!(view["plan"], "business");
        // All or none: a later step that cannot be made leaves the earlier ones unmade.
        let half = json!({"plan": "free", "allocations": [
            {"meter": "credits", "allocation": {"amount": 0, "unused": "lapse"}},
            {"meter": "credits", "allocation": {"amount": 100, "unused": "lapse"}}
        ]});
        let (status, refused) = send(&later, Method::PATCH, &at(""), &t.host, Some(half)).await;
        assert!(status.is_client_error(), "{refused}");
        let (_, view) = send(&later, Method::GET, &at(""), &t.host, None).await;
        assert_eq!(view["plan"], "business");
        assert_eq!(
            audit_actions(&later, &t.host, STUDIO).await.len(),
            4,
            "nothing audited"
        );
    }
}

#[tokio::test]
async fn grants_and_adjustments_carry_their_reason_into_the_ledger() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let grant = json!({
            "key": "comp-1", "meter": "credits", "amount": 1_000,
            "reason": "Compensation for the outage of 3 May",
            "expires_at": (Utc::now() + Duration::days(30)).to_rfc3339()
        });
        let (status, made) = send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {made}", db.backend);
        let entry = &made["entries"][0];
        assert_eq!(entry["kind"], "grant");
        assert_eq!(
            entry["usage"]["description"],
            "Compensation for the outage of 3 May"
        );
        assert_eq!(available(&app, &t.admin).await, INCLUDED + 1_000);
        let (_, again) = send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant.clone()),
        )
        .await;
        assert_eq!(again["replayed"], true);
        let mut changed = grant.clone();
        changed["reason"] = json!("Welcome credits");
        let (status, clash) = send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(changed),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{clash}");
        let count = entry_count(&app, &t.admin).await;
        for bad in [
            json!({"key": "g0", "meter": "credits", "amount": 0, "reason": "Zero"}),
            json!({"key": "g1", "meter": "credits", "amount": 5, "reason": ""}),
            json!({"key": "g2", "meter": "credits", "amount": 5}),
            json!({"key": "g3", "meter": "nope", "amount": 5, "reason": "Unknown meter"}),
        ] {
            let (status, refused) = send(
                &app,
                Method::POST,
                &path("/grants"),
                &t.service,
                Some(bad.clone()),
            )
            .await;
            assert!(status.is_client_error(), "{bad}: {status} {refused}");
            assert!(
                refused["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
        assert_eq!(
            entry_count(&app, &t.admin).await,
            count,
            "refused grants change nothing"
        );
        let fix = json!({"key": "fix-1", "meter": "credits", "amount": -300, "reason": "Double-charged render 4711"});
        let (status, fixed) = send(
            &app,
            Method::POST,
            &path("/adjustments"),
            &t.host,
            Some(fix),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{fixed}");
        assert_eq!(fixed["entries"][0]["kind"], "adjustment");
        let fix = json!({"key": "fix-1", "meter": "credits", "amount": -300, "reason": "Double-charged render 4711"});
        let (_, again) = send(
            &app,
            Method::POST,
            &path("/adjustments"),
            &t.host,
            Some(fix),
        )
        .await;
        assert_eq!(again["replayed"], true, "a retry takes nothing more");
        assert_eq!(available(&app, &t.admin).await, INCLUDED + 700);
        assert_eq!(
            audit_actions(&app, &t.service, ACCOUNT).await,
            vec![
                ("grant".to_string(), "service".to_string()),
                ("adjustment".to_string(), "host".to_string())
            ]
        );
    }
}

/// Polls `f` until it holds (deliveries are sent by a task, not the request).
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    // A bound on a wait, not a measure: deliveries poll every 0.5 to 2 s.
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 30 s");
}

#[tokio::test]
async fn webhooks_are_signed_retried_with_backoff_redelivered_and_never_slow_the_api() {
    for db in each_backend().await {
        let (state, t, _host) = server_paying(&db, 0).await;
        let ms = std::time::Duration::from_millis;
        tokio::spawn(creditboard_server::webhooks::run(
            state.clone(),
            vec![ms(100), ms(300), ms(600)],
        ));
        let app = router(state);
        let (url, receiver) = receiver::start().await;
        let endpoint = json!({"url": url, "secret": receiver::SECRET});
        let (status, made) = send(
            &app,
            Method::POST,
            &path("/webhooks"),
            &t.service,
            Some(endpoint.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {made}", db.backend);
        assert!(
            made.get("secret").is_none(),
            "a secret the host chose is not echoed"
        );
        let (status, again) = send(
            &app,
            Method::POST,
            &path("/webhooks"),
            &t.service,
            Some(endpoint),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["id"], made["id"]);
        let (status, refused) = send(
            &app,
            Method::POST,
            &path("/webhooks"),
            &t.service,
            Some(json!({"url": "https://host.example/hooks"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

        // A grant and a purchase: each told, signed with the endpoint's secret.
        let grant = json!({"key": "w1", "meter": "credits", "amount": 10, "reason": "Welcome"});
        send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant),
        )
        .await;
        let buy = json!({"meter": "credits", "choice": {"pack": "mini"}, "key": "buy-1"});
        let (status, bought) =
            send(&app, Method::POST, &path("/purchases"), &t.admin, Some(buy)).await;
        assert_eq!(status, StatusCode::OK, "{bought}");
        eventually("grant and purchase delivered", async || {
            let types = receiver.types();
            types.contains(&"grant.posted".into()) && types.contains(&"purchase.completed".into())
        })
        .await;
        let purchase = receiver
            .received
            .lock()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "purchase.completed")
            .cloned()
            .unwrap();
        assert_eq!(purchase["account"], ACCOUNT);
        assert_eq!(purchase["data"]["amount"], 2_000);
        assert_eq!(purchase["data"]["entry"], bought["entry"]);

        // A dead endpoint: tried with growing pauses, then given up; the API answers meanwhile.
        receiver.failing.store(true, Ordering::SeqCst);
        let grant = json!({"key": "w2", "meter": "credits", "amount": 10, "reason": "Second"});
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let failed = async || {
            let (_, events) =
                send(&app, Method::GET, &path("/webhook-events"), &t.admin, None).await;
            events
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["event"]["data"]["reason"] == "Second")
                .cloned()
        };
        eventually("the dead endpoint given up on", async || {
            failed()
                .await
                .is_some_and(|e| e["deliveries"][0]["state"] == "failed")
        })
        .await;
        let event = failed().await.unwrap();
        let attempts = event["deliveries"][0]["attempts"].as_array().unwrap();
        assert_eq!(
            attempts.len(),
            4,
            "the first try and one per pause: {event}"
        );
        let times: Vec<DateTime<Utc>> = attempts
            .iter()
            .map(|a| a["at"].as_str().unwrap().parse().unwrap())
            .collect();
        let gaps: Vec<i64> = times
            .windows(2)
            .map(|w| (w[1] - w[0]).num_milliseconds())
            .collect();
        assert!(
            gaps[0] >= 100 && gaps[1] >= 300 && gaps[2] >= 600,
            "backoff {gaps:?}"
        );
        assert!(attempts.iter().all(|a| a["status"] == 500));

        // Sent again by hand: the same event, with its id.
        receiver.failing.store(false, Ordering::SeqCst);
        let id = event["event"]["id"].as_str().unwrap().to_string();
        let (status, _) = send(
            &app,
            Method::POST,
            &path(&format!("/webhook-events/{id}/redeliver")),
            &t.admin,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        eventually("the redelivery", async || {
            receiver
                .received
                .lock()
                .unwrap()
                .iter()
                .any(|e| e["id"] == id.as_str())
        })
        .await;
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/webhook-events/evt_nope/redeliver"),
            &t.admin,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // An endpoint that does not answer holds no request: the grant is answered while
        // the delivery waits.
        receiver.hanging.store(true, Ordering::SeqCst);
        let before = receiver.received.lock().unwrap().len();
        let grant = json!({"key": "w3", "meter": "credits", "amount": 10, "reason": "Third"});
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            receiver.received.lock().unwrap().len(),
            before,
            "answered before the endpoint was"
        );
        receiver.hanging.store(false, Ordering::SeqCst);
        receiver.release.notify_waiters();
        assert_eq!(*receiver.forged.lock().unwrap(), 0);

        // A deleted endpoint gets nothing more.
        let id = made["id"].as_str().unwrap();
        let (status, _) = send(
            &app,
            Method::DELETE,
            &path(&format!("/webhooks/{id}")),
            &t.service,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let count = receiver.received.lock().unwrap().len();
        let grant = json!({"key": "w4", "meter": "credits", "amount": 10, "reason": "Fourth"});
        send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let (_, events) = send(
            &app,
            Method::GET,
            &path("/webhook-events?limit=1"),
            &t.admin,
            None,
        )
        .await;
        assert_eq!(events[0]["event"]["data"]["reason"], "Fourth");
        assert_eq!(events[0]["deliveries"], json!([]), "{events}");
        assert!(
            receiver.received.lock().unwrap().len() <= count + 1,
            "at most the third, released"
        );
        let hooks: Vec<(String, String)> = audit_actions(&app, &t.admin, ACCOUNT)
            .await
            .into_iter()
            .filter(|(a, _)| a.contains("webhook"))
            .collect();
        assert_eq!(
            hooks,
            [
                ("add_webhook".to_string(), "service".to_string()),
                ("delete_webhook".to_string(), "service".to_string())
            ],
            "registered once (the retry is not a change), then deleted"
        );
    }
}

#[tokio::test]
async fn a_closed_account_answers_410_and_its_tokens_stop() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let (status, closed) = send(&app, Method::DELETE, &path(""), &t.host, None).await;
        assert_eq!(status, StatusCode::OK, "{}: {closed}", db.backend);
        assert!(closed["closed_at"].is_string());
        let (status, _) = send(&app, Method::GET, &path("/balance"), &t.admin, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "its tokens are gone");
        let (status, gone) = send(&app, Method::GET, &path("/balance"), &t.host, None).await;
        assert_eq!(status, StatusCode::GONE, "{gone}");
        assert_eq!(gone["error"]["code"], "account_closed");
        for rest in ["/webhooks", "/webhook-events"] {
            let (status, gone) = send(&app, Method::GET, &path(rest), &t.host, None).await;
            assert_eq!(status, StatusCode::GONE, "{rest}: {gone}");
        }
        // The host keeps its record of who closed it.
        assert_eq!(
            audit_actions(&app, &t.host, ACCOUNT).await,
            vec![("close_account".to_string(), "host".to_string())]
        );
        let (status, _) = send(
            &app,
            Method::GET,
            "/api/v1/accounts/nobody/audit",
            &t.host,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, again) = send(&app, Method::DELETE, &path(""), &t.host, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["closed_at"], closed["closed_at"]);
        // The other account is untouched.
        let (status, _) = send(
            &app,
            Method::GET,
            &format!("/api/v1/accounts/{OTHER}/balance"),
            &t.other_service,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn wrong_methods_and_unknown_routes_answer_the_documented_json_error() {
    let db = sqlite();
    let (state, t) = server(&db, 0).await;
    let app = router(state);
    for (method, uri, status, code) in [
        (
            Method::DELETE,
            path("/balance"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::PUT,
            "/api/v1/accounts".to_string(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            path("/nothing-here"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v2/anything".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let (got, body) = call(&app, method.clone(), &uri, Some(&t.admin), None).await;
        assert_eq!(got, status, "{method} {uri}: {body}");
        assert_eq!(body["error"]["code"], code, "{method} {uri}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn a_wrong_method_names_the_methods_the_path_takes() {
    let db = sqlite();
    let (state, t) = server(&db, 0).await;
    let response = tower::ServiceExt::oneshot(
        router(state),
        axum::http::Request::delete(path("/balance"))
            .header("authorization", format!("Bearer {}", t.admin))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        allow.as_deref().is_some_and(|a| a.contains("GET")),
        "Allow: {allow:?}"
    );
}

#[tokio::test]
async fn a_slow_endpoint_takes_a_few_deliveries_at_a_time_and_never_holds_up_another() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        tokio::spawn(creditboard_server::webhooks::run(
            state.clone(),
            vec![std::time::Duration::from_secs(60)],
        ));
        let app = router(state);
        let (slow_url, slow) = receiver::start().await;
        slow.hanging.store(true, Ordering::SeqCst);
        let (status, _) = send(
            &app,
            Method::POST,
            &path("/webhooks"),
            &t.service,
            Some(json!({"url": slow_url, "secret": receiver::SECRET})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        for i in 0..20 {
            let grant = json!({"key": format!("s{i}"), "meter": "credits", "amount": 1, "reason": "Queued"});
            send(
                &app,
                Method::POST,
                &path("/grants"),
                &t.service,
                Some(grant),
            )
            .await;
        }
        eventually("the slow endpoint busy", async || {
            slow.open.load(Ordering::SeqCst) > 0
        })
        .await;
        // Another endpoint, and an event for it after the twenty.
        let (fast_url, fast) = receiver::start().await;
        let (status, _) = send(
            &app,
            Method::POST,
            "/api/v1/webhooks",
            &t.host,
            Some(json!({"url": fast_url, "secret": receiver::SECRET})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let grant =
            json!({"key": "fast", "meter": "credits", "amount": 1, "reason": "For the other"});
        send(
            &app,
            Method::POST,
            &path("/grants"),
            &t.service,
            Some(grant),
        )
        .await;
        eventually("the other endpoint served", async || {
            fast.received
                .lock()
                .unwrap()
                .iter()
                .any(|e| e["data"]["reason"] == "For the other")
        })
        .await;
        // The slow one never held more than its share, and has still answered nothing.
        assert!(
            slow.open.load(Ordering::SeqCst) <= 4,
            "{} open",
            slow.open.load(Ordering::SeqCst)
        );
        assert!(slow.received.lock().unwrap().is_empty());
        slow.hanging.store(false, Ordering::SeqCst);
        slow.release.notify_waiters();
    }
}

#[tokio::test]
async fn server_wide_endpoints_are_the_hosts_alone() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let endpoint = json!({"url": "http://127.0.0.1:9/all", "secret": receiver::SECRET});
        for token in [&t.service, &t.admin, &t.embed] {
            let (status, refused) = send(
                &app,
                Method::POST,
                "/api/v1/webhooks",
                token,
                Some(endpoint.clone()),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{}: {refused}", db.backend);
            let (status, _) = send(&app, Method::GET, "/api/v1/webhooks", token, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        let (status, made) = send(
            &app,
            Method::POST,
            "/api/v1/webhooks",
            &t.host,
            Some(endpoint.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert!(made["account"].is_null());
        let id = made["id"].as_str().unwrap();
        let (status, _) = send(
            &app,
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            &t.service,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, listed) = send(&app, Method::GET, "/api/v1/webhooks", &t.host, None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let (status, _) = send(
            &app,
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            &t.host,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = send(
            &app,
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            &t.host,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "deleted once");
    }
}
