//! Chart options as pure functions of domain data: what a chart says is decided (and tested)
//! here; the chart component only hands the options to ECharts.
//!
//! Tooltips are written here too, one HTML string per bar or slice, so they can state the
//! day's total in the meter's unit (ECharts' own templates cannot) without the page needing
//! `eval`-style JavaScript functions.

use crate::format::{self, chart_value, escape_html};
use charming::component::{Axis, Grid, Legend, LegendType};
use charming::element::{
    AxisLabel, AxisType, Color, ItemStyle, Label, LineStyle, SplitLine, TextStyle, Tooltip, Trigger,
};
use charming::series::{Bar, Pie};
use creditboard_domain::config::meter::MeterConfig;
use creditboard_domain::usage::{BreakdownRow, Granularity, NONE_KEY, Series};
use serde::Serialize;

/// Colours a chart takes from the page's theme (CSS custom properties, so a host that
/// restyles the dashboard restyles its charts too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartTheme {
    pub text: String,
    pub grid: String,
    /// Category colours, in order of size.
    pub series: Vec<String>,
    pub animate: bool,
}

impl ChartTheme {
    /// The built-in light theme (what `style/main.css` sets, for tests and as a fallback).
    pub fn light() -> Self {
        ChartTheme {
            text: "#4b5565".into(),
            grid: "#e3e8ef".into(),
            series: [
                "#3e63dd", "#12a594", "#e5484d", "#d58b00", "#8e4ec6", "#0090ff", "#d6409f",
                "#6f9a3b",
            ]
            .map(String::from)
            .to_vec(),
            animate: true,
        }
    }

    fn colour(&self, i: usize) -> &str {
        self.series
            .get(i % self.series.len().max(1))
            .map_or("#888", String::as_str)
    }
}

/// Options and the matching tooltips (by data index).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub chart: Options,
    pub tooltips: Vec<String>,
}

/// The ECharts options of one chart, made of charming's components. charming's own `Chart`
/// holds (and serializes) every component and series kind ECharts has; this holds the ones
/// the dashboard draws, which keeps some 60 KB of serializer code out of the app's wasm.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    background_color: Color,
    animation: bool,
    color: Vec<Color>,
    tooltip: Tooltip,
    #[serde(skip_serializing_if = "Option::is_none")]
    legend: Option<Legend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grid: Option<Grid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x_axis: Option<Axis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y_axis: Option<Axis>,
    series: Vec<SeriesKind>,
}

/// The series kinds the dashboard draws (each serializes its own `"type"`). Boxed: charming's
/// series are kilobytes each.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SeriesKind {
    Bar(Box<Bar>),
    Pie(Box<Pie>),
}

impl Options {
    /// A transparent chart in `colours`, animated as the theme says.
    fn new(theme: &ChartTheme, colours: usize, trigger: Trigger) -> Self {
        Options {
            background_color: Color::from("transparent"),
            animation: theme.animate,
            color: (0..colours.max(1))
                .map(|i| Color::from(theme.colour(i)))
                .collect(),
            tooltip: Tooltip::new().trigger(trigger),
            legend: None,
            grid: None,
            x_axis: None,
            y_axis: None,
            series: Vec::new(),
        }
    }

    /// Bars against `labels` with a value axis, in a grid leaving `bottom` pixels below.
    fn bars(mut self, labels: &[String], y_axis: Axis, bottom: i32, theme: &ChartTheme) -> Self {
        self.grid = Some(
            Grid::new()
                .left(8)
                .right(8)
                .top(16)
                .bottom(bottom)
                .contain_label(true),
        );
        self.x_axis = Some(bar_axis(labels, theme));
        self.y_axis = Some(y_axis);
        self
    }
}

/// The label of a bar: "Nov 3" for a day, "Nov 2026" for a month (in the current locale).
pub fn bar_label(from: chrono::NaiveDate, granularity: Granularity) -> String {
    match granularity {
        Granularity::Day => format::short_date(from),
        Granularity::Month => format::month_label(from),
    }
}

