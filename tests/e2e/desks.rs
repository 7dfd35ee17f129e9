//! Desks that work as support desks do on each platform: a forum topic per
//! ticket in a Telegram group with topics, a thread per ticket in a Discord
//! channel that allows them, and a reply to a ticket's post in a plain
//! group or channel. Both fakes, both real adapters, one engine.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::handoff::render;
use frontdesk_core::{ChatKey, Clock, ManualClock};
use frontdesk_testkit::discord::{self, DiscordUser};
use frontdesk_testkit::telegram::User;

use crate::handoff::{
    Both, DISCORD_DESK, MARIA_ON_DISCORD, TELEGRAM_DESK, spawn_both, spawn_both_at,
};

const MARIA_ON_TELEGRAM: i64 = 5_000_001;

/// Waits until `check` holds (a minute at most).
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..600 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

/// The plain text of every post in a Telegram topic.
fn topic_texts(both: &Both, thread: i64) -> Vec<String> {
    both.telegram
        .sent_in_topic(TELEGRAM_DESK, thread)
        .iter()
        .map(|m| m.plain_text())
        .collect()
}

/// What a Discord channel or thread shows, post by post.
fn shown_in(both: &Both, channel: u64) -> Vec<String> {
    both.discord
        .sent_to(channel)
        .iter()
        .map(|m| m.shown())
        .collect()
}

/// A patient (Telegram user `id`) asks for a person with a forum topic
/// and a thread on the desks: the patient and the ticket's topic.
async fn ticket_with_topic_and_thread(both: &Both, id: i64) -> (User, i64) {
    both.telegram.make_forum(TELEGRAM_DESK);
    both.discord.allow_threads(DISCORD_DESK);
    let pat = User::new(id, "Pat");
    both.telegram.user_says(&pat, "/human");
    both.telegram.next_to(pat.id, 0).await;
    until("a topic and a thread", || {
        both.telegram.topics(TELEGRAM_DESK).len() == 1 && both.discord.threads().len() == 1
    })
    .await;
    let (topic, _, _) = both.telegram.topics(TELEGRAM_DESK)[0].clone();
    (pat, topic)
}

