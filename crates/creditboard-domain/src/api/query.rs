//! The query strings of usage, ledger and export requests, both ways. [`RawQuery`] is what a
//! server receives, validated once into domain types ([`RawQuery::parse`]); [`QueryString`]
//! writes a request in the API's parameter names and reads it back, so the REST store and the
//! server cannot disagree about a name.

use super::UsageQuery;
use crate::activity::{ActivityQuery, EXPORT_CHUNK_ROWS, ExportRequest, PageRequest};
use crate::entry::{EntryId, EntryKind, EntryStatus};
use crate::error::{DomainError, Result};
use crate::ids::{CategoryId, FeatureId, Label, MemberId, MeterId, ProjectId, TierId};
use crate::period::{Period, PeriodPreset};
use crate::usage::LedgerFilter;
use serde::{Deserialize, Serialize};

/// A query string's parameters, decoded, in order.
pub type Query = Vec<(String, String)>;

/// `?a=b&c=d`, percent-encoded; empty for no parameters (a link to the bare path).
pub fn to_query_string(query: &Query) -> String {
    fn encode(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(b))
                }
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        encode(k, &mut out);
        out.push('=');
        encode(v, &mut out);
    }
    out
}

/// A request that travels as a query string.
pub trait QueryString: Sized {
    /// The request in the API's parameter names.
    fn to_query(&self) -> Query;
    /// The request a query string asks for; the first bad parameter is the error.
    fn from_query(query: &[(String, String)]) -> Result<Self>;
    /// The parameters, for the API document.
    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter>;
}

/// The query strings of usage and ledger requests, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema, utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct RawQuery {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub meter: Option<String>,
    /// Comma-separated lists.
    pub kind: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub feature: Option<String>,
    pub engine: Option<String>,
    pub member: Option<String>,
    pub project: Option<String>,
    pub tier: Option<String>,
    pub q: Option<String>,
}

impl RawQuery {
    /// Validates every parameter into what it means; the first bad one is the error.
    pub fn parse(&self) -> Result<ActivityQuery> {
        fn list<T>(raw: &Option<String>, parse: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
            raw.as_deref()
                .map(|s| {
                    s.split(',')
                        .filter(|p| !p.trim().is_empty())
                        .map(|p| parse(p.trim()))
                        .collect()
                })
                .transpose()
                .map(Option::unwrap_or_default)
        }
        let period = Period::from_query(
            self.period.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
        )?;
        let meter = self.meter.as_deref().map(MeterId::new).transpose()?;
        let unknown = |what: &'static str| {
            move |s: &str| DomainError::InvalidId {
                what,
                value: s.to_string(),
                reason: "it is not one of the known values",
            }
        };
        let filter = LedgerFilter {
            kinds: list(&self.kind, |s| {
                EntryKind::parse(s).ok_or_else(|| unknown("type")(s))
            })?,
            statuses: list(&self.status, |s| {
                EntryStatus::parse(s).ok_or_else(|| unknown("status")(s))
            })?,
            categories: list(&self.category, CategoryId::new)?,
            features: list(&self.feature, FeatureId::new)?,
            engines: list(&self.engine, Label::new)?,
            members: list(&self.member, MemberId::new)?,
            projects: list(&self.project, ProjectId::new)?,
            tiers: list(&self.tier, TierId::new)?,
            search: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(|q| q.chars().take(Label::MAX_LEN).collect()),
        };
        Ok(ActivityQuery {
            period,
            meter,
            filter,
        })
    }
}

/// Paging of a ledger listing, as the API document describes it.
#[cfg(feature = "openapi")]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 4294967295_i64, value_type = Option<i64>)]
    pub page: Option<u32>,
    /// Rows per page, 1 to 1,000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub size: Option<u32>,
    /// The newest entry id the listing includes, from the first page's answer: later pages
    /// of the same listing neither skip nor repeat rows while entries arrive.
    #[param(minimum = 1)]
    pub snapshot: Option<i64>,
}

/// Where an export chunk starts, as the API document describes it.
#[cfg(feature = "openapi")]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Fixed by the first chunk; pass it back with the next.
    #[param(minimum = 1)]
    pub snapshot: Option<i64>,
    /// The last id of the previous chunk.
    #[param(minimum = 1)]
    pub older_than: Option<i64>,
    /// Rows in this chunk, 1 to 100,000 (default 5,000).
    #[param(minimum = 1, maximum = 100000)]
    pub rows: Option<u32>,
}

/// The value of `key` in `query` (the last, when it is given twice).
fn value<'q>(query: &'q [(String, String)], key: &str) -> Option<&'q str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl RawQuery {
    /// The parameters of a query string that a `RawQuery` reads (others are ignored).
    pub fn from_pairs(query: &[(String, String)]) -> RawQuery {
        let get = |key: &str| value(query, key).map(str::to_string);
        RawQuery {
            period: get("period"),
            from: get("from"),
            to: get("to"),
            meter: get("meter"),
            kind: get("kind"),
            status: get("status"),
            category: get("category"),
            feature: get("feature"),
            engine: get("engine"),
            member: get("member"),
            project: get("project"),
            tier: get("tier"),
            q: get("q"),
        }
    }
}

