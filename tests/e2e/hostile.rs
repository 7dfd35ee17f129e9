//! Hostile and odd input (issue 8): one corpus of nasty messages, sent through
//! the real Telegram and Discord adapters to the fakes. Each message gets a
//! sensible reply (an update with nothing to answer gets none); every message
//! the bot sends is valid for its platform, within its length limit, shows
//! patient text literally and pings nobody; and the bot still answers a normal
//! question afterwards. Forged and foreign button presses change nothing.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::appointments::{NewAppointment, Status};
use frontdesk_core::{Engine, Input, SledStore, SystemClock};
use frontdesk_testkit::discord::{self, DiscordUser, FakeDiscord, SentMessage};
use frontdesk_testkit::telegram::{self, FakeTelegram, Sent, User};
use serde_json::json;

use crate::handoff::{DISCORD_DESK, TELEGRAM_DESK, spawn_both_at};
use crate::helpers::{Adapters, open_engine};

/// What a hostile message must get back, beyond what every message gets.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// At least one reply.
    Reply,
    /// A reply containing this.
    Says(&'static str),
}

/// A hostile message, and the ordinary message (with a piece of its answer)
/// that shows the bot is still working afterwards.
struct Hostile {
    what: &'static str,
    text: String,
    expect: Expect,
    then: (&'static str, &'static str),
}

const HURT: (&str, &str) = ("does it hurt?", "needles are very fine");
const DIDNT_CATCH: &str = "I didn't catch that";
/// The bot's internal-error message: never the answer to odd input.
const WENT_WRONG: &str = "something went wrong";

fn hostile(what: &'static str, text: impl Into<String>, expect: Expect) -> Hostile {
    Hostile {
        what,
        text: text.into(),
        expect,
        then: HURT,
    }
}

/// Printable ASCII from a fixed seed: a "random" string that is the same on
/// every run.
fn pseudo_random(len: usize, mut seed: u64) -> String {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'!' + ((seed >> 33) % 94) as u8)
        })
        .collect()
}

