//! The chart theme follows the page's: colours are CSS custom properties (a host restyles the
//! dashboard, charts included, with variables alone), read again when the colour scheme
//! changes.

use crate::browser::{css_var, media_matches};
use crate::charts::ChartTheme;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// The current chart theme, provided by [`provide_chart_theme`].
#[derive(Clone, Copy)]
pub struct ChartThemeContext(pub ReadSignal<ChartTheme>);

/// The theme as the stylesheet sets it now.
pub fn read_chart_theme() -> ChartTheme {
    let fallback = ChartTheme::light();
    let series: Vec<String> = (1..=8)
        .map(|i| css_var(&format!("--cb-chart-{i}")))
        .collect::<Option<_>>()
        .unwrap_or(fallback.series);
    ChartTheme {
        text: css_var("--cb-muted").unwrap_or(fallback.text),
        grid: css_var("--cb-border").unwrap_or(fallback.grid),
        series,
        animate: !media_matches("(prefers-reduced-motion: reduce)"),
    }
}

/// Provides the chart theme and keeps it in step with the colour scheme.
pub fn provide_chart_theme() -> ReadSignal<ChartTheme> {
    let (theme, set_theme) = signal(read_chart_theme());
    let query = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
    if let Some(query) = query {
        let listener = Closure::<dyn Fn()>::new(move || set_theme.set(read_chart_theme()));
        let _ = query.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
        // Browser objects stay on this thread; the handle to them may travel.
        let kept = StoredValue::new_local(Some((query, listener)));
        on_cleanup(move || {
            if let Some((query, listener)) = kept.try_update_value(Option::take).flatten() {
                let _ = query.remove_event_listener_with_callback(
                    "change",
                    listener.as_ref().unchecked_ref(),
                );
            }
        });
    }
    provide_context(ChartThemeContext(theme));
    theme
}

/// The chart theme provided above (the light theme when none was).
pub fn use_chart_theme() -> Signal<ChartTheme> {
    match use_context::<ChartThemeContext>() {
        Some(ChartThemeContext(t)) => t.into(),
        None => Signal::derive(ChartTheme::light),
    }
}
