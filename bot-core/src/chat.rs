//! The messages everything else speaks: what a patient sent ([`Incoming`],
//! [`Input`], [`Command`]), what the bot sends back ([`Reply`] with its
//! [`Choice`] buttons and their [`Action`]s), and what staff must know
//! ([`StaffEvent`], with the [`RedFlag`] or screen [`Clearance`] it carries).
//!
//! A leaf: it imports nothing of the crate but [`crate::ids`], so every
//! feature can use these types without pulling in another feature.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ChatKey, Locale, TopicId};

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

impl Incoming {
    /// A message in a private chat from a patient the platform names
    /// `display_name`, with no language hint and no sequence number.
    pub fn private(chat: ChatKey, input: Input, at: Timestamp, display_name: &str) -> Incoming {
        Incoming {
            chat,
            input,
            at,
            locale_hint: None,
            shared: false,
            display_name: Some(display_name.to_owned()),
            sequence: None,
        }
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    pub(crate) fn choice(&self, label: impl Into<String>) -> Choice {
        Choice {
            id: self.id(),
            label: label.into(),
        }
    }
}

/// What kind of message the bot sends; adapters may render kinds differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Answer,
    Clarify,
    Fallback,
    Emergency,
    /// "Contact us or a doctor today" (triage tier 2).
    Urgent,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub(crate) fn new(kind: ReplyKind, text: impl Into<String>) -> Reply {
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

    pub(crate) fn with(mut self, choice: Choice) -> Reply {
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
    /// Urgent today, not an ambulance: the patient was told to contact the
    /// clinic or a doctor today.
    Urgent {
        chat: ChatKey,
        urgency: Urgency,
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
        outcome: Clearance,
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
            StaffEvent::Urgent { chat, urgency, .. } => {
                tracing::warn!(%chat, urgency = urgency.as_str(), "URGENT: told to contact the clinic or a doctor today")
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

/// The kind of emergency (triage tier 1), for staff: the patient's words
/// are never passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    ChestOrBreathing,
    /// Breathlessness or pain on breathing in, as after needling near the
    /// chest (a collapsed lung).
    Pneumothorax,
    Collapse,
    Confusion,
    Stroke,
    ThunderclapHeadache,
    Seizure,
    Allergy,
    Bleeding,
    Overdose,
    SelfHarm,
    SeriousInjury,
    /// Back pain with numbness between the legs, loss of bladder or bowel
    /// control, or both legs weak.
    CaudaEquina,
    /// Red flags confirmed in answer to the health screen's question.
    ReportedInScreen,
    /// No longer given (a model's emergency reading names its category);
    /// kept so that a staff alert stored by an earlier version still reads.
    Unrecognised,
}

impl RedFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            RedFlag::ChestOrBreathing => "chest pain or breathing difficulty",
            RedFlag::Pneumothorax => {
                "pain or breathlessness on breathing (possible collapsed lung)"
            }
            RedFlag::Collapse => "collapse or unconsciousness",
            RedFlag::Confusion => "sudden confusion",
            RedFlag::Stroke => "signs of stroke",
            RedFlag::ThunderclapHeadache => "sudden severe headache",
            RedFlag::Seizure => "seizure",
            RedFlag::Allergy => "severe allergic reaction",
            RedFlag::Bleeding => "heavy bleeding",
            RedFlag::Overdose => "overdose or poisoning",
            RedFlag::SelfHarm => "thoughts of self-harm",
            RedFlag::SeriousInjury => "serious injury",
            RedFlag::CaudaEquina => "spinal red flags (cauda equina)",
            RedFlag::ReportedInScreen => "red flags reported in the health screen",
            RedFlag::Unrecognised => "signs of an emergency (read by the language model)",
        }
    }
}

/// The kind of urgent-but-not-emergency worry (triage tier 2), for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Spreading redness, heat, swelling or pus at a needle site.
    Infection,
    /// Numbness, pins and needles or weakness that has not passed hours
    /// after treatment.
    NerveSymptoms,
    /// Calf pain and swelling in one leg.
    Clot,
    /// Fainted or very dizzy after treatment, recovered now.
    FaintRecovered,
    /// A fever with feeling very unwell.
    Fever,
    /// A needle broke or stayed in the skin.
    NeedleProblem,
    /// Read as urgent by the semantic model, in words no rule knows.
    Unrecognised,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Infection => "signs of infection at a needle site",
            Urgency::NerveSymptoms => "numbness or weakness that has not passed",
            Urgency::Clot => "calf pain and swelling (possible clot)",
            Urgency::FaintRecovered => "fainted or very dizzy after treatment",
            Urgency::Fever => "fever and feeling very unwell",
            Urgency::NeedleProblem => "a needle broke or stayed in the skin",
            Urgency::Unrecognised => "an urgent worry (read by the language model)",
        }
    }
}

/// What the health screen concludes, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clearance {
    /// Nothing needs a check before the visit (the clinician still reviews).
    Clear,
    /// A clinician must read the answers before needling.
    Review,
    /// Unwell or a skin problem today: move the appointment.
    Reschedule,
    /// No needling for now; offer an assessment or other treatment.
    Decline,
    /// Red flags right now.
    Emergency,
}

impl Clearance {
    pub fn as_str(self) -> &'static str {
        match self {
            Clearance::Clear => "no flags",
            Clearance::Review => "clinician review needed",
            Clearance::Reschedule => "reschedule",
            Clearance::Decline => "needling declined for now",
            Clearance::Emergency => "emergency",
        }
    }
}

/// What a patient can do about their appointment, from a reminder's buttons
/// or by command (`/confirm`, `/cancel`, `/reschedule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientAction {
    Confirm,
    /// Asks whether they are sure.
    Cancel,
    /// Sure: cancels.
    CancelConfirmed,
    /// Not sure after all: keeps it.
    Keep,
    Reschedule,
}

impl PatientAction {
    const NAMES: [(PatientAction, &'static str); 5] = [
        (PatientAction::Confirm, "confirm"),
        (PatientAction::Cancel, "cancel"),
        (PatientAction::CancelConfirmed, "cancel-yes"),
        (PatientAction::Keep, "keep"),
        (PatientAction::Reschedule, "reschedule"),
    ];

    /// The button id for this action on one appointment: `appt:confirm:ID`.
    pub fn button_id(self, appointment: &str) -> String {
        let name = Self::NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, n)| n);
        format!("appt:{name}:{appointment}")
    }

    /// A button id as the platform returned it (possibly forged).
    pub fn parse_button(id: &str) -> Option<(PatientAction, String)> {
        let rest = id.strip_prefix("appt:")?;
        let (name, appointment) = rest.split_once(':')?;
        let action = Self::NAMES.iter().find(|(_, n)| *n == name)?.0;
        let valid = appointment.len() == 17
            && appointment.starts_with('a')
            && appointment[1..].chars().all(|c| c.is_ascii_hexdigit());
        valid.then(|| (action, appointment.to_owned()))
    }

    /// A typed command's name (English or Spanish).
    pub fn from_command(name: &str) -> Option<PatientAction> {
        match name {
            "confirm" | "confirmar" => Some(PatientAction::Confirm),
            "cancel" | "cancelar" => Some(PatientAction::Cancel),
            "reschedule" | "cambiar" | "reprogramar" => Some(PatientAction::Reschedule),
            _ => None,
        }
    }
}
