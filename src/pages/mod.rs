//! One module per route.

pub mod activity;
pub mod audit;
pub mod billing;
pub mod lazy;
pub mod rates;
pub mod team;
pub mod usage;
