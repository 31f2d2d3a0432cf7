//! A deterministic simulation of the money rules, in the spirit of TigerBeetle's VOPR: seeded
//! random sequences of requests from the host's service, an admin and a member, sent to two
//! server processes over one database (SQLite, and PostgreSQL), with a real HTTP payment
//! endpoint that approves, declines or is down; retries with the same and with altered keys;
//! clock jumps across refills, hold expiries and month ends; processes killed between any
//! two steps (also between a purchase's pending write and its charge, and between the
//! charge and its answer's write). After every step an independent model, kept here from
//! what the database stores and what the endpoint charged, checks:
//!
//! - the balance the API reports is the sum of the stored entries;
//! - no credit without a posted payment or a grant: every purchase or top-up that adds
//!   credits settles a pending one whose key the endpoint charged;
//! - every acknowledged operation is stored exactly once, and a retry answers as the first;
//! - no hold is pending past its expiry;
//! - no member cap is exceeded in any month;
//! - after recovery, every charge the endpoint took has its credits, once.
//!
//! A failing seed prints the shortest sequence of steps that still fails.
//! `CB_SIM_OPS` (operations per seed) and `CB_SIM_SEEDS` scale it: CI runs 5 × 1,000 on each
//! backend; `cargo xtask soak` runs a million.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Datelike, Duration, Utc};
use common::host::{self, Host};
use common::*;
use creditboard_domain::LedgerEntry;
use creditboard_domain::entry::{EntryKind, EntryStatus};
use creditboard_domain::history::Rng;
use creditboard_server::state::AppState;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

/// One step of a sequence. Picks (`u64`) choose among what earlier steps made.
#[derive(Debug, Clone)]
enum Op {
    Consume {
        member: bool,
        amount: i64,
    },
    Hold {
        member: bool,
        amount: i64,
        expires_in: Option<u32>,
    },
    Capture {
        pick: u64,
        per_mille: i64,
    },
    Release {
        pick: u64,
    },
    Refund {
        pick: u64,
        part: bool,
    },
    Batch {
        lines: u64,
        seconds: u64,
    },
    Settle {
        pick: u64,
        completed: bool,
        as_admin: bool,
    },
    Buy {
        pack: u64,
    },
    /// A purchase whose process dies after writing it pending (`charged`: after the
    /// endpoint took the money too, before its answer was written).
    BuyThenCrash {
        pack: u64,
        charged: bool,
    },
    TopUp {
        threshold: i64,
        amount: i64,
    },
    Cap {
        monthly: Option<i64>,
    },
    Host {
        mode: u64,
    },
    Retry {
        pick: u64,
        altered: bool,
    },
    Crash {
        process: usize,
    },
    /// The background pass on a process: queued top-ups charged, stale payments resolved.
    Background {
        process: usize,
    },
    Advance {
        minutes: i64,
    },
}

fn generate(seed: u64, n: usize) -> Vec<Op> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| match r.below(100) {
            0..=21 => Op::Consume {
                member: r.chance(500),
                amount: r.range(1, 900) as i64,
            },
            22..=31 => Op::Hold {
                member: r.chance(500),
                amount: r.range(1, 700) as i64,
                expires_in: r.chance(300).then(|| r.range(60, 3 * 86_400) as u32),
            },
            32..=37 => Op::Capture {
                pick: r.next_u64(),
                per_mille: r.range(1, 1000) as i64,
            },
            38..=41 => Op::Release { pick: r.next_u64() },
            42..=46 => Op::Refund {
                pick: r.next_u64(),
                part: r.chance(500),
            },
            47..=51 => Op::Batch {
                lines: r.range(1, 3),
                seconds: r.range(1, 40),
            },
            52..=56 => Op::Settle {
                pick: r.next_u64(),
                completed: r.chance(600),
                as_admin: r.chance(300),
            },
            57..=60 => Op::Buy { pack: r.below(4) },
            61..=62 => Op::BuyThenCrash {
                pack: r.below(4),
                charged: r.chance(500),
            },
            63..=64 => Op::TopUp {
                threshold: r.range(1_000, 20_000) as i64,
                amount: [402, 2_000, 5_000][r.below(3) as usize],
            },
            65..=66 => Op::Cap {
                monthly: r.chance(800).then(|| r.range(0, 20_000) as i64),
            },
            67..=69 => Op::Host { mode: r.below(10) },
            70..=81 => Op::Retry {
                pick: r.next_u64(),
                altered: r.chance(400),
            },
            82..=85 => Op::Crash {
                process: r.below(2) as usize,
            },
            86..=90 => Op::Background {
                process: r.below(2) as usize,
            },
            _ => Op::Advance {
                minutes: [1, 30, 6 * 60, 26 * 60, 9 * 24 * 60, 40 * 24 * 60][r.below(6) as usize],
            },
        })
        .collect()
}

