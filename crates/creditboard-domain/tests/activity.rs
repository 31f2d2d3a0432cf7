//! The Activity listing: every filter against a plain scan of the ledger, pages that neither
//! skip nor repeat a row while entries arrive, and the CSV export line by line.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use creditboard_domain::activity::{
    ActivityIndex, ActivityQuery, CSV_HEADER, ExportRequest, ExportStream, PageRequest,
    activity_page, export_chunk,
};
use creditboard_domain::entry::{EntryKind, EntryStatus, JobStatus};
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::ids::MeterId;
use creditboard_domain::period::{Calendar, Period, PeriodPreset};
use creditboard_domain::preset::PresetId;
use creditboard_domain::usage::LedgerFilter;
use creditboard_domain::{Ledger, LedgerEntry};

fn now() -> DateTime<Utc> {
    utc("2026-11-21T15:30:00Z")
}

fn demo(preset: PresetId) -> Ledger {
    generate(&HistoryOptions::new(preset, now()))
        .unwrap()
        .ledger
}

fn request(query: ActivityQuery, size: u32, page: u32) -> PageRequest {
    PageRequest {
        query,
        size,
        page,
        snapshot: None,
    }
}

/// Each entry as a listing sees it, by a plain walk of the ledger: a capture, a release or a
/// refund takes the kind and status of the job it settles (a hold is pending while the ledger
/// holds it, a success once captured, else what its release says), and only the entries that
/// begin a job, or stand alone, are rows.
fn viewed(l: &Ledger) -> Vec<(LedgerEntry, u64)> {
    let settles = |k: EntryKind| {
        matches!(
            k,
            EntryKind::Refund | EntryKind::HoldCapture | EntryKind::HoldRelease
        )
    };
    let entries = l.entries();
    fn by_id(entries: &[LedgerEntry], id: creditboard_domain::entry::EntryId) -> &LedgerEntry {
        &entries[(id.0 - 1) as usize]
    }
    let mut settled_by: std::collections::HashMap<u64, Vec<&LedgerEntry>> = Default::default();
    for e in entries {
        if let (Some(of), true) = (e.reverses, settles(e.kind)) {
            settled_by.entry(of.0).or_default().push(e);
        }
    }
    let root_of = |e: &LedgerEntry| -> creditboard_domain::entry::EntryId {
        let mut id = e.id;
        while let (Some(of), true) = (
            by_id(entries, id).reverses,
            settles(by_id(entries, id).kind),
        ) {
            id = of;
        }
        id
    };
    let status_of = |root: &LedgerEntry| {
        if root.kind != EntryKind::Hold {
            return root.status;
        }
        if l.is_pending_hold(root.id) {
            return EntryStatus::Pending;
        }
        let settling = settled_by.get(&root.id.0).cloned().unwrap_or_default();
        if settling.iter().any(|e| e.kind == EntryKind::HoldCapture) {
            EntryStatus::Success
        } else {
            settling
                .iter()
                .find(|e| e.kind == EntryKind::HoldRelease)
                .unwrap()
                .status
        }
    };
    entries
        .iter()
        .map(|e| {
            let root = by_id(entries, root_of(e));
            let mut seen = e.clone();
            seen.kind = root.kind;
            seen.status = status_of(root);
            (seen, root.id.0)
        })
        .collect()
}

/// The expected rows, by brute force: every entry as the listing sees it, tested field by
/// field, the rows newest first.
fn expected(l: &Ledger, keep: impl Fn(&LedgerEntry) -> bool) -> Vec<LedgerEntry> {
    let mut v: Vec<LedgerEntry> = viewed(l)
        .into_iter()
        .filter(|(e, root)| *root == e.id.0 && keep(e))
        .map(|(e, _)| e)
        .collect();
    v.reverse();
    v
}

/// Per meter, what the entries `keep` picks used (charges less refunds) and added (refills,
/// purchases, top-ups, grants, upward corrections), summed by hand.
fn used_and_added(
    l: &Ledger,
    keep: impl Fn(&LedgerEntry) -> bool,
) -> std::collections::HashMap<MeterId, (i64, i64)> {
    let mut out = std::collections::HashMap::<MeterId, (i64, i64)>::new();
    let original = l.entries();
    for ((e, _), raw) in viewed(l).iter().zip(original) {
        if !keep(e) {
            continue;
        }
        let slot = out.entry(e.meter.clone()).or_default();
        let a = raw.amount.get();
        match raw.kind {
            EntryKind::Consume | EntryKind::HoldCapture | EntryKind::Refund => slot.0 -= a,
            EntryKind::Refill
            | EntryKind::Purchase
            | EntryKind::AutoTopUp
            | EntryKind::Grant
            | EntryKind::Adjustment
                if a > 0 =>
            {
                slot.1 += a
            }
            _ => {}
        }
    }
    out
}

