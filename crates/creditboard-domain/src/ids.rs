//! Validated identifiers. Raw strings become one of these at the edge and are trusted inside.
//!
//! Ids are cheap to clone (`Arc<str>`): a ledger of a million entries shares one allocation per
//! distinct category, member or feature instead of a million copies.

use crate::error::{DomainError, Result};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// The longest id we accept; host products' ids (UUIDs, slugs) fit comfortably.
pub const MAX_ID_LEN: usize = 64;

fn validate_id(what: &'static str, value: &str) -> Result<()> {
    let reason = if value.is_empty() {
        Some("it is empty")
    } else if value.len() > MAX_ID_LEN {
        Some("it is longer than 64 characters")
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        Some("use letters, digits, “_”, “-”, “.” and “:” only")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(DomainError::InvalidId {
            what,
            value: value.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(value: &str) -> Result<Self> {
                validate_id($what, value)?;
                Ok(Self(Arc::from(value)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Same allocation (cheap check before comparing text).
            pub fn ptr_eq(&self, other: &Self) -> bool {
                Arc::ptr_eq(&self.0, &other.0)
            }

            #[allow(dead_code, reason = "not every id type appears in usage attributes")]
            pub(crate) fn intern(&mut self, interner: &mut Interner) {
                interner.intern(&mut self.0);
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = DomainError;
            fn try_from(value: &str) -> Result<Self> {
                Self::new(value)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                schema::string(
                    format!("A {}: {}", $what, schema::ID_RULE),
                    1,
                    MAX_ID_LEN,
                    schema::ID_PATTERN,
                )
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

string_id!(
    /// A separately billed meter of an account ("credits", "render_minutes", "usd").
    MeterId, "meter id"
);
string_id!(
    /// A usage category ("image_generation", "research").
    CategoryId, "category id"
);
string_id!(
    /// A billable feature or tool ("keyframeGenerate", "ai_image_to_video").
    FeatureId, "feature id"
);
string_id!(
    /// A quality tier ("draft", "standard", "high", "4k").
    TierId, "tier id"
);
string_id!(
    /// A team member of the account.
    MemberId, "member id"
);
string_id!(
    /// A project, event or production the usage belongs to.
    ProjectId, "project id"
);
string_id!(
    /// An account (a team, an organization).
    AccountId, "account id"
);

/// A free text shown to people: a description, an engine name, a shot name. Non-empty after
/// trimming, at most 200 characters, no control characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Label(Arc<str>);

impl Label {
    pub const MAX_LEN: usize = 200;

    /// `text` made to fit: control characters become spaces, and past the limit it is cut
    /// with an ellipsis (what another system said, such as a card issuer's reason, is kept
    /// rather than lost). `None` only for blank text.
    pub fn fitted(text: &str) -> Option<Label> {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let clean = clean.trim();
        let fitted = if clean.chars().count() > Self::MAX_LEN {
            let cut: String = clean.chars().take(Self::MAX_LEN - 1).collect();
            format!("{}…", cut.trim_end())
        } else {
            clean.to_string()
        };
        Label::new(&fitted).ok()
    }

    pub fn new(value: &str) -> Result<Self> {
        let t = value.trim();
        let reason = if t.is_empty() {
            Some("it is empty")
        } else if t.chars().count() > Self::MAX_LEN {
            Some("it is longer than 200 characters")
        } else if t.chars().any(char::is_control) {
            Some("it contains control characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(DomainError::InvalidId {
                what: "text",
                value: value.to_string(),
                reason,
            }),
            None => Ok(Self(Arc::from(t))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A label written in our code (a default's wording): known to be valid, so no `Result`.
    pub(crate) fn known(value: &'static str) -> Self {
        debug_assert!(Self::new(value).is_ok(), "{value:?}");
        Self(Arc::from(value))
    }

    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn intern(&mut self, interner: &mut Interner) {
        interner.intern(&mut self.0);
    }
}

/// Makes equal ids share one allocation. Entries that arrive one by one (deserialized from a
/// request or a stored ledger) would otherwise each carry their own copy of "m_anton": a
/// million copies of memory, and breakdowns that cannot tell equal ids by address.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    known: std::collections::HashSet<Arc<str>>,
    /// Addresses recently seen to be interned already: most ids come from the ledger's own
    /// entries or presets and need no hashing at all.
    recent: Vec<usize>,
}

impl Interner {
    pub(crate) fn intern(&mut self, value: &mut Arc<str>) {
        let ptr = value.as_ptr() as usize;
        if self.recent.is_empty() {
            self.recent = vec![0; 256];
        }
        let line = (ptr >> 4 ^ ptr >> 12) & 255;
        if self.recent[line] == ptr {
            return;
        }
        match self.known.get(&**value) {
            Some(shared) => *value = Arc::clone(shared),
            None => {
                self.known.insert(Arc::clone(value));
            }
        }
        self.recent[line] = value.as_ptr() as usize;
    }
}

impl TryFrom<&str> for Label {
    type Error = DomainError;
    fn try_from(value: &str) -> Result<Self> {
        Label::new(value)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Label {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::string(
            "Free text: at most 200 characters, no control characters, no leading or trailing \
             whitespace.",
            1,
            Label::MAX_LEN,
            schema::LABEL_PATTERN,
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Label {}

/// A client-chosen key that makes a write safe to retry: the same key always answers with the
/// first result. 1–128 characters of `[A-Za-z0-9_.:-]`; `#` is reserved for keys the ledger
/// derives itself (refills, expiries, the top-up a consume triggered), so the two never collide.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 128;

    /// A key supplied by a client.
    pub fn new(value: &str) -> Result<Self> {
        let reason = if value.is_empty() {
            Some("it is empty")
        } else if value.len() > Self::MAX_LEN {
            Some("it is longer than 128 characters")
        } else if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        {
            Some("use letters, digits, “_”, “-”, “.” and “:” only")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(DomainError::InvalidId {
                what: "idempotency key",
                value: value.to_string(),
                reason,
            }),
            None => Ok(Self(Arc::from(value))),
        }
    }

    /// The key of an entry the ledger writes on its own: `#refill#credits#2026-11-01`.
    /// System keys start with `#`, which no client key can.
    pub(crate) fn system(parts: &[&str]) -> Self {
        Self(Arc::from(format!("#{}", parts.join("#"))))
    }

    /// The key of an entry written as a consequence of a client's operation: `<key>#top-up`.
    pub(crate) fn derived(&self, suffix: &str) -> Self {
        Self(Arc::from(format!("{}#{suffix}", self.0)))
    }

    /// Keys of entries written as a consequence of an operation start with its key and `#`.
    pub fn is_derived_from(&self, parent: &IdempotencyKey) -> bool {
        self.0.len() > parent.0.len()
            && self.0.starts_with(&*parent.0)
            && self.0.as_bytes()[parent.0.len()] == b'#'
    }

    /// Whether the ledger wrote this entry on its own (a refill, an expiry, …).
    pub fn is_system(&self) -> bool {
        self.0.starts_with('#')
    }

    /// The client operation an entry belongs to: the key up to the first `#`;
    /// `None` for system entries.
    pub fn operation_key(&self) -> Option<&str> {
        if self.is_system() {
            return None;
        }
        Some(self.0.split('#').next().unwrap_or(&self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for IdempotencyKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Accepts client, derived and system keys, so stored ledgers round-trip.
impl<'de> Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let body = s.strip_prefix('#').unwrap_or(&s);
        if s.len() <= 4 * Self::MAX_LEN && body.split('#').all(|part| Self::new(part).is_ok()) {
            Ok(Self(Arc::from(&*s)))
        } else {
            Self::new(&s).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for IdempotencyKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::string(
            "A key that makes a write safe to retry: 1–128 characters of letters, digits, “_”, \
             “-”, “.” and “:”. Keys of entries the ledger wrote itself add `#`-separated parts \
             (`job-1#top-up`, `#refill#credits#2026-11-01`).",
            1,
            4 * IdempotencyKey::MAX_LEN,
            schema::KEY_PATTERN,
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for IdempotencyKey {}

/// The JSON Schemas of the validated strings above. Patterns are ECMA-262, as OpenAPI 3.1
/// asks, and say no more than the validation does.
#[cfg(feature = "openapi")]
mod schema {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    pub(super) const ID_RULE: &str = "1–64 characters of letters, digits, “_”, “-”, “.” and “:”.";
    pub(super) const ID_PATTERN: &str = "^[A-Za-z0-9_.:-]+$";
    /// Client keys, and the derived (`<key>#…`) and system (`#…`) keys the ledger writes.
    pub(super) const KEY_PATTERN: &str = "^#?[A-Za-z0-9_.:-]{1,128}(?:#[A-Za-z0-9_.:-]{1,128})*$";
    /// Trimmed, without control characters (Unicode category Cc).
    pub(super) const LABEL_PATTERN: &str =
        r"^[^\s\x00-\x1F\x7F-\x9F](?:[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F])?$";

    pub(super) fn string(
        description: impl Into<String>,
        min_length: usize,
        max_length: usize,
        pattern: &str,
    ) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .min_length(Some(min_length))
            .max_length(Some(max_length))
            .pattern(Some(pattern))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_host_product_keys_and_refuse_the_rest() {
        for ok in [
            "credits",
            "keyframeGenerate",
            "evt_2026-05.wedding",
            "a:b",
            "4k",
        ] {
            assert!(FeatureId::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "emoji🙂", "slash/", &"x".repeat(65)] {
            let err = FeatureId::new(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_id", "{bad}");
        }
    }

    #[test]
    fn client_keys_cannot_look_like_derived_keys() {
        assert!(IdempotencyKey::new("job-1#top-up").is_err());
        assert!(IdempotencyKey::new("#refill").is_err());
        let parent = IdempotencyKey::new("job-1").unwrap();
        let child = parent.derived("top-up");
        assert!(child.is_derived_from(&parent));
        assert_eq!(child.operation_key(), Some("job-1"));
        assert!(
            !IdempotencyKey::new("job-10")
                .unwrap()
                .is_derived_from(&parent)
        );
        let system = IdempotencyKey::system(&["refill", "credits", "2026-11-01"]);
        assert!(system.is_system() && system.operation_key().is_none());
        for key in [child, system] {
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(serde_json::from_str::<IdempotencyKey>(&json).unwrap(), key);
        }
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(
            Label::new("  Tool: keyframeGenerate ").unwrap().as_str(),
            "Tool: keyframeGenerate"
        );
        assert!(Label::new("   ").is_err());
        assert!(Label::new("a\u{7}b").is_err());
        assert!(Label::new(&"é".repeat(201)).is_err());
    }
}
