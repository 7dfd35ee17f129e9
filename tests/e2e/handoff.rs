//! Hand-offs across platforms: both fakes at once, one engine, one router.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Router;
use frontdesk_core::{Clock, Engine, ManualClock, Platform, SledStore, SystemClock};
use frontdesk_testkit::discord::{DiscordUser, FakeDiscord};
use frontdesk_testkit::telegram::{FakeTelegram, User};

use crate::helpers::{Adapters, open_engine, run_discord, run_telegram};

/// The desks of the shipped `faq/desk.toml`.
pub const DISCORD_DESK: u64 = 1_300_000_000_000_000_001;
pub const TELEGRAM_DESK: i64 = -1_001_000_000_001;
pub const MARIA_ON_DISCORD: u64 = 1_300_000_000_000_000_011;

/// Both fakes, both real adapters, one engine and one router, as `serve`
/// runs them.
pub struct Both {
    pub telegram: FakeTelegram,
    pub discord: FakeDiscord,
    data: tempfile::TempDir,
    clock: Arc<dyn Clock>,
    adapters: Adapters,
    engine: Option<Arc<Engine<SledStore>>>,
    router: Arc<Router>,
}

pub async fn spawn_both() -> Both {
    spawn_both_at(Arc::new(SystemClock)).await
}

pub async fn spawn_both_at(clock: Arc<dyn Clock>) -> Both {
    let mut both = Both {
        telegram: FakeTelegram::start().await,
        discord: FakeDiscord::start().await,
        data: tempfile::tempdir().unwrap(),
        clock,
        adapters: Adapters::default(),
        engine: None,
        router: Arc::new(Router::default()),
    };
    both.start().await;
    both
}

impl Both {
    /// Starts both adapters on one engine and one router.
    pub async fn start(&mut self) {
        let engine = open_engine(self.data.path()).await;
        let router = Arc::new(Router::default());
        self.engine = Some(engine.clone());
        self.router = router.clone();

        // One app for both adapters, as `serve` runs them.
        let app = Arc::new(frontdesk_telegram::App {
            engine,
            clock: self.clock.clone(),
            router,
        });
        run_telegram(&mut self.adapters, app.clone(), &self.telegram, false);
        run_discord(&mut self.adapters, app, &self.discord).await;
        // Ticks decide reminders only for platforms being served; wait
        // until both adapters have registered so a tick never races them.
        while !(self.router.serves(Platform::Telegram) && self.router.serves(Platform::Discord)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops both adapters the way SIGTERM does, and waits for them.
    pub async fn stop(&mut self) {
        self.adapters.stop().await;
        self.engine = None;
    }

    pub fn engine(&self) -> &Engine<SledStore> {
        self.engine.as_ref().expect("the adapters run")
    }

    /// Runs `work` on the store while the adapters are stopped, as a
    /// command run with no bot running does.
    pub async fn offline<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine<SledStore>) -> T + Send + 'static,
    ) -> T {
        assert!(self.engine.is_none(), "stopped first");
        let engine = open_engine(self.data.path()).await;
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .unwrap()
    }

