//! The engine: the one entry point adapters call. It serialises messages per
//! chat, works out once what an incoming message is for (its `Route`: a
//! privacy action, a link code, an appointment action, a redelivery, or the
//! dialogue), and dispatches on it. For the dialogue it loads the chat's
//! [`Conversation`], runs the pure [`dialogue::step`], carries out the
//! hand-off change the step decided, and writes the new state and any
//! records in one atomic batch before returning what to send.
//!
//! # Layout
//!
//! - `mod.rs`: [`Engine`], routing and the dialogue path, the clock's tick.
//! - `records`: the store's key layout and typed reads and writes.
//! - `handoff`: tickets and the staff's actions.
//! - `appointments`: imports, linking a chat by code, patients' and
//!   staff's appointment actions, reminders and the digest.
//! - `lessons`: unanswered questions grouped for staff, and what staff
//!   taught the bot from them (a wording, out of scope, dismissed), undone.
//! - `privacy`: forgetting a patient.
//! - `retention`: the daily sweep of expired records.
//! - `stats`: usage records for the numbers, written with what they count,
//!   read per clinic day and rolled up daily.
//! - `outbox`: staff alerts kept until a desk takes them, what adapters
//!   report of deliveries, and failed writes counted.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::chat::{Command, Incoming, Input, PatientAction, Reply, ReplyKind, StaffEvent};
use crate::delivery::{Delivery, DeskEvent, Router};
use crate::dialogue::{self, Conversation, HandoffChange, State};
use crate::ids::{ChatKey, Locale, Platform};
use crate::knowledge::Knowledge;
use crate::ports::{Batch, Store, StoreError};
use crate::understand::Classifier;

mod accounts;
mod appointments;
mod handoff;
mod lessons;
pub mod mailbox;
mod outbox;
mod privacy;
mod records;
mod retention;
pub mod stats;
#[cfg(test)]
mod tests;

pub use accounts::LoginRefused;
pub use lessons::{Lesson, LessonError, QuestionGroup, Settle};
pub use outbox::Alert;
pub use privacy::{FORGET_NO, FORGET_YES, Forgotten};
pub use records::UnfinishedScreen;
use records::{encode, keys};
pub use retention::SweepReport;

/// Why an engine operation failed (message handling itself never fails: the
/// patient gets a polite message and the error is logged).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
}

/// What to send after one incoming message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
    /// Staff alerts (emergency, urgent, a ticket opened): sent to every desk
    /// whatever happens to the replies, with a receipt.
    pub alerts: Vec<Alert>,
    /// What else the staff desks should show.
    pub desk: Vec<DeskEvent>,
}

impl Response {
    /// Every desk post, alerts first, with the receipt each wants.
    pub fn desk_deliveries(&self) -> impl Iterator<Item = Delivery> + '_ {
        let alerts = self.alerts.iter().map(Alert::delivery);
        alerts.chain(self.desk.iter().cloned().map(Delivery::desk))
    }

    /// Every desk event, alerts first.
    pub fn desk_events(&self) -> impl Iterator<Item = &DeskEvent> {
        let alerts = self.alerts.iter().map(|a| &a.event);
        alerts.chain(&self.desk)
    }
}

/// What a staff action produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaffResponse {
    /// Answers for the staff member who acted (privately).
    pub to_staff: Vec<String>,
    /// For the acting staff member only, never a shared desk (full
    /// screening answers).
    pub private: Vec<String>,
    /// Messages for patients, on whatever platform they are (a staff
    /// member's reply with a [`crate::Receipt::Relay`]).
    pub to_patients: Vec<Delivery>,
    pub desk: Vec<DeskEvent>,
}

impl StaffResponse {
    /// What a staff member is told when their action could not be carried
    /// out (the store failed): that it did not work.
    pub fn failed() -> StaffResponse {
        StaffResponse {
            to_staff: vec![crate::handoff::render::ACTION_FAILED.to_owned()],
            ..StaffResponse::default()
        }
    }
}

/// A question the bot could not answer, as logged for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredEntry {
    pub chat: ChatKey,
    pub text: String,
    pub at: Timestamp,
    /// The lesson staff settled it with: no longer listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<i64>,
}

/// Unanswered questions grouped by wording, for staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredSummary {
    /// The most recent wording of the question.
    pub text: String,
    pub count: usize,
    pub last_seen: Timestamp,
}

const LOCK_STRIPES: usize = 64;

