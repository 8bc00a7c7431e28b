//! `fine-tune`: `size` epochs of stochastic gradient descent on a tiny two-layer network, in
//! saturating Q16.16 fixed point so every machine computes the same bits.
//!
//! Model: 4 inputs -> 8 ReLU hidden units -> 1 linear output, squared-error loss.
//! Data: 64 samples generated from the seed; inputs uniform in [-1, 1), target
//! `|t . x|` for a seed-derived teacher vector `t` (learnable with two ReLU units, so the loss
//! falls). Samples are visited in generation order every epoch; one update per sample.
//!
//! Output: every parameter, then the mean squared error of each epoch (measured during the
//! epoch, before each sample's update), all as i64 little-endian Q16.16 values:
//! `W1` (8 x 4, row-major by hidden unit), `b1` (8), `w2` (8), `b2` (1), `loss` (`size`).

use std::sync::atomic::{AtomicBool, Ordering};

use super::rng::SplitMix64;
use super::Cancelled;

/// Separates this program's random stream from the other workloads'.
const DOMAIN: &[u8] = b"cr-compute/workload/fine-tune/v1";

/// Input features.
pub(crate) const INPUTS: usize = 4;
/// Hidden units.
pub(crate) const HIDDEN: usize = 8;
/// Training samples.
pub(crate) const SAMPLES: usize = 64;
/// Parameters written at the start of the output.
pub(crate) const PARAMS: usize = HIDDEN * INPUTS + HIDDEN + HIDDEN + 1;

const FRAC_BITS: u32 = 16;
/// Every value is clamped to +-2^31 (about +-32768.0), which keeps any product of two values
/// within i64 before the shift: a diverging run saturates instead of overflowing.
const LIMIT: i64 = (1 << 31) - 1;
/// Learning rate 0.03.
const LEARNING_RATE: i64 = 1966;

fn sat(v: i64) -> i64 {
    v.clamp(-LIMIT, LIMIT)
}

/// Fixed-point product; the arithmetic shift rounds toward negative infinity, identically
/// everywhere.
fn mul(a: i64, b: i64) -> i64 {
    sat(sat(a).saturating_mul(sat(b)) >> FRAC_BITS)
}

fn add(a: i64, b: i64) -> i64 {
    sat(a.saturating_add(b))
}

struct Model {
    w1: [[i64; INPUTS]; HIDDEN],
    b1: [i64; HIDDEN],
    w2: [i64; HIDDEN],
    b2: i64,
}

struct Sample {
    x: [i64; INPUTS],
    y: i64,
}

fn generate(seed: u64) -> (Model, Vec<Sample>) {
    let mut rng = SplitMix64::keyed(DOMAIN, seed);
    // 17 signed bits in Q16.16 is [-1, 1); 16 bits is [-0.5, 0.5).
    let teacher: [i64; INPUTS] = std::array::from_fn(|_| rng.next_signed(17));
    let samples = (0..SAMPLES)
        .map(|_| {
            let x: [i64; INPUTS] = std::array::from_fn(|_| rng.next_signed(17));
            let dot = x.iter().zip(&teacher).fold(0, |acc, (&xi, &ti)| add(acc, mul(xi, ti)));
            Sample { x, y: dot.abs() }
        })
        .collect();
    let model = Model {
        w1: std::array::from_fn(|_| std::array::from_fn(|_| rng.next_signed(16))),
        b1: [0; HIDDEN],
        w2: std::array::from_fn(|_| rng.next_signed(16)),
        b2: 0,
    };
    (model, samples)
}

impl Model {
    /// One SGD step on one sample; returns the squared error before the step.
    fn step(&mut self, sample: &Sample) -> i64 {
        let mut pre = [0i64; HIDDEN];
        let mut act = [0i64; HIDDEN];
        for j in 0..HIDDEN {
            let dot = self.w1[j].iter().zip(&sample.x).fold(self.b1[j], |acc, (&w, &x)| add(acc, mul(w, x)));
            pre[j] = dot;
            act[j] = dot.max(0);
        }
        let out = act.iter().zip(&self.w2).fold(self.b2, |acc, (&h, &w)| add(acc, mul(h, w)));
        let err = add(out, -sample.y);

        // Loss is err^2 / 2, so d(loss)/d(out) = err.
        let g_out = mul(err, LEARNING_RATE);
        for j in 0..HIDDEN {
            // Back-propagate through w2 before updating it.
            let g_hidden = if pre[j] > 0 { mul(g_out, self.w2[j]) } else { 0 };
            self.w2[j] = add(self.w2[j], -mul(g_out, act[j]));
            for (w, &x) in self.w1[j].iter_mut().zip(&sample.x) {
                *w = add(*w, -mul(g_hidden, x));
            }
            self.b1[j] = add(self.b1[j], -g_hidden);
        }
        self.b2 = add(self.b2, -g_out);
        mul(err, err)
    }

    fn write(&self, out: &mut Vec<u8>) {
        let params = self.w1.iter().flatten().chain(&self.b1).chain(&self.w2).chain(std::iter::once(&self.b2));
        for p in params {
            out.extend_from_slice(&p.to_le_bytes());
        }
    }
}

/// Trains for `epochs` epochs; see the module docs for the output layout.
pub(crate) fn run(epochs: u64, seed: u64, cancel: &AtomicBool) -> Result<Vec<u8>, Cancelled> {
    let (mut model, samples) = generate(seed);
    let mut losses = Vec::with_capacity(usize::try_from(epochs).unwrap_or(0));
    for _ in 0..epochs {
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        let total = samples.iter().fold(0, |acc, s| add(acc, model.step(s)));
        losses.push(total / SAMPLES as i64);
    }
    let mut out = Vec::with_capacity((PARAMS + losses.len()) * 8);
    model.write(&mut out);
    for loss in losses {
        out.extend_from_slice(&loss.to_le_bytes());
    }
    Ok(out)
}
