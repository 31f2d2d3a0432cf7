//! How the dashboard presents an account: the product's own words on the usage page's cards,
//! the Activity ledger's columns and their headings, the Activity page's time ranges, the
//! names of the buckets. Every product sees the same screens; what differs is this data, and
//! its default is the dashboard's own wording, so a stored config without it reads as before.

use super::invalid;
use crate::config::meter::{BucketKind, MeterConfig};
use crate::error::{DomainError, Result};
use crate::ids::{Label, MeterId};
use crate::period::{PeriodChoices, PeriodPreset};
use serde::{Deserialize, Serialize};

pub use super::composition::{EstimateWords, PanelPart, UsagePart};

/// What a product calls things, and what its Activity page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Presentation {
    /// The Activity page's time ranges (the usage page's are the account's `usage_periods`).
    pub activity_periods: PeriodChoices,
    /// A project's page's time ranges (Foto Master's "Event Period, This Year, This Month,
    /// or Select Dates"), its whole life first.
    pub project_periods: PeriodChoices,
    /// Whether the Activity page also offers the whole history ("All history").
    pub all_history: bool,
    /// The usage page's card labels, for every meter `meter_cards` does not name.
    pub cards: CardLabels,
    /// A meter's own card labels (Lucas: "Available Rendering Minutes").
    pub meter_cards: Vec<MeterCardLabels>,
    /// Whether the balance card breaks the balance down by bucket and gives the next refill
    /// (VideoGen's included and additional credits).
    pub balance_breakdown: bool,
    /// A link from the usage page to the Activity page (ngram's "See last 30 days of usage
    /// activity").
    pub activity_link: Option<ActivityLink>,
    /// The Activity ledger's columns, in order (those the account has no data for are left
    /// out); the others can be added.
    pub ledger_columns: Vec<LedgerColumn>,
    /// Columns the product heads its own way (Foto Master's "Transaction" for the amount).
    pub column_headings: Vec<ColumnHeading>,
    /// Buckets the product names its own way (VideoGen's "Included credits").
    pub bucket_names: Vec<BucketName>,
    /// The title of the panel the balance counter opens (ACT3's "Credits Detail").
    pub credits_title: Label,
    /// The Activity page's filters, in order, each named as its column is headed (Foto
    /// Master's "Service" and "Status"); those the account has no data for are left out.
    pub activity_filters: Vec<ActivityFilter>,
    /// The Activity page's title (ACT3's "Transaction History").
    pub activity_title: Label,
    /// The usage chart's title; `{per}` stands for "Daily" or "Monthly" (ngram's
    /// "{per} Credit Usage").
    pub chart_title: Label,
    /// The title of a project's chart of how often its jobs ran (Foto Master's "AI
    /// Activities").
    pub project_chart_title: Label,
    /// The usage page's parts, in the order shown (ngram: the cards, its activity table,
    /// the chart, the link to the Activity page).
    pub usage_parts: Vec<UsagePart>,
    /// The chart's own period, whatever the cards show (ngram's "Daily Credit Usage (Last 30
    /// days)" under cards for the billing period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart_period: Option<PeriodPreset>,
    /// What the period selector calls a range of dates (Foto Master's "Select Dates").
    pub custom_range: Label,
    /// Whom to ask, besides the account's administrator, for more of a meter that cannot be
    /// bought (Lucas: "Idomoo support").
    pub support: Label,
    /// The period selector sits at the chart's top right instead of above the cards (Foto
    /// Master's "toggle buttons located in the top-right corner of the graph").
    pub period_on_chart: bool,
    /// The Credits panel's parts, in order (ACT3: its two buckets, the scrollable Transaction
    /// History, Buy Credits at the bottom).
    pub credits_panel: Vec<PanelPart>,
    /// The Cost Estimate dialog's words (ACT3: shot, engine, quality tier, duration).
    pub estimate_words: EstimateWords,
}

