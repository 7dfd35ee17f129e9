//! Understanding a patient's free-text message: is it an emergency, advice
//! about medicines the bot must never give, a greeting, or a question from
//! the knowledge folder, and which one.
//!
//! # Layout
//!
//! - [`advised`]: a doctor's or another clinician's advice against
//!   needling, which the bot never books past.
//! - [`triage`]: emergency, urgent or routine, by rules in code so that no
//!   edit of the knowledge folder can switch one off; checked first on every
//!   message.
//! - [`matcher`]: ranking the knowledge folder's topics for a message
//!   (stemmed words, synonyms, spelling tolerance).
//! - [`body`]: a message that only names a part of the body.
//! - [`medicine`]: questions about taking, stopping, dosing or prescribing
//!   a medicine, which the bot never answers.
//! - [`smalltalk`]: thanks, greetings, goodbyes and "ok"s, and a person
//!   asked for in words.
//! - [`semantic`]: the seam to a model trained on the folder's phrasings
//!   (sentence embeddings), its classes and training examples.
//! - [`days`]: the day a question about opening hours names ("the
//!   24th", "thanksgiving", "tomorrow").
//! - [`classify`]: the [`Classifier`], which owns the rules, the matcher and
//!   the semantic model when there is one, and turns a message into a
//!   [`Verdict`].
//! - [`eval`]: scoring the classifier against labelled questions.

pub mod advised;
pub mod body;
pub mod classify;
pub mod days;
pub mod eval;
pub mod matcher;
pub mod medicine;
pub mod semantic;
pub mod smalltalk;
pub mod triage;

pub use classify::{Classified, Classifier, Verdict};
pub use semantic::{Classes, Scores, Semantic};
pub use smalltalk::SmallTalk;
pub use triage::{Assessment, Triage};
