//! `POST …/purchases`: the one call that waits for a payment provider, so it is not answered
//! under the account's lock like the others. The purchase is written pending first, the
//! provider is asked with its key outside any write, and what it answered is written; a
//! retry with the same key never charges twice.

use super::{Body, Path};
use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::paying;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use creditboard_domain::DomainError;
use creditboard_domain::api::{BuyRequest, BuyResult};
use creditboard_domain::entry::EntryStatus;

/// Answered as the generic calls document it (`buy` in the domain's declaration): 200 with
/// what was bought, `pending` while the provider has not answered; a declined payment is a
/// 402 that says why (the failed purchase stays in the ledger).
pub async fn buy(
    State(s): State<AppState>,
    bearer: Bearer,
    Path(account): Path<String>,
    Body(request): Body<BuyRequest>,
) -> ApiResult<Json<BuyResult>> {
    let who = bearer.caller_for(&account)?;
    let mut bought = s
        .accounts()
        .write_as(&account, &who, &bearer.actor(), |a, now| {
            a.may_buy(&who)?;
            if let Some(why) = s.payments().unavailable() {
                return Err(DomainError::NoPaymentProvider(why.into()).into());
            }
            Ok(a.request_purchase(&who, &request, now)?)
        })
        .await?;
    if bought.status == EntryStatus::Pending {
        bought.status = paying::settle(&s, &account, bought.entry).await?;
    }
    if bought.status == EntryStatus::Failed {
        let reason = s
            .accounts()
            .read(&account, |a, _| {
                Ok(a.ledger().payment_failure(bought.entry)?)
            })
            .await?;
        return Err(DomainError::PaymentDeclined(reason.unwrap_or_default()).into());
    }
    Ok(Json(bought))
}
