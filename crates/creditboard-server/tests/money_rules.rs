//! Issue 20's defects, each reproduced against the server as a host would meet it, on SQLite
//! and PostgreSQL: who settles a hold, holds that expire, idempotency that compares every
//! field, a batch key that covers the whole batch, tokens, notifications and payments.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use common::*;
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

/// What a host's support page would show for the account: balance and entry count.
async fn books(app: &axum::Router, t: &Tokens) -> (i64, u64) {
    (
        available(app, &t.admin).await,
        entry_count(app, &t.admin).await,
    )
}

/// Defect 1: a member's token settled a hold the host's service made.
#[tokio::test]
async fn a_member_could_settle_the_services_hold() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = creditboard_server::router(state);
        let hold = json!({"key": "render-1", "meter": "credits", "amount": 400});
        let (status, held) = post(&app, &t.service, &path("/holds"), &hold).await;
        assert_eq!(status, StatusCode::OK, "{held}");
        let id = held["entries"][0]["id"].as_u64().unwrap();
        let before = books(&app, &t).await;
        for (who, token) in [("member", &t.member), ("admin", &t.admin)] {
            for outcome in [json!({"completed": {"amount": 1}}), json!("failed")] {
                let settle =
                    json!({"key": format!("{who}-settle"), "hold": id, "outcome": outcome});
                let uri = path(&format!("/holds/{id}/settle"));
                let (status, body) = post(&app, token, &uri, &settle).await;
                assert_eq!(
                    (status, code(&body)),
                    (StatusCode::FORBIDDEN, "not_hold_owner"),
                    "{}: {who} {outcome}: {body}",
                    db.backend
                );
                assert!(
                    message(&body).contains("only the service settles it"),
                    "{body}"
                );
            }
        }
        assert_eq!(books(&app, &t).await, before, "{}", db.backend);
        let capture = json!({"key": "render-1-done", "amount": 350});
        let uri = path(&format!("/holds/{id}/capture"));
        let (status, body) = post(&app, &t.service, &uri, &capture).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", db.backend);
        assert_eq!(available(&app, &t.admin).await, INCLUDED - 350);
    }
}

/// Defect 5: a pending hold served six months later was still pending.
#[tokio::test]
async fn holds_never_expired() {
    for db in each_backend().await {
        let (_, t) = server(&db, 0).await;
        let now = Utc::now() + Duration::minutes(1);
        let today = process_at(&db, now).await;
        let (_, held) = post(
            &today,
            &t.service,
            &path("/holds"),
            &json!({"key": "job-1", "meter": "credits", "amount": 400}),
        )
        .await;
        let hold = &held["entries"][0];
        let id = hold["id"].as_u64().unwrap();
        let expires: chrono::DateTime<Utc> =
            serde_json::from_value(hold["expires_at"].clone()).unwrap();
        let made: chrono::DateTime<Utc> = serde_json::from_value(hold["at"].clone()).unwrap();
        assert_eq!(
            expires,
            made + Duration::days(1),
            "{}: the default",
            db.backend
        );
        let (status, body) = post(
            &today,
            &t.service,
            &path("/holds"),
            &json!({"key": "job-2", "meter": "credits", "amount": 1, "expires_in": 59}),
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "hold_expiry_out_of_range"),
            "{body}"
        );

        // Six months on, a new process: the ledger released the hold when it expired.
        let later = process_at(&db, now + Duration::days(182)).await;
        let (_, ledger) = call(
            &later,
            Method::GET,
            &path("/ledger?kind=hold&size=5"),
            Some(&t.admin),
            None,
        )
        .await;
        let row = &ledger["rows"][0];
        assert_eq!(row["entry"]["id"], id, "{ledger}");
        assert_eq!(row["status"], "failed", "{}: {row}", db.backend);
        assert_eq!(row["settled"]["expired"], true, "{row}");
        assert_eq!(row["settled"]["released"], 400, "{row}");
        let settled_at: chrono::DateTime<Utc> =
            serde_json::from_value(row["settled"]["at"].clone()).unwrap();
        assert_eq!(
            settled_at, expires,
            "released at its expiry, not when served"
        );
        let (_, balance) = call(&later, Method::GET, &path("/balance"), Some(&t.admin), None).await;
        assert_eq!(balance["meters"][0]["balance"]["held"], 0, "{balance}");
        let release = json!({"key": "job-1-late"});
        let uri = path(&format!("/holds/{id}/release"));
        let (status, body) = post(&later, &t.service, &uri, &release).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::CONFLICT, "hold_not_pending"),
            "{body}"
        );
    }
}

