//! docs/integration.md, run: every request in its ```http blocks is sent, in order, to a
//! fresh server, and must answer the status the page shows. A page that no longer matches
//! the API fails the build.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::http::{Method, StatusCode};
use common::*;

/// One request of the page: method, path, body, the status it answers.
struct Step {
    method: Method,
    path: String,
    body: Option<String>,
    status: u16,
}

fn steps(page: &str, root: &std::path::Path) -> Vec<Step> {
    let mut out = Vec::new();
    for block in page.split("```http\n").skip(1) {
        let block = block.split("\n```").next().unwrap();
        let (request, response) = block
            .split_once("\nHTTP/1.1 ")
            .expect("a block shows its answer");
        let status: u16 = response.split_whitespace().next().unwrap().parse().unwrap();
        let (head, body) = request.split_once("\n\n").unwrap_or((request, ""));
        let first = head.lines().next().unwrap();
        let (method, path) = first.split_once(' ').unwrap();
        let body = body.trim();
        let body = match body.strip_prefix('@') {
            Some(file) => Some(std::fs::read_to_string(root.join(file)).unwrap()),
            None if body.is_empty() => None,
            None => Some(body.to_string()),
        };
        out.push(Step {
            method: method.parse().unwrap(),
            path: path.to_string(),
            body,
            status,
        });
    }
    out
}

#[tokio::test]
async fn every_request_in_the_integration_guide_answers_as_shown() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/integration.md")).unwrap();
    let steps = steps(&page, &root);
    assert!(
        steps.len() >= 12,
        "the guide shows its requests ({})",
        steps.len()
    );
    for db in each_backend().await {
        let (state, t) = server(&db, 0).await;
        let app = creditboard_server::router(state);
        for (i, step) in steps.iter().enumerate() {
            let (status, answer) = call(
                &app,
                step.method.clone(),
                &step.path,
                Some(&t.host),
                step.body.as_deref(),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::from_u16(step.status).unwrap(),
                "{}: step {} ({} {}): {answer}",
                db.backend,
                i + 1,
                step.method,
                step.path
            );
        }
    }
}
