//! The one focus trap: while a panel or dialog of ours is open, Tab and Shift+Tab go round
//! inside it instead of leaving for the page behind.

use wasm_bindgen::JsCast;

/// What Tab can reach inside a panel (the panels hold links, buttons and form fields).
const FOCUSABLE: &str = "a[href], button:not([disabled]), input, select";

/// On a Tab keydown inside `container`: from the last focusable element wraps to the first,
/// Shift+Tab from the first to the last. Elsewhere the browser moves focus as usual.
pub fn keep_focus_inside(container: &web_sys::Element, ev: &leptos::ev::KeyboardEvent) {
    let Ok(list) = container.query_selector_all(FOCUSABLE) else {
        return;
    };
    let (Some(first), Some(last)) = (list.get(0), list.get(list.length().saturating_sub(1))) else {
        return;
    };
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let is = |n: &web_sys::Node| active.as_ref().is_some_and(|a| a.is_same_node(Some(n)));
    let target = if ev.shift_key() && is(&first) {
        Some(last)
    } else if !ev.shift_key() && is(&last) {
        Some(first)
    } else {
        None
    };
    if let Some(el) = target.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = el.focus();
    }
}
