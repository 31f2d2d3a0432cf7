//! Route `/`: credit usage. Where the credits went in a period (in the account's timezone),
//! what is left, and how long it lasts at the recent rate.

use crate::charts::{ChartSpec, key_name, usage_chart};
use crate::components::breakdown::{Breakdown, Namer};
use crate::components::chart::EChart;
use crate::components::period::PeriodSelector;
use crate::components::stat::{StatCard, UsageRateCard};
use crate::components::states::{EmptyState, ErrorPanel, Skeleton};
use crate::hooks::{AccountData, use_usage};
use crate::store::StoreError;
use crate::theme::use_chart_theme;
use crate::view::{DEFAULT_PERIOD, pairs, period_from_query};
use crate::{browser, format};
use creditboard_domain::account::{Freshness, MeterConfig, MeterUnit, Timezone};
use creditboard_domain::aggregate::{Granularity, MeterUsage, NONE_KEY};
use creditboard_domain::api::{AccountView, BalanceView, UsageView};
use creditboard_domain::forecast::Forecast;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::ratecard::RateCard;
use creditboard_domain::{Amount, BucketKind};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

/// The usage page.
#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let parsed = Memo::new(move |_| period_from_query(&pairs(&query.read())));
    let period = Signal::derive(move || parsed.get().unwrap_or(DEFAULT_PERIOD));
    let data = AccountData::expect();
    let usage = use_usage(period);
    // The account's "today" bounds the custom range; the browser's until the account loads.
    let today = Signal::derive(move || {
        let now = browser::now();
        match data.account.get() {
            Some(Ok(a)) => a.timezone.date_of(now),
            _ => now.date_naive(),
        }
    });
    let retry = Callback::new(move |()| {
        data.refetch();
        usage.refetch();
    });
    let (pending, set_pending) = signal(false);
    view! {
        <div class="usage-page" aria-busy=move || pending.get().to_string()>
            <header class="page-head">
                <h1>"Credit usage"</h1>
            </header>
            {move || {
                parsed
                    .get()
                    .err()
                    .map(|why| {
                        view! {
                            <p class="notice" role="status" data-testid="query-problem">
                                {format!(
                                    "This link’s period does not work: {why}. Showing the last 30 days instead.",
                                )}
                            </p>
                        }
                    })
            }}
            <PeriodSelector current=period today />
            <Transition
                fallback=|| view! { <Skeleton what="credit usage" /> }
                set_pending=set_pending
            >
                {move || Suspend::new(async move {
                    let loaded = async {
                        Ok::<_, StoreError>((
                            data.account.await?,
                            data.rate_card.await?,
                            data.balance.await?,
                            usage.await?,
                        ))
                    };
                    match loaded.await {
                        Ok((account, card, balance, usage)) => {
                            view! { <UsageBody account card balance usage /> }.into_any()
                        }
                        Err(error) => {
                            view! { <ErrorPanel what="your credit usage" error retry /> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// How the period is named in card labels: "in the last 30 days", "this month", "Aug 1 –
/// Aug 31, 2026".
fn period_phrase(usage: &UsageView) -> String {
    match usage.period {
        Period::Preset(preset) => match preset {
            PeriodPreset::ThisMonth => "this month".into(),
            PeriodPreset::LastMonth => "last month".into(),
            PeriodPreset::ThisYear => "this year".into(),
            other => format!("in the {}", other.label().to_lowercase()),
        },
        Period::Custom { .. } => format!("from {}", format::date_range(&usage.range)),
    }
}

/// Everything below the period selector, once the data is there.
#[component]
fn UsageBody(
    account: AccountView,
    card: RateCard,
    balance: BalanceView,
    usage: UsageView,
) -> impl IntoView {
    let tz = account.timezone;
    let fetched_at = browser::now();
    let freshness = match account.freshness {
        Freshness::ThroughYesterday => {
            let through = format::date_time(tz.local(usage.data_through));
            view! { <span data-testid="freshness">{format!("Data through {through}")}</span> }
                .into_any()
        }
        Freshness::Live => view! { <UpdatedAgo at=fetched_at /> }.into_any(),
    };
    let phrase = period_phrase(&usage);
    let card = Arc::new(card);
    let members = Arc::new(account.members.clone());
    let sections: Vec<_> = account
        .meters
        .iter()
        .filter_map(|meter| {
            let u = usage.meters.iter().find(|u| u.meter == meter.id)?.clone();
            let f = usage
                .forecasts
                .iter()
                .find(|f| f.meter == meter.id)
                .cloned();
            let available = balance
                .meters
                .iter()
                .find(|b| b.balance.meter == meter.id)
                .map_or(Amount::ZERO, |b| b.balance.available);
            Some((meter.clone(), u, f, available))
        })
        .collect();
    let several = sections.len() > 1;
    let groups = sections
        .iter()
        .map(|(meter, u, f, available)| {
            view! {
                <MeterCards
                    meter=meter.clone()
                    usage=u.clone()
                    forecast=f.clone()
                    available=*available
                    phrase=phrase.clone()
                    tz
                    titled=several
                />
            }
        })
        .collect_view();
    let details = sections
        .into_iter()
        .map(|(meter, u, _, _)| {
            let (card, members) = (card.clone(), members.clone());
            let category: Namer = {
                let card = card.clone();
                Arc::new(move |k: &str| card.category_name(k).to_string())
            };
            let feature: Namer = {
                let card = card.clone();
                Arc::new(move |k: &str| card.feature_name(k).to_string())
            };
            let member: Namer = Arc::new(move |k: &str| {
                members
                    .iter()
                    .find(|m| m.id.as_str() == k)
                    .map_or_else(|| k.to_string(), |m| m.name.clone())
            });
            let engine: Namer = Arc::new(|k: &str| k.to_string());
            view! {
                <MeterDetails
                    meter
                    usage=u
                    several
                    range_label=format::date_range(&usage.range)
                    category
                    feature
                    member
                    engine
                />
            }
        })
        .collect_view();
    view! {
        <p class="period-caption" data-testid="period-caption">
            <span data-testid="period-range">{format::date_range(&usage.range)}</span>
            " · times in "
            <span data-testid="timezone">{tz.name()}</span>
            " · "
            {freshness}
        </p>
        <div class="card-groups" class:several=several>
            {groups}
        </div>
        {details}
    }
}

/// "Updated 12 s ago", ticking.
#[component]
fn UpdatedAgo(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
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
            {move || format!("Updated {}", format::age((now.get() - at).num_seconds()))}
        </span>
    }
}

/// The cards of one meter: available, used in the period, and the usage rate (or the average
/// per day when the meter has no allocation), then the run-out forecast.
#[component]
fn MeterCards(
    meter: MeterConfig,
    usage: MeterUsage,
    forecast: Option<Forecast>,
    available: Amount,
    phrase: String,
    tz: Timezone,
    /// Name the group (when the account has several meters).
    titled: bool,
) -> impl IntoView {
    let id = meter.id.to_string();
    let avg = format!(
        "≈ {} per day",
        format::amount(usage.average_per_day, &meter)
    );
    let third = match (usage.usage_rate_bp, usage.allocation) {
        (Some(bp), Some(allocation)) => view! {
            <UsageRateCard
                rate_bp=bp
                hint=format!(
                    "{} of {} allocated",
                    format::number(usage.used, &meter),
                    format::amount(allocation, &meter),
                )
                testid=format!("rate-{id}")
            />
        }
        .into_any(),
        _ => view! {
            <StatCard
                label="Average per day"
                value=format::amount(usage.average_per_day, &meter)
                hint=format!("{} jobs", format::group_thousands(&usage.jobs.to_string()))
                testid=format!("average-{id}")
            />
        }
        .into_any(),
    };
    let heading_id = format!("cb-meter-{id}");
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
                    label="Available"
                    value=format::amount(available, &meter)
                    testid=format!("available-{id}")
                />
                <StatCard
                    label=format!("Used {phrase}")
                    value=format::amount(usage.used, &meter)
                    hint=avg
                    testid=format!("used-{id}")
                />
                {third}
            </div>
            {forecast.map(|f| view! { <ForecastLine forecast=f meter=meter.clone() tz /> })}
        </section>
    }
}

/// What a meter's holdings are called in a sentence, and the verb that goes with them:
/// "your credits last", "your minutes last", "your balance lasts".
fn holdings(meter: &MeterConfig) -> (&'static str, &'static str) {
    match meter.unit {
        MeterUnit::Credits => ("your credits", "last"),
        MeterUnit::Minutes => ("your minutes", "last"),
        MeterUnit::Currency { .. } => ("your balance", "lasts"),
    }
}

/// The forecast sentence a person would say, from the numbers.
pub fn forecast_sentence(f: &Forecast, meter: &MeterConfig, tz_today: chrono::NaiveDate) -> String {
    let (subject, verb) = holdings(meter);
    if !f.burn_per_day.is_positive() {
        return format!(
            "Nothing was used in the last {} days: at that rate {subject} {verb} indefinitely.",
            f.window_days
        );
    }
    let rate = format!(
        "At your last-{}-day rate (≈ {} per day)",
        f.window_days,
        format::amount(f.burn_per_day, meter)
    );
    match f.runs_out_on {
        Some(day) if day <= tz_today => {
            format!("{rate} {subject} will not cover another day.")
        }
        Some(day) => format!("{rate} {subject} {verb} until {}.", format::long_date(day)),
        None => {
            let why = match (
                meter.allocation.is_some(),
                meter.auto_top_up.is_some_and(|t| t.enabled),
            ) {
                (true, true) => ": refills and top-ups keep up",
                (true, false) => ": each refill covers what you use",
                (false, true) => ": automatic top-ups keep up",
                (false, false) => "",
            };
            format!("{rate} {subject} {verb} more than a year{why}.")
        }
    }
}

/// What the forecast expects to expire unused, or `None`.
pub fn expiry_sentence(f: &Forecast, meter: &MeterConfig, tz: Timezone) -> Option<String> {
    let parts: Vec<(String, String)> = f
        .expiring
        .iter()
        .filter(|e| e.expected_unused.is_positive())
        .map(|e| {
            (
                format!(
                    "{} of {}",
                    format::amount(e.expected_unused, meter),
                    match e.kind {
                        BucketKind::Included => "the monthly allocation",
                        BucketKind::Rollover => "the rollover bank",
                        BucketKind::Additional => "additional credit",
                        BucketKind::Promotional | BucketKind::Overdraft => "promotional credit",
                    }
                ),
                format::long_date(tz.date_of(e.expires_at)),
            )
        })
        .collect();
    match parts.as_slice() {
        [] => None,
        [(what, when)] => Some(format!(
            "At that rate, {what} will expire unused on {when}."
        )),
        _ => Some(format!(
            "At that rate, {} will expire unused: {}.",
            format::amount(f.expected_unused, meter),
            parts
                .iter()
                .map(|(what, when)| format!("{what} on {when}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The run-out forecast and what is expected to expire unused.
#[component]
fn ForecastLine(forecast: Forecast, meter: MeterConfig, tz: Timezone) -> impl IntoView {
    let runs = forecast_sentence(&forecast, &meter, tz.date_of(browser::now()));
    let expires = expiry_sentence(&forecast, &meter, tz);
    let id = meter.id.to_string();
    view! {
        <div class="forecast" data-testid=format!("forecast-{id}")>
            <p class="forecast-runout">{runs}</p>
            {expires.map(|e| view! { <p class="forecast-expiry">{e}</p> })}
        </div>
    }
}

/// A meter's chart (or the same numbers as a table) and its breakdowns.
#[component]
fn MeterDetails(
    meter: MeterConfig,
    usage: MeterUsage,
    several: bool,
    range_label: String,
    category: Namer,
    feature: Namer,
    member: Namer,
    engine: Namer,
) -> impl IntoView {
    let id = meter.id.to_string();
    let theme = use_chart_theme();
    let as_table = RwSignal::new(false);
    let per = match usage.series.granularity {
        Granularity::Day => "Daily",
        Granularity::Month => "Monthly",
    };
    let title = if several {
        format!("{per} usage — {}", meter.name)
    } else {
        format!("{per} usage")
    };
    let empty = usage.used.is_zero() && usage.jobs == 0;
    let spec = {
        let (series, meter, category) = (usage.series.clone(), meter.clone(), category.clone());
        Signal::derive(move || -> ChartSpec {
            usage_chart(&series, |k| category(k), &meter, &theme.get())
        })
    };
    let stamp = format!("{}/{}", usage.range.from, usage.range.until);
    let summary = format!(
        "Total {} · ≈ {} per day",
        format::amount(usage.used, &meter),
        format::amount(usage.average_per_day, &meter)
    );
    // A breakdown is shown when the usage carries the attribute at all (products without
    // engines, say, get no engine table).
    let named = |rows: &[creditboard_domain::aggregate::BreakdownRow]| {
        rows.iter().any(|r| r.key != NONE_KEY)
    };
    let show_categories = named(&usage.by_category);
    // A donut of one slice says nothing.
    let several_categories = usage.series.categories.len() > 1;
    let show_engines = named(&usage.by_engine);
    let show_members = named(&usage.by_member);
    let show_features = named(&usage.by_feature);
    let table = {
        let (series, meter, category) = (usage.series.clone(), meter.clone(), category.clone());
        move || view! { <SeriesTable series=series.clone() meter=meter.clone() category=category.clone() /> }
    };
    let chart_label = format!("{title}, {range_label}, stacked by category");
    let chart_testid = format!("chart-{id}");
    view! {
        <section class="meter-details" data-testid=format!("details-{id}")>
            <div class="card chart-card">
                <div class="chart-card-head">
                    <div>
                        <h2>{title.clone()}</h2>
                        <p class="muted" data-testid=format!("chart-summary-{id}")>{summary}</p>
                    </div>
                    {(!empty)
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button"
                                    aria-pressed=move || as_table.get().to_string()
                                    on:click=move |_| as_table.update(|t| *t = !*t)
                                >
                                    "Show as table"
                                </button>
                            }
                        })}
                </div>
                {if empty {
                    view! {
                        <EmptyState title=format!("No {} used {}", format::unit_name(&meter), range_label)>
                            "Nothing was charged in this period. Choose a longer period to see earlier activity."
                        </EmptyState>
                    }
                        .into_any()
                } else {
                    view! {
                        <Show
                            when=move || as_table.get()
                            fallback=move || {
                                view! {
                                    <EChart
                                        spec
                                        label=chart_label.clone()
                                        stamp=stamp.clone()
                                        testid=chart_testid.clone()
                                    />
                                }
                            }
                        >
                            {table.clone()}
                        </Show>
                    }
                        .into_any()
                }}
            </div>
            {(!empty)
                .then(|| {
                    view! {
                        <div class="breakdowns">
                            {show_categories
                                .then(|| {
                                    view! {
                                        <Breakdown
                                            title="By category"
                                            none="Uncategorized"
                                            key_header="Category"
                                            rows=usage.by_category.clone()
                                            name=category.clone()
                                            meter=meter.clone()
                                            donut=several_categories
                                            testid=format!("by-category-{}", meter.id)
                                        />
                                    }
                                })}
                            {show_features
                                .then(|| {
                                    view! {
                                        <Breakdown
                                            title="By feature"
                                            none="Other usage"
                                            key_header="Feature"
                                            rows=usage.by_feature.clone()
                                            name=feature.clone()
                                            meter=meter.clone()
                                            testid=format!("by-feature-{}", meter.id)
                                        />
                                    }
                                })}
                            {show_engines
                                .then(|| {
                                    view! {
                                        <Breakdown
                                            title="By engine"
                                            none="No specific engine"
                                            key_header="Engine"
                                            rows=usage.by_engine.clone()
                                            name=engine.clone()
                                            meter=meter.clone()
                                            testid=format!("by-engine-{}", meter.id)
                                        />
                                    }
                                })}
                            {show_members
                                .then(|| {
                                    view! {
                                        <Breakdown
                                            title="By team member"
                                            none="Unattributed"
                                            key_header="Team member"
                                            rows=usage.by_member.clone()
                                            name=member.clone()
                                            meter=meter.clone()
                                            testid=format!("by-member-{}", meter.id)
                                        />
                                    }
                                })}
                        </div>
                    }
                })}
        </section>
    }
}

/// The chart's numbers as a table: one row per bar, the total and each category.
#[component]
fn SeriesTable(
    series: creditboard_domain::aggregate::Series,
    meter: MeterConfig,
    category: Namer,
) -> impl IntoView {
    let names: Vec<String> = series
        .categories
        .iter()
        .map(|k| key_name(k, "Uncategorized", |k| category(k)))
        .collect();
    let label = match series.granularity {
        Granularity::Day => "Day",
        Granularity::Month => "Month",
    };
    let rows = series
        .points
        .iter()
        .map(|p| {
            let when = match series.granularity {
                Granularity::Day => format::long_date(p.from),
                Granularity::Month => p.from.format("%B %Y").to_string(),
            };
            view! {
                <tr>
                    <th scope="row">{when}</th>
                    <td class="num">{format::number(p.total, &meter)}</td>
                    {p.by_category
                        .iter()
                        .map(|v| view! { <td class="num">{format::number(*v, &meter)}</td> })
                        .collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div
            class="table-wrap series-table"
            tabindex="0"
            role="region"
            aria-label=format!("Usage per {} as a table", label.to_lowercase())
            data-testid=format!("series-table-{}", meter.id)
        >
            <table class="data-table">
                <caption class="visually-hidden">
                    {format!("Usage per {}, in {}", label.to_lowercase(), format::unit_name(&meter))}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{label}</th>
                        <th scope="col" class="num">"Total"</th>
                        {names
                            .into_iter()
                            .map(|n| view! { <th scope="col" class="num">{n}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creditboard_domain::account::{Allocation, PurchasePolicy, UnusedAllocation};
    use creditboard_domain::entry::BucketId;
    use creditboard_domain::forecast::ExpiringCredits;
    use creditboard_domain::ids::MeterId;

    fn meter(unit: MeterUnit, allocation: bool) -> MeterConfig {
        let decimals = if matches!(unit, MeterUnit::Currency { .. }) {
            2
        } else {
            0
        };
        MeterConfig {
            id: MeterId::new("m").unwrap(),
            name: "M".into(),
            unit,
            decimals,
            allocation: allocation.then_some(Allocation {
                amount: Amount::minor(1_000),
                unused: UnusedAllocation::Lapse,
            }),
            purchases: PurchasePolicy::default(),
            overdraft_limit: Amount::ZERO,
            auto_top_up: None,
        }
    }

    fn day(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn forecast(burn: i64, runs_out_on: Option<&str>) -> Forecast {
        Forecast {
            meter: MeterId::new("m").unwrap(),
            window_days: 30,
            burn_per_day: Amount::minor(burn),
            available: Amount::minor(5_000),
            runs_out_on: runs_out_on.map(day),
            expiring: vec![],
            expected_unused: Amount::ZERO,
        }
    }

    #[test]
    fn the_forecast_reads_as_a_sentence_for_each_case() {
        let today = day("2026-11-21");
        let credits = meter(MeterUnit::Credits, true);
        let usd = meter(MeterUnit::Currency { code: "USD".into() }, false);
        let cases = [
            (
                forecast(575, Some("2026-12-07")),
                &credits,
                "At your last-30-day rate (≈ 575 credits per day) your credits last until Dec 7, 2026.",
            ),
            (
                forecast(503, Some("2026-11-27")),
                &usd,
                "At your last-30-day rate (≈ $5.03 per day) your balance lasts until Nov 27, 2026.",
            ),
            (
                forecast(25, None),
                &credits,
                "At your last-30-day rate (≈ 25 credits per day) your credits last more than a year: each refill covers what you use.",
            ),
            (
                forecast(0, None),
                &usd,
                "Nothing was used in the last 30 days: at that rate your balance lasts indefinitely.",
            ),
            (
                forecast(900, Some("2026-11-21")),
                &credits,
                "At your last-30-day rate (≈ 900 credits per day) your credits will not cover another day.",
            ),
        ];
        for (f, m, expected) in cases {
            assert_eq!(forecast_sentence(&f, m, today), expected);
        }
    }

    #[test]
    fn what_expires_unused_is_named_with_its_bucket_and_date() {
        let tz = Timezone::new("Europe/Berlin").unwrap();
        let credits = meter(MeterUnit::Credits, true);
        let at = |s: &str| tz.start_of_day(day(s));
        let part = |kind, unused: i64, on: &str| ExpiringCredits {
            bucket: BucketId(1),
            kind,
            amount: Amount::minor(unused * 2),
            expires_at: at(on),
            expected_unused: Amount::minor(unused),
        };
        let mut f = forecast(10, None);
        assert_eq!(expiry_sentence(&f, &credits, tz), None);
        f.expiring = vec![part(BucketKind::Included, 1_200, "2026-12-01")];
        f.expected_unused = Amount::minor(1_200);
        assert_eq!(
            expiry_sentence(&f, &credits, tz).unwrap(),
            "At that rate, 1,200 credits of the monthly allocation will expire unused on Dec 1, 2026."
        );
        f.expiring
            .push(part(BucketKind::Promotional, 300, "2026-12-05"));
        f.expected_unused = Amount::minor(1_500);
        assert_eq!(
            expiry_sentence(&f, &credits, tz).unwrap(),
            "At that rate, 1,500 credits will expire unused: 1,200 credits of the monthly allocation on Dec 1, 2026, 300 credits of promotional credit on Dec 5, 2026."
        );
    }
}
