//! The real Discord adapter (serenity) against the fake Discord on loopback.

use std::time::Duration;

use frontdesk_testkit::discord::{self, DiscordUser, FakeDiscord, SentMessage};

use crate::helpers::{DiscordBot, ScreenMove, next_screen_move, spawn_bot, spawn_discord_bot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faq_question_in_a_dm_gets_its_answer_pinging_nobody() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(42, "pat");
    let reply = bot.dm(&pat, "does dry needling hurt?").await;
    assert!(
        reply.shown().contains("needles are very fine"),
        "{}",
        reply.content
    );
    assert_eq!(reply.allowed_mentions["parse"], serde_json::json!([]));
    assert!(reply.buttons().iter().all(|b| b.starts_with("topic:")));
    let commands = bot.fake.commands();
    let names: Vec<&str> = commands[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ask", "screen", "human", "language"]);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clarify_button_press_is_acknowledged_with_the_buttons_disabled() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(43, "pat");
    let clarify = bot.dm(&pat, "how long").await;
    let topic = clarify
        .buttons()
        .into_iter()
        .find(|b| b.starts_with("topic:"))
        .unwrap();
    let answer = bot.press(&pat, &clarify, &topic).await;
    assert!(!answer.content.is_empty());
    let callbacks = bot.fake.callbacks();
    assert_eq!(callbacks.len(), 1);
    let body = &callbacks[0].1;
    assert_eq!(body["type"], 7, "acknowledged by updating the message");
    let buttons = body["data"]["components"][0]["components"]
        .as_array()
        .unwrap();
    assert!(!buttons.is_empty());
    assert!(buttons.iter().all(|b| b["disabled"] == true), "{body}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_in_a_dm_gets_the_call_911_answer() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(44, "pat");
    let reply = bot.dm(&pat, "my chest hurts and i cant breathe").await;
    assert!(
        reply.shown().starts_with("Call 911 now"),
        "{}",
        reply.content
    );
    bot.stop().await;
}

/// Answers a screen: buttons where there are answer buttons, typing "no"
/// on free-text questions.
async fn screen(bot: &DiscordBot, user: &DiscordUser, yes_to: &[&str], typed: bool) -> SentMessage {
    let mut last = bot.dm(user, "/screen").await;
    for _ in 0..60 {
        last = match next_screen_move(&last.buttons(), yes_to) {
            ScreenMove::Done => return last,
            // Typed: the button's answer value ("ans:QUESTION:VALUE").
            ScreenMove::Press(id) if typed => {
                let value = id.rsplit(':').next().unwrap_or_default().to_owned();
                bot.dm(user, &value).await
            }
            ScreenMove::Press(id) => bot.press(user, &last, &id).await,
            ScreenMove::Type(text) => bot.dm(user, text).await,
        };
    }
    panic!("the screen did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_screen_by_buttons_and_one_typed_reach_their_outcomes() {
    let mut bot = spawn_discord_bot().await;
    let by_buttons = screen(&bot, &DiscordUser::new(45, "pat"), &["needle_fear"], false).await;
    assert!(
        by_buttons.shown().contains("we won't plan dry needling"),
        "{}",
        by_buttons.content
    );
    let typed = screen(&bot, &DiscordUser::new(46, "sam"), &[], true).await;
    assert!(
        typed.shown().contains("Nothing you told us needs checking"),
        "{}",
        typed.content
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_server_a_mention_is_answered_there_and_a_screen_moves_to_a_dm() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(47, "pat");
    let (guild, channel) = (5_000, 6_000);
    bot.fake
        .channel_message(guild, channel, &pat, "does it hurt?", false);
    bot.fake
        .channel_message(guild, channel, &pat, "does it hurt?", true);
    let answer = bot.fake.next_to(channel, 0).await;
    assert!(
        answer.shown().contains("needles are very fine"),
        "{}",
        answer.content
    );
    bot.fake
        .channel_message(guild, channel, &pat, "/screen", true);
    let moved = bot.fake.next_to(channel, 1).await;
    assert!(moved.shown().contains("private chat"), "{}", moved.content);
    let dm = bot.fake.dm_channel(&pat);
    let first = bot.fake.next_to(dm, 0).await;
    assert!(
        first.buttons().contains(&"ans:consent:yes".to_owned()),
        "the screen starts in the DM"
    );
    assert_eq!(
        bot.settled(channel).await.len(),
        2,
        "the unaddressed message got nothing"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_restarted_mid_screen_resumes_at_the_same_question() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(48, "pat");
    let consent = bot.dm(&pat, "/screen").await;
    let q1 = bot.press(&pat, &consent, "ans:consent:yes").await;
    let q2 = bot.press(&pat, &q1, "ans:red_flags_now:no").await;
    assert!(
        q2.buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned())
    );
    bot.stop().await;
    bot.start().await;
    let resumed = bot.dm(&pat, "/screen").await;
    assert!(resumed.shown().contains("carry on"), "{}", resumed.content);
    // The question follows the "carry on" message (counted from it, not
    // from however many messages have arrived by now).
    let carry_on = bot
        .fake
        .sent_to(resumed.channel_id)
        .iter()
        .rposition(|m| m.content == resumed.content)
        .expect("the resumed message was sent");
    let mut next = carry_on + 1;
    let question = loop {
        let message = bot.fake.next_to(resumed.channel_id, next).await;
        if !message.buttons().is_empty() {
            break message;
        }
        next += 1;
    };
    assert!(
        question
            .buttons()
            .contains(&"ans:prefer_no_needling:no".to_owned())
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_gateway_connection_is_resumed_and_no_message_is_lost() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(49, "pat");
    bot.dm(&pat, "hi").await;
    bot.fake.drop_gateway();
    // Sent while the bot is disconnected: delivered when it resumes.
    let channel = bot.fake.user_dm(&pat, "does it hurt?");
    let reply = bot.fake.next_to(channel, 1).await;
    assert!(
        reply.shown().contains("needles are very fine"),
        "{}",
        reply.content
    );
    assert!(bot.fake.resumes() >= 1, "the session was resumed");
    assert_eq!(bot.fake.identifies(), 1, "not a fresh session");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_pings_and_markdown_in_patient_text_are_inert() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(50, "pat");
    let reply = bot
        .dm(&pat, "@everyone **does it hurt** <@&123> `x` ?")
        .await;
    assert_eq!(reply.allowed_mentions["parse"], serde_json::json!([]));
    assert!(
        reply
            .allowed_mentions
            .get("users")
            .is_none_or(|u| u == &serde_json::json!([]))
    );
    for sent in bot.settled(reply.channel_id).await {
        assert_eq!(
            sent.allowed_mentions["parse"],
            serde_json::json!([]),
            "{}",
            sent.content
        );
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_send_is_retried_after_retry_after_and_nothing_is_doubled() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(51, "pat");
    bot.fake.rate_limit_messages(1);
    let reply = bot.dm(&pat, "does it hurt?").await;
    assert!(reply.shown().contains("needles are very fine"));
    let posts = bot.fake.message_posts();
    assert_eq!(posts.len(), 2, "one rate-limited post, one retry");
    assert!(
        posts[1].duration_since(posts[0]) >= Duration::from_secs(1),
        "the retry waited for Retry-After"
    );
    assert_eq!(
        bot.settled(reply.channel_id).await.len(),
        1,
        "nothing doubled"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_in_a_server_are_answered_ephemerally_and_screens_go_to_a_dm() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(52, "pat");
    let (guild, channel) = (5_100, 6_100);
    bot.fake.slash_command(
        Some(guild),
        channel,
        &pat,
        "ask",
        serde_json::json!([{"name": "question", "type": 3, "value": "does it hurt?"}]),
    );
    let callbacks = bot.fake.wait_callbacks(1).await;
    let body = &callbacks[0].1;
    assert_eq!(body["type"], 4, "a message response");
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body}");
    let content = body["data"]["content"].as_str().unwrap();
    assert!(content.contains("needles are very fine"), "{content}");
    assert_eq!(
        body["data"]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );

    bot.fake
        .slash_command(Some(guild), channel, &pat, "screen", serde_json::json!([]));
    let callbacks = bot.fake.wait_callbacks(2).await;
    assert!(
        callbacks[1].1["data"]["content"]
            .as_str()
            .unwrap()
            .contains("private chat")
    );
    let dm = bot.fake.dm_channel(&pat);
    let first = bot.fake.next_to(dm, 0).await;
    assert!(first.buttons().contains(&"ans:consent:yes".to_owned()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_server_channel_no_members_yes_number_or_code_opens_a_ticket_or_links_anything() {
    let mut bot = spawn_discord_bot().await;
    let (ana, ben, cy) = (
        DiscordUser::new(48, "ana"),
        DiscordUser::new(49, "ben"),
        DiscordUser::new(50, "cy"),
    );
    let (guild, channel) = (5_200, 6_200);
    for (who, text) in [
        (&ana, "do you do botox"),
        (&ben, "yes"),
        (&cy, "1"),
        (&cy, "my name is Cy and I take warfarin"),
        (&ben, "ABCD-EF2345"),
    ] {
        bot.fake.channel_message(guild, channel, who, text, true);
    }
    let shown: Vec<String> = bot
        .settled(channel)
        .await
        .iter()
        .map(|m| m.shown().to_string())
        .collect();
    crate::helpers::assert_shared_chat_opened_nothing(&shown, bot.engine());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_discord_created_before_answering_502_is_not_doubled_by_the_retry() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(60, "pat");
    bot.fake.fail_after_creating(1);
    let reply = bot.dm(&pat, "does it hurt?").await;
    assert!(
        reply.shown().contains("needles are very fine"),
        "{}",
        reply.content
    );
    crate::helpers::until("the post is retried", || {
        bot.fake.message_posts().len() >= 2
    })
    .await;
    assert_eq!(bot.settled(reply.channel_id).await.len(), 1, "one copy");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_quick_messages_in_a_channel_are_answered_in_order_when_the_first_answer_is_held_up() {
    let mut bot = spawn_discord_bot().await;
    let pat = DiscordUser::new(53, "pat");
    // The first reply is rate limited for a second; the second question
    // comes in meanwhile.
    bot.fake.rate_limit_messages(1);
    let channel = bot.fake.user_dm(&pat, "does it hurt?");
    bot.fake.user_dm(&pat, "what should I wear?");
    crate::helpers::until("both answers", || bot.fake.sent_to(channel).len() >= 2).await;
    let answers: Vec<String> = bot
        .settled(channel)
        .await
        .iter()
        .map(SentMessage::shown)
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(answers[0].contains("needles are very fine"), "{answers:?}");
    assert!(answers[1].contains("Loose"), "{answers:?}");
    bot.stop().await;
}

/// `frontdesk serve` on the Discord fake only (through `DISCORD_API_URL`),
/// its log piped, once its gateway session is up.
async fn serve_on_discord(fake: &FakeDiscord) -> tokio::process::Child {
    let env = [
        ("DISCORD_BOT_TOKEN", discord::TOKEN),
        ("DISCORD_API_URL", &fake.api_url()),
    ];
    let child = spawn_bot().serve_with(&env, &[], std::process::Stdio::piped());
    // The gateway URL came from the fake's API: the session is the fake's.
    fake.wait_ready().await;
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontdesk_serve_answers_on_a_fake_discord_through_discord_api_url_and_stops_on_sigterm() {
    let fake = FakeDiscord::start().await;
    let child = serve_on_discord(&fake).await;
    let pat = DiscordUser::new(54, "pat");
    let channel = fake.user_dm(&pat, "does it hurt?");
    let reply = fake.next_to(channel, 0).await;
    assert!(reply.shown().contains("needles are very fine"));

    let asked = std::time::Instant::now();
    crate::helpers::signal(&child, "TERM");
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("it stops after SIGTERM")
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    assert!(output.status.success(), "exit status {:?}", output.status);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains(discord::TOKEN), "the token is never logged");
    assert!(
        !log.contains("does it hurt"),
        "message text is never logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_discord_never_answers_is_abandoned_after_60_s_and_the_patients_next_message_is_answered()
 {
    let fake = FakeDiscord::start().await;
    let child = serve_on_discord(&fake).await;
    let pat = DiscordUser::new(55, "pat");
    let channel = fake.user_dm(&pat, "hello");
    fake.next_to(channel, 0).await;
    crate::helpers::settled(|| fake.sent_to(channel).len()).await;
    let greeted = fake.sent_to(channel).len();
    // The next send to the patient gets no answer (the desk's posts, such
    // as the day's digest, go on as usual).
    fake.hang_message_posts(channel, 1);
    fake.user_dm(&pat, "does it hurt?");
    fake.user_dm(&pat, "what should I wear?");
    let asked = std::time::Instant::now();
    let reply = fake
        .next_to_within(channel, greeted, Duration::from_secs(120))
        .await;
    let waited = asked.elapsed();
    assert!(reply.shown().contains("Loose"), "{}", reply.content);
    assert!(waited >= Duration::from_secs(59), "{waited:?}");
    // The nonce is a string within Discord's 25 characters.
    let nonce = reply.nonce.as_str().expect("a string nonce");
    assert!((1..=25).contains(&nonce.len()), "{nonce}");

    crate::helpers::signal(&child, "TERM");
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("it stops after SIGTERM")
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("a reply to a patient could not be delivered")
            && log.contains("the send was abandoned"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_in_a_server_channel_gives_the_ids_desk_toml_needs() {
    let mut bot = spawn_discord_bot().await;
    let maria = DiscordUser::new(1_300_000_000_000_000_099, "maria");
    bot.fake.channel_message(61, 6100, &maria, "!whoami", false);
    let answer = bot.fake.next_to(6100, 0).await;
    let shown = answer.shown();
    assert!(
        shown.contains("1300000000000000099") && shown.contains("6100"),
        "{shown}"
    );
    assert!(shown.contains("discord_channel"), "{shown}");
    bot.stop().await;
}
