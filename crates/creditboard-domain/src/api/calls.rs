//! The seam between the dashboard and an account, declared once.
//!
//! Each entry of [`crate::with_calls!`] is one read or action: its request type, its answer, where it
//! lives in the REST API, and the [`Account`] method that answers it. Everything else follows
//! from that entry:
//!
//! - the [`Call`] impl here (and [`super::dispatch`], the demo worker's protocol: a call by
//!   name);
//! - the app's stores, which are generic over [`Call`] (`Store::ask`): the REST store builds
//!   the request from [`Call::ROUTE`], the demo store dispatches by name;
//! - the server's route and its OpenAPI entry (`creditboard-server`'s `routes::calls` expands
//!   the same list).
//!
//! Adding a read or an action is the aggregate method and one entry below.

use super::call::{Args, Asker, Call, Method, PathParam, Route};
use super::query::{Query, QueryString};
#[cfg(feature = "openapi")]
use super::schema::{SchemaRef, Schemas, schema_of};
use crate::account::Account;
use crate::entry::EntryId;
use crate::error::{DomainError, Result};
use serde::Serialize;

// The request and answer types of every call, in one namespace: `with_calls!` names them here.
pub use super::host::{AuditPage, AuditQuery, EventsQuery, SentEvent};
pub use super::{
    AccountView, BalanceView, BuyRequest, BuyResult, EstimateRequest, TeamView,
    TopUpSimulationRequest, UsageQuery, UsageView,
};
pub use crate::activity::{ActivityPage, ExportChunk, ExportRequest, PageRequest};
pub use crate::alerts::Notification;
pub use crate::batch::{BatchRequest, HeldShot, SettleRequest};
pub use crate::config::settings::SettingsChange;
pub use crate::ratecard::{Estimate, EstimateLine, RateCard};
pub use crate::topups::TopUpSimulation;

/// Every call, as `name: Request -> Answer { method path, how the request travels, the success
/// status, whether it changes the account, its group and what success means, how the
/// account answers it, and for a path with a parameter its name, what it names and its value
/// in the request }`.
/// `$then!` receives the list (the server expands it into routes and their document).
#[macro_export]
macro_rules! with_calls {
    ($then:ident) => {
        $then! {
            /// Who the account is and how it is set up, and who is asking.
            account: AccountRequest -> AccountView {
                GET "" none 200 read "dashboard" "Who the account is and how it is set up",
                |account, asker, _r| Ok(account.view(asker.caller))
            }
            /// The rate card (feature, category and tier names come from it too).
            rate_card: RateCardRequest -> RateCard {
                GET "/rate-card" none 200 read "dashboard" "Prices by feature, category and tier",
                |account, _asker, _r| Ok(account.rate_card().clone())
            }
            /// Every meter's balance and buckets now.
            balance: BalanceRequest -> BalanceView {
                GET "/balance" none 200 read "dashboard" "Every meter's balance and buckets now",
                |account, asker, _r| account.balance(asker.now)
            }
            /// The usage page's numbers for a period and a filter.
            usage: UsageQuery -> UsageView {
                GET "/usage" query 200 read "dashboard"
                "Usage in the period (default: the last 30 days) in the account's timezone, with the run-out forecast",
                |account, asker, query| account.usage(&query, asker.now)
            }
            /// One page of the credit activity, with how many rows match and what they used and added.
            ledger: PageRequest -> ActivityPage {
                GET "/ledger" query 200 read "dashboard"
                "One page of the rows, newest first: a job (a hold or charge with its captures, releases and refunds) or an entry that stands alone; with how many rows match and, per meter, what the matching entries used and added (no period: the whole history; past the last page, the last page)",
                |account, asker, request| account.activity(&request, asker.now)
            }
            /// The next chunk of a listing's CSV export.
            export: ExportRequest -> ExportChunk {
                GET "/ledger/export" query 200 read "dashboard"
                "The next chunk of the listing's CSV, with where the following one starts",
                |account, asker, request| account.export(&request, asker.now)
            }
            /// Low-balance alerts that fired, oldest first.
            notifications: NotificationsRequest -> Vec<Notification> {
                GET "/notifications" none 200 read "dashboard"
                "Low-balance alerts that fired, oldest first (the newest 100)",
                |account, _asker, _r| Ok(account.notifications())
            }
            /// What each member spent this month, and their caps.
            team: TeamRequest -> TeamView {
                GET "/team" none 200 read "dashboard"
                "What each member spent this month, per meter, and their caps",
                |account, _asker, _r| account.team()
            }
            /// Prices a job or a batch against the balances.
            estimate: EstimateRequest -> Estimate {
                POST "/estimate" body 200 read "spend"
                "Each line's cost, the total per meter, and whether the balance covers it",
                |account, _asker, request| account.estimate(&request.0)
            }
            /// What top-up settings would do at the recent burn rate.
            simulate_top_ups: TopUpSimulationRequest -> TopUpSimulation {
                POST "/top-ups/simulate" body 200 read "spend"
                "What these top-up settings would add and charge, month by month, at the recent burn rate",
                |account, asker, request| account.simulate_top_ups(&request, asker.now)
            }
            /// Buys credits for the caller (admins only).
            buy: BuyRequest -> BuyResult {
                POST "/purchases" body 200 write "spend"
                "What was bought (a repeated key answers with the first purchase and charges nothing)",
                |account, asker, request| account.buy(asker.caller, &request, &mut *asker.payments, asker.now)
            }
            /// Changes top-ups, a member cap or alerts (admins only).
            configure: SettingsChange -> () {
                PUT "/settings" body 204 write "spend" "Changed (admins only)",
                |account, asker, change| account.configure(asker.caller, &change, &*asker.payments)
            }
            /// Holds the cost of every shot of a batch, or nothing.
            hold_batch: BatchRequest -> Vec<HeldShot> {
                POST "/batches" body 200 write "spend"
                "Every shot's hold, or nothing when the balance or a cap cannot cover the batch",
                |account, asker, request| account.hold_batch(asker.caller, &request, asker.now)
            }
            /// Captures or releases one shot's hold.
            settle: SettleRequest -> () {
                POST "/holds/{hold}/settle" body 204 write "spend" "Captured or released",
                |account, asker, request| account.settle(asker.caller, &request, asker.now),
                path hold "The hold's entry id" |request| request.hold
            }
            /// The audit log, newest first (admins and the service).
            audit: AuditQuery -> AuditPage {
                GET "/audit" query 200 read "webhooks" "A page of changes, newest first",
                |account, asker, query| account.audit(asker.caller, &query)
            }
            /// The events the host is told, with each delivery's attempts (admins and the service).
            webhook_events: EventsQuery -> Vec<SentEvent> {
                GET "/webhook-events" query 200 read "webhooks" "The newest events, newest first",
                |account, asker, query| account.host_events(asker.caller, &query)
            }
        }
    };
}

