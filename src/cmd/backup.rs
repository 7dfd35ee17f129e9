//! `backup FILE` and `restore FILE`: a consistent snapshot of the store to a
//! file, and that file back into an empty store. Neither needs the knowledge
//! folder, so a clinic can recover even with a broken one.
//!
//! While `serve` runs, `backup` gets its snapshot from the running bot
//! through the admin socket, and writes it here just the same; `restore`
//! replaces the store, so it refuses to run beside a running bot.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use frontdesk_core::SledStore;
use frontdesk_core::ports::StoreError;
use frontdesk_core::store::backup::{export, import};

use crate::admin::protocol::Request;
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
    let tmp = temporary(file);
    let written = match crate::admin::client::connect(&cli.data)? {
        // The running bot takes the snapshot; it is written here.
        Some(bot) => write_then_rename(&tmp, file, |data| {
            let mut data = Lines {
                inner: data,
                lines: 0,
            };
            let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
            bot.run(&Request::Backup {}, &mut out, &mut err, &mut data)?;
            // The header, then one line a record.
            Ok(data.lines.saturating_sub(1))
        }),
        None => {
            let store = open_store(cli, "backup", false)?;
            write_then_rename(&tmp, file, |data| export_to(&store, data))
        }
    };
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let count = written?;
    println!("backed up {count} records to {}", file.display());
    Ok(())
}

/// Writes a consistent snapshot of `store` to `data`; returns how many
/// records it holds.
pub fn export_to(store: &SledStore, mut data: &mut dyn Write) -> anyhow::Result<usize> {
    Ok(export(store, &mut data)?)
}

/// A writer that counts the lines written through it.
struct Lines<'a> {
    inner: &'a mut dyn Write,
    lines: usize,
}

impl Write for Lines<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the backup (by `fill`, which returns how many records it wrote) to
/// `tmp`, makes it durable, and renames it to `file`, so `file` is either
/// the previous one or the whole new backup.
fn write_then_rename(
    tmp: &Path,
    file: &Path,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<usize>,
) -> anyhow::Result<usize> {
    let out = File::create(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = BufWriter::new(out);
    let count = fill(&mut out).with_context(|| format!("cannot write {}", tmp.display()))?;
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
    if crate::admin::client::connect(&cli.data)?.is_some() {
        bail!(
            "the bot is running (`frontdesk serve`): a restore replaces the whole store, so stop \
             the bot first, then run `frontdesk restore` again and start the bot"
        );
    }
    let input = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(cli, "restore", true)?;
    let count = import(&store, &mut BufReader::new(input), replace)
        .with_context(|| format!("cannot restore {}; nothing was changed", file.display()))?;
    println!("restored {count} records from {}", file.display());
    Ok(())
}
