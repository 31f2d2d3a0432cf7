//! Route `/`: credit usage. Where the credits went in a period (in the account's timezone),
//! what is left, and how long it lasts at the recent rate.
//!
//! The page has three faces: skeletons until the first answer, an error panel when the store
//! fails, and the usage itself. Once shown, the usage stays mounted and follows the data as
//! the period changes (cards update, charts redraw in place), rather than being built again.
//! A meter's cards are in `cards.rs`, its chart and breakdowns in `details.rs`.

mod cards;
mod details;
mod parts;

use cards::{MeterCards, UpdatedAgo, balance_of};
use details::MeterDetails;

use crate::components::breakdown::Namer;
use crate::components::period::PeriodChoice;
use crate::components::states::{ErrorPanel, Skeleton};
use crate::hooks::AccountData;
use crate::hooks::usage::Offered;
use crate::hooks::usage::{use_chart_usage, use_offered_period, use_usage};
use crate::store::StoreError;
use crate::view::{pairs, store_params, to_query_string};
use crate::{browser, format};
use chrono::NaiveDate;
use creditboard_domain::api::{AccountView, BalanceView, UsageView};
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::config::presentation::UsagePart;
use creditboard_domain::forecast::Forecast;
use creditboard_domain::ledger::MeterBalance;
use creditboard_domain::period::Freshness;
use creditboard_domain::period::{Period, PeriodPreset};
use creditboard_domain::ratecard::RateCard;
use creditboard_domain::usage::MeterUsage;
use leptos::prelude::*;
use std::sync::Arc;

/// Everything the page shows, from one consistent set of answers.
#[derive(Debug, Clone)]
struct Loaded {
    account: AccountView,
    card: RateCard,
    balance: BalanceView,
    usage: UsageView,
    /// The chart's own period's numbers, where the account gives it one.
    chart: Option<UsageView>,
}

