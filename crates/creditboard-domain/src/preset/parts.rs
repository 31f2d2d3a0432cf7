//! Helpers that write the presets' literal data: ids, labels, teams, offers, features, meters.

use crate::amount::Amount;
use crate::config::meter::{Allocation, MeterConfig, MeterUnit, PurchasePolicy};
use crate::config::offer::{Money, Pack, PurchaseOffer};
use crate::config::presentation::Presentation;
use crate::config::settings::{AlertLevel, AlertRule};
use crate::config::{
    AccountConfig, BillingCycle, DrawDownOrder, HoldPolicy, Member, Plan, Project, Role,
};
use crate::entry::QuantityUnit;
use crate::error::Result;
use crate::ids::{AccountId, CategoryId, Label, MemberId, ProjectId, TierId};
use crate::period::Freshness;
use crate::period::PeriodChoices;
use crate::ratecard::{CategoryInfo, FeatureRate, Price, Requirement, TierInfo, TierPrice};
use crate::tz::Timezone;
use std::fmt;

// Preset data is written by us, not typed by users: an invalid literal is a bug caught by the
// preset tests, so these helpers fall back instead of returning errors.
pub(super) fn id<T: TryFrom<&'static str>>(s: &'static str) -> T
where
    T::Error: fmt::Debug,
{
    match T::try_from(s) {
        Ok(v) => v,
        Err(e) => panic!("preset id {s:?} is invalid: {e:?}"),
    }
}

pub(super) fn label(s: &str) -> Label {
    Label::new(s).unwrap_or_else(|e| panic!("preset label {s:?} is invalid: {e}"))
}

pub(super) fn members(list: &[(&'static str, &str, Role)]) -> Vec<Member> {
    list.iter()
        .map(|&(i, name, role)| Member {
            id: id::<MemberId>(i),
            name: name.into(),
            role,
        })
        .collect()
}

/// Packs as `(id, name, credits, price in cents)`, plus the unit price top-ups are charged at.
pub(super) fn offer(
    meter: &'static str,
    currency: &str,
    cents_per_unit: i64,
    packs: &[(&str, &str, i64, i64)],
) -> PurchaseOffer {
    PurchaseOffer {
        meter: id(meter),
        currency: currency.into(),
        cents_per_unit,
        packs: packs
            .iter()
            .map(|&(pack, name, credits, cents)| Pack {
                id: pack.into(),
                name: name.into(),
                credits: Amount::minor(credits),
                price: Money {
                    cents,
                    currency: currency.into(),
                },
            })
            .collect(),
        exact: None,
    }
}

pub(super) fn alerts(meter: &'static str, levels: &[AlertLevel]) -> Vec<AlertRule> {
    levels
        .iter()
        .map(|&level| AlertRule {
            meter: id(meter),
            level,
        })
        .collect()
}

pub(super) fn projects(list: &[(&'static str, &str)]) -> Vec<Project> {
    list.iter()
        .map(|&(i, name)| Project {
            id: id::<ProjectId>(i),
            name: name.into(),
        })
        .collect()
}

pub(super) fn categories(list: &[(&'static str, &str)]) -> Vec<CategoryInfo> {
    list.iter()
        .map(|&(i, name)| CategoryInfo {
            id: id::<CategoryId>(i),
            name: name.into(),
        })
        .collect()
}

pub(super) fn tiers(list: &[(&'static str, &str)]) -> Vec<TierInfo> {
    list.iter()
        .map(|&(i, name)| TierInfo {
            id: id::<TierId>(i),
            name: name.into(),
        })
        .collect()
}

/// An untiered feature.
pub(super) fn feature(
    fid: &'static str,
    name: &str,
    category: &'static str,
    meter: &'static str,
    unit: QuantityUnit,
    price: Price,
) -> FeatureRate {
    FeatureRate {
        id: id(fid),
        name: name.into(),
        category: id(category),
        meter: id(meter),
        unit,
        engine: None,
        prices: vec![TierPrice {
            tier: None,
            price,
            requires: vec![],
        }],
        requires: vec![],
    }
}

pub(super) fn tiered(
    mut f: FeatureRate,
    prices: &[(&'static str, i64, &[Requirement])],
) -> FeatureRate {
    let per = f.prices.first().map_or(1, |p| p.price.per);
    f.prices = prices
        .iter()
        .map(|&(t, amount, reqs)| TierPrice {
            tier: Some(id(t)),
            price: Price {
                amount: Amount::minor(amount),
                per,
            },
            requires: reqs.to_vec(),
        })
        .collect();
    f
}

pub(super) fn engine(mut f: FeatureRate, e: &str) -> FeatureRate {
    f.engine = Some(label(e));
    f
}

pub(super) fn requires(mut f: FeatureRate, reqs: &[Requirement]) -> FeatureRate {
    f.requires = reqs.to_vec();
    f
}

pub(super) fn credits_meter(
    meter: &'static str,
    name: &str,
    allocation: Option<Allocation>,
) -> MeterConfig {
    MeterConfig {
        id: id(meter),
        name: name.into(),
        unit: MeterUnit::Credits,
        decimals: 0,
        allocation,
        purchases: PurchasePolicy::default(),
        overdraft_limit: Amount::ZERO,
        auto_top_up: None,
    }
}

pub(super) fn account(
    slug: &'static str,
    name: &str,
    zone: &str,
    plan: Plan,
    anchor_day: u8,
    meters: Vec<MeterConfig>,
) -> Result<AccountConfig> {
    // The one part of a preset that depends on the host: its timezone data.
    Ok(AccountConfig {
        id: id::<AccountId>(slug),
        name: name.into(),
        timezone: Timezone::new(zone)?,
        freshness: Freshness::Live,
        plan,
        billing: BillingCycle { anchor_day },
        draw_down: DrawDownOrder::default(),
        meters,
        members: vec![],
        projects: vec![],
        offers: vec![],
        member_caps: vec![],
        alerts: vec![],
        holds: HoldPolicy::default(),
        usage_periods: PeriodChoices::default(),
        presentation: Presentation::default(),
    })
}

pub(super) const PER_USE: QuantityUnit = QuantityUnit::Use;
