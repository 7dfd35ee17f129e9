//! The conversation as a state machine: [`State`] says what the bot is waiting
//! for, and [`step`] is a pure function from (state, incoming message) to a
//! [`Transition`]: the new state, the replies, staff events, records to keep
//! and what changes in a hand-off. No I/O happens here; the engine loads the
//! state, calls `step`, and stores the result.
//!
//! `step` matches on the state first and hands the message to that state's
//! function, which takes its data from the variant.
//!
//! # Layout
//!
//! - `mod.rs`: [`State`], [`Conversation`], [`Transition`], [`step`] and the
//!   functions for the idle, offered-a-person and handed-off states.
//! - `faq`: answering a classified free-text question from the knowledge
//!   folder (answer, ask back, fall back).
//! - `screen`: the health screen in the chat: asking, parsing answers,
//!   moving back and forth, completing.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::chat::{
    Action, Clearance, Command, HandoffReason, Incoming, Input, PatientAction, RedFlag, Reply,
    ReplyKind, StaffEvent, Urgency,
};
use crate::ids::{ChatKey, Locale, TopicId};
use crate::knowledge::Knowledge;
use crate::screening::Answered;
use crate::text::fold;
use crate::understand::{Classifier, Verdict};

mod faq;
mod screen;
pub use faq::topic_answer;
pub use screen::back_from_staff;
#[cfg(test)]
mod tests;

/// The topic whose answer also offers the hand-off button.
pub const TALK_TO_HUMAN: &str = "talk-to-human";
/// The topic whose answer also offers to start the health screen.
pub const SCREENING_TOPIC: &str = "screening-questionnaire";
/// Failed answers to one screen question before a person is offered.
pub const TRIES_BEFORE_HUMAN: u8 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenProgress {
    /// The answers, in the order given.
    pub answers: Vec<Answered>,
    /// Failed attempts at the current question.
    #[serde(default)]
    pub tries: u8,
    pub started: Timestamp,
}

/// A completed health screen, as stored for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenRecord {
    pub chat: ChatKey,
    pub started: Timestamp,
    pub completed: Timestamp,
    pub outcome: Clearance,
    pub flags: Vec<String>,
    /// Each answer with the patient's words beyond it, for the clinician.
    pub answers: Vec<Answered>,
    pub locale: Locale,
}

/// What the bot is waiting for in one chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    #[default]
    Idle,
    /// Asked which of these topics the patient meant.
    Clarifying,
    /// Offered to pass the question to staff.
    OfferedHuman,
    /// In the middle of the health screen.
    Screening(ScreenProgress),
    /// With a person: the bot stays quiet (but for emergencies) and relays
    /// the patient's messages to the ticket. A screen in progress waits
    /// here, to go on when the patient is back with the bot.
    HandedOff {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        screen: Option<ScreenProgress>,
    },
}

impl State {
    /// With a person, keeping a screen in progress for after.
    pub fn hand_off(self) -> State {
        match self {
            State::Screening(progress) => State::HandedOff {
                screen: Some(progress),
            },
            State::HandedOff { screen } => State::HandedOff { screen },
            _ => State::HandedOff { screen: None },
        }
    }

    pub fn is_handed_off(&self) -> bool {
        matches!(self, State::HandedOff { .. })
    }

    /// The screen in progress, also while it waits for a hand-off.
    pub fn screen(&self) -> Option<&ScreenProgress> {
        match self {
            State::Screening(progress)
            | State::HandedOff {
                screen: Some(progress),
            } => Some(progress),
            _ => None,
        }
    }
}

/// Everything kept about one chat between messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The language the bot answers in.
    pub locale: Option<Locale>,
    /// Set by `/language`: stop following the patient's language.
    #[serde(default)]
    pub locale_pinned: bool,
    #[serde(default)]
    pub state: State,
    /// The buttons of the bot's latest prompt when they are numbered, so a
    /// typed number, label or yes/no presses one ([`typed_choice`]). Only
    /// the latest: any message of the bot replaces them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<Offered>,
    /// The conversation's last few lines, both sides ("Patient: …",
    /// "Bot: …", an emergency answer by its category only), as context for
    /// staff on a hand-off. Never an answer to the health screen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<String>,
    /// When `recent` last changed: the daily sweep clears it a day later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recent_at: Option<jiff::Timestamp>,
    /// The sequence number of the last message handled (see
    /// [`Incoming::sequence`]), stored with the state it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sequence: Option<u64>,
    /// The topic the bot answered last, to read a follow-up with ("and
    /// how long does that last?"); not the patient's words. Gone when the
    /// bot falls back, and with the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_topic: Option<TopicId>,
}

