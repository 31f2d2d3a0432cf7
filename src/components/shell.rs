//! The frame around every page: the account's name, the navigation, the balance counter and
//! its Credits panel, and, on the demo store, the demo bar.

use crate::components::credits::{BalanceCounter, CreditsPanel};
use crate::components::render_queue::RenderQueuePanel;
use crate::hooks::AccountData;
use crate::hooks::demo::use_demo;
use crate::hooks::render_queue::RenderQueue;
use crate::view::{pairs, store_params, to_query_string};
use creditboard_domain::alerts::Notification;
use creditboard_domain::preset::PresetId;
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

/// The app's frame; `notices` are problems found in the start-up URL.
#[component]
pub fn Shell(#[prop(optional)] notices: Vec<String>, children: Children) -> impl IntoView {
    let data = AccountData::provide();
    let queue = RenderQueue::provide();
    let on_demo = crate::hooks::demo::on_demo();
    let on_server_demo = !on_demo && crate::start::server_demo();
    let drawn = first_view_drawn(data);
    // Memos: each part is built when it is first needed and stays (with its own state) while
    // it is, not rebuilt on every change of what it shows.
    let has_batch = Memo::new(move |_| queue.batch.with(Option::is_some));
    let alert_holds = Memo::new(move |_| live_alert(data).is_some());
    let panel_open = RwSignal::new(false);
    let counter = NodeRef::<html::Button>::new();
    let name = move || {
        data.account
            .get()
            .and_then(|a| a.ok())
            .map(|a| a.name)
            .unwrap_or_default()
    };
    view! {
        <div class="cb-app">
            <a class="skip-link" href="#cb-main" on:click=skip_to_main>
                "Skip to the page"
            </a>
            <header class="topbar">
                <div class="topbar-inner">
                    <p class="account-name" data-testid="account-name">{name}</p>
                    <Nav />
                    <BalanceCounter open=panel_open node_ref=counter />
                </div>
            </header>
            // The demo bar's place is kept while its code is on the way: the page must not
            // jump when it arrives.
            {on_demo
                .then(|| {
                    view! {
                        <div class="demo-bar-slot">
                            {move || {
                                drawn
                                    .get()
                                    .then(|| {
                                        view! { <Suspense>{Suspend::new(demo_bar())}</Suspense> }
                                    })
                            }}
                        </div>
                    }
                })}
            {on_server_demo.then(|| view! { <ServerDemoBar data /> })}
            {move || {
                has_batch
                    .get()
                    .then(|| {
                        view! { <Suspense>{Suspend::new(render_queue_panel())}</Suspense> }
                    })
            }}
            {move || {
                alert_holds
                    .get()
                    .then(|| view! { <Suspense>{Suspend::new(alert_banner())}</Suspense> })
            }}
            <main id="cb-main" class="page" tabindex="-1">
                {notices
                    .into_iter()
                    .map(|n| view! { <p class="notice" role="status">{n}</p> })
                    .collect_view()}
                {children()}
            </main>
            <CreditsPanel open=panel_open return_focus=counter />
        </div>
    }
}

/// Moves focus to the page itself (the router would only scroll to it).
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    let main = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("cb-main"))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}

/// Links to the account's pages; they carry the start-up parameters so a reload opens the
/// same demo.
#[component]
fn Nav() -> impl IntoView {
    let query = use_query_map();
    // The log is the admins' (the account refuses it to anyone else).
    let may_audit = crate::hooks::account::use_may(creditboard_domain::access::Action::ManageTeam);
    let link = move |path: &'static str| {
        move || {
            let sticky = store_params(&pairs(&query.read()));
            // Absolute paths: the router leaves them as they are, so the base path goes first.
            crate::browser::app_href(&format!("{path}{}", to_query_string(&sticky)))
        }
    };
    view! {
        <nav class="main-nav" aria-label="Credits">
            <A href=link("/") exact=true>
                "Usage"
            </A>
            <A href=link("/activity")>"Activity"</A>
            <A href=link("/rates")>"Rate card"</A>
            <A href=link("/billing")>"Billing"</A>
            <A href=link("/team")>"Team"</A>
            <Show when=move || may_audit.get()>
                <A href=link("/audit")>"Audit log"</A>
            </Show>
        </nav>
    }
}

