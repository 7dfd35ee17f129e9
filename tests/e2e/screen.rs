//! The pre-visit health screen, scripted through `chat --json`.

use crate::helpers::spawn_bot;

#[test]
fn a_screen_answering_no_to_everything_but_warfarin_ends_in_clinician_review() {
    let bot = spawn_bot();
    let mut chat = bot.live_chat("pat");
    let last = chat.answer_screen(
        &[
            ("consent", "!choose ans:consent:yes"),
            ("blood_thinners", "yes"),
            ("blood_thinner_which", "warfarin"),
            ("inr", "2.6, two weeks ago"),
        ],
        "no",
        None,
    );
    chat.close();
    assert_eq!(last["kind"], "outcome");
    assert!(
        last["text"]
            .as_str()
            .unwrap()
            .contains("clinician will read")
    );

    let out = bot.run(&["screenings", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["patient"], "terminal:pat");
    assert_eq!(list[0]["outcome"], "review");
    assert_eq!(list[0]["flags"], serde_json::json!(["blood_thinners"]));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("two weeks ago"),
        "the staff list shows outcome and flags, not answers"
    );
}

#[test]
fn a_screen_declaring_a_needle_phobia_ends_in_needling_declined() {
    let bot = spawn_bot();
    let mut chat = bot.live_chat("pat");
    let last = chat.answer_screen(&[("consent", "yes"), ("needle_fear", "yes")], "no", None);
    chat.close();
    assert_eq!(last["kind"], "outcome");
    let ids: Vec<&str> = last["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["human"], "declined: the team is offered");
    let out = bot.run(&["screenings"], "");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("needling declined for now  needle_phobia")
    );
}

#[test]
fn a_screen_in_spanish_typed_by_hand_ends_in_reschedule() {
    let bot = spawn_bot();
    let mut chat = bot.live_chat("ana");
    let faq = chat.say("hola, ¿duele la punción?");
    assert_eq!(faq["topic"], "does-it-hurt");
    let last = chat.answer_screen(
        &[("consent", "sí"), ("unwell_today", "sí, tengo fiebre")],
        "no",
        None,
    );
    chat.close();
    assert_eq!(last["kind"], "outcome");
    assert!(last["text"].as_str().unwrap().starts_with("Gracias"));
}

#[test]
fn a_screen_stopped_by_a_restart_resumes_at_the_same_question() {
    let bot = spawn_bot();
    let mut chat = bot.live_chat("pat");
    let before = chat.answer_screen(&[("consent", "yes")], "no", Some("pregnant"));
    assert_eq!(before["question"], "pregnant");
    chat.close();

    // A new process on the same data: the screen carries on at "pregnant".
    let mut chat = bot.live_chat("pat");
    let again = chat.send("/screen");
    assert_eq!(again.last().unwrap()["question"], "pregnant");
    let last = chat.answer_screen(&[], "no", None);
    chat.close();
    assert_eq!(last["kind"], "outcome");
    let out = bot.run(&["screenings", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["outcome"], "clear");
}

#[test]
fn a_red_flag_typed_mid_screen_gets_the_emergency_answer_and_alerts_staff() {
    let bot = spawn_bot();
    let chat = bot.chat(&["/screen", "yes", "no", "my chest hurts and i can't breathe"]);
    let last = chat.replies.last().unwrap();
    assert_eq!(last["kind"], "emergency");
    let events: Vec<&str> = chat
        .staff
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["screen_completed", "emergency"]);
    assert_eq!(chat.staff[0]["outcome"], "emergency");
}

#[test]
fn the_terminal_never_writes_message_text_or_answers_to_its_log_at_any_level() {
    let bot = spawn_bot();
    // Distinctive words in a question, free-text answers and a hand-off.
    let mut lines = vec!["can I bring my ZEBRAQUILL cat", "/screen", "yes"];
    lines.extend(["no"; 12]);
    // A number no timestamp in the staff events can contain by chance.
    lines.extend(["my INR was ZEBRAQUILL 2.5357913"; 3]);
    lines.extend(["no"; 20]);
    lines.extend(["/human", "ZEBRAQUILL please call me"]);
    let input = lines.join("\n") + "\n";
    for level in [
        None,
        Some("info"),
        Some("frontdesk=debug,frontdesk_core=debug"),
    ] {
        let env: Vec<(&str, &str)> = level.map(|l| ("FRONTDESK_LOG", l)).into_iter().collect();
        let out = bot.run_with_env(&["chat", "--json", "--as", "zed"], &input, &env);
        assert!(out.status.success());
        let logs = String::from_utf8_lossy(&out.stderr);
        assert!(!logs.contains("ZEBRAQUILL"), "{level:?}: {logs}");
        assert!(!logs.contains("5357913"), "{level:?}");
    }
}
