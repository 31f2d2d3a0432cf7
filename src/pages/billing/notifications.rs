//! The alerts that fired, newest first: the last few, and all of them on request.

use crate::components::spend::alert_text;
use crate::format;
use crate::hooks::AccountData;
use leptos::prelude::*;

/// How many alerts the list shows before "Show all".
const RECENT_ALERTS: usize = 10;

/// The "Notifications" card: the alerts that fired, newest first.
#[component]
pub(super) fn NotificationList() -> impl IntoView {
    let data = AccountData::expect();
    let show_all = RwSignal::new(false);
    let list = move || {
        let account = data.account.get().and_then(Result::ok)?;
        let notes = data.notifications.get().and_then(Result::ok)?;
        let tz = account.timezone;
        if notes.is_empty() {
            return Some(view! { <p class="muted">"No alert has fired yet."</p> }.into_any());
        }
        let shown = if show_all.get() {
            notes.len()
        } else {
            RECENT_ALERTS
        };
        let more = (notes.len() > shown).then(|| {
            view! {
                <button type="button" class="button small" on:click=move |_| show_all.set(true)>
                    {format!("Show all {}", notes.len())}
                </button>
            }
        });
        let rows = notes
            .iter()
            .rev()
            .take(shown)
            .map(|n| {
                view! {
                    <li>
                        <time datetime=n.at.to_rfc3339()>
                            {format::moment(tz.local(n.at), true, false)}
                        </time>
                        " — "
                        {alert_text(n, &account)}
                    </li>
                }
            })
            .collect_view();
        Some(
            view! {
                <ol class="notifications" data-testid="notifications">{rows}</ol>
                {more}
            }
            .into_any(),
        )
    };
    view! {
        <section class="card" aria-labelledby="notifications-title">
            <h2 id="notifications-title">"Notifications"</h2>
            {list}
        </section>
    }
}
