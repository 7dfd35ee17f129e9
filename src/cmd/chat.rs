use std::io::IsTerminal;

use frontdesk_core::SystemClock;
use frontdesk_terminal::Options;

use crate::cli::Cli;

pub fn run(cli: &Cli, patient: &str, json: bool) -> anyhow::Result<()> {
    let engine = std::sync::Arc::new(super::open_engine(cli)?);
    let interactive = std::io::stdin().is_terminal();
    if !json {
        eprintln!("{}", crate::understanding::describe(cli.understanding));
    }
    // Answers start at once on the lexical matcher; the semantic model takes
    // over when it is trained (fetched first, the first time).
    let _semantic =
        crate::understanding::start(engine.clone(), cli.understanding, true, move || {
            if !json {
                eprintln!("understanding: the semantic model is answering now");
            }
        });
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
        // Not locked for the session: the model's thread (and the log)
        // write to standard error too, and would wait for ever.
        std::io::stderr(),
    )?;
    Ok(())
}
