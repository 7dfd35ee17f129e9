//! The health screen in the chat: asking the current question with its
//! answer buttons, reading typed answers (with what the patient wrote
//! beyond the answer), moving back, restarting or stopping, pausing for a
//! hand-off to staff and resuming after it, and completing with the
//! screen's [`Clearance`]. The screen itself (questions, follow-ups, rules)
//! is data: [`crate::screening`].

use super::{Conversation, Offered, ScreenProgress, ScreenRecord, State, Turn};
use crate::chat::{
    Action, Clearance, Command, HandoffReason, Input, RedFlag, Reply, ReplyKind, StaffEvent,
};
use crate::ids::Locale;
use crate::knowledge::Knowledge;
use crate::screening::{Answer, Answered, Detail, Kind, Parsed, Question, ScreenText};
use crate::text::fold;
use crate::understand::Verdict;

/// Failed answers to one screen question before a person is offered.
pub const TRIES_BEFORE_HUMAN: u8 = 3;

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

/// Words that take up the offer to start the screen, one after another:
/// "sí, empecemos", "yes let's start", "dale, empecemos", "ok".
const GO_AHEAD: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "please",
    "of course",
    "si",
    "claro",
    "vale",
    "dale",
    "venga",
    "vamos",
    "adelante",
    "por favor",
    "por supuesto",
    "de acuerdo",
    "lets start",
    "lets begin",
    "lets go",
    "lets do it",
    "go ahead",
    "start",
    "begin",
    "im ready",
    "ready",
    "empecemos",
    "empezamos",
    "comencemos",
    "comenzamos",
    "empezar",
    "listo",
    "lista",
];

/// What may follow a go-ahead: "let's start the questions", "empecemos
/// con las preguntas ya".
const GO_AHEAD_OBJECT: &[&str] = &[
    "the",
    "my",
    "health",
    "questions",
    "screen",
    "now",
    "then",
    "with",
    "them",
    "it",
    "all",
    "right",
    "con",
    "las",
    "mis",
    "preguntas",
    "de",
    "salud",
    "ya",
    "ahora",
    "pues",
    "alla",
];

/// Whether folded text only says to go ahead, in one or more of the
/// [`GO_AHEAD`] words: what a patient types for the start-screen button.
pub(super) fn go_ahead(folded: &str) -> bool {
    let mut rest = folded;
    let mut said = false;
    while !rest.is_empty() {
        let phrase = GO_AHEAD
            .iter()
            .filter(|p| rest == **p || rest.strip_prefix(**p).is_some_and(|r| r.starts_with(' ')))
            .max_by_key(|p| p.len());
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        rest = match phrase {
            Some(p) => rest[p.len()..].trim_start(),
            None if said && GO_AHEAD_OBJECT.contains(&word) => after,
            None => return false,
        };
        said = true;
    }
    said
}

/// How a screen message moves through the screen, if it does.
enum Nav {
    Back,
    Stop,
    Restart,
}

