//! The state a meter's entries imply: its buckets, balances and debt, and how a person
//! reads them.

use crate::amount::Amount;
use crate::config::DrawDownOrder;
use crate::config::meter::BucketKind;
use crate::entry::BucketId;
use crate::ids::MeterId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Credits of one kind with one expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bucket {
    pub id: BucketId,
    pub kind: BucketKind,
    pub balance: Amount,
    pub granted_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Bucket {
    /// Whether credits in it can still be used at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|e| e > at)
    }
}

/// A meter's balance as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterBalance {
    pub meter: MeterId,
    /// What can be spent now (buckets minus overdraft debt; held credits excluded).
    pub available: Amount,
    /// Reserved by in-flight jobs.
    pub held: Amount,
    /// Used beyond the balance, within the overdraft limit.
    pub debt: Amount,
    /// Buckets with credits in draw-down order (the included bucket even when empty).
    pub buckets: Vec<Bucket>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next_refill: Option<DateTime<Utc>>,
}

/// One meter's state. Everything here can be rebuilt from the entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct MeterBook {
    /// Every bucket ever created, by ascending id.
    pub(super) buckets: Vec<Bucket>,
    /// Indices into `buckets` in draw-down order.
    pub(super) order: Vec<usize>,
    pub(super) debt: Amount,
    pub(super) available: Amount,
    pub(super) held: Amount,
    pub(super) next_cycle: Option<DateTime<Utc>>,
    pub(super) included: Option<BucketId>,
    pub(super) bank: Option<BucketId>,
    pub(super) additional: Option<BucketId>,
    pub(super) top_up_month: Option<(i32, u32)>,
    pub(super) top_up_total: Amount,
}

impl MeterBook {
    pub(super) fn new(next_cycle: Option<DateTime<Utc>>) -> Self {
        MeterBook {
            buckets: Vec::new(),
            order: Vec::new(),
            debt: Amount::ZERO,
            available: Amount::ZERO,
            held: Amount::ZERO,
            next_cycle,
            included: None,
            bank: None,
            additional: None,
            top_up_month: None,
            top_up_total: Amount::ZERO,
        }
    }

    pub(super) fn index_of(&self, id: BucketId) -> Option<usize> {
        self.buckets.binary_search_by_key(&id, |b| b.id).ok()
    }

    pub(super) fn balance_of(&self, id: Option<BucketId>) -> Amount {
        id.and_then(|id| self.index_of(id))
            .map_or(Amount::ZERO, |i| self.buckets[i].balance)
    }

    pub(super) fn sort_order(&mut self, policy: &DrawDownOrder) {
        let buckets = &self.buckets;
        let mut order: Vec<usize> = (0..buckets.len()).collect();
        order.sort_by_key(|&i| {
            let b = &buckets[i];
            let expiry = b.expires_at.map_or(i64::MAX, |e| e.timestamp());
            let rank = match policy {
                DrawDownOrder::IncludedThenSoonestExpiring => match (b.kind, b.expires_at) {
                    (BucketKind::Included, _) => 0,
                    (_, Some(_)) => 1,
                    (BucketKind::Rollover, None) => 2,
                    (BucketKind::Additional, None) => 3,
                    (_, None) => 4,
                },
                DrawDownOrder::ByKind(kinds) => kinds
                    .iter()
                    .position(|k| *k == b.kind)
                    .unwrap_or(kinds.len()),
            };
            (rank, expiry, b.granted_at, b.id)
        });
        self.order = order;
    }
}
