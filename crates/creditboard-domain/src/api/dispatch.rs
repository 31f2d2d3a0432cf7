//! Answering a call by name, with its request and answer as a wire format carries them (the
//! demo worker's messages, and the demo's saved steps replayed through them).

use super::call::{Asker, Call, Route};
use super::calls::*;
use crate::account::Account;
use crate::error::DomainError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How a wire format carries a call's request in and its answer out (the demo worker's
/// JavaScript values).
pub trait Wire {
    type Value;
    fn decode<T: DeserializeOwned>(value: Self::Value) -> std::result::Result<T, String>;
    fn encode<T: Serialize>(value: &T) -> std::result::Result<Self::Value, String>;
}

/// Something done with a call's type once its name has picked it ([`by_name`]).
pub trait ByName {
    type Out;
    fn with<C: Call>(self) -> Self::Out;
}

/// Does `then` with the call named `name`; `None` when there is no such call.
pub fn by_name<B: ByName>(name: &str, then: B) -> Option<B::Out> {
    macro_rules! by_name {
        ($($(#[$doc:meta])* $name:ident: $req:ident -> $reply:ty { $($spec:tt)* })*) => {
            $(
                if name == <$req as Call>::NAME {
                    return Some(then.with::<$req>());
                }
            )*
        };
    }
    crate::with_calls!(by_name);
    None
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
    struct Answer<'a, 'b, W: Wire> {
        request: W::Value,
        account: &'a mut Account,
        asker: &'a mut Asker<'b>,
    }
    impl<W: Wire> ByName for Answer<'_, '_, W> {
        type Out = std::result::Result<W::Value, Undispatched>;
        fn with<C: Call>(self) -> Self::Out {
            let request: C = W::decode(self.request).map_err(Undispatched::Unreadable)?;
            let reply = request.ask(self.account, self.asker)?;
            W::encode(&reply).map_err(Undispatched::Unreadable)
        }
    }
    let answer = Answer::<W> {
        request,
        account,
        asker,
    };
    by_name(name, answer).unwrap_or_else(|| {
        Err(Undispatched::Unreadable(format!(
            "there is no call “{name}”"
        )))
    })
}

/// Where the call named `name` lives, if there is one.
pub fn route(name: &str) -> Option<Route> {
    struct RouteOf;
    impl ByName for RouteOf {
        type Out = Route;
        fn with<C: Call>(self) -> Route {
            C::ROUTE
        }
    }
    by_name(name, RouteOf)
}