impl Default for Presentation {
    /// The dashboard's own wording and every time range.
    fn default() -> Self {
        Presentation {
            activity_periods: PeriodChoices::activity(),
            project_periods: PeriodChoices::project(),
            all_history: true,
            cards: CardLabels::default(),
            meter_cards: vec![],
            balance_breakdown: false,
            activity_link: None,
            ledger_columns: LedgerColumn::ALL.to_vec(),
            column_headings: vec![],
            bucket_names: vec![],
            credits_title: Label::known("Credits"),
            activity_filters: ActivityFilter::USUAL.to_vec(),
            activity_title: Label::known("Credit activity"),
            chart_title: Label::known("{per} usage"),
            project_chart_title: Label::known("Activity"),
            usage_parts: UsagePart::USUAL.to_vec(),
            chart_period: None,
            custom_range: Label::known("Custom range"),
            support: Label::known("support"),
            period_on_chart: false,
            credits_panel: PanelPart::USUAL.to_vec(),
            estimate_words: EstimateWords::default(),
        }
    }
}

/// The labels of a meter's cards on the usage page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CardLabels {
    /// The balance ("Available"; ngram "Available Credits").
    pub available: Label,
    /// What the period used; `{period}` stands for the period's name ("Used this month";
    /// ngram "Total Used").
    pub used: Label,
    /// The share of the allocation used ("Usage rate"; ngram "Usage Rate").
    pub rate: Label,
    /// In place of the rate where the meter has no allocation ("Average per day").
    pub average: Label,
}

impl Default for CardLabels {
    fn default() -> Self {
        CardLabels {
            available: Label::known("Available"),
            used: Label::known("Used {period}"),
            rate: Label::known("Usage rate"),
            average: Label::known("Average per day"),
        }
    }
}

impl CardLabels {
    /// Where the used card's label names the period.
    pub const PERIOD: &str = "{period}";

    /// The used card's label for a period named `phrase` ("this month", "in the last 30 days").
    pub fn used_in(&self, phrase: &str) -> String {
        self.used.as_str().replace(Self::PERIOD, phrase)
    }

    fn validate(&self, whose: &str) -> Result<()> {
        for (card, label, placeholders) in [
            ("available", &self.available, &[][..]),
            ("used", &self.used, &[Self::PERIOD][..]),
            ("rate", &self.rate, &[][..]),
            ("average", &self.average, &[][..]),
        ] {
            check_placeholders(
                &format!("{whose}the {card} card's label"),
                label,
                placeholders,
            )?;
        }
        Ok(())
    }
}

/// Refuses a `label` (named `what` in the message) with a `{…}` other than `placeholders`:
/// the dashboard could not fill it.
fn check_placeholders(what: &str, label: &Label, placeholders: &[&str]) -> Result<()> {
    let mut rest = label.as_str().to_string();
    for p in placeholders {
        rest = rest.replace(p, "");
    }
    if rest.contains(['{', '}']) {
        let only = match placeholders {
            [] => "none".to_string(),
            some => some.join(", "),
        };
        return Err(DomainError::InvalidConfig(format!(
            "{what} “{label}” has a placeholder it cannot fill (it may use: {only})"
        )));
    }
    Ok(())
}

/// The first item whose `key` an earlier one has.
fn repeated<T, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .find(|(i, item)| items[..*i].iter().any(|o| key(o) == key(item)))
        .map(|(_, item)| item)
}

/// One meter's card labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterCardLabels {
    pub meter: MeterId,
    pub labels: CardLabels,
}

/// A link from the usage page to the Activity page over a period it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityLink {
    pub text: Label,
    pub period: PeriodPreset,
}

/// A column of the Activity ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LedgerColumn {
    Time,
    Description,
    Service,
    Category,
    Member,
    Project,
    Tier,
    Type,
    Status,
    Amount,
    Balance,
}

impl LedgerColumn {
    /// Every column, in the dashboard's order.
    pub const ALL: [LedgerColumn; 11] = [
        LedgerColumn::Time,
        LedgerColumn::Description,
        LedgerColumn::Service,
        LedgerColumn::Category,
        LedgerColumn::Member,
        LedgerColumn::Project,
        LedgerColumn::Tier,
        LedgerColumn::Type,
        LedgerColumn::Status,
        LedgerColumn::Amount,
        LedgerColumn::Balance,
    ];

