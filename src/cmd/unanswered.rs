//! `unanswered`: the questions the bot could not answer, most frequent first.

use std::io::Write;

use frontdesk_core::{Engine, SledStore};

use crate::admin::protocol::Request;
use crate::cli::Cli;

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    super::through_bot(cli, &Request::Unanswered { json })
}

pub fn execute(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let list = engine.unanswered()?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&list)?)?;
    } else if list.is_empty() {
        writeln!(out, "no unanswered questions")?;
    } else {
        for item in &list {
            let last = super::clinic_time(engine, item.last_seen);
            writeln!(out, "{:>4}x  last {last}  {}", item.count, item.text)?;
        }
    }
    Ok(())
}
