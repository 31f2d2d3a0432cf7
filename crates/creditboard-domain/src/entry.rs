//! What the ledger records ([`LedgerEntry`]) and what clients ask of it ([`Operation`]).
//!
//! Entries are immutable and append-only. An entry's `amount` is the signed change of the
//! meter's available balance; its `split` says which buckets moved; `balance_after` is the
//! available balance right after it. Usage attributes (feature, category, member, …) are copied
//! onto refunds so that breakdowns net out where the charge was counted.

use crate::amount::Amount;
use crate::config::meter::BucketKind;
use crate::config::offer::Money;
use crate::ids::{
    CategoryId, FeatureId, IdempotencyKey, Interner, Label, MemberId, MeterId, ProjectId, TierId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Position of an entry in its account's ledger, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct EntryId(pub u64);

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A bucket of one meter. Id 0 is the overdraft, which is not a real bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct BucketId(pub u32);

impl BucketId {
    pub const OVERDRAFT: BucketId = BucketId(0);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Consume,
    Refund,
    Purchase,
    AutoTopUp,
    Refill,
    Rollover,
    Expiry,
    Adjustment,
    /// A promotional grant.
    Grant,
    Hold,
    HoldCapture,
    HoldRelease,
}

impl EntryKind {
    pub const ALL: [EntryKind; 12] = [
        EntryKind::Consume,
        EntryKind::Refund,
        EntryKind::Purchase,
        EntryKind::AutoTopUp,
        EntryKind::Refill,
        EntryKind::Rollover,
        EntryKind::Expiry,
        EntryKind::Adjustment,
        EntryKind::Grant,
        EntryKind::Hold,
        EntryKind::HoldCapture,
        EntryKind::HoldRelease,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Consume => "consume",
            EntryKind::Refund => "refund",
            EntryKind::Purchase => "purchase",
            EntryKind::AutoTopUp => "auto_top_up",
            EntryKind::Refill => "refill",
            EntryKind::Rollover => "rollover",
            EntryKind::Expiry => "expiry",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Grant => "grant",
            EntryKind::Hold => "hold",
            EntryKind::HoldCapture => "hold_capture",
            EntryKind::HoldRelease => "hold_release",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Consume => "Consume",
            EntryKind::Refund => "Refund",
            EntryKind::Purchase => "Purchase",
            EntryKind::AutoTopUp => "Auto top-up",
            EntryKind::Refill => "Refill",
            EntryKind::Rollover => "Rollover",
            EntryKind::Expiry => "Expiry",
            EntryKind::Adjustment => "Adjustment",
            EntryKind::Grant => "Promotional grant",
            EntryKind::Hold => "Hold",
            EntryKind::HoldCapture => "Hold capture",
            EntryKind::HoldRelease => "Hold release",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Entries that settle or give back another (a hold's capture or release, a charge's
    /// refund): a listing shows them on the row of the job they settle, never alone.
    pub fn settles(self) -> bool {
        matches!(
            self,
            EntryKind::HoldCapture | EntryKind::HoldRelease | EntryKind::Refund
        )
    }

    /// Kinds a payment provider pays for: a purchase, an automatic top-up (written pending
    /// where payment comes first, then settled paid or failed).
    pub fn is_paid_for(self) -> bool {
        matches!(self, EntryKind::Purchase | EntryKind::AutoTopUp)
    }

    /// The kinds a listing's rows can have: each starts a row (see [`EntryKind::settles`]).
    pub fn listed() -> impl Iterator<Item = EntryKind> {
        EntryKind::ALL.into_iter().filter(|k| !k.settles())
    }

    /// Entries that count as usage: charges, and refunds that take them back.
    pub fn is_usage(self) -> bool {
        matches!(
            self,
            EntryKind::Consume | EntryKind::HoldCapture | EntryKind::Refund
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Success,
    Failed,
    Pending,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 3] = [
        EntryStatus::Success,
        EntryStatus::Failed,
        EntryStatus::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Success => "success",
            EntryStatus::Failed => "failed",
            EntryStatus::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<EntryStatus> {
        EntryStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a quantity of usage is counted in; rate-card prices use the same units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuantityUnit {
    Use,
    Second,
    Minute,
    Character,
    Image,
    GbDay,
}

impl QuantityUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            QuantityUnit::Use => "use",
            QuantityUnit::Second => "second",
            QuantityUnit::Minute => "minute",
            QuantityUnit::Character => "character",
            QuantityUnit::Image => "image",
            QuantityUnit::GbDay => "gb_day",
        }
    }

    /// "per second", "per GB-day".
    pub fn per_label(self) -> &'static str {
        match self {
            QuantityUnit::Use => "per use",
            QuantityUnit::Second => "per second",
            QuantityUnit::Minute => "per minute",
            QuantityUnit::Character => "per character",
            QuantityUnit::Image => "per image",
            QuantityUnit::GbDay => "per GB-day",
        }
    }

    /// "3 images", "1 second".
    pub fn count_label(self, n: u64) -> String {
        let (one, many) = match self {
            QuantityUnit::Use => ("use", "uses"),
            QuantityUnit::Second => ("second", "seconds"),
            QuantityUnit::Minute => ("minute", "minutes"),
            QuantityUnit::Character => ("character", "characters"),
            QuantityUnit::Image => ("image", "images"),
            QuantityUnit::GbDay => ("GB-day", "GB-days"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quantity {
    pub amount: u64,
    pub unit: QuantityUnit,
}

/// Who used what, for which project: the attributes breakdowns and filters work on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<FeatureId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CategoryId>,
    /// Engine or model ("Kling", "GPT-Image 2").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectId>,
    /// Free text: "Tool: keyframeGenerate", a shot name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Label>,
}

impl Usage {
    /// Shares equal ids with the rest of the ledger (see [`Interner`]).
    pub(crate) fn intern(&mut self, interner: &mut Interner) {
        if let Some(v) = &mut self.feature {
            v.intern(interner)
        }
        if let Some(v) = &mut self.category {
            v.intern(interner)
        }
        if let Some(v) = &mut self.engine {
            v.intern(interner)
        }
        if let Some(v) = &mut self.tier {
            v.intern(interner)
        }
        if let Some(v) = &mut self.member {
            v.intern(interner)
        }
        if let Some(v) = &mut self.project {
            v.intern(interner)
        }
        if let Some(v) = &mut self.description {
            v.intern(interner)
        }
    }
}

/// How much of an entry's amount moved in one bucket (negative: out of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub bucket: BucketId,
    pub kind: BucketKind,
    pub amount: Amount,
}

/// One immutable line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: EntryId,
    pub key: IdempotencyKey,
    pub at: DateTime<Utc>,
    pub meter: MeterId,
    pub kind: EntryKind,
    pub status: EntryStatus,
    /// Signed change of the available balance.
    pub amount: Amount,
    pub split: Vec<Share>,
    pub balance_after: Amount,
    /// When credits this entry granted expire (purchases with an expiry, grants, refills).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The entry this one reverses or settles: a refund's charge, a capture's or release's hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<EntryId>,
    /// A hold's owner: who may settle it (holds only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<HeldBy>,
    /// A payment this pending entry waits for (a purchase or an automatic top-up): the
    /// credits it adds once paid and their price. Boxed: most entries have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<Box<Requested>>,
    #[serde(default)]
    pub usage: Usage,
}

/// The key of the release the ledger writes when hold `id` expires unsettled.
pub(crate) fn hold_expiry_key(id: EntryId) -> IdempotencyKey {
    IdempotencyKey::system(&["hold-expiry", &id.0.to_string()])
}

/// Whether `key` has the shape of [`hold_expiry_key`] (not of an entry such a release
/// caused, which extends it).
pub(crate) fn is_hold_expiry_key(key: &IdempotencyKey) -> bool {
    key.as_str()
        .strip_prefix("#hold-expiry#")
        .is_some_and(|id| !id.contains('#'))
}

/// What separates what was not paid from the reason in a failed payment's description.
const PAYMENT_FAILED: &str = " — payment failed: ";

/// The description of a failed payment's entry: `what` was not paid, and why.
pub(crate) fn failed_payment_text(what: &str, reason: &str) -> String {
    format!("{what}{PAYMENT_FAILED}{reason}")
}

impl LedgerEntry {
    /// Whether this entry settles or gives back another (see [`EntryKind::settles`]), or
    /// ends a pending purchase or top-up (paid or failed): a listing shows it on that row.
    pub fn settles(&self) -> bool {
        self.kind.settles() || self.settles_payment()
    }

    /// Whether this entry ends a pending purchase or top-up: paid (its credits) or failed.
    pub fn settles_payment(&self) -> bool {
        self.kind.is_paid_for() && self.reverses.is_some()
    }

    /// Why this entry's payment failed, as the ledger wrote it (see [`failed_payment_text`]):
    /// what was not paid and the provider's reason.
    pub fn payment_failure(&self) -> Option<(String, String)> {
        if !(self.settles_payment() && self.status == EntryStatus::Failed) {
            return None;
        }
        let text = self.usage.description.as_ref()?.to_string();
        let (what, reason) = text.split_once(PAYMENT_FAILED)?;
        Some((what.to_string(), reason.to_string()))
    }

    /// Whether this is the release the ledger wrote because a hold expired unsettled.
    pub fn is_hold_expiry(&self) -> bool {
        self.kind == EntryKind::HoldRelease
            && self
                .reverses
                .is_some_and(|h| self.key == hold_expiry_key(h))
    }

    /// Credits this entry consumed, net: positive for charges, negative for refunds, zero for
    /// everything that is not usage.
    pub fn net_usage(&self) -> Amount {
        if self.kind.is_usage() {
            Amount::minor(-self.amount.get())
        } else {
            Amount::ZERO
        }
    }
}

/// What a listing needs to know of an entry to count it: its id, kind, meter, and whether it
/// reverses another (a store reads these from its columns without reading the entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub id: EntryId,
    pub kind: EntryKind,
    pub meter: MeterId,
    pub reverses: bool,
}

impl Outline {
    pub fn of(e: &LedgerEntry) -> Outline {
        Outline {
            id: e.id,
            kind: e.kind,
            meter: e.meter.clone(),
            reverses: e.reverses.is_some(),
        }
    }

    /// Whether the entry settles an earlier one: a hold's capture or release, a refund, a
    /// payment of a pending purchase or top-up.
    pub fn settles(&self) -> bool {
        settles_another(self.kind, self.reverses)
    }
}

/// Whether an entry of `kind` that reverses another (`reverses`) settles it, so belongs to
/// that job's row rather than beginning one.
pub fn settles_another(kind: EntryKind, reverses: bool) -> bool {
    reverses && (kind.settles() || kind.is_paid_for())
}

impl LedgerEntry {
    /// Credits this entry added to the account: refills, purchases, top-ups, grants and
    /// upward corrections; zero for everything else (usage, holds, expiries, rollovers).
    pub fn added(&self) -> Amount {
        let adds = matches!(
            self.kind,
            EntryKind::Refill
                | EntryKind::Purchase
                | EntryKind::AutoTopUp
                | EntryKind::Grant
                | EntryKind::Adjustment
        );
        if adds && self.amount.is_positive() {
            self.amount
        } else {
            Amount::ZERO
        }
    }
}

/// How a job that consumed credits ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    #[default]
    Success,
    /// Charged, and expected to be refunded.
    Failed,
}

/// Use credits: a job ran (or is charged upfront).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsumeOp {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub status: JobStatus,
    #[serde(default)]
    pub usage: Usage,
}

/// Add bought credits (they land where the meter's purchase policy says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOp {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
    /// `Some(price)`: not paid yet. Written pending with its price, nothing added; the
    /// credits post when [`crate::Ledger::settle_payment`] says it was paid. `None`: paid
    /// already, the credits post now.
    #[serde(default)]
    pub price: Option<Money>,
    #[serde(default)]
    pub usage: Usage,
}