/// Defect 3: key `job-777` resent with another member, feature, project, status and
/// description was answered `replayed: true`. Same for holds and refunds.
#[tokio::test]
async fn idempotency_compared_only_kind_meter_and_amount() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = creditboard_server::router(state);
        let usage = json!({"feature": "voiceover", "member": "m_jonas", "project": "p_launch", "description": "Intro"});
        let event = |usage: &Value, status: &str| json!({"events": [{"key": "job-777", "meter": "credits", "amount": 30, "status": status, "usage": usage}]});
        let (_, first) = post(&app, &t.service, &path("/usage"), &event(&usage, "success")).await;
        assert_eq!(first["accepted"], 1, "{first}");
        let charge = first["results"][0]["entry"].as_u64().unwrap();
        let (_, again) = post(&app, &t.service, &path("/usage"), &event(&usage, "success")).await;
        assert_eq!(again["results"][0]["replayed"], true, "{again}");
        let before = books(&app, &t).await;
        let changed = |field: &str, value: Value| {
            let mut u = usage.clone();
            u[field] = value;
            u
        };
        for (body, differs) in [
            (
                event(&changed("member", json!("m_ana")), "success"),
                "usage.member: first “m_jonas”, now “m_ana”",
            ),
            (
                event(&changed("feature", json!("lipsync")), "success"),
                "usage.feature: first “voiceover”, now “lipsync”",
            ),
            (
                event(&changed("project", json!("p_other")), "success"),
                "usage.project: first “p_launch”, now “p_other”",
            ),
            (
                event(&changed("description", json!("Outro")), "success"),
                "usage.description: first “Intro”, now “Outro”",
            ),
            (
                event(&usage, "failed"),
                "status: first “success”, now “failed”",
            ),
        ] {
            let (_, answer) = post(&app, &t.service, &path("/usage"), &body).await;
            let result = &answer["results"][0];
            assert_eq!(
                result["error"]["code"], "idempotency_conflict",
                "{}: {answer}",
                db.backend
            );
            let said = result["error"]["message"].as_str().unwrap_or_default();
            assert!(said.contains(differs), "{said}");
        }
        assert_eq!(books(&app, &t).await, before, "{}", db.backend);

        // Holds and refunds: any field, answered 409 with the first difference.
        let hold = |usage: Value| json!({"key": "render-9", "meter": "credits", "amount": 50, "usage": usage});
        let (status, _) = post(
            &app,
            &t.service,
            &path("/holds"),
            &hold(json!({"member": "m_jonas"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let refund = |description: &str| json!({"key": "back-1", "of": charge, "amount": 10, "description": description});
        let (status, _) = post(&app, &t.service, &path("/refunds"), &refund("Blurry")).await;
        assert_eq!(status, StatusCode::OK);
        let before = books(&app, &t).await;
        for (uri, body, differs) in [
            (
                path("/holds"),
                hold(json!({"member": "m_ana"})),
                "usage.member: first “m_jonas”, now “m_ana”",
            ),
            (
                path("/refunds"),
                refund("Too dark"),
                "description: first “Blurry”, now “Too dark”",
            ),
        ] {
            let (status, answer) = post(&app, &t.service, &uri, &body).await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::CONFLICT, "idempotency_conflict"),
                "{}: {answer}",
                db.backend
            );
            assert!(message(&answer).contains(differs), "{answer}");
        }
        assert_eq!(books(&app, &t).await, before, "{}", db.backend);
    }
}

