//! What changes an account: purchases, settings, batch renders and their settlement (for
//! members, admins where money or spend controls are concerned), and the host service's
//! operations. Each checks who asks first; a refused action changes nothing.

use super::Account;
use crate::access::{self, Caller, Needs, Viewer};
use crate::api::{BuyRequest, BuyResult};
use crate::batch::{self, BatchRequest, HeldShot, SettleRequest, ShotOutcome};
use crate::billing::{self, PaymentProvider};
use crate::config::Role;
use crate::config::settings::SettingsChange;
use crate::entry::{
    CaptureOp, EntryId, EntryKind, HeldBy, LedgerEntry, Operation, Receipt, ReleaseOp,
};
use crate::error::{DomainError, Result};
use chrono::{DateTime, Utc};

impl Account {
    /// Buys what `request` asks for as `caller` (admins only), paid through `payments` before
    /// anything is written (see [`billing::buy`]).
    pub fn buy(
        &mut self,
        caller: &Caller,
        request: &BuyRequest,
        payments: &mut dyn PaymentProvider,
        now: DateTime<Utc>,
    ) -> Result<BuyResult> {
        let viewer = self.acting_member(caller)?;
        let receipt = billing::buy(
            &mut self.ledger,
            viewer.as_ref(),
            &request.meter,
            &request.choice,
            payments,
            request.key.clone(),
            now,
        )?;
        // After `buy`, which checks the viewer may buy before anything else.
        let quote = billing::quote(self.config(), &request.meter, &request.choice)?;
        Ok(BuyResult {
            quote,
            entry: receipt.first,
            replayed: receipt.replayed,
        })
    }

    /// Changes top-ups, a member cap or alert levels as `caller` (admins only).
    pub fn configure(&mut self, caller: &Caller, change: &SettingsChange) -> Result<()> {
        let viewer = self.acting_member(caller)?;
        access::authorize(self.config(), viewer.as_ref(), change.action())?;
        self.change_settings(change)?;
        self.version += 1;
        self.changes.push((self.version, change.clone()));
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
        self.ledger.entry(id).ok_or(DomainError::UnknownEntry(id.0))
    }
}
