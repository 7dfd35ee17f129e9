//! The platform-agnostic engine of Frontdesk, a front-desk chat-bot for clinics
//! that offer dry needling.
//!
//! Adapters (terminal, Telegram, Discord) turn platform events into an
//! [`Incoming`] message and hand it to [`Engine::handle`], which returns a
//! [`Response`]: plain-text replies with optional buttons for the patient, and
//! events for staff. Nothing in this crate knows about any chat platform, and it
//! never emits platform markup: adapters render and escape.
//!
//! # Layout
//!
//! Leaves, used by everything:
//! - [`chat`]: the messages everything speaks: [`Incoming`], [`Input`],
//!   [`Command`], [`Reply`], [`StaffEvent`], [`RedFlag`], [`Clearance`].
//! - [`ids`]: domain newtypes (chat key, topic id, language), each with `parse`.
//! - [`text`]: folding, word lists and language guessing shared by the rules.
//! - [`ports`]: the traits the engine needs from outside (store, clock).
//!
//! Features, each pure (no I/O):
//! - [`screening`]: the pre-visit health screen defined as data: questions,
//!   follow-ups, answer parsing, outcome rules.
//! - [`appointments`]: appointments, their import (CSV, iCalendar) and the
//!   reminders that are due.
//! - [`retention`]: how long records are kept and which are due for the sweep.
//! - [`handoff`]: staff, tickets, staff commands and what staff read.
//! - [`stats`]: the clinic's numbers: usage records (no patient data) added
//!   up per clinic day, and their CSV.
//! - [`accounts`]: console accounts and roles, Argon2id passwords, sessions
//!   and the audit log.
//! - [`delivery`]: deliveries to patients' chats and staff desks, and the
//!   router between platforms.
//! - [`knowledge`]: loading and validating the clinic-editable folder, with
//!   file and line for every problem.
//! - [`understand`]: what a free-text message is: red flags, the matcher and
//!   the [`Classifier`].
//! - [`dialogue`]: the conversation state machine, a pure `step` function.
//!
//! Around them:
//! - [`engine`]: the one entry point; loads and saves state around `step`, one
//!   chat at a time, and carries out hand-offs, appointments, deletion and
//!   retention.
//! - [`store`]: the sled store (optionally encrypted), an in-memory one, and
//!   backups.
//! - [`fhir`]: a completed screen ([`dialogue::ScreenRecord`]) as a FHIR R4
//!   `QuestionnaireResponse`, for the patient's record.
//!
//! Dependencies point one way: features use the leaves, `knowledge` reads
//! each feature's settings, `understand` and `dialogue` use `knowledge`, and
//! only `engine` uses everything.

pub mod accounts;
pub mod appointments;
pub mod chat;
pub mod delivery;
pub mod dialogue;
pub mod engine;
pub mod fhir;
pub mod handoff;
pub mod ids;
pub mod knowledge;
pub mod ports;
pub mod retention;
pub mod screening;
pub mod stats;
pub mod store;
pub mod text;
pub mod understand;

pub use chat::{
    Action, Choice, Clearance, Command, HandoffReason, Incoming, Input, PatientAction, RedFlag,
    Reply, ReplyKind, StaffEvent,
};
pub use delivery::{Delivery, DeskEvent, ErasedBy, Receipt, Router};
pub use dialogue::{Conversation, State};
pub use engine::{Alert, Engine, EngineError, Response, StaffResponse, UnansweredSummary};
pub use ids::{ChatKey, IdError, Locale, Platform, Secret, TopicId};
pub use knowledge::{Knowledge, KnowledgeError};
pub use ports::{Clock, ManualClock, Store, StoreError, SystemClock, Teacher};
pub use store::{DataKey, MemoryStore, SledStore};
pub use understand::{Classified, Classifier, Verdict};

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

    /// The shipped folder's classifier, built once per test binary.
    pub fn classifier() -> Arc<crate::understand::Classifier> {
        static CLASSIFIER: std::sync::OnceLock<Arc<crate::understand::Classifier>> =
            std::sync::OnceLock::new();
        CLASSIFIER
            .get_or_init(|| Arc::new(crate::understand::Classifier::new(&shipped())))
            .clone()
    }
}
