//! One module per route.

pub mod usage;
