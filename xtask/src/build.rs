//! The release build of the app, split into wasm chunks.
//!
//! Trunk builds everything but the app itself (styles, ECharts, the demo store's worker,
//! `index.html`); it cannot split a module (it runs wasm-bindgen straight after cargo). The
//! app is built here, the way `cargo leptos --split` does it:
//!
//! 1. cargo links the app with relocations kept (`--emit-relocs`) and the `split` feature, so
//!    each on-demand page is a `#[lazy]` function the splitter can find;
//! 2. the splitter moves what only those functions reach into chunks of their own and writes
//!    the JS that fetches a chunk when it is first needed;
//! 3. wasm-bindgen makes the JS glue for what is left (the main module), keeping the exports
//!    the chunks link against;
//! 4. wasm-opt shrinks every module (as many at once as there are cores);
//! 5. what the page loads is renamed by its content and compressed (`dist.rs`).
//!
//! The app lands in `dist/` as `creditboard.js` / `creditboard_bg.wasm` (loaded by
//! `index.html`), `__wasm_split.js` and the chunks, each then with its content hash in its
//! name (`creditboard_bg-0123456789abcdef.wasm`).

use crate::{Result, root, run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The app's JS and wasm in `dist/`, as `index.html` loads them.
pub const APP_NAME: &str = "creditboard";
const LOADER: &str = "__wasm_split.js";

pub fn app() -> Result {
    run(Command::new("trunk").args(["build", "--release"]))?;
    let dist = root().join("dist");
    run(crate::cargo().args([
        "rustc",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--bin",
        APP_NAME,
        "--features",
        "split",
        "--",
        "-C",
        "link-arg=--emit-relocs",
    ]))?;
    let linked = root().join(format!(
        "target/wasm32-unknown-unknown/release/{APP_NAME}.wasm"
    ));
    let work = root().join("target/split");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let main = work.join(format!("{APP_NAME}.wasm"));
    let chunks = split(&linked, &main, &dist)?;

    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--keep-lld-exports", "--no-demangle"])
        .args(["--out-name", APP_NAME, "--out-dir"])
        .arg(&dist)
        .arg(&main))?;
    let mut modules = vec![dist.join(format!("{APP_NAME}_bg.wasm"))];
    modules.extend(chunks);
    optimize(&modules)?;
    eprintln!(
        "$ content-hashed names and compressed copies in {}",
        dist.display()
    );
    crate::dist::finish(&dist)
}

/// `wasm-opt -Oz` on every module, on every core: one process each, a hundred of them (the
/// chunks), each using one core for most of its run.
fn optimize(modules: &[PathBuf]) -> Result {
    crate::cores::each(modules, |module| {
        run(Command::new("wasm-opt")
            .arg("-Oz")
            .arg(module)
            .arg("-o")
            .arg(module))
    })
    .map(drop)
}

/// Splits `linked` into `main` and the chunks (written to `dist`, with their loader).
fn split(linked: &Path, main: &Path, dist: &Path) -> Result<Vec<PathBuf>> {
    eprintln!("$ split {} into chunks", linked.display());
    let input = std::fs::read(linked).map_err(|e| format!("{}: {e}", linked.display()))?;
    let main_module = format!("./{APP_NAME}.js");
    let link_name = format!("./{LOADER}");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = dist;
    options.main_out_path = main;
    options.main_module = &main_module;
    options.link_name = &link_name;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("splitting the app's wasm: {e:#}"))?;
    Ok(split.split_modules)
}

/// `(raw, gzip)` bytes of the first load (the main module) and of every chunk together.
pub fn sizes(dist: &Path) -> Result<((usize, usize), (usize, usize))> {
    let main =
        crate::fixtures::file_size(&crate::dist::find(dist, &format!("{APP_NAME}_bg.wasm"))?)?;
    let mut chunks = (0, 0);
    for entry in std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let is_chunk = path.extension().is_some_and(|x| x == "wasm")
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .map(crate::dist::unhashed_name)
                .is_some_and(|n| !n.starts_with(APP_NAME) && !n.starts_with("demo-worker"));
        if is_chunk {
            let (raw, gzip) = crate::fixtures::file_size(&path)?;
            chunks = (chunks.0 + raw, chunks.1 + gzip);
        }
    }
    Ok((main, chunks))
}
