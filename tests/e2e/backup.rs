//! `backup` and `restore`: a snapshot of one bot's data folder, restored into a
//! fresh one, gives back the same bot.

use std::path::Path;

use crate::helpers::{spawn_bot, stderr, stdout};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_restored_backup_resumes_the_screen_at_the_same_question_with_the_same_appointments() {
    let bot = spawn_bot();
    let chat = bot.chat(&["/screen", "yes", "no"]);
    let asked = chat.replies.last().unwrap()["question"]
        .as_str()
        .expect("the screen is waiting on a question")
        .to_owned();
    let out = bot.run(
        &[
            "appointments",
            "add",
            "--patient",
            "X",
            "--start",
            "2026-12-01 09:00",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let appointments = stdout(&bot.run(&["appointments", "list", "--json"], ""));
    assert!(appointments.contains("\"X\""), "{appointments}");

    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("frontdesk.backup");
    let out = bot.run(&["backup", path(&file)], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(
        summary.starts_with("backed up ") && summary.trim_end().ends_with(path(&file)),
        "{summary}"
    );
    assert!(!files.path().join("frontdesk.backup.tmp").exists());
    let count = summary.split_whitespace().nth(2).unwrap().to_owned();

    let bot2 = spawn_bot();
    let out = bot2.run(&["restore", path(&file)], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        format!("restored {count} records from {}", path(&file))
    );

    assert_eq!(
        stdout(&bot2.run(&["appointments", "list", "--json"], "")),
        appointments
    );
    let resumed = bot2.chat(&["/screen"]);
    assert_eq!(resumed.replies.last().unwrap()["question"], asked.as_str());
}

#[test]
fn backup_keeps_an_existing_file_unless_forced() {
    let bot = spawn_bot();
    bot.chat(&["hello"]);
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("old.backup");
    std::fs::write(&file, "keep me\n").unwrap();

    let out = bot.run(&["backup", path(&file)], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");

    let out = bot.run(&["backup", "--force", path(&file)], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("{\"frontdesk_backup\":1,"), "{text}");
}

#[test]
fn restore_names_the_bad_line_and_refuses_a_store_that_is_not_empty_unless_replacing() {
    let bot = spawn_bot();
    bot.chat(&["/screen", "yes"]);
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("good.backup");
    assert!(bot.run(&["backup", path(&file)], "").status.success());

    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "{text}");
    lines[1] = "{\"k\":\"broken";
    let broken = files.path().join("broken.backup");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();

    let fresh = spawn_bot();
    let out = fresh.run(&["restore", path(&broken)], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 2:"), "{}", stderr(&out));
    let out = fresh.run(&["backup", path(&files.path().join("empty.backup"))], "");
    assert!(
        stdout(&out).starts_with("backed up 0 records"),
        "nothing was restored: {}",
        stdout(&out)
    );

    let out = bot.run(&["restore", path(&file)], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--replace"), "{}", stderr(&out));
    let out = bot.run(&["restore", "--replace", path(&file)], "");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn backup_while_the_bot_is_running_says_to_stop_the_bot_first() {
    let bot = spawn_bot();
    let mut chat = bot.live_chat("pat");
    chat.say("hello"); // the chat process now holds the store
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("frontdesk.backup");
    let out = bot.run(&["backup", path(&file)], "");
    chat.close();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("stop the bot first"),
        "{}",
        stderr(&out)
    );
    assert!(!file.exists());
    assert!(!files.path().join("frontdesk.backup.tmp").exists());
}
