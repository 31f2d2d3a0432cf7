//! What the API document says of each operation for an integrator: a unique id, a summary, a
//! description and an example request, and the errors it can answer. Written once here, by
//! method and path, for the declared calls and the server's own handlers alike; a test holds
//! every operation to it.

use serde_json::{Value, json};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};

/// One operation's words: (method, path, id, summary, description).
type Words = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ACCOUNT: &str = "/api/v1/accounts/{account}";

/// Every operation, by method and path under [`ACCOUNT`] (or absolute when it starts with
/// `/api`).
const OPERATIONS: &[Words] = &[
    (
        "get",
        "",
        "account",
        "Read the account",
        "Who the account is and how it is set up (meters, members, what it sells, how the dashboard names things), and who is asking (`viewer`: the member and their role, none for the service or an embed token). Any token of the account.",
    ),
    (
        "get",
        "/rate-card",
        "rate_card",
        "Read the rate card",
        "Prices by feature, category and tier, and what each requires of the plan. Any token of the account.",
    ),
    (
        "get",
        "/balance",
        "balance",
        "Read the balances",
        "Every meter's balance now: available, held, and each bucket (included, rollover, additional, promotional) with its expiry. Any token of the account.",
    ),
    (
        "get",
        "/usage",
        "usage",
        "Summarize usage in a period",
        "What the usage page shows for a period in the account's timezone (default: the last 30 days): totals, the daily or monthly series by category, breakdowns, the usage rate and the run-out forecast. Filters narrow it to a feature, category, member or project. Any token of the account.",
    ),
    (
        "get",
        "/ledger",
        "ledger",
        "List the credit activity",
        "One page of the rows, newest first: a job (a hold or charge with its captures, releases and refunds) or an entry that stands alone, with how many rows match and what they used and added. `snapshot` keeps pages stable while entries arrive. Any token of the account.",
    ),
    (
        "get",
        "/ledger/export",
        "export",
        "Export the activity, chunk by chunk",
        "The next chunk of the listing's CSV and where the following one starts: a client that follows `next` gets the whole file in constant memory. Any token of the account.",
    ),
    (
        "get",
        "/ledger.csv",
        "ledger_csv",
        "Download the activity as CSV",
        "The whole listing as one CSV file, with the same filters as the listing. Any token of the account.",
    ),
    (
        "get",
        "/notifications",
        "notifications",
        "List notifications",
        "Low-balance alerts and failed payments as they fired, oldest first (the newest 100). Any token of the account.",
    ),
    (
        "get",
        "/team",
        "team",
        "Read the team's spend",
        "What each member spent this month per meter, and their caps. Any token of the account.",
    ),
    (
        "post",
        "/estimate",
        "estimate",
        "Estimate a job's cost",
        "Prices each line with the rate card, totals them per meter and says whether the balance covers them. Changes nothing. Any token of the account.",
    ),
    (
        "post",
        "/top-ups/simulate",
        "simulate_top_ups",
        "Simulate automatic top-ups",
        "What these top-up settings would add and charge, month by month, at the account's recent burn rate. Changes nothing. Any token of the account.",
    ),
    (
        "post",
        "/purchases",
        "buy",
        "Buy credits",
        "Buys a pack or an amount for the member asking (admins only): the purchase is written pending, charged through the host's payment endpoint under its key, and credited only when the payment is approved. A repeated key answers with the first purchase and charges nothing; the same key with another choice is a 409.",
    ),
    (
        "put",
        "/settings",
        "configure",
        "Change a setting",
        "Changes automatic top-ups, a member's monthly cap, the low-balance alert levels, or takes a member off the team: an admin, the account's service or the host. The team and the plan are the host's alone (their own operations). The same change again changes nothing; every change is in the audit log.",
    ),
    (
        "post",
        "/batches",
        "hold_batch",
        "Hold a batch",
        "Holds the cost of every shot of a batch for the member asking, or nothing when the balance or their cap cannot cover it all. The batch key covers the whole list: a retry with any shot changed is a 409.",
    ),
    (
        "post",
        "/holds/{hold}/settle",
        "settle",
        "Settle a shot",
        "Captures what a shot used, or releases it: the member whose batch it is; an admin may release it.",
    ),
    (
        "post",
        "/usage",
        "report_usage",
        "Report usage",
        "1 to 1,000 finished jobs, each with its idempotency key, applied in order; each is counted or refused on its own (not enough credits, a member's cap) and says so in its result. A key counted before answers as the first time and changes nothing. The account's service token or the host's.",
    ),
    (
        "post",
        "/holds",
        "hold",
        "Hold credits for a job",
        "Reserves credits for a job that is starting. Only the service settles it (capture or release); the ledger releases it by itself at its expiry (`expires_in`, default a day).",
    ),
    (
        "post",
        "/holds/{hold}/capture",
        "capture",
        "Capture a hold",
        "The job finished: charges what it used (at most the hold) and gives the rest back.",
    ),
    (
        "post",
        "/holds/{hold}/release",
        "release",
        "Release a hold",
        "The job was cancelled or failed: charges nothing and gives the hold back.",
    ),
    (
        "post",
        "/refunds",
        "refund",
        "Refund a charge",
        "Gives back a consume or a capture, all of it or `amount`, into the buckets it was taken from (credits whose bucket has closed expire with the reason).",
    ),
    (
        "post",
        "/embed-tokens",
        "embed_token",
        "Issue a read-only embed token",
        "A short-lived token (1 minute to 12 hours) that shows the dashboard and changes nothing: for a status screen. For the dashboard a member uses, start a session instead. Admins, the service or the host.",
    ),
    (
        "get",
        "/tokens",
        "list_tokens",
        "List the account's tokens",
        "Every token of the account with its kind, member and expiry (never the secret). Admins, the service or the host.",
    ),
    (
        "delete",
        "/tokens/{id}",
        "revoke_token",
        "Revoke a token",
        "The token stops working on its next request. Admins, the service or the host.",
    ),
    (
        "get",
        "/events",
        "live_events",
        "Follow the ledger live",
        "A Server-Sent Events stream: an event whenever entries land (in any server process), so a client refetches. It ends with an `expired` event when the token expires, and within 15 s of the token being revoked. A token may hold 8 streams open, an account 256 (429 `too_many_streams`). EventSource cannot send headers: the token may come as `?access_token=`.",
    ),
    ("post", "/api/v1/accounts", "create_account", "", ""),
    ("patch", "", "change_plan", "", ""),
    ("delete", "", "close_account", "", ""),
    ("post", "/members", "add_member", "", ""),
    ("patch", "/members/{member}", "change_member", "", ""),
    ("delete", "/members/{member}", "remove_member", "", ""),
    ("post", "/grants", "grant_credits", "", ""),
    ("post", "/adjustments", "adjust_balance", "", ""),
    ("post", "/sessions", "start_session", "", ""),
    ("post", "/webhooks", "add_webhook", "", ""),
    ("get", "/webhooks", "list_webhooks", "", ""),
    ("delete", "/webhooks/{id}", "delete_webhook", "", ""),
    (
        "get",
        "/webhook-events",
        "list_webhook_events",
        "List events and their deliveries",
        "The newest events of the account, each with its deliveries to the host's endpoints and every attempt (when, the endpoint's status or why there was none, how long it took). Admins, the service and the host.",
    ),
    (
        "post",
        "/webhook-events/{id}/redeliver",
        "redeliver_event",
        "",
        "",
    ),
    (
        "get",
        "/audit",
        "audit_log",
        "Read the audit log",
        "Every change to the account's settings, team, plan, grants and tokens: who (a member, the service, the host, the server), when, and the part changed before and after. Newest first; `next_before` pages back. Admins, the service and the host (who still reads it once the account is closed).",
    ),
    ("post", "/api/v1/webhooks", "add_server_webhook", "", ""),
    (
        "get",
        "/api/v1/webhooks",
        "list_server_webhooks",
        "",
        "The endpoints that get events of every account (never their secrets). The host's token only.",
    ),
    (
        "delete",
        "/api/v1/webhooks/{id}",
        "delete_server_webhook",
        "",
        "Stops sending events of every account to the endpoint; what was still to go there is cancelled. The host's token only.",
    ),
];