/// A button of the latest prompt. Read from a record as a bare id too (what
/// earlier versions stored), with no label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OfferedRecord")]
pub struct Offered {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OfferedRecord {
    Id(String),
    Button {
        id: String,
        #[serde(default)]
        label: String,
    },
}

impl From<OfferedRecord> for Offered {
    fn from(record: OfferedRecord) -> Offered {
        match record {
            OfferedRecord::Id(id) => Offered {
                id,
                label: String::new(),
            },
            OfferedRecord::Button { id, label } => Offered { id, label },
        }
    }
}

impl From<&str> for Offered {
    /// A button known by its id only.
    fn from(id: &str) -> Offered {
        Offered {
            id: id.to_owned(),
            label: String::new(),
        }
    }
}

impl Offered {
    /// The buttons of `reply`, if typing can press them.
    pub fn of(reply: &Reply) -> Vec<Offered> {
        if !reply.numbered {
            return Vec::new();
        }
        reply
            .choices
            .iter()
            .map(|c| Offered {
                id: c.id.clone(),
                label: c.label.clone(),
            })
            .collect()
    }
}

/// The button of the latest prompt that a typed message presses: its
/// number ("2"), its label ("No, keep it"), or a yes or no word for the
/// button whose label starts with yes or no ("sí" for "Sí, borrar").
pub fn typed_choice<'a>(text: &str, offered: &'a [Offered]) -> Option<&'a str> {
    if let Ok(n) = text.trim().trim_end_matches(['.', ')']).parse::<usize>() {
        return offered.get(n.checked_sub(1)?).map(|o| o.id.as_str());
    }
    let typed = fold(text);
    if typed.is_empty() {
        return None;
    }
    if let Some(o) = offered
        .iter()
        .find(|o| !o.label.is_empty() && fold(&o.label) == typed)
    {
        return Some(&o.id);
    }
    // "Sí, empecemos" takes up the offer to start the screen.
    let start = Action::ScreenStart.id();
    if screen::go_ahead(&typed)
        && let Some(o) = offered.iter().find(|o| o.id == start)
    {
        return Some(&o.id);
    }
    let starts_with = |label: &str, words: &[&str]| {
        let first = fold(label);
        let first = first.split(' ').next().unwrap_or_default().to_owned();
        words.contains(&first.as_str())
    };
    let answer = if YES.contains(&typed.as_str()) {
        ["yes", "si"]
    } else if NO.contains(&typed.as_str()) {
        ["no", "no"]
    } else {
        return None;
    };
    let mut matching = offered.iter().filter(|o| starts_with(&o.label, &answer));
    match (matching.next(), matching.next()) {
        (Some(o), None) => Some(&o.id),
        _ => None,
    }
}

/// How many of the conversation's last lines (both sides) a hand-off
/// shows staff.
pub const RECENT_TURNS: usize = 6;
/// The most of one line kept in [`Conversation::recent`].
const RECENT_CHARS: usize = 300;

/// What a message changes in the chat's hand-off to staff, decided by
/// [`step`] so the engine only carries it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffChange {
    /// Open a ticket for this chat.
    Open(HandoffReason),
    /// Pass the patient's message to the staff member handling the ticket.
    Relay(String),
    /// The patient ended the hand-off.
    End,
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
    /// A question the bot could not answer, to log for staff.
    pub unanswered: Option<String>,
    /// A health screen completed by this message, to store.
    pub screen: Option<ScreenRecord>,
    pub handoff: Option<HandoffChange>,
}

/// Advances one chat by one incoming message. Pure: the same inputs always give
/// the same outputs.
pub fn step(
    knowledge: &Knowledge,
    classifier: &Classifier,
    conversation: Conversation,
    incoming: &Incoming,
) -> Transition {
    if incoming.shared {
        return shared_step(knowledge, classifier, conversation, incoming);
    }
    private_step(knowledge, classifier, conversation, incoming)
}