/// A whole number parameter, if given.
pub(crate) fn number<T: std::str::FromStr>(
    query: &[(String, String)],
    key: &str,
) -> Result<Option<T>> {
    value(query, key)
        .map(|v| {
            v.parse().map_err(|_| {
                DomainError::InvalidQuery(format!("{key} is a whole number, not “{v}”"))
            })
        })
        .transpose()
}

/// An entry id parameter: 1 or more.
fn entry_id(query: &[(String, String)], key: &str) -> Result<Option<EntryId>> {
    match number::<i64>(query, key)? {
        None => Ok(None),
        Some(id) if id >= 1 => Ok(Some(EntryId(id.unsigned_abs()))),
        Some(id) => Err(DomainError::InvalidQuery(format!(
            "{key} is an entry id (1 or more), not {id}"
        ))),
    }
}

#[cfg(feature = "openapi")]
fn params_of<P: utoipa::IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    P::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
}

impl QueryString for UsageQuery {
    fn to_query(&self) -> Query {
        usage_pairs(self)
    }

    /// No period: the last 30 days.
    fn from_query(query: &[(String, String)]) -> Result<Self> {
        let v = RawQuery::from_pairs(query).parse()?;
        Ok(UsageQuery {
            period: v.period.unwrap_or(Period::Preset(PeriodPreset::Last30Days)),
            filter: v.filter,
        })
    }

    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter> {
        params_of::<RawQuery>()
    }
}

impl QueryString for PageRequest {
    fn to_query(&self) -> Query {
        page_pairs(self)
    }

    /// Page 1 of 50 rows unless asked otherwise.
    fn from_query(query: &[(String, String)]) -> Result<Self> {
        let request = PageRequest {
            query: RawQuery::from_pairs(query).parse()?,
            size: number(query, "size")?.unwrap_or(50),
            page: number(query, "page")?.unwrap_or(1),
            snapshot: entry_id(query, "snapshot")?,
        };
        request.check()?;
        Ok(request)
    }

    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter> {
        let mut params = params_of::<RawQuery>();
        params.extend(params_of::<PageParams>());
        params
    }
}

impl QueryString for ExportRequest {
    fn to_query(&self) -> Query {
        export_pairs(self)
    }

    fn from_query(query: &[(String, String)]) -> Result<Self> {
        Ok(ExportRequest {
            query: RawQuery::from_pairs(query).parse()?,
            snapshot: entry_id(query, "snapshot")?,
            older_than: entry_id(query, "older_than")?,
            rows: number(query, "rows")?.unwrap_or(EXPORT_CHUNK_ROWS),
        })
    }

    #[cfg(feature = "openapi")]
    fn params() -> Vec<utoipa::openapi::path::Parameter> {
        let mut params = params_of::<RawQuery>();
        params.extend(params_of::<ExportParams>());
        params
    }
}

