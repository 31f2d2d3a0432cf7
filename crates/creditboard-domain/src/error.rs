//! The one error type of the domain: every rule that can refuse an operation says why here.
//!
//! Each variant has a stable machine-readable [`DomainError::code`] (the REST API puts it in
//! `{"error":{"code":…}}`) and a human sentence (its `Display`) that a user can act on.

use crate::amount::Amount;
use chrono::NaiveDate;

/// What a ledger holding only its newest entries needs looked up before it can go on
/// (`ledger::held`). Entry ids are plain numbers here, as in [`DomainError::UnknownEntry`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Entries by id.
    pub ids: Vec<u64>,
    /// Operation keys: whether each wrote anything, and if so every entry it wrote (the key's
    /// own and those derived from it, `<key>#…`).
    pub keys: Vec<String>,
    /// Purchases and top-ups: the entry that settled each, if any.
    pub settlements: Vec<u64>,
    /// Runs of entries by id, first and last included: the blocks a listing reads.
    pub spans: Vec<(u64, u64)>,
    /// Runs of entries by id, of which only each entry's [`crate::entry::Outline`]: what a
    /// listing counts its way through to a page.
    pub outlines: Vec<(u64, u64)>,
    /// Jobs: every entry that reverses each (its captures, releases, refunds, payment).
    pub settlers: Vec<u64>,
    /// The whole history: a summary, forecast or chunked export reads every entry in its
    /// range, so the account must be opened with all of them.
    pub history: bool,
    /// The stored entries read through a filtered listing's scan
    /// ([`crate::account::Account::take_scan`]), newest first, in place of the history.
    pub scan: bool,
}

impl Wanted {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.only_keys()
    }

    /// Whether nothing but operation keys is wanted (none at all included).
    pub fn only_keys(&self) -> bool {
        self.ids.is_empty()
            && self.settlements.is_empty()
            && self.spans.is_empty()
            && self.outlines.is_empty()
            && self.settlers.is_empty()
            && !self.history
            && !self.scan
    }
}

/// Why an operation was refused. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the amount must be greater than zero")]
    NonPositiveAmount,
    #[error("the amount must not be zero")]
    ZeroAmount,
    #[error("the quantity must be greater than zero")]
    NonPositiveQuantity,
    #[error("the amount is too large")]
    Overflow,
    #[error(
        "“{meter}” cannot hold more than {}: this would make it {}",
        limit.to_decimal(*decimals),
        would_be.to_decimal(*decimals)
    )]
    BalanceLimit {
        meter: String,
        limit: Amount,
        would_be: Amount,
        decimals: u8,
    },
    #[error("“{value}” is not a valid amount: {reason}")]
    InvalidAmount { value: String, reason: &'static str },
    #[error("there is no meter “{0}”")]
    UnknownMeter(String),
    #[error("there is no feature “{0}” on the rate card")]
    UnknownFeature(String),
    #[error("feature “{feature}” has no quality tier “{tier}”")]
    UnknownTier { feature: String, tier: String },
    #[error("feature “{0}” is priced by quality tier: choose one")]
    TierRequired(String),
    #[error("there is no ledger entry #{0}")]
    UnknownEntry(u64),
    #[error("“{0}” is not a known timezone (use an IANA name such as Europe/Berlin)")]
    UnknownTimezone(String),
    #[error("the range ends ({to}) before it starts ({from})")]
    RangeEndsBeforeStart { from: NaiveDate, to: NaiveDate },
    #[error("the range is longer than {max_days} days")]
    RangeTooLong { max_days: u32 },
    #[error("“{0}” is not a known period")]
    UnknownPeriod(String),
    #[error("“{0}” is not a date (use YYYY-MM-DD)")]
    InvalidDate(String),
    #[error("{what} “{value}” is not valid: {reason}")]
    InvalidId {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "not enough credits on “{meter}”: {} needed, {} available",
        requested.to_decimal(*decimals),
        available.to_decimal(*decimals)
    )]
    InsufficientCredits {
        meter: String,
        requested: Amount,
        available: Amount,
        decimals: u8,
    },
    #[error(
        "idempotency key “{key}” was first used for another request: {differs}; a new operation needs a new key"
    )]
    IdempotencyConflict { key: String, differs: String },
    #[error("entry #{0} is not a pending hold")]
    HoldNotPending(u64),
    #[error("entry #{0} is not a purchase or top-up waiting for its payment")]
    PaymentNotPending(u64),
    #[error("payments are not set up on this server: {0}")]
    NoPaymentProvider(String),
    #[error("“{0}” is no longer on this account's team")]
    NotOnTeam(String),
    #[error("hold #{hold} {reason}")]
    NotHoldOwner { hold: u64, reason: String },
    #[error("a hold expires 1 minute to 7 days after it is made, not {seconds} seconds")]
    HoldExpiryOutOfRange { seconds: u32 },
    #[error("cannot capture {} from hold #{hold}: it holds only {}", requested.to_decimal(*decimals), held.to_decimal(*decimals))]
    CaptureExceedsHold {
        hold: u64,
        requested: Amount,
        held: Amount,
        decimals: u8,
    },
    #[error("entry #{0} is not a charge that can be refunded")]
    NotRefundable(u64),
    #[error(
        "cannot refund {}: only {} of entry #{entry} is left to refund",
        requested.to_decimal(*decimals),
        refundable.to_decimal(*decimals)
    )]
    RefundExceedsCharge {
        entry: u64,
        requested: Amount,
        refundable: Amount,
        decimals: u8,
    },
    #[error("operations must not go back in time (last entry at {last}, got {got})")]
    TimeWentBackwards { last: String, got: String },
    #[error("{0} is outside the supported time range (1970 to 9999)")]
    TimeOutOfRange(String),
    #[error("credits must expire after they are granted")]
    ExpiryNotAfterGrant,
    #[error("{0}")]
    InvalidConfig(String),
    #[error("the stored ledger is inconsistent: {0}")]
    CorruptLedger(String),
    /// The ledger holds only its newest entries and needs older ones looked up
    /// (`ledger::held`): a store answers it and asks again; it never reaches a client.
    #[error("entries before the ones held are needed: {0:?}")]
    NotHeld(Box<Wanted>),
    /// A listing or export asked for something out of bounds (page size, page number).
    #[error("{0}")]
    InvalidQuery(String),
    #[error("this token is read-only: it can show the dashboard but not change anything")]
    ReadOnly,
    #[error("this needs a team member's token: a service token cannot act for a member")]
    MemberOnly,
    #[error("reporting usage, holds and refunds needs the host product's service token")]
    ServiceOnly,
    #[error(
        "“{0}” is the host product's to change (its users and plans): it needs the service token"
    )]
    HostOnly(&'static str),
    #[error("Only team admins can {action} — contact {admin}.")]
    AdminOnly { action: &'static str, admin: String },
    #[error("only team admins or the host product's service can issue embed tokens")]
    ShareAdminOnly,
    #[error(
        "{member}'s monthly cap on “{meter}” is {}: {} used this month, {} more asked for",
        cap.to_grouped(*decimals),
        used.to_grouped(*decimals),
        requested.to_grouped(*decimals)
    )]
    MemberCapReached {
        member: String,
        meter: String,
        cap: Amount,
        used: Amount,
        requested: Amount,
        decimals: u8,
    },
    #[error(
        "{member} has already used {} this month, so a cap of {} would stop them at once: set {} or more, or 0 to stop their use until the month ends",
        used.to_grouped(*decimals),
        cap.to_grouped(*decimals),
        used.to_grouped(*decimals)
    )]
    CapBelowSpent {
        member: String,
        cap: Amount,
        used: Amount,
        decimals: u8,
    },
    #[error("The payment was declined: {0}. Nothing was charged or added.")]
    PaymentDeclined(String),
    #[error("“{0}” cannot be bought here")]
    NotForSale(String),
    #[error("“{feature}” {needs}")]
    RequirementUnmet { feature: String, needs: String },
    #[error("there is no pack “{0}”")]
    UnknownPack(String),
    #[error(
        "buy between {} and {}",
        min.to_decimal(*decimals),
        max.to_decimal(*decimals)
    )]
    AmountOutsideOffer {
        min: Amount,
        max: Amount,
        decimals: u8,
    },
}

