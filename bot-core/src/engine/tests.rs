//! The engine driven end to end on the in-memory and sled stores.

use super::*;
use crate::chat::Input;
use crate::dialogue::State;
use crate::ids::ChatKey;
use crate::ids::Locale;
use crate::store::{MemoryStore, SledStore};
use crate::testing::shipped;

fn say(chat: &str, text: &str, at: i64) -> Incoming {
    Incoming {
        chat: ChatKey::parse(chat).unwrap(),
        input: Input::from_text(text),
        at: Timestamp::from_second(at).unwrap(),
        locale_hint: None,
        shared: false,
        display_name: None,
        sequence: None,
    }
}

#[test]
fn a_restart_resumes_every_conversation_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let offered = {
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        engine.handle(&say("telegram:1", "¿duele?", 1));
        let out = engine.handle(&say("terminal:2", "how long", 2));
        assert!(matches!(
            engine
                .conversation(&ChatKey::parse("terminal:2").unwrap())
                .unwrap(),
            Some(Conversation {
                state: State::Clarifying,
                ..
            })
        ));
        out.replies[0].choices[0].id.clone()
    };
    let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
    let out = engine.handle(&say("terminal:2", "1", 3));
    assert_eq!(out.replies[0].kind, ReplyKind::Answer);
    assert_eq!(
        format!("topic:{}", out.replies[0].topic.as_ref().unwrap()),
        offered,
        "the pending question survived the restart"
    );
    let es = engine
        .conversation(&ChatKey::parse("telegram:1").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(es.locale, Some(Locale::Es));
}

#[test]
fn unanswered_questions_are_listed_most_frequent_first() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("terminal:a", "do you do botox", 1));
    engine.handle(&say("terminal:b", "Do you do Botox?", 2));
    engine.handle(&say("terminal:c", "can my dog get needled", 3));
    engine.handle(&say("terminal:c", "does it hurt", 4));
    let list = engine.unanswered().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].count, list[0].text.as_str()),
        (2, "Do you do Botox?")
    );
    assert_eq!(list[1].count, 1);
}

#[test]
fn a_corrupt_conversation_record_gets_a_polite_reply_not_a_panic() {
    let store = MemoryStore::new();
    let mut batch = Batch::default();
    batch.put("conv/terminal:x", b"{not json".to_vec());
    store.apply(batch).unwrap();
    let engine = Engine::new(store, shipped());
    let out = engine.handle(&say("terminal:x", "does it hurt", 1));
    assert_eq!(out.replies.len(), 1);
    assert_eq!(
        out.replies[0].text,
        shipped().messages(Locale::En).internal_error
    );
}

#[test]
fn concurrent_messages_in_many_chats_are_all_saved() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    std::thread::scope(|s| {
        for t in 0..4 {
            let engine = &engine;
            s.spawn(move || {
                for i in 0..25 {
                    let out = engine.handle(&say(&format!("terminal:{t}-{i}"), "how long", i));
                    assert_eq!(out.replies[0].kind, ReplyKind::Clarify);
                }
            });
        }
    });
    assert_eq!(engine.store().scan_prefix("conv/").unwrap().len(), 100);
}

#[test]
fn a_screen_resumes_at_the_same_question_after_the_store_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        for (i, text) in ["/screen", "yes", "no", "no"].iter().enumerate() {
            engine.handle(&say("telegram:9", text, i as i64));
        }
    }
    let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
    let out = engine.handle(&say("telegram:9", "/screen", 10));
    assert_eq!(
        out.replies.last().unwrap().question.as_deref(),
        Some("needle_fear")
    );
    let Some(Conversation {
        state: State::Screening(p),
        ..
    }) = engine
        .conversation(&ChatKey::parse("telegram:9").unwrap())
        .unwrap()
    else {
        panic!("still screening")
    };
    assert_eq!(p.answers.len(), 3, "previous answers kept");
}

#[test]
fn completed_screens_are_stored_and_listed_newest_first() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let mut t = 0;
    for (chat, fear) in [("terminal:a", "no"), ("terminal:b", "yes")] {
        let mut next = "/screen".to_owned();
        loop {
            t += 1;
            let out = engine.handle(&say(chat, &next, t));
            let Some(q) = out.replies.last().and_then(|r| r.question.clone()) else {
                break;
            };
            next = match q.as_str() {
                "consent" => "yes".into(),
                "needle_fear" => fear.into(),
                _ => "no".into(),
            };
        }
    }
    let list = engine.screenings().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].chat.to_string(), "terminal:b");
    assert_eq!(list[0].outcome, crate::chat::Clearance::Decline);
    assert_eq!(list[1].outcome, crate::chat::Clearance::Clear);
}

use crate::handoff::{Actor, StaffAction};
use crate::ids::Platform;

fn actor(platform: Platform, id: &str) -> Actor {
    Actor {
        platform,
        user_id: id.into(),
        roles: Vec::new(),
        display_name: "someone".into(),
    }
}

fn maria_on_discord() -> Actor {
    actor(Platform::Discord, "1300000000000000011")
}

