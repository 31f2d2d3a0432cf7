//! Creditboard's domain: every credit rule, with no I/O.
//!
//! This crate knows nothing of the web, async runtimes or databases; the browser's demo store
//! and the REST server both run the same code on the same types. Start with
//! [`account::Account`] (one account and every use case, each authorizing its caller),
//! [`api::calls`] (the dashboard's reads and actions, declared once), [`ledger::Ledger`] (what
//! happens to credits), [`period::Period`] (which days a view covers) and [`usage`] (what the
//! dashboard shows).
//!
//! With the `openapi` feature every serde type also implements `utoipa::ToSchema`, describing
//! exactly what serde writes: a field serde may leave out is optional, and an `Option` it
//! always writes (as `null` when empty) is marked `schema(required)`.

pub mod access;
pub mod account;
pub mod activity;
pub mod alerts;
pub mod amount;
pub mod api;
pub mod arithmetic;
pub mod batch;
pub mod billing;
pub mod config;
pub mod entry;
pub mod error;
pub mod events;
pub mod forecast;
pub mod history;
pub mod ids;
pub mod ledger;
pub mod period;
pub mod preset;
pub mod ratecard;
pub mod topups;
pub mod tz;
pub mod usage;

pub use amount::Amount;
pub use config::AccountConfig;
pub use config::meter::BucketKind;
pub use entry::{EntryId, EntryKind, EntryStatus, LedgerEntry, Operation, Receipt, Usage};
pub use error::{DomainError, Result};
pub use ledger::Ledger;
pub use period::{DateRange, Period, PeriodPreset};
pub use tz::Timezone;
