use std::io::IsTerminal;

use frontdesk_core::SystemClock;
use frontdesk_terminal::Options;

use crate::cli::Cli;

pub fn run(cli: &Cli, patient: &str, json: bool) -> anyhow::Result<()> {
    let engine = super::open_engine(cli)?;
    let interactive = std::io::stdin().is_terminal();
    if interactive && !json {
        eprintln!(
            "Chatting as {patient:?}. Type a question; a number or `!choose ID` presses a button; Ctrl-D ends."
        );
    }
    let options = Options {
        patient: patient.to_owned(),
        json,
        prompt: interactive && !json,
    };
    frontdesk_terminal::run(
        &engine,
        &SystemClock,
        &options,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
        std::io::stderr().lock(),
    )?;
    Ok(())
}
