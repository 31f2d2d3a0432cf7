//! The dashboard inside a host's page. `embed.js` (the host's side: `Creditboard.mount` and
//! `<credit-board>`) puts the app in a frame named [`FRAME_NAME`]: the frame keeps the two
//! pages' styles, scripts and routers apart. The frame asks the host for its options (the API
//! and a token, or the demo; the locale; the theme), then tells it where the dashboard is (the
//! host keeps that in its own URL, so a reload or a shared link opens the same view) and how
//! tall it is (the host sizes the frame, so the host's page is what scrolls).

use creditboard_domain::preset::ProductConfig;
use serde::Deserialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// The name `embed.js` gives the frame (the page's `index.html` reads it too).
pub const FRAME_NAME: &str = "creditboard-embed";

#[wasm_bindgen(inline_js = r#"
let host = null;
export function embed_frame_name() { return window.name; }
export function embed_has_parent() { return window.parent !== window; }
export function embed_options() {
  return new Promise((resolve) => {
    addEventListener('message', function first(e) {
      if (e.source !== parent || !e.data || e.data.creditboard !== 'options') return;
      removeEventListener('message', first);
      host = e.origin;
      resolve(e.data.options || {});
    });
    // Nothing secret in it: any page may learn that a dashboard wants its options.
    parent.postMessage({ creditboard: 'ready' }, '*');
  });
}
export function embed_tell(message) { if (host) parent.postMessage(message, host); }
export function embed_listen(on_theme) {
  addEventListener('message', (e) => {
    if (e.source !== parent || e.origin !== host || !e.data) return;
    if (e.data.creditboard === 'theme') on_theme(e.data.theme);
    // The part of the frame the viewer sees: panels and dialogs open there (main.css).
    if (e.data.creditboard === 'view' && Number.isFinite(e.data.top) && Number.isFinite(e.data.height)) {
      document.body.style.setProperty('--cb-view-top', `${e.data.top}px`);
      document.body.style.setProperty('--cb-view-height', `${e.data.height}px`);
    }
  });
}
export function embed_watch_height() {
  const body = document.body;
  const say = () => embed_tell({ creditboard: 'height', height: Math.ceil(body.scrollHeight) });
  new ResizeObserver(say).observe(body);
  say();
}
"#)]
extern "C" {
    fn embed_frame_name() -> String;
    fn embed_has_parent() -> bool;
    fn embed_options() -> js_sys::Promise;
    fn embed_tell(message: JsValue);
    fn embed_listen(on_theme: &Closure<dyn Fn(JsValue)>);
    fn embed_watch_height();
}

/// What the host passes to `Creditboard.mount` (and `<credit-board>`'s attributes), as the
/// frame receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedOptions {
    /// The REST API (`https://credits.example.com/api/v1/accounts/acme`); without it the demo store.
    pub api_base: Option<String>,
    /// A token for that API (an embed token the host's backend asked the API for).
    pub token: Option<String>,
    /// The host's own product for the demo store: `{ account, rate_card }` (read by
    /// [`product_config`], so a mistake in it is named rather than dropping every option).
    pub config: Option<serde_json::Value>,
    /// A BCP 47 tag: `en-US`, `de-DE`, `fr-FR`, `ja-JP`.
    pub locale: Option<String>,
    #[serde(default)]
    pub theme: EmbedTheme,
}

/// The host's look: a colour scheme and custom properties (`--cb-accent`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EmbedTheme {
    /// `light`, `dark` or `auto` (the viewer's preference); none: `auto`.
    pub scheme: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// A theme the dashboard can apply: `data-theme` (none: the viewer's scheme) and properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTheme {
    pub data_theme: Option<&'static str>,
    pub variables: Vec<(String, String)>,
}

/// The parts of `theme` the dashboard applies, and what was wrong with the rest: only the
/// dashboard's own properties (`--cb-…`) may be set, so a host cannot restyle anything else.
pub fn check_theme(theme: &EmbedTheme) -> (CheckedTheme, Vec<String>) {
    let mut problems = Vec::new();
    let data_theme = match theme.scheme.as_deref() {
        None | Some("auto") => None,
        Some("light") => Some("light"),
        Some("dark") => Some("dark"),
        Some(other) => {
            problems.push(format!(
                "“{other}” is not a colour scheme: use light, dark or auto. Following the viewer’s."
            ));
            None
        }
    };
    let mut variables = Vec::new();
    for (name, value) in &theme.variables {
        let valid_name = name.strip_prefix("--cb-").is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !valid_name {
            problems.push(format!(
                "“{name}” is not one of the dashboard’s properties (they start with --cb-): ignored."
            ));
        } else if value.contains([';', '{', '}']) {
            problems.push(format!(
                "The value of {name} is not a single CSS value: ignored."
            ));
        } else {
            variables.push((name.clone(), value.trim().to_string()));
        }
    }
    (
        CheckedTheme {
            data_theme,
            variables,
        },
        problems,
    )
}

/// Whether this page is the dashboard inside a host's page.
pub fn embedded() -> bool {
    embed_has_parent() && embed_frame_name() == FRAME_NAME
}

