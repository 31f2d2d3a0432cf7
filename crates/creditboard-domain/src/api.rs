//! The serde types of the REST API (`/api/v1`), shared by the server and the browser's REST
//! store so the two cannot drift apart. Query strings are parsed into validated domain types
//! here, once, at the edge.

use crate::account::{
    AccountConfig, AlertRule, AutoTopUp, Freshness, Member, MemberCap, MeterConfig, Plan, Project,
    PurchaseOffer, Role, Timezone,
};
use crate::aggregate::{LedgerFilter, MeterUsage};
use crate::amount::Amount;
use crate::entry::{EntryId, EntryKind, EntryStatus, LedgerEntry};
use crate::error::{DomainError, Result};
use crate::forecast::{ExpiringSoon, Forecast, expiring_within, forecast, forecast_with};
use crate::ids::{AccountId, CategoryId, FeatureId, Label, MemberId, MeterId, ProjectId, TierId};
use crate::ledger::{Ledger, MeterBalance};
use crate::period::{DateRange, Period, data_through};
use crate::rollup::DailyRollup;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `{"error":{"code":"insufficient_credits","message":"…"}}`, the body of every 4xx/5xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl From<&DomainError> for ErrorBody {
    fn from(e: &DomainError) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: e.code().to_string(),
                message: e.to_string(),
            },
        }
    }
}

/// `GET /api/v1/account`: who the account is and how it is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    pub id: AccountId,
    pub name: String,
    pub timezone: Timezone,
    pub freshness: Freshness,
    pub plan: Plan,
    pub meters: Vec<MeterConfig>,
    pub members: Vec<Member>,
    pub projects: Vec<Project>,
    /// What can be bought, per meter.
    #[serde(default)]
    pub offers: Vec<PurchaseOffer>,
    #[serde(default)]
    pub member_caps: Vec<MemberCap>,
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
    /// The periods the usage page offers.
    #[serde(default)]
    pub usage_periods: crate::period::PeriodChoices,
    /// The product's words for cards, ledger columns and buckets, and the Activity page's
    /// time ranges.
    #[serde(default)]
    pub presentation: crate::presentation::Presentation,
    /// The member the request is made as (None for embed tokens).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub viewer: Option<Viewer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Viewer {
    pub member: MemberId,
    pub role: Role,
}

impl AccountView {
    pub fn new(config: &AccountConfig, viewer: Option<Viewer>) -> Self {
        AccountView {
            id: config.id.clone(),
            name: config.name.clone(),
            timezone: config.timezone,
            freshness: config.freshness,
            plan: config.plan,
            meters: config.meters.clone(),
            members: config.members.clone(),
            projects: config.projects.clone(),
            offers: config.offers.clone(),
            member_caps: config.member_caps.clone(),
            usage_periods: config.usage_periods.clone(),
            presentation: config.presentation.clone(),
            alerts: config.alerts.clone(),
            viewer,
        }
    }

    /// The viewer may do `action` (for showing a control; the store checks again).
    pub fn may(&self, action: crate::access::Action) -> bool {
        self.viewer.as_ref().is_some_and(|v| {
            self.members
                .iter()
                .any(|m| m.id == v.member && m.role == action.needs())
        })
    }

    /// Who a member asks for admin-only actions.
    pub fn admin_name(&self) -> &str {
        self.members
            .iter()
            .find(|m| m.role == Role::Admin)
            .map_or("your account owner", |m| m.name.as_str())
    }

    pub fn offer(&self, meter: &MeterId) -> Option<&PurchaseOffer> {
        self.offers.iter().find(|o| &o.meter == meter)
    }
}

/// `POST /api/v1/purchases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyRequest {
    pub meter: MeterId,
    pub choice: crate::billing::PurchaseChoice,
    pub key: crate::ids::IdempotencyKey,
}

/// What a purchase added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyResult {
    pub quote: crate::billing::Quote,
    pub entry: EntryId,
    pub replayed: bool,
}

/// `POST /api/v1/top-ups/simulate`: what these settings would do at the recent burn rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpSimulationRequest {
    pub meter: MeterId,
    pub settings: AutoTopUp,
}

/// How many days a top-up simulation covers.
pub const TOP_UP_SIMULATION_DAYS: u32 = 90;

/// What `request`'s top-up settings would add and charge over [`TOP_UP_SIMULATION_DAYS`] at
/// the meter's last-30-day burn rate.
pub fn simulate_top_ups(
    ledger: &Ledger,
    request: &TopUpSimulationRequest,
    now: DateTime<Utc>,
) -> Result<crate::billing::TopUpSimulation> {
    let burn = forecast(ledger, &request.meter, now, FORECAST_WINDOW_DAYS)?.burn_per_day;
    crate::billing::simulate_top_ups(
        ledger,
        &request.meter,
        request.settings,
        burn,
        now,
        TOP_UP_SIMULATION_DAYS,
    )
}

