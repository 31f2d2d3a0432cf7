//! Schemathesis, which fuzzes the REST API from its OpenAPI document. It comes from PyPI into
//! a venv of its own under target/, so nothing is installed system-wide and the pinned version
//! is the one that runs.

use crate::tools::{apt_install, path_with_local_bins};
use crate::{Result, root};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The flags [`run`] passes are those of 4.x, which renamed many of 3.x's; 4.x needs
/// Python 3.10 or newer (Debian 12 has 3.11).
const VERSION: &str = "4.32.5";

/// The `st` program of the pinned Schemathesis, installed first if missing or another version.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = root().join("target/venv-schemathesis");
    let st = venv.join("bin/st");
    if version_of(&st).as_deref() == Some(VERSION) {
        return Ok(st);
    }
    let python = venv.join("bin/python");
    // A venv whose interpreter no longer runs (the Python it was made from is gone or was
    // upgraded) cannot be repaired by pip: make it anew.
    if venv.exists() && !runs(Command::new(&python).args(["-c", ""])) {
        std::fs::remove_dir_all(&venv).map_err(|e| format!("{}: {e}", venv.display()))?;
    }
    if !python.exists() {
        ensure_python()?;
        crate::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    crate::run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={VERSION}"),
    ]))?;
    match version_of(&st) {
        Some(v) if v == VERSION => Ok(st),
        found => Err(format!(
            "pip installed schemathesis {VERSION}, yet {} reports {}; delete {} and run again",
            st.display(),
            found.unwrap_or_else(|| "no version".into()),
            venv.display()
        )),
    }
}

/// A `python3` new enough for Schemathesis 4, with the `venv` module Debian ships apart.
fn ensure_python() -> Result {
    let out = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .env("PATH", path_with_local_bins())
        .output()
        .map_err(|e| {
            format!("python3 is needed for Schemathesis: {e}; `apt-get install python3`")
        })?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.as_slice() < [3, 10].as_slice() {
        return Err(format!(
            "Schemathesis {VERSION} needs Python 3.10 or newer, and python3 here is “{version}”: \
             put a newer python3 first on PATH"
        ));
    }
    let has_venv = || {
        runs(
            Command::new("python3")
                .args(["-c", "import venv, ensurepip"])
                .env("PATH", path_with_local_bins()),
        )
    };
    if !has_venv() {
        apt_install(&["python3-venv"])?;
        if !has_venv() {
            return Err(format!(
                "python3 {version} has no working `venv` module even after installing \
                 python3-venv; install the one matching it (python{version}-venv)"
            ));
        }
    }
    Ok(())
}

/// Fuzzes the API at `base_url` from the OpenAPI document at `openapi_url` (a URL, or a file
/// path relative to the workspace root), with every check Schemathesis has and `max_examples`
/// cases per operation; fails when any check fails.
///
/// `exclude.paths` are the schema's paths (`/v1/events`, not full URLs) left out. Streams such
/// as Server-Sent Events should be: Schemathesis reads up to 20 events of every streamed
/// response, so a stream that sends only now and then holds each case up until the request
/// timeout fails it.
/// What a run leaves out: schema paths (`/v1/events`), and operations by id.
pub struct Exclude<'a> {
    pub paths: &'a [&'a str],
    pub operations: &'a [&'a str],
}

pub fn run(
    st: &Path,
    account: &str,
    base_url: &str,
    openapi_url: &str,
    token: &str,
    exclude: Exclude<'_>,
    max_examples: u32,
) -> Result {
    // Schemathesis and Hypothesis keep the failures they found (for `st replay` and to try
    // them first next time) in the directory they run in: so not through `crate::run`, which
    // runs in the workspace root, but in target/, where they stay out of the work tree.
    let workdir = root().join("target/schemathesis");
    std::fs::create_dir_all(&workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let location = if openapi_url.contains("://") {
        openapi_url.into()
    } else {
        root().join(openapi_url).into_os_string()
    };
    // The account every path names: random ones would all be 404s. (A file per account: runs
    // on two accounts go side by side.)
    let config = workdir.join(format!("schemathesis-{account}.toml"));
    std::fs::write(
        &config,
        format!("[parameters]\n\"path.account\" = \"{account}\"\n"),
    )
    .map_err(|e| format!("{}: {e}", config.display()))?;
    let mut cmd = Command::new(st);
    cmd.arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(location)
        .args(["--url", base_url])
        .args(["--checks", "all"])
        // Rules the schema cannot express (ids of this account, amounts within a balance)
        // rightly refuse much schema-valid input; every other check stays on.
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", &max_examples.to_string()])
        .args(["--request-timeout", "5"])
        .args(["--header", &format!("Authorization: Bearer {token}")]);
    for path in exclude.paths {
        cmd.args(["--exclude-path", path]);
    }
    for id in exclude.operations {
        cmd.args(["--exclude-operation-id", id]);
    }
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("$ {shown}");
    // Its report is printed whole once it is done, so that two runs side by side do not
    // interleave theirs.
    let out = cmd
        .current_dir(&workdir)
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let status = out.status;
    eprintln!(
        "── Schemathesis's report on {account}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "Schemathesis reported failures or errors ({status}): see its summary above; each \
             failure comes with a curl command to reproduce it. With the API running, replay one \
             with `cd {} && \
             ../venv-schemathesis/bin/st replay <id> -H 'Authorization: Bearer <token>'`",
            workdir.display()
        ))
    }
}

/// The version `st --version` reports ("st, version 4.32.5"), if it runs.
fn version_of(st: &Path) -> Option<String> {
    let out = Command::new(st).arg("--version").output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .last()
            .unwrap_or("")
            .to_string()
    })
}

fn runs(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}
