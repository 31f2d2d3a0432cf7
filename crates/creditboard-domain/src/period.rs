//! Periods in the account's timezone: "last 30 days", "this month", a custom range, …
//!
//! A [`Period`] is what the user chose (and what the URL holds); a [`DateRange`] is what it
//! means today in one timezone: local calendar days and the exact UTC instants that bound
//! them. Local midnight is found DST-safely: on a day that skips midnight the day starts at the
//! first instant that exists, on a day that repeats it at the earliest.

use crate::error::{DomainError, Result};
use crate::tz::Timezone;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Freshness of usage data: live, or through the end of yesterday (Lucas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    #[default]
    Live,
    ThroughYesterday,
}

/// The longest range we aggregate (ten years): a bound on work, not a product limit.
pub const MAX_RANGE_DAYS: u32 = 3660;

/// The earliest and latest instants the domain accepts. Far beyond any real ledger, and far
/// enough inside chrono's range that date arithmetic near them cannot overflow.
pub fn supported_instants() -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map_or(earliest, |t| t.and_utc());
    (earliest, latest)
}

/// Refuses instants outside [`supported_instants`] (a request dated in year 200,000 gets an
/// error, not a panic deep in calendar arithmetic).
pub fn check_instant(at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let (earliest, latest) = supported_instants();
    if at < earliest || at > latest {
        return Err(DomainError::TimeOutOfRange(at.to_rfc3339()));
    }
    Ok(at)
}

/// The UTC instant at which `date` begins in `tz` (see [`Timezone::start_of_day`]).
pub fn start_of_day(tz: Timezone, date: NaiveDate) -> DateTime<Utc> {
    tz.start_of_day(date)
}

/// When billing cycles start: local midnight on `anchor_day` of every month (clamped to the
/// month's last day, so 31 means "the last day" in short months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingCycle {
    pub anchor_day: u8,
}

impl BillingCycle {
    /// The first cycle start strictly after `after`.
    pub fn next_start(self, tz: Timezone, after: DateTime<Utc>) -> DateTime<Utc> {
        let local = tz.date_of(after);
        let this_month = local.with_day(1).unwrap_or(local);
        for months_ahead in 0..3 {
            let month = this_month + Months::new(months_ahead);
            let start = start_of_day(tz, self.day_in(month));
            if start > after {
                return start;
            }
        }
        // Unreachable: a month ahead always starts later. Fall back to a safe value.
        after + chrono::Duration::days(31)
    }

    /// The latest cycle start at or before `at`.
    pub fn current_start(self, tz: Timezone, at: DateTime<Utc>) -> DateTime<Utc> {
        let local = tz.date_of(at);
        let this_month = local.with_day(1).unwrap_or(local);
        for months_back in 0..3 {
            let month = this_month - Months::new(months_back);
            let start = start_of_day(tz, self.day_in(month));
            if start <= at {
                return start;
            }
        }
        at
    }

    fn day_in(self, first_of_month: NaiveDate) -> NaiveDate {
        let last = (first_of_month + Months::new(1))
            .pred_opt()
            .unwrap_or(first_of_month);
        let day = u32::from(self.anchor_day).clamp(1, last.day());
        first_of_month.with_day(day).unwrap_or(first_of_month)
    }
}

/// What an account's calendar questions need: its timezone, how fresh its data is, and when
/// its billing cycles start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub timezone: Timezone,
    pub freshness: Freshness,
    pub billing: BillingCycle,
}

impl Calendar {
    /// A calendar whose billing cycles start on the 1st.
    pub fn new(timezone: Timezone, freshness: Freshness) -> Self {
        Calendar {
            timezone,
            freshness,
            billing: BillingCycle { anchor_day: 1 },
        }
    }
}

/// The presets users pick from. Every product offers its own subset (Lucas: five of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodPreset {
    /// The last 24 hours (VideoGen's "1 day"); with data through yesterday, yesterday.
    #[serde(rename = "last_1_day")]
    Last1Day,
    #[serde(rename = "last_7_days")]
    Last7Days,
    #[serde(rename = "last_30_days")]
    Last30Days,
    ThisMonth,
    LastMonth,
    #[serde(rename = "last_90_days")]
    Last90Days,
    #[serde(rename = "last_180_days")]
    Last180Days,
    ThisYear,
    /// Since the current billing cycle began (ngram's "current billing period").
    ThisBillingPeriod,
    /// From the day of the first activity in view to the day of the last: a project's whole
    /// life (Foto Master's "Event Period"), resolved over the ledger (see
    /// [`Period::resolve_over`]).
    AllActivity,
}

