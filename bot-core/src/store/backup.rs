//! Backups of a whole store: [`export`] writes a consistent snapshot as JSON
//! Lines, [`import`] reads one back, checking the whole file before it changes
//! anything and then applying it in one atomic batch.
//!
//! The format, one JSON object per line:
//!
//! ```text
//! {"frontdesk_backup":1,"created":"2026-11-30T21:00:00Z","entries":2}
//! {"k":"appt/2026-12-01T08:00:00Z/ann","v":"eyJwYXRpZW50Ijoi…"}
//! {"k":"conv/terminal:local","v":"eyJzdGF0ZSI6…"}
//! ```
//!
//! The header gives the format version, when the snapshot was taken (RFC 3339)
//! and how many records follow, so a truncated file is caught. Each record is
//! a key and its value in standard base64 (values are opaque bytes), in key
//! order.
//!
//! The backup of an encrypted store is encrypted with the store's key, so a
//! copied backup is as unreadable as a copied data folder. Its header has
//! version 2 (so a version of frontdesk that cannot decrypt refuses it rather
//! than restoring sealed bytes as if they were values) and a `key_check`, a
//! known value sealed with the key, so a wrong key is caught on line 1:
//!
//! ```text
//! {"frontdesk_backup":2,"created":"2026-11-30T21:00:00Z","entries":2,"key_check":"RkRFMR…"}
//! {"k":"appt/2026-12-01T08:00:00Z/ann","v":"RkRFMcx0…"}
//! ```
//!
//! Each value is then sealed by [`cipher::seal`] for its record's key. On
//! restore every value is decrypted, and checked, before anything is written;
//! the store it goes into seals it again with fresh nonces. A backup without
//! encryption (version 1) restores into an encrypted store too: that is how a
//! store is encrypted.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::cipher::{self, CipherError, DataKey};
use super::{MemoryStore, SledStore};
use crate::ports::{Batch, Store, StoreError};

/// The version of the format that [`export`] writes for a store without
/// encryption, and that [`import`] reads.
pub const FORMAT_VERSION: u64 = 1;
/// The version of an encrypted backup: values sealed, a `key_check` in the
/// header.
pub const ENCRYPTED_FORMAT_VERSION: u64 = 2;
/// The associated data of the header's `key_check`.
const KEY_CHECK: &str = "backup/key_check";
/// The value `key_check` seals.
const KEY_CHECK_VALUE: &[u8] = b"frontdesk backup key check";

/// A store that may be encrypted: its backups are encrypted with the same
/// key, and an encrypted backup needs it to be restored.
pub trait KeyedStore: Store {
    /// The key the store's values are encrypted with, if they are.
    fn data_key(&self) -> Option<&DataKey>;
}

impl KeyedStore for SledStore {
    fn data_key(&self) -> Option<&DataKey> {
        SledStore::data_key(self)
    }
}

impl KeyedStore for MemoryStore {
    fn data_key(&self) -> Option<&DataKey> {
        None
    }
}

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the backup: {0}")]
    Write(io::Error),
    #[error("cannot read the backup: {0}")]
    Read(io::Error),
    /// The file is not a valid backup; `line` counts from 1.
    #[error("line {line}: {reason}")]
    Invalid { line: usize, reason: String },
    #[error(
        "the store already holds {existing} records; restore into an empty data folder, \
         or replace everything in it (`frontdesk restore --replace`)"
    )]
    NotEmpty { existing: usize },
    /// An encrypted backup, and a store opened without a key.
    #[error(
        "this backup is encrypted: set FRONTDESK_DATA_KEY to the key of the store it was made \
         from, and restore it into an empty data folder"
    )]
    Encrypted,
    /// The store's key does not open the backup.
    #[error(
        "the key in FRONTDESK_DATA_KEY does not open this backup: it was made with another key"
    )]
    WrongKey,
    #[error("cannot encrypt the backup: {0}")]
    Seal(CipherError),
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    frontdesk_backup: u64,
    created: Timestamp,
    entries: usize,
    /// Base64 of [`KEY_CHECK_VALUE`] sealed with the key; only in an
    /// encrypted backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_check: Option<String>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    k: &'a str,
    v: String,
}

