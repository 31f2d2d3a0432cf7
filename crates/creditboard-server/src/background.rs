//! Work nobody asks for: refills at each billing cycle, rollover into the bank (within its
//! cap), lapses and expiries are written when they fall due even if no request comes, so
//! webhooks, exports and other processes see them on time; each account's daily rollups and
//! listing index take in what was appended (by ingestion here or by other processes), so the
//! next summary reads days, not entries; purchases and top-ups left pending (by a crash, or
//! a provider that did not answer) are resolved by asking the provider about their key;
//! expired tokens and the demo's expired session copies are deleted; webhooks are sent by a task of their own.

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

/// One pass: every account's due events written (a read writes them first), its rollups
/// and index brought up to its entries.
pub async fn once(state: &AppState) -> crate::error::ApiResult<()> {
    for account in state.db().account_ids().await? {
        // One account that fails (closed meanwhile, unreadable) is logged and skipped.
        let done = async {
            state
                .accounts()
                .read(&account, |a, _| {
                    a.refresh();
                    Ok(())
                })
                .await?;
            // Payments a crash or a silent provider left pending: asked about by their key.
            crate::paying::resolve_stale(state, &account, state.accounts().now()).await
        }
        .await;
        if let Err(e) = done {
            tracing::warn!("background pass skipped {account}: {}", e.message);
        }
    }
    state.db().delete_expired_tokens(chrono::Utc::now()).await?;
    if let Some(demo) = state.demo() {
        demo.expire(state.accounts(), chrono::Utc::now()).await?;
    }
    Ok(())
}