/// The corpus, shared by both platforms.
fn corpus() -> Vec<Hostile> {
    use Expect::{Reply, Says};
    let controls: String = (0u8..0x20)
        .filter(|b| *b != b'\n')
        .map(char::from)
        .collect();
    let hundred_kb = "a <b>&amp; @everyone <@&456> **x** \u{202E}\u{200B} "
        .repeat(3_000)
        .chars()
        .take(100_000)
        .collect::<String>();
    let mut list = vec![
        hostile(
            "Telegram HTML tags and entities",
            "<b>bold</b> <i>x</i> <a href=\"tg://user?id=1\">me</a> <script>alert(1)</script> \
             <tg-spoiler>s</tg-spoiler> <pre><code class=\"language-x\">c</code></pre>",
            Reply,
        ),
        hostile(
            "a question wrapped in HTML",
            "does it hurt? <b>really</b> & *_[]",
            Says("needles are very fine"),
        ),
        hostile(
            "broken HTML and bare entities",
            "< > & &amp; &lt;b&gt; &#60; &#x3c; &bogus; &; <b <i> </b> <",
            Reply,
        ),
        hostile(
            "Telegram MarkdownV2 specials",
            "_*[]()~`>#+-=|{}.!\\ _italic_ *bold* [x](tg://user?id=1) ||spoiler|| \\*",
            Reply,
        ),
        hostile(
            "Discord markdown",
            "**bold** ~~x~~ ||spoiler|| `code` ```rust\nblock``` > quote\n# heading\n-# small\n\
             - list [link](https://evil.example) __u__ \\*",
            Reply,
        ),
        hostile(
            "mention syntax",
            "<@123> <@!123> <@&456> <#789> </help:1> <t:0:R> <:emoji:1> <a:anim:2>",
            Reply,
        ),
        hostile("@everyone alone", "@everyone", Reply),
        hostile(
            "@everyone and @here around a question",
            "@everyone @here does it hurt? @everyone",
            Reply,
        ),
        hostile("100 KB of markup", hundred_kb, Reply),
        hostile("100 KB of one letter", "x".repeat(100_000), Reply),
        hostile(
            "thousands of blank lines before a question",
            format!("{}does it hurt?", "\n".repeat(5_000)),
            // Only a message's first 2,000 characters are matched (see
            // `matcher::MAX_MATCHED_CHARS`): the question is past them.
            Reply,
        ),
        hostile("spaces only", "     ", Says(DIDNT_CATCH)),
        hostile("newlines and tabs only", "\n\n\t \n\t", Says(DIDNT_CATCH)),
        hostile(
            "Unicode spaces only",
            "\u{3000}\u{2003}\u{00A0}\u{2028}",
            Says(DIDNT_CATCH),
        ),
        hostile(
            "zero-width characters only",
            "\u{200B}\u{200D}\u{FEFF}",
            Reply,
        ),
        hostile(
            "zero-width characters inside words",
            "do\u{200B}es it h\u{200D}urt\u{FEFF}?",
            Reply,
        ),
        hostile(
            "control characters around a question",
            format!("{controls}does it hurt?{controls}"),
            Says("needles are very fine"),
        ),
        hostile("control characters only", controls, Reply),
        hostile(
            "DEL and C1 controls",
            "\u{7F}\u{80}\u{85}\u{9B}\u{9F}",
            Reply,
        ),
        hostile(
            "right-to-left override",
            "\u{202E}does it hurt?\u{202C} \u{2066}\u{2067}\u{2068}\u{2069}",
            Says("needles are very fine"),
        ),
        hostile(
            "right-to-left override inside a file name",
            "is this ok? photo\u{202E}gpj.exe",
            Reply,
        ),
        hostile(
            "right-to-left override around markup",
            "\u{202E}<b>@everyone</b> <@&456>\u{202C}",
            Reply,
        ),
        hostile(
            "emoji ZWJ sequences around a question",
            "👩\u{200D}⚕\u{FE0F} 💉❓ 🏳\u{FE0F}\u{200D}🌈 👨\u{200D}👩\u{200D}👧\u{200D}👦 🇪🇸 \
             does it hurt? 😬👍🏽",
            Says("needles are very fine"),
        ),
        hostile(
            "emoji only",
            "🙂🙂🙂👨\u{200D}👩\u{200D}👧\u{200D}👦",
            Reply,
        ),
        hostile(
            "combining marks piled on a question",
            "d\u{0337}\u{0321}o\u{0338}e\u{0335}s\u{0336} i\u{0334}t\u{0335} h\u{0338}u\u{0337}r\u{0336}t\u{0335}?",
            Says("needles are very fine"),
        ),
        hostile(
            "noncharacters, private use and the replacement character",
            "\u{FFFF}\u{FFFE}\u{E000}\u{10FFFF}\u{FFFD}\u{1D400}",
            Reply,
        ),
        hostile(
            "injection-looking text",
            "'; DROP TABLE patients; -- ${jndi:ldap://x} %s%n%x {{7*7}} ../../etc/passwd \
             {\"kind\":\"emergency\"} \\u0000",
            Reply,
        ),
        hostile("4096 angle brackets", "<".repeat(4_096), Reply),
        hostile(
            "/help with extra arguments",
            "/help me please",
            Says("Just type your question"),
        ),
        hostile(
            "/help addressed to the bot with arguments",
            format!("/HELP@{} <b>now</b>", telegram::BOT_USERNAME),
            Says("Just type your question"),
        ),
        hostile(
            "/language with an unknown language",
            "/language klingon",
            Says("Which language would you like?"),
        ),
        hostile(
            "/start with a 300-character payload",
            format!("/start {}", "x".repeat(300)),
            Says("virtual front desk"),
        ),
        hostile(
            "/start with a markup payload",
            "/start <b>@everyone</b> ../../x",
            Says("virtual front desk"),
        ),
        hostile(
            "an unknown command with markup",
            "/nonsense <script>alert(1)</script>",
            Says("I don't know that command"),
        ),
        hostile("a command that is only a slash", "/", Reply),
        hostile(
            "/cancel with arguments and no appointment",
            "/cancel <@123> tomorrow",
            Says("can't find an upcoming appointment"),
        ),
        Hostile {
            then: ("/stop", "stopped the health questions"),
            ..hostile(
                "/screen with extra arguments",
                "/screen now",
                Says("health questions"),
            )
        },
        Hostile {
            then: ("/stop", "back with the clinic's assistant"),
            ..hostile(
                "/human with extra arguments",
                "/human asap",
                Says("front-desk team"),
            )
        },
    ];
    list.push(hostile("an empty message", "", Says(DIDNT_CATCH)));
    list
}

