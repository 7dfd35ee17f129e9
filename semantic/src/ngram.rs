//! A character n-gram reader: TF-IDF over the 2- to 5-character pieces of
//! a message (accents and case folded, so typos and either language share
//! most pieces), and a multinomial logistic regression over the folder's
//! own labelled wordings (`training_examples`). It reads Spanish as well as
//! English, and a misspelt word still shares most of its pieces with the
//! right one, which the English-only sentence encoder does not. The
//! [`SemanticModel`](crate::SemanticModel) averages the two readings.
//!
//! Small and fast: a piece is kept as its 64-bit hash, not its text, and a
//! weight as one byte (with a scale per piece), so the reader of the
//! shipped folder (36,000 pieces, 48 classes) holds about 3 MB; it trains
//! in about a second on start and reads a message in microseconds.

use std::collections::HashMap;

use frontdesk_core::text::fold;

/// The shortest and longest pieces.
const SHORTEST: usize = 2;
const LONGEST: usize = 5;
/// A piece must be in this many training texts to count (rarer ones are
/// noise, and would only cost memory).
const MIN_TEXTS: u32 = 2;
/// Passes over the training texts, the learning rate and the L2 penalty.
const EPOCHS: usize = 12;
const RATE: f32 = 0.5;
const PENALTY: f32 = 1e-5;

/// A message as weighted pieces: (feature, weight), unit length.
type Features = Vec<(u32, f32)>;

/// The trained reader.
#[derive(Debug)]
pub struct NgramReader {
    /// The pieces kept (their hashes), sorted: a piece's feature is its
    /// position. A sorted vector rather than a map: half the memory, and a
    /// message's 200-odd lookups take a few microseconds either way.
    vocabulary: Vec<u64>,
    /// Each feature's inverse text frequency.
    idf: Vec<f32>,
    classes: usize,
    /// `classes` weights a feature, feature by feature, each a byte times
    /// its feature's scale.
    weights: Vec<i8>,
    scales: Vec<f32>,
    bias: Vec<f32>,
}

/// The pieces of a text (their FNV-1a hashes), folded and padded with a
/// space each side.
fn pieces(text: &str) -> Vec<u64> {
    let chars: Vec<char> = format!(" {} ", fold(text)).chars().collect();
    let mut out = Vec::new();
    for n in SHORTEST..=LONGEST {
        for window in chars.windows(n) {
            let hash = window.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
                (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
            });
            out.push(hash);
        }
    }
    out
}

impl NgramReader {
    /// Trains on `(text, class)` pairs with `classes` classes.
    pub fn train(examples: &[(String, usize)], classes: usize) -> NgramReader {
        let mut in_texts: HashMap<u64, u32> = HashMap::new();
        for (text, _) in examples {
            let mut seen = pieces(text);
            seen.sort_unstable();
            seen.dedup();
            for piece in seen {
                *in_texts.entry(piece).or_default() += 1;
            }
        }
        let total = examples.len() as f32;
        let mut kept: Vec<(u64, u32)> = in_texts
            .into_iter()
            .filter(|(_, n)| *n >= MIN_TEXTS)
            .collect();
        // A fixed order, so that training is the same on every start.
        kept.sort();
        let (vocabulary, idf) = kept
            .into_iter()
            .map(|(piece, n)| (piece, ((1.0 + total) / (1.0 + n as f32)).ln() + 1.0))
            .unzip();
        let mut reader = NgramReader {
            weights: Vec::new(),
            scales: Vec::new(),
            bias: vec![0.0; classes],
            vocabulary,
            idf,
            classes,
        };
        let data: Vec<(Features, usize)> = examples
            .iter()
            .map(|(text, class)| (reader.weigh(&pieces(text)), *class))
            .collect();
        let weights = reader.fit(&data);
        reader.quantise(&weights);
        reader
    }

    /// Keeps each feature's weights as bytes, scaled by the feature's
    /// largest weight.
    fn quantise(&mut self, weights: &[f32]) {
        self.scales = weights
            .chunks(self.classes)
            .map(|row| row.iter().fold(0f32, |m, w| m.max(w.abs())) / 127.0)
            .collect();
        self.weights = weights
            .chunks(self.classes)
            .zip(&self.scales)
            .flat_map(|(row, &scale)| {
                row.iter().map(move |w| {
                    if scale > 0.0 {
                        (w / scale).round() as i8
                    } else {
                        0
                    }
                })
            })
            .collect();
    }

    /// TF-IDF with sublinear counts, unit length.
    fn weigh(&self, pieces: &[u64]) -> Features {
        let mut counts: HashMap<u32, (f32, f32)> = HashMap::new();
        for piece in pieces {
            if let Ok(feature) = self.vocabulary.binary_search(piece) {
                counts
                    .entry(feature as u32)
                    .or_insert((0.0, self.idf[feature]))
                    .0 += 1.0;
            }
        }
        let mut features: Features = counts
            .into_iter()
            .map(|(f, (count, idf))| (f, (1.0 + count.ln()) * idf))
            .collect();
        features.sort_by_key(|(f, _)| *f);
        let norm = features.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            features.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        features
    }

