//! Appointments through the engine: imports, links, reminders, the digest.

use super::*;
use crate::chat::Input;
use crate::handoff::Actor;
use crate::store::{MemoryStore, SledStore};
use crate::testing::shipped;

fn at(local: &str) -> Timestamp {
    parse_local(local, &shipped().clinic.time_zone).unwrap()
}

fn message(chat: &str, input: Input, now: Timestamp) -> Incoming {
    Incoming {
        chat: ChatKey::parse(chat).unwrap(),
        input,
        at: now,
        locale_hint: None,
        shared: false,
        display_name: Some("Ana".into()),
        sequence: None,
    }
}

fn say(chat: &str, text: &str, now: Timestamp) -> Incoming {
    message(chat, Input::from_text(text), now)
}

fn press(chat: &str, id: &str, now: Timestamp) -> Incoming {
    message(chat, Input::Choice(id.to_owned()), now)
}

/// Books a needling visit and links `chat` to it at `now`.
fn booked_and_linked<S: Store>(
    engine: &Engine<S>,
    chat: &str,
    start: &str,
    now: Timestamp,
) -> Appointment {
    let row = NewAppointment {
        patient: "Ana Ruiz".into(),
        start: at(start),
        needling: true,
    };
    engine
        .import_appointments(std::slice::from_ref(&row))
        .unwrap();
    let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
    let out = engine.handle(&say(chat, &format!("/start {code}"), now));
    assert!(out.replies[0].text.contains("linked"), "{out:?}");
    engine.appointment(&row.id()).unwrap().unwrap()
}

/// Ticks every 10 minutes from `from` to `to`; returns the reminders
/// sent, with the clinic-local time they went.
fn run<S: Store>(engine: &Engine<S>, from: Timestamp, to: Timestamp) -> Vec<(String, Reply)> {
    let tz = shipped().clinic.time_zone.clone();
    let mut sent = Vec::new();
    let mut now = from;
    while now <= to {
        for d in engine.due_reminders(now, &|_| true).unwrap() {
            if let Delivery::ToChat { reply, .. } = d {
                let local = now.to_zoned(tz.clone()).strftime("%a %H:%M %Z").to_string();
                sent.push((local, reply));
            }
        }
        now = now
            .checked_add(jiff::SignedDuration::from_mins(10))
            .unwrap();
    }
    sent
}

fn has_screen_button(reply: &Reply) -> bool {
    reply
        .choices
        .iter()
        .any(|c| c.id == Action::ScreenStart.id())
}

#[test]
fn reminders_go_at_the_right_local_times_across_the_dst_change() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    // Clocks go back at 02:00 on Sunday 1 November 2026.
    booked_and_linked(
        &engine,
        "telegram:1",
        "2026-11-03 09:00",
        at("2026-10-20 10:00"),
    );
    let sent = run(&engine, at("2026-10-20 10:00"), at("2026-11-03 09:00"));
    let times: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
    // The 2-hour reminder (07:00) waits for the end of quiet hours.
    assert_eq!(times, ["Sat 09:00 EDT", "Mon 09:00 EST", "Tue 08:00 EST"]);
    let (_, first) = &sent[0];
    assert_eq!(first.kind, ReplyKind::Reminder);
    assert!(
        first.text.contains("Tuesday, November 3, 9:00 AM"),
        "{}",
        first.text
    );
    assert!(first.text.contains("1200 Harbor View Drive"), "where");
    assert!(
        first.text.contains("Loose, comfortable clothes"),
        "what to wear"
    );
    assert!(first.text.contains("light meal"), "what to eat");
    assert!(!sent[1].1.text.contains("light meal"), "tips once only");
}

#[test]
fn a_visit_on_a_closed_day_gets_no_reminder_and_the_desk_is_told_once() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    // Christmas Day 2026 is a closure of the shipped clinic.
    booked_and_linked(
        &engine,
        "telegram:9",
        "2026-12-25 10:00",
        at("2026-12-15 10:00"),
    );
    let mut notices = Vec::new();
    let mut reminders = 0;
    let mut now = at("2026-12-15 10:00");
    while now <= at("2026-12-25 10:00") {
        for d in engine.due_reminders(now, &|_| true).unwrap() {
            match d {
                Delivery::Desk { event, .. } => notices.push(desk_text(&event)),
                Delivery::ToChat { .. } => reminders += 1,
            }
        }
        now = now
            .checked_add(jiff::SignedDuration::from_mins(10))
            .unwrap();
    }
    assert_eq!(reminders, 0, "no reminder to come in on a closed day");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("Ana Ruiz") && notices[0].contains("closed for Christmas Day"),
        "{}",
        notices[0]
    );
    // The day after is an ordinary day: its visit is reminded as before.
    booked_and_linked(
        &engine,
        "telegram:10",
        "2026-12-28 10:00",
        at("2026-12-20 10:00"),
    );
    let sent = run(&engine, at("2026-12-20 10:00"), at("2026-12-28 10:00"));
    assert!(!sent.is_empty());
}