impl PeriodPreset {
    pub const ALL: [PeriodPreset; 10] = [
        PeriodPreset::ThisBillingPeriod,
        PeriodPreset::Last1Day,
        PeriodPreset::Last7Days,
        PeriodPreset::ThisMonth,
        PeriodPreset::LastMonth,
        PeriodPreset::Last30Days,
        PeriodPreset::Last90Days,
        PeriodPreset::Last180Days,
        PeriodPreset::ThisYear,
        PeriodPreset::AllActivity,
    ];

    /// The URL/API spelling (`?period=last_90_days`).
    pub fn slug(self) -> &'static str {
        match self {
            PeriodPreset::Last1Day => "last_1_day",
            PeriodPreset::Last7Days => "last_7_days",
            PeriodPreset::Last30Days => "last_30_days",
            PeriodPreset::ThisMonth => "this_month",
            PeriodPreset::LastMonth => "last_month",
            PeriodPreset::Last90Days => "last_90_days",
            PeriodPreset::Last180Days => "last_180_days",
            PeriodPreset::ThisYear => "this_year",
            PeriodPreset::ThisBillingPeriod => "this_billing_period",
            PeriodPreset::AllActivity => "all_activity",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodPreset::Last1Day => "Last 24 hours",
            PeriodPreset::Last7Days => "Last 7 days",
            PeriodPreset::Last30Days => "Last 30 days",
            PeriodPreset::ThisMonth => "This month",
            PeriodPreset::LastMonth => "Last month",
            PeriodPreset::Last90Days => "Last 90 days",
            PeriodPreset::Last180Days => "Last 180 days",
            PeriodPreset::ThisYear => "This year",
            PeriodPreset::ThisBillingPeriod => "This billing period",
            PeriodPreset::AllActivity => "All activity",
        }
    }
}

impl FromStr for PeriodPreset {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self> {
        PeriodPreset::ALL
            .into_iter()
            .find(|p| p.slug() == s)
            .ok_or_else(|| DomainError::UnknownPeriod(s.to_string()))
    }
}

impl fmt::Display for PeriodPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// The periods a product's usage page offers, in the order shown: its presets, whether a
/// custom range may be chosen, and the one shown when the URL names none (Lucas offers
/// exactly five presets and no custom range; Foto Master "This Month", "This Year" and
/// "Select Dates").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodChoices {
    pub presets: Vec<PeriodPreset>,
    pub custom: bool,
    pub default: PeriodPreset,
}

impl Default for PeriodChoices {
    /// The dashboard's own set: seven presets and a custom range, the last 30 days first.
    fn default() -> Self {
        PeriodChoices {
            // Every preset but VideoGen's single day, ngram's billing period and a project's
            // whole life, in the usual order.
            presets: PeriodPreset::ALL
                .into_iter()
                .filter(|p| {
                    !matches!(
                        p,
                        PeriodPreset::Last1Day
                            | PeriodPreset::ThisBillingPeriod
                            | PeriodPreset::AllActivity
                    )
                })
                .collect(),
            custom: true,
            default: PeriodPreset::Last30Days,
        }
    }
}

impl PeriodChoices {
    /// The Activity page's own set: every preset (VideoGen's single day first), a custom
    /// range, the last 30 days first.
    pub fn activity() -> Self {
        PeriodChoices {
            presets: vec![
                PeriodPreset::Last1Day,
                PeriodPreset::Last7Days,
                PeriodPreset::Last30Days,
                PeriodPreset::ThisMonth,
                PeriodPreset::LastMonth,
                PeriodPreset::Last90Days,
                PeriodPreset::Last180Days,
                PeriodPreset::ThisYear,
            ],
            custom: true,
            default: PeriodPreset::Last30Days,
        }
    }

