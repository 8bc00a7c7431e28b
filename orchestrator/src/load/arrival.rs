//! When each job of a load run is submitted: evenly spaced, as a Poisson process, or in bursts.

use cr_protocol::workload::SplitMix64;
use std::str::FromStr;
use std::time::Duration;

/// The arrival process of a load run; the mean rate is the same for all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// One job every `1/rate` seconds.
    Constant,
    /// Exponential gaps with mean `1/rate`, from a fixed seed, so a run can be repeated.
    Poisson { seed: u64 },
    /// `size` jobs at once, bursts `size/rate` seconds apart.
    Burst { size: u32 },
}

/// Why an `--arrival` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("arrival `{0}` is not one of constant, poisson, poisson:SEED, burst:SIZE (e.g. burst:20)")]
pub struct ArrivalError(String);

impl FromStr for Arrival {
    type Err = ArrivalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ArrivalError(s.to_owned());
        let (kind, arg) = s.split_once(':').map_or((s, None), |(k, a)| (k, Some(a)));
        match (kind, arg) {
            ("constant", None) => Ok(Self::Constant),
            ("poisson", None) => Ok(Self::Poisson { seed: 1 }),
            ("poisson", Some(seed)) => seed.parse().map(|seed| Self::Poisson { seed }).map_err(|_| bad()),
            ("burst", Some(size)) => match size.parse() {
                Ok(size) if size > 0 => Ok(Self::Burst { size }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Arrival {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Constant => f.write_str("constant"),
            Self::Poisson { seed } => write!(f, "poisson:{seed}"),
            Self::Burst { size } => write!(f, "burst:{size}"),
        }
    }
}

impl Arrival {
    /// Offsets from the start of the run at which each of `jobs` jobs is submitted, in order;
    /// `rate` is jobs per second and must be positive.
    pub fn schedule(self, jobs: u32, rate: f64) -> Vec<Duration> {
        let gap = 1.0 / rate;
        let offsets: Vec<f64> = match self {
            Self::Constant => (0..jobs).map(|i| f64::from(i) * gap).collect(),
            Self::Poisson { seed } => {
                let mut rng = SplitMix64::keyed(b"cr-testnet load arrivals", seed);
                let mut t = 0.0;
                (0..jobs)
                    .map(|_| {
                        let at = t;
                        // Inverse transform of an exponential; 1 - u lies in (0, 1].
                        t += -(1.0 - rng.unit()).ln() * gap;
                        at
                    })
                    .collect()
            }
            Self::Burst { size } => (0..jobs).map(|i| f64::from(i / size) * f64::from(size) * gap).collect(),
        };
        offsets.into_iter().map(Duration::from_secs_f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[Duration]) -> Vec<f64> {
        v.iter().map(Duration::as_secs_f64).collect()
    }

    #[test]
    fn parses_every_form_and_refuses_the_rest() {
        assert_eq!("constant".parse(), Ok(Arrival::Constant));
        assert_eq!("poisson".parse(), Ok(Arrival::Poisson { seed: 1 }));
        assert_eq!("poisson:7".parse(), Ok(Arrival::Poisson { seed: 7 }));
        assert_eq!("burst:20".parse(), Ok(Arrival::Burst { size: 20 }));
        for bad in ["", "burst", "burst:0", "burst:x", "poisson:-1", "uniform", "constant:3"] {
            let Err(err) = bad.parse::<Arrival>() else { panic!("{bad} was accepted") };
            assert!(err.to_string().contains("burst:SIZE"), "{bad}: {err}");
        }
    }

    #[test]
    fn constant_is_evenly_spaced() {
        assert_eq!(secs(&Arrival::Constant.schedule(4, 2.0)), vec![0.0, 0.5, 1.0, 1.5]);
    }

    #[test]
    fn bursts_arrive_together_at_the_mean_rate() {
        let s = secs(&Arrival::Burst { size: 3 }.schedule(7, 1.5));
        assert_eq!(s, vec![0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 4.0]);
    }

    #[test]
    fn poisson_is_ordered_reproducible_and_has_the_asked_mean_rate() {
        let a = Arrival::Poisson { seed: 42 }.schedule(20_000, 4.0);
        assert_eq!(a, Arrival::Poisson { seed: 42 }.schedule(20_000, 4.0));
        assert_ne!(a, Arrival::Poisson { seed: 43 }.schedule(20_000, 4.0));
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        let span = a.last().map_or(0.0, Duration::as_secs_f64);
        let rate = 19_999.0 / span;
        assert!((rate - 4.0).abs() < 0.15, "measured rate {rate}");
        // Exponential gaps: the coefficient of variation is 1 (constant arrivals have 0).
        let gaps: Vec<f64> = a.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        let cv = var.sqrt() / mean;
        assert!((cv - 1.0).abs() < 0.05, "coefficient of variation {cv}");
    }
}
