//! Automatic top-ups: the settings form (whose rules the domain states, through
//! [`AutoTopUp::problem`]), saving it, and what the settings would do at the recent burn rate.

use crate::components::spend::{AdminOnlyNote, Outcome, Said, parse_amount, parse_positive};
use crate::format;
use crate::hooks::account::use_change_settings;
use crate::hooks::account::use_may;
use crate::hooks::billing::use_top_up_simulation;
use creditboard_domain::Amount;
use creditboard_domain::access::Action;
use creditboard_domain::api::TopUpSimulationRequest;
use creditboard_domain::config::meter::{AutoTopUp, MeterConfig, TopUpAmount, TopUpProblem};
use creditboard_domain::config::settings::SettingsChange;
use creditboard_domain::ratecard::{RateCard, Requirement};
use creditboard_domain::topups::TopUpSimulation;
use leptos::prelude::*;

/// The top-up form as typed.
#[derive(Debug, Clone, PartialEq)]
struct TopUpForm {
    enabled: bool,
    threshold: String,
    refill_to: bool,
    amount: String,
    cap: String,
}

impl TopUpForm {
    /// The form showing saved settings (empty when there are none).
    fn from(settings: Option<AutoTopUp>, meter: &MeterConfig) -> Self {
        let n = |a| format::field_number(a, meter);
        match settings {
            Some(t) => TopUpForm {
                enabled: t.enabled,
                threshold: n(t.threshold),
                refill_to: matches!(t.amount, TopUpAmount::RefillTo(_)),
                amount: n(match t.amount {
                    TopUpAmount::Fixed(a) | TopUpAmount::RefillTo(a) => a,
                }),
                cap: t.monthly_cap.map(n).unwrap_or_default(),
            },
            None => TopUpForm {
                enabled: false,
                threshold: String::new(),
                refill_to: false,
                amount: String::new(),
                cap: String::new(),
            },
        }
    }

    /// The settings, or which field is wrong and why: the first field, in the form's order,
    /// that cannot be read or that the domain finds fault with.
    fn parse(&self, meter: &MeterConfig) -> Result<AutoTopUp, (&'static str, String)> {
        let threshold = parse_amount(&self.threshold, meter).map_err(|e| ("threshold", e))?;
        let amount = parse_positive(&self.amount, meter).map(|a| {
            if self.refill_to {
                TopUpAmount::RefillTo(a)
            } else {
                TopUpAmount::Fixed(a)
            }
        });
        let cap = if self.cap.trim().is_empty() {
            Ok(None)
        } else {
            parse_positive(&self.cap, meter).map(Some)
        };
        // The domain judges the settings as far as they can be read. A field not readable yet
        // stands in as a value it accepts, so what it finds fault with is a field that was
        // read: a negative threshold is named while the amount below it is still empty.
        let settings = AutoTopUp {
            enabled: self.enabled,
            threshold,
            amount: *amount.as_ref().unwrap_or(&ACCEPTED_AMOUNT),
            monthly_cap: *cap.as_ref().unwrap_or(&None),
        };
        let problem = settings.problem().map(|p| said(p, meter));
        let fault_in = |field: &'static str| match &problem {
            Some((f, sentence)) if *f == field => Err((field, sentence.clone())),
            _ => Ok(()),
        };
        fault_in("threshold")?;
        amount.map_err(|e| ("amount", e))?;
        fault_in("amount")?;
        cap.map_err(|e| ("cap", e))?;
        fault_in("cap")?;
        Ok(settings)
    }
}

/// What stands in for an amount not readable yet when the domain is asked: one minor unit
/// added, which no rule refuses.
const ACCEPTED_AMOUNT: TopUpAmount = TopUpAmount::Fixed(Amount::minor(1));

/// The field a problem the domain finds belongs to, and what the form says about it.
fn said(problem: TopUpProblem, meter: &MeterConfig) -> (&'static str, String) {
    match problem {
        TopUpProblem::CapBelowOneTopUp { smallest } => (
            "cap",
            format!(
                "A cap below one top-up ({}) would stop every top-up: raise the cap or lower the amount.",
                format::amount(smallest, meter)
            ),
        ),
        TopUpProblem::NegativeThreshold => {
            ("threshold", "The threshold cannot be negative.".into())
        }
        TopUpProblem::TargetNotAboveThreshold => {
            ("amount", "Refill to an amount above the threshold.".into())
        }
        // `parse_positive` refuses these before the domain is asked; if it ever lets one
        // through, the form says what it says for them.
        TopUpProblem::NothingAdded => ("amount", "Enter an amount greater than zero.".into()),
        TopUpProblem::CapNotPositive => ("cap", "Enter an amount greater than zero.".into()),
    }
}