/// The name a breakdown key is shown with; usage without the attribute ([`NONE_KEY`]) is
/// `none` ("Uncategorized", "No engine").
pub fn key_name(key: &str, none: &str, name: impl Fn(&str) -> String) -> String {
    if key == NONE_KEY {
        none.to_string()
    } else {
        name(key)
    }
}

fn dot(colour: &str) -> String {
    format!(
        "<span style=\"display:inline-block;width:8px;height:8px;border-radius:50%;background:{}\"></span> ",
        escape_html(colour)
    )
}

/// The bars' axis: one label per bar, in the theme's text colour.
fn bar_axis(labels: &[String], theme: &ChartTheme) -> Axis {
    Axis::new()
        .type_(AxisType::Category)
        .data(labels.to_vec())
        .axis_label(AxisLabel::new().color(theme.text.as_str()))
}

/// The values' axis, with grid lines in the theme's colour.
fn value_axis(theme: &ChartTheme) -> Axis {
    Axis::new()
        .type_(AxisType::Value)
        .axis_label(AxisLabel::new().color(theme.text.as_str()))
        .split_line(SplitLine::new().line_style(LineStyle::new().color(theme.grid.as_str())))
}

/// Usage per bar, stacked by category (biggest category at the bottom). The tooltip names
/// the bar, its total and each category's part of it.
pub fn usage_chart(
    series: &Series,
    category_name: impl Fn(&str) -> String,
    meter: &MeterConfig,
    theme: &ChartTheme,
) -> ChartSpec {
    let labels: Vec<String> = series
        .points
        .iter()
        .map(|p| bar_label(p.from, series.granularity))
        .collect();
    let names: Vec<String> = series
        .categories
        .iter()
        .map(|k| key_name(k, "Uncategorized", &category_name))
        .collect();
    let bottom = if names.len() > 1 { 36 } else { 8 };
    let mut chart = Options::new(theme, names.len(), Trigger::Axis).bars(
        &labels,
        value_axis(theme),
        bottom,
        theme,
    );
    if names.len() > 1 {
        chart.legend = Some(
            Legend::new()
                .type_(LegendType::Scroll)
                .bottom(0)
                .text_style(TextStyle::new().color(theme.text.as_str())),
        );
    }
    for (i, name) in names.iter().enumerate() {
        let data: Vec<f64> = series
            .points
            .iter()
            .map(|p| {
                chart_value(
                    p.by_category.get(i).copied().unwrap_or_default(),
                    meter.decimals,
                )
            })
            .collect();
        chart.series.push(SeriesKind::Bar(Box::new(
            Bar::new().name(name.as_str()).stack("usage").data(data),
        )));
    }
    let tooltips = series
        .points
        .iter()
        .zip(&labels)
        .map(|(p, label)| {
            // The total, and how many activities ran in the block (Foto Master's "total
            // number of activities run during that calendar block").
            let mut html = format!(
                "<strong>{}</strong><br>Total: {} · {} {}",
                escape_html(label),
                escape_html(&format::amount(p.total, meter)),
                format::group_thousands(&p.count.to_string()),
                if p.count == 1 {
                    "activity"
                } else {
                    "activities"
                }
            );
            for (i, name) in names.iter().enumerate() {
                let v = p.by_category.get(i).copied().unwrap_or_default();
                if !v.is_zero() {
                    html.push_str(&format!(
                        "<br>{}{}: {}",
                        dot(theme.colour(i)),
                        escape_html(name),
                        escape_html(&format::number(v, meter))
                    ));
                }
            }
            html
        })
        .collect();
    ChartSpec { chart, tooltips }
}