#[test]
fn the_screen_prompt_is_dropped_once_the_screen_is_done() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let chat = "telegram:2";
    booked_and_linked(&engine, chat, "2026-12-04 15:00", at("2026-11-25 10:00"));
    let sent = run(&engine, at("2026-11-25 10:00"), at("2026-12-02 10:00"));
    assert_eq!(sent.len(), 1);
    assert!(has_screen_button(&sent[0].1), "screen not done yet");
    // The patient completes the screen.
    let mut now = at("2026-12-02 10:00");
    let mut out = engine.handle(&press(chat, &Action::ScreenStart.id(), now));
    while let Some(q) = out.replies.last().and_then(|r| r.question.clone()) {
        now = now.checked_add(jiff::SignedDuration::from_secs(5)).unwrap();
        let answer = if q == "consent" { "yes" } else { "no" };
        out = engine.handle(&say(chat, answer, now));
    }
    let sent = run(&engine, now, at("2026-12-04 15:00"));
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|(_, r)| !has_screen_button(r)));
    assert!(
        !sent[0].1.text.contains("health questions"),
        "{}",
        sent[0].1.text
    );
}

#[test]
fn after_downtime_the_useful_reminder_is_sent_and_the_stale_one_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let a = booked_and_linked(
            &engine,
            "discord:3",
            "2026-12-04 15:00",
            at("2026-11-25 10:00"),
        );
        assert_eq!(
            run(&engine, at("2026-11-25 10:00"), at("2026-12-01 16:00")).len(),
            1
        );
        a.id
    };
    // Down from Tuesday until 90 minutes before the visit on Friday.
    let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
    let sent = run(&engine, at("2026-12-04 13:30"), at("2026-12-04 15:00"));
    assert_eq!(sent.len(), 1, "only the 2-hour reminder");
    assert_eq!(sent[0].0, "Fri 13:30 EST");
    let marks = engine.appointment(&id).unwrap().unwrap().reminders;
    assert_eq!(
        marks.get("P1D"),
        Some(&Mark::Skipped {
            at: at("2026-12-04 13:30"),
            why: SkipReason::Superseded
        })
    );
}

#[test]
fn a_crash_between_deciding_and_sending_never_sends_the_reminder_twice() {
    let dir = tempfile::tempdir().unwrap();
    let now = at("2026-12-01 15:00");
    {
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        booked_and_linked(
            &engine,
            "telegram:4",
            "2026-12-04 15:00",
            at("2026-11-25 10:00"),
        );
        let decided = engine.due_reminders(now, &|_| true).unwrap();
        assert_eq!(decided.len(), 1);
        // The process dies here: the reminder is never handed over.
        drop(decided);
    }
    let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
    // Not sent again; the desks are told it may not have arrived, once.
    let after = engine.due_reminders(now, &|_| true).unwrap();
    assert!(
        matches!(&after[..], [Delivery::Desk { event: DeskEvent::ReminderInDoubt { when, .. }, .. }] if when == "Fri Dec 4 2026, 3:00 PM"),
        "{after:?}"
    );
    assert!(engine.due_reminders(now, &|_| true).unwrap().is_empty());
    let id = engine.appointments().unwrap()[0].id.clone();
    let marks = engine.appointment(&id).unwrap().unwrap().reminders;
    assert!(
        matches!(marks.get("P3D"), Some(Mark::InDoubt { .. })),
        "{marks:?}"
    );
    let sent = run(&engine, now, at("2026-12-04 15:00"));
    let times: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        times,
        ["Thu 15:00 EST", "Fri 13:00 EST"],
        "the later ones, once each"
    );
}

#[test]
fn a_reminder_the_platform_took_is_marked_sent_and_never_doubted_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let now = at("2026-12-01 15:00");
    {
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        booked_and_linked(
            &engine,
            "telegram:4",
            "2026-12-04 15:00",
            at("2026-11-25 10:00"),
        );
        let decided = engine.due_reminders(now, &|_| true).unwrap();
        let [
            Delivery::ToChat {
                receipt: Some(receipt),
                ..
            },
        ] = &decided[..]
        else {
            panic!("one reminder with a receipt: {decided:?}");
        };
        engine.delivered(receipt, now).unwrap();
        // A second receipt (a retry's) changes nothing.
        engine.delivered(receipt, at("2026-12-01 15:05")).unwrap();
        let id = engine.appointments().unwrap()[0].id.clone();
        let marks = engine.appointment(&id).unwrap().unwrap().reminders;
        assert_eq!(marks.get("P3D"), Some(&Mark::Sent { at: now }));
    }
    let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
    assert!(engine.due_reminders(now, &|_| true).unwrap().is_empty());
}

