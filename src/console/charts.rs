//! The dashboard's charts, drawn on the server as SVG with `plotters`: daily lines (one per
//! series) and bars by category. Text is left to the browser's fonts, so both languages read.

use chrono::NaiveDate;
use plotters::prelude::*;

/// One line of a daily chart.
pub struct Series {
    pub label: String,
    pub values: Vec<u64>,
    pub color: RGBColor,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 260;
pub const COLORS: [RGBColor; 5] = [
    RGBColor(7, 193, 96),
    RGBColor(18, 150, 219),
    RGBColor(230, 22, 45),
    RGBColor(120, 90, 200),
    RGBColor(230, 140, 20),
];
const FONT: &str = "sans-serif";

/// Daily counts, one line per series, the days along the bottom.
pub fn daily_lines(days: &[NaiveDate], series: &[Series], y_label: &str) -> String {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0);
        let last = days.len().saturating_sub(1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0..last, 0..top_of_axis(top))?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(5)
            .x_label_formatter(&|i| {
                days.get(*i)
                    .map(|d| d.format("%m-%d").to_string())
                    .unwrap_or_default()
            })
            .y_desc(y_label)
            .label_style((FONT, 12))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        for line in series {
            let color = line.color;
            chart
                .draw_series(LineSeries::new(
                    line.values.iter().enumerate().map(|(i, v)| (i, *v)),
                    color.stroke_width(2),
                ))?
                .label(line.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        if !series.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font((FONT, 12))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(220, 220, 220))
                .draw()?;
        }
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        tracing::warn!(error = %e, "cannot draw a chart");
    }
    svg
}

/// One bar per category, labelled under it.
pub fn bars(categories: &[(String, u64)], color: RGBColor, y_label: &str) -> String {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = categories.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let count = categories.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0.0..count, 0..top_of_axis(top))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .y_desc(y_label)
            .label_style((FONT, 12))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        chart.draw_series(categories.iter().enumerate().map(|(i, (_, n))| {
            let x = i as f64;
            Rectangle::new([(x + 0.2, 0), (x + 0.8, *n)], color.filled())
        }))?;
        // Each category's name under its bar, and its count above it.
        let plot = chart.plotting_area();
        for (i, (label, n)) in categories.iter().enumerate() {
            let x = i as f64 + 0.5;
            let centred =
                (FONT, 12)
                    .into_text_style(plot)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ));
            let (px, _) = plot.map_coordinate(&(x, 0));
            let (_, bottom) = plot.get_pixel_range();
            root.draw(&Text::new(
                label.clone(),
                (px, bottom.end + 8),
                centred.clone(),
            ))?;
            plot.draw(&Text::new(
                n.to_string(),
                (x, *n),
                centred.pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                )),
            ))?;
        }
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        tracing::warn!(error = %e, "cannot draw a chart");
    }
    svg
}

/// A little headroom above the highest value, and a non-empty axis when all are zero.
fn top_of_axis(top: u64) -> u64 {
    top + top / 10 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_chart_is_svg_with_its_labels_escaped() {
        let days: Vec<NaiveDate> = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .iter_days()
            .take(30)
            .collect();
        let svg = daily_lines(
            &days,
            &[Series {
                label: "微信 <WeChat>".into(),
                values: (0..30).collect(),
                color: COLORS[0],
            }],
            "登录",
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("微信 &lt;WeChat&gt;"), "{svg}");
        assert!(svg.contains("11-01"), "the first day is labelled: {svg}");
        assert!(svg.contains("<polyline"), "the line is drawn: {svg}");
    }

    #[test]
    fn a_bar_chart_names_each_category() {
        let svg = bars(
            &[("invalid_code".into(), 7), ("misconfigured".into(), 2)],
            COLORS[2],
            "failures",
        );
        assert!(
            svg.contains("invalid_code") && svg.contains("misconfigured"),
            "{svg}"
        );
        assert!(svg.matches("<rect").count() >= 2, "{svg}");
    }
}
