//! The real Discord adapter (serenity) against the fake Discord on loopback.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Engine, Knowledge, SledStore, SystemClock};
use frontdesk_discord::{App, Settings, Token};
use frontdesk_testkit::discord::{self, DiscordUser, FakeDiscord, SentMessage};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::faq_dir;

struct DiscordBot {
    fake: FakeDiscord,
    data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

async fn spawn_discord_bot() -> DiscordBot {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("serenity=debug,frontdesk_discord=debug")
        .with_test_writer()
        .try_init();
    let mut bot = DiscordBot {
        fake: FakeDiscord::start().await,
        data: tempfile::tempdir().unwrap(),
        stop: None,
        task: None,
    };
    bot.start().await;
    bot
}

impl DiscordBot {
    async fn start(&mut self) {
        let knowledge = Arc::new(Knowledge::load(&faq_dir()).unwrap());
        let path = self.data.path().to_owned();
        let store = tokio::task::spawn_blocking(move || SledStore::open(&path).unwrap())
            .await
            .unwrap();
        let app = Arc::new(App {
            engine: Arc::new(Engine::new(store, knowledge)),
            clock: Arc::new(SystemClock),
        });
        let settings = Settings {
            token: Token::new(discord::TOKEN),
            api_proxy: Some(self.fake.api_url()),
        };
        let (tx, rx) = oneshot::channel();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            frontdesk_discord::run(app, settings, async {
                let _ = rx.await;
            })
            .await
            .expect("the adapter runs");
        }));
        self.fake.wait_ready().await;
    }

    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("the adapter stops")
                .unwrap();
        }
    }

    /// A DM from the user, and the bot's next message in that DM.
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

    async fn settled(&self, channel: u64) -> Vec<SentMessage> {
        let mut n = self.fake.sent_to(channel).len();
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = self.fake.sent_to(channel).len();
            if now == n {
                return self.fake.sent_to(channel);
            }
            n = now;
        }
    }
}

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
