//! `frontdesk`: the command line of the Frontdesk clinic bot. Wiring only: the
//! commands live in `cmd/`, the bot in `frontdesk-core` and the adapters.

mod cli;
mod cmd;
mod reload;
mod understanding;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    // SAFETY: first thing in main, before any other thread exists.
    unsafe { frontdesk_semantic::use_every_core() };
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FRONTDESK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    cmd::run(cli)
}