/// A request sent, kept for retries.
#[derive(Debug, Clone)]
struct Sent {
    method: Method,
    uri: String,
    token: String,
    body: Value,
    status: StatusCode,
    answer: Value,
}

/// What the model knows from the store and from the endpoint, checked after every step.
#[derive(Default)]
struct Model {
    /// Stored entries by id (the model reads what is stored, never the ledger's state).
    entries: BTreeMap<u64, LedgerEntry>,
    sum: i64,
    keys: HashSet<String>,
    pending_holds: BTreeMap<u64, DateTime<Utc>>,
    cap: Option<i64>,
    holds: Vec<u64>,
    charges: Vec<u64>,
    shots: Vec<u64>,
    sent: Vec<Sent>,
}

struct World {
    db: TestDb,
    store: creditboard_server::db::Db,
    t: Tokens,
    url: String,
    host: Arc<Host>,
    procs: [Option<(AppState, Router)>; 2],
    now: DateTime<Utc>,
    model: Model,
    step: usize,
}

type Failure = String;

impl World {
    async fn process(&mut self, i: usize) -> (AppState, Router) {
        if self.procs[i].is_none() {
            let state = state_at(&self.db, self.now, Some(&self.url)).await;
            let router = creditboard_server::router(state.clone());
            self.procs[i] = Some((state, router));
        }
        self.procs[i].clone().unwrap()
    }

    /// Sends a request to process `i`; a 5xx is a failure. Kept for retries when it has a
    /// key.
    async fn send(
        &mut self,
        i: usize,
        method: Method,
        rest: &str,
        token: String,
        body: Value,
    ) -> Result<(StatusCode, Value), Failure> {
        let (_, router) = self.process(i).await;
        let uri = path(rest);
        let text = body.to_string();
        let (status, answer) = call(&router, method.clone(), &uri, Some(&token), Some(&text)).await;
        if status.is_server_error() {
            return Err(format!("{method} {uri} {text}: {status} {answer}"));
        }
        self.model.sent.push(Sent {
            method,
            uri,
            token,
            body,
            status,
            answer: answer.clone(),
        });
        Ok((status, answer))
    }

    fn key(&self, what: &str) -> String {
        format!("{what}-{}", self.step)
    }

    fn who(&self, member: bool) -> Value {
        if member {
            json!({"member": "m_jonas"})
        } else {
            json!({})
        }
    }

