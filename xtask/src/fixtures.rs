//! Inputs and figures for the end-to-end tests and benchmarks: each preset's demo history at
//! the pinned instant (so a test can compute what the page should show on its own), and the
//! size of the built app.

use crate::{E2E_NOW, Result};
use chrono::{DateTime, Utc};
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::preset::PresetId;
use std::path::{Path, PathBuf};

/// Writes `<dir>/<preset>.json` for every preset: `{ now, preset, account, entries }`.
pub fn write(dir: &Path) -> Result<PathBuf> {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(E2E_NOW)
        .map_err(|e| e.to_string())?
        .with_timezone(&Utc);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for preset in PresetId::ALL {
        let demo = generate(&HistoryOptions::new(preset, now)).map_err(|e| e.to_string())?;
        let json = serde_json::json!({
            "now": E2E_NOW,
            "preset": preset.slug(),
            "account": demo.ledger.config(),
            "rate_card": demo.rate_card,
            "entries": demo.ledger.entries(),
        });
        let path = dir.join(format!("{}.json", preset.slug()));
        let text = serde_json::to_string(&json).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(dir.to_path_buf())
}

/// `(raw, gzip)` bytes of the demo store worker's `.wasm` in a Trunk `dist` directory.
pub fn worker_size(dist: &Path) -> Result<(usize, usize)> {
    file_size(&crate::dist::find(dist, "demo-worker_bg.wasm")?)
}

/// `(raw, gzip)` bytes of a file.
pub fn file_size(path: &Path) -> Result<(usize, usize)> {
    let raw = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e} (build the app first)", path.display()))?
        .len() as usize;
    // gzip reads the file itself: feeding it through a pipe we do not drain would deadlock.
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("gzip: {e}"))?;
    Ok((raw, out.stdout.len()))
}
