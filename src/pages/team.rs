//! Route `/team`: who is on the team, what each used in the period (and their share), what
//! they spent this month against an optional monthly cap, which admins can set.

use crate::browser;
use crate::components::period::PeriodChoice;
use crate::components::spend::{AdminOnlyNote, Outcome, Said, parse_amount};
use crate::components::states::ErrorPanel;
use crate::format;
use crate::hooks::AccountData;
use crate::hooks::account::use_change_settings;
use crate::hooks::account::use_may;
use crate::hooks::team::use_team;
use crate::hooks::usage::{use_offered_period, use_usage};
use creditboard_domain::access::Action;
use creditboard_domain::api::{AccountView, TeamView};
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::config::{Member, Role};
use creditboard_domain::usage::MeterUsage;
use leptos::prelude::*;

#[component]
pub fn TeamPage() -> impl IntoView {
    let data = AccountData::expect();
    let offered = use_offered_period(data);
    let usage = use_usage(data);
    let team = use_team();
    let today = Signal::derive(move || {
        let now = browser::now();
        match data.account.get() {
            Some(Ok(a)) => a.timezone.date_of(now),
            _ => now.date_naive(),
        }
    });
    let last_save = LastSave::default();
    let body = move || match (data.account.get(), usage.get(), team.get()) {
        (Some(Ok(account)), Some(Ok(used)), Some(Ok(spend))) => account
            .meters
            .clone()
            .into_iter()
            .filter_map(|meter| {
                let in_period = used.meters.iter().find(|u| u.meter == meter.id)?.clone();
                Some(view! {
                    <MemberTable
                        meter
                        account=account.clone()
                        usage=in_period
                        team=spend.clone()
                        last_save
                    />
                })
            })
            .collect_view()
            .into_any(),
        (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => view! {
            <ErrorPanel what="your team" error=e retry=move |_| {
                data.refetch();
                usage.refetch();
                team.refetch();
            } />
        }
        .into_any(),
        _ => view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any(),
    };
    view! {
        <header class="page-head">
            <h1>"Team"</h1>
        </header>
        <PeriodChoice offered today />
        <p class="muted">
            "Credits belong to the team: everyone draws from the same balance. Admins can cap what one member spends in a calendar month."
        </p>
        <AdminOnlyNote action=Action::ChangeMemberCaps />
        {body}
    }
}

/// The last cap saved: its row (`member/meter`), what the save said, and whether its field
/// takes the keyboard focus back. Saving refreshes the page's data, which builds the rows
/// anew (once per answer that arrives), so this outlives them: each new row of that kind
/// shows the message, and those built while the refresh lasts refocus the field.
#[derive(Clone, Copy, Default)]
struct LastSave(StoredValue<Option<(String, Said, bool)>>);

/// How long after a save a rebuilt row takes the focus back.
const REFOCUS_FOR: std::time::Duration = std::time::Duration::from_secs(3);

#[component]
fn MemberTable(
    meter: MeterConfig,
    account: AccountView,
    usage: MeterUsage,
    team: TeamView,
    last_save: LastSave,
) -> impl IntoView {
    let multi = account.meters.len() > 1;
    let rows = account
        .members
        .iter()
        .map(|m| {
            let used = usage
                .by_member
                .iter()
                .find(|r| r.key == m.id.as_str())
                .map_or(creditboard_domain::Amount::ZERO, |r| r.used);
            let share = format::percent(format::share_bp(used, usage.used));
            let spend = team
                .spend
                .iter()
                .find(|s| s.member == m.id && s.meter == meter.id)
                .cloned();
            view! { <MemberRow member=m.clone() meter=meter.clone() used share spend last_save /> }
        })
        .collect_view();
    view! {
        <section class="card" aria-label=format!("Members — {}", meter.name)>
            {multi.then(|| view! { <h2>{meter.name.clone()}</h2> })}
            <div class="table-wrap" tabindex="0" role="region" aria-label=format!("Members and their usage of {}", meter.name)>
                <table class="data-table team-table" data-testid=format!("team-{}", meter.id)>
                    <thead>
                        <tr>
                            <th scope="col">"Member"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col" class="num">"Used in period"</th>
                            <th scope="col" class="num">"Share"</th>
                            <th scope="col" class="num">"This month"</th>
                            <th scope="col">"Monthly cap"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn MemberRow(
    member: Member,
    meter: MeterConfig,
    used: creditboard_domain::Amount,
    share: String,
    spend: Option<creditboard_domain::api::MemberSpend>,
    last_save: LastSave,
) -> impl IntoView {
    let may = use_may(Action::ChangeMemberCaps);
    let row = format!("{}/{}", member.id, meter.id);
    let input = NodeRef::<leptos::html::Input>::new();
    let (said, refocus) = last_save.0.with_value(|last| match last {
        Some((key, said, refocus)) if *key == row => (said.clone(), *refocus),
        _ => (None, false),
    });
    if refocus {
        Effect::new(move |_| {
            if let Some(input) = input.get() {
                let _ = input.focus();
            }
        });
    }
    let cap = spend.as_ref().and_then(|s| s.cap);
    let this_month = spend.as_ref().map(|s| s.this_month).unwrap_or_default();
    let text = RwSignal::new(
        cap.map(|c| format::number(c, &meter).replace(',', ""))
            .unwrap_or_default(),
    );
    let outcome = RwSignal::<Said>::new(said);
    let set_cap = use_change_settings();
    // What the saved cap means: none, a stop (0), or a limit.
    let cleared = StoredValue::new(false);
    let stopped = StoredValue::new(false);
    let stop_note = format!(
        "Saved: {} cannot use {} until the month ends.",
        member.name, meter.name
    );
    let r1 = row.clone();
    // The table is built again after a save: the row says so, and the input keeps the focus.
    Effect::new(move |_| match set_cap.value().get() {
        Some(Ok(())) => {
            let said = Some(Ok(if cleared.get_value() {
                "No cap.".to_string()
            } else if stopped.get_value() {
                stop_note.clone()
            } else {
                "Saved.".to_string()
            }));
            outcome.set(said.clone());
            last_save.0.set_value(Some((r1.clone(), said, true)));
            set_timeout(
                move || {
                    last_save.0.try_update_value(|last| {
                        if let Some(last) = last {
                            last.2 = false;
                        }
                    });
                },
                REFOCUS_FOR,
            );
        }
        Some(Err(e)) => outcome.set(Some(Err(e.to_string()))),
        None => {}
    });
    let (m1, id) = (meter.clone(), member.id.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = text.get_untracked();
        let monthly = if typed.trim().is_empty() {
            None
        } else {
            match parse_amount(&typed, &m1) {
                Ok(a) if !a.is_negative() => Some(a),
                Ok(_) => return outcome.set(Some(Err("A cap cannot be negative.".into()))),
                Err(e) => return outcome.set(Some(Err(e))),
            }
        };
        cleared.set_value(monthly.is_none());
        stopped.set_value(monthly.is_some_and(|m| m.is_zero()));
        set_cap.dispatch(SettingsChange::MemberCap {
            member: id.clone(),
            meter: m1.id.clone(),
            monthly,
        });
    };
    let role = match member.role {
        Role::Admin => "Admin",
        Role::Member => "Member",
    };
    let cap_text = cap.map_or_else(|| "No cap".to_owned(), |c| format::amount(c, &meter));
    let label = format!("Monthly cap for {}", member.name);
    view! {
        <tr data-testid=format!("member-{}", member.id)>
            <th scope="row">{member.name.clone()}</th>
            <td>{role}</td>
            <td class="num">{format::amount(used, &meter)}</td>
            <td class="num">{share}</td>
            <td class="num">{format::amount(this_month, &meter)}</td>
            <td>
                <Show when=move || may.get() fallback=move || cap_text.clone()>
                    <form class="cap-form" on:submit=save.clone() novalidate>
                        <input
                            type="text"
                            inputmode="decimal"
                            placeholder="No cap"
                            aria-label=label.clone()
                            node_ref=input
                            prop:value=move || text.get()
                            on:input:target=move |ev| text.set(ev.target().value())
                        />
                        <button type="submit" class="button small">"Save"</button>
                        <span role="status" class="outcome">
                            <Outcome outcome />
                        </span>
                    </form>
                </Show>
            </td>
        </tr>
    }
}
