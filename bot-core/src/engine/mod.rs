//! The engine: the one entry point adapters call. It serialises messages per
//! chat, loads the chat's [`Conversation`] from the store, runs the pure
//! [`dialogue::step`], and writes the new state and any records in one atomic
//! batch before returning what to send.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::dialogue::{
    self, Conversation, Incoming, Reply, ReplyKind, ScreenRecord, StaffEvent, State,
};
use crate::handoff::{
    Actor, DeskEvent, Line, Speaker, StaffAction, Ticket, TicketStatus, text as staff_text,
};
use crate::ids::{ChatKey, Locale};
use crate::knowledge::Knowledge;
use crate::ports::{Batch, Store, StoreError};
use crate::text::fold;

mod appointments;
mod privacy;
mod retention;

pub use privacy::{FORGET_NO, FORGET_YES, Forgotten};
pub use retention::SweepReport;

/// Why an engine operation failed (message handling itself never fails: the
/// patient gets a polite message and the error is logged).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to send after one incoming message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
    /// What the staff desks should show.
    pub desk: Vec<DeskEvent>,
}

/// What a staff action produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaffOutcome {
    /// Answers for the staff member who acted (privately).
    pub to_staff: Vec<String>,
    /// For the acting staff member only, never a shared desk (full
    /// screening answers).
    pub private: Vec<String>,
    /// Messages for patients, on whatever platform they are.
    pub to_patients: Vec<(ChatKey, Reply)>,
    pub desk: Vec<DeskEvent>,
}

/// A question the bot could not answer, as logged for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredEntry {
    pub chat: ChatKey,
    pub text: String,
    pub at: Timestamp,
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
    knowledge: RwLock<Arc<Knowledge>>,
    /// Messages of one chat are handled one at a time (read-modify-write of its
    /// state); chats are spread over a fixed set of locks.
    stripes: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
    /// Ticket numbers and ticket records change one at a time.
    tickets: Mutex<()>,
    /// Appointment records change one at a time (taken after the others).
    appointments_lock: Mutex<()>,
    /// This engine's run, random: a reminder still marked as being sent by
    /// another run was cut off by an abrupt stop.
    run: u64,
}

mod keys {
    use crate::ids::ChatKey;
    use jiff::Timestamp;

    pub const UNANSWERED: &str = "unanswered/";
    pub const SCREENS: &str = "screen/";
    pub const TICKETS: &str = "ticket/";
    pub const APPOINTMENTS: &str = "appt/";

    pub fn appointment(id: &str) -> String {
        format!("{APPOINTMENTS}{id}")
    }

    /// The appointment a link code belongs to.
    pub fn link_code(code: &str) -> String {
        format!("appt-code/{code}")
    }

    /// The appointments linked to a chat (empty values; the id is the key's end).
    pub fn chat_appointments(chat: &ChatKey) -> String {
        format!("appt-chat/{chat}/")
    }

    pub fn chat_appointment(chat: &ChatKey, id: &str) -> String {
        format!("{}{id}", chat_appointments(chat))
    }

    /// The day's digest was sent (or decided).
    pub fn digest(day: jiff::civil::Date) -> String {
        format!("meta/digest/{day}")
    }

    /// A chat's completed screens.
    pub fn screens_of(chat: &ChatKey) -> String {
        format!("{SCREENS}{chat}/")
    }
    pub const TICKET_COUNTER: &str = "meta/ticket-counter";

    pub fn ticket(number: u64) -> String {
        format!("{TICKETS}{number:010}")
    }

    /// The open ticket of a chat, if any.
    pub fn open_ticket(chat: &ChatKey) -> String {
        format!("ticket-open/{chat}")
    }

    pub fn conversation(chat: &ChatKey) -> String {
        format!("conv/{chat}")
    }

    /// Per chat, then in time order.
    pub fn screen(chat: &ChatKey, at: Timestamp) -> String {
        format!("{}{:020}", screens_of(chat), at.as_nanosecond())
    }

    /// Time first so a scan lists them in order; the chat keeps keys unique.
    pub fn unanswered(chat: &ChatKey, at: Timestamp) -> String {
        format!("{UNANSWERED}{:020}/{chat}", at.as_nanosecond())
    }
}

