//! `tickets`: the open hand-off tickets, oldest first.

use std::io::Write;

use frontdesk_core::{Engine, SledStore};
use serde::Serialize;

use crate::admin::protocol::Request;
use crate::cli::Cli;

/// What staff see at the terminal: no transcript, no screening answers.
#[derive(Serialize)]
struct Row {
    number: u64,
    patient: String,
    /// The chat, as `frontdesk forget --patient` takes it.
    chat: String,
    platform: String,
    /// When it was opened, in the clinic's time zone.
    opened: String,
    waiting_minutes: i64,
    claimed_by: Option<String>,
    emergency: bool,
}

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    super::through_bot(cli, &Request::Tickets { json })
}

pub fn execute(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let rows: Vec<Row> = engine
        .open_tickets()?
        .into_iter()
        .map(|t| Row {
            number: t.number,
            patient: t.patient.clone(),
            chat: t.chat.to_string(),
            platform: t.chat.platform().to_string(),
            opened: super::clinic_time(engine, t.opened),
            waiting_minutes: now.duration_since(t.opened).as_mins(),
            claimed_by: t.claimed_by().map(str::to_owned),
            emergency: t.emergency,
        })
        .collect();
    if json {
        writeln!(out, "{}", serde_json::to_string(&rows)?)?;
    } else if rows.is_empty() {
        writeln!(out, "no open tickets")?;
    } else {
        for r in &rows {
            writeln!(
                out,
                "#{:<4} {} ({}), opened {}, waiting {} min, {}{}",
                r.number,
                r.patient,
                r.chat,
                r.opened,
                r.waiting_minutes,
                r.claimed_by
                    .as_deref()
                    .map_or("unclaimed".to_owned(), |b| format!("claimed by {b}")),
                if r.emergency {
                    ", EMERGENCY flagged"
                } else {
                    ""
                }
            )?;
        }
    }
    Ok(())
}
