//! A meter's cards on the usage page: available (by bucket where the product shows them), used
//! in the period, the usage rate or the average per day, the run-out forecast; and how fresh
//! the numbers are.

use crate::components::forecast::ForecastLine;
use crate::components::stat::{StatCard, UsageRateCard};
use crate::{browser, format};
use creditboard_domain::Amount;
use creditboard_domain::api::BalanceView;
use creditboard_domain::config::meter::{BucketKind, MeterConfig};
use creditboard_domain::config::presentation::Presentation;
use creditboard_domain::forecast::Forecast;
use creditboard_domain::ids::MeterId;
use creditboard_domain::ledger::MeterBalance;
use creditboard_domain::tz::Timezone;
use creditboard_domain::usage::MeterUsage;
use leptos::prelude::*;

pub(super) fn balance_of(balance: &BalanceView, meter: &MeterId) -> Option<MeterBalance> {
    balance
        .meters
        .iter()
        .find(|b| b.balance.meter == *meter)
        .map(|b| b.balance.clone())
}

/// The balance by bucket kind, in draw-down order: every kind holding credits, the included
/// bucket even when empty, and the bucket purchases go into (where bought credits would be).
pub(super) fn bucket_lines(
    balance: Option<&MeterBalance>,
    meter: &MeterConfig,
) -> Vec<(BucketKind, Amount)> {
    let mut lines: Vec<(BucketKind, Amount)> = Vec::new();
    for b in balance.map_or(&[][..], |b| &b.buckets[..]) {
        match lines.iter_mut().find(|(k, _)| *k == b.kind) {
            Some((_, sum)) => *sum = sum.checked_add(b.balance).unwrap_or(*sum),
            None => lines.push((b.kind, b.balance)),
        }
    }
    let mut always = vec![meter.purchases.into];
    if meter.allocation.is_some() {
        always.insert(0, BucketKind::Included);
    }
    for kind in always {
        if !lines.iter().any(|(k, _)| *k == kind) {
            lines.push((kind, Amount::ZERO));
        }
    }
    lines
}

/// What the usage rate measures, said on its card: the current billing period against its
/// allocation ("3,300 of 4,000 credits this billing period"), any other range against the
/// allocation for its days ("239.8 of 233.3 min allocated for these 7 days, of 1,000 min a
/// month").
pub(super) fn rate_hint(
    usage: &MeterUsage,
    allocation: Amount,
    meter: &MeterConfig,
    whole_cycle: bool,
) -> String {
    let used = format::number(usage.used, meter);
    if whole_cycle {
        return format!(
            "{used} of {} this billing period",
            format::amount(allocation, meter)
        );
    }
    let days = match usage.range.days() {
        1 => "this day".to_string(),
        n => format!("these {} days", format::group_thousands(&n.to_string())),
    };
    let plan = meter.allocation.map_or(String::new(), |a| {
        format!(", of {} a month", format::amount(a.amount, meter))
    });
    format!(
        "{used} of {} allocated for {days}{plan}",
        format::amount(allocation, meter)
    )
}

/// "Updated 12 s ago", ticking.
#[component]
pub(super) fn UpdatedAgo(#[prop(into)] at: Signal<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let (now, set_now) = signal(browser::now());
    let tick = set_interval_with_handle(
        move || set_now.set(browser::now()),
        std::time::Duration::from_secs(5),
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = tick {
            t.clear();
        }
    });
    view! {
        <span data-testid="freshness">
            {move || format!("Updated {}", format::age((now.get() - at.get()).num_seconds()))}
        </span>
    }
}

