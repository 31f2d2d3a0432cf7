//! How every answer leaves the server, whatever made it (the API, a file, the page, an
//! error): how long it may be kept, the security headers, and a Content-Security-Policy that
//! allows only what the app does. Also the app's files, in the compressed copies the build
//! made (`cargo xtask build` writes `<file>.br` and `<file>.gz`), chosen by `Accept-Encoding`.
//!
//! Caching follows the build's file names: a name with a content hash in it
//! (`creditboard_bg-0123456789abcdef.wasm`, as `xtask/src/dist.rs` and Trunk write them) never
//! changes, so it is kept for a year; everything else (`index.html`, `embed.js`, which hosts
//! link by name) is revalidated on every use; API answers and errors are never stored.
//!
//! The policy's `script-src` names each inline script of the HTML it is sent with by its
//! SHA-256, computed from the answer itself, so the page's own scripts and what the demo
//! writes into it per request run, and nothing else inline does. An answer that is not a
//! page gets a policy that allows nothing ([`NOT_A_PAGE`]).

use crate::error::ApiError;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::services::ServeDir;

/// A content-hashed file never changes under its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Kept, but asked about before each use (`Last-Modified`, or the page's `ETag`).
pub const REVALIDATE: &str = "no-cache";
/// Never kept: API answers (they change with every write) and errors.
pub const NO_STORE: &str = "no-store";

/// What inline styles need: Leptos writes `style` attributes (bar widths, breakdown
/// colours) and ECharts' tooltips are HTML with `style` attributes. Style elements and
/// sheets come from the app's own files only; `style-src` is what browsers without the
/// finer directives fall back on.
const STYLE_SOURCES: &str =
    "style-src 'self' 'unsafe-inline'; style-src-elem 'self'; style-src-attr 'unsafe-inline'";

/// The policy of every answer but HTML (a file, JSON, an error): opened as a document (an
/// SVG, a script), it may load and run nothing and be nobody's frame. A page's policy on the
/// first view's seventy files would add 20 KB of headers, and means nothing to a file that
/// is not a document.
pub const NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";

/// The largest HTML answer whose inline scripts are hashed (the page is a few kilobytes).
const MAX_HTML_BYTES: usize = 1 << 20;

/// Who may show the app in a frame: CSP `frame-ancestors` (`--frame-ancestors`). `'self'`
/// unless the operator names the origins of the hosts that embed the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameAncestors(Vec<String>);

impl Default for FrameAncestors {
    fn default() -> Self {
        FrameAncestors(vec!["'self'".into()])
    }
}

impl FrameAncestors {
    /// The sources as the policy writes them.
    pub fn as_policy(&self) -> String {
        self.0.join(" ")
    }
}

impl std::str::FromStr for FrameAncestors {
    type Err = String;

    /// Sources separated by spaces or commas: `'self'`, `'none'` (alone) or origins such as
    /// `https://host.example` (`http` or `https`, a host, a port if not the default, no path).
    fn from_str(text: &str) -> Result<Self, String> {
        let mut sources: Vec<String> = Vec::new();
        for word in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            let source = frame_source(word)?;
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        if sources.is_empty() {
            return Err(
                "no frame ancestors given: name 'self', 'none' or origins such as https://host.example"
                    .into(),
            );
        }
        if sources.len() > 1 && sources.iter().any(|s| s == "'none'") {
            return Err("'none' stands alone: it means no page may frame the dashboard".into());
        }
        Ok(FrameAncestors(sources))
    }
}

/// One source of `frame-ancestors`, normalized (keywords quoted, origins lower-case without
/// a trailing `/`), or why it is refused.
fn frame_source(word: &str) -> Result<String, String> {
    let bare = word.trim_matches('\'').to_ascii_lowercase();
    if bare == "self" || bare == "none" {
        return Ok(format!("'{bare}'"));
    }
    let not_origin = |why: &str| {
        Err(format!(
            "“{word}” is not a frame ancestor: {why} (give 'self', 'none' or origins such as https://host.example)"
        ))
    };
    let lower = word.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return not_origin("an origin starts with http:// or https://");
    };
    if scheme != "http" && scheme != "https" {
        return not_origin("only http and https pages can embed the dashboard");
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return not_origin("an origin has no path, query or fragment");
    }
    if authority.contains('@') {
        return not_origin("an origin has no user name");
    }
    if authority.contains('*') {
        return not_origin("wildcards are not accepted: name each origin");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !authority.ends_with(']') => {
            (host, Some(port))
        }
        _ => (authority, None),
    };
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return not_origin("its port is not a number from 1 to 65535");
    }
    let ipv6 = host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    let name = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !ipv6 && !name {
        return not_origin("its host is not a host name or an IP address");
    }
    Ok(format!("{scheme}://{authority}"))
}

