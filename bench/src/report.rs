//! The results as one table (every figure beside its ratio to raw hyper), JSON, and SVG plots.
//! A figure a contender does not have (not applicable, not measured, or failed: the errors are
//! listed apart) is `n/a` in the table, `null` in the JSON and no bar in the plots.

use std::{fmt::Write as _, io, path::Path};

use plotters::{
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use crate::{
    measure::Firehose,
    peers,
    runner::{BASELINE, Config, ServerResults},
};

/// Whether more of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput: more is better.
    Higher,
    /// Latency, memory, losses: less is better.
    Lower,
}

/// One line of the table: a figure for every contender.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `M1`, `M2`, …
    pub id: &'static str,
    /// What the figure is, with its unit.
    pub figure: &'static str,
    /// Whether more is better.
    pub better: Better,
    /// One value per contender, in [`ServerResults`] order (`None`: not measured).
    pub values: Vec<Option<f64>>,
    /// Whether the ratio to the baseline means something (not for counts that should be 0).
    pub ratio: bool,
}

impl Row {
    /// `value / baseline value` for every contender.
    pub fn ratios(&self, baseline: usize) -> Vec<Option<f64>> {
        let base = self.values.get(baseline).copied().flatten();
        self.values
            .iter()
            .map(|value| match (value, base) {
                (Some(value), Some(base)) if self.ratio && base != 0.0 => Some(value / base),
                _ => None,
            })
            .collect()
    }
}

fn rate(firehose: Option<&Firehose>) -> Option<f64> {
    firehose.map(|firehose| firehose.events_per_sec)
}

/// The rows of the table for these results.
pub fn rows(results: &[ServerResults]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row = |id, figure, better, ratio, value: &dyn Fn(&ServerResults) -> Option<f64>| {
        let values: Vec<_> = results.iter().map(value).collect();
        if values.iter().any(Option::is_some) {
            rows.push(Row {
                id,
                figure,
                better,
                values,
                ratio,
            });
        }
    };
    use Better::{Higher, Lower};
    row("M1", "events/s, 1 connection", Higher, true, &|r| {
        rate(r.firehose_1.as_ref())
    });
    row("M1", "events/s, 4 connections", Higher, true, &|r| {
        rate(r.firehose_4.as_ref())
    });
    row(
        "M1",
        "server CPU per 1 M events (core-ms), 1 conn.",
        Lower,
        true,
        &|r| {
            r.firehose_1
                .map(|f| f.server_cores * f.seconds / f.events as f64 * 1e9)
        },
    );
    row(
        "M1",
        "load generator busy (cores), 1 conn.",
        Lower,
        false,
        &|r| r.firehose_1.map(|f| f.client_cores),
    );
    row("M2", "deliveries/s", Higher, true, &|r| {
        r.fanout.map(|f| f.deliveries_per_sec)
    });
    row("M2", "latency p50 (µs)", Lower, true, &|r| {
        r.fanout.map(|f| f.latency.p50_us)
    });
    row("M2", "latency p99 (µs)", Lower, true, &|r| {
        r.fanout.map(|f| f.latency.p99_us)
    });
    row("M2", "latency max (µs)", Lower, true, &|r| {
        r.fanout.map(|f| f.latency.max_us)
    });
    row(
        "M2",
        "server CPU while publishing (cores)",
        Lower,
        true,
        &|r| r.fanout.map(|f| f.server_cores),
    );
    row("M2", "load generator busy (cores)", Lower, false, &|r| {
        r.fanout.map(|f| f.client_cores)
    });
    row("M2", "events lost", Lower, false, &|r| {
        r.fanout.map(|f| (f.lost + f.disordered) as f64)
    });
    row("M3", "RSS per idle connection (KiB)", Lower, true, &|r| {
        r.idle.map(|m| m.kib_per_connection)
    });
    row("M4", "connections/s", Higher, true, &|r| {
        r.churn.map(|c| c.per_sec)
    });
    row("M4", "RSS after − before (KiB)", Lower, false, &|r| {
        r.churn
            .map(|c| c.rss_after_kib as f64 - c.rss_before_kib as f64)
    });
    row("M4", "failed + subscribers left", Lower, false, &|r| {
        r.churn.map(|c| (c.failures + c.subscribers_left) as f64)
    });
    h2_rows(&mut row);
    row("scale", "connections held", Higher, false, &|r| {
        r.scale.map(|s| s.memory.connections as f64)
    });
    row(
        "scale",
        "server processes holding them",
        Lower,
        false,
        &|r| r.scale.map(|s| s.shards as f64),
    );
    row(
        "scale",
        "RSS per /fanout connection (KiB)",
        Lower,
        true,
        &|r| r.scale.map(|s| s.memory.kib_per_connection),
    );
    row("scale", "seconds to open all", Lower, true, &|r| {
        r.scale.map(|s| s.open_seconds)
    });
    row(
        "scale",
        "one publish: latency p50 (ms)",
        Lower,
        true,
        &|r| r.scale.map(|s| s.latency.p50_us / 1_000.0),
    );
    row(
        "scale",
        "one publish: latency p99 (ms)",
        Lower,
        true,
        &|r| r.scale.map(|s| s.latency.p99_us / 1_000.0),
    );
    row(
        "scale",
        "one publish: latency max (ms)",
        Lower,
        true,
        &|r| r.scale.map(|s| s.latency.max_us / 1_000.0),
    );
    row("scale", "subscribers not reached", Lower, false, &|r| {
        r.scale
            .map(|s| (s.memory.connections as u64).saturating_sub(s.delivered) as f64)
    });
    rows
}

