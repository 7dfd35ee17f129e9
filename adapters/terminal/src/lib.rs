//! The terminal adapter: chat with the bot on standard input and output, no
//! tokens needed. One patient message per line; it works interactively and with
//! piped input.
//!
//! Two renderings:
//! - text (default): the bot's messages with numbered buttons; type the number
//!   or `!choose ID` to press one;
//! - JSON (`--json`): one object per bot message per line, for scripts and
//!   tests: `{"kind", "text", "choices": [{"id", "label"}], "topic",
//!   "question"}`.
//!
//! Staff events go to a separate writer (standard error in the CLI), as JSON
//! lines in JSON mode. The adapter only converts: every decision is the
//! engine's.

use std::io::{self, BufRead, Write};

use frontdesk_core::{ChatKey, Clock, Engine, Incoming, Input, Platform, Reply, StaffEvent, Store};
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
    /// Print a prompt before each line (only when a person is typing).
    pub prompt: bool,
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
    mut out: impl Write,
    mut staff: impl Write,
) -> Result<(), TerminalError> {
    let chat = ChatKey::new(Platform::Terminal, &options.patient)?;
    if options.prompt {
        write!(out, "you> ")?;
        out.flush()?;
    }
    // Bytes, decoded lossily: a line of invalid UTF-8 (a stray byte from a
    // paste) is read with replacement characters, not the end of the chat.
    for line in input.split(b'\n') {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let outcome = engine.handle(&Incoming {
            chat: chat.clone(),
            input: parse_line(line),
            at: clock.now(),
            locale_hint: None,
            shared: false,
            display_name: Some(options.patient.clone()),
            sequence: None,
        });
        for reply in &outcome.replies {
            if options.json {
                write_json(&mut out, reply)?;
            } else {
                write_text(&mut out, reply)?;
            }
        }
        for event in &outcome.staff {
            write_staff(&mut staff, event, options.json)?;
        }
        if !engine.store_usable() {
            out.flush()?;
            return Err(TerminalError::StoreUnusable);
        }
        if options.prompt {
            write!(out, "you> ")?;
        }
        out.flush()?;
    }
    if options.prompt {
        writeln!(out)?;
    }
    Ok(())
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

fn write_text(out: &mut impl Write, reply: &Reply) -> io::Result<()> {
    let mut lines = reply.text.lines();
    writeln!(out, "bot> {}", lines.next().unwrap_or_default())?;
    for line in lines {
        writeln!(out, "     {line}")?;
    }
    for (n, choice) in reply.choices.iter().enumerate() {
        if reply.numbered {
            writeln!(out, "     {}) {}", n + 1, choice.label)?;
        } else {
            writeln!(out, "     - {} (!choose {})", choice.label, choice.id)?;
        }
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
    use frontdesk_core::Command;

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
