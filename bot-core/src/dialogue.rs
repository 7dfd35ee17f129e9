//! The conversation as a state machine: [`State`] says what the bot is waiting
//! for, and [`step`] is a pure function from (state, incoming message) to (new
//! state, replies, staff events, records). No I/O happens here; the engine
//! loads the state, calls `step`, and stores the result.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::appointments::PatientAction;
use crate::classify::Verdict;
use crate::emergency::RedFlag;
use crate::ids::{ChatKey, Locale, TopicId};
use crate::knowledge::Knowledge;
use crate::screening::{Answer, Kind, Outcome, Parsed, Question};
use crate::text::fold;

/// The topic whose answer also offers the hand-off button.
pub const TALK_TO_HUMAN: &str = "talk-to-human";
/// The topic whose answer also offers to start the health screen.
pub const SCREENING_TOPIC: &str = "screening-questionnaire";
/// Failed answers to one screen question before a person is offered.
pub const TRIES_BEFORE_HUMAN: u8 = 3;

/// A message from a patient, whatever the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub chat: ChatKey,
    pub input: Input,
    pub at: Timestamp,
    /// The platform's idea of the user's language (Telegram's `language_code`).
    pub locale_hint: Option<Locale>,
    /// A chat others can read (a group, a public channel): nothing personal
    /// (the screen, a hand-off) happens there.
    pub shared: bool,
    /// How the platform names the patient, for the staff desk.
    pub display_name: Option<String>,
    /// The platform's increasing number for this delivery (Telegram's update
    /// id), when it may deliver the same message again after a crash: one at
    /// or below the last handled in this chat is a redelivery.
    pub sequence: Option<u64>,
}

/// What the patient did.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    Command(Command),
    /// A button press, with the button's id exactly as the platform returned it
    /// (so it may be stale or forged).
    Choice(String),
}

/// The commands the bot understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with a deep-link payload when there is one.
    Start {
        payload: Option<String>,
    },
    Help,
    Human,
    /// `/language`, with the language asked for (`None` to ask which).
    Language(Option<String>),
    /// Start (or resume) the health screen.
    Screen,
    /// In the screen: the previous question again.
    Back,
    /// In the screen: from the first question again.
    Restart,
    /// In the screen: stop and delete the answers.
    Stop,
    /// `/forget`: delete everything kept about this chat (after a
    /// confirmation; the engine answers it).
    Forget,
    /// `/confirm`, `/cancel`, `/reschedule`: about the chat's next appointment
    /// (the engine answers these, as they concern stored appointments).
    Appointment(PatientAction),
    Unknown(String),
}

impl Input {
    /// Text as typed: `/name args` becomes a command (a `@botname` suffix, as
    /// Telegram adds in groups, is dropped), anything else is text.
    pub fn from_text(text: &str) -> Input {
        let trimmed = text.trim();
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Input::Text(text.to_owned());
        };
        let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = head
            .split('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let arg = Some(args.trim().to_owned()).filter(|a| !a.is_empty());
        Input::Command(match name.as_str() {
            "start" => Command::Start { payload: arg },
            "help" => Command::Help,
            "human" => Command::Human,
            "language" | "idioma" => Command::Language(arg),
            "screen" => Command::Screen,
            "back" => Command::Back,
            "restart" => Command::Restart,
            "stop" => Command::Stop,
            "forget" | "olvidar" => Command::Forget,
            "" => return Input::Text(text.to_owned()),
            other => match PatientAction::from_command(other) {
                Some(action) => Command::Appointment(action),
                None => Command::Unknown(name),
            },
        })
    }
}

/// A button the bot offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

/// What a button does; its id is the stable, parseable text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Topic(TopicId),
    Human,
    NoThanks,
    Language(Locale),
    /// An answer to a screen question: `ans:QUESTION:VALUE`.
    Answer {
        question: String,
        value: String,
    },
    ScreenStart,
    ScreenBack,
    ScreenStop,
}

impl Action {
    pub fn id(&self) -> String {
        match self {
            Action::Topic(t) => format!("topic:{t}"),
            Action::Human => "human".into(),
            Action::NoThanks => "no-thanks".into(),
            Action::Language(l) => format!("lang:{l}"),
            Action::Answer { question, value } => format!("ans:{question}:{value}"),
            Action::ScreenStart => "screen:start".into(),
            Action::ScreenBack => "screen:back".into(),
            Action::ScreenStop => "screen:stop".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Action> {
        match id.split_once(':') {
            Some(("topic", t)) => TopicId::parse(t).ok().map(Action::Topic),
            Some(("lang", l)) => Locale::parse(l).ok().map(Action::Language),
            Some(("ans", rest)) => {
                let (question, value) = rest.split_once(':')?;
                let ok = |s: &str| {
                    !s.is_empty()
                        && s.len() <= 64
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                };
                (ok(question) && ok(value)).then(|| Action::Answer {
                    question: question.to_owned(),
                    value: value.to_owned(),
                })
            }
            Some(("screen", "start")) => Some(Action::ScreenStart),
            Some(("screen", "back")) => Some(Action::ScreenBack),
            Some(("screen", "stop")) => Some(Action::ScreenStop),
            None if id == "human" => Some(Action::Human),
            None if id == "no-thanks" => Some(Action::NoThanks),
            _ => None,
        }
    }

    fn choice(&self, label: impl Into<String>) -> Choice {
        Choice {
            id: self.id(),
            label: label.into(),
        }
    }
}

/// What kind of message the bot sends; adapters may render kinds differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Answer,
    Clarify,
    Fallback,
    Emergency,
    Handoff,
    Info,
    /// A health-screen question.
    Question,
    /// The health screen's outcome.
    Outcome,
    /// "Let's continue in a private chat": adapters add a way to get there.
    MoveToPrivate,
    /// A staff member's message, relayed.
    FromStaff,
    /// An appointment reminder.
    Reminder,
}

/// One message for the patient. Plain text: adapters escape and render it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub kind: ReplyKind,
    pub text: String,
    pub choices: Vec<Choice>,
    /// The topic answered, on answers.
    pub topic: Option<TopicId>,
    /// The screen question asked, on questions.
    pub question: Option<String>,
    /// Whether typing a button's number presses it. Not on questions that
    /// take a number or free text, where a typed number is the answer.
    pub numbered: bool,
}

