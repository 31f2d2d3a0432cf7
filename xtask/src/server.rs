//! Runs the reference server (`creditboard-server`) as a child process: the demo on SQLite,
//! a seeded instance the API fuzzing runs against, or an empty one the sample host
//! (`examples/host/`) provisions its account on.

use crate::{Result, cargo, root, run};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    child: Child,
    base_url: String,
    service_token: String,
    admin_token: String,
    host_token: String,
}

/// The demo account the fuzzing acts on as an admin and as the host.
pub const FUZZ_ACCOUNT: &str = "videogen-team";
/// The one it acts on as the account's service, at the same time as the admin's run: the
/// service may change the team, which would lock the admin out of an account both used.
pub const FUZZ_SERVICE_ACCOUNT: &str = "ngram-creators";

impl Server {
    /// The demo: release build, seeded accounts, the built app from `dist/`.
    pub fn start_demo(database: &Path, port: u16) -> Result<Server> {
        run(cargo().args(["build", "--release", "-p", "creditboard-server"]))?;
        let url = format!("sqlite://{}", database.display());
        Server::spawn(&binary("release"), &url, port, &[])
    }

    /// The demo for the end-to-end tests: a fresh SQLite file, the clock starting at `now`
    /// (the histories end where the fixtures' do), the debug build the tests left; its
    /// dashboard may be framed by `frame_ancestors` (the host page's origin) besides itself.
    pub fn start_e2e(database: &Path, now: &str, frame_ancestors: &str) -> Result<Server> {
        let binary = debug_build()?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
        }
        let url = format!("sqlite://{}", database.display());
        let framed_by = format!("'self' {frame_ancestors}");
        Server::spawn(
            &binary,
            &url,
            0,
            &["--clock", now, "--frame-ancestors", &framed_by],
        )
    }

    /// A seeded server on `database_url` (debug build, as the tests left it), with an admin's
    /// token of [`FUZZ_ACCOUNT`], a service token of [`FUZZ_SERVICE_ACCOUNT`] and a host token.
    pub fn start_seeded(database_url: &str) -> Result<Server> {
        let binary = debug_build()?;
        let mut server = Server::spawn(&binary, database_url, 0, &[])?;
        server.service_token = token(&binary, database_url, FUZZ_SERVICE_ACCOUNT, &["--service"])?;
        server.admin_token = token(
            &binary,
            database_url,
            FUZZ_ACCOUNT,
            &["--member", "m_anton"],
        )?;
        server.host_token = host_token(&binary, database_url)?;
        Ok(server)
    }

    /// A server a host product provisions its own account on, not the demo: a fresh SQLite
    /// file, the built app framed by the host's pages (`host_origin`), payments through the
    /// host's endpoint `payments` (signed with `payment_secret`), and a host token issued for
    /// it (the debug build the tests left).
    pub fn start_for_host(
        database: &Path,
        host_origin: &str,
        payments: &str,
        payment_secret: &str,
    ) -> Result<(Server, String)> {
        let binary = debug_build()?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
        }
        let url = format!("sqlite://{}", database.display());
        let framed_by = format!("'self' {host_origin}");
        let server = Server::launch(
            &binary,
            &url,
            0,
            &["--payments", payments, "--frame-ancestors", &framed_by],
            &[("CB_PAYMENT_SECRET", payment_secret)],
        )?;
        // Once it listens the database is migrated, so the command can write the token.
        let token = host_token(&binary, &url)?;
        Ok((server, token))
    }

    /// Starts `binary` in demo mode (seeded accounts) and waits until it listens.
    fn spawn(binary: &Path, database_url: &str, port: u16, extra: &[&str]) -> Result<Server> {
        let mut args = vec!["--demo"];
        args.extend_from_slice(extra);
        Server::launch(binary, database_url, port, &args, &[])
    }

    /// Starts `binary` with `args` and `env` and waits until it listens.
    fn launch(
        binary: &Path,
        database_url: &str,
        port: u16,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server> {
        let mut cmd = Command::new(binary);
        cmd.args(["--addr", &format!("127.0.0.1:{port}")])
            .args(["--app", &root().join("dist").display().to_string()])
            .args(args)
            .envs(env.iter().copied())
            .env("DATABASE_URL", database_url)
            .current_dir(root())
            .stdout(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("the server has no stdout")?;
        // It prints its address once the database is ready and the demo seeded.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::io::Result::ok)
            {
                if let Some(rest) = line.strip_prefix("Creditboard server on ") {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
            }
        });
        let base_url = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(url) => url.trim_end_matches('/').to_string(),
            Err(_) => {
                let _ = child.kill();
                return Err("the server did not start within 5 minutes (see its log above)".into());
            }
        };
        Ok(Server {
            child,
            base_url,
            service_token: String::new(),
            admin_token: String::new(),
            host_token: String::new(),
        })
    }

    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn service_token(&self) -> &str {
        &self.service_token
    }

    /// The host's token: it creates accounts and is the service of each (`start_seeded`).
    pub fn host_token(&self) -> &str {
        &self.host_token
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    pub fn wait(mut self) {
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's debug build, the one `cargo test --workspace` leaves: built by the same
/// command, so it is not built a second time. (`cargo build -p creditboard-server` resolves
/// the dependencies' features without the other packages and the tests' dev-dependencies:
/// every crate down to `syn` built again, over a minute of a test run.)
fn debug_build() -> Result<PathBuf> {
    run(cargo().args(["test", "--workspace", "--no-run"]))?;
    Ok(binary("debug"))
}

fn binary(profile: &str) -> PathBuf {
    root()
        .join("target")
        .join(profile)
        .join("creditboard-server")
}

/// Issues a token for `account` with the server's own command.
fn token(binary: &Path, database_url: &str, account: &str, kind: &[&str]) -> Result<String> {
    let out = Command::new(binary)
        .args(["token", "--account", account])
        .args(kind)
        .env("DATABASE_URL", database_url)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "issuing a token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Issues a host token (`token --host`: it creates accounts and is the service of each).
fn host_token(binary: &Path, database_url: &str) -> Result<String> {
    let out = Command::new(binary)
        .args(["token", "--host"])
        .env("DATABASE_URL", database_url)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "issuing a host token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