impl<S: Store> Engine<S> {
    pub fn new(store: S, knowledge: Arc<Knowledge>) -> Engine<S> {
        Engine {
            store,
            knowledge: RwLock::new(knowledge),
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: Default::default(),
            tickets: Mutex::new(()),
            appointments_lock: Mutex::new(()),
            run: {
                use std::hash::BuildHasher;
                std::collections::hash_map::RandomState::new().hash_one(std::process::id())
            },
        }
    }

    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Swaps in a newly loaded knowledge folder; conversations carry on.
    pub fn replace_knowledge(&self, knowledge: Arc<Knowledge>) {
        *self.knowledge.write().unwrap_or_else(|e| e.into_inner()) = knowledge;
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one message from a patient.
    pub fn handle(&self, incoming: &Incoming) -> Outcome {
        let knowledge = self.knowledge();
        let _guard = self.lock_chat(&incoming.chat);

        // Deleting one's data works whatever state the chat is in, even a
        // record that can no longer be read.
        if let Some(action) = privacy::PrivacyAction::of(incoming) {
            return self.privacy_action(action, incoming).unwrap_or_else(|e| {
                tracing::error!(chat = %incoming.chat, error = %e, "cannot delete patient data");
                internal_error(&knowledge, incoming, Vec::new(), Vec::new())
            });
        }
        let conversation = match self.conversation(&incoming.chat) {
            Ok(c) => c.unwrap_or_default(),
            Err(e) => {
                tracing::error!(chat = %incoming.chat, error = %e, "cannot load conversation");
                return internal_error(&knowledge, incoming, Vec::new(), Vec::new());
            }
        };
        if let Some(code) = link_attempt(&incoming.input) {
            match self.link(&code, incoming) {
                Ok(Some(reply)) => {
                    return Outcome {
                        replies: vec![reply],
                        ..Outcome::default()
                    };
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(chat = %incoming.chat, error = %e, "cannot link an appointment");
                    return internal_error(&knowledge, incoming, Vec::new(), Vec::new());
                }
            }
        }
        if let Some((action, appointment)) = appointment_action(incoming) {
            return self
                .patient_action(action, appointment.as_deref(), incoming)
                .unwrap_or_else(|e| {
                    tracing::error!(chat = %incoming.chat, error = %e, "cannot act on an appointment");
                    internal_error(&knowledge, incoming, Vec::new(), Vec::new())
                });
        }
        if let (Some(seq), Some(last)) = (incoming.sequence, conversation.last_sequence) {
            if seq <= last {
                return redelivered(&knowledge, conversation, incoming);
            }
        }
        let was_handed_off = conversation.state == State::HandedOff;
        let mut step = dialogue::step(&knowledge, conversation, incoming);
        if incoming.sequence.is_some() {
            step.conversation.last_sequence = incoming.sequence;
        }
        let mut batch = Batch::default();
        let mut desk = Vec::new();
        // Tickets change only around a hand-off; other messages (nearly all)
        // do not wait for the tickets lock, nor hold it through the flush.
        let involves_ticket = was_handed_off || step.conversation.state == State::HandedOff;
        let _tickets =
            involves_ticket.then(|| self.tickets.lock().unwrap_or_else(|e| e.into_inner()));
        if let Err(e) = self.ticket_changes(incoming, &step, was_handed_off, &mut batch, &mut desk)
        {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot update the hand-off ticket");
            return internal_error(&knowledge, incoming, Vec::new(), step.staff);
        }
        batch.put(
            keys::conversation(&incoming.chat),
            encode(&step.conversation),
        );
        if let Some(text) = step.unanswered {
            let entry = UnansweredEntry {
                chat: incoming.chat.clone(),
                text,
                at: incoming.at,
            };
            batch.put(
                keys::unanswered(&incoming.chat, incoming.at),
                encode(&entry),
            );
        }
        if let Some(record) = &step.screen {
            batch.put(keys::screen(&record.chat, record.completed), encode(record));
        }
        if let Err(e) = self.store.apply(batch) {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot save conversation");
            // An emergency answer goes out whatever happens to storage.
            let emergencies = step
                .replies
                .into_iter()
                .filter(|r| r.kind == ReplyKind::Emergency)
                .collect();
            return internal_error(&knowledge, incoming, emergencies, step.staff);
        }
        Outcome {
            replies: step.replies,
            staff: step.staff,
            desk,
        }
    }

    fn lock_chat(&self, chat: &ChatKey) -> std::sync::MutexGuard<'_, ()> {
        let stripe = &self.stripes[self.hasher.hash_one(chat) as usize % LOCK_STRIPES];
        stripe.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens, feeds or closes the chat's ticket as the step requires.
    fn ticket_changes(
        &self,
        incoming: &Incoming,
        step: &dialogue::Step,
        was_handed_off: bool,
        batch: &mut Batch,
        desk: &mut Vec<DeskEvent>,
    ) -> Result<(), EngineError> {
        let chat = &incoming.chat;
        let handed_off = step.conversation.state == State::HandedOff;
        if handed_off && !was_handed_off {
            let reason = step
                .staff
                .iter()
                .find_map(|e| match e {
                    StaffEvent::HumanRequested { reason, .. } => Some(*reason),
                    _ => None,
                })
                .unwrap_or(dialogue::HandoffReason::Asked);
            let patient = incoming
                .display_name
                .clone()
                .unwrap_or_else(|| chat.to_string());
            let recent = step.conversation.recent.clone();
            desk.push(self.open_ticket(chat, patient, reason, recent, incoming.at, batch)?);
            return Ok(());
        }
        if !was_handed_off {
            return Ok(());
        }
        let Some(mut ticket) = self.open_ticket_of(chat)? else {
            return Ok(());
        };
        if let Some(text) = &step.relay {
            ticket.transcript.push(Line {
                from: Speaker::Patient,
                text: text.clone(),
                at: incoming.at,
            });
            desk.push(DeskEvent::PatientWrote {
                number: ticket.number,
                text: text.clone(),
                claimed_by: match &ticket.status {
                    TicketStatus::Claimed {
                        platform, user_id, ..
                    } => Some((*platform, user_id.clone())),
                    _ => None,
                },
            });
        }
        for event in &step.staff {
            if let StaffEvent::Emergency { flag, .. } = event {
                ticket.emergency = true;
                desk.push(DeskEvent::EmergencyDuringHandoff {
                    number: ticket.number,
                    flag: *flag,
                });
            }
        }
        if step.end_handoff {
            ticket.status = TicketStatus::Closed {
                by: "the patient".into(),
                at: incoming.at,
            };
            batch.delete(keys::open_ticket(chat));
            desk.push(DeskEvent::Closed {
                number: ticket.number,
                by: "the patient".into(),
            });
        }
        batch.put(keys::ticket(ticket.number), encode(&ticket));
        Ok(())
    }

    /// Adds a new ticket for the chat to the batch; the caller holds the
    /// tickets lock. Returns what the desks should show.
    fn open_ticket(
        &self,
        chat: &ChatKey,
        patient: String,
        reason: dialogue::HandoffReason,
        recent: Vec<String>,
        at: Timestamp,
        batch: &mut Batch,
    ) -> Result<DeskEvent, EngineError> {
        let number = match self.store.get(keys::TICKET_COUNTER)? {
            Some(bytes) => decode::<u64>(keys::TICKET_COUNTER, &bytes)? + 1,
            None => 1,
        };
        let ticket = Ticket {
            number,
            chat: chat.clone(),
            patient: patient.clone(),
            reason,
            opened: at,
            announced: at,
            status: TicketStatus::Open,
            recent: recent.clone(),
            transcript: Vec::new(),
            emergency: false,
        };
        batch.put(keys::TICKET_COUNTER, encode(&number));
        batch.put(keys::open_ticket(chat), encode(&number));
        batch.put(keys::ticket(number), encode(&ticket));
        Ok(DeskEvent::Opened {
            number,
            patient,
            platform: chat.platform(),
            reason,
            recent,
        })
    }

    fn open_ticket_of(&self, chat: &ChatKey) -> Result<Option<Ticket>, EngineError> {
        let key = keys::open_ticket(chat);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(None);
        };
        self.ticket(decode(&key, &bytes)?)
    }

