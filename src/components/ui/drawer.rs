//! The one drawer: a modal panel that slides in from the side over a backdrop (the Credits
//! panel, an Activity entry's details). It owns what every drawer does the same way: Escape,
//! the close button or a click on the backdrop closes it; focus moves to the close button on
//! opening, stays inside while it is open and goes back when it closes.

use crate::components::ui::focus::keep_focus_inside;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A side panel with a heading and a close button over a backdrop; `children` is its body.
#[component]
pub fn Drawer(
    /// Whether it is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Asked to close (Escape, the close button, the backdrop): the owner clears `open`.
    #[prop(into)]
    on_close: Callback<()>,
    /// The heading, which names the dialog.
    #[prop(into)]
    title: Signal<String>,
    /// The heading's id (the dialog's `aria-labelledby`).
    title_id: &'static str,
    /// What the close button ("×") says to a screen reader.
    close_label: &'static str,
    /// The panel's `data-testid`.
    testid: &'static str,
    /// The panel's id, for a control's `aria-controls`.
    #[prop(optional)]
    id: Option<&'static str>,
    /// Where focus goes on closing; without one, back to what had it when the drawer opened.
    #[prop(optional)]
    return_focus: Option<NodeRef<html::Button>>,
    children: ChildrenFn,
) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    let close_button = NodeRef::<html::Button>::new();
    // What had focus when the drawer opened (a row's button), when no `return_focus` is named.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        if open.get() {
            if return_focus.is_none() && opener.with_value(Option::is_none) {
                let active = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                opener.set_value(active);
            }
            if let Some(b) = close_button.get() {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        on_close.run(());
        match return_focus {
            Some(target) => {
                if let Some(b) = target.get_untracked() {
                    let _ = b.focus();
                }
            }
            None => {
                if let Some(el) = opener.try_update_value(Option::take).flatten() {
                    let _ = el.focus();
                }
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Tab" => {
            if let Some(p) = panel.get_untracked() {
                keep_focus_inside(&p, &ev);
            }
        }
        _ => {}
    };
    view! {
        <Show when=move || open.get()>
            <div class="panel-backdrop" on:click=move |_| close()></div>
            <div
                id=id
                class="side-panel"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                data-testid=testid
                node_ref=panel
                on:keydown=on_key
            >
                <div class="side-panel-head">
                    <h2 id=title_id>{title}</h2>
                    <button
                        type="button"
                        class="icon-button"
                        node_ref=close_button
                        aria-label=close_label
                        on:click=move |_| close()
                    >
                        "×"
                    </button>
                </div>
                {children()}
            </div>
        </Show>
    }
}
