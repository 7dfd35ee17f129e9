//! One module per command.

mod appointments;
mod ask;
mod backup;
mod chat;
mod check;
mod eval;
mod forget;
mod keygen;
mod screenings;
mod serve;
mod sweep;
mod tickets;
mod unanswered;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::{DataKey, Engine, Knowledge, SledStore};

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
        Command::Sweep { dry_run } => sweep::run(&cli, dry_run),
        Command::Appointments { ref action } => appointments::run(&cli, action),
        Command::Serve {
            ref telegram_api_url,
            no_throttle,
            tick_seconds,
            watch_seconds,
            ref webhook_url,
            webhook_listen,
        } => serve::run(
            &cli,
            serve::Options {
                telegram_api_url: telegram_api_url.clone(),
                throttle: !no_throttle,
                tick: std::time::Duration::from_secs(tick_seconds),
                watch: std::time::Duration::from_secs(watch_seconds),
                webhook: webhook_url.clone().zip(webhook_listen),
            },
        ),
        Command::Unanswered { json } => unanswered::run(&cli, json),
        Command::Backup { ref file, force } => backup::backup(&cli, file, force),
        Command::Restore { ref file, replace } => backup::restore(&cli, file, replace),
        Command::Keygen => keygen::run(),
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
    let store = SledStore::open_with(&path, data_key()?)
        .with_context(|| format!("cannot open the store in {}", path.display()))?;
    Ok(Engine::new(store, knowledge))
}

/// The variable that holds the key of an encrypted data folder.
const DATA_KEY_VAR: &str = "FRONTDESK_DATA_KEY";

/// The data key from `FRONTDESK_DATA_KEY`, if it is set: read once, by the
/// command that opens the store, and never printed. A variable that is set
/// but empty or malformed is an error rather than "no encryption", so a
/// mistake in the service's environment cannot start an unencrypted store.
pub(crate) fn data_key() -> anyhow::Result<Option<DataKey>> {
    let text = match std::env::var(DATA_KEY_VAR) {
        Ok(text) => text,
        Err(std::env::VarError::NotPresent) => return Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("{DATA_KEY_VAR} is not a valid data key: it is not plain text")
        }
    };
    match DataKey::parse(&text) {
        Ok(key) => Ok(Some(key)),
        // The error describes the text's shape, never the text.
        Err(e) => anyhow::bail!("{DATA_KEY_VAR} is not a valid data key: {e}"),
    }
}