/// The rows of the HTTP/2 measurements, through `row` (as in [`rows`]).
fn h2_rows(
    row: &mut impl FnMut(
        &'static str,
        &'static str,
        Better,
        bool,
        &dyn Fn(&ServerResults) -> Option<f64>,
    ),
) {
    use Better::{Higher, Lower};
    row("H2-M1", "events/s, 1 stream", Higher, true, &|r| {
        r.h2_firehose_1.map(|f| f.events_per_sec)
    });
    row(
        "H2-M1",
        "events/s, 4 streams of 1 conn.",
        Higher,
        true,
        &|r| r.h2_firehose_4.map(|f| f.events_per_sec),
    );
    row(
        "H2-M1",
        "server CPU per 1 M events (core-ms), 1 stream",
        Lower,
        true,
        &|r| r.h2_firehose_1.map(|f| f.server_cpu_per_million * 1e3),
    );
    row(
        "H2-M1",
        "load generator busy (cores), 1 stream",
        Lower,
        false,
        &|r| r.h2_firehose_1.map(|f| f.client_cores),
    );
    row("H2-M2", "deliveries/s", Higher, true, &|r| {
        r.h2_fanout.map(|f| f.deliveries_per_sec)
    });
    row("H2-M2", "latency p50 (µs)", Lower, true, &|r| {
        r.h2_fanout.map(|f| f.latency.p50_us)
    });
    row("H2-M2", "latency p99 (µs)", Lower, true, &|r| {
        r.h2_fanout.map(|f| f.latency.p99_us)
    });
    row("H2-M2", "latency max (µs)", Lower, true, &|r| {
        r.h2_fanout.map(|f| f.latency.max_us)
    });
    row(
        "H2-M2",
        "server CPU while publishing (cores)",
        Lower,
        true,
        &|r| r.h2_fanout.map(|f| f.server_cores),
    );
    row("H2-M2", "load generator busy (cores)", Lower, false, &|r| {
        r.h2_fanout.map(|f| f.client_cores)
    });
    row("H2-M2", "events lost", Lower, false, &|r| {
        r.h2_fanout.map(|f| (f.lost + f.disordered) as f64)
    });
    row("H2-M3", "RSS per idle stream (KiB)", Lower, true, &|r| {
        r.h2_idle.map(|m| m.kib_per_stream)
    });
    row("H2-million", "streams held", Higher, false, &|r| {
        r.h2_million.map(|m| m.subscribers as f64)
    });
    row(
        "H2-million",
        "server RSS per stream (KiB)",
        Lower,
        true,
        &|r| r.h2_million.map(|m| m.memory.kib_per_stream),
    );
    row("H2-million", "seconds to open all", Lower, true, &|r| {
        r.h2_million.map(|m| m.open_seconds)
    });
    row(
        "H2-million",
        "one publish: latency p50 (ms)",
        Lower,
        true,
        &|r| r.h2_million.map(|m| m.latency.p50_us / 1_000.0),
    );
    row(
        "H2-million",
        "one publish: latency p99 (ms)",
        Lower,
        true,
        &|r| r.h2_million.map(|m| m.latency.p99_us / 1_000.0),
    );
    row(
        "H2-million",
        "one publish: latency max (ms)",
        Lower,
        true,
        &|r| r.h2_million.map(|m| m.latency.max_us / 1_000.0),
    );
    row("H2-million", "streams not reached", Lower, false, &|r| {
        r.h2_million.map(|m| m.not_reached as f64)
    });
    row(
        "H2-million",
        "load generator RSS (MiB)",
        Lower,
        false,
        &|r| r.h2_million.map(|m| m.client_rss_kib as f64 / 1024.0),
    );
}

fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.0} k", value / 1e3)
    } else if magnitude >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn baseline_index(results: &[ServerResults]) -> usize {
    results
        .iter()
        .position(|r| r.name == BASELINE)
        .unwrap_or(results.len().saturating_sub(1))
}

/// What to say under the table: how the peers present differ from the contract, and which
/// contenders were not measured.
pub fn notes(results: &[ServerResults]) -> Vec<String> {
    let mut notes: Vec<String> = results
        .iter()
        .filter(|r| r.unavailable.is_none())
        .filter_map(|r| peers::note(&r.name))
        .map(str::to_owned)
        .collect();
    for r in results {
        if let Some(reason) = &r.unavailable {
            notes.push(format!("{}: not measured here ({reason}).", r.name));
        }
    }
    notes
}

/// The markdown table: every figure for every contender, then each one's ratio to hyper (`–`
/// where a ratio means nothing, `n/a` where a figure is missing); then [`notes`], one line
/// each.
pub fn table(results: &[ServerResults]) -> String {
    let baseline = baseline_index(results);
    let mut out = String::from("| | figure |");
    for r in results {
        let _ = write!(out, " {} |", r.name);
    }
    for (index, r) in results.iter().enumerate() {
        if index != baseline {
            // The baseline is hyper, or the last contender when hyper was not measured.
            let base = results.get(baseline).map_or(BASELINE, |b| b.name.as_str());
            let _ = write!(out, " {} / {base} |", r.name);
        }
    }
    out.push_str("\n| --- | --- |");
    for _ in 0..(2 * results.len()).saturating_sub(1) {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for row in rows(results) {
        let arrow = match row.better {
            Better::Higher => "↑",
            Better::Lower => "↓",
        };
        let _ = write!(out, "| {} | {} {arrow} |", row.id, row.figure);
        for value in &row.values {
            let _ = write!(out, " {} |", value.map_or("n/a".to_owned(), number));
        }
        for (index, ratio) in row.ratios(baseline).iter().enumerate() {
            if index != baseline {
                let text = match ratio {
                    Some(ratio) => format!("{ratio:.2}×"),
                    None if !row.ratio => "–".to_owned(),
                    None => "n/a".to_owned(),
                };
                let _ = write!(out, " {text} |");
            }
        }
        out.push('\n');
    }
    let notes = notes(results);
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "* {note}");
        }
    }
    out
}

