//! The few things the app asks of the browser directly: the clock, a timer, local storage and
//! media queries. Kept in one place so the rest of the app reads as plain Rust.

use chrono::{DateTime, Utc};
use creditboard_domain::ids::IdempotencyKey;
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

// wasm-bindgen puts this snippet at `snippets/<crate>/inline<N>.js`, two levels below the
// app's own files. The release build names those files by their content and rewrites the
// quoted paths that name them (`xtask/src/dist.rs`): the map's values follow, its keys (the
// names the app asks for) stay.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "const FILES = {
  'echarts.js': '../../echarts.js',
  'demo-worker.js': '../../demo-worker.js',
  'demo-worker_bg.wasm': '../../demo-worker_bg.wasm',
};
export function app_file_href(name) {
  const path = Object.hasOwn(FILES, name) ? FILES[name] : '../../' + name;
  return new URL(path, import.meta.url).href;
}")]
extern "C" {
    /// Where the app's file `name` is (the worker and ECharts sit beside the app's files),
    /// under the name the build gave it.
    #[wasm_bindgen(catch)]
    fn app_file_href(name: &str) -> Result<String, JsValue>;
}

/// The address of `file` beside the app's own files: a deep link (`/activity/…`), a base
/// path or a host page embedding the app all find it.
pub fn app_file_url(file: &str) -> Option<String> {
    app_file_href(file).ok()
}

thread_local! {
    static BASE_PATH: String = base_path_of(
        &web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.base_uri().ok().flatten())
            .unwrap_or_default(),
    );
}

/// The path the app is served under, without its trailing slash (`""` at the root,
/// `"/acme/credits"` under a base path): the page's `<base href>`, which whoever serves
/// `index.html` under a prefix writes.
pub fn base_path() -> String {
    BASE_PATH.with(Clone::clone)
}

/// The base path of a page whose base URL is `base_uri`.
fn base_path_of(base_uri: &str) -> String {
    web_sys::Url::new(base_uri)
        .map(|u| u.pathname())
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

/// The address of one of the app's own pages (`"/activity?…"`) under the base path, for
/// plain links (the router's `<A>` adds the base itself).
pub fn app_href(path: &str) -> String {
    href_under(&base_path(), path)
}

/// `path` under `base`; the root is the base itself (`/acme/credits?…`), as the router has it.
pub fn href_under(base: &str, path: &str) -> String {
    match path.strip_prefix('/') {
        Some(rest) if !base.is_empty() && (rest.is_empty() || rest.starts_with(['?', '#'])) => {
            format!("{base}{rest}")
        }
        _ => format!("{base}{path}"),
    }
}

/// Under a base path the app's root is `/acme/credits`, which the router matches and marks
/// current; the directory's own address (`/acme/credits/`) is rewritten to it before the
/// router reads the URL.
pub fn canonical_root() {
    let base = base_path();
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if base.is_empty() || location.pathname().ok() != Some(format!("{base}/")) {
        return;
    }
    let rest = format!(
        "{base}{}{}",
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&rest));
    }
}

/// A key no earlier request used: `prefix-<millis>-<random>`.
pub fn fresh_key(prefix: &str) -> IdempotencyKey {
    let millis = now().timestamp_millis();
    let random = (js_sys::Math::random() * 1e9) as u64;
    // Letters, digits and "-" only, so always a valid key; the fallback is for the type.
    IdempotencyKey::new(&format!("{prefix}-{millis}-{random}"))
        .or_else(|_| IdempotencyKey::new("request"))
        .unwrap_or_else(|_| unreachable!("“request” is a valid key"))
}

/// Saves `parts` (CSV text) as a file named `name`, through a temporary link.
pub fn save_text_file(name: &str, parts: &[String]) {
    let array = js_sys::Array::new();
    for p in parts {
        array.push(&wasm_bindgen::JsValue::from_str(p));
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&array, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = document.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The download reads the blob after the click returns: let it go only later.
    wasm_bindgen_futures::spawn_local(async move {
        sleep(60_000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
}

#[cfg(test)]
mod tests {
    use super::href_under;

    #[test]
    fn links_sit_under_the_base_path_and_its_root_is_the_base_itself() {
        assert_eq!(href_under("", "/"), "/");
        assert_eq!(href_under("", "/activity?x=1"), "/activity?x=1");
        assert_eq!(href_under("/acme/credits", "/"), "/acme/credits");
        assert_eq!(
            href_under("/acme/credits", "/?preset=act3"),
            "/acme/credits?preset=act3"
        );
        assert_eq!(
            href_under("/acme/credits", "/activity?x=1"),
            "/acme/credits/activity?x=1"
        );
    }
}
