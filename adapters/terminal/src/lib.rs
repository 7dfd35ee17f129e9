//! The terminal adapter: chat with the bot on standard input and output, no
//! tokens needed. One patient message per line; it works interactively and with
//! piped input.
//!
//! Two renderings:
//! - text (default): the bot's messages with numbered buttons; type the number
//!   (or `!N` where a typed number is an answer, or `!choose ID`) to press one;
//! - JSON (`--json`): one object per bot message per line, for scripts and
//!   tests: `{"kind", "text", "choices": [{"id", "label"}], "topic",
//!   "question"}`.
//!
//! Staff events go to a separate writer (standard error in the CLI), as JSON
//! lines in JSON mode. The adapter only converts: every decision is the
//! engine's.
//!
//! The terminal is also a staff desk, so a hand-off can be tried without
//! Telegram or Discord: desk posts are printed as `[desk] …` lines (to the
//! staff writer), and a line `!desk COMMAND` is a staff command (`!desk
//! /claim 1`, `!desk /reply 1 text`, `!desk /close 1`, `!desk /queue`) made
//! by whoever sits at the terminal, who holds the data folder anyway.

use std::io::{self, BufRead, Write};

use frontdesk_core::handoff::{self, Actor, StaffAction, render};
use frontdesk_core::{
    ChatKey, Clock, Command, Delivery, Engine, Incoming, Input, Platform, Reply, StaffEvent,
    StaffResponse, Store,
};
use serde::Serialize;

/// Why the terminal session stopped.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("terminal input/output failed: {0}")]
    Io(#[from] io::Error),
    #[error("invalid patient id: {0}")]
    Patient(#[from] frontdesk_core::IdError),
    #[error(
        "the data folder cannot be written (is the disk full or read-only?); the chat was stopped"
    )]
    StoreUnusable,
}

/// How to run a terminal session.
#[derive(Debug, Clone)]
pub struct Options {
    /// The patient's id; chats are keyed `terminal:ID`.
    pub patient: String,
    pub json: bool,
    /// Print a prompt before each line (only when a person is typing at a
    /// plain reader).
    pub prompt: bool,
    /// Greet with the welcome first (a person typing, in a line editor
    /// that prints its own prompt).
    pub greet: bool,
}

/// A bot message as one JSON line.
#[derive(Serialize)]
struct JsonReply<'a> {
    kind: frontdesk_core::ReplyKind,
    text: &'a str,
    choices: &'a [frontdesk_core::Choice],
    topic: Option<&'a str>,
    question: Option<&'a str>,
}

/// Reads patient lines from `input` until it ends, writing the bot's replies to
/// `out` and staff events to `staff`.
pub fn run<S: Store>(
    engine: &Engine<S>,
    clock: &dyn Clock,
    options: &Options,
    input: impl BufRead,
    out: impl Write,
    staff: impl Write,
) -> Result<(), TerminalError> {
    let mut session = Session::start(engine, clock, options, out, staff)?;
    // Bytes, decoded lossily: a line of invalid UTF-8 (a stray byte from a
    // paste) is read with replacement characters, not the end of the chat.
    for line in input.split(b'\n') {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        session.line(line.strip_suffix('\r').unwrap_or(&line))?;
        session.prompt()?;
    }
    session.end()
}

/// One terminal chat: a line in, the bot's replies (and desk posts) out.
/// [`run`] drives it from any reader; the command line drives it from a
/// line editor.
pub struct Session<'a, S: Store, O: Write, E: Write> {
    engine: &'a Engine<S>,
    clock: &'a dyn Clock,
    options: &'a Options,
    chat: ChatKey,
    out: O,
    staff: E,
    /// The ids of the buttons of the bot's last message, for `!N`.
    buttons: Vec<String>,
}

impl<'a, S: Store, O: Write, E: Write> Session<'a, S, O, E> {
    /// Starts a chat: a person typing is greeted first, with the welcome
    /// and its menu, not a bare prompt.
    pub fn start(
        engine: &'a Engine<S>,
        clock: &'a dyn Clock,
        options: &'a Options,
        out: O,
        staff: E,
    ) -> Result<Self, TerminalError> {
        let chat = ChatKey::new(Platform::Terminal, &options.patient)?;
        let mut session = Session {
            engine,
            clock,
            options,
            chat,
            out,
            staff,
            buttons: Vec::new(),
        };
        if options.prompt || options.greet {
            let start = Input::Command(Command::Start { payload: None });
            let welcome = engine.handle(&session.incoming(start));
            for reply in &welcome.replies {
                write_reply(&mut session.out, reply, false)?;
            }
            if let Some(last) = welcome.replies.last() {
                session.buttons = last.choices.iter().map(|c| c.id.clone()).collect();
            }
        }
        session.prompt()?;
        Ok(session)
    }