    /// The URL and JSON spelling (`cols=service,tier`).
    pub fn slug(self) -> &'static str {
        match self {
            LedgerColumn::Time => "time",
            LedgerColumn::Description => "description",
            LedgerColumn::Service => "service",
            LedgerColumn::Category => "category",
            LedgerColumn::Member => "member",
            LedgerColumn::Project => "project",
            LedgerColumn::Tier => "tier",
            LedgerColumn::Type => "type",
            LedgerColumn::Status => "status",
            LedgerColumn::Amount => "amount",
            LedgerColumn::Balance => "balance",
        }
    }

    /// The dashboard's heading, where the product has none of its own.
    pub fn default_heading(self) -> &'static str {
        match self {
            LedgerColumn::Time => "Date",
            LedgerColumn::Description => "Description",
            LedgerColumn::Service => "Service",
            LedgerColumn::Category => "Category",
            LedgerColumn::Member => "Team member",
            LedgerColumn::Project => "Project",
            LedgerColumn::Tier => "Quality",
            LedgerColumn::Type => "Type",
            LedgerColumn::Status => "Status",
            LedgerColumn::Amount => "Amount",
            LedgerColumn::Balance => "Balance after",
        }
    }
}

/// A ledger column's heading in the product's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ColumnHeading {
    pub column: LedgerColumn,
    pub heading: Label,
}

impl ColumnHeading {
    /// A heading written in a preset.
    pub(crate) fn known(column: LedgerColumn, heading: &'static str) -> Self {
        ColumnHeading {
            column,
            heading: Label::known(heading),
        }
    }
}

/// A filter of the Activity page: the URL key it sets and the column whose heading names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityFilter {
    /// What the job was, by the rate card's features (Foto Master's "Service").
    Feature,
    Engine,
    Category,
    Member,
    Project,
    Tier,
    Type,
    Status,
}

impl ActivityFilter {
    /// The dashboard's filters: everything but the feature (the search finds it) and the tier.
    pub const USUAL: [ActivityFilter; 6] = [
        ActivityFilter::Engine,
        ActivityFilter::Category,
        ActivityFilter::Member,
        ActivityFilter::Project,
        ActivityFilter::Type,
        ActivityFilter::Status,
    ];

    /// The query key it sets (`?feature=sms`).
    pub fn key(self) -> &'static str {
        match self {
            ActivityFilter::Feature => "feature",
            ActivityFilter::Engine => "engine",
            ActivityFilter::Category => "category",
            ActivityFilter::Member => "member",
            ActivityFilter::Project => "project",
            ActivityFilter::Tier => "tier",
            ActivityFilter::Type => "type",
            ActivityFilter::Status => "status",
        }
    }

    /// The column showing what it filters by, whose heading names it: a feature is what the
    /// description column says when the job has no words of its own.
    pub fn column(self) -> LedgerColumn {
        match self {
            ActivityFilter::Feature => LedgerColumn::Description,
            ActivityFilter::Engine => LedgerColumn::Service,
            ActivityFilter::Category => LedgerColumn::Category,
            ActivityFilter::Member => LedgerColumn::Member,
            ActivityFilter::Project => LedgerColumn::Project,
            ActivityFilter::Tier => LedgerColumn::Tier,
            ActivityFilter::Type => LedgerColumn::Type,
            ActivityFilter::Status => LedgerColumn::Status,
        }
    }
}

/// A bucket's name in the product's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketName {
    pub kind: BucketKind,
    pub name: Label,
}

/// The dashboard's name for a bucket.
pub fn default_bucket_name(kind: BucketKind) -> &'static str {
    match kind {
        BucketKind::Included => "Monthly allocation",
        BucketKind::Rollover => "Rollover bank",
        BucketKind::Additional => "Additional credits",
        BucketKind::Promotional => "Promotional credits",
        BucketKind::Overdraft => "Overdraft",
    }
}

impl Presentation {
    /// Where the chart's title names its bars' span.
    pub const PER: &str = "{per}";

    /// The usage chart's title over bars of a day (`per` "Daily") or a month ("Monthly").
    pub fn chart_title_per(&self, per: &str) -> String {
        self.chart_title.as_str().replace(Self::PER, per)
    }

