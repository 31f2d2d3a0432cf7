//! Prints a summary of each preset's demo history (for tuning the presets by eye).
#![allow(clippy::unwrap_used, reason = "a tuning aid, not product code")]
use chrono::Utc;
use creditboard_domain::entry::EntryKind;
use creditboard_domain::history::{HistoryOptions, generate};
use creditboard_domain::preset::PresetId;

fn main() {
    let now = Utc::now();
    for p in PresetId::ALL {
        let t = std::time::Instant::now();
        let demo = generate(&HistoryOptions::new(p, now)).expect("demo");
        let l = &demo.ledger;
        let count = |k: EntryKind| l.entries().iter().filter(|e| e.kind == k).count();
        println!(
            "{p}: {} entries in {:?}; consumes {}, refunds {}, purchases {}, top-ups {}, refills {}, expiries {}, rollovers {}, holds {}, grants {}",
            l.entries().len(),
            t.elapsed(),
            count(EntryKind::Consume),
            count(EntryKind::Refund),
            count(EntryKind::Purchase),
            count(EntryKind::AutoTopUp),
            count(EntryKind::Refill),
            count(EntryKind::Expiry),
            count(EntryKind::Rollover),
            count(EntryKind::Hold),
            count(EntryKind::Grant),
        );
        for m in &l.config().meters {
            let b = l.balance(&m.id).unwrap();
            println!(
                "   {}: available {} held {} buckets {:?}",
                m.name,
                b.available.to_decimal(m.decimals),
                b.held.to_decimal(m.decimals),
                b.buckets
                    .iter()
                    .map(|b| (b.kind, b.balance.to_decimal(m.decimals)))
                    .collect::<Vec<_>>()
            );
        }
    }
}
