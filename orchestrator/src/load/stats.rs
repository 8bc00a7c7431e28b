//! Percentiles of latency samples.

use serde::Serialize;

/// Summary of a set of samples (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles; `None` without samples. NaNs are ignored.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Some(Self {
            count: v.len(),
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        let v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let p = Percentiles::of(&v).unwrap_or_else(|| panic!("samples"));
        assert_eq!((p.count, p.p50, p.p90, p.p99, p.max, p.mean), (100, 50.0, 90.0, 99.0, 100.0, 50.5));
    }

    #[test]
    fn small_and_empty_sets() {
        assert_eq!(Percentiles::of(&[]), None);
        assert_eq!(Percentiles::of(&[f64::NAN]), None);
        let one = Percentiles::of(&[3.0]).unwrap_or_else(|| panic!("one sample"));
        assert_eq!((one.p50, one.p99, one.max), (3.0, 3.0, 3.0));
        let two = Percentiles::of(&[1.0, 2.0]).unwrap_or_else(|| panic!("two samples"));
        assert_eq!((two.p50, two.p90), (1.0, 2.0));
    }
}
