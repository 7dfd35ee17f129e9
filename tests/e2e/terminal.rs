//! The terminal chat, through the real binary and adapter.

use crate::helpers::spawn_bot;

#[test]
fn the_terminal_chat_answers_pain_spanish_acupuncture_and_an_emergency() {
    let bot = spawn_bot();
    let chat = bot.chat(&[
        "does it hurt?",
        "¿duele?",
        "is it like acupuncture",
        "my chest hurts and I can't breathe",
    ]);
    let r = &chat.replies;
    assert_eq!(r.len(), 4, "{r:#?}");
    assert_eq!(
        (r[0]["kind"].as_str(), r[0]["topic"].as_str()),
        (Some("answer"), Some("does-it-hurt"))
    );
    assert_eq!(r[1]["topic"], "does-it-hurt");
    assert!(
        r[1]["text"].as_str().unwrap().contains("agujas"),
        "answered in Spanish"
    );
    assert_eq!(r[2]["topic"], "vs-acupuncture");
    assert_eq!(r[3]["kind"], "emergency");
    assert!(r[3]["text"].as_str().unwrap().contains("911"));
    assert_eq!(chat.staff.len(), 1);
    assert_eq!(chat.staff[0]["event"], "emergency");
    assert_eq!(chat.staff[0]["chat"], "terminal:patient-1");
    assert!(
        !chat.staff[0].to_string().contains("breathe"),
        "staff events never carry the patient's words"
    );
}

#[test]
fn choose_presses_a_button_on_a_clarify_question() {
    let bot = spawn_bot();
    let first = bot.chat(&["how long"]);
    let clarify = &first.replies[0];
    assert_eq!(clarify["kind"], "clarify");
    let choices = clarify["choices"].as_array().unwrap();
    assert!(
        choices.len() >= 3,
        "two or three topics plus a person: {choices:?}"
    );
    let second = choices[1]["id"].as_str().unwrap();

    let pressed = bot.chat(&[&format!("!choose {second}")]);
    assert_eq!(pressed.replies[0]["kind"], "answer");
    assert_eq!(
        format!("topic:{}", pressed.replies[0]["topic"].as_str().unwrap()),
        second
    );
}

#[test]
fn a_conversation_resumes_after_the_bot_is_restarted() {
    let bot = spawn_bot();
    let first = bot.chat(&["how long"]);
    let offered = first.replies[0]["choices"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A new process on the same data folder: typing "1" still answers the
    // question asked before the restart.
    let second = bot.chat(&["1"]);
    assert_eq!(
        format!("topic:{}", second.replies[0]["topic"].as_str().unwrap()),
        offered
    );
}

#[test]
fn patients_sharing_a_data_folder_keep_separate_conversations() {
    let bot = spawn_bot();
    bot.chat_as("ana", &["how long"]);
    bot.chat_as("ben", &["do you do botox"]);
    // "1" presses the first button each of them was offered: a topic for
    // Ana, the team for Ben.
    let ben = bot.chat_as("ben", &["1"]);
    assert_eq!(ben.replies[0]["kind"], "handoff");
    let ana = bot.chat_as("ana", &["1"]);
    assert_eq!(ana.replies[0]["kind"], "answer");
}

#[test]
fn an_unknown_question_offers_a_person_and_is_logged_for_staff() {
    let bot = spawn_bot();
    let chat = bot.chat(&["do you do laser hair removal", "!choose human"]);
    assert_eq!(chat.replies[0]["kind"], "fallback");
    let ids: Vec<&str> = chat.replies[0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"human"), "{ids:?}");
    assert_eq!(chat.replies[1]["kind"], "handoff");
    assert_eq!(chat.staff[0]["event"], "human_requested");

    let out = bot.run(&["unanswered", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["text"], "do you do laser hair removal");
    assert_eq!(list[0]["count"], 1);
}

#[test]
fn odd_input_gets_a_helpful_reply_and_never_a_crash() {
    let bot = spawn_bot();
    let long = "a".repeat(100_000);
    let chat = bot.chat(&[
        "",
        "   ",
        "/nonsense with args",
        "!choose not-a-real-button",
        &long,
        "\u{202e}\u{200b}<b>hi</b> & *_[]",
    ]);
    assert_eq!(chat.replies.len(), 6, "{:#?}", chat.replies);
    for reply in &chat.replies {
        assert!(!reply["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn the_text_mode_numbers_buttons() {
    let bot = spawn_bot();
    let out = bot.run(&["chat"], "how long\n");
    let text = crate::helpers::stdout(&out);
    assert!(text.starts_with("bot> "), "{text}");
    assert!(text.contains("     1) "), "{text}");
}

#[test]
fn a_request_for_a_person_opens_a_ticket_listed_by_frontdesk_tickets() {
    let bot = spawn_bot();
    let chat = bot.chat_as("dana", &["/human", "it's about my invoice"]);
    assert_eq!(
        chat.replies.len(),
        1,
        "the bot stays quiet during the hand-off"
    );
    assert_eq!(chat.replies[0]["kind"], "handoff");
    let out = bot.run(&["tickets", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["number"], 1);
    assert_eq!(list[0]["patient"], "dana");
    assert_eq!(list[0]["platform"], "terminal");
    assert!(list[0]["claimed_by"].is_null());
    let back = bot.chat_as("dana", &["/stop", "does it hurt?"]);
    assert_eq!(
        back.replies[1]["kind"], "answer",
        "the bot is back after /stop"
    );
    let out = bot.run(&["tickets"], "");
    assert_eq!(crate::helpers::stdout(&out).trim(), "no open tickets");
}

/// The semantic model takes over from the lexical matcher in the background;
/// the chat says so, and its thread is not held up by the chat (it once
/// waited for ever on standard error, which the chat kept locked).
#[test]
fn the_terminal_chat_says_when_the_semantic_model_takes_over_and_keeps_answering() {
    use frontdesk_semantic::{MINILM, model};
    use std::io::{BufRead, Write};
    let dir = model::model_dir(&MINILM).expect("a model folder");
    if !model::is_present(&MINILM, &dir) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must fetch the model first"
        );
        eprintln!("skipped: no model in {}", dir.display());
        return;
    }
    let bot = crate::helpers::spawn_bot();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .env("FRONTDESK_UNDERSTANDING", "auto")
        .arg("--faq")
        .arg(&bot.faq)
        .arg("--data")
        .arg(bot.data.path())
        .arg("chat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("frontdesk starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // A cold embedding cache embeds the whole folder first: allow for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let mut said = Vec::new();
    while !said
        .iter()
        .any(|l: &String| l.contains("the semantic model is answering now"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => said.push(line),
            Err(_) => panic!("no word of the model taking over; the chat said {said:?}"),
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "¿la punción seca duele?").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(answer.contains("Las agujas son muy finas"), "{answer}");
}
