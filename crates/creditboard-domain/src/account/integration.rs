//! What the account's admins (and the host's service) see of the integration when the
//! aggregate answers itself, as the demo store does: the changes made to it here, and the
//! events its ledger made. A server answers both from its database instead (its audit log
//! has every process's changes; its events were delivered).

use super::Account;
use crate::access::{self, Caller};
use crate::api::host::{
    Actor, AuditEntry, AuditPage, AuditQuery, EventBody, EventsQuery, SentEvent, limit,
};
use crate::config::settings::SettingsChange;
use crate::error::Result;
use crate::events::{self, EventType};

/// The most changes the aggregate keeps (the newest).
pub const KEPT_CHANGES: usize = 200;

/// Who `caller` is in the audit log.
pub fn actor(caller: &Caller) -> Actor {
    match caller {
        Caller::Member(m) => Actor::Member {
            member: m.to_string(),
        },
        Caller::Service => Actor::Service,
        Caller::ReadOnly => Actor::Embed,
    }
}

impl Account {
    /// Notes a settings change made here, as the audit log shows it.
    pub(super) fn note_change(
        &mut self,
        caller: &Caller,
        change: &SettingsChange,
        before: serde_json::Value,
        after: serde_json::Value,
    ) {
        let id = self.audit.last().map_or(1, |e| e.id + 1);
        self.audit.push(AuditEntry {
            id,
            at: self.ledger.now(),
            actor: actor(caller),
            action: change.action_name().to_string(),
            subject: change.subject(),
            before,
            after,
        });
        if self.audit.len() > KEPT_CHANGES {
            self.audit.remove(0);
        }
    }

    /// A page of the changes made here, newest first (admins and the service).
    pub fn audit(&self, caller: &Caller, query: &AuditQuery) -> Result<AuditPage> {
        access::may_manage_tokens(self.config(), caller)?;
        let size = query.check()?;
        let mut older = self
            .audit
            .iter()
            .rev()
            .filter(|e| query.before.is_none_or(|b| e.id < b));
        let entries: Vec<AuditEntry> = older.by_ref().take(size).cloned().collect();
        let next_before = older.next().and_then(|_| entries.last().map(|e| e.id));
        Ok(AuditPage {
            entries,
            next_before,
        })
    }

    /// The events this ledger made, newest first, with nowhere they were sent (admins and
    /// the service).
    pub fn host_events(&mut self, caller: &Caller, query: &EventsQuery) -> Result<Vec<SentEvent>> {
        access::may_manage_tokens(self.config(), caller)?;
        let size = limit(query.limit)?;
        self.ledger.require_history()?;
        let fired = self.alerts.latest(&self.ledger);
        // A resolution and a cap reached are changes one write made: over the whole history
        // at once they would say nothing true, so they are only a server's (told as it goes).
        let made = events::written(&self.ledger, 0, &fired)
            .into_iter()
            .filter(|e| {
                !matches!(
                    e.kind,
                    EventType::AlertResolved | EventType::MemberCapReached
                )
            });
        let account = self.config().id.to_string();
        Ok(made
            .rev()
            .take(size)
            .map(|data| SentEvent {
                event: EventBody {
                    // Made from what it is about, so it stays the same on every read.
                    id: format!("evt_{:016x}{:08x}", data.entry.0, kind_number(data.kind)),
                    kind: data.kind,
                    account: account.clone(),
                    created_at: data.at,
                    data,
                },
                deliveries: Vec::new(),
            })
            .collect())
    }
}

fn kind_number(kind: EventType) -> usize {
    EventType::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}