/// The `Call` impls (and the request types of calls that take nothing).
macro_rules! impl_calls {
    ($($(#[$doc:meta])* $name:ident: $req:ident -> $reply:ty {
        $method:ident $path:literal $args:ident $status:tt $effect:ident $tag:literal $answers:literal,
        |$account:ident, $asker:ident, $request:pat_param| $ask:expr
        $(, path $param:ident $about:literal |$params_of:ident| $id:expr)?
    })*) => {
        $(
            request_type!($args $req);

            impl Call for $req {
                type Reply = $reply;
                const NAME: &'static str = stringify!($name);
                const ROUTE: Route = Route {
                    method: method!($method),
                    path: $path,
                    params: &[$(PathParam { name: stringify!($param), about: $about })?],
                    args: args!($args),
                    status: $status,
                    changes: changes!($effect),
                    tag: $tag,
                    answers: $answers,
                };

                #[allow(unused_variables, clippy::unit_arg)]
                fn ask(self, $account: &mut Account, $asker: &mut Asker<'_>) -> Result<$reply> {
                    let $request = self;
                    $ask
                }

                $(
                    fn path_params(&self) -> Vec<(&'static str, EntryId)> {
                        let $params_of = self;
                        vec![(stringify!($param), $id)]
                    }
                )?

                query_args!($args);

                #[cfg(feature = "openapi")]
                fn body_schema(components: &mut Schemas) -> Option<SchemaRef> {
                    body_schema!($args components)
                }

                #[cfg(feature = "openapi")]
                fn reply_schema(components: &mut Schemas) -> Option<SchemaRef> {
                    reply_schema!($status $reply, components)
                }
            }
        )*
    };
}

/// The body's schema, for a call whose request travels as one.
#[cfg(feature = "openapi")]
macro_rules! body_schema {
    (body $components:ident) => {
        Some(schema_of::<Self>($components))
    };
    ($other:ident $components:ident) => {{
        let _ = $components;
        None
    }};
}

/// The answer's schema: none for 204 No Content.
#[cfg(feature = "openapi")]
macro_rules! reply_schema {
    (204 $reply:ty, $components:ident) => {{
        let _ = $components;
        None
    }};
    ($status:literal $reply:ty, $components:ident) => {
        Some(schema_of::<$reply>($components))
    };
}

/// A call that takes nothing gets a request type of its own (a unit struct).
macro_rules! request_type {
    (none $req:ident) => {
        #[doc = concat!("The request of `", stringify!($req), "`: nothing to say.")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $req;
    };
    ($other:ident $req:ident) => {};
}

macro_rules! method {
    (GET) => {
        Method::Get
    };
    (POST) => {
        Method::Post
    };
    (PUT) => {
        Method::Put
    };
}

macro_rules! changes {
    (read) => {
        false
    };
    (write) => {
        true
    };
}

macro_rules! args {
    (none) => {
        Args::None
    };
    (query) => {
        Args::Query
    };
    (body) => {
        Args::Body
    };
}

/// How a request is read from (and written to) a query string, by how it travels.
macro_rules! query_args {
    (none) => {
        fn from_query(_: &[(String, String)]) -> Result<Self> {
            Ok(Self)
        }
    };
    (query) => {
        fn to_query(&self) -> Query {
            QueryString::to_query(self)
        }

        fn from_query(query: &[(String, String)]) -> Result<Self> {
            <Self as QueryString>::from_query(query)
        }

        #[cfg(feature = "openapi")]
        fn query_params() -> Vec<utoipa::openapi::path::Parameter> {
            <Self as QueryString>::params()
        }
    };
    (body) => {
        fn from_query(_: &[(String, String)]) -> Result<Self> {
            Err(DomainError::InvalidQuery(
                "this request travels as a JSON body".into(),
            ))
        }
    };
}

with_calls!(impl_calls);
