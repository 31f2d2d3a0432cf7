//! Who is calling. Every request carries `Authorization: Bearer <token>`; the database keeps
//! only the token's SHA-256. A token belongs to one account and is one of:
//!
//! - a **member** token: a team member; their role is read from the account's member list on
//!   every request (never from the token), so demoting someone takes effect at once;
//! - a **service** token: the host product's backend, which reports usage and issues embed
//!   tokens;
//! - an **embed** token: short-lived and read-only, for showing the dashboard inside a host
//!   product's page.
//!
//! A token for another account gets the same 404 as an account that does not exist.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::account::{AccountConfig, Role};
use creditboard_domain::api::Viewer;
use creditboard_domain::ids::MemberId;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The longest an embed token may live.
pub const MAX_EMBED_TTL: Duration = Duration::hours(12);
/// An embed token's life when the request does not say.
pub const DEFAULT_EMBED_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Member(MemberId),
    Service,
    Embed,
}

impl TokenKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenKind::Member(_) => "member",
            TokenKind::Service => "service",
            TokenKind::Embed => "embed",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    pub kind: TokenKind,
}

/// What an endpoint needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any token of the account: reading, estimating.
    Read,
    /// A team member (the domain then checks admin-only actions and caps).
    Member,
    /// The host product's backend: reporting usage, holds and refunds.
    Service,
    /// The host's backend or an admin: issuing embed tokens.
    ServiceOrAdmin,
}

impl Caller {
    /// Checks the caller may use `account` for `need`.
    pub fn allow(
        &self,
        account: &str,
        need: Need,
        config: Option<&AccountConfig>,
    ) -> ApiResult<()> {
        if self.account != account {
            return Err(ApiError::no_account(account));
        }
        let ok = match (need, &self.kind) {
            (Need::Read, _) => true,
            (Need::Member, TokenKind::Member(_)) => true,
            (Need::Service | Need::ServiceOrAdmin, TokenKind::Service) => true,
            (Need::ServiceOrAdmin, TokenKind::Member(m)) => config
                .and_then(|c| c.member(m))
                .is_some_and(|m| m.role == Role::Admin),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(match (&self.kind, need) {
            (TokenKind::Embed, _) => ApiError::forbidden(
                "read_only",
                "this token is read-only: it can show the dashboard but not change anything",
            ),
            (_, Need::Service) => ApiError::forbidden(
                "service_only",
                "reporting usage, holds and refunds needs the host product's service token",
            ),
            (_, Need::ServiceOrAdmin) => ApiError::forbidden(
                "admin_only",
                "only team admins or the host product's service can issue embed tokens",
            ),
            _ => ApiError::forbidden(
                "member_only",
                "this needs a team member's token: a service token cannot act for a member",
            ),
        })
    }

    /// The member the request is made as, with their role in the account now (`None` for
    /// service and embed tokens, and for a member no longer on the team).
    pub fn viewer(&self, config: &AccountConfig) -> Option<Viewer> {
        let TokenKind::Member(id) = &self.kind else {
            return None;
        };
        config.member(id).map(|m| Viewer {
            member: m.id.clone(),
            role: m.role,
        })
    }
}

/// A fresh random token (256 bits) and its stored hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("cb_{}", hex::encode(bytes));
    let hash = hash(&token);
    (token, hash)
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a token of `kind` for `account`, stored as its hash.
pub async fn issue(
    db: &crate::db::Db,
    account: &str,
    kind: &TokenKind,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<String> {
    let (token, hash) = new_token();
    let member = match kind {
        TokenKind::Member(m) => Some(m.as_str()),
        _ => None,
    };
    db.insert_token(&hash, account, kind.as_str(), member, expires_at)
        .await?;
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
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
        let row = state
            .db()
            .token(&hash(&token))
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token is not valid"))?;
        if row
            .expires_at_ms
            .is_some_and(|at| at <= Utc::now().timestamp_millis())
        {
            return Err(ApiError::unauthorized("the token has expired"));
        }
        let kind = match (row.kind.as_str(), row.member) {
            ("member", Some(m)) => {
                TokenKind::Member(MemberId::new(&m).map_err(ApiError::internal)?)
            }
            ("service", _) => TokenKind::Service,
            ("embed", _) => TokenKind::Embed,
            (kind, _) => return Err(ApiError::internal(format!("unknown token kind {kind}"))),
        };
        Ok(Caller {
            account: row.account,
            kind,
        })
    }
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
