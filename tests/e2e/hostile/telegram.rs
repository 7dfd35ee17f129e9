//! The hostile corpus and odd updates through the real Telegram adapter.

use super::*;

impl TelegramBot {
    /// Waits for a message to `chat` containing `text`, after `already`.
    async fn answer_to(&self, chat: i64, already: usize, text: &str) -> Sent {
        for seen in already.. {
            let sent = self.fake.next_to(chat, seen).await;
            if sent.plain_text().contains(text) {
                return sent;
            }
        }
        unreachable!()
    }

    /// Every message sent anywhere passed [`check_telegram`] and the fake
    /// refused nothing.
    fn check_everything(&self, chats: impl IntoIterator<Item = i64>) {
        for chat in chats {
            for sent in self.fake.sent_to(chat) {
                check_telegram(&sent, &format!("to {chat}"));
            }
        }
        let rejected = self.fake.rejected();
        assert!(rejected.is_empty(), "refused by Telegram: {rejected:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_message_on_telegram_gets_a_sensible_reply_in_escaped_html_and_the_bot_keeps_answering()
 {
    let mut bot = spawn_telegram_bot().await;
    let corpus = telegram_corpus();
    let users: Vec<User> = (0..corpus.len())
        .map(|i| User::new(20_000 + i as i64, "Pat"))
        .collect();
    for (h, user) in corpus.iter().zip(&users) {
        bot.fake.user_says(user, &h.text);
    }
    for (h, user) in corpus.iter().zip(&users) {
        let replies = bot.fake.wait_for(user.id, 1, Duration::from_secs(30)).await;
        assert!(replies.is_some(), "{}: no reply", h.what);
    }
    quiet(|| bot.fake.calls("sendMessage")).await;

    let answered: Vec<usize> = users.iter().map(|u| bot.fake.sent_to(u.id).len()).collect();
    for (h, user) in corpus.iter().zip(&users) {
        bot.fake.user_says(user, &h.then.0);
    }
    for ((h, user), seen) in corpus.iter().zip(&users).zip(&answered) {
        let replies = &bot.fake.sent_to(user.id)[..*seen];
        for sent in replies {
            check_telegram(sent, &h.what);
        }
        if let Some(text) = &h.says {
            assert!(
                replies.iter().any(|s| s.plain_text().contains(text)),
                "{}: wanted {text:?}, got {:?}",
                h.what,
                replies.iter().map(Sent::plain_text).collect::<Vec<_>>()
            );
        }
        assert!(replies.len() <= 3, "{}: {} replies", h.what, replies.len());
        bot.answer_to(user.id, *seen, &h.then.1).await;
    }
    bot.check_everything(users.iter().map(|u| u.id).chain([TELEGRAM_DESK]));
    bot.stop().await;
}

/// Sends one odd update from a user.
type OddUpdate = Box<dyn Fn(&FakeTelegram, &User)>;

/// An object's fields, without its braces (for [`FakeTelegram::raw_update`]).
fn fields(object: &serde_json::Value) -> String {
    let s = object.to_string();
    s[1..s.len() - 1].to_owned()
}

/// Lone surrogates cannot be in a Rust string, so the fake writes them into
/// the update's JSON as escapes; bytes that are not UTF-8 go out as they are.
/// Each odd update comes from its own user, who then asks a question: all at
/// once, so odd and ordinary updates share batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_telegram_updates_are_skipped_or_answered_and_the_next_message_is_still_answered() {
    let mut bot = spawn_telegram_bot().await;
    let message = |user: &User, body: serde_json::Value| {
        let mut message = json!({
            "message_id": 900_000 + user.id, "date": 1_700_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": "Pat"},
            "from": {"id": user.id, "is_bot": false, "first_name": "Pat"},
        });
        for (k, v) in body.as_object().unwrap() {
            message[k] = v.clone();
        }
        fields(&json!({ "message": message }))
    };
    let odd: Vec<(&str, OddUpdate)> = vec![
        (
            "a lone high surrogate",
            Box::new(|f, u| f.user_says_raw(u, br"does it hurt \ud800?")),
        ),
        (
            "a lone low surrogate and a reversed pair",
            Box::new(|f, u| f.user_says_raw(u, br"\udc00 \udc00\ud800 <b>")),
        ),
        (
            "bytes that are not UTF-8",
            Box::new(|f, u| f.user_says_raw(u, b"caf\xe9 \xff\xfe \xc0\xaf \xed\xa0\x80 <b>&")),
        ),
        (
            "a message without text",
            Box::new(move |f, u| {
                let photo =
                    json!([{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]);
                f.raw_update(message(u, json!({ "photo": photo })).as_bytes())
            }),
        ),
        (
            "a message from a bot",
            Box::new(move |f, u| {
                let bot = json!({"id": 5, "is_bot": true, "first_name": "Spam"});
                f.raw_update(message(u, json!({"from": bot, "text": "@everyone"})).as_bytes())
            }),
        ),
        (
            "a message with a malformed chat",
            Box::new(move |f, u| {
                f.raw_update(message(u, json!({"chat": "nope", "text": "hi"})).as_bytes())
            }),
        ),
        (
            "an update kind the client does not know",
            Box::new(|f, _| f.raw_update(br#""frontdesk_unknown":{"x":[1,2,3]}"#)),
        ),
    ];
    let users: Vec<User> = (0..odd.len())
        .map(|i| User::new(21_100 + i as i64, "Pat"))
        .collect();
    for ((_, send), user) in odd.iter().zip(&users) {
        send(&bot.fake, user);
    }
    for user in &users {
        bot.fake.user_says(user, "does it hurt?");
    }
    for ((what, _), user) in odd.iter().zip(&users) {
        bot.fake
            .wait_for(user.id, 1, Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("{what}: the bot stopped answering"));
    }
    // Every reply is in: each user's last is the answer to their question.
    quiet(|| bot.fake.calls("sendMessage")).await;
    for ((what, _), user) in odd.iter().zip(&users) {
        let replies = bot.fake.sent_to(user.id);
        let shown: Vec<String> = replies.iter().map(Sent::plain_text).collect();
        assert!(
            shown
                .last()
                .is_some_and(|s| s.contains("needles are very fine")),
            "{what}: {shown:?}"
        );
        assert!(replies.len() <= 3, "{what}: {shown:?}");
    }
    assert_eq!(bot.fake.pending_updates(), 0, "every update was confirmed");
    bot.check_everything(users.iter().map(|u| u.id));
    bot.stop().await;
}

/// Button ids nobody offered, each pressed by its own patient on their
/// screen's current question: the screen stays where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_telegram_button_presses_are_answered_politely_and_change_nothing() {
    let mut bot = spawn_telegram_bot().await;
    let forged = [
        "ans:../../x".to_owned(),
        "topic:<script>alert(1)</script>".to_owned(),
        "topic:does-it-hurt/../../x".to_owned(),
        "appt:cancel-yes:a0000000000000000".to_owned(),
        "appt:confirm:<b>".to_owned(),
        pseudo_random(64, 1),
        "😀".repeat(16),
        "ans:consent:yes".to_owned(),
        "ans:red_flags_now:maybe".to_owned(),
        "ans:red_flags_now:no:extra".to_owned(),
        "ans:red_flags_now:<b>".to_owned(),
        "lang:xx".to_owned(),
        "screen:".to_owned(),
        "desk:claim:1".to_owned(),
        "desk:claim:<b>".to_owned(),
        " ".to_owned(),
    ];
    let users: Vec<User> = (0..forged.len())
        .map(|i| User::new(21_200 + i as i64, "Pat"))
        .collect();
    for user in &users {
        bot.fake.user_says(user, "/screen");
    }
    let mut questions = Vec::new();
    for user in &users {
        let consent = bot.fake.next_to(user.id, 0).await;
        bot.fake.user_presses(user, &consent, "ans:consent:yes");
    }
    for user in &users {
        let question = bot.fake.next_to(user.id, 1).await;
        assert!(
            question
                .buttons()
                .contains(&"ans:red_flags_now:no".to_owned()),
            "{:?}",
            question.buttons()
        );
        questions.push(question);
    }

    // Presses are answered beside the replies: earlier ones land first.
    quiet(|| bot.fake.callback_answers().len()).await;
    let answered = bot.fake.callback_answers().len();
    for ((data, user), question) in forged.iter().zip(&users).zip(&questions) {
        bot.fake.user_presses(user, question, data);
    }
    // A press on a message the client cannot see (too old, or deleted).
    let gone = Sent {
        message_id: 9_999_999,
        ..questions[0].clone()
    };
    bot.fake
        .user_presses(&users[0], &gone, "ans:red_flags_now:yes");
    until("every press answered", || {
        bot.fake.callback_answers().len() == answered + forged.len() + 1
    })
    .await;
    quiet(|| bot.fake.calls("sendMessage")).await;
    let polite = [
        "no longer active",
        "can't find an upcoming appointment",
        "only the clinic's staff",
    ];
    for (data, user) in forged.iter().zip(&users) {
        let replies = &bot.fake.sent_to(user.id)[2..];
        assert!(!replies.is_empty(), "{data:?}: no reply");
        for reply in replies {
            let shown = reply.plain_text();
            let repeated = reply.buttons().contains(&"ans:red_flags_now:no".to_owned());
            assert!(
                repeated || polite.iter().any(|p| shown.contains(p)),
                "{data:?}: not a polite refusal nor the same question: {shown}"
            );
        }
    }
    // Every screen is where it was: the real answer moves it on.
    let seen: Vec<usize> = users.iter().map(|u| bot.fake.sent_to(u.id).len()).collect();
    for (user, question) in users.iter().zip(&questions) {
        bot.fake
            .user_presses(user, question, "ans:red_flags_now:no");
    }
    for ((data, user), seen) in forged.iter().zip(&users).zip(seen) {
        let next = bot.fake.next_to(user.id, seen).await;
        assert!(
            next.buttons()
                .contains(&"ans:prefer_no_needling:no".to_owned()),
            "after {data:?}: {}: {:?}",
            next.text,
            next.buttons()
        );
    }
    bot.check_everything(users.iter().map(|u| u.id));
    bot.stop().await;
}

/// Telegram only lets a private chat's own user press its buttons; a press
/// that claims otherwise is forged and must not act on that patient's chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_press_by_another_user_on_a_patients_buttons_changes_nothing_for_the_patient() {
    let mut bot = spawn_telegram_bot().await;
    let ana = User::new(21_003, "Ana");
    let eve = User::new(21_004, "Eve");
    let (appointment, code) = book(bot.engine(), "Ana Ruiz");
    let linked = bot.ask(&ana, &format!("/start {code}")).await;
    assert!(
        linked.plain_text().contains("linked to your appointment"),
        "{}",
        linked.text
    );
    let consent = bot.ask(&ana, "/screen").await;
    let question = bot.press(&ana, &consent, "ans:consent:yes").await;
    assert!(
        question
            .buttons()
            .contains(&"ans:red_flags_now:no".to_owned())
    );

    let ana_seen = bot.fake.sent_to(ana.id).len();
    // Keyboards are removed and presses answered beside the replies: Ana's
    // own must land first.
    quiet(|| bot.fake.edits().len() + bot.fake.callback_answers().len()).await;
    let edits_seen = bot.fake.edits().len();
    let answered = bot.fake.callback_answers().len();
    let cancel = format!("appt:cancel-yes:{appointment}");
    for data in [
        "ans:red_flags_now:yes",
        "ans:red_flags_now:no",
        "screen:stop",
        "human",
        &cancel,
    ] {
        bot.fake.user_presses(&eve, &question, data);
    }
    bot.fake.user_presses(&eve, &linked, &cancel);
    // Eve forges Ana's appointment id in her own chat too.
    let welcome = bot.ask(&eve, "hi").await;
    let refused = bot.press(&eve, &welcome, &cancel).await;
    assert!(
        refused
            .plain_text()
            .contains("can't find an upcoming appointment"),
        "{}",
        refused.text
    );
    until("every press answered", || {
        bot.fake.callback_answers().len() == answered + 7
    })
    .await;
    quiet(|| bot.fake.calls("sendMessage")).await;

    assert_eq!(
        bot.fake.sent_to(ana.id).len(),
        ana_seen,
        "nothing was said in Ana's chat: {:?}",
        bot.fake.sent_to(ana.id)[ana_seen..]
            .iter()
            .map(Sent::plain_text)
            .collect::<Vec<_>>()
    );
    assert!(
        bot.fake.edits()[edits_seen..]
            .iter()
            .all(|e| e.chat_id != ana.id),
        "Ana's keyboards were left alone"
    );
    assert_eq!(status(bot.engine(), &appointment), Status::Booked);
    // Ana's screen is where she left it.
    let next = bot.press(&ana, &question, "ans:red_flags_now:no").await;
    assert!(
        next.buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned()),
        "{}",
        next.text
    );
    bot.check_everything([ana.id, eve.id, TELEGRAM_DESK]);
    bot.stop().await;
}
