use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::cipher::{self, CipherError, DataKey};
use super::group_commit::GroupCommit;
use crate::ports::{Batch, Op, Store, StoreError};

/// The on-disk store: one sled tree, written in atomic batches.
///
/// With `durable` on (the default), every batch is flushed to disk before
/// `apply` returns, so whatever the bot has acknowledged survives a crash.
/// Batches applied at the same time share one flush (`GroupCommit`).
///
/// Opened with a [`DataKey`] ([`SledStore::open_encrypted`]), every value is
/// sealed by [`cipher::seal`] on its way in and opened on its way out; keys
/// are stored as they are. Whether a store is encrypted is recorded in a
/// separate sled tree (see [`SledStore::open_with`]), which the [`Store`]
/// methods never see.
///
/// sled is log-structured: a deleted or overwritten value stays in its files
/// until sled happens to reuse the space. [`Store::erase_deleted`] rewrites
/// the live records into a fresh folder and swaps it in (see
/// [`SledStore::rewrite`]), so deleted data leaves the files at once.
#[derive(Debug, Clone)]
pub struct SledStore {
    /// The folder, and the open database in it (replaced by a rewrite).
    dir: PathBuf,
    db: Arc<RwLock<sled::Db>>,
    durable: bool,
    /// Batches hold it shared while they apply; [`Store::snapshot`] holds it
    /// alone while it reads, so no batch lands in the middle of a snapshot.
    gate: Arc<RwLock<()>>,
    encryption: Option<Arc<Encryption>>,
    commit: Arc<GroupCommit>,
}

/// The key of an encrypted store, and whether its marker is on disk yet.
#[derive(Debug)]
struct Encryption {
    key: DataKey,
    marked: AtomicBool,
}

