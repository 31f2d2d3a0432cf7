//! Creditboard's browser app: a Leptos client-side app over the domain crate.
//!
//! Data flows one way: domain ← data ← pages ← components. Chart options and number
//! formatting are pure functions (`charts`, `format`) so they are tested natively.

pub mod app;
pub mod charts;
pub mod components;
pub mod data;
pub mod format;
pub mod pages;

pub use app::App;