/// Waits until every topic and thread is deleted.
async fn topic_and_thread_deleted(both: &Both) {
    until("the topic and the thread deleted", || {
        both.telegram.topics(TELEGRAM_DESK).is_empty() && both.discord.threads().is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_telegram_group_with_topics_each_ticket_lives_in_its_own_topic_from_card_to_close() {
    let mut both = spawn_both().await;
    both.telegram.make_forum(TELEGRAM_DESK);
    let pat = User::new(311, "Pat Lee");
    let maria = User::new(MARIA_ON_TELEGRAM, "Maria");

    both.telegram.user_says(&pat, "how much is a session?");
    both.telegram.next_to(pat.id, 0).await;
    both.telegram.user_says(&pat, "/human");
    both.telegram.next_to(pat.id, 1).await;

    // The ticket's topic, named after the patient, opens with its card.
    until("a topic", || both.telegram.topics(TELEGRAM_DESK).len() == 1).await;
    let (topic, name, closed) = both.telegram.topics(TELEGRAM_DESK)[0].clone();
    assert_eq!((name.as_str(), closed), ("#1 Pat Lee", false));
    until("the card", || !topic_texts(&both, topic).is_empty()).await;
    let card = &both.telegram.sent_in_topic(TELEGRAM_DESK, topic)[0];
    let shown = card.plain_text();
    assert!(
        shown.starts_with("New ticket #1: Pat Lee on telegram"),
        "{shown}"
    );
    assert!(shown.contains("Patient: how much is a session?"), "{shown}");
    assert!(shown.contains("writing in English"), "{shown}");
    assert!(card.buttons().contains(&"desk:claim:1".to_owned()));

    // The patient's next words land in the topic, nowhere else in the group.
    let in_group = both.telegram.sent_to(TELEGRAM_DESK).len();
    both.telegram.user_says(&pat, "my knee hurts since Monday");
    until("the patient's words in the topic", || {
        topic_texts(&both, topic)
            .iter()
            .any(|t| t == "#1 patient: my knee hurts since Monday")
    })
    .await;
    assert!(
        both.telegram.sent_to(TELEGRAM_DESK)[in_group..]
            .iter()
            .all(|m| m.thread_id == Some(topic) || !m.plain_text().contains("knee")),
        "the words went to the topic only"
    );

    // Maria just writes in the topic: she claims it and Pat gets her words.
    let before = both.telegram.sent_to(pat.id).len();
    both.telegram.topic_message(
        TELEGRAM_DESK,
        topic,
        &maria,
        "Hi Pat, Maria here. Which knee?",
    );
    let relayed = both.telegram.next_to(pat.id, before).await;
    assert_eq!(
        relayed.plain_text(),
        "Bayside Physio & Chiropractic: Hi Pat, Maria here. Which knee?"
    );
    until("the claim shown in the topic", || {
        topic_texts(&both, topic)
            .iter()
            .any(|t| t.starts_with("Ticket #1 is claimed by Maria"))
    })
    .await;

    // The topic is deleted by hand: the next post makes it again, with the
    // story so far, and the patient's words are not lost.
    both.telegram.delete_topic(TELEGRAM_DESK, topic);
    both.telegram.user_says(&pat, "the left one");
    until("a new topic", || {
        both.telegram
            .topics(TELEGRAM_DESK)
            .iter()
            .any(|(t, _, _)| *t != topic)
    })
    .await;
    let (again, name, _) = both.telegram.topics(TELEGRAM_DESK)[0].clone();
    assert_eq!(name, "#1 Pat Lee");
    until("the words in the new topic", || {
        topic_texts(&both, again)
            .iter()
            .any(|t| t == "#1 patient: the left one")
    })
    .await;
    let story = &topic_texts(&both, again)[0];
    assert!(story.starts_with(render::TOPIC_RECREATED), "{story}");
    assert!(
        story.contains("Patient: my knee hurts since Monday")
            && story.contains("Maria (front desk): Hi Pat, Maria here."),
        "{story}"
    );

    // "/close" in the topic closes the ticket, then the topic.
    let before = both.telegram.sent_to(pat.id).len();
    both.telegram
        .topic_message(TELEGRAM_DESK, again, &maria, "/close");
    let back = both.telegram.next_to(pat.id, before).await;
    assert!(
        back.plain_text()
            .contains("back with the clinic's assistant")
    );
    until("the topic closed", || {
        both.telegram.topics(TELEGRAM_DESK) == [(again, "#1 Pat Lee".to_owned(), true)]
    })
    .await;
    assert!(both.engine().open_tickets().unwrap().is_empty());
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_plain_telegram_group_a_reply_to_a_tickets_post_answers_its_patient() {
    let mut both = spawn_both().await;
    let pat = User::new(312, "Pat");
    let maria = User::new(MARIA_ON_TELEGRAM, "Maria");
    both.telegram.user_says(&pat, "/human");
    both.telegram.next_to(pat.id, 0).await;
    both.telegram.user_says(&pat, "is anyone there?");
    let post = both
        .telegram
        .first_to_containing(TELEGRAM_DESK, "#1 patient: is anyone there?")
        .await;
    assert_eq!(post.thread_id, None, "no topics: posted in the group");
    assert!(both.telegram.topics(TELEGRAM_DESK).is_empty());

    // Staff chatter is left alone; a reply to the ticket's post is for Pat.
    both.telegram
        .group_message(TELEGRAM_DESK, &maria, "I'll take this one");
    both.telegram.group_reply(
        TELEGRAM_DESK,
        &maria,
        "Yes, Maria here. How can I help?",
        &post,
    );
    let relayed = both.telegram.next_to(pat.id, 1).await;
    assert_eq!(
        relayed.plain_text(),
        "Bayside Physio & Chiropractic: Yes, Maria here. How can I help?"
    );
    let ticket = both.engine().ticket(1).unwrap().unwrap();
    assert!(ticket.claimed_by().is_some_and(|b| b.starts_with("Maria")));
    assert_eq!(
        ticket.transcript.len(),
        2,
        "Pat's line and Maria's, no chatter"
    );
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_discord_channel_that_allows_threads_each_ticket_lives_in_its_own_thread() {
    let mut both = spawn_both().await;
    both.discord.allow_threads(DISCORD_DESK);
    let sam = DiscordUser::new(4343, "sam");
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    let dm = both.discord.user_dm(&sam, "can I talk to a real person?");
    both.discord.next_to(dm, 0).await;

    until("a thread", || both.discord.threads().len() == 1).await;
    let thread = both.discord.threads()[0].clone();
    assert_eq!(
        (thread.parent, thread.name.as_str()),
        (DISCORD_DESK, "#1 sam")
    );
    let card = both.discord.next_to(thread.id, 0).await;
    assert!(
        card.shown().starts_with("New ticket #1: sam on discord"),
        "{}",
        card.content
    );
    both.discord.user_dm(&sam, "it's about my shoulder");
    until("the words in the thread", || {
        shown_in(&both, thread.id)
            .iter()
            .any(|t| t == "#1 patient: it's about my shoulder")
    })
    .await;

    // Maria writes in the thread: she claims it, and Sam gets her words.
    let before = both.discord.sent_to(dm).len();
    both.discord.channel_message(
        discord::GUILD_ID,
        thread.id,
        &maria,
        "Hi Sam, Maria here. Left or right?",
        false,
    );
    let relayed = both.discord.next_to(dm, before).await;
    assert_eq!(
        relayed.shown(),
        "Bayside Physio & Chiropractic: Hi Sam, Maria here. Left or right?"
    );

    // Deleted by hand: made again at the next post, nothing lost.
    both.discord.delete_thread(thread.id);
    both.discord.user_dm(&sam, "right");
    until("a new thread", || both.discord.threads().len() == 1).await;
    let again = both.discord.threads()[0].clone();
    assert_ne!(again.id, thread.id);
    until("the words in the new thread", || {
        shown_in(&both, again.id)
            .iter()
            .any(|t| t == "#1 patient: right")
    })
    .await;
    assert!(shown_in(&both, again.id)[0].starts_with(render::TOPIC_RECREATED));

    // "!close" there closes the ticket, then archives and locks the thread.
    let before = both.discord.sent_to(dm).len();
    both.discord
        .channel_message(discord::GUILD_ID, again.id, &maria, "!close", false);
    let back = both.discord.next_to(dm, before).await;
    assert!(back.shown().contains("back with the clinic's assistant"));
    until("the thread archived and locked", || {
        both.discord
            .threads()
            .iter()
            .any(|t| t.id == again.id && t.archived && t.locked)
    })
    .await;
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_discord_channel_without_threads_a_reply_to_a_tickets_post_answers_its_patient() {
    let mut both = spawn_both().await;
    let sam = DiscordUser::new(4344, "sam");
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    let dm = both.discord.user_dm(&sam, "/human");
    both.discord.next_to(dm, 0).await;
    let card = loop {
        let posts = both.discord.sent_to(DISCORD_DESK);
        if let Some(card) = posts
            .iter()
            .find(|m| m.shown().starts_with("New ticket #1"))
        {
            break card.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        both.discord.threads().is_empty(),
        "threads not allowed here"
    );
    both.discord.channel_reply(
        discord::GUILD_ID,
        DISCORD_DESK,
        &maria,
        "Hello Sam, how can I help?",
        &card,
    );
    let relayed = both.discord.next_to(dm, 1).await;
    assert_eq!(
        relayed.shown(),
        "Bayside Physio & Chiropractic: Hello Sam, how can I help?"
    );
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_who_deletes_their_data_takes_their_tickets_topic_and_thread_with_them() {
    let mut both = spawn_both().await;
    let (pat, topic) = ticket_with_topic_and_thread(&both, 313).await;
    both.telegram.user_says(&pat, "my knee, since Monday");
    until("the words in the topic", || {
        topic_texts(&both, topic).len() >= 2
    })
    .await;

    both.telegram.user_says(&pat, "/forget");
    let ask = both.telegram.next_to(pat.id, 1).await;
    assert!(ask.buttons().contains(&"forget:yes".to_owned()), "{ask:?}");
    both.telegram.user_presses(&pat, &ask, "forget:yes");
    topic_and_thread_deleted(&both).await;
    assert_eq!(both.telegram.deleted_topics(), [(TELEGRAM_DESK, topic)]);
    let told = both
        .telegram
        .first_to_containing(TELEGRAM_DESK, "deleted their data")
        .await;
    assert_eq!(told.thread_id, None, "said in the group, not in the topic");
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_made_while_the_bot_was_stopped_deletes_the_topic_and_thread_at_the_next_start()
{
    let mut both = spawn_both().await;
    let (_, topic) = ticket_with_topic_and_thread(&both, 314).await;
    both.stop().await;

    // `frontdesk forget` with no bot running: no desk to tell now.
    let forgotten = both
        .offline(|engine| {
            let chat = ChatKey::parse("telegram:314").unwrap();
            engine.forget(&chat, jiff::Timestamp::now()).unwrap().0
        })
        .await;
    assert_eq!(forgotten.desk_places.len(), 2, "{forgotten:?}");
    assert_eq!(both.telegram.topics(TELEGRAM_DESK).len(), 1, "still there");

    both.start().await;
    both.tick().await;
    topic_and_thread_deleted(&both).await;
    assert_eq!(both.telegram.deleted_topics(), [(TELEGRAM_DESK, topic)]);
    // Taken: the next run does not delete again.
    both.stop().await;
    both.start().await;
    both.tick().await;
    assert_eq!(both.telegram.deleted_topics().len(), 1);
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_deleted_by_retention_takes_its_topic_and_thread_with_it() {
    // Monday 23 November 2026, 10:00 in New York.
    let clock = Arc::new(ManualClock::new("2026-11-23T15:00:00Z".parse().unwrap()));
    let mut both = spawn_both_at(clock.clone()).await;
    let (_, topic) = ticket_with_topic_and_thread(&both, 315).await;
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    let thread = both.discord.threads()[0].id;
    both.discord
        .channel_message(discord::GUILD_ID, thread, &maria, "!close", false);
    until("the ticket closed", || {
        both.engine().open_tickets().unwrap().is_empty()
    })
    .await;
    both.tick().await;
    assert!(
        both.telegram.deleted_topics().is_empty(),
        "kept while recent"
    );

    // The shipped retention keeps a closed ticket 30 days.
    clock.set(clock.now() + jiff::SignedDuration::from_hours(31 * 24));
    both.tick().await;
    topic_and_thread_deleted(&both).await;
    assert_eq!(both.telegram.deleted_topics(), [(TELEGRAM_DESK, topic)]);
    let told = both
        .telegram
        .first_to_containing(TELEGRAM_DESK, "retention")
        .await;
    assert_eq!(told.thread_id, None, "said in the group");
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_desk_posts_claim_button_claims_the_ticket_for_staff_only() {
    let mut both = spawn_both().await;
    let sam = DiscordUser::new(4344, "sam");
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    let stranger = DiscordUser::new(78, "stranger");
    let dm = both.discord.user_dm(&sam, "can I talk to a real person?");
    both.discord.next_to(dm, 0).await;
    let post = both.discord.next_to(DISCORD_DESK, 0).await;
    assert!(
        post.shown().starts_with("New ticket #1: sam"),
        "{}",
        post.content
    );
    assert_eq!(post.buttons(), ["desk:claim:1"]);

    both.discord
        .press_in_server(discord::GUILD_ID, &stranger, &post, "desk:claim:1");
    let refused = both.discord.next_to(DISCORD_DESK, 1).await;
    assert!(
        refused.shown().contains("only the clinic's staff"),
        "{}",
        refused.content
    );

    both.discord
        .press_in_server(discord::GUILD_ID, &maria, &post, "desk:claim:1");
    let yours = both.discord.next_to(DISCORD_DESK, 2).await;
    assert_eq!(yours.shown(), "You have ticket #1.");
    let claimed = both.discord.next_to(DISCORD_DESK, 3).await;
    assert_eq!(
        claimed.shown(),
        "Ticket #1 is claimed by Maria (front desk)."
    );
    until("both presses acknowledged", || {
        both.discord.callbacks().len() == 2
    })
    .await;
    assert!(
        both.discord
            .callbacks()
            .iter()
            .all(|(_, body)| body["type"] == 6),
        "acknowledged without changing the post: {:?}",
        both.discord.callbacks()
    );
    both.stop().await;
}
