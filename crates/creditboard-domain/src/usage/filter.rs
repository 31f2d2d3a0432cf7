//! Which entries a view includes: a period's slice of the ledger, the filter every listing
//! and summary takes, and the text search over descriptions, features and engines.

use crate::entry::{EntryKind, EntryStatus, LedgerEntry};
use crate::ids::{CategoryId, FeatureId, Label, MemberId, ProjectId, TierId};
use crate::ledger::Ledger;
use crate::period::{DateRange, Period, PeriodPreset};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which entries a view includes. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerFilter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<EntryKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<EntryStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<Label>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierId>,
    /// Case-insensitive text searched in the description and the feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl LedgerFilter {
    pub fn is_empty(&self) -> bool {
        *self == LedgerFilter::default()
    }

    pub fn matches(&self, e: &LedgerEntry) -> bool {
        self.matches_except_search(e) && self.search.as_deref().is_none_or(|q| search_matches(e, q))
    }

    /// Every condition but the text search (which callers scanning many entries prepare once).
    pub(crate) fn matches_except_search(&self, e: &LedgerEntry) -> bool {
        fn any<T: PartialEq>(wanted: &[T], value: Option<&T>) -> bool {
            wanted.is_empty() || value.is_some_and(|v| wanted.contains(v))
        }
        (self.kinds.is_empty() || self.kinds.contains(&e.kind))
            && (self.statuses.is_empty() || self.statuses.contains(&e.status))
            && any(&self.categories, e.usage.category.as_ref())
            && any(&self.features, e.usage.feature.as_ref())
            && any(&self.engines, e.usage.engine.as_ref())
            && any(&self.members, e.usage.member.as_ref())
            && any(&self.projects, e.usage.project.as_ref())
            && any(&self.tiers, e.usage.tier.as_ref())
    }
}

fn search_matches(e: &LedgerEntry, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    let hit = |s: Option<&str>| s.is_some_and(|s| contains_folded(s, &q));
    q.is_empty()
        || hit(e.usage.description.as_ref().map(Label::as_str))
        || hit(e.usage.feature.as_ref().map(FeatureId::as_str))
        || hit(e.usage.engine.as_ref().map(Label::as_str))
}

/// Whether `text` contains `needle` (already lower-case), ignoring case; no allocation for
/// ASCII text, which is nearly all of it.
pub(crate) fn contains_folded(text: &str, needle: &str) -> bool {
    if text.is_ascii() && needle.is_ascii() {
        let (t, n) = (text.as_bytes(), needle.as_bytes());
        n.is_empty()
            || t.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
    } else {
        text.to_lowercase().contains(needle)
    }
}

/// The entries of `range`, by binary search on time.
pub fn entries_in<'a>(entries: &'a [LedgerEntry], range: &DateRange) -> &'a [LedgerEntry] {
    let lo = entries.partition_point(|e| e.at < range.start);
    let hi = entries.partition_point(|e| e.at < range.end);
    &entries[lo..hi.max(lo)]
}

/// What `period` covers at `now` for the entries `filter` matches: the calendar's answer, or
/// for "all activity" the days from the first matching entry to the last (an event's
/// period).
pub fn range_of(
    ledger: &Ledger,
    period: Period,
    filter: &LedgerFilter,
    now: DateTime<Utc>,
) -> DateRange {
    let activity = (period == Period::preset(PeriodPreset::AllActivity))
        .then(|| span(ledger.entries(), filter))
        .flatten();
    period.resolve_over(now, &ledger.config().calendar(), activity)
}

/// The times of the first and the last entry `filter` matches (entries are in time order).
fn span(entries: &[LedgerEntry], filter: &LedgerFilter) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = entries.iter().find(|e| filter.matches(e))?;
    let last = entries.iter().rev().find(|e| filter.matches(e))?;
    Some((first.at, last.at))
}