/// The page's totals agree with `want` (its rows) and a hand sum over the same entries.
fn assert_totals(
    page: &creditboard_domain::activity::ActivityPage,
    want: &[LedgerEntry],
    sums: &std::collections::HashMap<MeterId, (i64, i64)>,
    case: &str,
) {
    for t in &page.totals {
        let rows = want.iter().filter(|e| e.meter == t.meter).count() as u64;
        let (used, added) = sums.get(&t.meter).copied().unwrap_or_default();
        assert_eq!(
            (t.count, t.used.get(), t.added.get()),
            (rows, used, added),
            "{case} {}",
            t.meter.as_str()
        );
    }
    for (m, (used, added)) in sums {
        let rows = want.iter().any(|e| e.meter == *m);
        if rows || *used != 0 || *added != 0 {
            assert!(
                page.totals.iter().any(|t| t.meter == *m),
                "{case}: {} has a total",
                m.as_str()
            );
        }
    }
}

/// Which entries a case expects.
type Keep = Box<dyn Fn(&LedgerEntry) -> bool>;

/// Every page of a listing, in order.
fn all_pages(l: &Ledger, query: &ActivityQuery, size: u32) -> Vec<u64> {
    let mut index = ActivityIndex::new();
    let first = activity_page(l, &mut index, &request(query.clone(), size, 1), now()).unwrap();
    let mut ids = Vec::new();
    for page in 1..=first.pages() {
        let p = activity_page(
            l,
            &mut ActivityIndex::new(),
            &PageRequest {
                snapshot: Some(first.snapshot),
                ..request(query.clone(), size, page)
            },
            now(),
        )
        .unwrap();
        ids.extend(p.rows.iter().map(|r| r.entry.id.0));
    }
    ids
}

#[test]
fn each_filter_counts_and_sums_what_a_plain_scan_finds() {
    let l = demo(PresetId::Videogen);
    let sample = |pick: &dyn Fn(&LedgerEntry) -> Option<String>| {
        l.entries().iter().rev().find_map(pick).unwrap()
    };
    let category = sample(&|e| e.usage.category.as_ref().map(|c| c.as_str().to_string()));
    let feature = sample(&|e| e.usage.feature.as_ref().map(|c| c.as_str().to_string()));
    let engine = sample(&|e| e.usage.engine.as_ref().map(|c| c.as_str().to_string()));
    let member = sample(&|e| e.usage.member.as_ref().map(|c| c.as_str().to_string()));
    let tier = sample(&|e| e.usage.tier.as_ref().map(|c| c.as_str().to_string()));
    let raw = |f: &str, v: &str| {
        let mut q = creditboard_domain::api::query::RawQuery::default();
        match f {
            "category" => q.category = Some(v.into()),
            "feature" => q.feature = Some(v.into()),
            "engine" => q.engine = Some(v.into()),
            "member" => q.member = Some(v.into()),
            "tier" => q.tier = Some(v.into()),
            "kind" => q.kind = Some(v.into()),
            "status" => q.status = Some(v.into()),
            "q" => q.q = Some(v.into()),
            _ => unreachable!(),
        }
        q.parse().unwrap().filter
    };
    let attr = |e: &LedgerEntry, f: &str| -> Option<String> {
        let u = &e.usage;
        match f {
            "category" => u.category.as_ref().map(|x| x.as_str().to_string()),
            "feature" => u.feature.as_ref().map(|x| x.as_str().to_string()),
            "engine" => u.engine.as_ref().map(|x| x.as_str().to_string()),
            "member" => u.member.as_ref().map(|x| x.as_str().to_string()),
            "tier" => u.tier.as_ref().map(|x| x.as_str().to_string()),
            _ => unreachable!(),
        }
    };
    let mut cases: Vec<(String, LedgerFilter, Keep)> = Vec::new();
    for (f, v) in [
        ("category", &category),
        ("feature", &feature),
        ("engine", &engine),
        ("member", &member),
        ("tier", &tier),
    ] {
        let (f2, v2) = (f.to_string(), v.clone());
        cases.push((
            format!("{f}={v}"),
            raw(f, v),
            Box::new(move |e| attr(e, &f2).as_deref() == Some(v2.as_str())),
        ));
    }
    cases.push((
        "type=purchase,auto_top_up".into(),
        raw("kind", "purchase,auto_top_up"),
        Box::new(|e| matches!(e.kind, EntryKind::Purchase | EntryKind::AutoTopUp)),
    ));
    cases.push((
        "status=failed".into(),
        raw("status", "failed"),
        Box::new(|e| e.status == EntryStatus::Failed),
    ));
    // The search ignores case and looks at the description, the feature and the engine.
    let word = engine.to_uppercase();
    let lower = engine.to_lowercase();
    cases.push((
        format!("q={word}"),
        raw("q", &word),
        Box::new(move |e| {
            [
                e.usage
                    .description
                    .as_ref()
                    .map(|x| x.as_str().to_lowercase()),
                e.usage.feature.as_ref().map(|x| x.as_str().to_lowercase()),
                e.usage.engine.as_ref().map(|x| x.as_str().to_lowercase()),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.contains(&lower))
        }),
    ));
    let mut combined = raw("member", &member);
    combined.kinds = vec![EntryKind::Consume];
    let m2 = member.clone();
    cases.push((
        "member and type combined".into(),
        combined,
        Box::new(move |e| {
            e.kind == EntryKind::Consume
                && e.usage.member.as_ref().map(|m| m.as_str()) == Some(m2.as_str())
        }),
    ));

    for (name, filter, keep) in cases {
        for period in [None, Some(Period::preset(PeriodPreset::Last30Days))] {
            let range = period.map(|p| p.resolve(now(), &l.config().calendar()));
            let in_view = |e: &LedgerEntry| {
                keep(e)
                    && range
                        .as_ref()
                        .is_none_or(|r| e.at >= r.start && e.at < r.end)
            };
            let want = expected(&l, in_view);
            let query = ActivityQuery {
                period,
                meter: None,
                filter: filter.clone(),
            };
            let page = activity_page(&l, &mut ActivityIndex::new(), &request(query, 25, 1), now())
                .unwrap();
            assert!(
                !want.is_empty() || period.is_some(),
                "{name}: the demo has such entries"
            );
            assert_eq!(page.total_count, want.len() as u64, "{name} {period:?}");
            assert_totals(&page, &want, &used_and_added(&l, in_view), &name);
            let first: Vec<u64> = want.iter().take(25).map(|e| e.id.0).collect();
            let shown: Vec<u64> = page.rows.iter().map(|r| r.entry.id.0).collect();
            assert_eq!(shown, first, "{name} {period:?}: newest first");
        }
    }
}

