//! An ECharts chart. Options come from a pure function (see `charts`); this component only
//! creates the chart once mounted, updates it when the options change, follows the size of
//! its box, and disposes of it when it leaves the page.

use crate::charts::ChartSpec;
use leptos::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = echarts, js_name = init)]
    fn init_chart(element: &web_sys::Element) -> Instance;
    #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
    fn dispose_chart(element: &web_sys::Element);

    /// An ECharts instance.
    type Instance;
    /// `notMerge`: the options replace the previous ones (a period with other categories
    /// must not keep the old series).
    #[wasm_bindgen(method, js_name = setOption)]
    fn set_option_replacing(this: &Instance, option: &JsValue, not_merge: bool);
    #[wasm_bindgen(method)]
    fn resize(this: &Instance);
}

/// The options as the JavaScript object ECharts takes. Through JSON text: one `JSON.parse` is
/// faster than building the object field by field across the boundary, and serde_json's
/// serializer is smaller code for charming's large option types.
fn options_value(chart: &crate::charts::Options) -> JsValue {
    serde_json::to_string(chart)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// Whether ECharts is in the page.
pub fn echarts_loaded() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::has(&w, &JsValue::from_str("echarts")).ok())
        .unwrap_or(false)
}

/// Where loading ECharts stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Library {
    Loading,
    Ready,
    /// A host page blocked the script, or it failed to load: charts say so rather than fail.
    Failed,
}

thread_local! {
    static LIBRARY: ArcRwSignal<Library> = ArcRwSignal::new(Library::Loading);
    static FIRST_DRAWN: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether any chart has been drawn since the app started (tracked): what the frame waits
/// for before it fetches parts nobody needs for the first view.
pub fn first_drawn() -> bool {
    FIRST_DRAWN.with(|d| d.get())
}

fn library() -> Library {
    if echarts_loaded() {
        Library::Ready
    } else {
        LIBRARY.with(|l| l.get())
    }
}

/// Starts loading ECharts (`echarts.js` beside the app's files). Called once the app has
/// asked its store for data: the script's half-megabyte then runs while the data is being
/// prepared instead of before the app starts. `index.html` preloads it.
pub fn load_library() {
    if echarts_loaded() {
        return;
    }
    let settle = |state: Library| Closure::once_into_js(move || LIBRARY.with(|l| l.set(state)));
    let script = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("script").ok())
        .zip(crate::browser::app_file_url("echarts.js"));
    let Some((script, src)) = script else {
        LIBRARY.with(|l| l.set(Library::Failed));
        return;
    };
    let _ = script.set_attribute("src", &src);
    let _ = js_sys::Reflect::set(&script, &"onload".into(), &settle(Library::Ready));
    let _ = js_sys::Reflect::set(&script, &"onerror".into(), &settle(Library::Failed));
    let appended = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.head())
        .map(|head| head.append_child(&script).is_ok());
    if appended != Some(true) {
        LIBRARY.with(|l| l.set(Library::Failed));
    }
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// What a rendered chart keeps alive: the instance and the tooltip formatter it calls.
struct Rendered {
    chart: Instance,
    _formatter: Closure<dyn Fn(JsValue) -> String>,
}

/// Puts the tooltip formatter into the options' `tooltip` (one `setOption` call: a second
/// one would lay the whole chart out again). The formatter answers with the precomputed
/// tooltip of the bar or slice under the pointer.
fn with_tooltips(options: &JsValue, tooltips: Vec<String>) -> Closure<dyn Fn(JsValue) -> String> {
    let formatter = Closure::<dyn Fn(JsValue) -> String>::new(move |params: JsValue| {
        // Axis tooltips pass an array of series, item tooltips one object.
        let first = if js_sys::Array::is_array(&params) {
            js_sys::Array::from(&params).get(0)
        } else {
            params
        };
        js_sys::Reflect::get(&first, &JsValue::from_str("dataIndex"))
            .ok()
            .and_then(|i| i.as_f64())
            .and_then(|i| tooltips.get(i as usize).cloned())
            .unwrap_or_default()
    });
    let key = JsValue::from_str("tooltip");
    let tooltip = js_sys::Reflect::get(options, &key)
        .ok()
        .filter(JsValue::is_object)
        .unwrap_or_else(|| {
            let fresh: JsValue = js_sys::Object::new().into();
            let _ = js_sys::Reflect::set(options, &key, &fresh);
            fresh
        });
    let _ = js_sys::Reflect::set(&tooltip, &"formatter".into(), formatter.as_ref());
    formatter
}

/// A chart filling its box; `label` is its accessible name (the numbers are also offered as
/// a table beside it).
#[component]
pub fn EChart(
    #[prop(into)] spec: Signal<ChartSpec>,
    #[prop(into)] label: Signal<String>,
    /// Written to `data-rendered` once the chart has been drawn with these options (what a
    /// test or benchmark waits for after a change).
    #[prop(optional, into)]
    stamp: Signal<String>,
    #[prop(optional, into)] class: Option<&'static str>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let id = format!("cb-chart-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let node = NodeRef::<leptos::html::Div>::new();
    let rendered = StoredValue::new_local(None::<Rendered>);
    let unavailable = RwSignal::new(false);
    Effect::new(move |_| {
        let stamp = stamp.get();
        let Some(el) = node.get() else {
            return;
        };
        match library() {
            Library::Ready => unavailable.set(false),
            Library::Loading => return,
            Library::Failed => {
                unavailable.set(true);
                return;
            }
        }
        // Read in place: cloning charming's option tree costs time and code size.
        let (options, tooltips) =
            spec.with(|ChartSpec { chart, tooltips }| (options_value(chart), tooltips.clone()));
        let formatter = with_tooltips(&options, tooltips);
        rendered.update_value(|slot| {
            let instance = match slot.take() {
                Some(r) => r.chart,
                None => init_chart(&el),
            };
            instance.set_option_replacing(&options, true);
            *slot = Some(Rendered {
                chart: instance,
                _formatter: formatter,
            });
        });
        let _ = el.set_attribute("data-rendered", &stamp);
        if !FIRST_DRAWN.with(|d| d.get_untracked()) {
            FIRST_DRAWN.with(|d| d.set(true));
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        rendered.with_value(|r| {
            if let Some(r) = r {
                r.chart.resize();
            }
        });
    });
    on_cleanup(move || {
        resize.remove();
        if let Some(el) = node.get_untracked()
            && echarts_loaded()
        {
            dispose_chart(&el);
        }
    });
    let class = format!("chart {}", class.unwrap_or_default());
    view! {
        <div class="chart-frame" data-testid=testid>
            <div id=id node_ref=node class=class role="img" aria-label=move || label.get()></div>
            <Show when=move || unavailable.get()>
                <p class="chart-unavailable">
                    "The chart could not be drawn: the charting library did not load. The table has the same numbers."
                </p>
            </Show>
        </div>
    }
}
