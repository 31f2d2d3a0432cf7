//! Webhooks as stored: the host's endpoints, the events (written with the entries that made
//! them), one delivery per event and endpoint, and each delivery's attempts.

use super::{Db, WriteTx, corrupt};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};

/// A registered endpoint.
pub struct EndpointRow {
    pub id: String,
    pub account: Option<String>,
    pub url: String,
    pub secret: String,
    /// JSON array of event types; empty: all.
    pub events: String,
    pub created_at: DateTime<Utc>,
}

/// A delivery due now, with what to send.
pub struct DeliveryRow {
    pub event: String,
    pub endpoint: String,
    pub url: String,
    pub secret: String,
    pub body: String,
    pub kind: String,
    pub attempts: i32,
}

/// An event as stored.
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// One try of one delivery.
pub struct AttemptRow {
    pub event: String,
    pub endpoint: String,
    pub n: i32,
    pub at: DateTime<Utc>,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

fn at(ms: i64) -> ApiResult<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| corrupt(ms))
}

type EndpointTuple = (String, Option<String>, String, String, String, i64);

fn endpoint((id, account, url, secret, events, created): EndpointTuple) -> ApiResult<EndpointRow> {
    Ok(EndpointRow {
        id,
        account,
        url,
        secret,
        events,
        created_at: at(created)?,
    })
}

