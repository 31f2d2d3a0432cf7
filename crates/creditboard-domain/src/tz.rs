//! Timezones. Every calendar question is answered in the account's IANA timezone, and every
//! one of them reduces to two: which local date and time an instant falls on, and which
//! instant a local time is.
//!
//! Zone data comes from one of two places:
//! - with the `tzdb` feature (the server, native tests), the IANA database compiled in through
//!   chrono-tz;
//! - without it (the browser app, where that database would be a third of the download), a
//!   [`ZoneSource`] the host installs once — the browser's `Intl`, which carries the same
//!   database. A zone's changes of offset are then found by probing the source a year at a
//!   time, and cached: a probed zone answers exactly like the compiled one (a test holds the
//!   two side by side).

use crate::error::{DomainError, Result};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, Utc,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// Where offsets come from when the tz database is not compiled in.
pub trait ZoneSource: Send + Sync {
    /// Whether `name` is a timezone the source knows.
    fn knows(&self, name: &str) -> bool;
    /// The zone's offset from UTC in seconds at `utc` (seconds since the epoch).
    fn offset_at(&self, name: &str, utc: i64) -> Option<i32>;
}

static SOURCE: OnceLock<&'static dyn ZoneSource> = OnceLock::new();

/// Installs the source zones are probed from (once, at start-up); `false` if one was already
/// installed. Names the compiled-in database knows never reach it.
pub fn install_zone_source(source: &'static dyn ZoneSource) -> bool {
    SOURCE.set(source).is_ok()
}

/// An IANA timezone, validated.
#[derive(Clone, Copy)]
pub struct Timezone(Zone);

#[derive(Clone, Copy)]
enum Zone {
    #[cfg(feature = "tzdb")]
    Db(chrono_tz::Tz),
    Probed(&'static Probed),
}

impl Timezone {
    /// The zone called `name` (an IANA name such as `Europe/Berlin`).
    pub fn new(name: &str) -> Result<Self> {
        let name = name.trim();
        #[cfg(feature = "tzdb")]
        if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
            return Ok(Timezone(Zone::Db(tz)));
        }
        match SOURCE.get() {
            Some(source) => Timezone::probed(name, *source),
            None => Err(DomainError::UnknownTimezone(name.to_string())),
        }
    }