/// The platform-neutral bot.
pub struct Engine<S: Store> {
    store: S,
    /// The knowledge folder and the classifier built from it, swapped
    /// together on a reload.
    loaded: RwLock<Loaded>,
    /// Messages of one chat are handled one at a time (read-modify-write of its
    /// state); chats are spread over a fixed set of locks.
    stripes: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
    /// How chats are named in record keys.
    names: records::RecordNames,
    /// Ticket numbers and ticket records change one at a time.
    tickets: Mutex<()>,
    /// Appointment records change one at a time (taken after the others).
    appointments_lock: Mutex<()>,
    /// Staff's lessons (and the folder changes they make) one at a time.
    lessons: Mutex<()>,
    /// This engine's run, random: a reminder still marked as being sent by
    /// another run was cut off by an abrupt stop.
    run: u64,
    /// Staff alerts made by this run (for their ids).
    alerts_made: std::sync::atomic::AtomicU64,
    /// Store writes that failed in a row.
    write_failures: std::sync::atomic::AtomicU32,
    /// Console accounts, and the store's own secrets, change one at a time.
    accounts_lock: Mutex<()>,
    /// Audit entries made by this run (for their keys).
    audit_seq: std::sync::atomic::AtomicU64,
    /// Usage records made by this run (for their keys).
    stats_seq: std::sync::atomic::AtomicU64,
    /// Reading the numbers and rolling them up, one at a time.
    stats_lock: Mutex<()>,
    /// The clinic day the numbers were last rolled up.
    stats_rolled: Mutex<Option<jiff::civil::Date>>,
}

#[derive(Clone)]
struct Loaded {
    knowledge: Arc<Knowledge>,
    classifier: Arc<Classifier>,
}

impl Loaded {
    fn new(knowledge: Arc<Knowledge>) -> Loaded {
        let classifier = Arc::new(Classifier::new(&knowledge));
        Loaded {
            knowledge,
            classifier,
        }
    }
}

/// What an incoming message is for, worked out once before anything acts.
enum Route {
    /// `/forget` or its confirmation: works whatever state the chat is in,
    /// even a record that can no longer be read.
    Privacy(privacy::PrivacyAction),
    /// Something shaped like an appointment link code (a mistyped one
    /// too: it is told invalid, not kept as an unanswered question).
    Link(String),
    /// Confirm, cancel or reschedule (a reminder's button names the
    /// appointment).
    Appointment(PatientAction, Option<String>),
    /// Delivered before (after a crash): nothing changes.
    Redelivery(Conversation),
    /// The chat's state, and whether it is new (nothing was stored).
    Dialogue(Conversation, bool),
}

impl<S: Store> Engine<S> {
    pub fn new(store: S, knowledge: Arc<Knowledge>) -> Engine<S> {
        Engine {
            names: records::RecordNames::new(store.naming_secret()),
            store,
            loaded: RwLock::new(Loaded::new(knowledge)),
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: Default::default(),
            tickets: Mutex::new(()),
            appointments_lock: Mutex::new(()),
            lessons: Mutex::new(()),
            run: std::collections::hash_map::RandomState::new().hash_one(std::process::id()),
            alerts_made: Default::default(),
            write_failures: Default::default(),
            accounts_lock: Mutex::new(()),
            audit_seq: Default::default(),
            stats_seq: Default::default(),
            stats_lock: Mutex::new(()),
            stats_rolled: Mutex::new(None),
        }
    }

    fn loaded(&self) -> Loaded {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.loaded().knowledge
    }

    pub fn classifier(&self) -> Arc<Classifier> {
        self.loaded().classifier
    }

    /// Swaps in a newly loaded knowledge folder and a classifier built from
    /// it (built before the swap); conversations carry on.
    pub fn replace_knowledge(&self, knowledge: Arc<Knowledge>) {
        let loaded = Loaded::new(knowledge);
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
    }

