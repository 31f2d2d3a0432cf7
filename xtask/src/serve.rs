//! A small static file server for the built app, with the SPA fallback a client-side router
//! needs: a path that is not a file gets `index.html`, so deep links and reloads work. It can
//! serve directories under prefixes too (the app under a base path beside a host's page):
//! there `index.html`'s `<base href="/">` becomes the prefix, as a host serving the app
//! under a base path would write it.

use crate::Result;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// A directory served under a URL prefix (`/` or `/acme/credits/`).
#[derive(Debug, Clone)]
pub struct Mount {
    pub prefix: String,
    pub dir: PathBuf,
}

impl Server {
    /// Serves `dir` on 127.0.0.1 (`port` 0 picks a free one).
    pub fn start(dir: &Path, port: u16) -> Result<Server> {
        Server::start_mounts(
            vec![Mount {
                prefix: "/".into(),
                dir: dir.to_path_buf(),
            }],
            port,
        )
    }

    /// Serves each mount's directory under its prefix (the longest prefix that matches).
    pub fn start_mounts(mut mounts: Vec<Mount>, port: u16) -> Result<Server> {
        mounts.sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
        let listener = TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let mounts = Arc::new(mounts);
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(stream) = stream {
                    let mounts = Arc::clone(&mounts);
                    std::thread::spawn(move || {
                        let _ = handle(stream, &mounts);
                    });
                }
            }
        });
        Ok(Server {
            port,
            stop,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(mut stream: TcpStream, mounts: &[Mount]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; we need none of them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed",
            method == "HEAD",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let found = mounts.iter().find_map(|m| {
        let rest = path.strip_prefix(&m.prefix).or_else(|| {
            // `/acme/credits` is the app's root too.
            (path.len() + 1 == m.prefix.len() && m.prefix.starts_with(path)).then_some("")
        })?;
        Some((m, resolve(&m.dir, rest)?))
    });
    match found {
        Some((mount, file)) => {
            let mut body = std::fs::read(&file)?;
            if mount.prefix != "/" && file.file_name().is_some_and(|n| n == "index.html") {
                let html = String::from_utf8_lossy(&body).replacen(
                    "<base href=\"/\"",
                    &format!("<base href=\"{}\"", mount.prefix),
                    1,
                );
                body = html.into_bytes();
            }
            respond(
                &mut stream,
                "200 OK",
                content_type(&file),
                &body,
                method == "HEAD",
            )
        }
        None => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found",
            method == "HEAD",
        ),
    }
}

/// The file for a URL path: the file itself, or `index.html` for app routes (paths without a
/// file extension). `..` never escapes the directory.
fn resolve(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = PathBuf::from(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let candidate = dir.join(&relative);
    if candidate.is_file() {
        return Some(candidate);
    }
    let looks_like_file = relative.extension().is_some();
    (!looks_like_file)
        .then(|| dir.join("index.html"))
        .filter(|p| p.is_file())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(port: u16, path: &str) -> (String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    }

    #[test]
    fn serves_files_falls_back_to_the_app_for_routes_and_never_escapes() {
        let dir = std::env::temp_dir().join(format!("cb-serve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<app>").unwrap();
        std::fs::write(dir.join("app.js"), "js").unwrap();
        let server = Server::start(&dir, 0).unwrap();
        let port = server.port();
        assert_eq!(
            get(port, "/app.js"),
            ("HTTP/1.1 200 OK".into(), "js".into())
        );
        assert_eq!(get(port, "/activity?period=last_7_days").1, "<app>");
        assert_eq!(get(port, "/activity/projects/p1").1, "<app>");
        assert_eq!(get(port, "/missing.js").0, "HTTP/1.1 404 Not Found");
        assert_eq!(get(port, "/../Cargo.toml").0, "HTTP/1.1 404 Not Found");
        drop(server);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn under_a_prefix_the_app_gets_its_base_path_and_the_root_mount_the_rest() {
        let root = std::env::temp_dir().join(format!("cb-mounts-{}", std::process::id()));
        let (app, host) = (root.join("app"), root.join("host"));
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(&host).unwrap();
        std::fs::write(app.join("index.html"), "<base href=\"/\" /><app>").unwrap();
        std::fs::write(app.join("app.js"), "js").unwrap();
        std::fs::write(host.join("index.html"), "<host>").unwrap();
        let mount = |prefix: &str, dir: &Path| Mount {
            prefix: prefix.into(),
            dir: dir.to_path_buf(),
        };
        let server = Server::start_mounts(
            vec![
                mount("/", &app),
                mount("/acme/credits/", &app),
                mount("/acme/settings/", &host),
            ],
            0,
        )
        .unwrap();
        let port = server.port();
        let based = "<base href=\"/acme/credits/\" /><app>";
        assert_eq!(get(port, "/acme/credits/activity?x=1").1, based);
        assert_eq!(get(port, "/acme/credits").1, based);
        assert_eq!(get(port, "/acme/credits/app.js").1, "js");
        assert_eq!(get(port, "/acme/settings/").1, "<host>");
        assert_eq!(get(port, "/activity").1, "<base href=\"/\" /><app>");
        assert_eq!(
            get(port, "/acme/credits/../../Cargo.toml").0,
            "HTTP/1.1 404 Not Found"
        );
        drop(server);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
