//! The API through the router, on SQLite and PostgreSQL: flows a host product and the
//! dashboard go through, bad input, and who may do what.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{Value, json};

fn router(state: creditboard_server::state::AppState) -> axum::Router {
    creditboard_server::router(state)
}

/// A member's row of `GET …/team`.
fn member_spend(team: &Value, member: &str) -> Value {
    team["spend"]
        .as_array()
        .and_then(|rows| rows.iter().find(|s| s["member"] == member))
        .cloned()
        .unwrap_or_else(|| panic!("{member} is not in {team}"))
}

#[tokio::test]
async fn usage_reported_by_the_service_is_charged_once_and_shows_everywhere() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        assert_eq!(available(&app, &t.admin).await, INCLUDED, "{}", db.backend);

        let batch = json!({"events": [
            {"key": "job-1", "meter": "credits", "amount": 120,
             "usage": {"feature": "text_to_video", "member": "m_jonas", "description": "Shot 1"}},
            {"key": "job-2", "meter": "credits", "amount": 30},
        ]});
        let (status, body) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&batch.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["accepted"], 2);
        assert_eq!(body["results"][0]["balance_after"], INCLUDED - 120);
        assert_eq!(body["results"][1]["balance_after"], INCLUDED - 150);

        // The same batch again (a retry): answered with the first result, nothing charged.
        let (status, again) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&batch.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["results"][0]["replayed"], true);
        assert_eq!(again["results"][0]["entry"], body["results"][0]["entry"]);
        assert_eq!(
            available(&app, &t.member).await,
            INCLUDED - 150,
            "{}",
            db.backend
        );

        // The same key for a different amount is a conflict, not a second charge.
        let clash = json!({"events": [{"key": "job-1", "meter": "credits", "amount": 7}]});
        let (_, body) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&clash.to_string()),
        )
        .await;
        assert_eq!(body["refused"], 1);
        assert_eq!(body["results"][0]["error"]["code"], "idempotency_conflict");

        // The ledger lists the consume with its attributes; usage counts it for Jonas.
        let (_, page) = call(
            &app,
            Method::GET,
            &path("/ledger?kind=consume&member=m_jonas"),
            Some(&t.embed),
            None,
        )
        .await;
        assert_eq!(page["total_count"], 1, "{page}");
        assert_eq!(page["rows"][0]["entry"]["usage"]["description"], "Shot 1");
        let (_, usage) = call(
            &app,
            Method::GET,
            &path("/usage?period=last_7_days"),
            Some(&t.embed),
            None,
        )
        .await;
        assert_eq!(usage["meters"][0]["used"], 150, "{}", db.backend);
        let (_, team) = call(&app, Method::GET, &path("/team"), Some(&t.member), None).await;
        let jonas = member_spend(&team, "m_jonas");
        assert_eq!(jonas["this_month"], 120);
    }
}

