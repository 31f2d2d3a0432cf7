//! Seeded histories, which the demo runs on: the same seed, product and day give the same
//! ledger, in the browser and on the server.
//!
//! A history is a team working over many days: weekday rhythms, bursts before deadlines, a
//! team that grows, failed jobs and their refunds, purchases when the balance runs low,
//! promotional grants, batch renders held and captured. Everything goes through
//! [`Ledger::apply`], so demo data obeys the same rules as real data. No floats, no platform
//! randomness: a small SplitMix64 generator and integer arithmetic only.

use crate::amount::Amount;
use crate::config::Role;
use crate::entry::{
    CaptureOp, ConsumeOp, EntryId, GrantOp, HeldBy, HoldOp, JobStatus, Operation, PurchaseOp,
    Quantity, RefundOp, ReleaseOp, Usage,
};
use crate::error::{DomainError, Result};
use crate::ids::{FeatureId, IdempotencyKey, Label, MemberId, MeterId, ProjectId, TierId};
use crate::ledger::Ledger;
use crate::period::{check_instant, start_of_day};
use crate::preset::{DescriptionStyle, Preset, PresetId, Product};
use crate::ratecard::{FeatureRate, RateCard};
use chrono::{DateTime, Datelike, Days, Duration, Utc, Weekday};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// SplitMix64: tiny, fast, and identical on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for demo data, and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// An index drawn with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total.max(1));
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }
}

/// The longest history the generator writes (about eleven years).
pub const MAX_DAYS: u32 = 4000;
/// The most activity relative to a preset's rhythm, in percent (benchmarks use thousands).
pub const MAX_SCALE_PERCENT: u32 = 100_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    pub product: Product,
    pub seed: u64,
    /// The history ends here (the demo's "now").
    pub now: DateTime<Utc>,
    /// How many days back it reaches.
    pub days: u32,
    /// Activity relative to the preset's normal rhythm, in percent (benchmarks use thousands).
    pub scale_percent: u32,
}

impl HistoryOptions {
    /// 400 days of normal activity with the default seed.
    pub fn new(product: impl Into<Product>, now: DateTime<Utc>) -> Self {
        HistoryOptions {
            product: product.into(),
            seed: 2026,
            now,
            days: 400,
            scale_percent: 100,
        }
    }
}