impl Reply {
    fn new(kind: ReplyKind, text: impl Into<String>) -> Reply {
        Reply {
            kind,
            text: text.into(),
            choices: Vec::new(),
            topic: None,
            question: None,
            numbered: true,
        }
    }

    /// A reply made outside the dialogue step (by the engine): no
    /// conversation state records its buttons, so they are not pressed by
    /// typing their number.
    pub(crate) fn outside_dialogue(kind: ReplyKind, text: impl Into<String>) -> Reply {
        Reply {
            numbered: false,
            ..Reply::new(kind, text)
        }
    }

    fn with(mut self, choice: Choice) -> Reply {
        self.choices.push(choice);
        self
    }
}

/// Why a patient is being handed to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The patient asked (command, button or "talk to a person").
    Asked,
    /// The bot could not answer and the patient accepted help.
    Unanswered,
    /// The patient could not get through the health screen.
    Screen,
    /// The patient asked to move their appointment.
    Reschedule,
}

/// Something staff must know. Carries no message text: only what staff need.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StaffEvent {
    Emergency {
        chat: ChatKey,
        flag: RedFlag,
        at: Timestamp,
    },
    HumanRequested {
        chat: ChatKey,
        reason: HandoffReason,
        at: Timestamp,
    },
    /// A health screen was completed: the outcome and the flag names only.
    ScreenCompleted {
        chat: ChatKey,
        outcome: Outcome,
        flags: Vec<String>,
        at: Timestamp,
    },
}

impl StaffEvent {
    /// Logs the event for operators, without any message text.
    pub fn log(&self) {
        match self {
            StaffEvent::Emergency { chat, flag, .. } => {
                tracing::warn!(%chat, flag = flag.as_str(), "EMERGENCY: emergency answer sent")
            }
            StaffEvent::HumanRequested { chat, .. } => {
                tracing::info!(%chat, "patient asked for a person")
            }
            StaffEvent::ScreenCompleted {
                chat,
                outcome,
                flags,
                ..
            } => {
                tracing::info!(%chat, outcome = outcome.as_str(), flags = ?flags, "screen completed")
            }
        }
    }
}

/// A health screen in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenProgress {
    /// Question id and answer, in the order given.
    pub answers: Vec<(String, Answer)>,
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
    pub outcome: Outcome,
    pub flags: Vec<String>,
    pub answers: Vec<(String, Answer)>,
    pub locale: Locale,
}

/// What the bot is waiting for in one chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    #[default]
    Idle,
    /// Asked which of these topics the patient meant.
    Clarifying { candidates: Vec<TopicId> },
    /// Offered to pass the question to staff.
    OfferedHuman,
    /// In the middle of the health screen.
    Screening(ScreenProgress),
    /// With a person: the bot stays quiet (but for emergencies) and relays
    /// the patient's messages to the ticket.
    HandedOff,
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
    /// The ids of the buttons on the last message when they are numbered, so
    /// a typed number can press one (`2` presses the second).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
    /// The bot's last few messages, as context for staff on a hand-off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<String>,
    /// The sequence number of the last message handled (see
    /// [`Incoming::sequence`]), stored with the state it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sequence: Option<u64>,
}

/// How many of the bot's messages a hand-off shows staff.
pub const RECENT_TURNS: usize = 3;

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
    /// A question the bot could not answer, to log for staff.
    pub unanswered: Option<String>,
    /// A health screen completed by this message, to store.
    pub screen: Option<ScreenRecord>,
    /// A patient message to pass to the staff member handling the hand-off.
    pub relay: Option<String>,
    /// The patient ended the hand-off.
    pub end_handoff: bool,
}

/// Advances one chat by one incoming message. Pure: the same inputs always give
/// the same outputs.
pub fn step(knowledge: &Knowledge, conversation: Conversation, incoming: &Incoming) -> Step {
    let mut s = Stepper {
        k: knowledge,
        incoming,
        conv: conversation,
        replies: Vec::new(),
        staff: Vec::new(),
        unanswered: None,
        screen: None,
        relay: None,
        end_handoff: false,
    };
    let offered = std::mem::take(&mut s.conv.offered);
    if incoming.shared && is_personal(&incoming.input) {
        let m = knowledge.messages(s.locale());
        s.say(Reply::new(ReplyKind::MoveToPrivate, &m.private_only));
        return Step {
            conversation: s.conv,
            replies: s.replies,
            staff: s.staff,
            unanswered: None,
            screen: None,
            relay: None,
            end_handoff: false,
        };
    }
    if s.conv.state == State::HandedOff {
        s.handed_off(&incoming.input);
        return s.finish();
    }
    match &incoming.input {
        Input::Text(text) => match pressed_by_number(text, &offered) {
            Some(id) => s.choice(id),
            None => s.text(text),
        },
        Input::Command(command) => s.command(command),
        Input::Choice(id) => s.choice(id),
    }
    s.conv.offered = s
        .replies
        .last()
        .filter(|r| r.numbered)
        .map(|r| r.choices.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    s.finish()
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

/// A message that is just a number from 1 to the number of buttons offered.
fn pressed_by_number<'a>(text: &str, offered: &'a [String]) -> Option<&'a str> {
    let n: usize = text.trim().trim_end_matches(['.', ')']).parse().ok()?;
    offered.get(n.checked_sub(1)?).map(String::as_str)
}

struct Stepper<'a> {
    k: &'a Knowledge,
    incoming: &'a Incoming,
    conv: Conversation,
    replies: Vec<Reply>,
    staff: Vec<StaffEvent>,
    unanswered: Option<String>,
    screen: Option<ScreenRecord>,
    relay: Option<String>,
    end_handoff: bool,
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
const NAV_BACK: &[&str] = &["back", "go back", "previous", "atras", "volver", "anterior"];
const NAV_STOP: &[&str] = &[
    "stop", "cancel", "quit", "exit", "parar", "detener", "cancelar", "salir",
];
const NAV_RESTART: &[&str] = &[
    "restart",
    "start again",
    "start over",
    "reiniciar",
    "empezar de nuevo",
    "desde el principio",
];

/// How a screen message moves through the screen, if it does.
enum Nav {
    Back,
    Stop,
    Restart,
}

