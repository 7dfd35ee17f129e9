//! Fuzzes the engine's handling of messages: a short conversation of fuzzed
//! messages on the shipped knowledge folder, through `Engine::handle`.
//!
//! The input is split at NUL bytes into up to eight messages. Each message
//! starts with two header bytes, then its text (lossy UTF-8):
//!
//! - byte 0, bits 0-1: how the text is given: 0 or 1 `Input::from_text`
//!   (text, or a `/command`), 2 a button id as `Input::Choice`, 3 pressing
//!   one of the buttons the previous reply offered (the text's length picks
//!   which), so the fuzzer can walk into the health screen;
//!   bit 2: a shared chat; bits 3-4: which of four chats; bit 5: a locale
//!   hint (es when bit 6 is set, else en); bit 7: a display name.
//! - byte 1, bits 0-6: minutes since the previous message, squared; bit 7:
//!   on Telegram chats, the delivery repeats the previous sequence number (a
//!   redelivery) instead of taking the next one. Other platforms send none.
//!
//! Each input gets a new engine on an in-memory store, so a run does not
//! depend on the inputs before it; the knowledge folder is loaded once.
//!
//! Invariants: no panic; every reply's text is non-empty and at most 4096
//! characters (Telegram's limit); no reply contains a message of over 2000
//! characters (answers never echo huge input).

#![no_main]

use std::path::Path;
use std::sync::{Arc, OnceLock};

use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, Locale, MemoryStore, Platform};
use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;

const MAX_MESSAGES: usize = 8;
const MAX_REPLY_CHARS: usize = 4096;
const HUGE_INPUT_CHARS: usize = 2000;
const CHATS: [&str; 4] = [
    "telegram:1001",
    "telegram:-2002",
    "discord:3003",
    "terminal:local",
];

fn knowledge() -> Arc<Knowledge> {
    static KNOWLEDGE: OnceLock<Arc<Knowledge>> = OnceLock::new();
    KNOWLEDGE
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq");
            Arc::new(Knowledge::load(&dir).expect("the shipped knowledge folder loads"))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let engine = Engine::new(MemoryStore::new(), knowledge());
    // Monday 2 March 2026, 15:00 UTC: the clinic is open.
    let mut at = Timestamp::from_second(1_772_463_600).unwrap();
    let mut offered: Vec<String> = Vec::new();
    let mut sequence: u64 = 100;
    for chunk in data.split(|&b| b == 0).take(MAX_MESSAGES) {
        let (control, minutes, body) = match chunk {
            [c, m, rest @ ..] => (*c, *m, rest),
            [c] => (*c, 0, &[][..]),
            [] => (0, 0, &[][..]),
        };
        let text = String::from_utf8_lossy(body).into_owned();
        at = at
            .checked_add(SignedDuration::from_mins(i64::from(minutes & 0x7f).pow(2)))
            .unwrap_or(at);
        let input = match control & 0b11 {
            0 | 1 => Input::from_text(&text),
            2 => Input::Choice(text.clone()),
            _ => match offered.len() {
                0 => Input::from_text(&text),
                n => Input::Choice(offered[text.len() % n].clone()),
            },
        };
        if minutes & 0x80 == 0 {
            sequence += 1;
        }
        let chat = ChatKey::parse(CHATS[usize::from((control >> 3) & 0b11)]).unwrap();
        let incoming = Incoming {
            sequence: (chat.platform() == Platform::Telegram).then_some(sequence),
            chat,
            input,
            at,
            locale_hint: (control & 0b10_0000 != 0).then_some(if control & 0b100_0000 != 0 {
                Locale::Es
            } else {
                Locale::En
            }),
            shared: control & 0b100 != 0,
            display_name: (control & 0b1000_0000 != 0).then(|| "Fuzz Patient".to_owned()),
        };
        let outcome = engine.handle(&incoming);

        let huge = [text.as_str(), text.trim()]
            .into_iter()
            .filter(|t| t.chars().count() > HUGE_INPUT_CHARS)
            .collect::<Vec<_>>();
        for reply in &outcome.replies {
            assert!(
                !reply.text.trim().is_empty(),
                "an empty reply to {incoming:?}: {reply:?}"
            );
            let chars = reply.text.chars().count();
            assert!(
                chars <= MAX_REPLY_CHARS,
                "a reply of {chars} characters to {:?}",
                incoming.input
            );
            for t in &huge {
                assert!(
                    !reply.text.contains(t),
                    "a reply echoes a message of {} characters",
                    t.chars().count()
                );
            }
        }
        if !outcome.replies.is_empty() {
            offered = outcome
                .replies
                .iter()
                .flat_map(|r| r.choices.iter().map(|c| c.id.clone()))
                .collect();
        }
    }
});
