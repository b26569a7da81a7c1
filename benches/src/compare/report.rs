//! The outputs of a run: the markdown table for people and the JSON document for
//! machines. (The SVG chart is in `chart.rs`.)

use super::catalog::{Metric, IDLE_CPU_FLOOR_MS};
use super::env::Environment;
use super::results::Row;
use super::{RUNTIMES, WARMUP_ROUNDS};
use std::fmt::Write as _;

/// What every ratio means, said once in the table's preamble and in the JSON.
pub const RATIO_MEANING: &str = "ratio = weft's cost / the other runtime's cost, the median \
    of the per-round ratios: below 1.00 weft is better, above 1.00 weft lags. For tcp_echo \
    (a throughput) the cost is the time per round trip, so its ratio is the other runtime's \
    round trips/s over weft's.";

/// What the spread column means.
pub const SPREAD_MEANING: &str = "spread = (max - min) / median of one runtime's samples; \
    the column shows the worst of the three and names whose it is.";

/// Three significant digits or so, without exponent notation.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn value_cell(row: &Row, runtime: usize) -> String {
    match (row.median(runtime), row.median_wakeups(runtime)) {
        (None, _) => "n/a".to_owned(),
        (Some(v), Some(w)) => format!("{} / {w:.0}", number(v)),
        (Some(v), None) => number(v),
    }
}

fn ratio_cell(row: &Row, other: usize) -> String {
    row.ratio(other)
        .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"))
}

fn spread_cell(row: &Row) -> String {
    if row.rounds < 2 {
        return "-".to_owned();
    }
    row.worst_spread().map_or_else(
        || "n/a".to_owned(),
        |(rt, s)| format!("{:.0}% {}", s * 100.0, RUNTIMES[rt]),
    )
}

/// "10" when every workload ran the same number of rounds, else the common count and the
/// exceptions.
fn rounds_summary(rows: &[Row]) -> String {
    let mut counts: Vec<usize> = rows.iter().map(|r| r.rounds).collect();
    counts.sort_unstable();
    let common = counts
        .iter()
        .max_by_key(|&&c| counts.iter().filter(|&&d| d == c).count())
        .copied()
        .unwrap_or(0);
    let exceptions: Vec<String> = rows
        .iter()
        .filter(|r| r.rounds != common)
        .map(|r| format!("{} {}", r.workload.name, r.rounds))
        .collect();
    if exceptions.is_empty() {
        common.to_string()
    } else {
        format!("{common} (except {})", exceptions.join(", "))
    }
}

/// The markdown report: a preamble saying what was run where, the table, and notes.
pub fn markdown(env: &Environment, load_at_end: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "weft vs tokio vs smol, {} worker threads each, {}.",
        env.workers, env.date
    );
    let _ = writeln!(
        out,
        "Machine: {} CPUs, {}; {}; load average {} at start, {} at end.",
        env.cpus, env.cpu_model, env.rustc, env.load_at_start, load_at_end
    );
    let _ = writeln!(
        out,
        "Rounds run interleaved (weft, tokio, smol, weft, ...) after {WARMUP_ROUNDS} warm-up \
         round(s) each; timed rounds per runtime: {}.",
        rounds_summary(rows)
    );
    let _ = writeln!(out, "\n{RATIO_MEANING}\n{SPREAD_MEANING}\n");
    let _ = writeln!(
        out,
        "| workload | weft | tokio | smol | weft/tokio | weft/smol | spread |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} | {} | {} | {} |",
            row.workload.name,
            row.workload.metric.unit(),
            value_cell(row, 0),
            value_cell(row, 1),
            value_cell(row, 2),
            ratio_cell(row, 1),
            ratio_cell(row, 2),
            spread_cell(row),
        );
    }
    let costed: Vec<&Row> = rows
        .iter()
        .filter(|r| (0..RUNTIMES.len()).all(|rt| r.median_cost(rt).is_some()))
        .collect();
    if !costed.is_empty() {
        let _ = writeln!(
            out,
            "\nWhat one operation cost the process (median over the samples; getrusage: CPU \
             user + system, voluntary context switches):\n"
        );
        let _ = writeln!(
            out,
            "| workload | weft CPU µs | tokio CPU µs | smol CPU µs | weft switches | tokio switches | smol switches |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for row in costed {
            let cost: Vec<(f64, f64)> = (0..RUNTIMES.len())
                .filter_map(|rt| row.median_cost(rt))
                .collect();
            let _ = writeln!(
                out,
                "| {} (per op) | {} | {} | {} | {:.3} | {:.3} | {:.3} |",
                row.workload.name,
                number(cost[0].0),
                number(cost[1].0),
                number(cost[2].0),
                cost[0].1,
                cost[1].1,
                cost[2].1,
            );
        }
    }
    let mut notes = Vec::new();
    let repeated: Vec<String> = rows
        .iter()
        .filter(|r| r.workload.runs_per_sample > 1)
        .map(|r| format!("{} {}", r.workload.name, r.workload.runs_per_sample))
        .collect();
    if !repeated.is_empty() {
        notes.push(format!(
            "ms is the time of one run of the workload; a sample of a short workload is the \
             mean of several back-to-back runs (runs per sample: {}).",
            repeated.join(", ")
        ));
    }
    if rows.iter().any(|r| r.workload.name == "ping_pong") {
        notes.push(
            "ping_pong: each runtime's own oneshot channel (weft::sync::oneshot, \
             tokio::sync::oneshot); smol's stack has none and uses futures-channel's."
                .to_owned(),
        );
    }
    if rows
        .iter()
        .any(|r| r.workload.metric == Metric::IdleCpuMillis)
    {
        notes.push(format!(
            "idle_cpu: CPU ms an idle runtime used in 1 s / its voluntary context switches \
             (wakeups); ratios count anything under {IDLE_CPU_FLOOR_MS} ms as \
             {IDLE_CPU_FLOOR_MS} ms."
        ));
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number, or `null` for a missing or non-finite one.
fn json_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".to_owned(),
    }
}

