//! Work nobody asks for: refills at each billing cycle, rollover into the bank (within its
//! cap), lapses and expiries are written when they fall due even if no request comes, so
//! webhooks, exports and other processes see them on time; purchases and top-ups left
//! pending (by a crash, or a provider that did not answer) are resolved by asking the
//! provider about their key. Only the accounts with something due are opened for that (each
//! account records when it next is, `Account::schedule`), so the pass costs what is due, not
//! what is stored. The accounts this process holds get their daily rollups and listing index
//! brought up to what was appended (here or by other processes), so the next summary reads
//! days, not entries. Expired tokens and the demo's expired session copies are deleted;
//! webhooks are sent by a task of their own.

use crate::state::AppState;
use std::time::Duration;

/// How often accounts are brought up to date.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Runs until the process ends (with the task that charges top-ups as they are asked for).
pub async fn run(state: AppState) {
    tokio::spawn(crate::paying::run(state.clone()));
    tokio::spawn(crate::webhooks::run(
        state.clone(),
        crate::webhooks::BACKOFF.to_vec(),
    ));
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = once(&state).await {
            tracing::warn!("background pass failed: {}", e.message);
        }
    }
}

/// One pass: the accounts with something due (a refill, rollover or expiry, a payment left
/// waiting, or never visited) are opened and brought up to date; the accounts this process
/// holds anyway get their rollups and index brought up to their entries. Every other account
/// stays where it is, in the database: the pass costs what is due, not what is stored.
pub async fn once(state: &AppState) -> crate::error::ApiResult<()> {
    let now = state.accounts().now();
    let due = state
        .db()
        .accounts_to_visit(now, now - crate::paying::RESOLVE_AFTER)
        .await?;
    for account in &due {
        // One account that fails (closed meanwhile, unreadable) is logged and skipped.
        if let Err(e) = visit(state, account).await {
            tracing::warn!("background pass skipped {account}: {}", e.message);
        }
    }
    // Held accounts take in what was appended (here or elsewhere) before their next read,
    // without that counting as a use.
    for account in state.accounts().resident().readers_held() {
        state.accounts().refresh_if_held(&account);
        state.accounts().snapshot_if_grown(&account).await;
    }
    state.db().delete_expired_tokens(chrono::Utc::now()).await?;
    if let Some(demo) = state.demo() {
        demo.expire(state.accounts(), chrono::Utc::now()).await?;
    }
    Ok(())
}

/// Writes what is due in `account`, resolves payments left waiting, and records when it
/// next needs a visit.
async fn visit(state: &AppState, account: &str) -> crate::error::ApiResult<()> {
    // A read writes what is due first.
    state
        .accounts()
        .read(account, |a, _| {
            a.refresh();
            Ok(())
        })
        .await?;
    // Payments a crash or a silent provider left pending: asked about by their key.
    crate::paying::resolve_stale(state, account, state.accounts().now()).await?;
    let (schedule, last) = state
        .accounts()
        .read(account, |a, _| Ok((a.schedule(), a.last_id())))
        .await?;
    // Unless a write stored its own since (newer than what was read here).
    state
        .db()
        .set_schedule_as_of(account, &schedule, last)
        .await
}
