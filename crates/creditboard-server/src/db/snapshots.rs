//! Snapshots of accounts' ledgers, and the lookups an account opened from one needs: the
//! entries before its held ones that an operation names (by id, by key, a payment's
//! settlement), as the domain's `Wanted` asks and its `Found` answers.

use super::{Db, corrupt};
use crate::error::{ApiError, ApiResult};
use creditboard_domain::LedgerEntry;
use creditboard_domain::ledger::{Found, LedgerSnapshot, Wanted};

/// Values per `IN (…)` list: well under either database's parameter limit.
const IN_CHUNK: usize = 500;

impl Db {
    /// The newest snapshot of `account`'s ledger, if one was stored.
    pub async fn snapshot(&self, account: &str) -> ApiResult<Option<LedgerSnapshot>> {
        let sql = "SELECT state FROM account_snapshots WHERE account = $1";
        let state: Option<String> = on!(self, pool => sqlx::query_scalar(sql)
            .bind(account)
            .fetch_optional(pool)
            .await?);
        state
            .map(|s| serde_json::from_str(&s).map_err(corrupt))
            .transpose()
    }

    /// How many entries the stored snapshot of `account` reflects (0: none).
    pub async fn snapshot_entries(&self, account: &str) -> ApiResult<u64> {
        let sql = "SELECT entries FROM account_snapshots WHERE account = $1";
        let n: Option<i64> = on!(self, pool => sqlx::query_scalar(sql)
            .bind(account)
            .fetch_optional(pool)
            .await?);
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    /// Stores a snapshot unless a newer one is stored already (another process's).
    pub async fn store_snapshot(&self, account: &str, snapshot: &LedgerSnapshot) -> ApiResult<()> {
        let state = serde_json::to_string(snapshot).map_err(ApiError::internal)?;
        let entries = i64::try_from(snapshot.entries()).map_err(ApiError::internal)?;
        let sql = "INSERT INTO account_snapshots (account, entries, state) VALUES ($1, $2, $3) \
                   ON CONFLICT (account) DO UPDATE SET entries = excluded.entries, state = excluded.state \
                   WHERE excluded.entries > account_snapshots.entries";
        on!(self, pool => sqlx::query(sql)
            .bind(account)
            .bind(entries)
            .bind(state)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// What `wanted` names among the first `base` entries of `account` (newer entries are the
    /// copy's own to catch up with, never lent).
    pub async fn found(&self, account: &str, base: u64, wanted: &Wanted) -> ApiResult<Found> {
        let mut entries = Vec::new();
        for ids in wanted.ids.chunks(IN_CHUNK) {
            let ids: Vec<i64> = ids.iter().filter_map(|&i| i64::try_from(i).ok()).collect();
            entries.extend(self.entries_in(account, "id", &ids).await?);
        }
        let keys = wanted.entry_keys();
        let mut primaries = Vec::new();
        for chunk in keys.chunks(IN_CHUNK) {
            primaries.extend(self.entries_in(account, "op_key", chunk).await?);
        }
        // An operation's own entry found, the entries derived from it (`<key>#…`) too: the
        // keys between "<key>#" and "<key>$", '$' being the character after '#'.
        for e in &primaries {
            if wanted.keys.iter().any(|k| k == e.key.as_str()) {
                let key = e.key.as_str();
                let sql =
                    "SELECT body FROM entries WHERE account = $1 AND op_key > $2 AND op_key < $3";
                let rows: Vec<(String,)> = on!(self, pool => sqlx::query_as(sql)
                    .bind(account)
                    .bind(format!("{key}#"))
                    .bind(format!("{key}$"))
                    .fetch_all(pool)
                    .await?);
                for (body,) in rows {
                    entries.push(serde_json::from_str(&body).map_err(corrupt)?);
                }
            }
        }
        entries.extend(primaries);
        entries.retain(|e: &LedgerEntry| e.id.0 <= base);
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        Ok(Found {
            entries,
            keys: wanted.keys.clone(),
            settlements: wanted.settlements.clone(),
        })
    }

    /// The entries of `account` whose `column` is one of `values`.
    async fn entries_in<T>(
        &self,
        account: &str,
        column: &str,
        values: &[T],
    ) -> ApiResult<Vec<LedgerEntry>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Sqlite>
            + sqlx::Type<sqlx::Postgres>
            + Sync,
    {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let list = (2..values.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!("SELECT body FROM entries WHERE account = $1 AND {column} IN ({list})");
        let rows: Vec<(String,)> = on!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(account);
            for v in values {
                q = q.bind(v);
            }
            q.fetch_all(pool).await?
        });
        rows.iter()
            .map(|(body,)| serde_json::from_str(body).map_err(corrupt))
            .collect()
    }
}
