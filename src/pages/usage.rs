//! Route `/`: credit usage. Where the credits went in a period (in the account's timezone),
//! what is left, and how long it lasts at the recent rate.
//!
//! The page has three faces: skeletons until the first answer, an error panel when the store
//! fails, and the usage itself. Once shown, the usage stays mounted and follows the data as
//! the period changes (cards update, charts redraw in place), rather than being built again.

use crate::components::breakdown::{Breakdown, Namer};
use crate::components::forecast::ForecastLine;
use crate::components::period::PeriodChoice;
use crate::components::stat::{StatCard, UsageRateCard};
use crate::components::states::{ErrorPanel, Skeleton};
use crate::components::usage_chart::UsageChartCard;
use crate::hooks::{AccountData, use_offered_period, use_usage};
use crate::store::StoreError;
use crate::view::{pairs, store_params, to_query_string};
use crate::{browser, format};
use creditboard_domain::Amount;
use creditboard_domain::account::{BucketKind, Freshness, MeterConfig, Timezone};
use creditboard_domain::aggregate::{BreakdownRow, MeterUsage, NONE_KEY};
use creditboard_domain::api::{AccountView, BalanceView, UsageView};
use creditboard_domain::forecast::Forecast;
use creditboard_domain::ids::MeterId;
use creditboard_domain::ledger::MeterBalance;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::presentation::Presentation;
use creditboard_domain::ratecard::RateCard;
use leptos::prelude::*;
use std::sync::Arc;

/// Everything the page shows, from one consistent set of answers.
#[derive(Debug, Clone)]
struct Loaded {
    account: AccountView,
    card: RateCard,
    balance: BalanceView,
    usage: UsageView,
}

type Latest = Option<Result<Arc<Loaded>, StoreError>>;

/// New answers are new data: comparing them field by field would cost more (in time and in
/// code) than the updates they might spare.
fn always_changed<T>(_: Option<&T>, _: Option<&T>) -> bool {
    true
}

/// Which face the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Face {
    Loading,
    Failed(StoreError),
    Ready,
}

/// The usage page.
#[component]
pub fn UsagePage() -> impl IntoView {
    let data = AccountData::expect();
    let offered = use_offered_period(data);
    let period = Signal::derive(move || offered.with(|o| o.as_ref().map(|o| o.period)));
    let usage = use_usage(data);
    // The latest answers: `None` until all four have come once. A resource keeps its last
    // value while it fetches again, so this never goes back to `None`.
    let latest: Memo<Latest> = Memo::new_with_compare(
        move |_| {
            let (account, card, balance, usage) = (
                data.account.get()?,
                data.rate_card.get()?,
                data.balance.get()?,
                usage.get()?,
            );
            Some((|| {
                Ok(Arc::new(Loaded {
                    account: account?,
                    card: card?,
                    balance: balance?,
                    usage: usage?,
                }))
            })())
        },
        always_changed,
    );
    let face = Memo::new(move |_| match latest.get() {
        None => Face::Loading,
        Some(Err(e)) => Face::Failed(e),
        Some(Ok(_)) => Face::Ready,
    });
    // Still showing another period than the one asked for: the figures are being updated.
    let pending =
        move || latest.with(|l| matches!(l, Some(Ok(l)) if Some(l.usage.period) != period.get()));
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
    let body = move || match face.get() {
        Face::Loading => view! { <Skeleton what="credit usage" /> }.into_any(),
        Face::Failed(error) => {
            view! { <ErrorPanel what="your credit usage" error retry /> }.into_any()
        }
        Face::Ready => match latest.get_untracked() {
            Some(Ok(initial)) => {
                view! { <UsageBody latest initial=(*initial).clone() /> }.into_any()
            }
            _ => ().into_any(),
        },
    };
    view! {
        <div class="usage-page" aria-busy=move || pending().to_string()>
            <header class="page-head">
                <h1>"Credit usage"</h1>
            </header>
            <PeriodChoice offered today />
            {body}
        </div>
    }
}

/// How the period is named in card labels: "in the last 30 days", "this month", "from Aug 1 –
/// Aug 31, 2026".
fn period_phrase(usage: &UsageView) -> String {
    match usage.period {
        Period::Preset(preset) => match preset {
            PeriodPreset::ThisMonth => "this month".into(),
            PeriodPreset::LastMonth => "last month".into(),
            PeriodPreset::ThisYear => "this year".into(),
            other => format!("in the {}", other.label().to_ascii_lowercase()),
        },
        Period::Custom { .. } => format!("from {}", format::date_range(&usage.range)),
    }
}

