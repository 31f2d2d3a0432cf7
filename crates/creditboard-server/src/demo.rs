//! Demo mode (`--demo`): one account per product preset, seeded with its generated history,
//! and a member token for every team member, handed to the page so the app served here talks
//! to this server. Never for production: anyone who can load the page acts as a member.

use crate::accounts::Accounts;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::tokens::{self, TokenKind};
use chrono::{DateTime, Utc};
use creditboard_domain::config::AccountConfig;
use creditboard_domain::history::{History, HistoryOptions, generate};
use creditboard_domain::ids::{AccountId, MemberId};
use creditboard_domain::preset::{Preset, PresetId};
use std::collections::HashMap;

/// The tokens of one demo account.
#[derive(Debug, Clone, Default)]
pub struct DemoAccount {
    pub id: String,
    /// Team members in the account's order, with a token each.
    pub members: Vec<(MemberId, String)>,
    pub service: String,
}

/// The most session copies that may exist at once, counted in the database (so across
/// restarts and processes): each is a whole account.
pub const MAX_SESSIONS: u64 = 1000;

/// How long a session copy lives from when it was made; then it is deleted with everything
/// it holds, and the link makes a fresh copy.
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// `--demo` hands every visitor a member token: it listens beyond this machine only when
/// asked to with `public` (`--public`).
pub fn check_address(addr: &std::net::SocketAddr, public: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || public {
        return Ok(());
    }
    Err(format!(
        "--demo gives every visitor a member token and lets anyone make session copies, so it \
         listens on a loopback address (127.0.0.1, ::1), not on {addr}; add --public if this \
         demo is meant to be reachable from other machines"
    ))
}

/// The demo's accounts: one shared per preset, and private copies made on demand.
#[derive(Debug, Default)]
pub struct DemoSessions {
    pub accounts: HashMap<String, DemoAccount>,
    /// Where the seeded histories end: a session's copy ends there too, so it holds exactly
    /// what a fresh demo does.
    pub seeded_at: DateTime<Utc>,
    /// By (preset, session).
    sessions: tokio::sync::Mutex<HashMap<(PresetId, String), DemoAccount>>,
    /// How many session copies may exist at once ([`MAX_SESSIONS`]).
    pub cap: u64,
}

/// Why the demo page could not be made.
#[derive(Debug)]
pub enum DemoPageError {
    /// The URL asks for something the demo cannot serve: said on the page, nothing created.
    BadUrl(String),
    /// The server failed (its database, say): an internal error.
    Failed(ApiError),
}

impl From<ApiError> for DemoPageError {
    fn from(e: ApiError) -> Self {
        DemoPageError::Failed(e)
    }
}

impl DemoSessions {
    /// What the page tells the app for `query`: `preset` picks the account (the default
    /// preset's when it names none or an unknown one, said in `notices`), `as` the member
    /// (default the first), `session` a private copy of the preset's account that nobody
    /// else's clicks change (made on first use, for tests and shared demos); `store=demo`
    /// keeps the in-browser demo store (`None`).
    pub async fn page_config(&self, db: &Db, query: &str) -> Result<Option<String>, DemoPageError> {
        let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let param = |name: &str| params.get(name).map(String::as_str);
        if param("store") == Some("demo") {
            return Ok(None);
        }
        let (preset, notice) = PresetId::from_url(param("preset"));
        let account = match param("session") {
            None => match self.accounts.get(preset.slug()) {
                Some(account) => account.clone(),
                None => return Ok(None),
            },
            Some(session) => self.session(db, preset, session).await?,
        };
        let (member, token) = param("as")
            .and_then(|m| account.members.iter().find(|(id, _)| id.as_str() == m))
            .or(account.members.first())
            .ok_or_else(|| {
                ApiError::internal(format!("demo account {} has no members", account.id))
            })?;
        let config = serde_json::json!({
            "api": format!("/api/v1/accounts/{}", account.id),
            "token": token,
            "member": member.as_str(),
            "members": account.members.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
            "notices": notice.into_iter().collect::<Vec<_>>(),
        });
        // Inside a <script>: "</" would end it.
        Ok(Some(config.to_string().replace("</", "<\\/")))
    }

