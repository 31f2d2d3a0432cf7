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
use creditboard_domain::api::TeamView;
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
    // What the tables are made of: their meters and members. Only a change to those builds
    // the rows anew; the answers that arrive after a save, or as others use credits, update
    // the rows in place, so a cap being typed, its field's focus and what the save said stay.
    let shape = Memo::new(
        move |_| match (data.account.get(), usage.get(), team.get()) {
            (Some(Ok(account)), Some(Ok(used)), Some(Ok(_))) => Ok(Some(Shape {
                meters: account
                    .meters
                    .iter()
                    .filter(|m| used.meters.iter().any(|u| u.meter == m.id))
                    .cloned()
                    .collect(),
                members: account.members.clone(),
            })),
            (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Err(e),
            _ => Ok(None),
        },
    );
    let spend = Signal::derive(move || team.get().and_then(Result::ok));
    let body = move || match shape.get() {
        Ok(Some(Shape { meters, members })) => {
            let multi = meters.len() > 1;
            meters
                .into_iter()
                .map(|meter| {
                    let id = meter.id.clone();
                    let in_period = Memo::new(move |_| {
                        usage.with(|u| {
                            let u = u.as_ref()?.as_ref().ok()?;
                            u.meters.iter().find(|m| m.meter == id).cloned()
                        })
                    });
                    view! {
                        <MemberTable
                            meter
                            members=members.clone()
                            multi
                            usage=in_period.into()
                            team=spend
                        />
                    }
                })
                .collect_view()
                .into_any()
        }
        Err(e) => view! {
            <ErrorPanel what="your team" error=e retry=move |_| {
                data.refetch();
                usage.refetch();
                team.refetch();
            } />
        }
        .into_any(),
        Ok(None) => {
            view! { <div class="skeleton-block" aria-busy="true">"Loading…"</div> }.into_any()
        }
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

/// The meters the team tables show (those the usage answer has) and the members in them.
#[derive(Clone, PartialEq)]
struct Shape {
    meters: Vec<MeterConfig>,
    members: Vec<Member>,
}

#[component]
fn MemberTable(
    meter: MeterConfig,
    members: Vec<Member>,
    multi: bool,
    /// The meter's usage in the period.
    usage: Signal<Option<MeterUsage>>,
    /// Each member's spend this month and caps.
    team: Signal<Option<TeamView>>,
) -> impl IntoView {
    let rows = members
        .into_iter()
        .map(|m| {
            let key = m.id.clone();
            let used = Signal::derive(move || {
                usage.with(|u| {
                    u.as_ref()
                        .and_then(|u| u.by_member.iter().find(|r| r.key == key.as_str()))
                        .map_or(creditboard_domain::Amount::ZERO, |r| r.used)
                })
            });
            let share = Signal::derive(move || {
                let all = usage.with(|u| u.as_ref().map(|u| u.used).unwrap_or_default());
                format::percent(format::share_bp(used.get(), all))
            });
            let (member, meter_id) = (m.id.clone(), meter.id.clone());
            let spend = Memo::new(move |_| {
                team.with(|t| {
                    t.as_ref()?
                        .spend
                        .iter()
                        .find(|s| s.member == member && s.meter == meter_id)
                        .cloned()
                })
            });
            view! { <MemberRow member=m meter=meter.clone() used share spend=spend.into() /> }
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
    used: Signal<creditboard_domain::Amount>,
    share: Signal<String>,
    spend: Signal<Option<creditboard_domain::api::MemberSpend>>,
) -> impl IntoView {
    let may = use_may(Action::ChangeMemberCaps);
    let cap = Memo::new(move |_| spend.with(|s| s.as_ref().and_then(|s| s.cap)));
    let this_month = move || spend.with(|s| s.as_ref().map(|s| s.this_month).unwrap_or_default());
    let m0 = meter.clone();
    let cap_input = move |cap: Option<creditboard_domain::Amount>| {
        cap.map(|c| format::number(c, &m0).replace(',', ""))
            .unwrap_or_default()
    };
    let text = RwSignal::new(cap_input(cap.get_untracked()));
    // A cap saved (here or by another admin) is what the field shows from then on.
    Effect::new(move |before: Option<Option<creditboard_domain::Amount>>| {
        let now = cap.get();
        if before.is_some_and(|b| b != now) {
            text.set(cap_input(now));
        }
        now
    });
    let outcome = RwSignal::<Said>::new(None);
    let set_cap = use_change_settings();
    // What the saved cap means: none, a stop (0), or a limit.
    let cleared = StoredValue::new(false);
    let stopped = StoredValue::new(false);
    let stop_note = format!(
        "Saved: {} cannot use {} until the month ends.",
        member.name, meter.name
    );
    Effect::new(move |_| match set_cap.value().get() {
        Some(Ok(())) => outcome.set(Some(Ok(if cleared.get_value() {
            "No cap.".to_string()
        } else if stopped.get_value() {
            stop_note.clone()
        } else {
            "Saved.".to_string()
        }))),
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
    let m2 = meter.clone();
    let cap_text = move || {
        cap.get()
            .map_or_else(|| "No cap".to_owned(), |c| format::amount(c, &m2))
    };
    let label = format!("Monthly cap for {}", member.name);
    let (m3, m4) = (meter.clone(), meter.clone());
    view! {
        <tr data-testid=format!("member-{}", member.id)>
            <th scope="row">{member.name.clone()}</th>
            <td>{role}</td>
            <td class="num">{move || format::amount(used.get(), &m3)}</td>
            <td class="num">{share}</td>
            <td class="num">{move || format::amount(this_month(), &m4)}</td>
            <td>
                <Show when=move || may.get() fallback=cap_text>
                    <form class="cap-form" on:submit=save.clone() novalidate>
                        <input
                            type="text"
                            inputmode="decimal"
                            placeholder="No cap"
                            aria-label=label.clone()
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
