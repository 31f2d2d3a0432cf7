//! How answers are served, read from real HTTP answers of a server on a loopback port: the
//! compressed copy the client accepts, caching by the file's name, the security headers and
//! the Content-Security-Policy on every answer (its script hashes computed here from the
//! page), unknown routes and methods as the API's errors, and the read deadlines.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use base64::Engine;
use common::*;
use creditboard_server::connections::{self, Timeouts};
use creditboard_server::db::Db;
use creditboard_server::serving::FrameAncestors;
use creditboard_server::state::AppState;
use creditboard_server::{Config, router_with, start};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HASHED_JS: &str = "app-0123456789abcdef.js";
const HASHED_WASM: &str = "app_bg-fedcba9876543210.wasm";
const INLINE_CLASSIC: &str = "window.started = true;";
const INLINE_MODULE: &str = "import './app-0123456789abcdef.js';";
const FRAMED_BY: &str = "'self' https://host.example:8443";

/// Short deadlines, so the tests that wait for them take a second or two.
const TIMEOUTS: Timeouts = Timeouts {
    header_read: Duration::from_millis(800),
    body_read: Duration::from_millis(800),
};

/// A built app in miniature: the page with two inline scripts, a hashed script and module
/// and an unhashed one, each with the copies the build compresses (marked so the test can
/// tell which was sent).
fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "index.html",
        &format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n  <head>\n    <title>t</title>\n    \
             <script>{INLINE_CLASSIC}</script>\n    <script type=\"module\">{INLINE_MODULE}</script>\n  \
             </head>\n  <body></body>\n</html>\n"
        ),
    );
    for name in [HASHED_JS, HASHED_WASM, "embed.js"] {
        write(name, &format!("identity {name}"));
        write(&format!("{name}.br"), &format!("brotli {name}"));
        write(&format!("{name}.gz"), &format!("gzip {name}"));
    }
    dir
}

/// Serves `state` as the binary does (its listener, its deadlines shortened).
async fn serve(state: AppState, frame_ancestors: &str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router_with(state, frame_ancestors.parse().unwrap());
    tokio::spawn(connections::serve(
        listener,
        app,
        TIMEOUTS,
        std::future::pending(),
    ));
    addr
}

/// A server over a fresh database with `dir` as its app, and the seeded tokens.
async fn server(dir: &Path) -> (SocketAddr, Tokens, TestDb) {
    let db = sqlite();
    let store = Db::connect(&db.url).await.unwrap();
    let tokens = seed(&store, 0).await;
    let state = AppState::new(store, Some(dir.to_path_buf()), None);
    (serve(state, FRAMED_BY).await, tokens, db)
}

/// A client that neither decompresses nor follows anything: the answers as sent.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(addr: SocketAddr, path: &str, accept: &str) -> (StatusCode, HeaderMap, String) {
    fetch(
        addr,
        reqwest::Method::GET,
        path,
        &[("accept-encoding", accept)],
    )
    .await
}

