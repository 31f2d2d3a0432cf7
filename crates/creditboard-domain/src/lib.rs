//! Creditboard's domain: every credit rule, with no I/O.
//!
//! This crate knows nothing of the web, async runtimes or databases; the browser's demo store
//! and the REST server both run the same code on the same types. Start with [`ledger::Ledger`]
//! (what happens to credits), [`period::Period`] (which days a view covers) and
//! [`aggregate`] (what the dashboard shows).
//!
//! With the `openapi` feature every serde type also implements `utoipa::ToSchema`, describing
//! exactly what serde writes: a field serde may leave out is optional, and an `Option` it
//! always writes (as `null` when empty) is marked `schema(required)`.

pub mod access;
pub mod account;
pub mod activity;
pub mod aggregate;
pub mod alerts;
pub mod amount;
pub mod api;
pub mod batch;
pub mod billing;
pub mod demo;
pub mod entry;
pub mod error;
pub mod forecast;
pub mod ids;
pub mod ledger;
pub mod period;
pub mod presentation;
pub mod preset;
pub mod ratecard;
pub mod rollup;
pub mod tz;

pub use account::{AccountConfig, BucketKind, Timezone};
pub use amount::Amount;
pub use entry::{EntryId, EntryKind, EntryStatus, LedgerEntry, Operation, Receipt, Usage};
pub use error::{DomainError, Result};
pub use ledger::Ledger;
pub use period::{DateRange, Period, PeriodPreset};
