//! The run-out forecast: at the recent burn rate, when do the credits run out, and which
//! credits will expire before they are used?
//!
//! The forecast does not model the rules a second time: it forks the ledger's balances and
//! lets the real ledger play the coming days (refills, rollover caps, expiries, top-ups) with
//! one day's average usage per day.

use crate::amount::Amount;
use crate::config::meter::{BucketKind, MeterConfig, UnusedAllocation};
use crate::entry::BucketId;
use crate::entry::{ConsumeOp, EntryKind, JobStatus, Operation, Usage};
use crate::error::Result;
use crate::ids::{IdempotencyKey, MeterId};
use crate::ledger::{Ledger, MeterBalance};
use crate::period::{DateRange, Period, PeriodPreset, check_instant};
use crate::usage::{average_per_day, entries_in};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead the forecast looks.
pub const HORIZON_DAYS: u32 = 365;

/// Credits held now that will expire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpiringCredits {
    pub bucket: BucketId,
    pub kind: BucketKind,
    /// Balance now.
    pub amount: Amount,
    pub expires_at: DateTime<Utc>,
    /// What the forecast expects to be left at expiry.
    pub expected_unused: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forecast {
    pub meter: MeterId,
    pub window_days: u32,
    /// Average net usage per day over the window.
    pub burn_per_day: Amount,
    pub available: Amount,
    /// The local day on which the balance no longer covers a day's usage; `None` when that
    /// does not happen within [`HORIZON_DAYS`] (refills or top-ups keep up, or no usage).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub runs_out_on: Option<NaiveDate>,
    pub expiring: Vec<ExpiringCredits>,
    /// Sum of `expected_unused`.
    pub expected_unused: Amount,
    /// What the forecast counted on besides the balance: the refills and automatic top-ups
    /// the ledger would write until the credits run out (or within the horizon).
    pub counted: Counted,
}

/// Credits a forecast expects to arrive before the balance runs out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counted {
    /// The first refill's day, when one comes.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub first_refill: Option<NaiveDate>,
    pub refills: u32,
    pub refilled: Amount,
    pub top_ups: u32,
    pub topped_up: Amount,
}

/// Forecast for `meter` from `now`, at the average rate of the last `window_days` days.
///
/// The window is the one the dashboard calls "the last 30 days": local days in the account's
/// timezone, ending today (or yesterday, when data runs through yesterday), so the rate the
/// forecast states is the average per day the page shows for that period.
pub fn forecast(
    ledger: &Ledger,
    meter: &MeterId,
    now: DateTime<Utc>,
    window_days: u32,
) -> Result<Forecast> {
    forecast_with(ledger, meter, now, window_days, |window| {
        entries_in(ledger.entries(), window)
            .iter()
            .filter(|e| e.meter == *meter)
            .try_fold(Amount::ZERO, |acc, e| acc.checked_add(e.net_usage()))
    })
}

