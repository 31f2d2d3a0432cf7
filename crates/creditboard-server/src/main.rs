//! `creditboard-server`: the reference REST backend.
//!
//! ```text
//! creditboard-server [--addr 127.0.0.1:8080] [--app DIR] [--demo [--public]] [--clock RFC3339] [--payments URL] [--frame-ancestors SOURCES]
//!                    [--memory-budget MB]
//! creditboard-server token (--account ID (--member ID | --service) | --host) [--days N]
//! creditboard-server tokens --account ID
//! creditboard-server revoke --account ID --id TOKEN_ID
//! ```
//! The database is `DATABASE_URL` (default `sqlite://data/creditboard.db`; `postgres://…`
//! for PostgreSQL).

use creditboard_server::connections::{self, Timeouts};
use creditboard_server::resident;
use creditboard_server::serving::FrameAncestors;
use creditboard_server::tokens::{self, TokenKind};
use creditboard_server::{Config, background, db, router_with, start};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:\n  creditboard-server [--addr 127.0.0.1:8080] [--app DIR] [--demo [--public]] [--clock RFC3339] [--payments URL]\n                     [--frame-ancestors SOURCES] [--memory-budget MB]\n  creditboard-server token (--account ID (--member ID | --service) | --host) [--days N]\n  creditboard-server tokens --account ID\n  creditboard-server revoke --account ID --id TOKEN_ID\n\nThe host's token (--host) creates accounts and is the service of every account.\nTokens expire: a member's after 90 days, the service's and the host's after 365, unless --days says less\n(at most 1,095). --payments names the host's payment endpoint, signed with CB_PAYMENT_SECRET;\nwithout it only --demo takes payments (the demo's). --demo listens on a loopback address unless --public
says otherwise: every visitor gets a member token. --frame-ancestors (or CB_FRAME_ANCESTORS) names the origins
whose pages may show the dashboard in a frame, e.g. \"'self' https://app.example.com\" (default 'self'). --memory-budget (or CB_MEMORY_BUDGET_MB) is what the accounts held in memory may
come to, in MiB (default 1024; docs/scaling.md). DATABASE_URL picks the database (default sqlite://data/creditboard.db).";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "creditboard_server=info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("token") => token(&args[1..]).await,
        Some("tokens") => list_tokens(&args[1..]).await,
        Some("revoke") => revoke(&args[1..]).await,
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => serve(&args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("creditboard-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| db::DEFAULT_URL.to_string())
}

async fn serve(args: &[String]) -> Result<(), String> {
    let mut addr: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let mut config = Config {
        database_url: database_url(),
        app_dir: None,
        demo: false,
        clock: None,
        payments: None,
        frame_ancestors: match std::env::var("CB_FRAME_ANCESTORS") {
            Ok(sources) => sources
                .parse()
                .map_err(|e| format!("CB_FRAME_ANCESTORS: {e}"))?,
            Err(_) => FrameAncestors::default(),
        },
    };
    let mut public = false;
    let mut budget = match std::env::var("CB_MEMORY_BUDGET_MB") {
        Ok(mb) => {
            Some(resident::parse_budget_mb(&mb).map_err(|e| format!("CB_MEMORY_BUDGET_MB: {e}"))?)
        }
        Err(_) => None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--addr" => {
                let v = it.next().ok_or(USAGE)?;
                addr = v.parse().map_err(|_| format!("“{v}” is not an address"))?;
            }
            "--app" => config.app_dir = Some(PathBuf::from(it.next().ok_or(USAGE)?)),
            "--demo" => config.demo = true,
            "--public" => public = true,
            "--memory-budget" => {
                let v = it.next().ok_or(USAGE)?;
                budget = Some(
                    resident::parse_budget_mb(v).map_err(|e| format!("--memory-budget: {e}"))?,
                );
            }
            "--frame-ancestors" => {
                let v = it.next().ok_or(USAGE)?;
                config.frame_ancestors =
                    v.parse().map_err(|e| format!("--frame-ancestors: {e}"))?;
            }
            "--clock" => {
                let v = it.next().ok_or(USAGE)?;
                let start = chrono::DateTime::parse_from_rfc3339(v)
                    .map_err(|_| format!("“{v}” is not an RFC 3339 instant"))?;
                config.clock = Some(start.with_timezone(&chrono::Utc));
            }
            "--payments" => {
                let url = it.next().ok_or(USAGE)?.clone();
                let secret = std::env::var("CB_PAYMENT_SECRET").map_err(|_| {
                    "--payments needs the secret both sides sign with in CB_PAYMENT_SECRET"
                        .to_string()
                })?;
                config.payments = Some((url, secret));
            }
            _ => return Err(format!("unknown argument “{arg}”\n{USAGE}")),
        }
    }
    if config.demo {
        creditboard_server::demo::check_address(&addr, public)?;
    } else if public {
        return Err("--public is for --demo: without it the server is for any address".into());
    }
    let state = start(&config).await?;
    if let Some(bytes) = budget {
        state.accounts().resident().set_budget(bytes);
    }
    let backend = state.db().backend();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(background::run(state.clone()));
    println!("Creditboard server on http://{addr}/ ({backend})");
    let app = router_with(state, config.frame_ancestors);
    connections::serve(listener, app, Timeouts::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

async fn token(args: &[String]) -> Result<(), String> {
    let (kind_args, days) = match args {
        [rest @ .., d, n] if d == "--days" => {
            let days: i64 = n
                .parse()
                .ok()
                .filter(|d| (1..=tokens::MAX_TTL.num_days()).contains(d))
                .ok_or_else(|| {
                    format!(
                        "--days takes 1 to {} days, not “{n}”",
                        tokens::MAX_TTL.num_days()
                    )
                })?;
            (rest, Some(days))
        }
        rest => (rest, None),
    };
    let (account, kind) = match kind_args {
        [a, account, m, member] if a == "--account" && m == "--member" => (
            account,
            TokenKind::Member(
                creditboard_domain::ids::MemberId::new(member).map_err(|e| e.to_string())?,
            ),
        ),
        [a, account, s] if a == "--account" && s == "--service" => (account, TokenKind::Service),
        [h] if h == "--host" => {
            let db = db::Db::connect(&database_url()).await?;
            let ttl = days.map_or(tokens::DEFAULT_SERVICE_TTL, chrono::Duration::days);
            let expires_at = chrono::Utc::now() + ttl;
            let token = tokens::issue(&db, "", &TokenKind::Host, expires_at)
                .await
                .map_err(|e| e.message)?;
            println!("{token}");
            eprintln!("expires {}", expires_at.to_rfc3339());
            return Ok(());
        }
        _ => return Err(USAGE.into()),
    };
    let db = db::Db::connect(&database_url()).await?;
    let row = db
        .account(account)
        .await
        .map_err(|e| e.message)?
        .ok_or_else(|| format!("there is no account “{account}”"))?;
    if let TokenKind::Member(m) = &kind {
        row.config
            .member(m)
            .ok_or_else(|| format!("“{m}” is not a member of {account}"))?;
    }
    let ttl = days.map_or_else(|| tokens::default_ttl(&kind), chrono::Duration::days);
    let expires_at = chrono::Utc::now() + ttl;
    let token = tokens::issue(&db, account, &kind, expires_at)
        .await
        .map_err(|e| e.message)?;
    println!("{token}");
    eprintln!("expires {}", expires_at.to_rfc3339());
    Ok(())
}

/// `tokens --account ID`: one line per token, never the secret.
async fn list_tokens(args: &[String]) -> Result<(), String> {
    let [a, account] = args else {
        return Err(USAGE.into());
    };
    if a != "--account" {
        return Err(USAGE.into());
    }
    let db = db::Db::connect(&database_url()).await?;
    for t in tokens::list(&db, account).await.map_err(|e| e.message)? {
        let expires = t.expires_at.map_or("never".into(), |e| e.to_rfc3339());
        let member = t.member.unwrap_or_default();
        println!(
            "{}\t{}\t{member}\tcreated {}\texpires {expires}",
            t.id,
            t.kind,
            t.created_at.to_rfc3339()
        );
    }
    Ok(())
}

/// `revoke --account ID --id TOKEN_ID`.
async fn revoke(args: &[String]) -> Result<(), String> {
    let [a, account, i, id] = args else {
        return Err(USAGE.into());
    };
    if a != "--account" || i != "--id" {
        return Err(USAGE.into());
    }
    let prefix = tokens::hash_prefix(id)
        .ok_or_else(|| format!("“{id}” is not a token id (tok_ and 16 hex digits)"))?;
    let db = db::Db::connect(&database_url()).await?;
    if db
        .delete_token(account, prefix)
        .await
        .map_err(|e| e.message)?
    {
        println!("revoked {id}");
        Ok(())
    } else {
        Err(format!("{account} has no token {id}"))
    }
}
