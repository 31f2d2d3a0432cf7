//! What a call is: a request type that knows its answer, where it lives in the REST API, how
//! it travels, and how the account answers it. [`super::calls`] declares them all.

use super::query::Query;
#[cfg(feature = "openapi")]
use super::schema::{SchemaRef, Schemas};
use crate::access::Caller;
use crate::account::Account;
use crate::billing::PaymentProvider;
use crate::entry::EntryId;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One read or action of the dashboard: the request, and what answers it.
pub trait Call: Clone + Send + Sync + Serialize + DeserializeOwned + Sized + 'static {
    type Reply: Send + Serialize + DeserializeOwned + 'static;
    /// Its name in the demo worker's protocol and its operation id in the API document.
    const NAME: &'static str;
    const ROUTE: Route;

    /// Asks `account`, as `asker.caller` at `asker.now`.
    fn ask(self, account: &mut Account, asker: &mut Asker<'_>) -> Result<Self::Reply>;

    /// The path under the account, its parameters filled in (`/holds/42/settle`).
    fn path(&self) -> String {
        self.path_params()
            .into_iter()
            .fold(Self::ROUTE.path.to_string(), |path, (name, id)| {
                path.replace(&format!("{{{name}}}"), &id.0.to_string())
            })
    }

    /// The path's parameters ([`Route::params`]) and their values in this request.
    fn path_params(&self) -> Vec<(&'static str, EntryId)> {
        Vec::new()
    }

    /// The query string it travels in ([`Args::Query`] and [`Args::None`]).
    fn to_query(&self) -> Query {
        Vec::new()
    }

    /// The request a query string asks for ([`Args::Query`] and [`Args::None`]).
    fn from_query(query: &[(String, String)]) -> Result<Self>;

    /// Its query parameters, for the API document.
    #[cfg(feature = "openapi")]
    fn query_params() -> Vec<utoipa::openapi::path::Parameter> {
        Vec::new()
    }

    /// The schema of its JSON body ([`Args::Body`]), the ones it refers to added to
    /// `components`.
    #[cfg(feature = "openapi")]
    fn body_schema(components: &mut Schemas) -> Option<SchemaRef>;

    /// The schema of its answer (none for a 204), the ones it refers to added to `components`.
    #[cfg(feature = "openapi")]
    fn reply_schema(components: &mut Schemas) -> Option<SchemaRef>;
}

/// Where a call lives in the REST API, under `/api/v1/accounts/{account}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// `{name}` marks a path parameter the request carries too (see [`Call::path_params`]).
    pub path: &'static str,
    /// The path's parameters, in the order they appear.
    pub params: &'static [PathParam],
    pub args: Args,
    /// The success status: 200 with the answer, or 204 for an action that answers nothing.
    pub status: u16,
    /// Whether it may change the account (an action), or only reads it.
    pub changes: bool,
    /// The API document's group.
    pub tag: &'static str,
    /// What a success means, in the API document.
    pub answers: &'static str,
}

/// A `{name}` in a route's path: the id of an entry the request carries too (a hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathParam {
    pub name: &'static str,
    /// What it names, in the API document.
    pub about: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// How a call's request travels over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// Nothing to send.
    None,
    /// In the query string ([`super::query::QueryString`]).
    Query,
    /// As a JSON body.
    Body,
}

/// Who asks, when, and what pays for a purchase.
pub struct Asker<'a> {
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub payments: &'a mut dyn PaymentProvider,
}
