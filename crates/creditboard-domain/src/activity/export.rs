//! The CSV export of a listing, chunk by chunk from one snapshot (a keyset walk by id), with
//! times in the account's timezone and amounts in the meter's unit.

use super::index::ActivityIndex;
use super::job::job_row;
use super::listing::{Matcher, candidates};
use super::{ActivityQuery, ActivityRow};
use crate::config::AccountConfig;
use crate::config::meter::MeterUnit;
use crate::entry::EntryId;
use crate::error::Result;
use crate::ids::Label;
use crate::ledger::Ledger;
use crate::tz::Timezone;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The next piece of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportRequest {
    pub query: ActivityQuery,
    /// Fixed by the first chunk; later chunks pass it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<EntryId>,
    /// Continue with entries older than this one (the last id of the previous chunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than: Option<EntryId>,
    pub rows: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportChunk {
    /// CSV lines, each ending in CRLF; the first chunk starts with the header.
    pub csv: String,
    pub rows: u32,
    pub snapshot: EntryId,
    /// Where the next chunk starts; `None` when this was the last.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub older_than: Option<EntryId>,
    /// Rows in the whole export (for progress).
    pub total: u64,
}

/// The CSV header: one column per attribute, amounts in the meter's unit.
/// `amount` is what the row comes to now; `balance_after` is the balance right after the
/// entry that began it; `settled` is when a hold was captured or released.
pub const CSV_HEADER: &str = "id,time,meter,unit,type,status,description,feature,category,engine,tier,member,project,quantity,quantity_unit,amount,balance_after,refunded,settled";

/// One chunk of the CSV export of a listing, newest first like the table: a line per row
/// (a job with where it stands now, or an entry that stands alone).
pub fn export_chunk(
    ledger: &Ledger,
    index: &mut ActivityIndex,
    req: &ExportRequest,
    now: DateTime<Utc>,
) -> Result<ExportChunk> {
    req.check()?;
    index.sync(ledger);
    let index = &*index;
    let (_, entries) = candidates(ledger, &req.query, now)?;
    let newest = ledger.entries().last().map_or(EntryId(0), |e| e.id);
    let snapshot = req.snapshot.map_or(newest, |s| s.min(newest));
    let matcher = Matcher::new(&req.query);
    let config = ledger.config();
    // Ids grow with time, so the slice below the cursor is a binary search away.
    let bound = req
        .older_than
        .map_or(snapshot, |o| EntryId(o.0.saturating_sub(1)).min(snapshot));
    let end = entries.partition_point(|e| e.id <= bound);
    let lo = entries.first().map_or(0, |e| (e.id.0 - 1) as usize);
    let compiled = index.compile(&req.query);
    let row_at = |i: usize| {
        index.is_root(i)
            && compiled.as_ref().is_some_and(|c| c.matches(index, i))
            && matcher.search_hits(&entries[i - lo])
    };
    let first = req.older_than.is_none();
    let total = if first {
        (lo..lo + end).filter(|&i| row_at(i)).count() as u64
    } else {
        0
    };
    let mut csv = String::new();
    if first {
        csv.push_str(CSV_HEADER);
        csv.push_str("\r\n");
    }
    let (mut rows, mut last) = (0u32, None);
    let mut more = false;
    for i in (lo..lo + end).rev() {
        if !row_at(i) {
            continue;
        }
        if rows == req.rows {
            more = true;
            break;
        }
        let row = job_row(index, ledger.entries(), i);
        csv_line(&mut csv, &row, config);
        rows += 1;
        last = Some(row.entry.id);
    }
    Ok(ExportChunk {
        csv,
        rows,
        snapshot,
        older_than: if more { last } else { None },
        total,
    })
}

/// One row as a CSV line: the entry that began it, with the job's status, amount, refunds
/// and settlement. Times are ISO-8601 in the account's timezone, with its offset.
pub fn csv_line(out: &mut String, row: &ActivityRow, config: &AccountConfig) {
    use std::fmt::Write;
    let e = &row.entry;
    let meter = config.meters.iter().find(|m| m.id == e.meter);
    let decimals = meter.map_or(0, |m| m.decimals);
    let member = e.usage.member.as_ref().map(|id| {
        config
            .members
            .iter()
            .find(|m| m.id == *id)
            .map_or(id.as_str(), |m| m.name.as_str())
    });
    let project = e.usage.project.as_ref().map(|id| {
        config
            .projects
            .iter()
            .find(|p| p.id == *id)
            .map_or(id.as_str(), |p| p.name.as_str())
    });
    let (quantity, quantity_unit) = match e.usage.quantity {
        Some(q) => (q.amount.to_string(), q.unit.as_str().to_string()),
        None => (String::new(), String::new()),
    };
    let fields: [String; 19] = [
        e.id.0.to_string(),
        local_iso(e.at, config.timezone),
        e.meter.as_str().to_string(),
        meter
            .map(|m| unit_name(&m.unit).to_string())
            .unwrap_or_default(),
        e.kind.as_str().to_string(),
        row.status.as_str().to_string(),
        opt(e.usage.description.as_ref().map(Label::as_str)),
        opt(e.usage.feature.as_ref().map(|f| f.as_str())),
        opt(e.usage.category.as_ref().map(|c| c.as_str())),
        opt(e.usage.engine.as_ref().map(Label::as_str)),
        opt(e.usage.tier.as_ref().map(|t| t.as_str())),
        opt(member),
        opt(project),
        quantity,
        quantity_unit,
        row.amount.to_decimal(decimals),
        e.balance_after.to_decimal(decimals),
        if row.refunded.is_zero() {
            String::new()
        } else {
            row.refunded.to_decimal(decimals)
        },
        row.settled
            .map(|s| local_iso(s.at, config.timezone))
            .unwrap_or_default(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", CsvField(f));
    }
    out.push_str("\r\n");
}

fn unit_name(unit: &MeterUnit) -> &str {
    match unit {
        MeterUnit::Credits => "credits",
        MeterUnit::Minutes => "minutes",
        MeterUnit::Currency { code } => code,
    }
}

fn opt(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

/// `2026-01-28T14:21:00-05:00`: the instant in the account's timezone.
pub fn local_iso(at: DateTime<Utc>, tz: Timezone) -> String {
    at.with_timezone(&tz.offset_at(at))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` in text is prefixed with `'` so a
/// spreadsheet does not run it as a formula. Numbers are written by us and never start so
/// except for a minus sign, which only amounts carry.
struct CsvField<'a>(&'a str);

impl std::fmt::Display for CsvField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        let numeric = s.parse::<f64>().is_ok();
        let formula = !numeric && s.starts_with(['=', '+', '-', '@']);
        let quote = formula || s.contains([',', '"', '\r', '\n']);
        if !quote {
            return f.write_str(s);
        }
        f.write_str("\"")?;
        if formula {
            f.write_str("'")?;
        }
        f.write_str(&s.replace('"', "\"\""))?;
        f.write_str("\"")
    }
}