/// A generated account.
#[derive(Debug, Clone)]
pub struct History {
    pub preset: Option<PresetId>,
    pub rate_card: RateCard,
    pub ledger: Ledger,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scheduled {
    Grant {
        amount: i64,
        valid_days: u32,
        description: &'static str,
    },
    Job(Box<Job>),
    Refund {
        of: EntryId,
    },
    Capture {
        hold: EntryId,
        amount: i64,
    },
    Release {
        hold: EntryId,
        failed: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Job {
    feature: usize,
    tier: Option<TierId>,
    quantity: u64,
    member: Option<MemberId>,
    project: Option<ProjectId>,
    description: Option<Label>,
    fails: bool,
    /// Minutes until a held job completes; `None` for a direct consume; `Some(u32::MAX)` for a
    /// job still running at the end of the history.
    runs_minutes: Option<u32>,
    /// Captured share of the hold, per mille (renders often finish under the estimate).
    capture_per_mille: u32,
}

/// Generates a preset's demo history.
pub fn generate(opts: &HistoryOptions) -> Result<History> {
    if !(1..=MAX_DAYS).contains(&opts.days) {
        return Err(DomainError::InvalidConfig(format!(
            "a demo history spans 1 to {MAX_DAYS} days"
        )));
    }
    if !(1..=MAX_SCALE_PERCENT).contains(&opts.scale_percent) {
        return Err(DomainError::InvalidConfig(format!(
            "demo activity is 1 % to {MAX_SCALE_PERCENT} % of the normal rhythm"
        )));
    }
    let mut preset = opts.product.load()?;
    preset.rate_card.validate(&preset.config)?;
    // A busier (or quieter) demo of a product that sells nothing cannot buy its way through
    // the month: its plan's allocation follows the activity, so usage keeps its rhythm.
    let unsold: Vec<MeterId> = preset
        .config
        .meters
        .iter()
        .filter(|m| preset.config.offer(&m.id).is_none())
        .map(|m| m.id.clone())
        .collect();
    for m in preset
        .config
        .meters
        .iter_mut()
        .filter(|m| unsold.contains(&m.id))
    {
        if let Some(a) = &mut m.allocation {
            let scaled = i128::from(a.amount.get()) * i128::from(opts.scale_percent) / 100;
            let capped = scaled.clamp(1, i128::from(crate::amount::MAX_BALANCE.get()));
            a.amount = Amount::minor(i64::try_from(capped).unwrap_or(i64::MAX));
        }
    }
    let tz = preset.config.timezone;
    let today = tz.date_of(check_instant(opts.now)?);
    let first_day = today
        .checked_sub_days(Days::new(u64::from(opts.days)))
        .filter(|d| d.year() >= 1970)
        .ok_or_else(|| DomainError::TimeOutOfRange(opts.now.to_rfc3339()))?;
    let opened_at = start_of_day(tz, first_day);
    let mut g = Generator {
        ledger: Ledger::open(preset.config.clone(), opened_at)?,
        rng: Rng::new(opts.seed ^ product_salt(&preset).wrapping_mul(0x2545_F491_4F6C_DD1D)),
        queue: BinaryHeap::new(),
        seq: 0,
        preset: &preset,
        features: preset
            .demo
            .features
            .iter()
            .map(|d| {
                preset
                    .rate_card
                    .feature(&FeatureId::new(&d.feature)?)
                    .cloned()
            })
            .collect::<Result<_>>()?,
    };
    for &(days_before, amount, valid_days, description) in preset.demo.grants {
        let day = today - Duration::days(i64::from(days_before));
        if day >= first_day {
            let at = start_of_day(tz, day) + Duration::hours(10);
            g.schedule(
                at,
                Scheduled::Grant {
                    amount,
                    valid_days,
                    description,
                },
            );
        }
    }
    let mut burst: (u64, u64) = (0, 1000);
    for (index, day) in first_day
        .iter_days()
        .take(opts.days as usize + 1)
        .enumerate()
    {
        let day_start = start_of_day(tz, day);
        let next_start = start_of_day(tz, day.succ_opt().unwrap_or(day));
        let d = &preset.demo;
        if burst.0 == 0 && g.rng.chance(d.burst_per_mille) {
            burst = (g.rng.range(2, 5), g.rng.range(1700, 2800));
        }
        let burst_factor = if burst.0 > 0 {
            burst.0 -= 1;
            burst.1
        } else {
            1000
        };
        let weekday_factor = match day.weekday() {
            Weekday::Sat | Weekday::Sun => u64::from(d.weekend_per_mille),
            _ => 1000,
        };
        // The team grows: 55 % of today's activity at the start of the history.
        let growth = 550 + 450 * index as u64 / u64::from(opts.days.max(1));
        let noise = g.rng.range(700, 1300);
        let jobs = u64::from(d.jobs_per_weekday) * u64::from(opts.scale_percent) * weekday_factor
            / 100_000
            * growth
            / 1000
            * noise
            / 1000
            * burst_factor
            / 1000;
        // Some products work per event: most of a day's jobs belong to that day's event.
        let day_project = g.pick_project(index as u64, u64::from(opts.days));
        for _ in 0..jobs {
            // Working hours, peaking in the afternoon (a triangle from 08:00 to 20:00).
            let minute = 8 * 60 + (g.rng.below(12 * 60) + g.rng.below(12 * 60)) / 2;
            let at = day_start
                + Duration::minutes(minute as i64)
                + Duration::seconds(g.rng.below(60) as i64);
            if at >= opts.now || at >= next_start {
                continue;
            }
            let job = g.job(day_project.clone());
            g.schedule(at, Scheduled::Job(Box::new(job)));
        }
        g.run_until(next_start.min(opts.now))?;
    }
    if preset.demo.holds {
        // Renders in flight right now: their holds stay pending. Started after today's last
        // job (at some times of day that one ran less than 17 minutes ago).
        let last = g.ledger.now();
        for (i, minutes_ago) in [3, 9, 17].into_iter().enumerate() {
            let project = g.pick_project(u64::from(opts.days), u64::from(opts.days));
            let mut job = g.job(project);
            job.fails = false;
            job.runs_minutes = Some(u32::MAX);
            let at = (opts.now - Duration::minutes(minutes_ago))
                .max(last + Duration::seconds(3 - i as i64))
                .min(opts.now);
            g.schedule(at, Scheduled::Job(Box::new(job)));
        }
    }
    g.run_until(opts.now)?;
    let mut ledger = g.ledger;
    ledger.advance_to(opts.now.max(ledger.now()))?;
    Ok(History {
        preset: preset.id,
        rate_card: preset.rate_card,
        ledger,
    })
}

/// Whether project `i` of `n`, run in turn, runs on day `day` of a `days`-day history: the
/// history is cut in `n + 1` stretches, project `i` runs through stretches `i` and `i + 1`,
/// and the last two run through today, so every day has one or two running.
fn running_on(i: u64, n: u64, day: u64, days: u64) -> bool {
    let start = i * days / (n + 1);
    let end = if i + 2 >= n {
        days + 1
    } else {
        (i + 2) * days / (n + 1)
    };
    (start..end).contains(&day)
}

/// Sets one product's history apart from another's with the same seed: a preset's number
/// (as it always was), a custom product's account id.
fn product_salt(preset: &Preset) -> u64 {
    match preset.id {
        Some(id) => id as u64,
        None => preset
            .config
            .id
            .as_str()
            .bytes()
            .fold(5, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    }
}

struct Generator<'p> {
    ledger: Ledger,
    rng: Rng,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Scheduled)>>,
    seq: u64,
    preset: &'p Preset,
    features: Vec<FeatureRate>,
}

impl Generator<'_> {
    fn schedule(&mut self, at: DateTime<Utc>, action: Scheduled) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, action)));
    }

    fn key(&mut self) -> Result<IdempotencyKey> {
        self.seq += 1;
        IdempotencyKey::new(&format!("demo-{}", self.seq))
    }

    /// A project running on day `day` of `days` (see [`running_on`]).
    fn pick_project(&mut self, day: u64, days: u64) -> Option<ProjectId> {
        let projects = &self.preset.config.projects;
        let n = projects.len() as u64;
        let running: Vec<u64> = (0..n)
            .filter(|&i| !self.preset.demo.projects_in_turn || running_on(i, n, day, days))
            .collect();
        let i = *running.get(self.rng.below(running.len().max(1) as u64) as usize)?;
        Some(projects[i as usize].id.clone())
    }

    fn job(&mut self, day_project: Option<ProjectId>) -> Job {
        let d = &self.preset.demo;
        let weights: Vec<u32> = d.features.iter().map(|f| f.weight).collect();
        let feature = self.rng.weighted(&weights);
        let demo = &d.features[feature];
        let tier = (!demo.tiers.is_empty()).then(|| {
            let w: Vec<u32> = demo.tiers.iter().map(|t| t.1).collect();
            TierId::new(&demo.tiers[self.rng.weighted(&w)].0).ok()
        });
        let quantity = self.rng.range(demo.quantity.0, demo.quantity.1);
        let members = &self.preset.config.members;
        let member = (!members.is_empty()).then(|| {
            let w: Vec<u32> = (0..members.len())
                .map(|i| d.member_weights.get(i).copied().unwrap_or(1))
                .collect();
            members[self.rng.weighted(&w)].id.clone()
        });
        let project = if self.rng.chance(d.project_per_mille) {
            day_project
        } else {
            None
        };
        let f = &self.features[feature];
        let description = match d.description {
            DescriptionStyle::Tool => Label::new(&format!("Tool: {}", f.id)).ok(),
            DescriptionStyle::FeatureName => Label::new(&f.name).ok(),
            DescriptionStyle::Shot => {
                let (scene, shot) = (self.rng.range(1, 42), self.rng.range(1, 12));
                let take = ["A", "B", "C", "D"][self.rng.below(4) as usize];
                Label::new(&format!("Sc. {scene} / Shot {shot}{take}")).ok()
            }
        };
        let fails = self.rng.chance(d.failure_per_mille);
        let runs_minutes = d.holds.then(|| self.rng.range(2, 25) as u32);
        let capture_per_mille = if self.rng.chance(300) {
            self.rng.range(700, 990) as u32
        } else {
            1000
        };
        Job {
            feature,
            tier: tier.flatten(),
            quantity,
            member,
            project,
            description,
            fails,
            runs_minutes,
            capture_per_mille,
        }
    }

    /// Applies everything scheduled before `until`, in time order.
    fn run_until(&mut self, until: DateTime<Utc>) -> Result<()> {
        while let Some(Reverse((at, _, _))) = self.queue.peek() {
            if *at >= until {
                break;
            }
            let Some(Reverse((at, _, action))) = self.queue.pop() else {
                break;
            };
            self.run(at, action)?;
        }
        Ok(())
    }

    fn run(&mut self, at: DateTime<Utc>, action: Scheduled) -> Result<()> {
        let meter0 = self.preset.config.meters[0].id.clone();
        match action {
            Scheduled::Grant {
                amount,
                valid_days,
                description,
            } => {
                let op = Operation::Grant(GrantOp {
                    key: self.key()?,
                    meter: meter0,
                    amount: Amount::minor(amount),
                    at,
                    expires_at: Some(at + Duration::days(i64::from(valid_days))),
                    usage: Usage {
                        description: Label::new(description).ok(),
                        ..Usage::default()
                    },
                });
                self.ledger.apply(op)?;
            }
            Scheduled::Refund { of } => {
                let op = Operation::Refund(RefundOp {
                    key: self.key()?,
                    of,
                    amount: None,
                    at,
                    description: Label::new("Refunded: the job failed").ok(),
                });
                self.ledger.apply(op)?;
            }
            Scheduled::Capture { hold, amount } => {
                let op = Operation::Capture(CaptureOp {
                    key: self.key()?,
                    hold,
                    amount: Amount::minor(amount),
                    at,
                });
                self.ledger.apply(op)?;
            }
            Scheduled::Release { hold, failed } => {
                let op = Operation::Release(ReleaseOp {
                    key: self.key()?,
                    hold,
                    at,
                    status: if failed {
                        JobStatus::Failed
                    } else {
                        JobStatus::Success
                    },
                });
                self.ledger.apply(op)?;
            }
            Scheduled::Job(job) => self.run_job(at, *job)?,
        }
        Ok(())
    }

    fn run_job(&mut self, at: DateTime<Utc>, job: Job) -> Result<()> {
        let f = &self.features[job.feature];
        let meter: MeterId = f.meter.clone();
        let cost = f.price(job.tier.as_ref())?.price.cost(job.quantity)?;
        let usage = Usage {
            feature: Some(f.id.clone()),
            category: Some(f.category.clone()),
            engine: f.engine.clone(),
            tier: job.tier.clone(),
            quantity: Some(Quantity {
                amount: job.quantity,
                unit: f.unit,
            }),
            member: job.member.clone(),
            project: job.project.clone(),
            description: job.description.clone(),
        };
        let available = self.ledger.balance(&meter)?.available;
        if available < cost {
            // The admins buy a pack when the team runs low; products without purchases
            // simply cannot run the job (it never reaches the ledger).
            let Some(pack) = self.preset.demo.purchase else {
                return Ok(());
            };
            let admin = self
                .preset
                .config
                .members
                .iter()
                .find(|m| m.role == Role::Admin)
                .map(|m| m.id.clone());
            let amount = pack.max(cost);
            let op = Operation::Purchase(PurchaseOp {
                key: self.key()?,
                meter: meter.clone(),
                amount,
                at,
                price: None,
                usage: Usage {
                    member: admin,
                    description: Label::new("Credit purchase").ok(),
                    ..Usage::default()
                },
            });
            self.ledger.apply(op)?;
        }
        let key = self.key()?;
        match job.runs_minutes {
            None => {
                let status = if job.fails {
                    JobStatus::Failed
                } else {
                    JobStatus::Success
                };
                let op = Operation::Consume(ConsumeOp {
                    key,
                    meter,
                    amount: cost,
                    at,
                    status,
                    usage,
                });
                let receipt = self.ledger.apply(op)?;
                if job.fails {
                    let id = receipt.first;
                    let later = at + Duration::minutes(self.rng.range(1, 12) as i64);
                    self.schedule(later, Scheduled::Refund { of: id });
                }
            }
            Some(minutes) => {
                let op = Operation::Hold(HoldOp {
                    key,
                    meter,
                    amount: cost,
                    at,
                    expires_in: None,
                    held_by: HeldBy::Service,
                    usage,
                });
                let receipt = self.ledger.apply(op)?;
                let hold = receipt.first;
                if minutes == u32::MAX {
                    return Ok(());
                }
                let done = at + Duration::minutes(i64::from(minutes));
                if job.fails {
                    self.schedule(done, Scheduled::Release { hold, failed: true });
                } else {
                    let amount = (cost.get() * i64::from(job.capture_per_mille) / 1000).max(1);
                    self.schedule(done, Scheduled::Capture { hold, amount });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::running_on;

    #[test]
    fn projects_in_turn_leave_no_day_without_one_and_end_in_turn() {
        for n in 1..=8 {
            for days in [1, 2, 7, 30, 90, 400, 1_000] {
                for day in 0..=days {
                    let running = (0..n).filter(|&i| running_on(i, n, day, days)).count();
                    assert!(
                        (1..=2).contains(&running),
                        "{n} projects, day {day} of {days}: {running} running"
                    );
                }
                // The first ends before today when there are more than two; the last runs
                // through today.
                assert_eq!(running_on(0, n, days, days), n <= 2, "{n} projects");
                assert!(running_on(n - 1, n, days, days));
            }
        }
    }
}
