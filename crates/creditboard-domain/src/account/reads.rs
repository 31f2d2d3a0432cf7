//! What an account answers: who it is, balances, usage with its forecast, listings and
//! exports, estimates, team spend, notifications, what top-ups would do. Anyone with access
//! may read; none of these writes an entry.

use super::{Account, Scan};
use crate::access::Caller;
use crate::activity::{
    self, ActivityPage, ActivityQuery, ExportChunk, ExportRequest, ExportScan, ExportStream,
    ListingScan, PageRequest,
};
use crate::alerts::Notification;
use crate::amount::Amount;
use crate::api::{
    AccountView, BalanceView, EXPIRING_SOON_DAYS, FORECAST_WINDOW_DAYS, MemberSpend,
    MeterBalanceView, TOP_UP_SIMULATION_DAYS, TeamView, TopUpSimulationRequest, UsageQuery,
    UsageView,
};
use crate::error::Result;
use crate::forecast::{expiring_within, forecast, forecast_with};
use crate::ledger::Ledger;
use crate::period::{Period, PeriodPreset, data_through};
use crate::ratecard::{self, Estimate, EstimateLine};
use crate::topups::{self, TopUpSimulation};
use crate::usage::DailyRollup;
use crate::usage::filter::range_of;
use chrono::{DateTime, Utc};

impl Account {
    /// Who the account is and how it is set up, and who `caller` is in it.
    pub fn view(&self, caller: &Caller) -> AccountView {
        let config = self.config();
        AccountView::new(config, caller.viewer(config))
    }

    /// Every meter's balance and buckets at `now`.
    pub fn balance(&self, now: DateTime<Utc>) -> Result<BalanceView> {
        balance_view(&self.ledger, now)
    }

    /// The usage page's numbers for `query` at `now`.
    pub fn usage(&mut self, query: &UsageQuery, now: DateTime<Utc>) -> Result<UsageView> {
        usage_view(&self.ledger, &mut self.rollup, query, now)
    }

    /// One page of the credit activity. A copy opened from its snapshot answers a listing
    /// without a filter but the meter from its block sums and the few entries they point
    /// to; a filtered one wants the stored entries scanned ([`Account::take_scan`]), then
    /// answers with the page that scan made.
    pub fn activity(&mut self, request: &PageRequest, now: DateTime<Utc>) -> Result<ActivityPage> {
        if self.ledger.base() == 0 {
            return activity::activity_page(&self.ledger, &mut self.index, request, now);
        }
        if activity::without_history(&request.query) {
            self.blocks.sync(&self.ledger);
            return activity::partial_page(&self.ledger, &self.blocks, request, now);
        }
        if let Some(page) = self.scanned_page(request) {
            return Ok(page);
        }
        let scan = ListingScan::new(&self.ledger, request, now)?;
        self.blocks.sync(&self.ledger);
        let from = match scan.period_start() {
            Some(start) => self.blocks.first_at(&self.ledger, start.timestamp_millis()),
            None => 1,
        };
        self.want_scan(Scan::Listing(scan.starting_at(from)))
    }

    /// The next chunk of a listing's CSV export. A copy opened from its snapshot counts the
    /// rows as its listing does (the first chunk's `total`), then wants the chunk scanned.
    pub fn export(&mut self, request: &ExportRequest, now: DateTime<Utc>) -> Result<ExportChunk> {
        if self.ledger.base() == 0 {
            return activity::export_chunk(&self.ledger, &mut self.index, request, now);
        }
        if let Some(chunk) = self.scanned_chunk(request) {
            return Ok(chunk);
        }
        // Made before counting: a request that cannot be made is refused as such.
        let scan = ExportScan::new(&self.ledger, request, now)?;
        if request.older_than.is_none() {
            let listing = PageRequest {
                query: request.query.clone(),
                size: 1,
                page: 1,
                // The export's snapshot, as the listing's: the newest entry, or older.
                snapshot: request.snapshot,
            };
            let total = self.activity(&listing, now)?.total_count;
            return self.want_scan(Scan::Export(scan.counting(total)));
        }
        self.want_scan(Scan::Export(scan))
    }

    /// The CSV export of `query` as a stream fed with the stored entries, newest first
    /// (a copy opened from a snapshot makes it without its history, but for all activity).
    pub fn export_stream(&self, query: &ActivityQuery, now: DateTime<Utc>) -> Result<ExportStream> {
        ExportStream::new(&self.ledger, query, now)
    }