#[test]
fn totals_are_per_meter_when_units_differ() {
    let l = demo(PresetId::Lucas);
    let page = activity_page(
        &l,
        &mut ActivityIndex::new(),
        &request(ActivityQuery::default(), 50, 1),
        now(),
    )
    .unwrap();
    assert_eq!(page.totals.len(), 2, "minutes and credits are summed apart");
    assert_totals(
        &page,
        &expected(&l, |_| true),
        &used_and_added(&l, |_| true),
        "Lucas",
    );
    let minutes = MeterId::new("render_minutes").unwrap();
    let only = ActivityQuery {
        meter: Some(minutes.clone()),
        ..ActivityQuery::default()
    };
    let page = activity_page(&l, &mut ActivityIndex::new(), &request(only, 50, 1), now()).unwrap();
    assert!(page.rows.iter().all(|r| r.entry.meter == minutes));
    assert_eq!(page.totals.len(), 1);
}

#[test]
fn pages_cover_the_listing_once_each_while_entries_arrive() {
    let mut l = funded(1_000_000);
    let start = l.now();
    for i in 0..237 {
        l.apply(consume(
            &format!("c{i}"),
            1 + i % 7,
            start + Duration::minutes(i),
        ))
        .unwrap();
    }
    let query = ActivityQuery {
        filter: LedgerFilter {
            kinds: vec![EntryKind::Consume],
            ..LedgerFilter::default()
        },
        ..ActivityQuery::default()
    };
    let want: Vec<u64> = expected(&l, |e| e.kind == EntryKind::Consume)
        .iter()
        .map(|e| e.id.0)
        .collect();
    assert_eq!(want.len(), 237);
    // One index for the whole session: it catches up with every append.
    let mut index = ActivityIndex::new();
    let first = activity_page(&l, &mut index, &request(query.clone(), 25, 1), now()).unwrap();
    assert_eq!(first.pages(), 10);
    let mut seen: Vec<u64> = first.rows.iter().map(|r| r.entry.id.0).collect();
    // Between every page request, new consumes land at the top of the ledger.
    for page in 2..=first.pages() {
        for j in 0..3 {
            let k = format!("late-{page}-{j}");
            let t = start + Duration::minutes(1000 + i64::from(page) * 10 + j);
            l.apply(consume(&k, 2, t)).unwrap();
        }
        let p = activity_page(
            &l,
            &mut index,
            &PageRequest {
                snapshot: Some(first.snapshot),
                ..request(query.clone(), 25, page)
            },
            now(),
        )
        .unwrap();
        assert_eq!(p.total_count, 237, "the listing keeps its size");
        assert_eq!(
            p.newer,
            u64::from(page - 1) * 3,
            "and says what arrived since"
        );
        seen.extend(p.rows.iter().map(|r| r.entry.id.0));
    }
    assert_eq!(
        seen, want,
        "every row once, in order, none skipped or repeated"
    );
    // Paging back gives the same rows.
    let back = activity_page(
        &l,
        &mut index,
        &PageRequest {
            snapshot: Some(first.snapshot),
            ..request(query.clone(), 25, 1)
        },
        now(),
    )
    .unwrap();
    assert_eq!(back.rows, first.rows);
    // A fresh listing includes the newcomers.
    let fresh = activity_page(&l, &mut index, &request(query.clone(), 25, 1), now()).unwrap();
    assert_eq!(fresh.total_count, 237 + 27);
    // A page past the end answers the last page, and says which it is.
    let past = activity_page(&l, &mut index, &request(query, 25, 999), now()).unwrap();
    assert_eq!((past.page, past.pages()), (11, 11));
    assert_eq!(
        past.rows.iter().map(|r| r.entry.id.0).collect::<Vec<_>>(),
        expected(&l, |e| e.kind == EntryKind::Consume)
            .iter()
            .skip(250)
            .map(|e| e.id.0)
            .collect::<Vec<_>>()
    );
    // The demo's whole listing pages completely.
    let d = demo(PresetId::Ngram);
    let ids = all_pages(&d, &ActivityQuery::default(), 100);
    let want: Vec<u64> = expected(&d, |_| true).iter().map(|e| e.id.0).collect();
    assert_eq!(ids, want);
}