/// A meter's part of the data, kept at its last value if an answer should ever lack it.
fn select<T: Clone + Send + Sync + 'static>(
    data: Memo<Arc<Loaded>>,
    initial: T,
    pick: impl Fn(&Loaded) -> Option<T> + Send + Sync + 'static,
) -> Signal<T> {
    Memo::new_with_compare(
        move |prev: Option<&T>| {
            data.with(|d| pick(d))
                .or_else(|| prev.cloned())
                .unwrap_or_else(|| initial.clone())
        },
        always_changed,
    )
    .into()
}

/// Everything below the period selector, once the data is there; it follows `latest`.
#[component]
fn UsageBody(latest: Memo<Latest>, initial: Loaded) -> impl IntoView {
    let account = initial.account.clone();
    let data: Memo<Arc<Loaded>> = {
        let initial = Arc::new(initial.clone());
        Memo::new_with_compare(
            move |prev: Option<&Arc<Loaded>>| match latest.get() {
                Some(Ok(l)) => l,
                _ => prev.cloned().unwrap_or_else(|| initial.clone()),
            },
            always_changed,
        )
    };
    let tz = account.timezone;
    let freshness = match account.freshness {
        Freshness::ThroughYesterday => {
            let text = move || {
                data.with(|d| {
                    format!(
                        "Data through {}",
                        format::date_time(tz.local(d.usage.data_through))
                    )
                })
            };
            view! { <span data-testid="freshness">{text}</span> }.into_any()
        }
        Freshness::Live => {
            // When the current figures arrived (a new answer resets it).
            let fetched_at = Memo::new(move |_| {
                data.track();
                browser::now()
            });
            view! { <UpdatedAgo at=fetched_at /> }.into_any()
        }
    };
    let range = move || data.with(|d| format::date_range(&d.usage.range));
    let phrase = Signal::derive(move || data.with(|d| period_phrase(&d.usage)));

    let members = Arc::new(account.members.clone());
    let meters: Vec<(
        MeterConfig,
        MeterUsage,
        Option<Forecast>,
        Option<MeterBalance>,
    )> = account
        .meters
        .iter()
        .filter_map(|m| {
            let u = initial
                .usage
                .meters
                .iter()
                .find(|u| u.meter == m.id)?
                .clone();
            let f = initial
                .usage
                .forecasts
                .iter()
                .find(|f| f.meter == m.id)
                .cloned();
            let balance = balance_of(&initial.balance, &m.id);
            Some((m.clone(), u, f, balance))
        })
        .collect();
    let several = meters.len() > 1;
    let sections: Vec<_> = meters
        .into_iter()
        .map(|(meter, u, f, balance)| {
            let id = meter.id.clone();
            let usage = select(data, u, {
                let id = id.clone();
                move |d| d.usage.meters.iter().find(|u| u.meter == id).cloned()
            });
            let forecast = select(data, f, {
                let id = id.clone();
                move |d| Some(d.usage.forecasts.iter().find(|f| f.meter == id).cloned())
            });
            let balance = select(data, balance, move |d| Some(balance_of(&d.balance, &id)));
            (meter, usage, forecast, balance)
        })
        .collect();
    let groups = sections
        .iter()
        .map(|(meter, usage, forecast, balance)| {
            view! {
                <MeterCards
                    meter=meter.clone()
                    usage=*usage
                    forecast=*forecast
                    balance=*balance
                    presentation=account.presentation.clone()
                    phrase
                    tz
                    titled=several
                />
            }
        })
        .collect_view();
    let details = sections
        .into_iter()
        .map(|(meter, usage, _, _)| {
            let category: Namer = Arc::new(move |k: &str| {
                data.with_untracked(|d| d.card.category_name(k).to_string())
            });
            let feature: Namer = Arc::new(move |k: &str| {
                data.with_untracked(|d| d.card.feature_name(k).to_string())
            });
            let members = members.clone();
            let member: Namer = Arc::new(move |k: &str| {
                members
                    .iter()
                    .find(|m| m.id.as_str() == k)
                    .map_or_else(|| k.to_string(), |m| m.name.clone())
            });
            let engine: Namer = Arc::new(|k: &str| k.to_string());
            let presentation = account.presentation.clone();
            view! { <MeterDetails meter usage several presentation category feature member engine /> }
        })
        .collect_view();
    // The product's way on to the Activity page (ngram's "See last 30 days of usage
    // activity"), carrying the store's parameters.
    let activity_link = account.presentation.activity_link.clone().map(|link| {
        let query = leptos_router::hooks::use_query_map();
        let href = move || {
            let mut q = store_params(&pairs(&query.read()));
            q.push(("period".into(), link.period.slug().into()));
            browser::app_href(&format!("/activity{}", to_query_string(&q)))
        };
        view! {
            <p class="activity-link">
                <a href=href data-testid="activity-link">{link.text.to_string()}</a>
            </p>
        }
    });
    view! {
        <p class="period-caption" data-testid="period-caption">
            <span data-testid="period-range">{range}</span>
            " · times in "
            <span data-testid="timezone">{tz.name()}</span>
            " · "
            {freshness}
        </p>
        <div class="card-groups" class:several=several>
            {groups}
        </div>
        {details}
        {activity_link}
    }
}