/// The run as JSON: the machine, the sizes, every raw measurement and the table's rows.
pub fn json(
    config: &Config,
    machine: &serde_json::Value,
    parse_rate: Option<&Firehose>,
    results: &[ServerResults],
) -> serde_json::Value {
    let baseline = baseline_index(results);
    let rows: Vec<_> = rows(results)
        .iter()
        .map(|row| {
            serde_json::json!({
                "id": row.id,
                "figure": row.figure,
                "better": if row.better == Better::Higher { "higher" } else { "lower" },
                "values": results.iter().zip(&row.values)
                    .map(|(r, v)| (r.name.clone(), serde_json::json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "ratio_to_hyper": results.iter().zip(row.ratios(baseline))
                    .map(|(r, v)| (r.name.clone(), serde_json::json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let raw: Vec<_> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "firehose_1": format!("{:?}", r.firehose_1),
                "firehose_4": format!("{:?}", r.firehose_4),
                "fanout": format!("{:?}", r.fanout),
                "idle": format!("{:?}", r.idle),
                "churn": format!("{:?}", r.churn),
                "h2_firehose_1": format!("{:?}", r.h2_firehose_1),
                "h2_firehose_4": format!("{:?}", r.h2_firehose_4),
                "h2_fanout": format!("{:?}", r.h2_fanout),
                "h2_idle": format!("{:?}", r.h2_idle),
                "h2_million": format!("{:?}", r.h2_million),
                "scale": format!("{:?}", r.scale),
                "unavailable": r.unavailable,
                "errors": r.errors,
            })
        })
        .collect();
    serde_json::json!({
        "mode": config.mode.name(),
        "run": config.run_name(),
        "config": format!("{config:?}"),
        "machine": machine,
        "load_generator_parse_rate_events_per_sec": parse_rate.map(|p| p.events_per_sec),
        "rows": rows,
        "notes": notes(results),
        "raw": raw,
    })
}

const COLORS: [RGBColor; 5] = [
    RGBColor(224, 35, 78),
    RGBColor(52, 120, 198),
    RGBColor(110, 110, 110),
    RGBColor(0, 173, 216),
    RGBColor(0, 150, 57),
];

fn plot_error(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(error.to_string())
}

/// How a chart's y axis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Values as they are, bars from 0.
    Linear,
    /// Ratios on a log2 axis, bars from 1× up (above) or down (below).
    Ratio,
}

/// A grouped bar chart: one group per label (lines split at `\n`), one bar per series in each
/// group; a value that is not finite (`NaN` for a missing figure) has no bar.
pub fn bar_chart(
    path: &Path,
    title: &str,
    y_label: &str,
    groups: &[String],
    series: &[(String, Vec<f64>)],
    scale: Scale,
) -> io::Result<()> {
    let width = (150 * groups.len() as u32).max(640);
    // On a ratio scale a bar is the log2 of its value, drawn from 1× up or down.
    let series: Vec<(String, Vec<f64>)> = match scale {
        Scale::Linear => series.to_vec(),
        Scale::Ratio => series
            .iter()
            .map(|(name, values)| {
                let logs = values
                    .iter()
                    .map(|value| {
                        if value.is_nan() {
                            f64::NAN
                        } else if *value > 0.0 {
                            value.log2()
                        } else {
                            0.0
                        }
                    })
                    .collect();
                (name.clone(), logs)
            })
            .collect(),
    };
    let root = SVGBackend::new(path, (width, 460)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let finite = || {
        series
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .filter(|value| value.is_finite())
    };
    let top = finite().fold(0.0f64, f64::max) * 1.15;
    let bottom = match scale {
        Scale::Linear => 0.0,
        Scale::Ratio => finite().fold(0.0f64, f64::min) * 1.15,
    };
    let (top, bottom) = match scale {
        Scale::Linear => (top.max(1e-9), bottom),
        Scale::Ratio => (top.max(1.0), bottom.min(-1.0)),
    };
    let groups_len = groups.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(70)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..groups_len - 0.5, bottom..top)
        .map_err(plot_error)?;
    let ratio_label = |value: &f64| format!("{:.2}×", value.exp2());
    let linear_label = |value: &f64| format!("{value}");
    let label: &dyn Fn(&f64) -> String = match scale {
        Scale::Linear => &linear_label,
        Scale::Ratio => &ratio_label,
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(y_label)
        .y_label_formatter(label)
        .draw()
        .map_err(plot_error)?;
    let bar = 0.8 / series.len().max(1) as f64;
    for (index, (name, values)) in series.iter().enumerate() {
        let color = COLORS[index % COLORS.len()];
        chart
            .draw_series(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, value)| value.is_finite())
                    .map(|(group, value)| {
                        let left = group as f64 - 0.4 + bar * index as f64;
                        Rectangle::new([(left, 0.0), (left + bar * 0.92, *value)], color.filled())
                    }),
            )
            .map_err(plot_error)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .draw_series(LineSeries::new(
            [(-0.5, 0.0), (groups_len - 0.5, 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(plot_error)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)?;
    let style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (group, label) in groups.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(group as f64, bottom));
        for (line, text) in label.split('\n').enumerate() {
            root.draw(&Text::new(
                text.to_owned(),
                (x, y + 8 + 16 * line as i32),
                style.clone(),
            ))
            .map_err(plot_error)?;
        }
    }
    root.present().map_err(plot_error)?;
    Ok(())
}

/// A chart of `rows`' ratios to the baseline, one group per row, into `dir/name`; nothing when
/// there are no rows.
fn ratio_plot(
    dir: &Path,
    name: &str,
    title: &str,
    rows: &[Row],
    results: &[ServerResults],
) -> io::Result<bool> {
    if rows.is_empty() {
        return Ok(false);
    }
    let baseline = baseline_index(results);
    let groups: Vec<String> = rows
        .iter()
        .map(|row| format!("{}\n{}", row.id, row.figure.replace(", ", "\n")))
        .collect();
    let series: Vec<(String, Vec<f64>)> = results
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let values = rows
                .iter()
                .map(|row| row.ratios(baseline)[index].unwrap_or(f64::NAN))
                .collect();
            (r.name.clone(), values)
        })
        .collect();
    bar_chart(
        &dir.join(name),
        title,
        "ratio to hyper",
        &groups,
        &series,
        Scale::Ratio,
    )?;
    Ok(true)
}

/// Whether `row` is one of the HTTP/2 measurements.
fn is_h2(row: &Row) -> bool {
    row.id.starts_with("H2")
}

/// The plots of a run into `dir`: ratios to hyper of every figure with a ratio (HTTP/1.1 and
/// the scale test in one chart, HTTP/2 in another), M1 events/s, and M2 latency (or the scale
/// test's latency in scale mode).
pub fn plots(dir: &Path, config: &Config, results: &[ServerResults]) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mode = config.run_name();
    let mut written = Vec::new();
    let (h2_rows, http1_rows): (Vec<Row>, Vec<Row>) = rows(results)
        .into_iter()
        .filter(|row| row.ratio)
        .partition(is_h2);
    let name = format!("{mode}-ratios.svg");
    if ratio_plot(
        dir,
        &name,
        "Each figure as a ratio to raw hyper, log scale (same run; see the table for which way is better)",
        &http1_rows,
        results,
    )? {
        written.push(name);
    }
    let name = format!("{mode}-h2-ratios.svg");
    if ratio_plot(
        dir,
        &name,
        "HTTP/2 (h2c): each figure as a ratio to hyper's HTTP/2 server, log scale (see the table for which way is better)",
        &h2_rows,
        results,
    )? {
        written.push(name);
    }

    let per_server = |value: &dyn Fn(&ServerResults) -> Option<f64>| -> Vec<(String, Vec<f64>)> {
        results
            .iter()
            .map(|r| (r.name.clone(), vec![value(r).unwrap_or(f64::NAN)]))
            .collect()
    };
    if results.iter().any(|r| r.firehose_1.is_some()) {
        let mut series = per_server(&|r| rate(r.firehose_1.as_ref()).map(|v| v / 1e6));
        for (index, r) in results.iter().enumerate() {
            series[index]
                .1
                .push(rate(r.firehose_4.as_ref()).map_or(f64::NAN, |v| v / 1e6));
        }
        let name = format!("{mode}-m1-firehose.svg");
        bar_chart(
            &dir.join(&name),
            "M1 firehose: events received and parsed per second",
            "million events/s",
            &["1 connection".to_owned(), "4 connections".to_owned()],
            &series,
            Scale::Linear,
        )?;
        written.push(name);
    }
    let latency_groups = vec!["p50".to_owned(), "p99".to_owned(), "max".to_owned()];
    if results.iter().any(|r| r.fanout.is_some()) {
        let series: Vec<_> = results
            .iter()
            .map(|r| {
                let latency = r.fanout.map_or([f64::NAN; 3], |f| {
                    [f.latency.p50_us, f.latency.p99_us, f.latency.max_us]
                });
                (r.name.clone(), latency.to_vec())
            })
            .collect();
        let name = format!("{mode}-m2-latency.svg");
        bar_chart(
            &dir.join(&name),
            &format!(
                "M2 fan-out: publish-to-parsed latency, {} subscribers, {} publishes/s",
                config.fanout_subscribers, config.fanout_rate
            ),
            "µs",
            &latency_groups,
            &series,
            Scale::Linear,
        )?;
        written.push(name);
    }
    if results.iter().any(|r| r.scale.is_some()) {
        let series: Vec<_> = results
            .iter()
            .map(|r| {
                let latency = r.scale.map_or([f64::NAN; 3], |s| {
                    [
                        s.latency.p50_us / 1e3,
                        s.latency.p99_us / 1e3,
                        s.latency.max_us / 1e3,
                    ]
                });
                (r.name.clone(), latency.to_vec())
            })
            .collect();
        let name = format!("{mode}-fanout-all-latency.svg");
        bar_chart(
            &dir.join(&name),
            &format!(
                "Scale: one publish to {} held /fanout connections ({} server process(es) each), latency",
                config.scale_connections,
                results
                    .iter()
                    .filter_map(|r| r.scale)
                    .map(|s| s.shards)
                    .max()
                    .unwrap_or(1)
            ),
            "ms",
            &latency_groups,
            &series,
            Scale::Linear,
        )?;
        written.push(name);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        h2::{H2Firehose, H2Memory, H2Million},
        measure::Latency,
    };

    fn firehose(events_per_sec: f64) -> H2Firehose {
        H2Firehose {
            streams: 1,
            events: 1_000_000,
            ids: 1_000_000,
            bytes: 20_000_000,
            seconds: 1e6 / events_per_sec,
            events_per_sec,
            client_cores: 0.9,
            server_cores: 0.5,
            server_cpu_per_million: 0.25,
        }
    }

    fn million(kib_per_stream: f64, not_reached: u64) -> H2Million {
        let memory = H2Memory {
            connections: 10,
            streams: 1_000,
            rss_before_kib: 10_000,
            rss_after_kib: 10_000 + (kib_per_stream * 1_000.0) as u64,
            kib_per_stream,
            kib_per_connection: kib_per_stream * 100.0,
        };
        H2Million {
            memory,
            open_seconds: 2.0,
            client_rss_kib: 2_048,
            subscribers: 1_000 - not_reached,
            delivered: 1_000 - not_reached,
            not_reached,
            disordered: 0,
            latency: Latency {
                p50_us: 3_000.0,
                p99_us: 9_000.0,
                max_us: 12_000.0,
            },
            server_cpu_seconds: 0.1,
            client_cpu_seconds: 0.2,
        }
    }

    fn results() -> Vec<ServerResults> {
        let named = |name: &str| ServerResults {
            name: name.to_owned(),
            ..ServerResults::default()
        };
        vec![
            ServerResults {
                h2_firehose_1: Some(firehose(2e6)),
                h2_million: Some(million(1.5, 0)),
                ..named("nest-rs")
            },
            // No `/firehose`: its H2-M1 figures are missing.
            ServerResults {
                h2_million: Some(million(6.0, 10)),
                ..named("nchan")
            },
            ServerResults {
                h2_firehose_1: Some(firehose(1e6)),
                h2_million: Some(million(3.0, 0)),
                ..named("hyper")
            },
        ]
    }

    fn find<'a>(rows: &'a [Row], id: &str, figure: &str) -> &'a Row {
        rows.iter()
            .find(|row| row.id == id && row.figure == figure)
            .unwrap_or_else(|| panic!("no row {id} {figure}"))
    }

    #[test]
    fn h2_rows_carry_every_contender_and_their_ratio_to_hyper() {
        let results = results();
        let rows = rows(&results);
        let rate = find(&rows, "H2-M1", "events/s, 1 stream");
        assert_eq!(rate.values, vec![Some(2e6), None, Some(1e6)]);
        assert_eq!(rate.ratios(2), vec![Some(2.0), None, Some(1.0)]);
        let cpu = find(
            &rows,
            "H2-M1",
            "server CPU per 1 M events (core-ms), 1 stream",
        );
        assert_eq!(cpu.values[0], Some(250.0));
        let memory = find(&rows, "H2-million", "server RSS per stream (KiB)");
        assert_eq!(memory.ratios(2), vec![Some(0.5), Some(2.0), Some(1.0)]);
        let held = find(&rows, "H2-million", "streams held");
        assert_eq!(held.values, vec![Some(1_000.0), Some(990.0), Some(1_000.0)]);
        assert!(
            held.ratios(2).iter().all(Option::is_none),
            "a count has no ratio"
        );
        let missed = find(&rows, "H2-million", "streams not reached");
        assert_eq!(missed.values, vec![Some(0.0), Some(10.0), Some(0.0)]);
        let p99 = find(&rows, "H2-million", "one publish: latency p99 (ms)");
        assert_eq!(p99.values[0], Some(9.0));
        let client = find(&rows, "H2-million", "load generator RSS (MiB)");
        assert_eq!(client.values[0], Some(2.0));
        // Figures nobody has are no rows at all.
        assert!(!rows.iter().any(|row| row.id == "H2-M2" || row.id == "M1"));
    }

    #[test]
    fn the_table_shows_missing_h2_figures_as_not_available() {
        let table = table(&results());
        let line = table
            .lines()
            .find(|line| line.starts_with("| H2-M1 | events/s, 1 stream ↑ |"))
            .expect("an H2-M1 line");
        assert_eq!(
            line,
            "| H2-M1 | events/s, 1 stream ↑ | 2.00 M | n/a | 1.00 M | 2.00× | n/a |"
        );
        let held = table
            .lines()
            .find(|line| line.starts_with("| H2-million | streams held ↑ |"))
            .expect("a streams-held line");
        assert!(held.ends_with("| – | – |"), "{held}");
    }

    #[test]
    fn without_hyper_the_ratio_columns_name_the_contender_they_are_taken_against() {
        let mut results = results();
        results.pop();
        let table = table(&results);
        let header = table.lines().next().expect("a header");
        assert_eq!(header, "| | figure | nest-rs | nchan | nest-rs / nchan |");
        assert!(
            table.contains("| H2-million | server RSS per stream (KiB) ↓ | 1.50 | 6 | 0.25× |"),
            "{table}"
        );
    }

    #[test]
    fn the_h2_ratio_plot_draws_no_bar_for_a_missing_figure() {
        let dir = std::env::temp_dir().join(format!("nest-bench-plots-{}", std::process::id()));
        let config = Config::for_mode(crate::runner::Mode::Quick);
        let written = plots(&dir, &config, &results()).expect("the plots are drawn");
        assert!(
            written.contains(&"quick-h2-ratios.svg".to_owned()),
            "{written:?}"
        );
        assert!(
            !written.contains(&"quick-ratios.svg".to_owned()),
            "no HTTP/1.1 figure, no HTTP/1.1 ratio plot: {written:?}"
        );
        let svg = std::fs::read_to_string(dir.join("quick-h2-ratios.svg")).expect("written");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        std::fs::remove_dir_all(&dir).expect("removed");
    }
}
