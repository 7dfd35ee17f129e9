//! Files on disk are the service's only: the data folder and every folder
//! in it 0700, its files and backups 0600, whatever the umask the binary
//! was started with (here 022, the usual default, which would make them
//! readable by everyone).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::helpers::{spawn_bot, spawn_console_on, stderr};

/// Every path under `dir` (itself included) whose mode is not 0700 for a
/// folder or 0600 for a file, with its mode.
fn not_private(dir: &Path) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
        if mode != wanted {
            found.push((path.display().to_string(), mode));
        }
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_backup_and_serve_leave_only_private_files_under_umask_022() {
    // SAFETY: sets the test process's file-creation mask, which the
    // binaries it starts inherit.
    unsafe {
        libc::umask(0o022);
    }
    let bot = spawn_bot();
    let out = bot.run(&["chat", "--as", "pat"], "how much does it cost?\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(not_private(bot.data.path()), [], "after chat");

    let elsewhere = tempfile::tempdir().unwrap();
    let backup = elsewhere.path().join("frontdesk-backup.jsonl");
    let out = bot.run(&["backup", backup.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(not_private(&backup), [], "the backup");

    let console = spawn_console_on(bot, &[], &[]).await;
    let stopped = console.stop().await;
    assert_eq!(not_private(stopped.bot.data.path()), [], "after serve");
}

#[test]
fn a_data_folder_an_earlier_version_left_readable_is_made_private_when_opened() {
    let bot = spawn_bot();
    let out = bot.run(&["chat", "--as", "pat"], "hello\n");
    assert!(out.status.success(), "{}", stderr(&out));
    for path in [bot.data.path().to_owned(), bot.data.path().join("sled")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let db = bot.data.path().join("sled").join("db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_ne!(not_private(bot.data.path()), []);
    let out = bot.run(&["chat", "--as", "pat"], "hello\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(not_private(bot.data.path()), []);
}
