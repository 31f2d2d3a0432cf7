//! The UI's pieces. They read data through hooks and know nothing of where it comes from.

pub mod breakdown;
pub mod chart;
pub mod credits;
pub mod estimator;
pub mod forecast;
pub mod period;
pub mod render_queue;
pub mod shell;
pub mod spend;
pub mod stat;
pub mod states;
pub mod usage_chart;