/// A step in a chat others read (a group, a server channel), where one
/// conversation belongs to every member: the bot answers questions and
/// points to a private chat for anything personal. Nothing typed or pressed
/// there opens a hand-off, starts or answers the screen, links an
/// appointment or deletes anything; the chat never leaves the idle states,
/// so nobody's "yes" or "1" can take up what the bot offered someone else.
///
/// The private step runs on what is left, and its result is checked again:
/// a personal offer is taken out of the replies, and a transition that
/// would still open something personal becomes the move-to-private reply.
fn shared_step(
    knowledge: &Knowledge,
    classifier: &Classifier,
    mut conversation: Conversation,
    incoming: &Incoming,
) -> Transition {
    if !matches!(conversation.state, State::Idle | State::Clarifying) {
        conversation.state = State::Idle;
    }
    let input = match &incoming.input {
        Input::Text(text) => match pressed_by_number(text, &conversation.offered) {
            Some(id) => Input::Choice(id.to_owned()),
            None => incoming.input.clone(),
        },
        other => other.clone(),
    };
    let is_code = match &input {
        Input::Text(t) | Input::Command(Command::Start { payload: Some(t) }) => {
            crate::appointments::normalize_code(t).is_some()
        }
        _ => false,
    };
    if is_personal(&input) || is_code {
        return move_to_private(knowledge, conversation, incoming);
    }
    let before = conversation.clone();
    let mut t = private_step(
        knowledge,
        classifier,
        conversation,
        &Incoming {
            input,
            ..incoming.clone()
        },
    );
    // "No thanks" only answers the offer of a person, which goes too.
    let personal_choice =
        |id: &str| is_personal(&Input::Choice(id.to_owned())) || id == Action::NoThanks.id();
    let mut offered_a_person = false;
    for reply in &mut t.replies {
        let before = reply.choices.len();
        reply.choices.retain(|c| !personal_choice(&c.id));
        offered_a_person |= reply.choices.len() < before;
        reply.numbered &= !reply.choices.is_empty();
    }
    t.conversation.offered.retain(|o| !personal_choice(&o.id));
    if t.conversation.state == State::OfferedHuman {
        t.conversation.state = State::Idle;
    }
    if t.handoff.is_some()
        || t.screen.is_some()
        || !matches!(t.conversation.state, State::Idle | State::Clarifying)
    {
        return move_to_private(knowledge, before, incoming);
    }
    if offered_a_person {
        let locale = t.conversation.locale.or(incoming.locale_hint);
        let m = knowledge.messages(locale.unwrap_or(Locale::En));
        t.replies
            .push(Reply::new(ReplyKind::MoveToPrivate, &m.private_only));
    }
    t
}

/// Only the reply that points to a private chat; nothing else changes.
fn move_to_private(
    knowledge: &Knowledge,
    mut conversation: Conversation,
    incoming: &Incoming,
) -> Transition {
    conversation.offered.clear();
    let locale = conversation
        .locale
        .or(incoming.locale_hint)
        .unwrap_or(Locale::En);
    let m = knowledge.messages(locale);
    Transition {
        conversation,
        replies: vec![Reply::new(ReplyKind::MoveToPrivate, &m.private_only)],
        staff: Vec::new(),
        unanswered: None,
        screen: None,
        handoff: None,
    }
}

/// A step in a chat only the patient reads.
fn private_step(
    knowledge: &Knowledge,
    classifier: &Classifier,
    conversation: Conversation,
    incoming: &Incoming,
) -> Transition {
    // What the patient typed, for staff's context: not an answer to the
    // screen, and not while a person has the chat (the ticket has those).
    let said = match (&conversation.state, &incoming.input) {
        // A shared chat hands nothing off: nobody's words are kept for it.
        _ if incoming.shared => None,
        (State::Idle | State::Clarifying | State::OfferedHuman, Input::Text(text)) => {
            Some(format!(
                "Patient: {}",
                text.trim().chars().take(RECENT_CHARS).collect::<String>()
            ))
        }
        _ => None,
    };
    let mut turn = Turn {
        k: knowledge,
        classifier,
        incoming,
        conv: conversation,
        replies: Vec::new(),
        staff: Vec::new(),
        unanswered: None,
        screen: None,
        handoff: None,
        said,
    };
    let offered = std::mem::take(&mut turn.conv.offered);
    // A typed number, label or yes/no presses one of the latest prompt's
    // buttons.
    let input = match &incoming.input {
        Input::Text(text) => match typed_choice(text, &offered) {
            Some(id) => Input::Choice(id.to_owned()),
            None => incoming.input.clone(),
        },
        other => other.clone(),
    };
    match std::mem::take(&mut turn.conv.state) {
        State::HandedOff { screen } => {
            turn.conv.state = State::HandedOff { screen };
            turn.handed_off(&input);
        }
        State::Screening(progress) => turn.screening(progress, &input),
        State::OfferedHuman => turn.offered_human(&input),
        previous @ (State::Idle | State::Clarifying) => turn.idle(&input, previous),
    }
    turn.conv.offered = turn.replies.last().map(Offered::of).unwrap_or_default();
    turn.finish()
}

