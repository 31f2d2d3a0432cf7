//! Low-balance alert levels of one meter: the levels as text ("50%, 20%, 1,000"), read back
//! into levels the domain judges ([`AlertLevel::problem`]), and saving them.

use crate::components::spend::{AdminOnlyNote, Outcome, Said, parse_positive};
use crate::format;
use crate::hooks::account::use_change_settings;
use crate::hooks::account::use_may;
use creditboard_domain::access::Action;
use creditboard_domain::api::AccountView;
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::settings::{AlertLevel, AlertProblem, SettingsChange};
use leptos::prelude::*;

/// "50%, 20%, 1,000" ↔ alert levels.
fn levels_text(levels: &[AlertLevel], meter: &MeterConfig) -> String {
    levels
        .iter()
        .map(|l| match l {
            AlertLevel::Percent(p) => format!("{p}%"),
            AlertLevel::Below(a) => format::number(*a, meter),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The levels typed, or what is wrong with the first one that cannot be read or that the
/// domain finds fault with, named as typed.
fn parse_levels(text: &str, meter: &MeterConfig) -> Result<Vec<AlertLevel>, String> {
    let mut out = Vec::new();
    // Commas group thousands too, so levels are separated by ";" or by ", " with a space.
    for part in text.split([';', '\n']).flat_map(|p| p.split(", ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let level = match part.strip_suffix('%') {
            // Text that is no small whole number is no percentage the domain could take either.
            Some(p) => AlertLevel::Percent(p.trim().parse::<u8>().map_err(|_| out_of_range(part))?),
            None => AlertLevel::Below(
                parse_positive(part, meter).map_err(|e| format!("“{part}”: {e}"))?,
            ),
        };
        match level.problem(meter) {
            Some(AlertProblem::PercentOutOfRange) => return Err(out_of_range(part)),
            Some(AlertProblem::NoAllocation) => {
                return Err(format!(
                    "“{part}”: {} has no monthly allocation to take a percentage of — use an amount.",
                    meter.name
                ));
            }
            // Zero or less never gets here (`parse_positive` names it). An amount past what a
            // meter can hold is left to the account, which refuses it in its own words when
            // the levels are saved, as it always has.
            Some(AlertProblem::AmountOutOfRange) | None => out.push(level),
        }
    }
    Ok(out)
}

/// What the form says about a percentage outside 1 to 99 (`part` as typed).
fn out_of_range(part: &str) -> String {
    format!("“{part}”: a percentage is a whole number from 1 to 99.")
}

/// The "Low-balance alerts" card of one meter: its levels, and saving them.
#[component]
pub(super) fn Alerts(meter: MeterConfig, account: AccountView) -> impl IntoView {
    let may = use_may(Action::ChangeAlerts);
    let current: Vec<AlertLevel> = account
        .alerts
        .iter()
        .filter(|a| a.meter == meter.id)
        .map(|a| a.level)
        .collect();
    let text = RwSignal::new(levels_text(&current, &meter));
    let outcome = RwSignal::<Said>::new(None);
    let change = use_change_settings();
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => outcome.set(Some(Ok("Alerts saved.".into()))),
        Some(Err(e)) => outcome.set(Some(Err(e.to_string()))),
        None => {}
    });
    let m1 = meter.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let levels = match parse_levels(&text.get_untracked(), &m1) {
            Ok(l) => l,
            Err(e) => return outcome.set(Some(Err(e))),
        };
        change.dispatch(SettingsChange::Alerts {
            meter: m1.id.clone(),
            levels,
        });
    };
    let hint = if meter.allocation.is_some() {
        "Percentages of your monthly allocation or amounts, separated by commas — e.g. 50%, 20%, 5%"
    } else {
        "Amounts, separated by commas — e.g. 100, 20"
    };
    view! {
        <div class="card billing-card" data-testid=format!("alerts-{}", meter.id)>
            <h2>"Low-balance alerts"</h2>
            <p class="muted">"Each level alerts once each time the balance drops below it."</p>
            <AdminOnlyNote action=Action::ChangeAlerts />
            <form on:submit=save novalidate>
                <fieldset disabled=move || !may.get()>
                    <legend class="visually-hidden">"Alert levels"</legend>
                    <label class="field">
                        <span>"Alert when the balance drops below"</span>
                        <input
                            type="text"
                            data-testid="alert-levels"
                            aria-describedby=format!("alerts-hint-{}", meter.id)
                            prop:value=move || text.get()
                            on:input:target=move |ev| text.set(ev.target().value())
                        />
                        <span class="muted" id=format!("alerts-hint-{}", meter.id)>{hint}</span>
                    </label>
                    <button type="submit" class="button primary">"Save alerts"</button>
                </fieldset>
            </form>
            <p class="outcome" role="status">
                <Outcome outcome />
            </p>
        </div>
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
    fn alert_levels_read_back_as_typed_and_bad_ones_are_named() {
        let m = meter(true, 0);
        let levels = parse_levels("50%; 20%, 5%; 1,500", &m).unwrap();
        assert_eq!(
            levels,
            [
                AlertLevel::Percent(50),
                AlertLevel::Percent(20),
                AlertLevel::Percent(5),
                AlertLevel::Below(Amount::minor(1_500)),
            ]
        );
        assert_eq!(levels_text(&levels, &m), "50%, 20%, 5%, 1,500");
        assert_eq!(parse_levels("", &m).unwrap(), []);
        assert!(parse_levels("120%", &m).unwrap_err().contains("1 to 99"));
        assert!(parse_levels("soon", &m).unwrap_err().contains("“soon”"));
        let prepaid = meter(false, 2);
        assert!(
            parse_levels("20%", &prepaid)
                .unwrap_err()
                .contains("no monthly allocation")
        );
        assert_eq!(
            parse_levels("20.50", &prepaid).unwrap(),
            [AlertLevel::Below(Amount::minor(2_050))]
        );
    }

    #[test]
    fn what_the_domain_finds_is_said_in_the_form_s_words() {
        let m = meter(true, 0);
        let range = |part: &str| format!("“{part}”: a percentage is a whole number from 1 to 99.");
        assert_eq!(parse_levels("50%; 0%", &m).unwrap_err(), range("0%"));
        assert_eq!(parse_levels("300%", &m).unwrap_err(), range("300%"));
        assert_eq!(parse_levels("half%", &m).unwrap_err(), range("half%"));
        let prepaid = meter(false, 2);
        // Out of range is said before a missing allocation, as the domain checks them.
        assert_eq!(parse_levels("120%", &prepaid).unwrap_err(), range("120%"));
        assert_eq!(
            parse_levels("20%", &prepaid).unwrap_err(),
            "“20%”: M has no monthly allocation to take a percentage of — use an amount."
        );
        assert_eq!(
            parse_levels("0", &m).unwrap_err(),
            "“0”: Enter an amount greater than zero."
        );
    }
}