/// Defect 4: a batch key K with one line, then K with three (the third beyond the balance):
/// refused, yet the second shot was held and stayed pending.
#[tokio::test]
async fn a_batch_key_half_applied() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = creditboard_server::router(state);
        let line = |seconds: u64| json!({"feature": "voiceover", "quantity": seconds});
        let one = json!({"key": "K", "lines": [line(5)]});
        let (status, first) = post(&app, &t.member, &path("/batches"), &one).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let before = books(&app, &t).await;
        // The third line costs far beyond the 25,000 credits.
        let three = json!({"key": "K", "lines": [line(5), line(5), line(10_000_000)]});
        let (status, body) = post(&app, &t.member, &path("/batches"), &three).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::CONFLICT, "idempotency_conflict"),
            "{}: {body}",
            db.backend
        );
        assert!(
            message(&body).contains("lines: first 1 shot, now 3"),
            "{body}"
        );
        let other = json!({"key": "K", "lines": [line(5), line(5), line(1)]});
        let (status, _) = post(&app, &t.member, &path("/batches"), &other).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            books(&app, &t).await,
            before,
            "{}: nothing more held",
            db.backend
        );
        let (status, again) = post(&app, &t.member, &path("/batches"), &one).await;
        assert_eq!((status, &again), (StatusCode::OK, &first), "{}", db.backend);
    }
}

/// Defect 7: a member removed from the team kept access; member and service tokens never
/// expired and could not be listed or revoked.
#[tokio::test]
async fn a_removed_member_kept_access_and_tokens_never_expired() {
    use creditboard_server::tokens::{self, TokenKind};
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let store = state.db().clone();
        let app = creditboard_server::router(state);
        let get = |token: String, uri: String| {
            let app = app.clone();
            async move { call(&app, Method::GET, &uri, Some(&token), None).await }
        };
        // Admins and the service list the tokens, each with an expiry; members may not.
        let (status, list) = get(t.admin.clone(), path("/tokens")).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let listed = list.as_array().unwrap();
        assert_eq!(listed.len(), 5, "{}: {list}", db.backend);
        assert!(listed.iter().all(|t| !t["expires_at"].is_null()), "{list}");
        assert!(!list.to_string().contains(&t.admin), "no secret is listed");
        assert_eq!(
            get(t.service.clone(), path("/tokens")).await.0,
            StatusCode::OK
        );
        let (status, body) = get(t.member.clone(), path("/tokens")).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "admin_only"));
        assert_eq!(
            get(t.embed.clone(), path("/tokens")).await.0,
            StatusCode::FORBIDDEN
        );

        // Revoked, the service's token stops at its next request.
        let service_id = listed.iter().find(|t| t["kind"] == "service").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let uri = path(&format!("/tokens/{service_id}"));
        let (status, _) = call(&app, Method::DELETE, &uri, Some(&t.admin), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}", db.backend);
        let (status, _) = get(t.service.clone(), path("/balance")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = call(&app, Method::DELETE, &uri, Some(&t.admin), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "revoked once");
        let bad = path("/tokens/not-an-id");
        let (status, _) = call(&app, Method::DELETE, &bad, Some(&t.admin), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // A member's token past its expiry is refused.
        let jonas = TokenKind::Member(creditboard_domain::ids::MemberId::new("m_jonas").unwrap());
        let stale = tokens::issue(&store, ACCOUNT, &jonas, Utc::now() - Duration::seconds(1))
            .await
            .unwrap();
        let (status, body) = get(stale, path("/balance")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(message(&body).contains("expired"), "{body}");

        // Taken off the team, Jonas loses access at once, here and in any other process: his
        // tokens are deleted in the write that removes him.
        assert_eq!(
            get(t.member.clone(), path("/balance")).await.0,
            StatusCode::OK
        );
        let remove = json!({"remove_member": {"member": "m_jonas"}});
        let (status, body) = put_settings(&app, &t.admin, &remove).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}: {body}", db.backend);
        let other = process_at(&db, Utc::now()).await;
        for (name, router) in [("this process", &app), ("another", &other)] {
            for uri in [path("/balance"), path("/ledger.csv"), path("/events")] {
                let (status, body) = call(router, Method::GET, &uri, Some(&t.member), None).await;
                assert_eq!(
                    (status, code(&body)),
                    (StatusCode::UNAUTHORIZED, "unauthorized"),
                    "{} {name} {uri}",
                    db.backend
                );
            }
        }
        // The team keeps an admin: the last one cannot be removed.
        let lea = json!({"remove_member": {"member": "m_lea"}});
        let anton = json!({"remove_member": {"member": "m_anton"}});
        for (change, expected) in [
            (lea, StatusCode::NO_CONTENT),
            (anton, StatusCode::BAD_REQUEST),
        ] {
            let (status, body) = put_settings(&app, &t.admin, &change).await;
            assert_eq!(status, expected, "{body}");
        }
    }
}