    /// The session's copy of `preset`'s account, made (or, after a restart, found in the
    /// database) on first use.
    async fn session(
        &self,
        db: &Db,
        preset: PresetId,
        session: &str,
    ) -> Result<DemoAccount, DemoPageError> {
        if session.is_empty()
            || session.len() > 40
            || !session
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(DemoPageError::BadUrl(format!(
                "the session “{session}” is not valid: use 1 to 40 letters, digits, “-” and “_”"
            )));
        }
        // Held while a copy is made: two first requests of one session make one copy.
        let mut sessions = self.sessions.lock().await;
        let key = (preset, session.to_string());
        if let Some(account) = sessions.get(&key) {
            return Ok(account.clone());
        }
        let id = format!("{}.session.{session}", preset.slug());
        if db.account(&id).await?.is_none()
            && !make_copy(db, preset, &id, self.seeded_at, self.cap).await?
        {
            return Err(DemoPageError::BadUrl(format!(
                "this demo already has {} sessions; each lasts a day, so try again later or \
                 use one without “session”",
                self.cap
            )));
        }
        let account = open_account(db, preset, &id, self.seeded_at).await?;
        // A copy made before copies were counted as they were made is counted now.
        db.record_demo_session(&id, Utc::now()).await?;
        sessions.insert(key, account.clone());
        Ok(account)
    }

    /// Deletes the session copies made more than [`SESSION_LIFETIME`] before `now` (the real
    /// clock), and forgets their tokens here. Returns their ids.
    pub async fn expire(&self, accounts: &Accounts, now: DateTime<Utc>) -> ApiResult<Vec<String>> {
        let expired = accounts
            .db()
            .demo_sessions_made_before(now - SESSION_LIFETIME)
            .await?;
        let mut deleted = Vec::new();
        for id in expired {
            let mut sessions = self.sessions.lock().await;
            // One that cannot be deleted now is logged and tried again on the next pass.
            if let Err(e) = accounts.db().delete_demo_session(&id).await {
                tracing::warn!(
                    "the demo session copy {id} could not be deleted: {}",
                    e.message
                );
                continue;
            }
            sessions.retain(|_, a| a.id != id);
            drop(sessions);
            accounts.evict(&id).await;
            tracing::info!("deleted the demo session copy {id}: it expired");
            deleted.push(id);
        }
        Ok(deleted)
    }
}

/// Creates the presets' accounts that do not exist yet (histories ending `now`) and issues
/// fresh tokens for all of them.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> ApiResult<DemoSessions> {
    let mut sessions = DemoSessions {
        seeded_at: now,
        cap: MAX_SESSIONS,
        ..DemoSessions::default()
    };
    for preset in PresetId::ALL {
        let id = Preset::get(preset)?.config.id;
        let account = open_account(db, preset, id.as_str(), now).await?;
        sessions.accounts.insert(preset.slug().to_string(), account);
    }
    Ok(sessions)
}

/// `preset`'s demo history ending `now`, and its configuration under the id `id`.
fn history_as(
    preset: PresetId,
    id: &str,
    now: DateTime<Utc>,
) -> ApiResult<(History, AccountConfig)> {
    let demo = generate(&HistoryOptions::new(preset, now))?;
    let mut config = demo.ledger.config().clone();
    config.id = AccountId::new(id)?;
    Ok((demo, config))
}

/// Stores the session copy `id` of `preset` with a history ending `now`, counted against
/// `cap`; false when the cap is reached. Another process making the same copy at the same
/// moment makes it for both.
async fn make_copy(
    db: &Db,
    preset: PresetId,
    id: &str,
    now: DateTime<Utc>,
    cap: u64,
) -> ApiResult<bool> {
    let (demo, config) = history_as(preset, id, now)?;
    let made = db
        .create_demo_session(
            &config,
            &demo.rate_card,
            demo.ledger.opened_at(),
            demo.ledger.entries(),
            Utc::now(),
            cap,
        )
        .await;
    match made {
        Err(_) if db.account(id).await?.is_some() => Ok(true),
        made => made,
    }
}

/// The demo account `id` of `preset`, stored with a history ending `now` unless it exists,
/// with fresh tokens for its members and the host's service.
async fn open_account(
    db: &Db,
    preset: PresetId,
    id: &str,
    now: DateTime<Utc>,
) -> ApiResult<DemoAccount> {
    let config = match db.account(id).await? {
        Some(row) => row.config,
        None => {
            let (demo, config) = history_as(preset, id, now)?;
            db.create_account(
                &config,
                &demo.rate_card,
                demo.ledger.opened_at(),
                demo.ledger.entries(),
            )
            .await?;
            tracing::info!(
                "seeded demo account {id}: {} entries",
                demo.ledger.entries().len()
            );
            config
        }
    };
    let mut account = DemoAccount {
        id: id.to_string(),
        ..DemoAccount::default()
    };
    // A demo's tokens live as long as a member's, from when the demo started.
    let expires_at = chrono::Utc::now() + tokens::DEFAULT_MEMBER_TTL;
    for m in &config.members {
        let kind = TokenKind::Member(m.id.clone());
        account.members.push((
            m.id.clone(),
            tokens::issue(db, id, &kind, expires_at).await?,
        ));
    }
    account.service = tokens::issue(db, id, &TokenKind::Service, expires_at).await?;
    Ok(account)
}
