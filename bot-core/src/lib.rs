//! The platform-agnostic engine of Frontdesk, a front-desk chat-bot for clinics
//! that offer dry needling.
//!
//! Adapters (terminal, Telegram, Discord) turn platform events into an
//! [`Incoming`] message and hand it to [`Engine::handle`], which returns an
//! [`Outcome`]: plain-text replies with optional buttons for the patient, and
//! events for staff. Nothing in this crate knows about any chat platform, and it
//! never emits platform markup: adapters render and escape.
//!
//! # Layout
//!
//! - [`appointments`]: appointments and their import from the clinic's calendar.
//! - [`ics`]: reading appointments from an iCalendar export, with line numbers.
//! - [`ids`]: domain newtypes (chat key, topic id, language), each with `parse`.
//! - [`text`]: folding, word lists and language guessing shared by the rules.
//! - [`clinic`]: the clinic's facts and opening hours (`clinic.toml`).
//! - [`knowledge`]: loading and validating the knowledge folder, with file and
//!   line for every problem.
//! - [`matcher`]: ranking FAQ topics for a message.
//! - [`emergency`]: red-flag rules, checked first on every message.
//! - [`eval`]: scoring the matcher against labelled questions.
//! - [`classify`]: the decision for one message (emergency, answer, ask back,
//!   fall back).
//! - [`screening`]: the pre-visit health screen defined as data: questions,
//!   follow-ups, answer parsing, outcome rules.
//! - [`dialogue`]: the conversation state machine, a pure `step` function.
//! - [`handoff`]: staff, tickets and staff actions for hand-offs to a person.
//! - [`engine`]: loads and saves state around `step`, one chat at a time.
//! - [`reminders`]: reminder settings and the pure decision of which
//!   reminders (and which daily digest) are due.
//! - [`retention`]: how long patients' records are kept, and the pure decision
//!   of which are due for the daily sweep.
//! - [`ports`]: the traits the engine needs from outside (store, clock).
//! - [`store`]: the sled store and an in-memory one.

pub mod appointments;
pub mod classify;
pub mod clinic;
pub mod dialogue;
pub mod emergency;
pub mod engine;
pub mod eval;
pub mod handoff;
pub mod ics;
pub mod ids;
pub mod knowledge;
pub mod matcher;
pub mod ports;
pub mod reminders;
pub mod retention;
pub mod screening;
pub mod store;
pub mod text;

pub use classify::{Classified, Verdict};
pub use dialogue::{
    Action, Choice, Command, Conversation, HandoffReason, Incoming, Input, Reply, ReplyKind,
    StaffEvent, State,
};
pub use emergency::RedFlag;
pub use engine::{Engine, EngineError, Outcome, StaffOutcome, UnansweredSummary};
pub use ids::{ChatKey, IdError, Locale, Platform, Secret, TopicId};
pub use knowledge::{Knowledge, KnowledgeError};
pub use ports::{Clock, ManualClock, Store, StoreError, SystemClock};
pub use store::{DataKey, MemoryStore, SledStore};

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the unit tests.

    use std::path::PathBuf;
    use std::sync::Arc;

    use crate::knowledge::Knowledge;

    /// The knowledge folder shipped with the project.
    pub fn faq_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../faq")
    }

    /// Loaded once per test binary (loading takes a while in debug builds).
    pub fn shipped() -> Arc<Knowledge> {
        static SHIPPED: std::sync::OnceLock<Arc<Knowledge>> = std::sync::OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                Arc::new(
                    Knowledge::load(&faq_dir()).expect("the shipped knowledge folder is valid"),
                )
            })
            .clone()
    }
}