/// A donut of a breakdown's shares (largest first, as the rows come).
pub fn donut_chart(
    rows: &[BreakdownRow],
    none: &str,
    name: impl Fn(&str) -> String,
    meter: &MeterConfig,
    theme: &ChartTheme,
) -> ChartSpec {
    let total = creditboard_domain::Amount::minor(
        rows.iter()
            .map(|r| r.used.get().max(0))
            .fold(0i64, i64::saturating_add),
    );
    let slices: Vec<(f64, String)> = rows
        .iter()
        .filter(|r| r.used.is_positive())
        .map(|r| {
            (
                chart_value(r.used, meter.decimals),
                key_name(&r.key, none, &name),
            )
        })
        .collect();
    let mut chart = Options::new(theme, slices.len(), Trigger::Item);
    chart.series.push(SeriesKind::Pie(Box::new(
        Pie::new()
            .radius(vec!["58%", "86%"])
            .avoid_label_overlap(true)
            .label(Label::new().show(false))
            .item_style(ItemStyle::new().border_color("transparent").border_width(2))
            .data(slices.clone()),
    )));
    let tooltips = rows
        .iter()
        .filter(|r| r.used.is_positive())
        .enumerate()
        .map(|(i, r)| {
            format!(
                "{}<strong>{}</strong><br>{} · {}",
                dot(theme.colour(i)),
                escape_html(&key_name(&r.key, none, &name)),
                escape_html(&format::amount(r.used, meter)),
                format::percent(format::share_bp(r.used, total))
            )
        })
        .collect();
    ChartSpec { chart, tooltips }
}

