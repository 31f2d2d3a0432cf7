//! What automatic top-up settings would do: a fork of the ledger plays the coming months
//! hour by hour at a burn rate, with refills, expiries and the monthly cap as they will be.

use crate::amount::Amount;
use crate::billing::price_of;
use crate::config::meter::AutoTopUp;
use crate::config::offer::Money;
use crate::config::settings::SettingsChange;
use crate::entry::{ConsumeOp, EntryKind, JobStatus, Operation, Usage};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, MeterId};
use crate::ledger::Ledger;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One local calendar month of a top-up simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpMonth {
    pub year: i32,
    pub month: u32,
    pub top_ups: u32,
    pub credits: Amount,
    /// What they would be charged, when the meter has an offer.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub price: Option<Money>,
    /// A top-up was due but the monthly cap held it back.
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpSimulation {
    pub burn_per_day: Amount,
    pub days: u32,
    pub months: Vec<TopUpMonth>,
    /// The first local day the balance could not cover the usage, if it came.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub runs_dry_on: Option<chrono::NaiveDate>,
}

/// How often `settings` would top `meter` up over the next `days` at `burn_per_day`, by
/// letting a fork of the ledger (refills, expiries, the cap and all) play it hour by hour.
pub fn simulate_top_ups(
    ledger: &Ledger,
    meter: &MeterId,
    settings: AutoTopUp,
    burn_per_day: Amount,
    now: DateTime<Utc>,
    days: u32,
) -> Result<TopUpSimulation> {
    let config = ledger.config();
    let m = config.meter(meter)?.clone();
    let tz = config.timezone;
    let offer = config.offer(meter).cloned();
    let mut sim = ledger.fork();
    sim.top_ups_post_at_once();
    sim.configure(&SettingsChange::AutoTopUp {
        meter: meter.clone(),
        settings: Some(AutoTopUp {
            enabled: true,
            ..settings
        }),
    })?;
    sim.advance_to(now.max(ledger.now()))?;
    let start = sim.now();
    let burn = burn_per_day.get().max(0);
    let mut months: Vec<TopUpMonth> = Vec::new();
    let mut runs_dry_on = None;
    let hours = i64::from(days.min(366)) * 24;
    for h in 1..=hours {
        // Spread a day's usage over its hours, the remainder on the first ones.
        let share = burn / 24 + i64::from((h - 1) % 24 < burn % 24);
        let at = start + Duration::hours(h);
        let before = sim.entries().len();
        let result = if share > 0 {
            sim.apply(Operation::Consume(ConsumeOp {
                key: IdempotencyKey::new(&format!("simulated-{h}"))?,
                meter: meter.clone(),
                amount: Amount::minor(share),
                at,
                status: JobStatus::Success,
                usage: Usage::default(),
            }))
            .map(|_| ())
        } else {
            sim.advance_to(at)
        };
        if let Err(DomainError::InsufficientCredits { .. }) = result {
            runs_dry_on.get_or_insert(tz.date_of(at));
            sim.advance_to(at)?;
        } else {
            result?;
        }
        let local = tz.date_of(at);
        let month = match months.last_mut() {
            Some(last) if (last.year, last.month) == (local.year(), local.month()) => last,
            _ => {
                months.push(TopUpMonth {
                    year: local.year(),
                    month: local.month(),
                    top_ups: 0,
                    credits: Amount::ZERO,
                    price: None,
                    capped: false,
                });
                months.last_mut().ok_or(DomainError::Overflow)?
            }
        };
        let mut fired = false;
        for e in &sim.entries()[before..] {
            if e.kind == EntryKind::AutoTopUp && e.meter == *meter {
                fired = true;
                month.top_ups += 1;
                month.credits = month.credits.checked_add(e.amount)?;
            }
        }
        // Below the threshold after a consume with no top-up: the cap held it back.
        let balance = sim.balance(meter)?.available;
        if share > 0 && !fired && balance < settings.threshold && settings.monthly_cap.is_some() {
            let consumed_across = sim.entries()[before..].iter().any(|e| {
                e.kind == EntryKind::Consume
                    && e.balance_after.get().saturating_sub(e.amount.get())
                        >= settings.threshold.get()
            });
            month.capped |= consumed_across;
        }
    }
    if let Some(offer) = &offer {
        for month in &mut months {
            month.price = Some(price_of(month.credits, m.decimals, offer)?);
        }
    }
    Ok(TopUpSimulation {
        burn_per_day: Amount::minor(burn),
        days,
        months,
        runs_dry_on,
    })
}
