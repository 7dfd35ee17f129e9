//! One module per command.

mod appointments;
mod ask;
mod backup;
mod chat;
mod check;
mod eval;
mod forget;
mod screenings;
mod serve;
mod tickets;
mod unanswered;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::{Engine, Knowledge, SledStore};

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Chat { ref patient, json } => chat::run(&cli, patient, json),
        Command::Ask {
            json,
            explain,
            ref text,
        } => ask::run(&cli, json, explain, text),
        Command::Eval { ref file } => eval::run(&cli, file),
        Command::Check { ref topics } => check::run(&cli, topics.as_deref()),
        Command::Screenings { json } => screenings::run(&cli, json),
        Command::Tickets { json } => tickets::run(&cli, json),
        Command::Forget { ref patient, yes } => forget::run(&cli, patient, yes),
        Command::Appointments { ref action } => appointments::run(&cli, action),
        Command::Serve {
            ref telegram_api_url,
            no_throttle,
            ref webhook_url,
            webhook_listen,
        } => serve::run(
            &cli,
            serve::Options {
                telegram_api_url: telegram_api_url.clone(),
                throttle: !no_throttle,
                webhook: webhook_url.clone().zip(webhook_listen),
            },
        ),
        Command::Unanswered { json } => unanswered::run(&cli, json),
        Command::Backup { ref file, force } => backup::backup(&cli, file, force),
        Command::Restore { ref file, replace } => backup::restore(&cli, file, replace),
    }
}

fn load_knowledge(dir: &Path) -> anyhow::Result<Arc<Knowledge>> {
    Knowledge::load(dir)
        .map(Arc::new)
        .with_context(|| format!("the knowledge folder {} is not valid", dir.display()))
}

fn open_engine(cli: &Cli) -> anyhow::Result<Engine<SledStore>> {
    let knowledge = load_knowledge(&cli.faq)?;
    let path = cli.data.join("sled");
    std::fs::create_dir_all(&path)
        .with_context(|| format!("cannot create the data folder {}", path.display()))?;
    let store = SledStore::open(&path)
        .with_context(|| format!("cannot open the store in {}", path.display()))?;
    Ok(Engine::new(store, knowledge))
}
