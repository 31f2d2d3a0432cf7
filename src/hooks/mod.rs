//! Hooks own the data: each asks the store for one concern and hands pages and components
//! signals to render (a resource for a read, an [`Action`] for a change). Pages and
//! components never touch the store.
//!
//! Two patterns underlie them all: [`use_ask`], a read that follows its request and the
//! data's revision (left pages abort it), and [`use_act`], an action whose success fetches
//! what is on screen again.

pub mod account;
pub mod activity;
pub mod billing;
pub mod demo;
pub mod estimate;
pub mod integration;
pub mod render_queue;
pub mod team;
pub mod url;
pub mod usage;

pub use account::AccountData;

use crate::store::{Store, StoreError};
use creditboard_domain::api::call::Call;
use leptos::prelude::*;

/// A read's latest answer (`None` while the first is on its way).
pub type Fetched<T> = LocalResource<Result<T, StoreError>>;

/// A read of `request` (a reactive closure): asked again whenever what it reads changes or
/// the data changes.
pub fn use_ask<C: Call>(request: impl Fn() -> C + 'static) -> Fetched<C::Reply> {
    let store = Store::expect();
    LocalResource::new(move || -> Boxed<Result<C::Reply, StoreError>> {
        store.track();
        let request = request();
        let store = store.clone();
        Box::pin(async move { store.ask(request).await })
    })
}

/// A call's future, boxed: a resource's or an action's machinery is then the same code for
/// every call, rather than one copy per request type (what each page downloads).
pub(crate) type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// A read that waits: asked once `request` has one (a form that is not valid yet asks
/// nothing); `Some` answer once asked.
pub fn use_ask_when<C: Call>(
    request: impl Fn() -> Option<C> + 'static,
) -> LocalResource<Option<Result<C::Reply, StoreError>>> {
    let store = Store::expect();
    LocalResource::new(move || -> Boxed<Option<Result<C::Reply, StoreError>>> {
        store.track();
        let request = request();
        let store = store.clone();
        Box::pin(async move { Some(store.ask(request?).await) })
    })
}

/// An action: dispatched with its request, its latest outcome in `value()`; a success
/// fetches what is on screen again.
pub fn use_act<C: Call>() -> Action<C, Result<C::Reply, StoreError>> {
    let store = Store::expect();
    Action::new_local(move |request: &C| -> Boxed<Result<C::Reply, StoreError>> {
        let store = store.clone();
        let request = request.clone();
        Box::pin(async move { store.act(request).await })
    })
}
