//! The chart theme follows the page's: colours are CSS custom properties (a host restyles the
//! dashboard, charts included, with variables alone), resolved by the browser and read again
//! whenever the colour scheme may have changed (the viewer's preference, or a host switching
//! `data-theme`, a class or inline styles on `<html>`).

use crate::browser::media_matches;
use crate::charts::ChartTheme;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// The current chart theme, provided by [`provide_chart_theme`].
#[derive(Clone, Copy)]
pub struct ChartThemeContext(pub ReadSignal<ChartTheme>);

/// A custom property resolved to a colour ECharts can draw with (`rgb(…)`), whatever form the
/// stylesheet gives it (`light-dark()`, a name, `hsl()`, another variable).
fn resolve_colour(probe: &web_sys::HtmlElement, property: &str) -> Option<String> {
    probe
        .style()
        .set_property("color", &format!("var({property})"))
        .ok()?;
    let colour = web_sys::window()?
        .get_computed_style(probe)
        .ok()??
        .get_property_value("color")
        .ok()?;
    (!colour.is_empty()).then_some(colour)
}

/// The theme as the stylesheet sets it now.
pub fn read_chart_theme() -> ChartTheme {
    let fallback = ChartTheme::light();
    let animate = !media_matches("(prefers-reduced-motion: reduce)");
    let probe = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        let el = d.create_element("span").ok()?;
        d.document_element()?.append_child(&el).ok()?;
        el.dyn_into::<web_sys::HtmlElement>().ok()
    });
    let Some(probe) = probe else {
        return ChartTheme {
            animate,
            ..fallback
        };
    };
    let series: Option<Vec<String>> = (1..=8)
        .map(|i| resolve_colour(&probe, &format!("--cb-chart-{i}")))
        .collect();
    let theme = ChartTheme {
        text: resolve_colour(&probe, "--cb-muted").unwrap_or(fallback.text),
        grid: resolve_colour(&probe, "--cb-border").unwrap_or(fallback.grid),
        series: series.unwrap_or(fallback.series),
        animate,
    };
    probe.remove();
    theme
}

/// Provides the chart theme and keeps it in step with the colour scheme.
pub fn provide_chart_theme() -> ReadSignal<ChartTheme> {
    let (theme, set_theme) = signal(read_chart_theme());
    let window = web_sys::window();
    let query = window
        .as_ref()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
    let root = window
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    let reread = Closure::<dyn Fn()>::new(move || set_theme.set(read_chart_theme()));
    if let Some(query) = &query {
        let _ = query.add_event_listener_with_callback("change", reread.as_ref().unchecked_ref());
    }
    let observer = root.and_then(|root| {
        let observer = web_sys::MutationObserver::new(reread.as_ref().unchecked_ref()).ok()?;
        let options = web_sys::MutationObserverInit::new();
        options.set_attributes(true);
        options.set_attribute_filter(&js_sys::Array::of3(
            &"data-theme".into(),
            &"class".into(),
            &"style".into(),
        ));
        observer.observe_with_options(&root, &options).ok()?;
        Some(observer)
    });
    // Browser objects stay on this thread; the handle to them may travel.
    let kept = StoredValue::new_local(Some((query, observer, reread)));
    on_cleanup(move || {
        if let Some((query, observer, reread)) = kept.try_update_value(Option::take).flatten() {
            if let Some(query) = query {
                let _ = query
                    .remove_event_listener_with_callback("change", reread.as_ref().unchecked_ref());
            }
            if let Some(observer) = observer {
                observer.disconnect();
            }
        }
    });
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
