//! The few things the app asks of the browser directly: the clock, a timer, local storage and
//! media queries. Kept in one place so the rest of the app reads as plain Rust.

use chrono::{DateTime, Utc};
use wasm_bindgen::{JsCast, JsValue};

/// The browser's clock (end-to-end tests pin it).
pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Resolves after `millis` milliseconds (0: after the browser has had a chance to paint).
pub async fn sleep(millis: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().map(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis as i32)
        });
        if !matches!(scheduled, Some(Ok(_))) {
            // No timer to wait for: go on at once rather than hang.
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Runs `f` once the browser has painted what the current task put on screen (the next
/// frame, then a task): for parts nobody sees in the first view.
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        f();
        return;
    };
    let run = wasm_bindgen::closure::Closure::once_into_js(f);
    let next_task = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback(run.unchecked_ref());
        }
    });
    let _ = window.request_animation_frame(next_task.unchecked_ref());
}

/// Whether a media query matches ("(prefers-color-scheme: dark)", reduced motion, …).
pub fn media_matches(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// `window.localStorage`, when the page may use it (a sandboxed frame may not).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

// wasm-bindgen puts this snippet at `snippets/<crate>/inline0.js`, two levels below the
// app's own files.
#[wasm_bindgen::prelude::wasm_bindgen(
    inline_js = "export function app_files_url() { return new URL('../../', import.meta.url).href; }"
)]
extern "C" {
    /// Where the app's files were loaded from (the worker and ECharts sit beside them).
    fn app_files_url() -> String;
}

/// The address of `file` beside the app's own files: a deep link (`/activity/…`), a base
/// path or a host page embedding the app all find it.
pub fn app_file_url(file: &str) -> Option<String> {
    web_sys::Url::new_with_base(file, &app_files_url())
        .ok()
        .map(|u| u.href())
}