    fn incoming(&self, input: Input) -> Incoming {
        let (chat, at) = (self.chat.clone(), self.clock.now());
        Incoming::private(chat, input, at, &self.options.patient)
    }

    /// Prints the prompt, if this session prints one.
    fn prompt(&mut self) -> Result<(), TerminalError> {
        if self.options.prompt {
            write!(self.out, "you> ")?;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Ends the chat.
    pub fn end(mut self) -> Result<(), TerminalError> {
        if self.options.prompt {
            writeln!(self.out)?;
        }
        Ok(())
    }

    /// Handles one typed line: a patient's message, or `!desk COMMAND`.
    pub fn line(&mut self, line: &str) -> Result<(), TerminalError> {
        let (engine, clock, json) = (self.engine, self.clock, self.options.json);
        if let Some(command) = desk_command(line) {
            let actor = Actor {
                platform: Platform::Terminal,
                user_id: self.options.patient.clone(),
                roles: Vec::new(),
                display_name: self.options.patient.clone(),
            };
            let done = engine
                .handle_staff(&actor, &command, clock.now())
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "staff action failed");
                    StaffResponse::failed()
                });
            for text in done.to_staff.iter().chain(&done.private) {
                writeln!(self.staff, "[desk] {text}")?;
            }
            for delivery in &done.to_patients {
                match delivery {
                    Delivery::ToChat { chat, reply, .. } if *chat == self.chat => {
                        write_reply(&mut self.out, reply, json)?;
                    }
                    Delivery::ToChat { chat, .. } => writeln!(
                        self.staff,
                        "[desk] {chat} is not in this terminal: run `frontdesk serve` to reach them"
                    )?,
                    Delivery::Desk { .. } => {}
                }
            }
            for event in &done.desk {
                writeln!(self.staff, "[desk] {}", render::desk_text(event))?;
            }
        } else {
            // `!N` presses the last message's Nth button.
            let pressed = line
                .trim()
                .strip_prefix('!')
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.buttons.get(n.checked_sub(1)?).cloned());
            let input = pressed.map_or_else(|| parse_line(line), Input::Choice);
            let outcome = engine.handle(&self.incoming(input));
            if let Some(last) = outcome.replies.last() {
                self.buttons = last.choices.iter().map(|c| c.id.clone()).collect();
            }
            for reply in &outcome.replies {
                write_reply(&mut self.out, reply, json)?;
            }
            for event in &outcome.staff {
                write_staff(&mut self.staff, event, json)?;
            }
            // This terminal is a desk: it shows the posts, and takes the
            // alerts for every desk off the outbox (not one platform's
            // erasure of its topics, which waits for that desk).
            let for_every_desk = outcome
                .alerts
                .iter()
                .filter(|a| a.event.only_for().is_none());
            for alert in for_every_desk {
                let _ = engine.delivered(&alert.receipt, clock.now());
            }
            if !json {
                for event in outcome.desk_events() {
                    writeln!(self.staff, "[desk] {}", render::desk_text(event))?;
                }
            }
        }
        self.out.flush()?;
        if !engine.store_usable() {
            return Err(TerminalError::StoreUnusable);
        }
        Ok(())
    }
}

/// A bot message, as text or as a JSON line.
fn write_reply(out: &mut impl Write, reply: &Reply, json: bool) -> io::Result<()> {
    if json {
        write_json(out, reply)
    } else {
        write_text(out, reply)
    }
}

/// A `!desk COMMAND` line's staff command.
fn desk_command(line: &str) -> Option<StaffAction> {
    let rest = line.trim().strip_prefix("!desk")?;
    rest.starts_with(char::is_whitespace)
        .then(|| handoff::parse_staff_command(rest.trim()))
        .flatten()
}