    /// What `serve` does every minute, now: reminders, digest, tickets.
    pub async fn tick(&self) -> usize {
        let engine = self.engine.clone().expect("the adapters run");
        let (router, now) = (self.router.clone(), self.clock.now());
        tokio::task::spawn_blocking(move || engine.tick_and_route(now, &router).unwrap())
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_patient_is_served_by_a_discord_staff_member_and_handed_back() {
    let mut both = spawn_both().await;
    let pat = User::new(301, "Pat");
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    let stranger = DiscordUser::new(77, "stranger");

    both.telegram.user_says(&pat, "/human");
    let handoff = both.telegram.next_to(pat.id, 0).await;
    assert!(
        handoff.plain_text().contains("front-desk team"),
        "{}",
        handoff.text
    );
    // The ticket is posted to every desk.
    let posted = both.discord.next_to(DISCORD_DESK, 0).await;
    assert!(
        posted.shown().starts_with("New ticket #1: Pat on telegram"),
        "{}",
        posted.content
    );
    let tg_post = both.telegram.next_to(TELEGRAM_DESK, 0).await;
    assert!(tg_post.buttons().contains(&"desk:claim:1".to_owned()));

    // A stranger in the desk channel is refused and nothing changes.
    both.discord
        .channel_message(5, DISCORD_DESK, &stranger, "!claim 1", false);
    let refused = both.discord.next_to(DISCORD_DESK, 1).await;
    assert!(
        refused.shown().contains("only the clinic's staff"),
        "{}",
        refused.content
    );
    for attempt in ["!reply 1 hello", "!close 1"] {
        let before = both.discord.sent_to(DISCORD_DESK).len();
        both.discord
            .channel_message(5, DISCORD_DESK, &stranger, attempt, false);
        let refused = both.discord.next_to(DISCORD_DESK, before).await;
        assert!(
            refused.shown().contains("only the clinic's staff"),
            "{attempt}"
        );
    }
    assert_eq!(
        both.telegram.sent_to(pat.id).len(),
        1,
        "nothing reached the patient"
    );

    // Maria claims on Discord; both desks see who has it.
    let mut seen = both.discord.sent_to(DISCORD_DESK).len();
    both.discord
        .channel_message(5, DISCORD_DESK, &maria, "!claim 1", false);
    let mut texts = Vec::new();
    for _ in 0..2 {
        texts.push(both.discord.next_to(DISCORD_DESK, seen).await.shown());
        seen += 1;
    }
    assert!(
        texts.iter().any(|t| t == "You have ticket #1."),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("claimed by Maria")),
        "{texts:?}"
    );
    let tg_claimed = both.telegram.next_to(TELEGRAM_DESK, 1).await;
    assert!(tg_claimed.plain_text().contains("claimed by Maria"));

    // The bot stays quiet; the patient's words reach the desk.
    both.telegram.user_says(&pat, "is my appointment at 3?");
    let relayed = both.discord.next_to(DISCORD_DESK, seen).await;
    assert_eq!(relayed.shown(), "#1 patient: is my appointment at 3?");
    seen += 1;

    // Maria's reply reaches the Telegram patient with the clinic's name.
    both.discord.channel_message(
        5,
        DISCORD_DESK,
        &maria,
        "!reply 1 Yes, 3 pm. See you!",
        false,
    );
    let reply = both.telegram.next_to(pat.id, 1).await;
    assert_eq!(
        reply.plain_text(),
        "Bayside Physio & Chiropractic: Yes, 3 pm. See you!"
    );
    seen += 1; // "Sent."

    // Closing hands the patient back to the bot.
    both.discord
        .channel_message(5, DISCORD_DESK, &maria, "!close 1", false);
    let back = both.telegram.next_to(pat.id, 2).await;
    assert!(
        back.plain_text()
            .contains("back with the clinic's assistant"),
        "{}",
        back.text
    );
    both.telegram.user_says(&pat, "does it hurt?");
    let answer = both.telegram.next_to(pat.id, 3).await;
    assert!(answer.plain_text().contains("needles are very fine"));
    assert!(both.discord.sent_to(DISCORD_DESK).len() > seen);
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_patient_is_served_from_the_telegram_desk_group() {
    let mut both = spawn_both().await;
    let sam = DiscordUser::new(4242, "sam");
    let maria = User::new(5_000_001, "Maria");
    // Asked in words, the hand-off starts at once.
    let dm = both.discord.user_dm(&sam, "can I talk to a real person?");
    let handoff = both.discord.next_to(dm, 0).await;
    assert!(
        handoff.shown().contains("front-desk team"),
        "{}",
        handoff.content
    );

    let post = both.telegram.next_to(TELEGRAM_DESK, 0).await;
    // Named as on Telegram: by their display name, not their channel's id.
    assert!(
        post.plain_text()
            .starts_with("New ticket #1: sam on discord"),
        "{}",
        post.text
    );
    // Claim with the desk post's button, then reply by command.
    both.telegram.user_presses(&maria, &post, "desk:claim:1");
    let claimed = both.telegram.next_to(TELEGRAM_DESK, 1).await;
    assert_eq!(claimed.plain_text(), "You have ticket #1.");
    both.telegram
        .group_message(TELEGRAM_DESK, &maria, "/reply 1 Hi Sam, how can I help?");
    let relayed = both.discord.next_to(dm, 1).await;
    assert_eq!(
        relayed.shown(),
        "Bayside Physio & Chiropractic: Hi Sam, how can I help?"
    );
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_ticket_survives_a_restart_and_the_relay_still_works() {
    let mut both = spawn_both().await;
    let pat = User::new(302, "Pat");
    let maria = DiscordUser::new(MARIA_ON_DISCORD, "maria");
    both.telegram.user_says(&pat, "/human");
    both.telegram.next_to(pat.id, 0).await;
    both.discord.next_to(DISCORD_DESK, 0).await;
    both.discord
        .channel_message(5, DISCORD_DESK, &maria, "!claim 1", false);
    both.discord.next_to(DISCORD_DESK, 2).await;

    both.stop().await;
    both.start().await;

    let seen = both.discord.sent_to(DISCORD_DESK).len();
    both.telegram.user_says(&pat, "still there?");
    let relayed = both.discord.next_to(DISCORD_DESK, seen).await;
    assert_eq!(relayed.shown(), "#1 patient: still there?");
    both.discord
        .channel_message(5, DISCORD_DESK, &maria, "!reply 1 Yes!", false);
    let reply = both.telegram.next_to(pat.id, 1).await;
    assert_eq!(reply.plain_text(), "Bayside Physio & Chiropractic: Yes!");
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_handoff_an_emergency_is_still_answered_and_flagged_at_the_desk() {
    let mut both = spawn_both().await;
    let pat = User::new(303, "Pat");
    both.telegram.user_says(&pat, "/human");
    both.telegram.next_to(pat.id, 0).await;
    both.discord.next_to(DISCORD_DESK, 0).await;
    both.telegram
        .user_says(&pat, "my chest hurts and I can't breathe");
    let answer = both.telegram.next_to(pat.id, 1).await;
    assert!(
        answer.plain_text().starts_with("Call 911 now"),
        "{}",
        answer.text
    );
    let flagged = both.discord.next_to(DISCORD_DESK, 1).await;
    assert!(
        flagged.shown().starts_with("EMERGENCY on ticket #1"),
        "{}",
        flagged.content
    );
    both.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_hours_a_patient_is_told_when_the_desk_opens() {
    // Saturday 21 November 2026, 15:00 in New York: the desk opens Monday.
    let clock = Arc::new(ManualClock::new("2026-11-21T20:00:00Z".parse().unwrap()));
    let mut both = spawn_both_at(clock).await;
    let pat = User::new(304, "Pat");
    both.telegram.user_says(&pat, "/human");
    let reply = both.telegram.next_to(pat.id, 0).await;
    assert!(reply.plain_text().contains("closed now"), "{}", reply.text);
    assert!(
        reply.plain_text().contains("(Monday 8:00 AM)"),
        "{}",
        reply.text
    );
    both.stop().await;
}
