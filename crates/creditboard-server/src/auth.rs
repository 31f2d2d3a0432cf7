//! Who is calling. Every request carries `Authorization: Bearer <token>` (see [`crate::tokens`]);
//! a token belongs to one account and is one of:
//!
//! - a **member** token: a team member; their role is read from the account's member list on
//!   every request (never from the token), so demoting someone takes effect at once;
//! - a **service** token: the host product's backend, which reports usage and issues embed
//!   tokens;
//! - an **embed** token: short-lived and read-only, for showing the dashboard inside a host
//!   product's page.
//!
//! Every token expires (members' after 90 days, the service's after a year, unless issued
//! for less), and the account's admins and service list and revoke them (`routes::tokens`).
//! A member taken off the team loses access on their next request (`access::on_team`,
//! checked by `Accounts::read_as` and `write_as` with the account as it stands).
//!
//! What each may do with the account is the domain's rule (`access`), checked by the account
//! itself; here a token for another account gets the same 404 as an account that does not
//! exist.

use crate::audit::Actor;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::{TokenKind, hash};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use creditboard_domain::access::Caller;
use creditboard_domain::ids::MemberId;

/// Who holds the request's token: its account (empty for the host's, which is for every
/// account) and its kind.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub account: String,
    pub kind: TokenKind,
    /// The token's hash: what identifies it without the secret (the live stream's caps).
    pub hash: String,
    /// When it stops working: what the live stream ends at.
    pub expires_at: DateTime<Utc>,
}

impl Bearer {
    /// Checks the caller's token is for `account` (the host's is for all).
    pub fn allow(&self, account: &str) -> ApiResult<()> {
        if self.kind != TokenKind::Host && self.account != account {
            return Err(ApiError::no_account(account));
        }
        Ok(())
    }

    /// Who made a change, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.kind {
            TokenKind::Member(m) | TokenKind::Session(m) => Actor::Member {
                member: m.to_string(),
            },
            TokenKind::Service => Actor::Service,
            TokenKind::Host => Actor::Host,
            // Embed tokens change nothing; were one to, it would be on record as such.
            TokenKind::Embed => Actor::Embed,
        }
    }

    /// The host's token, or a refusal: creating accounts and server-wide settings are the
    /// host's alone.
    pub fn host(&self) -> ApiResult<()> {
        if self.kind == TokenKind::Host {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "host_only",
                "this needs the host's token (`creditboard-server token --host`)",
            ))
        }
    }

    /// Who the caller is to `account`, once its token is checked to be for it.
    pub fn caller_for(&self, account: &str) -> ApiResult<Caller> {
        self.allow(account)?;
        Ok(self.kind.caller())
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Bearer> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or_default().to_string());
        // EventSource cannot send headers: the live stream also takes `?access_token=`.
        let token = match header {
            Some(h) => h
                .strip_prefix("Bearer ")
                .map(str::trim)
                .map(str::to_string)
                .ok_or_else(|| {
                    ApiError::unauthorized("the Authorization header must be “Bearer <token>”")
                })?,
            None => query_token(&parts.uri).ok_or_else(|| {
                ApiError::unauthorized("this needs a token: send “Authorization: Bearer <token>”")
            })?,
        };
        Bearer::of(state.db(), &hash(&token)).await
    }
}

impl Bearer {
    /// The token hashed `hashed`, as it stands now: refused if unknown (never issued, or
    /// revoked, or its member taken off the team) or expired.
    pub async fn of(db: &Db, hashed: &str) -> ApiResult<Bearer> {
        let now = Utc::now().timestamp_millis();
        let Some(row) = db.token(hashed).await? else {
            let host = db
                .host_token(hashed)
                .await?
                .ok_or_else(|| ApiError::unauthorized("the token is not valid"))?;
            if host.expires_at_ms <= now {
                return Err(ApiError::unauthorized("the token has expired"));
            }
            return Ok(Bearer {
                account: String::new(),
                kind: TokenKind::Host,
                hash: hashed.to_string(),
                expires_at: instant(host.expires_at_ms)?,
            });
        };
        let expires_at = match row.expires_at_ms {
            Some(at) if at <= now => {
                return Err(ApiError::unauthorized("the token has expired"));
            }
            Some(at) => instant(at)?,
            // Every token is issued with an expiry; one without predates that rule.
            None => {
                return Err(ApiError::unauthorized(
                    "the token has no expiry (issued before tokens expired): issue a new one",
                ));
            }
        };
        let kind = match (row.kind.as_str(), row.member) {
            ("member", Some(m)) => {
                TokenKind::Member(MemberId::new(&m).map_err(ApiError::internal)?)
            }
            ("session", Some(m)) => {
                TokenKind::Session(MemberId::new(&m).map_err(ApiError::internal)?)
            }
            ("service", _) => TokenKind::Service,
            ("embed", _) => TokenKind::Embed,
            (kind, _) => return Err(ApiError::internal(format!("unknown token kind {kind}"))),
        };
        Ok(Bearer {
            account: row.account,
            kind,
            hash: hashed.to_string(),
            expires_at,
        })
    }
}

fn instant(ms: i64) -> ApiResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ApiError::internal(format!("a token expires at {ms}, out of range")))
}

/// `?access_token=` on the live stream only: elsewhere a token in the URL would end up in
/// logs and browser history for nothing.
fn query_token(uri: &axum::http::Uri) -> Option<String> {
    if !uri.path().ends_with("/events") {
        return None;
    }
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("access_token="))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}