/// How often something ran: jobs per bar (day or month), one colour. The tooltip names the
/// bar and its count.
pub fn frequency_chart(series: &Series, theme: &ChartTheme) -> ChartSpec {
    let labels: Vec<String> = series
        .points
        .iter()
        .map(|p| bar_label(p.from, series.granularity))
        .collect();
    let counts: Vec<f64> = series.points.iter().map(|p| f64::from(p.count)).collect();
    // Counts are whole: no "0.5 jobs" tick.
    let mut chart = Options::new(theme, 1, Trigger::Axis).bars(
        &labels,
        value_axis(theme).min_interval(1),
        8,
        theme,
    );
    chart.series.push(SeriesKind::Bar(Box::new(
        Bar::new().name("Jobs").data(counts),
    )));
    let tooltips = series
        .points
        .iter()
        .zip(&labels)
        .map(|(p, label)| {
            format!(
                "<strong>{}</strong><br>{} {}",
                escape_html(label),
                escape_html(&format::group_thousands(&p.count.to_string())),
                if p.count == 1 { "job" } else { "jobs" }
            )
        })
        .collect();
    ChartSpec { chart, tooltips }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use creditboard_domain::Amount;
    use creditboard_domain::config::meter::{MeterUnit, PurchasePolicy};
    use creditboard_domain::ids::MeterId;
    use creditboard_domain::usage::SeriesPoint;

    fn meter(decimals: u8) -> MeterConfig {
        MeterConfig {
            id: MeterId::new("m").unwrap(),
            name: "Balance".into(),
            unit: MeterUnit::Currency { code: "USD".into() },
            decimals,
            allocation: None,
            purchases: PurchasePolicy::default(),
            overdraft_limit: Amount::ZERO,
            auto_top_up: None,
        }
    }

    fn point(day: u32, values: &[i64]) -> SeriesPoint {
        let from = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        SeriesPoint {
            from,
            until: from.succ_opt().unwrap(),
            total: Amount::minor(values.iter().sum()),
            by_category: values.iter().map(|&v| Amount::minor(v)).collect(),
            count: 1,
        }
    }

    #[test]
    fn one_stacked_bar_series_per_category_with_day_labels_and_totals() {
        let series = Series {
            granularity: Granularity::Day,
            categories: vec!["image".into(), NONE_KEY.into()],
            points: vec![point(2, &[1250, 50]), point(3, &[0, 5])],
        };
        let theme = ChartTheme {
            animate: false,
            ..ChartTheme::light()
        };
        let spec = usage_chart(&series, |k| format!("Cat <{k}>"), &meter(2), &theme);
        let json = serde_json::to_value(&spec.chart).unwrap();
        assert_eq!(json["xAxis"]["data"], serde_json::json!(["Nov 2", "Nov 3"]));
        assert_eq!(json["animation"], false);
        let s = json["series"].as_array().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["name"], "Cat <image>");
        assert_eq!(s[1]["name"], "Uncategorized");
        assert_eq!(s[0]["type"], "bar");
        assert_eq!(s[0]["stack"], s[1]["stack"]);
        // Minor units become major units at the meter's scale: 1250 cents = 12.5.
        assert_eq!(s[0]["data"], serde_json::json!([12.5, 0.0]));
        assert_eq!(s[1]["data"], serde_json::json!([0.5, 0.05]));
        // The tooltip says the day's total in the unit, each part, and escapes names.
        assert_eq!(spec.tooltips.len(), 2);
        // …and how many activities ran that day (one in each test point).
        assert!(
            spec.tooltips[0].starts_with("<strong>Nov 2</strong><br>Total: $13.00 · 1 activity"),
            "{}",
            spec.tooltips[0]
        );
        assert!(spec.tooltips[0].contains("Cat &lt;image&gt;: 12.50"));
        assert!(spec.tooltips[0].contains("Uncategorized: 0.50"));
        assert!(
            !spec.tooltips[1].contains("Cat &lt;image&gt;"),
            "zero parts are left out"
        );
    }

    #[test]
    fn a_donut_has_one_slice_per_row_with_its_share() {
        let rows = [
            BreakdownRow {
                key: "video".into(),
                used: Amount::minor(300),
                count: 3,
            },
            BreakdownRow {
                key: NONE_KEY.into(),
                used: Amount::minor(100),
                count: 1,
            },
        ];
        let spec = donut_chart(
            &rows,
            "Other",
            |k| k.to_uppercase(),
            &meter(0),
            &ChartTheme::light(),
        );
        let json = serde_json::to_value(&spec.chart).unwrap();
        let data = &json["series"][0]["data"];
        assert_eq!(data.as_array().unwrap().len(), 2);
        assert_eq!(data[0]["name"], "VIDEO");
        assert_eq!(data[0]["value"], 300.0);
        assert!(
            spec.tooltips[0].contains("$300 · 75%"),
            "{}",
            spec.tooltips[0]
        );
        assert!(spec.tooltips[1].contains("Other"));
    }

    #[test]
    fn monthly_bars_are_labelled_by_month() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 25).unwrap();
        assert_eq!(bar_label(d, Granularity::Month), "May 2026");
        assert_eq!(bar_label(d, Granularity::Day), "May 25");
    }

    #[test]
    fn labels_and_tooltips_follow_the_current_locale() {
        use crate::format::{Locale, set_locale};
        let d = NaiveDate::from_ymd_opt(2026, 5, 25).unwrap();
        set_locale(Locale::DeDe);
        assert_eq!(bar_label(d, Granularity::Month), "Mai 2026");
        assert_eq!(bar_label(d, Granularity::Day), "25. Mai");
        let series = Series {
            granularity: Granularity::Day,
            categories: vec!["image".into()],
            points: vec![point(2, &[123_450])],
        };
        let spec = usage_chart(&series, str::to_string, &meter(2), &ChartTheme::light());
        let json = serde_json::to_value(&spec.chart).unwrap();
        assert_eq!(json["xAxis"]["data"], serde_json::json!(["2. Nov."]));
        assert!(
            spec.tooltips[0].starts_with("<strong>2. Nov.</strong><br>Total: 1.234,50\u{A0}$"),
            "{}",
            spec.tooltips[0]
        );
        assert!(spec.tooltips[0].contains("image: 1.234,50"));
        set_locale(Locale::JaJp);
        assert_eq!(bar_label(d, Granularity::Month), "2026年5月");
        assert_eq!(bar_label(d, Granularity::Day), "5月25日");
        set_locale(Locale::default());
    }

    #[test]
    fn job_counts_are_grouped() {
        let mut busy = point(2, &[0]);
        busy.count = 1_234;
        let series = Series {
            granularity: Granularity::Day,
            categories: Vec::new(),
            points: vec![busy, point(3, &[0])],
        };
        let spec = frequency_chart(&series, &ChartTheme::light());
        assert_eq!(spec.tooltips[0], "<strong>Nov 2</strong><br>1,234 jobs");
        assert_eq!(spec.tooltips[1], "<strong>Nov 3</strong><br>1 job");
    }
}
