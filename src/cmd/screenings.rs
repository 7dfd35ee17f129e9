//! `screenings`: the completed health screens, newest first.

use std::io::Write;

use frontdesk_core::{Engine, SledStore};
use serde::Serialize;

use crate::admin::protocol::Request;
use crate::cli::Cli;

/// What staff see at the terminal: who, when, outcome and flag names. The full
/// answers are for private staff views only.
#[derive(Serialize)]
struct Row<'a> {
    patient: String,
    completed: String,
    outcome: frontdesk_core::Clearance,
    flags: &'a [String],
}

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    super::through_bot(cli, &Request::Screenings { json })
}

pub fn execute(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let list = engine.screenings()?;
    let rows: Vec<Row> = list
        .iter()
        .map(|s| Row {
            patient: s.chat.to_string(),
            completed: super::clinic_time(engine, s.completed),
            outcome: s.outcome,
            flags: &s.flags,
        })
        .collect();
    if json {
        writeln!(out, "{}", serde_json::to_string(&rows)?)?;
    } else if rows.is_empty() {
        writeln!(out, "no completed screens")?;
    } else {
        for row in &rows {
            writeln!(
                out,
                "{}  {}  {}  {}",
                row.completed,
                row.patient,
                row.outcome.as_str(),
                row.flags.join(", ")
            )?;
        }
    }
    Ok(())
}
