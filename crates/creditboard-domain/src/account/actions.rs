//! What changes an account: purchases, settings, batch renders and their settlement (for
//! members, admins where money or spend controls are concerned), and the host service's
//! operations. Each checks who asks first; a refused action changes nothing.

use super::{Account, Changed};
use crate::access::{self, Caller, Needs, Viewer};
use crate::api::{BuyRequest, BuyResult};
use crate::batch::{self, BatchRequest, HeldShot, SettleRequest, ShotOutcome};
use crate::billing::{self, PaymentProvider};
use crate::config::Role;
use crate::config::settings::{SettingsChange, Touched};
use crate::entry::{
    CaptureOp, EntryId, EntryKind, HeldBy, LedgerEntry, Operation, PaymentResult, Receipt,
    ReleaseOp,
};
use crate::error::{DomainError, Result};
use chrono::{DateTime, Utc};

impl Account {
    /// Buys what `request` asks for as `caller` (admins only) through a provider that
    /// answers at once (see [`billing::buy`]).
    pub fn buy(
        &mut self,
        caller: &Caller,
        request: &BuyRequest,
        payments: &mut dyn PaymentProvider,
        now: DateTime<Utc>,
    ) -> Result<BuyResult> {
        let viewer = self.acting_member(caller)?;
        let done = billing::buy(
            &mut self.ledger,
            viewer.as_ref(),
            &request.meter,
            &request.choice,
            payments,
            request.key.clone(),
            now,
        )?;
        self.bought(done)
    }

    /// Whether `caller` may buy credits here (admins only), before anything is asked of a
    /// payment provider.
    pub fn may_buy(&self, caller: &Caller) -> Result<()> {
        let viewer = self.acting_member(caller)?;
        access::authorize(self.config(), viewer.as_ref(), access::Action::BuyCredits)
    }

    /// Writes what `request` asks for pending (admins only): a store then charges it with
    /// [`billing::payment_for`] its entry and settles it with [`Account::settle_payment`].
    pub fn request_purchase(
        &mut self,
        caller: &Caller,
        request: &BuyRequest,
        now: DateTime<Utc>,
    ) -> Result<BuyResult> {
        let viewer = self.acting_member(caller)?;
        let done = billing::request_purchase(
            &mut self.ledger,
            viewer.as_ref(),
            &request.meter,
            &request.choice,
            request.key.clone(),
            now,
        )?;
        self.bought(done)
    }

    /// Settles a pending purchase or top-up as its payment provider answered (the store
    /// calls this; no caller may).
    pub fn settle_payment(
        &mut self,
        id: EntryId,
        result: &PaymentResult,
        now: DateTime<Utc>,
    ) -> Result<Receipt> {
        self.ledger.settle_payment(id, result, now)
    }

    /// Automatic top-ups are requested pending and settled by the store's payment provider
    /// from now on (see [`Ledger::top_ups_wait_for_payment`]).
    pub fn top_ups_wait_for_payment(&mut self) {
        self.ledger.top_ups_wait_for_payment();
    }

    /// The answer to a purchase: its quote, its entry and where it stands.
    fn bought(&self, done: billing::PurchaseRequested) -> Result<BuyResult> {
        let status = self.ledger.payment_status(done.entry)?;
        Ok(BuyResult {
            quote: done.quote,
            entry: done.entry,
            replayed: done.replayed,
            status,
        })
    }

    /// Changes top-ups, a member cap, alert levels or the team (admins, or the host's
    /// service), or the team's members and plan (the service alone). Top-ups are refused
    /// where `payments` cannot charge them. A change that leaves the settings as they were
    /// is not recorded (a retry changes nothing).
    pub fn configure(
        &mut self,
        caller: &Caller,
        change: &SettingsChange,
        payments: &dyn PaymentProvider,
    ) -> Result<()> {
        access::may_change(self.config(), caller, change)?;
        if let SettingsChange::AutoTopUp {
            settings: Some(t), ..
        } = change
            && t.enabled
            && let Some(why) = payments.unavailable()
        {
            return Err(DomainError::NoPaymentProvider(why));
        }
        let before = self.config().clone();
        self.change_settings(change)?;
        if *self.config() != before {
            self.version += 1;
            let (was, is) = (change.touched(&before), change.touched(self.config()));
            let json = |t: &Touched| serde_json::to_value(t).unwrap_or_default();
            self.note_change(caller, change, json(&was), json(&is));
            self.changes.push(Changed {
                version: self.version,
                change: change.clone(),
                before: was,
                after: is,
            });
        }
        Ok(())
    }