    /// A ticket by number.
    pub fn ticket(&self, number: u64) -> Result<Option<Ticket>, EngineError> {
        let key = keys::ticket(number);
        match self.store.get(&key)? {
            Some(bytes) => decode(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Tickets not yet closed, oldest first.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>, EngineError> {
        let mut list = Vec::new();
        for (key, bytes) in self.store.scan_prefix(keys::TICKETS)? {
            let ticket: Ticket = decode(&key, &bytes)?;
            if !ticket.is_closed() {
                list.push(ticket);
            }
        }
        Ok(list)
    }

    /// Unclaimed tickets waiting longer than the desk's re-announce time, to
    /// post again; marks them announced now.
    pub fn due_reannouncements(&self, now: Timestamp) -> Result<Vec<DeskEvent>, EngineError> {
        let wait = jiff::SignedDuration::from_mins(
            self.knowledge().desk().reannounce_after_minutes.into(),
        );
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Batch::default();
        let mut events = Vec::new();
        for mut ticket in self.open_tickets()? {
            let due = ticket.status == TicketStatus::Open
                && ticket
                    .announced
                    .saturating_add(wait)
                    .is_ok_and(|t| t <= now);
            if due {
                ticket.announced = now;
                events.push(DeskEvent::Reannounced {
                    number: ticket.number,
                    patient: ticket.patient.clone(),
                    platform: ticket.chat.platform(),
                    waiting_minutes: now.duration_since(ticket.opened).as_mins(),
                });
                batch.put(keys::ticket(ticket.number), encode(&ticket));
            }
        }
        self.store.apply(batch)?;
        Ok(events)
    }

    /// Everything time brings at `now`: tickets to announce again, reminders
    /// and the daily digest. `serves` says which platforms have an adapter
    /// running (reminders for the others wait). Called every minute.
    pub fn tick(
        &self,
        now: Timestamp,
        serves: &dyn Fn(crate::ids::Platform) -> bool,
    ) -> Result<Vec<crate::handoff::Delivery>, EngineError> {
        use crate::handoff::Delivery;
        use crate::ids::Platform;
        let mut deliveries = Vec::new();
        // Desk events wait until a desk's adapter runs.
        if serves(Platform::Telegram) || serves(Platform::Discord) {
            deliveries.extend(
                self.due_reannouncements(now)?
                    .into_iter()
                    .map(Delivery::desk),
            );
            deliveries.extend(self.due_digest(now)?.map(Delivery::desk));
        }
        deliveries.extend(self.due_reminders(now, serves)?);
        self.sweep_when_due(now);
        Ok(deliveries)
    }

    /// Runs [`Engine::tick`] and hands what is due to the router's adapters
    /// (which retry until the platform takes it). Returns how many.
    pub fn tick_and_route(
        &self,
        now: Timestamp,
        router: &crate::handoff::Router,
    ) -> Result<usize, EngineError> {
        let deliveries = self.tick(now, &|p| router.serves(p))?;
        let count = deliveries.len();
        deliveries.into_iter().for_each(|d| router.deliver(d));
        Ok(count)
    }

    /// A staff member's action. Only configured staff may act: anyone else
    /// gets a polite refusal and nothing changes.
    pub fn handle_staff(
        &self,
        who: &Actor,
        action: &StaffAction,
        at: Timestamp,
    ) -> Result<StaffOutcome, EngineError> {
        let knowledge = self.knowledge();
        let mut out = StaffOutcome::default();
        let Some(name) = knowledge.desk().staff_name(who) else {
            out.to_staff.push(staff_text::NOT_STAFF.into());
            return Ok(out);
        };
        let number = match action {
            StaffAction::Appointments(_)
            | StaffAction::Book { .. }
            | StaffAction::Unbook(_)
            | StaffAction::Digest => return self.staff_appointments(action, at),
            StaffAction::Queue => {
                let list = self.open_tickets()?;
                if list.is_empty() {
                    out.to_staff.push(staff_text::QUEUE_EMPTY.into());
                }
                for t in list {
                    out.to_staff.push(format!(
                        "#{} {} ({}), waiting {} min, {}",
                        t.number,
                        t.patient,
                        t.chat.platform(),
                        at.duration_since(t.opened).as_mins(),
                        t.claimed_by()
                            .map_or("unclaimed".to_owned(), |b| format!("claimed by {b}")),
                    ));
                }
                return Ok(out);
            }
            StaffAction::Claim(n)
            | StaffAction::Reply(n, _)
            | StaffAction::Close(n)
            | StaffAction::Screening(n) => *n,
        };
        // Locks in the same order as `handle`: the patient's chat, then tickets.
        let chat = self.ticket(number)?.map(|t| t.chat);
        let _chat = chat.as_ref().map(|c| self.lock_chat(c));
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mut ticket) = self.ticket(number)?.filter(|t| !t.is_closed()) else {
            out.to_staff.push(staff_text::NO_SUCH_TICKET.into());
            return Ok(out);
        };
        let mine = matches!(&ticket.status, TicketStatus::Claimed { platform, user_id, .. }
            if *platform == who.platform && *user_id == who.user_id);
        let mut batch = Batch::default();
        match action {
            StaffAction::Claim(_) => {
                if let Some(by) = ticket.claimed_by().filter(|_| !mine) {
                    out.to_staff
                        .push(format!("{} {by}.", staff_text::ALREADY_CLAIMED));
                    return Ok(out);
                }
                ticket.status = TicketStatus::Claimed {
                    by: name.clone(),
                    platform: who.platform,
                    user_id: who.user_id.clone(),
                    at,
                };
                out.to_staff
                    .push(format!("{} #{number}.", staff_text::CLAIMED));
                out.desk.push(DeskEvent::Claimed { number, by: name });
            }
            StaffAction::Reply(_, text) => {
                if !mine {
                    out.to_staff.push(staff_text::NOT_YOURS.into());
                    return Ok(out);
                }
                ticket.transcript.push(Line {
                    from: Speaker::Staff(name),
                    text: text.clone(),
                    at,
                });
                out.to_patients.push((
                    ticket.chat.clone(),
                    Reply::outside_dialogue(
                        ReplyKind::FromStaff,
                        format!("{}: {text}", knowledge.clinic.name),
                    ),
                ));
                out.to_staff.push(staff_text::SENT.into());
            }
            StaffAction::Close(_) => {
                ticket.status = TicketStatus::Closed {
                    by: name.clone(),
                    at,
                };
                batch.delete(keys::open_ticket(&ticket.chat));
                // The patient is back with the bot (their chat is locked above).
                let mut conversation = self.conversation(&ticket.chat)?.unwrap_or_default();
                if conversation.state == State::HandedOff {
                    conversation.state = State::Idle;
                }
                let locale = conversation.locale.unwrap_or(crate::ids::Locale::En);
                batch.put(keys::conversation(&ticket.chat), encode(&conversation));
                out.to_patients.push((
                    ticket.chat.clone(),
                    Reply::outside_dialogue(
                        ReplyKind::Info,
                        &knowledge.messages(locale).handoff_ended,
                    ),
                ));
                out.to_staff.push(staff_text::CLOSED.into());
                out.desk.push(DeskEvent::Closed { number, by: name });
            }
            StaffAction::Screening(_) => {
                let latest = self
                    .screenings()?
                    .into_iter()
                    .find(|r| r.chat == ticket.chat);
                match latest {
                    None => out.to_staff.push(staff_text::NO_SCREEN.into()),
                    Some(record) => {
                        let mut text = format!(
                            "Ticket #{number}, health screen of {}: {} ({}).",
                            record.completed,
                            record.outcome.as_str(),
                            record.flags.join(", ")
                        );
                        for (question, answer) in &record.answers {
                            text.push_str(&format!("\n{question}: {answer}"));
                        }
                        out.private.push(text);
                        out.to_staff.push(staff_text::SENT_PRIVATELY.into());
                    }
                }
                return Ok(out);
            }
            _ => unreachable!("handled above"),
        }
        batch.put(keys::ticket(number), encode(&ticket));
        self.store.apply(batch)?;
        Ok(out)
    }

    /// The stored state of a chat, if it has one.
    pub fn conversation(&self, chat: &ChatKey) -> Result<Option<Conversation>, EngineError> {
        let key = keys::conversation(chat);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(None);
        };
        decode(&key, &bytes).map(Some)
    }

    /// Completed health screens, newest first.
    pub fn screenings(&self) -> Result<Vec<ScreenRecord>, EngineError> {
        let mut list = self
            .store
            .scan_prefix(keys::SCREENS)?
            .into_iter()
            .map(|(key, bytes)| decode::<ScreenRecord>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by_key(|s| std::cmp::Reverse(s.completed));
        Ok(list)
    }

    /// Unanswered questions, most frequent first.
    pub fn unanswered(&self) -> Result<Vec<UnansweredSummary>, EngineError> {
        let mut groups: std::collections::HashMap<String, UnansweredSummary> = Default::default();
        for (key, bytes) in self.store.scan_prefix(keys::UNANSWERED)? {
            let entry: UnansweredEntry = decode(&key, &bytes)?;
            let group = groups
                .entry(fold(&entry.text))
                .or_insert_with(|| UnansweredSummary {
                    text: entry.text.clone(),
                    count: 0,
                    last_seen: entry.at,
                });
            group.count += 1;
            if entry.at >= group.last_seen {
                group.last_seen = entry.at;
                group.text = entry.text;
            }
        }
        let mut list: Vec<_> = groups.into_values().collect();
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.last_seen.cmp(&a.last_seen))
                .then(a.text.cmp(&b.text))
        });
        Ok(list)
    }
}

