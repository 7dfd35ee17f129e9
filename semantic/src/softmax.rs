//! Multinomial logistic (softmax) regression over sentence embeddings: a
//! weight vector and a bias per class, trained by full-batch gradient
//! descent with Adam and L2 regularisation. Deterministic: the same
//! examples give the same model, every run (no shuffling, no random
//! initialisation).
//!
//! Written here rather than taken from a crate: it is forty lines of
//! arithmetic, it must be deterministic, and it trains in a few seconds on
//! the knowledge folder's few thousand phrasings without pulling a linear
//! algebra stack into the bot.

/// How to train.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty on the weights.
    pub l2: f32,
    /// How much rarer classes are weighted up: 0 leaves every example
    /// weight 1, 1 gives every class the same total weight.
    pub balance: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 150,
            learning_rate: 0.05,
            l2: 1e-4,
            balance: 0.5,
        }
    }
}

/// A trained model: `classes` rows of `dims` weights, and a bias per class.
#[derive(Debug, Clone, PartialEq)]
pub struct Softmax {
    dims: usize,
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Softmax {
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The probability of each class for one embedding.
    pub fn probabilities(&self, x: &[f32]) -> Vec<f32> {
        let mut z: Vec<f32> = (0..self.classes)
            .map(|c| dot(&self.weights[c * self.dims..(c + 1) * self.dims], x) + self.bias[c])
            .collect();
        softmax_in_place(&mut z);
        z
    }
}

/// Eight running sums, so the compiler can use SIMD lanes (a single sum
/// must be added in order); the order is fixed, so results are the same
/// every run.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

impl Softmax {
    /// The model as bytes: dims and classes (u32, little-endian), then the
    /// weights and biases (f32, little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 4 * (self.weights.len() + self.bias.len()));
        out.extend_from_slice(&(self.dims as u32).to_le_bytes());
        out.extend_from_slice(&(self.classes as u32).to_le_bytes());
        for v in self.weights.iter().chain(&self.bias) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`Softmax::to_bytes`]'s output; `None` if it is not that.
    pub fn from_bytes(bytes: &[u8]) -> Option<Softmax> {
        let word = |i: usize| -> Option<[u8; 4]> { bytes.get(i..i + 4)?.try_into().ok() };
        let dims = u32::from_le_bytes(word(0)?) as usize;
        let classes = u32::from_le_bytes(word(4)?) as usize;
        let values: Vec<f32> = bytes[8..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if bytes.len() % 4 != 0 || values.len() != classes * dims + classes {
            return None;
        }
        let (weights, bias) = values.split_at(classes * dims);
        Some(Softmax {
            dims,
            classes,
            weights: weights.to_vec(),
            bias: bias.to_vec(),
        })
    }
}

fn softmax_in_place(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// Trains on embeddings `xs` (all of one length) labelled `ys` (class
/// indices below `classes`).
pub fn train(xs: &[Vec<f32>], ys: &[usize], classes: usize, options: &TrainOptions) -> Softmax {
    let dims = xs.first().map_or(0, Vec::len);
    let n = xs.len();
    let mut counts = vec![0usize; classes];
    for &y in ys {
        counts[y] += 1;
    }
    // Per-example weights, normalised to sum to n.
    let raw: Vec<f32> = ys
        .iter()
        .map(|&y| (n as f32 / (classes as f32 * counts[y] as f32)).powf(options.balance))
        .collect();
    let total: f32 = raw.iter().sum();
    let sample_weight: Vec<f32> = raw.iter().map(|w| w * n as f32 / total).collect();

    let mut model = Softmax {
        dims,
        classes,
        weights: vec![0.0; classes * dims],
        bias: vec![0.0; classes],
    };
    let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let mut m_w = vec![0.0f32; classes * dims];
    let mut v_w = vec![0.0f32; classes * dims];
    let mut m_b = vec![0.0f32; classes];
    let mut v_b = vec![0.0f32; classes];
    let mut grad_w = vec![0.0f32; classes * dims];
    let mut grad_b = vec![0.0f32; classes];
    let mut p = vec![0.0f32; classes];
    for epoch in 1..=options.epochs {
        grad_w.iter_mut().for_each(|g| *g = 0.0);
        grad_b.iter_mut().for_each(|g| *g = 0.0);
        for (i, x) in xs.iter().enumerate() {
            for (c, pc) in p.iter_mut().enumerate() {
                *pc = dot(&model.weights[c * dims..(c + 1) * dims], x) + model.bias[c];
            }
            softmax_in_place(&mut p);
            let w = sample_weight[i] / n as f32;
            for c in 0..classes {
                let err = (p[c] - if ys[i] == c { 1.0 } else { 0.0 }) * w;
                if err == 0.0 {
                    continue;
                }
                grad_b[c] += err;
                for (g, xv) in grad_w[c * dims..(c + 1) * dims].iter_mut().zip(x) {
                    *g += err * xv;
                }
            }
        }
        let (c1, c2) = (
            1.0 - beta1.powi(epoch as i32),
            1.0 - beta2.powi(epoch as i32),
        );
        let lr = options.learning_rate;
        for j in 0..classes * dims {
            let g = grad_w[j] + options.l2 * model.weights[j];
            m_w[j] = beta1 * m_w[j] + (1.0 - beta1) * g;
            v_w[j] = beta2 * v_w[j] + (1.0 - beta2) * g * g;
            model.weights[j] -= lr * (m_w[j] / c1) / ((v_w[j] / c2).sqrt() + eps);
        }
        for c in 0..classes {
            let g = grad_b[c];
            m_b[c] = beta1 * m_b[c] + (1.0 - beta1) * g;
            v_b[c] = beta2 * v_b[c] + (1.0 - beta2) * g * g;
            model.bias[c] -= lr * (m_b[c] / c1) / ((v_b[c] / c2).sqrt() + eps);
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three clusters on the unit circle's axes, a little noise in each.
    fn clusters() -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for (class, centre) in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
            .iter()
            .enumerate()
        {
            for k in 0..10 {
                let jitter = (k as f32 - 4.5) * 0.03;
                xs.push(vec![
                    centre[0] + jitter,
                    centre[1] - jitter,
                    centre[2] + jitter / 2.0,
                ]);
                ys.push(class);
            }
        }
        (xs, ys)
    }

    #[test]
    fn separable_classes_are_learned_and_probabilities_sum_to_one() {
        let (xs, ys) = clusters();
        let model = train(&xs, &ys, 3, &TrainOptions::default());
        for (x, &y) in xs.iter().zip(&ys) {
            let p = model.probabilities(x);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, y, "{p:?}");
        }
        // Between two classes, neither is confident.
        let p = model.probabilities(&[0.7, 0.7, 0.0]);
        assert!(p[0] < 0.8 && p[1] < 0.8, "{p:?}");
    }

    #[test]
    fn the_same_examples_give_the_same_model() {
        let (xs, ys) = clusters();
        let options = TrainOptions::default();
        assert_eq!(train(&xs, &ys, 3, &options), train(&xs, &ys, 3, &options));
    }

    #[test]
    fn a_model_read_back_from_bytes_is_the_same_model_and_garbage_is_refused() {
        let (xs, ys) = clusters();
        let model = train(&xs, &ys, 3, &TrainOptions::default());
        let bytes = model.to_bytes();
        assert_eq!(Softmax::from_bytes(&bytes), Some(model));
        assert_eq!(Softmax::from_bytes(&bytes[..bytes.len() - 4]), None);
        assert_eq!(Softmax::from_bytes(b"nonsense"), None);
    }

    #[test]
    fn the_lane_dot_product_matches_the_plain_one() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.25).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(
            (dot(&a, &b) - plain).abs() < 1e-3,
            "{} vs {plain}",
            dot(&a, &b)
        );
    }
}
