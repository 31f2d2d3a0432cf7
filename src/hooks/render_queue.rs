//! The render queue's data: a confirmed batch whose shots are held, then settled one by one as
//! they "complete". It stands in for the host's render farm on the demo store (on a real
//! backend the host's services capture and release the holds); the ledger work is the
//! account's.
//!
//! It lives above the pages, so a batch keeps running while the user looks at the balance
//! or the activity, and the top bar shows its progress (`components::render_queue`).

use crate::browser;
use crate::browser::fresh_key;
use crate::store::Store;
use creditboard_domain::Amount;
use creditboard_domain::batch::{HeldShot, SettleRequest, ShotOutcome};
use creditboard_domain::entry::EntryId;
use creditboard_domain::ids::MeterId;
use leptos::prelude::*;

/// How long one shot takes to "render" in the demo.
pub const SHOT_MILLIS: u32 = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotState {
    Queued,
    Rendering,
    Done,
    /// The render failed; its hold was released.
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    pub name: String,
    pub hold: EntryId,
    pub meter: MeterId,
    pub amount: Amount,
    pub state: ShotState,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub shots: Vec<Shot>,
    pub paused: bool,
    /// Why the queue stopped, when the store refused a settlement.
    pub problem: Option<String>,
}

impl Batch {
    pub fn done(&self) -> usize {
        self.shots
            .iter()
            .filter(|s| matches!(s.state, ShotState::Done | ShotState::Failed))
            .count()
    }

    pub fn finished(&self) -> bool {
        self.done() == self.shots.len()
    }

    fn next_queued(&self) -> Option<usize> {
        self.shots.iter().position(|s| s.state == ShotState::Queued)
    }
}

/// The running batch, shared through context.
#[derive(Clone, Copy)]
pub struct RenderQueue {
    pub batch: RwSignal<Option<Batch>>,
    /// Demo: the next shot to render fails.
    pub fail_next: RwSignal<bool>,
    running: RwSignal<bool>,
    /// The store, kept here: the queue runs in tasks outside any component.
    store: StoredValue<Store>,
}

impl RenderQueue {
    pub fn provide() -> RenderQueue {
        let queue = RenderQueue {
            batch: RwSignal::new(None),
            fail_next: RwSignal::new(false),
            running: RwSignal::new(false),
            store: StoredValue::new(Store::expect()),
        };
        provide_context(queue);
        queue
    }

    pub fn expect() -> RenderQueue {
        expect_context::<RenderQueue>()
    }

    /// Starts rendering held shots (`names` in the same order).
    pub fn start(&self, held: Vec<HeldShot>, names: Vec<String>) {
        let shots = held
            .into_iter()
            .zip(names)
            .map(|(h, name)| Shot {
                name,
                hold: h.hold,
                meter: h.meter,
                amount: h.amount,
                state: ShotState::Queued,
            })
            .collect();
        self.batch.set(Some(Batch {
            shots,
            paused: false,
            problem: None,
        }));
        self.run();
    }

    pub fn set_paused(&self, paused: bool) {
        self.batch.update(|b| {
            if let Some(b) = b {
                b.paused = paused;
            }
        });
        if !paused {
            self.run();
        }
    }

    /// Settles queued shots one at a time until none is left or the batch is paused.
    fn run(&self) {
        if self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        let queue = *self;
        let store = self.store.get_value();
        leptos::task::spawn_local(async move {
            loop {
                let next = queue.batch.with_untracked(|b| {
                    b.as_ref()
                        .filter(|b| !b.paused && b.problem.is_none())
                        .and_then(|b| b.next_queued().map(|i| (i, b.shots[i].clone())))
                });
                let Some((i, shot)) = next else { break };
                queue.set_state(i, ShotState::Rendering);
                browser::sleep(SHOT_MILLIS).await;
                // Paused while this shot rendered: it finishes; the next one waits.
                let fails = queue.fail_next.get_untracked();
                let outcome = if fails {
                    queue.fail_next.set(false);
                    ShotOutcome::Failed
                } else {
                    ShotOutcome::Completed {
                        amount: shot.amount,
                    }
                };
                let request = SettleRequest {
                    key: fresh_key("shot"),
                    hold: shot.hold,
                    outcome,
                };
                match store.act(request).await {
                    Ok(()) => queue.set_state(
                        i,
                        if fails {
                            ShotState::Failed
                        } else {
                            ShotState::Done
                        },
                    ),
                    Err(e) => {
                        queue.set_state(i, ShotState::Queued);
                        queue.batch.update(|b| {
                            if let Some(b) = b {
                                b.problem = Some(e.to_string());
                            }
                        });
                    }
                }
            }
            queue.running.set(false);
        });
    }

    fn set_state(&self, i: usize, state: ShotState) {
        self.batch.update(|b| {
            if let Some(shot) = b.as_mut().and_then(|b| b.shots.get_mut(i)) {
                shot.state = state;
            }
        });
    }
}