/// [`forecast`] with the window's usage from elsewhere (the daily rollups).
pub(crate) fn forecast_with(
    ledger: &Ledger,
    meter: &MeterId,
    now: DateTime<Utc>,
    window_days: u32,
    used_in: impl FnOnce(&DateRange) -> Result<Amount>,
) -> Result<Forecast> {
    let now = check_instant(now)?.max(ledger.now());
    let config = ledger.config();
    let tz = config.timezone;
    let last = Period::preset(PeriodPreset::Last1Day).resolve(now, &config.calendar());
    // A young account's rate is over the days it has existed, not over an empty window.
    let opened = tz.date_of(ledger.opened_at());
    let age_days = (last.until - opened).num_days().max(1);
    let window_days = window_days.clamp(1, u32::try_from(age_days).unwrap_or(u32::MAX));
    let from = last.until - chrono::Days::new(u64::from(window_days));
    let window = DateRange::new(tz, from, last.until);
    let used = used_in(&window)?;
    let burn = average_per_day(used, window_days).max(Amount::ZERO);

    let mut sim = ledger.fork();
    sim.top_ups_post_at_once();
    sim.advance_to(now)?;
    let balance = sim.balance(meter)?;
    let known = sim.entries().len();
    let expiring_now: Vec<(BucketId, BucketKind, Amount, DateTime<Utc>)> = balance
        .buckets
        .iter()
        .filter(|b| b.balance.is_positive())
        .filter_map(|b| b.expires_at.map(|e| (b.id, b.kind, b.balance, e)))
        .collect();
    let last_expiry = expiring_now.iter().map(|x| x.3).max();

    let tz = ledger.config().timezone;
    let mut runs_out_on = None;
    for day in 1..=i64::from(HORIZON_DAYS) {
        // One day's usage lands in the middle of its 24 hours, so a refill or an expiry at the
        // end of the day comes after it.
        let t = now + Duration::days(day - 1) + Duration::hours(12);
        sim.advance_to(t)?;
        if !burn.is_zero() && runs_out_on.is_none() {
            let consume = |part: &str, amount: Amount| -> Result<Operation> {
                Ok(Operation::Consume(ConsumeOp {
                    key: IdempotencyKey::new(&format!("forecast-{day}{part}"))?,
                    meter: meter.clone(),
                    amount,
                    at: t,
                    status: JobStatus::Success,
                    usage: Usage::default(),
                }))
            };
            let before = sim.balance(meter)?.available;
            // A day's use is many small jobs: when the balance cannot cover all of it, the
            // first of them use what is there, which may set off an automatic top-up that
            // covers the rest.
            let first = burn.min(before);
            let covered = first.is_positive()
                && sim.apply(consume("", first)?).is_ok()
                && (first == burn || {
                    let rest = burn.checked_sub(first)?;
                    sim.balance(meter)?.available >= rest
                        && sim.apply(consume("-rest", rest)?).is_ok()
                });
            if !covered {
                runs_out_on = Some(tz.date_of(t));
            }
        }
        let expiries_done = last_expiry.is_none_or(|e| t >= e);
        if (burn.is_zero() || runs_out_on.is_some()) && expiries_done {
            break;
        }
    }

    let expiring: Vec<ExpiringCredits> = expiring_now
        .into_iter()
        .map(|(bucket, kind, amount, expires_at)| {
            let unused = crate::arithmetic::checked_sum(
                sim.entries()
                    .iter()
                    .filter(|e| e.kind == EntryKind::Expiry && e.meter == *meter)
                    .flat_map(|e| &e.split)
                    .filter(|s| s.bucket == bucket)
                    .map(|s| Amount::minor(-s.amount.get())),
            )?;
            Ok(ExpiringCredits {
                bucket,
                kind,
                amount,
                expires_at,
                expected_unused: unused,
            })
        })
        .collect::<Result<_>>()?;
    let expected_unused =
        crate::arithmetic::checked_sum(expiring.iter().map(|e| e.expected_unused))?;
    let mut counted = Counted::default();
    let until = runs_out_on.map(|d| crate::period::start_of_day(tz, d));
    for e in sim.entries()[known..]
        .iter()
        .filter(|e| e.meter == *meter && until.is_none_or(|u| e.at < u))
    {
        match e.kind {
            EntryKind::Refill => {
                counted.first_refill.get_or_insert(tz.date_of(e.at));
                counted.refills += 1;
                counted.refilled = counted.refilled.checked_add(e.amount)?;
            }
            EntryKind::AutoTopUp => {
                counted.top_ups += 1;
                counted.topped_up = counted.topped_up.checked_add(e.amount)?;
            }
            _ => {}
        }
    }
    Ok(Forecast {
        meter: meter.clone(),
        window_days,
        burn_per_day: burn,
        available: balance.available,
        runs_out_on,
        expiring,
        expected_unused,
        counted,
    })
}

/// Credits that will be lost within `days` of `now` (at most [`HORIZON_DAYS`]) if nothing is
/// used (the Credits panel's list). An allocation that rolls over only counts with the part
/// the bank has no room for.
pub fn expiring_within(
    meter: &MeterConfig,
    balance: &MeterBalance,
    now: DateTime<Utc>,
    days: u32,
) -> Vec<ExpiringSoon> {
    let until = now
        .checked_add_signed(Duration::days(i64::from(days.min(HORIZON_DAYS))))
        .unwrap_or(now);
    let bank = Amount::minor(
        balance
            .buckets
            .iter()
            .filter(|b| b.kind == BucketKind::Rollover)
            .map(|b| b.balance.get())
            .fold(0i64, i64::saturating_add),
    );
    balance
        .buckets
        .iter()
        .filter(|b| b.balance.is_positive())
        .filter_map(|b| {
            let expires_at = b.expires_at.filter(|e| *e <= until)?;
            let amount = match (b.kind, meter.allocation.map(|a| a.unused)) {
                (BucketKind::Included, Some(UnusedAllocation::Rollover { cap })) => {
                    let room = Amount::minor((cap.get() - bank.get()).max(0));
                    Amount::minor((b.balance.get() - room.get()).max(0))
                }
                _ => b.balance,
            };
            amount.is_positive().then_some(ExpiringSoon {
                kind: b.kind,
                amount,
                expires_at,
            })
        })
        .collect()
}

/// Credits that will be lost at `expires_at` unless used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpiringSoon {
    pub kind: BucketKind,
    pub amount: Amount,
    pub expires_at: DateTime<Utc>,
}