    async fn apply(&mut self, op: &Op) -> Result<(), Failure> {
        let p = self.step % 2;
        let service = self.t.service.clone();
        let admin = self.t.admin.clone();
        let member = self.t.member.clone();
        match op.clone() {
            Op::Consume { member: m, amount } => {
                let body = json!({"events": [{"key": self.key("use"), "meter": "credits", "amount": amount, "usage": self.who(m)}]});
                let (_, answer) = self.send(p, Method::POST, "/usage", service, body).await?;
                if let Some(id) = answer["results"][0]["entry"].as_u64() {
                    self.model.charges.push(id);
                }
            }
            Op::Hold {
                member: m,
                amount,
                expires_in,
            } => {
                let mut body = json!({"key": self.key("hold"), "meter": "credits", "amount": amount, "usage": self.who(m)});
                if let Some(s) = expires_in {
                    body["expires_in"] = json!(s);
                }
                let (status, answer) = self.send(p, Method::POST, "/holds", service, body).await?;
                if status.is_success() {
                    self.model
                        .holds
                        .push(answer["entries"][0]["id"].as_u64().unwrap());
                }
            }
            Op::Capture { pick, per_mille } => {
                let Some(&hold) = pick_of(&self.model.holds, pick) else {
                    return Ok(());
                };
                let held = self.model.entries.get(&hold).map_or(1, |e| -e.amount.get());
                let amount = (held * per_mille / 1000).max(1);
                let body = json!({"key": self.key("capture"), "amount": amount});
                let rest = format!("/holds/{hold}/capture");
                let (status, answer) = self.send(p, Method::POST, &rest, service, body).await?;
                if status.is_success()
                    && let Some(id) = answer["entries"][1]["id"].as_u64()
                {
                    self.model.charges.push(id);
                }
            }
            Op::Release { pick } => {
                let Some(&hold) = pick_of(&self.model.holds, pick) else {
                    return Ok(());
                };
                let body = json!({"key": self.key("release")});
                self.send(
                    p,
                    Method::POST,
                    &format!("/holds/{hold}/release"),
                    service,
                    body,
                )
                .await?;
            }
            Op::Refund { pick, part } => {
                let Some(&of) = pick_of(&self.model.charges, pick) else {
                    return Ok(());
                };
                let mut body = json!({"key": self.key("refund"), "of": of});
                if part {
                    body["amount"] = json!(1);
                }
                self.send(p, Method::POST, "/refunds", service, body)
                    .await?;
            }
            Op::Batch { lines, seconds } => {
                let lines: Vec<Value> = (0..lines)
                    .map(|i| json!({"feature": "voiceover", "quantity": seconds + i}))
                    .collect();
                let body = json!({"key": self.key("batch"), "lines": lines});
                let (status, answer) = self.send(p, Method::POST, "/batches", member, body).await?;
                if status.is_success() {
                    for shot in answer.as_array().unwrap() {
                        self.model.shots.push(shot["hold"].as_u64().unwrap());
                    }
                }
            }
            Op::Settle {
                pick,
                completed,
                as_admin,
            } => {
                let Some(&hold) = pick_of(&self.model.shots, pick) else {
                    return Ok(());
                };
                let outcome = if completed {
                    json!({"completed": {"amount": 1}})
                } else {
                    json!("failed")
                };
                let body = json!({"key": self.key("settle"), "hold": hold, "outcome": outcome});
                let token = if as_admin { admin } else { member };
                let (status, _) = self
                    .send(
                        p,
                        Method::POST,
                        &format!("/holds/{hold}/settle"),
                        token,
                        body,
                    )
                    .await?;
                if as_admin && completed && status.is_success() {
                    return Err(format!("an admin completed member's shot #{hold}"));
                }
            }
            Op::Buy { pack } => {
                let body = json!({"meter": "credits", "choice": {"pack": PACKS[pack as usize]}, "key": self.key("buy")});
                self.send(p, Method::POST, "/purchases", admin, body)
                    .await?;
            }
            Op::BuyThenCrash { pack, charged } => {
                let key = self.key("buy");
                let (state, _) = self.process(p).await;
                let request: creditboard_domain::api::BuyRequest = serde_json::from_value(
                    json!({"meter": "credits", "choice": {"pack": PACKS[pack as usize]}, "key": key}),
                )
                .unwrap();
                let who = creditboard_domain::access::Caller::Member(
                    creditboard_domain::ids::MemberId::new("m_anton").unwrap(),
                );
                let written = state
                    .accounts()
                    .write_as(
                        ACCOUNT,
                        &who,
                        &creditboard_server::audit::Actor::Server,
                        |a, now| Ok(a.request_purchase(&who, &request, now)?),
                    )
                    .await;
                if let (Ok(bought), true) = (written, charged) {
                    let payment = state
                        .accounts()
                        .read(ACCOUNT, |a, _| {
                            Ok(a.ledger()
                                .entry(bought.entry)
                                .and_then(creditboard_domain::billing::payment_for))
                        })
                        .await
                        .unwrap();
                    if let Some(payment) = payment {
                        state.payments().charge(ACCOUNT, &payment).await;
                    }
                }
                self.procs[p] = None;
            }
            Op::TopUp { threshold, amount } => {
                let body = json!({"auto_top_up": {"meter": "credits", "settings": {"enabled": true, "threshold": threshold, "amount": {"fixed": amount}, "monthly_cap": 30_000}}});
                self.send(p, Method::PUT, "/settings", admin, body).await?;
                // Settings are set, not added: a PUT sent again sets the same.
                self.model.sent.pop();
            }
            Op::Cap { monthly } => {
                let body = json!({"member_cap": {"member": "m_jonas", "meter": "credits", "monthly": monthly}});
                let (status, _) = self.send(p, Method::PUT, "/settings", admin, body).await?;
                self.model.sent.pop();
                if status.is_success() {
                    self.model.cap = monthly;
                }
            }
            Op::Host { mode } => {
                // Mostly up and approving; now and then down, or declining, for a while.
                self.host.failing.store(mode == 0, SeqCst);
                self.host.declining.store(mode == 1, SeqCst);
            }
            Op::Retry { pick, altered } => {
                let Some(first) = pick_of(&self.model.sent, pick).cloned() else {
                    return Ok(());
                };
                let mut body = first.body.clone();
                if altered {
                    alter(&first.uri, &mut body);
                }
                let rest = first.uri.trim_start_matches(&path(""));
                let (status, answer) = self
                    .send(p, first.method.clone(), rest, first.token.clone(), body)
                    .await?;
                self.model.sent.pop();
                check_retry(&first, altered, status, &answer)?;
            }
            Op::Crash { process } => self.procs[process] = None,
            Op::Background { process } => {
                let (state, _) = self.process(process).await;
                creditboard_server::paying::settle_queued(&state)
                    .await
                    .map_err(|e| e.message)?;
                creditboard_server::paying::resolve_stale(&state, ACCOUNT, state.accounts().now())
                    .await
                    .map_err(|e| e.message)?;
            }
            Op::Advance { minutes } => {
                // Both processes restart with their clocks moved on.
                self.now += Duration::minutes(minutes);
                self.procs = [None, None];
            }
        }
        Ok(())
    }