impl Loaded {
    /// What the charts show: their own period's numbers, or the page's.
    fn chart_usage(&self) -> &UsageView {
        self.chart.as_ref().unwrap_or(&self.usage)
    }
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
    let chart = use_chart_usage(data);
    // The latest answers: `None` until all four have come once. A resource keeps its last
    // value while it fetches again, so this never goes back to `None`.
    let latest: Memo<Latest> = Memo::new_with_compare(
        move |_| {
            let (account, card, balance, usage, chart) = (
                data.account.get()?,
                data.rate_card.get()?,
                data.balance.get()?,
                usage.get()?,
                chart.get()?,
            );
            Some((|| {
                Ok(Arc::new(Loaded {
                    account: account?,
                    card: card?,
                    balance: balance?,
                    usage: usage?,
                    chart: chart?,
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
        chart.refetch();
    });
    // The first answers, kept: once the usage has been shown it stays mounted, hidden while a
    // later request fails (its forms and listings keep their state, and nothing is torn down
    // while their own requests are under way).
    let first: Memo<Option<Arc<Loaded>>> = Memo::new_with_compare(
        move |prev: Option<&Option<Arc<Loaded>>>| match prev.cloned().flatten() {
            Some(first) => Some(first),
            None => match latest.get() {
                Some(Ok(l)) => Some(l),
                _ => None,
            },
        },
        // Changed only when the first answers arrive.
        |old, new| old.and_then(Option::as_ref).is_some() != new.and_then(Option::as_ref).is_some(),
    );
    let failed = move || matches!(face.get(), Face::Failed(_));
    // Foto Master's toggles sit on its chart, once the account says so.
    let on_chart = move || {
        data.account
            .get()
            .and_then(Result::ok)
            .is_some_and(|a| a.presentation.period_on_chart)
            && first.with(Option::is_some)
    };
    let body = move || match face.get() {
        Face::Loading if first.with(Option::is_none) => {
            Some(view! { <Skeleton what="credit usage" /> }.into_any())
        }
        Face::Failed(error) => {
            Some(view! { <ErrorPanel what="your credit usage" error retry /> }.into_any())
        }
        _ => None,
    };
    let usage = move || {
        first.get().map(|initial| {
            view! {
                <div class:hidden=failed>
                    <UsageBody latest initial=(*initial).clone() period_choice=(offered, today) />
                </div>
            }
        })
    };
    view! {
        <div class="usage-page" aria-busy=move || pending().to_string()>
            <header class="page-head">
                <h1>"Credit usage"</h1>
            </header>
            {move || (!on_chart()).then(|| view! { <PeriodChoice offered today /> })}
            {body}
            {usage}
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
            PeriodPreset::ThisBillingPeriod => "this billing period".into(),
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

/// A meter's part of the first answers, which its signals start from.
struct FirstAnswer {
    meter: MeterConfig,
    usage: MeterUsage,
    /// The chart's numbers (its own period's, where it has one).
    chart: MeterUsage,
    forecast: Option<Forecast>,
    balance: Option<MeterBalance>,
}

/// Everything below the period selector, once the data is there; it follows `latest`.
#[component]
fn UsageBody(
    latest: Memo<Latest>,
    initial: Loaded,
    /// The period selector's data, for a product that puts it on the chart.
    period_choice: (Memo<Option<Offered>>, Signal<NaiveDate>),
) -> impl IntoView {
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
    let whole_cycle = Signal::derive(move || {
        data.with(|d| d.usage.period == Period::preset(PeriodPreset::ThisBillingPeriod))
    });

    let members = Arc::new(account.members.clone());
    let meters: Vec<FirstAnswer> = account
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
            let c = initial
                .chart_usage()
                .meters
                .iter()
                .find(|u| u.meter == m.id)
                .cloned()
                .unwrap_or_else(|| u.clone());
            Some(FirstAnswer {
                meter: m.clone(),
                usage: u,
                chart: c,
                forecast: f,
                balance,
            })
        })
        .collect();
    let several = meters.len() > 1;
    let sections: Vec<_> = meters
        .into_iter()
        .map(|first| {
            let FirstAnswer {
                meter,
                usage: u,
                chart: c,
                forecast: f,
                balance,
            } = first;
            let id = meter.id.clone();
            let usage = select(data, u, {
                let id = id.clone();
                move |d| d.usage.meters.iter().find(|u| u.meter == id).cloned()
            });
            let chart = select(data, c, {
                let id = id.clone();
                move |d| {
                    d.chart_usage()
                        .meters
                        .iter()
                        .find(|u| u.meter == id)
                        .cloned()
                }
            });
            let forecast = select(data, f, {
                let id = id.clone();
                move |d| Some(d.usage.forecasts.iter().find(|f| f.meter == id).cloned())
            });
            let balance = select(data, balance, move |d| Some(balance_of(&d.balance, &id)));
            (meter, usage, chart, forecast, balance)
        })
        .collect();
    let groups = sections
        .iter()
        .map(|(meter, usage, _, forecast, balance)| {
            view! {
                <MeterCards
                    meter=meter.clone()
                    usage=*usage
                    forecast=*forecast
                    balance=*balance
                    presentation=account.presentation.clone()
                    phrase
                    whole_cycle
                    tz
                    titled=several
                    sold=account.offer(&meter.id).is_some()
                />
            }
        })
        .collect_view();
    // The chart's own period, named on it when it is not the page's.
    let chart_period = account
        .presentation
        .chart_period
        .map(|p| p.label().to_string());
    // Foto Master's period toggles, at the top right of its (first) chart.
    let on_chart = account.presentation.period_on_chart;
    let (offered, today) = period_choice;
    // The page's period, as shown (what the latest activity follows, where it has no own).
    let page_period = Signal::derive(move || data.with(|d| d.usage.period));
    let details = |chart: bool, breakdowns: bool| {
        sections
            .iter()
            .enumerate()
            .map(|(i, (meter, usage, chart_usage, _, _))| {
                let controls = (on_chart && i == 0)
                    .then(|| ViewFn::from(move || view! { <PeriodChoice offered today /> }));
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
                view! {
                    <MeterDetails
                        meter=meter.clone()
                        usage=*usage
                        chart_usage=*chart_usage
                        chart_period=chart_period.clone()
                        show_chart=chart
                        show_breakdowns=breakdowns
                        controls
                        several
                        presentation
                        category
                        feature
                        member
                        engine
                    />
                }
            })
            .collect_view()
    };
    // The parts in the product's order.
    let mut groups = Some(groups);
    let parts = account.presentation.usage_parts.clone();
    // Buying right after the cards sits beside them (Foto Master's Amount field "directly to
    // the right of your current balance"), on a screen wide enough.
    let buy_beside = !several
        && parts
            .windows(2)
            .any(|w| w == [UsagePart::Cards, UsagePart::Buy]);
    let shown = parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part {
            UsagePart::Cards => groups
                .take()
                .map(|groups| {
                    let cards = view! {
                        <div class="card-groups" class:several=several>
                            {groups}
                        </div>
                    };
                    if buy_beside {
                        view! {
                            <div class="usage-lead">
                                {cards}
                                {parts::buy(&account)}
                            </div>
                        }
                        .into_any()
                    } else {
                        cards.into_any()
                    }
                })
                .unwrap_or_else(|| ().into_any()),
            UsagePart::Buy if buy_beside => ().into_any(),
            // A chart followed by the breakdowns is one section, as it always was.
            UsagePart::Chart => {
                let with_breakdowns = parts.get(i + 1) == Some(&UsagePart::Breakdowns);
                details(true, with_breakdowns).into_any()
            }
            UsagePart::Breakdowns if i > 0 && parts[i - 1] == UsagePart::Chart => ().into_any(),
            UsagePart::Breakdowns => details(false, true).into_any(),
            UsagePart::ActivityLink => activity_link(&account).into_any(),
            UsagePart::RateCardLink => parts::rate_card_link().into_any(),
            UsagePart::TopUpsBanner => parts::top_ups_banner(&account).into_any(),
            UsagePart::RecentActivity => parts::recent_activity(&account, page_period).into_any(),
            UsagePart::Buy => parts::buy(&account).into_any(),
            UsagePart::TopUps => parts::top_ups(&account).into_any(),
        })
        .collect_view();
    view! {
        <p class="period-caption" data-testid="period-caption">
            <span data-testid="period-range">{range}</span>
            " · times in "
            <span data-testid="timezone">{tz.name()}</span>
            " · "
            {freshness}
        </p>
        {shown}
    }
}

/// The product's way on to the Activity page (ngram's "See last 30 days of usage
/// activity"), carrying the store's parameters.
fn activity_link(account: &AccountView) -> impl IntoView + use<> {
    account.presentation.activity_link.clone().map(|link| {
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
    })
}
