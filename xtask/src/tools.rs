//! Installs what the build and the tests need, only when it is missing or the wrong version.
//! The versions are the ones known to work on this kind of machine (see README).

use crate::{Result, root, run};
use std::path::PathBuf;
use std::process::Command;

/// Trunk 0.22 needs a newer rustc than the toolchain here; 0.21.14 works.
const TRUNK_VERSION: &str = "0.21.14";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `PATH` with cargo's bin dir and `node_modules/.bin` (wasm-opt, playwright) in front.
pub fn path_with_local_bins() -> String {
    let mut dirs = vec![root().join("node_modules/.bin"), cargo_bin()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

/// The first line a command prints for `--version`, if it runs.
fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .env("PATH", path_with_local_bins())
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

/// Everything `trunk build` needs: the wasm target, Trunk, wasm-bindgen matching Cargo.lock,
/// and the npm packages (ECharts, wasm-opt, Playwright, axe-core).
pub fn ensure_build_tools() -> Result {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_npm_packages()
}

fn ensure_wasm_target() -> Result {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the wasm32 target: {e}"))?;
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_trunk() -> Result {
    if version_of("trunk").is_some_and(|v| v.split_whitespace().nth(1) == Some(TRUNK_VERSION)) {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))
}

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen".into())
}

fn ensure_wasm_bindgen() -> Result {
    let wanted = locked_wasm_bindgen_version()?;
    let has =
        |p| version_of(p).is_some_and(|v| v.split_whitespace().nth(1) == Some(wanted.as_str()));
    if has("wasm-bindgen") && has("wasm-bindgen-test-runner") {
        return Ok(());
    }
    // Without --locked: the CLI's own lockfile pins a crate version the registry no longer has.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

fn ensure_npm_packages() -> Result {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&stamp),
        std::fs::metadata(root.join("package-lock.json")),
    ) {
        (Ok(installed), Ok(lock)) => match (installed.modified(), lock.modified()) {
            (Ok(i), Ok(l)) => i >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh
        && root
            .join("node_modules/echarts/dist/echarts.min.js")
            .exists()
    {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// A Japanese font: without one, ja-JP pages (and their screenshots) show empty boxes.
const JAPANESE_FONT: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";

/// Debian's Chromium and ChromeDriver, for the wasm tests and Playwright, and a Japanese font.
pub fn ensure_chromium() -> Result {
    let present = |path: &str| PathBuf::from(path).exists();
    if present(CHROMIUM) && present(CHROMEDRIVER) && present(JAPANESE_FONT) {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver", "fonts-ipafont-gothic"])
}

/// Whether xtask runs as root: apt-get then needs no sudo, and PostgreSQL's programs, which
/// refuse to run as root, have to be run as the `postgres` user.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Installs Debian packages, refreshing the package lists first: on a fresh machine they are
/// empty or stale, and `apt-get install` then finds nothing.
pub fn apt_install(packages: &[&str]) -> Result {
    let apt = |args: &[&str]| {
        let mut cmd = if running_as_root() {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update"])?;
    apt(&["install", "-y", "--no-install-recommends"]
        .iter()
        .chain(packages)
        .copied()
        .collect::<Vec<_>>())
}
