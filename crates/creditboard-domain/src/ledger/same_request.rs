//! Idempotency that compares everything: a key names one request, and the entry it wrote
//! first records every field that request carried (all but the instant, which the server's
//! clock stamps). A repeat with any field changed is refused, naming the first difference,
//! so a client that reuses a key for a new job learns it instead of being told "done".

use super::Ledger;
use super::ops::job_status;
use crate::config::meter::BucketKind;
use crate::entry::{EntryKind, LedgerEntry, Operation, Usage};
use std::fmt::Display;

/// "usage.member: first “m_ben”, now “m_ana”".
fn differ<T: PartialEq + Display>(field: &str, first: Option<T>, now: Option<T>) -> Option<String> {
    let show = |v: &Option<T>| v.as_ref().map_or("none".to_string(), |v| format!("“{v}”"));
    (first != now).then(|| format!("{field}: first {}, now {}", show(&first), show(&now)))
}

fn usage_difference(first: &Usage, now: &Usage) -> Option<String> {
    let quantity = |u: &Usage| u.quantity.map(|q| q.unit.count_label(q.amount));
    differ(
        "usage.feature",
        first.feature.as_ref(),
        now.feature.as_ref(),
    )
    .or_else(|| {
        differ(
            "usage.category",
            first.category.as_ref(),
            now.category.as_ref(),
        )
    })
    .or_else(|| differ("usage.engine", first.engine.as_ref(), now.engine.as_ref()))
    .or_else(|| differ("usage.tier", first.tier.as_ref(), now.tier.as_ref()))
    .or_else(|| differ("usage.quantity", quantity(first), quantity(now)))
    .or_else(|| differ("usage.member", first.member.as_ref(), now.member.as_ref()))
    .or_else(|| {
        differ(
            "usage.project",
            first.project.as_ref(),
            now.project.as_ref(),
        )
    })
    .or_else(|| {
        differ(
            "usage.description",
            first.description.as_ref(),
            now.description.as_ref(),
        )
    })
}

impl Ledger {
    /// The first field in which `op` differs from the request that wrote `first` (the entry
    /// carrying its key), or `None` when it is the same request.
    pub(super) fn first_difference(&self, op: &Operation, first: &LedgerEntry) -> Option<String> {
        let (kind, name) = match op {
            Operation::Consume(_) => (EntryKind::Consume, "a consume"),
            Operation::Purchase(_) => (EntryKind::Purchase, "a purchase"),
            Operation::Grant(_) => (EntryKind::Grant, "a grant"),
            Operation::Adjust(_) => (EntryKind::Adjustment, "an adjustment"),
            Operation::Hold(_) => (EntryKind::Hold, "a hold"),
            Operation::Capture(_) => (EntryKind::HoldCapture, "a capture"),
            Operation::Release(_) => (EntryKind::HoldRelease, "a release"),
            Operation::Refund(_) => (EntryKind::Refund, "a refund"),
        };
        if first.kind != kind {
            return Some(format!(
                "it wrote a {}, this is {name}",
                first.kind.label().to_lowercase()
            ));
        }
        let amount = |now: crate::amount::Amount, negated: bool| {
            let first = if negated {
                first.amount.get().saturating_neg()
            } else {
                first.amount.get()
            };
            differ("amount", Some(first), Some(now.get()))
        };
        let meter = |now| differ("meter", Some(&first.meter), Some(now));
        match op {
            Operation::Consume(o) => meter(&o.meter)
                .or_else(|| amount(o.amount, true))
                .or_else(|| {
                    let status = |s: crate::entry::EntryStatus| s.as_str();
                    differ(
                        "status",
                        Some(status(first.status)),
                        Some(status(job_status(o.status))),
                    )
                })
                .or_else(|| usage_difference(&first.usage, &o.usage)),
            Operation::Purchase(o) => {
                // A purchase paid first was written pending: its credits and price wait.
                let asked = first.requested.as_ref();
                let credits = asked.map_or(first.amount, |r| r.credits);
                let price = |p: Option<&crate::config::offer::Money>| {
                    p.map(|p| format!("{} {}", p.cents, p.currency))
                };
                meter(&o.meter)
                    .or_else(|| differ("amount", Some(credits.get()), Some(o.amount.get())))
                    .or_else(|| {
                        differ(
                            "price",
                            price(asked.map(|r| &r.price)),
                            price(o.price.as_ref()),
                        )
                    })
                    .or_else(|| usage_difference(&first.usage, &o.usage))
            }
            Operation::Grant(o) => meter(&o.meter)
                .or_else(|| amount(o.amount, false))
                .or_else(|| {
                    // A grant that only repaid an overdraft made no bucket to expire.
                    let made_bucket = first.split.iter().any(|s| s.kind != BucketKind::Overdraft);
                    let at = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
                    let differs = differ("expires_at", at(first.expires_at), at(o.expires_at));
                    differs.filter(|_| made_bucket)
                })
                .or_else(|| usage_difference(&first.usage, &o.usage)),
            Operation::Adjust(o) => meter(&o.meter)
                .or_else(|| amount(o.amount, false))
                .or_else(|| usage_difference(&first.usage, &o.usage)),
            Operation::Hold(o) => meter(&o.meter)
                .or_else(|| amount(o.amount, true))
                .or_else(|| {
                    // Without one, the hold took the default of its day: whatever it recorded.
                    let asked = o.expires_in?;
                    let lived = first.expires_at.map(|t| (t - first.at).num_seconds());
                    differ("expires_in", lived, Some(i64::from(asked)))
                })
                .or_else(|| {
                    let by = |b: crate::entry::HeldBy| format!("{b:?}").to_lowercase();
                    differ(
                        "held by",
                        Some(by(first.held_by.unwrap_or_default())),
                        Some(by(o.held_by)),
                    )
                })
                .or_else(|| usage_difference(&first.usage, &o.usage)),
            Operation::Capture(o) => {
                differ("hold", first.reverses, Some(o.hold)).or_else(|| amount(o.amount, true))
            }
            Operation::Release(o) => differ("hold", first.reverses, Some(o.hold)).or_else(|| {
                let status = |s: crate::entry::EntryStatus| s.as_str();
                differ(
                    "status",
                    Some(status(first.status)),
                    Some(status(job_status(o.status))),
                )
            }),
            Operation::Refund(o) => differ("of", first.reverses, Some(o.of))
                // No amount asks for the rest: whatever the first request refunded.
                .or_else(|| o.amount.and_then(|a| amount(a, false)))
                .or_else(|| {
                    // No description keeps the charge's.
                    let charge = first.reverses.and_then(|id| self.entry(id));
                    let now = o
                        .description
                        .as_ref()
                        .or_else(|| charge.and_then(|c| c.usage.description.as_ref()));
                    differ("description", first.usage.description.as_ref(), now)
                }),
        }
    }
}
