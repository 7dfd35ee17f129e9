//! The pre-visit health screen, scripted through `chat --json`.

use crate::helpers::{LiveChat, TestBot, faq_copy, spawn_bot, stderr, stdout};

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

/// Answers screen questions by id (`default` for any other) from `/screen`
/// to the end; returns the questions asked, in order, and the last reply.
fn walk(
    chat: &mut LiveChat,
    answers: &[(&str, &str)],
    default: &str,
) -> (Vec<String>, serde_json::Value) {
    let mut asked = Vec::new();
    let mut last = chat.send("/screen").pop().unwrap();
    while let Some(q) = last["question"].as_str().map(str::to_owned) {
        assert!(asked.len() < 80, "the screen did not end: {asked:?}");
        let answer = answers
            .iter()
            .find(|(id, _)| *id == q)
            .map_or(default, |(_, a)| *a);
        asked.push(q);
        last = chat.send(answer).pop().unwrap();
    }
    (asked, last)
}

/// A chat in Spanish: a first question sets the language.
/// A live chat with patient "pat", switched to Spanish first if asked.
fn patient_chat(bot: &TestBot, spanish: bool) -> LiveChat {
    let mut chat = bot.live_chat("pat");
    if spanish {
        in_spanish(&mut chat);
    }
    chat
}

fn in_spanish(chat: &mut LiveChat) {
    let faq = chat.say("hola, ¿duele la punción?");
    assert!(faq["text"].as_str().unwrap().contains("aguja"), "{faq}");
}

