//! Creditboard's browser app: a Leptos client-side app over the domain crate.
//!
//! Data flows one way: domain ← store ← hooks ← pages ← components. The store is chosen once
//! at start-up (`app::start`). Chart options, formatting and URL view state are pure
//! functions (`charts`, `format`, `view`), tested natively.

/// `fn $name(…) -> T { … }` as a split point: in the split build (`split` feature) a
/// `#[leptos::lazy]` function whose code is a wasm chunk of its own, fetched on its first
/// call; otherwise a plain `async fn`. Callers `.await` it either way.
macro_rules! split_point {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[$doc])*
        #[cfg(feature = "split")]
        #[leptos::lazy]
        $vis fn $name($($arg: $ty),*) -> $ret $body

        $(#[$doc])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) -> $ret $body
    };
}

pub mod app;
pub mod browser;
pub mod charts;
pub mod components;
pub mod embed;
pub mod format;
pub mod hooks;
pub mod locale;
pub mod pages;
pub mod start;
pub mod store;
pub mod theme;
pub mod view;
pub mod zones;

#[cfg(test)]
mod test_support;

pub use app::App;
