//! The samples of one workload and what the table reports from them: medians, the
//! median of the per-round ratios, and the spread.

use super::catalog::Workload;
use super::{Sample, RUNTIMES};

/// Index of weft in [`RUNTIMES`], the numerator of every ratio.
pub const WEFT: usize = 0;

/// Every sample of one workload, per runtime in [`RUNTIMES`] order.
#[derive(Debug)]
pub struct Row {
    /// The workload measured.
    pub workload: &'static Workload,
    /// Timed rounds per runtime.
    pub rounds: usize,
    /// Samples in round order.
    pub samples: [Vec<Sample>; 3],
}

/// The median; the mean of the middle two for an even count. `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// (max - min) / median: how far apart the samples landed. 0 for a zero median.
pub fn spread(values: &[f64]) -> Option<f64> {
    let median = median(values)?;
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    Some(if median == 0.0 {
        0.0
    } else {
        (max - min) / median
    })
}

impl Row {
    /// The values of `runtime`'s samples, in round order.
    pub fn values(&self, runtime: usize) -> Vec<f64> {
        self.samples[runtime].iter().map(|s| s.value).collect()
    }

    /// The wakeups of `runtime`'s samples, for workloads that count them.
    pub fn wakeups(&self, runtime: usize) -> Option<Vec<f64>> {
        self.samples[runtime].iter().map(|s| s.wakeups).collect()
    }

    /// Median value of `runtime`.
    pub fn median(&self, runtime: usize) -> Option<f64> {
        median(&self.values(runtime))
    }

    /// Median cost per operation of `runtime` (CPU µs, voluntary context switches), for
    /// the workloads that measure it.
    pub fn median_cost(&self, runtime: usize) -> Option<(f64, f64)> {
        let costs: Option<Vec<_>> = self.samples[runtime].iter().map(|s| s.cost).collect();
        let costs = costs?;
        let cpu: Vec<f64> = costs.iter().map(|c| c.cpu_us).collect();
        let switches: Vec<f64> = costs.iter().map(|c| c.switches).collect();
        Some((median(&cpu)?, median(&switches)?))
    }

    /// Median wakeups of `runtime`, for workloads that count them.
    pub fn median_wakeups(&self, runtime: usize) -> Option<f64> {
        median(&self.wakeups(runtime)?)
    }

    /// Spread of `runtime`'s samples.
    pub fn spread(&self, runtime: usize) -> Option<f64> {
        spread(&self.values(runtime))
    }

    /// The largest spread of the three runtimes, and whose it is.
    pub fn worst_spread(&self) -> Option<(usize, f64)> {
        (0..RUNTIMES.len())
            .filter_map(|rt| Some((rt, self.spread(rt)?)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// weft's cost over `other`'s, round by round (round i of weft ran just before round
    /// i of the others, so both saw the same machine).
    pub fn round_ratios(&self, other: usize) -> Vec<f64> {
        let metric = self.workload.metric;
        self.samples[WEFT]
            .iter()
            .zip(&self.samples[other])
            .map(|(w, o)| metric.cost(w.value) / metric.cost(o.value))
            .collect()
    }

    /// The median of the per-round ratios against `other`: below 1 means weft is better;
    /// `None` without rounds.
    pub fn ratio(&self, other: usize) -> Option<f64> {
        median(&self.round_ratios(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::catalog::WORKLOADS;

    fn samples(values: &[f64]) -> Vec<Sample> {
        values
            .iter()
            .map(|&value| Sample {
                value,
                wakeups: None,
                cost: None,
            })
            .collect()
    }

    fn workload(name: &str) -> &'static Workload {
        WORKLOADS.iter().find(|w| w.name == name).unwrap()
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn spread_is_range_over_median() {
        assert_eq!(spread(&[1.0, 2.0, 3.0]), Some(1.0));
        assert_eq!(spread(&[0.0, 0.0]), Some(0.0));
    }

    #[test]
    fn ratios_pair_rounds_and_take_the_median() {
        let row = Row {
            workload: workload("spawn_many_local"),
            rounds: 3,
            samples: [
                samples(&[1.0, 10.0, 3.0]),
                samples(&[2.0, 10.0, 1.0]),
                samples(&[1.0, 5.0, 6.0]),
            ],
        };
        assert_eq!(row.round_ratios(1), vec![0.5, 1.0, 3.0]);
        assert_eq!(row.ratio(1), Some(1.0));
        assert_eq!(row.ratio(2), Some(1.0));
    }

    #[test]
    fn a_throughput_ratio_below_one_still_means_weft_is_better() {
        let row = Row {
            workload: workload("tcp_echo"),
            rounds: 1,
            samples: [samples(&[200.0]), samples(&[100.0]), samples(&[400.0])],
        };
        assert_eq!(row.ratio(1), Some(0.5));
        assert_eq!(row.ratio(2), Some(2.0));
    }

    #[test]
    fn idle_cpu_below_the_floor_counts_as_equal() {
        let row = Row {
            workload: workload("idle_cpu"),
            rounds: 1,
            samples: [samples(&[0.0]), samples(&[0.3]), samples(&[4.0])],
        };
        assert_eq!(row.ratio(1), Some(1.0));
        assert_eq!(row.ratio(2), Some(0.25));
    }
}
