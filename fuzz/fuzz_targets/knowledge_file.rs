//! Fuzzes the knowledge-folder loader: the shipped `faq/` folder with one of
//! its files replaced by the fuzz input, through `Knowledge::load`.
//!
//! The first byte picks the file (modulo the number of files); the rest is
//! the file's new text (lossy UTF-8). Each input is written into a new
//! folder under the system's temporary directory, removed after the load (a
//! crash leaves it behind, as evidence).
//!
//! Invariants: no panic; an invalid folder is reported with at least one
//! diagnostic, each with a line and a column from 1, and a line no further
//! than one past the end of its file.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use frontdesk_core::{Knowledge, KnowledgeError};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 7] = [
    "knowledge.toml",
    "clinic.toml",
    "messages.toml",
    "lexicon.toml",
    "screening.toml",
    "desk.toml",
    "reminders.toml",
];

/// The shipped folder's files, read once.
fn shipped() -> &'static Vec<(&'static str, String)> {
    static FOLDER: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq");
        FILES
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(dir.join(name))
                    .unwrap_or_else(|e| panic!("cannot read the shipped {name}: {e}"));
                (*name, text)
            })
            .collect()
    })
}

/// A new scratch folder for one input.
fn scratch() -> PathBuf {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "frontdesk-fuzz-knowledge-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let replaced = usize::from(pick) % FILES.len();
    for (i, (name, text)) in shipped().iter().enumerate() {
        let content = if i == replaced {
            String::from_utf8_lossy(body)
        } else {
            text.as_str().into()
        };
        std::fs::write(dir.join(name), content.as_bytes()).expect("writing the scratch folder");
    }

    let loaded = Knowledge::load(&dir);
    std::fs::remove_dir_all(&dir).expect("removing the scratch folder");
    match loaded {
        Ok(_) => {}
        Err(KnowledgeError::Read { path, source }) => {
            panic!(
                "every file was written, yet {} cannot be read: {source}",
                path.display()
            )
        }
        Err(KnowledgeError::Invalid(diagnostics)) => {
            assert!(!diagnostics.is_empty(), "invalid, with no diagnostic");
            for d in &diagnostics {
                let name = d.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let lines = shipped()
                    .iter()
                    .enumerate()
                    .find(|(_, (n, _))| *n == name)
                    .map(|(i, (_, text))| {
                        if i == replaced {
                            String::from_utf8_lossy(body).split('\n').count()
                        } else {
                            text.split('\n').count()
                        }
                    });
                assert!(d.line >= 1 && d.column >= 1, "{d}");
                if let Some(lines) = lines {
                    assert!(d.line <= lines + 1, "{d} (the file has {lines} lines)");
                }
            }
        }
    }
});