/// Telegram never delivers a text message with empty text (that case is a
/// message without text, in the odd-updates test).
fn telegram_corpus() -> Vec<Hostile> {
    corpus()
        .into_iter()
        .filter(|h| !h.text.is_empty())
        .collect()
}

/// Checks a message the bot sent on Telegram: HTML parse mode with no tags
/// at all (the bot has no formatting of its own, so any `<`, `>` or `&` in
/// the text must be an escape), within the length limit, and not the
/// internal-error message.
fn check_telegram(sent: &Sent, context: &str) {
    assert_eq!(
        sent.parse_mode.as_deref(),
        Some("HTML"),
        "{context}: {}",
        sent.text
    );
    assert!(
        !sent.text.contains(['<', '>']),
        "{context}: a raw tag or bracket: {}",
        sent.text
    );
    let mut rest = sent.text.as_str();
    while let Some(i) = rest.find('&') {
        rest = &rest[i + 1..];
        assert!(
            ["lt;", "gt;", "amp;", "quot;", "#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "{context}: an unescaped &: {}",
            sent.text
        );
    }
    let shown = sent.plain_text();
    assert!(!shown.trim().is_empty(), "{context}: an empty message");
    assert!(shown.chars().count() <= 4096, "{context}: over 4096");
    assert!(!shown.contains(WENT_WRONG), "{context}: {shown}");
}

/// Checks a message the bot sent on Discord: it pings nobody whatever it
/// says, fits in 2,000 characters, shows mention syntax literally (every `<`
/// escaped) and is not the internal-error message.
fn check_discord(content: &str, allowed_mentions: &serde_json::Value, context: &str) {
    assert_eq!(
        allowed_mentions["parse"],
        json!([]),
        "{context}: {allowed_mentions}"
    );
    for list in ["users", "roles"] {
        assert!(
            allowed_mentions.get(list).is_none_or(|l| l == &json!([])),
            "{context}: {allowed_mentions}"
        );
    }
    assert!(!content.trim().is_empty(), "{context}: an empty message");
    assert!(content.chars().count() <= 2000, "{context}: over 2000");
    let chars: Vec<char> = content.chars().collect();
    let mut escaped = false;
    for c in chars {
        assert!(
            c != '<' || escaped,
            "{context}: mention syntax would render: {content}"
        );
        escaped = c == '\\' && !escaped;
    }
    assert!(!content.contains(WENT_WRONG), "{context}: {content}");
}

fn check_discord_message(sent: &SentMessage, context: &str) {
    check_discord(&sent.content, &sent.allowed_mentions, context);
}

/// A date ten days ahead, on the hour.
fn in_ten_days() -> jiff::Timestamp {
    let hour = jiff::Timestamp::now().as_second() / 3600 + 240;
    jiff::Timestamp::from_second(hour * 3600).unwrap()
}

/// Books a needling visit; returns its id and link code.
fn book(engine: &Engine<SledStore>, patient: &str) -> (String, String) {
    let row = NewAppointment {
        patient: patient.into(),
        start: in_ten_days(),
        needling: true,
    };
    engine
        .import_appointments(std::slice::from_ref(&row))
        .unwrap();
    let appointment = engine.appointment(&row.id()).unwrap().unwrap();
    (appointment.id, appointment.link_code)
}

fn status(engine: &Engine<SledStore>, id: &str) -> Status {
    engine.appointment(id).unwrap().unwrap().status
}

/// Waits until `count` has not changed for 600 ms: the bot has gone quiet.
/// (Longer than `helpers::settled`, because the Telegram client's queue sends
/// only every 250 ms and these tests run alongside many others.)
async fn quiet(count: impl Fn() -> usize) {
    let mut n = count();
    loop {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let now = count();
        if now == n {
            return;
        }
        n = now;
    }
}

/// Polls until `done` holds, failing with `what` after 30 seconds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------- Telegram

struct TelegramBot {
    fake: FakeTelegram,
    engine: Arc<Engine<SledStore>>,
    adapters: Adapters,
    _data: tempfile::TempDir,
}

async fn spawn_telegram_bot() -> TelegramBot {
    let fake = FakeTelegram::start().await;
    let data = tempfile::tempdir().unwrap();
    let engine = open_engine(data.path()).await;
    let app = Arc::new(frontdesk_telegram::App {
        engine: engine.clone(),
        clock: Arc::new(SystemClock),
        router: Arc::new(frontdesk_core::handoff::Router::default()),
    });
    let mut settings =
        frontdesk_telegram::Settings::new(frontdesk_telegram::Token::new(telegram::TOKEN));
    settings.api_url = Some(fake.api_url().parse().unwrap());
    settings.throttle = false;
    settings.poll_timeout = Duration::from_secs(1);
    let mut adapters = Adapters::default();
    let stop = adapters.signal();
    adapters.spawn(async move {
        frontdesk_telegram::run(app, settings, stop)
            .await
            .expect("the adapter runs");
    });
    TelegramBot {
        fake,
        engine,
        adapters,
        _data: data,
    }
}

impl TelegramBot {
    /// The user presses a button and the bot's next message to `chat` arrives.
    async fn press(&self, user: &User, on: &Sent, data: &str) -> Sent {
        let before = self.fake.sent_to(on.chat_id).len();
        self.fake.user_presses(user, on, data);
        self.fake.next_to(on.chat_id, before).await
    }

    async fn ask(&self, user: &User, text: &str) -> Sent {
        let before = self.fake.sent_to(user.id).len();
        self.fake.user_says(user, text);
        self.fake.next_to(user.id, before).await
    }

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
        bot.fake.user_says(user, h.then.0);
    }
    for ((h, user), seen) in corpus.iter().zip(&users).zip(&answered) {
        let replies = &bot.fake.sent_to(user.id)[..*seen];
        for sent in replies {
            check_telegram(sent, h.what);
        }
        if let Expect::Says(text) = h.expect {
            assert!(
                replies.iter().any(|s| s.plain_text().contains(text)),
                "{}: wanted {text:?}, got {:?}",
                h.what,
                replies.iter().map(Sent::plain_text).collect::<Vec<_>>()
            );
        }
        assert!(replies.len() <= 3, "{}: {} replies", h.what, replies.len());
        bot.answer_to(user.id, *seen, h.then.1).await;
    }
    bot.check_everything(users.iter().map(|u| u.id).chain([TELEGRAM_DESK]));
    bot.adapters.stop().await;
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
    bot.adapters.stop().await;
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
    bot.adapters.stop().await;
}