#[test]
fn a_ticket_is_opened_claimed_relayed_and_closed_across_platforms() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = Timestamp::from_second(1_000).unwrap();
    let mut ask = say("telegram:77", "/human", 1);
    ask.display_name = Some("Pat".into());
    let out = engine.handle(&ask);
    let Some(DeskEvent::Opened {
        number,
        patient,
        platform,
        ..
    }) = out.desk_events().next()
    else {
        panic!("a ticket opened: {out:?}")
    };
    assert!(
        matches!(&out.alerts[0].receipt, crate::Receipt::Alert { .. }),
        "a ticket opened is an alert kept until a desk takes it"
    );
    assert_eq!(
        (*number, patient.as_str(), *platform),
        (1, "Pat", Platform::Telegram)
    );

    // The bot is quiet during the hand-off; the message goes to the desk.
    let out = engine.handle(&say("telegram:77", "my appointment is at 3?", 2));
    assert!(out.replies.is_empty());
    assert!(
        matches!(&out.desk[0], DeskEvent::PatientWrote { text, claimed_by: None, .. } if text == "my appointment is at 3?")
    );

    // A staff member on Discord claims it and replies; the reply reaches
    // the Telegram patient with the clinic's name.
    let maria = maria_on_discord();
    let claim = engine
        .handle_staff(&maria, &StaffAction::Claim(1), now)
        .unwrap();
    assert!(matches!(&claim.desk[0], DeskEvent::Claimed { by, .. } if by.starts_with("Maria")));
    let reply = engine
        .handle_staff(&maria, &StaffAction::Reply(1, "Yes, 3 pm.".into()), now)
        .unwrap();
    let crate::Delivery::ToChat {
        chat,
        reply: message,
        receipt,
    } = &reply.to_patients[0]
    else {
        panic!("a message for the patient: {reply:?}")
    };
    assert_eq!(chat.to_string(), "telegram:77");
    assert_eq!(message.text, "Bayside Physio & Chiropractic: Yes, 3 pm.");
    assert_eq!(
        receipt,
        &Some(crate::Receipt::Relay { ticket: 1 }),
        "a failed relay comes back to staff"
    );

    // Now the patient's messages go to Maria's thread.
    let out = engine.handle(&say("telegram:77", "thanks!", 3));
    assert!(matches!(
        &out.desk[0],
        DeskEvent::PatientWrote {
            claimed_by: Some((Platform::Discord, _)),
            ..
        }
    ));

    // Closing returns the patient to the bot.
    let close = engine
        .handle_staff(&maria, &StaffAction::Close(1), now)
        .unwrap();
    assert!(matches!(
        &close.to_patients[0],
        crate::Delivery::ToChat { reply, .. } if reply.text == shipped().messages(Locale::En).handoff_ended
    ));
    assert!(engine.open_tickets().unwrap().is_empty());
    let out = engine.handle(&say("telegram:77", "does it hurt?", 4));
    assert_eq!(
        out.replies[0].kind,
        ReplyKind::Answer,
        "the bot answers again"
    );
    let ticket = engine.ticket(1).unwrap().unwrap();
    assert_eq!(
        ticket.transcript.len(),
        3,
        "kept: two patient lines and one staff line"
    );
}

#[test]
fn only_staff_can_act_and_a_refusal_changes_nothing() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = Timestamp::from_second(1_000).unwrap();
    engine.handle(&say("discord:55", "/human", 1));
    let before = engine.ticket(1).unwrap();
    for who in [
        actor(Platform::Discord, "55"),                   // the patient
        actor(Platform::Telegram, "999"),                 // a stranger
        actor(Platform::Telegram, "1300000000000000011"), // Maria's Discord id on Telegram
    ] {
        for action in [
            StaffAction::Claim(1),
            StaffAction::Reply(1, "hi".into()),
            StaffAction::Close(1),
            StaffAction::Queue,
        ] {
            let out = engine.handle_staff(&who, &action, now).unwrap();
            assert_eq!(
                out.to_staff,
                [crate::handoff::render::NOT_STAFF],
                "{who:?} {action:?}"
            );
            assert!(out.to_patients.is_empty() && out.desk.is_empty());
        }
    }
    assert_eq!(engine.ticket(1).unwrap(), before, "nothing changed");
}

#[test]
fn a_claimed_ticket_is_shown_as_taken_to_other_staff() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = Timestamp::from_second(1_000).unwrap();
    engine.handle(&say("telegram:1", "/human", 1));
    let maria = actor(Platform::Telegram, "5000001");
    let james = actor(Platform::Discord, "1300000000000000012");
    engine
        .handle_staff(&maria, &StaffAction::Claim(1), now)
        .unwrap();
    let out = engine
        .handle_staff(&james, &StaffAction::Claim(1), now)
        .unwrap();
    assert!(
        out.to_staff[0].contains("already claimed by Maria"),
        "{:?}",
        out.to_staff
    );
    let out = engine
        .handle_staff(&james, &StaffAction::Reply(1, "hi".into()), now)
        .unwrap();
    assert!(out.to_patients.is_empty(), "only the claimer replies");
    let queue = engine
        .handle_staff(&james, &StaffAction::Queue, now)
        .unwrap();
    assert!(queue.to_staff[0].starts_with("#1 "), "{:?}", queue.to_staff);
    assert!(queue.to_staff[0].contains("claimed by Maria"));
}

