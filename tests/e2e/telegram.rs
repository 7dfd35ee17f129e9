//! The real Telegram adapter (teloxide) against the fake Bot API on loopback.

use std::time::Duration;

use frontdesk_testkit::telegram::{self, FakeTelegram, Fault, Sent, User};

use crate::handoff::TELEGRAM_DESK;
use crate::helpers::{
    ScreenMove, TelegramBot, next_screen_move, spawn_bot, spawn_telegram_bot,
    spawn_telegram_bot_with,
};

/// The patient asks for a person and `staff` claims the ticket (#1, the
/// first of this bot's) from the desk group.
async fn claimed_by(bot: &TelegramBot, patient: &User, staff: &User) {
    bot.ask(patient, "/human").await;
    let post = bot.fake.next_to(TELEGRAM_DESK, 0).await;
    bot.fake.user_presses(staff, &post, "desk:claim:1");
    bot.fake.next_to(TELEGRAM_DESK, 1).await;
}

/// Answers a whole screen by pressing buttons ("no" unless told otherwise).
async fn screen_by_buttons(bot: &TelegramBot, user: &User, yes_to: &[&str]) -> Sent {
    let mut last = bot.ask(user, "/screen").await;
    for _ in 0..60 {
        last = match next_screen_move(&last.buttons(), yes_to) {
            ScreenMove::Press(id) => bot.press(user, &last, &id).await,
            ScreenMove::Type(text) => bot.ask(user, text).await,
            ScreenMove::Done => return last,
        };
    }
    panic!("the screen did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faq_question_gets_its_answer_in_html_with_the_commands_menu_set() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(101, "Pat");
    let reply = bot.ask(&pat, "does dry needling hurt?").await;
    assert!(
        reply.plain_text().contains("needles are very fine"),
        "{}",
        reply.text
    );
    assert_eq!(reply.parse_mode.as_deref(), Some("HTML"));
    assert!(reply.buttons().iter().all(|b| b.starts_with("topic:")));

    let menus = bot.fake.commands();
    assert_eq!(menus.len(), 2, "English and Spanish menus");
    let names: Vec<&str> = menus[0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["start", "help", "screen", "human", "language"]);
    assert_eq!(menus[1]["language_code"], "es");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clarify_question_is_answered_by_button_and_the_keyboard_is_removed() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(102, "Pat");
    let clarify = bot.ask(&pat, "how long").await;
    let topic = clarify
        .buttons()
        .into_iter()
        .find(|b| b.starts_with("topic:"))
        .unwrap();
    let answer = bot.press(&pat, &clarify, &topic).await;
    assert!(!answer.text.is_empty());
    // Both are best effort, made beside the reply: wait for them to land.
    crate::helpers::settled(|| bot.fake.callback_answers().len() + bot.fake.edits().len()).await;
    assert_eq!(
        bot.fake.callback_answers().len(),
        1,
        "the callback was answered"
    );
    let edits = bot.fake.edits();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].message_id, clarify.message_id);
    assert!(
        edits[0].buttons().is_empty(),
        "the pressed keyboard is gone"
    );

    // A forged or late press of an answer to no current question changes
    // nothing and is answered politely.
    let stale = bot.press(&pat, &clarify, "ans:consent:yes").await;
    crate::helpers::settled(|| bot.fake.callback_answers().len()).await;
    assert_eq!(bot.fake.callback_answers().len(), 2);
    assert!(
        stale.plain_text().contains("no longer active"),
        "{}",
        stale.text
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_gets_the_call_911_answer_at_once() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(103, "Pat");
    let reply = bot
        .ask(&pat, "I had needling this morning and now I can't breathe")
        .await;
    assert!(
        reply.plain_text().starts_with("Call 911 now"),
        "{}",
        reply.text
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_screen_by_buttons_ends_in_clinician_review_for_blood_thinners() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(104, "Pat");
    let last = screen_by_buttons(&bot, &pat, &["blood_thinners"]).await;
    assert!(
        last.plain_text()
            .contains("A clinician will read your answers"),
        "{}",
        last.text
    );
    // Every press was answered and its keyboard removed (beside the
    // replies: waited for).
    crate::helpers::settled(|| bot.fake.callback_answers().len() + bot.fake.edits().len()).await;
    assert_eq!(bot.fake.callback_answers().len(), bot.fake.edits().len());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_screen_typed_in_spanish_ends_in_needling_declined() {
    let mut bot = spawn_telegram_bot().await;
    let ana = User::new(105, "Ana").speaking("es");
    let mut last = bot.ask(&ana, "/screen").await;
    assert!(last.plain_text().contains("¿Empezamos?"), "{}", last.text);
    let mut answered = 0;
    while last.buttons().contains(&"screen:stop".to_owned()) {
        let q = last.buttons()[0]
            .split(':')
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let answer = match q.as_str() {
            "consent" => "sí, claro",
            "needle_fear" => "sí",
            _ => "no",
        };
        last = bot.ask(&ana, answer).await;
        answered += 1;
        assert!(answered < 60);
    }
    assert!(
        last.plain_text().contains("no planificaremos punción seca"),
        "{}",
        last.text
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_stopped_mid_screen_resumes_at_the_same_question_on_the_same_data() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(106, "Pat");
    let consent = bot.ask(&pat, "/screen").await;
    let first = bot.press(&pat, &consent, "ans:consent:yes").await;
    let second = bot.press(&pat, &first, "ans:red_flags_now:no").await;
    assert!(
        second
            .buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned())
    );
    bot.stop().await;

    bot.start(false).await;
    let resumed = bot.ask(&pat, "/screen").await;
    assert!(
        resumed.plain_text().contains("carry on"),
        "{}",
        resumed.text
    );
    let question = bot
        .fake
        .next_to(pat.id, bot.fake.sent_to(pat.id).len() - 1)
        .await;
    let question = if question.buttons().is_empty() {
        bot.fake
            .next_to(pat.id, bot.fake.sent_to(pat.id).len())
            .await
    } else {
        question
    };
    assert!(
        question
            .buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned()),
        "{:?}",
        question.buttons()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_in_order_and_a_reply_answered_5xx_is_never_sent_twice() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(107, "Pat");
    // The first reply meets three 429s (retried after `retry_after`), then
    // a 502 (Telegram may have sent it: not retried); the second is slow.
    bot.fake
        .inject("sendMessage", Fault::TooManyRequests { retry_after: 1 }, 3);
    bot.fake.inject("sendMessage", Fault::ServerError(502), 1);
    bot.fake
        .inject("sendMessage", Fault::Slow(Duration::from_millis(800)), 1);
    let questions = [
        "does it hurt?",
        "what should I wear?",
        "where are you?",
        "hours?",
    ];
    for q in questions {
        bot.fake.user_says(&pat, q);
    }
    bot.fake
        .wait_for(pat.id, questions.len() - 1, Duration::from_secs(90))
        .await
        .expect("every other reply arrives");
    let sent = bot.settled(pat.id).await;
    assert_eq!(sent.len(), questions.len() - 1, "nothing doubled");
    assert!(
        sent[0].plain_text().contains("clothes"),
        "order kept: {}",
        sent[0].text
    );
    assert!(
        sent[1].plain_text().contains("Harbor View"),
        "order kept: {}",
        sent[1].text
    );
    assert_eq!(
        bot.fake.calls("sendMessage"),
        questions.len() + 3,
        "the 429s were retried, the 502 was not"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_the_bot_speaks_only_when_addressed_and_never_screens_there() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(108, "Pat");
    let group = -5001;
    bot.fake.group_message(group, &pat, "does it hurt?");
    bot.fake.group_message(
        group,
        &pat,
        &format!("@{} does it hurt?", telegram::BOT_USERNAME),
    );
    let sent = bot.fake.next_to(group, 0).await;
    assert!(sent.plain_text().contains("needles are very fine"));
    bot.fake.group_message(group, &pat, "/screen");
    let moved = bot.fake.next_to(group, 1).await;
    assert!(
        moved.plain_text().contains("private chat"),
        "{}",
        moved.text
    );
    let url = moved.reply_markup.as_ref().unwrap()["inline_keyboard"][0][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        url,
        format!("https://t.me/{}?start=private", telegram::BOT_USERNAME)
    );
    assert_eq!(
        bot.settled(group).await.len(),
        2,
        "the unaddressed message got nothing"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_text_with_markup_characters_is_handled_and_every_message_is_valid_html() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(109, "Pat");
    // The fake rejects sendMessage with unescaped HTML, so an answer at all
    // means the bot's text was escaped.
    let reply = bot.ask(&pat, "does it hurt? <b>really</b> & *_[]").await;
    assert!(reply.plain_text().contains("needles are very fine"));
    let fallback = bot.ask(&pat, "<script>alert(1)</script> & botox").await;
    assert!(!fallback.text.contains('<'));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_production_throttle_on_replies_still_arrive_once_and_in_order() {
    let mut bot = spawn_telegram_bot_with(true).await;
    let pat = User::new(110, "Pat");
    let questions = ["does it hurt?", "what should I wear?", "where are you?"];
    for q in questions {
        bot.fake.user_says(&pat, q);
    }
    bot.fake
        .wait_for(pat.id, questions.len(), Duration::from_secs(60))
        .await
        .expect("every reply arrives");
    let sent = bot.settled(pat.id).await;
    assert_eq!(sent.len(), questions.len());
    assert!(sent[0].plain_text().contains("needles are very fine"));
    assert!(sent[2].plain_text().contains("Harbor View"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontdesk_serve_answers_on_telegram_and_stops_cleanly_on_sigterm() {
    let fake = FakeTelegram::start().await;
    let child = spawn_bot().serve(&fake, &[], std::process::Stdio::piped());
    let pat = User::new(111, "Pat");
    fake.user_says(&pat, "does it hurt?");
    let reply = fake.next_to(pat.id, 0).await;
    assert!(reply.plain_text().contains("needles are very fine"));
    // A whole screen with free-text answers, then a hand-off: none of it
    // may reach the log, even at level info.
    let mut lines = vec!["/screen", "yes"];
    lines.extend(["no"; 12]);
    lines.extend(["ZEBRAQUILL 2.5 last week"; 3]);
    lines.extend(["no"; 20]);
    lines.extend(["/human", "ZEBRAQUILL, call me"]);
    let (relayed, replied) = lines.split_last().unwrap();
    for (i, line) in replied.iter().enumerate() {
        fake.user_says(&pat, line);
        fake.wait_for(pat.id, i + 2, Duration::from_secs(30)).await;
    }
    // The last line goes to the desk, not to the patient.
    fake.user_says(&pat, relayed);
    fake.next_to(TELEGRAM_DESK, 1).await;

    crate::helpers::signal(&child, "TERM");
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("it stops after SIGTERM")
        .unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains(telegram::TOKEN), "the token is never logged");
    assert!(
        !log.contains("does it hurt"),
        "message text is never logged"
    );
    // (Not "2.5" on its own: log timestamps such as 11:55:02.5… contain it.)
    assert!(!log.contains("ZEBRAQUILL"), "{log}");
    assert!(log.contains("screen completed"), "logging is on: {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_no_members_yes_number_or_code_opens_a_ticket_or_links_anything() {
    let mut bot = spawn_telegram_bot().await;
    let (ana, ben, cy) = (
        User::new(111, "Ana"),
        User::new(112, "Ben"),
        User::new(113, "Cy"),
    );
    let group = -5002;
    let at_bot = |text: &str| format!("@{} {text}", telegram::BOT_USERNAME);
    bot.fake
        .group_message(group, &ana, &at_bot("do you do botox"));
    bot.fake.group_message(group, &ben, &at_bot("yes"));
    bot.fake.group_message(group, &cy, &at_bot("1"));
    bot.fake
        .group_message(group, &cy, &at_bot("my name is Cy and I take warfarin"));
    bot.fake.group_message(group, &ben, &at_bot("ABCD-EF2345"));
    let shown: Vec<String> = bot
        .settled(group)
        .await
        .iter()
        .map(|m| m.plain_text().to_string())
        .collect();
    crate::helpers::assert_shared_chat_opened_nothing(&shown, bot.engine());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_telegram_took_but_answered_garbled_reaches_the_patient_once() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(120, "Pat");
    bot.fake
        .inject("sendMessage", Fault::GarbledAfterAccepting, 1);
    let first = bot.ask(&pat, "does it hurt?").await;
    assert!(first.plain_text().contains("needles are very fine"));
    let second = bot.ask(&pat, "what should I wear?").await;
    assert!(second.plain_text().contains("Loose"), "{}", second.text);
    assert_eq!(bot.settled(pat.id).await.len(), 2, "nothing sent twice");
    assert_eq!(bot.fake.calls("sendMessage"), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_whose_callback_answer_is_refused_or_whose_keyboard_removal_is_garbled_is_still_handled_at_once()
 {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(121, "Pat");
    let consent = bot.ask(&pat, "/screen").await;
    bot.fake.inject(
        "answerCallbackQuery",
        Fault::Rejected(
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        ),
        1,
    );
    bot.fake
        .inject("editMessageReplyMarkup", Fault::GarbledAfterAccepting, 1);
    let next = bot.press(&pat, &consent, "ans:consent:yes").await;
    assert!(
        next.buttons().iter().any(|b| b.starts_with("ans:")),
        "the next question: {}",
        next.text
    );
    bot.settled(pat.id).await;
    assert_eq!(
        bot.fake.calls("editMessageReplyMarkup"),
        1,
        "a best-effort call is tried once"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_whose_reply_telegram_rejects_still_reaches_the_desk() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(122, "Pat");
    bot.fake.inject(
        "sendMessage",
        Fault::Rejected("Bad Request: chat not found"),
        1,
    );
    bot.fake
        .user_says(&pat, "crushing chest pain right now and I can't breathe");
    let post = bot.fake.next_to(TELEGRAM_DESK, 0).await;
    assert!(post.plain_text().contains("EMERGENCY"), "{}", post.text);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_reply_longer_than_one_telegram_message_arrives_whole_in_order() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(123, "Pat");
    let maria = User::new(5_000_001, "Maria");
    claimed_by(&bot, &pat, &maria).await;
    // Over 4,096 characters once the clinic's name and the escaping of
    // every "&" are added.
    let long = "Ice & rest tonight, then gentle movement. ".repeat(97);
    let seen = bot.fake.sent_to(pat.id).len();
    bot.fake
        .group_message(TELEGRAM_DESK, &maria, &format!("/reply 1 {long}"));
    crate::helpers::until("the patient's copy", || {
        bot.fake.sent_to(pat.id).len() > seen
    })
    .await;
    let pieces: Vec<String> = bot.settled(pat.id).await[seen..]
        .iter()
        .map(|m| m.plain_text())
        .collect();
    assert!(pieces.len() >= 2, "{}", pieces.len());
    assert!(pieces.iter().all(|p| p.chars().count() <= 4096));
    assert_eq!(
        pieces.concat(),
        format!("Bayside Physio & Chiropractic: {}", long.trim()),
        "nothing lost, nothing out of order"
    );
    let desk = bot.settled(TELEGRAM_DESK).await;
    assert!(desk.iter().any(|m| m.plain_text() == "Sent."));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_fate_is_unknown_is_never_sent_twice_and_one_telegram_took_arrives_once() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(124, "Pat");
    // A proxy's 502 page: Telegram may or may not have it; not resent.
    bot.fake.inject("sendMessage", Fault::HtmlBadGateway, 1);
    bot.fake.user_says(&pat, "does it hurt?");
    crate::helpers::until("the send was tried", || bot.fake.calls("sendMessage") == 1).await;
    assert!(bot.settled(pat.id).await.is_empty());
    assert_eq!(bot.fake.calls("sendMessage"), 1, "not sent again");
    // Taken by Telegram, then the connection lost, or a `null` answer:
    // exactly one copy each.
    for (fault, question, answer) in [
        (Fault::DroppedAfterAccepting, "what should I wear?", "Loose"),
        (
            Fault::NullAfterAccepting,
            "does it hurt?",
            "needles are very fine",
        ),
    ] {
        let (seen, calls) = (
            bot.fake.sent_to(pat.id).len(),
            bot.fake.calls("sendMessage"),
        );
        bot.fake.inject("sendMessage", fault, 1);
        let reply = bot.ask(&pat, question).await;
        assert!(
            reply.plain_text().contains(answer),
            "{fault:?}: {}",
            reply.text
        );
        assert_eq!(bot.settled(pat.id).await.len(), seen + 1, "{fault:?}");
        assert_eq!(bot.fake.calls("sendMessage"), calls + 1, "{fault:?}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_reply_telegram_refuses_is_reported_at_the_desk() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(125, "Pat");
    let maria = User::new(5_000_001, "Maria");
    claimed_by(&bot, &pat, &maria).await;
    bot.fake.inject_for(
        pat.id,
        "sendMessage",
        Fault::Rejected("Forbidden: bot was blocked by the user"),
        1,
    );
    let seen = bot.fake.sent_to(TELEGRAM_DESK).len();
    bot.fake
        .group_message(TELEGRAM_DESK, &maria, "/reply 1 ZEBRAQUILL at 3 pm");
    crate::helpers::until("the desk hears the reply failed", || {
        bot.fake
            .sent_to_since(TELEGRAM_DESK, seen)
            .iter()
            .any(|m| m.plain_text().contains("may not have reached"))
    })
    .await;
    let told: Vec<String> = bot.settled(TELEGRAM_DESK).await[seen..]
        .iter()
        .map(Sent::plain_text)
        .collect();
    let notice = told
        .iter()
        .find(|t| t.contains("may not have reached"))
        .unwrap();
    assert!(
        notice.contains("#1") && notice.contains("blocked"),
        "{notice}"
    );
    assert!(!notice.contains("ZEBRAQUILL"), "the reply's words stay out");
    assert!(
        bot.fake
            .sent_to(pat.id)
            .iter()
            .all(|m| !m.text.contains("ZEBRAQUILL"))
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_alert_the_desk_refused_is_posted_after_a_restart() {
    let mut bot = spawn_telegram_bot().await;
    let pat = User::new(126, "Pat");
    bot.fake.inject_for(
        TELEGRAM_DESK,
        "sendMessage",
        Fault::Rejected("Bad Request: not enough rights to send text messages"),
        1,
    );
    let reply = bot
        .ask(&pat, "my husband collapsed and is not breathing")
        .await;
    assert!(reply.plain_text().contains("911"), "{}", reply.text);
    crate::helpers::until("the desk post was tried", || {
        bot.fake.calls("sendMessage") >= 2
    })
    .await;
    assert!(bot.settled(TELEGRAM_DESK).await.is_empty());
    assert_eq!(bot.engine().pending_alerts().unwrap(), 1, "kept for a desk");
    bot.stop().await;

    bot.start(false).await;
    // (With the real clock in the clinic's hours the same tick also hands
    // out the day's digest.)
    assert!(
        bot.tick() >= 1,
        "the first tick of the new run hands it out"
    );
    bot.fake
        .first_to_containing(TELEGRAM_DESK, "EMERGENCY")
        .await;
    crate::helpers::until("the desk's receipt is recorded", || {
        bot.engine().pending_alerts().unwrap() == 0
    })
    .await;
    assert_eq!(bot.tick(), 0, "and not again");
    let alerts = |posts: Vec<Sent>| {
        posts
            .iter()
            .filter(|p| p.plain_text().contains("EMERGENCY"))
            .count()
    };
    assert_eq!(alerts(bot.settled(TELEGRAM_DESK).await), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_chat_whose_sends_hang_holds_up_neither_the_desk_nor_other_patients() {
    let mut bot = spawn_telegram_bot().await;
    let (pat, ana) = (User::new(127, "Pat"), User::new(128, "Ana"));
    let maria = User::new(5_000_001, "Maria");
    claimed_by(&bot, &pat, &maria).await;
    // Pat's chat answers only after 4 s.
    bot.fake.inject_for(
        pat.id,
        "sendMessage",
        Fault::Slow(Duration::from_secs(4)),
        1,
    );
    let before = bot.fake.sent_to(pat.id).len();
    bot.fake
        .group_message(TELEGRAM_DESK, &maria, "/reply 1 see you at 3");
    // The relay is on its way (handled, and hanging in Pat's queue).
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Meanwhile Ana's emergency reaches her and the desk at once.
    let desk = bot.fake.sent_to(TELEGRAM_DESK).len();
    let reply = bot
        .ask(&ana, "crushing chest pain and I can't breathe")
        .await;
    assert!(reply.plain_text().contains("911"));
    crate::helpers::until("the desk hears of the emergency", || {
        bot.fake
            .sent_to_since(TELEGRAM_DESK, desk)
            .iter()
            .any(|m| m.plain_text().contains("EMERGENCY"))
    })
    .await;
    assert_eq!(
        bot.fake.sent_to(pat.id).len(),
        before,
        "Pat's relay is still hanging"
    );
    // And Pat's relay arrives once, later.
    let relay = bot.fake.next_to(pat.id, before).await;
    assert!(relay.plain_text().ends_with("see you at 3"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_gives_the_user_and_group_ids_desk_toml_needs() {
    let mut bot = spawn_telegram_bot().await;
    let maria = User::new(5_000_777, "Maria");
    let private = bot.ask(&maria, "/whoami").await;
    assert!(private.plain_text().contains("5000777"), "{}", private.text);
    bot.fake.group_message(-100_777, &maria, "/whoami");
    let group = bot.fake.next_to(-100_777, 0).await;
    assert!(group.plain_text().contains("-100777"), "{}", group.text);
    assert!(
        group.plain_text().contains("telegram_group"),
        "{}",
        group.text
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_the_telegram_adapter_is_still_starting_stops_it() {
    let mut bot = spawn_telegram_bot().await;
    bot.stop().await;
    // The next start is held at getMe, after the adapter took its route and
    // before it polls: a SIGTERM then once left it polling for good.
    bot.fake
        .inject("getMe", Fault::Slow(Duration::from_secs(2)), 1);
    bot.start(false).await;
    bot.stop().await;
    let polls = bot.fake.calls("getUpdates");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        bot.fake.calls("getUpdates"),
        polls,
        "no polling after the stop"
    );
}