    /// Holds every shot of a batch for `caller`, or nothing.
    pub fn hold_batch(
        &mut self,
        caller: &Caller,
        request: &BatchRequest,
        now: DateTime<Utc>,
    ) -> Result<Vec<HeldShot>> {
        let viewer = self.acting_member(caller)?;
        batch::hold_batch(
            &mut self.ledger,
            &self.rate_card,
            viewer.as_ref(),
            request,
            now,
        )
    }

    /// Captures or releases one shot's hold: the member whose batch it is, or an admin
    /// releasing it.
    pub fn settle(
        &mut self,
        caller: &Caller,
        request: &SettleRequest,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let viewer = self.acting_member(caller)?;
        self.may_settle(request.hold, viewer.as_ref(), &request.outcome)?;
        batch::settle(&mut self.ledger, request, now)
    }

    /// Applies an operation the host's service reports: usage, a hold, its capture or
    /// release, a refund.
    pub fn apply(&mut self, caller: &Caller, op: Operation) -> Result<Receipt> {
        access::admit(caller, Needs::Service)?;
        let names = match &op {
            Operation::Capture(o) => Some(o.hold),
            Operation::Release(o) => Some(o.hold),
            Operation::Refund(o) => Some(o.of),
            _ => None,
        };
        if let Some(id) = names {
            self.known_entry(id)?;
        }
        if let Operation::Capture(CaptureOp { hold, .. })
        | Operation::Release(ReleaseOp { hold, .. }) = &op
        {
            self.may_settle(*hold, None, &ShotOutcome::Failed)?;
        }
        self.ledger.apply(op)
    }

    /// The member `caller` acts for, with their role now (`None`: no longer on the team, and
    /// the role rules refuse); a caller that is not a member is refused here.
    fn acting_member(&self, caller: &Caller) -> Result<Option<Viewer>> {
        access::admit(caller, Needs::Member)?;
        Ok(caller.viewer(self.config()))
    }

    /// Whether `viewer` (`None`: the host's service) may settle hold `id` this way: only
    /// whoever made a hold settles it, and an admin may release a member's. Entries that
    /// are not holds are left for the ledger to refuse.
    fn may_settle(
        &self,
        id: EntryId,
        viewer: Option<&Viewer>,
        outcome: &ShotOutcome,
    ) -> Result<()> {
        let hold = self.known_entry(id)?;
        if hold.kind != EntryKind::Hold {
            return Ok(());
        }
        let refuse = |reason: String| Err(DomainError::NotHoldOwner { hold: id.0, reason });
        let owner = hold.usage.member.as_ref();
        match (hold.held_by.unwrap_or_default(), viewer) {
            (HeldBy::Service, None) => Ok(()),
            (HeldBy::Service, Some(_)) => refuse(
                "was made by the host's service for a job it runs: only the service settles it"
                    .into(),
            ),
            (HeldBy::Member, Some(v)) if Some(&v.member) == owner => Ok(()),
            (HeldBy::Member, Some(v))
                if v.role == Role::Admin && matches!(outcome, ShotOutcome::Failed) =>
            {
                Ok(())
            }
            (HeldBy::Member, _) => {
                let name = owner.map_or("a member".to_string(), |m| self.config().member_name(m));
                refuse(format!(
                    "is a shot of {name}'s batch: only {name} settles it, and an admin may release it"
                ))
            }
        }
    }

    /// A settlement or refund names an entry that exists (unknown: not found, rather than
    /// "not pending").
    fn known_entry(&self, id: EntryId) -> Result<&LedgerEntry> {
        self.ledger
            .reach(id)?
            .ok_or(DomainError::UnknownEntry(id.0))
    }
}
