//! The seam between the classifier and a semantic model trained on the
//! knowledge folder (the `frontdesk-semantic` crate trains one on sentence
//! embeddings). The model gives a probability per [`Classes`] class; the
//! [`Classifier`](super::Classifier) decides what to do with them.
//!
//! Training examples come from the folder itself: each topic's canonical
//! questions and phrasings in both languages, and `out-of-scope.toml`'s
//! examples of what the clinic does not answer (with advice about
//! medicines, which is never given, as a class of its own).

use super::SmallTalk;
use crate::chat::RedFlag;
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
    /// The most probable emergency category: what an emergency reading of
    /// the model names, so that its answer (the crisis line for self-harm
    /// and overdose) and the staff alert are the category's.
    pub red_flag: RedFlag,
    /// The probability of each kind of [`SMALL_TALK`], then of anything
    /// else: heard only where the small-talk rules heard nothing.
    pub small_talk: [f32; SMALL_TALK.len() + 1],
}

/// The kinds of small talk a model reads, in the order of its classes.
pub const SMALL_TALK: [SmallTalk; 4] = [
    SmallTalk::Thanks,
    SmallTalk::Greeting,
    SmallTalk::Goodbye,
    SmallTalk::Ack,
];

/// The emergency categories a model names, in the order of its classes.
pub const TRIAGE_FLAGS: [RedFlag; 13] = [
    RedFlag::ChestOrBreathing,
    RedFlag::Pneumothorax,
    RedFlag::Collapse,
    RedFlag::Confusion,
    RedFlag::Stroke,
    RedFlag::ThunderclapHeadache,
    RedFlag::Seizure,
    RedFlag::Allergy,
    RedFlag::Bleeding,
    RedFlag::Overdose,
    RedFlag::SelfHarm,
    RedFlag::SeriousInjury,
    RedFlag::CaudaEquina,
];

/// The emergency category of a labelled tier-1 message (by the labels of
/// `shared/domain/red-flags.md`, as the project's sets write them), as an
/// index into [`TRIAGE_FLAGS`]; `None` for a label no category answers to.
pub fn emergency_class(category: &str) -> Option<usize> {
    let flag = match category {
        "breathing-chest" => RedFlag::ChestOrBreathing,
        "pneumothorax" => RedFlag::Pneumothorax,
        "collapse" => RedFlag::Collapse,
        "confusion" => RedFlag::Confusion,
        "stroke" => RedFlag::Stroke,
        "thunderclap-headache" | "headache" => RedFlag::ThunderclapHeadache,
        "seizure" => RedFlag::Seizure,
        "anaphylaxis" | "allergy" => RedFlag::Allergy,
        "bleeding" => RedFlag::Bleeding,
        "overdose" => RedFlag::Overdose,
        "self-harm" => RedFlag::SelfHarm,
        "serious-injury" | "injury" => RedFlag::SeriousInjury,
        "cauda-equina" => RedFlag::CaudaEquina,
        _ => return None,
    };
    TRIAGE_FLAGS.iter().position(|&f| f == flag)
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

/// Labelled texts for the small-talk reader: each kind of [`SMALL_TALK`]
/// by its index, and as the last class everything else: the folder's
/// `asks` (messages that look like small talk and are not) and every
/// training text of [`training_examples`].
pub fn small_talk_examples(knowledge: &Knowledge) -> Vec<(String, usize)> {
    let talk = knowledge.small_talk();
    let other = SMALL_TALK.len();
    let kinds = [&talk.thanks, &talk.greeting, &talk.goodbye, &talk.ok];
    let mut out: Vec<(String, usize)> = kinds
        .iter()
        .enumerate()
        .flat_map(|(i, texts)| texts.iter().map(move |t| (t.clone(), i)))
        .collect();
    out.extend(talk.asks.iter().map(|t| (t.clone(), other)));
    out.extend(
        training_examples(knowledge)
            .into_iter()
            .map(|(t, _)| (t, other)),
    );
    out
}
