//! What `cargo xtask bench-report` prints of the server's benchmarks (`crates/creditboard-server/benches`).

/// The webhook benchmark's figures (`crates/creditboard-server/benches/webhooks.rs`).
pub fn webhooks(r: &serde_json::Value) -> String {
    let f = |group: &str, key: &str| r[group][key].as_f64().unwrap_or(f64::NAN);
    format!(
        "- one-event usage with a dead webhook endpoint against none ({} requests each, same run): p50 {:.2} → {:.2} ms (×{:.2}), p99 {:.2} → {:.2} ms (×{:.2})",
        r["requests_each"].as_u64().unwrap_or(0),
        f("no_endpoint", "p50_ms"),
        f("dead_endpoint", "p50_ms"),
        r["ratio_p50"].as_f64().unwrap_or(f64::NAN),
        f("no_endpoint", "p99_ms"),
        f("dead_endpoint", "p99_ms"),
        r["ratio_p99"].as_f64().unwrap_or(f64::NAN),
    )
}

/// The server benchmark's figures (`crates/creditboard-server/benches/scale.rs`).
pub fn server(r: &serde_json::Value) -> String {
    let mut out = format!(
        "Server, one account with {} ledger entries, over HTTP on loopback (p50 / p99 of sequential requests):",
        r["entries"]
    );
    for backend in ["sqlite", "postgres"] {
        let b = &r[backend];
        if b.is_null() {
            continue;
        }
        let ms = |case: &str| {
            format!(
                "{:.2} / {:.2} ms",
                b[case]["p50_ms"].as_f64().unwrap_or(f64::NAN),
                b[case]["p99_ms"].as_f64().unwrap_or(f64::NAN)
            )
        };
        let per_s = |key: &str| b[key].as_f64().unwrap_or(f64::NAN);
        out.push_str(&format!(
            "\n  {}:\n\
             - ledger page, last 30 days (the Activity default): {} (target p99 ≤ 10)\n\
             - ledger page, last 30 days, a random page: {}\n\
             - ledger page, whole history: {}\n\
             - ledger page, last 30 days, one member: {}\n\
             - 180-day usage summary with forecast: {} (target ≤ 20)\n\
             - 180-day usage summary, one member: {}\n\
             - ingestion in batches of 1,000: {:.0} consumes/s with one client, {:.0} with four (target ≥ 10,000)\n\
             - first request after start, no snapshot yet (loads the account): {:.1} s\n\
             - after a restart, from the snapshot: first answer {:.0} ms (target ≤ 200), first write {:.0} ms; first listing (opens the history) {:.1} s",
            b["backend"].as_str().unwrap_or(backend),
            ms("ledger_30_days_first_page"),
            ms("ledger_30_days_any_page"),
            ms("ledger_all_history_first_page"),
            ms("ledger_30_days_one_member"),
            ms("usage_180_days"),
            ms("usage_180_days_one_member"),
            per_s("ingest_1_clients_per_s"),
            per_s("ingest_4_clients_per_s"),
            per_s("cold_load_ms") / 1e3,
            per_s("first_answer_after_restart_ms"),
            per_s("first_write_after_restart_ms"),
            per_s("first_listing_after_restart_ms") / 1e3,
        ));
    }
    out
}

/// The load benchmark's figures (`crates/creditboard-server/benches/load.rs`).
pub fn load(r: &serde_json::Value) -> String {
    let many = &r["many_accounts"];
    let big = &r["big_account"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    format!(
        "Server under load ({}):\n\
         - {} accounts of {} entries, one process, {} MiB budget: first answer p50 {:.1} / p99 {:.1} ms (target ≤ 100); a held account's ledger page p50 {:.2} / p99 {:.2} ms (target ≤ 10); {} held, counted {} MiB, resident {} MiB\n\
         - ledger.csv of {} rows ({:.0} MB): first byte {:.0} ms (target ≤ 100), whole file {:.1} s, resident memory grew {:.1} MB (target ≤ 20)\n\
         - one-event usage on a {}-entry account: alone p50 {:.2} / p99 {:.2} ms; while four clients search and page deep p50 {:.2} / p99 {:.2} ms (target p99 ≤ 10)",
        many["backend"].as_str().unwrap_or("?"),
        many["accounts"],
        many["entries_each"],
        many["budget_mb"],
        f(&many["first_answer_p50_ms"]),
        f(&many["first_answer_p99_ms"]),
        f(&many["held_ledger_page_p50_ms"]),
        f(&many["held_ledger_page_p99_ms"]),
        many["held_after"],
        many["counted_mb"],
        many["rss_after_mb"],
        big["export"]["rows"],
        f(&big["export"]["megabytes"]),
        f(&big["export"]["first_byte_ms"]),
        f(&big["export"]["whole_file_ms"]) / 1e3,
        f(&big["export"]["rss_growth_mb"]),
        big["entries"],
        f(&big["ingestion"]["alone_p50_ms"]),
        f(&big["ingestion"]["alone_p99_ms"]),
        f(&big["ingestion"]["beside_readers_p50_ms"]),
        f(&big["ingestion"]["beside_readers_p99_ms"]),
    )
}