/// One job, one row: a hold and what became of it, a charge and its refunds. Each case is
/// the operations after the first entry, and the row it makes: status, amount, refunded,
/// (captured, released) when settled.
#[test]
fn a_job_is_one_row_with_its_final_status_and_amount() {
    use creditboard_domain::entry::EntryId;
    type Then = fn(EntryId, DateTime<Utc>) -> Vec<creditboard_domain::entry::Operation>;
    /// (captured, released) once settled.
    type Settled = Option<(i64, i64)>;
    let cases: [(&str, bool, Then, EntryStatus, i64, i64, Settled); 8] = [
        (
            "held",
            true,
            |_, _| vec![],
            EntryStatus::Pending,
            -50,
            0,
            None,
        ),
        (
            "captured whole",
            true,
            |h, t| vec![capture("c", h, 50, t)],
            EntryStatus::Success,
            -50,
            0,
            Some((50, 0)),
        ),
        (
            "captured in part",
            true,
            |h, t| vec![capture("c", h, 30, t)],
            EntryStatus::Success,
            -30,
            0,
            Some((30, 20)),
        ),
        (
            "released, failed",
            true,
            |h, t| vec![release_with("r", h, t, JobStatus::Failed)],
            EntryStatus::Failed,
            0,
            0,
            Some((0, 50)),
        ),
        (
            "released, cancelled",
            true,
            |h, t| vec![release("r", h, t)],
            EntryStatus::Success,
            0,
            0,
            Some((0, 50)),
        ),
        (
            "captured, then partly refunded",
            true,
            // The capture is the hold's third entry: release, then charge.
            |h, t| {
                vec![
                    capture("c", h, 40, t),
                    refund("rf", EntryId(h.0 + 2), Some(15), t + Duration::minutes(1)),
                ]
            },
            EntryStatus::Success,
            -25,
            15,
            Some((40, 10)),
        ),
        (
            "charged, failed and refunded",
            false,
            |c, t| vec![refund("rf", c, None, t)],
            EntryStatus::Failed,
            0,
            50,
            None,
        ),
        (
            "charged, partly refunded",
            false,
            |c, t| vec![refund("rf", c, Some(20), t)],
            EntryStatus::Success,
            -30,
            20,
            None,
        ),
    ];
    for (name, is_hold, then, status, amount, refunded, settled) in cases {
        let mut l = funded(1000);
        let t = l.now() + Duration::minutes(1);
        let first = if is_hold {
            hold("job", 50, t)
        } else {
            let failed = if name.contains("failed") {
                JobStatus::Failed
            } else {
                JobStatus::Success
            };
            consume_with("job", 50, t, failed)
        };
        let receipt = l.apply(first).unwrap();
        let job = l.receipt_entries(&receipt)[0].id;
        for op in then(job, t + Duration::minutes(5)) {
            l.apply(op).unwrap();
        }
        let page = activity_page(
            &l,
            &mut ActivityIndex::new(),
            &request(ActivityQuery::default(), 25, 1),
            now(),
        )
        .unwrap();
        let rows: Vec<_> = page.rows.iter().filter(|r| r.entry.id >= job).collect();
        assert_eq!(rows.len(), 1, "{name}: one row for the job");
        let row = rows[0];
        assert_eq!(
            row.entry.id, job,
            "{name}: the row is the job's first entry"
        );
        assert_eq!(
            (row.status, row.amount.get(), row.refunded.get()),
            (status, amount, refunded),
            "{name}"
        );
        assert_eq!(
            row.settled.map(|s| (s.captured.get(), s.released.get())),
            settled,
            "{name}"
        );
        if let Some(s) = row.settled {
            assert_eq!(
                s.at,
                t + Duration::minutes(5),
                "{name}: settled when captured or released"
            );
        }
        // "Pending" lists exactly the jobs held now, and the summary counts the job once
        // with what it used.
        let mut pending = ActivityQuery::default();
        pending.filter.statuses = vec![EntryStatus::Pending];
        let p = activity_page(
            &l,
            &mut ActivityIndex::new(),
            &request(pending, 25, 1),
            now(),
        )
        .unwrap();
        assert_eq!(
            p.total_count,
            u64::from(status == EntryStatus::Pending),
            "{name}"
        );
        let used: i64 = page.totals.iter().map(|t| t.used.get()).sum();
        // Held credits are not used yet.
        let cost = if status == EntryStatus::Pending {
            0
        } else {
            -amount
        };
        assert_eq!(used, cost, "{name}: used is what the job cost");
        // The CSV says the same.
        let (csv, _) = export_all(&l, &ActivityQuery::default(), 10);
        let header = fields(CSV_HEADER);
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let line = csv
            .split_terminator("\r\n")
            .map(fields)
            .find(|f| f[col("id")] == job.0.to_string())
            .unwrap();
        assert_eq!(line[col("status")], status.as_str(), "{name}");
        assert_eq!(line[col("amount")], amount.to_string(), "{name}");
        assert_eq!(line[col("settled")].is_empty(), settled.is_none(), "{name}");
        assert_eq!(
            csv.split_terminator("\r\n").count() - 1,
            page.total_count as usize,
            "{name}: a line per row"
        );
    }
}

