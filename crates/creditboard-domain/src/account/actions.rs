//! What changes an account: purchases, settings, batch renders and their settlement (for
//! members, admins where money or spend controls are concerned), and the host service's
//! operations. Each checks who asks first; a refused action changes nothing.

use super::Account;
use crate::access::{self, Caller, Needs, Viewer};
use crate::api::{BuyRequest, BuyResult};
use crate::batch::{self, BatchRequest, HeldShot, SettleRequest};
use crate::billing::{self, PaymentProvider};
use crate::config::settings::SettingsChange;
use crate::entry::{EntryId, Operation, Receipt};
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

    /// Captures or releases one shot's hold.
    pub fn settle(
        &mut self,
        caller: &Caller,
        request: &SettleRequest,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access::admit(caller, Needs::Member)?;
        self.known_entry(request.hold)?;
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
        self.ledger.apply(op)
    }

    /// The member `caller` acts for, with their role now (`None`: no longer on the team, and
    /// the role rules refuse); a caller that is not a member is refused here.
    fn acting_member(&self, caller: &Caller) -> Result<Option<Viewer>> {
        access::admit(caller, Needs::Member)?;
        Ok(caller.viewer(self.config()))
    }

    /// A settlement or refund names an entry that exists (unknown: not found, rather than
    /// "not pending").
    fn known_entry(&self, id: EntryId) -> Result<()> {
        match self.ledger.entry(id) {
            Some(_) => Ok(()),
            None => Err(DomainError::UnknownEntry(id.0)),
        }
    }
}
