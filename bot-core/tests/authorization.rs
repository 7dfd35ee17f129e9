//! The authorisation matrix: every staff action, tried by a patient, by an
//! unknown user, by a staff member's account on the other platform, and by
//! configured staff. Only configured staff succeed, and a refusal changes
//! nothing in the store.

use std::path::Path;
use std::sync::Arc;

use frontdesk_core::handoff::{Actor, StaffAction, render};
use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, MemoryStore, Platform, Store};
use jiff::Timestamp;

fn engine() -> Engine<MemoryStore> {
    let faq = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq");
    Engine::new(MemoryStore::new(), Arc::new(Knowledge::load(&faq).unwrap()))
}

fn actor(platform: Platform, user_id: &str, roles: &[&str]) -> Actor {
    Actor {
        platform,
        user_id: user_id.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        display_name: "someone".into(),
    }
}

fn now() -> Timestamp {
    "2026-12-01T15:00:00Z".parse().unwrap()
}

/// A store with an open ticket (#1), a completed screen and an appointment.
fn busy_engine() -> (Engine<MemoryStore>, String) {
    let engine = engine();
    let say = |text: &str, second: i64| {
        engine.handle(&Incoming {
            chat: ChatKey::parse("telegram:9001").unwrap(),
            input: Input::from_text(text),
            at: now()
                .checked_add(jiff::SignedDuration::from_secs(second))
                .unwrap(),
            locale_hint: None,
            shared: false,
            display_name: Some("Pat".into()),
            sequence: None,
        })
    };
    let mut out = say("/screen", 0);
    let mut t = 0;
    while let Some(q) = out.replies.last().and_then(|r| r.question.clone()) {
        t += 1;
        out = say(if q == "consent" { "yes" } else { "no" }, t);
    }
    say("/human", 100);
    let row = frontdesk_core::appointments::NewAppointment {
        patient: "Pat".into(),
        start: "2026-12-02T15:00:00Z".parse().unwrap(),
        needling: true,
    };
    engine
        .import_appointments(std::slice::from_ref(&row))
        .unwrap();
    (engine, row.id())
}

fn every_action(appointment: &str) -> Vec<StaffAction> {
    vec![
        StaffAction::Claim(1),
        StaffAction::Reply(1, "hello".into()),
        StaffAction::Close(1),
        StaffAction::Queue,
        StaffAction::Screening(1),
        StaffAction::Appointments(None),
        StaffAction::Book {
            start: "2026-12-03 10:00".into(),
            patient: "Someone".into(),
            needling: true,
        },
        StaffAction::Unbook(appointment.to_owned()),
        StaffAction::Digest,
    ]
}

#[test]
fn only_configured_staff_can_take_any_staff_action() {
    let intruders = [
        ("the patient", actor(Platform::Telegram, "9001", &[])),
        (
            "an unknown Discord user",
            actor(Platform::Discord, "42", &[]),
        ),
        (
            "an unknown Telegram user",
            actor(Platform::Telegram, "42", &[]),
        ),
        // Maria's Telegram id presented on Discord, and James's Discord id on Telegram.
        (
            "Maria's Telegram id on Discord",
            actor(Platform::Discord, "5000001", &[]),
        ),
        (
            "James's Discord id on Telegram",
            actor(Platform::Telegram, "1300000000000000012", &[]),
        ),
        (
            "a staff role on Telegram",
            actor(Platform::Telegram, "43", &["1300000000000000002"]),
        ),
        // (A terminal user is staff: they run the bot on the data folder.)
    ];
    let (engine, appointment) = busy_engine();
    let before = engine.store().scan_prefix("").unwrap();
    for (who, intruder) in &intruders {
        for action in every_action(&appointment) {
            let out = engine.handle_staff(intruder, &action, now()).unwrap();
            assert_eq!(out.to_staff, [render::NOT_STAFF], "{who}: {action:?}");
            assert!(out.private.is_empty() && out.to_patients.is_empty() && out.desk.is_empty());
            assert_eq!(
                engine.store().scan_prefix("").unwrap(),
                before,
                "{who}: {action:?} changed the store"
            );
        }
    }
    let staff = [
        (
            "Maria on Telegram",
            actor(Platform::Telegram, "5000001", &[]),
        ),
        (
            "Maria on Discord",
            actor(Platform::Discord, "1300000000000000011", &[]),
        ),
        (
            "a staff role on Discord",
            actor(Platform::Discord, "44", &["1300000000000000002"]),
        ),
    ];
    for (who, member) in &staff {
        let (engine, appointment) = busy_engine();
        for action in every_action(&appointment) {
            let out = engine.handle_staff(member, &action, now()).unwrap();
            assert!(
                !out.to_staff.iter().any(|t| t == render::NOT_STAFF),
                "{who} refused {action:?}"
            );
        }
    }
}

#[test]
fn staff_commands_typed_in_a_patients_chat_are_not_staff_actions() {
    let (engine, _) = busy_engine();
    let before = engine.store().scan_prefix("ticket/").unwrap();
    for command in [
        "/claim 1",
        "/close 1",
        "/reply 1 hi",
        "/queue",
        "/digest",
        "/book 2026-12-03 10:00 X",
        "/screening 1",
    ] {
        let out = engine.handle(&Incoming {
            chat: ChatKey::parse("discord:77").unwrap(),
            input: Input::from_text(command),
            at: now(),
            locale_hint: None,
            shared: false,
            display_name: None,
            sequence: None,
        });
        assert!(out.desk.is_empty(), "{command}");
        assert!(
            out.replies.iter().all(|r| !r.text.contains("ticket")),
            "{command}"
        );
    }
    assert_eq!(engine.store().scan_prefix("ticket/").unwrap(), before);
    assert_eq!(engine.appointments().unwrap().len(), 1);
}

/// "Forget another patient" has no chat command (staff use `frontdesk
/// forget` on the clinic's machine): `/forget` with someone's chat as an
/// argument, or a forged confirmation button, from another patient or from
/// a public group, deletes nothing of theirs.
#[test]
fn nobody_in_a_chat_can_forget_another_patient() {
    let (engine, _) = busy_engine();
    let before = engine.store().scan_prefix("").unwrap();
    let victim = |store: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
        store
            .iter()
            .filter(|(k, _)| k.contains("9001"))
            .cloned()
            .collect()
    };
    assert!(!victim(&before).is_empty());
    let chats = [
        ("another patient", "discord:77", false),
        ("a public group", "telegram:-1009999", true),
    ];
    let attempts = [
        Input::from_text("/forget telegram:9001"),
        Input::from_text("/forget 9001"),
        Input::Choice(frontdesk_core::engine::FORGET_YES.into()),
    ];
    for (who, chat, shared) in chats {
        for input in &attempts {
            engine.handle(&Incoming {
                chat: ChatKey::parse(chat).unwrap(),
                input: input.clone(),
                at: now(),
                locale_hint: None,
                shared,
                display_name: Some("Maria".into()),
                sequence: None,
            });
            let after = engine.store().scan_prefix("").unwrap();
            assert_eq!(victim(&after), victim(&before), "{who}: {input:?}");
        }
    }
}