/// A typed line as the engine's input: `!choose ID` presses a button, `/cmd`
/// is a command, anything else is text.
pub fn parse_line(line: &str) -> Input {
    match line.trim().strip_prefix("!choose") {
        Some(id) if id.is_empty() || id.starts_with(char::is_whitespace) => {
            Input::Choice(id.trim().to_owned())
        }
        _ => Input::from_text(line),
    }
}

fn write_json(out: &mut impl Write, reply: &Reply) -> io::Result<()> {
    let json = JsonReply {
        kind: reply.kind,
        text: &reply.text,
        choices: &reply.choices,
        topic: reply.topic.as_ref().map(|t| t.as_str()),
        question: reply.question.as_deref(),
    };
    serde_json::to_writer(&mut *out, &json)?;
    writeln!(out)
}

/// A bot message as text. Buttons are shown one way, numbered; where a
/// typed number is the answer itself (a question asking for a number or
/// for words), a button is pressed with `!` before its number.
fn write_text(out: &mut impl Write, reply: &Reply) -> io::Result<()> {
    let mut lines = reply.text.lines();
    writeln!(out, "bot> {}", lines.next().unwrap_or_default())?;
    for line in lines {
        writeln!(out, "     {line}")?;
    }
    for (n, choice) in reply.choices.iter().enumerate() {
        writeln!(out, "     {}) {}", n + 1, choice.label)?;
    }
    if !reply.numbered && !reply.choices.is_empty() {
        writeln!(
            out,
            "     (type !1, !2… to press one; a plain answer is your answer)"
        )?;
    }
    Ok(())
}