/// An example request body, by operation id.
fn example(id: &str) -> Option<Value> {
    Some(match id {
        "estimate" => json!([{"feature": "voiceover", "quantity": 10}]),
        "simulate_top_ups" => {
            json!({"meter": "credits", "settings": {"enabled": true, "threshold": 500, "amount": {"fixed": 2000}, "monthly_cap": 10000}})
        }
        "buy" => {
            json!({"meter": "credits", "choice": {"pack": "standard"}, "key": "buy-2026-12-06-ana-1"})
        }
        "configure" => {
            json!({"auto_top_up": {"meter": "credits", "settings": {"enabled": true, "threshold": 500, "amount": {"fixed": 2000}, "monthly_cap": 10000}}})
        }
        "hold_batch" => {
            json!({"key": "batch-teaser-7", "lines": [{"feature": "voiceover", "quantity": 5}]})
        }
        "settle" => {
            json!({"key": "shot-41-done", "hold": 41, "outcome": {"completed": {"amount": 12}}})
        }
        "report_usage" => {
            json!({"events": [{"key": "job-1001", "meter": "credits", "amount": 120, "usage": {"feature": "render", "member": "m_ana", "project": "teaser", "description": "Teaser, 30 s"}}]})
        }
        "hold" => {
            json!({"key": "job-1002", "meter": "credits", "amount": 400, "expires_in": 3600, "usage": {"feature": "render", "member": "m_jonas"}})
        }
        "capture" => json!({"key": "job-1002-done", "amount": 320}),
        "release" => json!({"key": "job-1002-cancelled", "status": "failed"}),
        "refund" => json!({"key": "refund-job-1001", "of": 3, "amount": 60}),
        "embed_token" => json!({"ttl_seconds": 900}),
        "create_account" => json!({
            "account": {
                "id": "studio", "name": "Northwind Studio", "timezone": "Europe/Berlin",
                "billing": {"anchor_day": 1},
                "meters": [{"id": "credits", "name": "Credits", "unit": "credits", "decimals": 0,
                            "allocation": {"amount": 2000, "unused": "lapse"}}],
                "members": [{"id": "m_ana", "name": "Ana Ruiz", "role": "admin"}],
                "offers": [{"meter": "credits", "currency": "EUR", "cents_per_unit": 1,
                            "packs": [{"id": "pack_1000", "name": "1,000 credits", "credits": 1000,
                                       "price": {"cents": 1000, "currency": "EUR"}}]}]
            },
            "rate_card": {"categories": [{"id": "video", "name": "Video"}], "tiers": [],
                          "features": [{"id": "render", "name": "Render", "category": "video", "meter": "credits",
                                        "unit": "second", "prices": [{"tier": null, "price": {"amount": 4, "per": 1}}]}]}
        }),
        "change_plan" => {
            json!({"plan": "business", "billing_anchor_day": 15, "allocations": [{"meter": "credits", "allocation": {"amount": 5000, "unused": {"rollover": {"cap": 2000}}}}]})
        }
        "add_member" => json!({"id": "m_lee", "name": "Lee Park", "role": "member"}),
        "change_member" => json!({"role": "admin"}),
        "grant_credits" => {
            json!({"key": "comp-2026-05-03", "meter": "credits", "amount": 1000, "reason": "Compensation for the outage of 3 May", "expires_at": "2026-12-31T23:00:00Z"})
        }
        "adjust_balance" => {
            json!({"key": "fix-4711", "meter": "credits", "amount": -300, "reason": "Double-charged render 4711"})
        }
        "start_session" => json!({"member": "m_ana", "expires_in": 3600}),
        "add_webhook" | "add_server_webhook" => {
            json!({"url": "http://billing.internal:3000/webhooks", "secret": "whsec_0123456789abcdef", "events": ["purchase.completed", "purchase.failed"]})
        }
        _ => return None,
    })
}

