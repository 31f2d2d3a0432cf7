//! What a host product is told as entries are written: purchases and top-ups paid or not,
//! alerts fired and resolved, holds that expired, a member's cap used up, grants and
//! adjustments posted. A store finds them in the entries one write added (with the
//! notifications it fired) and delivers them, e.g. as webhooks; each names the entry it is
//! about, so the host can look it up.

use crate::alerts::{Notification, threshold};
use crate::amount::Amount;
use crate::entry::{EntryId, EntryKind, EntryStatus, LedgerEntry};
use crate::ids::{MemberId, MeterId};
use crate::ledger::Ledger;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of event, as their names go over the wire (`purchase.completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "alert.fired")]
    AlertFired,
    #[serde(rename = "alert.resolved")]
    AlertResolved,
    #[serde(rename = "top_up.succeeded")]
    TopUpSucceeded,
    #[serde(rename = "top_up.failed")]
    TopUpFailed,
    #[serde(rename = "purchase.completed")]
    PurchaseCompleted,
    #[serde(rename = "purchase.failed")]
    PurchaseFailed,
    #[serde(rename = "hold.expired")]
    HoldExpired,
    #[serde(rename = "member_cap.reached")]
    MemberCapReached,
    #[serde(rename = "grant.posted")]
    GrantPosted,
    #[serde(rename = "adjustment.posted")]
    AdjustmentPosted,
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::AlertFired,
        EventType::AlertResolved,
        EventType::TopUpSucceeded,
        EventType::TopUpFailed,
        EventType::PurchaseCompleted,
        EventType::PurchaseFailed,
        EventType::HoldExpired,
        EventType::MemberCapReached,
        EventType::GrantPosted,
        EventType::AdjustmentPosted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::AlertFired => "alert.fired",
            EventType::AlertResolved => "alert.resolved",
            EventType::TopUpSucceeded => "top_up.succeeded",
            EventType::TopUpFailed => "top_up.failed",
            EventType::PurchaseCompleted => "purchase.completed",
            EventType::PurchaseFailed => "purchase.failed",
            EventType::HoldExpired => "hold.expired",
            EventType::MemberCapReached => "member_cap.reached",
            EventType::GrantPosted => "grant.posted",
            EventType::AdjustmentPosted => "adjustment.posted",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// One event: what happened, when, and the facts a host acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostEvent {
    #[serde(rename = "type")]
    pub kind: EventType,
    pub at: DateTime<Utc>,
    pub meter: MeterId,
    /// The entry it is about: the purchase or top-up (its first, pending entry), the hold,
    /// the grant, or the entry that crossed an alert level or a cap.
    pub entry: EntryId,
    /// Credits added, taken back or released (in the meter's minor units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The meter's balance after it.
    pub balance: Amount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberId>,
    /// An alert's level or a member's cap, as an amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Amount>,
    /// Why: the payment provider's reason, a grant's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The events the entries after the first `before` of `ledger` make, with `fired` (the
/// notifications those entries fired), in the order they happened.
pub fn written(ledger: &Ledger, before: usize, fired: &[Notification]) -> Vec<HostEvent> {
    let entries = ledger.entries();
    let Some(written) = before
        .checked_sub(ledger.base())
        .and_then(|held| entries.get(held..))
    else {
        return Vec::new();
    };
    let mut out: Vec<HostEvent> = Vec::new();
    for e in written {
        if let Some(kind) = entry_event(e) {
            let paid = e.settles_payment();
            out.push(HostEvent {
                kind,
                at: e.at,
                meter: e.meter.clone(),
                entry: if paid || e.is_hold_expiry() {
                    e.reverses.unwrap_or(e.id)
                } else {
                    e.id
                },
                amount: (!e.amount.is_zero()).then_some(e.amount),
                balance: e.balance_after,
                member: e.usage.member.clone(),
                threshold: None,
                reason: match e.payment_failure() {
                    Some((_, reason)) => Some(reason),
                    None if matches!(e.kind, EntryKind::Grant | EntryKind::Adjustment) => {
                        e.usage.description.as_ref().map(|d| d.to_string())
                    }
                    None => None,
                },
            });
        }
    }
    for n in fired.iter().filter(|n| n.is_low_balance()) {
        out.push(HostEvent {
            kind: EventType::AlertFired,
            at: n.at,
            meter: n.meter.clone(),
            entry: n.entry,
            amount: None,
            balance: n.balance,
            member: None,
            threshold: Some(n.threshold),
            reason: None,
        });
    }
    out.extend(resolved(ledger, written));
    out.extend(caps_reached(ledger, written));
    out.sort_by_key(|e| (e.at, e.entry));
    out
}

fn entry_event(e: &LedgerEntry) -> Option<EventType> {
    let paid = e.status == EntryStatus::Success;
    Some(match e.kind {
        EntryKind::Purchase if e.settles_payment() && paid => EventType::PurchaseCompleted,
        EntryKind::Purchase if e.settles_payment() => EventType::PurchaseFailed,
        EntryKind::AutoTopUp if e.settles_payment() && paid => EventType::TopUpSucceeded,
        EntryKind::AutoTopUp if e.settles_payment() => EventType::TopUpFailed,
        EntryKind::HoldRelease if e.is_hold_expiry() => EventType::HoldExpired,
        EntryKind::Grant => EventType::GrantPosted,
        EntryKind::Adjustment => EventType::AdjustmentPosted,
        _ => return None,
    })
}

/// Alert levels a meter's balance went back to or above: the alert is armed again.
fn resolved(ledger: &Ledger, written: &[LedgerEntry]) -> Vec<HostEvent> {
    let config = ledger.config();
    let mut out = Vec::new();
    for meter in &config.meters {
        let mut of_meter = written.iter().filter(|e| e.meter == meter.id);
        let Some(first) = of_meter.next() else {
            continue;
        };
        let last = of_meter.next_back().unwrap_or(first);
        let start = first.balance_after.get().saturating_sub(first.amount.get());
        for rule in config.alerts.iter().filter(|r| r.meter == meter.id) {
            let Some(level) = threshold(config, rule) else {
                continue;
            };
            if start < level.get() && last.balance_after >= level {
                out.push(HostEvent {
                    kind: EventType::AlertResolved,
                    at: last.at,
                    meter: meter.id.clone(),
                    entry: last.id,
                    amount: None,
                    balance: last.balance_after,
                    member: None,
                    threshold: Some(level),
                    reason: None,
                });
            }
        }
    }
    out
}

/// Members whose spend this month reached their cap with these entries: what they start
/// next will be refused.
fn caps_reached(ledger: &Ledger, written: &[LedgerEntry]) -> Vec<HostEvent> {
    let config = ledger.config();
    let mut out = Vec::new();
    for cap in &config.member_caps {
        let theirs: Vec<&LedgerEntry> = written
            .iter()
            .filter(|e| e.meter == cap.meter && e.usage.member.as_ref() == Some(&cap.member))
            .filter(|e| {
                matches!(
                    e.kind,
                    EntryKind::Consume
                        | EntryKind::Refund
                        | EntryKind::Hold
                        | EntryKind::HoldRelease
                        | EntryKind::HoldCapture
                )
            })
            .collect();
        let Some(last) = theirs.last() else {
            continue;
        };
        let Ok(now) = ledger.spent_this_month(&cap.member, &cap.meter) else {
            continue;
        };
        let added: i64 = theirs.iter().map(|e| -e.amount.get()).sum();
        let before = now.get().saturating_sub(added);
        if cap.monthly.is_positive() && before < cap.monthly.get() && now >= cap.monthly {
            out.push(HostEvent {
                kind: EventType::MemberCapReached,
                at: last.at,
                meter: cap.meter.clone(),
                entry: last.id,
                amount: Some(now),
                balance: last.balance_after,
                member: Some(cap.member.clone()),
                threshold: Some(cap.monthly),
                reason: None,
            });
        }
    }
    out
}
