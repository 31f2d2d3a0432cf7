//! Route `/audit`, for admins: every change to the account (settings, caps, alerts, the team,
//! the plan, grants, tokens) with who made it and what it was before and after, and the
//! events the host product is told, with each delivery's attempts.

use crate::browser;
use crate::components::states::ErrorPanel;
use crate::format;
use crate::hooks::AccountData;
use crate::hooks::integration::{use_audit, use_webhook_events};
use crate::view::{self, store_params, to_query_string};
use creditboard_domain::api::AccountView;
use creditboard_domain::api::calls::{AuditPage, SentEvent};
use creditboard_domain::api::host::{Actor, AuditEntry, Delivery};
use creditboard_domain::events::{EventType, HostEvent};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let data = AccountData::expect();
    let audit = use_audit();
    let events = use_webhook_events();
    let changes = move || match (data.account.get(), audit.get()) {
        (Some(Ok(account)), Some(Ok(page))) => view! { <Changes account page /> }.into_any(),
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            view! { <ErrorPanel what="the audit log" error=e retry=move |_| data.refetch() /> }
                .into_any()
        }
        _ => view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any(),
    };
    let sent = move || match (data.account.get(), events.get()) {
        (Some(Ok(account)), Some(Ok(list))) => view! { <Events account list /> }.into_any(),
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            view! { <ErrorPanel what="the events" error=e retry=move |_| events.refetch() /> }
                .into_any()
        }
        _ => view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any(),
    };
    view! {
        <header class="page-head">
            <h1>"Audit log"</h1>
        </header>
        <p class="muted">
            "Every change to this account, who made it and what it was before, and what your product was told."
        </p>
        <section class="card" aria-labelledby="audit-changes">
            <h2 id="audit-changes">"Changes"</h2>
            {changes}
        </section>
        <section class="card" aria-labelledby="audit-events">
            <h2 id="audit-events">"Events sent to your product"</h2>
            {sent}
        </section>
    }
}

#[component]
fn Changes(account: AccountView, page: AuditPage) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="muted">"No changes yet."</p> }.into_any();
    }
    // The start-up parameters go along, so the older page is of the same account.
    let query = use_query_map();
    let older = page.next_before.map(|b| {
        let mut pairs = store_params(&view::pairs(&query.read_untracked()));
        pairs.push(("before".into(), b.to_string()));
        browser::app_href(&format!("/audit{}", to_query_string(&pairs)))
    });
    let rows = page
        .entries
        .into_iter()
        .map(|e| view! { <ChangeRow account=account.clone() entry=e /> })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Changes, newest first">
            <table class="data-table audit-table" data-testid="audit-changes">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Before"</th>
                        <th scope="col">"After"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {older.map(|href| view! { <p><a href=href>"Older changes"</a></p> })}
    }
    .into_any()
}

#[component]
fn ChangeRow(account: AccountView, entry: AuditEntry) -> impl IntoView {
    let when = format::moment(account.timezone.local(entry.at), true, false);
    let who = match &entry.actor {
        Actor::Member { member } => account
            .members
            .iter()
            .find(|m| m.id.as_str() == member)
            .map_or_else(|| member.clone(), |m| m.name.clone()),
        Actor::Service => "Your product's service".into(),
        Actor::Host => "Your product".into(),
        Actor::Embed => "An embedded view".into(),
        Actor::Server => "Creditboard".into(),
    };
    let what = format!("{} · {}", action_label(&entry.action), entry.subject);
    view! {
        <tr>
            <td>{when}</td>
            <th scope="row">{who}</th>
            <td>{what}</td>
            <td class="audit-value">{value_text(&entry.before)}</td>
            <td class="audit-value">{value_text(&entry.after)}</td>
        </tr>
    }
}

/// What an action is called on the page.
fn action_label(action: &str) -> &str {
    match action {
        "create_account" => "Account created",
        "close_account" => "Account closed",
        "add_member" => "Member added",
        "update_member" => "Member changed",
        "remove_member" => "Member removed",
        "auto_top_up" => "Automatic top-ups",
        "member_cap" => "Member cap",
        "alerts" => "Low-balance alerts",
        "allocation" => "Plan allocation",
        "billing_day" => "Billing day",
        "plan" => "Plan",
        "grant" => "Credits granted",
        "adjustment" => "Balance adjusted",
        "issue_token" => "Token issued",
        "revoke_token" => "Token revoked",
        "add_webhook" => "Webhook endpoint added",
        "delete_webhook" => "Webhook endpoint deleted",
        other => other,
    }
}

/// A before or after value as short text: "—" for none, else its JSON.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[component]
fn Events(account: AccountView, list: Vec<SentEvent>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No events yet."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|e| {
            let when = format::moment(account.timezone.local(e.event.created_at), true, false);
            let about = about(&account, &e.event.data);
            let delivered = delivery_text(&e.deliveries);
            view! {
                <tr>
                    <td>{when}</td>
                    <th scope="row"><code>{e.event.kind.as_str()}</code></th>
                    <td>{about}</td>
                    <td>{delivered}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Events, newest first">
            <table class="data-table audit-table" data-testid="audit-events">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"About"</th>
                        <th scope="col">"Delivery"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// What an event says, in the meter's words: the amount, the member, the reason.
fn about(account: &AccountView, e: &HostEvent) -> String {
    let meter = account.meters.iter().find(|m| m.id == e.meter);
    let amount = |a: creditboard_domain::Amount| {
        meter.map_or_else(|| a.get().to_string(), |m| format::amount(a, m))
    };
    let mut parts = Vec::new();
    if let Some(a) = e.amount {
        parts.push(amount(a));
    }
    if let Some(t) = e
        .threshold
        .filter(|_| e.kind != EventType::MemberCapReached)
    {
        parts.push(format!("level {}", amount(t)));
    }
    if let Some(m) = &e.member {
        let name = account
            .members
            .iter()
            .find(|x| &x.id == m)
            .map_or_else(|| m.to_string(), |x| x.name.clone());
        parts.push(name);
    }
    if let Some(r) = &e.reason {
        parts.push(r.clone());
    }
    parts.push(format!("balance {}", amount(e.balance)));
    parts.join(" · ")
}

/// Where the event went: each endpoint's state and attempts.
fn delivery_text(deliveries: &[Delivery]) -> String {
    if deliveries.is_empty() {
        return "Not sent: no webhook endpoint takes it".into();
    }
    deliveries
        .iter()
        .map(|d| {
            let tries = match d.attempts.len() {
                1 => "1 attempt".to_string(),
                n => format!("{n} attempts"),
            };
            let last = d.attempts.last().map(|a| match (a.status, &a.error) {
                (Some(s), None) => format!("answered {s}"),
                (_, Some(e)) => e.clone(),
                (None, None) => "no answer".into(),
            });
            let state = match d.state.as_str() {
                "delivered" => "Delivered",
                "pending" => "Retrying",
                "failed" => "Given up",
                "cancelled" => "Cancelled",
                other => other,
            };
            match last {
                Some(last) => format!("{state} ({tries}, {last})"),
                None => format!("{state} ({tries})"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