fn write_staff(out: &mut impl Write, event: &StaffEvent, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, event)?;
        writeln!(out)
    } else {
        match event {
            StaffEvent::Emergency { chat, flag, .. } => writeln!(
                out,
                "[staff] EMERGENCY in {chat}: {} (emergency answer sent)",
                flag.as_str()
            ),
            StaffEvent::Urgent { chat, urgency, .. } => writeln!(
                out,
                "[staff] URGENT in {chat}: {} (told to contact us or a doctor today)",
                urgency.as_str()
            ),
            StaffEvent::HumanRequested { chat, .. } => {
                writeln!(out, "[staff] {chat} asked to talk to a person")
            }
            StaffEvent::ScreenCompleted {
                chat,
                outcome,
                flags,
                ..
            } => writeln!(
                out,
                "[staff] {chat} completed the health screen: {}{}",
                outcome.as_str(),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", flags.join(", "))
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped knowledge folder.
    fn shipped() -> std::sync::Arc<frontdesk_core::Knowledge> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../faq");
        std::sync::Arc::new(frontdesk_core::Knowledge::load(std::path::Path::new(dir)).unwrap())
    }

    #[test]
    fn a_hand_off_can_be_claimed_answered_and_closed_from_the_same_terminal() {
        let knowledge = shipped();
        let engine = Engine::new(frontdesk_core::MemoryStore::new(), knowledge);
        let options = Options {
            patient: "pat".into(),
            prompt: false,
            greet: false,
            json: false,
        };
        let input: &[u8] =
            b"/human\n!desk /claim 1\n!desk /reply 1 See you at 3\n!desk /close 1\ndoes it hurt?\n";
        let (mut out, mut staff) = (Vec::new(), Vec::new());
        let clock = frontdesk_core::SystemClock;
        run(&engine, &clock, &options, input, &mut out, &mut staff).unwrap();
        let (out, staff) = (
            String::from_utf8(out).unwrap(),
            String::from_utf8(staff).unwrap(),
        );
        assert!(staff.contains("[desk] New ticket #1"), "{staff}");
        assert!(
            staff.contains("[desk] Ticket #1 is claimed by pat (at the terminal)"),
            "{staff}"
        );
        assert!(
            out.contains("See you at 3"),
            "the reply reached the patient: {out}"
        );
        assert!(
            out.contains("needles are very fine"),
            "the bot is back after the close: {out}"
        );
        assert_eq!(
            engine.pending_alerts().unwrap(),
            0,
            "the terminal took the alert"
        );
    }

    #[test]
    fn a_deletion_at_the_terminal_leaves_a_chat_desks_topic_erasure_for_that_desk() {
        let engine = Engine::new(frontdesk_core::MemoryStore::new(), shipped());
        let options = Options {
            patient: "pat".into(),
            prompt: false,
            greet: false,
            json: false,
        };
        let clock = frontdesk_core::SystemClock;
        let say = |input: &[u8]| {
            let (mut out, mut staff) = (Vec::new(), Vec::new());
            run(&engine, &clock, &options, input, &mut out, &mut staff).unwrap();
            String::from_utf8(out).unwrap()
        };
        say(b"/human\n");
        engine
            .set_desk_thread(frontdesk_core::Platform::Telegram, 1, "57")
            .unwrap();
        let out = say(b"/forget\n!1\n");
        assert_eq!(engine.ticket(1).unwrap(), None, "{out}");
        assert_eq!(
            engine.pending_alerts().unwrap(),
            1,
            "the Telegram desk's erasure of the topic waits for it"
        );
    }

    #[test]
    fn a_person_typing_is_greeted_with_the_welcome_before_the_first_prompt() {
        let knowledge = shipped();
        let welcome = knowledge
            .messages(frontdesk_core::Locale::En)
            .welcome
            .clone();
        let engine = Engine::new(frontdesk_core::MemoryStore::new(), knowledge);
        let options = Options {
            patient: "local".into(),
            prompt: true,
            greet: false,
            json: false,
        };
        let (mut out, mut staff) = (Vec::new(), Vec::new());
        let clock = frontdesk_core::SystemClock;
        run(&engine, &clock, &options, &b""[..], &mut out, &mut staff).unwrap();
        let shown = String::from_utf8(out).unwrap();
        let first_line = welcome.lines().next().unwrap();
        assert!(shown.contains(first_line), "{shown}");
        assert!(shown.find(first_line) < shown.find("you> "), "{shown}");
    }

    #[test]
    fn a_line_of_invalid_utf8_is_answered_and_the_chat_goes_on() {
        let engine = Engine::new(
            frontdesk_core::MemoryStore::new(),
            std::sync::Arc::new(
                frontdesk_core::Knowledge::load(std::path::Path::new(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../faq"
                )))
                .unwrap(),
            ),
        );
        let clock = frontdesk_core::SystemClock;
        let options = Options {
            patient: "local".into(),
            prompt: false,
            greet: false,
            json: true,
        };
        let input: &[u8] = b"does it \xff\xfe hurt?\r\nwhat should I wear?\n";
        let (mut out, mut staff) = (Vec::new(), Vec::new());
        run(&engine, &clock, &options, input, &mut out, &mut staff).unwrap();
        let replies = String::from_utf8(out).unwrap();
        assert_eq!(replies.lines().count(), 2, "{replies}");
        assert!(
            replies.contains("Loose"),
            "the second line was answered: {replies}"
        );
    }

    #[test]
    fn buttons_are_shown_one_way_and_bang_n_presses_one_where_a_number_is_an_answer() {
        let engine = Engine::new(frontdesk_core::MemoryStore::new(), shipped());
        let options = Options {
            patient: "pat".into(),
            prompt: false,
            greet: false,
            json: false,
        };
        // The weeks-pregnant question takes a number: "!2" presses its
        // second button (Not sure, Back, Stop) instead.
        let mut lines = vec!["/screen", "yes"];
        lines.extend(["no"; 4]);
        lines.extend(["yes", "!2"]);
        let input = lines.join("\n");
        let (mut out, mut staff) = (Vec::new(), Vec::new());
        let clock = frontdesk_core::SystemClock;
        run(
            &engine,
            &clock,
            &options,
            input.as_bytes(),
            &mut out,
            &mut staff,
        )
        .unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert!(!shown.contains("!choose"), "one way: {shown}");
        assert!(shown.contains("(type !1, !2"), "{shown}");
        let asked = shown.matches("Are you pregnant, or could you be?").count();
        assert_eq!(asked, 2, "!2 went back to the pregnancy question: {shown}");
    }

    #[test]
    fn choose_lines_press_buttons_and_slash_lines_are_commands() {
        assert_eq!(
            parse_line("!choose topic:does-it-hurt"),
            Input::Choice("topic:does-it-hurt".into())
        );
        assert_eq!(parse_line("/human"), Input::Command(Command::Human));
        assert_eq!(
            parse_line("!chooser is not a command"),
            Input::Text("!chooser is not a command".into())
        );
        assert_eq!(
            parse_line("does it hurt"),
            Input::Text("does it hurt".into())
        );
    }
}
