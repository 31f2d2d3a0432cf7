//! An entry before it is written: what an operation or a due event fills in before the
//! ledger gives it an id, a meter and a balance.

use crate::entry::{EntryId, EntryKind, EntryStatus, HeldBy, Requested, Share, Usage};
use crate::ids::{IdempotencyKey, Label};
use chrono::{DateTime, Utc};

/// An entry before it gets its id, meter and balance.
pub(super) struct NewEntry {
    pub(super) key: IdempotencyKey,
    pub(super) at: DateTime<Utc>,
    pub(super) kind: EntryKind,
    pub(super) status: EntryStatus,
    pub(super) split: Vec<Share>,
    pub(super) expires_at: Option<DateTime<Utc>>,
    pub(super) reverses: Option<EntryId>,
    pub(super) held_by: Option<HeldBy>,
    pub(super) requested: Option<Box<Requested>>,
    pub(super) usage: Usage,
}

impl NewEntry {
    pub(super) fn new(
        key: IdempotencyKey,
        at: DateTime<Utc>,
        kind: EntryKind,
        status: EntryStatus,
        split: Vec<Share>,
    ) -> Self {
        NewEntry {
            key,
            at,
            kind,
            status,
            split,
            expires_at: None,
            reverses: None,
            held_by: None,
            requested: None,
            usage: Usage::default(),
        }
    }

    pub(super) fn usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    pub(super) fn describe(mut self, text: &str) -> Self {
        self.usage.description = Label::new(text).ok();
        self
    }

    pub(super) fn expires_at(mut self, expires_at: Option<DateTime<Utc>>) -> Self {
        self.expires_at = expires_at;
        self
    }

    pub(super) fn held_by(mut self, by: HeldBy) -> Self {
        self.held_by = Some(by);
        self
    }

    pub(super) fn requested(mut self, requested: Requested) -> Self {
        self.requested = Some(Box::new(requested));
        self
    }

    pub(super) fn reverses(mut self, id: EntryId) -> Self {
        self.reverses = Some(id);
        self
    }
}
