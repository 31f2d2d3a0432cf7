//! The Team page's data: what each member spent this month and their caps (a cap is set
//! through [`super::account::use_change_settings`]).

use super::{Fetched, use_ask};
use creditboard_domain::api::TeamView;
use creditboard_domain::api::calls::TeamRequest;

/// Each member's spend this month, per meter, and their caps.
pub fn use_team() -> Fetched<TeamView> {
    use_ask(|| TeamRequest)
}
