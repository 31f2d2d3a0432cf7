//! Demo mode (`--demo`): one account per product preset, seeded with its generated history,
//! and a member token for every team member, handed to the page so the app served here talks
//! to this server. Never for production: anyone who can load the page acts as a member.

use crate::auth::{self, TokenKind};
use crate::db::Db;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use creditboard_domain::demo::{DemoOptions, generate};
use creditboard_domain::ids::MemberId;
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

#[derive(Debug, Clone, Default)]
pub struct DemoSessions {
    pub accounts: HashMap<String, DemoAccount>,
}

impl DemoSessions {
    /// What the page tells the app for `query`: `preset` picks the account (default lucas),
    /// `as` the member (default the first); `store=demo` keeps the in-browser demo store.
    pub fn page_config(&self, query: &str) -> Option<String> {
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        };
        if param("store") == Some("demo") {
            return None;
        }
        let preset = param("preset").unwrap_or(PresetId::Lucas.slug());
        let account = self.accounts.get(preset)?;
        let (member, token) = param("as")
            .and_then(|m| account.members.iter().find(|(id, _)| id.as_str() == m))
            .or(account.members.first())?;
        let config = serde_json::json!({
            "api": format!("/api/v1/accounts/{}", account.id),
            "token": token,
            "member": member.as_str(),
            "members": account.members.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
        });
        // Inside a <script>: "</" would end it.
        Some(config.to_string().replace("</", "<\\/"))
    }
}

/// Creates the presets' accounts that do not exist yet (histories ending `now`) and issues
/// fresh tokens for all of them.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> ApiResult<DemoSessions> {
    let mut sessions = DemoSessions::default();
    for preset in PresetId::ALL {
        let preset_config = Preset::get(preset)?.config;
        let id = preset_config.id.as_str();
        let row = db.account(id).await?;
        let config = match row {
            Some(row) => row.config,
            None => {
                let demo = generate(&DemoOptions::new(preset, now))?;
                let config = demo.ledger.config().clone();
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
        let mut account = DemoAccount::default();
        for m in &config.members {
            let kind = TokenKind::Member(m.id.clone());
            account
                .members
                .push((m.id.clone(), auth::issue(db, id, &kind, None).await?));
        }
        account.service = auth::issue(db, id, &TokenKind::Service, None).await?;
        account.id = id.to_string();
        sessions.accounts.insert(preset.slug().to_string(), account);
    }
    Ok(sessions)
}