    /// Answers with a semantic model trained for `knowledge`, if that is
    /// still the folder in use (a reload meanwhile trains its own). Returns
    /// whether it was installed.
    pub fn install_semantic(
        &self,
        knowledge: &Arc<Knowledge>,
        model: Arc<dyn crate::understand::Semantic>,
    ) -> bool {
        let classifier = Arc::new(Classifier::with_semantic(knowledge, model));
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&loaded.knowledge, knowledge) {
            return false;
        }
        loaded.classifier = classifier;
        true
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one message from a patient.
    pub fn handle(&self, incoming: &Incoming) -> Response {
        let loaded = self.loaded();
        let _guard = self.lock_chat(&incoming.chat);
        // A typed number, label or yes/no presses a button of the latest
        // prompt, whoever made it (the dialogue, or the engine below).
        // A private text message's state is read once, for both the press
        // and the route.
        let stored = typed_in_private(incoming).then(|| self.conversation(&incoming.chat));
        let pressed = match &stored {
            Some(Ok(Some(conversation))) => pressed_by_typing(incoming, conversation),
            _ => None,
        };
        let incoming = pressed.as_ref().unwrap_or(incoming);
        let (response, by_dialogue) = self.dispatch(&loaded, incoming, stored);
        // The dialogue keeps its own prompts with the state it saves.
        if !by_dialogue && !response.replies.is_empty() {
            self.remember_prompt(incoming, &response);
        }
        response
    }

    /// Makes the buttons of a reply made outside the dialogue (the forget
    /// question, an appointment's cancel check) the latest prompt, and
    /// forgets an older prompt once any other reply was sent. The dialogue
    /// keeps its own prompts, so this writes only when they differ.
    fn remember_prompt(&self, incoming: &Incoming, response: &Response) {
        // Best effort, and never while writes fail (each would count).
        if incoming.shared || !self.store_is_clean() {
            return;
        }
        let Some(last) = response.replies.last() else {
            return;
        };
        let offered = dialogue::Offered::of(last);
        let Ok(stored) = self.conversation(&incoming.chat) else {
            return;
        };
        // Deleted (a forget), or never started and nothing to remember.
        if stored.is_none() && (offered.is_empty() || is_forget_confirmation(incoming)) {
            return;
        }
        let mut conversation = stored.unwrap_or_default();
        if conversation.offered == offered {
            return;
        }
        conversation.offered = offered;
        let mut batch = Batch::default();
        batch.put(
            keys::conversation(&self.name(&incoming.chat)),
            encode(&conversation),
        );
        if let Err(e) = self.apply(batch) {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot save the latest prompt");
        }
    }

    /// Routes a message and carries it out; says whether the dialogue
    /// answered it. `stored` is the chat's state when it was read already.
    fn dispatch(
        &self,
        loaded: &Loaded,
        incoming: &Incoming,
        stored: Option<Stored>,
    ) -> (Response, bool) {
        let failed = |what: &str, e: EngineError| {
            tracing::error!(chat = %incoming.chat, error = %e, "{what}");
            let mut response = internal_error(&loaded.knowledge, incoming, Vec::new(), Vec::new());
            if self.first_write_failure() {
                response.desk.push(DeskEvent::StoreFailing);
            }
            response
        };
        let route = match self.route(incoming, stored) {
            Ok(route) => route,
            Err(e) => return (failed("cannot load conversation", e), false),
        };
        let by_dialogue = matches!(route, Route::Dialogue(..) | Route::Redelivery(_));
        let response = match route {
            Route::Privacy(action) => self
                .privacy_action(action, incoming)
                .unwrap_or_else(|e| failed("cannot delete patient data", e)),
            Route::Link(code) => match self.link(&code, incoming) {
                Ok(Some(reply)) => Response {
                    replies: vec![reply],
                    ..Response::default()
                },
                Ok(None) => match self.conversation(&incoming.chat) {
                    Ok(c) => self.converse(loaded, c.is_none(), c.unwrap_or_default(), incoming),
                    Err(e) => failed("cannot load conversation", e),
                },
                Err(e) => failed("cannot link an appointment", e),
            },
            Route::Appointment(action, appointment) => self
                .patient_action(action, appointment.as_deref(), incoming)
                .unwrap_or_else(|e| failed("cannot act on an appointment", e)),
            Route::Redelivery(conversation) => redelivered(loaded, conversation, incoming),
            Route::Dialogue(conversation, new) => {
                self.converse(loaded, new, conversation, incoming)
            }
        };
        (response, by_dialogue)
    }