/// Applies the policy to every answer of `router` (routes and fallbacks), then compresses
/// the API's JSON for clients that accept it.
pub fn apply(router: Router, frame_ancestors: FrameAncestors) -> Router {
    router
        .layer(middleware::from_fn_with_state(
            Arc::new(frame_ancestors),
            every_answer,
        ))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(JSON_QUALITY))
                .compress_when(SizeAbove::new(1024).and(is_json)),
        )
}

/// Brotli and gzip at 4: most of the gain (a 6 KB usage answer sends 1.5 KB) for a fraction
/// of a millisecond on a large ledger page.
const JSON_QUALITY: i32 = 4;

/// JSON answers are compressed on the fly. The page is not (4 KB of the first view's 650 KB,
/// and its strong ETag names one representation), nor what streams: the live stream and
/// `ledger.csv` go out as they are written.
fn is_json(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The app's files from `dir`: the precompressed copy the client accepts (brotli before
/// gzip), else the file itself; `fallback` for any path that is not a file and for methods
/// other than GET and HEAD.
pub fn files<F>(dir: &Path, fallback: F) -> ServeDir<F> {
    ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(fallback)
}

/// Whether a file name carries a content hash: `name-<16 hex digits>.ext`, as the build
/// names what it hashes (and Trunk what it hashes).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = name.split_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(before, hash)| {
        !before.is_empty()
            && hash.len() == 16
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether `path` is the API's (its answers are never stored and never the app's page).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The SHA-256 of each inline script in `html` (base64, as a policy names it): the text
/// between the start and end tags of every `<script>` without `src`, in order, each once.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let tag_start = at + found;
        let after_name = tag_start + "<script".len();
        at = after_name;
        if !lower[after_name..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace()) {
            continue; // `<scripts>` or the like
        }
        let Some(tag_len) = lower[after_name..].find('>') else {
            break;
        };
        let attributes = &lower[after_name..after_name + tag_len];
        let text_start = after_name + tag_len + 1;
        let Some(text_len) = lower[text_start..].find("</script") else {
            break;
        };
        at = text_start + text_len;
        let has_src = attributes
            .split(|c: char| c.is_ascii_whitespace())
            .any(|a| a == "src" || a.starts_with("src="));
        if !has_src {
            let digest = Sha256::digest(&html.as_bytes()[text_start..text_start + text_len]);
            let hash = base64::engine::general_purpose::STANDARD.encode(digest);
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
    }
    hashes
}

/// The policy for an answer whose HTML has these inline scripts (none for anything else).
pub fn content_security_policy(scripts: &[String], frame_ancestors: &FrameAncestors) -> String {
    let hashes: String = scripts.iter().map(|h| format!(" 'sha256-{h}'")).collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         worker-src 'self' blob:; {STYLE_SOURCES}; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {}",
        frame_ancestors.as_policy()
    )
}

/// What the middleware keeps of a request for its answer.
struct Asked {
    path: String,
    /// GET or HEAD: the answers that may be kept and revalidated.
    fetching: bool,
    if_none_match: Option<HeaderValue>,
}

/// An HTML answer, read whole: the hashes of its inline scripts and its ETag.
struct Html {
    scripts: Vec<String>,
    etag: String,
}

/// The middleware: the answer as the handler made it, then its headers.
async fn every_answer(
    State(frame_ancestors): State<Arc<FrameAncestors>>,
    request: Request,
    next: Next,
) -> Response {
    let asked = Asked {
        path: request.uri().path().to_owned(),
        fetching: matches!(*request.method(), Method::GET | Method::HEAD),
        if_none_match: request.headers().get(header::IF_NONE_MATCH).cloned(),
    };
    let (response, html) = read_html(next.run(request).await, &asked.path).await;
    finish(response, html, &asked, &frame_ancestors)
}

/// An HTML answer read whole, so its inline scripts can be named in its policy (the page is
/// a few kilobytes; a compressed one is left as it is, and runs no inline script).
async fn read_html(response: Response, path: &str) -> (Response, Option<Html>) {
    let headers = response.headers();
    if !is_html(headers) || headers.contains_key(header::CONTENT_ENCODING) {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_HTML_BYTES).await {
        Ok(bytes) => {
            let html = Html {
                scripts: inline_script_hashes(&String::from_utf8_lossy(&bytes)),
                etag: format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..12])),
            };
            (Response::from_parts(parts, Body::from(bytes)), Some(html))
        }
        Err(e) => {
            let error = ApiError::internal(format!("the HTML answer for {path}: {e}"));
            (error.into_response(), None)
        }
    }
}

