//! Fixtures the app's native unit tests share.

use creditboard_domain::Amount;
use creditboard_domain::api::query::Query;
use creditboard_domain::config::meter::{
    Allocation, MeterConfig, MeterUnit, PurchasePolicy, UnusedAllocation,
};
use creditboard_domain::ids::MeterId;

/// A meter `m` in `unit` with `decimals`, with a monthly allocation of 1,000 minor units (which
/// lapses) when `allocation`, and nothing else configured.
pub fn meter(unit: MeterUnit, decimals: u8, allocation: bool) -> MeterConfig {
    MeterConfig {
        id: MeterId::new("m").expect("a valid id"),
        name: "M".into(),
        unit,
        decimals,
        allocation: allocation.then_some(Allocation {
            amount: Amount::minor(1_000),
            unused: UnusedAllocation::Lapse,
        }),
        purchases: PurchasePolicy::default(),
        overdraft_limit: Amount::ZERO,
        auto_top_up: None,
    }
}

/// A query string's pairs.
pub fn query(pairs: &[(&str, &str)]) -> Query {
    pairs
        .iter()
        .map(|&(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