    /// Prices `lines` against the available balances.
    pub fn estimate(&self, lines: &[EstimateLine]) -> Result<Estimate> {
        let ledger = &self.ledger;
        ratecard::estimate(
            &self.rate_card,
            ledger.config(),
            |m| ledger.balance(m).map_or(Amount::ZERO, |b| b.available),
            lines,
        )
    }

    /// What each member committed this month, per meter, and their caps.
    pub fn team(&self) -> Result<TeamView> {
        team_view(&self.ledger)
    }

    /// The low-balance alerts that fired, oldest first (the newest ones).
    pub fn notifications(&mut self) -> Vec<Notification> {
        self.alerts.latest(&self.ledger)
    }

    /// What `request`'s top-up settings would add and charge over
    /// [`TOP_UP_SIMULATION_DAYS`] at the meter's last-30-day burn rate.
    pub fn simulate_top_ups(
        &self,
        request: &TopUpSimulationRequest,
        now: DateTime<Utc>,
    ) -> Result<TopUpSimulation> {
        let ledger = &self.ledger;
        ledger.require_history()?;
        let burn = forecast(ledger, &request.meter, now, FORECAST_WINDOW_DAYS)?.burn_per_day;
        topups::simulate_top_ups(
            ledger,
            &request.meter,
            request.settings,
            burn,
            now,
            TOP_UP_SIMULATION_DAYS,
        )
    }
}

/// What each member committed this month on each meter, and their caps.
pub fn team_view(ledger: &Ledger) -> Result<TeamView> {
    let config = ledger.config();
    let mut spend = Vec::new();
    for member in &config.members {
        for meter in &config.meters {
            spend.push(MemberSpend {
                member: member.id.clone(),
                meter: meter.id.clone(),
                this_month: ledger.spent_this_month(&member.id, &meter.id)?,
                cap: config.member_cap(&member.id, &meter.id),
            });
        }
    }
    Ok(TeamView { spend })
}

/// Every meter's balance at `now`, with what expires within [`EXPIRING_SOON_DAYS`]. The
/// ledger must have been brought up to `now` (refills and expiries written).
pub fn balance_view(ledger: &Ledger, now: DateTime<Utc>) -> Result<BalanceView> {
    let meters = ledger
        .config()
        .meters
        .iter()
        .map(|m| {
            let balance = ledger.balance(&m.id)?;
            let expiring_soon = expiring_within(m, &balance, now, EXPIRING_SOON_DAYS);
            Ok(MeterBalanceView {
                balance,
                expiring_soon,
            })
        })
        .collect::<Result<_>>()?;
    Ok(BalanceView { as_of: now, meters })
}

/// The usage page's numbers for `query` at `now`: every meter's summary in the account's
/// timezone, and its run-out forecast.
///
/// `rollup` is brought up to the ledger first and answers what it can (see
/// [`DailyRollup`]); the numbers are the same either way. A ledger opened without its
/// history answers only what the rollups hold: all activity (which starts at the first
/// entry), a text search, kinds or statuses need the whole history.
pub fn usage_view(
    ledger: &Ledger,
    rollup: &mut DailyRollup,
    query: &UsageQuery,
    now: DateTime<Utc>,
) -> Result<UsageView> {
    rollup.sync(ledger);
    if query.period == Period::preset(PeriodPreset::AllActivity) {
        ledger.require_history()?;
    }
    let config = ledger.config();
    let range = range_of(ledger, query.period, &query.filter, now);
    // The current billing period is measured against its whole cycle's allocation, not the
    // part of it that has passed (see `usage::allocation`).
    let whole_cycle = query.period == Period::preset(PeriodPreset::ThisBillingPeriod);
    let meters = config
        .meters
        .iter()
        .map(|m| {
            let usage = rollup.summarize(ledger, &m.id, &range, &query.filter)?;
            Ok(match m.allocation {
                Some(a) if whole_cycle => usage.measured_against(a.amount),
                _ => usage,
            })
        })
        .collect::<Result<_>>()?;
    let forecasts = config
        .meters
        .iter()
        .map(|m| {
            forecast_with(ledger, &m.id, now, FORECAST_WINDOW_DAYS, |window| {
                rollup.used(ledger, &m.id, window)
            })
        })
        .collect::<Result<_>>()?;
    Ok(UsageView {
        period: query.period,
        range,
        data_through: data_through(now, config.timezone, config.freshness),
        meters,
        forecasts,
    })
}