#[derive(Deserialize)]
struct RecordIn {
    k: String,
    v: String,
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *out, value).map_err(|e| BackupError::Write(e.into()))?;
    out.write_all(b"\n").map_err(BackupError::Write)
}

/// Writes every record of `store`, as one [`Store::snapshot`], to `out`, and
/// returns how many records it wrote. The backup of an encrypted store is
/// encrypted with its key.
pub fn export(store: &impl KeyedStore, out: &mut impl Write) -> Result<usize, BackupError> {
    let key = store.data_key();
    let entries = store.snapshot()?;
    let seal = |record: &str, value: &[u8]| -> Result<String, BackupError> {
        Ok(STANDARD.encode(match key {
            None => value.to_vec(),
            Some(key) => cipher::seal(key, record, value).map_err(BackupError::Seal)?,
        }))
    };
    let header = Header {
        frontdesk_backup: if key.is_some() {
            ENCRYPTED_FORMAT_VERSION
        } else {
            FORMAT_VERSION
        },
        created: Timestamp::now(),
        entries: entries.len(),
        key_check: key.map(|_| seal(KEY_CHECK, KEY_CHECK_VALUE)).transpose()?,
    };
    write_line(out, &header)?;
    for (k, v) in &entries {
        write_line(out, &RecordOut { k, v: seal(k, v)? })?;
    }
    out.flush().map_err(BackupError::Write)?;
    Ok(entries.len())
}

/// Restores a backup written by [`export`] into `store`, and returns how many
/// records it restored.
///
/// The whole file is read and checked first (the header, every line, every
/// value's base64, no key twice, as many records as the header says); the
/// first problem is reported with its line number and nothing is written.
/// Then every record goes in one atomic batch, and the store is flushed.
/// An encrypted backup needs a store opened with the key it was made with:
/// its values are all decrypted in that first reading.
///
/// The store must be empty, unless `replace` is set: then every key already
/// in it is deleted in that same batch, so the store ends up holding exactly
/// the backup.
pub fn import(
    store: &impl KeyedStore,
    input: &mut impl BufRead,
    replace: bool,
) -> Result<usize, BackupError> {
    let records = read(input, store.data_key())?;
    let existing = store.scan_prefix("")?;
    if !existing.is_empty() && !replace {
        return Err(BackupError::NotEmpty {
            existing: existing.len(),
        });
    }
    let mut batch = Batch::default();
    for (k, _) in existing {
        batch.delete(k);
    }
    let count = records.len();
    for (k, v) in records {
        batch.put(k, v);
    }
    store.apply(batch)?;
    store.flush()?;
    Ok(count)
}

