//! The hostile corpus and odd gateway frames through the real Discord adapter.

use super::*;

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
        bot.fake.user_dm(user, &h.then.0);
    }
    for ((h, channel), seen) in corpus.iter().zip(&channels).zip(&answered) {
        let replies = &bot.fake.sent_to(*channel)[..*seen];
        for sent in replies {
            check_discord_message(sent, &h.what);
        }
        if let Some(text) = &h.says {
            assert!(
                replies.iter().any(|s| s.shown().contains(text)),
                "{}: wanted {text:?}, got {:?}",
                h.what,
                replies.iter().map(SentMessage::shown).collect::<Vec<_>>()
            );
        }
        assert!(replies.len() <= 3, "{}: {} replies", h.what, replies.len());
        bot.answer_to(*channel, *seen, &h.then.1).await;
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
    bot.stop().await;
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
    drop(odd);
    bot.stop().await;
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
    bot.stop().await;
}

/// In a server channel anyone may press the bot's buttons: a press by someone
/// else goes on in the presser's own DM, never the asker's; and an
/// appointment id forged into a DM button changes nobody's appointment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_press_on_someone_elses_message_acts_only_for_the_presser() {
    let mut bot = spawn_discord_bot().await;
    let ana = DiscordUser::new(31_003, "ana");
    let eve = DiscordUser::new(31_004, "eve");
    let (appointment, code) = book(bot.engine(), "Ana Ruiz");
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
    assert_eq!(status(bot.engine(), &appointment), Status::Booked);
    bot.check_everything([ana_dm, eve_dm, channel]);
    bot.stop().await;
}