/// Telegram only lets a private chat's own user press its buttons; a press
/// that claims otherwise is forged and must not act on that patient's chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_press_by_another_user_on_a_patients_buttons_changes_nothing_for_the_patient() {
    let mut bot = spawn_telegram_bot().await;
    let ana = User::new(21_003, "Ana");
    let eve = User::new(21_004, "Eve");
    let (appointment, code) = book(&bot.engine, "Ana Ruiz");
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
    assert_eq!(status(&bot.engine, &appointment), Status::Booked);
    // Ana's screen is where she left it.
    let next = bot.press(&ana, &question, "ans:red_flags_now:no").await;
    assert!(
        next.buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned()),
        "{}",
        next.text
    );
    bot.check_everything([ana.id, eve.id, TELEGRAM_DESK]);
    bot.adapters.stop().await;
}

// ----------------------------------------------------------------- Discord

struct DiscordBot {
    fake: FakeDiscord,
    engine: Arc<Engine<SledStore>>,
    adapters: Adapters,
    _data: tempfile::TempDir,
}

async fn spawn_discord_bot() -> DiscordBot {
    let fake = FakeDiscord::start().await;
    let data = tempfile::tempdir().unwrap();
    let engine = open_engine(data.path()).await;
    let app = Arc::new(frontdesk_discord::App {
        engine: engine.clone(),
        clock: Arc::new(SystemClock),
        router: Arc::new(frontdesk_core::handoff::Router::default()),
    });
    let settings = frontdesk_discord::Settings {
        token: frontdesk_discord::Token::new(discord::TOKEN),
        api_proxy: Some(fake.api_url()),
    };
    let mut adapters = Adapters::default();
    let stop = adapters.signal();
    adapters.spawn(async move {
        frontdesk_discord::run(app, settings, stop)
            .await
            .expect("the adapter runs");
    });
    fake.wait_ready().await;
    DiscordBot {
        fake,
        engine,
        adapters,
        _data: data,
    }
}

