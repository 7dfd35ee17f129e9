//! One module per command.

mod appointments;
mod ask;
mod audit;
mod backup;
mod chat;
mod check;
mod eval;
mod forget;
mod keygen;
mod model;
mod screenings;
mod serve;
mod staff;
mod sweep;
mod tickets;
mod unanswered;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::{DataKey, Delivery, Engine, Knowledge, SledStore, StoreError};

use crate::admin::protocol::Request;
use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Chat { ref patient, json } => chat::run(&cli, patient, json),
        Command::Ask {
            json,
            explain,
            ref text,
        } => ask::run(&cli, json, explain, text),
        Command::Eval { ref file, summary } => eval::run(&cli, file, summary),
        Command::Model { ref action } => model::run(action),
        Command::Check { ref topics } => check::run(&cli, topics.as_deref()),
        Command::Screenings { json } => screenings::run(&cli, json),
        Command::Tickets { json } => tickets::run(&cli, json),
        Command::Forget { ref patient, yes } => forget::run(&cli, patient, yes),
        Command::Sweep { dry_run } => sweep::run(&cli, dry_run),
        Command::Appointments { ref action } => appointments::run(&cli, action),
        Command::Serve(ref args) => serve::run(
            &cli,
            serve::Options {
                telegram_api_url: args.telegram_api_url.clone(),
                discord_api_url: args.discord_api_url.clone(),
                throttle: !args.no_throttle,
                tick: std::time::Duration::from_secs(args.tick_seconds),
                watch: std::time::Duration::from_secs(args.watch_seconds),
                webhook: args.webhook_url.clone().zip(args.webhook_listen),
                listen: args.listen,
                settings: args.settings.clone(),
            },
        ),
        Command::Staff { ref action } => staff::run(&cli, action),
        Command::Audit { json } => audit::run(&cli, json),
        Command::Unanswered { json } => unanswered::run(&cli, json),
        Command::Backup { ref file, force } => backup::backup(&cli, file, force),
        Command::Restore { ref file, replace } => backup::restore(&cli, file, replace),
        Command::Keygen => keygen::run(),
    }
}

/// Where a staff command writes: the terminal when it runs here, frames on
/// the admin socket when it runs inside `serve`.
pub struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// The bytes of a backup.
    pub data: &'a mut dyn Write,
}

/// Runs one staff command on `engine`: the one implementation, whether the
/// command line opened the store itself or `serve` runs it for the command
/// line. Returns what the desks should be given (kept in the outbox when
/// it must reach them: with no desk running, the next `serve` gives it).
pub fn execute(
    engine: &Engine<SledStore>,
    request: &Request,
    output: &mut Output,
) -> anyhow::Result<Vec<Delivery>> {
    match request {
        Request::Tickets { json } => tickets::execute(engine, *json, output.out)?,
        Request::Screenings { json } => screenings::execute(engine, *json, output.out)?,
        Request::Unanswered { json } => unanswered::execute(engine, *json, output.out)?,
        Request::Sweep { dry_run } => return sweep::execute(engine, *dry_run, output),
        Request::Forget { chat } => return forget::execute(engine, chat, output.out),
        Request::AppointmentsAdd {
            patient,
            start,
            needling,
        } => appointments::add(engine, patient, start, *needling, output.out)?,
        Request::AppointmentsList { json } => appointments::list(engine, *json, output.out)?,
        Request::AppointmentsCancel { id } => appointments::cancel(engine, id, output.out)?,
        Request::AppointmentsImport { name, text } => {
            appointments::import(engine, name, text, output)?
        }
        Request::Backup {} => {
            backup::export_to(engine.store(), output.data)?;
        }
        Request::StaffAdd { .. }
        | Request::StaffList { .. }
        | Request::StaffRemove { .. }
        | Request::StaffResetPassword { .. } => staff::execute(engine, request, output.out)?,
        Request::Audit { json } => audit::execute(engine, *json, output.out)?,
    }
    Ok(Vec::new())
}

/// Runs a staff command through the running bot when there is one (the
/// store is then open in `serve`), else on the store opened here.
pub fn through_bot(cli: &Cli, request: &Request) -> anyhow::Result<()> {
    // Not locked: a log line from another thread must not wait on this.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut data = std::io::sink();
    if let Some(bot) = crate::admin::client::connect(&cli.data)? {
        return bot.run(request, &mut out, &mut err, &mut data);
    }
    let engine = open_engine(cli)?;
    let mut output = Output {
        out: &mut out,
        err: &mut err,
        data: &mut data,
    };
    // Desk events need a running bot's desks: without one they are not sent.
    execute(&engine, request, &mut output)?;
    out.flush()?;
    Ok(())
}