/// A message handled before (the platform delivered it again after a
/// crash): nothing changes. In the middle of the screen, the current question
/// is asked again, in case the crash came before it was sent.
fn redelivered(knowledge: &Knowledge, conversation: Conversation, incoming: &Incoming) -> Outcome {
    tracing::info!(chat = %incoming.chat, "a message delivered twice was recognised");
    if !matches!(conversation.state, State::Screening(_)) {
        return Outcome::default();
    }
    let again = Incoming {
        input: crate::dialogue::Input::Command(crate::dialogue::Command::Screen),
        ..incoming.clone()
    };
    let step = dialogue::step(knowledge, conversation, &again);
    Outcome {
        replies: step.replies,
        ..Outcome::default()
    }
}

fn internal_error(
    knowledge: &Knowledge,
    incoming: &Incoming,
    mut replies: Vec<Reply>,
    staff: Vec<StaffEvent>,
) -> Outcome {
    let locale = incoming.locale_hint.unwrap_or(Locale::En);
    replies.push(info(&knowledge.messages(locale).internal_error));
    Outcome {
        replies,
        staff,
        desk: Vec::new(),
    }
}

fn info(text: &str) -> Reply {
    Reply::outside_dialogue(ReplyKind::Info, text)
}

/// A message that may be an appointment link code: `/start CODE` (a Telegram
/// deep link) or the code on its own.
fn link_attempt(input: &crate::dialogue::Input) -> Option<String> {
    use crate::dialogue::{Command, Input};
    match input {
        Input::Command(Command::Start { payload: Some(p) }) => {
            crate::appointments::normalize_code(p)
        }
        Input::Text(t) => crate::appointments::normalize_code(t),
        _ => None,
    }
}