/// The cards of one meter: available, used in the period, and the usage rate (or the average
/// per day when the meter has no allocation), then the run-out forecast.
#[component]
pub(super) fn MeterCards(
    meter: MeterConfig,
    usage: Signal<MeterUsage>,
    forecast: Signal<Option<Forecast>>,
    balance: Signal<Option<MeterBalance>>,
    /// The product's words for the cards, and whether the balance shows its buckets.
    presentation: Presentation,
    phrase: Signal<String>,
    /// The period is the current billing period (measured against its whole allocation).
    whole_cycle: Signal<bool>,
    tz: Timezone,
    /// Name the group (when the account has several meters).
    titled: bool,
    /// Whether more of the meter can be bought here.
    sold: bool,
) -> impl IntoView {
    let id = meter.id.to_string();
    let support = presentation.support.to_string();
    let labels = presentation.cards_of(&meter.id).clone();
    let available =
        Signal::derive(move || balance.with(|b| b.as_ref().map_or(Amount::ZERO, |b| b.available)));
    let m = meter.clone();
    let amount = move |a: Amount| format::amount(a, &m);
    let (a1, a2, a3, a4) = (
        amount.clone(),
        amount.clone(),
        amount.clone(),
        amount.clone(),
    );
    let rate = Memo::new(move |_| usage.with(|u| u.usage_rate_bp.zip(u.allocation)));
    let (rate_label, average_label) = (labels.rate.to_string(), labels.average.to_string());
    let third = {
        let (m, id) = (meter.clone(), id.clone());
        move || match rate.get() {
            Some((bp, allocation)) => {
                let m = m.clone();
                let hint = Signal::derive(move || {
                    usage.with(|u| rate_hint(u, allocation, &m, whole_cycle.get()))
                });
                view! {
                    <UsageRateCard
                        label=rate_label.clone()
                        rate_bp=bp
                        hint
                        testid=format!("rate-{id}")
                    />
                }
                .into_any()
            }
            None => {
                let value = {
                    let a3 = a3.clone();
                    Signal::derive(move || usage.with(|u| a3(u.average_per_day)))
                };
                let hint = Signal::derive(move || {
                    usage.with(|u| format!("{} jobs", format::group_thousands(&u.jobs.to_string())))
                });
                view! {
                    <StatCard
                        label=average_label.clone()
                        value
                        hint
                        testid=format!("average-{id}")
                    />
                }
                .into_any()
            }
        }
    };
    let heading_id = format!("cb-meter-{id}");
    // VideoGen's balance card: the total, then what is in each bucket and the next refill.
    let breakdown = presentation.balance_breakdown.then(|| {
        let (m, m2, id) = (meter.clone(), meter.clone(), id.clone());
        let lines = move || {
            balance
                .with(|b| bucket_lines(b.as_ref(), &m))
                .into_iter()
                .map(|(kind, amount)| {
                    view! {
                        <div class="bucket-row" data-bucket=kind.as_str()>
                            <dt>{presentation.bucket_name(kind).to_string()}</dt>
                            <dd>{format::amount(amount, &m2)}</dd>
                        </div>
                    }
                })
                .collect_view()
        };
        let refill = move || {
            balance
                .with(|b| b.as_ref().and_then(|b| b.next_refill))
                .map(|at| format!("Next refill: {}", format::long_date(tz.date_of(at))))
        };
        view! {
            <dl class="buckets stat-buckets" data-testid=format!("buckets-{id}")>{lines}</dl>
            {move || {
                refill()
                    .map(|r| {
                        view! {
                            <p class="stat-hint" data-testid=format!("next-refill-{}", id)>{r}</p>
                        }
                    })
            }}
        }
    });
    let used_labels = labels.clone();
    view! {
        <section
            class="card-group"
            data-testid=format!("meter-{id}")
            aria-labelledby=titled.then(|| heading_id.clone())
            aria-label=(!titled).then(|| meter.name.clone())
        >
            {titled.then(|| view! { <h2 id=heading_id.clone()>{meter.name.clone()}</h2> })}
            <div class="cards">
                <StatCard
                    label=labels.available.to_string()
                    value=Signal::derive(move || a1(available.get()))
                    testid=format!("available-{id}")
                >
                    {breakdown}
                </StatCard>
                <StatCard
                    label=Signal::derive(move || used_labels.used_in(&phrase.get()))
                    value=Signal::derive(move || usage.with(|u| a2(u.used)))
                    hint=Signal::derive(move || {
                        usage.with(|u| format!("≈ {} per day", a4(u.average_per_day)))
                    })
                    testid=format!("used-{id}")
                />
                {third}
            </div>
            <ForecastLine forecast meter=meter.clone() tz sold support />
        </section>
    }
}
