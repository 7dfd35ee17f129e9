//! Storage implementations of [`crate::ports::Store`]: sled on disk for the bot,
//! and a map in memory for unit tests. Both pass one conformance test, sled
//! with and without encryption. [`backup`] exports any store to a file and
//! restores it. [`cipher`] seals and opens the values of an encrypted sled
//! store (and of its backups) with a [`DataKey`].

pub mod backup;
pub mod cipher;
mod group_commit;
mod memory;
mod sled_store;

pub use cipher::DataKey;
pub use memory::MemoryStore;
pub use sled_store::SledStore;

#[cfg(test)]
pub(crate) mod conformance {
    use crate::ports::{Batch, Store};

    /// The behaviour every store must have.
    pub fn check(store: &dyn Store) {
        assert_eq!(store.get("a/1").unwrap(), None, "a new store is empty");

        let mut batch = Batch::default();
        batch.put("a/2", b"two".to_vec());
        batch.put("a/1", b"one".to_vec());
        batch.put("b/1", b"other".to_vec());
        batch.put("a", b"not under a/".to_vec());
        store.apply(batch).unwrap();
        assert_eq!(store.get("a/1").unwrap().as_deref(), Some(&b"one"[..]));

        let scanned = store.scan_prefix("a/").unwrap();
        let keys: Vec<&str> = scanned.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a/1", "a/2"], "a scan is by prefix, in key order");

        let mut batch = Batch::default();
        batch.put("a/1", b"uno".to_vec());
        batch.delete("a/2");
        batch.delete("never/existed");
        store.apply(batch).unwrap();
        assert_eq!(store.get("a/1").unwrap().as_deref(), Some(&b"uno"[..]));
        assert_eq!(store.get("a/2").unwrap(), None);

        let mut batch = Batch::default();
        batch.put("c/1", b"x".to_vec());
        batch.delete("c/1");
        store.apply(batch).unwrap();
        assert_eq!(store.get("c/1").unwrap(), None, "a batch applies in order");

        store.apply(Batch::default()).unwrap();
        store.flush().unwrap();
        assert_eq!(store.scan_prefix("").unwrap().len(), 3);
    }
}
