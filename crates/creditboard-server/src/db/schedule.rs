//! When each account next needs a visit without a request (`Account::schedule`), kept with
//! the account so the background pass opens only the accounts that have something due.

use super::{Db, WriteTx};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use creditboard_domain::account::Schedule;

const SET: &str = "UPDATE accounts SET schedule_known = TRUE, due_at_ms = $2, pending_since_ms = $3 WHERE id = $1";

fn ms(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(|t| t.timestamp_millis())
}

impl Db {
    /// The open accounts to visit at `now`: something falls due, a payment has waited since
    /// before `stale_before`, or nothing is known yet (never visited since this was kept).
    pub async fn accounts_to_visit(
        &self,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> ApiResult<Vec<String>> {
        let sql = "SELECT id FROM accounts WHERE closed_at_ms IS NULL \
                   AND (NOT schedule_known OR due_at_ms <= $1 OR pending_since_ms <= $2) ORDER BY id";
        Ok(on!(self, pool => sqlx::query_scalar(sql)
            .bind(now.timestamp_millis())
            .bind(stale_before.timestamp_millis())
            .fetch_all(pool)
            .await?))
    }

    /// Records `account`'s schedule as a visit found it with entries up to `last`, unless a
    /// write stored more since (its own schedule is the newer one).
    pub async fn set_schedule_as_of(
        &self,
        account: &str,
        schedule: &Schedule,
        last: u64,
    ) -> ApiResult<()> {
        let sql =
            format!("{SET} AND (SELECT COALESCE(MAX(id), 0) FROM entries WHERE account = $1) = $4");
        let last = i64::try_from(last).map_err(crate::error::ApiError::internal)?;
        on!(self, pool => sqlx::query(&sql)
            .bind(account)
            .bind(ms(schedule.due_at))
            .bind(ms(schedule.oldest_pending_payment))
            .bind(last)
            .execute(pool)
            .await
            .map(drop)?);
        Ok(())
    }
}

impl WriteTx {
    /// Records `account`'s schedule as this write leaves it.
    pub async fn set_schedule(&mut self, account: &str, schedule: &Schedule) -> ApiResult<()> {
        on!(tx self, t => sqlx::query(SET)
            .bind(account)
            .bind(ms(schedule.due_at))
            .bind(ms(schedule.oldest_pending_payment))
            .execute(&mut **t)
            .await
            .map(drop)?);
        Ok(())
    }
}
