//! What the page says at start-up about which store to run: the URL's start-up parameters
//! (`preset`, `demo_scale`, `store=demo`, …), the demo's choice made from them, and what a
//! server serving the page wrote into it (`window.creditboardServer`: its API, a token, the
//! demo's members). Pure where it can be, so it is tested natively; the demo worker reads the
//! same choice from the same parameters.

use crate::view::{Query, STORE_PARAMS, get};
use creditboard_domain::preset::PresetId;
use wasm_bindgen::JsValue;

/// Whether the URL asks for the in-browser demo store (`store=demo`) even where a server
/// serving the app names its API.
pub fn demo_store_asked(query: &Query) -> bool {
    get(query, "store") == Some("demo")
}

/// The demo's start-up choice, read from the page's query string: which product, at what
/// activity (percent of normal; benchmarks use thousands), and what was wrong with the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChoice {
    pub preset: PresetId,
    pub scale_percent: u32,
    pub problems: Vec<String>,
}

/// The preset shown when the URL names none.
pub const DEFAULT_PRESET: PresetId = PresetId::DEFAULT;

pub fn demo_choice(query: &Query) -> DemoChoice {
    let (preset, problem) = PresetId::from_url(get(query, "preset"));
    let mut problems: Vec<String> = problem.into_iter().collect();
    let max = creditboard_domain::history::MAX_SCALE_PERCENT;
    let scale_percent = match get(query, "demo_scale") {
        None => 100,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                problems.push(format!(
                    "“{s}” is not a demo size: use a percentage from 1 to {max}. Showing the normal size."
                ));
                100
            }
        },
    };
    DemoChoice {
        preset,
        scale_percent,
        problems,
    }
}

/// The start-up parameters of the page's own URL.
pub fn page_query() -> Query {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    start_query(&search)
}

/// The start-up parameters of a URL's query (`?preset=…&demo_scale=…&store=…`).
pub fn start_query(search: &str) -> Query {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(search) else {
        return Vec::new();
    };
    STORE_PARAMS
        .into_iter()
        .filter_map(|key| Some((key.to_string(), params.get(key)?)))
        .collect()
}

/// Where the server that serves the page has its API, and the token to call it with
/// (`window.creditboardServer = {"api": …, "token": …, …}`); none when no server named them.
pub fn named_by_page() -> Option<(String, String)> {
    let config = server_page()?;
    let field = |name: &str| {
        js_sys::Reflect::get(&config, &JsValue::from_str(name))
            .ok()?
            .as_string()
            .filter(|s| !s.is_empty())
    };
    Some((field("api")?, field("token")?))
}

/// Whether a server's demo mode served the page: it lists the members the page may act as.
pub fn server_demo() -> bool {
    server_page()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("members")).ok())
        .is_some_and(|m| js_sys::Array::is_array(&m))
}

/// What the server found wrong with the page's start-up URL (an unknown preset, say).
pub fn page_notices() -> Vec<String> {
    server_page()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("notices")).ok())
        .filter(js_sys::Array::is_array)
        .map(|n| {
            js_sys::Array::from(&n)
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `window.creditboardServer`, when a server wrote it into the page.
fn server_page() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    js_sys::Reflect::get(&window, &JsValue::from_str("creditboardServer"))
        .ok()
        .filter(JsValue::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::query;

    #[test]
    fn the_demo_is_chosen_from_the_url_with_clear_complaints() {
        let c = demo_choice(&query(&[("preset", "lucas"), ("demo_scale", "1400")]));
        assert_eq!((c.preset, c.scale_percent), (PresetId::Lucas, 1400));
        assert!(c.problems.is_empty());
        let c = demo_choice(&query(&[("preset", "nope"), ("demo_scale", "0")]));
        assert_eq!((c.preset, c.scale_percent), (DEFAULT_PRESET, 100));
        assert_eq!(c.problems.len(), 2);
        assert!(c.problems[0].contains("There is no product preset “nope”"));
        assert!(demo_store_asked(&query(&[("store", "demo")])));
        assert!(!demo_store_asked(&query(&[("preset", "act3")])));
    }
}
