//! The Team page's data: what each member spent this month and their caps, and setting a cap.

use super::{Fetched, use_act, use_ask};
use crate::store::StoreError;
use creditboard_domain::api::TeamView;
use creditboard_domain::api::calls::TeamRequest;
use creditboard_domain::config::settings::SettingsChange;
use leptos::prelude::*;

/// Each member's spend this month, per meter, and their caps.
pub fn use_team() -> Fetched<TeamView> {
    use_ask(|| TeamRequest)
}

/// Sets or clears a member's monthly cap (admins only; the account checks).
pub fn use_set_cap() -> Action<SettingsChange, Result<(), StoreError>> {
    use_act()
}