/// Defect 10: notifications were recomputed on load with the current levels, so their
/// history differed between restarts and between processes.
#[tokio::test]
async fn notifications_were_recomputed_on_load() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = creditboard_server::router(state);
        let notifications = |router: axum::Router| {
            let token = t.admin.clone();
            async move {
                let (status, body) = call(
                    &router,
                    Method::GET,
                    &path("/notifications"),
                    Some(&token),
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                body
            }
        };
        // Another process that has the account loaded before anything happens.
        let other = process_at(&db, Utc::now()).await;
        assert_eq!(notifications(other.clone()).await, json!([]));
        let alerts =
            |below: i64| json!({"alerts": {"meter": "credits", "levels": [{"below": below}]}});
        let settings = |change: Value| {
            let app = app.clone();
            let token = t.admin.clone();
            async move {
                let (status, answer) = put_settings(&app, &token, &change).await;
                assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
            }
        };
        settings(alerts(20_000)).await;
        let spend = json!({"events": [{"key": "big-render", "meter": "credits", "amount": 6_000}]});
        let (_, used) = post(&app, &t.service, &path("/usage"), &spend).await;
        assert_eq!(used["accepted"], 1, "{used}");
        // The level moves after the crossing: what fired stays as it fired.
        settings(alerts(10_000)).await;
        let here = notifications(app.clone()).await;
        let fired = here.as_array().unwrap();
        assert_eq!(fired.len(), 1, "{}: {here}", db.backend);
        assert_eq!(fired[0]["threshold"], 20_000);
        assert_eq!(fired[0]["balance"], INCLUDED - 6_000);
        assert_eq!(fired[0]["level"], json!({"below": 20_000}));
        assert_eq!(
            notifications(other).await,
            here,
            "{}: another process",
            db.backend
        );
        let restarted = process_at(&db, Utc::now()).await;
        assert_eq!(
            notifications(restarted).await,
            here,
            "{}: after a restart",
            db.backend
        );
    }
}

fn top_up(threshold: i64, amount: i64) -> Value {
    json!({"auto_top_up": {"meter": "credits", "settings": {"enabled": true, "threshold": threshold, "amount": {"fixed": amount}, "monthly_cap": null}}})
}

