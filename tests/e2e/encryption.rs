//! Encryption at rest through the real binary: `keygen`, then a chat with
//! `FRONTDESK_DATA_KEY` set leaves nothing the patient typed, nor their chat
//! id, readable in the data folder, and the folder is refused, clearly,
//! without the key.

use std::path::Path;

use crate::helpers::{spawn_bot, stderr, stdout};

/// Every byte of every file under `dir`, with its path.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn what_a_patient_types_is_not_in_an_encrypted_data_folder_which_is_refused_without_its_key() {
    let bot = spawn_bot();
    let out = bot.run(&["keygen"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_owned();
    assert_eq!(key.len(), 64, "{key}");
    assert!(
        stderr(&out).contains("password manager"),
        "{}",
        stderr(&out)
    );
    let with_key = [("FRONTDESK_DATA_KEY", key.as_str())];

    // A question the bot cannot answer is kept, word for word, for staff.
    let marker = "zebrakumquat";
    let out = bot.run_with_env(
        &["chat", "--json", "--as", "patient-1"],
        &format!("tell me about the {marker} festival\n"),
        &with_key,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bot.run_with_env(&["unanswered", "--json"], "", &with_key);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(marker),
        "it was stored: {}",
        stdout(&out)
    );

    let files = files_under(bot.data.path());
    assert!(!files.is_empty());
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, marker.as_bytes()),
            "{} holds what the patient typed",
            path.display()
        );
        assert!(!contains(bytes, key.as_bytes()), "{}", path.display());
        // Nor who it was: record keys name the chat by a keyed hash.
        assert!(
            !contains(bytes, b"patient-1"),
            "{} holds the chat id",
            path.display()
        );
    }

    let out = bot.run(&["unanswered", "--json"], "");
    assert!(!out.status.success(), "opened without the key");
    let err = stderr(&out);
    assert!(err.contains("is encrypted"), "{err}");
    assert!(err.contains("set FRONTDESK_DATA_KEY"), "{err}");
    assert!(!stdout(&out).contains(marker));

    let other = "ab".repeat(32);
    let out = bot.run_with_env(
        &["chat", "--json"],
        "hello\n",
        &[("FRONTDESK_DATA_KEY", &other)],
    );
    assert!(!out.status.success(), "opened with another key");
    assert!(
        stderr(&out).contains("does not open the store"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_malformed_data_key_is_refused_naming_the_variable_but_never_its_value() {
    let bot = spawn_bot();
    let bad = "hunter2-not-really-a-key";
    let out = bot.run_with_env(
        &["chat", "--json"],
        "hello\n",
        &[("FRONTDESK_DATA_KEY", bad)],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("FRONTDESK_DATA_KEY is not a valid data key"),
        "{err}"
    );
    assert!(err.contains("frontdesk keygen"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(!stdout(&out).contains("hunter2"));
}

#[test]
fn the_backup_of_an_encrypted_folder_is_unreadable_and_restores_only_with_its_key() {
    let bot = spawn_bot();
    let key = stdout(&bot.run(&["keygen"], "")).trim().to_owned();
    let with_key = [("FRONTDESK_DATA_KEY", key.as_str())];
    let marker = "quokkaplinth";
    let out = bot.run_with_env(
        &["chat", "--json", "--as", "patient-1"],
        &format!("tell me about the {marker} festival\n"),
        &with_key,
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let file = bot.data.path().join("backup.jsonl");
    let file = file.to_str().unwrap();
    let out = bot.run_with_env(&["backup", file], "", &with_key);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(file).unwrap();
    assert!(!contains(&bytes, marker.as_bytes()), "the backup is sealed");

    // Into an empty folder: refused without the key, restored with it.
    let mut other = spawn_bot();
    other.faq = bot.faq.clone();
    let out = other.run(&["restore", file], "");
    assert!(!out.status.success(), "restored without the key");
    let out = other.run_with_env(&["restore", file], "", &with_key);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = other.run_with_env(&["unanswered", "--json"], "", &with_key);
    assert!(stdout(&out).contains(marker), "{}", stdout(&out));
}