impl DomainError {
    /// Stable snake_case code for APIs and logs; never changes once published.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            NonPositiveAmount => "non_positive_amount",
            ZeroAmount => "zero_amount",
            NonPositiveQuantity => "non_positive_quantity",
            Overflow => "overflow",
            BalanceLimit { .. } => "balance_limit",
            InvalidAmount { .. } => "invalid_amount",
            UnknownMeter(_) => "unknown_meter",
            UnknownFeature(_) => "unknown_feature",
            UnknownTier { .. } => "unknown_tier",
            TierRequired(_) => "tier_required",
            UnknownEntry(_) => "unknown_entry",
            UnknownTimezone(_) => "unknown_timezone",
            RangeEndsBeforeStart { .. } => "range_ends_before_start",
            RangeTooLong { .. } => "range_too_long",
            UnknownPeriod(_) => "unknown_period",
            InvalidDate(_) => "invalid_date",
            InvalidId { .. } => "invalid_id",
            InsufficientCredits { .. } => "insufficient_credits",
            IdempotencyConflict { .. } => "idempotency_conflict",
            HoldNotPending(_) => "hold_not_pending",
            PaymentNotPending(_) => "payment_not_pending",
            NoPaymentProvider(_) => "no_payment_provider",
            NotHoldOwner { .. } => "not_hold_owner",
            NotOnTeam(_) => "not_on_team",
            HoldExpiryOutOfRange { .. } => "hold_expiry_out_of_range",
            CaptureExceedsHold { .. } => "capture_exceeds_hold",
            NotRefundable(_) => "not_refundable",
            RefundExceedsCharge { .. } => "refund_exceeds_charge",
            TimeWentBackwards { .. } => "time_went_backwards",
            TimeOutOfRange(_) => "time_out_of_range",
            ExpiryNotAfterGrant => "expiry_not_after_grant",
            InvalidConfig(_) => "invalid_config",
            CorruptLedger(_) => "corrupt_ledger",
            NotHeld(_) => "not_held",
            InvalidQuery(_) => "invalid_query",
            ReadOnly => "read_only",
            MemberOnly => "member_only",
            ServiceOnly | HostOnly(_) => "service_only",
            AdminOnly { .. } | ShareAdminOnly => "admin_only",
            MemberCapReached { .. } => "member_cap_reached",
            CapBelowSpent { .. } => "cap_below_spent",
            PaymentDeclined(_) => "payment_declined",
            NotForSale(_) => "not_for_sale",
            UnknownPack(_) => "unknown_pack",
            RequirementUnmet { .. } => "requirement_unmet",
            AmountOutsideOffer { .. } => "amount_outside_offer",
        }
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