async fn fetch(
    addr: SocketAddr,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut request = client().request(method, format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map_or("", |v| v.to_str().unwrap_or("(not text)"))
}

/// The CSP's directives by name.
fn directives(headers: &HeaderMap) -> std::collections::BTreeMap<String, Vec<String>> {
    header(headers, "content-security-policy")
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace().map(str::to_string);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// Every answer's headers, whatever made it: a page's policy allows the app, any other
/// answer's allows nothing.
fn assert_secured(headers: &HeaderMap, page: bool, what: &str) {
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(
        header(headers, "cross-origin-opener-policy"),
        "same-origin",
        "{what}"
    );
    assert!(headers.get("x-frame-options").is_none(), "{what}");
    let csp = directives(headers);
    if !page {
        assert_eq!(csp["default-src"], ["'none'"], "{what}");
        assert_eq!(csp["frame-ancestors"], ["'none'"], "{what}");
        assert_eq!(csp.len(), 2, "{what}");
        return;
    }
    assert_eq!(csp["default-src"], ["'self'"], "{what}");
    assert_eq!(csp["object-src"], ["'none'"], "{what}");
    assert_eq!(csp["connect-src"], ["'self'"], "{what}");
    assert_eq!(csp["worker-src"], ["'self'", "blob:"], "{what}");
    assert_eq!(csp["img-src"], ["'self'", "data:"], "{what}");
    assert_eq!(csp["style-src-elem"], ["'self'"], "{what}");
    assert_eq!(csp["base-uri"], ["'self'"], "{what}");
    assert_eq!(csp["form-action"], ["'self'"], "{what}");
    assert_eq!(
        csp["frame-ancestors"],
        ["'self'", "https://host.example:8443"],
        "{what}: the operator's sources"
    );
    let scripts = &csp["script-src"];
    assert_eq!(scripts[..2], ["'self'", "'wasm-unsafe-eval'"], "{what}");
    assert!(
        !scripts
            .iter()
            .any(|s| s.contains("unsafe-inline") || s == "'unsafe-eval'"),
        "{what}: {scripts:?}"
    );
}

/// `'sha256-…'` of a script's text, computed here.
fn script_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

#[tokio::test]
async fn files_come_compressed_as_accepted_and_cached_by_their_names() {
    let dir = app_dir();
    let (addr, _, _db) = server(dir.path()).await;

    let path = format!("/{HASHED_JS}");
    for (accept, encoding, body) in [
        ("gzip, deflate, br", "br", "brotli"),
        ("br;q=0.5, gzip", "gzip", "gzip"),
        ("gzip", "gzip", "gzip"),
        ("identity", "", "identity"),
        ("", "", "identity"),
    ] {
        let (status, headers, text) = get(addr, &path, accept).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        assert_eq!(header(&headers, "content-encoding"), encoding, "{accept}");
        assert_eq!(text, format!("{body} {HASHED_JS}"), "{accept}");
        assert_eq!(
            header(&headers, "content-type"),
            "text/javascript",
            "{accept}"
        );
        assert!(
            header(&headers, "vary").contains("accept-encoding"),
            "{accept}"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_secured(&headers, false, &path);
    }

    let (_, headers, text) = get(addr, &format!("/{HASHED_WASM}"), "br").await;
    assert_eq!(header(&headers, "content-type"), "application/wasm");
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert_eq!(text, format!("brotli {HASHED_WASM}"));

    // A name hosts link to: revalidated by its date, unchanged answered 304.
    let (status, headers, text) = get(addr, "/embed.js", "gzip").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, "gzip embed.js");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert_secured(&headers, false, "embed.js");
    let modified = header(&headers, "last-modified").to_string();
    assert!(!modified.is_empty(), "a file says when it changed");
    let (status, headers, _) = fetch(
        addr,
        reqwest::Method::GET,
        "/embed.js",
        &[
            ("if-modified-since", &modified),
            ("accept-encoding", "gzip"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_secured(&headers, false, "embed.js unchanged");

    // A hashed name that is not there (a page from before a new build): not the page.
    let (status, headers, text) = get(addr, "/app-00000000deadbeef.js", "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["error"]["code"],
        "not_found"
    );
}

#[tokio::test]
async fn the_page_names_its_own_inline_scripts_and_is_revalidated() {
    let dir = app_dir();
    let (addr, _, _db) = server(dir.path()).await;
    for path in ["/", "/activity?page=2", "/index.html"] {
        let (status, headers, html) = get(addr, path, "br, gzip").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(INLINE_CLASSIC), "{path}: the page itself");
        assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        assert_secured(&headers, true, path);
        let scripts = &directives(&headers)["script-src"];
        assert_eq!(
            scripts[2..],
            [script_hash(INLINE_CLASSIC), script_hash(INLINE_MODULE)],
            "{path}"
        );

        let etag = header(&headers, "etag").to_string();
        assert!(etag.starts_with('"'), "{path}: a strong ETag");
        let (status, headers, body) = fetch(
            addr,
            reqwest::Method::GET,
            path,
            &[("if-none-match", &etag)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty());
        assert_secured(&headers, true, &format!("{path} unchanged"));
    }
}

#[tokio::test]
async fn api_answers_and_errors_are_never_stored_and_wrong_routes_are_the_apis_errors() {
    let dir = app_dir();
    let (addr, tokens, _db) = server(dir.path()).await;

    let (status, headers, _) = fetch(
        addr,
        reqwest::Method::GET,
        &path("/balance"),
        &[("authorization", &format!("Bearer {}", tokens.admin))],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_secured(&headers, false, "an API answer");
    let (_, headers, _) = get(addr, "/api/openapi.json", "gzip").await;
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_secured(&headers, false, "the API document");
    // JSON is compressed on the fly for a client that accepts it, and only then.
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert!(header(&headers, "vary").contains("accept-encoding"));
    let (_, headers, _) = get(addr, "/api/openapi.json", "br, gzip").await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    let (_, headers, text) = get(addr, "/api/openapi.json", "identity").await;
    assert_eq!(header(&headers, "content-encoding"), "");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    let (_, headers, _) = get(addr, "/api/docs", "gzip").await;
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_secured(&headers, true, "the API reference");

    for (method, path, status, code, allow) in [
        ("GET", "/api/v1/nope", 404, "not_found", ""),
        ("POST", "/api/v1/nope", 404, "not_found", ""),
        ("GET", "/api", 404, "not_found", ""),
        (
            "DELETE",
            "/api/openapi.json",
            405,
            "method_not_allowed",
            "GET,HEAD",
        ),
        ("PUT", "/", 405, "method_not_allowed", "GET,HEAD"),
        ("PUT", "/activity", 405, "method_not_allowed", "GET,HEAD"),
        ("POST", "/embed.js", 405, "method_not_allowed", "GET,HEAD"),
        (
            "DELETE",
            "/index.html",
            405,
            "method_not_allowed",
            "GET,HEAD",
        ),
        ("GET", &path("/nope"), 404, "not_found", ""),
    ] {
        let what = format!("{method} {path}");
        let (got, headers, text) = fetch(
            addr,
            method.parse().unwrap(),
            path,
            &[("authorization", &format!("Bearer {}", tokens.admin))],
        )
        .await;
        assert_eq!(got.as_u16(), status, "{what}: {text}");
        let body: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{what}: the API's error shape, not “{text}”"));
        assert_eq!(body["error"]["code"], code, "{what}");
        assert!(body["error"]["message"].as_str().is_some(), "{what}");
        assert_eq!(header(&headers, "allow"), allow, "{what}");
        assert_eq!(header(&headers, "cache-control"), "no-store", "{what}");
        assert_secured(&headers, false, &what);
    }
    // A path under a nested router is named whole.
    let (_, _, text) = fetch(
        addr,
        reqwest::Method::PATCH,
        &path("/usage"),
        &[("authorization", &format!("Bearer {}", tokens.admin))],
    )
    .await;
    assert!(text.contains(&path("/usage")), "{text}");
}

#[tokio::test]
async fn the_demo_page_carries_a_token_so_it_is_never_stored_and_its_script_is_allowed() {
    let db = sqlite();
    let dir = app_dir();
    let state = start(&Config {
        database_url: db.url.clone(),
        app_dir: Some(dir.path().to_path_buf()),
        demo: true,
        payments: None,
        clock: None,
        frame_ancestors: FrameAncestors::default(),
    })
    .await
    .unwrap();
    let addr = serve(state, FRAMED_BY).await;
    let (status, headers, html) = get(addr, "/?preset=videogen", "gzip").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert!(headers.get("etag").is_none(), "nothing to revalidate");
    let start = html.find("<script>window.creditboardServer").unwrap() + "<script>".len();
    let injected = &html[start..start + html[start..].find("</script>").unwrap()];
    assert!(injected.contains("\"token\""), "{injected}");
    let scripts = &directives(&headers)["script-src"];
    for script in [injected, INLINE_CLASSIC, INLINE_MODULE] {
        assert!(
            scripts.contains(&script_hash(script)),
            "{script}: {scripts:?}"
        );
    }
}

#[tokio::test]
async fn a_client_that_sends_slowly_is_cut_off_and_a_stream_is_not() {
    let dir = app_dir();
    let (addr, tokens, _db) = server(dir.path()).await;

    // Half a head, then nothing: closed once the head's deadline passes.
    let started = Instant::now();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .unwrap();
    assert!(started.elapsed() >= TIMEOUTS.header_read);
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "no page for half a head"
    );

    // A head, then a body that trickles: 408 in the API's error shape.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"events\": [",
        path("/usage"),
        tokens.service
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");

    // The live stream outlasts both deadlines.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nAccept: text/event-stream\r\n\r\n",
        path("/events"),
        tokens.admin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = [0u8; 4096];
    let n = stream.read(&mut buffer).await.unwrap();
    assert!(
        String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buffer[..n])
    );
    let until = Instant::now() + 3 * TIMEOUTS.header_read;
    while Instant::now() < until {
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await {
            Ok(Ok(0)) => panic!("the stream was closed"),
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => panic!("the stream failed: {e}"),
        }
    }
}

#[test]
fn a_bad_frame_ancestor_is_refused_at_start_with_the_reason() {
    let binary = env!("CARGO_BIN_EXE_creditboard-server");
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/never.db", dir.path().display());
    let run = |args: &[&str], env: Option<&str>| {
        let mut command = std::process::Command::new(binary);
        command
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("DATABASE_URL", &database)
            .env_remove("CB_FRAME_ANCESTORS");
        if let Some(value) = env {
            command.env("CB_FRAME_ANCESTORS", value);
        }
        command.output().unwrap()
    };
    for (args, env, reason) in [
        (
            &["--frame-ancestors", "https://*.example.com"][..],
            None,
            "wildcards",
        ),
        (
            &["--frame-ancestors", "https://host.example/settings"][..],
            None,
            "no path",
        ),
        (
            &["--frame-ancestors", "'none' https://host.example"][..],
            None,
            "alone",
        ),
        (
            &["--frame-ancestors", "javascript:alert(1)"][..],
            None,
            "http://",
        ),
        (&[][..], Some("'unsafe-inline'"), "CB_FRAME_ANCESTORS"),
    ] {
        let out = run(args, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} {env:?} was accepted");
        assert!(stderr.contains(reason), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains("frame"), "{stderr}");
    }
    assert!(
        !dir.path().join("never.db").exists(),
        "refused before anything is opened"
    );
}
