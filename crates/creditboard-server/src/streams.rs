//! Answers that stay open: the live streams' bookkeeping (a channel per account, so a write
//! wakes only the dashboards open on that account; how many streams one token and one
//! account may hold open) and how many CSV exports one token may run at once. A stream is a
//! connection and a task for as long as the page is open, an export a walk over the whole
//! listing; without caps one leaked or hostile token could hold every connection the process
//! has, or keep it busy exporting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Streams one token may hold open: a person with a few tabs, not a fleet.
pub const PER_TOKEN: usize = 8;
/// Streams open on one account, across its tokens.
pub const PER_ACCOUNT: usize = 256;
/// CSV exports one token may run at once: a download or two, not a scraper's fan-out.
pub const EXPORTS_PER_TOKEN: usize = 2;
/// Announcements a slow stream may fall behind by before it is told to refetch anyway.
const BACKLOG: usize = 64;

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Token,
    Account,
}

#[derive(Default)]
struct Registry {
    /// Each account with open streams: its channel and how many are open.
    accounts: HashMap<String, (broadcast::Sender<u64>, usize)>,
    /// Open streams per token (by the token's hash).
    tokens: HashMap<String, usize>,
    /// Running exports per token (by the token's hash).
    exports: HashMap<String, usize>,
}

#[derive(Clone, Default)]
pub struct Streams(Arc<Mutex<Registry>>);

/// An open stream: its account's announcements (the newest entry id), and its place under
/// the caps, given back when it is dropped.
pub struct Subscription {
    pub appended: broadcast::Receiver<u64>,
    _slot: Slot,
}

struct Slot {
    streams: Streams,
    account: String,
    token: String,
}

impl Streams {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a stream on `account` for the token hashed `token`, within the caps.
    pub fn open(&self, account: &str, token: &str) -> Result<Subscription, Full> {
        let mut r = self.registry();
        if r.tokens.get(token).copied().unwrap_or(0) >= PER_TOKEN {
            return Err(Full::Token);
        }
        if r.accounts.get(account).map_or(0, |(_, n)| *n) >= PER_ACCOUNT {
            return Err(Full::Account);
        }
        *r.tokens.entry(token.to_string()).or_default() += 1;
        let (sender, open) = r
            .accounts
            .entry(account.to_string())
            .or_insert_with(|| (broadcast::channel(BACKLOG).0, 0));
        *open += 1;
        let appended = sender.subscribe();
        Ok(Subscription {
            appended,
            _slot: Slot {
                streams: self.clone(),
                account: account.to_string(),
                token: token.to_string(),
            },
        })
    }

    /// Tells the streams open on `account` that entries up to `last` were stored; nobody
    /// else is woken.
    pub fn announce(&self, account: &str, last: u64) {
        if let Some((sender, _)) = self.registry().accounts.get(account) {
            let _ = sender.send(last);
        }
    }

    /// Streams open on `account` (for tests and logs).
    pub fn open_on(&self, account: &str) -> usize {
        self.registry().accounts.get(account).map_or(0, |(_, n)| *n)
    }
}

/// A running export's place under [`EXPORTS_PER_TOKEN`], given back when it is dropped
/// (the download finished, or its client went away).
pub struct ExportSlot {
    streams: Streams,
    token: String,
}

impl Streams {
    /// Starts an export for the token hashed `token`, unless it already runs as many as it
    /// may.
    pub fn export(&self, token: &str) -> Option<ExportSlot> {
        let mut r = self.registry();
        let running = r.exports.entry(token.to_string()).or_default();
        if *running >= EXPORTS_PER_TOKEN {
            return None;
        }
        *running += 1;
        Some(ExportSlot {
            streams: self.clone(),
            token: token.to_string(),
        })
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        let mut r = self.streams.registry();
        if let Some(n) = r.exports.get_mut(&self.token) {
            *n -= 1;
            if *n == 0 {
                r.exports.remove(&self.token);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut r = self.streams.registry();
        if let Some(n) = r.tokens.get_mut(&self.token) {
            *n -= 1;
            if *n == 0 {
                r.tokens.remove(&self.token);
            }
        }
        if let Some((_, n)) = r.accounts.get_mut(&self.account) {
            *n -= 1;
            if *n == 0 {
                r.accounts.remove(&self.account);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_come_back_when_streams_close() {
        let streams = Streams::default();
        let held: Vec<_> = (0..PER_TOKEN)
            .map(|_| streams.open("a", "t1").expect("within the cap"))
            .collect();
        assert_eq!(streams.open("a", "t1").err(), Some(Full::Token));
        // Another token on the same account still may.
        let other = streams.open("a", "t2").expect("another token");
        drop(held);
        assert_eq!(streams.open_on("a"), 1);
        drop(other);
        assert_eq!(streams.open_on("a"), 0);
        assert!(streams.open("a", "t1").is_ok());
    }

    #[test]
    fn an_account_cap_counts_every_token() {
        let streams = Streams::default();
        let held: Vec<_> = (0..PER_ACCOUNT)
            .map(|i| streams.open("a", &format!("t{i}")).expect("within the cap"))
            .collect();
        assert_eq!(streams.open("a", "fresh").err(), Some(Full::Account));
        assert!(
            streams.open("b", "fresh").is_ok(),
            "other accounts are not affected"
        );
        drop(held);
    }

    #[test]
    fn exports_per_token_are_capped_until_one_ends() {
        let streams = Streams::default();
        let running: Vec<_> = (0..EXPORTS_PER_TOKEN)
            .map(|_| streams.export("t").expect("within the cap"))
            .collect();
        assert!(streams.export("t").is_none());
        assert!(streams.export("u").is_some(), "another token may");
        drop(running);
        assert!(streams.export("t").is_some());
    }

    #[test]
    fn an_announcement_wakes_only_its_account() {
        let streams = Streams::default();
        let mut a = streams.open("a", "t").expect("open");
        let mut b = streams.open("b", "t").expect("open");
        streams.announce("a", 7);
        assert_eq!(a.appended.try_recv().ok(), Some(7));
        assert!(b.appended.try_recv().is_err(), "b was not written to");
    }
}