#[test]
fn a_kind_that_only_settles_another_row_is_refused_as_a_filter() {
    let l = demo(PresetId::Act3);
    for kind in [
        EntryKind::Refund,
        EntryKind::HoldCapture,
        EntryKind::HoldRelease,
    ] {
        let mut q = ActivityQuery::default();
        q.filter.kinds = vec![kind];
        let err =
            activity_page(&l, &mut ActivityIndex::new(), &request(q, 25, 1), now()).unwrap_err();
        assert_eq!(err.code(), "invalid_query", "{kind:?}");
        assert!(err.to_string().contains("filter by status"), "{err}");
    }
}

#[test]
fn bad_page_requests_are_refused() {
    let l = funded(10);
    for (size, page) in [(0, 1), (1001, 1), (25, 0)] {
        let err = activity_page(
            &l,
            &mut ActivityIndex::new(),
            &request(ActivityQuery::default(), size, page),
            now(),
        );
        assert_eq!(err.unwrap_err().code(), "invalid_query", "{size} {page}");
    }
    let unknown = ActivityQuery {
        meter: Some(MeterId::new("gold").unwrap()),
        ..ActivityQuery::default()
    };
    let err = activity_page(
        &l,
        &mut ActivityIndex::new(),
        &request(unknown, 25, 1),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_meter");
}

/// Splits one CSV line (RFC 4180: quoted fields, doubled quotes).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn export_all(l: &Ledger, query: &ActivityQuery, rows: u32) -> (String, usize) {
    let mut req = ExportRequest {
        query: query.clone(),
        snapshot: None,
        older_than: None,
        rows,
    };
    let (mut csv, mut chunks) = (String::new(), 0);
    loop {
        let c = export_chunk(l, &mut ActivityIndex::new(), &req, now()).unwrap();
        csv.push_str(&c.csv);
        chunks += 1;
        match c.older_than {
            Some(o) => {
                req.snapshot = Some(c.snapshot);
                req.older_than = Some(o);
            }
            None => return (csv, chunks),
        }
    }
}

/// The export a store streams: `ExportStream` fed the entries newest first, `n` at a time.
fn export_streamed(l: &Ledger, query: &ActivityQuery, n: usize) -> String {
    let mut stream = ExportStream::new(l, query, now()).unwrap();
    let newest_first: Vec<_> = l.entries().iter().rev().cloned().collect();
    let mut csv = String::new();
    for chunk in newest_first.chunks(n) {
        csv.push_str(&stream.feed(chunk));
    }
    csv
}

#[test]
fn the_csv_export_is_the_filtered_ledger_line_by_line() {
    let l = demo(PresetId::Fotomaster);
    let query = ActivityQuery {
        period: Some(Period::preset(PeriodPreset::Last90Days)),
        ..ActivityQuery::default()
    };
    let range = Period::preset(PeriodPreset::Last90Days).resolve(now(), &l.config().calendar());
    let want = expected(&l, |e| e.at >= range.start && e.at < range.end);
    // What each job comes to: its entries' amounts, summed by hand.
    let mut job_amount = std::collections::HashMap::<u64, i64>::new();
    for ((_, root), raw) in viewed(&l).iter().zip(l.entries()) {
        *job_amount.entry(*root).or_default() += raw.amount.get();
    }
    let (whole, _) = export_all(&l, &query, 100_000);
    let (chunked, chunks) = export_all(&l, &query, 97);
    assert_eq!(chunked, whole, "chunks join into the same file");
    assert!(chunks > 3);
    // Streamed from the entries as a store reads them: the same file.
    assert_eq!(export_streamed(&l, &query, 97), whole);
    let lines: Vec<&str> = whole.split_terminator("\r\n").collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len() - 1, want.len());
    let header = fields(CSV_HEADER);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let tz = l.config().timezone;
    for (line, e) in lines[1..].iter().zip(&want) {
        let f = fields(line);
        assert_eq!(f.len(), header.len(), "{line}");
        assert_eq!(f[col("id")], e.id.0.to_string());
        // The time reads back as the same instant, written with the account's offset.
        let t = DateTime::parse_from_rfc3339(&f[col("time")]).unwrap();
        assert_eq!(t.with_timezone(&Utc), e.at);
        assert_eq!(
            t.offset().local_minus_utc(),
            tz.offset_at(e.at).local_minus_utc()
        );
        // Dollars to the cent: the amount and balance in the meter's unit.
        let cents = |s: &str| -> i64 {
            let neg = s.starts_with('-');
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(s.split('.').nth(1).map(str::len), Some(2), "{s}");
            digits.parse::<i64>().unwrap() * if neg { -1 } else { 1 }
        };
        assert_eq!(cents(&f[col("amount")]), job_amount[&e.id.0]);
        assert_eq!(f[col("status")], e.status.as_str());
        assert_eq!(cents(&f[col("balance_after")]), e.balance_after.get());
        assert_eq!(f[col("unit")], "USD");
        assert_eq!(f[col("type")], e.kind.as_str());
        assert_eq!(
            f[col("description")],
            e.usage.description.as_ref().map_or("", |d| d.as_str())
        );
    }
}

