//! `forget --patient CHAT`: every record of one patient's chat deleted, after
//! a typed confirmation (asked by the command line, before anything is sent
//! to a running bot).

use std::io::{BufRead, Write};

use frontdesk_core::{ChatKey, Delivery, Engine, SledStore};

use crate::admin::protocol::Request;
use crate::cli::Cli;

/// Deletes one patient's records after a typed confirmation.
pub fn run(cli: &Cli, patient: &str, yes: bool) -> anyhow::Result<()> {
    let chat = parse(patient)?;
    if !yes {
        eprintln!("Delete every record of {chat}? This cannot be undone. Type yes to go on:");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            anyhow::bail!("nothing was deleted");
        }
    }
    super::through_bot(
        cli,
        &Request::Forget {
            chat: chat.to_string(),
        },
    )
}

/// Deletes the records of `chat` (as `ChatKey` writes it); returns what the
/// desks should be given (tickets closed by the deletion, their topics and
/// threads to delete).
pub fn execute(
    engine: &Engine<SledStore>,
    chat: &str,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Delivery>> {
    let chat = parse(chat)?;
    let (forgotten, events) = engine.forget(&chat, jiff::Timestamp::now())?;
    writeln!(
        out,
        "deleted {} record(s) of {chat}; {} appointment(s) unlinked; {} open ticket(s) closed",
        forgotten.records,
        forgotten.appointments,
        forgotten.closed_tickets.len()
    )?;
    Ok(events)
}

fn parse(patient: &str) -> anyhow::Result<ChatKey> {
    chat_in(patient).map_err(|e| {
        anyhow::anyhow!("{e} (write the chat as telegram:ID, discord:ID or terminal:ID)")
    })
}

/// The chat in what staff copied from `tickets` or `screenings`: the chat
/// itself ("telegram:77"), or a line holding it ("Pat (telegram:77)").
fn chat_in(text: &str) -> Result<ChatKey, frontdesk_core::IdError> {
    let words = text.split(|c: char| c.is_whitespace() || "(),".contains(c));
    let found = words
        .filter(|w| {
            ["telegram:", "discord:", "terminal:"]
                .iter()
                .any(|p| w.starts_with(p))
        })
        .find_map(|w| ChatKey::parse(w).ok());
    match found {
        Some(chat) => Ok(chat),
        None => ChatKey::parse(text.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patient_is_taken_as_tickets_and_screenings_print_it() {
        for text in [
            "telegram:77",
            " telegram:77 ",
            "Pat (telegram:77)",
            "#1 Pat (telegram:77), opened",
        ] {
            assert_eq!(chat_in(text).unwrap().to_string(), "telegram:77", "{text}");
        }
        assert!(chat_in("Pat").is_err());
    }
}