    /// A project's page: its whole life first (Foto Master's "Event Period"), then the
    /// last 30 days, this month, this year and a custom range.
    pub fn project() -> Self {
        PeriodChoices {
            presets: vec![
                PeriodPreset::AllActivity,
                PeriodPreset::Last30Days,
                PeriodPreset::ThisMonth,
                PeriodPreset::ThisYear,
            ],
            custom: true,
            default: PeriodPreset::AllActivity,
        }
    }

    /// Checks the usage page's choices.
    pub fn validate(&self) -> Result<()> {
        self.validate_for("the usage page")
    }

    /// Checks the choices of `page` (named in the error: "the Activity page needs …").
    pub fn validate_for(&self, page: &str) -> Result<()> {
        let bad = |msg: String| Err(DomainError::InvalidConfig(msg));
        if self.presets.is_empty() {
            return bad(format!("{page} needs at least one period preset"));
        }
        for (i, p) in self.presets.iter().enumerate() {
            if self.presets[..i].contains(p) {
                return bad(format!("{page}: the period “{p}” is offered twice"));
            }
        }
        if !self.presets.contains(&self.default) {
            return bad(format!(
                "{page}: the default period “{}” is not one of the periods offered",
                self.default
            ));
        }
        Ok(())
    }

    /// Whether the usage page offers `period`.
    pub fn offers(&self, period: Period) -> bool {
        match period {
            Period::Preset(p) => self.presets.contains(&p),
            Period::Custom { .. } => self.custom,
        }
    }
}

/// A period as chosen: a preset, or a custom range of local dates (both ends inclusive).
/// In JSON `{"preset":"last_30_days"}` or `{"custom":{"from":…,"to":…}}`; deserializing
/// validates like [`Period::custom`], so a reversed range never gets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", try_from = "PeriodRepr")]
pub enum Period {
    Preset(PeriodPreset),
    Custom { from: NaiveDate, to: NaiveDate },
}

/// The wire form of [`Period`], before validation.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PeriodRepr {
    Preset(PeriodPreset),
    Custom { from: NaiveDate, to: NaiveDate },
}

impl TryFrom<PeriodRepr> for Period {
    type Error = DomainError;
    fn try_from(p: PeriodRepr) -> Result<Self> {
        match p {
            PeriodRepr::Preset(preset) => Ok(Period::preset(preset)),
            PeriodRepr::Custom { from, to } => Period::custom(from, to),
        }
    }
}

impl Period {
    pub const fn preset(preset: PeriodPreset) -> Self {
        Period::Preset(preset)
    }