impl Turn<'_> {
    /// In the middle of the screen: typed text answers the current question
    /// (or asks something else, or moves through the screen), buttons answer
    /// or navigate, and the other commands are answered with the question
    /// asked again.
    pub(super) fn screening(&mut self, progress: ScreenProgress, input: &Input) {
        self.conv.state = State::Screening(progress);
        match input {
            Input::Text(text) if text.trim().is_empty() => {
                let m = self.k.messages(self.locale());
                self.info(&m.empty_message);
                self.repeat_question();
            }
            Input::Text(text) => match self.classify(text) {
                Verdict::Emergency(flag) => {
                    if let State::Screening(progress) = std::mem::take(&mut self.conv.state) {
                        self.complete(
                            progress,
                            Clearance::Emergency,
                            vec!["red_flag_in_chat".into()],
                        );
                    }
                    self.emergency(flag);
                }
                verdict => self.screen_text(text, &fold(text), verdict),
            },
            Input::Command(command) => self.screen_command(command),
            Input::Choice(id) => self.screen_choice(id),
        }
    }

    fn screen_command(&mut self, command: &Command) {
        match command {
            Command::Screen => return self.start_screen(),
            Command::Back => return self.navigate(Nav::Back),
            Command::Restart => return self.navigate(Nav::Restart),
            Command::Stop => return self.navigate(Nav::Stop),
            Command::Human => return self.request_human(HandoffReason::Asked),
            other => self.command(other),
        }
        self.repeat_question();
    }

    fn screen_choice(&mut self, id: &str) {
        match Action::parse(id) {
            Some(Action::Topic(topic)) if self.k.topic(&topic).is_some() => {
                self.answer(&topic, None);
                self.repeat_question();
            }
            Some(Action::Human) => self.request_human(HandoffReason::Screen),
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
                        Some(answer) => self.accept(answer, None),
                        None => self.stale_button(),
                    },
                    None => self.stale_button(),
                }
            }
            Some(Action::Topic(_)) | None => self.stale_button(),
        }
    }

    fn stale_button(&mut self) {
        let m = self.k.messages(self.locale());
        self.info(&m.stale_button);
        self.repeat_question();
    }

    fn screening_progress(&mut self) -> Option<&mut ScreenProgress> {
        match &mut self.conv.state {
            State::Screening(p) => Some(p),
            _ => None,
        }
    }

    fn current_question(&self) -> Option<&Question> {
        match &self.conv.state {
            State::Screening(p) => self.k.screening().next(&p.answers),
            _ => None,
        }
    }

    pub(super) fn start_screen(&mut self) {
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
        let State::Screening(progress) = &self.conv.state else {
            return;
        };
        if let Some(reply) = question_reply(self.k, progress, self.locale(), preface) {
            self.say(reply);
        }
    }

    /// Back from a hand-off (the patient's `/stop`): told so, and a screen
    /// the hand-off paused goes on.
    pub(super) fn back_from_staff(&mut self) {
        let locale = self.locale();
        let replies = back_from_staff(self.k, &mut self.conv, locale);
        self.replies.extend(replies);
    }

    fn screen_text(&mut self, text: &str, folded: &str, verdict: Verdict) {
        // On a free-text question ("Which area?") "back" is an answer; the
        // Back button and /back still go back.
        let free_text = self
            .current_question()
            .is_some_and(|q| matches!(q.kind, Kind::Text { .. }));
        let nav = if NAV_BACK.contains(&folded) && !free_text {
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
            Parsed::Answer { answer, detail } => self.accept(answer, detail),
            Parsed::NotUnderstood => {
                if verdict == Verdict::Human {
                    // The screen waits for the hand-off to end.
                    return self.request_human(HandoffReason::Asked);
                }
                if let Verdict::Answer { .. } | Verdict::MedicineAdvice = verdict {
                    // A question about something else: answer it, then ask again.
                    let state = self.conv.state.clone();
                    self.faq(text, verdict);
                    self.conv.state = state;
                    return self.ask(None);
                }
                let locale = self.locale();
                let preface = reask(q, locale, self.k.screening().text(locale));
                if let Some(p) = self.screening_progress() {
                    p.tries = p.tries.saturating_add(1);
                }
                self.ask(Some(preface));
            }
        }
    }

    fn navigate(&mut self, nav: Nav) {
        let locale = self.locale();
        let t = self.k.screening().text(locale);
        let Some(progress) = self.screening_progress() else {
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

    /// Takes an answer to the current question, with what the patient
    /// wrote beyond it, and moves on: the next question, or the outcome.
    fn accept(&mut self, answer: Answer, detail: Option<Detail>) {
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
        let Some(progress) = self.screening_progress() else {
            return;
        };
        progress.answers.push(Answered {
            question: id,
            answer,
            detail,
        });
        progress.tries = 0;
        let (outcome, flags) = screening.outcome(&progress.answers);
        let done = screening.next(&progress.answers).is_none();
        if outcome == Clearance::Emergency || done {
            let State::Screening(progress) = std::mem::take(&mut self.conv.state) else {
                return;
            };
            self.complete(progress, outcome, flags);
            if outcome == Clearance::Emergency {
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
                if matches!(outcome, Clearance::Decline | Clearance::Reschedule) {
                    let m = self.k.messages(locale);
                    reply = reply.with(Action::Human.choice(&m.human_button));
                }
                self.say(reply);
            }
        } else {
            self.ask(None);
        }
    }

    fn complete(&mut self, progress: ScreenProgress, outcome: Clearance, flags: Vec<String>) {
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

/// The reply asking the screen's current question with its buttons, after
/// `preface` when given; `None` once every question is answered.
fn question_reply(
    k: &Knowledge,
    progress: &ScreenProgress,
    locale: Locale,
    preface: Option<String>,
) -> Option<Reply> {
    let q = k.screening().next(&progress.answers)?;
    let t = k.screening().text(locale);
    let text = match preface {
        Some(p) => format!("{p}\n\n{}", q.text(locale)),
        None => q.text(locale).to_owned(),
    };
    let mut reply = Reply::new(ReplyKind::Question, text);
    reply.question = Some(q.id.clone());
    reply.numbered = matches!(q.kind, Kind::YesNo { .. } | Kind::Choice(_));
    for (value, label) in answer_buttons(q, locale, t) {
        reply = reply.with(
            Action::Answer {
                question: q.id.clone(),
                value,
            }
            .choice(label),
        );
    }
    if !progress.answers.is_empty() {
        reply = reply.with(Action::ScreenBack.choice(&t.back));
    }
    reply = reply.with(Action::ScreenStop.choice(&t.stop));
    if progress.tries >= TRIES_BEFORE_HUMAN {
        let m = k.messages(locale);
        reply.text = format!("{}\n\n{}", reply.text, t.offer_human);
        reply = reply.with(Action::Human.choice(&m.human_button));
    }
    Some(reply)
}

/// The patient is back with the bot after a hand-off (staff closed the
/// ticket, or the patient sent `/stop`): they are told so, and a screen
/// the hand-off paused goes on where it was, its pending question asked
/// again. Sets the conversation's state and latest buttons; returns what
/// to send.
pub fn back_from_staff(
    k: &Knowledge,
    conversation: &mut Conversation,
    locale: Locale,
) -> Vec<Reply> {
    let mut replies = vec![Reply::new(
        ReplyKind::Info,
        &k.messages(locale).handoff_ended,
    )];
    conversation.state = match std::mem::take(&mut conversation.state) {
        State::HandedOff {
            screen: Some(mut progress),
        } => {
            // A fresh start at the question: no person offered straight away.
            progress.tries = 0;
            let t = k.screening().text(locale);
            replies.push(Reply::new(ReplyKind::Info, &t.resumed));
            replies.extend(question_reply(k, &progress, locale, None));
            State::Screening(progress)
        }
        State::HandedOff { screen: None } => State::Idle,
        other => other,
    };
    conversation.offered = replies.last().map(Offered::of).unwrap_or_default();
    replies
}

/// The answer buttons of a question: (value, label).
fn answer_buttons(q: &Question, locale: Locale, t: &ScreenText) -> Vec<(String, String)> {
    match &q.kind {
        Kind::YesNo { .. } => vec![
            ("yes".into(), t.yes.clone()),
            ("no".into(), t.no.clone()),
            ("unsure".into(), t.unsure.clone()),
        ],
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| (c.id.clone(), c.label(locale).to_owned()))
            .collect(),
        Kind::Number { .. } => vec![("unsure".into(), t.unsure.clone())],
        Kind::Text { .. } => Vec::new(),
    }
}

/// The answer a button press stands for, if the question has that button.
fn answer_from_button(q: &Question, value: &str) -> Option<Answer> {
    match (&q.kind, value) {
        (Kind::YesNo { .. }, "yes") => Some(Answer::Yes),
        (Kind::YesNo { .. }, "no") => Some(Answer::No),
        (Kind::YesNo { .. } | Kind::Number { .. }, "unsure") => Some(Answer::Unsure),
        (Kind::Choice(choices), v) => choices
            .iter()
            .any(|c| c.id == v)
            .then(|| Answer::Choice(v.to_owned())),
        _ => None,
    }
}

/// The "sorry, answer with…" sentence for a question.
fn reask(q: &Question, locale: Locale, t: &ScreenText) -> String {
    match &q.kind {
        Kind::Number { min, max } => t
            .reask_number
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        Kind::Text { .. } => t.reask_text.clone(),
        Kind::YesNo { .. } | Kind::Choice(_) => {
            let options: Vec<String> = answer_buttons(q, locale, t)
                .into_iter()
                .map(|(_, label)| label)
                .collect();
            t.reask_choice.replace("{options}", &options.join(", "))
        }
    }
}