/// Reads and checks a whole backup, without touching any store, decrypting
/// it with `key` if it is encrypted.
fn read(
    input: &mut impl BufRead,
    key: Option<&DataKey>,
) -> Result<Vec<(String, Vec<u8>)>, BackupError> {
    let invalid = |line: usize, reason: String| BackupError::Invalid { line, reason };
    let mut lines = Lines { input, number: 0 };

    let Some(first) = lines.next()? else {
        return Err(invalid(
            1,
            "the file is empty, not a Frontdesk backup".into(),
        ));
    };
    let header: Header = serde_json::from_str(&first)
        .map_err(|e| invalid(1, format!("not a Frontdesk backup header: {e}")))?;
    let key = match (header.frontdesk_backup, &header.key_check) {
        (FORMAT_VERSION, None) => None,
        (ENCRYPTED_FORMAT_VERSION, Some(check)) => {
            let key = key.ok_or(BackupError::Encrypted)?;
            let sealed = STANDARD
                .decode(check)
                .map_err(|e| invalid(1, format!("the key_check is not base64: {e}")))?;
            match cipher::open(key, KEY_CHECK, &sealed) {
                Ok(value) if value == KEY_CHECK_VALUE => Some(key),
                Ok(_) | Err(CipherError::Open) => return Err(BackupError::WrongKey),
                Err(e) => return Err(invalid(1, format!("the key_check is not valid: {e}"))),
            }
        }
        (FORMAT_VERSION | ENCRYPTED_FORMAT_VERSION, _) => {
            return Err(invalid(
                1,
                "an encrypted backup (version 2) has a key_check, and only it".into(),
            ));
        }
        (version, _) => {
            return Err(invalid(
                1,
                format!(
                    "backup format version {version} is not supported (this version of \
                     frontdesk reads {FORMAT_VERSION} and {ENCRYPTED_FORMAT_VERSION})"
                ),
            ));
        }
    };

    let mut records = Vec::with_capacity(header.entries.min(1 << 20));
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Some(text) = lines.next()? {
        let line = lines.number;
        if records.len() == header.entries {
            return Err(invalid(
                line,
                format!(
                    "more records than the {} the header announces",
                    header.entries
                ),
            ));
        }
        let record: RecordIn = serde_json::from_str(&text)
            .map_err(|e| invalid(line, format!("not a {{\"k\",\"v\"}} record: {e}")))?;
        let mut value = STANDARD.decode(&record.v).map_err(|e| {
            invalid(
                line,
                format!("the value of {:?} is not base64: {e}", record.k),
            )
        })?;
        if let Some(key) = key {
            value = cipher::open(key, &record.k, &value)
                .map_err(|e| invalid(line, format!("the value of {:?}: {e}", record.k)))?;
        }
        if let Some(first) = seen.insert(record.k.clone(), line) {
            return Err(invalid(
                line,
                format!("key {:?} already appeared on line {first}", record.k),
            ));
        }
        records.push((record.k, value));
    }
    if records.len() < header.entries {
        return Err(invalid(
            lines.number + 1,
            format!(
                "the file ends after {} of the {} records the header announces (is it truncated?)",
                records.len(),
                header.entries
            ),
        ));
    }
    Ok(records)
}

/// Lines without their `\n` (or `\r\n`), counted from 1, as UTF-8.
struct Lines<'a, R> {
    input: &'a mut R,
    number: usize,
}

