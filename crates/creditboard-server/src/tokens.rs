//! Tokens: random bearer secrets of which the database keeps only the SHA-256, each for one
//! account and of one kind (a member's, the host's service's, or a read-only embed token).

use crate::error::ApiResult;
use chrono::{DateTime, Duration, Utc};
use creditboard_domain::access::Caller;
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

impl TokenKind {
    /// Who a request with this token is, to the account.
    pub fn caller(&self) -> Caller {
        match self {
            TokenKind::Member(m) => Caller::Member(m.clone()),
            TokenKind::Service => Caller::Service,
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
