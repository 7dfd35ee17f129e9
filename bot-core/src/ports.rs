//! The ports: what the engine needs from the outside world, as traits. The
//! implementations live elsewhere (the `store` module for storage; adapters and
//! tests supply clocks), so the engine can be driven entirely in memory.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage backend: {0}")]
    Backend(String),
    #[error("stored record {key:?} cannot be read: {reason}")]
    Corrupt { key: String, reason: String },
    /// Another process (a running bot, a chat session) holds the store.
    #[error("the store in {path} is in use by another process: {reason}")]
    Locked { path: String, reason: String },
    /// The store's files are damaged and it cannot be opened.
    #[error("the store in {path} is damaged and cannot be opened ({reason})")]
    Damaged { path: String, reason: String },
    /// The store is encrypted and no key was given.
    #[error("the store in {path} is encrypted and no data key was given")]
    Encrypted { path: String },
    /// The key given is not the one the store was encrypted with.
    #[error("the data key given does not open the store in {path}; nothing was changed")]
    WrongKey { path: String },
    /// A key was given for a store that already holds unencrypted records.
    #[error("the store in {path} is not encrypted, but a data key was given; nothing was changed")]
    NotEncrypted { path: String },
}

/// One change in an atomic [`Batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Put(String, Vec<u8>),
    Delete(String),
}

/// Changes applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn put(&mut self, key: impl Into<String>, value: Vec<u8>) {
        self.ops.push(Op::Put(key.into(), value));
    }

    pub fn delete(&mut self, key: impl Into<String>) {
        self.ops.push(Op::Delete(key.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// An ordered key-value store with atomic batches. Keys are UTF-8 paths such
/// as `conv/telegram:42`; values are opaque bytes.
pub trait Store: Send + Sync + 'static {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every entry whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Applies every change in the batch atomically.
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;
    /// Makes everything applied so far durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Every entry, in key order, as one consistent view: no batch is seen
    /// half-applied, and none applied after an entry was read is mixed in.
    ///
    /// The default is a scan of every key, which is consistent only for a
    /// store whose scan already is (such as the in-memory store);
    /// a store whose scan can interleave with writes overrides it.
    fn snapshot(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.scan_prefix("")
    }
    /// Makes sure no byte of a deleted record is left in the store's files.
    /// A store that deletes in place has nothing to do (the default); one
    /// that keeps old copies (sled's log) rewrites its live records.
    fn erase_deleted(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// The secret that names chats in record keys by a keyed hash, when the
    /// store's files must not show chat ids (an encrypted store); `None`
    /// keeps chat ids as they are.
    fn naming_secret(&self) -> Option<[u8; 32]> {
        None
    }
}

/// Where the time comes from, so tests can run under a fake clock.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The knowledge folder as the console changes it. `serve` implements it
/// over the folder it answers from; tests over a copy.
pub trait Teacher: Send + Sync + std::fmt::Debug + 'static {
    /// Makes `change` if the folder loads with it (as `frontdesk check`
    /// loads it), and has the bot answer from the changed folder before it
    /// returns; otherwise writes nothing and says why.
    fn change(
        &self,
        change: &crate::knowledge::teach::FolderChange,
    ) -> Result<(), crate::knowledge::teach::TeachError>;
}
