//! The dashboard's small design system: the pieces every page builds with, each once (one
//! focus trap, one drawer, one dialog, one date-range form, one pager). They know nothing of
//! the account or the ledger: they take plain values, signals, callbacks and children.

pub mod date_range;
pub mod dialog;
pub mod drawer;
pub mod focus;
pub mod pager;