/// The host's options, once it has answered. Options it sent in a shape the frame cannot read
/// are reported and replaced by the defaults.
pub async fn options() -> (EmbedOptions, Vec<String>) {
    let value = wasm_bindgen_futures::JsFuture::from(embed_options())
        .await
        .unwrap_or(JsValue::UNDEFINED);
    match serde_wasm_bindgen::from_value::<EmbedOptions>(value) {
        Ok(options) => (options, Vec::new()),
        Err(e) => (
            EmbedOptions::default(),
            vec![format!(
                "The host’s options could not be read ({e}): showing the demo."
            )],
        ),
    }
}

/// The host's own product, or what is wrong with its shape (what does not hold together,
/// an unknown meter say, the demo says when it starts).
pub fn product_config(config: serde_json::Value) -> Result<ProductConfig, String> {
    serde_json::from_value(config)
        .map_err(|e| format!("The host’s product configuration could not be read: {e}."))
}

/// Applies `theme` to the frame's page; what was wrong with it, for the page to say.
pub fn apply_theme(theme: &EmbedTheme) -> Vec<String> {
    let (checked, problems) = check_theme(theme);
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return problems;
    };
    let style = root.style();
    // Properties from an earlier theme go: the host's new theme is the whole theme.
    for i in (0..style.length()).rev() {
        let name = style.item(i);
        if name.starts_with("--cb-") {
            let _ = style.remove_property(&name);
        }
    }
    for (name, value) in &checked.variables {
        let _ = style.set_property(name, value);
    }
    match checked.data_theme {
        Some(scheme) => {
            let _ = root.set_attribute("data-theme", scheme);
        }
        None => {
            let _ = root.remove_attribute("data-theme");
        }
    }
    problems
}

/// From now on: the host's theme changes are applied, the host hears how tall the page is,
/// and it says which part of the frame the viewer sees. (The class drops the full-window
/// layout: the host sizes the frame to the page, and panels open where the viewer looks.)
pub fn start_reporting() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.class_list().add_1("cb-embedded");
    }
    let on_theme = Closure::<dyn Fn(JsValue)>::new(|theme: JsValue| {
        if let Ok(theme) = serde_wasm_bindgen::from_value::<EmbedTheme>(theme) {
            apply_theme(&theme);
        }
    });
    embed_listen(&on_theme);
    // Lives as long as the page.
    on_theme.forget();
    embed_watch_height();
}

/// Tells the host where the dashboard is: its path below the base path and its view query
/// (`/activity?period=last_7_days`), without the start-up parameters the host sets itself.
pub fn tell_location(path: &str) {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"creditboard".into(), &"location".into());
    let _ = js_sys::Reflect::set(&message, &"path".into(), &path.into());
    embed_tell(message.into());
}

/// The location to tell the host: `pathname` below `base`, and the query without the
/// start-up parameters.
pub fn host_location(base: &str, pathname: &str, query: &crate::view::Query) -> String {
    let path = pathname.strip_prefix(base).unwrap_or(pathname);
    let path = if path.is_empty() { "/" } else { path };
    let view = crate::view::view_params(query);
    format!("{path}{}", crate::view::to_query_string(&view))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(scheme: Option<&str>, variables: &[(&str, &str)]) -> EmbedTheme {
        EmbedTheme {
            scheme: scheme.map(str::to_string),
            variables: variables
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_host_sets_the_scheme_and_the_dashboards_own_properties() {
        let (checked, problems) = check_theme(&theme(
            Some("dark"),
            &[("--cb-accent", " #0b7a4b "), ("--cb-radius", "4px")],
        ));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(checked.data_theme, Some("dark"));
        assert_eq!(
            checked.variables,
            vec![
                ("--cb-accent".to_string(), "#0b7a4b".to_string()),
                ("--cb-radius".to_string(), "4px".to_string()),
            ]
        );
        assert_eq!(check_theme(&theme(Some("auto"), &[])).0.data_theme, None);
        assert_eq!(check_theme(&theme(None, &[])).0.data_theme, None);
    }

    #[test]
    fn other_properties_and_smuggled_rules_are_refused_with_a_reason() {
        let (checked, problems) = check_theme(&theme(
            Some("sepia"),
            &[
                ("color", "red"),
                ("--cb-", "red"),
                ("--host-accent", "red"),
                ("--cb-accent", "red; } body { display: none"),
                ("--cb-ok", "green"),
            ],
        ));
        assert_eq!(checked.data_theme, None);
        assert_eq!(
            checked.variables,
            vec![("--cb-ok".to_string(), "green".to_string())]
        );
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].contains("“sepia” is not a colour scheme"));
        assert!(problems.iter().any(|p| p.contains("“color” is not one")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("--cb-accent is not a single CSS value"))
        );
    }

    #[test]
    fn the_host_hears_the_path_below_the_base_and_the_view_query_only() {
        let query: crate::view::Query = vec![
            ("preset".into(), "act3".into()),
            ("period".into(), "last_7_days".into()),
            ("store".into(), "demo".into()),
        ];
        assert_eq!(
            host_location("/acme/credits", "/acme/credits/activity", &query),
            "/activity?period=last_7_days"
        );
        assert_eq!(
            host_location("/acme/credits", "/acme/credits", &[].to_vec()),
            "/"
        );
        assert_eq!(
            host_location("", "/team", &query),
            "/team?period=last_7_days"
        );
    }
}
