//! An ECharts chart. Options come from a pure function (see `charts`); this component only
//! creates the chart once mounted, updates it when the options change and disposes it when
//! it leaves the page.

use charming::{Chart, WasmRenderer};
use leptos::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
    fn dispose_chart(element: &web_sys::Element);
}

/// Whether the page loaded ECharts (a host page may block the script; we then say so rather
/// than fail).
pub fn echarts_loaded() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::has(&w, &JsValue::from_str("echarts")).ok())
        .unwrap_or(false)
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A chart filling its container; `label` is its accessible name.
#[component]
pub fn EChart(
    #[prop(into)] chart: Signal<Chart>,
    #[prop(into)] label: String,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let id = format!("cb-chart-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let node = NodeRef::<leptos::html::Div>::new();
    let instance = StoredValue::new_local(None::<charming::Echarts>);
    let unavailable = RwSignal::new(false);
    let element_id = id.clone();
    Effect::new(move |_| {
        let options = chart.get();
        if node.get().is_none() {
            return;
        }
        if !echarts_loaded() {
            unavailable.set(true);
            return;
        }
        instance.update_value(|slot| match slot {
            Some(existing) => WasmRenderer::update(existing, &options),
            None => {
                *slot = WasmRenderer::new_opt(None, None)
                    .render(&element_id, &options)
                    .ok()
            }
        });
    });
    on_cleanup(move || {
        if let Some(el) = node.get_untracked()
            && echarts_loaded()
        {
            dispose_chart(&el);
        }
    });
    view! {
        <div class="chart-frame" data-testid=testid>
            <div id=id node_ref=node class="chart" role="img" aria-label=label></div>
            <Show when=move || unavailable.get()>
                <p class="chart-unavailable">"The chart could not be drawn: the charting library did not load."</p>
            </Show>
        </div>
    }
}