    /// Reads what was stored since the last check and holds every invariant.
    async fn check(&mut self) -> Result<(), Failure> {
        let (_, router) = self.process(self.step % 2).await;
        // A read writes what fell due first (refills, expiries, expired holds).
        let available = {
            let (status, body) = call(
                &router,
                Method::GET,
                &path("/balance"),
                Some(&self.t.admin),
                None,
            )
            .await;
            if status != StatusCode::OK {
                return Err(format!("balance: {status} {body}"));
            }
            body["meters"][0]["balance"]["available"].as_i64().unwrap()
        };
        let last = self.model.entries.keys().next_back().copied().unwrap_or(0);
        let new = self
            .store
            .entries_after(ACCOUNT, last)
            .await
            .map_err(|e| e.message)?;
        for e in new {
            let id = e.id.0;
            if id != self.model.entries.len() as u64 + 1 {
                return Err(format!("entry ids are not contiguous at {id}"));
            }
            self.model.sum += e.amount.get();
            if !self.model.keys.insert(e.key.to_string()) {
                return Err(format!("key {} stored twice (entry {id})", e.key));
            }
            match e.kind {
                EntryKind::Hold => {
                    self.model.pending_holds.insert(id, e.expires_at.unwrap());
                }
                EntryKind::HoldRelease => {
                    if let Some(h) = e.reverses {
                        self.model.pending_holds.remove(&h.0);
                    }
                }
                EntryKind::Purchase | EntryKind::AutoTopUp if e.amount.is_positive() => {
                    // Credits only from a pending one the endpoint charged.
                    let pending = e.reverses.and_then(|r| self.model.entries.get(&r.0));
                    let paid = pending.is_some_and(|p| {
                        self.host.charged(p.key.as_str())
                            && p.requested.as_ref().is_some_and(|r| r.credits == e.amount)
                    });
                    if !paid {
                        return Err(format!(
                            "entry {id} adds {} with no payment taken",
                            e.amount
                        ));
                    }
                }
                _ => {}
            }
            self.model.entries.insert(id, e);
        }
        if available != self.model.sum {
            return Err(format!(
                "balance {available}, but the entries add up to {}",
                self.model.sum
            ));
        }
        if let Some((id, at)) = self
            .model
            .pending_holds
            .iter()
            .find(|(_, at)| **at < self.now)
        {
            return Err(format!("hold {id} still pending after its expiry {at}"));
        }
        // Every acknowledged request is stored once (a retry changes nothing).
        for s in self.model.sent.iter().rev().take(1) {
            if s.status.is_success() && s.method != Method::PUT {
                let key = s.body["key"]
                    .as_str()
                    .or(s.body["events"][0]["key"].as_str());
                let accepted = s.answer["results"][0]["error"].is_null();
                if let Some(key) = key.filter(|_| accepted)
                    && !s.uri.ends_with("/batches")
                    && !self.model.keys.contains(key)
                {
                    return Err(format!("acknowledged {key} is not stored"));
                }
            }
        }
        self.check_cap()
    }

