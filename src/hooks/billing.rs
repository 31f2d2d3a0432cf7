//! The Billing page's data: buying credits and what top-up settings would do (its spend
//! controls change through [`super::account::use_change_settings`]).

use super::use_act;
use crate::store::StoreError;
use creditboard_domain::api::{BuyRequest, BuyResult, TopUpSimulationRequest};
use creditboard_domain::topups::TopUpSimulation;
use leptos::prelude::*;

/// Buys credits (admins only; the account checks and the payment provider pays first).
pub fn use_buy() -> Action<BuyRequest, Result<BuyResult, StoreError>> {
    use_act()
}

/// What top-up settings would do at the recent burn rate, asked whenever they are valid and
/// change (`None` asks nothing).
pub fn use_top_up_simulation(
    request: impl Fn() -> Option<TopUpSimulationRequest> + 'static,
) -> LocalResource<Option<Result<TopUpSimulation, StoreError>>> {
    super::use_ask_when(request)
}