    /// Works out what a message is for. Only the dialogue and redelivery
    /// need the chat's state.
    fn route(&self, incoming: &Incoming, stored: Option<Stored>) -> Result<Route, EngineError> {
        if let Some(action) = privacy::PrivacyAction::of(incoming) {
            return Ok(Route::Privacy(action));
        }
        // In a shared chat the dialogue says to write privately instead.
        if let Some(code) = link_attempt(&incoming.input).filter(|_| !incoming.shared) {
            return Ok(Route::Link(code));
        }
        if let Some((action, appointment)) = appointment_action(incoming) {
            return Ok(Route::Appointment(action, appointment));
        }
        let stored = stored.unwrap_or_else(|| self.conversation(&incoming.chat));
        let stored = stored?;
        let new = stored.is_none();
        let conversation = stored.unwrap_or_default();
        Ok(match (incoming.sequence, conversation.last_sequence) {
            (Some(seq), Some(last)) if seq <= last => Route::Redelivery(conversation),
            _ => Route::Dialogue(conversation, new),
        })
    }

    /// One step of the dialogue, its hand-off change and its records (the
    /// usage records for the numbers too), saved in one batch. `new` when
    /// the chat had no stored state. An emergency answer goes out whatever
    /// happens to storage.
    fn converse(
        &self,
        loaded: &Loaded,
        new: bool,
        conversation: Conversation,
        incoming: &Incoming,
    ) -> Response {
        let knowledge = &loaded.knowledge;
        let was_handed_off = conversation.state.is_handed_off();
        let mut transition = dialogue::step(knowledge, &loaded.classifier, conversation, incoming);
        if incoming.sequence.is_some() {
            transition.conversation.last_sequence = incoming.sequence;
        }
        let mut batch = Batch::default();
        let mut desk = Vec::new();
        // Tickets change only around a hand-off; other messages (nearly all)
        // do not wait for the tickets lock, nor hold it through the flush.
        let involves_ticket =
            was_handed_off || matches!(transition.handoff, Some(HandoffChange::Open(_)));
        let _tickets =
            involves_ticket.then(|| self.tickets.lock().unwrap_or_else(|e| e.into_inner()));
        if let Err(e) =
            self.ticket_changes(incoming, &transition, was_handed_off, &mut batch, &mut desk)
        {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot update the hand-off ticket");
            return internal_error(knowledge, incoming, Vec::new(), transition.staff);
        }
        self.count_message(new, incoming, &transition, &mut batch);
        batch.put(
            keys::conversation(&self.name(&incoming.chat)),
            encode(&transition.conversation),
        );
        if let Some(text) = transition.unanswered {
            let entry = UnansweredEntry {
                chat: incoming.chat.clone(),
                text,
                at: incoming.at,
                settled: None,
            };
            batch.put(
                keys::unanswered(&self.name(&incoming.chat), incoming.at),
                encode(&entry),
            );
        }
        if let Some(record) = &transition.screen {
            batch.put(
                keys::screen(&self.name(&record.chat), record.completed),
                encode(record),
            );
        }
        let (alerts, desk) = self.to_outbox(&incoming.chat, desk, incoming.at, &mut batch);
        if let Err(e) = self.apply(batch) {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot save conversation");
            let emergencies = transition
                .replies
                .into_iter()
                .filter(|r| r.kind == ReplyKind::Emergency)
                .collect();
            let mut response = internal_error(knowledge, incoming, emergencies, transition.staff);
            // The alerts still go, once, without the outbox behind them.
            response.desk = alerts.into_iter().map(|a| a.event).collect();
            if self.first_write_failure() {
                response.desk.push(DeskEvent::StoreFailing);
            }
            return response;
        }
        Response {
            replies: transition.replies,
            staff: transition.staff,
            alerts,
            desk,
        }
    }