/// A patient's confirm/cancel/reschedule: a reminder's button (naming the
/// appointment) or a command. Not in shared chats, where the dialogue moves
/// the patient to a private one.
fn appointment_action(
    incoming: &Incoming,
) -> Option<(crate::appointments::PatientAction, Option<String>)> {
    use crate::appointments::PatientAction;
    use crate::dialogue::{Command, Input};
    if incoming.shared {
        return None;
    }
    match &incoming.input {
        Input::Choice(id) => PatientAction::parse_button(id).map(|(a, id)| (a, Some(id))),
        Input::Command(Command::Appointment(a)) => Some((*a, None)),
        _ => None,
    }
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data structs to JSON cannot fail.
    serde_json::to_vec(value).expect("records serialise to JSON")
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, EngineError> {
    serde_json::from_slice(bytes).map_err(|e| {
        EngineError::Store(StoreError::Corrupt {
            key: key.to_owned(),
            reason: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::{Input, State};
    use crate::ids::ChatKey;
    use crate::ids::Locale;
    use crate::store::{MemoryStore, SledStore};
    use crate::testing::shipped;

    fn say(chat: &str, text: &str, at: i64) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input: Input::from_text(text),
            at: Timestamp::from_second(at).unwrap(),
            locale_hint: None,
            shared: false,
            display_name: None,
            sequence: None,
        }
    }

    #[test]
    fn a_restart_resumes_every_conversation_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let offered = {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            engine.handle(&say("telegram:1", "¿duele?", 1));
            let out = engine.handle(&say("terminal:2", "how long", 2));
            assert!(matches!(
                engine
                    .conversation(&ChatKey::parse("terminal:2").unwrap())
                    .unwrap(),
                Some(Conversation {
                    state: State::Clarifying { .. },
                    ..
                })
            ));
            out.replies[0].choices[0].id.clone()
        };
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let out = engine.handle(&say("terminal:2", "1", 3));
        assert_eq!(out.replies[0].kind, ReplyKind::Answer);
        assert_eq!(
            format!("topic:{}", out.replies[0].topic.as_ref().unwrap()),
            offered,
            "the pending question survived the restart"
        );
        let es = engine
            .conversation(&ChatKey::parse("telegram:1").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(es.locale, Some(Locale::Es));
    }

    #[test]
    fn unanswered_questions_are_listed_most_frequent_first() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("terminal:a", "do you do botox", 1));
        engine.handle(&say("terminal:b", "Do you do Botox?", 2));
        engine.handle(&say("terminal:c", "can my dog get needled", 3));
        engine.handle(&say("terminal:c", "does it hurt", 4));
        let list = engine.unanswered().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].count, list[0].text.as_str()),
            (2, "Do you do Botox?")
        );
        assert_eq!(list[1].count, 1);
    }

    #[test]
    fn a_corrupt_conversation_record_gets_a_polite_reply_not_a_panic() {
        let store = MemoryStore::new();
        let mut batch = Batch::default();
        batch.put("conv/terminal:x", b"{not json".to_vec());
        store.apply(batch).unwrap();
        let engine = Engine::new(store, shipped());
        let out = engine.handle(&say("terminal:x", "does it hurt", 1));
        assert_eq!(out.replies.len(), 1);
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).internal_error
        );
    }

    #[test]
    fn concurrent_messages_in_many_chats_are_all_saved() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        std::thread::scope(|s| {
            for t in 0..4 {
                let engine = &engine;
                s.spawn(move || {
                    for i in 0..25 {
                        let out = engine.handle(&say(&format!("terminal:{t}-{i}"), "how long", i));
                        assert_eq!(out.replies[0].kind, ReplyKind::Clarify);
                    }
                });
            }
        });
        assert_eq!(engine.store().scan_prefix("conv/").unwrap().len(), 100);
    }

    #[test]
    fn a_screen_resumes_at_the_same_question_after_the_store_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            for (i, text) in ["/screen", "yes", "no", "no"].iter().enumerate() {
                engine.handle(&say("telegram:9", text, i as i64));
            }
        }
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let out = engine.handle(&say("telegram:9", "/screen", 10));
        assert_eq!(
            out.replies.last().unwrap().question.as_deref(),
            Some("needle_fear")
        );
        let Some(Conversation {
            state: State::Screening(p),
            ..
        }) = engine
            .conversation(&ChatKey::parse("telegram:9").unwrap())
            .unwrap()
        else {
            panic!("still screening")
        };
        assert_eq!(p.answers.len(), 3, "previous answers kept");
    }

    #[test]
    fn completed_screens_are_stored_and_listed_newest_first() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let mut t = 0;
        for (chat, fear) in [("terminal:a", "no"), ("terminal:b", "yes")] {
            let mut next = "/screen".to_owned();
            loop {
                t += 1;
                let out = engine.handle(&say(chat, &next, t));
                let Some(q) = out.replies.last().and_then(|r| r.question.clone()) else {
                    break;
                };
                next = match q.as_str() {
                    "consent" => "yes".into(),
                    "needle_fear" => fear.into(),
                    _ => "no".into(),
                };
            }
        }
        let list = engine.screenings().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].chat.to_string(), "terminal:b");
        assert_eq!(list[0].outcome, crate::screening::Outcome::Decline);
        assert_eq!(list[1].outcome, crate::screening::Outcome::Clear);
    }

    use crate::handoff::{Actor, StaffAction};
    use crate::ids::Platform;

    fn actor(platform: Platform, id: &str) -> Actor {
        Actor {
            platform,
            user_id: id.into(),
            roles: Vec::new(),
            display_name: "someone".into(),
        }
    }

    fn maria_on_discord() -> Actor {
        actor(Platform::Discord, "1300000000000000011")
    }

    #[test]
    fn a_ticket_is_opened_claimed_relayed_and_closed_across_platforms() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let now = Timestamp::from_second(1_000).unwrap();
        let mut ask = say("telegram:77", "/human", 1);
        ask.display_name = Some("Pat".into());
        let out = engine.handle(&ask);
        let Some(DeskEvent::Opened {
            number,
            patient,
            platform,
            ..
        }) = out.desk.first()
        else {
            panic!("a ticket opened: {:?}", out.desk)
        };
        assert_eq!(
            (*number, patient.as_str(), *platform),
            (1, "Pat", Platform::Telegram)
        );

        // The bot is quiet during the hand-off; the message goes to the desk.
        let out = engine.handle(&say("telegram:77", "my appointment is at 3?", 2));
        assert!(out.replies.is_empty());
        assert!(
            matches!(&out.desk[0], DeskEvent::PatientWrote { text, claimed_by: None, .. } if text == "my appointment is at 3?")
        );

        // A staff member on Discord claims it and replies; the reply reaches
        // the Telegram patient with the clinic's name.
        let maria = maria_on_discord();
        let claim = engine
            .handle_staff(&maria, &StaffAction::Claim(1), now)
            .unwrap();
        assert!(matches!(&claim.desk[0], DeskEvent::Claimed { by, .. } if by.starts_with("Maria")));
        let reply = engine
            .handle_staff(&maria, &StaffAction::Reply(1, "Yes, 3 pm.".into()), now)
            .unwrap();
        let (chat, message) = &reply.to_patients[0];
        assert_eq!(chat.to_string(), "telegram:77");
        assert_eq!(message.text, "Bayside Physio & Chiropractic: Yes, 3 pm.");

        // Now the patient's messages go to Maria's thread.
        let out = engine.handle(&say("telegram:77", "thanks!", 3));
        assert!(matches!(
            &out.desk[0],
            DeskEvent::PatientWrote {
                claimed_by: Some((Platform::Discord, _)),
                ..
            }
        ));

        // Closing returns the patient to the bot.
        let close = engine
            .handle_staff(&maria, &StaffAction::Close(1), now)
            .unwrap();
        assert_eq!(
            close.to_patients[0].1.text,
            shipped().messages(Locale::En).handoff_ended
        );
        assert!(engine.open_tickets().unwrap().is_empty());
        let out = engine.handle(&say("telegram:77", "does it hurt?", 4));
        assert_eq!(
            out.replies[0].kind,
            ReplyKind::Answer,
            "the bot answers again"
        );
        let ticket = engine.ticket(1).unwrap().unwrap();
        assert_eq!(
            ticket.transcript.len(),
            3,
            "kept: two patient lines and one staff line"
        );
    }

    #[test]
    fn only_staff_can_act_and_a_refusal_changes_nothing() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let now = Timestamp::from_second(1_000).unwrap();
        engine.handle(&say("discord:55", "/human", 1));
        let before = engine.ticket(1).unwrap();
        for who in [
            actor(Platform::Discord, "55"),                   // the patient
            actor(Platform::Telegram, "999"),                 // a stranger
            actor(Platform::Telegram, "1300000000000000011"), // Maria's Discord id on Telegram
        ] {
            for action in [
                StaffAction::Claim(1),
                StaffAction::Reply(1, "hi".into()),
                StaffAction::Close(1),
                StaffAction::Queue,
            ] {
                let out = engine.handle_staff(&who, &action, now).unwrap();
                assert_eq!(
                    out.to_staff,
                    [crate::handoff::text::NOT_STAFF],
                    "{who:?} {action:?}"
                );
                assert!(out.to_patients.is_empty() && out.desk.is_empty());
            }
        }
        assert_eq!(engine.ticket(1).unwrap(), before, "nothing changed");
    }

    #[test]
    fn a_claimed_ticket_is_shown_as_taken_to_other_staff() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let now = Timestamp::from_second(1_000).unwrap();
        engine.handle(&say("telegram:1", "/human", 1));
        let maria = actor(Platform::Telegram, "5000001");
        let james = actor(Platform::Discord, "1300000000000000012");
        engine
            .handle_staff(&maria, &StaffAction::Claim(1), now)
            .unwrap();
        let out = engine
            .handle_staff(&james, &StaffAction::Claim(1), now)
            .unwrap();
        assert!(
            out.to_staff[0].contains("already claimed by Maria"),
            "{:?}",
            out.to_staff
        );
        let out = engine
            .handle_staff(&james, &StaffAction::Reply(1, "hi".into()), now)
            .unwrap();
        assert!(out.to_patients.is_empty(), "only the claimer replies");
        let queue = engine
            .handle_staff(&james, &StaffAction::Queue, now)
            .unwrap();
        assert!(queue.to_staff[0].starts_with("#1 "), "{:?}", queue.to_staff);
        assert!(queue.to_staff[0].contains("claimed by Maria"));
    }

    #[test]
    fn unclaimed_tickets_are_reannounced_after_the_configured_wait() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("telegram:1", "/human", 0));
        let at = |min: i64| Timestamp::from_second(min * 60).unwrap();
        assert!(engine.due_reannouncements(at(14)).unwrap().is_empty());
        let due = engine.due_reannouncements(at(15)).unwrap();
        assert!(matches!(
            &due[..],
            [DeskEvent::Reannounced {
                number: 1,
                waiting_minutes: 15,
                ..
            }]
        ));
        assert!(
            engine.due_reannouncements(at(20)).unwrap().is_empty(),
            "not again at once"
        );
        assert_eq!(engine.due_reannouncements(at(30)).unwrap().len(), 1);
    }

    #[test]
    fn an_emergency_during_a_handoff_is_answered_and_flagged_on_the_ticket() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("telegram:1", "/human", 0));
        let out = engine.handle(&say("telegram:1", "I can't breathe", 1));
        assert_eq!(out.replies[0].kind, ReplyKind::Emergency);
        assert!(matches!(
            out.desk[0],
            DeskEvent::EmergencyDuringHandoff { number: 1, .. }
        ));
        assert!(engine.ticket(1).unwrap().unwrap().emergency);
    }

    #[test]
    fn full_screening_answers_go_only_to_the_asking_staff_member_privately() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let mut t = 0;
        let mut next = "/screen".to_owned();
        loop {
            t += 1;
            let out = engine.handle(&say("telegram:9", &next, t));
            let Some(q) = out.replies.last().and_then(|r| r.question.clone()) else {
                break;
            };
            next = match q.as_str() {
                "consent" => "yes".into(),
                "anything_else" => "my left knee is the sore one".into(),
                _ => "no".into(),
            };
        }
        engine.handle(&say("telegram:9", "/human", t + 1));
        let maria = actor(Platform::Telegram, "5000001");
        let now = Timestamp::from_second(10_000).unwrap();
        let out = engine
            .handle_staff(&maria, &StaffAction::Screening(1), now)
            .unwrap();
        assert!(out.private[0].contains("anything_else: my left knee is the sore one"));
        assert!(out.desk.is_empty() && out.to_patients.is_empty());
        assert!(
            !out.to_staff.iter().any(|t| t.contains("knee")),
            "not in the shared reply"
        );
        let stranger = actor(Platform::Telegram, "1");
        let out = engine
            .handle_staff(&stranger, &StaffAction::Screening(1), now)
            .unwrap();
        assert!(out.private.is_empty());
    }

    #[test]
    fn importing_the_same_appointments_twice_changes_nothing() {
        use crate::appointments::parse_csv;
        let engine = Engine::new(MemoryStore::new(), shipped());
        let tz = shipped().clinic.time_zone.clone();
        let rows = parse_csv(
            "patient,start,needling\nAna,2026-12-01 09:00,yes\nBen,2026-12-01 10:00,no\n",
            &tz,
        )
        .unwrap();
        assert_eq!(engine.import_appointments(&rows).unwrap(), (2, 0));
        let first = engine.appointments().unwrap();
        assert_eq!(engine.import_appointments(&rows).unwrap(), (0, 2));
        assert_eq!(
            engine.appointments().unwrap(),
            first,
            "codes and all unchanged"
        );
        assert!(engine.cancel_appointment(&first[1].id).unwrap());
        assert_eq!(
            engine.appointments().unwrap()[1].status,
            crate::appointments::Status::Cancelled
        );
        assert!(!engine.cancel_appointment("nope").unwrap());
    }

    #[test]
    fn a_link_code_links_one_chat_once_until_the_appointment() {
        use crate::appointments::parse_csv;
        let engine = Engine::new(MemoryStore::new(), shipped());
        let tz = shipped().clinic.time_zone.clone();
        let rows = parse_csv("patient,start\nAna,2026-12-01 09:00\n", &tz).unwrap();
        engine.import_appointments(&rows).unwrap();
        let code = engine.appointments().unwrap()[0].link_code.clone();
        let before = Timestamp::from_second(1_790_000_000).unwrap(); // Sept 2026
        let mut start = say("telegram:5", &format!("/start {code}"), 0);
        start.at = before;
        let out = engine.handle(&start);
        assert!(
            out.replies[0].text.contains("Tuesday 1 December, 09:00"),
            "{}",
            out.replies[0].text
        );
        assert_eq!(out.replies[0].choices[0].id, "screen:start");
        assert_eq!(
            engine.appointments().unwrap()[0]
                .chat
                .as_ref()
                .map(|c| c.to_string()),
            Some("telegram:5".into())
        );
        // Another chat cannot reuse it; typing it (as on Discord) is read too.
        let mut other = say("discord:9", &code.to_lowercase(), 0);
        other.at = before;
        let out = engine.handle(&other);
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).link_invalid
        );
        // After the appointment has started, the code has expired.
        let mut late = say("telegram:5", &format!("/start {code}"), 0);
        late.at = Timestamp::from_second(1_800_000_000).unwrap(); // Jan 2027
        let out = engine.handle(&late);
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).link_invalid
        );
        // A plain /start and ordinary text are not link attempts.
        assert_eq!(
            engine.handle(&say("telegram:6", "/start", 0)).replies[0].kind,
            ReplyKind::Info
        );
        let out = engine.handle(&say("telegram:6", "does it hurt", 0));
        assert_eq!(out.replies[0].kind, ReplyKind::Answer);
    }

    #[test]
    fn a_message_delivered_again_after_a_crash_is_not_applied_twice() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let chat = ChatKey::parse("telegram:31").unwrap();
        let send = |text: &str, seq: u64| {
            let mut incoming = say("telegram:31", text, seq as i64);
            incoming.sequence = Some(seq);
            engine.handle(&incoming)
        };
        let question = |engine: &Engine<MemoryStore>| match engine.conversation(&chat).unwrap() {
            Some(Conversation {
                state: State::Screening(p),
                ..
            }) => p.answers.len(),
            other => panic!("not screening: {other:?}"),
        };
        send("/screen", 10);
        let first = send("yes", 11);
        assert_eq!(question(&engine), 1);
        // Update 11 again (the bot died before acknowledging it): the answer
        // is not applied to the next question, which is asked again.
        let again = send("yes", 11);
        assert_eq!(question(&engine), 1, "applied once");
        assert_eq!(
            again.replies.last().unwrap().question,
            first.replies.last().unwrap().question
        );
        send("no", 12);
        assert_eq!(question(&engine), 2);
        // Outside the screen a repeat gets no reply at all.
        let mut faq = say("telegram:32", "does it hurt", 1);
        faq.sequence = Some(7);
        assert_eq!(engine.handle(&faq).replies.len(), 1);
        assert!(engine.handle(&faq).replies.is_empty());
    }
}