#[test]
fn writing_where_a_ticket_lives_claims_it_for_the_first_writer_and_reaches_the_patient() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = Timestamp::from_second(1_000).unwrap();
    engine.handle(&say("telegram:1", "/human", 1));
    let maria = actor(Platform::Telegram, "5000001");
    let james = actor(Platform::Discord, "1300000000000000012");
    let out = engine
        .handle_staff(&maria, &StaffAction::Write(1, "Hi, Maria here".into()), now)
        .unwrap();
    assert!(
        matches!(&out.desk[..], [DeskEvent::Claimed { number: 1, by }] if by.starts_with("Maria")),
        "{out:?}"
    );
    assert!(
        matches!(&out.to_patients[..], [crate::Delivery::ToChat { reply, .. }] if reply.text.ends_with(": Hi, Maria here"))
    );
    assert!(out.to_staff.is_empty(), "no 'Sent.' after every message");
    assert!(
        engine
            .ticket(1)
            .unwrap()
            .unwrap()
            .claimed_by()
            .is_some_and(|b| b.starts_with("Maria"))
    );
    // Her next message there claims nothing again.
    let out = engine
        .handle_staff(&maria, &StaffAction::Write(1, "Is 3 pm ok?".into()), now)
        .unwrap();
    assert!(out.desk.is_empty() && out.to_patients.len() == 1);
    // A second writer is told whose it is; the patient gets nothing.
    let out = engine
        .handle_staff(&james, &StaffAction::Write(1, "me too".into()), now)
        .unwrap();
    assert!(out.to_patients.is_empty());
    assert!(
        out.to_staff[0].contains("claimed by Maria"),
        "{:?}",
        out.to_staff
    );
    let lines = engine.ticket(1).unwrap().unwrap().transcript;
    assert_eq!(lines.len(), 2, "Maria's two lines only");
}

#[test]
fn a_tickets_place_at_a_desk_is_found_both_ways_replaced_and_forgotten_with_the_patient() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:1", "/human", 1));
    assert_eq!(engine.desk_thread(Platform::Telegram, 1).unwrap(), None);
    engine.set_desk_thread(Platform::Telegram, 1, "41").unwrap();
    engine
        .set_desk_thread(Platform::Discord, 1, "9001")
        .unwrap();
    assert_eq!(
        engine.ticket_in_thread(Platform::Telegram, "41").unwrap(),
        Some(1)
    );
    assert_eq!(
        engine.ticket_in_thread(Platform::Discord, "41").unwrap(),
        None
    );
    // The topic was deleted and made again.
    engine.set_desk_thread(Platform::Telegram, 1, "57").unwrap();
    assert_eq!(
        engine
            .desk_thread(Platform::Telegram, 1)
            .unwrap()
            .as_deref(),
        Some("57")
    );
    assert_eq!(
        engine.ticket_in_thread(Platform::Telegram, "41").unwrap(),
        None
    );
    assert_eq!(
        engine.ticket_in_thread(Platform::Telegram, "57").unwrap(),
        Some(1)
    );
    let story = engine.ticket_story(1).unwrap().unwrap();
    assert!(story.starts_with("Ticket #1:"), "{story}");
    // The patient deletes their data: the ticket's places go with it.
    engine.handle(&say("telegram:1", "/forget", 2));
    let out = engine.handle(&say("telegram:1", "yes", 3));
    assert!(engine.ticket(1).unwrap().is_none(), "{out:?}");
    let erased: Vec<&DeskEvent> = out.alerts.iter().map(|a| &a.event).collect();
    assert_eq!(
        erased,
        [
            &DeskEvent::Erased {
                platform: Platform::Telegram,
                places: vec!["57".into()],
                by: crate::ErasedBy::Patient,
            },
            &DeskEvent::Erased {
                platform: Platform::Discord,
                places: vec!["9001".into()],
                by: crate::ErasedBy::Patient,
            },
        ],
        "each desk deletes its own"
    );
    assert_eq!(
        engine.pending_alerts().unwrap(),
        2,
        "the two kept until each desk takes its own (the patient's own alerts went with their data)"
    );
    assert_eq!(engine.desk_thread(Platform::Telegram, 1).unwrap(), None);
    assert_eq!(
        engine.ticket_in_thread(Platform::Discord, "9001").unwrap(),
        None
    );
}

#[test]
fn unclaimed_tickets_are_reannounced_after_the_configured_wait() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:1", "/human", 0));
    let at = |min: i64| Timestamp::from_second(min * 60).unwrap();
    assert!(engine.due_reannouncements(at(14)).unwrap().is_empty());
    let due = engine.due_reannouncements(at(15)).unwrap();
    assert!(matches!(
        &due[..],
        [DeskEvent::Reannounced {
            number: 1,
            waiting_minutes: 15,
            ..
        }]
    ));
    assert!(
        engine.due_reannouncements(at(20)).unwrap().is_empty(),
        "not again at once"
    );
    assert_eq!(engine.due_reannouncements(at(30)).unwrap().len(), 1);
}

