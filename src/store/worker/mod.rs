//! The demo in a Web Worker. The page talks to it as it would to a server: requests and
//! answers as messages. That keeps the ledger engine, the history generator and the five
//! presets out of the app's own download (a host running on its REST backend never loads
//! them), and keeps the page responsive while a large demo history is generated.
//!
//! - [`protocol`]: the messages both sides exchange;
//! - [`client`]: the page's side, a [`crate::store::Backend`] that posts calls and awaits
//!   their answers;
//! - [`mod@serve`]: the worker's side (the `demo-worker` binary), a
//!   [`crate::store::demo::DemoStore`] answering them.
//!
//! A worker has no local storage, so the page hands it the saved demo state at start-up and
//! writes what the worker asks it to keep. A worker also has its own clock, which tests
//! cannot pin: every request carries the page's "now".

pub mod client;
pub mod protocol;
pub mod serve;

pub use client::WorkerStore;
pub use serve::serve;
