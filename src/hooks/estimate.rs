//! The cost estimator's data: what a job or a batch would cost, and holding a batch.

use super::render_queue::RenderQueue;
use crate::store::{Store, StoreError};
use creditboard_domain::api::calls::EstimateRequest;
use creditboard_domain::batch::BatchRequest;
use creditboard_domain::ratecard::{Estimate, EstimateLine};
use leptos::prelude::*;

/// The estimate of `lines` against the balances, asked again as they change (`None`: the
/// lines are not valid yet).
pub fn use_estimate(
    lines: impl Fn() -> Option<Vec<EstimateLine>> + 'static,
) -> LocalResource<Option<Result<Estimate, StoreError>>> {
    super::use_ask_when(move || lines().map(EstimateRequest))
}

/// Holds every shot of a batch, then hands them to the render queue (named by `names`, in
/// order). Its outcome is how many shots were held.
pub fn use_hold_batch() -> Action<(BatchRequest, Vec<String>), Result<usize, StoreError>> {
    let store = Store::expect();
    let queue = RenderQueue::expect();
    Action::new_local(move |(request, names): &(BatchRequest, Vec<String>)| {
        let (store, request, names) = (store.clone(), request.clone(), names.clone());
        async move {
            let held = store.act(request).await?;
            let n = held.len();
            queue.start(held, names);
            Ok(n)
        }
    })
}
