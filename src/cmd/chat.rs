use anyhow::Context;
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
            "Chatting as {patient:?}. Type a question; a number presses a button; `!desk /claim 1` and the other staff commands act as the desk; Ctrl-D ends."
        );
    }
    // A person at a terminal gets a line editor (arrows, history); a pipe
    // or a script is read line by line.
    let editing = interactive && !json;
    let options = Options {
        patient: patient.to_owned(),
        json,
        prompt: false,
        greet: editing,
    };
    // Standard error is not locked for the session: the model's thread (and
    // the log) write to it too, and would wait for ever.
    if !editing {
        frontdesk_terminal::run(
            &engine,
            &SystemClock,
            &options,
            std::io::stdin().lock(),
            std::io::stdout().lock(),
            std::io::stderr(),
        )?;
        return Ok(());
    }
    let clock = SystemClock;
    let mut session = frontdesk_terminal::Session::start(
        &engine,
        &clock,
        &options,
        std::io::stdout(),
        std::io::stderr(),
    )?;
    let mut editor = rustyline::DefaultEditor::new().context("cannot start line editing")?;
    loop {
        match editor.readline("you> ") {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                session.line(&line)?;
            }
            // Ctrl-C and Ctrl-D end the chat.
            Err(
                rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof,
            ) => {
                break;
            }
            Err(e) => return Err(e).context("cannot read the terminal"),
        }
    }
    session.end()?;
    Ok(())
}