#[test]
fn reminders_wait_while_no_adapter_serves_the_patients_platform() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    booked_and_linked(
        &engine,
        "discord:5",
        "2026-12-04 15:00",
        at("2026-11-25 10:00"),
    );
    let now = at("2026-12-01 15:00");
    let telegram_only = |p: Platform| p == Platform::Telegram;
    assert!(
        engine
            .due_reminders(now, &telegram_only)
            .unwrap()
            .is_empty()
    );
    assert_eq!(engine.due_reminders(now, &|_| true).unwrap().len(), 1);
}

#[test]
fn a_patient_confirms_cancels_or_asks_to_reschedule_and_staff_hear_of_it() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = at("2026-12-01 15:00");
    let a = booked_and_linked(
        &engine,
        "telegram:6",
        "2026-12-04 15:00",
        at("2026-11-25 10:00"),
    );

    let out = engine.handle(&press(
        "telegram:6",
        &PatientAction::Confirm.button_id(&a.id),
        now,
    ));
    assert!(
        out.replies[0]
            .text
            .contains("See you on Friday, December 4, 3:00 PM")
    );
    assert!(out.desk.is_empty());
    assert!(
        engine
            .appointment(&a.id)
            .unwrap()
            .unwrap()
            .confirmed
            .is_some()
    );

    // Someone else's chat cannot act on it, even with the right id.
    let out = engine.handle(&press(
        "telegram:99",
        &PatientAction::CancelConfirmed.button_id(&a.id),
        now,
    ));
    assert_eq!(
        out.replies[0].text,
        shipped().messages(Locale::En).no_appointment
    );
    assert_eq!(
        engine.appointment(&a.id).unwrap().unwrap().status,
        Status::Booked
    );

    // Cancel asks first; "keep" keeps it.
    let out = engine.handle(&say("telegram:6", "/cancel", now));
    let ids: Vec<&str> = out.replies[0]
        .choices
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            PatientAction::CancelConfirmed.button_id(&a.id),
            PatientAction::Keep.button_id(&a.id)
        ]
    );
    engine.handle(&press("telegram:6", ids[1], now));
    assert_eq!(
        engine.appointment(&a.id).unwrap().unwrap().status,
        Status::Booked
    );

    // Reschedule: the team gets a ticket and the patient a person.
    let out = engine.handle(&say("telegram:6", "/reschedule", now));
    assert!(matches!(
        &out.desk_events().collect::<Vec<_>>()[..],
        [DeskEvent::Opened { reason: crate::chat::HandoffReason::Reschedule, recent, .. }]
            if recent.last().is_some_and(|r| r.contains("Friday, December 4"))
    ));
    let conv = engine
        .conversation(&ChatKey::parse("telegram:6").unwrap())
        .unwrap()
        .unwrap();
    assert!(conv.state.is_handed_off());

    // Cancel for good: the desks are told.
    let out = engine.handle(&press(
        "telegram:6",
        &PatientAction::CancelConfirmed.button_id(&a.id),
        now,
    ));
    assert!(out.replies[0].text.contains("is cancelled"));
    assert!(matches!(
        &out.desk[..],
        [DeskEvent::AppointmentCancelled { when, .. }] if when == "Fri Dec 4 2026, 3:00 PM"
    ));
    assert_eq!(
        engine.appointment(&a.id).unwrap().unwrap().status,
        Status::Cancelled
    );
    // No reminders for a cancelled visit.
    assert!(run(&engine, now, at("2026-12-04 15:00")).is_empty());
}

#[test]
fn the_digest_lists_todays_visits_with_screen_status_once_before_opening() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let linked = "2026-11-25 10:00";
    booked_and_linked(&engine, "telegram:7", "2026-12-07 09:00", at(linked));
    let not_linked = NewAppointment {
        patient: "Ben Li".into(),
        start: at("2026-12-07 11:30"),
        needling: false,
    };
    let other_day = NewAppointment {
        patient: "Cam Ode".into(),
        start: at("2026-12-08 09:00"),
        needling: true,
    };
    engine
        .import_appointments(&[not_linked, other_day])
        .unwrap();
    // The patient starts the screen but does not finish it.
    engine.handle(&say("telegram:7", "/screen", at("2026-12-06 20:00")));

    // Monday: the desk opens at 08:00, the digest is due at 07:30.
    assert_eq!(engine.due_digest(at("2026-12-07 07:29")).unwrap(), None);
    let Some(DeskEvent::Digest { day, lines }) = engine.due_digest(at("2026-12-07 07:30")).unwrap()
    else {
        panic!("a digest at 07:30")
    };
    assert_eq!(day, "Monday, December 7");
    let text: Vec<String> = lines.iter().map(digest_line).collect();
    assert_eq!(
        text,
        [
            "9:00 AM Ana Ruiz: screen in progress",
            "11:30 AM Ben Li: no needling"
        ]
    );
    assert_eq!(
        engine.due_digest(at("2026-12-07 09:00")).unwrap(),
        None,
        "once a day"
    );
    // Sunday the clinic is closed: no digest.
    assert_eq!(engine.due_digest(at("2026-12-06 09:00")).unwrap(), None);
}

