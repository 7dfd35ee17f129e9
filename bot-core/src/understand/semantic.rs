//! The seam between the classifier and a semantic model trained on the
//! knowledge folder (the `frontdesk-semantic` crate trains one on sentence
//! embeddings). The model gives a probability per [`Classes`] class; the
//! [`Classifier`](super::Classifier) decides what to do with them.
//!
//! Training examples come from the folder itself: each topic's canonical
//! questions and phrasings in both languages, and `out-of-scope.toml`'s
//! examples of what the clinic does not answer (with advice about
//! medicines, which is never given, as a class of its own).

use crate::knowledge::Knowledge;

/// A trained semantic model's reading of one message, or `None` if it
/// could not run.
pub trait Semantic: Send + Sync {
    fn scores(&self, text: &str) -> Option<Scores>;
}

/// What a semantic model reads in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// One probability per class of the [`Classes`] it was trained on.
    pub classes: Vec<f32>,
    /// The probability that the message is an emergency, urgent, or
    /// neither (triage tiers 1, 2 and 3). It can only add to the rules'
    /// verdict, never take one away.
    pub tiers: [f32; 3],
}

/// The classes of a knowledge folder: its topics in order, then out of
/// scope, then advice about medicines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classes {
    topics: usize,
}

impl Classes {
    pub fn of(knowledge: &Knowledge) -> Classes {
        Classes {
            topics: knowledge.topics().len(),
        }
    }

    pub fn topics(self) -> usize {
        self.topics
    }

    pub fn out_of_scope(self) -> usize {
        self.topics
    }

    pub fn medicine(self) -> usize {
        self.topics + 1
    }

    pub fn count(self) -> usize {
        self.topics + 2
    }
}

/// Every labelled text of the folder, for training: (text, class).
pub fn training_examples(knowledge: &Knowledge) -> Vec<(String, usize)> {
    let classes = Classes::of(knowledge);
    let mut out = Vec::new();
    for (i, topic) in knowledge.topics().iter().enumerate() {
        for locale in [crate::ids::Locale::En, crate::ids::Locale::Es] {
            let text = topic.text(locale);
            out.push((text.question.clone(), i));
            out.extend(text.phrasings.iter().map(|p| (p.clone(), i)));
            out.extend(text.examples.iter().map(|p| (p.clone(), i)));
        }
    }
    let scope = knowledge.out_of_scope();
    out.extend(
        scope
            .other
            .iter()
            .map(|t| (t.clone(), classes.out_of_scope())),
    );
    out.extend(
        scope
            .medicine
            .iter()
            .map(|t| (t.clone(), classes.medicine())),
    );
    out
}
