//! Reusable pieces of the UI; they know nothing of where data comes from.

pub mod chart;
pub mod stat;
