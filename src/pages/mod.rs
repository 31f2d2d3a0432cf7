//! One module per route.

pub mod planned;
pub mod usage;
