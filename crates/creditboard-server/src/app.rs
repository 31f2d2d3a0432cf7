//! The built dashboard, served beside the API: files from the app's directory, and for any
//! other path the page itself (deep links such as `/activity?page=2` load the app, whose
//! router takes over). In demo mode the page names the account the query asks for and a
//! member token for it, so the app talks to this server.

use crate::error::ApiError;
use crate::serving;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Unknown paths under `/api`: the API's error shape, not the app.
pub async fn not_found_api(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("there is no {} {}", request.method(), request.uri().path()),
    )
}

/// Whatever is not a route of the API nor a file: under `/api` the API's 404; a file name
/// with a content hash that is not there (a page from before a new build asking for its
/// old files), 404 too rather than the page in its place; another method than GET or HEAD,
/// 405; else the page.
pub async fn fallback(state: State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if serving::is_api(path) || serving::is_content_hashed(path) {
        return not_found_api(request).await.into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut answer = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{path} does not take {}", request.method()),
        )
        .into_response();
        answer
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
        return answer;
    }
    page(state, request).await
}

/// The app's page for a path that is not a file.
pub async fn page(State(s): State<AppState>, request: Request) -> Response {
    if serving::is_api(request.uri().path()) {
        return not_found_api(request).await.into_response();
    }
    let Some(dir) = s.app_dir() else {
        return not_found_api(request).await.into_response();
    };
    let html = match tokio::fs::read_to_string(dir.join("index.html")).await {
        Ok(html) => html,
        Err(e) => return ApiError::internal(format!("index.html: {e}")).into_response(),
    };
    let query = request.uri().query().unwrap_or("");
    let config = match s.demo() {
        Some(demo) => match demo.page_config(s.db(), query).await {
            Ok(config) => config,
            Err(crate::demo::DemoPageError::BadUrl(why)) => {
                let page = format!(
                    "<!doctype html><html lang=\"en\"><title>Creditboard demo</title>\
                     <p>This demo link cannot be opened: {}.</p></html>",
                    html_escape(&why)
                );
                return (StatusCode::BAD_REQUEST, Html(page)).into_response();
            }
            Err(crate::demo::DemoPageError::Failed(e)) => return e.into_response(),
        },
        None => None,
    };
    // A page with a member's token in it is never stored; any other is revalidated.
    let (html, caching) = match config {
        // Before everything else in <head>: the page's own scripts read it.
        Some(config) => (
            html.replacen(
                "<head>",
                &format!("<head>\n    <script>window.creditboardServer = {config};</script>"),
                1,
            ),
            serving::NO_STORE,
        ),
        None => (html, serving::REVALIDATE),
    };
    ([(header::CACHE_CONTROL, caching)], Html(html)).into_response()
}

/// Text for HTML: the demo's messages quote what the URL said.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