impl DiscordBot {
    /// Waits for a message to `channel` whose shown text contains `text`.
    async fn answer_to(&self, channel: u64, already: usize, text: &str) -> SentMessage {
        for seen in already.. {
            let sent = self.fake.next_to(channel, seen).await;
            if sent.shown().contains(text) {
                return sent;
            }
        }
        unreachable!()
    }

    async fn dm(&self, user: &DiscordUser, text: &str) -> SentMessage {
        let channel = self.fake.dm_channel(user);
        let before = self.fake.sent_to(channel).len();
        self.fake.user_dm(user, text);
        self.fake.next_to(channel, before).await
    }

    async fn press(&self, user: &DiscordUser, on: &SentMessage, id: &str) -> SentMessage {
        let before = self.fake.sent_to(on.channel_id).len();
        self.fake.press(user, on, id);
        self.fake.next_to(on.channel_id, before).await
    }

    /// Every message and interaction response passed [`check_discord`], and
    /// the fake refused nothing.
    fn check_everything(&self, channels: impl IntoIterator<Item = u64>) {
        for channel in channels {
            for sent in self.fake.sent_to(channel) {
                check_discord_message(&sent, &format!("to {channel}"));
            }
        }
        for (id, body) in self.fake.callbacks() {
            let data = &body["data"];
            if let Some(content) = data["content"].as_str() {
                check_discord(
                    content,
                    &data["allowed_mentions"],
                    &format!("response {id}"),
                );
            }
        }
        let rejected = self.fake.rejected();
        assert!(rejected.is_empty(), "refused by Discord: {rejected:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_message_on_discord_gets_a_sensible_reply_that_pings_nobody_and_the_bot_keeps_answering()
 {
    let mut bot = spawn_discord_bot().await;
    let corpus = corpus();
    let users: Vec<DiscordUser> = (0..corpus.len())
        .map(|i| DiscordUser::new(30_000 + i as u64, "pat"))
        .collect();
    let channels: Vec<u64> = users.iter().map(|u| bot.fake.dm_channel(u)).collect();
    for (h, user) in corpus.iter().zip(&users) {
        bot.fake.user_dm(user, &h.text);
    }
    for (h, channel) in corpus.iter().zip(&channels) {
        until(&format!("{}: a reply", h.what), || {
            !bot.fake.sent_to(*channel).is_empty()
        })
        .await;
    }
    quiet(|| bot.fake.message_posts().len()).await;

    let answered: Vec<usize> = channels
        .iter()
        .map(|c| bot.fake.sent_to(*c).len())
        .collect();
    for (h, user) in corpus.iter().zip(&users) {
        bot.fake.user_dm(user, h.then.0);
    }
    for ((h, channel), seen) in corpus.iter().zip(&channels).zip(&answered) {
        let replies = &bot.fake.sent_to(*channel)[..*seen];
        for sent in replies {
            check_discord_message(sent, h.what);
        }
        if let Expect::Says(text) = h.expect {
            assert!(
                replies.iter().any(|s| s.shown().contains(text)),
                "{}: wanted {text:?}, got {:?}",
                h.what,
                replies.iter().map(SentMessage::shown).collect::<Vec<_>>()
            );
        }
        assert!(replies.len() <= 3, "{}: {} replies", h.what, replies.len());
        bot.answer_to(*channel, *seen, h.then.1).await;
    }

    // The same corpus as `/ask` in a server: answered ephemerally.
    let pat = DiscordUser::new(30_999, "pat");
    let asked = corpus.iter().filter(|h| !h.text.starts_with('/')).count();
    let before = bot.fake.callbacks().len();
    for h in corpus.iter().filter(|h| !h.text.starts_with('/')) {
        bot.fake.slash_command(
            Some(5_300),
            6_300,
            &pat,
            "ask",
            json!([{"name": "question", "type": 3, "value": h.text}]),
        );
    }
    let callbacks = bot.fake.wait_callbacks(before + asked).await;
    for (_, body) in &callbacks[before..] {
        assert_eq!(body["data"]["flags"], 64, "ephemeral: {body}");
    }
    let mut all = channels.clone();
    all.push(DISCORD_DESK);
    bot.check_everything(all);
    bot.adapters.stop().await;
}

/// Sends one odd gateway frame for a user.
type OddFrame<'a> = Box<dyn Fn(&FakeDiscord, &DiscordUser) + 'a>;

/// A zlib stream of `data` in stored (uncompressed) blocks, as Discord's
/// compressed gateway frames are zlib streams.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_discord_gateway_frames_are_skipped_and_the_next_message_is_still_answered() {
    let mut bot = spawn_discord_bot().await;
    let channel = |u: &DiscordUser| bot.fake.dm_channel(u);
    let message = |u: &DiscordUser, content: &[u8]| {
        let mut d =
            br#"{"op":0,"s":null,"t":"MESSAGE_CREATE","d":{"id":"77","channel_id":""#.to_vec();
        d.extend_from_slice(channel(u).to_string().as_bytes());
        d.extend_from_slice(br#"","author":{"id":""#);
        d.extend_from_slice(u.id.to_string().as_bytes());
        d.extend_from_slice(
            br#"","username":"pat","discriminator":"0","avatar":null},"content":""#,
        );
        d.extend_from_slice(content);
        d.extend_from_slice(
            br#"","timestamp":"2026-11-21T09:00:00.000000+00:00","edited_timestamp":null,"tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0}}"#,
        );
        d
    };
    let odd: Vec<(&str, OddFrame)> = vec![
        (
            "a lone high surrogate",
            Box::new(|f, u| {
                f.user_dm_raw(u, r"does it hurt \ud800?");
            }),
        ),
        (
            "a lone low surrogate and a reversed pair",
            Box::new(|f, u| {
                f.user_dm_raw(u, r"\udc00 \udc00\ud800 <@&456>");
            }),
        ),
        (
            "a compressed frame that is not UTF-8",
            Box::new(|f, u| {
                f.binary_frame(zlib_stored(&message(u, b"caf\xe9 \xff\xfe \xed\xa0\x80")))
            }),
        ),
        (
            "a binary frame that is not zlib",
            Box::new(|f, _| f.binary_frame(b"\x00\xff\xfe not zlib".to_vec())),
        ),
    ];
    let users: Vec<DiscordUser> = (0..odd.len())
        .map(|i| DiscordUser::new(31_100 + i as u64, "pat"))
        .collect();
    for ((_, send), user) in odd.iter().zip(&users) {
        send(&bot.fake, user);
    }
    for user in &users {
        bot.fake.user_dm(user, "does it hurt?");
    }
    for ((what, _), user) in odd.iter().zip(&users) {
        until(&format!("{what}: an answer"), || {
            !bot.fake.sent_to(channel(user)).is_empty()
        })
        .await;
    }
    // Every reply is in: each user's last is the answer to their question.
    quiet(|| bot.fake.message_posts().len()).await;
    for ((what, _), user) in odd.iter().zip(&users) {
        let shown: Vec<String> = bot
            .fake
            .sent_to(channel(user))
            .iter()
            .map(SentMessage::shown)
            .collect();
        assert!(
            shown
                .last()
                .is_some_and(|s| s.contains("needles are very fine")),
            "{what}: {shown:?}"
        );
        assert!(shown.len() <= 3, "{what}: {shown:?}");
    }
    assert_eq!(bot.fake.identifies(), 1, "the session went on");
    bot.check_everything(users.iter().map(channel));
    bot.adapters.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_discord_button_ids_are_answered_politely_and_change_nothing() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(31_002, "pat");
    let consent = bot.dm(&pat, "/screen").await;
    let question = bot.press(&pat, &consent, "ans:consent:yes").await;
    assert!(
        question
            .buttons()
            .contains(&"ans:red_flags_now:no".to_owned())
    );
    let forged = [
        "ans:../../x".to_owned(),
        "topic:<script>alert(1)</script>".to_owned(),
        "appt:cancel-yes:a0000000000000000".to_owned(),
        pseudo_random(100, 2),
        "😀".repeat(25),
        "ans:consent:yes".to_owned(),
        "ans:red_flags_now:maybe".to_owned(),
        "ans:red_flags_now:<@&456>".to_owned(),
        "@everyone".to_owned(),
        "desk:claim:1".to_owned(),
        String::new(),
    ];
    let acks = bot.fake.callbacks().len();
    let before = bot.fake.sent_to(question.channel_id).len();
    for id in &forged {
        bot.fake.press(&pat, &question, id);
    }
    bot.fake.wait_callbacks(acks + forged.len()).await;
    quiet(|| bot.fake.sent_to(question.channel_id).len()).await;
    let replies = &bot.fake.sent_to(question.channel_id)[before..];
    for reply in replies {
        let shown = reply.shown();
        let repeated = reply.buttons().contains(&"ans:red_flags_now:no".to_owned());
        assert!(
            repeated
                || shown.contains("no longer active")
                || shown.contains("can't find an upcoming appointment"),
            "not a polite refusal nor the same question: {shown}"
        );
    }
    assert!(replies.len() >= forged.len(), "{}", replies.len());
    let next = bot.press(&pat, &question, "ans:red_flags_now:no").await;
    assert!(
        next.buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned()),
        "{}",
        next.content
    );
    bot.check_everything([question.channel_id]);
    bot.adapters.stop().await;
}

/// In a server channel anyone may press the bot's buttons: a press by someone
/// else goes on in the presser's own DM, never the asker's; and an
/// appointment id forged into a DM button changes nobody's appointment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_press_on_someone_elses_message_acts_only_for_the_presser() {
    let mut bot = spawn_discord_bot().await;
    let ana = DiscordUser::new(31_003, "ana");
    let eve = DiscordUser::new(31_004, "eve");
    let (appointment, code) = book(&bot.engine, "Ana Ruiz");
    let linked = bot.dm(&ana, &code).await;
    assert!(
        linked.shown().contains("linked to your appointment"),
        "{}",
        linked.content
    );
    let ana_dm = linked.channel_id;
    let (guild, channel) = (5_400, 6_400);
    bot.fake
        .channel_message(guild, channel, &ana, "what is dry needling?", true);
    let answer = bot.fake.next_to(channel, 0).await;
    let ana_seen = bot.fake.sent_to(ana_dm).len();

    bot.fake
        .press_in_server(guild, &eve, &answer, "screen:start");
    let moved = bot.fake.next_to(channel, 1).await;
    assert!(moved.shown().contains("private chat"), "{}", moved.content);
    let eve_dm = bot.fake.dm_channel(&eve);
    let first = bot.fake.next_to(eve_dm, 0).await;
    assert!(
        first.buttons().contains(&"ans:consent:yes".to_owned()),
        "the screen starts in the presser's DM: {}",
        first.content
    );
    let cancel = format!("appt:cancel-yes:{appointment}");
    let refused = bot.press(&eve, &first, &cancel).await;
    assert!(
        refused
            .shown()
            .contains("can't find an upcoming appointment"),
        "{}",
        refused.content
    );
    bot.fake.press_in_server(guild, &eve, &answer, &cancel);
    quiet(|| bot.fake.message_posts().len()).await;
    assert_eq!(
        bot.fake.sent_to(ana_dm).len(),
        ana_seen,
        "Ana was not involved"
    );
    assert_eq!(status(&bot.engine, &appointment), Status::Booked);
    bot.check_everything([ana_dm, eve_dm, channel]);
    bot.adapters.stop().await;
}

// ------------------------------------------------------------ staff desks

/// What the desks should show for a patient's message during a hand-off:
/// free text is relayed (trimmed, at most 4,000 characters); commands and
/// blank messages are not.
fn relayed(text: &str) -> Option<String> {
    match Input::from_text(text) {
        Input::Text(t) if !t.trim().is_empty() => Some(t.trim().chars().take(4000).collect()),
        _ => None,
    }
}

/// The corpus's free text as a few messages, so the desks (whose deliveries go
/// out one at a time) get every hostile string in a few posts: what is long
/// once relayed goes alone, the rest is joined by line breaks into messages of
/// at most 3,000 characters. Commands and blank messages are left out: they
/// are not relayed.
fn corpus_in_few_messages() -> Vec<String> {
    let mut messages = Vec::new();
    let mut joined = String::new();
    for h in corpus() {
        let Some(text) = relayed(&h.text).filter(|_| !h.text.trim_start().starts_with('/')) else {
            continue;
        };
        if text.chars().count() > 1_000 {
            messages.push(h.text);
        } else {
            if joined.chars().count() + h.text.chars().count() > 3_000 {
                messages.push(std::mem::take(&mut joined));
            }
            joined.push_str(&h.text);
            joined.push('\n');
        }
    }
    messages.push(joined);
    messages
}

/// A desk's relays of ticket `number`'s patient messages, in the order
/// posted, each put together again from the posts it was cut into.
fn relays(posts: &[String], number: u64) -> Vec<String> {
    let mut relays: Vec<String> = Vec::new();
    let mut ours = false;
    for post in posts {
        if post.starts_with('#') && post.contains(" patient: ") {
            ours = post.starts_with(&format!("#{number} patient: "));
            if ours {
                relays.push(post.clone());
            }
        } else if post.starts_with("New ticket") || post.starts_with("Ticket") {
            ours = false;
        } else if ours && let Some(last) = relays.last_mut() {
            last.push_str(post);
        }
    }
    relays
}

/// Patient text is echoed in one place: the staff desks, during a hand-off.
/// There it must show exactly as typed (whatever it is cut into to fit), and
/// ping nobody. One patient on each platform, with a hostile Telegram name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_words_relayed_to_both_staff_desks_show_literally_and_ping_nobody() {
    let mut both = spawn_both_at(Arc::new(SystemClock)).await;
    let name = "<b>Eve</b> @everyone <@&1300000000000000002> **x** &amp;";
    let tg_pat = User::new(22_001, name);
    let dc_pat = DiscordUser::new(32_001, "eve");
    let tg_posts = || {
        both.telegram
            .sent_to(TELEGRAM_DESK)
            .iter()
            .map(Sent::plain_text)
            .collect::<Vec<_>>()
    };
    let dc_posts = || {
        both.discord
            .sent_to(DISCORD_DESK)
            .iter()
            .map(SentMessage::shown)
            .collect::<Vec<_>>()
    };
    let posted = |ticket: &str| {
        tg_posts().iter().any(|p| p.starts_with(ticket))
            && dc_posts().iter().any(|p| p.starts_with(ticket))
    };

