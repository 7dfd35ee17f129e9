use std::io::BufRead;

use frontdesk_core::ChatKey;

use crate::cli::Cli;

/// Deletes one patient's records after a typed confirmation.
pub fn run(cli: &Cli, patient: &str, yes: bool) -> anyhow::Result<()> {
    let chat = ChatKey::parse(patient).map_err(|e| {
        anyhow::anyhow!("{e} (write the chat as telegram:ID, discord:ID or terminal:ID)")
    })?;
    if !yes {
        eprintln!("Delete every record of {chat}? This cannot be undone. Type yes to go on:");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            anyhow::bail!("nothing was deleted");
        }
    }
    let engine = super::open_engine(cli)?;
    let (forgotten, _) = engine.forget(&chat)?;
    println!(
        "deleted {} record(s) of {chat}; {} appointment(s) unlinked; {} open ticket(s) closed",
        forgotten.records,
        forgotten.appointments,
        forgotten.closed_tickets.len()
    );
    Ok(())
}
