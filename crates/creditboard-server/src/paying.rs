//! Settling what was written pending: a purchase (its request waits for this), an automatic
//! top-up (a task charges it after the write that asked for it), and whatever a crash or a
//! dead endpoint left pending (resolved on start and by each background pass). A purchase
//! is charged only within [`CHARGE_WINDOW`] of being written and given up only after
//! [`GIVE_UP_AFTER`], so a late charge never meets a purchase already failed.
//!
//! The provider is always called between two writes, never inside one, with the pending
//! entry's own key: a retried write never charges again, and a provider asked twice about
//! one key answers once.

use crate::audit::Actor;
use crate::error::ApiResult;
use crate::payments::{Asked, PaymentAnswer};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::DomainError;
use creditboard_domain::billing::{Payment, payment_for};
use creditboard_domain::entry::{EntryId, EntryKind, EntryStatus, PaymentResult};

/// How long a payment may stay pending before a background pass asks the provider what
/// became of it (a request in flight normally settles it well within this).
pub const RESOLVE_AFTER: Duration = Duration::minutes(1);

/// A purchase is charged only this long after it was written; after that the provider is
/// only asked about it, never asked to charge it.
pub const CHARGE_WINDOW: Duration = Duration::minutes(5);

/// When a purchase the provider says it never saw is given up as failed: well past the
/// charge window and any charge still in flight then (three tries of ten seconds), so a
/// charge can never land on a purchase already failed.
pub const GIVE_UP_AFTER: Duration = Duration::minutes(10);

/// What to charge for pending entry `id`, with its kind and when it was written; `None`
/// once it is settled.
async fn pending(
    state: &AppState,
    account: &str,
    id: EntryId,
) -> ApiResult<Option<(Payment, EntryKind, DateTime<Utc>)>> {
    state
        .accounts()
        .read(account, |a, _| {
            let l = a.ledger();
            let entry = l.entry(id).filter(|_| l.is_pending_payment(id));
            Ok(entry.and_then(|e| payment_for(e).map(|p| (p, e.kind, e.at))))
        })
        .await
}

/// Charges pending purchase or top-up `id` and writes what the provider answered; where it
/// stands afterwards (still pending when the provider could not be reached). A purchase
/// past its charge window is only asked about.
pub async fn settle(state: &AppState, account: &str, id: EntryId) -> ApiResult<EntryStatus> {
    let Some((payment, kind, at)) = pending(state, account, id).await? else {
        return status(state, account, id).await;
    };
    if kind == EntryKind::Purchase && at + CHARGE_WINDOW <= state.accounts().now() {
        return resolve(state, account, id).await;
    }
    charge(state, account, id, &payment).await
}

/// Charges `payment` (three tries while the provider is silent) and writes the answer.
async fn charge(
    state: &AppState,
    account: &str,
    id: EntryId,
    payment: &Payment,
) -> ApiResult<EntryStatus> {
    let mut asked = state.payments().charge(account, payment).await;
    for pause in state.payments().retry_pauses() {
        if !matches!(asked, Asked::Unreachable(_)) {
            break;
        }
        tokio::time::sleep(*pause).await;
        asked = state.payments().charge(account, payment).await;
    }
    write_answer(state, account, id, asked).await?;
    status(state, account, id).await
}

/// Asks the provider what became of a payment left pending (by a crash, or an endpoint
/// that did not answer): paid or declined, that is written; a top-up it never saw is
/// charged now; a purchase it never saw fails once [`GIVE_UP_AFTER`] has passed.
pub async fn resolve(state: &AppState, account: &str, id: EntryId) -> ApiResult<EntryStatus> {
    let Some((payment, kind, at)) = pending(state, account, id).await? else {
        return status(state, account, id).await;
    };
    let asked = match state.payments().status(account, &payment).await {
        Asked::Answered(PaymentAnswer::Unknown) if kind == EntryKind::AutoTopUp => {
            return charge(state, account, id, &payment).await;
        }
        Asked::Answered(PaymentAnswer::Unknown) if at + GIVE_UP_AFTER <= state.accounts().now() => {
            Asked::Answered(PaymentAnswer::Declined {
                reason: "the payment was never taken".into(),
            })
        }
        other => other,
    };
    write_answer(state, account, id, asked).await?;
    status(state, account, id).await
}

async fn write_answer(state: &AppState, account: &str, id: EntryId, asked: Asked) -> ApiResult<()> {
    let result = match asked {
        Asked::Answered(PaymentAnswer::Approved { reference }) => PaymentResult::Paid { reference },
        Asked::Answered(PaymentAnswer::Declined { reason }) => PaymentResult::Failed { reason },
        Asked::Answered(PaymentAnswer::Unknown) => return Ok(()),
        // Left pending: a process without the provider must not fail what another may
        // be charging, and a silent provider is asked again.
        Asked::Unreachable(why) => {
            tracing::warn!("payment {id} of {account} stays pending: {why}");
            return Ok(());
        }
    };
    state
        .accounts()
        .write(account, &Actor::Server, |a, now| {
            match a.settle_payment(id, &result, now) {
                // Another process settled it first (the provider answered it the same).
                Err(DomainError::PaymentNotPending(_)) => Ok(()),
                other => other.map(|_| ()).map_err(Into::into),
            }
        })
        .await
}

async fn status(state: &AppState, account: &str, id: EntryId) -> ApiResult<EntryStatus> {
    state
        .accounts()
        .read(account, |a, _| Ok(a.ledger().payment_status(id)?))
        .await
}

/// Charges what writes of this process asked for (top-ups), as they come; runs until the
/// process ends.
pub async fn run(state: AppState) {
    let Some(mut queue) = state
        .accounts()
        .pending_rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    else {
        return;
    };
    while let Some((account, id)) = queue.recv().await {
        if let Err(e) = settle(&state, &account, id).await {
            tracing::warn!("settling payment {id} of {account} failed: {}", e.message);
        }
    }
}

/// Settles whatever is queued now (what [`run`] does as it goes), for tests and tools.
pub async fn settle_queued(state: &AppState) -> ApiResult<usize> {
    let mut taken = Vec::new();
    if let Some(queue) = state
        .accounts()
        .pending_rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
    {
        while let Ok(item) = queue.try_recv() {
            taken.push(item);
        }
    }
    for (account, id) in &taken {
        settle(state, account, *id).await?;
    }
    Ok(taken.len())
}

/// Resolves `account`'s payments pending for longer than [`RESOLVE_AFTER`] at `now`.
pub async fn resolve_stale(state: &AppState, account: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let stale: Vec<EntryId> = state
        .accounts()
        .read(account, |a, _| {
            Ok(a.ledger()
                .pending_payments()
                .filter(|e| e.at + RESOLVE_AFTER <= now)
                .map(|e| e.id)
                .collect())
        })
        .await?;
    for id in stale {
        resolve(state, account, id).await?;
    }
    Ok(())
}
