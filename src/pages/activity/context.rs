//! What the Activity pages know of the account besides the listing: its names (meters,
//! members, projects, engines), the columns it has data for, and how an entry reads (when,
//! what, its status).

use crate::format;
use crate::hooks::AccountData;
use crate::store::StoreError;
use crate::view::activity::Column;
use chrono::Datelike;
use creditboard_domain::activity::ActivityRow;
use creditboard_domain::api::AccountView;
use creditboard_domain::config::meter::{MeterConfig, MeterUnit};
use creditboard_domain::entry::{EntryKind, EntryStatus, LedgerEntry};
use creditboard_domain::ids::MeterId;
use creditboard_domain::ratecard::RateCard;
use leptos::prelude::*;
use std::sync::Arc;

/// What the listing needs besides the page: names and the account's shape.
#[derive(Clone)]
pub struct Context {
    pub account: Arc<AccountView>,
    pub card: Arc<RateCard>,
}

impl Context {
    pub fn meter(&self, id: &MeterId) -> Option<&MeterConfig> {
        self.account.meters.iter().find(|m| m.id == *id)
    }
    pub fn member(&self, id: &str) -> String {
        self.account
            .members
            .iter()
            .find(|m| m.id.as_str() == id)
            .map_or_else(|| id.to_string(), |m| m.name.clone())
    }
    pub fn project(&self, id: &str) -> String {
        self.account
            .projects
            .iter()
            .find(|p| p.id.as_str() == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }
    pub fn engines(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .card
            .features
            .iter()
            .filter_map(|f| f.engine.as_ref().map(|e| e.as_str().to_string()))
            .collect();
        v.sort();
        v.dedup();
        v
    }
    /// Whether the account has this value of a filter (`member`, `category`, …).
    pub fn knows(&self, key: &str, value: &str) -> bool {
        let (a, c) = (&self.account, &self.card);
        match key {
            "member" => a.members.iter().any(|m| m.id.as_str() == value),
            "project" => a.projects.iter().any(|p| p.id.as_str() == value),
            "category" => c.categories.iter().any(|x| x.id.as_str() == value),
            "feature" => c.features.iter().any(|x| x.id.as_str() == value),
            "tier" => c.tiers.iter().any(|x| x.id.as_str() == value),
            "engine" => self.engines().iter().any(|e| e == value),
            _ => true,
        }
    }
    /// The product's columns this account has data for (no team: no member column, and so on).
    pub fn usual_columns(&self) -> Vec<Column> {
        self.account
            .presentation
            .ledger_columns
            .iter()
            .copied()
            .filter(|c| match c {
                Column::Service => !self.engines().is_empty(),
                Column::Category => !self.card.categories.is_empty(),
                Column::Member => !self.account.members.is_empty(),
                Column::Project => !self.account.projects.is_empty(),
                Column::Tier => !self.card.tiers.is_empty(),
                _ => true,
            })
            .collect()
    }
    /// "Jan 28, 2:21 PM" in the account's timezone (with the year when it is not this one).
    pub fn when(&self, e: &LedgerEntry) -> String {
        let tz = self.account.timezone;
        let local = tz.local(e.at);
        let this_year = tz.local(crate::browser::now()).year();
        format::moment(local, local.year() != this_year, false)
    }
    /// What the entry was: its description, else its feature, else its type.
    pub fn description(&self, e: &LedgerEntry) -> String {
        if let Some(d) = &e.usage.description {
            return d.as_str().to_string();
        }
        if let Some(f) = &e.usage.feature {
            return self.card.feature_name(f.as_str()).to_string();
        }
        match (e.kind, e.reverses) {
            (EntryKind::Refund, Some(of)) => format!("Refund of entry #{}", of.0),
            (kind, _) => kind.label().to_string(),
        }
    }
}

// A memo's value needs `PartialEq`: two contexts are the same when they share the loaded
// account and card (comparing whole accounts would cost more than it saves).
impl PartialEq for Context {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.account, &other.account) && Arc::ptr_eq(&self.card, &other.card)
    }
}

/// The account's names, once loaded.
pub fn use_context_data() -> Memo<Option<Result<Context, StoreError>>> {
    let data = AccountData::expect();
    Memo::new(move |_| {
        let account = data.account.get()?;
        let card = data.rate_card.get()?;
        Some((|| {
            Ok(Context {
                account: Arc::new(account?),
                card: Arc::new(card?),
            })
        })())
    })
}

