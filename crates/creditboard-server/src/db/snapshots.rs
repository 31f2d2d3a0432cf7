//! Snapshots of accounts' ledgers, and the lookups an account opened from one needs: the
//! entries before its held ones that an operation names (by id, by key, a payment's
//! settlement) or a listing reads (runs of entries by id, what settled each job shown), as
//! the domain's `Wanted` asks and its `Found` answers.

use super::bodies::{Param, Select};
use super::{Db, WriteTx, corrupt};
use crate::error::{ApiError, ApiResult};
use crate::resident::heavy;
use creditboard_domain::LedgerEntry;
use creditboard_domain::account::AccountSnapshot;
use creditboard_domain::entry::{EntryId, EntryKind, Outline};
use creditboard_domain::ids::MeterId;
use creditboard_domain::ledger::{Found, Wanted};

/// Entries read at a time after an operation's own one, looking for those derived from it.
const RUN_CHUNK: i64 = 64;

impl Db {
    /// The newest snapshot of `account`, if one was stored and can be read. One that cannot
    /// (another version's format, say, during a rolling deploy) is logged and passed over:
    /// the account is then replayed from its entries, as for a snapshot that does not fit.
    pub async fn snapshot(&self, account: &str) -> ApiResult<Option<AccountSnapshot>> {
        let sql = "SELECT state FROM account_snapshots WHERE account = $1";
        let state: Option<String> = on!(self, pool => sqlx::query_scalar(sql)
            .bind(account)
            .fetch_optional(pool)
            .await?);
        // One stored before the rollups were kept is the ledger's state alone.
        let read = |s: &str| {
            serde_json::from_str(s)
                .or_else(|_| serde_json::from_str(s).map(AccountSnapshot::of_ledger))
        };
        Ok(state.and_then(|s| match read(&s) {
            Ok(snapshot) => Some(snapshot),
            Err(e) => {
                tracing::warn!("{account}: its stored snapshot cannot be read, set aside: {e}");
                None
            }
        }))
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
    pub async fn store_snapshot(&self, account: &str, snapshot: &AccountSnapshot) -> ApiResult<()> {
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
}

impl Db {
    /// [`found`] through the pool.
    pub async fn found(&self, account: &str, base: u64, wanted: &Wanted) -> ApiResult<Found> {
        found(&mut &*self, account, base, wanted).await
    }
}

impl WriteTx {
    /// [`found`] inside this write.
    pub async fn found(&mut self, account: &str, base: u64, wanted: &Wanted) -> ApiResult<Found> {
        found(self, account, base, wanted).await
    }
}

/// What `wanted` names among the first `base` entries of `account` (newer entries are the
/// copy's own to catch up with, never lent).
async fn found(
    from: &mut impl Select,
    account: &str,
    base: u64,
    wanted: &Wanted,
) -> ApiResult<Found> {
    // Each list goes as one JSON array, its values probed in an index one by one (SQLite's
    // `CROSS JOIN` keeps that order). Given `op_key IN (…)`, both planners may walk the
    // account's entries instead: SQLite always did (100 ms at 300,000 entries for a batch's
    // 500 keys, against under 1 ms), PostgreSQL whenever its statistics still counted the
    // account small (23 ms a batch).
    let ids = serde_json::to_string(&wanted.ids).map_err(ApiError::internal)?;
    let keys = serde_json::to_string(&wanted.entry_keys()).map_err(ApiError::internal)?;
    let mut entries: Vec<LedgerEntry> = Vec::new();
    for (column, pg_type, list) in [("id", "bigint", ids), ("op_key", "text", keys)] {
        if list == "[]" {
            continue;
        }
        let sql = if from.sqlite() {
            format!(
                "SELECT e.body FROM json_each($2) AS k CROSS JOIN entries e \
                 WHERE e.account = $1 AND e.{column} = k.value"
            )
        } else {
            format!(
                "SELECT e.body FROM json_array_elements_text($2::json) AS k(v) \
                 JOIN entries e ON e.account = $1 AND e.{column} = k.v::{pg_type}"
            )
        };
        for body in from.bodies(&sql, account, &[Param::Text(list)]).await? {
            entries.push(serde_json::from_str(&body).map_err(corrupt)?);
        }
    }
    // An operation's own entry found, those derived from it (`<key>#…`) follow it, in id
    // order and unbroken (as the ledger writes them): read by id, a chunk at a time.
    let operations: Vec<(u64, String)> = entries
        .iter()
        .filter(|e| wanted.keys.iter().any(|k| k == e.key.as_str()))
        .map(|e| (e.id.0, e.key.as_str().to_string()))
        .collect();
    for (first, key) in operations {
        let prefix = format!("{key}#");
        let mut after = i64::try_from(first).map_err(ApiError::internal)?;
        loop {
            let sql =
                "SELECT body FROM entries WHERE account = $1 AND id > $2 AND id <= $3 ORDER BY id";
            let bodies = from
                .bodies(
                    sql,
                    account,
                    &[Param::Int(after), Param::Int(after + RUN_CHUNK)],
                )
                .await?;
            let read = bodies.len();
            let mut derived = 0;
            for body in bodies {
                let e: LedgerEntry = serde_json::from_str(&body).map_err(corrupt)?;
                if !e.key.as_str().starts_with(&prefix) {
                    break;
                }
                derived += 1;
                entries.push(e);
            }
            if derived < RUN_CHUNK as usize || read < RUN_CHUNK as usize {
                break;
            }
            after += RUN_CHUNK;
        }
    }
    // A listing's blocks: runs by id, parsed off the runtime's threads (a block is a
    // thousand entries).
    for &(first, last) in &wanted.spans {
        let sql = "SELECT body FROM entries WHERE account = $1 AND id >= $2 AND id <= $3";
        let (first, last) = (int(first)?, int(last.min(base))?);
        let bodies = from
            .bodies(sql, account, &[Param::Int(first), Param::Int(last)])
            .await?;
        entries.extend(heavy(|| parse(&bodies))?);
    }
    // A listing's outlines: what each entry is, from the columns, and whether its body has a
    // `reverses` key. Bodies are serde_json's compact text of an entry, where `"reverses":`
    // can only be that key (a quote inside a string is escaped, and no nested object has
    // one), so a substring search answers it: PostgreSQL parsing each body as JSON took
    // 3.9 ms for a block of 1,024 entries, the search 0.8 ms.
    let mut outlines = Vec::new();
    for &(first, last) in &wanted.outlines {
        let reverses = if from.sqlite() {
            "instr(body, '\"reverses\":') > 0"
        } else {
            "strpos(body, '\"reverses\":') > 0"
        };
        let sql = format!(
            "SELECT id, kind, meter, {reverses} FROM entries \
             WHERE account = $1 AND id >= $2 AND id <= $3 ORDER BY id"
        );
        let (first, last) = (int(first)?, int(last.min(base))?);
        for (id, kind, meter, reverses) in from.outlines(&sql, account, first, last).await? {
            let kind = EntryKind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind}")))?;
            let meter = MeterId::new(&meter).map_err(corrupt)?;
            outlines.push(Outline {
                id: EntryId(u64::try_from(id).map_err(corrupt)?),
                kind,
                meter,
                reverses,
            });
        }
    }
    // What settled each job: the entries reversing it, then those reversing them (a refund
    // of a capture), through the index of settling entries. Those after `base` are held.
    // SQLite is told the index: its planner otherwise walks the account's entries by the
    // primary key (5.5 s for 50 jobs at 111,000 entries, against 0.2 ms). PostgreSQL gets
    // one probe per job (`LATERAL`, fenced by `OFFSET 0`): left a join, on statistics that
    // undercount the account's settling entries, it read them all and hashed them (17–24 ms
    // for 49 jobs at 111,000 entries, against 0.5 ms; without the fence it flattened the
    // `LATERAL` into that same join).
    let mut jobs = wanted.settlers.clone();
    let mut seen: std::collections::HashSet<u64> = jobs.iter().copied().collect();
    while !jobs.is_empty() {
        let list = serde_json::to_string(&jobs).map_err(ApiError::internal)?;
        let sql = if from.sqlite() {
            format!(
                "SELECT e.body FROM json_each($2) AS k \
                 CROSS JOIN entries e INDEXED BY entries_reversing \
                 WHERE e.account = $1 AND json_extract(e.body, '$.reverses') = k.value \
                 AND e.kind IN {SETTLING}"
            )
        } else {
            format!(
                "SELECT e.body FROM json_array_elements_text($2::json) AS k(v) \
                 CROSS JOIN LATERAL (SELECT body FROM entries \
                 WHERE account = $1 AND ((body::json ->> 'reverses')::bigint) = k.v::bigint \
                 AND kind IN {SETTLING} OFFSET 0) e"
            )
        };
        let bodies = from.bodies(&sql, account, &[Param::Text(list)]).await?;
        // Each entry once, whatever the stored entries say (an entry reversing itself would
        // otherwise be asked for again and again).
        let settling: Vec<LedgerEntry> = heavy(|| parse(&bodies))?
            .into_iter()
            .filter(|e| e.id.0 <= base && seen.insert(e.id.0))
            .collect();
        jobs = settling.iter().map(|e| e.id.0).collect();
        entries.extend(settling);
    }
    entries.retain(|e| e.id.0 <= base);
    entries.sort_by_key(|e| e.id);
    entries.dedup_by_key(|e| e.id);
    Ok(Found {
        entries,
        keys: wanted.keys.clone(),
        settlements: wanted.settlements.clone(),
        settled: wanted.settlers.clone(),
        spans: wanted.spans.clone(),
        outlines,
        outline_spans: wanted.outlines.clone(),
    })
}

/// The kinds of entry that settle another: what `entries_reversing` (migration 0009) indexes,
/// written as its predicate is, so both planners use it.
const SETTLING: &str = "('hold_capture', 'hold_release', 'refund', 'purchase', 'auto_top_up')";

fn parse(bodies: &[String]) -> ApiResult<Vec<LedgerEntry>> {
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).map_err(corrupt))
        .collect()
}

fn int(id: u64) -> ApiResult<i64> {
    i64::try_from(id).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use creditboard_domain::LedgerEntry;

    /// The outlines' substring search holds for entries as they are stored: `"reverses":`
    /// is in a body exactly when the entry reverses another, whatever its text says.
    #[test]
    fn a_body_says_reverses_only_for_an_entry_that_does() {
        let mut entry: LedgerEntry = serde_json::from_value(serde_json::json!({
            "id": 7, "key": "k", "at": "2026-01-01T00:00:00Z", "meter": "credits",
            "kind": "refund", "status": "success", "amount": 5, "split": [],
            "balance_after": 5,
            "usage": {"description": "\"reverses\": 3, or reverses: 3"}
        }))
        .unwrap();
        let says = |e: &LedgerEntry| serde_json::to_string(e).unwrap().contains("\"reverses\":");
        assert!(!says(&entry));
        entry.reverses = Some(creditboard_domain::entry::EntryId(3));
        assert!(says(&entry));
    }
}