    /// Class probabilities under `weights` (while training) or the kept
    /// bytes.
    fn probabilities(&self, features: &Features, weights: Option<&[f32]>) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for &(feature, value) in features {
            let at = feature as usize * self.classes;
            match weights {
                Some(weights) => {
                    let row = &weights[at..][..self.classes];
                    logits
                        .iter_mut()
                        .zip(row)
                        .for_each(|(l, w)| *l += w * value);
                }
                None => {
                    let row = &self.weights[at..][..self.classes];
                    let value = value * self.scales[feature as usize];
                    logits
                        .iter_mut()
                        .zip(row)
                        .for_each(|(l, &w)| *l += f32::from(w) * value);
                }
            }
        }
        softmax(&mut logits);
        logits
    }

    /// Stochastic gradient descent on the cross-entropy, with AdaGrad
    /// steps, in a fixed shuffled order; returns the weights.
    fn fit(&mut self, data: &[(Features, usize)]) -> Vec<f32> {
        let mut weights = vec![0f32; self.vocabulary.len() * self.classes];
        let mut squares = vec![1e-8f32; weights.len()];
        let mut bias_squares = vec![1e-8f32; self.classes];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..EPOCHS {
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            for &i in &order {
                let (features, class) = &data[i];
                let mut gradient = self.probabilities(features, Some(&weights));
                gradient[*class] -= 1.0;
                for (c, g) in gradient.iter().enumerate() {
                    bias_squares[c] += g * g;
                    self.bias[c] -= RATE * g / bias_squares[c].sqrt();
                }
                for &(feature, value) in features {
                    let at = feature as usize * self.classes;
                    for (c, g) in gradient.iter().enumerate() {
                        let w = &mut weights[at + c];
                        let step = g * value + PENALTY * *w;
                        squares[at + c] += step * step;
                        *w -= RATE * step / squares[at + c].sqrt();
                    }
                }
            }
        }
        weights
    }

    /// One probability per class.
    pub fn read(&self, text: &str) -> Vec<f32> {
        self.probabilities(&self.weigh(&pieces(text)), None)
    }

    /// A text as the reader sees it: its weighted pieces, unit length.
    pub fn vector(&self, text: &str) -> Vec<(u32, f32)> {
        self.weigh(&pieces(text))
    }

    /// How alike two texts' pieces are, from 0 to 1.
    pub fn similarity(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// The pieces it knows (for the figures in `docs/understanding.md`).
    pub fn vocabulary_size(&self) -> usize {
        self.vocabulary.len()
    }
}

fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    logits.iter_mut().for_each(|l| *l /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<(String, usize)> {
        let rows = [
            ("how much does a session cost", 0),
            ("what is the price of dry needling", 0),
            ("cuánto cuesta la sesión", 0),
            ("precio de la punción seca", 0),
            ("does dry needling hurt", 1),
            ("is it painful", 1),
            ("duele la punción seca", 1),
            ("es doloroso el tratamiento", 1),
            ("what are your opening hours", 2),
            ("when are you open", 2),
            ("qué horario tenéis", 2),
            ("a qué hora abren", 2),
        ];
        rows.iter().map(|(t, c)| (t.to_string(), *c)).collect()
    }

    fn best(reader: &NgramReader, text: &str) -> usize {
        let p = reader.read(text);
        (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap()
    }

    #[test]
    fn it_reads_typos_and_either_language_by_their_pieces() {
        let reader = NgramReader::train(&examples(), 3);
        assert_eq!(best(&reader, "cuanto cuesta??"), 0);
        assert_eq!(best(&reader, "whats the pric"), 0);
        assert_eq!(best(&reader, "duele?"), 1);
        assert_eq!(best(&reader, "is it painfull"), 1);
        assert_eq!(best(&reader, "horario?"), 2);
        let p = reader.read("hours");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn similar_texts_share_pieces_and_unrelated_ones_few() {
        let reader = NgramReader::train(&examples(), 3);
        let v = |t| reader.vector(t);
        let same = NgramReader::similarity(&v("cuánto cuesta"), &v("cuanto cuesta"));
        assert!((same - 1.0).abs() < 1e-4, "{same}");
        let near = NgramReader::similarity(&v("cuánto cuesta la sesión"), &v("cuánto cuesta"));
        let far = NgramReader::similarity(&v("cuánto cuesta"), &v("a qué hora abren"));
        assert!(near > 0.5 && far < 0.2, "{near} {far}");
    }

    #[test]
    fn training_is_the_same_every_time() {
        let (one, two) = (
            NgramReader::train(&examples(), 3),
            NgramReader::train(&examples(), 3),
        );
        assert_eq!(one.read("does it hurt"), two.read("does it hurt"));
    }
}
