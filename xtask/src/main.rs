//! `cargo xtask <command>`: the project's automation, in Rust rather than shell scripts.
//!
//! - `demo`  — install what is missing, build the app in release, serve it on :8080.
//! - `test`  — install what is missing, check formatting, lints and the module graph, run
//!   every test: native, wasm in headless Chromium, Playwright end-to-end against a release
//!   build.
//! - `bench` — the domain's criterion benchmarks, the server at 10,000,000 entries (SQLite and
//!   PostgreSQL), and the app's download size and browser timings.
//! - `soak`  — the money-rules simulation at a million operations (1,000 seeds × 1,000 on
//!   SQLite; `--postgres` on PostgreSQL too; `--ops N` for another total), with its count and
//!   time.
//!
//! Every tool comes from a package registry (crates.io, npm, Debian); nothing is downloaded
//! from GitHub or a CDN.

mod build;
mod cores;
mod dist;
mod fixtures;
mod modules;
mod pg;
mod reports;
mod schemathesis;
mod serve;
mod server;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The instant the end-to-end tests pin the browser's clock to, and the demo fixtures end at.
pub const E2E_NOW: &str = "2026-11-21T15:30:00Z";

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(),
        Some("soak") => soak(&args[1..]),
        // On its own it installs what it needs, as `test` does before calling it.
        Some("e2e") => tools::ensure_build_tools()
            .and_then(|()| tools::ensure_chromium())
            .and_then(|()| e2e(&args[1..])),
        Some("build") => tools::ensure_build_tools().and_then(|()| build_and_measure()),
        Some("fixtures") => fixtures::write(&root().join("target/e2e/fixtures")).map(|_| ()),
        Some("pg") => postgres_shell(),
        Some("modules") => modules::check(true),
        Some("bench-report") => bench_report().map(|r| println!("{r}")),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  demo [--port N]   build and serve the app (http://127.0.0.1:8080)\n  test [--skip-install]  run every test (native, wasm, end-to-end)\n  e2e [ARGS]        only the end-to-end tests (ARGS go to Playwright, e.g. --project server)\n  bench             run the benchmarks and print the figures\n  build             the release build into dist/, with its download sizes
  bench-report      print the figures of the last `bench` again\n  fixtures          write the seeded demo data the end-to-end tests compare against\n  pg                start a throwaway PostgreSQL and print its URL (for running the server tests by hand)\n  modules           list import circles and the largest source files (fails on either rule)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Runs a command in the workspace root, echoing it; fails with its exit status.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("$ {shown}");
    let status = cmd
        .current_dir(root())
        .env("PATH", tools::path_with_local_bins())
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn demo(args: &[String]) -> Result {
    let port = match args {
        [] => 8080,
        [flag, p] if flag == "--port" => p.parse().map_err(|_| format!("“{p}” is not a port"))?,
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    tools::ensure_build_tools()?;
    build::app()?;
    let server = server::Server::start_demo(&root().join("data/creditboard.db"), port)?;
    println!(
        "\nCreditboard is running at {}/  (Ctrl-C to stop)",
        server.base_url()
    );
    println!("Product presets: /?preset=lucas, ngram, videogen, act3, fotomaster");
    println!("The in-browser demo store instead of the server: add store=demo to the query");
    server.wait();
    Ok(())
}

/// The release build, and what the first load and the other pages weigh (as `bench` reports).
fn build_and_measure() -> Result {
    build::app()?;
    let dist = root().join("dist");
    let ((app_raw, app_gzip), (chunks_raw, chunks_gzip)) = build::sizes(&dist)?;
    let (worker_raw, worker_gzip) = fixtures::worker_size(&dist)?;
    println!(
        "app .wasm, first load: {app_raw} bytes raw, {app_gzip} bytes gzip\n\
         the other pages' chunks: {chunks_raw} bytes raw, {chunks_gzip} bytes gzip in all\n\
         demo store worker .wasm: {worker_raw} bytes raw, {worker_gzip} bytes gzip"
    );
    Ok(())
}

/// A throwaway PostgreSQL until Enter is pressed.
fn postgres_shell() -> Result {
    let cluster = pg::Cluster::start()?;
    println!("CB_POSTGRES_URL={}", cluster.url());
    println!("Press Enter to stop it.");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    Ok(())
}

fn test(args: &[String]) -> Result {
    let started = Instant::now();
    let skip_install = args.iter().any(|a| a == "--skip-install");
    if !skip_install {
        tools::ensure_build_tools()?;
        tools::ensure_chromium()?;
    }
    let step = |name: &str, since: Instant| eprintln!("── {name} done in {:.0?}", since.elapsed());

    let t = Instant::now();
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // With and without the split build's feature: each compiles code the other leaves out.
    for features in [&[][..], &["--features", "split"][..]] {
        run(cargo()
            .args([
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "creditboard",
                "--all-targets",
            ])
            .args(features)
            .args(["--", "-D", "warnings"]))?;
    }
    // One concern per file, no import circles (xtask/src/modules/).
    modules::check(false)?;
    step(
        "formatting, lints (host and wasm32) and the module graph",
        t,
    );

    let t = Instant::now();
    // The server's tests run on SQLite files and on this throwaway PostgreSQL.
    let postgres = pg::Cluster::start()?;
    // Benches are compiled by clippy above and run by `cargo xtask bench`, not here.
    run(cargo()
        .args(["test", "--workspace"])
        .env("CB_POSTGRES_URL", postgres.url()))?;
    step("native tests (the server's on SQLite and PostgreSQL)", t);

    let t = Instant::now();
    let st = schemathesis::ensure_schemathesis()?;
    let api = server::Server::start_seeded(&postgres.create_database("schemathesis")?)?;
    let fuzz = |account: &str, token: &str| {
        schemathesis::run(
            &st,
            account,
            &api.base_url(),
            &format!("{}/api/openapi.json", api.base_url()),
            token,
            schemathesis::Exclude {
                // A stream never ends: it has its own test.
                paths: &["/api/v1/accounts/{account}/events"],
                operations: &["close_account"],
            },
            30,
        )
    };
    // As an admin (the dashboard's calls) and as the account's service (ingestion), side by
    // side on two accounts, then as the host (provisioning), which may change any account.
    // Closing the account is left out: everything after it would be a 410, and its own tests
    // cover it.
    std::thread::scope(|scope| {
        let service = scope.spawn(|| fuzz(server::FUZZ_SERVICE_ACCOUNT, api.service_token()));
        let admin = fuzz(server::FUZZ_ACCOUNT, api.admin_token());
        let service = service
            .join()
            .map_err(|_| "the service's fuzzing panicked".to_string())?;
        admin.and(service)
    })?;
    fuzz(server::FUZZ_ACCOUNT, api.host_token())?;
    drop(api);
    drop(postgres);
    step("the API fuzzed against its OpenAPI document", t);

    let t = Instant::now();
    run(cargo()
        .args([
            "test",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "creditboard",
        ])
        .env("CHROMEDRIVER", tools::CHROMEDRIVER))?;
    step("wasm tests in headless Chromium", t);

    let t = Instant::now();
    e2e(&[])?;
    step(
        "release build and end-to-end tests, on the demo store and the server",
        t,
    );

    eprintln!("\nAll tests passed in {:.0?}.", started.elapsed());
    Ok(())
}

/// Where the end-to-end tests' host page finds the app: under a base path.
const EMBED_APP_PREFIX: &str = "/acme/credits/";

/// The release build and the Playwright suite (`args` go to Playwright: `--project server`,
/// a file, `-g` a title).
fn e2e(args: &[String]) -> Result {
    // `CB_E2E_NO_BUILD=1`: run against the `dist/` already built (after editing only tests).
    if std::env::var_os("CB_E2E_NO_BUILD").is_none() {
        build::app()?;
    }
    let fixtures = fixtures::write(&root().join("target/e2e/fixtures"))?;
    // The same suite against the app on a static server (the demo store) and against the
    // reference server's demo, whose histories end at the same pinned instant.
    // The app also under a base path, beside a host's settings page that embeds it.
    let mount = |prefix: &str, dir: PathBuf| serve::Mount {
        prefix: prefix.into(),
        dir,
    };
    let server = serve::Server::start_mounts(
        vec![
            mount("/", root().join("dist")),
            mount(EMBED_APP_PREFIX, root().join("dist")),
            mount("/acme/settings/", root().join("tests/e2e/host")),
        ],
        0,
    )?;
    std::fs::create_dir_all(root().join("target/e2e")).map_err(|e| format!("target/e2e: {e}"))?;
    // The host page on the static server embeds the server's dashboard from its origin.
    let api = server::Server::start_e2e(
        &root().join("target/e2e/server.db"),
        E2E_NOW,
        &format!("http://127.0.0.1:{}", server.port()),
    )?;
    // The sample host (examples/host/) on a server of its own, not the demo, on the real
    // clock: it provisions its account, takes its payments and receives its webhooks.
    let host = SampleHost::start(&root().join("target/e2e/host.db"))?;
    run(Command::new("playwright")
        .args(["test", "-c", "tests/e2e/playwright.config.ts"])
        .args(args)
        .env("CB_BASE_URL", format!("http://127.0.0.1:{}", server.port()))
        .env("CB_SERVER_URL", api.base_url())
        .env("CB_HOST_APP_URL", &host.url)
        .env("CB_FIXTURES", &fixtures)
        .env("CB_EMBED_APP", EMBED_APP_PREFIX)
        .env("CB_NOW", E2E_NOW)
        .env("CB_CHROMIUM", tools::CHROMIUM))?;
    drop(host);
    drop(api);
    drop(server);
    Ok(())
}

/// The sample host (`node examples/host/server.mjs`) and the Creditboard server it adopts;
/// both stop when this is dropped.
struct SampleHost {
    child: std::process::Child,
    url: String,
    _server: server::Server,
}

impl SampleHost {
    /// Test secrets: the host and the server only ever meet on the loopback.
    const PAYMENT_SECRET: &str = "e2e-payment-secret-0123456789";
    const WEBHOOK_SECRET: &str = "e2e-webhook-secret-0123456789";

    fn start(database: &Path) -> Result<SampleHost> {
        use std::io::{BufRead, BufReader};
        // The server is told the host's payment endpoint at start, so the host's port is
        // chosen first: a free one, released for the host to take.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for the sample host: {e}"))?
            .port();
        let origin = format!("http://127.0.0.1:{port}");
        let payments = format!("{origin}/payments");
        let (server, token) =
            server::Server::start_for_host(database, &origin, &payments, Self::PAYMENT_SECRET)?;
        let mut child = Command::new("node")
            .arg("examples/host/server.mjs")
            .env("PORT", port.to_string())
            .env("CB_SERVER", server.base_url())
            .env("CB_HOST_TOKEN", token)
            .env("CB_PAYMENT_SECRET", Self::PAYMENT_SECRET)
            .env("CB_WEBHOOK_SECRET", Self::WEBHOOK_SECRET)
            .current_dir(root())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the sample host with node: {e}"))?;
        let stdout = child.stdout.take().ok_or("the sample host has no stdout")?;
        // It says where it listens once its account is provisioned; the rest of its output is
        // passed on (and read, so it never blocks on a full pipe).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::io::Result::ok)
            {
                match line.strip_prefix("Sample host on ") {
                    Some(url) => {
                        let _ = tx.send(url.trim().trim_end_matches('/').to_string());
                    }
                    None => println!("{line}"),
                }
            }
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(url) => Ok(SampleHost {
                child,
                url,
                _server: server,
            }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err("the sample host did not start within a minute (see its log above)".into())
            }
        }
    }
}

impl Drop for SampleHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bench() -> Result {
    tools::ensure_build_tools()?;
    tools::ensure_chromium()?;
    run(cargo().args(["bench", "-p", "creditboard-domain", "--bench", "ledger"]))?;
    // The server with 10,000,000 entries in SQLite, then in a throwaway PostgreSQL.
    let postgres = pg::Cluster::start()?;
    run(cargo()
        .args(["bench", "-p", "creditboard-server", "--bench", "scale"])
        .env("CB_POSTGRES_URL", postgres.url()))?;
    // Many accounts within the memory budget, a million-row export, ingestion beside readers.
    run(cargo()
        .args(["bench", "-p", "creditboard-server", "--bench", "load"])
        .env("CB_POSTGRES_URL", postgres.url()))?;
    // The API's latency with a dead webhook endpoint against none, in the same run.
    run(cargo().args(["bench", "-p", "creditboard-server", "--bench", "webhooks"]))?;
    drop(postgres);
    build::app()?;
    let server = serve::Server::start(&root().join("dist"), 0)?;
    run(Command::new("playwright")
        .args(["test", "-c", "tests/e2e/bench.config.ts"])
        .env("CB_BASE_URL", format!("http://127.0.0.1:{}", server.port()))
        .env("CB_NOW", E2E_NOW)
        .env("CB_CHROMIUM", tools::CHROMIUM))?;
    drop(server);
    println!("\n{}", bench_report()?);
    Ok(())
}

/// The simulation of `crates/creditboard-server/tests/simulation.rs`, long: `--ops N` in all
/// (default 1,000,000) in seeds of 1,000, on SQLite, and on PostgreSQL with `--postgres`.
fn soak(args: &[String]) -> Result {
    let mut total: usize = 1_000_000;
    let mut postgres = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--postgres" => postgres = true,
            "--ops" => {
                let n = it.next().ok_or("--ops needs a number")?;
                total = n
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1_000)
                    .ok_or(format!("--ops takes a number of at least 1,000, not “{n}”"))?;
            }
            _ => {
                return Err(format!(
                    "unknown argument “{arg}”: soak [--ops N] [--postgres]"
                ));
            }
        }
    }
    let seeds = (total / 1_000).to_string();
    let cluster = if postgres {
        Some(pg::Cluster::start()?)
    } else {
        None
    };
    let test = if postgres {
        "simulation_on"
    } else {
        "simulation_on_sqlite"
    };
    let started = Instant::now();
    let mut command = cargo();
    command
        .args([
            "test",
            "--release",
            "-p",
            "creditboard-server",
            "--test",
            "simulation",
            test,
        ])
        .args(["--", "--nocapture"])
        .env("CB_SIM_SEEDS", &seeds)
        .env("CB_SIM_OPS", "1000");
    if let Some(c) = &cluster {
        command.env("CB_POSTGRES_URL", c.url());
    }
    run(&mut command)?;
    println!(
        "soak: {total} operations per backend in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// The figures the issues ask for, read back from criterion's estimates, the build and the
/// browser benchmark's `target/bench/app.json`.
fn bench_report() -> Result<String> {
    let read_json = |path: PathBuf| -> Result<serde_json::Value> {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let median = |group: &str, name: &str| -> Result<f64> {
        let path = root().join(format!(
            "target/criterion/{group}/{name}/new/estimates.json"
        ));
        read_json(path.clone())?["median"]["point_estimate"]
            .as_f64()
            .ok_or_else(|| format!("no median in {}", path.display()))
    };
    let apply_ns = median("ledger", "apply_1m_consumes")?;
    let series_ns = median("aggregate", "daily_series_by_category_1m_180d")?;
    let summary_ns = median("aggregate", "full_summary_1m_180d")?;
    let dist = root().join("dist");
    let ((app_raw, app_gzip), (chunks_raw, chunks_gzip)) = build::sizes(&dist)?;
    let (worker_raw, worker_gzip) = fixtures::worker_size(&dist)?;
    let app = read_json(root().join("target/bench/app.json"))?;
    let ms = |key: &str| app[key].as_f64().unwrap_or(f64::NAN);
    let activity = read_json(root().join("target/bench/activity.json"))?;
    let act = |key: &str| activity[key].as_f64().unwrap_or(f64::NAN);
    Ok(format!(
        "Figures (medians of `cargo xtask bench`):\n\
         - apply 1,000,000 consumes: {:.0} ms → {:.2} M entries/s (target ≥ 1.00)\n\
         - 180-day daily series by category over 1,000,000 entries: {:.1} ms (target ≤ 100)\n\
         - full usage summary (series + six breakdowns) over 1,000,000 entries: {:.1} ms\n\
         - app .wasm, first load (shell and usage page): {} KiB raw, {} bytes gzip (target ≤ 350 KB = 350,000 bytes gzip)\n\
         - the other pages' chunks, fetched on first visit: {} KiB raw, {} KiB gzip in all\n\
         - demo store worker .wasm (loaded only with the demo store): {} KiB raw, {} KiB gzip\n\
         - first full render, navigation → cards and chart drawn: {:.0} ms median of cold loads (target ≤ 1,000)\n\
         - period switch → chart redrawn, {} ledger entries: {:.0} ms median, {:.0} ms worst of {} (target ≤ 100)\n\
         - Activity, {} ledger entries: filter change → page 1 shown {:.0} ms median, {:.0} ms worst of {} (target ≤ 100)\n\
         - Activity CSV export of {} rows: {:.0} ms median of 3 (target ≤ 5,000 for 100,000)\n\
         {}\n\
         {}\n\
         {}",
        apply_ns / 1e6,
        1e3 / (apply_ns / 1e6),
        series_ns / 1e6,
        summary_ns / 1e6,
        app_raw / 1024,
        app_gzip,
        chunks_raw / 1024,
        chunks_gzip / 1024,
        worker_raw / 1024,
        worker_gzip / 1024,
        ms("first_render_ms_median"),
        app["ledger_entries"].as_u64().unwrap_or(0),
        ms("period_switch_ms_median"),
        ms("period_switch_ms_max"),
        app["period_switches"].as_u64().unwrap_or(0),
        activity["ledger_entries"].as_u64().unwrap_or(0),
        act("filter_ms_median"),
        act("filter_ms_max"),
        activity["filter_changes"].as_u64().unwrap_or(0),
        activity["export_rows"].as_u64().unwrap_or(0),
        act("export_ms_median"),
        reports::server(&read_json(root().join("target/bench/server.json"))?),
        reports::load(&read_json(root().join("target/bench/load.json"))?),
        reports::webhooks(&read_json(root().join("target/bench/webhooks.json"))?),
    ))
}
