//! Understanding a patient's free-text message: is it an emergency, advice
//! about medicines the bot must never give, a greeting, or a question from
//! the knowledge folder, and which one.
//!
//! # Layout
//!
//! - [`emergency`]: the red-flag rules, in code so that no edit of the
//!   knowledge folder can switch one off; checked first on every message.
//! - [`matcher`]: ranking the knowledge folder's topics for a message
//!   (stemmed words, synonyms, spelling tolerance).
//! - [`classify`]: the [`Classifier`], which owns the rules and the matcher
//!   and turns a message into a [`Verdict`].
//! - [`eval`]: scoring the classifier against labelled questions.

pub mod classify;
pub mod emergency;
pub mod eval;
pub mod matcher;

pub use classify::{Classified, Classifier, Verdict};
