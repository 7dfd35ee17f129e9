use serde::Serialize;

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
    let engine = super::open_engine(cli)?;
    let list = engine.screenings()?;
    let rows: Vec<Row> = list
        .iter()
        .map(|s| Row {
            patient: s.chat.to_string(),
            completed: super::clinic_time(&engine, s.completed),
            outcome: s.outcome,
            flags: &s.flags,
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string(&rows)?);
    } else if rows.is_empty() {
        println!("no completed screens");
    } else {
        for row in &rows {
            println!(
                "{}  {}  {}  {}",
                row.completed,
                row.patient,
                row.outcome.as_str(),
                row.flags.join(", ")
            );
        }
    }
    Ok(())
}