/// The "Automatic top-ups" card of one meter: the settings, saving them, and their simulation.
#[component]
pub fn TopUps(meter: MeterConfig, card: RateCard) -> impl IntoView {
    let may = use_may(Action::ChangeTopUps);
    let form = RwSignal::new(TopUpForm::from(meter.auto_top_up, &meter));
    // Field errors wait until the form is touched: an empty form is not a mistake yet.
    let touched = RwSignal::new(meter.auto_top_up.is_some());
    let saved = RwSignal::<Said>::new(None);
    let m1 = meter.clone();
    let parsed = Memo::new(move |_| form.with(|f| f.parse(&m1)));
    let error_for = move |field: &'static str| {
        move || match parsed.get() {
            Err((f, msg)) if f == field && touched.get() => Some(msg),
            _ => None,
        }
    };
    // What these settings would do, asked again whenever they are valid and change.
    let meter_id = meter.id.clone();
    let simulation = use_top_up_simulation(move || {
        Some(TopUpSimulationRequest {
            meter: meter_id.clone(),
            settings: parsed.get().ok()?,
        })
    });
    let change = use_change_settings();
    let turned_on = StoredValue::new(false);
    Effect::new(move |_| {
        let Some(result) = change.value().get() else {
            return;
        };
        saved.set(Some(match result {
            Ok(()) => Ok(if turned_on.get_value() {
                "Automatic top-ups are on.".into()
            } else {
                "Automatic top-ups are off.".into()
            }),
            Err(e) => Err(e.to_string()),
        }));
    });
    let m2 = meter.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let settings = match parsed.get_untracked() {
            Ok(s) => s,
            Err((_, msg)) => return saved.set(Some(Err(msg))),
        };
        turned_on.set_value(settings.enabled);
        change.dispatch(SettingsChange::AutoTopUp {
            meter: m2.id.clone(),
            settings: Some(settings),
        });
    };
    let needing: Vec<String> = card
        .features
        .iter()
        .filter(|f| {
            f.meter == meter.id
                && f.prices
                    .iter()
                    .any(|p| f.requirements(p).contains(&Requirement::TopUpsEnabled))
        })
        .map(|f| f.name.clone())
        .collect();
    let unit = format::unit_name(&meter);
    let m3 = meter.clone();
    let sim_view = move || {
        let m = m3.clone();
        match simulation.get() {
            Some(Some(Ok(sim))) => simulation_table(&sim, &m).into_any(),
            Some(Some(Err(e))) => view! { <p class="bad">{e.to_string()}</p> }.into_any(),
            Some(None) => {
                view! { <p class="muted">"Fill in valid settings to see what they would cost."</p> }
                    .into_any()
            }
            None => view! { <p class="muted">"Working it out…"</p> }.into_any(),
        }
    };
    let field = move |id: &'static str,
                      label: String,
                      get: fn(&TopUpForm) -> String,
                      set: fn(&mut TopUpForm, String)| {
        let error = error_for(id);
        let error2 = error_for(id);
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    inputmode="decimal"
                    data-testid=format!("top-up-{id}")
                    aria-invalid=move || error2().is_some().to_string()
                    prop:value=move || form.with(get)
                    on:input:target=move |ev| {
                        touched.set(true);
                        form.update(|f| set(f, ev.target().value()));
                    }
                />
                <span class="field-error">{error}</span>
            </label>
        }
    };
    view! {
        <div class="card billing-card top-ups-card" id=format!("top-ups-{}", meter.id) data-testid=format!("top-ups-{}", meter.id)>
            <h2>"Automatic top-ups"</h2>
            <p class="muted">
                "Add credits whenever the balance drops below a threshold, so work never stops. Nothing is charged until a top-up happens."
            </p>
            {(!needing.is_empty())
                .then(|| {
                    view! {
                        <p class="requires-top-ups">
                            {format!("Needed by: {}.", needing.join(", "))}
                        </p>
                    }
                })}
            <AdminOnlyNote action=Action::ChangeTopUps />
            <form on:submit=save novalidate>
                <fieldset disabled=move || !may.get()>
                    <legend class="visually-hidden">"Top-up settings"</legend>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="top-up-enabled"
                            prop:checked=move || form.with(|f| f.enabled)
                            on:change:target=move |ev| form.update(|f| f.enabled = ev.target().checked())
                        />
                        "Top up automatically"
                    </label>
                    {field("threshold", format!("When the balance drops below ({unit})"), |f| f.threshold.clone(), |f, v| f.threshold = v)}
                    <label class="field">
                        <span>"How much"</span>
                        <select
                            data-testid="top-up-mode"
                            prop:value=move || if form.with(|f| f.refill_to) { "refill_to" } else { "fixed" }
                            on:change:target=move |ev| form.update(|f| f.refill_to = ev.target().value() == "refill_to")
                        >
                            <option value="fixed">"Add a fixed amount"</option>
                            <option value="refill_to">"Refill to a target"</option>
                        </select>
                    </label>
                    {field("amount", format!("Amount ({unit})"), |f| f.amount.clone(), |f, v| f.amount = v)}
                    {field("cap", format!("Monthly cap ({unit}, optional)"), |f| f.cap.clone(), |f, v| f.cap = v)}
                    <button type="submit" class="button primary">"Save top-ups"</button>
                </fieldset>
            </form>
            <p class="outcome" role="status" data-testid="top-up-outcome">
                <Outcome outcome=saved />
            </p>
            <h3>"At your current rate"</h3>
            <div data-testid="top-up-simulation">{sim_view}</div>
        </div>
    }
}