    fn lock_chat(&self, chat: &ChatKey) -> std::sync::MutexGuard<'_, ()> {
        self.lock_name(&self.name(chat))
    }

    /// The same lock as [`Engine::lock_chat`], by the chat's name in keys.
    fn lock_name(&self, name: &records::ChatName) -> std::sync::MutexGuard<'_, ()> {
        let stripe = &self.stripes[self.hasher.hash_one(name) as usize % LOCK_STRIPES];
        stripe.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The chat's name in record keys.
    fn name(&self, chat: &ChatKey) -> records::ChatName {
        self.names.of(chat)
    }

    /// Everything time brings at `now`: tickets to announce again, reminders
    /// and the daily digest. `serves` says which platforms have an adapter
    /// running (reminders for the others wait). Called every minute.
    pub fn tick(
        &self,
        now: Timestamp,
        serves: &dyn Fn(Platform) -> bool,
    ) -> Result<Vec<Delivery>, EngineError> {
        let mut deliveries = Vec::new();
        // Desk events wait until a desk's adapter runs.
        if serves(Platform::Telegram) || serves(Platform::Discord) {
            deliveries.extend(
                self.due_reannouncements(now)?
                    .into_iter()
                    .map(Delivery::desk),
            );
            deliveries.extend(self.due_digest(now)?.map(Delivery::desk));
            deliveries.extend(self.due_waiting_notices(now, serves)?);
            deliveries.extend(self.due_alerts(now)?);
        }
        deliveries.extend(self.due_reminders(now, serves)?);
        deliveries.extend(self.sweep_when_due(now));
        self.roll_up_when_due(now);
        Ok(deliveries)
    }

    /// Runs [`Engine::tick`] and hands what is due to the router's adapters
    /// (which retry until the platform takes it). Returns how many.
    pub fn tick_and_route(&self, now: Timestamp, router: &Router) -> Result<usize, EngineError> {
        let deliveries = self.tick(now, &|p| router.serves(p))?;
        let count = deliveries.len();
        deliveries.into_iter().for_each(|d| router.deliver(d));
        Ok(count)
    }
}

/// The press that confirms `/forget`: after it there is nothing to keep.
fn is_forget_confirmation(incoming: &Incoming) -> bool {
    matches!(&incoming.input, Input::Choice(id) if id == privacy::FORGET_YES)
}

/// A message handled before (the platform delivered it again after a
/// crash): nothing changes. In the middle of the screen, the current question
/// is asked again, in case the crash came before it was sent.
fn redelivered(loaded: &Loaded, conversation: Conversation, incoming: &Incoming) -> Response {
    tracing::info!(chat = %incoming.chat, "a message delivered twice was recognised");
    if !matches!(conversation.state, State::Screening(_)) {
        return Response::default();
    }
    let again = Incoming {
        input: Input::Command(Command::Screen),
        ..incoming.clone()
    };
    let transition = dialogue::step(&loaded.knowledge, &loaded.classifier, conversation, &again);
    Response {
        replies: transition.replies,
        ..Response::default()
    }
}

fn internal_error(
    knowledge: &Knowledge,
    incoming: &Incoming,
    mut replies: Vec<Reply>,
    staff: Vec<StaffEvent>,
) -> Response {
    let locale = incoming.locale_hint.unwrap_or(Locale::En);
    replies.push(info(&knowledge.messages(locale).internal_error));
    Response {
        replies,
        staff,
        ..Response::default()
    }
}

fn info(text: &str) -> Reply {
    Reply::outside_dialogue(ReplyKind::Info, text)
}

/// A chat's state as read from the store: `None` before its first message.
type Stored = Result<Option<Conversation>, EngineError>;

/// Whether typed words may press a button: text, in a private chat.
fn typed_in_private(incoming: &Incoming) -> bool {
    matches!(incoming.input, Input::Text(_)) && !incoming.shared
}

/// A typed message that presses a button of the latest prompt, as the
/// press.
fn pressed_by_typing(incoming: &Incoming, conversation: &Conversation) -> Option<Incoming> {
    let Input::Text(text) = &incoming.input else {
        return None;
    };
    let id = dialogue::typed_choice(text, &conversation.offered)?;
    Some(Incoming {
        input: Input::Choice(id.to_owned()),
        ..incoming.clone()
    })
}

/// A message that may be an appointment link code: `/start CODE` (a Telegram
/// deep link) or the code on its own, mistyped too (it is then not found,
/// and `link` says it is invalid).
fn link_attempt(input: &Input) -> Option<String> {
    match input {
        Input::Command(Command::Start { payload: Some(p) }) => {
            crate::appointments::normalize_code(p)
        }
        Input::Text(t) => crate::appointments::normalize_code(t).or_else(|| {
            crate::appointments::looks_like_code(t).then(|| t.trim().to_ascii_uppercase())
        }),
        _ => None,
    }
}

/// A patient's confirm/cancel/reschedule: a reminder's button (naming the
/// appointment) or a command. Not in shared chats, where the dialogue moves
/// the patient to a private one.
fn appointment_action(incoming: &Incoming) -> Option<(PatientAction, Option<String>)> {
    if incoming.shared {
        return None;
    }
    match &incoming.input {
        Input::Choice(id) => PatientAction::parse_button(id).map(|(a, id)| (a, Some(id))),
        Input::Command(Command::Appointment(a)) => Some((*a, None)),
        _ => None,
    }
}
