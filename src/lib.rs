//! Creditboard's browser app: a Leptos client-side app over the domain crate.
//!
//! Data flows one way: domain ← store ← hooks ← pages ← components. The store is chosen once
//! at start-up (`app::start`). Chart options, formatting and URL view state are pure
//! functions (`charts`, `format`, `view`), tested natively.

pub mod app;
pub mod browser;
pub mod charts;
pub mod components;
pub mod format;
pub mod hooks;
pub mod pages;
pub mod store;
pub mod theme;
pub mod view;
pub mod zones;

#[cfg(test)]
mod test_support;

pub use app::App;
