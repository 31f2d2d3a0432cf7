//! What the server's benchmarks share.

use creditboard_domain::Amount;
use creditboard_domain::Ledger;
use creditboard_domain::entry::{GrantOp, Operation};
use creditboard_domain::ids::IdempotencyKey;

/// The `p`th percentile (nearest rank) of `values`.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Grants a billion credits now, so ingestion never runs out.
#[allow(
    dead_code,
    reason = "the webhook benchmark funds its account through the API"
)]
pub fn fund(ledger: &mut Ledger) {
    let meter = ledger.config().meters[0].id.clone();
    ledger
        .apply(Operation::Grant(GrantOp {
            key: IdempotencyKey::new("bench-funding").expect("key"),
            meter,
            amount: Amount::minor(1_000_000_000),
            at: ledger.now(),
            expires_at: None,
            usage: Default::default(),
        }))
        .expect("funding grant");
}

/// The process's resident memory, in bytes.
#[allow(dead_code, reason = "the webhook benchmark does not measure memory")]
pub fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
