//! One ledger entry's every attribute, in the design system's drawer, named as the product
//! heads its columns.

use super::context::{Context, status_text};
use crate::components::ui::drawer::Drawer;
use crate::format;
use crate::view::activity::Column;
use creditboard_domain::activity::ActivityRow;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::entry::{EntryKind, LedgerEntry};
use creditboard_domain::tz::Timezone;
use leptos::prelude::*;

/// "120 from monthly allocation, 30 from rollover bank", in the product's names for buckets.
pub fn split_sentence(
    e: &LedgerEntry,
    meter: Option<&MeterConfig>,
    names: &Presentation,
) -> String {
    e.split
        .iter()
        .map(|s| {
            let n = match meter {
                Some(m) => format::number(s.amount.abs(), m),
                None => s.amount.get().abs().to_string(),
            };
            let dir = if s.amount.is_negative() {
                "from"
            } else {
                "into"
            };
            format!("{n} {dir} {}", names.bucket_name(s.kind).to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every attribute of the selected entry, in a drawer; closing it clears the selection and
/// returns focus to the row's button.
#[component]
pub fn EntryDrawer(ctx: Context, selected: RwSignal<Option<ActivityRow>>) -> impl IntoView {
    let body = move || {
        selected
            .get()
            .map(|row| view! { <dl class="details">{details(&ctx, &row)}</dl> })
    };
    view! {
        <Drawer
            open=Signal::derive(move || selected.with(Option::is_some))
            on_close=Callback::new(move |()| selected.set(None))
            title="Ledger entry"
            title_id="cb-entry-title"
            close_label="Close the entry details"
            testid="entry-drawer"
        >
            {body.clone()}
        </Drawer>
    }
}

/// The entry's attributes as terms and descriptions, those it has, in a fixed order.
fn details(ctx: &Context, row: &ActivityRow) -> impl IntoView + use<> {
    let e = row.entry.clone();
    let meter = ctx.meter(&e.meter).cloned();
    let tz: Timezone = ctx.account.timezone;
    let (status, note) = status_text(row);
    let amount = |a| match &meter {
        Some(m) => format::amount(a, m),
        None => a.get().to_string(),
    };
    // Named as the product heads its columns (Foto Master's "Transaction").
    let words = &ctx.account.presentation;
    let mut items: Vec<(&str, String)> = vec![
        ("Entry", format!("#{}", e.id.0)),
        (
            words.heading(Column::Time),
            format!(
                "{} ({})",
                format::moment(tz.local(e.at), true, true),
                tz.name()
            ),
        ),
        (words.heading(Column::Description), ctx.description(&e)),
        (words.heading(Column::Type), e.kind.label().to_string()),
        (
            words.heading(Column::Status),
            match note {
                Some(n) => format!("{status} — {n}"),
                None => status.to_string(),
            },
        ),
        (words.heading(Column::Amount), amount(row.amount)),
        (words.heading(Column::Balance), amount(e.balance_after)),
    ];
    // A hold's life: what was held and when, then how it was settled.
    if e.kind == EntryKind::Hold {
        let moment = |at| format::moment(tz.local(at), true, true);
        items.push((
            "Held",
            format!("{} at {}", amount(e.amount.abs()), moment(e.at)),
        ));
        match row.settled {
            Some(s) if s.expired => {
                items.push((
                    "Expired",
                    format!(
                        "not settled in time: {} given back at {}",
                        amount(s.released),
                        moment(s.at)
                    ),
                ));
            }
            Some(s) if s.captured.is_zero() => {
                items.push((
                    "Released",
                    format!("{} at {}", amount(s.released), moment(s.at)),
                ));
            }
            Some(s) => {
                items.push((
                    "Captured",
                    format!("{} at {}", amount(s.captured), moment(s.at)),
                ));
                if !s.released.is_zero() {
                    items.push(("Given back", amount(s.released)));
                }
            }
            None => items.push((
                "Settled",
                match e.expires_at {
                    Some(x) => format!(
                        "not yet: the job is still running (given back by itself at {} unless settled)",
                        moment(x)
                    ),
                    None => "not yet: the job is still running".to_string(),
                },
            )),
        }
    }
    if let Some(m) = &meter {
        items.push(("Meter", m.name.clone()));
    }
    if !e.split.is_empty() {
        items.push(("Buckets", split_sentence(&e, meter.as_ref(), words)));
    }
    let u = &e.usage;
    if let Some(f) = &u.feature {
        items.push(("Feature", ctx.card.feature_name(f.as_str()).to_string()));
    }
    if let Some(c) = &u.category {
        items.push((
            words.heading(Column::Category),
            ctx.card.category_name(c.as_str()).to_string(),
        ));
    }
    if let Some(x) = &u.engine {
        items.push((words.heading(Column::Service), x.as_str().to_string()));
    }
    if let Some(t) = &u.tier {
        items.push((
            words.heading(Column::Tier),
            ctx.card.tier_name(t.as_str()).to_string(),
        ));
    }
    if let Some(q) = &u.quantity {
        items.push(("Quantity", q.unit.count_label(q.amount)));
    }
    if let Some(m) = &u.member {
        items.push((words.heading(Column::Member), ctx.member(m.as_str())));
    }
    if let Some(p) = &u.project {
        items.push((words.heading(Column::Project), ctx.project(p.as_str())));
    }
    if !row.refunded.is_zero() {
        items.push(("Refunded", amount(row.refunded)));
    }
    if let Some(r) = e.reverses {
        items.push(("Reverses", format!("entry #{}", r.0)));
    }
    if let Some(x) = e.expires_at.filter(|_| e.kind != EntryKind::Hold) {
        items.push(("Expires", format::long_date(tz.local(x).date())));
    }
    items.push(("Idempotency key", e.key.as_str().to_string()));
    items
        .into_iter()
        .map(|(k, v)| view! { <dt>{k.to_string()}</dt><dd>{v}</dd> })
        .collect_view()
}