#[test]
fn a_patient_is_told_how_soon_a_person_replies_and_told_again_once_if_nobody_has() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let tz = shipped().clinic.time_zone.clone();
    let local = |text: &str| crate::appointments::parse_local(text, &tz).unwrap();
    let every = |_| true;
    // Monday 07:40, before the clinic opens at 08:00.
    let asked = local("2026-12-07 07:40");
    let out = engine.handle(&Incoming {
        at: asked,
        ..say("telegram:7", "/human", 0)
    });
    assert!(
        out.replies[0].text.contains("The desk is closed now"),
        "{out:?}"
    );
    let out = engine.handle(&Incoming {
        at: local("2026-12-07 09:00"),
        ..say("telegram:8", "/human", 0)
    });
    assert!(
        out.replies[0].text.contains("within about 30 minutes"),
        "{out:?}"
    );
    // The reply time counts from opening for the ticket that came in before.
    let told = |at: &str| engine.due_waiting_notices(local(at), &every).unwrap();
    assert!(told("2026-12-07 08:29").is_empty());
    let first = told("2026-12-07 08:30");
    assert!(
        matches!(&first[..], [Delivery::ToChat { chat, reply, .. }]
            if chat.to_string() == "telegram:7" && reply.text.starts_with("Sorry for the wait")),
        "{first:?}"
    );
    assert!(
        told("2026-12-07 09:29").is_empty(),
        "once, and the other not yet"
    );
    // Claimed before its time: never told again.
    let maria = Actor {
        platform: Platform::Telegram,
        user_id: "5000001".into(),
        roles: vec![],
        display_name: "Maria".into(),
    };
    engine
        .handle_staff(&maria, &StaffAction::Claim(2), local("2026-12-07 09:10"))
        .unwrap();
    assert!(told("2026-12-07 10:00").is_empty());
    // Not while the clinic is closed.
    engine.handle(&Incoming {
        at: local("2026-12-07 17:50"),
        ..say("telegram:9", "/human", 0)
    });
    assert!(told("2026-12-07 18:30").is_empty());
    assert_eq!(told("2026-12-08 08:30").len(), 1, "the next morning");
}

#[test]
fn a_ticket_carries_the_conversation_before_it_from_both_sides_and_history_tells_it_in_order() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say(
        "telegram:3",
        "I have crushing chest pain and can't breathe",
        0,
    ));
    engine.handle(&say(
        "telegram:3",
        "who painted the mural in your waiting room",
        60,
    ));
    let out = engine.handle(&say("telegram:3", "yes", 120));
    let opened = &out.alerts.first().expect("the ticket's post").event;
    let DeskEvent::Opened { recent, .. } = opened else {
        panic!("no ticket: {out:?}")
    };
    let lines: Vec<&str> = recent.iter().map(String::as_str).collect();
    let emergency = lines
        .iter()
        .position(|l| l.starts_with("[the emergency answer: chest pain"))
        .expect("the emergency answer, by its category");
    let question = lines
        .iter()
        .position(|l| *l == "Patient: who painted the mural in your waiting room")
        .expect("the question that opened it");
    assert!(emergency < question, "in order: {lines:?}");
    assert!(lines[question + 1].starts_with("Bot: "), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("crushing")),
        "an emergency's words stay out: {lines:?}"
    );
    let post = crate::handoff::desk_text(opened);
    assert!(
        post.contains("The conversation before:\n- [the emergency answer"),
        "{post}"
    );

    engine.handle(&say("telegram:3", "are you there?", 180));
    let maria = Actor {
        platform: Platform::Telegram,
        user_id: "5000001".into(),
        roles: vec![],
        display_name: "Maria".into(),
    };
    let now = Timestamp::from_second(240).unwrap();
    engine
        .handle_staff(&maria, &StaffAction::Reply(1, "hello".into()), now)
        .unwrap();
    engine
        .handle_staff(&maria, &StaffAction::Claim(1), now)
        .unwrap();
    engine
        .handle_staff(&maria, &StaffAction::Reply(1, "Hi, Maria here".into()), now)
        .unwrap();
    let history = engine
        .handle_staff(&maria, &StaffAction::History(1), now)
        .unwrap()
        .to_staff
        .join("\n");
    let at = |needle: &str| {
        history
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {history}"))
    };
    assert!(at("Ticket #1: telegram:3 on telegram") < at("Before the hand-off:"));
    assert!(at("[the emergency answer: chest pain") < at("Patient: who painted the mural"));
    assert!(at("Patient: who painted the mural") < at("Patient: are you there?"));
    assert!(at("Patient: are you there?") < at("Maria (front desk): Hi, Maria here"));
}

#[test]
fn an_emergency_during_a_handoff_is_answered_and_flagged_on_the_ticket() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:1", "/human", 0));
    let out = engine.handle(&say("telegram:1", "I can't breathe", 1));
    assert_eq!(out.replies[0].kind, ReplyKind::Emergency);
    assert!(matches!(
        out.alerts[0].event,
        DeskEvent::EmergencyDuringHandoff { number: 1, .. }
    ));
    assert!(engine.ticket(1).unwrap().unwrap().emergency);
}

#[test]
fn a_ticket_keeps_the_patients_language_and_the_alerts_given_around_it() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:1", "hola, quiero hablar con una persona", 0));
    engine.handle(&say("telegram:1", "/human", 1));
    engine.handle(&say("telegram:1", "no puedo respirar", 2));
    let ticket = engine.ticket(1).unwrap().unwrap();
    assert_eq!(ticket.locale, Some(Locale::Es));
    let labels: Vec<String> = ticket.alerts.iter().map(|a| a.label()).collect();
    assert_eq!(labels.len(), 1, "{labels:?}");
    assert!(labels[0].starts_with("emergency: "), "{labels:?}");
}

#[test]
fn a_console_account_linked_to_a_staff_member_may_answer_what_they_claimed_elsewhere() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:77", "/human", 1));
    let now = Timestamp::from_second(1_000).unwrap();
    engine
        .handle_staff(&maria_on_discord(), &StaffAction::Claim(1), now)
        .unwrap();
    // shipped desk.toml: Maria's console account is "maria".
    let reply = StaffAction::Reply(1, "On my way".into());
    let from_console = engine
        .handle_staff(&actor(Platform::Console, "maria"), &reply, now)
        .unwrap();
    assert_eq!(from_console.to_patients.len(), 1, "{from_console:?}");
    let stranger = engine
        .handle_staff(&actor(Platform::Console, "lee"), &reply, now)
        .unwrap();
    assert!(stranger.to_patients.is_empty(), "another account's claim");
}

