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

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ports::{Batch, Store, StoreError};

/// The version of the format that [`export`] writes and [`import`] reads.
pub const FORMAT_VERSION: u64 = 1;

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
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    frontdesk_backup: u64,
    created: Timestamp,
    entries: usize,
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
/// returns how many records it wrote.
pub fn export(store: &impl Store, out: &mut impl Write) -> Result<usize, BackupError> {
    let entries = store.snapshot()?;
    let header = Header {
        frontdesk_backup: FORMAT_VERSION,
        created: Timestamp::now(),
        entries: entries.len(),
    };
    write_line(out, &header)?;
    for (k, v) in &entries {
        write_line(
            out,
            &RecordOut {
                k,
                v: STANDARD.encode(v),
            },
        )?;
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
///
/// The store must be empty, unless `replace` is set: then every key already
/// in it is deleted in that same batch, so the store ends up holding exactly
/// the backup.
pub fn import(
    store: &impl Store,
    input: &mut impl BufRead,
    replace: bool,
) -> Result<usize, BackupError> {
    let records = read(input)?;
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

/// Reads and checks a whole backup, without touching any store.
fn read(input: &mut impl BufRead) -> Result<Vec<(String, Vec<u8>)>, BackupError> {
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
    if header.frontdesk_backup != FORMAT_VERSION {
        return Err(invalid(
            1,
            format!(
                "backup format version {} is not supported (this version of frontdesk reads {FORMAT_VERSION})",
                header.frontdesk_backup
            ),
        ));
    }

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
        let value = STANDARD.decode(&record.v).map_err(|e| {
            invalid(
                line,
                format!("the value of {:?} is not base64: {e}", record.k),
            )
        })?;
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

    fn backup_of(store: &impl Store) -> Vec<u8> {
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
}
