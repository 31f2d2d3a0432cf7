//! Answering a call by name, with its request and answer as a wire format carries them: the
//! demo worker's protocol (JavaScript values) and the demo's saved steps (JSON).

use super::call::{Asker, Call, Route};
use super::calls::*;
use crate::account::Account;
use crate::error::DomainError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How a wire format carries a call's request in and its answer out (the demo worker's
/// JavaScript values, the demo's saved steps as JSON).
pub trait Wire {
    type Value;
    fn decode<T: DeserializeOwned>(value: Self::Value) -> std::result::Result<T, String>;
    fn encode<T: Serialize>(value: &T) -> std::result::Result<Self::Value, String>;
}

/// Why [`dispatch`] could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undispatched {
    /// The account refused (or failed): its reason.
    Refused(DomainError),
    /// No such call, or a request or answer the wire could not carry.
    Unreadable(String),
}

impl From<DomainError> for Undispatched {
    fn from(e: DomainError) -> Self {
        Undispatched::Refused(e)
    }
}

/// Answers the call named `name` with `request`, both as the wire carries them.
pub fn dispatch<W: Wire>(
    name: &str,
    request: W::Value,
    account: &mut Account,
    asker: &mut Asker<'_>,
) -> std::result::Result<W::Value, Undispatched> {
    fn answer<C: Call, W: Wire>(
        request: W::Value,
        account: &mut Account,
        asker: &mut Asker<'_>,
    ) -> std::result::Result<W::Value, Undispatched> {
        let request: C = W::decode(request).map_err(Undispatched::Unreadable)?;
        let reply = request.ask(account, asker)?;
        W::encode(&reply).map_err(Undispatched::Unreadable)
    }
    macro_rules! by_name {
        ($($(#[$doc:meta])* $name:ident: $req:ident -> $reply:ty { $($spec:tt)* })*) => {
            $(
                if name == stringify!($name) {
                    return answer::<$req, W>(request, account, asker);
                }
            )*
        };
    }
    crate::with_calls!(by_name);
    Err(Undispatched::Unreadable(format!(
        "there is no call “{name}”"
    )))
}

/// Where the call named `name` lives, if there is one.
pub fn route(name: &str) -> Option<Route> {
    macro_rules! by_name {
        ($($(#[$doc:meta])* $name:ident: $req:ident -> $reply:ty { $($spec:tt)* })*) => {
            $(
                if name == stringify!($name) {
                    return Some(<$req as Call>::ROUTE);
                }
            )*
        };
    }
    crate::with_calls!(by_name);
    None
}
