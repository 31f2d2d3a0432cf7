//! The one modal dialog: the browser's `<dialog>` shown with `showModal()`, so the page behind
//! is inert, Escape closes it and focus returns to the control that opened it without code
//! of ours. Its open state is a signal the owner keeps.

use leptos::html;
use leptos::prelude::*;

/// A modal `<dialog>` with a heading; `children` is its body and actions.
#[component]
pub fn Dialog(
    /// Whether it is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// It closed by itself (Escape) or was closed: the owner clears `open`.
    #[prop(into)]
    on_close: Callback<()>,
    /// The heading, which names the dialog.
    #[prop(into)]
    title: Signal<String>,
    /// The heading's id (the dialog's `aria-labelledby`).
    title_id: &'static str,
    /// The dialog's `data-testid`.
    testid: &'static str,
    /// The dialog's class (its look: `cost-dialog`).
    #[prop(optional)]
    class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    // The element follows the signal; the browser's own closing (Escape) reaches the owner
    // through `close` below.
    Effect::new(move |_| {
        let Some(d) = dialog.get() else {
            return;
        };
        if open.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
        } else if d.open() {
            d.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class=class
            aria-labelledby=title_id
            data-testid=testid
            on:close=move |_| on_close.run(())
        >
            <h2 id=title_id>{title}</h2>
            {children()}
        </dialog>
    }
}
