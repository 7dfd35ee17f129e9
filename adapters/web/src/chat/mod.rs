//! The web chat for patients on the clinic's own site: a third adapter
//! beside Telegram and Discord, on the console's listener and the same
//! engine. `docs/webchat.md` explains the design.
//!
//! # Layout
//!
//! - this file: what the routes share ([`Chat`]), the live streams'
//!   wake-ups ([`Live`]), and the delivery of staff replies for
//!   `Platform::Web` (written to the chat's mailbox, which settles their
//!   receipt);
//! - `api`: the patient's messages, "start over", and the live stream of
//!   the chat's mailbox, with the limits and origin checks;
//! - `pages`: the panel the widget frames (`/chat/`), the widget's script
//!   and styles, and the demo page (`/demo`);
//! - [`visitor`]: the visitor's signed, expiring id.
//!
//! The mailbox (`frontdesk_core::engine::mailbox`) is the truth: every line
//! of a web conversation is stored there, numbered, before a connection
//! carries it, so a reload, a lost connection or a restart shows each line
//! once and loses none.

mod api;
mod pages;
pub mod visitor;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use frontdesk_core::{ChatKey, Delivery, Platform, Reply, Store};
use tokio::sync::broadcast;

use crate::limit::SlidingWindow;

/// The longest message a patient may send, as on the other platforms.
pub const MAX_CHARS: usize = 2000;

/// Why a chat's live streams are woken.
#[derive(Debug, Clone)]
pub enum Wake {
    /// Its mailbox has something new (a hint: the mailbox is the truth).
    Posted(ChatKey),
    /// A staff member is writing to it (from the console).
    Typing(ChatKey),
}

/// The web chats' live streams, woken by the chat's routes and by the
/// console (a staff member writing to a web patient).
#[derive(Clone)]
pub struct Live(broadcast::Sender<Wake>);

impl Default for Live {
    fn default() -> Self {
        Live(broadcast::channel(1024).0)
    }
}

impl Live {
    /// Tells a web patient's open panels that staff are writing.
    pub fn typing(&self, chat: &ChatKey) {
        if chat.platform() == Platform::Web {
            let _ = self.0.send(Wake::Typing(chat.clone()));
        }
    }

    fn posted(&self, chat: ChatKey) {
        let _ = self.0.send(Wake::Posted(chat));
    }

    fn subscribe(&self) -> broadcast::Receiver<Wake> {
        self.0.subscribe()
    }
}

/// What the chat's routes share.
pub struct Chat<S: Store> {
    app: Arc<frontdesk_shell::App<S>>,
    settings: crate::Settings,
    live: Live,
    stopped: tokio::sync::watch::Receiver<bool>,
    /// New visitors by address, in the last hour.
    visitors: SlidingWindow,
    /// Messages by visitor, in the last minute.
    messages: SlidingWindow,
    /// Turns: one message of a visitor at a time (visitors share a turn
    /// by their id's hash; a turn is held for one engine call).
    turns: Vec<tokio::sync::Mutex<()>>,
}

/// How many turns visitors share.
const TURNS: usize = 256;

type Shared<S> = Arc<Chat<S>>;

/// The chat's routes, and its delivery for `Platform::Web` on the router.
pub fn router<S: Store>(
    app: Arc<frontdesk_shell::App<S>>,
    settings: crate::Settings,
    live: Live,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let chat: Shared<S> = Arc::new(Chat {
        app: app.clone(),
        settings,
        live,
        stopped,
        visitors: SlidingWindow::new(Duration::from_secs(3600)),
        messages: SlidingWindow::new(Duration::from_secs(60)),
        turns: (0..TURNS).map(|_| tokio::sync::Mutex::new(())).collect(),
    });
    let delivering = chat.clone();
    let runtime = tokio::runtime::Handle::current();
    app.router.register(Platform::Web, move |delivery| {
        let chat = delivering.clone();
        runtime.spawn(async move { chat.deliver(delivery).await });
    });
    Router::new()
        .route("/chat/", get(pages::panel::<S>))
        .route("/chat/theme.css", get(pages::theme::<S>))
        .route("/chat/widget.css", get(pages::widget_css::<S>))
        .route("/chat/widget.js", get(pages::widget_js::<S>))
        .route("/chat/panel.js", get(pages::panel_js))
        .route("/chat/panel.css", get(pages::panel_css))
        .route("/chat/demo.css", get(pages::demo_css))
        .route("/demo", get(pages::demo::<S>))
        .route("/chat/api/messages", post(api::message::<S>))
        .route("/chat/api/start-over", post(api::start_over::<S>))
        .route("/chat/api/events", get(api::events::<S>))
        .with_state(chat)
}

impl<S: Store> Chat<S> {
    /// The visitor's turn.
    fn turn(&self, visitor: &str) -> &tokio::sync::Mutex<()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(visitor);
        &self.turns[hash as usize % TURNS]
    }

    /// The secret visitors' ids are signed with (read off the async
    /// workers: it may be made and written on first use).
    async fn secret(&self) -> Option<[u8; 32]> {
        self.blocking(|engine| engine.visitor_secret().ok())
            .await
            .flatten()
    }

    /// Engine work off the async workers ([`frontdesk_shell::App::blocking`]).
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&frontdesk_core::Engine<S>) -> T + Send + 'static,
    ) -> Option<T> {
        self.app.blocking(work).await
    }

    /// Writes replies to the chat's mailbox and wakes its streams.
    async fn post(&self, chat: ChatKey, replies: Vec<Reply>) -> bool {
        if replies.is_empty() {
            return true;
        }
        let (now, key) = (self.app.clock.now(), chat.clone());
        let posted = self
            .blocking(move |engine| engine.post(&key, &replies, now))
            .await;
        let written = matches!(posted, Some(Ok(_)));
        if written {
            self.live.posted(chat);
        } else {
            tracing::error!("cannot write a web chat's reply to its mailbox");
        }
        written
    }

    /// A message for a web patient from elsewhere (a staff reply).
    async fn deliver(&self, delivery: Delivery) {
        let Delivery::ToChat {
            chat,
            reply,
            receipt,
        } = delivery
        else {
            return;
        };
        let written = self.post(chat, vec![reply]).await;
        let outcome = if written {
            Ok(())
        } else {
            Err("the web chat's mailbox could not be written".to_owned())
        };
        self.app.settle(receipt, outcome).await;
    }
}