/// Grant promotional credits, optionally expiring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantOp {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub usage: Usage,
}

/// A manual correction by support: positive adds, negative removes (never usage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustOp {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub usage: Usage,
}

/// What a pending purchase or top-up asks a payment provider to take, and adds once paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requested {
    pub credits: Amount,
    pub price: Money,
}

/// How a requested payment ended, as the payment provider said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentResult {
    /// Taken: the credits post.
    Paid { reference: String },
    /// Declined, or failed for good: nothing is added.
    Failed { reason: String },
}

/// Who made a hold, and so who may settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HeldBy {
    /// The host's service (`POST …/holds`): only the service captures or releases it.
    #[default]
    Service,
    /// The member the hold's usage names (a shot of their batch): they settle it, and an
    /// admin may release it.
    Member,
}

/// Reserve credits for an in-flight job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldOp {
    pub key: IdempotencyKey,
    pub meter: MeterId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
    /// Seconds after `at` when the ledger releases the hold by itself if nobody settled it;
    /// `None`: the account's default (see [`crate::config::HoldPolicy`]).
    #[serde(default)]
    pub expires_in: Option<u32>,
    /// Set by whoever applies the operation from the caller, never by the request.
    #[serde(default)]
    pub held_by: HeldBy,
    #[serde(default)]
    pub usage: Usage,
}

