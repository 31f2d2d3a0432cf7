//! The cost estimator: one job or a batch of lines (feature, tier, quantity), priced by the
//! store against the balance; and, for a batch, the Cost Estimate dialog whose Confirm holds
//! every shot and hands them to the render queue.

mod lines;
mod prices;
mod results;

use prices::balance_in_units;
pub use prices::price_text;

use lines::{Draft, default_tier, line_row, parse_lines};
use results::{dialog_table, estimate_view};

use crate::browser::fresh_key;
use crate::components::spend::{Outcome, Said};
use crate::components::ui::dialog::Dialog;
use crate::format;
use crate::hooks::AccountData;
use crate::hooks::estimate::{use_estimate, use_hold_batch};
use creditboard_domain::api::AccountView;
use creditboard_domain::batch::BatchRequest;
use creditboard_domain::ids::MeterId;
use creditboard_domain::ratecard::{MAX_ESTIMATE_LINES, RateCard};
use leptos::prelude::*;

#[component]
pub fn Estimator(account: AccountView, card: RateCard) -> impl IntoView {
    let data = AccountData::expect();
    let first = card.features.first().cloned();
    let next_id = StoredValue::new(2u32);
    let lines = RwSignal::new(vec![Draft {
        id: 1,
        label: String::new(),
        feature: first.as_ref().map(|f| f.id.to_string()).unwrap_or_default(),
        tier: first.as_ref().map(default_tier).unwrap_or_default(),
        quantity: "10".into(),
    }]);
    let card = StoredValue::new(card);
    let account = StoredValue::new(account);
    let parsed = Memo::new(move |_| lines.with(|l| card.with_value(|c| parse_lines(l, c))));
    let estimate = use_estimate(move || parsed.get().ok());
    let add = move |_| {
        if lines.with(Vec::len) >= MAX_ESTIMATE_LINES {
            return;
        }
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        lines.update(|l| {
            let copy = l.last().cloned();
            l.push(Draft {
                id,
                label: String::new(),
                ..copy.unwrap_or(Draft {
                    id,
                    label: String::new(),
                    feature: String::new(),
                    tier: String::new(),
                    quantity: "1".into(),
                })
            });
        });
    };
    let dialog_open = RwSignal::new(false);
    let outcome = RwSignal::<Said>::new(None);
    let open_dialog = move |_| {
        outcome.set(None);
        dialog_open.set(true);
    };
    let close_dialog = move || dialog_open.set(false);
    let hold = use_hold_batch();
    let confirming = hold.pending();
    // What came of the batch: the dialog closes, and the queue above takes over.
    Effect::new(move |_| {
        let Some(result) = hold.value().get() else {
            return;
        };
        close_dialog();
        outcome.set(Some(match result {
            Ok(n) => Ok(format!(
                "{n} shots held and rendering: follow them in the render queue above."
            )),
            Err(e) => Err(e.to_string()),
        }));
    });
    let confirm = move |_| {
        let Ok(lines) = parsed.get_untracked() else {
            return;
        };
        let names: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.label
                    .as_ref()
                    .map_or_else(|| format!("Shot {}", i + 1), |x| x.to_string())
            })
            .collect();
        let request = BatchRequest {
            key: fresh_key("batch"),
            lines,
            project: None,
        };
        hold.dispatch((request, names));
    };
    let meter_of =
        move |id: &MeterId| account.with_value(|a| a.meters.iter().find(|m| &m.id == id).cloned());
    let results = move || {
        let problem = parsed.get().err();
        if let Some(p) = problem {
            return view! { <p class="bad" role="alert">{p}</p> }.into_any();
        }
        match estimate.get() {
            Some(Some(Ok(e))) => estimate_view(&e, &meter_of, card).into_any(),
            Some(Some(Err(e))) => {
                view! { <p class="bad" role="alert">{e.to_string()}</p> }.into_any()
            }
            _ => view! { <p class="muted">"Pricing…"</p> }.into_any(),
        }
    };
    let can_run = move || matches!(estimate.get(), Some(Some(Ok(e))) if e.can_run());
    let in_units = move || {
        let balance = data.balance.get().and_then(Result::ok)?;
        let parts: Vec<String> = account.with_value(|a| {
            card.with_value(|c| {
                balance
                    .meters
                    .iter()
                    .filter_map(|m| {
                        let meter = a.meters.iter().find(|x| x.id == m.balance.meter)?;
                        let units = balance_in_units(c, meter, m.balance.available, 2);
                        (!units.is_empty()).then(|| {
                            format!(
                                "{} ≈ {}",
                                format::amount(m.balance.available, meter),
                                units.join(" or ")
                            )
                        })
                    })
                    .collect()
            })
        });
        Some(format!("Your balance: {}.", parts.join("; ")))
    };
    view! {
        <section class="card estimator" aria-labelledby="estimator-title" data-testid="estimator">
            <h2 id="estimator-title">"Cost estimator"</h2>
            <p class="muted" data-testid="balance-in-units">{in_units}</p>
            <ol class="estimate-lines">
                <For each=move || lines.get() key=|d| d.id let(d)>
                    {line_row(d, lines, card)}
                </For>
            </ol>
            <div class="estimate-actions">
                <button type="button" class="button" on:click=add>"Add a line"</button>
            </div>
            <div class="estimate-result" aria-live="polite" data-testid="estimate-result">{results}</div>
            <div class="estimate-actions">
                <button
                    type="button"
                    class="button primary"
                    data-testid="generate"
                    disabled=move || !can_run()
                    on:click=open_dialog
                >
                    "Generate…"
                </button>
            </div>
            <p class="outcome" role="status" data-testid="generate-outcome">
                <Outcome outcome />
            </p>
            <Dialog
                open=dialog_open
                on_close=Callback::new(move |()| close_dialog())
                title="Cost estimate"
                title_id="cost-title"
                testid="cost-estimate"
                class="cost-dialog"
            >
                {move || match estimate.get() {
                    Some(Some(Ok(e))) => {
                        let words = account.with_value(|a| a.presentation.estimate_words.clone());
                        dialog_table(&e, &meter_of, card, &words).into_any()
                    }
                    _ => ().into_any(),
                }}
                <p class="muted">
                    {move || {
                        let line = account
                            .with_value(|a| a.presentation.estimate_words.line.as_str().to_lowercase());
                        format!(
                            "Nothing is spent until you confirm. Each {line}'s cost is held now and charged when it completes; a failed {line} costs nothing."
                        )
                    }}
                </p>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| close_dialog()>"Cancel"</button>
                    <button
                        type="button"
                        class="button primary"
                        data-testid="confirm-batch"
                        disabled=move || confirming.get()
                        on:click=confirm
                    >
                        {move || if confirming.get() { "Holding…" } else { "Confirm" }}
                    </button>
                </div>
            </Dialog>
        </section>
    }
}
