//! `backup FILE` and `restore FILE`: a consistent snapshot of the store to a
//! file, and that file back into an empty store. Neither needs the knowledge
//! folder, so a clinic can recover even with a broken one.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use frontdesk_core::SledStore;
use frontdesk_core::ports::StoreError;
use frontdesk_core::store::backup::{export, import};

use crate::cli::Cli;

/// Opens the data folder's store for `command`; a store held by a running bot
/// is reported as such.
fn open_store(cli: &Cli, command: &str, create: bool) -> anyhow::Result<SledStore> {
    let path = cli.data.join("sled");
    if create {
        fs::create_dir_all(&path)
            .with_context(|| format!("cannot create the data folder {}", path.display()))?;
    } else if !path.is_dir() {
        bail!("there is no store in {} to back up", path.display());
    }
    SledStore::open_with(&path, super::data_key()?).map_err(|e| {
        let hint = match &e {
            StoreError::Locked { .. } => format!(
                "the bot is using the store: stop the bot first (`frontdesk serve` and any \
                 `frontdesk chat`), then run `frontdesk {command}` again"
            ),
            other => super::store_hint(other)
                .unwrap_or_else(|| format!("cannot open the store in {}", path.display())),
        };
        anyhow::Error::new(e).context(hint)
    })
}

/// `FILE.tmp`, next to `FILE`.
fn temporary(file: &Path) -> PathBuf {
    let mut name = OsString::from(file.as_os_str());
    name.push(".tmp");
    PathBuf::from(name)
}

pub fn backup(cli: &Cli, file: &Path, force: bool) -> anyhow::Result<()> {
    if file.exists() && !force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            file.display()
        );
    }
    let store = open_store(cli, "backup", false)?;
    let tmp = temporary(file);
    let written = write_then_rename(&store, &tmp, file);
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let count = written?;
    println!("backed up {count} records to {}", file.display());
    Ok(())
}

/// Writes the backup to `tmp`, makes it durable, and renames it to `file`, so
/// `file` is either the previous one or the whole new backup.
fn write_then_rename(store: &SledStore, tmp: &Path, file: &Path) -> anyhow::Result<usize> {
    let out = File::create(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = BufWriter::new(out);
    let count =
        export(store, &mut out).with_context(|| format!("cannot write {}", tmp.display()))?;
    let out = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    out.sync_all()
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(tmp, file)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), file.display()))?;
    // Make the rename itself durable, where the platform allows it.
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(folder) = File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(count)
}

pub fn restore(cli: &Cli, file: &Path, replace: bool) -> anyhow::Result<()> {
    let input = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(cli, "restore", true)?;
    let count = import(&store, &mut BufReader::new(input), replace)
        .with_context(|| format!("cannot restore {}; nothing was changed", file.display()))?;
    println!("restored {count} records from {}", file.display());
    Ok(())
}
