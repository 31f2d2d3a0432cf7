//! Tokens: random bearer secrets of which the database keeps only the SHA-256, each for one
//! account and of one kind (a member's, the host's service's, or a read-only embed token).

use crate::error::ApiResult;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::access::Caller;
use creditboard_domain::ids::MemberId;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A member's token lives this long unless it is issued for less (`token --days`).
pub const DEFAULT_MEMBER_TTL: Duration = Duration::days(90);
/// The host's service token: a year, rotated by issuing a new one and revoking the old.
pub const DEFAULT_SERVICE_TTL: Duration = Duration::days(365);
/// The longest any member or service token may live.
pub const MAX_TTL: Duration = Duration::days(3 * 365);

/// A member session for the embedded dashboard, unless the host asks for less or more.
pub const DEFAULT_SESSION_TTL: Duration = Duration::hours(1);
/// The longest a member session may live: a working day.
pub const MAX_SESSION_TTL: Duration = Duration::hours(12);

/// The longest an embed token may live.
pub const MAX_EMBED_TTL: Duration = Duration::hours(12);
/// An embed token's life when the request does not say.
pub const DEFAULT_EMBED_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Member(MemberId),
    /// A short-lived member token the host minted for its embedded dashboard.
    Session(MemberId),
    Service,
    Embed,
    /// The host product's token for the whole server: it creates accounts and is the service
    /// of each.
    Host,
}

impl TokenKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenKind::Member(_) => "member",
            TokenKind::Session(_) => "session",
            TokenKind::Service => "service",
            TokenKind::Embed => "embed",
            TokenKind::Host => "host",
        }
    }
}

impl TokenKind {
    /// The member it speaks for, if it is a member's.
    pub fn member(&self) -> Option<&str> {
        match self {
            TokenKind::Member(m) | TokenKind::Session(m) => Some(m.as_str()),
            _ => None,
        }
    }

    /// Who a request with this token is, to the account.
    pub fn caller(&self) -> Caller {
        match self {
            TokenKind::Member(m) | TokenKind::Session(m) => Caller::Member(m.clone()),
            TokenKind::Service | TokenKind::Host => Caller::Service,
            TokenKind::Embed => Caller::ReadOnly,
        }
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

/// How long a new token of `kind` lives when nobody says.
pub fn default_ttl(kind: &TokenKind) -> Duration {
    match kind {
        TokenKind::Member(_) => DEFAULT_MEMBER_TTL,
        TokenKind::Session(_) => DEFAULT_SESSION_TTL,
        TokenKind::Service | TokenKind::Host => DEFAULT_SERVICE_TTL,
        TokenKind::Embed => DEFAULT_EMBED_TTL,
    }
}

/// A token's public name in lists and revocations: the start of its hash, which says
/// nothing of the secret.
pub fn public_id(hash: &str) -> String {
    format!("tok_{}", hash.get(..16).unwrap_or(hash))
}

/// The hash prefix a public id names, if it is one.
pub fn hash_prefix(id: &str) -> Option<&str> {
    id.strip_prefix("tok_")
        .filter(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A token as its account's admins and service see it (never the secret).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// What revokes it: `DELETE …/tokens/{id}`.
    pub id: String,
    /// `member`, `session`, `service` or `embed`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The tokens of `account` as its admins and service see them, oldest first.
pub async fn list(db: &crate::db::Db, account: &str) -> ApiResult<Vec<TokenInfo>> {
    Ok(db
        .tokens_of(account)
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: public_id(&t.hash),
            kind: t.kind,
            member: t.member,
            created_at: t.created_at,
            expires_at: t.expires_at,
        })
        .collect())
}

/// Issues a token of `kind` for `account`, stored as its hash. Every token expires.
pub async fn issue(
    db: &crate::db::Db,
    account: &str,
    kind: &TokenKind,
    expires_at: DateTime<Utc>,
) -> ApiResult<String> {
    let (token, hash) = new_token();
    if *kind == TokenKind::Host {
        db.insert_host_token(&hash, expires_at).await?;
        return Ok(token);
    }
    db.insert_token(
        &hash,
        account,
        kind.as_str(),
        kind.member(),
        Some(expires_at),
    )
    .await?;
    Ok(token)
}

/// Issues a token of `kind` for `account` and records it in the audit log, in one write:
/// the secret (once) and the token's public id.
pub async fn issue_audited(
    db: &crate::db::Db,
    account: &str,
    kind: &TokenKind,
    expires_at: DateTime<Utc>,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
) -> ApiResult<(String, String)> {
    let (token, hash) = new_token();
    let id = public_id(&hash);
    let mut tx = db.begin_write(account).await?;
    // Checked again under the account's lock: a removal or a closing that committed since
    // the caller looked wins.
    if let Some(member) = kind.member()
        && !tx.on_team(account, member).await?
    {
        return Err(crate::error::ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "not_on_team",
            format!("“{member}” is not on the team"),
        ));
    }
    tx.insert_token(&hash, account, kind.as_str(), kind.member(), expires_at)
        .await?;
    let after = serde_json::json!({
        "kind": kind.as_str(),
        "member": kind.member(),
        "expires_at": expires_at,
    });
    let change = crate::audit::Change::new("issue_token", format!("token:{id}"), &(), &after)?;
    crate::audit::record(&mut tx, account, now, actor, change).await?;
    tx.commit().await?;
    Ok((token, id))
}
