//! What an aggregate answering itself (the demo store) shows of the host integration: the
//! changes made to it, by whom, before and after; the events its ledger made; and that the
//! team and the plan are the host's to change.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use common::*;
use creditboard_domain::access::Caller;
use creditboard_domain::account::Account;
use creditboard_domain::api::host::{Actor, AuditQuery, EventsQuery};
use creditboard_domain::billing::DemoPayments;
use creditboard_domain::config::settings::{AlertLevel, SettingsChange};
use creditboard_domain::config::{Member, Plan, Role};
use creditboard_domain::entry::{GrantOp, Operation, Usage};
use creditboard_domain::events::EventType;
use creditboard_domain::ids::{IdempotencyKey, Label, MemberId, MeterId};
use creditboard_domain::preset::{Preset, PresetId};
use creditboard_domain::{Amount, DomainError, Ledger};

fn act3() -> Account {
    let preset = Preset::get(PresetId::Act3).unwrap();
    Account::new(
        Ledger::open(preset.config, at(0)).unwrap(),
        preset.rate_card,
    )
}

fn member(id: &str) -> Caller {
    Caller::Member(MemberId::new(id).unwrap())
}

#[test]
fn a_change_is_logged_with_who_before_and_after_and_a_repeat_is_not() {
    let mut a = act3();
    let meter = a.config().meters[0].id.clone();
    let change = SettingsChange::Alerts {
        meter: meter.clone(),
        levels: vec![AlertLevel::Below(Amount::minor(900))],
    };
    let payments = DemoPayments::default();
    a.configure(&member("m_maya"), &change, &payments).unwrap();
    a.configure(&member("m_maya"), &change, &payments).unwrap();
    let log = a.audit(&member("m_maya"), &AuditQuery::default()).unwrap();
    assert_eq!(
        log.entries.len(),
        1,
        "the same change again changes nothing"
    );
    let e = &log.entries[0];
    assert_eq!(
        e.actor,
        Actor::Member {
            member: "m_maya".into()
        }
    );
    assert_eq!(e.action, "alerts");
    assert_eq!(e.subject, format!("meter:{meter}"));
    assert_eq!(e.after, serde_json::json!([{"below": 900}]));
    // Members do not read it; the service does.
    assert!(matches!(
        a.audit(&member("m_leo"), &AuditQuery::default()),
        Err(DomainError::AdminOnly { .. })
    ));
    assert!(a.audit(&Caller::Service, &AuditQuery::default()).is_ok());
    assert!(
        a.audit(
            &Caller::Service,
            &AuditQuery {
                before: Some(0),
                limit: None
            }
        )
        .is_err()
    );
}

#[test]
fn the_team_and_the_plan_are_the_hosts_to_change() {
    let mut a = act3();
    let payments = DemoPayments::default();
    let add = SettingsChange::AddMember {
        member: Member {
            id: MemberId::new("m_ivy").unwrap(),
            name: "Ivy Chen".into(),
            role: Role::Member,
        },
    };
    let plan = SettingsChange::Plan {
        plan: Plan::Enterprise,
    };
    for change in [&add, &plan] {
        assert!(matches!(
            a.configure(&member("m_maya"), change, &payments),
            Err(DomainError::HostOnly(_))
        ));
        a.configure(&Caller::Service, change, &payments).unwrap();
    }
    assert!(
        a.config()
            .member(&MemberId::new("m_ivy").unwrap())
            .is_some()
    );
    let demote_last_admin = SettingsChange::UpdateMember {
        member: MemberId::new("m_maya").unwrap(),
        name: None,
        role: Some(Role::Member),
    };
    assert!(
        a.configure(&Caller::Service, &demote_last_admin, &payments)
            .is_err()
    );
    let log = a.audit(&Caller::Service, &AuditQuery::default()).unwrap();
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["plan", "add_member"]);
    assert!(log.entries.iter().all(|e| e.actor == Actor::Service));
}

#[test]
fn a_grant_is_an_event_with_its_reason() {
    let mut a = act3();
    let meter: MeterId = a.config().meters[0].id.clone();
    a.apply(
        &Caller::Service,
        Operation::Grant(GrantOp {
            key: IdempotencyKey::new("welcome").unwrap(),
            meter,
            amount: Amount::minor(500),
            at: at(1),
            expires_at: None,
            usage: Usage {
                description: Some(Label::new("Welcome credits").unwrap()),
                ..Usage::default()
            },
        }),
    )
    .unwrap();
    let events = a
        .host_events(&Caller::Service, &EventsQuery::default())
        .unwrap();
    let grant = events
        .iter()
        .find(|e| e.event.kind == EventType::GrantPosted)
        .unwrap();
    assert_eq!(grant.event.data.amount, Some(Amount::minor(500)));
    assert_eq!(grant.event.data.reason.as_deref(), Some("Welcome credits"));
    assert!(grant.deliveries.is_empty(), "nowhere to send it");
    let again = a
        .host_events(&Caller::Service, &EventsQuery::default())
        .unwrap();
    assert_eq!(
        again[0].event.id, events[0].event.id,
        "an event keeps its id"
    );
}
