//! Demo mode: the page names an account and a member token; `session` gives a visitor (or a
//! test) a private copy of a preset's account that nobody else's clicks change.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use creditboard_server::{Config, router, start};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The page at `uri`: status and HTML.
async fn page(app: &Router, uri: &str) -> (StatusCode, String) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// What the page tells the app (`window.creditboardServer = {…};`), if anything.
fn page_config(html: &str) -> Option<Value> {
    let start = html.find("window.creditboardServer = ")? + "window.creditboardServer = ".len();
    let end = start + html[start..].find(";</script>")?;
    Some(serde_json::from_str(&html[start..end]).unwrap())
}

/// The first meter's available balance for the account and token a page names.
async fn available_on(app: &Router, config: &Value) -> i64 {
    let api = config["api"].as_str().unwrap();
    let token = config["token"].as_str().unwrap();
    let (status, body) = call(
        app,
        Method::GET,
        &format!("{api}/balance"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["meters"][0]["balance"]["available"].as_i64().unwrap()
}

#[tokio::test]
async fn a_session_is_a_private_copy_of_the_demo_account() {
    let db = sqlite();
    let app_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        app_dir.path().join("index.html"),
        "<!doctype html><html><head><title>t</title></head><body></body></html>",
    )
    .unwrap();
    let state = start(&Config {
        database_url: db.url.clone(),
        app_dir: Some(app_dir.path().to_path_buf()),
        demo: true,
        payments: None,
        frame_ancestors: Default::default(),
        clock: Some(
            chrono::DateTime::parse_from_rfc3339("2026-11-21T15:30:00Z")
                .unwrap()
                .into(),
        ),
    })
    .await
    .unwrap();
    let app = router(state.clone());
    let accounts_before = state.db().account_ids().await.unwrap();

    let (status, html) = page(&app, "/billing?preset=videogen").await;
    assert_eq!(status, StatusCode::OK);
    let shared = page_config(&html).unwrap();
    let (_, html) = page(&app, "/billing?preset=videogen&session=alpha").await;
    let alpha = page_config(&html).unwrap();
    assert_ne!(alpha["api"], shared["api"], "a session has its own account");
    let start_balance = available_on(&app, &shared).await;
    assert_eq!(
        available_on(&app, &alpha).await,
        start_balance,
        "a copy of the same history"
    );

    // The session's admin buys a pack: the session's account has it, nobody else's does.
    let api = alpha["api"].as_str().unwrap();
    let token = alpha["token"].as_str().unwrap();
    let (_, account) = call(&app, Method::GET, api, Some(token), None).await;
    let pack = account["offers"][0]["packs"][0].clone();
    let credits = pack["credits"].as_i64().unwrap();
    let buy = json!({"meter": "credits", "choice": {"pack": pack["id"]}, "key": "buy-1"});
    let (status, bought) = call(
        &app,
        Method::POST,
        &format!("{api}/purchases"),
        Some(token),
        Some(&buy.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bought}");
    assert_eq!(available_on(&app, &alpha).await, start_balance + credits);
    assert_eq!(available_on(&app, &shared).await, start_balance);
    let (_, html) = page(&app, "/?preset=videogen&session=beta").await;
    assert_eq!(
        available_on(&app, &page_config(&html).unwrap()).await,
        start_balance
    );
    // The same session again (a reload, another page): the same account, purchase included.
    let (_, html) = page(&app, "/activity?session=alpha&preset=videogen").await;
    let again = page_config(&html).unwrap();
    assert_eq!(again["api"], alpha["api"]);
    assert_eq!(available_on(&app, &again).await, start_balance + credits);
    // `as` picks the member within the session's account.
    let (_, html) = page(&app, "/?preset=videogen&session=alpha&as=m_jonas").await;
    let jonas = page_config(&html).unwrap();
    assert_eq!(
        (&jonas["api"], jonas["member"].as_str()),
        (&alpha["api"], Some("m_jonas"))
    );
    let made = state.db().account_ids().await.unwrap();
    assert_eq!(made.len(), accounts_before.len() + 2, "{made:?}");

    // A bad session is named and makes nothing.
    for bad in ["..%2Fx", "a%20b", "", &"x".repeat(41)] {
        let (status, html) = page(&app, &format!("/?preset=videogen&session={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(html.contains("is not valid"), "{html}");
        assert!(page_config(&html).is_none());
    }
    assert_eq!(state.db().account_ids().await.unwrap().len(), made.len());

    // An unknown preset opens the default demo and says so; store=demo names no server.
    let (_, html) = page(&app, "/?preset=nope").await;
    let config = page_config(&html).unwrap();
    assert_eq!(config["api"], shared["api"]);
    assert!(
        config["notices"][0]
            .as_str()
            .unwrap()
            .contains("There is no product preset “nope”")
    );
    let (_, html) = page(&app, "/?preset=videogen&store=demo").await;
    assert!(page_config(&html).is_none());
}