/// Settle a hold: charge `amount` (at most the hold) and give the rest back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptureOp {
    pub key: IdempotencyKey,
    pub hold: EntryId,
    pub amount: Amount,
    pub at: DateTime<Utc>,
}

/// Give a hold back entirely (the job was cancelled or failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseOp {
    pub key: IdempotencyKey,
    pub hold: EntryId,
    pub at: DateTime<Utc>,
    /// `Failed` when the job failed (the release then reads "Failed — not charged").
    #[serde(default)]
    pub status: JobStatus,
}

/// Give back a charge (a consume or a captured hold), all of it or `amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundOp {
    pub key: IdempotencyKey,
    pub of: EntryId,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub amount: Option<Amount>,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub description: Option<Label>,
}

/// Everything a client can ask the ledger to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    Consume(ConsumeOp),
    Purchase(PurchaseOp),
    Grant(GrantOp),
    Adjust(AdjustOp),
    Hold(HoldOp),
    Capture(CaptureOp),
    Release(ReleaseOp),
    Refund(RefundOp),
}

impl Operation {
    pub fn key(&self) -> &IdempotencyKey {
        match self {
            Operation::Consume(o) => &o.key,
            Operation::Purchase(o) => &o.key,
            Operation::Grant(o) => &o.key,
            Operation::Adjust(o) => &o.key,
            Operation::Hold(o) => &o.key,
            Operation::Capture(o) => &o.key,
            Operation::Release(o) => &o.key,
            Operation::Refund(o) => &o.key,
        }
    }

    /// The earlier entry the operation acts on: the hold it captures or releases, the charge
    /// it refunds.
    pub fn refers_to(&self) -> Option<EntryId> {
        match self {
            Operation::Capture(o) => Some(o.hold),
            Operation::Release(o) => Some(o.hold),
            Operation::Refund(o) => Some(o.of),
            _ => None,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Operation::Consume(o) => o.at,
            Operation::Purchase(o) => o.at,
            Operation::Grant(o) => o.at,
            Operation::Adjust(o) => o.at,
            Operation::Hold(o) => o.at,
            Operation::Capture(o) => o.at,
            Operation::Release(o) => o.at,
            Operation::Refund(o) => o.at,
        }
    }
}

/// Which entries an operation wrote (with any top-up or settlement it caused), or, for a
/// repeated key, which entries the first request wrote. The ledger keeps the entries; read
/// them with [`crate::Ledger::receipt_entries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub first: EntryId,
    pub count: u32,
    /// True when the key had been used before and nothing changed.
    pub replayed: bool,
}