/// Prices `lines` against the ledger's available balances.
pub fn estimate(
    ledger: &Ledger,
    card: &crate::ratecard::RateCard,
    lines: &[crate::ratecard::EstimateLine],
) -> Result<crate::ratecard::Estimate> {
    crate::ratecard::estimate(
        card,
        ledger.config(),
        |m| ledger.balance(m).map_or(Amount::ZERO, |b| b.available),
        lines,
    )
}

/// Buys what `request` asks for as `viewer` (see [`crate::billing::buy`]) and says what it
/// bought.
pub fn buy(
    ledger: &mut Ledger,
    viewer: Option<&Viewer>,
    request: &BuyRequest,
    provider: &mut dyn crate::billing::PaymentProvider,
    now: DateTime<Utc>,
) -> Result<BuyResult> {
    let receipt = crate::billing::buy(
        ledger,
        viewer,
        &request.meter,
        &request.choice,
        provider,
        request.key.clone(),
        now,
    )?;
    // After `buy`, which checks the viewer may buy before anything else.
    let quote = crate::billing::quote(ledger.config(), &request.meter, &request.choice)?;
    Ok(BuyResult {
        quote,
        entry: receipt.first,
        replayed: receipt.replayed,
    })
}

/// `GET /api/v1/team`: what each member spent this month, per meter, and their caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamView {
    pub spend: Vec<MemberSpend>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberSpend {
    pub member: MemberId,
    pub meter: MeterId,
    pub this_month: Amount,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub cap: Option<Amount>,
}

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

/// `GET /api/v1/balance`: every meter's balance, buckets, and what expires soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BalanceView {
    pub as_of: DateTime<Utc>,
    pub meters: Vec<MeterBalanceView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterBalanceView {
    pub balance: MeterBalance,
    /// Credits lost within 30 days unless used.
    pub expiring_soon: Vec<ExpiringSoon>,
}

/// `GET /api/v1/usage?period=…&meter=…&<filter>`: the dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageView {
    pub period: Period,
    pub range: DateRange,
    /// The last instant the numbers include ("data through yesterday 23:59", or now).
    pub data_through: DateTime<Utc>,
    pub meters: Vec<MeterUsage>,
    pub forecasts: Vec<Forecast>,
}

/// What the usage page asks for: a period and a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageQuery {
    pub period: Period,
    #[serde(default)]
    pub filter: LedgerFilter,
}

/// The trailing window the run-out forecast averages over ("at your last-30-day rate").
pub const FORECAST_WINDOW_DAYS: u32 = 30;

/// How far ahead the Credits panel lists credits about to expire.
pub const EXPIRING_SOON_DAYS: u32 = 30;

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
/// [`DailyRollup`]); the numbers are the same either way.
pub fn usage_view(
    ledger: &Ledger,
    rollup: &mut DailyRollup,
    query: &UsageQuery,
    now: DateTime<Utc>,
) -> Result<UsageView> {
    rollup.sync(ledger);
    let config = ledger.config();
    let range = query.period.resolve(now, config.timezone, config.freshness);
    let meters = config
        .meters
        .iter()
        .map(|m| rollup.summarize(ledger, &m.id, &range, &query.filter))
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

/// `GET /api/v1/ledger`: one page of entries, newest first, with keyset cursors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    /// Pass as `after` for the next (older) page.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next: Option<EntryId>,
    /// Pass as `before` for the previous (newer) page.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub prev: Option<EntryId>,
    /// Entries matching the filter in the period.
    pub total_count: u64,
    /// Sum of their amounts.
    pub total_amount: crate::amount::Amount,
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

/// A validated query: what a [`RawQuery`] means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewQuery {
    pub period: Option<Period>,
    pub meter: Option<MeterId>,
    pub filter: LedgerFilter,
}

impl RawQuery {
    /// Validates every parameter; the first bad one is the error.
    pub fn parse(&self) -> Result<ViewQuery> {
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
        Ok(ViewQuery {
            period,
            meter,
            filter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn errors_serialize_to_the_documented_shape() {
        let body = ErrorBody::from(&DomainError::UnknownMeter("minutes".into()));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["code"], "unknown_meter");
        assert_eq!(json["error"]["message"], "there is no meter “minutes”");
    }
}