fn json_array(values: Option<Vec<f64>>) -> String {
    match values {
        None => "null".to_owned(),
        Some(vs) => {
            let items: Vec<String> = vs.into_iter().map(|v| json_num(Some(v))).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// The JSON document: the environment, and per workload every sample, median, spread and
/// ratio. A value that does not exist (wakeups of a workload that does not count them,
/// a ratio over a zero cost) is `null`.
pub fn json(env: &Environment, load_at_end: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"date\": {},", json_str(&env.date));
    let _ = writeln!(out, "  \"cpus\": {},", env.cpus);
    let _ = writeln!(out, "  \"cpu_model\": {},", json_str(&env.cpu_model));
    let _ = writeln!(out, "  \"rustc\": {},", json_str(&env.rustc));
    let _ = writeln!(out, "  \"workers\": {},", env.workers);
    let _ = writeln!(out, "  \"warmup_rounds\": {WARMUP_ROUNDS},");
    let _ = writeln!(
        out,
        "  \"load_at_start\": {},",
        json_str(&env.load_at_start)
    );
    let _ = writeln!(out, "  \"load_at_end\": {},", json_str(load_at_end));
    let _ = writeln!(out, "  \"ratio_meaning\": {},", json_str(RATIO_MEANING));
    let _ = writeln!(out, "  \"spread_meaning\": {},", json_str(SPREAD_MEANING));
    let _ = writeln!(out, "  \"workloads\": [");
    for (i, row) in rows.iter().enumerate() {
        let w = row.workload;
        let _ = writeln!(out, "    {{");
        let _ = writeln!(out, "      \"name\": {},", json_str(w.name));
        let _ = writeln!(out, "      \"unit\": {},", json_str(w.metric.unit()));
        let _ = writeln!(
            out,
            "      \"higher_is_better\": {},",
            w.metric.higher_is_better()
        );
        let _ = writeln!(out, "      \"rounds\": {},", row.rounds);
        let _ = writeln!(out, "      \"runs_per_sample\": {},", w.runs_per_sample);
        let _ = writeln!(out, "      \"child_process\": {},", w.in_child);
        let _ = writeln!(out, "      \"runtimes\": {{");
        for (rt, name) in RUNTIMES.iter().enumerate() {
            let samples = Some(row.values(rt));
            let wakeups = row.wakeups(rt);
            let cost = row.median_cost(rt);
            let _ = writeln!(
                out,
                "        {}: {{\"median\": {}, \"spread\": {}, \"samples\": {}, \"wakeups\": {}, \"cpu_us_per_op\": {}, \"switches_per_op\": {}}}{}",
                json_str(name),
                json_num(row.median(rt)),
                json_num(row.spread(rt)),
                json_array(samples),
                json_array(wakeups),
                json_num(cost.map(|c| c.0)),
                json_num(cost.map(|c| c.1)),
                if rt + 1 < RUNTIMES.len() { "," } else { "" }
            );
        }
        let _ = writeln!(out, "      }},");
        let _ = writeln!(
            out,
            "      \"ratio_weft_tokio\": {},",
            json_num(row.ratio(1))
        );
        let _ = writeln!(
            out,
            "      \"ratio_weft_smol\": {},",
            json_num(row.ratio(2))
        );
        let _ = writeln!(
            out,
            "      \"round_ratios_weft_tokio\": {},",
            json_array(Some(row.round_ratios(1)))
        );
        let _ = writeln!(
            out,
            "      \"round_ratios_weft_smol\": {}",
            json_array(Some(row.round_ratios(2)))
        );
        let _ = writeln!(out, "    }}{}", if i + 1 < rows.len() { "," } else { "" });
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn json_numbers_are_null_when_missing_or_not_finite() {
        assert_eq!(json_num(Some(1.5)), "1.5");
        assert_eq!(json_num(None), "null");
        assert_eq!(json_num(Some(f64::NAN)), "null");
    }

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(number(123456.7), "123457");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.2345), "1.23");
        assert_eq!(number(0.12345), "0.123");
    }
}