    both.telegram.user_says(&tg_pat, "/human");
    until("ticket #1 is posted", || posted("New ticket #1")).await;
    let opened = format!("New ticket #1: {name} on telegram");
    assert!(tg_posts()[0].starts_with(&opened), "{}", tg_posts()[0]);
    assert!(dc_posts()[0].starts_with(&opened), "{}", dc_posts()[0]);
    both.discord.user_dm(&dc_pat, "/human");
    until("ticket #2 is posted", || posted("New ticket #2")).await;

    let messages = corpus_in_few_messages();
    for text in &messages {
        both.telegram.user_says(&tg_pat, text);
        both.discord.user_dm(&dc_pat, text);
    }
    let expected: Vec<String> = messages.iter().filter_map(|t| relayed(t)).collect();
    let want = |number: u64| -> Vec<String> {
        expected
            .iter()
            .map(|t| format!("#{number} patient: {t}"))
            .collect()
    };
    // The Telegram patient's messages are handled in order; the Discord
    // patient's may be handled concurrently.
    let one = want(1);
    let mut two = want(2);
    two.sort();
    until("every message reaches both desks", || {
        [tg_posts(), dc_posts()]
            .iter()
            .all(|posts| relays(posts, 1).len() == one.len() && relays(posts, 2).len() == two.len())
    })
    .await;
    for (desk, posts) in [("Telegram", tg_posts()), ("Discord", dc_posts())] {
        assert_eq!(relays(&posts, 1), one, "the {desk} desk");
        let mut got = relays(&posts, 2);
        got.sort();
        assert_eq!(got, two, "the {desk} desk");
    }
    for sent in both.discord.sent_to(DISCORD_DESK) {
        check_discord_message(&sent, "the Discord desk");
    }
    for sent in both.telegram.sent_to(TELEGRAM_DESK) {
        check_telegram(&sent, "the Telegram desk");
    }
    assert!(
        both.telegram.rejected().is_empty(),
        "{:?}",
        both.telegram.rejected()
    );
    assert!(
        both.discord.rejected().is_empty(),
        "{:?}",
        both.discord.rejected()
    );
    // The bot stayed quiet during the hand-off.
    assert_eq!(both.telegram.sent_to(tg_pat.id).len(), 1);
    let dm = both.discord.dm_channel(&dc_pat);
    assert_eq!(both.discord.sent_to(dm).len(), 1);
    both.stop().await;
}
