//! What the dashboard shows for a period and a filter: totals, usage rate, breakdowns and the
//! daily (or monthly) series, all in the account's timezone.
//!
//! Usage is net: charges (consumes, captured holds) count, refunds take them back on the day
//! of the refund and under the charge's attributes. Reservations, grants and expiries are not
//! usage. Functions take entries sorted by time (as every ledger keeps them) and find the
//! period by binary search, so a summary costs one pass over the period's entries; the
//! [`rollup::DailyRollup`] answers the same from days.

pub mod allocation;
pub mod filter;
pub mod rollup;
pub mod series;
pub mod summary;
pub mod tally;

pub use filter::{LedgerFilter, entries_in};
pub use rollup::DailyRollup;
pub use series::{Granularity, Series, SeriesPoint, usage_series};
pub use summary::{MeterUsage, RateLevel, average_per_day, summarize};
pub use tally::{BreakdownRow, NONE_KEY};
