//! The other commands: check, ask, eval.

use std::path::Path;

use crate::helpers::{faq_copy, json_lines, spawn_bot, stderr, stdout};

#[test]
fn check_accepts_the_shipped_knowledge_folder() {
    let out = spawn_bot().run(&["check"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("ok: 46 topics"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_names_file_and_line_of_a_broken_edit_and_fails() {
    let faq = faq_copy();
    let path = faq.path().join("knowledge.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("related = [\"side-effects\"", "related = [\"nope\"", 1);
    std::fs::write(&path, &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("\"nope\"")).unwrap() + 1;

    let mut bot = spawn_bot();
    bot.faq = faq.path().to_owned();
    let out = bot.run(&["check"], "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("knowledge.toml:{line}:")),
        "expected line {line} in: {err}"
    );
    assert!(
        err.contains("related topic \"nope\" does not exist"),
        "{err}"
    );
}

/// Adds `wording` to a topic's Spanish phrasings in a knowledge file.
fn add_spanish(text: &str, topic: &str, wording: &str) -> String {
    let at = text.find(&format!("id = \"{topic}\"")).unwrap();
    let es = at + text[at..].find("[topic.es]").unwrap();
    let list = es + text[es..].find("phrasings = [").unwrap() + "phrasings = [".len();
    format!("{}\n  \"{wording}\",{}", &text[..list], &text[list..])
}

#[test]
fn check_names_spanish_wordings_of_two_topics_too_alike_to_tell_apart() {
    let out = spawn_bot().run(&["check"], "");
    assert!(
        stdout(&out).contains("0 pairs in two topics too alike"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("Spanish wordings; write at least"));

    let faq = faq_copy();
    let path = faq.path().join("knowledge.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = add_spanish(
        &text,
        "cost",
        "a qué hora abre la clínica los sábados por la mañanita",
    );
    let text = add_spanish(
        &text,
        "hours",
        "a qué hora abre la clínica los sábados por la mañana",
    );
    std::fs::write(&path, text).unwrap();
    let mut bot = spawn_bot();
    bot.faq = faq.path().to_owned();
    let out = bot.run(&["check"], "");
    assert!(out.status.success(), "warnings only: {}", stderr(&out));
    let said = stdout(&out);
    let close = said
        .lines()
        .find(|l| l.starts_with("close: "))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        close.contains("of cost") && close.contains("of hours"),
        "{close}"
    );
    assert!(said.contains("1 pairs in two topics too alike"), "{said}");
}

#[test]
fn check_reports_topics_missing_from_a_required_list() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("topics.tsv");
    std::fs::write(&list, "id\tquestion\ndoes-it-hurt\tx\nbrand-new-topic\ty\n").unwrap();
    let out = spawn_bot().run(&["check", "--topics", list.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("\"brand-new-topic\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ask_answers_one_question_or_one_per_line_in_json() {
    let bot = spawn_bot();
    let out = bot.run(&["ask", "--json", "does", "it", "hurt"], "");
    let one = json_lines(&out.stdout);
    assert_eq!(one[0]["kind"], "answer");
    assert_eq!(one[0]["topic"], "does-it-hurt");
    assert!(one[0]["score"].as_f64().unwrap() > 0.0);

    let out = bot.run(
        &["ask", "--json"],
        "how long\ntell me about the capital of mongolia\nI want to kill myself\n",
    );
    let many = json_lines(&out.stdout);
    assert_eq!(many.len(), 3);
    assert_eq!(many[0]["kind"], "clarify");
    assert!(many[0]["candidates"].as_array().unwrap().len() >= 2);
    assert!(many[0]["topic"].is_null());
    assert_eq!(many[1]["kind"], "fallback");
    assert_eq!(many[2]["kind"], "emergency");
}

#[test]
fn eval_scores_a_labelled_file_and_ends_with_the_overall_line() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bot-core/tests/fixtures/paraphrases.tsv");
    let out = spawn_bot().run(&["eval", fixture.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("overall accuracy: 0."), "{last}");
    assert!(last.ends_with("(260 queries)"), "{last}");
    assert!(text.contains("per class"), "{text}");
}

#[test]
fn eval_rejects_a_malformed_file_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.tsv");
    std::fs::write(
        &file,
        "query\texpected\ndoes it hurt\tdoes-it-hurt\nno tab here\n",
    )
    .unwrap();
    let out = spawn_bot().run(&["eval", file.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
}

#[test]
fn appointments_import_all_or_nothing_and_reimporting_changes_nothing() {
    let bot = spawn_bot();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "patient,start,needling\nAna,2026-12-01 09:00,yes\nBen,2026-03-08 02:30,no\n",
    )
    .unwrap();
    let out = bot.run(&["appointments", "import", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.csv:line 3:"), "{err}");
    assert!(
        err.contains("does not exist in the clinic's time zone"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let out = bot.run(&["appointments", "list"], "");
    assert_eq!(stdout(&out).trim(), "no appointments");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "patient,start,needling\nAna,2026-12-01 09:00,yes\nBen,2026-12-01 10:00,no\n",
    )
    .unwrap();
    let out = bot.run(&["appointments", "import", good.to_str().unwrap()], "");
    assert_eq!(stdout(&out).trim(), "imported 2 new, 0 already there");
    let first = stdout(&bot.run(&["appointments", "list", "--json"], ""));
    let out = bot.run(&["appointments", "import", good.to_str().unwrap()], "");
    assert_eq!(stdout(&out).trim(), "imported 0 new, 2 already there");
    assert_eq!(
        stdout(&bot.run(&["appointments", "list", "--json"], "")),
        first
    );
    let list = stdout(&bot.run(&["appointments", "list"], ""));
    assert!(
        list.contains("Tue Dec 1 2026, 9:00 AM  Ana  needling"),
        "{list}"
    );
}

#[test]
fn an_icalendar_export_imports_all_or_nothing_and_the_same_as_a_csv() {
    let bot = spawn_bot();
    let dir = tempfile::tempdir().unwrap();
    let event = |summary: &str, start: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{start}@clinic\r\nDTSTART;TZID=America/New_York:{start}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        )
    };
    let calendar = |events: &[String]| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Clinic//EN\r\n{}END:VCALENDAR\r\n",
            events.concat()
        )
    };
    let bad = dir.path().join("bad.ics");
    let all_day = "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261201\r\nSUMMARY:Cam\r\nEND:VEVENT\r\n";
    std::fs::write(
        &bad,
        calendar(&[
            event("Ana - dry needling", "20261201T090000"),
            all_day.to_owned(),
        ]),
    )
    .unwrap();
    let out = bot.run(&["appointments", "import", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.ics:line 10:"), "{err}");
    assert!(err.contains("no start time"), "{err}");
    assert_eq!(
        stdout(&bot.run(&["appointments", "list"], "")).trim(),
        "no appointments"
    );

    let good = dir.path().join("good.ics");
    std::fs::write(
        &good,
        calendar(&[
            event("Ana - dry needling", "20261201T090000"),
            event("Ben - assessment, no needling", "20261201T100000"),
        ]),
    )
    .unwrap();
    let out = bot.run(&["appointments", "import", good.to_str().unwrap()], "");
    assert_eq!(
        stdout(&out).trim(),
        "imported 2 new, 0 already there",
        "{}",
        stderr(&out)
    );
    let out = bot.run(&["appointments", "import", good.to_str().unwrap()], "");
    assert_eq!(stdout(&out).trim(), "imported 0 new, 2 already there");
    let list = stdout(&bot.run(&["appointments", "list"], ""));
    assert!(
        list.contains("Tue Dec 1 2026, 9:00 AM  Ana  needling"),
        "{list}"
    );
    assert!(
        list.contains("Tue Dec 1 2026, 10:00 AM  Ben  no needling"),
        "{list}"
    );
}

#[test]
fn a_patient_links_their_chat_with_the_appointment_code() {
    let bot = spawn_bot();
    bot.run(
        &[
            "appointments",
            "add",
            "--patient",
            "Ana",
            "--start",
            "2099-12-01 09:00",
        ],
        "",
    );
    let list = stdout(&bot.run(&["appointments", "list", "--json"], ""));
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let code = list[0]["link_code"].as_str().unwrap().to_owned();
    let chat = bot.chat_as("ana", &[&format!("/start {code}")]);
    let reply = &chat.replies[0];
    assert!(
        reply["text"]
            .as_str()
            .unwrap()
            .contains("linked to your appointment"),
        "{reply}"
    );
    assert_eq!(reply["choices"][0]["id"], "screen:start");
    let list = stdout(&bot.run(&["appointments", "list", "--json"], ""));
    assert!(list.contains("\"chat\":\"terminal:ana\""), "{list}");
    let again = bot.chat_as("ben", &[&code]);
    assert!(
        again.replies[0]["text"]
            .as_str()
            .unwrap()
            .contains("isn't valid")
    );
}

#[test]
fn a_patient_forgets_their_data_in_the_chat_and_staff_can_forget_a_patient() {
    let bot = spawn_bot();
    let mut screen = vec!["/screen", "yes"];
    screen.extend(["no"; 30]);
    bot.chat_as("ana", &screen);
    bot.chat_as("ben", &screen);
    bot.chat_as("ana", &["do you do botox"]);
    let listed = |who: &str| {
        let out = stdout(&bot.run(&["screenings", "--json"], ""));
        out.contains(&format!("terminal:{who}"))
    };
    assert!(listed("ana") && listed("ben"));

    // In the chat: /forget asks first; the button deletes.
    let chat = bot.chat_as("ana", &["/forget", "!choose forget:yes"]);
    assert_eq!(chat.replies[0]["choices"][0]["id"], "forget:yes");
    assert!(
        chat.replies[1]["text"]
            .as_str()
            .unwrap()
            .contains("deleted"),
        "{}",
        chat.replies[1]
    );
    assert!(!listed("ana"), "ana's screen is gone");
    assert!(
        !stdout(&bot.run(&["unanswered", "--json"], "")).contains("botox"),
        "and her unanswered question"
    );
    assert!(listed("ben"), "ben's is not");

    // Staff: a typed confirmation, or --yes.
    let out = bot.run(&["forget", "--patient", "terminal:ben"], "no\n");
    assert!(!out.status.success());
    assert!(listed("ben"), "nothing deleted without yes");
    let out = bot.run(&["forget", "--patient", "terminal:ben"], "yes\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("deleted "), "{}", stdout(&out));
    assert!(!listed("ben"));
    let out = bot.run(&["forget", "--patient", "ben", "--yes"], "");
    assert!(stderr(&out).contains("telegram:ID"), "{}", stderr(&out));
}

#[test]
fn a_listing_piped_into_a_reader_that_stops_early_ends_quietly() {
    let bot = spawn_bot();
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.csv");
    let mut csv = String::from("patient,start,needling\n");
    for i in 0..2000 {
        csv.push_str(&format!(
            "Patient {i},2030-12-{:02} 09:00,yes\n",
            2 + i % 20
        ));
    }
    std::fs::write(&many, csv).unwrap();
    assert!(
        bot.run(&["appointments", "import", many.to_str().unwrap()], "")
            .status
            .success()
    );
    // `| head -c 600`: read 600 bytes, then close the pipe.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .env("FRONTDESK_UNDERSTANDING", "lexical")
        .arg("--faq")
        .arg(&bot.faq)
        .arg("--data")
        .arg(bot.data.path())
        .args(["appointments", "list", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 600];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "not a panic");
}

#[test]
fn an_error_is_one_sentence_without_a_backtrace_even_with_rust_backtrace_set() {
    let bot = spawn_bot();
    let out = bot.run_with_env(
        &["appointments", "import", "/nonexistent/visits.csv"],
        "",
        &[("RUST_BACKTRACE", "1")],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.starts_with("Error: "), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        !err.contains("Stack backtrace") && !err.contains("Caused by"),
        "{err}"
    );
}

#[test]
fn staff_listings_show_clinic_times_to_the_minute_and_forget_takes_the_patient_as_printed() {
    let bot = spawn_bot();
    assert!(
        bot.run(
            &["chat", "--as", "pat"],
            "my knee hurts, is this for me? zebraquill\n/human\n"
        )
        .status
        .success()
    );
    let tickets = stdout(&bot.run(&["tickets"], ""));
    let line = tickets.lines().next().unwrap_or_default();
    assert!(line.contains("(terminal:pat)"), "{tickets}");
    // "opened Sat Dec 5 2026, 9:41 AM," in the clinic's zone and (a US
    // clinic) 12-hour convention: no seconds, no UTC "Z".
    let opened = line.split("opened ").nth(1).unwrap_or_default();
    let stamp = opened.split(", waiting").next().unwrap_or_default();
    assert!(stamp.ends_with(" AM") || stamp.ends_with(" PM"), "{line}");
    assert_eq!(stamp.matches(':').count(), 1, "to the minute: {line}");
    let year = stamp
        .split(", ")
        .next()
        .and_then(|day| day.rsplit(' ').next());
    assert!(
        year.is_some_and(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit())),
        "{line}"
    );
    assert!(!stamp.contains('Z') && !stamp.contains('T'), "{line}");
    let unanswered = stdout(&bot.run(&["unanswered"], ""));
    assert!(
        !unanswered.contains('Z') || unanswered.contains("no unanswered"),
        "{unanswered}"
    );

    let patient = line
        .split_once(' ')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let out = bot.run(&["forget", "--patient", patient, "--yes"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("of terminal:pat"), "{}", stdout(&out));
    assert_eq!(stdout(&bot.run(&["tickets"], "")).trim(), "no open tickets");
}

#[test]
fn keygen_help_lists_only_what_it_uses_and_every_argument_has_a_help_line() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let keygen = help(&["keygen", "--help"]);
    for unused in ["--faq", "--data", "--understanding"] {
        assert!(!keygen.contains(unused), "{keygen}");
    }
    for command in [
        "ask",
        "eval",
        "tickets",
        "screenings",
        "unanswered",
        "backup",
        "restore",
    ] {
        let text = help(&[command, "-h"]);
        // clap prints an argument's help after it; one without help is a
        // bare line such as "  <FILE>" or "      --json".
        for line in text.lines().filter(|l| l.starts_with("  ")) {
            let trimmed = line.trim();
            let bare =
                (trimmed.starts_with('<') || trimmed.starts_with('-')) && !trimmed.contains("  ");
            assert!(
                !bare || trimmed.starts_with("-h") || trimmed.starts_with("-V"),
                "{command}: {line}"
            );
        }
    }
}