    /// Checks the presentation against the account's meters; runs with the account's
    /// validation.
    pub fn validate(&self, meters: &[MeterConfig]) -> Result<()> {
        self.activity_periods.validate_for("the Activity page")?;
        self.project_periods.validate_for("a project's page")?;
        if let Some(link) = &self.activity_link
            && !self.activity_periods.presets.contains(&link.period)
        {
            return invalid(format!(
                "the usage page links to the Activity page over “{}”, which the Activity page does not offer",
                link.period.label()
            ));
        }
        self.cards.validate("")?;
        for m in &self.meter_cards {
            if !meters.iter().any(|c| c.id == m.meter) {
                return invalid(format!(
                    "card labels are given for the meter “{}”, which the account does not have",
                    m.meter
                ));
            }
            m.labels.validate(&format!("meter “{}”: ", m.meter))?;
        }
        if let Some(m) = repeated(&self.meter_cards, |m| m.meter.clone()) {
            return invalid(format!(
                "card labels are given twice for the meter “{}”",
                m.meter
            ));
        }
        if let Some(c) = repeated(&self.ledger_columns, |c| *c) {
            return invalid(format!("the ledger column “{}” is listed twice", c.slug()));
        }
        for needed in [LedgerColumn::Time, LedgerColumn::Amount] {
            if !self.shows(needed) {
                return invalid(format!(
                    "the ledger needs its “{}” column: a ledger says when and how much",
                    needed.slug()
                ));
            }
        }
        if let Some(h) = repeated(&self.column_headings, |h| h.column) {
            return invalid(format!(
                "the ledger column “{}” is given two headings",
                h.column.slug()
            ));
        }
        // Every column can be shown (the column chooser offers them all): two under one
        // heading could not be told apart.
        for (i, a) in LedgerColumn::ALL.iter().enumerate() {
            for b in &LedgerColumn::ALL[..i] {
                if self.heading(*a).eq_ignore_ascii_case(self.heading(*b)) {
                    return invalid(format!(
                        "the ledger columns “{}” and “{}” are both headed “{}”",
                        b.slug(),
                        a.slug(),
                        self.heading(*a)
                    ));
                }
            }
        }
        if let Some(f) = repeated(&self.activity_filters, |f| *f) {
            return invalid(format!("the Activity filter “{}” is listed twice", f.key()));
        }
        check_placeholders("the chart's title", &self.chart_title, &[Self::PER])?;
        if let Some(p) = repeated(&self.usage_parts, |p| *p) {
            return invalid(format!("the usage page shows “{}” twice", p.slug()));
        }
        if let Some(p) = repeated(&self.credits_panel, |p| *p) {
            return invalid(format!("the Credits panel shows “{}” twice", p.slug()));
        }
        if !self.credits_panel.contains(&PanelPart::Buckets) {
            return invalid("the Credits panel needs its buckets: they say what is left".into());
        }
        if !self.usage_parts.contains(&UsagePart::Cards) {
            return invalid(
                "the usage page needs its cards: they say what is left and what was used".into(),
            );
        }
        if self.usage_parts.contains(&UsagePart::ActivityLink) != self.activity_link.is_some() {
            return invalid(match self.activity_link {
                Some(_) => "the link to the Activity page is given but the usage page does not show it (add the “activity_link” part)".into(),
                None => "the usage page shows a link to the Activity page but none is given (set “activity_link”)".into(),
            });
        }
        if let Some(b) = repeated(&self.bucket_names, |b| b.kind) {
            return invalid(format!("the {} bucket is named twice", b.kind.as_str()));
        }
        Ok(())
    }

    /// The card labels of one meter.
    pub fn cards_of(&self, meter: &MeterId) -> &CardLabels {
        self.meter_cards
            .iter()
            .find(|m| m.meter == *meter)
            .map_or(&self.cards, |m| &m.labels)
    }

    /// Whether the ledger shows `column` unless asked otherwise.
    pub fn shows(&self, column: LedgerColumn) -> bool {
        self.ledger_columns.contains(&column)
    }

    /// The heading of a ledger column, the product's or the dashboard's.
    pub fn heading(&self, column: LedgerColumn) -> &str {
        self.column_headings
            .iter()
            .find(|h| h.column == column)
            .map_or(column.default_heading(), |h| h.heading.as_str())
    }

    /// What the product calls a bucket.
    pub fn bucket_name(&self, kind: BucketKind) -> &str {
        self.bucket_names
            .iter()
            .find(|b| b.kind == kind)
            .map_or(default_bucket_name(kind), |b| b.name.as_str())
    }
}