impl<R: BufRead> Lines<'_, R> {
    fn next(&mut self) -> Result<Option<String>, BackupError> {
        let mut buf = Vec::new();
        let read = self
            .input
            .read_until(b'\n', &mut buf)
            .map_err(BackupError::Read)?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        String::from_utf8(buf)
            .map(Some)
            .map_err(|_| BackupError::Invalid {
                line: self.number,
                reason: "not UTF-8 text".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, SledStore};

    /// Records under several prefixes, with binary and empty values.
    fn seed(store: &impl Store) -> Vec<(String, Vec<u8>)> {
        let mut batch = Batch::default();
        batch.put("conv/terminal:local", br#"{"state":"screening"}"#.to_vec());
        batch.put("conv/telegram:42", br#"{"state":"idle"}"#.to_vec());
        batch.put(
            "appt/2026-12-01T08:00:00Z/ann",
            b"{\"patient\":\"Ann\"}".to_vec(),
        );
        batch.put("ticket/7", (0..=255u8).collect());
        batch.put("unanswered/zo\u{eb}", vec![0, 0xff, b'\n', b'"', 0x80]);
        batch.put("empty", Vec::new());
        store.apply(batch).unwrap();
        store.scan_prefix("").unwrap()
    }

    fn backup_of(store: &impl KeyedStore) -> Vec<u8> {
        let mut out = Vec::new();
        export(store, &mut out).unwrap();
        out
    }

    #[test]
    fn a_backup_round_trips_every_record_between_a_memory_store_and_a_sled_store() {
        let memory = MemoryStore::new();
        let records = seed(&memory);
        assert_eq!(records.len(), 6);
        let file = backup_of(&memory);

        let text = String::from_utf8(file.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7, "a header and one line per record");
        let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(header["frontdesk_backup"], 1);
        assert_eq!(header["entries"], 6);
        let created = header["created"].as_str().unwrap();
        assert!(created.parse::<Timestamp>().is_ok(), "{created}");

        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path()).unwrap();
        assert_eq!(import(&sled, &mut &file[..], false).unwrap(), 6);
        assert_eq!(sled.snapshot().unwrap(), records);
        drop(sled);

        let sled = SledStore::open(dir.path()).unwrap();
        assert_eq!(sled.snapshot().unwrap(), records, "the restore is durable");
        let again = MemoryStore::new();
        assert_eq!(
            import(&again, &mut &backup_of(&sled)[..], false).unwrap(),
            6
        );
        assert_eq!(again.snapshot().unwrap(), records);
    }

    #[test]
    fn a_bad_line_is_reported_by_its_number_and_nothing_is_written() {
        let source = MemoryStore::new();
        seed(&source);
        let text = String::from_utf8(backup_of(&source)).unwrap();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let with = |n: usize, replacement: &str| {
            let mut lines = lines.clone();
            lines[n - 1] = replacement.to_owned();
            lines.join("\n") + "\n"
        };
        let bad_value = lines[3].replace("\"v\":\"", "\"v\":\"!!");
        let duplicate = lines[2].clone();
        let cases = [
            (
                with(
                    1,
                    r#"{"frontdesk_backup":2,"created":"2026-01-01T00:00:00Z","entries":6}"#,
                ),
                1,
            ),
            (with(1, r#"{"hello":"world"}"#), 1),
            (with(3, r#"{"k":"conv/x","v":"#), 3),
            (with(4, &bad_value), 4),
            (with(5, &duplicate), 5),
            (lines[..5].join("\n") + "\n", 6),
            (text.clone() + &lines[6] + "\n", 8),
            (String::new(), 1),
        ];
        for (file, line) in cases {
            let store = MemoryStore::new();
            match import(&store, &mut file.as_bytes(), false) {
                Err(BackupError::Invalid { line: got, reason }) => {
                    assert_eq!(got, line, "{reason}\n{file}")
                }
                other => panic!("expected line {line} to be reported, got {other:?}\n{file}"),
            }
            assert!(store.scan_prefix("").unwrap().is_empty(), "{file}");
        }

        let mut not_utf8 = text.into_bytes();
        not_utf8.extend_from_slice(b"\xff\xfe\n");
        let err = import(&MemoryStore::new(), &mut &not_utf8[..], false).unwrap_err();
        assert!(matches!(err, BackupError::Invalid { line: 8, .. }), "{err}");
    }

    #[test]
    fn a_store_that_is_not_empty_is_refused_unless_replacing_is_asked_for() {
        let source = MemoryStore::new();
        let records = seed(&source);
        let file = backup_of(&source);

        let dir = tempfile::tempdir().unwrap();
        let target = SledStore::open(dir.path()).unwrap();
        let mut batch = Batch::default();
        batch.put("conv/terminal:local", b"newer".to_vec());
        batch.put("conv/terminal:other", b"only here".to_vec());
        target.apply(batch).unwrap();
        let before = target.snapshot().unwrap();

        let err = import(&target, &mut &file[..], false).unwrap_err();
        assert!(
            matches!(err, BackupError::NotEmpty { existing: 2 }),
            "{err}"
        );
        assert!(err.to_string().contains("--replace"), "{err}");
        assert_eq!(target.snapshot().unwrap(), before, "nothing was written");

        assert_eq!(import(&target, &mut &file[..], true).unwrap(), 6);
        assert_eq!(
            target.snapshot().unwrap(),
            records,
            "replacing leaves exactly the backup"
        );
    }

    #[test]
    fn a_sled_snapshot_never_sees_half_of_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap().with_durability(false);
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..300u32 {
                    let mut batch = Batch::default();
                    for key in 0..50 {
                        batch.put(format!("k/{key:02}"), i.to_be_bytes().to_vec());
                    }
                    store.apply(batch).unwrap();
                }
            })
        };
        while !writer.is_finished() {
            let snapshot = store.snapshot().unwrap();
            let mut values: Vec<&[u8]> = snapshot.iter().map(|(_, v)| v.as_slice()).collect();
            values.dedup();
            assert!(values.len() <= 1, "a batch was seen in part: {values:?}");
        }
        writer.join().unwrap();
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key() -> DataKey {
        DataKey::parse(KEY).unwrap()
    }

    fn encrypted_store(dir: &std::path::Path) -> SledStore {
        SledStore::open_encrypted(dir, key()).unwrap()
    }

    #[test]
    fn the_backup_of_an_encrypted_store_is_encrypted_and_restores_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let source = encrypted_store(dir.path());
        let mut batch = Batch::default();
        batch.put(
            "unanswered/telegram:7",
            b"zebra-kumquat my shoulder".to_vec(),
        );
        source.apply(batch).unwrap();
        let records = seed(&source);
        let file = backup_of(&source);
        drop(source);

        let text = String::from_utf8(file.clone()).unwrap();
        assert!(!text.contains("zebra"), "{text}");
        let plain_value = STANDARD.encode(b"zebra-kumquat my shoulder");
        assert!(!text.contains(&plain_value[..16]), "{text}");
        assert!(
            text.contains("unanswered/telegram:7"),
            "keys are as they are"
        );
        let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(header["frontdesk_backup"], 2);
        assert_eq!(header["entries"], 7);
        assert!(header["key_check"].is_string(), "{header}");

        let target_dir = tempfile::tempdir().unwrap();
        let target = encrypted_store(target_dir.path());
        assert_eq!(import(&target, &mut &file[..], false).unwrap(), 7);
        assert_eq!(target.snapshot().unwrap(), records);
    }

    #[test]
    fn an_encrypted_backup_is_refused_without_its_key_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let source = encrypted_store(dir.path());
        seed(&source);
        let file = backup_of(&source);

        let plain = MemoryStore::new();
        let err = import(&plain, &mut &file[..], false).unwrap_err();
        assert!(matches!(err, BackupError::Encrypted), "{err:?}");
        assert!(err.to_string().contains("FRONTDESK_DATA_KEY"), "{err}");
        assert!(plain.scan_prefix("").unwrap().is_empty());

        let other_dir = tempfile::tempdir().unwrap();
        let other =
            SledStore::open_encrypted(other_dir.path(), DataKey::generate().unwrap()).unwrap();
        let err = import(&other, &mut &file[..], false).unwrap_err();
        assert!(matches!(err, BackupError::WrongKey), "{err:?}");
        assert!(
            err.to_string().contains("does not open this backup"),
            "{err}"
        );
        assert!(other.scan_prefix("").unwrap().is_empty());
        drop(other);
        // The failed restore did not tie the folder to the wrong key.
        let right = encrypted_store(other_dir.path());
        assert_eq!(import(&right, &mut &file[..], false).unwrap(), 6);
    }

    #[test]
    fn a_changed_or_moved_value_in_an_encrypted_backup_is_reported_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let source = encrypted_store(dir.path());
        seed(&source);
        let text = String::from_utf8(backup_of(&source)).unwrap();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let value_of = |line: &str| -> String {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            record["v"].as_str().unwrap().to_owned()
        };
        // Line 4's value under line 3's key.
        let moved = lines[2].replace(&value_of(&lines[2]), &value_of(&lines[3]));
        let mut bytes = STANDARD.decode(value_of(&lines[4])).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let changed = lines[4].replace(&value_of(&lines[4]), &STANDARD.encode(bytes));
        for (n, replacement) in [(3, moved), (5, changed)] {
            let mut edited = lines.clone();
            edited[n - 1] = replacement;
            let file = edited.join("\n") + "\n";
            let target_dir = tempfile::tempdir().unwrap();
            let target = encrypted_store(target_dir.path());
            match import(&target, &mut file.as_bytes(), false) {
                Err(BackupError::Invalid { line, reason }) => {
                    assert_eq!(line, n, "{reason}");
                    assert!(reason.contains("cannot be decrypted"), "{reason}");
                }
                other => panic!("expected line {n} to be reported, got {other:?}"),
            }
            assert!(target.scan_prefix("").unwrap().is_empty());
        }
    }

    #[test]
    fn a_plain_backup_restored_with_a_key_into_an_empty_folder_encrypts_the_store() {
        let source = MemoryStore::new();
        let records = seed(&source);
        let file = backup_of(&source);

        let dir = tempfile::tempdir().unwrap();
        {
            let target = encrypted_store(dir.path());
            assert_eq!(import(&target, &mut &file[..], false).unwrap(), 6);
        }
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Encrypted { .. }), "{err:?}");
        let target = encrypted_store(dir.path());
        assert_eq!(target.snapshot().unwrap(), records);
    }
}