    /// The zone called `name`, probed from `source` (the path the browser takes).
    pub fn probed(name: &str, source: &'static dyn ZoneSource) -> Result<Self> {
        static PROBED: Mutex<Vec<&'static Probed>> = Mutex::new(Vec::new());
        let mut known = PROBED.lock().unwrap_or_else(|e| e.into_inner());
        let same = |p: &&&Probed| std::ptr::addr_eq(p.source, source) && p.name == name;
        if let Some(p) = known.iter().find(same) {
            return Ok(Timezone(Zone::Probed(p)));
        }
        if name.is_empty() || name.len() > 64 || !source.knows(name) {
            return Err(DomainError::UnknownTimezone(name.to_string()));
        }
        // One per zone and source for the life of the process: a handful, never freed.
        let p: &'static Probed = Box::leak(Box::new(Probed {
            name: Box::leak(name.to_string().into_boxed_str()),
            source,
            years: Mutex::new(HashMap::new()),
        }));
        known.push(p);
        Ok(Timezone(Zone::Probed(p)))
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            #[cfg(feature = "tzdb")]
            Zone::Db(tz) => tz.name(),
            Zone::Probed(p) => p.name,
        }
    }

    /// The offset from UTC at an instant.
    pub fn offset_at(self, at: DateTime<Utc>) -> FixedOffset {
        let seconds = match self.0 {
            #[cfg(feature = "tzdb")]
            Zone::Db(tz) => at.with_timezone(&tz).offset().fix().local_minus_utc(),
            Zone::Probed(p) => p.offset_at(at.timestamp()),
        };
        FixedOffset::east_opt(seconds).unwrap_or_else(|| Utc.fix())
    }

    /// The local date and time of an instant.
    pub fn local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(i64::from(self.offset_at(at).local_minus_utc()))
    }

    /// The account-local calendar date of an instant.
    pub fn date_of(self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// The instants a local time names: one, two on a repeated hour, none in a skipped one.
    pub fn from_local(self, local: NaiveDateTime) -> LocalResult<DateTime<Utc>> {
        #[cfg(feature = "tzdb")]
        if let Zone::Db(tz) = self.0 {
            use chrono::TimeZone;
            return tz
                .from_local_datetime(&local)
                .map(|t| t.with_timezone(&Utc));
        }
        // Every offset in force within a day of the local time, tried in turn.
        let guess = local.and_utc();
        let mut found: Vec<DateTime<Utc>> = Vec::with_capacity(2);
        for probe in [guess - Duration::days(1), guess, guess + Duration::days(1)] {
            let offset = Duration::seconds(i64::from(self.offset_at(probe).local_minus_utc()));
            let t = guess - offset;
            if self.local(t) == local && !found.contains(&t) {
                found.push(t);
            }
        }
        found.sort();
        match found.as_slice() {
            [] => LocalResult::None,
            [one] => LocalResult::Single(*one),
            [first, .., last] => LocalResult::Ambiguous(*first, *last),
        }
    }

    /// The instant `date` begins: local midnight; the earlier one when midnight repeats; the
    /// first instant that exists when a DST change skips it.
    pub fn start_of_day(self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        match self.from_local(midnight) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
            LocalResult::None => self.first_instant_after_gap(midnight),
        }
    }

    /// `local` falls in a gap: the clocks jumped over it at some instant between `local` read
    /// at the later offset and at the earlier one. That jump is when the day resumes.
    fn first_instant_after_gap(self, local: NaiveDateTime) -> DateTime<Utc> {
        let guess = local.and_utc();
        let before = self.offset_at(guess - Duration::days(1)).local_minus_utc();
        let after = self.offset_at(guess + Duration::days(1)).local_minus_utc();
        let (mut lo, mut hi) = (
            guess - Duration::seconds(i64::from(before.max(after))),
            guess - Duration::seconds(i64::from(before.min(after))),
        );
        // `lo` still has the old offset, `hi` the new: bisect to the second of the change.
        let old = self.offset_at(lo);
        while hi - lo > Duration::seconds(1) {
            let mid = lo + (hi - lo) / 2;
            if self.offset_at(mid) == old {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

impl PartialEq for Timezone {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Timezone {}

impl fmt::Debug for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timezone({})", self.name())
    }
}

impl Serialize for Timezone {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Timezone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timezone::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timezone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("An IANA timezone name."))
            .min_length(Some(1))
            .examples(["Europe/Berlin"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timezone {}

/// A zone probed from a [`ZoneSource`], its offsets cached by UTC year.
struct Probed {
    name: &'static str,
    source: &'static dyn ZoneSource,
    years: Mutex<HashMap<i32, Arc<Year>>>,
}

/// One UTC year of a zone: the offset at its start and every change within it.
struct Year {
    start_offset: i32,
    /// `(first second with the new offset, new offset)`, in time order.
    changes: Vec<(i64, i32)>,
}

/// How far apart the probes are. Real zones never change offset twice within it and back.
const PROBE_STEP: i64 = 3 * 86_400;

impl Probed {
    fn offset_at(&self, t: i64) -> i32 {
        let year = self.year(utc_year_of(t));
        let i = year.changes.partition_point(|&(at, _)| at <= t);
        match i {
            0 => year.start_offset,
            _ => year.changes[i - 1].1,
        }
    }

    fn year(&self, y: i32) -> Arc<Year> {
        let mut years = self.years.lock().unwrap_or_else(|e| e.into_inner());
        years
            .entry(y)
            .or_insert_with(|| Arc::new(self.probe_year(y)))
            .clone()
    }

    /// Samples the year every [`PROBE_STEP`] and bisects each change to the second.
    fn probe_year(&self, y: i32) -> Year {
        let off = |t: i64| self.source.offset_at(self.name, t).unwrap_or(0);
        let (from, to) = (year_start(y), year_start(y + 1));
        let start_offset = off(from);
        let mut changes = Vec::new();
        let (mut t, mut current) = (from, start_offset);
        while t < to {
            let next = (t + PROBE_STEP).min(to);
            let at_next = off(next);
            // Possibly several changes in (t, next]: find them one after another.
            let mut lo = t;
            while current != at_next {
                let mut hi = next;
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if off(mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                current = off(hi);
                if hi < to {
                    changes.push((hi, current));
                }
                lo = hi;
            }
            t = next;
        }
        Year {
            start_offset,
            changes,
        }
    }
}

fn year_start(y: i32) -> i64 {
    NaiveDate::from_ymd_opt(y, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |t| t.and_utc().timestamp())
}

fn utc_year_of(t: i64) -> i32 {
    DateTime::<Utc>::from_timestamp(t, 0).map_or(1970, |d| d.year())
}

#[cfg(all(test, feature = "tzdb"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The compiled-in database, seen through the probing path: what the browser does with
    /// `Intl`, checked against the database itself.
    struct Compiled;

    impl ZoneSource for Compiled {
        fn knows(&self, name: &str) -> bool {
            name.parse::<chrono_tz::Tz>().is_ok()
        }
        fn offset_at(&self, name: &str, utc: i64) -> Option<i32> {
            let tz: chrono_tz::Tz = name.parse().ok()?;
            let at = DateTime::<Utc>::from_timestamp(utc, 0)?;
            Some(
                tz.offset_from_utc_datetime(&at.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        }
    }

    const ZONES: [&str; 9] = [
        "America/New_York",
        "Europe/London",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Santiago",
        "Africa/Casablanca", // DST suspended for Ramadan: four changes a year
        "Pacific/Apia",      // skipped 2011-12-30 entirely
        "UTC",
    ];

    #[test]
    fn a_probed_zone_answers_like_the_compiled_database() {
        for name in ZONES {
            let db = Timezone::new(name).unwrap();
            let probed = Timezone::probed(name, &Compiled).unwrap();
            assert_eq!(probed.name(), name);
            // Every 5 hours and 7 minutes from 2009 to 2031: offsets and local dates agree.
            let mut t = Utc.with_ymd_and_hms(2009, 1, 1, 0, 0, 0).unwrap();
            let end = Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap();
            while t < end {
                assert_eq!(probed.offset_at(t), db.offset_at(t), "{name} at {t}");
                t += Duration::minutes(5 * 60 + 7);
            }
            // Every local midnight, and the hours around DST changes.
            let mut day = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap();
            while day.year() < 2030 {
                assert_eq!(
                    probed.start_of_day(day),
                    db.start_of_day(day),
                    "{name} {day}"
                );
                for h in [1, 2, 3] {
                    let local = day.and_hms_opt(h, 30, 0).unwrap();
                    assert_eq!(
                        probed.from_local(local),
                        db.from_local(local),
                        "{name} {local}"
                    );
                }
                day = day.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn unknown_names_are_refused_by_either_path() {
        for name in ["Mars/Olympus", "", "Europe/Berlin/Mitte"] {
            assert_eq!(Timezone::new(name).unwrap_err().code(), "unknown_timezone");
            assert!(Timezone::probed(name, &Compiled).is_err());
        }
    }
}