impl Db {
    pub async fn insert_endpoint(&self, e: &EndpointRow) -> ApiResult<()> {
        let sql = "INSERT INTO webhook_endpoints (id, account, url, secret, events, created_at_ms) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on!(self, pool => {
            sqlx::query(sql)
                .bind(&e.id)
                .bind(&e.account)
                .bind(&e.url)
                .bind(&e.secret)
                .bind(&e.events)
                .bind(e.created_at.timestamp_millis())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The endpoints of `account` (`None`: the server-wide ones), oldest first.
    pub async fn endpoints(&self, account: Option<&str>) -> ApiResult<Vec<EndpointRow>> {
        // COALESCE: one comparison both databases read alike, NULL (server-wide) included.
        let sql = "SELECT id, account, url, secret, events, created_at_ms FROM webhook_endpoints \
                   WHERE deleted_at_ms IS NULL AND COALESCE(account, '') = COALESCE($1, '') \
                   ORDER BY created_at_ms, id";
        let rows: Vec<EndpointTuple> =
            on!(self, pool => sqlx::query_as(sql).bind(account).fetch_all(pool).await?);
        rows.into_iter().map(endpoint).collect()
    }

    /// Stops delivering to endpoint `id` of `account` (`None`: server-wide); whether it was
    /// there.
    pub async fn delete_endpoint(&self, account: Option<&str>, id: &str) -> ApiResult<bool> {
        let sql = "UPDATE webhook_endpoints SET deleted_at_ms = $1 \
                   WHERE id = $2 AND COALESCE(account, '') = COALESCE($3, '') \
                   AND deleted_at_ms IS NULL";
        let now = Utc::now().timestamp_millis();
        let n = on!(self, pool => sqlx::query(sql)
            .bind(now)
            .bind(id)
            .bind(account)
            .execute(pool)
            .await?
            .rows_affected());
        if n > 0 {
            // What was still to go there goes nowhere.
            let sql = "UPDATE webhook_deliveries SET state = 'cancelled' \
                       WHERE endpoint = $1 AND state = 'pending'";
            on!(self, pool => { sqlx::query(sql).bind(id).execute(pool).await?; });
        }
        Ok(n > 0)
    }

    /// Deliveries due by `now`, claimed for `lease` (another process skips them meanwhile),
    /// at most `limit` in all and `per_endpoint` to any one endpoint, none to the endpoints
    /// in `busy` (those with as many in flight already): one slow endpoint never holds up
    /// the others.
    pub async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
        per_endpoint: i64,
        busy: &[String],
    ) -> ApiResult<Vec<DeliveryRow>> {
        let skip: String = (0..busy.len())
            .map(|i| format!(" AND d.endpoint <> ${}", i + 4))
            .collect();
        let sql = format!(
            "SELECT event, endpoint, url, secret, body, type, attempts, next_at_ms FROM (\
               SELECT d.event, d.endpoint, p.url, p.secret, e.body, e.type, d.attempts, d.next_at_ms, \
                 ROW_NUMBER() OVER (PARTITION BY d.endpoint ORDER BY d.next_at_ms) AS nth \
               FROM webhook_deliveries d \
               JOIN webhook_endpoints p ON p.id = d.endpoint \
               JOIN webhook_events e ON e.id = d.event \
               WHERE d.state = 'pending' AND d.next_at_ms <= $1 AND p.deleted_at_ms IS NULL{skip}\
             ) due WHERE nth <= $3 ORDER BY next_at_ms LIMIT $2"
        );
        let sql = sql.as_str();
        type Row = (String, String, String, String, String, String, i32, i64);
        let rows: Vec<Row> = on!(self, pool => {
            let mut q = sqlx::query_as(sql)
                .bind(now.timestamp_millis())
                .bind(limit)
                .bind(per_endpoint);
            for b in busy {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        let claim = "UPDATE webhook_deliveries SET next_at_ms = $1 \
                     WHERE event = $2 AND endpoint = $3 AND state = 'pending' AND next_at_ms = $4";
        let until = (now + lease).timestamp_millis();
        let mut out = Vec::new();
        for (event, endpoint, url, secret, body, kind, attempts, next) in rows {
            let won = on!(self, pool => sqlx::query(claim)
                .bind(until)
                .bind(&event)
                .bind(&endpoint)
                .bind(next)
                .execute(pool)
                .await?
                .rows_affected());
            if won == 1 {
                out.push(DeliveryRow {
                    event,
                    endpoint,
                    url,
                    secret,
                    body,
                    kind,
                    attempts,
                });
            }
        }
        Ok(out)
    }

    /// Records attempt `a` and where its delivery stands now: `state` and, while pending,
    /// when to try next.
    pub async fn record_attempt(
        &self,
        a: &AttemptRow,
        state: &str,
        next_at: DateTime<Utc>,
    ) -> ApiResult<()> {
        let insert = "INSERT INTO webhook_attempts \
                      (event, endpoint, n, at_ms, status, error, duration_ms) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";
        // Only while pending: a delivery cancelled (its endpoint deleted) or sent again by
        // hand meanwhile stays as that left it.
        let update = "UPDATE webhook_deliveries SET state = $1, attempts = $2, next_at_ms = $3 \
                      WHERE event = $4 AND endpoint = $5 AND state = 'pending'";
        on!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(insert)
                .bind(&a.event)
                .bind(&a.endpoint)
                .bind(a.n)
                .bind(a.at.timestamp_millis())
                .bind(a.status)
                .bind(&a.error)
                .bind(a.duration_ms)
                .execute(&mut *tx)
                .await?;
            sqlx::query(update)
                .bind(state)
                .bind(a.n)
                .bind(next_at.timestamp_millis())
                .bind(&a.event)
                .bind(&a.endpoint)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The newest events of `account`, at most `limit`, newest first.
    pub async fn events_of(&self, account: &str, limit: i64) -> ApiResult<Vec<EventRow>> {
        let sql = "SELECT id, type, body, created_at_ms FROM webhook_events WHERE account = $1 \
                   ORDER BY created_at_ms DESC, id DESC LIMIT $2";
        let rows: Vec<(String, String, String, i64)> = on!(self, pool => sqlx::query_as(sql)
            .bind(account)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(id, kind, body, created)| {
                Ok(EventRow {
                    id,
                    kind,
                    body,
                    created_at: at(created)?,
                })
            })
            .collect()
    }

    /// The deliveries of `events`: (event, endpoint, state, attempts, next attempt).
    pub async fn deliveries_of(
        &self,
        events: &[String],
    ) -> ApiResult<Vec<(String, String, String, i32, DateTime<Utc>)>> {
        let mut out = Vec::new();
        let sql = "SELECT event, endpoint, state, attempts, next_at_ms FROM webhook_deliveries \
                   WHERE event = $1 ORDER BY endpoint";
        for e in events {
            let rows: Vec<(String, String, String, i32, i64)> =
                on!(self, pool => sqlx::query_as(sql).bind(e).fetch_all(pool).await?);
            for (event, endpoint, state, attempts, next) in rows {
                out.push((event, endpoint, state, attempts, at(next)?));
            }
        }
        Ok(out)
    }

    /// The attempts of `event`'s deliveries, in order.
    pub async fn attempts_of(&self, event: &str) -> ApiResult<Vec<AttemptRow>> {
        let sql = "SELECT event, endpoint, n, at_ms, status, error, duration_ms \
                   FROM webhook_attempts WHERE event = $1 ORDER BY endpoint, n";
        type Row = (String, String, i32, i64, Option<i32>, Option<String>, i64);
        let rows: Vec<Row> =
            on!(self, pool => sqlx::query_as(sql).bind(event).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(event, endpoint, n, at_ms, status, error, duration_ms)| {
                Ok(AttemptRow {
                    event,
                    endpoint,
                    n,
                    at: at(at_ms)?,
                    status,
                    error,
                    duration_ms,
                })
            })
            .collect()
    }

    /// Sends event `id` of `account` again to every endpoint it went to, now; whether there
    /// was such an event.
    pub async fn redeliver(&self, account: &str, id: &str, now: DateTime<Utc>) -> ApiResult<bool> {
        let sql = "SELECT count(*) FROM webhook_events WHERE id = $1 AND account = $2";
        let n: i64 = on!(self, pool => sqlx::query_scalar(sql).bind(id).bind(account).fetch_one(pool).await?);
        if n == 0 {
            return Ok(false);
        }
        let sql = "UPDATE webhook_deliveries SET state = 'pending', next_at_ms = $1 \
                   WHERE event = $2 AND state <> 'cancelled' AND endpoint IN \
                   (SELECT id FROM webhook_endpoints WHERE deleted_at_ms IS NULL)";
        on!(self, pool => {
            sqlx::query(sql).bind(now.timestamp_millis()).bind(id).execute(pool).await?;
        });
        Ok(true)
    }
}

impl WriteTx {
    /// Stores events of `account` with a delivery to each endpoint that wants them (the
    /// account's and the server-wide ones), in the write that made them.
    pub async fn insert_events(
        &mut self,
        account: &str,
        events: &[(String, &'static str, String)],
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let sql = "SELECT id, events FROM webhook_endpoints \
                   WHERE deleted_at_ms IS NULL AND (account = $1 OR account IS NULL)";
        let endpoints: Vec<(String, String)> =
            on!(tx self, t => sqlx::query_as(sql).bind(account).fetch_all(&mut **t).await?);
        let event_sql = "INSERT INTO webhook_events (id, account, type, body, created_at_ms) \
                         VALUES ($1, $2, $3, $4, $5)";
        let delivery_sql = "INSERT INTO webhook_deliveries (event, endpoint, state, attempts, next_at_ms) \
                            VALUES ($1, $2, 'pending', 0, $3)";
        let ms = now.timestamp_millis();
        for (id, kind, body) in events {
            on!(tx self, t => {
                sqlx::query(event_sql)
                    .bind(id)
                    .bind(account)
                    .bind(*kind)
                    .bind(body)
                    .bind(ms)
                    .execute(&mut **t)
                    .await?;
            });
            for (endpoint, wanted) in &endpoints {
                let wanted: Vec<String> = serde_json::from_str(wanted).map_err(corrupt)?;
                if !wanted.is_empty() && !wanted.iter().any(|w| w == kind) {
                    continue;
                }
                on!(tx self, t => {
                    sqlx::query(delivery_sql)
                        .bind(id)
                        .bind(endpoint)
                        .bind(ms)
                        .execute(&mut **t)
                        .await?;
                });
            }
        }
        Ok(())
    }
}