/// A simulated month as the locale names it ("Nov. 2026").
fn month_name(year: i32, month: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(format::month_label)
        .unwrap_or_default()
}

/// What the settings would do, month by month, and whether the balance would run out.
fn simulation_table(sim: &TopUpSimulation, meter: &MeterConfig) -> impl IntoView + use<> {
    let rate = format!(
        "At ≈ {} per day (your last-30-day average), over the next {} days:",
        format::amount(sim.burn_per_day, meter),
        sim.days
    );
    let dry = sim.runs_dry_on.map(|d| {
        format!(
            "The balance would run out on {} — the top-ups could not keep up.",
            format::long_date(d)
        )
    });
    let rows = sim
        .months
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{month_name(m.year, m.month)}</th>
                    <td class="num">{m.top_ups}</td>
                    <td class="num">{format::amount(m.credits, meter)}</td>
                    <td class="num">{m.price.as_ref().map(format::money).unwrap_or_else(|| "—".into())}</td>
                    <td>{m.capped.then_some("Cap reached")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>{rate}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Top-ups by month">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Month"</th>
                        <th scope="col" class="num">"Top-ups"</th>
                        <th scope="col" class="num">"Credits added"</th>
                        <th scope="col" class="num">"Charged"</th>
                        <th scope="col">"Note"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {dry.map(|d| view! { <p class="bad">{d}</p> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::Amount;
    use creditboard_domain::config::meter::MeterUnit;

    fn meter(allocation: bool, decimals: u8) -> MeterConfig {
        crate::test_support::meter(MeterUnit::Credits, decimals, allocation)
    }

    #[test]
    fn the_top_up_form_names_the_field_that_is_wrong() {
        let m = meter(true, 0);
        let form = |threshold: &str, refill_to, amount: &str, cap: &str| TopUpForm {
            enabled: true,
            threshold: threshold.into(),
            refill_to,
            amount: amount.into(),
            cap: cap.into(),
        };
        let ok = form("1,000", false, "5000", "").parse(&m).unwrap();
        assert_eq!(ok.threshold, Amount::minor(1_000));
        assert_eq!(ok.amount, TopUpAmount::Fixed(Amount::minor(5_000)));
        assert_eq!(ok.monthly_cap, None);
        assert_eq!(
            form("x", false, "5", "").parse(&m).unwrap_err().0,
            "threshold"
        );
        assert_eq!(
            form("-5", false, "5", "").parse(&m).unwrap_err().0,
            "threshold"
        );
        assert_eq!(
            form("10", false, "0", "").parse(&m).unwrap_err().0,
            "amount"
        );
        assert_eq!(
            form("10", true, "10", "").parse(&m).unwrap_err().0,
            "amount"
        );
        assert_eq!(
            form("10", false, "5", "2.5").parse(&m).unwrap_err().0,
            "cap"
        );
        // What the form shows for saved settings parses back to the same settings.
        assert_eq!(TopUpForm::from(Some(ok), &m).parse(&m).unwrap(), ok);
    }

    #[test]
    fn what_the_domain_finds_is_said_in_the_form_s_words_and_order() {
        let m = meter(true, 0);
        let form = |threshold: &str, refill_to, amount: &str, cap: &str| TopUpForm {
            enabled: true,
            threshold: threshold.into(),
            refill_to,
            amount: amount.into(),
            cap: cap.into(),
        };
        let said = |field, sentence: &str| Err((field, sentence.to_string()));
        let negative = said("threshold", "The threshold cannot be negative.");
        // The threshold is named first, even while the fields below it cannot be read yet.
        assert_eq!(form("-5", false, "", "").parse(&m), negative);
        assert_eq!(form("-5", true, "-10", "x").parse(&m), negative);
        let refill = said("amount", "Refill to an amount above the threshold.");
        assert_eq!(form("10", true, "10", "x").parse(&m), refill);
        assert_eq!(
            form("10", true, "", "").parse(&m),
            said("amount", "Enter an amount.")
        );
        assert_eq!(
            form("10", false, "5", "0").parse(&m),
            said("cap", "Enter an amount greater than zero.")
        );
        let refill_to = form("10", true, "11", "").parse(&m).unwrap();
        assert_eq!(refill_to.amount, TopUpAmount::RefillTo(Amount::minor(11)));
    }
}