/// Whether an input starts something that must not happen where others read:
/// the health screen or a hand-off to staff.
fn is_personal(input: &Input) -> bool {
    match input {
        Input::Command(c) => matches!(
            c,
            Command::Screen
                | Command::Human
                | Command::Back
                | Command::Restart
                | Command::Stop
                | Command::Appointment(_)
                | Command::Forget
        ),
        Input::Choice(id) => {
            matches!(
                Action::parse(id),
                Some(Action::Human | Action::ScreenStart | Action::Answer { .. })
            ) || PatientAction::parse_button(id).is_some()
                || id.starts_with("forget:")
        }
        Input::Text(_) => false,
    }
}

/// A message that is just a number from 1 to the number of buttons offered
/// (in a shared chat, where typed words press nothing).
fn pressed_by_number<'a>(text: &str, offered: &'a [Offered]) -> Option<&'a str> {
    let n: usize = text.trim().trim_end_matches(['.', ')']).parse().ok()?;
    offered.get(n.checked_sub(1)?).map(|o| o.id.as_str())
}

/// One message being handled: what it started from and what it produced so
/// far.
struct Turn<'a> {
    k: &'a Knowledge,
    classifier: &'a Classifier,
    incoming: &'a Incoming,
    conv: Conversation,
    replies: Vec<Reply>,
    staff: Vec<StaffEvent>,
    unanswered: Option<String>,
    screen: Option<ScreenRecord>,
    handoff: Option<HandoffChange>,
    /// What the patient typed, as a line of [`Conversation::recent`].
    said: Option<String>,
}

const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yes please",
    "please",
    "sure",
    "ok",
    "okay",
    "si",
    "si por favor",
    "claro",
    "vale",
    "por favor",
];
const NO: &[&str] = &[
    "no",
    "nope",
    "no thanks",
    "no thank you",
    "nah",
    "no gracias",
];