/// A period's parameters (`period=…`, or `from=…&to=…`).
pub fn period_pairs(period: Period) -> Query {
    period
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The query parameters of a filter, named as [`RawQuery`]'s fields; lists are
/// comma-separated.
fn filter_pairs(filter: &LedgerFilter, out: &mut Query) {
    fn list<T>(out: &mut Query, key: &str, items: &[T], text: impl Fn(&T) -> &str) {
        if !items.is_empty() {
            let joined: Vec<&str> = items.iter().map(text).collect();
            out.push((key.to_string(), joined.join(",")));
        }
    }
    list(out, "kind", &filter.kinds, |k| k.as_str());
    list(out, "status", &filter.statuses, |s| s.as_str());
    list(out, "category", &filter.categories, |c| c.as_str());
    list(out, "feature", &filter.features, |f| f.as_str());
    list(out, "engine", &filter.engines, |e| e.as_str());
    list(out, "member", &filter.members, |m| m.as_str());
    list(out, "project", &filter.projects, |p| p.as_str());
    list(out, "tier", &filter.tiers, |t| t.as_str());
    if let Some(q) = &filter.search {
        out.push(("q".into(), q.clone()));
    }
}

fn usage_pairs(query: &UsageQuery) -> Query {
    let mut out = period_pairs(query.period);
    filter_pairs(&query.filter, &mut out);
    out
}

/// A listing's parameters; no period is the whole history.
fn listing_pairs(query: &ActivityQuery) -> Query {
    let mut out = query.period.map(period_pairs).unwrap_or_default();
    if let Some(meter) = &query.meter {
        out.push(("meter".into(), meter.as_str().to_string()));
    }
    filter_pairs(&query.filter, &mut out);
    out
}

fn page_pairs(request: &PageRequest) -> Query {
    let mut out = listing_pairs(&request.query);
    out.push(("page".into(), request.page.to_string()));
    out.push(("size".into(), request.size.to_string()));
    if let Some(snapshot) = request.snapshot {
        out.push(("snapshot".into(), snapshot.0.to_string()));
    }
    out
}

fn export_pairs(request: &ExportRequest) -> Query {
    let mut out = listing_pairs(&request.query);
    for (key, id) in [
        ("snapshot", request.snapshot),
        ("older_than", request.older_than),
    ] {
        if let Some(id) = id {
            out.push((key.into(), id.0.to_string()));
        }
    }
    out.push(("rows".into(), request.rows.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryId;
    use crate::ids::{MemberId, MeterId};

    #[test]
    fn query_strings_become_validated_views_or_say_what_is_wrong() {
        let raw = RawQuery {
            period: Some("last_30_days".into()),
            kind: Some("consume,refund".into()),
            member: Some("m_anton".into()),
            q: Some("  keyframe ".into()),
            ..RawQuery::default()
        };
        let v = raw.parse().unwrap();
        assert_eq!(v.filter.kinds, vec![EntryKind::Consume, EntryKind::Refund]);
        assert_eq!(v.filter.search.as_deref(), Some("keyframe"));
        for (raw, code) in [
            (
                RawQuery {
                    kind: Some("consume,teleport".into()),
                    ..RawQuery::default()
                },
                "invalid_id",
            ),
            (
                RawQuery {
                    status: Some("maybe".into()),
                    ..RawQuery::default()
                },
                "invalid_id",
            ),
            (
                RawQuery {
                    period: Some("forever".into()),
                    ..RawQuery::default()
                },
                "unknown_period",
            ),
            (
                RawQuery {
                    member: Some("a b".into()),
                    ..RawQuery::default()
                },
                "invalid_id",
            ),
        ] {
            assert_eq!(raw.parse().unwrap_err().code(), code);
        }
    }

    #[test]
    fn queries_use_the_apis_parameter_names() {
        let filter = LedgerFilter {
            kinds: vec![EntryKind::Consume, EntryKind::HoldCapture],
            statuses: vec![EntryStatus::Failed],
            members: vec![MemberId::new("m_anton").unwrap()],
            search: Some("key frame".into()),
            ..LedgerFilter::default()
        };
        let usage = UsageQuery {
            period: Period::preset(PeriodPreset::Last90Days),
            filter: filter.clone(),
        };
        assert_eq!(
            to_query_string(&usage_pairs(&usage)),
            "?period=last_90_days&kind=consume%2Chold_capture&status=failed&member=m_anton&q=key%20frame"
        );
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let query = ActivityQuery {
            period: Some(Period::custom(d("2026-08-01"), d("2026-08-31")).unwrap()),
            meter: Some(MeterId::new("credits").unwrap()),
            filter: LedgerFilter::default(),
        };
        let page = PageRequest {
            query: query.clone(),
            size: 25,
            page: 3,
            snapshot: Some(EntryId(812)),
        };
        assert_eq!(
            to_query_string(&page_pairs(&page)),
            "?from=2026-08-01&to=2026-08-31&meter=credits&page=3&size=25&snapshot=812"
        );
        // No period: the whole history.
        let export = ExportRequest {
            query: ActivityQuery::default(),
            snapshot: Some(EntryId(9)),
            older_than: None,
            rows: 5000,
        };
        assert_eq!(
            to_query_string(&export_pairs(&export)),
            "?snapshot=9&rows=5000"
        );
    }

    #[test]
    fn the_query_pairs_parse_back_into_the_same_view() {
        let filter = LedgerFilter {
            kinds: vec![EntryKind::Refund, EntryKind::AutoTopUp],
            members: vec![
                MemberId::new("m_anton").unwrap(),
                MemberId::new("m_mira").unwrap(),
            ],
            search: Some("upscale".into()),
            ..LedgerFilter::default()
        };
        let query = ActivityQuery {
            period: Some(Period::preset(PeriodPreset::ThisMonth)),
            meter: Some(MeterId::new("credits").unwrap()),
            filter,
        };
        let mut raw = RawQuery::default();
        for (k, v) in listing_pairs(&query) {
            let slot = match k.as_str() {
                "period" => &mut raw.period,
                "meter" => &mut raw.meter,
                "kind" => &mut raw.kind,
                "member" => &mut raw.member,
                "q" => &mut raw.q,
                other => panic!("unexpected parameter {other}"),
            };
            *slot = Some(v);
        }
        let view = raw.parse().unwrap();
        assert_eq!(view.period, query.period);
        assert_eq!(view.meter, query.meter);
        assert_eq!(view.filter, query.filter);
    }
}
