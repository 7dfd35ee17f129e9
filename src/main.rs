//! `frontdesk`: the command line of the Frontdesk clinic bot. Wiring only: the
//! commands live in `cmd/`, the bot in `frontdesk-core` and the adapters.

mod admin;
mod cli;
mod cmd;
mod reload;
mod settings;
mod teach;
mod understanding;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: first thing in main, before any other thread exists.
    unsafe { frontdesk_semantic::use_every_core() };
    // A closed pipe (`frontdesk appointments list --json | head`) ends the
    // process quietly, as for other command-line tools, instead of a panic
    // in `println!`.
    #[cfg(unix)]
    // SAFETY: restores a signal's default disposition; no handler runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Patients' records: whatever this process creates (the store, backups,
    // exports, the admin socket) is its user's only, files 0600 and folders
    // 0700, whatever umask it was started with, outside systemd as inside.
    #[cfg(unix)]
    // SAFETY: sets this process's file-creation mask; nothing else is read
    // or written.
    unsafe {
        libc::umask(0o077);
    }
    let cli = cli::Cli::parse();
    // FRONTDESK_LOG, else RUST_LOG, else warnings; colours only on a terminal.
    let filter = tracing_subscriber::EnvFilter::try_from_env("FRONTDESK_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .init();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The error and its causes as one sentence, each said once,
            // and no backtrace whatever RUST_BACKTRACE says.
            eprintln!("Error: {}", cmd::sentence(&e));
            ExitCode::FAILURE
        }
    }
}