#[tokio::test]
async fn a_hold_is_captured_for_what_the_job_used_and_a_refund_gives_it_back() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let hold = json!({"key": "render-9", "meter": "credits", "amount": 400});
        let (status, held) = call(
            &app,
            Method::POST,
            &path("/holds"),
            Some(&t.service),
            Some(&hold.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{held}");
        let id = held["entries"][0]["id"].as_u64().unwrap();
        assert_eq!(available(&app, &t.admin).await, INCLUDED - 400);
        // While it is held, the job is one pending row of the ledger.
        let (_, pending) = call(
            &app,
            Method::GET,
            &path("/ledger?status=pending"),
            Some(&t.embed),
            None,
        )
        .await;
        assert_eq!(pending["total_count"], 1, "{pending}");
        assert_eq!(pending["rows"][0]["entry"]["id"], id);
        assert_eq!(pending["rows"][0]["amount"], -400);

        let capture = json!({"key": "render-9-done", "amount": 250});
        let (status, done) = call(
            &app,
            Method::POST,
            &path(&format!("/holds/{id}/capture")),
            Some(&t.service),
            Some(&capture.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED - 250,
            "{}",
            db.backend
        );
        let charge = done["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "hold_capture")
            .unwrap()["id"]
            .as_u64()
            .unwrap();

        // Settling it again is a conflict.
        let (status, _) = call(
            &app,
            Method::POST,
            &path(&format!("/holds/{id}/release")),
            Some(&t.service),
            Some(r#"{"key":"render-9-again"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let refund = json!({"key": "render-9-refund", "of": charge, "amount": 100});
        let (status, body) = call(
            &app,
            Method::POST,
            &path("/refunds"),
            Some(&t.service),
            Some(&refund.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED - 150,
            "{}",
            db.backend
        );

        // The hold, its capture and the refund are one row: captured 250, 100 given back,
        // 150 used. Nothing is pending any more.
        let (_, page) = call(&app, Method::GET, &path("/ledger"), Some(&t.embed), None).await;
        let rows: Vec<&Value> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["entry"]["id"].as_u64().unwrap() >= id)
            .collect();
        assert_eq!(rows.len(), 1, "{page}");
        let row = rows[0];
        assert_eq!(row["entry"]["kind"], "hold");
        assert_eq!(
            (&row["status"], &row["amount"], &row["refunded"]),
            (&json!("success"), &json!(-150), &json!(100)),
            "{row}"
        );
        assert_eq!(row["settled"]["captured"], 250);
        assert_eq!(row["settled"]["released"], 150);
        assert_eq!(page["totals"][0]["used"], 150, "{page}");
        let (_, pending) = call(
            &app,
            Method::GET,
            &path("/ledger?status=pending"),
            Some(&t.embed),
            None,
        )
        .await;
        assert_eq!(pending["total_count"], 0, "{pending}");
        // A refund is not a row of its own, so it is no filter either.
        let (status, refused) = call(
            &app,
            Method::GET,
            &path("/ledger?kind=refund"),
            Some(&t.embed),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["error"]["code"], "invalid_query");
    }
}

#[tokio::test]
async fn admins_buy_and_change_settings_members_are_told_whom_to_ask() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let (_, account) = call(&app, Method::GET, &path(""), Some(&t.admin), None).await;
        let pack = account["offers"][0]["packs"][0].clone();
        let credits = pack["credits"].as_i64().expect("a pack with credits");
        let buy = json!({"meter": "credits", "choice": {"pack": pack["id"]}, "key": "buy-1"});

        let (status, refused) = call(
            &app,
            Method::POST,
            &path("/purchases"),
            Some(&t.member),
            Some(&buy.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "admin_only");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("contact")
        );

        let (status, bought) = call(
            &app,
            Method::POST,
            &path("/purchases"),
            Some(&t.admin),
            Some(&buy.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{bought}");
        assert_eq!(
            available(&app, &t.admin).await,
            INCLUDED + credits,
            "{}",
            db.backend
        );

        let cap = json!({"member_cap": {"member": "m_jonas", "meter": "credits", "monthly": 50}});
        let (status, _) = put_settings(&app, &t.member, &cap).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = put_settings(&app, &t.admin, &cap).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (_, team) = call(&app, Method::GET, &path("/team"), Some(&t.admin), None).await;
        let jonas = member_spend(&team, "m_jonas");
        assert_eq!(jonas["cap"], 50);

        // The cap holds for usage reported for Jonas.
        let over = json!({"events": [{"key": "j-1", "meter": "credits", "amount": 60, "usage": {"member": "m_jonas"}}]});
        let (_, body) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&over.to_string()),
        )
        .await;
        assert_eq!(
            body["results"][0]["error"]["code"], "member_cap_reached",
            "{}",
            db.backend
        );

        // Settings that cannot work are refused with the reason, and change nothing.
        let within = json!({"events": [{"key": "j-2", "meter": "credits", "amount": 40, "usage": {"member": "m_jonas"}}]});
        call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&within.to_string()),
        )
        .await;
        let refusals = [
            (
                json!({"member_cap": {"member": "m_jonas", "meter": "credits", "monthly": 10}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "cap_below_spent",
                "has already used 40 this month",
            ),
            (
                json!({"auto_top_up": {"meter": "credits", "settings": {"enabled": true, "threshold": 100, "amount": {"fixed": 1000}, "monthly_cap": 500}}}),
                StatusCode::BAD_REQUEST,
                "invalid_config",
                "below one top-up (1,000)",
            ),
        ];
        for (change, status, code, words) in refusals {
            let (got, body) = put_settings(&app, &t.admin, &change).await;
            assert_eq!(
                (got, body["error"]["code"].as_str()),
                (status, Some(code)),
                "{body}"
            );
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(words), "{message}");
        }
        let (_, team) = call(&app, Method::GET, &path("/team"), Some(&t.admin), None).await;
        assert_eq!(
            member_spend(&team, "m_jonas")["cap"],
            50,
            "the cap is unchanged"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let before = (
            available(&app, &t.admin).await,
            entry_count(&app, &t.admin).await,
        );
        let event = |amount: Value| {
            json!({"events": [{"key": "k", "meter": "credits", "amount": amount}]}).to_string()
        };
        let too_many = json!({"events": (0..1001).map(|i| json!({"key": format!("k{i}"), "meter": "credits", "amount": 1})).collect::<Vec<_>>()}).to_string();
        let cases: Vec<(Method, String, Option<String>, StatusCode, &str)> = vec![
            (
                Method::POST,
                path("/usage"),
                Some("{\"events\": [".into()),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(event(json!("12"))),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(event(json!(-5))),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(event(json!(0))),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(event(json!(1.5))),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(too_many),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(
                    r#"{"events": [{"key": "bad key!", "meter": "credits", "amount": 1}]}"#.into(),
                ),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                Method::POST,
                path("/usage"),
                Some(r#"{"events": [], "extra": 1}"#.into()),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                Method::POST,
                path("/holds/999999/capture"),
                Some(r#"{"key": "c", "amount": 5}"#.into()),
                StatusCode::NOT_FOUND,
                "unknown_entry",
            ),
            (
                Method::POST,
                path("/refunds"),
                Some(r#"{"key": "r", "of": 424242}"#.into()),
                StatusCode::NOT_FOUND,
                "unknown_entry",
            ),
            (
                Method::GET,
                path("/ledger?size=100000"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                Method::GET,
                path("/ledger?page=0"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                Method::GET,
                path("/ledger?page=abc"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                Method::GET,
                path("/ledger?kind=teleport"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_id",
            ),
            (
                Method::GET,
                path("/usage?from=2026-02-30&to=2026-03-01"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_date",
            ),
            (
                Method::GET,
                path("/usage?period=forever"),
                None,
                StatusCode::BAD_REQUEST,
                "unknown_period",
            ),
        ];
        for (method, uri, body, status, code) in cases {
            let token = if uri.contains("/usage") && method == Method::POST
                || uri.contains("/holds")
                || uri.contains("/refunds")
            {
                &t.service
            } else {
                &t.admin
            };
            let (got, answer) =
                call(&app, method.clone(), &uri, Some(token), body.as_deref()).await;
            assert_eq!(got, status, "{method} {uri}: {answer}");
            assert_eq!(answer["error"]["code"], code, "{method} {uri}: {answer}");
            let message = answer["error"]["message"].as_str().unwrap_or("");
            assert!(
                message.len() > 10,
                "{method} {uri}: the message says what is wrong: {answer}"
            );
        }
        let (status, _) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some("{}"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let after = (
            available(&app, &t.admin).await,
            entry_count(&app, &t.admin).await,
        );
        assert_eq!(
            before, after,
            "{}: bad input changed the ledger",
            db.backend
        );
    }
}

/// Issue 20, "member caps across a month": a release or a refund in a new month made that
/// month's spend negative, so a member's cap could be spent twice. Three processes over one
/// database, their clocks on Jan 31 and Feb 1: the one that writes the release and the refund,
/// and the one that starts after them and replays everything, both hold February's cap.
#[tokio::test]
async fn member_caps_across_a_month_a_release_or_refund_in_a_new_month_makes_no_room() {
    let jan31: chrono::DateTime<chrono::Utc> = "2027-01-31T12:00:00Z".parse().unwrap();
    let feb1: chrono::DateTime<chrono::Utc> = "2027-02-01T18:00:00Z".parse().unwrap();
    for db in each_backend().await {
        let (_, t) = server(&db, 0).await;
        let process = |now| process_at(&db, now);
        let post = |app: axum::Router, token: String, uri: String, body: Value| async move {
            post(&app, &token, &uri, &body).await
        };
        let jonas = json!({"member": "m_jonas"});
        let january = process(jan31).await;
        let cap = json!({"member_cap": {"member": "m_jonas", "meter": "credits", "monthly": 100}});
        let (status, body) = put_settings(&january, &t.admin, &cap).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (_, held) = post(
            january.clone(),
            t.service.clone(),
            path("/holds"),
            json!({"key": "render-jan", "meter": "credits", "amount": 80, "usage": jonas, "expires_in": 2 * 86_400}),
        )
        .await;
        let hold = held["entries"][0]["id"].as_u64().expect("a hold");
        let (_, used) = post(
            january.clone(),
            t.service.clone(),
            path("/usage"),
            json!({"events": [{"key": "job-jan", "meter": "credits", "amount": 20, "usage": jonas}]}),
        )
        .await;
        let charge = used["results"][0]["entry"].as_u64().expect("a charge");

        let february = process(feb1).await;
        let (status, body) = post(
            february.clone(),
            t.service.clone(),
            path(&format!("/holds/{hold}/release")),
            json!({"key": "render-jan-failed", "status": "failed"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = post(
            february.clone(),
            t.service.clone(),
            path("/refunds"),
            json!({"key": "job-jan-refund", "of": charge}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, team) = call(&february, Method::GET, &path("/team"), Some(&t.admin), None).await;
        assert_eq!(
            member_spend(&team, "m_jonas")["this_month"],
            0,
            "{}: February's spend is not below nothing",
            db.backend
        );
        // February's cap is 100, once: in this process and in one started afterwards.
        let consume = |key: &str, amount: i64| json!({"events": [{"key": key, "meter": "credits", "amount": amount, "usage": jonas}]});
        let (_, first) = post(
            february.clone(),
            t.service.clone(),
            path("/usage"),
            consume("feb-1", 100),
        )
        .await;
        assert_eq!(first["accepted"], 1, "{first}");
        for (app, key) in [(february, "feb-2"), (process(feb1).await, "feb-3")] {
            let (_, more) = post(app, t.service.clone(), path("/usage"), consume(key, 1)).await;
            assert_eq!(
                more["results"][0]["error"]["code"], "member_cap_reached",
                "{}: {more}",
                db.backend
            );
        }
    }
}

/// Issue 20, "the database does not guard the ledger": whatever writes to the database, an
/// entry's key is written once per account and an entry is never changed or removed.
#[tokio::test]
async fn the_database_guards_the_ledger_keys_once_entries_never_changed() {
    use creditboard_server::db::Db;
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let event = json!({"events": [{"key": "job-1", "meter": "credits", "amount": 5}]});
        let (_, used) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&event.to_string()),
        )
        .await;
        assert_eq!(used["accepted"], 1, "{used}");
        let before = (
            available(&app, &t.admin).await,
            entry_count(&app, &t.admin).await,
        );
        let store = Db::connect(&db.url).await.expect("connect");
        let copy_with_next_id = "INSERT INTO entries (account, id, at_ms, meter, kind, amount, op_key, body) \
             SELECT account, id + 1000, at_ms, meter, kind, amount, op_key, body FROM entries \
             WHERE account = 'acme' AND op_key = 'job-1'";
        for (what, sql) in [
            (
                "an UPDATE",
                "UPDATE entries SET amount = 0 WHERE account = 'acme'",
            ),
            ("a DELETE", "DELETE FROM entries WHERE account = 'acme'"),
            ("a second entry with the same key", copy_with_next_id),
        ] {
            let refused = match &store {
                Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.err(),
                Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.err(),
            };
            let refused = refused.unwrap_or_else(|| panic!("{}: {what} went through", db.backend));
            let said = refused.to_string();
            assert!(
                said.contains("immutable") || said.to_lowercase().contains("unique"),
                "{}: {what}: {said}",
                db.backend
            );
        }
        let after = (
            available(&app, &t.admin).await,
            entry_count(&app, &t.admin).await,
        );
        assert_eq!(before, after, "{}", db.backend);
    }
}

/// Whatever writes to the database, an entry names an account that exists, and an account
/// that holds entries is never removed (PostgreSQL checks it once per statement, not per row).
#[tokio::test]
async fn every_entry_names_an_account_the_database_keeps() {
    use creditboard_server::db::Db;
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let event = json!({"events": [{"key": "job-1", "meter": "credits", "amount": 5}]});
        let (_, used) = post(&app, &t.service, &path("/usage"), &event).await;
        assert_eq!(used["accepted"], 1, "{used}");
        let entries = entry_count(&app, &t.admin).await;
        let store = Db::connect(&db.url).await.expect("connect");
        let copy_to = |account: &str| {
            format!(
                "INSERT INTO entries (account, id, at_ms, meter, kind, amount, op_key, body) \
                 SELECT '{account}', id, at_ms, meter, kind, amount, op_key, body FROM entries \
                 WHERE account = 'acme' AND op_key = 'job-1'"
            )
        };
        let run = |sql: String| {
            let store = &store;
            async move {
                match store {
                    Db::Sqlite(pool) => sqlx::query(&sql).execute(pool).await.map(drop),
                    Db::Postgres(pool) => sqlx::query(&sql).execute(pool).await.map(drop),
                }
            }
        };
        let refused_as_foreign_key = |what: &str, result: Result<(), sqlx::Error>| {
            let e = result.expect_err(&format!("{}: {what} went through", db.backend));
            let kind = e.as_database_error().map(|d| d.kind());
            assert!(
                matches!(kind, Some(sqlx::error::ErrorKind::ForeignKeyViolation)),
                "{}: {what}: {e}",
                db.backend
            );
        };
        refused_as_foreign_key(
            "an entry of an account that does not exist",
            run(copy_to("nobody")).await,
        );
        // An account with nothing but an entry: only the entry keeps it.
        run("INSERT INTO accounts (id, config, rate_card, opened_at) \
             SELECT 'bare', config, rate_card, opened_at FROM accounts WHERE id = 'acme'"
            .into())
        .await
        .expect("another account");
        run(copy_to("bare")).await.expect("its entry");
        refused_as_foreign_key(
            "removing an account with entries",
            run("DELETE FROM accounts WHERE id = 'bare'".into()).await,
        );
        let bare: i64 = match &store {
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE account = 'bare'")
                    .fetch_one(pool)
                    .await
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE account = 'bare'")
                    .fetch_one(pool)
                    .await
            }
        }
        .expect("count");
        assert_eq!(bare, 1, "{}: the account and its entry stay", db.backend);
        assert_eq!(entry_count(&app, &t.admin).await, entries, "{}", db.backend);
    }
}

/// PostgreSQL takes a batch's entries as COPY text, where a backslash starts an escape: text
/// full of backslashes, quotes and escapes' letters is stored exactly as written, as another
/// process reading it back shows.
#[tokio::test]
async fn text_is_stored_exactly_as_written() {
    let said = r#"Render "C:\jobs\new\table" \N \t\n é ✓ 🎬"#;
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state);
        let event = json!({"events": [{"key": "job-1", "meter": "credits", "amount": 5,
            "usage": {"description": said, "member": "m_jonas"}}]});
        let (_, used) = post(&app, &t.service, &path("/usage"), &event).await;
        assert_eq!(used["accepted"], 1, "{used}");
        let other = process_at(&db, chrono::Utc::now()).await;
        let (status, page) = call(
            &other,
            Method::GET,
            &path("/ledger?kind=consume"),
            Some(&t.admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            page["rows"][0]["entry"]["usage"]["description"], said,
            "{}",
            db.backend
        );
    }
}

/// A client that goes away drops its request wherever its write is: the write runs to its
/// end (left half-way, SQLite's connection stayed inside its transaction and the next writes
/// found the database locked; PostgreSQL's could be left in the middle of a `COPY`). The
/// server answers on, and what it holds is what another process reads from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_anywhere_in_its_write_leaves_the_server_answering() {
    for db in each_backend().await {
        let (state, t) = server(&db, 100_000).await;
        let app = router(state);
        for n in 0..60u64 {
            let events: Vec<Value> = (0..1000)
                .map(|i| json!({"key": format!("d{n}-{i}"), "meter": "credits", "amount": 1}))
                .collect();
            let batch = json!({ "events": events });
            // From at once to about a whole write's time: some land in its COPY.
            let give_up = std::time::Duration::from_micros(400 * n);
            let _ = tokio::time::timeout(give_up, post(&app, &t.service, &path("/usage"), &batch))
                .await;
            let one =
                json!({"events": [{"key": format!("after-{n}"), "meter": "credits", "amount": 1}]});
            let (status, body) = post(&app, &t.service, &path("/usage"), &one).await;
            assert_eq!(
                (status, body["accepted"].clone()),
                (StatusCode::OK, json!(1)),
                "{}: the write after a request dropped at {give_up:?}: {body}",
                db.backend
            );
        }
        let other = process_at(&db, chrono::Utc::now()).await;
        assert_eq!(
            available(&app, &t.admin).await,
            available(&other, &t.admin).await,
            "{}",
            db.backend
        );
    }
}

/// serde would read a struct from a JSON array (`[93]` for `{"ttl_seconds": 93}`): every
/// documented body is refused in another shape than its own, and the estimate, whose body is
/// an array, still takes one.
#[tokio::test]
async fn a_body_of_another_shape_than_documented_is_refused() {
    let db = sqlite();
    let (state, t) = server(&db, 0).await;
    let app = router(state);
    let before = (
        available(&app, &t.admin).await,
        entry_count(&app, &t.admin).await,
    );
    let (_, doc) = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    let mut refused = 0;
    for (route, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") else {
                continue;
            };
            // The other shape: an array for an object, an object for an array.
            let wrong = if schema["type"] == "array" {
                r#"{"lines": []}"#
            } else {
                "[93]"
            };
            let uri = route.replace("{account}", ACCOUNT).replace("{hold}", "41");
            let token = if op["tags"][0] == "ingest" {
                &t.service
            } else {
                &t.admin
            };
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, answer) = call(&app, method.clone(), &uri, Some(token), Some(wrong)).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_body")),
                "{method} {uri} with {wrong}: {answer}"
            );
            refused += 1;
        }
    }
    assert!(refused >= 10, "only {refused} documented bodies");
    let after = (
        available(&app, &t.admin).await,
        entry_count(&app, &t.admin).await,
    );
    assert_eq!(before, after, "a refused body changed the ledger");
    let line = json!([{"feature": "voiceover", "quantity": 10}]).to_string();
    let (status, estimate) = call(
        &app,
        Method::POST,
        &path("/estimate"),
        Some(&t.admin),
        Some(&line),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{estimate}");
}

/// Every endpoint, as every kind of caller: what each may do, and that another account's
/// data is a 404 exactly like an account that does not exist.
#[tokio::test]
async fn authorization_matrix() {
    let db = sqlite();
    let (state, t) = server(&db, 1_000_000).await;
    let app = router(state);
    // A hold to settle and a charge to refund.
    let hold = json!({"key": "h", "meter": "credits", "amount": 10});
    let (_, held) = post(&app, &t.service, &path("/holds"), &hold).await;
    let hold = held["entries"][0]["id"].as_u64().unwrap();
    let used = json!({"events": [{"key": "u", "meter": "credits", "amount": 10}]});
    let (_, used) = post(&app, &t.service, &path("/usage"), &used).await;
    let charge = used["results"][0]["entry"].as_u64().unwrap();
    // A shot of the member's batch: they settle it, and an admin may release it.
    let batch = json!({"key": "shots", "lines": [{"feature": "voiceover", "quantity": 5}]});
    let (_, shots) = post(&app, &t.member, &path("/batches"), &batch).await;
    let shot = shots[0]["hold"].as_u64().unwrap();
    let (config, _) = common::account(ACCOUNT);
    let admin_id = config
        .members
        .iter()
        .find(|m| m.role == creditboard_domain::config::Role::Admin)
        .unwrap()
        .id
        .clone();

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Who {
        Admin,
        Member,
        Service,
        Embed,
        Host,
    }
    use Who::*;
    // (method, path, body, who may)
    let settle = format!(r#"{{"key":"s","hold":{shot},"outcome":"failed"}}"#);
    let refund = format!(r#"{{"key":"rf","of":{charge},"amount":1}}"#);
    let endpoints: Vec<(Method, String, Option<String>, &[Who])> = vec![
        (Method::GET, "".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/rate-card".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/balance".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/usage?period=last_30_days".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/ledger".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/ledger/export".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/ledger.csv".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/notifications".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::GET, "/team".into(), None, &[Admin, Member, Service, Embed, Host]),
        (Method::POST, "/estimate".into(), Some(r#"[{"feature":"voiceover","quantity":10}]"#.into()), &[Admin, Member, Service, Embed, Host]),
        (Method::POST, "/top-ups/simulate".into(), Some(r#"{"meter":"credits","settings":{"enabled":true,"threshold":100,"amount":{"fixed":1000},"monthly_cap":null}}"#.into()), &[Admin, Member, Service, Embed, Host]),
        (Method::POST, "/purchases".into(), Some(r#"{"meter":"credits","choice":{"pack":"mini"},"key":"p1"}"#.into()), &[Admin]),
        (Method::PUT, "/settings".into(), Some(r#"{"alerts":{"meter":"credits","levels":[{"percent":20}]}}"#.into()), &[Admin, Service, Host]),
        (Method::POST, "/batches".into(), Some(r#"{"key":"b1","lines":[{"feature":"voiceover","quantity":5}]}"#.into()), &[Admin, Member]),
        (Method::POST, format!("/holds/{shot}/settle"), Some(settle), &[Admin, Member]),
        (Method::POST, "/usage".into(), Some(r#"{"events":[{"key":"u2","meter":"credits","amount":1}]}"#.into()), &[Service, Host]),
        (Method::POST, "/holds".into(), Some(r#"{"key":"h2","meter":"credits","amount":1}"#.into()), &[Service, Host]),
        (Method::POST, format!("/holds/{hold}/capture"), Some(r#"{"key":"c2","amount":1}"#.into()), &[Service, Host]),
        (Method::POST, format!("/holds/{hold}/release"), Some(r#"{"key":"r2"}"#.into()), &[Service, Host]),
        (Method::POST, "/refunds".into(), Some(refund), &[Service, Host]),
        (Method::POST, "/embed-tokens".into(), Some("{}".into()), &[Admin, Service, Host]),
        (Method::PATCH, "".into(), Some(r#"{"plan":"pro"}"#.into()), &[Service, Host]),
        (Method::POST, "/members".into(), Some(r#"{"id":"m_new","name":"Nia New","role":"member"}"#.into()), &[Service, Host]),
        (Method::PATCH, "/members/m_new".into(), Some(r#"{"role":"admin"}"#.into()), &[Service, Host]),
        (Method::DELETE, "/members/m_new".into(), None, &[Service, Host]),
        (Method::POST, "/grants".into(), Some(r#"{"key":"g1","meter":"credits","amount":5,"reason":"Welcome credits"}"#.into()), &[Service, Host]),
        (Method::POST, "/adjustments".into(), Some(r#"{"key":"a1","meter":"credits","amount":-5,"reason":"Correction"}"#.into()), &[Service, Host]),
        (Method::POST, "/sessions".into(), Some(format!(r#"{{"member":"{admin_id}"}}"#)), &[Service, Host]),
        (Method::POST, "/webhooks".into(), Some(r#"{"url":"http://127.0.0.1:9/hooks","secret":"0123456789abcdef"}"#.into()), &[Service, Host]),
        (Method::GET, "/webhooks".into(), None, &[Admin, Service, Host]),
        (Method::GET, "/webhook-events".into(), None, &[Admin, Service, Host]),
        (Method::GET, "/audit".into(), None, &[Admin, Service, Host]),
    ];
    let callers = [
        (Admin, &t.admin),
        (Member, &t.member),
        (Service, &t.service),
        (Embed, &t.embed),
        (Host, &t.host),
    ];
    let mut checked = 0;
    for (method, rest, body, allowed) in &endpoints {
        let uri = path(rest);
        for (who, token) in callers {
            let (status, answer) =
                call(&app, method.clone(), &uri, Some(token), body.as_deref()).await;
            if allowed.contains(&who) {
                // Allowed callers are not stopped by authorization (a rule may still refuse,
                // e.g. settling a hold that another caller settled first).
                // (A 404 for what the path names, such as a member removed by the caller
                // before, is not one: only an account hidden from the token is.)
                assert!(
                    !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                        && answer["error"]["code"] != "unknown_account",
                    "{who:?} {method} {uri}: {status} {answer}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who:?} {method} {uri}: {answer}"
                );
            }
            checked += 1;
        }
        // Another account's tokens, no token, an expired token, an unknown account.
        let other = format!("/api/v1/accounts/{OTHER}{rest}");
        for (token, uri, expect) in [
            (
                Some(t.other_admin.as_str()),
                uri.clone(),
                StatusCode::NOT_FOUND,
            ),
            (
                Some(t.other_service.as_str()),
                uri.clone(),
                StatusCode::NOT_FOUND,
            ),
            (Some(t.admin.as_str()), other.clone(), StatusCode::NOT_FOUND),
            (
                Some(t.embed.as_str()),
                other.replace(OTHER, "nobody"),
                StatusCode::NOT_FOUND,
            ),
            (None, uri.clone(), StatusCode::UNAUTHORIZED),
            (
                Some(t.expired_embed.as_str()),
                uri.clone(),
                StatusCode::UNAUTHORIZED,
            ),
            (
                Some("cb_not-a-token"),
                uri.clone(),
                StatusCode::UNAUTHORIZED,
            ),
        ] {
            let (status, answer) = call(&app, method.clone(), &uri, token, body.as_deref()).await;
            assert_eq!(status, expect, "{method} {uri} with {token:?}: {answer}");
            if status == StatusCode::NOT_FOUND {
                assert_eq!(answer["error"]["code"], "unknown_account");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, endpoints.len() * 12);
}

#[tokio::test]
async fn the_openapi_document_in_the_repository_is_the_one_the_code_generates() {
    use utoipa::OpenApi;
    let generated = creditboard_server::routes::ApiDoc::openapi()
        .to_pretty_json()
        .expect("document")
        + "\n";
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("CB_BLESS").is_some() {
        std::fs::write(&file, &generated).expect("write openapi.json");
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        kept == generated,
        "crates/creditboard-server/openapi.json differs from the API the code serves: \
         regenerate it with `CB_BLESS=1 cargo test -p creditboard-server --test api openapi`"
    );
    // And it is what the server serves.
    let db = sqlite();
    let (state, _) = server(&db, 0).await;
    let (status, served) = call(&router(state), Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, serde_json::from_str::<Value>(&generated).unwrap());
}

/// An open dashboard hears about a consume within a second, over real HTTP.
#[tokio::test]
async fn the_live_stream_announces_a_consume_within_a_second() {
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = router(state.clone());
        let addr = listen(state).await;
        let client = reqwest::Client::new();
        let mut stream = client
            .get(format!(
                "http://{addr}{}?access_token={}",
                path("/events"),
                t.embed
            ))
            .send()
            .await
            .expect("subscribe");
        assert_eq!(stream.status(), StatusCode::OK);
        let first = String::from_utf8(
            stream
                .chunk()
                .await
                .expect("read")
                .expect("an event")
                .to_vec(),
        )
        .unwrap();
        assert!(first.contains("event: ledger"), "{first}");
        let last = |text: &str| -> u64 {
            text.rsplit("\"last\":")
                .next()
                .and_then(|s| {
                    s.trim_end_matches(|c: char| !c.is_ascii_digit())
                        .parse()
                        .ok()
                })
                .unwrap_or(0)
        };
        let before = last(&first);
        assert!(before > 0, "{first}");

        let sent = std::time::Instant::now();
        let batch = json!({"events": [{"key": "live-1", "meter": "credits", "amount": 3}]});
        let (status, body) = call(
            &app,
            Method::POST,
            &path("/usage"),
            Some(&t.service),
            Some(&batch.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let next = tokio::time::timeout(std::time::Duration::from_secs(1), stream.chunk())
            .await
            .expect("an event within a second")
            .expect("read")
            .expect("an event");
        let text = String::from_utf8(next.to_vec()).unwrap();
        assert_eq!(
            last(&text),
            body["results"][0]["entry"].as_u64().unwrap(),
            "{text}"
        );
        assert!(sent.elapsed() < std::time::Duration::from_secs(1));
    }
}

/// A billing cycle that began while nobody asked is written by the background pass: the
/// refill (and the lapse of what was left) are stored without a request.
#[tokio::test]
async fn the_background_pass_writes_refills_that_fell_due() {
    use chrono::{Duration, Utc};
    use creditboard_domain::Ledger;
    use creditboard_server::db::Db;
    for db in each_backend().await {
        let store = Db::connect(&db.url).await.expect("connect");
        // Opened 40 days ago, with nothing written since: a cycle start has passed.
        let (config, card) = account(ACCOUNT);
        let opened = Utc::now() - Duration::days(40);
        let ledger = Ledger::open(config.clone(), opened).expect("open");
        store
            .create_account(&config, &card, opened, ledger.entries())
            .await
            .expect("create");
        let before = store
            .entries_after(ACCOUNT, 0)
            .await
            .expect("entries")
            .len();
        let state = creditboard_server::state::AppState::new(store.clone(), None, None);
        creditboard_server::background::once(&state)
            .await
            .expect("a pass");
        let after = store.entries_after(ACCOUNT, 0).await.expect("entries");
        let written: Vec<_> = after[before..].iter().map(|e| e.kind.as_str()).collect();
        assert!(written.contains(&"refill"), "{}: {written:?}", db.backend);
        // What the lapse took and the refill gave leave exactly one allocation.
        let last = after.last().expect("an entry");
        assert_eq!(last.balance_after.get(), INCLUDED, "{}", db.backend);
        // A second pass finds nothing more to write.
        creditboard_server::background::once(&state)
            .await
            .expect("a pass");
        assert_eq!(
            store
                .entries_after(ACCOUNT, 0)
                .await
                .expect("entries")
                .len(),
            after.len()
        );
    }
}

/// Every operation is documented for an integrator: a unique id, a summary, a description,
/// the errors it answers, and an example for each body; and every example is a request the
/// server takes as well-formed (a rule of this account may still refuse it).
#[tokio::test]
async fn every_operation_is_documented_with_an_example_the_server_takes() {
    let db = sqlite();
    let (state, t) = server(&db, 1_000_000).await;
    let app = router(state);
    let (_, doc) = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    let mut ids = std::collections::HashSet::new();
    let mut examples = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            let at = format!("{method} {path}");
            assert!(
                !id.is_empty() && ids.insert(id.clone()),
                "{at}: a unique operationId ({id})"
            );
            for field in ["summary", "description"] {
                assert!(
                    op[field].as_str().is_some_and(|s| s.len() > 10),
                    "{at}: {field}"
                );
            }
            for code in ["401", "500"] {
                assert!(
                    op["responses"].get(code).is_some(),
                    "{at}: documents {code}"
                );
            }
            let Some(body) = op.get("requestBody") else {
                continue;
            };
            let example = &body["content"]["application/json"]["example"];
            assert!(!example.is_null(), "{at}: an example body");
            examples += 1;
            let uri = path
                .replace("{account}", ACCOUNT)
                .replace("{hold}", "41")
                .replace("{member}", "m_jonas")
                .replace("{id}", "evt_000000000000000000000000");
            // Members buy and hold batches; the host does the rest.
            let token = match id.as_str() {
                "buy" | "hold_batch" | "settle" => &t.admin,
                _ => &t.host,
            };
            let method: Method = method.to_uppercase().parse().unwrap();
            let (status, answer) =
                call(&app, method, &uri, Some(token), Some(&example.to_string())).await;
            assert!(
                status != StatusCode::UNSUPPORTED_MEDIA_TYPE
                    && answer["error"]["code"] != "invalid_body"
                    && answer["error"]["code"] != "bad_request",
                "{at}: its example is refused as malformed: {status} {answer}"
            );
        }
    }
    assert!(examples >= 20, "{examples} examples");
}

/// `/api/docs` renders the document with the files the build copied beside the app, and says
/// where the document is when there is no app.
#[tokio::test]
async fn the_api_reference_is_served_from_the_apps_files() {
    let db = sqlite();
    let store = creditboard_server::db::Db::connect(&db.url).await.unwrap();
    let bare = creditboard_server::state::AppState::new(store.clone(), None, None);
    let (status, _) = call(&router(bare.clone()), Method::GET, "/api/docs", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let page = |state| async move {
        let response = tower::ServiceExt::oneshot(
            router(state),
            axum::http::Request::get("/api/docs")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    let without = page(bare).await;
    assert!(without.contains("/api/openapi.json") && !without.contains("swagger-ui-bundle"));
    let app = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(app.path().join("api-docs")).unwrap();
    std::fs::write(app.path().join("api-docs/swagger-ui-bundle.js"), "//").unwrap();
    let with =
        creditboard_server::state::AppState::new(store, Some(app.path().to_path_buf()), None);
    let html = page(with.clone()).await;
    assert!(html.contains("/api-docs/swagger-ui-bundle.js") && html.contains("/api/docs/init.js"));
    let (status, _) = call(&router(with), Method::GET, "/api/docs/init.js", None, None).await;
    assert_eq!(status, StatusCode::OK);
}
