//! How long a hold may reserve credits before the ledger gives them back by itself.

use super::invalid;
use crate::error::{DomainError, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The shortest life a hold may be given: a job reports within a minute at the soonest.
pub const MIN_HOLD_MINUTES: u32 = 1;
/// The longest: a week, as card authorizations; credits reserved longer are as good as gone
/// for the team, and may outlive the bucket they came from.
pub const MAX_HOLD_MINUTES: u32 = 7 * 24 * 60;

/// Every hold expires: unless it says otherwise, `expire_after_minutes` after it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldPolicy {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10080))]
    pub expire_after_minutes: u32,
}

impl Default for HoldPolicy {
    /// A day: long enough for any render, short enough that a lost job frees its credits
    /// the same day.
    fn default() -> Self {
        HoldPolicy {
            expire_after_minutes: 24 * 60,
        }
    }
}

impl HoldPolicy {
    pub(super) fn validate(&self) -> Result<()> {
        if !(MIN_HOLD_MINUTES..=MAX_HOLD_MINUTES).contains(&self.expire_after_minutes) {
            return invalid(format!(
                "holds expire after {MIN_HOLD_MINUTES} to {MAX_HOLD_MINUTES} minutes (a week), not {}",
                self.expire_after_minutes
            ));
        }
        Ok(())
    }

    /// When a hold made at `at` expires: `asked` seconds after it, if that is within the
    /// bounds, else after the account's default.
    pub fn expiry(&self, at: DateTime<Utc>, asked: Option<u32>) -> Result<DateTime<Utc>> {
        check_expires_in(asked)?;
        let seconds = asked.map_or(i64::from(self.expire_after_minutes) * 60, i64::from);
        Ok(at + Duration::seconds(seconds))
    }
}

/// Whether a hold may ask to live `asked` seconds (any account's bounds; none: its default),
/// so a request can be refused before any account is looked at.
pub fn check_expires_in(asked: Option<u32>) -> Result<()> {
    match asked {
        Some(s) if !(MIN_HOLD_MINUTES * 60..=MAX_HOLD_MINUTES * 60).contains(&s) => {
            Err(DomainError::HoldExpiryOutOfRange { seconds: s })
        }
        _ => Ok(()),
    }
}