    /// Jonas's spend per local month (his consumes, holds and captures, less releases and
    /// refunds, each in the month of what it undoes) never passes a positive cap.
    fn check_cap(&self) -> Result<(), Failure> {
        let Some(cap) = self.model.cap.filter(|c| *c > 0) else {
            return Ok(());
        };
        let tz = account(ACCOUNT).0.timezone;
        let month = |at: DateTime<Utc>| {
            let local = tz.date_of(at);
            (local.year(), local.month())
        };
        let mut spend: HashMap<(i32, u32), i64> = HashMap::new();
        for e in self.model.entries.values() {
            let jonas = e
                .usage
                .member
                .as_ref()
                .is_some_and(|m| m.as_str() == "m_jonas");
            let counts = matches!(
                e.kind,
                EntryKind::Consume
                    | EntryKind::Hold
                    | EntryKind::HoldCapture
                    | EntryKind::HoldRelease
                    | EntryKind::Refund
            );
            if !jonas || !counts {
                continue;
            }
            let when = e
                .reverses
                .and_then(|r| self.model.entries.get(&r.0))
                .map_or(e.at, |r| r.at);
            *spend.entry(month(when)).or_default() -= e.amount.get();
        }
        let now = month(self.now);
        match spend.get(&now) {
            Some(s) if *s > cap => Err(format!("Jonas spent {s} this month over his cap of {cap}")),
            _ => Ok(()),
        }
    }

    /// Recovery: the endpoint up, every pending payment resolved; every charge it took has
    /// its credits, once.
    async fn recover(&mut self) -> Result<(), Failure> {
        self.host.failing.store(false, SeqCst);
        self.host.declining.store(false, SeqCst);
        self.now += Duration::minutes(2);
        self.procs = [None, None];
        let (state, _) = self.process(0).await;
        creditboard_server::paying::resolve_stale(&state, ACCOUNT, state.accounts().now())
            .await
            .map_err(|e| e.message)?;
        self.check().await?;
        let paid: Vec<&str> = self
            .model
            .entries
            .values()
            .filter(|e| e.settles_payment() && e.status == EntryStatus::Success)
            .filter_map(|e| e.reverses.and_then(|r| self.model.entries.get(&r.0)))
            .map(|p| p.key.as_str())
            .collect();
        let charged = self.host.charges.load(SeqCst) as usize;
        if paid.len() != charged || paid.iter().any(|k| !self.host.charged(k)) {
            return Err(format!(
                "the endpoint took {charged} payments; {} were credited",
                paid.len()
            ));
        }
        Ok(())
    }
}

const PACKS: [&str; 4] = ["mini", "standard", "large", "bulk"];

fn pick_of<T>(list: &[T], pick: u64) -> Option<&T> {
    (!list.is_empty()).then(|| &list[(pick % list.len() as u64) as usize])
}

/// Changes one field a request carried.
fn alter(uri: &str, body: &mut Value) {
    if uri.ends_with("/usage") {
        body["events"][0]["amount"] = json!(body["events"][0]["amount"].as_i64().unwrap() + 1);
    } else if uri.ends_with("/batches") {
        let lines = body["lines"].as_array_mut().unwrap();
        lines.push(json!({"feature": "voiceover", "quantity": 1}));
    } else if uri.ends_with("/purchases") {
        let other = if body["choice"]["pack"] == "mini" {
            "bulk"
        } else {
            "mini"
        };
        body["choice"] = json!({"pack": other});
    } else if uri.ends_with("/settle") {
        body["outcome"] = if body["outcome"] == "failed" {
            json!({"completed": {"amount": 2}})
        } else {
            json!("failed")
        };
    } else if uri.ends_with("/release") {
        body["status"] = json!("failed");
    } else if uri.ends_with("/refunds") {
        body["description"] = json!("altered");
    } else {
        // Holds and captures.
        body["amount"] = json!(body["amount"].as_i64().unwrap() + 1);
    }
}

