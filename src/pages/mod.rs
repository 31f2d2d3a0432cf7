//! One module per route.

pub mod activity;
pub mod planned;
pub mod usage;
