//! The demo's own controls, for the demo bar: what a designer does to see the dashboard's
//! other states. Each says what came of it; the data on screen is fetched again after.

use super::Boxed;
use crate::store::Store;
use creditboard_domain::ids::MemberId;
use creditboard_domain::preset::PresetId;
use leptos::prelude::*;

/// The demo bar's handles.
#[derive(Clone, Copy)]
pub struct UseDemo {
    /// The preset running (none: the host's own product).
    pub preset: Option<PresetId>,
    /// What the last control said.
    pub message: RwSignal<Option<String>>,
    pub run_sample_job: Action<(), ()>,
    pub reset: Action<(), ()>,
    pub view_as: Action<String, ()>,
    /// Payments declined (or approved again).
    pub decline_payments: Action<bool, ()>,
    pub declining: RwSignal<bool>,
    pub slow: RwSignal<bool>,
    store: StoredValue<Store>,
}

impl UseDemo {
    /// Entries in the demo ledger (read again whenever the data changes).
    pub fn entry_count(&self) -> usize {
        self.store.with_value(|s| {
            s.track();
            s.demo().map_or(0, |d| d.entry_count())
        })
    }

    /// Makes the next request fail.
    pub fn fail_next_request(&self) {
        self.store.with_value(|s| {
            if let Some(d) = s.demo() {
                d.knobs().fail_next_request();
            }
            s.changed();
        });
        self.message.set(Some("The next request will fail.".into()));
    }

    /// Slows every answer down (or not), to see the loading state.
    pub fn set_slow(&self, on: bool) {
        self.store.with_value(|s| {
            if let Some(d) = s.demo() {
                d.knobs().set_latency(if on { 1500 } else { 0 });
            }
            s.changed();
        });
        self.slow.set(on);
    }
}

/// The demo's controls; `None` on a backend that is a real server.
pub fn use_demo() -> Option<UseDemo> {
    let store = Store::expect();
    let demo = store.demo()?;
    let preset = demo.preset();
    let declining = RwSignal::new(demo.knobs().declining());
    let slow = RwSignal::new(demo.knobs().latency() > 0);
    let message = RwSignal::new(None::<String>);
    let (s1, s2, s3, s4) = (store.clone(), store.clone(), store.clone(), store.clone());
    let run_sample_job = Action::new_local(move |(): &()| -> Boxed<()> {
        let store = s1.clone();
        Box::pin(async move {
            let Some(demo) = store.demo() else { return };
            let said = match demo.run_sample_job().await {
                Ok(done) => done,
                Err(e) => format!("The sample job was refused: {e}"),
            };
            message.set(Some(said));
            store.changed();
        })
    });
    let reset = Action::new_local(move |(): &()| -> Boxed<()> {
        let store = s2.clone();
        Box::pin(async move {
            let Some(demo) = store.demo() else { return };
            let said = match demo.reset().await {
                Ok(()) => "The demo data was generated again, ending now.".to_string(),
                Err(e) => format!("The demo data could not be reset: {e}"),
            };
            message.set(Some(said));
            store.changed();
        })
    });
    let view_as = Action::new_local(move |id: &String| -> Boxed<()> {
        let (store, id) = (s3.clone(), id.clone());
        Box::pin(async move {
            let Ok(member) = MemberId::new(&id) else {
                return;
            };
            let Some(demo) = store.demo() else { return };
            if let Err(e) = demo.set_viewer(member).await {
                message.set(Some(e.to_string()));
            }
            store.changed();
        })
    });
    let decline_payments = Action::new_local(move |on: &bool| -> Boxed<()> {
        let (store, on) = (s4.clone(), *on);
        Box::pin(async move {
            let Some(demo) = store.demo() else { return };
            let reason =
                on.then(|| "the card issuer declined the payment (insufficient funds)".to_string());
            match demo.set_declining(reason).await {
                Ok(()) => {
                    declining.set(on);
                    message.set(Some(if on {
                        "Payments will be declined.".into()
                    } else {
                        "Payments will be approved.".into()
                    }));
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        })
    });
    Some(UseDemo {
        preset,
        message,
        run_sample_job,
        reset,
        view_as,
        decline_payments,
        declining,
        slow,
        store: StoredValue::new(store),
    })
}

/// Whether the app runs on the demo (the demo bar shows).
pub fn on_demo() -> bool {
    Store::expect().demo().is_some()
}
