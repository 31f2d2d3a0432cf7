//! The serde types of the REST API (`/api/v1`), shared by the server and the browser's stores
//! so they cannot drift apart: what each call takes and answers. Query strings are read and
//! written in [`query`]; the calls themselves are declared once in [`calls`].

pub mod call;
pub mod calls;
pub mod dispatch;
pub mod host;
pub mod query;
#[cfg(feature = "openapi")]
pub mod schema;

use crate::access::{self, Action, Viewer};
use crate::amount::Amount;
use crate::billing::{PurchaseChoice, Quote};
use crate::config::meter::{AutoTopUp, MeterConfig};
use crate::config::offer::PurchaseOffer;
use crate::config::presentation::Presentation;
use crate::config::settings::{AlertRule, MemberCap};
use crate::config::{AccountConfig, Member, Plan, Project};
use crate::entry::{EntryId, EntryStatus, LedgerEntry};
use crate::error::DomainError;
use crate::forecast::{ExpiringSoon, Forecast};
use crate::ids::{AccountId, IdempotencyKey, MemberId, MeterId};
use crate::ledger::MeterBalance;
use crate::period::{DateRange, Freshness, Period, PeriodChoices};
use crate::ratecard::EstimateLine;
use crate::tz::Timezone;
use crate::usage::{LedgerFilter, MeterUsage};
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
    pub usage_periods: PeriodChoices,
    /// The product's words for cards, ledger columns and buckets, and the Activity page's
    /// time ranges.
    #[serde(default)]
    pub presentation: Presentation,
    /// The member the request is made as (None for embed tokens).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub viewer: Option<Viewer>,
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
    pub fn may(&self, action: Action) -> bool {
        access::may(&self.members, self.viewer.as_ref(), action)
    }

    /// What the viewer is told in place of a control they may not use.
    pub fn refusal(&self, action: Action) -> DomainError {
        access::refusal(&self.members, action)
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
    pub choice: PurchaseChoice,
    pub key: IdempotencyKey,
}

/// What a purchase added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyResult {
    pub quote: Quote,
    /// The purchase's entry (its row in Activity).
    pub entry: EntryId,
    pub replayed: bool,
    /// `success`: paid and credited; `pending`: waiting for the payment provider (it will
    /// be settled); `failed`: the payment was declined or failed, nothing was added.
    pub status: EntryStatus,
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
    pub total_amount: Amount,
}

/// `POST …/estimate`: the lines to price (the body is the JSON array itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EstimateRequest(pub Vec<EstimateLine>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialize_to_the_documented_shape() {
        let body = ErrorBody::from(&DomainError::UnknownMeter("minutes".into()));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["code"], "unknown_meter");
        assert_eq!(json["error"]["message"], "there is no meter “minutes”");
    }
}
