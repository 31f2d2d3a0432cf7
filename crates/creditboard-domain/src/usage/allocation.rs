//! What a usage rate is measured against: the plan's allocation for the days shown.
//!
//! One rule: every billing cycle a range touches gives its allocation in proportion to the
//! time of the cycle the range covers. The current billing period is measured against its
//! whole cycle (what the plan grants for it); any other range against the allocation for its
//! days ("239.8 of 233.3 min allocated for these 7 days"), so a rate above 100 % always means
//! usage ran ahead of what the plan grants for that time.

use crate::amount::Amount;
use crate::error::{DomainError, Result};
use crate::period::{Calendar, DateRange};

/// The plan's allocation (`per_cycle` each billing cycle) for `range`, pro rata by time.
pub fn allocation_for(per_cycle: Amount, calendar: &Calendar, range: &DateRange) -> Result<Amount> {
    let (tz, billing) = (calendar.timezone, calendar.billing);
    let mut start = billing.current_start(tz, range.start);
    let mut total: i128 = 0;
    while start < range.end {
        let next = billing.next_start(tz, start);
        let length = (next - start).num_seconds();
        let covered = (next.min(range.end) - start.max(range.start)).num_seconds();
        if covered > 0 && length > 0 {
            // Rounded half up to the minor unit, per cycle: a whole cycle is exact.
            let (n, d) = (
                i128::from(per_cycle.get()) * i128::from(covered),
                i128::from(length),
            );
            total += (2 * n + d) / (2 * d);
        }
        start = next;
    }
    i64::try_from(total)
        .map(Amount::minor)
        .map_err(|_| DomainError::Overflow)
}