/// The sled tree that says whether the store is encrypted. It is not the
/// default tree, so scans, snapshots and backups never see it.
const META_TREE: &str = "frontdesk/meta";
/// The marker's key in [`META_TREE`], also its associated data.
const MARKER: &str = "meta/encryption";
/// What the marker holds, sealed with the store's key.
const MARKER_CHECK: &[u8] = b"frontdesk data key check";

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
    /// to `LOCK_WAIT` before giving up with [`StoreError::Locked`] (another
    /// process, such as a running bot, has it open).
    ///
    /// Files sled finds damaged (after an abrupt stop, say) give
    /// [`StoreError::Damaged`], whose message points the operator at
    /// `frontdesk restore`.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        SledStore::open_with(dir, None)
    }

    /// Opens (or creates) an encrypted store: see [`SledStore::open_with`].
    pub fn open_encrypted(dir: &Path, key: DataKey) -> Result<SledStore, StoreError> {
        SledStore::open_with(dir, Some(key))
    }

    /// Opens (or creates) the store, encrypted when `key` is given, and
    /// checks at once that the key (or its absence) fits the store:
    ///
    /// - an encrypted store opened without a key gives
    ///   [`StoreError::Encrypted`], with a key that does not open its marker
    ///   [`StoreError::WrongKey`];
    /// - a store that already holds unencrypted records, opened with a key,
    ///   gives [`StoreError::NotEncrypted`]: it is never encrypted in place,
    ///   half-way (encrypt one with `backup` and `restore`);
    /// - an empty store opened with a key becomes encrypted when its first
    ///   batch is applied: then a marker (a known value sealed with the key)
    ///   is written and flushed before the batch. Until then nothing is
    ///   written, so a failed restore with a wrong key leaves the folder
    ///   free for the right one.
    pub fn open_with(dir: &Path, key: Option<DataKey>) -> Result<SledStore, StoreError> {
        finish_rewrite(dir)?;
        let db = SledStore::open_db(dir)?;
        let path = || dir.display().to_string();
        let marker = if db
            .tree_names()
            .iter()
            .any(|name| name.as_ref() == META_TREE.as_bytes())
        {
            db.open_tree(META_TREE)
                .and_then(|meta| meta.get(MARKER))
                .map_err(backend)?
        } else {
            None
        };
        let encryption = match (marker, key) {
            (None, None) => None,
            (Some(_), None) => return Err(StoreError::Encrypted { path: path() }),
            (Some(marker), Some(key)) => match cipher::open(&key, MARKER, &marker) {
                Ok(check) if check == MARKER_CHECK => Some(Encryption {
                    key,
                    marked: AtomicBool::new(true),
                }),
                Ok(_) | Err(CipherError::Open) => {
                    return Err(StoreError::WrongKey { path: path() });
                }
                Err(e) => {
                    return Err(StoreError::Damaged {
                        path: path(),
                        reason: format!("the encryption marker cannot be read: {e}"),
                    });
                }
            },
            (None, Some(key)) => {
                if !db.is_empty() {
                    return Err(StoreError::NotEncrypted { path: path() });
                }
                Some(Encryption {
                    key,
                    marked: AtomicBool::new(false),
                })
            }
        };
        Ok(SledStore {
            dir: dir.to_owned(),
            db: Arc::new(RwLock::new(db)),
            durable: true,
            gate: Arc::default(),
            encryption: encryption.map(Arc::new),
            commit: Arc::default(),
        })
    }

    fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
        let deadline = Instant::now() + LOCK_WAIT;
        let path = || dir.display().to_string();
        loop {
            match sled::Config::new().path(dir).open() {
                Ok(db) => return Ok(db),
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

    /// How many bytes the store's files take on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db().size_on_disk().map_err(backend)
    }

    /// The key the store is encrypted with, if it is.
    pub fn data_key(&self) -> Option<&DataKey> {
        self.encryption.as_deref().map(|e| &e.key)
    }

    /// The value as stored on disk (sealed when encrypted) → as put.
    fn reveal(&self, key: &str, stored: &[u8]) -> Result<Vec<u8>, StoreError> {
        match &self.encryption {
            None => Ok(stored.to_vec()),
            Some(e) => cipher::open(&e.key, key, stored).map_err(|e| StoreError::Corrupt {
                key: key.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    /// Writes and flushes the marker of an encrypted store, once, before
    /// its first batch: a store is never found holding sealed values and no
    /// marker.
    fn mark(&self, encryption: &Encryption) -> Result<(), StoreError> {
        if encryption.marked.load(Ordering::Acquire) {
            return Ok(());
        }
        let marker = cipher::seal(&encryption.key, MARKER, MARKER_CHECK)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let db = self.db();
        let meta = db.open_tree(META_TREE).map_err(backend)?;
        meta.insert(MARKER, marker).map_err(backend)?;
        db.flush().map_err(backend)?;
        encryption.marked.store(true, Ordering::Release);
        Ok(())
    }
}

impl Store for SledStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.db()
            .get(key)
            .map_err(backend)?
            .map(|v| self.reveal(key, &v))
            .transpose()
    }

    fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.db()
            .scan_prefix(prefix)
            .map(|entry| {
                let (k, v) = entry.map_err(backend)?;
                let key = String::from_utf8(k.to_vec()).map_err(|_| StoreError::Corrupt {
                    key: String::from_utf8_lossy(&k).into_owned(),
                    reason: "key is not UTF-8".into(),
                })?;
                let value = self.reveal(&key, &v)?;
                Ok((key, value))
            })
            .collect()
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Values as they go to disk (sealed when encrypted).
        let mut ops = Vec::with_capacity(batch.ops.len());
        for op in batch.ops {
            ops.push(match (op, &self.encryption) {
                (Op::Put(k, v), Some(e)) => {
                    let sealed = cipher::seal(&e.key, &k, &v)
                        .map_err(|e| StoreError::Backend(e.to_string()))?;
                    Op::Put(k, sealed)
                }
                (op, _) => op,
            });
        }
        if let Some(e) = &self.encryption {
            self.mark(e)?;
        }
        let ticket = {
            let _applying = self.gate.read().unwrap_or_else(|e| e.into_inner());
            let db = self.db();
            match <[Op; 1]>::try_from(ops) {
                // One key is atomic on its own. A sled batch seals and writes
                // its log buffer at once (a write and a sync_file_range per
                // batch), which a single insert does not: most messages
                // change only their chat's state, so this halves their cost.
                Ok([Op::Put(k, v)]) => db.insert(k.as_bytes(), v).map(|_| ()),
                Ok([Op::Delete(k)]) => db.remove(k.as_bytes()).map(|_| ()),
                Err(ops) => {
                    let mut b = sled::Batch::default();
                    for op in ops {
                        match op {
                            Op::Put(k, v) => b.insert(k.as_bytes(), v),
                            Op::Delete(k) => b.remove(k.as_bytes()),
                        }
                    }
                    db.apply_batch(b)
                }
            }
            .map_err(backend)?;
            self.commit.applied()
        };
        if self.durable {
            self.commit.wait_durable(ticket, || self.flush())?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db().flush().map(|_| ()).map_err(backend)
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

    fn erase_deleted(&self) -> Result<(), StoreError> {
        self.rewrite()
    }

    fn naming_secret(&self) -> Option<[u8; 32]> {
        self.data_key()
            .map(|key| key.derive(b"frontdesk record names v1"))
    }
}

/// Where a rewrite builds the new database, beside the store's folder
/// (`sled.rewrite` for `sled`).
fn rewrite_dir(dir: &Path) -> PathBuf {
    beside(dir, "rewrite")
}

/// Where the old database goes while the new one is swapped in.
fn retired_dir(dir: &Path) -> PathBuf {
    beside(dir, "retired")
}

fn beside(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

/// Completes or undoes a rewrite a crash interrupted, before the store
/// opens: a finished copy whose swap did not happen is swapped in, an
/// unfinished one removed, and a retired database (which still holds the
/// deleted records) removed.
fn finish_rewrite(dir: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Backend(format!("{}: {e}", dir.display()));
    let copy = rewrite_dir(dir);
    if copy.exists() {
        // A caller may have made the folder afresh (empty) meanwhile.
        let empty = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
        if empty {
            std::fs::remove_dir(dir).map_err(io)?;
        }
        if dir.exists() {
            std::fs::remove_dir_all(&copy).map_err(io)?;
        } else {
            std::fs::rename(&copy, dir).map_err(io)?;
        }
    }
    let retired = retired_dir(dir);
    if retired.exists() {
        std::fs::remove_dir_all(&retired).map_err(io)?;
    }
    Ok(())
}

impl SledStore {
    /// The open database (a handle: cheap to clone).
    fn db(&self) -> sled::Db {
        self.db.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rewrites the store so that nothing deleted remains in its files:
    /// with every batch held back, copies the live records of every tree
    /// (values as stored, so still sealed when encrypted) into a new
    /// database beside the folder, flushes it, swaps the two folders by
    /// renaming, opens the new one and removes the old. Messages arriving
    /// meanwhile wait for it (about a second for 10,000 patients; see
    /// `docs/privacy.md`) and are then handled; reads go on. A crash at any
    /// point leaves either the old or the new folder, and the next open
    /// finishes the job ([`finish_rewrite`]).
    pub fn rewrite(&self) -> Result<(), StoreError> {
        let _alone = self.gate.write().unwrap_or_else(|e| e.into_inner());
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        let io = |e: std::io::Error| StoreError::Backend(format!("{}: {e}", self.dir.display()));
        slot.flush().map_err(backend)?;
        let copy_dir = rewrite_dir(&self.dir);
        if copy_dir.exists() {
            std::fs::remove_dir_all(&copy_dir).map_err(io)?;
        }
        {
            let copy = sled::Config::new()
                .path(&copy_dir)
                .open()
                .map_err(backend)?;
            copy.import(slot.export());
            copy.flush().map_err(backend)?;
        }
        let retired = retired_dir(&self.dir);
        std::fs::rename(&self.dir, &retired).map_err(io)?;
        std::fs::rename(&copy_dir, &self.dir).map_err(io)?;
        if let Some(parent) = self.dir.parent() {
            std::fs::File::open(parent)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        *slot = SledStore::open_db(&self.dir)?;
        drop(slot);
        std::fs::remove_dir_all(&retired).map_err(io)
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
    fn a_damaged_store_is_refused_as_damaged() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        std::fs::write(
            dir.path().join("conf"),
            b"not a sled configuration\n\0\0\0\0",
        )
        .unwrap();
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
        assert!(err.to_string().contains("is damaged"), "{err}");
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key() -> DataKey {
        DataKey::parse(KEY).unwrap()
    }

    fn put(store: &SledStore, key: &str, value: &[u8]) {
        let mut batch = Batch::default();
        batch.put(key, value.to_vec());
        store.apply(batch).unwrap();
    }

    #[test]
    fn a_rewrite_keeps_every_live_record_and_the_store_goes_on_writing() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("sled");
        let store = SledStore::open_encrypted(&dir, key()).unwrap();
        put(&store, "conv/telegram:1", b"one");
        put(&store, "conv/telegram:2", b"two");
        let mut gone = Batch::default();
        gone.delete("conv/telegram:1");
        store.apply(gone).unwrap();
        let clone = store.clone();
        store.rewrite().unwrap();
        assert_eq!(
            clone.snapshot().unwrap(),
            [("conv/telegram:2".to_owned(), b"two".to_vec())]
        );
        put(&clone, "conv/telegram:3", b"three");
        drop((store, clone));
        let names: Vec<_> = std::fs::read_dir(data.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["sled"], "nothing left beside the folder");
        // Still encrypted with the same key, with everything written.
        assert!(matches!(
            SledStore::open(&dir),
            Err(StoreError::Encrypted { .. })
        ));
        let reopened = SledStore::open_encrypted(&dir, key()).unwrap();
        assert_eq!(
            reopened.get("conv/telegram:3").unwrap().as_deref(),
            Some(&b"three"[..])
        );
    }

    #[test]
    fn a_rewrite_a_crash_interrupted_is_finished_or_undone_when_the_store_opens() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("sled");
        put(&SledStore::open(&dir).unwrap(), "conv/telegram:1", b"old");
        // Crashed while copying: the copy is dropped, the store kept.
        let half = sled::open(rewrite_dir(&dir)).unwrap();
        half.insert("conv/telegram:1", b"half").unwrap();
        drop(half);
        let store = SledStore::open(&dir).unwrap();
        assert_eq!(
            store.get("conv/telegram:1").unwrap().as_deref(),
            Some(&b"old"[..])
        );
        assert!(!rewrite_dir(&dir).exists());
        drop(store);
        // Crashed between the two renames: the finished copy is swapped in
        // and the retired folder, with the deleted records, removed.
        let copy = sled::open(rewrite_dir(&dir)).unwrap();
        copy.insert("conv/telegram:1", b"new").unwrap();
        copy.flush().unwrap();
        drop(copy);
        std::fs::rename(&dir, retired_dir(&dir)).unwrap();
        // `frontdesk` makes the folder before it opens the store.
        std::fs::create_dir(&dir).unwrap();
        let store = SledStore::open(&dir).unwrap();
        assert_eq!(
            store.get("conv/telegram:1").unwrap().as_deref(),
            Some(&b"new"[..])
        );
        assert!(!retired_dir(&dir).exists() && !rewrite_dir(&dir).exists());
    }

    /// Every byte of every file under `dir`.
    fn files_bytes(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut found = Vec::new();
        let mut folders = vec![dir.to_owned()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    found.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        found
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_encrypted_sled_store_passes_the_store_conformance_test() {
        let dir = tempfile::tempdir().unwrap();
        super::super::conformance::check(&SledStore::open_encrypted(dir.path(), key()).unwrap());
    }

    #[test]
    fn a_value_written_with_a_key_is_not_on_disk_in_plain_text() {
        const MARKER: &[u8] = b"zebra-kumquat-7781 my knee hurts";
        // The same marker without a key is found, so the scan below can see it.
        let plain = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(plain.path()).unwrap();
            put(&store, "conv/terminal:a", MARKER);
            store.flush().unwrap();
        }
        assert!(
            files_bytes(plain.path())
                .iter()
                .any(|(_, bytes)| contains(bytes, MARKER)),
            "the scan finds a plaintext value"
        );

        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open_encrypted(dir.path(), key()).unwrap();
            put(&store, "conv/terminal:a", MARKER);
            put(&store, "screen/terminal:a/1", MARKER);
            store.flush().unwrap();
            assert_eq!(
                store.get("conv/terminal:a").unwrap().as_deref(),
                Some(MARKER)
            );
        }
        let files = files_bytes(dir.path());
        assert!(!files.is_empty());
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, MARKER),
                "{} holds the plaintext",
                path.display()
            );
            assert!(!contains(bytes, b"zebra-kumquat"), "{}", path.display());
            assert!(!contains(bytes, KEY.as_bytes()), "{}", path.display());
            assert!(!contains(bytes, &key_bytes()), "{}", path.display());
        }
        assert!(
            files
                .iter()
                .any(|(_, bytes)| contains(bytes, b"conv/terminal:a")),
            "keys are stored as they are (as docs/encryption.md says)"
        );
    }

    fn key_bytes() -> Vec<u8> {
        (0u8..32).collect()
    }

    #[test]
    fn an_encrypted_store_reopens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open_encrypted(dir.path(), key()).unwrap();
            put(&store, "conv/terminal:a", b"state");
        }
        let store = SledStore::open_encrypted(dir.path(), key()).unwrap();
        assert_eq!(
            store.get("conv/terminal:a").unwrap().as_deref(),
            Some(&b"state"[..])
        );
        assert_eq!(
            store.scan_prefix("").unwrap().len(),
            1,
            "the marker is not a record"
        );
        assert!(store.data_key().is_some());
    }

    #[test]
    fn an_encrypted_store_opened_without_a_key_is_refused_as_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        put(
            &SledStore::open_encrypted(dir.path(), key()).unwrap(),
            "conv/terminal:a",
            b"state",
        );
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Encrypted { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("is encrypted"), "{message}");
    }

    #[test]
    fn an_encrypted_store_opened_with_another_key_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        put(
            &SledStore::open_encrypted(dir.path(), key()).unwrap(),
            "conv/terminal:a",
            b"state",
        );
        let err = SledStore::open_encrypted(dir.path(), DataKey::generate().unwrap()).unwrap_err();
        assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("does not open the store"), "{message}");

        let store = SledStore::open_encrypted(dir.path(), key()).unwrap();
        assert_eq!(
            store.get("conv/terminal:a").unwrap().as_deref(),
            Some(&b"state"[..])
        );
    }

    #[test]
    fn a_store_with_unencrypted_records_opened_with_a_key_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        put(
            &SledStore::open(dir.path()).unwrap(),
            "conv/terminal:a",
            b"state",
        );
        let err = SledStore::open_encrypted(dir.path(), key()).unwrap_err();
        assert!(matches!(err, StoreError::NotEncrypted { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("not encrypted"), "{message}");

        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(
            store.get("conv/terminal:a").unwrap().as_deref(),
            Some(&b"state"[..])
        );
    }

    #[test]
    fn an_empty_store_opened_with_a_key_is_encrypted_only_once_something_is_written() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open_encrypted(dir.path(), key()).unwrap());
        // Nothing written: a wrong key did not claim the folder.
        drop(SledStore::open(dir.path()).unwrap());
        drop(SledStore::open_encrypted(dir.path(), DataKey::generate().unwrap()).unwrap());

        put(
            &SledStore::open_encrypted(dir.path(), key()).unwrap(),
            "a",
            b"1",
        );
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Encrypted { .. }), "{err:?}");
    }

    #[test]
    fn a_value_moved_under_another_key_on_disk_is_reported_as_corrupt_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open_encrypted(dir.path(), key()).unwrap();
        put(&store, "conv/telegram:1", b"patient one");
        let sealed = store.db().get("conv/telegram:1").unwrap().unwrap();
        store.db().insert("conv/telegram:2", sealed).unwrap();
        let err = store.get("conv/telegram:2").unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt { key, .. } if key == "conv/telegram:2"),
            "{err:?}"
        );
        assert!(store.scan_prefix("conv/").is_err());
        assert_eq!(
            store.get("conv/telegram:1").unwrap().as_deref(),
            Some(&b"patient one"[..])
        );
    }

    /// What the cipher costs: `cargo test -p frontdesk-core --release --lib
    /// -- --ignored --nocapture the_cost_of_encryption`. Prints, asserts nothing.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn the_cost_of_encryption_for_ten_thousand_small_puts_and_gets() {
        const N: usize = 10_000;
        let value = br#"{"state":"idle","locale":"en","last_update":123456789}"#;
        for round in 1..=3 {
            let k = key();
            let start = Instant::now();
            for i in 0..N {
                let record = format!("conv/telegram:{i}");
                let sealed = cipher::seal(&k, &record, value).unwrap();
                assert_eq!(
                    cipher::open(&k, &record, &sealed).unwrap().len(),
                    value.len()
                );
            }
            println!(
                "round {round} cipher alone: {N} seals and opens {:?}",
                start.elapsed()
            );
            for durable in [false, true] {
                for encrypted in [false, true] {
                    let dir = tempfile::tempdir().unwrap();
                    let store = if encrypted {
                        SledStore::open_encrypted(dir.path(), key()).unwrap()
                    } else {
                        SledStore::open(dir.path()).unwrap()
                    }
                    .with_durability(durable);
                    let start = Instant::now();
                    for i in 0..N {
                        put(&store, &format!("conv/telegram:{i}"), value);
                    }
                    let puts = start.elapsed();
                    let start = Instant::now();
                    for i in 0..N {
                        assert!(store.get(&format!("conv/telegram:{i}")).unwrap().is_some());
                    }
                    let gets = start.elapsed();
                    println!(
                        "round {round} durable={durable} encrypted={encrypted}: {N} puts {:?} \
                         ({:.1} µs each), {N} gets {:?} ({:.1} µs each)",
                        puts,
                        puts.as_secs_f64() * 1e6 / N as f64,
                        gets,
                        gets.as_secs_f64() * 1e6 / N as f64,
                    );
                }
            }
        }
    }
}
