use anyhow::Context;
use frontdesk_core::appointments::ics::{cancelled_events, parse_ics};
use frontdesk_core::appointments::{
    NewAppointment, Status, import_warnings, parse_csv, parse_local,
};

use crate::cli::{AppointmentsCommand, Cli};

pub fn run(cli: &Cli, action: &AppointmentsCommand) -> anyhow::Result<()> {
    let engine = super::open_engine(cli)?;
    let knowledge = engine.knowledge();
    let tz = &knowledge.clinic.time_zone;
    match action {
        AppointmentsCommand::Add {
            patient,
            start,
            no_needling,
        } => {
            let row = NewAppointment {
                patient: patient.clone(),
                start: parse_local(start, tz)?,
                needling: !no_needling,
            };
            let (added, _) = engine.import_appointments(std::slice::from_ref(&row))?;
            let verb = if added == 1 { "added" } else { "already there" };
            let code = engine
                .appointment(&row.id())?
                .map(|a| a.link_code)
                .unwrap_or_default();
            println!("{verb}: {} (link code {code})", row.id());
        }
        AppointmentsCommand::List { json } => {
            let list = engine.appointments()?;
            if *json {
                println!("{}", serde_json::to_string(&list)?);
            } else if list.is_empty() {
                println!("no appointments");
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
                    println!(
                        "{}  {}  {}  {}  {status}",
                        a.id,
                        a.start.to_zoned(tz.clone()).strftime("%a %Y-%m-%d %H:%M"),
                        a.patient,
                        if a.needling {
                            "needling"
                        } else {
                            "no needling"
                        },
                    );
                }
            }
        }
        AppointmentsCommand::Cancel { id } => {
            if !engine.cancel_appointment(id)? {
                anyhow::bail!("no appointment with id {id}");
            }
            println!("cancelled: {id}");
        }
        AppointmentsCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let ics = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("ics"));
            let parsed = if ics {
                parse_ics(&text, tz)
            } else {
                parse_csv(&text, tz)
            };
            let rows = match parsed {
                Ok(rows) => rows,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}:{e}", file.display());
                    }
                    anyhow::bail!(
                        "{} row(s) could not be read; nothing was imported",
                        errors.len()
                    );
                }
            };
            // Imported all the same, but worth a look.
            let knowledge = engine.knowledge();
            let now = jiff::Timestamp::now();
            for warning in import_warnings(&rows, &knowledge.clinic, now) {
                eprintln!("{}: warning: {warning}", file.display());
            }
            if ics {
                let skipped = cancelled_events(&text);
                if skipped > 0 {
                    eprintln!("{}: skipped {skipped} cancelled event(s)", file.display());
                }
            }
            let (added, unchanged) = engine.import_appointments(&rows)?;
            println!("imported {added} new, {unchanged} already there");
        }
    }
    Ok(())
}
