//! Chart options as pure functions of domain data: what the chart says is decided (and tested)
//! here; the chart component only hands the options to ECharts.

use crate::format::chart_value;
use charming::Chart;
use charming::component::{Axis, Grid, Legend, LegendType};
use charming::element::{
    AxisLabel, AxisType, Color, LineStyle, SplitLine, TextStyle, Tooltip, Trigger,
};
use charming::series::Bar;
use creditboard_domain::aggregate::{Granularity, NONE_KEY, Series};

/// How charts look on this page: colours from the theme, and whether to animate (not when the
/// viewer asks for reduced motion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartStyle {
    pub palette: Palette,
    pub animate: bool,
}

/// Colours a chart needs from the page's theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub text: &'static str,
    pub grid: &'static str,
    /// Category colours, in order of size (distinguishable for common colour blindness).
    pub series: &'static [&'static str],
}

pub const LIGHT: Palette = Palette {
    text: "#4b5565",
    grid: "#e3e8ef",
    series: &[
        "#3e63dd", "#12a594", "#e5484d", "#f5a524", "#8e4ec6", "#0090ff", "#d6409f", "#8db654",
        "#978365", "#6e56cf",
    ],
};

pub const DARK: Palette = Palette {
    text: "#b4bcd0",
    grid: "#2b3245",
    series: &[
        "#849dff", "#0bd8b6", "#ff6369", "#ffc53d", "#bf7af0", "#70b8ff", "#f76fbf", "#bde56c",
        "#cbb99f", "#9b8afb",
    ],
};

/// The label of a bar: "Nov 3" for a day, "Nov 2026" for a month.
pub fn bar_label(from: chrono::NaiveDate, granularity: Granularity) -> String {
    match granularity {
        Granularity::Day => from.format("%b %-d").to_string(),
        Granularity::Month => from.format("%b %Y").to_string(),
    }
}

/// Usage per bar, stacked by category (biggest category at the bottom).
pub fn usage_chart(
    series: &Series,
    category_name: impl Fn(&str) -> String,
    decimals: u8,
    style: &ChartStyle,
) -> Chart {
    let theme = &style.palette;
    let labels: Vec<String> = series
        .points
        .iter()
        .map(|p| bar_label(p.from, series.granularity))
        .collect();
    let mut chart = Chart::new()
        .background_color(Color::from("transparent"))
        .animation(style.animate)
        .color(
            theme
                .series
                .iter()
                .map(|c| Color::from(*c))
                .collect::<Vec<_>>(),
        )
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(
            Legend::new()
                .type_(LegendType::Scroll)
                .bottom(0)
                .text_style(TextStyle::new().color(theme.text)),
        )
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(16)
                .bottom(36)
                .contain_label(true),
        )
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(labels)
                .axis_label(AxisLabel::new().color(theme.text)),
        )
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .axis_label(AxisLabel::new().color(theme.text))
                .split_line(SplitLine::new().line_style(LineStyle::new().color(theme.grid))),
        );
    for (i, key) in series.categories.iter().enumerate() {
        let name = if key == NONE_KEY {
            "Other".to_string()
        } else {
            category_name(key)
        };
        let data: Vec<f64> = series
            .points
            .iter()
            .map(|p| chart_value(p.by_category.get(i).copied().unwrap_or_default(), decimals))
            .collect();
        chart = chart.series(Bar::new().name(name).stack("usage").data(data));
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use creditboard_domain::Amount;
    use creditboard_domain::aggregate::SeriesPoint;

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
    fn one_stacked_bar_series_per_category_with_day_labels() {
        let series = Series {
            granularity: Granularity::Day,
            categories: vec!["image".into(), NONE_KEY.into()],
            points: vec![point(2, &[1250, 50]), point(3, &[0, 5])],
        };
        let style = ChartStyle {
            palette: LIGHT,
            animate: false,
        };
        let chart = usage_chart(&series, |k| format!("Cat {k}"), 2, &style);
        let json = serde_json::to_value(&chart).unwrap();
        assert_eq!(json["xAxis"]["data"], serde_json::json!(["Nov 2", "Nov 3"]));
        assert_eq!(json["animation"], false);
        let s = json["series"].as_array().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["name"], "Cat image");
        assert_eq!(s[1]["name"], "Other");
        assert_eq!(s[0]["type"], "bar");
        assert_eq!(s[0]["stack"], s[1]["stack"]);
        // Minor units become major units at the meter's scale: 1250 cents = 12.5.
        assert_eq!(s[0]["data"], serde_json::json!([12.5, 0.0]));
        assert_eq!(s[1]["data"], serde_json::json!([0.5, 0.05]));
    }

    #[test]
    fn monthly_bars_are_labelled_by_month() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 25).unwrap();
        assert_eq!(bar_label(d, Granularity::Month), "May 2026");
        assert_eq!(bar_label(d, Granularity::Day), "May 25");
    }
}
