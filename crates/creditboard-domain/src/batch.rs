//! Batch renders (ACT3's "Generate"): the batch is priced first, then every shot's cost is
//! held at once, and each hold is captured as its shot completes or released if it fails.
//! Holding is all-or-nothing: a batch the balance or a member cap cannot cover holds nothing.

use crate::access::Viewer;
use crate::amount::Amount;
use crate::entry::{
    CaptureOp, EntryId, HeldBy, HoldOp, JobStatus, Operation, Quantity, ReleaseOp, Usage,
};
use crate::error::{DomainError, Result};
use crate::ids::{IdempotencyKey, MeterId, ProjectId};
use crate::ledger::Ledger;
use crate::ratecard::{EstimateLine, RateCard, estimate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/batches`: hold the cost of every shot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRequest {
    /// Each shot's hold is keyed `<key>-<n>`, so a retried request holds nothing twice.
    pub key: IdempotencyKey,
    pub lines: Vec<EstimateLine>,
    #[serde(default)]
    pub project: Option<ProjectId>,
}

/// One shot's hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldShot {
    pub hold: EntryId,
    pub meter: MeterId,
    pub amount: Amount,
}

/// How a shot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShotOutcome {
    /// Rendered; `amount` (at most what was held) is charged, the rest returned.
    Completed { amount: Amount },
    /// Failed: the whole hold is released and nothing is charged.
    Failed,
}

/// `POST /api/v1/holds/{id}/settle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleRequest {
    pub key: IdempotencyKey,
    pub hold: EntryId,
    pub outcome: ShotOutcome,
}

/// Holds every shot of `request` for `viewer`, or nothing.
pub fn hold_batch(
    ledger: &mut Ledger,
    card: &RateCard,
    viewer: Option<&Viewer>,
    request: &BatchRequest,
    at: DateTime<Utc>,
) -> Result<Vec<HeldShot>> {
    let priced = estimate(
        card,
        ledger.config(),
        |m| ledger.balance(m).map_or(Amount::ZERO, |b| b.available),
        &request.lines,
    )?;
    if let Some(line) = priced.lines.iter().find(|l| !l.unmet.is_empty()) {
        return Err(DomainError::RequirementUnmet {
            feature: line.feature_name.clone(),
            needs: crate::ratecard::describe_requirements(&line.unmet),
        });
    }
    let mut ops = Vec::with_capacity(priced.lines.len());
    for (n, line) in priced.lines.iter().enumerate() {
        ops.push(Operation::Hold(HoldOp {
            key: IdempotencyKey::new(&format!("{}-{}", request.key, n + 1))?,
            meter: line.meter.clone(),
            amount: line.cost,
            at,
            expires_in: None,
            held_by: HeldBy::Member,
            usage: Usage {
                feature: Some(line.feature.clone()),
                category: card.feature(&line.feature).ok().map(|f| f.category.clone()),
                engine: line.engine.clone(),
                tier: line.tier.clone(),
                quantity: Some(Quantity {
                    amount: line.quantity,
                    unit: line.unit,
                }),
                member: viewer.map(|v| v.member.clone()),
                project: request.project.clone(),
                description: line.label.clone(),
            },
        }));
    }
    // The batch key covers the whole list: a retry is the same number of shots, each the
    // same as before (the ledger compares every field of each), or it is refused whole.
    ledger.require(&ops)?;
    let mut shots_before = 0;
    while let Ok(k) = IdempotencyKey::new(&format!("{}-{}", request.key, shots_before + 1))
        && ledger.knows_key(&k)?
    {
        shots_before += 1;
    }
    let retried = shots_before > 0;
    if retried && shots_before != ops.len() {
        return Err(DomainError::IdempotencyConflict {
            key: request.key.to_string(),
            differs: format!(
                "lines: first {} shot{}, now {}",
                shots_before,
                if shots_before == 1 { "" } else { "s" },
                ops.len()
            ),
        });
    }
    // Try the whole batch on a fork first (balances without the history): the balance,
    // overdraft and member caps all have their say, and a refusal leaves the real ledger
    // untouched. A retried batch is answered by the ledger from its keys (each a replay
    // that changes nothing, or a conflict).
    if !retried {
        let mut trial = ledger.fork();
        for op in &ops {
            trial.apply(op.clone())?;
        }
    }
    let mut held = Vec::with_capacity(ops.len());
    for (op, line) in ops.into_iter().zip(&priced.lines) {
        let receipt = ledger.apply(op)?;
        held.push(HeldShot {
            hold: receipt.first,
            meter: line.meter.clone(),
            amount: line.cost,
        });
    }
    Ok(held)
}

/// Captures or releases one shot's hold.
pub fn settle(ledger: &mut Ledger, request: &SettleRequest, at: DateTime<Utc>) -> Result<()> {
    let op = match request.outcome {
        ShotOutcome::Completed { amount } => Operation::Capture(CaptureOp {
            key: request.key.clone(),
            hold: request.hold,
            amount,
            at,
        }),
        ShotOutcome::Failed => Operation::Release(ReleaseOp {
            key: request.key.clone(),
            hold: request.hold,
            at,
            status: JobStatus::Failed,
        }),
    };
    ledger.apply(op).map(|_| ())
}