/// Fills in each operation's words and example, and lists the errors it can answer.
pub fn document(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ] {
            let Some(op) = op else { continue };
            let words = OPERATIONS.iter().find(|(m, p, ..)| {
                *m == method
                    && if p.starts_with("/api") {
                        *p == path
                    } else {
                        format!("{ACCOUNT}{p}") == *path
                    }
            });
            if let Some((_, _, id, summary, description)) = words {
                op.operation_id = Some((*id).to_string());
                if !summary.is_empty() {
                    op.summary = Some((*summary).to_string());
                }
                if !description.is_empty() {
                    op.description = Some((*description).to_string());
                }
                if let Some(body) = op.request_body.as_mut()
                    && let Some(example) = example(id)
                    && let Some(content) = body.content.get_mut("application/json")
                {
                    content.example = Some(example);
                }
            }
            errors(method, path, op);
        }
    }
}

/// The errors an operation can answer, from what it takes and who may call it.
fn errors(method: &str, path: &str, op: &mut Operation) {
    let error = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let has_body = op.request_body.is_some();
    let has_input = has_body || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_query = op.parameters.as_ref().is_some_and(|p| {
        p.iter()
            .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
    });
    let open_to_every_token = op
        .tags
        .as_ref()
        .is_some_and(|t| t.iter().any(|t| t == "dashboard"))
        || matches!(
            op.operation_id.as_deref(),
            Some("estimate" | "simulate_top_ups")
        );
    let writes = method != "get"
        && !matches!(
            op.operation_id.as_deref(),
            Some("estimate" | "simulate_top_ups")
        );
    let per_account = path.starts_with(ACCOUNT);
    let mut codes: Vec<(&str, &str)> = vec![
        ("401", "No token, or an invalid or expired one"),
        ("405", "The path does not take this method"),
        ("500", "The server failed; details are logged, not shown"),
        ("503", "The ledger is busy or unreachable; try again"),
    ];
    if has_input {
        codes.push(("400", "Malformed or invalid input; nothing changed"));
    }
    if !open_to_every_token {
        codes.push((
            "403",
            "The token may not do this (its kind or the member's role); the message says who may",
        ));
    }
    if per_account || path.contains('{') {
        codes.push((
            "404",
            "No such account for this token, or nothing the path names",
        ));
    }
    if per_account {
        codes.push(("410", "The account is closed"));
    }
    if writes {
        codes.push(("409", "Clashes with an earlier request: the same key or id with something else changed, a hold already settled"));
    }
    if writes || has_body {
        codes.push((
            "422",
            "Refused by a rule (credits, caps, offers, the team, what the rate card knows); nothing changed",
        ));
    } else if has_query {
        codes.push((
            "422",
            "The query names something the account does not have (a meter, for one)",
        ));
    }
    if matches!(
        op.operation_id.as_deref(),
        Some("live_events" | "ledger_csv")
    ) {
        codes.push((
            "429",
            "The token (or the account) already has as many of these open as it may",
        ));
    }
    if has_body {
        codes.push(("413", "The body is too large"));
        codes.push(("415", "The body is not JSON"));
    }
    for (code, what) in codes {
        op.responses
            .responses
            .entry(code.into())
            .or_insert_with(|| error(what).into());
    }
}