/// "-20", "+500": the signed change, in a balance of money with its symbol ("-$1.50"), in
/// credits or minutes as the number alone (the column heading names the unit).
pub fn signed(amount: creditboard_domain::Amount, meter: Option<&MeterConfig>) -> String {
    let Some(meter) = meter else {
        return amount.get().to_string();
    };
    let n = match meter.unit {
        MeterUnit::Currency { .. } => format::amount(amount.abs(), meter),
        _ => format::number(amount.abs(), meter),
    };
    if amount.is_negative() {
        format!("-{n}")
    } else if amount.is_zero() {
        n
    } else {
        format!("+{n}")
    }
}

/// A balance in a table: money with its symbol ("$12.34"), anything else as the number.
pub fn balance_text(amount: creditboard_domain::Amount, meter: &MeterConfig) -> String {
    match meter.unit {
        MeterUnit::Currency { .. } => format::amount(amount, meter),
        _ => format::number(amount, meter),
    }
}

/// The class of a column's cells: amounts right-aligned.
pub fn column_class(column: Column) -> &'static str {
    match column {
        Column::Amount | Column::Balance => "num",
        _ => "",
    }
}

/// A table's header cells, in the product's words.
pub fn head_cells(ctx: &Context, columns: &[Column]) -> impl IntoView + use<> {
    columns
        .iter()
        .map(|c| {
            let heading = ctx.account.presentation.heading(*c).to_string();
            view! { <th scope="col" class=column_class(*c)>{heading}</th> }
        })
        .collect_view()
}

/// A cell of a row as plain text (the Credits panel's short history; the table's cells that
/// are text alone).
pub fn cell_text(ctx: &Context, row: &ActivityRow, column: Column) -> String {
    let e = &row.entry;
    let u = &e.usage;
    let meter = ctx.meter(&e.meter);
    match column {
        Column::Time => ctx.when(e),
        Column::Description => ctx.description(e),
        Column::Service => u.engine.as_ref().map(|x| x.to_string()).unwrap_or_default(),
        Column::Category => u
            .category
            .as_ref()
            .map(|c| ctx.card.category_name(c.as_str()).to_string())
            .unwrap_or_default(),
        Column::Member => u
            .member
            .as_ref()
            .map(|m| ctx.member(m.as_str()))
            .unwrap_or_default(),
        Column::Project => u
            .project
            .as_ref()
            .map(|p| ctx.project(p.as_str()))
            .unwrap_or_default(),
        Column::Tier => u
            .tier
            .as_ref()
            .map(|t| ctx.card.tier_name(t.as_str()).to_string())
            .unwrap_or_default(),
        Column::Type => e.kind.label().to_string(),
        Column::Status => status_text(row).0.to_string(),
        Column::Amount => signed(row.amount, meter),
        Column::Balance => meter
            .map(|m| balance_text(e.balance_after, m))
            .unwrap_or_default(),
    }
}

/// The status a person reads, and what became of the job when that matters: a failed job
/// that was refunded or released says it cost nothing.
pub fn status_text(row: &ActivityRow) -> (&'static str, Option<&'static str>) {
    let given_back = !row.refunded.is_zero();
    let nothing = row.amount.is_zero();
    let released = row.settled.is_some_and(|s| s.captured.is_zero());
    let expired = row.settled.is_some_and(|s| s.expired);
    let payment = row.entry.kind.is_paid_for();
    match row.status {
        EntryStatus::Pending if payment => ("Pending", Some("Waiting for the payment")),
        EntryStatus::Failed if payment => ("Failed", Some("Not paid — nothing was added")),
        EntryStatus::Pending => ("Pending", Some("Held for a job still running")),
        EntryStatus::Failed if expired => (
            "Failed",
            Some("Expired — not settled in time, you were not charged"),
        ),
        EntryStatus::Failed if released => ("Failed", Some("Released — you were not charged")),
        EntryStatus::Failed if given_back && nothing => {
            ("Failed", Some("Refunded — you were not charged"))
        }
        EntryStatus::Failed if given_back => ("Failed", Some("Partly refunded")),
        EntryStatus::Failed => ("Failed", None),
        EntryStatus::Success if released => ("Success", Some("Released — nothing was charged")),
        EntryStatus::Success if given_back && nothing => ("Success", Some("Refunded")),
        EntryStatus::Success if given_back => ("Success", Some("Partly refunded")),
        EntryStatus::Success => ("Success", None),
    }
}
