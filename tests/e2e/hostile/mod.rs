//! Hostile and odd input (issue 8): one corpus of nasty messages, sent through
//! the real Telegram and Discord adapters to the fakes. Each message gets a
//! sensible reply (an update with nothing to answer gets none); every message
//! the bot sends is valid for its platform, within its length limit, shows
//! patient text literally and pings nobody; and the bot still answers a normal
//! question afterwards. Forged and foreign button presses change nothing.
//!
//! The corpus is `data/hostile.json`; the platforms' tests are in
//! `telegram.rs` and `discord.rs` beside this file, the staff desks' here.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::appointments::{NewAppointment, Status};
use frontdesk_core::{Engine, Input, SledStore, SystemClock};
use frontdesk_testkit::discord::{DiscordUser, FakeDiscord, SentMessage};
use frontdesk_testkit::telegram::{FakeTelegram, Sent, User};
use serde_json::json;

use crate::handoff::{DISCORD_DESK, TELEGRAM_DESK, spawn_both_at};
use crate::helpers::{DiscordBot, TelegramBot, spawn_discord_bot, spawn_telegram_bot};

mod discord;
mod telegram;

/// A hostile message, what it must get back beyond what every message gets,
/// and the ordinary message (with a piece of its answer) that shows the bot
/// is still working afterwards.
struct Hostile {
    what: String,
    text: String,
    /// A piece of the reply, when a particular reply is due.
    says: Option<String>,
    then: (String, String),
}

/// One entry of `data/hostile.json`. Long texts are written as a unit and a
/// count: `prefix + (text × repeat, cut to take_chars) + suffix`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    what: String,
    text: String,
    #[serde(default = "once")]
    repeat: usize,
    take_chars: Option<usize>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    suffix: String,
    says: Option<String>,
    then: Option<(String, String)>,
}

fn once() -> usize {
    1
}

/// The bot's internal-error message: never the answer to odd input.
const WENT_WRONG: &str = "can't take messages";

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

/// The corpus, shared by both platforms, from `data/hostile.json`.
fn corpus() -> Vec<Hostile> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/data/hostile.json");
    let entries: Vec<Entry> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    entries
        .into_iter()
        .map(|e| {
            let mut body = e.text.repeat(e.repeat);
            if let Some(n) = e.take_chars {
                body = body.chars().take(n).collect();
            }
            Hostile {
                what: e.what,
                text: format!("{}{body}{}", e.prefix, e.suffix),
                says: e.says,
                then: e
                    .then
                    .unwrap_or_else(|| ("does it hurt?".into(), "needles are very fine".into())),
            }
        })
        .collect()
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

use crate::helpers::until;

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