/// An error and its causes, joined by ": ", leaving out a cause whose text
/// the one before already holds: what `Error: …` prints, here or sent from
/// a running bot.
pub fn sentence(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn load_knowledge(dir: &Path) -> anyhow::Result<Arc<Knowledge>> {
    Knowledge::load(dir)
        .map(Arc::new)
        .with_context(|| format!("the knowledge folder {} is not valid", dir.display()))
}

/// A time as staff read it: the clinic's time zone and convention, to the
/// minute ("Fri Dec 4 2026, 3:07 PM").
fn clinic_time(engine: &Engine<SledStore>, at: jiff::Timestamp) -> String {
    engine.knowledge().clinic.show(at)
}

/// Makes a data folder made by an earlier version (or by hand) its user's
/// only: folders 0700, files 0600. What cannot be changed (another
/// owner's file) is logged; the bot still runs.
fn private(dir: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |meta: &std::fs::Metadata| if meta.is_dir() { 0o700 } else { 0o600 };
        let mut stack = vec![dir.to_owned()];
        while let Some(path) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                continue;
            }
            let wanted = mode(&meta);
            if meta.permissions().mode() & 0o777 != wanted
                && let Err(e) =
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted))
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot make it private");
            }
            if meta.is_dir()
                && let Ok(entries) = std::fs::read_dir(&path)
            {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        }
    }
}

fn open_engine(cli: &Cli) -> anyhow::Result<Engine<SledStore>> {
    let knowledge = load_knowledge(&cli.faq)?;
    let path = cli.data.join("sled");
    std::fs::create_dir_all(&path)
        .with_context(|| format!("cannot create the data folder {}", path.display()))?;
    private(&cli.data);
    let store = SledStore::open_with(&path, data_key()?).map_err(|e| {
        let hint = store_hint(&e)
            .unwrap_or_else(|| format!("cannot open the store in {}", path.display()));
        anyhow::Error::new(e).context(hint)
    })?;
    let engine = Engine::new(store, knowledge);
    engine
        .migrate_record_names()
        .context("cannot rename the store's records to hashed chat names")?;
    Ok(engine)
}

/// What the operator can do about a store that does not open, where there
/// is something to do.
pub(crate) fn store_hint(e: &StoreError) -> Option<String> {
    Some(match e {
        StoreError::Damaged { .. } => "move the data folder's `sled` folder aside and restore the \
             latest backup into an empty one with `frontdesk restore FILE`"
            .into(),
        StoreError::Encrypted { .. } => format!(
            "set {DATA_KEY_VAR} to the key this store was encrypted with (keep it in your \
             password manager), then try again"
        ),
        StoreError::WrongKey { .. } => format!(
            "{DATA_KEY_VAR} is not the key this store was encrypted with: set it to the right key"
        ),
        StoreError::NotEncrypted { .. } => format!(
            "unset {DATA_KEY_VAR} to use the store as it is, or encrypt it as \
             docs/encryption.md says: `frontdesk backup FILE` without the key, then \
             `frontdesk restore FILE` with the key into an empty data folder"
        ),
        StoreError::Locked { .. } | StoreError::Backend(_) | StoreError::Corrupt { .. } => {
            return None;
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The operator's next step for each store that does not open (the
    /// store itself says only what is wrong).
    #[test]
    fn a_store_that_does_not_open_comes_with_the_operators_next_step() {
        let path = || "data/sled".to_owned();
        let hint = |e: StoreError| store_hint(&e).unwrap_or_default();
        let damaged = hint(StoreError::Damaged {
            path: path(),
            reason: "x".into(),
        });
        assert!(damaged.contains("frontdesk restore"), "{damaged}");
        let encrypted = hint(StoreError::Encrypted { path: path() });
        assert!(encrypted.contains("set FRONTDESK_DATA_KEY"), "{encrypted}");
        let wrong = hint(StoreError::WrongKey { path: path() });
        assert!(wrong.contains("FRONTDESK_DATA_KEY"), "{wrong}");
        let plain = hint(StoreError::NotEncrypted { path: path() });
        assert!(plain.contains("frontdesk restore"), "{plain}");
        assert!(plain.contains("unset FRONTDESK_DATA_KEY"), "{plain}");
        assert_eq!(store_hint(&StoreError::Backend("x".into())), None);
    }
}