    /// A validated custom range; one day is `custom(d, d)`.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        for d in [from, to] {
            if !(1970..=9999).contains(&d.year()) {
                return Err(DomainError::TimeOutOfRange(d.to_string()));
            }
        }
        if to < from {
            return Err(DomainError::RangeEndsBeforeStart { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > i64::from(MAX_RANGE_DAYS) {
            return Err(DomainError::RangeTooLong {
                max_days: MAX_RANGE_DAYS,
            });
        }
        Ok(Period::Custom { from, to })
    }

    /// Parses the query-string form: `period=<slug>` or `from=YYYY-MM-DD&to=YYYY-MM-DD`.
    /// Raw strings stop here; everything past this point holds a valid `Period`.
    pub fn from_query(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Option<Self>> {
        match (from, to) {
            (Some(f), Some(t)) => Period::custom(parse_date(f)?, parse_date(t)?).map(Some),
            (Some(_), None) | (None, Some(_)) => Err(DomainError::InvalidDate(
                "a custom range needs both “from” and “to”".into(),
            )),
            (None, None) => period.map(|p| p.parse().map(Period::preset)).transpose(),
        }
    }

    /// What this period covers at `now` in the account's calendar. With [`Freshness::ThroughYesterday`] the last
    /// day is yesterday (data for today is not final yet), so "last 7 days" ends yesterday.
    /// No range reaches past the data: a custom range into the future ends with it.
    /// "All activity" knows no ledger here: it is today (see [`Period::resolve_over`]).
    pub fn resolve(self, now: DateTime<Utc>, calendar: &Calendar) -> DateRange {
        self.resolve_over(now, calendar, None)
    }

    /// [`Period::resolve`], with `activity` the times of the first and the last entry in view
    /// (`None`: none): "all activity" is their days, whatever the calendar.
    pub fn resolve_over(
        self,
        now: DateTime<Utc>,
        calendar: &Calendar,
        activity: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> DateRange {
        let Calendar {
            timezone: tz,
            freshness,
            billing,
        } = *calendar;
        let today = tz.date_of(now);
        let reference = reference_day(today, freshness);
        let after_reference = reference.succ_opt().unwrap_or(reference);
        let last_n = |n: u64| (reference - chrono::Days::new(n - 1), after_reference);
        // "This month" and "this year" follow today's calendar, not the reference day's: on
        // the 1st with through-yesterday data, this month is empty rather than last month.
        // "1 day" of live data is the last 24 hours: at 03:50 the job of 13 hours ago is in
        // it. (Data through yesterday has only whole days: yesterday.)
        if self == Period::preset(PeriodPreset::Last1Day) && freshness == Freshness::Live {
            let start = now - Duration::hours(24);
            return DateRange {
                start,
                ..DateRange::new(tz, tz.date_of(start), after_reference)
            };
        }
        let month_start = today.with_day(1).unwrap_or(today);
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(month_start);
        let (from, until) = match self {
            Period::Preset(preset) => match preset {
                PeriodPreset::Last1Day => last_n(1),
                PeriodPreset::Last7Days => last_n(7),
                PeriodPreset::Last30Days => last_n(30),
                PeriodPreset::Last90Days => last_n(90),
                PeriodPreset::Last180Days => last_n(180),
                PeriodPreset::ThisMonth => (month_start, after_reference.max(month_start)),
                PeriodPreset::LastMonth => (month_start - Months::new(1), month_start),
                PeriodPreset::ThisYear => (year_start, after_reference.max(year_start)),
                PeriodPreset::ThisBillingPeriod => {
                    let start = tz.date_of(billing.current_start(tz, now));
                    (start, after_reference.max(start))
                }
                PeriodPreset::AllActivity => match activity {
                    Some((first, last)) => {
                        let last = tz.date_of(last);
                        (tz.date_of(first), last.succ_opt().unwrap_or(last))
                    }
                    None => (today, today.succ_opt().unwrap_or(today)),
                },
            },
            Period::Custom { from, to } => (from, to.succ_opt().unwrap_or(to).min(after_reference)),
        };
        DateRange::new(tz, from, until)
    }

    /// Whether this is a custom range of dates.
    pub fn is_custom(self) -> bool {
        matches!(self, Period::Custom { .. })
    }

    /// The query-string pairs that name this period (`period=last_90_days`, or `from` and
    /// `to`): the inverse of [`Period::from_query`].
    pub fn query_pairs(self) -> Vec<(&'static str, String)> {
        match self {
            Period::Preset(preset) => vec![("period", preset.slug().to_string())],
            Period::Custom { from, to } => vec![("from", from.to_string()), ("to", to.to_string())],
        }
    }
}

/// The last day with final data: today, or yesterday for data through yesterday.
fn reference_day(today: NaiveDate, freshness: Freshness) -> NaiveDate {
    match freshness {
        Freshness::Live => today,
        Freshness::ThroughYesterday => today.pred_opt().unwrap_or(today),
    }
}

/// The last instant the numbers include at `now`: now itself, or yesterday 23:59:59 in the
/// account's timezone when data runs through yesterday.
pub fn data_through(now: DateTime<Utc>, tz: Timezone, freshness: Freshness) -> DateTime<Utc> {
    match freshness {
        Freshness::Live => now,
        Freshness::ThroughYesterday => start_of_day(tz, tz.date_of(now)) - Duration::seconds(1),
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::InvalidDate(s.to_string()))
}

/// Local days `[from, until)` and the UTC instants `[start, end)` that bound them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "DateRangeRepr")]
pub struct DateRange {
    pub from: NaiveDate,
    /// First local day *not* in the range.
    pub until: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The wire form of [`DateRange`], before checking that it runs forwards.
#[derive(Deserialize)]
struct DateRangeRepr {
    from: NaiveDate,
    until: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<DateRangeRepr> for DateRange {
    type Error = DomainError;
    fn try_from(r: DateRangeRepr) -> Result<Self> {
        if r.until < r.from || r.end < r.start {
            return Err(DomainError::RangeEndsBeforeStart {
                from: r.from,
                to: r.until,
            });
        }
        Ok(DateRange {
            from: r.from,
            until: r.until,
            start: r.start,
            end: r.end,
        })
    }
}

impl DateRange {
    /// Only [`Period::resolve`] makes ranges, so `from ≤ until` always holds.
    pub(crate) fn new(tz: Timezone, from: NaiveDate, until: NaiveDate) -> Self {
        let until = until.max(from);
        DateRange {
            from,
            until,
            start: start_of_day(tz, from),
            end: start_of_day(tz, until),
        }
    }

    /// Number of local days (0 for an empty range).
    pub fn days(&self) -> u32 {
        u32::try_from((self.until - self.from).num_days()).unwrap_or(0)
    }

    /// The last day in the range, inclusive (for "Nov 1 – Nov 20").
    pub fn last_day(&self) -> Option<NaiveDate> {
        (self.until > self.from)
            .then(|| self.until.pred_opt())
            .flatten()
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// The UTC instant each local day starts, plus the range end: `days() + 1` boundaries.
    pub fn day_boundaries(&self, tz: Timezone) -> Vec<DateTime<Utc>> {
        self.from
            .iter_days()
            .take(self.days() as usize)
            .map(|d| start_of_day(tz, d))
            .chain(std::iter::once(self.end))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> Timezone {
        Timezone::new(name).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn billing_cycles_start_at_local_midnight_and_clamp_short_months() {
        let ny = tz("America/New_York");
        let cycle = BillingCycle { anchor_day: 31 };
        // (now, next start): Jan 31 00:00 EST = 05:00 UTC; then Feb 28 (2026 is not a leap
        // year); March 31 is after the DST change: 00:00 EDT = 04:00 UTC.
        for (now, next) in [
            ("2026-01-15T00:00:00Z", "2026-01-31T05:00:00Z"),
            ("2026-01-31T05:00:00Z", "2026-02-28T05:00:00Z"),
            ("2026-03-01T00:00:00Z", "2026-03-31T04:00:00Z"),
        ] {
            assert_eq!(cycle.next_start(ny, utc(now)), utc(next), "after {now}");
        }
        // (now, current start).
        for (now, current) in [
            ("2026-03-15T00:00:00Z", "2026-02-28T05:00:00Z"),
            ("2026-03-31T04:00:00Z", "2026-03-31T04:00:00Z"),
        ] {
            assert_eq!(cycle.current_start(ny, utc(now)), utc(current), "at {now}");
        }
    }

    /// `check(zone, date, expected UTC start)`: a table of local midnights.
    fn check_midnight(zone: &str, day: &str, expected: &str) {
        assert_eq!(
            start_of_day(tz(zone), date(day)),
            utc(expected),
            "{zone} {day}"
        );
    }

    #[test]
    fn local_midnight_in_unusual_offsets_and_across_dst() {
        check_midnight("America/New_York", "2026-03-08", "2026-03-08T05:00:00Z"); // EST, DST at 2am
        check_midnight("America/New_York", "2026-03-09", "2026-03-09T04:00:00Z"); // EDT
        check_midnight("Europe/London", "2026-10-25", "2026-10-24T23:00:00Z"); // BST ends at 2am
        check_midnight("Europe/London", "2026-10-26", "2026-10-26T00:00:00Z");
        check_midnight("Asia/Kolkata", "2026-06-01", "2026-05-31T18:30:00Z"); // +05:30
        check_midnight("Australia/Lord_Howe", "2026-10-04", "2026-10-03T13:30:00Z"); // +10:30, then +11
        check_midnight("Australia/Lord_Howe", "2026-10-05", "2026-10-04T13:00:00Z");
        check_midnight("Pacific/Chatham", "2026-09-27", "2026-09-26T11:15:00Z"); // +12:45, DST at 2:45
        check_midnight("Pacific/Chatham", "2026-09-28", "2026-09-27T10:15:00Z"); // +13:45
        // Santiago skips 00:00–00:59 on its DST start (2026-09-06): the day starts at 01:00 -03.
        check_midnight("America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z");
    }

    #[test]
    fn days_across_dst_have_23_and_25_hours() {
        let ny = tz("America/New_York");
        let r = Period::custom(date("2026-03-07"), date("2026-03-09"))
            .unwrap()
            .resolve(
                utc("2026-03-20T12:00:00Z"),
                &Calendar::new(ny, Freshness::Live),
            );
        let b = r.day_boundaries(ny);
        let hours: Vec<i64> = b.windows(2).map(|w| (w[1] - w[0]).num_hours()).collect();
        assert_eq!(hours, vec![24, 23, 24]);
        let london = tz("Europe/London");
        let r = Period::custom(date("2026-10-25"), date("2026-10-25"))
            .unwrap()
            .resolve(
                utc("2026-11-01T12:00:00Z"),
                &Calendar::new(london, Freshness::Live),
            );
        assert_eq!((r.end - r.start).num_hours(), 25);
    }

    #[test]
    fn presets_resolve_to_local_calendar_days() {
        // 2026-11-21 03:00 UTC is still Nov 20 in New York.
        let now = utc("2026-11-21T03:00:00Z");
        let ny = tz("America/New_York");
        let cases: &[(PeriodPreset, &str, &str)] = &[
            (PeriodPreset::Last7Days, "2026-11-14", "2026-11-21"),
            (PeriodPreset::Last30Days, "2026-10-22", "2026-11-21"),
            (PeriodPreset::ThisMonth, "2026-11-01", "2026-11-21"),
            (PeriodPreset::LastMonth, "2026-10-01", "2026-11-01"),
            (PeriodPreset::Last90Days, "2026-08-23", "2026-11-21"),
            (PeriodPreset::Last180Days, "2026-05-25", "2026-11-21"),
            (PeriodPreset::ThisYear, "2026-01-01", "2026-11-21"),
        ];
        for &(preset, from, until) in cases {
            let r = Period::preset(preset).resolve(now, &Calendar::new(ny, Freshness::Live));
            assert_eq!((r.from, r.until), (date(from), date(until)), "{preset}");
            assert_eq!(r.start, start_of_day(ny, date(from)));
        }
        // The last 24 hours: from Nov 19, 22:00 in New York, through the end of today.
        let r = Period::preset(PeriodPreset::Last1Day)
            .resolve(now, &Calendar::new(ny, Freshness::Live));
        assert_eq!((r.from, r.until), (date("2026-11-19"), date("2026-11-21")));
        assert_eq!(
            (r.start, r.end),
            (
                utc("2026-11-20T03:00:00Z"),
                start_of_day(ny, date("2026-11-21"))
            )
        );
        assert!(
            r.contains(utc("2026-11-20T14:00:00Z")),
            "a job 13 hours ago"
        );
        let kolkata = tz("Asia/Kolkata"); // already Nov 21 there
        let r = Period::preset(PeriodPreset::Last7Days)
            .resolve(now, &Calendar::new(kolkata, Freshness::Live));
        assert_eq!((r.from, r.until), (date("2026-11-15"), date("2026-11-22")));
        assert_eq!(r.days(), 7);
    }

    #[test]
    fn data_through_yesterday_ends_ranges_at_the_last_full_day() {
        let now = utc("2026-11-21T15:00:00Z");
        let ny = tz("America/New_York");
        let r = Period::preset(PeriodPreset::Last7Days)
            .resolve(now, &Calendar::new(ny, Freshness::ThroughYesterday));
        assert_eq!(
            (r.from, r.last_day()),
            (date("2026-11-14"), Some(date("2026-11-20")))
        );
        assert_eq!(r.end, utc("2026-11-21T05:00:00Z")); // yesterday 23:59:59 is the last instant
        // On the 1st, "this month" with yesterday's data is empty, not last month.
        let first = utc("2026-12-01T15:00:00Z");
        let r = Period::preset(PeriodPreset::ThisMonth)
            .resolve(first, &Calendar::new(ny, Freshness::ThroughYesterday));
        assert_eq!(r.days(), 0);
        assert_eq!(r.from, date("2026-12-01"));
    }

    #[test]
    fn custom_ranges_end_with_the_data_and_data_through_names_the_last_instant() {
        let now = utc("2026-11-21T15:00:00Z");
        let ny = tz("America/New_York");
        let nov = Period::custom(date("2026-11-01"), date("2026-11-30")).unwrap();
        let live = nov.resolve(now, &Calendar::new(ny, Freshness::Live));
        assert_eq!(
            (live.from, live.last_day()),
            (date("2026-11-01"), Some(date("2026-11-21")))
        );
        let lucas = nov.resolve(now, &Calendar::new(ny, Freshness::ThroughYesterday));
        assert_eq!(lucas.last_day(), Some(date("2026-11-20")));
        let future = Period::custom(date("2026-12-01"), date("2026-12-05")).unwrap();
        assert_eq!(
            future
                .resolve(now, &Calendar::new(ny, Freshness::Live))
                .days(),
            0
        );
        assert_eq!(data_through(now, ny, Freshness::Live), now);
        // Yesterday 23:59:59 in New York (EST, −5) is 04:59:59 UTC today.
        assert_eq!(
            data_through(now, ny, Freshness::ThroughYesterday),
            utc("2026-11-21T04:59:59Z")
        );
    }

    #[test]
    fn a_reversed_period_or_range_cannot_be_deserialized() {
        let bad = r#"{"custom":{"from":"2026-08-31","to":"2026-08-01"}}"#;
        let err = serde_json::from_str::<Period>(bad).unwrap_err();
        assert!(err.to_string().contains("ends"), "{err}");
        let good = r#"{"custom":{"from":"2026-08-01","to":"2026-08-31"}}"#;
        assert!(serde_json::from_str::<Period>(good).is_ok());
        let preset = serde_json::to_string(&Period::preset(PeriodPreset::Last90Days)).unwrap();
        assert_eq!(preset, r#"{"preset":"last_90_days"}"#);
        let range = r#"{"from":"2026-08-31","until":"2026-08-01","start":"2026-08-31T00:00:00Z","end":"2026-08-01T00:00:00Z"}"#;
        assert!(serde_json::from_str::<DateRange>(range).is_err());
    }

    #[test]
    fn a_presets_json_name_is_its_url_slug() {
        for p in PeriodPreset::ALL {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::json!(p.slug())
            );
        }
    }

    #[test]
    fn periods_round_trip_through_their_query_pairs() {
        for p in [
            Period::preset(PeriodPreset::Last90Days),
            Period::custom(date("2026-08-01"), date("2026-08-31")).unwrap(),
        ] {
            let pairs = p.query_pairs();
            let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
            assert_eq!(
                Period::from_query(get("period"), get("from"), get("to")),
                Ok(Some(p))
            );
        }
    }

    #[test]
    fn query_strings_become_periods_or_clear_errors() {
        assert_eq!(
            Period::from_query(Some("last_90_days"), None, None),
            Ok(Some(Period::preset(PeriodPreset::Last90Days)))
        );
        assert_eq!(Period::from_query(None, None, None), Ok(None));
        assert_eq!(
            Period::from_query(None, Some("2026-08-01"), Some("2026-08-31")),
            Ok(Some(Period::Custom {
                from: date("2026-08-01"),
                to: date("2026-08-31")
            }))
        );
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (Some("last_91_days"), None, None, "unknown_period"),
            (None, Some("2026-02-30"), Some("2026-03-01"), "invalid_date"),
            (None, Some("yesterday"), Some("2026-03-01"), "invalid_date"),
            (
                None,
                Some("2026-08-31"),
                Some("2026-08-01"),
                "range_ends_before_start",
            ),
            (None, Some("2026-08-31"), None, "invalid_date"),
            (
                None,
                Some("1990-01-01"),
                Some("2026-01-01"),
                "range_too_long",
            ),
        ];
        for &(p, f, t, code) in cases {
            let err = Period::from_query(p, f, t).unwrap_err();
            assert_eq!(err.code(), code, "{p:?} {f:?} {t:?}");
        }
    }
}
