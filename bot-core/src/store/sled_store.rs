use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::ports::{Batch, Op, Store, StoreError};

/// The on-disk store: one sled tree, written in atomic batches.
///
/// With `durable` on (the default), every batch is flushed to disk before
/// `apply` returns, so whatever the bot has acknowledged survives a crash.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
    durable: bool,
    /// Batches hold it shared while they apply; [`Store::snapshot`] holds it
    /// alone while it reads, so no batch lands in the middle of a snapshot.
    gate: Arc<RwLock<()>>,
}

/// How long `open` waits for another handle to release the store's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SledStore {
    /// Opens (or creates) the store in a directory.
    ///
    /// sled's background flusher may still hold the directory's lock for a
    /// moment after a previous handle was dropped (a restart in the same
    /// process, or a process still exiting), so a held lock is retried for up
    /// to [`LOCK_WAIT`] before giving up with [`StoreError::Locked`] (another
    /// process, such as a running bot, has it open).
    ///
    /// Files sled finds damaged (after an abrupt stop, say) give
    /// [`StoreError::Damaged`], whose message points the operator at
    /// `frontdesk restore`.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let deadline = Instant::now() + LOCK_WAIT;
        let path = || dir.display().to_string();
        loop {
            match sled::Config::new().path(dir).open() {
                Ok(db) => {
                    return Ok(SledStore {
                        db,
                        durable: true,
                        gate: Arc::default(),
                    });
                }
                // sled 0.34 reports this as an `Other` I/O error with this text.
                Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                    if Instant::now() >= deadline {
                        return Err(StoreError::Locked {
                            path: path(),
                            reason: e.to_string(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e @ (sled::Error::Corruption { .. } | sled::Error::ReportableBug(_))) => {
                    return Err(StoreError::Damaged {
                        path: path(),
                        reason: e.to_string(),
                    });
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Whether each batch waits for its flush to disk.
    pub fn with_durability(mut self, durable: bool) -> SledStore {
        self.durable = durable;
        self
    }
}

impl Store for SledStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(key).map_err(backend)?.map(|v| v.to_vec()))
    }

    fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.db
            .scan_prefix(prefix)
            .map(|entry| {
                let (k, v) = entry.map_err(backend)?;
                let key = String::from_utf8(k.to_vec()).map_err(|_| StoreError::Corrupt {
                    key: String::from_utf8_lossy(&k).into_owned(),
                    reason: "key is not UTF-8".into(),
                })?;
                Ok((key, v.to_vec()))
            })
            .collect()
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut b = sled::Batch::default();
        for op in batch.ops {
            match op {
                Op::Put(k, v) => b.insert(k.as_bytes(), v),
                Op::Delete(k) => b.remove(k.as_bytes()),
            }
        }
        {
            let _applying = self.gate.read().unwrap_or_else(|e| e.into_inner());
            self.db.apply_batch(b).map_err(backend)?;
        }
        if self.durable {
            self.db.flush().map_err(backend)?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }

    /// sled's iterators are not point-in-time: a batch applied during a scan
    /// can show up in part. So the scan runs with the gate held alone, after a
    /// flush: no batch through this handle (or a clone of it) is applied while
    /// it reads, and every batch applied before it is on disk first. Nothing
    /// else can write meanwhile: sled's file lock lets only one handle open
    /// the folder at a time (see [`SledStore::open`]), and every write goes
    /// through `apply`. The snapshot is thus exactly the state after the last
    /// batch applied before it; it says nothing of values already damaged on
    /// disk, which sled reports as errors while reading.
    fn snapshot(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let _alone = self.gate.write().unwrap_or_else(|e| e.into_inner());
        self.flush()?;
        self.scan_prefix("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sled_store_passes_the_store_conformance_test() {
        let dir = tempfile::tempdir().unwrap();
        super::super::conformance::check(&SledStore::open(dir.path()).unwrap());
    }

    #[test]
    fn the_sled_store_keeps_its_data_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            let mut batch = Batch::default();
            batch.put("conv/terminal:a", b"state".to_vec());
            store.apply(batch).unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(
            store.get("conv/terminal:a").unwrap().as_deref(),
            Some(&b"state"[..])
        );
    }

    #[test]
    fn a_damaged_store_is_refused_with_a_pointer_to_frontdesk_restore() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        std::fs::write(
            dir.path().join("conf"),
            b"not a sled configuration\n\0\0\0\0",
        )
        .unwrap();
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
        assert!(err.to_string().contains("frontdesk restore"), "{err}");
    }
}
