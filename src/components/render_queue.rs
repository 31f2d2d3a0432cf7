//! The render queue's panel under the top bar: a confirmed batch settled shot by shot, with
//! pause and resume (the queue itself is `hooks::render_queue`).

use crate::hooks::render_queue::{Batch, RenderQueue, ShotState};
use leptos::prelude::*;

/// The row's class, for its colour.
fn state_class(s: ShotState) -> &'static str {
    match s {
        ShotState::Queued => "shot shot-queued",
        ShotState::Rendering => "shot shot-rendering",
        ShotState::Done => "shot shot-done",
        ShotState::Failed => "shot shot-failed",
    }
}

fn state_label(s: ShotState) -> &'static str {
    match s {
        ShotState::Queued => "Queued",
        ShotState::Rendering => "Rendering…",
        ShotState::Done => "Done",
        ShotState::Failed => "Failed — hold released",
    }
}

/// The Render Queue panel under the top bar, while a batch exists.
#[component]
pub fn RenderQueuePanel() -> impl IntoView {
    let queue = RenderQueue::expect();
    let summary = move || {
        queue.batch.with(|b| {
            b.as_ref().map(|b| {
                let state = if b.finished() {
                    "finished"
                } else if b.paused {
                    "paused"
                } else {
                    "rendering"
                };
                format!(
                    "Batch {state}: {} of {} shots done",
                    b.done(),
                    b.shots.len()
                )
            })
        })
    };
    let rows = move || {
        queue.batch.with(|b| {
            b.iter()
                .flat_map(|b| b.shots.iter())
                .map(|s| {
                    view! {
                        <li class=state_class(s.state)>
                            <span>{s.name.clone()}</span>
                            <span class="muted">{state_label(s.state)}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let paused = move || queue.batch.with(|b| b.as_ref().is_some_and(|b| b.paused));
    let finished = move || {
        queue
            .batch
            .with(|b| b.as_ref().is_some_and(Batch::finished))
    };
    let problem = move || {
        queue
            .batch
            .with(|b| b.as_ref().and_then(|b| b.problem.clone()))
    };
    view! {
        <Show when=move || queue.batch.with(Option::is_some)>
            <section class="render-queue" aria-label="Render queue" data-testid="render-queue">
                <p class="render-queue-head" role="status">
                    <strong>{summary}</strong>
                </p>
                <ol class="shots">{rows}</ol>
                <p class="bad">{problem}</p>
                <div class="render-queue-actions">
                    <Show
                        when=finished
                        fallback=move || {
                            view! {
                                <button
                                    type="button"
                                    class="button small"
                                    data-testid="batch-pause"
                                    on:click=move |_| queue.set_paused(!paused())
                                >
                                    {move || if paused() { "Resume" } else { "Pause" }}
                                </button>
                            }
                        }
                    >
                        <button type="button" class="button small" on:click=move |_| queue.batch.set(None)>
                            "Close"
                        </button>
                    </Show>
                </div>
            </section>
        </Show>
    }
}