/// The flags of the latest completed screen.
fn latest_flags(bot: &TestBot) -> Vec<String> {
    let out = bot.run(&["screenings", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::from_value(list[0]["flags"].clone()).unwrap()
}

/// What a staff member reads with `/screening N` about patient `who`, who
/// opens ticket N to be read.
fn staff_reads_screen(bot: &TestBot, who: &str, ticket: u32) -> String {
    let out = bot.run(
        &["chat", "--json", "--as", who],
        &format!("/human\n!desk /screening {ticket}\n"),
    );
    assert!(out.status.success());
    stderr(&out)
}

#[test]
fn an_age_typed_to_are_you_under_18_is_read_by_its_value_in_english_and_spanish() {
    for (spanish, age, minor) in [
        (false, "I'm 52", false),
        (false, "i'm 16", true),
        (false, "52", false),
        (true, "tengo 52", false),
        (true, "tengo 16 años", true),
        (true, "soy mayor de edad", false),
    ] {
        let bot = spawn_bot();
        let mut chat = patient_chat(&bot, spanish);
        let (asked, last) = walk(&mut chat, &[("consent", "yes"), ("under_18", age)], "no");
        chat.close();
        assert_eq!(last["kind"], "outcome", "{age}");
        let times = asked.iter().filter(|q| *q == "under_18").count();
        assert_eq!(times, 1, "{age}: understood at once: {asked:?}");
        assert_eq!(asked.contains(&"guardian".to_owned()), minor, "{age}");
        assert_eq!(latest_flags(&bot).contains(&"minor".into()), minor, "{age}");
    }
}

#[test]
fn a_leading_yes_answers_the_question_asked_and_the_clinician_reads_its_detail() {
    // Spanish: a blood thinner named after the yes, and a heart condition.
    let bot = spawn_bot();
    let mut chat = bot.live_chat("ana");
    in_spanish(&mut chat);
    let (asked, last) = walk(
        &mut chat,
        &[
            ("consent", "sí"),
            ("blood_thinners", "si tomo eliquis"),
            ("blood_thinner_which", "apixabán"),
            ("heart", "sí, fibrilación auricular"),
        ],
        "no",
    );
    chat.close();
    assert_eq!(last["kind"], "outcome");
    assert!(
        asked.contains(&"blood_thinner_which".to_owned()),
        "{asked:?}"
    );
    let flags = latest_flags(&bot);
    assert_eq!(flags, ["blood_thinners", "heart_condition"]);
    let staff = staff_reads_screen(&bot, "ana", 1);
    assert!(
        staff.contains("blood_thinners: yes (tomo eliquis)"),
        "{staff}"
    );
    assert!(
        staff.contains("heart: yes (fibrilación auricular)"),
        "{staff}"
    );
    assert!(!staff.contains("trying_to_conceive: yes"), "{staff}");

    // English: a pacemaker named after the yes.
    let bot = spawn_bot();
    let mut chat = bot.live_chat("pat");
    let (_, last) = walk(
        &mut chat,
        &[
            ("consent", "yes"),
            ("implants", "yes, I have a pacemaker since 2019"),
            ("implants_which", "pacemaker, left chest"),
        ],
        "no",
    );
    chat.close();
    assert_eq!(last["kind"], "outcome");
    let staff = staff_reads_screen(&bot, "pat", 1);
    assert!(
        staff.contains("implants: yes (I have a pacemaker since 2019)"),
        "{staff}"
    );
}

#[test]
fn nothing_else_in_any_words_leaves_no_note_for_the_clinician_in_english_and_spanish() {
    for (spanish, nothing) in [
        (false, "2"),
        (false, "no, that's all"),
        (false, "nothing else, thanks"),
        (true, "nada más, gracias"),
        (true, "eso es todo"),
        (true, "."),
    ] {
        let bot = spawn_bot();
        let mut chat = patient_chat(&bot, spanish);
        let (asked, last) = walk(
            &mut chat,
            &[("consent", "yes"), ("anything_else", nothing)],
            "no",
        );
        chat.close();
        assert_eq!(asked.last().map(String::as_str), Some("anything_else"));
        assert_eq!(last["kind"], "outcome", "{nothing}");
        assert_eq!(latest_flags(&bot), Vec::<String>::new(), "{nothing}");
    }
}

#[test]
fn a_man_or_a_no_to_pregnancy_is_not_asked_about_pregnancy_again() {
    for (spanish, no) in [
        (false, "no"),
        (false, "I'm a man"),
        (true, "no"),
        (true, "no, soy hombre"),
    ] {
        let bot = spawn_bot();
        let mut chat = patient_chat(&bot, spanish);
        let mut asked = Vec::new();
        let mut last = chat.send("/screen").pop().unwrap();
        while let Some(q) = last["question"].as_str().map(str::to_owned) {
            let answer = match q.as_str() {
                "consent" => "yes",
                "pregnant" => no,
                _ => "no",
            };
            let text = last["text"].as_str().unwrap().to_lowercase();
            if text.contains("pregnan") || text.contains("embaraz") {
                asked.push(q);
            }
            last = chat.send(answer).pop().unwrap();
        }
        chat.close();
        assert_eq!(asked, ["pregnant"], "{no}");
    }
}

#[test]
fn the_shipped_screen_asks_no_question_in_the_negative_and_check_warns_about_one_with_its_line() {
    let out = spawn_bot().run(&["check"], "");
    assert!(out.status.success());
    assert!(!stdout(&out).contains("screening.toml"), "{}", stdout(&out));

    let faq = faq_copy();
    let path = faq.path().join("screening.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text
        .replacen(
            "\"Do you have epilepsy or seizures?\"",
            "\"Would you prefer NOT to be asked about epilepsy?\"",
            1,
        )
        .replacen(
            "\"¿Tiene diabetes?\"",
            "\"¿Tiene diabetes? ¿Se pone insulina?\"",
            1,
        );
    std::fs::write(&path, &edited).unwrap();
    let line = |needle: &str| edited.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let mut bot = spawn_bot();
    bot.faq = faq.path().to_owned();
    let out = bot.run(&["check"], "");
    assert!(out.status.success(), "warnings only: {}", stderr(&out));
    let shown = stdout(&out);
    let negative = format!("screening.toml:{}:", line("prefer NOT to be asked"));
    let double = format!("screening.toml:{}:", line("¿Se pone insulina?"));
    for (at, why) in [
        (negative, "\"NOT\" in capitals"),
        (double, "two question marks"),
    ] {
        let warning = shown.lines().find(|l| l.contains(&at));
        assert!(
            warning.is_some_and(|w| w.starts_with("warning: ") && w.contains(why)),
            "{at} {why}: {shown}"
        );
    }
}

#[test]
fn a_go_ahead_in_words_after_the_start_screen_button_starts_the_screen() {
    for (spanish, ask, go) in [
        (
            false,
            "do i have to fill in a health form?",
            "yes let's start",
        ),
        (
            false,
            "do i have to fill in a health form?",
            "sure, go ahead",
        ),
        (
            true,
            "¿tengo que llenar un cuestionario de salud?",
            "si empecemos",
        ),
        (
            true,
            "¿tengo que llenar un cuestionario de salud?",
            "dale, empecemos",
        ),
    ] {
        let bot = spawn_bot();
        let mut chat = patient_chat(&bot, spanish);
        let offer = chat.say(ask);
        assert_eq!(offer["choices"][0]["id"], "screen:start", "{offer}");
        let started = chat.send(go);
        chat.close();
        assert_eq!(started.len(), 1, "{go}: {started:?}");
        assert_eq!(started[0]["question"], "consent", "{go}");
        let first_words = if spanish {
            "Antes de la punción"
        } else {
            "Before dry needling"
        };
        assert!(
            started[0]["text"]
                .as_str()
                .unwrap()
                .starts_with(first_words)
        );
    }
}

#[test]
fn a_screen_handed_to_staff_midway_resumes_at_its_question_after_the_hand_back() {
    // English: staff close the ticket.
    let bot = spawn_bot();
    let mut lines = vec!["/screen", "yes", "no", "no", "no", "/human"];
    lines.extend([
        "!desk /claim 1",
        "!desk /reply 1 Yes, it is fine",
        "!desk /close 1",
    ]);
    let chat = bot.chat_as("pat", &lines);
    let asked: Vec<&str> = chat
        .replies
        .iter()
        .filter_map(|r| r["question"].as_str())
        .collect();
    let pending = asked[asked.len() - 2];
    assert_eq!(asked.last(), Some(&pending), "asked again: {asked:?}");
    let n = chat.replies.len();
    let back = &chat.replies[n - 3..];
    assert!(
        back[0]["text"].as_str().unwrap().contains("back"),
        "{back:?}"
    );
    assert!(
        back[1]["text"].as_str().unwrap().contains("carry on"),
        "{back:?}"
    );
    assert_eq!(back[2]["kind"], "question");
    // The answers so far were kept: the next answer goes on from there.
    let mut chat = bot.live_chat("pat");
    let last = chat.answer_screen(&[], "no", None);
    chat.close();
    assert_eq!(last["kind"], "outcome");
    let out = bot.run(&["screenings", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let staff = staff_reads_screen(&bot, "pat", 2);
    assert!(staff.contains("consent: yes"), "{staff}");
    assert!(staff.contains("red_flags_now: no"), "{staff}");

    // Spanish: asked for in words, ended by the patient's /stop.
    let bot = spawn_bot();
    let chat = bot.chat_as(
        "ana",
        &[
            "hola, ¿duele la punción?",
            "/screen",
            "sí",
            "no",
            "quiero hablar con una persona",
            "/stop",
        ],
    );
    let asked: Vec<&str> = chat
        .replies
        .iter()
        .filter_map(|r| r["question"].as_str())
        .collect();
    assert_eq!(
        asked,
        [
            "consent",
            "red_flags_now",
            "prefer_no_needling",
            "prefer_no_needling"
        ]
    );
    let n = chat.replies.len();
    let resumed = chat.replies[n - 2]["text"].as_str().unwrap();
    assert!(resumed.starts_with("Sigamos"), "{resumed}");
}