#[test]
fn a_reply_the_platform_did_not_take_is_marked_on_the_ticket() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    engine.handle(&say("telegram:77", "/human", 1));
    let now = Timestamp::from_second(1_000).unwrap();
    let maria = maria_on_discord();
    engine
        .handle_staff(&maria, &StaffAction::Claim(1), now)
        .unwrap();
    for text in ["first", "second"] {
        engine
            .handle_staff(&maria, &StaffAction::Reply(1, text.into()), now)
            .unwrap();
    }
    let told = engine
        .undelivered(&crate::Receipt::Relay { ticket: 1 }, "refused")
        .unwrap();
    assert!(matches!(
        told.as_slice(),
        [crate::Delivery::Desk {
            event: DeskEvent::RelayFailed { number: 1, .. },
            ..
        }]
    ));
    let doubts: Vec<bool> = engine
        .ticket(1)
        .unwrap()
        .unwrap()
        .transcript
        .iter()
        .map(|l| l.in_doubt)
        .collect();
    assert_eq!(doubts, [false, true], "the latest reply only");
}

#[test]
fn staff_hear_of_an_emergency_or_urgent_worry_outside_a_handoff_by_category_only() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let mut message = say("telegram:7", "my husband collapsed and is not breathing", 1);
    message.display_name = Some("Ana".into());
    let out = engine.handle(&message);
    assert_eq!(out.replies[0].kind, ReplyKind::Emergency);
    assert_eq!(
        out.desk_events().cloned().collect::<Vec<_>>(),
        [DeskEvent::Emergency {
            patient: "Ana".into(),
            platform: crate::ids::Platform::Telegram,
            flag: crate::chat::RedFlag::Collapse,
        }]
    );
    let out = engine.handle(&say(
        "telegram:8",
        "the needle spot is red, hot and oozing pus since yesterday",
        2,
    ));
    assert!(
        matches!(
            &out.desk_events().collect::<Vec<_>>()[..],
            [DeskEvent::Urgent { urgency: crate::chat::Urgency::Infection, patient, .. }] if patient == "telegram:8"
        ),
        "{out:?}"
    );
    let posted = crate::handoff::render::desk_text(&out.alerts[0].event);
    assert!(
        !posted.contains("oozing") && !posted.contains("pus"),
        "{posted}"
    );
    // A question is answered with no alert.
    assert!(
        engine
            .handle(&say("telegram:9", "does it hurt", 3))
            .desk_events()
            .next()
            .is_none()
    );
}

#[test]
fn full_screening_answers_go_only_to_the_asking_staff_member_privately() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let mut t = 0;
    let mut next = "/screen".to_owned();
    loop {
        t += 1;
        let out = engine.handle(&say("telegram:9", &next, t));
        let Some(q) = out.replies.last().and_then(|r| r.question.clone()) else {
            break;
        };
        next = match q.as_str() {
            "consent" => "yes".into(),
            "anything_else" => "my left knee is the sore one".into(),
            _ => "no".into(),
        };
    }
    engine.handle(&say("telegram:9", "/human", t + 1));
    let maria = actor(Platform::Telegram, "5000001");
    let now = Timestamp::from_second(10_000).unwrap();
    let out = engine
        .handle_staff(&maria, &StaffAction::Screening(1), now)
        .unwrap();
    assert!(out.private[0].contains("anything_else: my left knee is the sore one"));
    assert!(out.desk.is_empty() && out.to_patients.is_empty());
    assert!(
        !out.to_staff.iter().any(|t| t.contains("knee")),
        "not in the shared reply"
    );
    let stranger = actor(Platform::Telegram, "1");
    let out = engine
        .handle_staff(&stranger, &StaffAction::Screening(1), now)
        .unwrap();
    assert!(out.private.is_empty());
}

#[test]
fn importing_the_same_appointments_twice_changes_nothing() {
    use crate::appointments::parse_csv;
    let engine = Engine::new(MemoryStore::new(), shipped());
    let tz = shipped().clinic.time_zone.clone();
    let rows = parse_csv(
        "patient,start,needling\nAna,2026-12-01 09:00,yes\nBen,2026-12-01 10:00,no\n",
        &tz,
        crate::knowledge::clinic::DateOrder::MonthFirst,
    )
    .unwrap();
    assert_eq!(engine.import_appointments(&rows).unwrap(), (2, 0));
    let first = engine.appointments().unwrap();
    assert_eq!(engine.import_appointments(&rows).unwrap(), (0, 2));
    assert_eq!(
        engine.appointments().unwrap(),
        first,
        "codes and all unchanged"
    );
    assert!(engine.cancel_appointment(&first[1].id).unwrap());
    assert_eq!(
        engine.appointments().unwrap()[1].status,
        crate::appointments::Status::Cancelled
    );
    assert!(!engine.cancel_appointment("nope").unwrap());
}