// Parts of the frame the first view does without: a designer's demo bar, a batch being
// rendered, an alert that fired. In the split build each is a chunk of its own, fetched when
// it is first shown, so neither the first load nor the first render waits for it.
later!(demo_bar => DemoBar);
later!(render_queue_panel => RenderQueuePanel);
later!(alert_banner => AlertBanner);

/// For designers on the demo store: which product, how big its history is, and actions that
/// show the dashboard's other states.
#[component]
fn DemoBar() -> impl IntoView {
    let data = AccountData::expect();
    let Some(demo) = use_demo() else {
        return ().into_any();
    };
    let preset = demo.preset;
    let chosen = RwSignal::new(preset.map(PresetId::slug).unwrap_or_default().to_string());
    let message = demo.message;
    let count = move || {
        // Known once the store has answered; read again whenever the data changes.
        let _ = data.balance.get();
        format!(
            "{} ledger entries",
            crate::format::group_thousands(&demo.entry_count().to_string())
        )
    };
    let run_job = move |_| {
        demo.run_sample_job.dispatch(());
    };
    let fail = move |_| demo.fail_next_request();
    let declining = demo.declining;
    let queue = RenderQueue::expect();
    let toggle_declining = move |_| {
        demo.decline_payments.dispatch(!declining.get_untracked());
    };
    let toggle_shot_failure = move |_| {
        queue.fail_next.update(|f| *f = !*f);
        message.set(Some(if queue.fail_next.get_untracked() {
            "The next shot to render will fail.".into()
        } else {
            "Shots will render normally.".into()
        }));
    };
    let switch_viewer = move |id: String| {
        demo.view_as.dispatch(id);
    };
    let slow = demo.slow;
    let toggle_slow = move |_| demo.set_slow(!slow.get_untracked());
    let reset = move |_| {
        demo.reset.dispatch(());
    };
    view! {
        <div class="demo-bar" role="region" aria-label="Demo" data-testid="demo-bar">
            <span class="demo-tag">"Demo"</span>
            {match preset {
                // Choosing a product does nothing until "Open": arrowing through the list
                // must not reload the page at every step.
                Some(preset) => view! {
                    <form class="demo-product" on:submit=move |ev| {
                        ev.prevent_default();
                        switch_preset(&chosen.get_untracked());
                    }>
                        <label>
                            <span>"Product"</span>
                            <select on:change:target=move |ev| chosen.set(ev.target().value())>
                                {PresetId::ALL
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <option value=p.slug() selected=p == preset>
                                                {p.slug()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="button small" disabled=move || chosen.get() == preset.slug()>
                            "Open"
                        </button>
                    </form>
                }
                .into_any(),
                // The host described its own product: there is nothing to switch to.
                None => view! {
                    <span class="demo-product" data-testid="demo-product">
                        "The host’s own product"
                    </span>
                }
                .into_any(),
            }}
            {viewer_select(data, switch_viewer)}
            <span class="demo-count" data-testid="demo-entry-count">{count}</span>
            <details class="demo-menu">
                <summary>"Demo actions"</summary>
                <div class="demo-menu-items">
                    <button type="button" on:click=run_job>"Run a sample job"</button>
                    <button type="button" on:click=fail>"Simulate an error"</button>
                    <button type="button" aria-pressed=move || slow.get().to_string() on:click=toggle_slow>
                        "Slow responses"
                    </button>
                    <button type="button" aria-pressed=move || declining.get().to_string() on:click=toggle_declining>
                        "Decline payments"
                    </button>
                    <button type="button" aria-pressed=move || queue.fail_next.get().to_string() on:click=toggle_shot_failure>
                        "Next shot fails"
                    </button>
                    <button type="button" on:click=reset>"Reset demo data"</button>
                </div>
            </details>
            <p class="demo-message" role="status">{move || message.get()}</p>
        </div>
    }
        .into_any()
}

/// "View as": the account's members with their roles, the viewer chosen.
fn viewer_select(data: AccountData, switch: impl Fn(String) + 'static) -> impl IntoView {
    let viewer = move || {
        data.account
            .get()
            .and_then(Result::ok)
            .and_then(|a| a.viewer.map(|v| v.member.to_string()))
            .unwrap_or_default()
    };
    let members = move || {
        data.account
            .get()
            .and_then(Result::ok)
            .map(|a| a.members)
            .unwrap_or_default()
    };
    view! {
        <label class="demo-viewer">
            <span>"View as"</span>
            <select
                data-testid="demo-viewer"
                prop:value=viewer
                on:change:target=move |ev| switch(ev.target().value())
            >
                {move || {
                    members()
                        .into_iter()
                        .map(|m| {
                            let role = match m.role {
                                creditboard_domain::config::Role::Admin => "admin",
                                creditboard_domain::config::Role::Member => "member",
                            };
                            view! {
                                <option value=m.id.to_string()>
                                    {format!("{} ({role})", m.name)}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

/// On a server's demo: acting as another member is another member's token, which the server
/// puts in the page: the page opens again with `as=` that member.
#[component]
fn ServerDemoBar(data: AccountData) -> impl IntoView {
    let switch = |member: String| {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let search = location.search().unwrap_or_default();
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
            return;
        };
        params.set("as", &member);
        let _ = location.set_search(&String::from(params.to_string()));
    };
    view! {
        <div class="demo-bar" role="region" aria-label="Demo" data-testid="demo-bar">
            <span class="demo-tag">"Demo"</span>
            <span class="demo-count">"On the demo server"</span>
            {viewer_select(data, switch)}
        </div>
    }
}

/// The newest low-balance alert while its meter is still below its level (tracked).
fn live_alert(data: AccountData) -> Option<Notification> {
    let balance = data.balance.get().and_then(Result::ok)?;
    let notes = data.notifications.get().and_then(Result::ok)?;
    let last = notes.iter().rev().find(|n| n.is_low_balance())?;
    let now = balance
        .meters
        .iter()
        .find(|m| m.balance.meter == last.meter)?
        .balance
        .available;
    (now < last.threshold).then(|| last.clone())
}

/// Becomes true once the first view is on screen: a chart has been drawn or, on a page
/// without one, a second after the balance arrived.
fn first_view_drawn(data: AccountData) -> Signal<bool> {
    let waited = RwSignal::new(false);
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let arrived = data.balance.get().is_some();
        if arrived {
            set_timeout(
                move || {
                    waited.try_set(true);
                },
                std::time::Duration::from_secs(1),
            );
        }
        arrived
    });
    Memo::new(move |_| waited.get() || crate::components::chart::first_drawn()).into()
}

/// The newest low-balance alert while its meter is still below the level: what happened and
/// where to act. Dismissing hides that alert until another fires.
#[component]
fn AlertBanner() -> impl IntoView {
    let data = AccountData::expect();
    let query = use_query_map();
    let dismissed = RwSignal::new(None::<u64>);
    let current = move || {
        let account = data.account.get().and_then(Result::ok)?;
        let last = live_alert(data)?;
        let now = data.balance.get().and_then(Result::ok).and_then(|b| {
            b.meters
                .iter()
                .find(|m| m.balance.meter == last.meter)
                .map(|m| m.balance.available)
        })?;
        (dismissed.get() != Some(last.entry.0)).then(|| {
            (
                last.entry.0,
                crate::components::spend::alert_banner_text(&last, &account, now),
            )
        })
    };
    let billing = move || {
        let sticky = store_params(&pairs(&query.read()));
        crate::browser::app_href(&format!("/billing{}", to_query_string(&sticky)))
    };
    view! {
        {move || {
            current()
                .map(|(id, text)| {
                    view! {
                        <div class="alert-banner" role="status" data-testid="alert-banner">
                            <p>{text}</p>
                            <A href=billing>"Buy credits or set up top-ups"</A>
                            <button
                                type="button"
                                class="icon-button"
                                aria-label="Dismiss this alert"
                                on:click=move |_| dismissed.set(Some(id))
                            >
                                "×"
                            </button>
                        </div>
                    }
                })
        }}
    }
}

/// Opens the same page on another product: the store is chosen at start-up, so this loads
/// the page again (the period and other parameters stay).
fn switch_preset(slug: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default())
    else {
        return;
    };
    params.set("preset", slug);
    let _ = location.set_search(&String::from(params.to_string()));
}
