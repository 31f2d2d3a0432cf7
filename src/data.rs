//! Where the app's data comes from: the domain's deterministic demo generator, run in the
//! browser with the browser's clock. This is the one place pages get data from; the
//! `CreditStore` interface (demo store or REST) will stand here.

use chrono::{DateTime, Utc};
use creditboard_domain::demo::{DemoAccount, DemoOptions, generate};
use creditboard_domain::preset::PresetId;
use std::sync::Arc;

/// The preset shown when the URL names none.
pub const DEFAULT_PRESET: PresetId = PresetId::Videogen;

/// The browser's "now" (a test can pin it with a fixed clock).
pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// A generated demo account, shared by reference so memos can compare it cheaply.
#[derive(Clone)]
pub struct Demo(pub Arc<DemoAccount>);

impl PartialEq for Demo {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The demo history of a preset, ending now.
pub fn load_demo(preset: PresetId, now: DateTime<Utc>) -> Result<Demo, String> {
    generate(&DemoOptions::new(preset, now))
        .map(|d| Demo(Arc::new(d)))
        .map_err(|e| e.to_string())
}
