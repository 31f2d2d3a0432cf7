//! A throwaway PostgreSQL server for the tests: Debian's binaries, a fresh cluster in a
//! temporary directory on a free loopback port, stopped and deleted when dropped. Nothing
//! depends on the cluster Debian's package creates and starts by itself.

use crate::tools::{apt_install, running_as_root};
use crate::{Result, run};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// The database every cluster starts with, the one [`Cluster::url`] points at.
const DATABASE: &str = "creditboard";
/// Prefix of the clusters' directories in the temporary directory, so that a later run can
/// find and clean up the ones a killed run left behind.
const DIR_PREFIX: &str = "creditboard-pg-";
/// PostgreSQL's programs refuse to run as root; as root, they run as this user, which
/// Debian's package creates.
const SERVER_USER: &str = "postgres";

/// The bin directory of the newest PostgreSQL installed from Debian's packages, installing
/// `postgresql` when there is none.
pub fn ensure_postgres() -> Result<PathBuf> {
    if let Some(bin) = installed_bin_dir() {
        return Ok(bin);
    }
    apt_install(&["postgresql"])?;
    stop_default_clusters();
    installed_bin_dir().ok_or_else(|| {
        "apt-get installed postgresql, yet no /usr/lib/postgresql/<version>/bin has initdb, \
         pg_ctl and postgres; see what `dpkg -L postgresql` lists"
            .into()
    })
}

/// `/usr/lib/postgresql/<version>/bin` of the newest version with the server's programs
/// (the client package alone installs the same directory without them).
fn installed_bin_dir() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let version = name
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<std::result::Result<Vec<u32>, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|p| bin.join(p).is_file())
                .then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
}

/// Debian's package creates a cluster "main" on port 5432 and starts it where services can
/// start: stopped, it holds no port and no memory the tests' clusters might want.
fn stop_default_clusters() {
    let Ok(out) = Command::new("pg_lsclusters").arg("--no-header").output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let [version, name, _port, "online", ..] =
            line.split_whitespace().collect::<Vec<_>>()[..]
            && let Err(e) = run(Command::new("pg_ctlcluster").args([version, name, "stop"]))
        {
            eprintln!("note: {e}; the tests do not use that cluster, it may keep running");
        }
    }
}

/// A PostgreSQL server of its own, with an empty database [`DATABASE`], listening on
/// 127.0.0.1 only, without authentication (`trust`) and without fsync: for tests, never for
/// data anyone keeps. Dropping it stops the server and deletes all its files.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_root: bool,
}

impl Cluster {
    /// Installs PostgreSQL if needed, then creates and starts a new cluster.
    pub fn start() -> Result<Cluster> {
        let bin = ensure_postgres()?;
        let started = Instant::now();
        let as_root = running_as_root();
        if as_root {
            server_user_must_exist()?;
        }
        remove_abandoned_clusters(&bin, as_root);

        // In the temporary directory rather than target/: the server user must be able to
        // reach it (a checkout under /root is not), and the socket's path must stay under the
        // 107 bytes Unix allows.
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        // Left over by an earlier process with the same id.
        stop(&bin, &dir, as_root);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // From here on, dropping `cluster` on an error stops whatever was started and deletes
        // the directory.
        let mut cluster = Cluster {
            bin,
            dir,
            port: 0,
            as_root,
        };
        if cluster.as_root {
            run(Command::new("chown")
                .arg(format!("{SERVER_USER}:"))
                .arg(&cluster.dir))?;
        }
        run(cluster
            .server_command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ])
            .stdout(Stdio::null()))?;

        // The free port found may be taken by someone else before the server binds it: then
        // try another.
        let mut tries = 0;
        loop {
            tries += 1;
            cluster.port = free_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => break,
                Err(e) if tries < 3 && cluster.log().contains("Address already in use") => {
                    eprintln!("note: {e}; port {} was taken, trying another", cluster.port);
                }
                Err(e) => {
                    return Err(format!(
                        "{e}\nthe server's log ({}) ends with:\n{}",
                        cluster.dir.join("log").display(),
                        last_lines(&cluster.log(), 15)
                    ));
                }
            }
        }
        cluster.createdb(DATABASE)?;
        eprintln!(
            "PostgreSQL {} started for the tests at {} in {:.1?} (files in {}, deleted when done)",
            cluster
                .bin
                .parent()
                .and_then(Path::file_name)
                .map(|v| v.to_string_lossy())
                .unwrap_or_default(),
            cluster.url(),
            started.elapsed(),
            cluster.dir.display(),
        );
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:<port>/creditboard`.
    pub fn url(&self) -> String {
        self.url_of(DATABASE)
    }

    /// Creates another empty database, for tests that must not share one, and returns its
    /// URL. Names are limited to lower-case letters, digits and `_` so that the URL needs no
    /// escaping.
    pub fn create_database(&self, name: &str) -> Result<String> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "“{name}” cannot name a test database: use lower-case letters, digits and _"
            ));
        }
        self.createdb(name)?;
        Ok(self.url_of(name))
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// One of the server's programs, run as the server user when xtask runs as root.
    fn server_command(&self, program: &str) -> Command {
        server_command(&self.bin, program, self.as_root)
    }

    fn pg_ctl_start(&self) -> Result {
        // Quoted for the shell pg_ctl starts the server with.
        let socket_dir = format!("'{}'", self.dir.display());
        run(self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {socket_dir} -F \
                 -c max_connections=200 -c shared_buffers=128MB",
                self.port
            ))
            .arg("start")
            .stdout(Stdio::null()))
    }

    fn createdb(&self, name: &str) -> Result {
        run(Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", name]))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        stop(&self.bin, &self.dir, self.as_root);
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!(
                "note: could not delete the test cluster's {}: {e}; delete it by hand",
                self.dir.display()
            );
        }
    }
}

fn server_command(bin: &Path, program: &str, as_root: bool) -> Command {
    if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", SERVER_USER, "--"]).arg(bin.join(program));
        cmd
    } else {
        Command::new(bin.join(program))
    }
}

/// Stops the server of a cluster directory, if it runs, without waiting for its clients.
fn stop(bin: &Path, dir: &Path, as_root: bool) {
    let data = dir.join("data");
    if !data.join("postmaster.pid").exists() {
        return;
    }
    if let Err(e) = run(server_command(bin, "pg_ctl", as_root)
        .arg("-D")
        .arg(&data)
        .args(["-m", "immediate", "stop"])
        .stdout(Stdio::null()))
    {
        eprintln!(
            "note: {e}; the test cluster in {} may still run",
            dir.display()
        );
    }
}

fn server_user_must_exist() -> Result {
    let known = Command::new("id")
        .arg("-u")
        .arg(SERVER_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if known {
        Ok(())
    } else {
        Err(format!(
            "there is no `{SERVER_USER}` user to run PostgreSQL as (it refuses to run as root); \
             Debian's package creates it: `apt-get install --reinstall postgresql-common`"
        ))
    }
}

/// Clusters whose xtask was killed (Ctrl-C does not reach the server, which pg_ctl detaches)
/// keep running and keep their files: stop and delete those whose process is gone.
fn remove_abandoned_clusters(bin: &Path, as_root: bool) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        eprintln!(
            "note: cleaning up {}, left behind by an earlier run",
            entry.path().display()
        );
        stop(bin, &entry.path(), as_root);
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("could not find a free port on 127.0.0.1: {e}"))
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
