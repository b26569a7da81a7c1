//! The SVG bar chart of the ratios, drawn with plotters' SVG backend: one pair of
//! horizontal bars per workload (weft/tokio, weft/smol) growing from the 1.0 line on a
//! log axis, so a bar to the left means weft is better and one to the right means it
//! lags, by the same distance for the same factor either way.
//!
//! Text is written as SVG `<text>` elements and laid out with plotters' built-in size
//! estimate, so no font files or system font libraries are needed.

use super::env::Environment;
use super::report::number;
use super::results::Row;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const TOKIO_COLOR: RGBColor = RGBColor(0xd9, 0x5f, 0x02);
const SMOL_COLOR: RGBColor = RGBColor(0x75, 0x70, 0xb3);
/// Pixels per bar (two bars per workload).
const BAR_PX: u32 = 22;

/// Draws the chart of `rows` into the SVG file at `path`.
///
/// # Errors
///
/// A description of what plotters could not draw or write.
pub fn svg(path: &Path, env: &Environment, rows: &[Row]) -> Result<(), String> {
    draw(path, env, rows).map_err(|e| format!("cannot draw {}: {e}", path.display()))
}

fn draw(path: &Path, env: &Environment, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    let n = rows.len();
    let bars = 2 * n;
    let height = 150 + BAR_PX * bars as u32;
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    root.fill(&WHITE)?;

    // A symmetric log range around 1.0 that holds every ratio and at least 0.5..2.
    let widest = rows
        .iter()
        .flat_map(|r| [r.ratio(1), r.ratio(2)])
        .flatten()
        .filter(|r| r.is_finite() && *r > 0.0)
        .fold(2.0f64, |m, r| m.max(r).max(1.0 / r))
        * 2.0; // room for the value printed past the end of the longest bar

    // Workload i (0 = top row) has its weft/tokio bar in segment 2(n-1-i)+1 and its
    // weft/smol bar in segment 2(n-1-i).
    let tokio_segment = |i: usize| 2 * (n - 1 - i) + 1;
    let name_of_segment = |s: usize| -> String {
        if s % 2 == 1 && s < bars {
            rows[n - 1 - (s - 1) / 2].workload.name.to_owned()
        } else {
            String::new()
        }
    };

    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "weft's cost / tokio's and smol's ({} workers, {})",
                env.workers, env.date
            ),
            ("sans-serif", 18),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(190)
        .build_cartesian_2d(
            ((1.0 / widest)..widest).log_scale(),
            (0..bars).into_segmented(),
        )?;

    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(s) => name_of_segment(*s),
            _ => String::new(),
        })
        .x_labels(12)
        .x_label_formatter(&|x| number(*x))
        .x_desc("ratio, log scale: left of 1.0 weft is better, right of it weft lags")
        .draw()?;

    // Shade every other workload, so each pair of bars reads as one.
    let (lo, hi) = (1.0 / widest, widest);
    chart.draw_series((0..n).step_by(2).map(|i| {
        let top = tokio_segment(i) + 1;
        Rectangle::new(
            [
                (lo, SegmentValue::Exact(top - 2)),
                (hi, SegmentValue::Exact(top)),
            ],
            BLACK.mix(0.05).filled(),
        )
    }))?;

    let label = |right: bool| {
        let h = if right { HPos::Left } else { HPos::Right };
        ("sans-serif", 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(h, VPos::Center))
    };

    for (other, color, name) in [(1, TOKIO_COLOR, "weft/tokio"), (2, SMOL_COLOR, "weft/smol")] {
        let segment = |i: usize| tokio_segment(i) + 1 - other;
        let bars: Vec<Rectangle<_>> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                let r = row.ratio(other)?;
                let s = segment(i);
                let mut bar = Rectangle::new(
                    [
                        (1.0, SegmentValue::Exact(s)),
                        (r, SegmentValue::Exact(s + 1)),
                    ],
                    color.filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                Some(bar)
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        let texts: Vec<Text<_, String>> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let at = SegmentValue::CenterOf(segment(i));
                match row.ratio(other) {
                    Some(r) => {
                        let text = if r < 10.0 {
                            format!(" {r:.2} ")
                        } else {
                            format!(" {} ", number(r))
                        };
                        Text::new(text, (r, at), label(r >= 1.0))
                    }
                    None => Text::new(" n/a".to_owned(), (1.0, at), label(true)),
                }
            })
            .collect();
        chart.draw_series(texts)?;
    }

    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (1.0, SegmentValue::Exact(0)),
            (1.0, SegmentValue::Exact(bars)),
        ],
        BLACK.stroke_width(2),
    )))?;

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;

    root.present()?;
    Ok(())
}