/// A retry answers as the first request did; an altered one is refused as a conflict.
fn check_retry(
    first: &Sent,
    altered: bool,
    status: StatusCode,
    answer: &Value,
) -> Result<(), Failure> {
    let was_usage = first.uri.ends_with("/usage");
    let first_ok = if was_usage {
        first.answer["results"][0]["error"].is_null()
    } else {
        first.status.is_success()
    };
    if !first_ok {
        return Ok(());
    }
    let code = if was_usage {
        answer["results"][0]["error"]["code"].as_str()
    } else {
        answer["error"]["code"].as_str()
    };
    if altered {
        // Refused as a conflict, or before that by a rule the altered request breaks (an
        // admin may release a member's shot but not complete it): never done.
        let refused_first = !was_usage && status.is_client_error();
        return match code {
            Some("idempotency_conflict") => Ok(()),
            Some(_) if refused_first => Ok(()),
            _ => Err(format!(
                "{} altered and resent: {status} {answer}",
                first.uri
            )),
        };
    }
    let same = if was_usage {
        answer["results"][0]["entry"] == first.answer["results"][0]["entry"]
            && answer["results"][0]["replayed"] == true
    } else if first.uri.ends_with("/purchases") {
        // A purchase pending then may be settled now: the same entry, replayed.
        (status == StatusCode::OK && answer["entry"] == first.answer["entry"])
            || code == Some("payment_declined")
    } else if first.uri.ends_with("/batches") {
        answer == &first.answer
    } else if first.status == StatusCode::NO_CONTENT {
        status == StatusCode::NO_CONTENT
    } else {
        let ids = |a: &Value| {
            a["entries"]
                .as_array()
                .map(|e| e.iter().map(|x| x["id"].clone()).collect::<Vec<_>>())
        };
        ids(answer) == ids(&first.answer) && answer["replayed"] == true
    };
    if same {
        Ok(())
    } else {
        Err(format!(
            "{} resent: first {} {}, now {status} {answer}",
            first.uri, first.status, first.answer
        ))
    }
}

/// Runs `ops` on `db` from a fresh account; the step that failed and why.
async fn run(db: TestDb, ops: &[Op]) -> Result<(), (usize, String)> {
    let (_, t) = server(&db, 0).await;
    let (url, host) = host::start().await;
    let store = creditboard_server::db::Db::connect(&db.url).await.unwrap();
    let mut world = World {
        store,
        db,
        t,
        url,
        host,
        procs: [None, None],
        now: Utc::now() + Duration::seconds(1),
        model: Model::default(),
        step: 0,
    };
    for (i, op) in ops.iter().enumerate() {
        world.step = i;
        world.apply(op).await.map_err(|e| (i, e))?;
        world.check().await.map_err(|e| (i, e))?;
    }
    world.step = ops.len();
    world.recover().await.map_err(|e| (ops.len(), e))?;
    if std::env::var("CB_SIM_VERBOSE").is_ok() {
        let m = &world.model;
        let count = |f: &dyn Fn(&LedgerEntry) -> bool| m.entries.values().filter(|e| f(e)).count();
        let ok = m.sent.iter().filter(|s| s.status.is_success()).count();
        println!(
            "{} requests ({ok} answered 2xx), {} entries: {} hold expiries, {} payments paid, {} failed, {} charges taken",
            m.sent.len(),
            m.entries.len(),
            count(&|e| e.is_hold_expiry()),
            count(&|e| e.settles_payment() && e.status == EntryStatus::Success),
            count(&|e| e.settles_payment() && e.status == EntryStatus::Failed),
            world.host.charges.load(SeqCst),
        );
    }
    Ok(())
}

async fn fresh(backend: &str) -> TestDb {
    match backend {
        "postgres" => postgres().await,
        _ => sqlite(),
    }
}

/// The shortest sequence that still fails: the prefix up to the failing step, then each
/// step dropped while it keeps failing.
async fn shrink(backend: &str, ops: Vec<Op>, failed_at: usize) -> Vec<Op> {
    let mut ops: Vec<Op> = ops.into_iter().take(failed_at + 1).collect();
    let mut i = 0;
    let mut budget = 200;
    while i < ops.len() && budget > 0 {
        budget -= 1;
        let mut fewer = ops.clone();
        fewer.remove(i);
        if run(fresh(backend).await, &fewer).await.is_err() {
            ops = fewer;
        } else {
            i += 1;
        }
    }
    ops
}

fn scale(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn simulate(backend: &str) {
    if std::env::var("RUST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .try_init();
    }
    let (seeds, n) = (scale("CB_SIM_SEEDS", 5), scale("CB_SIM_OPS", 1_000));
    let first = scale("CB_SIM_SEED", 1) as u64;
    let started = std::time::Instant::now();
    for seed in first..first + seeds as u64 {
        let ops = generate(seed, n);
        if let Err((step, why)) = run(fresh(backend).await, &ops).await {
            let shortest = shrink(backend, ops, step).await;
            let again = run(fresh(backend).await, &shortest).await.err();
            panic!(
                "{backend}, seed {seed}: step {step}: {why}\nshortest failing sequence ({} steps, failing with {again:?}):\n{shortest:#?}",
                shortest.len()
            );
        }
    }
    println!(
        "simulation on {backend}: {} operations ({seeds} seeds × {n}) in {:.1?}",
        seeds * n,
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulation_on_sqlite() {
    simulate("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulation_on_postgres() {
    simulate("postgres").await;
}
