//! The app: the store chosen at start-up, the chart theme, the router and its routes.

use crate::components::shell::Shell;
use crate::pages::activity::{CreditActivityPage, ProjectPage};
use crate::pages::audit::AuditLogPage;
use crate::pages::billing::BillingPage;
use crate::pages::rates::RatesPage;
use crate::pages::team::TeamPage;
use crate::pages::usage::UsagePage;
use crate::start::{demo_choice, demo_store_asked};
use crate::store::rest;
use crate::store::worker::WorkerStore;
use crate::store::{Backend, Sent, Store, StoreError, StoreFuture};
use crate::theme::provide_chart_theme;
use creditboard_domain::preset::Product;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, path};
use std::sync::Arc;

/// The whole app over `store`; `notices` are problems found in the start-up URL.
#[component]
pub fn App(store: Arc<dyn Backend>, #[prop(optional)] notices: Vec<String>) -> impl IntoView {
    let store = Store::provide(store);
    // What others write (usage the host's service reports) is fetched again as it lands.
    let handle = store.clone();
    store.watch(Box::new(move || handle.changed()));
    provide_chart_theme();
    // What the Credits panel borrows from the pages (its history, buying).
    provide_context(crate::pages::lazy::panel_slots());
    // A page's code may still be on its way (its first visit): the bar says something is.
    let (routing, set_routing) = signal(false);
    // Under a base path (`<base href="/acme/credits/">`) the routes and links sit below it.
    let base = crate::browser::base_path();
    view! {
        <Router base set_is_routing=set_routing>
            <Show when=move || routing.get()>
                <div class="route-progress" role="status" aria-label="Loading the page"></div>
            </Show>
            {crate::embed::embedded().then(|| view! { <TellHost /> })}
            <Shell notices>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=UsagePage />
                    <Route path=path!("/activity") view={Lazy::<ActivityRoute>::new()} />
                    <Route path=path!("/activity/projects/:id") view={Lazy::<ProjectRoute>::new()} />
                    <Route path=path!("/rates") view={Lazy::<RatesRoute>::new()} />
                    <Route path=path!("/billing") view={Lazy::<BillingRoute>::new()} />
                    <Route path=path!("/team") view={Lazy::<TeamRoute>::new()} />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} />
                </Routes>
            </Shell>
        </Router>
    }
}

/// Routes whose page is loaded when first visited. With the `split` feature each page's code
/// is a wasm chunk of its own, so the first load carries only the usage page and the shell;
/// without it (tests, `cargo build`) the same routes resolve at once.
macro_rules! on_demand {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[cfg(feature = "split")]
        #[leptos_router::lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }

        #[cfg(not(feature = "split"))]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

on_demand! {
    ActivityRoute => CreditActivityPage,
    ProjectRoute => ProjectPage,
    RatesRoute => RatesPage,
    BillingRoute => BillingPage,
    TeamRoute => TeamPage,
    AuditRoute => AuditLogPage,
}

/// Embedded: tells the host page where the dashboard is whenever that changes.
#[component]
fn TellHost() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let base = crate::browser::base_path();
    Effect::new(move |_| {
        let pathname = location.pathname.get();
        let query = crate::view::pairs(&location.query.read());
        crate::embed::tell_location(&crate::embed::host_location(&base, &pathname, &query));
    });
}

/// Shown for an unknown route.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p>
            <a href=crate::browser::app_href("/")>"Back to credit usage"</a>
        </p>
    }
}

/// Starts the app in the page: the timezone source, the locale, then the store: the server's
/// that serves the page, unless the URL asks for the demo (`store=demo`), otherwise the demo
/// store of the product preset the URL names; mounted on the body. Inside a host's page
/// (`embed.js`) the host's options say which API, locale and theme.
pub fn start() {
    crate::zones::install();
    crate::browser::canonical_root();
    let query = crate::start::page_query();
    if crate::embed::embedded() {
        wasm_bindgen_futures::spawn_local(start_embedded(query));
        return;
    }
    let locale_problem = use_locale(crate::view::get(&query, "locale"));
    match crate::start::named_by_page().filter(|_| !demo_store_asked(&query)) {
        // Leptos's executor starts with the first mount: this waits on the browser's own.
        Some((api, token)) => wasm_bindgen_futures::spawn_local(async move {
            let store = rest::connect(api, token).await;
            let mut notices = crate::start::page_notices();
            notices.extend(locale_problem);
            mount(store, notices);
        }),
        None => {
            let (store, mut notices) = demo_store(&query);
            notices.extend(locale_problem);
            mount(store, notices);
        }
    }
}

/// In a host's page: waits for the host's options, then starts over its API (or the demo the
/// frame's URL names).
async fn start_embedded(query: crate::view::Query) {
    let (options, mut notices) = crate::embed::options().await;
    notices.extend(crate::embed::apply_theme(&options.theme));
    notices.extend(use_locale(options.locale.as_deref()));
    crate::embed::start_reporting();
    let store = match (options.api_base, options.token, options.config) {
        // The host's own product, on the demo store (embed.js allows no API with it).
        (_, _, Some(config)) => match crate::embed::product_config(config) {
            Ok(config) => demo_of(Product::Custom(Box::new(config)), 100, &mut notices),
            Err(why) => {
                notices.push(why.clone());
                Arc::new(Unavailable(StoreError::Rejected {
                    code: "invalid_config".into(),
                    message: why,
                }))
            }
        },
        (Some(api), Some(token), None) if !demo_store_asked(&query) => {
            rest::connect(api, token).await
        }
        (Some(_), None, None) => {
            notices.push("The host gave an API but no token: showing the demo.".to_string());
            demo_store(&query).0
        }
        _ => {
            let (store, problems) = demo_store(&query);
            notices.extend(problems);
            store
        }
    };
    mount(store, notices);
}

/// Formats numbers, money and dates for `tag` (none: en-US); what was wrong with it.
fn use_locale(tag: Option<&str>) -> Option<String> {
    let tag = tag?;
    match crate::locale::Locale::parse(tag) {
        Ok(locale) => {
            crate::format::set_locale(locale);
            None
        }
        Err(why) => Some(why),
    }
}

fn mount(store: Arc<dyn Backend>, notices: Vec<String>) {
    leptos::mount::mount_to_body(move || view! { <App store notices /> });
    crate::components::chart::load_library();
}

/// The demo store the URL asks for, and what was wrong with the URL.
fn demo_store(query: &crate::view::Query) -> (Arc<dyn Backend>, Vec<String>) {
    let choice = demo_choice(query);
    let mut notices = choice.problems;
    let store = demo_of(
        Product::Preset(choice.preset),
        choice.scale_percent,
        &mut notices,
    );
    (store, notices)
}

/// The demo store of `product`; without workers the page still shows its error state, with
/// the reason.
fn demo_of(product: Product, scale_percent: u32, notices: &mut Vec<String>) -> Arc<dyn Backend> {
    match WorkerStore::spawn(product, scale_percent) {
        Ok(store) => Arc::new(store),
        Err(e) => {
            notices.push(e.to_string());
            Arc::new(Unavailable(e))
        }
    }
}

/// The store when none could start: every request fails with the reason.
struct Unavailable(StoreError);

impl Backend for Unavailable {
    fn send(&self, _: Sent) -> StoreFuture<'_, wasm_bindgen::JsValue> {
        Box::pin(async { Err(self.0.clone()) })
    }
}