impl Turn<'_> {
    fn finish(mut self) -> Transition {
        // An emergency is told by its category only, as the alerts are.
        let emergency = self.replies.iter().any(|r| r.kind == ReplyKind::Emergency);
        if self.said.is_some() || !self.replies.is_empty() {
            self.conv.recent_at = Some(self.incoming.at);
        }
        self.conv
            .recent
            .extend(self.said.take().filter(|_| !emergency));
        for reply in &self.replies {
            let line = if reply.kind == ReplyKind::Emergency {
                let flag = self.staff.iter().find_map(|e| match e {
                    StaffEvent::Emergency { flag, .. } => Some(flag.as_str()),
                    _ => None,
                });
                format!("[the emergency answer: {}]", flag.unwrap_or("emergency"))
            } else {
                let text: String = reply.text.chars().take(RECENT_CHARS).collect();
                format!("Bot: {text}")
            };
            self.conv.recent.push(line);
        }
        let excess = self.conv.recent.len().saturating_sub(RECENT_TURNS);
        self.conv.recent.drain(..excess);
        Transition {
            conversation: self.conv,
            replies: self.replies,
            staff: self.staff,
            unanswered: self.unanswered,
            screen: self.screen,
            handoff: self.handoff,
        }
    }

    /// Nothing pending, or a clarify question, which any message answers:
    /// free text is classified and answered, commands and buttons act.
    /// `previous` is the state the message found (a stale button keeps it).
    fn idle(&mut self, input: &Input, previous: State) {
        match input {
            Input::Text(text) => {
                if text.trim().is_empty() {
                    let m = self.k.messages(self.locale());
                    return self.info(&m.empty_message);
                }
                let verdict = self.classify_follow_up(text);
                self.faq(text, verdict);
            }
            Input::Command(command) => self.command(command),
            Input::Choice(id) => self.choice(id, previous),
        }
    }

    /// Offered to pass the question to staff: "yes" and "no" answer the
    /// offer; anything else is a new message.
    fn offered_human(&mut self, input: &Input) {
        let Input::Text(text) = input else {
            return self.idle(input, State::OfferedHuman);
        };
        if text.trim().is_empty() {
            return self.idle(input, State::OfferedHuman);
        }
        let verdict = self.classify(text);
        if !matches!(verdict, Verdict::Emergency(_)) {
            let folded = fold(text);
            if YES.contains(&folded.as_str()) {
                return self.request_human(HandoffReason::Unanswered);
            }
            if NO.contains(&folded.as_str()) {
                let m = self.k.messages(self.locale());
                return self.info(&m.human_declined);
            }
        }
        self.faq(text, verdict);
    }

    /// Classifies free text, following the patient's language where its
    /// words tell. An urgent message is told to contact the clinic or a
    /// doctor today (and staff are alerted) before it is answered.
    fn classify(&mut self, text: &str) -> Verdict {
        self.classify_in(text, None)
    }

    /// Like [`Self::classify`], read with the topic answered last (its
    /// question in the conversation's language) when the message does not
    /// stand on its own.
    fn classify_follow_up(&mut self, text: &str) -> Verdict {
        let locale = self.locale();
        let context = self
            .conv
            .last_topic
            .as_ref()
            .and_then(|id| self.k.topic(id))
            .map(|topic| topic.text(locale).question.clone());
        self.classify_in(text, context.as_deref())
    }

    /// Reads `text` (after `context` when it does not stand alone),
    /// following the patient's language; an urgent message gets the urgent
    /// reply first.
    fn classify_in(&mut self, text: &str, context: Option<&str>) -> Verdict {
        let classified = self.classifier.classify_in_context(text, context);
        self.follow_language(classified.locale, text);
        if let Some(urgency) = classified.urgent {
            self.urgent(urgency);
        }
        classified.verdict
    }

    /// Triage tier 2: the urgent reply and a staff alert with the category.
    fn urgent(&mut self, urgency: Urgency) {
        let m = self.k.messages(self.locale());
        self.say(Reply::new(ReplyKind::Urgent, &m.urgent));
        self.staff.push(StaffEvent::Urgent {
            chat: self.incoming.chat.clone(),
            urgency,
            at: self.incoming.at,
        });
    }

    /// Whether this message already got the urgent reply.
    fn told_urgent(&self) -> bool {
        self.replies.iter().any(|r| r.kind == ReplyKind::Urgent)
    }

    /// With a person: emergencies are still answered at once; `/stop` ends
    /// the hand-off; everything else goes to staff and the bot says nothing.
    fn handed_off(&mut self, input: &Input) {
        match input {
            Input::Text(text) => {
                let classified = self.classifier.classify(text);
                if let Verdict::Emergency(flag) = classified.verdict {
                    self.emergency(flag);
                    return;
                }
                if let Some(urgency) = classified.urgent {
                    self.urgent(urgency);
                }
                if !text.trim().is_empty() {
                    self.handoff = Some(HandoffChange::Relay(
                        text.trim().chars().take(4000).collect(),
                    ));
                }
            }
            Input::Command(Command::Stop) => {
                self.handoff = Some(HandoffChange::End);
                self.back_from_staff();
            }
            Input::Command(Command::Language(Some(arg))) => {
                if let Ok(locale) = Locale::parse(arg) {
                    self.set_language(locale);
                }
            }
            Input::Command(Command::Human) | Input::Choice(_) => {
                let m = self.k.messages(self.locale());
                self.info(&m.human_waiting);
            }
            Input::Command(_) => {}
        }
    }

    fn locale(&self) -> Locale {
        self.conv
            .locale
            .or(self.incoming.locale_hint)
            .unwrap_or(Locale::En)
    }

    /// Follows the patient's language: the first guess is taken, but an
    /// established language changes only when the message is clearly in
    /// the other one, never on one ambiguous answer.
    fn follow_language(&mut self, detected: Option<Locale>, text: &str) {
        if self.conv.locale_pinned {
            return;
        }
        match (self.conv.locale, detected) {
            (None, Some(l)) => self.conv.locale = Some(l),
            (Some(current), Some(l))
                if l != current
                    && (crate::text::clear_locale(text) == Some(l)
                        || self.small_talk_in(text, l)) =>
            {
                self.conv.locale = Some(l);
            }
            _ => {}
        }
    }

    /// Small talk is short: "gracias" alone is clearly Spanish.
    fn small_talk_in(&self, text: &str, locale: Locale) -> bool {
        crate::understand::smalltalk::heard(&fold(text), false)
            .is_some_and(|(_, language)| language == Some(locale))
    }

    fn say(&mut self, reply: Reply) {
        self.replies.push(reply);
    }

    fn info(&mut self, text: impl Into<String>) {
        self.say(Reply::new(ReplyKind::Info, text));
    }

    /// A command outside the screen (the screen's own are in [`screen`]).
    fn command(&mut self, command: &Command) {
        match command {
            Command::Start { .. } => self.welcome(),
            Command::Help => {
                let m = self.k.messages(self.locale());
                self.info(&m.help);
            }
            Command::Human => self.request_human(HandoffReason::Asked),
            Command::Language(Some(arg)) => match Locale::parse(arg) {
                Ok(locale) => self.set_language(locale),
                Err(_) => self.language_menu(),
            },
            Command::Language(None) => self.language_menu(),
            Command::Screen => self.start_screen(),
            Command::Back | Command::Restart | Command::Stop => {
                let t = self.k.screening().text(self.locale());
                self.info(&t.not_screening);
            }
            Command::Unknown(_) => {
                let m = self.k.messages(self.locale());
                self.info(&m.unknown_command);
            }
            // The engine answers these before the dialogue; reaching here
            // means there is nothing to act on.
            Command::Forget | Command::Appointment(_) => {
                let m = self.k.messages(self.locale());
                self.info(&m.no_appointment);
            }
        }
    }

    /// A button pressed outside the screen; a stale one leaves the chat in
    /// the `previous` state.
    fn choice(&mut self, id: &str, previous: State) {
        match Action::parse(id) {
            Some(Action::Topic(topic)) if self.k.topic(&topic).is_some() => {
                self.answer(&topic, None)
            }
            Some(Action::Human) => self.request_human(match previous {
                State::OfferedHuman => HandoffReason::Unanswered,
                _ => HandoffReason::Asked,
            }),
            Some(Action::NoThanks) => {
                let m = self.k.messages(self.locale());
                self.info(&m.human_declined);
            }
            Some(Action::Language(locale)) => self.set_language(locale),
            Some(Action::ScreenStart) => self.start_screen(),
            Some(Action::ScreenBack | Action::ScreenStop) => {
                let t = self.k.screening().text(self.locale());
                self.info(&t.not_screening);
            }
            Some(Action::Answer { .. } | Action::Topic(_)) | None => {
                let m = self.k.messages(self.locale());
                self.info(&m.stale_button);
                self.conv.state = previous;
            }
        }
    }

    fn emergency(&mut self, flag: RedFlag) {
        let m = self.k.messages(self.locale());
        self.say(Reply::new(ReplyKind::Emergency, m.emergency_for(flag)));
        self.staff.push(StaffEvent::Emergency {
            chat: self.incoming.chat.clone(),
            flag,
            at: self.incoming.at,
        });
    }

    fn welcome(&mut self) {
        let locale = self.locale();
        let m = self.k.messages(locale);
        let mut reply = Reply::new(ReplyKind::Info, &m.welcome);
        for id in ["what-is-dry-needling", "does-it-hurt", "booking"] {
            if let Some(t) = TopicId::parse(id).ok().and_then(|id| self.k.topic(&id)) {
                reply = reply.with(Action::Topic(t.id.clone()).choice(&t.text(locale).question));
            }
        }
        reply = reply.with(Action::Human.choice(&m.human_button));
        self.say(reply);
    }

    fn request_human(&mut self, reason: HandoffReason) {
        let locale = self.locale();
        let m = self.k.messages(locale);
        let clinic = &self.k.clinic;
        let text = match clinic.next_opening(self.incoming.at) {
            Some(opens) if !clinic.is_open(self.incoming.at) => m
                .human_requested_closed
                .replace("{opens}", &clinic.describe(&opens, locale)),
            _ => m
                .human_requested
                .replace("{within}", &self.k.desk().reply_within_minutes.to_string()),
        };
        self.say(Reply::new(ReplyKind::Handoff, text));
        self.conv.state = std::mem::take(&mut self.conv.state).hand_off();
        self.handoff = Some(HandoffChange::Open(reason));
        self.staff.push(StaffEvent::HumanRequested {
            chat: self.incoming.chat.clone(),
            reason,
            at: self.incoming.at,
        });
    }

    fn set_language(&mut self, locale: Locale) {
        self.conv.locale = Some(locale);
        self.conv.locale_pinned = true;
        let m = self.k.messages(locale);
        self.info(&m.language_set);
    }

    fn language_menu(&mut self) {
        let m = self.k.messages(self.locale());
        let reply = Reply::new(ReplyKind::Info, &m.language_usage)
            .with(Action::Language(Locale::En).choice("English"))
            .with(Action::Language(Locale::Es).choice("Español"));
        self.say(reply);
    }
}
