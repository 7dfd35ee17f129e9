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

/// Watches `dir` until `stop`; `every` zero means on SIGHUP only.
pub async fn watch(
    dir: PathBuf,
    engine: Arc<Engine<SledStore>>,
    router: Arc<Router>,
    encoder: crate::understanding::EncoderSlot,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut hangup = hangups();
    let mut seen = fingerprint(&dir);
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
        let now = fingerprint(&dir);
        let changed = !every.is_zero() && now != seen;
        if !signalled && !changed {
            continue;
        }
        seen = now;
        let folder = dir.clone();
        match tokio::task::spawn_blocking(move || Knowledge::load(&folder)).await {
            Ok(Ok(knowledge)) => {
                engine.replace_knowledge(Arc::new(knowledge));
                tracing::info!(folder = %dir.display(), "knowledge folder reloaded");
                // The lexical matcher answers until the model is retrained.
                if let Some(encoder) = encoder.get().cloned() {
                    let engine = engine.clone();
                    tokio::task::spawn_blocking(move || {
                        crate::understanding::retrain(&engine, &encoder)
                    });
                }
            }
            Ok(Err(e)) => {
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

/// SIGHUP as a stream (never fires where there are no signals).
fn hangups() -> tokio::sync::mpsc::UnboundedReceiver<()> {
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