#[test]
fn the_visits_of_a_span_of_clinic_days_are_listed_soonest_first_with_their_screen_status() {
    use crate::appointments::{ScreenStatus, Status, parse_csv};
    let engine = Engine::new(MemoryStore::new(), shipped());
    let tz = shipped().clinic.time_zone.clone();
    // 23:30 in New York on the 1st is the 2nd in UTC: still the 1st's visit.
    let rows = parse_csv(
        "patient,start,needling\nCy,2026-12-01 23:30,yes\nAna,2026-12-01 09:00,yes\n\
         Ben,2026-12-02 10:00,no\nDee,2026-12-03 10:00,yes\nEve,2026-11-30 10:00,yes\n",
        &tz,
        crate::knowledge::clinic::DateOrder::MonthFirst,
    )
    .unwrap();
    engine.import_appointments(&rows).unwrap();
    let ben = engine.appointments().unwrap()[3].id.clone();
    assert!(engine.cancel_appointment(&ben).unwrap());
    let visits = engine.visits(jiff::civil::date(2026, 12, 1), 2).unwrap();
    let seen: Vec<(&str, ScreenStatus, Status)> = visits
        .iter()
        .map(|(a, s)| (a.patient.as_str(), *s, a.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("Ana", ScreenStatus::NotLinked, Status::Booked),
            ("Cy", ScreenStatus::NotLinked, Status::Booked),
            ("Ben", ScreenStatus::NotNeeded, Status::Cancelled),
        ]
    );
}

#[test]
fn a_link_code_links_one_chat_once_until_the_appointment() {
    use crate::appointments::parse_csv;
    let engine = Engine::new(MemoryStore::new(), shipped());
    let tz = shipped().clinic.time_zone.clone();
    let rows = parse_csv(
        "patient,start\nAna,2026-12-01 09:00\n",
        &tz,
        crate::knowledge::clinic::DateOrder::MonthFirst,
    )
    .unwrap();
    engine.import_appointments(&rows).unwrap();
    let code = engine.appointments().unwrap()[0].link_code.clone();
    let before = Timestamp::from_second(1_790_000_000).unwrap(); // Sept 2026
    let mut start = say("telegram:5", &format!("/start {code}"), 0);
    start.at = before;
    let out = engine.handle(&start);
    assert!(
        out.replies[0].text.contains("Tuesday, December 1, 9:00 AM"),
        "{}",
        out.replies[0].text
    );
    assert_eq!(out.replies[0].choices[0].id, "screen:start");
    assert_eq!(
        engine.appointments().unwrap()[0]
            .chat
            .as_ref()
            .map(|c| c.to_string()),
        Some("telegram:5".into())
    );
    // Another chat cannot reuse it; typing it (as on Discord) is read too.
    let mut other = say("discord:9", &code.to_lowercase(), 0);
    other.at = before;
    let out = engine.handle(&other);
    assert_eq!(
        out.replies[0].text,
        shipped().messages(Locale::En).link_invalid
    );
    // After the appointment has started, the code has expired.
    let mut late = say("telegram:5", &format!("/start {code}"), 0);
    late.at = Timestamp::from_second(1_800_000_000).unwrap(); // Jan 2027
    let out = engine.handle(&late);
    assert_eq!(
        out.replies[0].text,
        shipped().messages(Locale::En).link_invalid
    );
    // A plain /start and ordinary text are not link attempts.
    assert_eq!(
        engine.handle(&say("telegram:6", "/start", 0)).replies[0].kind,
        ReplyKind::Info
    );
    let out = engine.handle(&say("telegram:6", "does it hurt", 0));
    assert_eq!(out.replies[0].kind, ReplyKind::Answer);
}

#[test]
fn a_message_delivered_again_after_a_crash_is_not_applied_twice() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let chat = ChatKey::parse("telegram:31").unwrap();
    let send = |text: &str, seq: u64| {
        let mut incoming = say("telegram:31", text, seq as i64);
        incoming.sequence = Some(seq);
        engine.handle(&incoming)
    };
    let question = |engine: &Engine<MemoryStore>| match engine.conversation(&chat).unwrap() {
        Some(Conversation {
            state: State::Screening(p),
            ..
        }) => p.answers.len(),
        other => panic!("not screening: {other:?}"),
    };
    send("/screen", 10);
    let first = send("yes", 11);
    assert_eq!(question(&engine), 1);
    // Update 11 again (the bot died before acknowledging it): the answer
    // is not applied to the next question, which is asked again.
    let again = send("yes", 11);
    assert_eq!(question(&engine), 1, "applied once");
    assert_eq!(
        again.replies.last().unwrap().question,
        first.replies.last().unwrap().question
    );
    send("no", 12);
    assert_eq!(question(&engine), 2);
    // Outside the screen a repeat gets no reply at all.
    let mut faq = say("telegram:32", "does it hurt", 1);
    faq.sequence = Some(7);
    assert_eq!(engine.handle(&faq).replies.len(), 1);
    assert!(engine.handle(&faq).replies.is_empty());
}