#[test]
fn csv_fields_are_quoted_and_never_run_as_formulas() {
    use creditboard_domain::entry::{ConsumeOp, Operation, Usage};
    use creditboard_domain::ids::{IdempotencyKey, Label};
    let mut l = funded(100);
    let t = l.now() + Duration::minutes(1);
    for (i, text) in ["Shot \"A\", take 2", "=HYPERLINK(\"x\")", "-3 dB"]
        .iter()
        .enumerate()
    {
        l.apply(Operation::Consume(ConsumeOp {
            key: IdempotencyKey::new(&format!("k{i}")).unwrap(),
            meter: meter(),
            amount: creditboard_domain::Amount::minor(1),
            at: t + Duration::minutes(i as i64),
            status: JobStatus::Success,
            usage: Usage {
                description: Some(Label::new(text).unwrap()),
                ..Usage::default()
            },
        }))
        .unwrap();
    }
    let (csv, _) = export_all(&l, &ActivityQuery::default(), 10);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    let desc = fields(CSV_HEADER)
        .iter()
        .position(|h| h == "description")
        .unwrap();
    let got: Vec<String> = lines[1..4]
        .iter()
        .map(|l| fields(l)[desc].clone())
        .collect();
    assert_eq!(got, ["'-3 dB", "'=HYPERLINK(\"x\")", "Shot \"A\", take 2"]);
    assert!(lines[1].contains("\"'-3 dB\""));
    // Amounts keep their minus sign unquoted.
    let amount = fields(CSV_HEADER)
        .iter()
        .position(|h| h == "amount")
        .unwrap();
    assert_eq!(fields(lines[1])[amount], "-1");
}

#[test]
fn a_value_never_seen_matches_nothing_and_a_reset_ledger_is_indexed_again() {
    let l = demo(PresetId::Videogen);
    let mut index = ActivityIndex::new();
    let mut q = ActivityQuery::default();
    q.filter.members = vec![creditboard_domain::ids::MemberId::new("m_nobody").unwrap()];
    let page = activity_page(&l, &mut index, &request(q, 25, 1), now()).unwrap();
    assert_eq!((page.total_count, page.rows.len()), (0, 0));
    assert_eq!(index.len(), l.entries().len());
    // A shorter ledger (a reset demo) replaces what the index knew.
    let small = funded(10);
    let page = activity_page(
        &small,
        &mut index,
        &request(ActivityQuery::default(), 25, 1),
        now(),
    )
    .unwrap();
    assert_eq!(page.total_count, small.entries().len() as u64);
    assert_eq!(index.len(), small.entries().len());
}

#[test]
fn listings_page_through_blocks_and_posting_lists_like_a_plain_scan() {
    // Lucas keeps two meters; VideoGen at ten times its rhythm spans dozens of the index's
    // blocks and has members, engines and tiers to filter by.
    for (preset, scale_percent) in [(PresetId::Lucas, 100), (PresetId::Videogen, 1000)] {
        let l = generate(&HistoryOptions {
            scale_percent,
            ..HistoryOptions::new(preset, now())
        })
        .unwrap()
        .ledger;
        assert!(l.entries().len() > 2048, "{}", l.entries().len());
        listings_match_a_plain_scan(&l);
    }
}

