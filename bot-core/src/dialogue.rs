//! The conversation as a state machine: [`State`] says what the bot is waiting
//! for, and [`step`] is a pure function from (state, incoming message) to (new
//! state, replies, staff events, records). No I/O happens here; the engine
//! loads the state, calls `step`, and stores the result.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::classify::Verdict;
use crate::emergency::RedFlag;
use crate::ids::{ChatKey, Locale, TopicId};
use crate::knowledge::Knowledge;

/// The topic whose answer also offers the hand-off button.
pub const TALK_TO_HUMAN: &str = "talk-to-human";

/// A message from a patient, whatever the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub chat: ChatKey,
    pub input: Input,
    pub at: Timestamp,
    /// The platform's idea of the user's language (Telegram's `language_code`).
    pub locale_hint: Option<Locale>,
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
            "" => return Input::Text(text.to_owned()),
            _ => Command::Unknown(name),
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
}

impl Action {
    pub fn id(&self) -> String {
        match self {
            Action::Topic(t) => format!("topic:{t}"),
            Action::Human => "human".into(),
            Action::NoThanks => "no-thanks".into(),
            Action::Language(l) => format!("lang:{l}"),
        }
    }

    pub fn parse(id: &str) -> Option<Action> {
        match id.split_once(':') {
            Some(("topic", t)) => TopicId::parse(t).ok().map(Action::Topic),
            Some(("lang", l)) => Locale::parse(l).ok().map(Action::Language),
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
}

/// One message for the patient. Plain text: adapters escape and render it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub kind: ReplyKind,
    pub text: String,
    pub choices: Vec<Choice>,
    /// The topic answered, on answers.
    pub topic: Option<TopicId>,
}

impl Reply {
    fn new(kind: ReplyKind, text: impl Into<String>) -> Reply {
        Reply {
            kind,
            text: text.into(),
            choices: Vec::new(),
            topic: None,
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
    /// The ids of the buttons on the last message, so a typed number can
    /// press one (`2` presses the second).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
    /// A question the bot could not answer, to log for staff.
    pub unanswered: Option<String>,
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
    };
    let offered = std::mem::take(&mut s.conv.offered);
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
        .map(|r| r.choices.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    Step {
        conversation: s.conv,
        replies: s.replies,
        staff: s.staff,
        unanswered: s.unanswered,
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

impl Stepper<'_> {
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

    fn text(&mut self, text: &str) {
        if text.trim().is_empty() {
            let m = self.k.messages(self.locale());
            self.say(Reply::new(ReplyKind::Info, &m.empty_message));
            return;
        }
        let classified = self.k.classify(text);
        self.follow_language(classified.locale);
        if let Verdict::Emergency(flag) = classified.verdict {
            return self.emergency(flag);
        }
        // Pending questions come before matching.
        let folded = crate::text::fold(text);
        match std::mem::take(&mut self.conv.state) {
            State::OfferedHuman if YES.contains(&folded.as_str()) => {
                return self.request_human(HandoffReason::Unanswered);
            }
            State::OfferedHuman if NO.contains(&folded.as_str()) => {
                let m = self.k.messages(self.locale());
                return self.say(Reply::new(ReplyKind::Info, &m.human_declined));
            }
            State::OfferedHuman | State::Clarifying { .. } | State::Idle => {}
        }
        match classified.verdict {
            Verdict::Emergency(_) => unreachable!("handled above"),
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
        self.conv.state = State::Idle;
        match command {
            Command::Start { .. } => self.welcome(),
            Command::Help => {
                let m = self.k.messages(self.locale());
                self.say(Reply::new(ReplyKind::Info, &m.help));
            }
            Command::Human => self.request_human(HandoffReason::Asked),
            Command::Language(Some(arg)) => match crate::ids::Locale::parse(arg) {
                Ok(locale) => self.set_language(locale),
                Err(_) => self.language_menu(),
            },
            Command::Language(None) => self.language_menu(),
            Command::Unknown(_) => {
                let m = self.k.messages(self.locale());
                self.say(Reply::new(ReplyKind::Info, &m.unknown_command));
            }
        }
    }

    fn choice(&mut self, id: &str) {
        let previous = std::mem::take(&mut self.conv.state);
        match Action::parse(id) {
            Some(Action::Topic(topic)) if self.k.topic(&topic).is_some() => self.answer(&topic),
            Some(Action::Human) => self.request_human(match previous {
                State::OfferedHuman => HandoffReason::Unanswered,
                _ => HandoffReason::Asked,
            }),
            Some(Action::NoThanks) => {
                let m = self.k.messages(self.locale());
                self.say(Reply::new(ReplyKind::Info, &m.human_declined));
            }
            Some(Action::Language(locale)) => self.set_language(locale),
            Some(Action::Topic(_)) | None => {
                let m = self.k.messages(self.locale());
                self.say(Reply::new(ReplyKind::Info, &m.stale_button));
                self.conv.state = previous;
            }
        }
    }

    fn emergency(&mut self, flag: RedFlag) {
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
        self.conv.state = State::Idle;
    }

    fn answer(&mut self, id: &TopicId) {
        let locale = self.locale();
        let Some(topic) = self.k.topic(id) else {
            return;
        };
        let mut reply = Reply::new(ReplyKind::Answer, &topic.text(locale).answer);
        reply.topic = Some(topic.id.clone());
        if topic.id.as_str() == TALK_TO_HUMAN {
            reply = reply.with(Action::Human.choice(&self.k.messages(locale).human_button));
        } else {
            for related in topic.related.iter().take(2) {
                if let Some(r) = self.k.topic(related) {
                    reply =
                        reply.with(Action::Topic(r.id.clone()).choice(&r.text(locale).question));
                }
            }
        }
        self.say(reply);
        self.conv.state = State::Idle;
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
        let m = self.k.messages(self.locale());
        self.say(Reply::new(ReplyKind::Handoff, &m.human_requested));
        self.staff.push(StaffEvent::HumanRequested {
            chat: self.incoming.chat.clone(),
            reason,
            at: self.incoming.at,
        });
        self.conv.state = State::Idle;
    }

    fn set_language(&mut self, locale: Locale) {
        self.conv.locale = Some(locale);
        self.conv.locale_pinned = true;
        let m = self.k.messages(locale);
        self.say(Reply::new(ReplyKind::Info, &m.language_set));
    }

    fn language_menu(&mut self) {
        let m = self.k.messages(self.locale());
        let reply = Reply::new(ReplyKind::Info, &m.language_usage)
            .with(Action::Language(Locale::En).choice("English"))
            .with(Action::Language(Locale::Es).choice("Español"));
        self.say(reply);
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
                State::Idle,
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
                State::Idle,
                vec![ReplyKind::Handoff],
                true,
            ),
            (
                State::Idle,
                text("/human"),
                State::Idle,
                vec![ReplyKind::Handoff],
                true,
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
}
