//! One running bot per platform, as the tests use them: the fake platform
//! server on a loopback port, the real adapter (teloxide or serenity) against
//! it, and an engine on a temporary data folder. [`spawn_telegram_bot`] and
//! [`spawn_discord_bot`] are the only ways the tests start an adapter;
//! [`run_telegram`] and [`run_discord`] also serve the two-platform harness
//! of the hand-off tests, which shares one engine and one router.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Clock, Engine, Router, SledStore, Store, SystemClock};
use frontdesk_testkit::discord::{self, DiscordUser, FakeDiscord, SentMessage};
use frontdesk_testkit::telegram::{self, FakeTelegram, Sent, User};

use super::{Adapters, open_engine, settled};

/// Starts the Telegram adapter on `app` against `fake`.
pub fn run_telegram<S: Store>(
    adapters: &mut Adapters,
    app: Arc<frontdesk_telegram::App<S>>,
    fake: &FakeTelegram,
    throttle: bool,
) {
    let mut settings =
        frontdesk_telegram::Settings::new(frontdesk_telegram::Token::new(telegram::TOKEN));
    settings.api_url = Some(fake.api_url().parse().unwrap());
    settings.throttle = throttle;
    settings.poll_timeout = Duration::from_secs(1);
    let stop = adapters.signal();
    adapters.spawn(async move {
        frontdesk_telegram::run(app, settings, stop)
            .await
            .expect("the adapter runs");
    });
}

/// Starts the Discord adapter on `app` against `fake` and waits for its
/// gateway session.
pub async fn run_discord<S: Store>(
    adapters: &mut Adapters,
    app: Arc<frontdesk_discord::App<S>>,
    fake: &FakeDiscord,
) {
    let settings = frontdesk_discord::Settings {
        token: frontdesk_discord::Token::new(discord::TOKEN),
        api_proxy: Some(fake.api_url()),
    };
    let stop = adapters.signal();
    adapters.spawn(async move {
        frontdesk_discord::run(app, settings, stop)
            .await
            .expect("the adapter runs");
    });
    fake.wait_ready().await;
}

/// The adapters' shared state for one engine, with the real clock and a
/// router of its own.
fn app(engine: &Arc<Engine<SledStore>>) -> Arc<frontdesk_telegram::App<SledStore>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Arc::new(frontdesk_telegram::App {
        engine: engine.clone(),
        clock,
        router: Arc::new(Router::default()),
    })
}

/// The fake Bot API and the real Telegram adapter, on a temporary data
/// folder.
pub struct TelegramBot {
    pub fake: FakeTelegram,
    pub data: tempfile::TempDir,
    engine: Option<Arc<Engine<SledStore>>>,
    router: Option<Arc<Router>>,
    adapters: Adapters,
}

/// A Telegram bot with throttling off, polling the fake every second.
pub async fn spawn_telegram_bot() -> TelegramBot {
    spawn_telegram_bot_with(false).await
}

/// A Telegram bot with teloxide's throttle on or off.
pub async fn spawn_telegram_bot_with(throttle: bool) -> TelegramBot {
    let mut bot = TelegramBot {
        fake: FakeTelegram::start().await,
        data: tempfile::tempdir().unwrap(),
        engine: None,
        router: None,
        adapters: Adapters::default(),
    };
    bot.start(throttle).await;
    bot
}

impl TelegramBot {
    /// (Re)starts the adapter on the same data folder.
    pub async fn start(&mut self, throttle: bool) {
        let engine = open_engine(self.data.path()).await;
        self.engine = Some(engine.clone());
        let app = app(&engine);
        self.router = Some(app.router.clone());
        run_telegram(&mut self.adapters, app, &self.fake, throttle);
        // The adapter serves once its route is registered.
        let router = self.router.clone().unwrap();
        super::until("the adapter serves", || {
            router.serves(frontdesk_core::Platform::Telegram)
        })
        .await;
    }

    /// What `serve`'s minute tick does: hands what is due (reminders,
    /// alerts no desk has taken) to the adapter. Returns how many.
    pub fn tick(&self) -> usize {
        let router = self.router.as_ref().expect("the adapter runs");
        self.engine()
            .tick_and_route(SystemClock.now(), router)
            .unwrap()
    }

    /// Stops the adapter the way SIGTERM does, and waits for it.
    pub async fn stop(&mut self) {
        self.adapters.stop().await;
        self.engine = None;
    }

    pub fn engine(&self) -> &Engine<SledStore> {
        self.engine.as_ref().expect("the adapter runs")
    }

    /// The user says something and the bot's next message to them arrives.
    pub async fn ask(&self, user: &User, text: &str) -> Sent {
        let before = self.fake.sent_to(user.id).len();
        self.fake.user_says(user, text);
        self.fake.next_to(user.id, before).await
    }

    /// The user presses a button and the bot's next message to the button's
    /// chat arrives.
    pub async fn press(&self, user: &User, on: &Sent, data: &str) -> Sent {
        let before = self.fake.sent_to(on.chat_id).len();
        self.fake.user_presses(user, on, data);
        self.fake.next_to(on.chat_id, before).await
    }

    /// Messages sent to a chat once the bot has been quiet for a moment.
    pub async fn settled(&self, chat: i64) -> Vec<Sent> {
        settled(|| self.fake.sent_to(chat).len()).await;
        self.fake.sent_to(chat)
    }
}

/// The fake Discord (REST and gateway) and the real Discord adapter, on a
/// temporary data folder.
pub struct DiscordBot {
    pub fake: FakeDiscord,
    pub data: tempfile::TempDir,
    engine: Option<Arc<Engine<SledStore>>>,
    adapters: Adapters,
}

/// A Discord bot whose gateway session is ready.
pub async fn spawn_discord_bot() -> DiscordBot {
    let mut bot = DiscordBot {
        fake: FakeDiscord::start().await,
        data: tempfile::tempdir().unwrap(),
        engine: None,
        adapters: Adapters::default(),
    };
    bot.start().await;
    bot
}

impl DiscordBot {
    /// (Re)starts the adapter on the same data folder.
    pub async fn start(&mut self) {
        let engine = open_engine(self.data.path()).await;
        self.engine = Some(engine.clone());
        run_discord(&mut self.adapters, app(&engine), &self.fake).await;
    }

    pub async fn stop(&mut self) {
        self.adapters.stop().await;
        self.engine = None;
    }

    pub fn engine(&self) -> &Engine<SledStore> {
        self.engine.as_ref().expect("the adapter runs")
    }

    /// A DM from the user, and the bot's next message in that DM.
    pub async fn dm(&self, user: &DiscordUser, text: &str) -> SentMessage {
        let channel = self.fake.dm_channel(user);
        let before = self.fake.sent_to(channel).len();
        self.fake.user_dm(user, text);
        self.fake.next_to(channel, before).await
    }

    /// The user presses a button and the bot's next message in that channel
    /// arrives.
    pub async fn press(&self, user: &DiscordUser, on: &SentMessage, id: &str) -> SentMessage {
        let before = self.fake.sent_to(on.channel_id).len();
        self.fake.press(user, on, id);
        self.fake.next_to(on.channel_id, before).await
    }

    pub async fn settled(&self, channel: u64) -> Vec<SentMessage> {
        settled(|| self.fake.sent_to(channel).len()).await;
        self.fake.sent_to(channel)
    }
}