impl Stepper<'_> {
    fn finish(mut self) -> Step {
        for reply in &self.replies {
            if reply.kind != ReplyKind::Emergency {
                self.conv
                    .recent
                    .push(reply.text.chars().take(300).collect());
            }
        }
        let excess = self.conv.recent.len().saturating_sub(RECENT_TURNS);
        self.conv.recent.drain(..excess);
        Step {
            conversation: self.conv,
            replies: self.replies,
            staff: self.staff,
            unanswered: self.unanswered,
            screen: self.screen,
            relay: self.relay,
            end_handoff: self.end_handoff,
        }
    }

    /// With a person: emergencies are still answered at once; `/stop` ends
    /// the hand-off; everything else goes to staff and the bot says nothing.
    fn handed_off(&mut self, input: &Input) {
        match input {
            Input::Text(text) => {
                if let Verdict::Emergency(flag) = self.k.classify(text).verdict {
                    self.emergency(flag);
                } else if !text.trim().is_empty() {
                    self.relay = Some(text.trim().chars().take(4000).collect());
                }
            }
            Input::Command(Command::Stop) => {
                self.conv.state = State::Idle;
                self.end_handoff = true;
                let m = self.k.messages(self.locale());
                self.info(&m.handoff_ended);
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

    fn follow_language(&mut self, detected: Option<Locale>) {
        if !self.conv.locale_pinned
            && let Some(l) = detected
        {
            self.conv.locale = Some(l);
        }
    }

    fn say(&mut self, reply: Reply) {
        self.replies.push(reply);
    }

    fn info(&mut self, text: impl Into<String>) {
        self.say(Reply::new(ReplyKind::Info, text));
    }

    fn screening(&mut self) -> Option<&mut ScreenProgress> {
        match &mut self.conv.state {
            State::Screening(p) => Some(p),
            _ => None,
        }
    }

    fn text(&mut self, text: &str) {
        if text.trim().is_empty() {
            let m = self.k.messages(self.locale());
            self.info(&m.empty_message);
            return self.repeat_question();
        }
        let classified = self.k.classify(text);
        self.follow_language(classified.locale);
        if let Verdict::Emergency(flag) = classified.verdict {
            return self.emergency(flag);
        }
        // Pending questions come before matching.
        let folded = fold(text);
        if matches!(self.conv.state, State::Screening(_)) {
            return self.screen_text(text, &folded, classified.verdict);
        }
        match std::mem::take(&mut self.conv.state) {
            State::OfferedHuman if YES.contains(&folded.as_str()) => {
                return self.request_human(HandoffReason::Unanswered);
            }
            State::OfferedHuman if NO.contains(&folded.as_str()) => {
                let m = self.k.messages(self.locale());
                return self.info(&m.human_declined);
            }
            _ => {}
        }
        self.faq(text, classified.verdict);
    }

    /// Answers a classified free-text message from the knowledge file.
    fn faq(&mut self, text: &str, verdict: Verdict) {
        match verdict {
            Verdict::Emergency(flag) => self.emergency(flag),
            Verdict::Greeting => self.welcome(),
            Verdict::MedicineAdvice => {
                let m = self.k.messages(self.locale());
                let reply = Reply::new(ReplyKind::Fallback, &m.fallback_medicine)
                    .with(Action::Human.choice(&m.human_button));
                self.say(reply);
                self.conv.state = State::OfferedHuman;
            }
            Verdict::Answer { topic, .. } => {
                let id = self.k.topics()[topic].id.clone();
                self.answer(&id);
            }
            Verdict::Clarify { candidates, .. } => {
                let locale = self.locale();
                let m = self.k.messages(locale);
                let mut reply = Reply::new(ReplyKind::Clarify, &m.clarify);
                let ids: Vec<TopicId> = candidates
                    .iter()
                    .map(|&i| self.k.topics()[i].id.clone())
                    .collect();
                for &i in &candidates {
                    let topic = &self.k.topics()[i];
                    reply = reply
                        .with(Action::Topic(topic.id.clone()).choice(&topic.text(locale).question));
                }
                reply = reply.with(Action::Human.choice(&m.human_button));
                self.say(reply);
                self.conv.state = State::Clarifying { candidates: ids };
            }
            Verdict::Fallback { .. } => {
                let m = self.k.messages(self.locale());
                let reply = Reply::new(ReplyKind::Fallback, &m.fallback)
                    .with(Action::Human.choice(&m.human_button))
                    .with(Action::NoThanks.choice(&m.no_thanks_button));
                self.say(reply);
                self.conv.state = State::OfferedHuman;
                self.unanswered = Some(text.trim().to_owned());
            }
        }
    }

    fn command(&mut self, command: &Command) {
        let screening = matches!(self.conv.state, State::Screening(_));
        if !screening {
            self.conv.state = State::Idle;
        }
        match command {
            Command::Start { .. } => self.welcome(),
            Command::Help => {
                let m = self.k.messages(self.locale());
                self.info(&m.help);
            }
            Command::Human => {
                // A screen in progress stays, to be resumed after the talk.
                self.request_human(HandoffReason::Asked);
                return;
            }
            Command::Language(Some(arg)) => match Locale::parse(arg) {
                Ok(locale) => self.set_language(locale),
                Err(_) => self.language_menu(),
            },
            Command::Language(None) => self.language_menu(),
            Command::Screen => return self.start_screen(),
            Command::Back => return self.navigate(Nav::Back),
            Command::Restart => return self.navigate(Nav::Restart),
            Command::Stop => return self.navigate(Nav::Stop),
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
        self.repeat_question();
    }

    fn choice(&mut self, id: &str) {
        let screening = matches!(self.conv.state, State::Screening(_));
        let previous = if screening {
            self.conv.state.clone()
        } else {
            std::mem::take(&mut self.conv.state)
        };
        match Action::parse(id) {
            Some(Action::Topic(topic)) if self.k.topic(&topic).is_some() => {
                self.answer(&topic);
                self.repeat_question();
            }
            Some(Action::Human) => self.request_human(match previous {
                State::OfferedHuman => HandoffReason::Unanswered,
                State::Screening(_) => HandoffReason::Screen,
                _ => HandoffReason::Asked,
            }),
            Some(Action::NoThanks) => {
                let m = self.k.messages(self.locale());
                self.info(&m.human_declined);
            }
            Some(Action::Language(locale)) => {
                self.set_language(locale);
                self.repeat_question();
            }
            Some(Action::ScreenStart) => self.start_screen(),
            Some(Action::ScreenBack) => self.navigate(Nav::Back),
            Some(Action::ScreenStop) => self.navigate(Nav::Stop),
            Some(Action::Answer { question, value }) => {
                match self.current_question().filter(|q| q.id == question) {
                    Some(q) => match answer_from_button(q, &value) {
                        Some(answer) => self.accept(answer),
                        None => self.stale_button(previous),
                    },
                    None => self.stale_button(previous),
                }
            }
            Some(Action::Topic(_)) | None => self.stale_button(previous),
        }
    }

    fn stale_button(&mut self, previous: State) {
        let m = self.k.messages(self.locale());
        self.info(&m.stale_button);
        self.conv.state = previous;
        self.repeat_question();
    }

    fn emergency(&mut self, flag: RedFlag) {
        // A screen in progress ends here, kept with what was answered; a
        // pending question is dropped; a hand-off goes on (staff are told).
        match std::mem::take(&mut self.conv.state) {
            State::Screening(progress) => self.complete(
                progress,
                Outcome::Emergency,
                vec!["red_flag_in_chat".into()],
            ),
            State::HandedOff => self.conv.state = State::HandedOff,
            State::Idle | State::Clarifying { .. } | State::OfferedHuman => {}
        }
        let m = self.k.messages(self.locale());
        let text = match flag {
            RedFlag::SelfHarm => &m.emergency_self_harm,
            _ => &m.emergency,
        };
        self.say(Reply::new(ReplyKind::Emergency, text));
        self.staff.push(StaffEvent::Emergency {
            chat: self.incoming.chat.clone(),
            flag,
            at: self.incoming.at,
        });
    }

    fn answer(&mut self, id: &TopicId) {
        let locale = self.locale();
        let Some(topic) = self.k.topic(id) else {
            return;
        };
        let mut reply = Reply::new(ReplyKind::Answer, &topic.text(locale).answer);
        reply.topic = Some(topic.id.clone());
        let m = self.k.messages(locale);
        if topic.id.as_str() == TALK_TO_HUMAN {
            reply = reply.with(Action::Human.choice(&m.human_button));
        } else if topic.id.as_str() == SCREENING_TOPIC
            && !matches!(self.conv.state, State::Screening(_))
        {
            reply = reply.with(Action::ScreenStart.choice(&m.screen_button));
        } else {
            for related in topic.related.iter().take(2) {
                if let Some(r) = self.k.topic(related) {
                    reply =
                        reply.with(Action::Topic(r.id.clone()).choice(&r.text(locale).question));
                }
            }
        }
        self.say(reply);
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
            _ => m.human_requested.clone(),
        };
        self.say(Reply::new(ReplyKind::Handoff, text));
        self.conv.state = State::HandedOff;
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

    // --- The health screen -------------------------------------------------

    fn current_question(&self) -> Option<&Question> {
        match &self.conv.state {
            State::Screening(p) => self.k.screening().next(&p.answers),
            _ => None,
        }
    }

    fn start_screen(&mut self) {
        if matches!(self.conv.state, State::Screening(_)) {
            let t = self.k.screening().text(self.locale());
            self.info(&t.resumed);
        } else {
            self.conv.state = State::Screening(ScreenProgress {
                answers: Vec::new(),
                tries: 0,
                started: self.incoming.at,
            });
        }
        self.ask(None);
    }

    /// Asks the current screen question again, if a screen is in progress.
    fn repeat_question(&mut self) {
        if matches!(self.conv.state, State::Screening(_)) {
            self.ask(None);
        }
    }

    /// Asks the current question, after `preface` when given.
    fn ask(&mut self, preface: Option<String>) {
        let locale = self.locale();
        let Some(q) = self.current_question() else {
            return;
        };
        let t = self.k.screening().text(locale);
        let text = match preface {
            Some(p) => format!("{p}\n\n{}", q.text(locale)),
            None => q.text(locale).to_owned(),
        };
        let mut reply = Reply::new(ReplyKind::Question, text);
        reply.question = Some(q.id.clone());
        reply.numbered = matches!(q.kind, Kind::YesNo | Kind::Choice(_));
        for (value, label) in answer_buttons(q, locale, t) {
            reply = reply.with(
                Action::Answer {
                    question: q.id.clone(),
                    value,
                }
                .choice(label),
            );
        }
        let answered = matches!(&self.conv.state, State::Screening(p) if !p.answers.is_empty());
        if answered {
            reply = reply.with(Action::ScreenBack.choice(&t.back));
        }
        reply = reply.with(Action::ScreenStop.choice(&t.stop));
        let tries = self.screening().map_or(0, |p| p.tries);
        if tries >= TRIES_BEFORE_HUMAN {
            let m = self.k.messages(locale);
            reply.text = format!("{}\n\n{}", reply.text, t.offer_human);
            reply = reply.with(Action::Human.choice(&m.human_button));
        }
        self.say(reply);
    }

    fn screen_text(&mut self, text: &str, folded: &str, verdict: Verdict) {
        let nav = if NAV_BACK.contains(&folded) {
            Some(Nav::Back)
        } else if NAV_STOP.contains(&folded) {
            Some(Nav::Stop)
        } else if NAV_RESTART.contains(&folded) {
            Some(Nav::Restart)
        } else {
            None
        };
        if let Some(nav) = nav {
            return self.navigate(nav);
        }
        let Some(q) = self.current_question() else {
            return;
        };
        match self.k.screening().parse(q, text) {
            Parsed::Answer(answer) => self.accept(answer),
            Parsed::NotUnderstood => {
                if let Verdict::Answer { .. } | Verdict::MedicineAdvice = verdict {
                    // A question about something else: answer it, then ask again.
                    let state = self.conv.state.clone();
                    self.faq(text, verdict);
                    self.conv.state = state;
                    return self.ask(None);
                }
                let locale = self.locale();
                let preface = reask(q, locale, self.k.screening().text(locale));
                if let Some(p) = self.screening() {
                    p.tries = p.tries.saturating_add(1);
                }
                self.ask(Some(preface));
            }
        }
    }

    fn navigate(&mut self, nav: Nav) {
        let locale = self.locale();
        let t = self.k.screening().text(locale);
        let Some(progress) = self.screening() else {
            return self.info(&t.not_screening);
        };
        progress.tries = 0;
        match nav {
            Nav::Back => {
                if progress.answers.pop().is_none() {
                    self.info(&t.first_question);
                }
                self.ask(None);
            }
            Nav::Restart => {
                progress.answers.clear();
                self.info(&t.restarted);
                self.ask(None);
            }
            Nav::Stop => {
                // Stopping keeps nothing half-done.
                self.conv.state = State::Idle;
                self.info(&t.stopped);
            }
        }
    }

    fn accept(&mut self, answer: Answer) {
        let locale = self.locale();
        let screening = self.k.screening();
        let Some(q) = self.current_question() else {
            return;
        };
        let stops = answer
            .value()
            .is_some_and(|v| q.stop_if.iter().any(|s| s == v));
        let id = q.id.clone();
        if stops {
            self.conv.state = State::Idle;
            return self.info(&screening.text(locale).not_now);
        }
        let Some(progress) = self.screening() else {
            return;
        };
        progress.answers.push((id, answer));
        progress.tries = 0;
        let (outcome, flags) = screening.outcome(&progress.answers);
        let done = screening.next(&progress.answers).is_none();
        if outcome == Outcome::Emergency || done {
            let State::Screening(progress) = std::mem::take(&mut self.conv.state) else {
                return;
            };
            self.complete(progress, outcome, flags);
            if outcome == Outcome::Emergency {
                let m = self.k.messages(locale);
                self.say(Reply::new(ReplyKind::Emergency, &m.emergency));
                self.staff.push(StaffEvent::Emergency {
                    chat: self.incoming.chat.clone(),
                    flag: RedFlag::ReportedInScreen,
                    at: self.incoming.at,
                });
            } else {
                let t = screening.text(locale);
                let mut reply = Reply::new(ReplyKind::Outcome, t.outcome(outcome));
                if matches!(outcome, Outcome::Decline | Outcome::Reschedule) {
                    let m = self.k.messages(locale);
                    reply = reply.with(Action::Human.choice(&m.human_button));
                }
                self.say(reply);
            }
        } else {
            self.ask(None);
        }
    }

    fn complete(&mut self, progress: ScreenProgress, outcome: Outcome, flags: Vec<String>) {
        self.staff.push(StaffEvent::ScreenCompleted {
            chat: self.incoming.chat.clone(),
            outcome,
            flags: flags.clone(),
            at: self.incoming.at,
        });
        self.screen = Some(ScreenRecord {
            chat: self.incoming.chat.clone(),
            started: progress.started,
            completed: self.incoming.at,
            outcome,
            flags,
            answers: progress.answers,
            locale: self.locale(),
        });
    }
}

/// The answer buttons of a question: (value, label).
fn answer_buttons(
    q: &Question,
    locale: Locale,
    t: &crate::screening::ScreenText,
) -> Vec<(String, String)> {
    match &q.kind {
        Kind::YesNo => vec![
            ("yes".into(), t.yes.clone()),
            ("no".into(), t.no.clone()),
            ("unsure".into(), t.unsure.clone()),
        ],
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| (c.id.clone(), c.label(locale).to_owned()))
            .collect(),
        Kind::Number { .. } => vec![("unsure".into(), t.unsure.clone())],
        Kind::Text => Vec::new(),
    }
}

/// The answer a button press stands for, if the question has that button.
fn answer_from_button(q: &Question, value: &str) -> Option<Answer> {
    match (&q.kind, value) {
        (Kind::YesNo, "yes") => Some(Answer::Yes),
        (Kind::YesNo, "no") => Some(Answer::No),
        (Kind::YesNo | Kind::Number { .. }, "unsure") => Some(Answer::Unsure),
        (Kind::Choice(choices), v) => choices
            .iter()
            .any(|c| c.id == v)
            .then(|| Answer::Choice(v.to_owned())),
        _ => None,
    }
}

/// The "sorry, answer with…" sentence for a question.
fn reask(q: &Question, locale: Locale, t: &crate::screening::ScreenText) -> String {
    match &q.kind {
        Kind::Number { min, max } => t
            .reask_number
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        Kind::Text => t.reask_text.clone(),
        Kind::YesNo | Kind::Choice(_) => {
            let options: Vec<String> = answer_buttons(q, locale, t)
                .into_iter()
                .map(|(_, label)| label)
                .collect();
            t.reask_choice.replace("{options}", &options.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::shipped;

    fn incoming(input: Input) -> Incoming {
        Incoming {
            chat: ChatKey::parse("terminal:test").unwrap(),
            input,
            at: Timestamp::UNIX_EPOCH,
            locale_hint: None,
            shared: false,
            display_name: None,
            sequence: None,
        }
    }

    fn text(t: &str) -> Input {
        Input::from_text(t)
    }

    fn topic(id: &str) -> TopicId {
        TopicId::parse(id).unwrap()
    }

    /// (state before, input, state after, kinds of the replies sent, staff event?)
    #[test]
    fn the_dialogue_follows_its_transition_table() {
        let k = shipped();
        let clarifying = State::Clarifying {
            candidates: vec![topic("needle-size"), topic("how-long-session")],
        };
        let table: Vec<(State, Input, State, Vec<ReplyKind>, bool)> = vec![
            (
                State::Idle,
                text("does it hurt?"),
                State::Idle,
                vec![ReplyKind::Answer],
                false,
            ),
            (
                State::Idle,
                text("how long"),
                clarifying.clone(),
                vec![ReplyKind::Clarify],
                false,
            ),
            (
                State::Idle,
                text("do you do botox"),
                State::OfferedHuman,
                vec![ReplyKind::Fallback],
                false,
            ),
            (
                State::Idle,
                text("my chest hurts and i cant breathe"),
                State::Idle,
                vec![ReplyKind::Emergency],
                true,
            ),
            (
                clarifying.clone(),
                text("I can't breathe"),
                State::Idle,
                vec![ReplyKind::Emergency],
                true,
            ),
            (
                clarifying.clone(),
                Input::Choice("topic:hours".into()),
                State::Idle,
                vec![ReplyKind::Answer],
                false,
            ),
            (
                clarifying.clone(),
                text("does it hurt"),
                State::Idle,
                vec![ReplyKind::Answer],
                false,
            ),
            (
                State::OfferedHuman,
                text("yes please"),
                State::HandedOff,
                vec![ReplyKind::Handoff],
                true,
            ),
            (
                State::OfferedHuman,
                text("no thanks"),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::OfferedHuman,
                Input::Choice("human".into()),
                State::HandedOff,
                vec![ReplyKind::Handoff],
                true,
            ),
            (
                State::Idle,
                text("/human"),
                State::HandedOff,
                vec![ReplyKind::Handoff],
                true,
            ),
            // With a person: quiet, but emergencies are still answered.
            (
                State::HandedOff,
                text("does it hurt?"),
                State::HandedOff,
                vec![],
                false,
            ),
            (
                State::HandedOff,
                text("I can't breathe"),
                State::HandedOff,
                vec![ReplyKind::Emergency],
                true,
            ),
            (
                State::HandedOff,
                text("/stop"),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            // Asking again while waiting says so instead of silence.
            (
                State::HandedOff,
                text("/human"),
                State::HandedOff,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                text("/start"),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                text("/frobnicate"),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                text("   "),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                text("hello"),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                text("should i stop taking my warfarin"),
                State::OfferedHuman,
                vec![ReplyKind::Fallback],
                false,
            ),
            (
                clarifying.clone(),
                Input::Choice("topic:no-such-topic".into()),
                clarifying.clone(),
                vec![ReplyKind::Info],
                false,
            ),
            (
                State::Idle,
                Input::Choice("<script>".into()),
                State::Idle,
                vec![ReplyKind::Info],
                false,
            ),
        ];
        for (before, input, after, kinds, staff) in table {
            let conv = Conversation {
                state: before.clone(),
                ..Conversation::default()
            };
            let step = step(&k, conv, &incoming(input.clone()));
            let got: Vec<ReplyKind> = step.replies.iter().map(|r| r.kind).collect();
            assert_eq!(step.conversation.state, after, "{before:?} + {input:?}");
            assert_eq!(got, kinds, "{before:?} + {input:?}");
            assert_eq!(!step.staff.is_empty(), staff, "{before:?} + {input:?}");
        }
    }

    #[test]
    fn a_typed_number_presses_the_offered_button() {
        let k = shipped();
        let first = step(&k, Conversation::default(), &incoming(text("how long")));
        let second_choice = first.replies[0].choices[1].id.clone();
        let pressed = step(&k, first.conversation, &incoming(text("2")));
        assert_eq!(
            pressed.replies[0]
                .topic
                .as_ref()
                .map(|t| format!("topic:{t}")),
            Some(second_choice)
        );
    }

    #[test]
    fn unanswered_questions_are_recorded_but_emergencies_carry_no_text() {
        let k = shipped();
        let s = step(
            &k,
            Conversation::default(),
            &incoming(text("do you do botox")),
        );
        assert_eq!(s.unanswered.as_deref(), Some("do you do botox"));
        let s = step(
            &k,
            Conversation::default(),
            &incoming(text("I want to end my life")),
        );
        assert_eq!(s.replies[0].kind, ReplyKind::Emergency);
        assert!(
            s.replies[0].text.contains("988"),
            "the crisis line is given"
        );
        let event = serde_json::to_string(&s.staff[0]).unwrap();
        assert!(!event.contains("end my life"), "{event}");
    }

    #[test]
    fn the_bot_answers_in_the_patients_language_until_one_is_chosen() {
        let k = shipped();
        let s = step(&k, Conversation::default(), &incoming(text("¿duele?")));
        assert_eq!(s.conversation.locale, Some(Locale::Es));
        assert_eq!(
            s.replies[0].text,
            k.topics()[k.topic_index(&topic("does-it-hurt")).unwrap()]
                .text(Locale::Es)
                .answer
        );
        let s = step(&k, s.conversation, &incoming(text("/language en")));
        assert!(s.conversation.locale_pinned);
        let s = step(&k, s.conversation, &incoming(text("¿duele?")));
        assert_eq!(
            s.conversation.locale,
            Some(Locale::En),
            "a chosen language sticks"
        );
    }

    #[test]
    fn commands_are_parsed_with_arguments_and_bot_suffixes() {
        assert_eq!(
            Input::from_text("/start@FrontdeskBot abc123"),
            Input::Command(Command::Start {
                payload: Some("abc123".into())
            })
        );
        assert_eq!(
            Input::from_text("/LANGUAGE es"),
            Input::Command(Command::Language(Some("es".into())))
        );
        assert_eq!(Input::from_text("/"), Input::Text("/".into()));
        assert_eq!(
            Action::parse("topic:does-it-hurt").map(|a| a.id()),
            Some("topic:does-it-hurt".into())
        );
        assert_eq!(Action::parse("topic:../../etc"), None);
    }

    // --- The health screen ---------------------------------------------

    /// Answers to screen questions by id.
    type Answers<'a> = &'a [(&'a str, &'a str)];

    /// Drives a chat through a list of inputs (`!id` presses a button).
    fn drive(k: &Knowledge, conv: Conversation, inputs: &[&str]) -> (Conversation, Vec<Step>) {
        let mut conv = conv;
        let mut steps = Vec::new();
        for input in inputs {
            let input = match input.strip_prefix('!') {
                Some(id) => Input::Choice(id.to_owned()),
                None => Input::from_text(input),
            };
            let s = step(k, conv, &incoming(input));
            conv = s.conversation.clone();
            steps.push(s);
        }
        (conv, steps)
    }

    /// Runs a whole screen, answering each question by id (default "no",
    /// consent "yes"); returns every step.
    fn screen_with(k: &Knowledge, answers: &[(&str, &str)]) -> Vec<Step> {
        let (mut conv, mut steps) = drive(k, Conversation::default(), &["/screen"]);
        for _ in 0..80 {
            let last = steps.last().unwrap().replies.last().unwrap();
            let Some(q) = last.question.clone() else {
                return steps;
            };
            let answer = answers
                .iter()
                .find(|(id, _)| *id == q)
                .map(|(_, a)| *a)
                .unwrap_or(if q == "consent" { "yes" } else { "no" });
            let (c, mut s) = drive(k, conv, &[answer]);
            conv = c;
            steps.append(&mut s);
        }
        panic!("the screen did not end");
    }

    fn record(steps: &[Step]) -> &ScreenRecord {
        steps
            .iter()
            .find_map(|s| s.screen.as_ref())
            .expect("a completed screen")
    }

    fn asked(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .flat_map(|s| &s.replies)
            .filter_map(|r| r.question.clone())
            .collect()
    }

    #[test]
    fn each_outcome_follows_from_the_answers() {
        let k = shipped();
        let cases: &[(Answers, Outcome, &[&str])] = &[
            (&[], Outcome::Clear, &[]),
            (
                &[
                    ("blood_thinners", "yes"),
                    ("blood_thinner_which", "warfarin"),
                    ("inr", "2.4 last week"),
                ],
                Outcome::Review,
                &["blood_thinners"],
            ),
            (
                &[("needle_fear", "yes")],
                Outcome::Decline,
                &["needle_phobia"],
            ),
            (
                &[("unwell_today", "yes")],
                Outcome::Reschedule,
                &["unwell_or_fever"],
            ),
            (
                &[("red_flags_now", "yes")],
                Outcome::Emergency,
                &["red_flags_now"],
            ),
            (
                &[
                    ("diabetes", "yes"),
                    ("diabetes_controlled", "yes"),
                    ("anything_else", "my left knee is the sore one"),
                ],
                Outcome::Clear,
                &["diabetes", "note_for_clinician"],
            ),
        ];
        for (answers, outcome, flags) in cases {
            let steps = screen_with(&k, answers);
            let r = record(&steps);
            assert_eq!(r.outcome, *outcome, "{answers:?}");
            assert_eq!(r.flags, *flags, "{answers:?}");
            let last = steps.last().unwrap();
            let kind = if *outcome == Outcome::Emergency {
                ReplyKind::Emergency
            } else {
                ReplyKind::Outcome
            };
            assert_eq!(last.replies.last().unwrap().kind, kind);
            assert_eq!(last.conversation.state, State::Idle);
            let event = last
                .staff
                .iter()
                .find(|e| matches!(e, StaffEvent::ScreenCompleted { .. }))
                .unwrap();
            let json = serde_json::to_string(event).unwrap();
            assert!(
                !json.contains("knee"),
                "staff events carry flag names only: {json}"
            );
        }
    }

    #[test]
    fn an_emergency_answer_ends_the_screen_at_once() {
        let steps = screen_with(&shipped(), &[("red_flags_now", "yes")]);
        assert_eq!(asked(&steps), ["consent", "red_flags_now"]);
        assert!(steps.last().unwrap().staff.iter().any(|e| matches!(
            e,
            StaffEvent::Emergency {
                flag: RedFlag::ReportedInScreen,
                ..
            }
        )));
    }

    #[test]
    fn follow_ups_are_asked_only_when_their_parent_answer_calls_for_them() {
        let k = shipped();
        let pregnant = asked(&screen_with(
            &k,
            &[("pregnant", "yes"), ("pregnancy_weeks", "20")],
        ));
        assert!(pregnant.contains(&"pregnancy_weeks".to_owned()));
        assert!(pregnant.contains(&"pregnancy_complications".to_owned()));
        assert!(!pregnant.contains(&"trying_to_conceive".to_owned()));
        let not = asked(&screen_with(&k, &[]));
        assert!(!not.contains(&"pregnancy_weeks".to_owned()));
        assert!(!not.contains(&"inr".to_owned()));
        assert!(not.contains(&"trying_to_conceive".to_owned()));

        let early = screen_with(
            &k,
            &[("pregnant", "yes"), ("pregnancy_weeks", "about 8 weeks")],
        );
        assert_eq!(record(&early).outcome, Outcome::Decline);
        assert!(record(&early).flags.contains(&"first_trimester".to_owned()));
    }

    #[test]
    fn free_text_yes_and_no_work_in_both_languages() {
        let k = shipped();
        for (yes, no) in [("yep", "nope"), ("sí", "no"), ("i think so", "no, I don't")] {
            let steps = screen_with(&k, &[("epilepsy", yes), ("heart", no)]);
            let r = record(&steps);
            assert!(
                r.answers.contains(&("epilepsy".into(), Answer::Yes)),
                "{yes}"
            );
            assert!(r.answers.contains(&("heart".into(), Answer::No)), "{no}");
        }
        let steps = screen_with(&k, &[("cancer", "no sé")]);
        assert!(
            record(&steps)
                .answers
                .contains(&("cancer".into(), Answer::Unsure))
        );
    }

    #[test]
    fn an_answer_not_understood_is_asked_again_then_a_person_is_offered() {
        let k = shipped();
        let (conv, steps) = drive(&k, Conversation::default(), &["/screen", "yes", "banana"]);
        let reask = &steps[2].replies[0];
        assert_eq!(reask.question.as_deref(), Some("red_flags_now"));
        assert!(reask.text.contains("Yes, No, Not sure"), "{}", reask.text);
        assert!(!reask.choices.iter().any(|c| c.id == "human"));
        let (_, steps) = drive(&k, conv, &["banana", "banana"]);
        let third = &steps[1].replies[0];
        assert!(
            third.choices.iter().any(|c| c.id == "human"),
            "after three tries"
        );
        assert_eq!(third.question.as_deref(), Some("red_flags_now"));
    }

    #[test]
    fn back_restart_and_stop_move_through_the_screen() {
        let k = shipped();
        let (conv, steps) = drive(
            &k,
            Conversation::default(),
            &["/screen", "yes", "no", "back"],
        );
        assert_eq!(
            steps[3].replies[0].question.as_deref(),
            Some("red_flags_now")
        );
        let State::Screening(p) = &conv.state else {
            panic!()
        };
        assert_eq!(p.answers.len(), 1, "going back dropped the last answer");

        let (conv, steps) = drive(&k, conv, &["no", "!screen:back", "no", "/restart"]);
        assert_eq!(
            steps[1].replies[0].question.as_deref(),
            Some("red_flags_now")
        );
        assert_eq!(
            steps[3].replies.last().unwrap().question.as_deref(),
            Some("consent")
        );
        let State::Screening(p) = &conv.state else {
            panic!()
        };
        assert!(p.answers.is_empty());

        let (conv, steps) = drive(&k, conv, &["yes", "stop"]);
        assert_eq!(conv.state, State::Idle, "stopping keeps nothing");
        assert!(steps[1].screen.is_none());
        let (_, steps) = drive(&k, conv, &["/back"]);
        assert_eq!(
            steps[0].replies[0].text,
            k.screening().text(Locale::En).not_screening
        );
    }

    #[test]
    fn refusing_consent_ends_the_screen_without_keeping_anything() {
        let k = shipped();
        let (conv, steps) = drive(&k, Conversation::default(), &["/screen", "no"]);
        assert_eq!(conv.state, State::Idle);
        assert!(steps[1].screen.is_none());
        assert!(steps[1].staff.is_empty());
    }

    #[test]
    fn a_question_about_something_else_is_answered_then_the_screen_goes_on() {
        let k = shipped();
        let (conv, steps) = drive(
            &k,
            Conversation::default(),
            &["/screen", "yes", "does it hurt?"],
        );
        let replies = &steps[2].replies;
        assert_eq!(
            replies[0].topic.as_ref().map(|t| t.as_str()),
            Some("does-it-hurt")
        );
        assert_eq!(replies[1].question.as_deref(), Some("red_flags_now"));
        let State::Screening(p) = &conv.state else {
            panic!()
        };
        assert_eq!(p.tries, 0, "a digression is not a failed answer");
    }

    #[test]
    fn a_red_flag_mid_screen_gets_the_emergency_answer_and_keeps_the_answers() {
        let k = shipped();
        let (conv, steps) = drive(
            &k,
            Conversation::default(),
            &["/screen", "yes", "no", "I can't breathe"],
        );
        let last = &steps[3];
        assert_eq!(last.replies[0].kind, ReplyKind::Emergency);
        let r = last.screen.as_ref().unwrap();
        assert_eq!(r.outcome, Outcome::Emergency);
        assert_eq!(r.answers.len(), 2);
        assert_eq!(conv.state, State::Idle);
    }

    #[test]
    fn buttons_answer_only_the_question_being_asked() {
        let k = shipped();
        let (conv, steps) = drive(
            &k,
            Conversation::default(),
            &["/screen", "!ans:consent:yes", "!ans:consent:yes"],
        );
        assert_eq!(
            steps[1].replies[0].question.as_deref(),
            Some("red_flags_now")
        );
        assert_eq!(
            steps[2].replies[0].text,
            k.messages(Locale::En).stale_button
        );
        let State::Screening(p) = &conv.state else {
            panic!()
        };
        assert_eq!(p.answers.len(), 1, "a stale press changes nothing");
        let (_, steps) = drive(&k, conv, &["!ans:red_flags_now:maybe"]);
        assert_eq!(
            steps[0].replies[0].text,
            k.messages(Locale::En).stale_button
        );
    }

    #[test]
    fn a_number_typed_for_a_number_question_is_the_answer_not_a_button() {
        let steps = screen_with(&shipped(), &[("pregnant", "yes"), ("pregnancy_weeks", "2")]);
        let r = record(&steps);
        assert!(
            r.answers
                .contains(&("pregnancy_weeks".into(), Answer::Number(2)))
        );
        let steps = screen_with(&shipped(), &[("needle_fear", "1")]);
        assert!(
            record(&steps)
                .answers
                .contains(&("needle_fear".into(), Answer::Yes))
        );
    }

    #[test]
    fn the_screening_answer_offers_to_start_the_screen() {
        let k = shipped();
        let (_, steps) = drive(
            &k,
            Conversation::default(),
            &["do i have to fill in a health form?"],
        );
        let reply = &steps[0].replies[0];
        assert_eq!(
            reply.topic.as_ref().map(|t| t.as_str()),
            Some(SCREENING_TOPIC)
        );
        assert_eq!(reply.choices[0].id, "screen:start");
        let (_, steps) = drive(&k, Conversation::default(), &["1"]);
        assert_ne!(
            steps[0].replies[0].kind,
            ReplyKind::Question,
            "nothing offered yet"
        );
    }

    #[test]
    fn nothing_personal_happens_in_a_shared_chat() {
        let k = shipped();
        for input in ["/screen", "/human", "!screen:start", "!human"] {
            let mut incoming = incoming(match input.strip_prefix('!') {
                Some(id) => Input::Choice(id.into()),
                None => Input::from_text(input),
            });
            incoming.shared = true;
            let s = step(&k, Conversation::default(), &incoming);
            assert_eq!(s.replies[0].kind, ReplyKind::MoveToPrivate, "{input}");
            assert_eq!(s.conversation.state, State::Idle);
            assert!(s.staff.is_empty());
        }
        let mut faq = incoming(text("does it hurt?"));
        faq.shared = true;
        assert_eq!(
            step(&k, Conversation::default(), &faq).replies[0].kind,
            ReplyKind::Answer
        );
    }

    #[test]
    fn a_request_for_a_person_out_of_hours_says_when_the_desk_opens() {
        let k = shipped();
        let mut request = incoming(text("/human"));
        // Saturday 21 November 2026, 13:00 in New York: closed until Monday.
        request.at = "2026-11-21T18:00:00Z".parse().unwrap();
        let s = step(&k, Conversation::default(), &request);
        assert!(
            s.replies[0].text.contains("(Monday 08:00)"),
            "{}",
            s.replies[0].text
        );
        // Monday 10:00 in New York: open.
        request.at = "2026-11-23T15:00:00Z".parse().unwrap();
        let s = step(&k, Conversation::default(), &request);
        assert!(
            s.replies[0].text.contains("reply soon"),
            "{}",
            s.replies[0].text
        );
    }

    #[test]
    fn the_screen_follows_the_patients_language() {
        let k = shipped();
        let (_, steps) = drive(&k, Conversation::default(), &["¿duele?", "/screen"]);
        let q = &steps[1].replies[0];
        assert_eq!(
            q.text,
            k.screening().question("consent").unwrap().text(Locale::Es)
        );
        assert_eq!(q.choices[0].label, "Sí");
    }
}