fn balance_of(balance: &BalanceView, meter: &MeterId) -> Option<MeterBalance> {
    balance
        .meters
        .iter()
        .find(|b| b.balance.meter == *meter)
        .map(|b| b.balance.clone())
}

/// The balance by bucket kind, in draw-down order: every kind holding credits, the included
/// bucket even when empty, and the bucket purchases go into (where bought credits would be).
fn bucket_lines(balance: Option<&MeterBalance>, meter: &MeterConfig) -> Vec<(BucketKind, Amount)> {
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

/// "Updated 12 s ago", ticking.
#[component]
fn UpdatedAgo(#[prop(into)] at: Signal<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
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
fn MeterCards(
    meter: MeterConfig,
    usage: Signal<MeterUsage>,
    forecast: Signal<Option<Forecast>>,
    balance: Signal<Option<MeterBalance>>,
    /// The product's words for the cards, and whether the balance shows its buckets.
    presentation: Presentation,
    phrase: Signal<String>,
    tz: Timezone,
    /// Name the group (when the account has several meters).
    titled: bool,
) -> impl IntoView {
    let id = meter.id.to_string();
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
                    usage.with(|u| {
                        format!(
                            "{} of {} allocated",
                            format::number(u.used, &m),
                            format::amount(allocation, &m),
                        )
                    })
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
            <ForecastLine forecast meter=meter.clone() tz />
        </section>
    }
}

/// A meter's chart (or the same numbers as a table) and its breakdowns.
#[component]
fn MeterDetails(
    meter: MeterConfig,
    usage: Signal<MeterUsage>,
    several: bool,
    /// The product's title for the chart.
    presentation: Presentation,
    category: Namer,
    feature: Namer,
    member: Namer,
    engine: Namer,
) -> impl IntoView {
    let id = meter.id.to_string();
    let empty = Memo::new(move |_| usage.with(|u| u.used.is_zero() && u.jobs == 0));
    let rows = |pick: fn(&MeterUsage) -> &Vec<BreakdownRow>| {
        Memo::new_with_compare(move |_| usage.with(|u| pick(u).clone()), always_changed)
    };
    let by_category = rows(|u| &u.by_category);
    let by_feature = rows(|u| &u.by_feature);
    let by_engine = rows(|u| &u.by_engine);
    let by_member = rows(|u| &u.by_member);
    // A breakdown is shown when the usage carries the attribute at all (products without
    // engines, say, get no engine table); a donut of one slice would say nothing.
    // Memos, not derived signals: a view that reads them is rebuilt only when the answer
    // changes, not whenever the rows do.
    let named = |rows: Memo<Vec<BreakdownRow>>| {
        Memo::new(move |_| rows.with(|r| r.iter().any(|r| r.key != NONE_KEY)))
    };
    let several_categories: Signal<bool> =
        Memo::new(move |_| usage.with(|u| u.series.categories.len() > 1)).into();
    let for_breakdowns = meter.clone();
    let breakdown = move |title: &'static str,
                          key_header: &'static str,
                          none: &'static str,
                          rows: Memo<Vec<BreakdownRow>>,
                          name: Namer,
                          donut: Signal<bool>,
                          slug: &'static str| {
        let shown = named(rows);
        let meter = for_breakdowns.clone();
        let testid = format!("by-{slug}-{}", meter.id);
        move || {
            shown.get().then(|| {
                view! {
                    <Breakdown
                        title
                        key_header
                        none
                        rows
                        name=name.clone()
                        meter=meter.clone()
                        donut
                        testid=testid.clone()
                    />
                }
            })
        }
    };
    let no_donut = Signal::stored(false);
    // Below the chart, out of the first view: built once the cards and the chart are on
    // screen, so the first paint does not wait for four tables and a donut.
    let chart_category = category.clone();
    let painted = RwSignal::new(false);
    browser::after_next_paint(move || {
        painted.try_set(true);
    });
    let breakdowns = move || {
        painted.get().then(|| {
            view! {
                {breakdown("By category", "Category", "Uncategorized", by_category, category.clone(), several_categories, "category")}
                {breakdown("By feature", "Feature", "Other usage", by_feature, feature.clone(), no_donut, "feature")}
                {breakdown("By engine", "Engine", "No specific engine", by_engine, engine.clone(), no_donut, "engine")}
                {breakdown("By team member", "Team member", "Unattributed", by_member, member.clone(), no_donut, "member")}
            }
        })
    };
    view! {
        <section class="meter-details" data-testid=format!("details-{id}")>
            <UsageChartCard meter=meter.clone() usage category=chart_category titled=several presentation />
            <div class="breakdowns" class:hidden=move || empty.get()>
                {breakdowns}
            </div>
        </section>
    }
}
