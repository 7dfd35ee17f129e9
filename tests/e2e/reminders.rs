//! Appointments end to end on both fakes under a fake clock: a patient links
//! their chat, gets a reminder, starts the screen from its button, finishes
//! it, and the next reminder no longer asks for it. Staff get the digest.

use std::sync::Arc;

use frontdesk_core::appointments::{NewAppointment, parse_local};
use frontdesk_core::{Clock, ManualClock};
use frontdesk_testkit::discord::DiscordUser;
use frontdesk_testkit::telegram::User;

use crate::handoff::{Both, DISCORD_DESK, TELEGRAM_DESK, spawn_both_at};
use crate::helpers::{ScreenMove, next_screen_move, settled};

fn local(text: &str) -> jiff::Timestamp {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    parse_local(text, &tz).unwrap()
}

/// Books a needling visit and returns its link code.
fn book(both: &Both, patient: &str, start: &str) -> String {
    let row = NewAppointment {
        patient: patient.into(),
        start: local(start),
        needling: true,
    };
    let engine = both.engine();
    engine
        .import_appointments(std::slice::from_ref(&row))
        .unwrap();
    engine.appointment(&row.id()).unwrap().unwrap().link_code
}

const SCREEN: &str = "screen:start";

fn confirm_button(buttons: &[String]) -> Option<String> {
    buttons
        .iter()
        .find(|b| b.starts_with("appt:confirm:"))
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_patients_on_both_platforms_are_reminded_until_their_screen_is_done() {
    let clock = Arc::new(ManualClock::new(local("2026-11-25 10:00")));
    let mut both = spawn_both_at(clock.clone() as Arc<dyn Clock>).await;
    let ana = User::new(401, "Ana");
    let sam = DiscordUser::new(4401, "sam");
    let ana_code = book(&both, "Ana Ruiz", "2026-12-04 14:00");
    let sam_code = book(&both, "Sam Lee", "2026-12-04 15:00");

    // Ana opens the deep link t.me/<bot>?start=CODE; Sam types the code.
    both.telegram.user_says(&ana, &format!("/start {ana_code}"));
    let linked = both.telegram.next_to(ana.id, 0).await;
    assert!(
        linked.plain_text().contains("Friday, December 4, 2:00 PM"),
        "{}",
        linked.text
    );
    let dm = both.discord.user_dm(&sam, &sam_code.to_lowercase());
    let linked = both.discord.next_to(dm, 0).await;
    assert!(
        linked.shown().contains("Friday, December 4, 3:00 PM"),
        "{}",
        linked.content
    );

    // Three days before: a reminder with the screen button, on each platform.
    clock.set(local("2026-12-01 14:00"));
    both.tick().await;
    let reminder = both.telegram.next_to(ana.id, 1).await;
    assert!(
        reminder.plain_text().contains("1200 Harbor View Drive"),
        "{}",
        reminder.text
    );
    assert!(
        reminder.buttons().contains(&SCREEN.to_owned()),
        "{:?}",
        reminder.buttons()
    );
    assert!(confirm_button(&reminder.buttons()).is_some());
    clock.set(local("2026-12-01 15:00"));
    both.tick().await;
    let sam_reminder = both.discord.next_to(dm, 1).await;
    assert!(sam_reminder.buttons().contains(&SCREEN.to_owned()));

    // Ana taps the button and answers the screen with buttons.
    let before = both.telegram.sent_to(ana.id).len();
    both.telegram.user_presses(&ana, &reminder, SCREEN);
    let mut last = both.telegram.next_to(ana.id, before).await;
    for _ in 0..60 {
        let before = both.telegram.sent_to(ana.id).len();
        match next_screen_move(&last.buttons(), &[]) {
            ScreenMove::Press(id) => both.telegram.user_presses(&ana, &last, &id),
            ScreenMove::Type(text) => both.telegram.user_says(&ana, text),
            ScreenMove::Done => break,
        }
        last = both.telegram.next_to(ana.id, before).await;
    }
    assert!(
        last.plain_text()
            .contains("Nothing you told us needs checking"),
        "{}",
        last.text
    );

    // Sam does the same on Discord.
    let before = both.discord.sent_to(dm).len();
    both.discord.press(&sam, &sam_reminder, SCREEN);
    let mut last = both.discord.next_to(dm, before).await;
    for _ in 0..60 {
        let before = both.discord.sent_to(dm).len();
        match next_screen_move(&last.buttons(), &[]) {
            ScreenMove::Press(id) => both.discord.press(&sam, &last, &id),
            ScreenMove::Type(text) => {
                both.discord.user_dm(&sam, text);
            }
            ScreenMove::Done => break,
        }
        last = both.discord.next_to(dm, before).await;
    }
    assert!(
        last.shown().contains("Nothing you told us needs checking"),
        "{}",
        last.content
    );

    // One day before: reminders without the screen prompt.
    clock.set(local("2026-12-03 15:00"));
    let ana_seen = both.telegram.sent_to(ana.id).len();
    let sam_seen = both.discord.sent_to(dm).len();
    both.tick().await;
    let next = both.telegram.next_to(ana.id, ana_seen).await;
    assert!(
        next.plain_text().starts_with("Reminder from"),
        "{}",
        next.text
    );
    assert!(
        !next.buttons().contains(&SCREEN.to_owned()),
        "{:?}",
        next.buttons()
    );
    let sam_next = both.discord.next_to(dm, sam_seen).await;
    assert!(!sam_next.buttons().contains(&SCREEN.to_owned()));

    // Ana confirms from the reminder.
    both.telegram
        .user_presses(&ana, &next, &confirm_button(&next.buttons()).unwrap());
    let thanks = both.telegram.next_to(ana.id, ana_seen + 1).await;
    assert!(
        thanks
            .plain_text()
            .contains("See you on Friday, December 4"),
        "{}",
        thanks.text
    );

    // Friday 07:30, half an hour before opening: the digest on both desks.
    clock.set(local("2026-12-04 07:30"));
    let desk_seen = both.discord.sent_to(DISCORD_DESK).len();
    let tg_desk_seen = both.telegram.sent_to(TELEGRAM_DESK).len();
    both.tick().await;
    let digest = both.discord.next_to(DISCORD_DESK, desk_seen).await;
    assert_eq!(
        digest.shown(),
        "Appointments today, Friday, December 4:\n2:00 PM Ana Ruiz: no flags, confirmed\n3:00 PM Sam Lee: no flags"
    );
    let on_telegram = both.telegram.next_to(TELEGRAM_DESK, tg_desk_seen).await;
    assert_eq!(on_telegram.plain_text(), digest.shown());
    // Nothing is sent twice: another tick at the same moment sends nothing.
    assert_eq!(both.tick().await, 0);
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_decided_before_a_restart_is_not_sent_again_after_it() {
    let clock = Arc::new(ManualClock::new(local("2026-11-25 10:00")));
    let mut both = spawn_both_at(clock.clone() as Arc<dyn Clock>).await;
    let ana = User::new(402, "Ana");
    let code = book(&both, "Ana Ruiz", "2026-12-04 14:00");
    both.telegram.user_says(&ana, &format!("/start {code}"));
    both.telegram.next_to(ana.id, 0).await;
    clock.set(local("2026-12-01 14:00"));
    both.tick().await;
    let first = both.telegram.next_to(ana.id, 1).await;
    assert!(first.plain_text().contains("Before your visit:"));

    both.stop().await;
    both.start().await;
    // The same moment again: decided before the restart, so nothing goes.
    both.tick().await;
    // Down until 90 minutes before the visit: the 1-day reminder is stale,
    // the 2-hour one is still useful and goes once.
    clock.set(local("2026-12-04 12:30"));
    both.tick().await;
    both.tick().await;
    both.telegram.next_to(ana.id, 2).await;
    settled(|| both.telegram.sent_to(ana.id).len()).await;
    let sent = both.telegram.sent_to(ana.id);
    assert_eq!(sent.len(), 3, "the link reply and two reminders");
    assert!(sent[2].plain_text().contains("Friday, December 4, 2:00 PM"));
    assert!(
        !sent[2].plain_text().contains("Before your visit:"),
        "not the first again"
    );
    // Stopped cleanly, so the platform had taken it: nothing is in doubt.
    assert!(
        !both
            .telegram
            .sent_to(TELEGRAM_DESK)
            .iter()
            .any(|m| m.plain_text().contains("may not have arrived"))
    );
    both.stop().await;
}
