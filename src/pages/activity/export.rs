//! "Download CSV": the whole filtered listing as one file, with its progress while it runs.

use crate::hooks::activity::use_export;
use creditboard_domain::activity::ActivityQuery;
use leptos::prelude::*;

/// "Download CSV": the whole filtered set, fetched chunk by chunk with its progress shown, then
/// saved as one file.
#[component]
pub fn Export(query: Signal<ActivityQuery>) -> impl IntoView {
    let export = use_export();
    let progress = export.progress;
    // Why the last run stopped; a new run clears it while it goes.
    let problem = Memo::new(move |_| {
        if export.run.pending().get() {
            return None;
        }
        match export.run.value().get() {
            Some(Err(e)) => Some(format!("The export stopped: {e}")),
            _ => None,
        }
    });
    let run = move |_| {
        if progress.get_untracked().is_some() {
            return;
        }
        export.run.dispatch(query.get_untracked());
    };
    let label = move || match progress.get() {
        None => "Download CSV".to_string(),
        Some((_, 0)) => "Preparing…".to_string(),
        Some((done, total)) => format!("Exporting {}%", done * 100 / total.max(1)),
    };
    view! {
        <div class="export">
            <button
                type="button"
                class="button"
                data-testid="export-csv"
                aria-disabled=move || progress.with(Option::is_some).to_string()
                on:click=run
            >
                {label}
            </button>
            <Show when=move || progress.with(Option::is_some)>
                <progress
                    aria-label="Export progress"
                    max=move || progress.get().map_or(1, |(_, t)| t.max(1)).to_string()
                    value=move || progress.get().map_or(0, |(d, _)| d).to_string()
                ></progress>
            </Show>
            <Show when=move || problem.with(Option::is_some)>
                <p class="field-error" role="alert">
                    {move || problem.get()}
                </p>
            </Show>
        </div>
    }
}