/// Caching, security headers and, for a page that may be kept, its ETag (answered 304 when
/// the client has it).
fn finish(
    mut response: Response,
    html: Option<Html>,
    asked: &Asked,
    frame_ancestors: &FrameAncestors,
) -> Response {
    let api = is_api(&asked.path);
    let status = response.status();
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let rule = if api || status.is_client_error() || status.is_server_error() {
            NO_STORE
        } else if is_content_hashed(&asked.path) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(rule));
    }
    if !api && asked.fetching {
        // The file answered may be a compressed copy: a cache keeps one per encoding.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let policy = if is_html(headers) {
        let scripts = html.as_ref().map_or(&[][..], |h| &h.scripts[..]);
        content_security_policy(scripts, frame_ancestors)
    } else {
        NOT_A_PAGE.to_string()
    };
    set_security_headers(headers, &policy);

    let kept = headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes() != NO_STORE.as_bytes());
    let Some(html) = html.filter(|_| status == StatusCode::OK && kept && asked.fetching) else {
        return response;
    };
    let Ok(etag) = HeaderValue::from_str(&html.etag) else {
        return response;
    };
    let matched = asked
        .if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| matches!(t.trim(), "*") || t.trim() == html.etag)
        });
    response.headers_mut().insert(header::ETAG, etag);
    if matched {
        let (mut parts, _) = response.into_parts();
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn set_security_headers(headers: &mut HeaderMap, policy: &str) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Nothing the app loads or links to needs to know which page asked.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The app opens no other window and is opened by none it talks to.
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(policy) = HeaderValue::from_str(policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_source(text: &str, expected: Result<&str, &str>) {
        let got = text.parse::<FrameAncestors>().map(|f| f.as_policy());
        match (got, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "{text}"),
            (Err(got), Err(part)) => assert!(got.contains(part), "{text}: {got}"),
            (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn frame_ancestors_are_keywords_or_origins() {
        check_source("'self'", Ok("'self'"));
        check_source("self", Ok("'self'"));
        check_source("'none'", Ok("'none'"));
        check_source(
            "'self' https://Host.example:8443/, http://127.0.0.1:5173",
            Ok("'self' https://host.example:8443 http://127.0.0.1:5173"),
        );
        check_source("https://[::1]:8080", Ok("https://[::1]:8080"));
        check_source(
            "https://a.example https://a.example",
            Ok("https://a.example"),
        );
        check_source("", Err("no frame ancestors"));
        check_source("'none' 'self'", Err("stands alone"));
        check_source("host.example", Err("starts with http"));
        check_source("ftp://host.example", Err("only http and https"));
        check_source("https://host.example/settings", Err("no path"));
        check_source("https://*.example.com", Err("wildcards"));
        check_source("https://host.example:99999", Err("port"));
        check_source("https://ho_st.example", Err("host"));
        check_source("'unsafe-inline'", Err("starts with http"));
        check_source("https://user@host.example", Err("user name"));
    }

    #[test]
    fn hashed_names_are_the_builds() {
        assert!(is_content_hashed("/creditboard_bg-0123456789abcdef.wasm"));
        assert!(is_content_hashed("/main-10b60cd42acbc0a2.css"));
        assert!(is_content_hashed(
            "/snippets/creditboard-8e4d1a7c470b8620/inline0-0123456789abcdef.js"
        ));
        assert!(!is_content_hashed(
            "/snippets/creditboard-8e4d1a7c470b8620/inline0.js"
        ));
        assert!(!is_content_hashed("/embed.js"));
        assert!(!is_content_hashed("/demo-worker.js"));
        assert!(!is_content_hashed("/x-0123456789ABCDEF.js"));
        assert!(!is_content_hashed("/-0123456789abcdef.js"));
        assert!(!is_content_hashed("/activity"));
    }

    #[test]
    fn inline_scripts_are_found_and_files_are_not() {
        let html = "<head><script>a()</script><script src=\"x.js\"></script>\
                    <SCRIPT type=\"module\">b()</SCRIPT><script>a()</script><scripts></head>";
        let hash = |s: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s));
        assert_eq!(inline_script_hashes(html), vec![hash("a()"), hash("b()")]);
    }
}
