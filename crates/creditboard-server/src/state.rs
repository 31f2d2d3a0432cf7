//! What every handler shares.

use crate::accounts::Accounts;
use crate::db::Db;
use crate::payments::Provider;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub accounts: Accounts,
    /// The built app, served with an SPA fallback (`None`: the API alone).
    pub app_dir: Option<PathBuf>,
    /// Demo mode: the page the app is served in names an account and a member token.
    pub demo: Option<crate::demo::DemoSessions>,
    /// What purchases and top-ups are charged through.
    pub payments: Provider,
}

impl AppState {
    pub fn new(db: Db, app_dir: Option<PathBuf>, demo: Option<crate::demo::DemoSessions>) -> Self {
        AppState::with_accounts(Accounts::new(db), app_dir, demo)
    }

    /// A state with no payment provider (the demo's when `demo` is set).
    pub fn with_accounts(
        accounts: Accounts,
        app_dir: Option<PathBuf>,
        demo: Option<crate::demo::DemoSessions>,
    ) -> Self {
        let payments = if demo.is_some() {
            Provider::demo()
        } else {
            Provider::Unset
        };
        AppState::with_payments(accounts, app_dir, demo, payments)
    }

    pub fn with_payments(
        accounts: Accounts,
        app_dir: Option<PathBuf>,
        demo: Option<crate::demo::DemoSessions>,
        payments: Provider,
    ) -> Self {
        AppState(Arc::new(Inner {
            accounts,
            app_dir,
            demo,
            payments,
        }))
    }

    pub fn payments(&self) -> &Provider {
        &self.0.payments
    }

    pub fn accounts(&self) -> &Accounts {
        &self.0.accounts
    }

    pub fn db(&self) -> &Db {
        self.0.accounts.db()
    }

    pub fn app_dir(&self) -> Option<&PathBuf> {
        self.0.app_dir.as_ref()
    }

    pub fn demo(&self) -> Option<&crate::demo::DemoSessions> {
        self.0.demo.as_ref()
    }
}
