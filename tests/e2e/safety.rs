//! Clinical safety through the real binary: a crisis gets the same answer,
//! with the crisis line, in `ask` and in `chat`; a doctor's advice against
//! needling is never booked past; numbness after a session is urgent, not a
//! stroke.

use crate::helpers::{json_lines, spawn_bot, stderr};

/// What `frontdesk ask --json` answers to each line.
fn asked(bot: &crate::helpers::TestBot, lines: &[&str]) -> Vec<serde_json::Value> {
    let out = bot.run(&["ask", "--json"], &format!("{}\n", lines.join("\n")));
    assert!(out.status.success(), "ask failed: {}", stderr(&out));
    json_lines(&out.stdout)
}

#[test]
fn a_crisis_gets_the_same_answer_with_the_crisis_line_in_ask_and_in_chat() {
    let bot = spawn_bot();
    let crises = [
        ("i cant do this anymore, i want to end my life", "self_harm"),
        ("ya no quiero vivir, lo tengo todo pensado", "self_harm"),
        (
            "everything is too much, im going to take all my pills tonight",
            "overdose",
        ),
        (
            "me tomé como 20 pastillas de paracetamol hace una hora",
            "overdose",
        ),
    ];
    let answers = asked(&bot, &crises.map(|(text, _)| text));
    for (i, (text, flag)) in crises.iter().enumerate() {
        let chat = bot.chat_as(&format!("p{i}"), &[text]);
        let reply = &chat.replies[0];
        assert_eq!(reply["kind"], "emergency", "{text}");
        assert_eq!(answers[i]["kind"], "emergency", "{text}");
        assert_eq!(
            answers[i]["text"], reply["text"],
            "ask and chat answer {text:?} alike"
        );
        assert!(
            reply["text"].as_str().unwrap().contains("988"),
            "the crisis line: {reply}"
        );
        assert!(reply["text"].as_str().unwrap().contains("911"), "{reply}");
        let alert = &chat.staff[0];
        assert_eq!(alert["event"], "emergency");
        assert!(
            alert.to_string().contains(flag),
            "staff are told the category: {alert}"
        );
    }
}

#[test]
fn a_doctors_advice_against_needling_is_never_booked_and_the_team_is_offered() {
    let bot = spawn_bot();
    for (i, text, words) in [
        (
            0,
            "my doctor told me not to have needles but i want it anyway, just book me",
            "clinical team",
        ),
        (
            1,
            "el traumatólogo me dijo que esperara a la resonancia, pero dame cita ya",
            "equipo clínico",
        ),
    ] {
        let chat = bot.chat_as(&format!("p{i}"), &[text, "yes"]);
        let reply = &chat.replies[0];
        assert_eq!(reply["kind"], "fallback", "{reply}");
        assert!(reply["text"].as_str().unwrap().contains(words), "{reply}");
        let ids: Vec<&str> = reply["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&"human"), "the team is offered: {ids:?}");
        assert!(
            !reply.to_string().contains("booking"),
            "no booking link or topic is offered: {reply}"
        );
        assert_eq!(
            chat.replies[1]["kind"], "handoff",
            "a yes takes the offer: {:?}",
            chat.replies
        );
    }
}

#[test]
fn numbness_after_a_session_that_has_not_passed_is_urgent_not_a_stroke() {
    let bot = spawn_bot();
    let answers = asked(
        &bot,
        &[
            "my arm went numb and tingly after the session and it still hasnt gone away",
            "se me durmió el brazo después de la punción y sigue igual",
            "my dad's face is drooping on one side and his words are slurred",
        ],
    );
    assert_eq!(answers[0]["kind"], "urgent", "{}", answers[0]);
    assert_eq!(answers[1]["kind"], "urgent", "{}", answers[1]);
    assert_eq!(answers[2]["kind"], "emergency", "{}", answers[2]);
    assert_eq!(answers[2]["category"], "signs of stroke");
}