/// What members of a shared chat may send: questions, personal details,
/// "yes" and numbers (answers to whatever the bot offered), a real
/// appointment code, every command, every kind of button (the bot's and
/// forged ones), and anything at all.
/// `(true, id)` is a button press; `CODE` stands for the code.
fn shared_chat_input() -> impl proptest::strategy::Strategy<Value = (bool, String)> {
    use proptest::prelude::*;
    let words = prop::sample::select(vec![
        "do you do botox",
        "does it hurt?",
        "how long is a session",
        "my name is Ana and I take warfarin",
        "yes",
        "sí",
        "ok",
        "no",
        "1",
        "2",
        "3",
        "/screen",
        "/human",
        "/forget",
        "/back",
        "/restart",
        "/stop",
        "/confirm",
        "/cancel",
        "/start",
        "/start private",
        "/language es",
        "/help",
    ])
    .prop_map(|t| (false, t.to_owned()));
    let buttons = prop::sample::select(vec![
        "human",
        "no-thanks",
        "screen:start",
        "screen:back",
        "screen:stop",
        "ans:consent:yes",
        "ans:pregnant:no",
        "forget:yes",
        "forget:no",
        "topic:booking",
        "lang:es",
        "appt:confirm:x",
    ])
    .prop_map(|id| (true, id.to_owned()));
    prop_oneof![
        4 => words,
        2 => buttons,
        1 => Just((false, "CODE".to_owned())),
        1 => Just((false, "/start CODE".to_owned())),
        1 => "\\PC{0,30}".prop_map(|t| (false, t)),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn no_sequence_of_messages_in_a_shared_chat_opens_a_ticket_screen_link_or_deletion(
        messages in proptest::collection::vec(
            (0..3usize, shared_chat_input()),
            1..25,
        )
    ) {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let row = crate::appointments::NewAppointment {
            patient: "Ana Ruiz".into(),
            start: Timestamp::from_second(10_000_000).unwrap(),
            needling: true,
        };
        engine.import_appointments(std::slice::from_ref(&row)).unwrap();
        let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
        // Someone else's private conversation, which must survive.
        engine.handle(&say("telegram:42", "does it hurt", 1));
        let group = ChatKey::parse("telegram:-5001").unwrap();
        for (i, (member, (button, sent))) in messages.into_iter().enumerate() {
            let input = match button {
                true => Input::Choice(sent),
                false => Input::from_text(&sent.replace("CODE", &code)),
            };
            let out = engine.handle(&Incoming {
                chat: group.clone(),
                input,
                at: Timestamp::from_second(100 + i as i64).unwrap(),
                locale_hint: None,
                shared: true,
                display_name: Some(["Ana", "Ben", "Cy"][member].into()),
                sequence: None,
            });
            for reply in &out.replies {
                proptest::prop_assert!(
                    !matches!(reply.kind, ReplyKind::Handoff | ReplyKind::Question),
                    "{:?}", reply
                );
                proptest::prop_assert!(
                    reply.choices.iter().all(|c| c.id != "human" && c.id != "screen:start"),
                    "{:?}", reply
                );
            }
            let personal = out.staff.iter().any(|e| matches!(
                e,
                StaffEvent::HumanRequested { .. } | StaffEvent::ScreenCompleted { .. }
            ));
            proptest::prop_assert!(!personal, "{:?}", out.staff);
        }
        let keys: Vec<String> =
            engine.store().snapshot().unwrap().into_iter().map(|(k, _)| k).collect();
        for key in &keys {
            proptest::prop_assert!(
                !key.starts_with("ticket") && !key.starts_with("screen") && !key.starts_with("appt-chat/"),
                "{key}"
            );
        }
        proptest::prop_assert!(keys.iter().any(|k| k == "conv/telegram:42"), "nothing deleted");
        proptest::prop_assert_eq!(engine.appointment(&row.id()).unwrap().unwrap().chat, None);
        let state = engine.conversation(&group).unwrap().map(|c| c.state);
        proptest::prop_assert!(matches!(state, None | Some(State::Idle | State::Clarifying)), "{:?}", state);
    }
}

#[test]
fn the_desk_hears_which_kind_of_chat_a_ticket_came_from_and_staff_replies_never_reach_a_shared_one()
{
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = Timestamp::from_second(1_000).unwrap();
    let out = engine.handle(&say("telegram:78", "/human", 1));
    let post = crate::handoff::render::desk_text(&out.alerts[0].event);
    assert!(post.contains("from a private chat"), "{post}");

    // A ticket an older version opened in a group.
    let key = "ticket/0000000001";
    let mut ticket: crate::handoff::Ticket =
        serde_json::from_slice(&engine.store().get(key).unwrap().unwrap()).unwrap();
    ticket.shared = true;
    let mut batch = Batch::default();
    batch.put(key, serde_json::to_vec(&ticket).unwrap());
    engine.store().apply(batch).unwrap();

    let maria = maria_on_discord();
    engine
        .handle_staff(&maria, &StaffAction::Claim(1), now)
        .unwrap();
    let reply = engine
        .handle_staff(
            &maria,
            &StaffAction::Reply(1, "Your results are fine.".into()),
            now,
        )
        .unwrap();
    assert!(reply.to_patients.is_empty(), "{:?}", reply.to_patients);
    assert_eq!(reply.to_staff, [crate::handoff::render::SHARED_CHAT]);
}

#[test]
fn a_mistyped_or_unknown_link_code_is_told_invalid_and_not_kept_as_an_unanswered_question() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let invalid = &shipped().messages(Locale::En).link_invalid.clone();
    for (i, code) in ["KKD5-DKEJ-H8", "KKD5-DKEJ-H8X4", "ABCD-2345-EF"]
        .iter()
        .enumerate()
    {
        let out = engine.handle(&say("telegram:31", code, i as i64));
        assert_eq!(&out.replies[0].text, invalid, "{code}");
    }
    assert!(engine.unanswered().unwrap().is_empty());
    // A word of ten letters is still a question.
    let out = engine.handle(&say("telegram:31", "ACUPUNCTUR", 9));
    assert_ne!(&out.replies[0].text, invalid);
}