/// The filters a listing is checked with: none (block sums), and when the ledger has them,
/// attribute values (posting lists): one member, two members, a member and an engine, a
/// member with a text search, a member with a kind.
fn attribute_filters(l: &Ledger) -> Vec<(String, LedgerFilter, Keep)> {
    let mut cases: Vec<(String, LedgerFilter, Keep)> =
        vec![("none".into(), LedgerFilter::default(), Box::new(|_| true))];
    let distinct = |pick: fn(&LedgerEntry) -> Option<String>| {
        let mut seen: Vec<String> = Vec::new();
        for v in l.entries().iter().rev().filter_map(pick) {
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
        seen
    };
    let members = distinct(|e| e.usage.member.as_ref().map(|m| m.as_str().to_string()));
    let engines = distinct(|e| e.usage.engine.as_ref().map(|m| m.as_str().to_string()));
    let member_of = |e: &LedgerEntry| e.usage.member.as_ref().map(|m| m.as_str().to_string());
    let raw = |member: &str, engine: Option<&str>, q: Option<&str>| {
        creditboard_domain::api::query::RawQuery {
            member: Some(member.into()),
            engine: engine.map(Into::into),
            q: q.map(Into::into),
            ..Default::default()
        }
        .parse()
        .unwrap()
        .filter
    };
    if let Some(m) = members.first().cloned() {
        let m1 = m.clone();
        cases.push((
            format!("member={m}"),
            raw(&m, None, None),
            Box::new(move |e| member_of(e).as_deref() == Some(m1.as_str())),
        ));
        if let Some(other) = members.get(1).cloned() {
            let both = [m.clone(), other.clone()];
            cases.push((
                format!("member={m},{other}"),
                raw(&format!("{m},{other}"), None, None),
                Box::new(move |e| member_of(e).is_some_and(|x| both.contains(&x))),
            ));
        }
        if let Some(engine) = engines.first().cloned() {
            let (m2, e2) = (m.clone(), engine.clone());
            cases.push((
                format!("member={m} engine={engine}"),
                raw(&m, Some(&engine), None),
                Box::new(move |e| {
                    member_of(e).as_deref() == Some(m2.as_str())
                        && e.usage.engine.as_ref().map(|x| x.as_str()) == Some(e2.as_str())
                }),
            ));
            let (m3, word) = (m.clone(), engine.to_lowercase());
            cases.push((
                format!("member={m} q={}", engine.to_uppercase()),
                raw(&m, None, Some(&engine.to_uppercase())),
                Box::new(move |e| {
                    member_of(e).as_deref() == Some(m3.as_str())
                        && [
                            e.usage.description.as_ref().map(|x| x.as_str()),
                            e.usage.feature.as_ref().map(|x| x.as_str()),
                            e.usage.engine.as_ref().map(|x| x.as_str()),
                        ]
                        .into_iter()
                        .flatten()
                        .any(|t| t.to_lowercase().contains(&word))
                }),
            ));
        }
        let mut consumes = raw(&m, None, None);
        consumes.kinds = vec![EntryKind::Consume];
        cases.push((
            format!("member={m} type=consume"),
            consumes,
            Box::new(move |e| {
                e.kind == EntryKind::Consume && member_of(e).as_deref() == Some(m.as_str())
            }),
        ));
    }
    cases
}

fn listings_match_a_plain_scan(l: &Ledger) {
    let (tz, fresh) = (l.config().timezone, l.config().freshness);
    let meters: Vec<Option<MeterId>> = std::iter::once(None)
        .chain(l.config().meters.iter().map(|m| Some(m.id.clone())))
        .collect();
    // An older snapshot, so some entries count as newer.
    let snapshot = l.entries()[l.entries().len() - 777].id;
    let mut index = ActivityIndex::new();
    for ((name, filter, keep), meter) in attribute_filters(l)
        .iter()
        .flat_map(|f| meters.iter().map(move |m| (f, m)))
    {
        for period in [
            None,
            Some(Period::preset(PeriodPreset::Last30Days)),
            Some(Period::preset(PeriodPreset::Last90Days)),
        ] {
            let range = period.map(|p| p.resolve(now(), &Calendar::new(tz, fresh)));
            let in_view = |e: &LedgerEntry| {
                meter.as_ref().is_none_or(|m| e.meter == *m)
                    && range.as_ref().is_none_or(|r| r.contains(e.at))
                    && keep(e)
            };
            let want = expected(l, |e| in_view(e) && e.id <= snapshot);
            let sums = used_and_added(l, |e| in_view(e) && e.id <= snapshot);
            let newer = expected(l, |e| in_view(e) && e.id > snapshot).len() as u64;
            let query = ActivityQuery {
                period,
                meter: meter.clone(),
                filter: filter.clone(),
            };
            for size in [25u32, 100] {
                let last = want.len().div_ceil(size as usize).max(1) as u32;
                for page in [1, 2, last / 3 + 1, last / 2 + 1, last - 1, last].map(|p| p.max(1)) {
                    let got = activity_page(
                        l,
                        &mut index,
                        &PageRequest {
                            snapshot: Some(snapshot),
                            ..request(query.clone(), size, page)
                        },
                        now(),
                    )
                    .unwrap();
                    let case = format!("{name} {meter:?} {period:?} size {size} page {page}");
                    assert_eq!(got.total_count, want.len() as u64, "{case}");
                    assert_eq!(got.newer, newer, "{case}");
                    // Past the last page, the last page (an empty listing has one, empty).
                    let shown_page = page.min(last);
                    assert_eq!(got.page, shown_page, "{case}");
                    let skip = ((shown_page - 1) * size) as usize;
                    let ids: Vec<u64> = want
                        .iter()
                        .skip(skip)
                        .take(size as usize)
                        .map(|e| e.id.0)
                        .collect();
                    let shown: Vec<u64> = got.rows.iter().map(|r| r.entry.id.0).collect();
                    assert_eq!(shown, ids, "{case}");
                    assert_totals(&got, &want, &sums, &case);
                }
            }
        }
    }
}

/// A copy without its history finds where a period starts from its block sums, whose times
/// are kept to the millisecond: "the last 24 hours" can start inside a millisecond whose
/// entries run on across a block's end, and the listing is still cut where the entries say.
#[test]
fn a_period_starting_inside_a_millisecond_is_cut_where_the_entries_are() {
    use creditboard_domain::activity::{BlockSums, partial_page};
    let mut l = funded(1_000);
    let t = at(1) + Duration::microseconds(300);
    for n in 0..7 {
        l.apply(consume(&format!("c{n}"), 1, t)).unwrap();
    }
    let late = t + Duration::microseconds(400);
    l.apply(consume("late", 1, late)).unwrap();
    // Blocks of four: the purchase and c0–c2, c3–c6, "late"; all but the purchase in one
    // millisecond.
    let mut blocks = BlockSums::with_block_size(4);
    blocks.sync(&l);
    let now = t + Duration::hours(24) + Duration::microseconds(350);
    let query = ActivityQuery {
        period: Some(Period::preset(PeriodPreset::Last1Day)),
        ..ActivityQuery::default()
    };
    let req = request(query, 10, 1);
    let whole = activity_page(&l, &mut ActivityIndex::new(), &req, now).unwrap();
    // The period starts 350 µs after c0–c6 were written, 50 µs before "late".
    assert_eq!(whole.total_count, 1);
    assert_eq!(whole.rows[0].entry.key.as_str(), "late");
    assert_eq!(partial_page(&l, &blocks, &req, now).unwrap(), whole);
}

/// A filtered listing scanned from the entries (as for a copy opened from its snapshot)
/// counts a settlement in the period by its job's kind and status even when the job began
/// before the period: the job is looked up, with what settled it before the period.
#[test]
fn a_scanned_listing_counts_settlements_of_older_jobs_by_their_job() {
    let mut l = funded(100_000);
    let t = at(1);
    // A capture is written as a release and the charge: the charge is what a refund names.
    let last_capture = |l: &Ledger| {
        let mut captures = l.entries().iter().rev();
        captures
            .find(|e| e.kind == EntryKind::HoldCapture)
            .unwrap()
            .id
    };
    let job = |l: &mut Ledger, op| {
        let receipt = l.apply(op).unwrap();
        l.receipt_entries(&receipt)[0].id
    };
    let mut long = hold("captured", 400, t);
    if let creditboard_domain::entry::Operation::Hold(h) = &mut long {
        h.expires_in = Some(3 * 24 * 3600);
    }
    let captured = job(&mut l, long);
    let failed = job(&mut l, hold("failed", 300, t));
    let charged = job(&mut l, consume("charged", 200, t));
    let early = job(&mut l, hold("early", 100, t));
    // One hold released as failed before the period, one captured before it and one in it;
    // both captures and the charge refunded in part in it.
    l.apply(release_with(
        "fail",
        failed,
        t + Duration::hours(2),
        JobStatus::Failed,
    ))
    .unwrap();
    l.apply(capture("take-early", early, 90, t + Duration::hours(3)))
        .unwrap();
    let early_capture = last_capture(&l);
    // Entries between, so the jobs are not in the chunk that reaches the period's start.
    for i in 0..20 {
        l.apply(consume(
            &format!("pad-{i}"),
            1,
            t + Duration::hours(4) + Duration::minutes(i),
        ))
        .unwrap();
    }
    let later = t + Duration::hours(50);
    l.apply(capture("take", captured, 250, later)).unwrap();
    let capture = last_capture(&l);
    l.apply(refund(
        "back",
        capture,
        Some(50),
        later + Duration::minutes(1),
    ))
    .unwrap();
    l.apply(refund(
        "back2",
        charged,
        Some(20),
        later + Duration::minutes(2),
    ))
    .unwrap();
    l.apply(refund(
        "back3",
        early_capture,
        Some(30),
        later + Duration::minutes(3),
    ))
    .unwrap();
    l.advance_to(later + Duration::hours(1)).unwrap();
    let now = l.now();
    let day = |kinds: Vec<EntryKind>, statuses: Vec<EntryStatus>| ActivityQuery {
        period: Some(Period::preset(PeriodPreset::Last1Day)),
        filter: LedgerFilter {
            kinds,
            statuses,
            ..LedgerFilter::default()
        },
        ..ActivityQuery::default()
    };
    let queries = [
        day(vec![], vec![EntryStatus::Success]),
        day(vec![], vec![EntryStatus::Pending]),
        day(vec![EntryKind::Hold], vec![]),
        day(vec![EntryKind::Consume], vec![]),
        day(vec![EntryKind::Hold], vec![EntryStatus::Success]),
    ];
    for query in queries {
        let req = request(query, 10, 1);
        let expected = activity_page(&l, &mut ActivityIndex::new(), &req, now).unwrap();
        assert_eq!(scan_page(&l, &l, &req, now), expected, "{req:?}");
    }
    // The capture and the refunds of both captures count for the captured holds: usage 250
    // less the 50 and 30 given back (the refund of the charge is a charge's, not a hold's).
    let req = request(
        day(vec![EntryKind::Hold], vec![EntryStatus::Success]),
        10,
        1,
    );
    let page = scan_page(&l, &l, &req, now);
    assert_eq!(page.total_count, 0, "no hold began in the last day");
    assert_eq!(page.totals.len(), 1);
    assert_eq!(page.totals[0].used.get(), 250 - 50 - 30);
}
