//! Reloading the knowledge folder while `serve` runs: on SIGHUP, and when a
//! file in it changes (checked every few seconds by size and modification
//! time, which works on every file system and with editors that save by
//! renaming). A folder that does not load is reported (file, line, reason)
//! in the log and to the desks, and the bot keeps the last good version.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use frontdesk_core::{Delivery, DeskEvent, Router};
use frontdesk_core::{Engine, Knowledge, SledStore};

/// What identifies the folder's content without reading it: each file's
/// name, size and modification time.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let meta = entry.metadata().ok()?;
            meta.is_file()
                .then(|| (entry.path(), meta.len(), meta.modified().ok()))
        })
        .collect();
    files.sort();
    files
}

/// The folder and its content as last loaded. The console's changes
/// ([`crate::teach`]) note what they wrote here, under the same lock, so
/// the watcher does not load it a second time.
pub struct Watched {
    pub dir: PathBuf,
    seen: std::sync::Mutex<Vec<(PathBuf, u64, Option<SystemTime>)>>,
}

impl Watched {
    pub fn new(dir: PathBuf) -> Watched {
        let seen = std::sync::Mutex::new(fingerprint(&dir));
        Watched { dir, seen }
    }

    /// Runs `write` (a change to the folder) and takes the folder as it
    /// is after it as seen.
    pub fn writing<T>(&self, write: impl FnOnce() -> T) -> T {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let done = write();
        *seen = fingerprint(&self.dir);
        done
    }

    /// Loads the folder and swaps it into `engine` when `asked` or when it
    /// changed since last seen (`None`: neither). Under the lock the
    /// console's changes take, so neither swaps in an older folder over
    /// the other's.
    fn reload(
        &self,
        asked: bool,
        engine: &Engine<SledStore>,
    ) -> Option<Result<(), frontdesk_core::KnowledgeError>> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let now = fingerprint(&self.dir);
        let changed = now != *seen;
        *seen = now;
        if !asked && !changed {
            return None;
        }
        Some(Knowledge::load(&self.dir).map(|k| engine.replace_knowledge(Arc::new(k))))
    }
}

/// Watches the folder until `stop`, and reloads on each of `hangup` (see
/// [`hangups`]); `every` zero means on SIGHUP only.
pub async fn watch(
    watched: Arc<Watched>,
    engine: Arc<Engine<SledStore>>,
    router: Arc<Router>,
    encoder: crate::understanding::EncoderSlot,
    every: Duration,
    mut hangup: tokio::sync::mpsc::UnboundedReceiver<()>,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let dir = watched.dir.clone();
    let mut poll = tokio::time::interval(if every.is_zero() {
        Duration::from_secs(3600)
    } else {
        every
    });
    loop {
        let signalled = tokio::select! {
            _ = &mut stop => return,
            _ = poll.tick() => false,
            _ = hangup.recv() => true,
        };
        if !signalled && every.is_zero() {
            continue;
        }
        let (folder, into) = (watched.clone(), engine.clone());
        match tokio::task::spawn_blocking(move || folder.reload(signalled, &into)).await {
            Ok(None) => {}
            Ok(Some(Ok(()))) => {
                tracing::info!(folder = %dir.display(), "knowledge folder reloaded");
                // The lexical matcher answers until the model is retrained.
                if let Some(encoder) = encoder.get().cloned() {
                    let engine = engine.clone();
                    tokio::task::spawn_blocking(move || {
                        crate::understanding::retrain(&engine, &encoder)
                    });
                }
            }
            Ok(Some(Err(e))) => {
                tracing::error!(
                    "the knowledge folder was not reloaded, the last good version stays in use:\n{e}"
                );
                router.deliver(Delivery::desk(DeskEvent::KnowledgeRejected {
                    error: e.to_string(),
                }));
            }
            Err(e) => tracing::error!(error = %e, "reloading the knowledge folder panicked"),
        }
    }
}

/// SIGHUP as a stream (never fires where there are no signals), caught from
/// this call on; inside the runtime.
pub fn hangups() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
            });
        }
    }
    #[cfg(not(unix))]
    drop(tx);
    rx
}