#[test]
fn a_typed_yes_label_or_number_answers_the_latest_prompt_whoever_made_it_and_never_an_older_one() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let chat = ChatKey::parse("telegram:41").unwrap();
    // The welcome's menu, then the forget question: "2" now means "No, keep it".
    let menu = engine.handle(&say("telegram:41", "/start", 1));
    assert!(menu.replies[0].choices.len() >= 2);
    let ask = engine.handle(&say("telegram:41", "/forget", 2));
    assert_eq!(ask.replies[0].choices.len(), 2);
    assert!(ask.replies[0].numbered, "its buttons can be typed");
    let kept = engine.handle(&say("telegram:41", "2", 3));
    assert_eq!(
        kept.replies[0].text,
        shipped().messages(Locale::En).forget_kept
    );
    // The forget question's answer is a reply without buttons: "2" presses
    // nothing any more, and is a message like any other.
    let stale = engine.handle(&say("telegram:41", "2", 4));
    assert_ne!(
        stale.replies[0].text,
        shipped().messages(Locale::En).forget_kept
    );
    assert!(
        stale.replies[0].topic.is_none() || stale.replies[0].kind != ReplyKind::Answer,
        "no menu topic from the old welcome: {stale:?}"
    );
    // A typed yes, in either language, or the label itself.
    for (i, yes) in ["yes", "sí", "Yes, delete it all"].into_iter().enumerate() {
        engine.handle(&say(
            "telegram:41",
            "what should I wear?",
            10 + i as i64 * 3,
        ));
        engine.handle(&say("telegram:41", "/forget", 11 + i as i64 * 3));
        let out = engine.handle(&say("telegram:41", yes, 12 + i as i64 * 3));
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).forgotten,
            "{yes}"
        );
        assert!(
            engine.conversation(&chat).unwrap().is_none(),
            "{yes}: all gone"
        );
    }
}

/// Runs the screen in `chat`: each question is answered with
/// `answer(question id, times it was asked)` until that says `None` or the
/// screen ends. Returns the questions asked, each with what answering it
/// brought (the first with the reply to /screen).
fn walk_screen(
    engine: &Engine<MemoryStore>,
    chat: &str,
    mut answer: impl FnMut(&str, usize) -> Option<&'static str>,
) -> Vec<(String, Response)> {
    let mut at = 0;
    let mut send = |text: &str| {
        at += 1;
        engine.handle(&say(chat, text, at))
    };
    let question = |out: &Response| out.replies.last().and_then(|r| r.question.clone());
    let mut walked: Vec<(String, Response)> = Vec::new();
    let mut out = send("/screen");
    while let Some(q) = question(&out) {
        let asked = walked.iter().filter(|(s, _)| *s == q).count() + 1;
        let Some(text) = answer(&q, asked).filter(|_| walked.len() < 80) else {
            break;
        };
        walked.push((q, out));
        out = send(text);
    }
    walked.push((String::new(), out));
    walked
}

#[test]
fn in_the_screen_no_im_a_man_skips_the_pregnancy_follow_ups_and_an_ambiguous_answer_keeps_the_language()
 {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let walked = walk_screen(&engine, "telegram:51", |q, asked| match q {
        _ if asked > 2 => None,
        "consent" => Some("yes"),
        "pregnant" => Some("no, I'm a man"),
        "metal_latex_allergy" if asked == 1 => Some("nickel, jewelry makes me itch"),
        _ => Some("no"),
    });
    for (q, out) in &walked {
        let english = out
            .replies
            .iter()
            .all(|r| crate::text::detect_locale(&r.text) != Some(Locale::Es));
        assert!(english, "at {q:?}: {:?}", out.replies);
    }
    let seen: Vec<&str> = walked.iter().map(|(q, _)| q.as_str()).collect();
    assert!(seen.contains(&"pregnant"), "{seen:?}");
    assert!(!seen.contains(&"trying_to_conceive"), "{seen:?}");
}

#[test]
fn back_typed_on_a_free_text_screen_question_is_the_answer_not_the_back_command() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let mut answered_where = false;
    let walked = walk_screen(&engine, "telegram:52", |q, _| match q {
        "consent" | "lymph" => Some("yes"),
        "lymph_where" if !answered_where => {
            answered_where = true;
            Some("back")
        }
        "lymph_where" => None,
        _ => Some("no"),
    });
    let seen: Vec<&str> = walked.iter().map(|(q, _)| q.as_str()).collect();
    let at = seen
        .iter()
        .position(|q| *q == "lymph_where")
        .expect("asked");
    let next = seen.get(at + 1).copied().unwrap_or_default();
    assert!(!["lymph", "lymph_where"].contains(&next), "{seen:?}");
}

#[test]
fn a_us_clinics_screen_reads_in_american_spelling() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let walked = walk_screen(&engine, "telegram:53", |q, _| {
        Some(if q == "consent" { "yes" } else { "no" })
    });
    let shown: String = walked
        .iter()
        .flat_map(|(_, out)| out.replies.iter().map(|r| format!("{}\n", r.text)))
        .collect();
    assert!(
        shown.contains("hemophilia") && shown.contains("lymphedema"),
        "{shown}"
    );
    assert!(!shown.contains("haemophilia") && !shown.contains("lymphoedema"));
}
