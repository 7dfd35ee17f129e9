//! `appointments add|list|cancel|import`: the clinic's calendar as the bot
//! knows it.

use std::io::Write;

use anyhow::Context;
use frontdesk_core::appointments::{NewAppointment, Status, parse_local, read_calendar};
use frontdesk_core::{Engine, SledStore};

use crate::admin::protocol::Request;
use crate::cli::{AppointmentsCommand, Cli};

pub fn run(cli: &Cli, action: &AppointmentsCommand) -> anyhow::Result<()> {
    let request = match action {
        AppointmentsCommand::Add {
            patient,
            start,
            no_needling,
        } => Request::AppointmentsAdd {
            patient: patient.clone(),
            start: start.clone(),
            needling: !no_needling,
        },
        AppointmentsCommand::List { json } => Request::AppointmentsList { json: *json },
        AppointmentsCommand::Cancel { id } => Request::AppointmentsCancel { id: id.clone() },
        // The file is read here, where the user named it; a running bot
        // gets its contents.
        AppointmentsCommand::Import { file } => Request::AppointmentsImport {
            text: std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?,
            name: file.display().to_string(),
        },
    };
    super::through_bot(cli, &request)
}

pub fn add(
    engine: &Engine<SledStore>,
    patient: &str,
    start: &str,
    needling: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let tz = &engine.knowledge().clinic.time_zone;
    let row = NewAppointment {
        patient: patient.to_owned(),
        start: parse_local(start, tz)?,
        needling,
    };
    let (added, stored) = engine.book(&row)?;
    let verb = if added { "added" } else { "already there" };
    writeln!(
        out,
        "{verb}: {} (link code {})",
        stored.id, stored.link_code
    )?;
    Ok(())
}

pub fn list(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let knowledge = engine.knowledge();
    let list = engine.appointments()?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&list)?)?;
    } else if list.is_empty() {
        writeln!(out, "no appointments")?;
    } else {
        for a in &list {
            let status = if a.status == Status::Cancelled {
                "CANCELLED".to_owned()
            } else {
                let screen = engine.screen_status(a)?.as_str();
                match &a.chat {
                    Some(chat) => format!("linked on {}, {screen}", chat.platform()),
                    None => format!("link code {}", a.link_code),
                }
            };
            writeln!(
                out,
                "{}  {}  {}  {}  {status}",
                a.id,
                knowledge.clinic.show(a.start),
                a.patient,
                if a.needling {
                    "needling"
                } else {
                    "no needling"
                },
            )?;
        }
    }
    Ok(())
}

pub fn cancel(engine: &Engine<SledStore>, id: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    if !engine.cancel_appointment(id)? {
        anyhow::bail!("no appointment with id {id}");
    }
    writeln!(out, "cancelled: {id}")?;
    Ok(())
}

/// Imports `text`, the calendar export the user named `name`
/// ([`read_calendar`]: all or nothing).
pub fn import(
    engine: &Engine<SledStore>,
    name: &str,
    text: &str,
    output: &mut super::Output,
) -> anyhow::Result<()> {
    let knowledge = engine.knowledge();
    let calendar = match read_calendar(name, text, &knowledge.clinic, jiff::Timestamp::now()) {
        Ok(calendar) => calendar,
        Err(errors) => {
            for e in &errors {
                writeln!(output.err, "{name}:{e}")?;
            }
            anyhow::bail!(
                "{} row(s) could not be read; nothing was imported",
                errors.len()
            );
        }
    };
    for warning in &calendar.warnings {
        writeln!(output.err, "{name}: warning: {warning}")?;
    }
    if calendar.cancelled > 0 {
        writeln!(
            output.err,
            "{name}: skipped {} cancelled event(s)",
            calendar.cancelled
        )?;
    }
    let (added, unchanged) = engine.import_appointments(&calendar.rows)?;
    writeln!(
        output.out,
        "imported {added} new, {unchanged} already there"
    )?;
    Ok(())
}
