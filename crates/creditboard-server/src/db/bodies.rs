//! Entry bodies (or outlines) selected by a statement, through the pool or the write in
//! progress: what the lookups behind a copy opened from its snapshot and the streamed export
//! read.

use super::{Db, WriteTx};
use crate::error::ApiResult;

/// A value bound into a lookup.
pub(super) enum Param {
    Int(i64),
    Text(String),
}

/// Where lookups run: the pool (a read), or the write in progress, so a write never waits
/// for a second connection while it holds one.
pub(super) trait Select {
    /// The bodies of the entries of `account` that `sql` selects (`$1` the account, `$2…`
    /// the parameters).
    fn bodies(
        &mut self,
        sql: &str,
        account: &str,
        params: &[Param],
    ) -> impl std::future::Future<Output = ApiResult<Vec<String>>> + Send;

    /// The `(id, kind, meter, reverses)` rows `sql` selects (`$1` the account, `$2` and `$3`
    /// the first and last id).
    fn outlines(
        &mut self,
        sql: &str,
        account: &str,
        first: i64,
        last: i64,
    ) -> impl std::future::Future<Output = ApiResult<Vec<OutlineRow>>> + Send;

    /// Whether this is SQLite, whose JSON table function is not PostgreSQL's.
    fn sqlite(&self) -> bool;
}

/// An entry's id, kind, meter and whether it reverses another, as stored.
pub(super) type OutlineRow = (i64, String, String, bool);

macro_rules! outlines {
    ($conn:expr, $sql:expr, $account:expr, $first:expr, $last:expr) => {{
        Ok(sqlx::query_as::<_, OutlineRow>($sql)
            .bind($account)
            .bind($first)
            .bind($last)
            .fetch_all($conn)
            .await?)
    }};
}

macro_rules! bodies {
    ($conn:expr, $sql:expr, $account:expr, $params:expr) => {{
        let mut q = sqlx::query_as::<_, (String,)>($sql).bind($account);
        for p in $params {
            q = match p {
                Param::Int(i) => q.bind(*i),
                Param::Text(t) => q.bind(t.as_str()),
            };
        }
        Ok(q.fetch_all($conn)
            .await?
            .into_iter()
            .map(|(b,)| b)
            .collect())
    }};
}

impl Select for &Db {
    async fn bodies(
        &mut self,
        sql: &str,
        account: &str,
        params: &[Param],
    ) -> ApiResult<Vec<String>> {
        on!(*self, pool => bodies!(pool, sql, account, params))
    }

    async fn outlines(
        &mut self,
        sql: &str,
        account: &str,
        first: i64,
        last: i64,
    ) -> ApiResult<Vec<OutlineRow>> {
        on!(*self, pool => outlines!(pool, sql, account, first, last))
    }

    fn sqlite(&self) -> bool {
        matches!(self, Db::Sqlite(_))
    }
}

impl Select for WriteTx {
    async fn bodies(
        &mut self,
        sql: &str,
        account: &str,
        params: &[Param],
    ) -> ApiResult<Vec<String>> {
        on!(tx self, t => bodies!(&mut **t, sql, account, params))
    }

    async fn outlines(
        &mut self,
        sql: &str,
        account: &str,
        first: i64,
        last: i64,
    ) -> ApiResult<Vec<OutlineRow>> {
        on!(tx self, t => outlines!(&mut **t, sql, account, first, last))
    }

    fn sqlite(&self) -> bool {
        matches!(self, WriteTx::Sqlite(_))
    }
}