/// The ledger's rows of a kind, newest first: (status, amount).
async fn rows(app: &axum::Router, t: &Tokens, kind: &str) -> Vec<(String, i64)> {
    let uri = path(&format!("/ledger?kind={kind}&size=50"));
    let (_, page) = call(app, Method::GET, &uri, Some(&t.admin), None).await;
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_string(),
                r["amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Defect 2: automatic top-ups wrote credits with no charge anywhere; purchases went
/// through a provider that approved everything; top-ups could be set where nothing sells.
#[tokio::test]
async fn credits_without_payment() {
    for db in each_backend().await {
        let (_, t) = server(&db, 0).await;
        // No provider configured: buying and top-ups are refused, saying why.
        let unpaid = process_at(&db, Utc::now()).await;
        let buy = json!({"meter": "credits", "choice": {"pack": "mini"}, "key": "buy-1"});
        for (status, body) in [
            post(&unpaid, &t.admin, &path("/purchases"), &buy).await,
            put_settings(&unpaid, &t.admin, &top_up(20_000, 5_000)).await,
        ] {
            assert_eq!(
                (status, code(&body)),
                (StatusCode::CONFLICT, "no_payment_provider"),
                "{}: {body}",
                db.backend
            );
            assert!(
                message(&body).contains("no payment provider configured"),
                "{body}"
            );
        }
        assert_eq!(available(&unpaid, &t.admin).await, INCLUDED);

        // Through the host's endpoint: a top-up is requested pending, charged after the
        // write, and only then posted; one at a time.
        let (url, host) = host::start().await;
        let state = state_at(&db, Utc::now(), Some(&url)).await;
        let app = creditboard_server::router(state.clone());
        let (status, body) = put_settings(&app, &t.admin, &top_up(20_000, 5_000)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let spend = |key: &str, amount: i64| json!({"events": [{"key": key, "meter": "credits", "amount": amount}]});
        let (_, used) = post(&app, &t.service, &path("/usage"), &spend("render-1", 6_000)).await;
        assert_eq!(
            used["results"][0]["balance_after"],
            INCLUDED - 6_000,
            "{used}"
        );
        let (_, used) = post(&app, &t.service, &path("/usage"), &spend("render-2", 1_000)).await;
        assert_eq!(used["accepted"], 1, "{used}");
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED - 7_000,
            "nothing posted unpaid"
        );
        assert_eq!(rows(&app, &t, "auto_top_up").await, [("pending".into(), 0)]);
        assert_eq!(host.charges.load(std::sync::atomic::Ordering::SeqCst), 0);
        creditboard_server::paying::settle_queued(&state)
            .await
            .unwrap();
        assert_eq!(host.charges.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED - 7_000 + 5_000,
            "{}",
            db.backend
        );
        assert_eq!(
            rows(&app, &t, "auto_top_up").await,
            [("success".into(), 5_000)]
        );

        // A declined top-up (the host declines 4.02) adds nothing, stays in the ledger as
        // failed, and is notified.
        let (status, _) = put_settings(&app, &t.admin, &top_up(22_995, 402)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        post(&app, &t.service, &path("/usage"), &spend("render-3", 10)).await;
        creditboard_server::paying::settle_queued(&state)
            .await
            .unwrap();
        let before_decline = INCLUDED - 7_000 + 5_000 - 10;
        assert_eq!(available(&app, &t.admin).await, before_decline);
        assert_eq!(rows(&app, &t, "auto_top_up").await[0], ("failed".into(), 0));
        let (_, notes) = call(
            &app,
            Method::GET,
            &path("/notifications"),
            Some(&t.admin),
            None,
        )
        .await;
        let failed = notes
            .as_array()
            .unwrap()
            .iter()
            .find(|n| !n["payment_failed"].is_null())
            .unwrap_or_else(|| {
                panic!(
                    "{}: no notification of the failed top-up: {notes}",
                    db.backend
                )
            });
        assert!(
            failed["payment_failed"]["reason"]
                .as_str()
                .unwrap()
                .contains("declined")
        );

        // Purchases: a pack paid is credited once; the declined amount is a 402 and a
        // failed purchase; a top-up larger than any purchase is refused.
        let (status, bought) = post(&app, &t.admin, &path("/purchases"), &buy).await;
        assert_eq!(
            (status, bought["status"].as_str()),
            (StatusCode::OK, Some("success")),
            "{bought}"
        );
        assert_eq!(available(&app, &t.admin).await, before_decline + 2_000);
        let (status, body) = put_settings(&app, &t.admin, &top_up(20_000, 1_000_000)).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_config"),
            "{body}"
        );
    }
}

/// Defect 8: a purchase was charged inside the database transaction: a failed insert was
/// retried and charged again, and a crash after the charge left it paid with no credits.
#[tokio::test]
async fn a_purchase_was_charged_inside_the_database_transaction() {
    use std::sync::atomic::Ordering::SeqCst;
    for db in each_backend().await {
        let (_, t) = server(&db, 0).await;
        let (url, host) = host::start().await;
        let now = Utc::now();
        // The host is down: the purchase is written pending and asked three times under
        // its one key; nothing is credited.
        host.failing.store(true, SeqCst);
        let first = state_at(&db, now, Some(&url)).await;
        let app = creditboard_server::router(first.clone());
        let buy = json!({"meter": "credits", "choice": {"pack": "standard"}, "key": "buy-7"});
        let (status, answer) = post(&app, &t.admin, &path("/purchases"), &buy).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (StatusCode::OK, Some("pending")),
            "{answer}"
        );
        assert_eq!(host.requests.load(SeqCst), 3);
        assert_eq!(rows(&app, &t, "purchase").await, [("pending".into(), 0)]);
        assert_eq!(available(&app, &t.admin).await, INCLUDED);

        // The host charged it after all (its answer was lost), and this process is gone. A
        // new one asks the host about the key a minute later: credited, never charged twice.
        host.failing.store(false, SeqCst);
        let payment = creditboard_domain::billing::Payment {
            key: creditboard_domain::ids::IdempotencyKey::new("buy-7").unwrap(),
            price: creditboard_domain::config::offer::Money {
                cents: 4_500,
                currency: "EUR".into(),
            },
            description: "Purchase: 5,000 Standard".into(),
            member: None,
        };
        let charged = first.payments().charge(ACCOUNT, &payment).await;
        assert!(
            matches!(charged, creditboard_server::payments::Asked::Answered(_)),
            "{charged:?}"
        );
        assert_eq!(host.charges.load(SeqCst), 1);
        let later = now + Duration::minutes(2);
        let restarted = state_at(&db, later, Some(&url)).await;
        creditboard_server::paying::resolve_stale(&restarted, ACCOUNT, later)
            .await
            .unwrap();
        let app = creditboard_server::router(restarted);
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED + 5_000,
            "{}",
            db.backend
        );
        assert_eq!(
            rows(&app, &t, "purchase").await,
            [("success".into(), 5_000)]
        );
        // The same request again answers with that purchase and charges nothing.
        let (status, again) = post(&app, &t.admin, &path("/purchases"), &buy).await;
        assert_eq!(
            (status, again["replayed"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{again}"
        );
        assert_eq!(host.charges.load(SeqCst), 1);
        assert_eq!(available(&app, &t.admin).await, INCLUDED + 5_000);

        // A pending purchase the host never saw is given up as failed, never charged, once
        // its charge window (and any charge in flight then) is long past: before that it
        // only stays pending.
        host.failing.store(true, SeqCst);
        let other = json!({"meter": "credits", "choice": {"pack": "mini"}, "key": "buy-8"});
        post(&app, &t.admin, &path("/purchases"), &other).await;
        host.failing.store(false, SeqCst);
        let soon = later + Duration::minutes(2);
        let second = state_at(&db, soon, Some(&url)).await;
        creditboard_server::paying::resolve_stale(&second, ACCOUNT, soon)
            .await
            .unwrap();
        let app = creditboard_server::router(second);
        assert_eq!(rows(&app, &t, "purchase").await[0], ("pending".into(), 0));
        let later = later + Duration::minutes(11);
        let third = state_at(&db, later, Some(&url)).await;
        creditboard_server::paying::resolve_stale(&third, ACCOUNT, later)
            .await
            .unwrap();
        assert!(!host.charged("buy-8"));
        let app = creditboard_server::router(third);
        assert_eq!(
            rows(&app, &t, "purchase").await[0],
            ("failed".into(), 0),
            "{}",
            db.backend
        );
        assert_eq!(available(&app, &t.admin).await, INCLUDED + 5_000);
    }
}