#[test]
fn staff_book_list_and_unbook_at_the_desk_and_others_are_refused() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = at("2026-12-01 10:00");
    let maria = Actor {
        platform: Platform::Telegram,
        user_id: "5000001".into(),
        roles: Vec::new(),
        display_name: "Maria".into(),
    };
    let stranger = Actor {
        user_id: "42".into(),
        ..maria.clone()
    };
    let book = crate::handoff::parse_staff_command("/book 2026-12-02 09:30 Ana Ruiz").unwrap();
    let out = engine.handle_staff(&stranger, &book, now).unwrap();
    assert_eq!(out.to_staff, [render::NOT_STAFF]);
    assert!(engine.appointments().unwrap().is_empty());

    let out = engine.handle_staff(&maria, &book, now).unwrap();
    let a = &engine.appointments().unwrap()[0];
    assert!(out.to_staff[0].contains(&a.link_code), "{:?}", out.to_staff);
    let list = StaffAction::Appointments(Some("tomorrow".into()));
    let out = engine.handle_staff(&maria, &list, now).unwrap();
    assert!(
        out.to_staff[0].starts_with("Wed Dec 2 2026, 9:30 AM Ana Ruiz: chat not linked"),
        "{:?}",
        out.to_staff
    );
    let bad = StaffAction::Book {
        start: "2026-03-08 02:30".into(),
        patient: "X".into(),
        needling: true,
    };
    let out = engine.handle_staff(&maria, &bad, now).unwrap();
    assert!(
        out.to_staff[0].contains("does not exist"),
        "{:?}",
        out.to_staff
    );
    let out = engine
        .handle_staff(&maria, &StaffAction::Unbook(a.id.clone()), now)
        .unwrap();
    assert!(out.to_staff[0].starts_with("Cancelled"));
    assert_eq!(
        engine.appointment(&a.id).unwrap().unwrap().status,
        Status::Cancelled
    );
}

#[test]
fn a_moved_visit_keeps_its_patient_code_and_chat_and_its_reminders_go_at_the_new_time() {
    let engine = Engine::new(MemoryStore::new(), shipped());
    let now = at("2026-12-01 09:00");
    let visit = booked_and_linked(&engine, "telegram:71", "2026-12-03 10:00", now);
    let Moved::To(moved) = engine
        .move_appointment(&visit.id, at("2026-12-08 15:00"), now)
        .unwrap()
    else {
        panic!("not moved")
    };
    assert_eq!(
        engine.appointment(&visit.id).unwrap(),
        None,
        "the old time is gone"
    );
    assert_eq!(engine.appointments().unwrap(), std::slice::from_ref(&moved));
    assert_eq!(
        (
            &moved.patient,
            &moved.link_code,
            &moved.chat,
            moved.needling
        ),
        (
            &visit.patient,
            &visit.link_code,
            &visit.chat,
            visit.needling
        )
    );
    let same_row = NewAppointment {
        patient: "Ana Ruiz".into(),
        start: at("2026-12-08 15:00"),
        needling: true,
    };
    assert_eq!(
        moved.id,
        same_row.id(),
        "the calendar's next export is the same visit"
    );
    // No reminder for the old time; the day-before one for the new.
    assert!(run(&engine, now, at("2026-12-03 10:00")).is_empty());
    let sent = run(&engine, at("2026-12-06 09:00"), at("2026-12-08 15:00"));
    assert!(!sent.is_empty(), "reminders for the new time");
    assert!(
        sent.iter()
            .all(|(_, r)| r.text.contains("December 8, 3:00 PM")),
        "{sent:?}"
    );

    let earlier = engine.move_appointment(&moved.id, at("2026-11-30 09:00"), now);
    assert_eq!(earlier.unwrap(), Moved::Past);
    engine.cancel_appointment(&moved.id).unwrap();
    let cancelled = engine.move_appointment(&moved.id, at("2026-12-09 09:00"), now);
    assert_eq!(cancelled.unwrap(), Moved::NotBooked);
    assert_eq!(
        engine
            .move_appointment("a0000", at("2026-12-09 09:00"), now)
            .unwrap(),
        Moved::NotFound
    );
}
