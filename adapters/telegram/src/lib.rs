//! The Telegram adapter of Frontdesk, on teloxide.
//!
//! Patients talk to the bot in a private chat. This crate only converts:
//! Telegram updates become the core's [`Incoming`] messages, and the core's
//! replies become Telegram messages (HTML-escaped, with inline keyboards).
//! Every decision is bot-core's.
//!
//! # Layout
//!
//! - [`Settings`]: token, API URL, throttle and webhook options.
//! - [`convert`]: Telegram types to the core's and back (escaping, keyboards,
//!   when a group message is addressed to the bot).
//! - [`send`]: sending with retries: on 429 after `retry_after`, on 5xx and
//!   connection failures with backoff; nothing dropped, nothing sent twice,
//!   order kept within a chat.
//! - `desk`: the staff group's forum topics, one per ticket, where the
//!   group has topics.
//! - [`polling`]: recovery from a batch of updates whose JSON teloxide cannot
//!   read, which would otherwise stall long polling for good.
//! - [`handler`]: the update handler tree, built by a function so tests run
//!   exactly what [`run`] runs.

pub mod convert;
pub mod polling;
pub mod send;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::handoff::{self, Actor, StaffAction};
use frontdesk_core::{Delivery, Incoming, Platform, Store};
pub use frontdesk_shell::App;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::{Dispatcher, UpdateFilterExt, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, Me, ThreadId};
use teloxide::update_listeners::{Polling, webhooks};

/// What the handlers send with: the client straight, or behind teloxide's
/// throttle, which keeps to Telegram's rate limits. (The throttle's worker
/// wakes every 250 ms even when no limit binds, holding each reply up to
/// 250 ms under load; so with throttling off it is left out, not given
/// limits that never bind.) Updates are received with the plain client.
#[derive(Clone, Debug)]
pub enum Tg {
    Direct(Bot),
    Throttled(teloxide::adaptors::Throttle<Bot>),
}

/// Runs `$body` with `$b` bound to whichever client `$tg` holds.
macro_rules! with_client {
    ($tg:expr, $b:ident => $body:expr) => {
        match $tg {
            Tg::Direct($b) => $body,
            Tg::Throttled($b) => $body,
        }
    };
}

mod desk;

impl Tg {
    /// The client without the throttle (for receiving updates).
    pub fn raw(&self) -> &Bot {
        match self {
            Tg::Direct(bot) => bot,
            Tg::Throttled(bot) => bot.inner(),
        }
    }

    /// Sends HTML text (already escaped) with an optional keyboard, retrying
    /// what Telegram certainly did not act on ([`send::send`]).
    async fn send_html(
        &self,
        chat: ChatId,
        text: &str,
        markup: Option<&teloxide::types::InlineKeyboardMarkup>,
    ) -> Result<(), teloxide::RequestError> {
        self.send_html_in(chat, None, text, markup).await
    }

    /// [`Tg::send_html`] in a forum topic of the chat, if `thread` is one.
    async fn send_html_in(
        &self,
        chat: ChatId,
        thread: Option<ThreadId>,
        text: &str,
        markup: Option<&teloxide::types::InlineKeyboardMarkup>,
    ) -> Result<(), teloxide::RequestError> {
        // A text too long for one message goes as several, in order; the
        // keyboard goes with the last.
        let pieces = convert::split_html(text);
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.into_iter().enumerate() {
            let markup = markup.filter(|_| i == last);
            with_client!(self, bot => send::send(|| {
                let mut request = bot
                    .send_message(chat, piece.clone())
                    .parse_mode(teloxide::types::ParseMode::Html);
                if let Some(m) = markup {
                    request = request.reply_markup(m.clone());
                }
                if let Some(thread) = thread {
                    request = request.message_thread_id(thread);
                }
                request.into_future()
            })
            .await)?;
        }
        Ok(())
    }

    /// Stops a pressed button's spinner: best effort, off the chat's path.
    fn answer_callback(&self, id: teloxide::types::CallbackQueryId) {
        let bot = self.clone();
        best_effort("answering a button press", async move {
            with_client!(&bot, b => b.answer_callback_query(id).into_future().await).map(|_| ())
        });
    }

    /// Removes a message's keyboard: best effort, off the chat's path.
    fn remove_keyboard(&self, chat: ChatId, message: teloxide::types::MessageId) {
        let bot = self.clone();
        best_effort("removing a pressed keyboard", async move {
            with_client!(&bot, b => b.edit_message_reply_markup(chat, message).into_future().await)
                .map(|_| ())
        });
    }
}

/// How long a best-effort call may take.
const BEST_EFFORT: Duration = Duration::from_secs(5);

/// Runs a call nothing depends on (a button's spinner, a keyboard's
/// removal) once, in the background, for at most [`BEST_EFFORT`]: it never
/// holds up or drops the handling of a press or the replies after it.
fn best_effort(
    what: &'static str,
    call: impl std::future::Future<Output = Result<(), teloxide::RequestError>> + Send + 'static,
) {
    tokio::spawn(async move {
        match tokio::time::timeout(BEST_EFFORT, call).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::info!(error = send::describe(&e), "{what} failed; not retried"),
            Err(_) => tracing::info!("{what} timed out; not retried"),
        }
    });
}

/// Why the Telegram adapter stopped, or a message could not be handled.
/// Its `Debug` is its `Display` (teloxide's dispatcher logs `Debug`), and
/// neither holds a response body or a URL ([`send::describe`]).
#[derive(thiserror::Error)]
pub enum TelegramError {
    #[error("Telegram request failed: {}", send::describe(.0))]
    Request(#[from] teloxide::RequestError),
    #[error("invalid Telegram API URL {0:?}")]
    ApiUrl(String),
    #[error("the webhook could not be set up: {0}")]
    Webhook(String),
}

impl std::fmt::Debug for TelegramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The bot token: never printed, never logged.
pub type Token = frontdesk_core::Secret;

/// Receiving updates by webhook instead of long polling.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The public HTTPS URL Telegram posts to.
    pub url: url::Url,
    /// Where to listen for those posts.
    pub listen: SocketAddr,
}

/// How to run the adapter, validated once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    /// Another Bot API server (a self-hosted one, or the tests' fake).
    pub api_url: Option<url::Url>,
    /// Respect Telegram's rate limits by queueing (on in production).
    pub throttle: bool,
    pub webhook: Option<Webhook>,
    /// The long-polling timeout.
    pub poll_timeout: Duration,
}

impl Settings {
    pub fn new(token: Token) -> Settings {
        Settings {
            token,
            api_url: None,
            throttle: true,
            webhook: None,
            poll_timeout: Duration::from_secs(10),
        }
    }
}

/// The Telegram group that serves as a staff desk, if configured.
fn desk_group<S: Store>(app: &App<S>) -> Option<ChatId> {
    app.engine
        .knowledge()
        .desk()
        .telegram_group
        .as_deref()
        .and_then(|g| g.parse().ok())
        .map(ChatId)
}

/// The client as configured: API URL, then the throttle.
pub fn requester(settings: &Settings) -> Tg {
    let mut bot = Bot::new(settings.token.expose());
    if let Some(url) = &settings.api_url {
        bot = bot.set_api_url(url.clone());
    }
    if settings.throttle {
        Tg::Throttled(bot.throttle(Limits::default()))
    } else {
        Tg::Direct(bot)
    }
}

/// The commands menu, in English and Spanish.
fn commands(spanish: bool) -> Vec<BotCommand> {
    let list: [(&str, &str, &str); 5] = [
        ("start", "Main menu", "Menú principal"),
        ("help", "What I can do", "Lo que puedo hacer"),
        (
            "screen",
            "Health questions before dry needling",
            "Preguntas de salud antes de la punción",
        ),
        ("human", "Talk to a person", "Hablar con una persona"),
        ("language", "English or Spanish", "Español o inglés"),
    ];
    list.iter()
        .map(|(c, en, es)| BotCommand::new(*c, if spanish { *es } else { *en }))
        .collect()
}

/// Runs the adapter until `shutdown` completes (or Ctrl-C): then it stops
/// taking updates, finishes the ones in hand, and returns.
pub async fn run<S: Store>(
    app: Arc<App<S>>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError> {
    let sender = requester(&settings);
    let bot = sender.raw().clone();
    send::repeatable(|| bot.set_my_commands(commands(false)).into_future()).await?;
    send::repeatable(|| {
        bot.set_my_commands(commands(true))
            .language_code("es")
            .into_future()
    })
    .await?;
    // Deliveries for Telegram from anywhere (a Discord desk's reply to a
    // Telegram patient, desk posts, reminders): one queue per destination,
    // so a chat that fails holds up only itself.
    let outbound = frontdesk_shell::Lanes::new(Duration::ZERO);
    {
        let (outbound, sender, app_) = (outbound.clone(), sender.clone(), app.clone());
        app.router.register(Platform::Telegram, move |d| {
            let Some(to) = destination(&app_, &d) else {
                return;
            };
            let (sender, app) = (sender.clone(), app_.clone());
            outbound.push(to, async move { deliver(&sender, &app, to, d).await });
        });
    }
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler::<S>())
        .dependencies(dptree::deps![app.clone(), sender.clone()])
        .enable_ctrlc_handler()
        .build();
    let token = dispatcher.shutdown_token();
    // Open while this function runs: the stop below gives up once it ends.
    let (running, mut ended) = tokio::sync::watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        // A stop that comes while the adapter is still starting (the
        // dispatcher not yet dispatching) is refused as idle: asked again
        // until the dispatcher runs, or the adapter has ended.
        loop {
            match token.shutdown() {
                Ok(done) => return done.await,
                Err(_) => tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                    _ = ended.changed() => return,
                },
            }
        }
    });
    let me = send::repeatable(|| bot.get_me().into_future()).await?;
    // Staff hand patients this link with their code (the console shows it).
    app.router.set_start_link(
        Platform::Telegram,
        format!("https://t.me/{}?start=", me.username()),
    );
    match settings.webhook {
        None => {
            let on_error = {
                let (sender, app) = (sender.clone(), app.clone());
                move |error: teloxide::RequestError| {
                    let (sender, me, app) = (sender.clone(), me.clone(), app.clone());
                    async move {
                        if let teloxide::RequestError::InvalidJson { source, raw } = &error {
                            // The raw answer holds patients' words: not logged.
                            let recovered = polling::recover(&sender, &me, &app, raw).await;
                            tracing::warn!(error = %source, recovered, "getUpdates answered JSON that did not parse");
                        } else {
                            tracing::warn!(
                                error = send::describe(&error),
                                "getting updates failed; retrying"
                            );
                        }
                    }
                }
            };
            let listener = Polling::builder(bot)
                .timeout(settings.poll_timeout)
                .delete_webhook()
                .await
                .build();
            dispatcher
                .dispatch_with_listener(listener, Arc::new(on_error))
                .await;
        }
        Some(hook) => {
            let options = webhooks::Options::new(hook.listen, hook.url);
            let listener = webhooks::axum(bot, options)
                .await
                .map_err(|e| TelegramError::Webhook(e.to_string()))?;
            dispatcher
                .dispatch_with_listener(listener, LoggingErrorHandler::new())
                .await;
        }
    }
    drop(running);
    app.router.unregister(Platform::Telegram);
    if tokio::time::timeout(DRAIN, outbound.idle()).await.is_err() {
        tracing::warn!(
            destinations = outbound.busy(),
            "sends still queued at stop were dropped"
        );
    }
    Ok(())
}

/// How long a stop waits for queued sends (reminders, desk posts) to go.
/// A reminder dropped here is reported to the desks as in doubt at the next
/// start.
const DRAIN: Duration = Duration::from_secs(10);

/// Where a delivery goes on Telegram: the patient's chat, or the desk
/// group (none: no desk group is configured).
fn destination<S: Store>(app: &App<S>, delivery: &Delivery) -> Option<ChatId> {
    match delivery {
        Delivery::ToChat { chat, .. } => chat.id().parse().ok().map(ChatId),
        Delivery::Desk { .. } => desk_group(app),
    }
}

/// Sends one delivery to `to`: a message to a Telegram patient, or a desk
/// post (in its ticket's topic, where it has one); then settles its receipt.
async fn deliver<S: Store>(bot: &Tg, app: &App<S>, to: ChatId, delivery: Delivery) {
    let receipt = delivery.receipt().cloned();
    let outcome = match delivery {
        Delivery::ToChat { reply, .. } => {
            let (text, markup) = convert::render_plain(&reply);
            bot.send_html(to, &text, markup.as_ref())
                .await
                .map_err(|e| {
                    let why = send::describe(&e);
                    tracing::error!(error = why, "a delivery could not be sent");
                    why
                })
        }
        Delivery::Desk { event, .. } => {
            let group = desk::Group { bot, chat: to };
            frontdesk_shell::desk::post(app, &group, Platform::Telegram, &event).await
        }
    };
    app.settle(receipt, outcome).await;
}

/// A staff member's action from the desk group; answers go to the group.
async fn staff_action<S: Store>(
    bot: &Tg,
    app: &Arc<App<S>>,
    from: &teloxide::types::User,
    action: StaffAction,
    answer_in: (ChatId, Option<ThreadId>),
) -> Result<(), TelegramError> {
    let actor = Actor {
        platform: Platform::Telegram,
        user_id: from.id.0.to_string(),
        roles: Vec::new(),
        display_name: from.full_name(),
    };
    let outcome = app.staff(actor, action).await;
    let (chat, thread) = answer_in;
    for text in &outcome.to_staff {
        let text = teloxide::utils::html::escape(text);
        bot.send_html_in(chat, thread, &text, None).await?;
    }
    // Full screening answers: only to the staff member, in their private chat
    // with the bot (never the desk group).
    for text in &outcome.private {
        let text = teloxide::utils::html::escape(text);
        if let Err(e) = bot.send_html(ChatId(from.id.0 as i64), &text, None).await {
            tracing::warn!(
                error = send::describe(&e),
                "could not reach a staff member privately"
            );
        }
    }
    app.after_staff(outcome);
    Ok(())
}

/// The update handler tree: messages and button presses.
pub fn handler<S: Store>() -> UpdateHandler<TelegramError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message::<S>))
        .branch(Update::filter_callback_query().endpoint(on_callback::<S>))
}

async fn on_message<S: Store>(
    bot: Tg,
    me: Me,
    msg: Message,
    update: Update,
    app: Arc<App<S>>,
) -> Result<(), TelegramError> {
    // The ids desk.toml needs, for whoever sets up the desk, anywhere.
    if let (Some(from), Some(text)) = (msg.from.as_ref(), msg.text()) {
        if handoff::render::is_whoami(text) {
            let shared = !msg.chat.is_private();
            let ids = handoff::render::whoami(
                Platform::Telegram,
                &from.id.0.to_string(),
                &msg.chat.id.0.to_string(),
                shared,
                &[],
            );
            let ids = teloxide::utils::html::escape(&ids);
            return Ok(bot.send_html(msg.chat.id, &ids, None).await?);
        }
    }
    if Some(msg.chat.id) == desk_group(&app) {
        // The staff desk: staff commands, and words for a patient written
        // in their ticket's topic or in reply to one of its posts; other
        // chatter is ignored.
        let (Some(from), Some(text)) = (msg.from.as_ref(), msg.text()) else {
            return Ok(());
        };
        let topic = desk::topic_of(&msg);
        let here = match topic {
            Some(topic) => {
                let place = desk::place_of(topic);
                frontdesk_shell::desk::ticket_at(&app, Platform::Telegram, &place).await
            }
            None => None,
        };
        let replied_to = msg
            .reply_to_message()
            .filter(|r| r.from.as_ref().is_some_and(|u| u.id == me.user.id))
            .and_then(|r| r.text());
        let action = handoff::desk_message(text, here, replied_to);
        if let (false, Some(action)) = (from.is_bot, action) {
            return staff_action(&bot, &app, from, action, (msg.chat.id, topic)).await;
        }
        return Ok(());
    }
    let Some(incoming) = convert::incoming_message(&msg, &me, update.id, app.clock.now()) else {
        return Ok(());
    };
    respond(&bot, &me, &app, msg.chat.id, incoming).await
}

async fn on_callback<S: Store>(
    bot: Tg,
    me: Me,
    query: CallbackQuery,
    update: Update,
    app: Arc<App<S>>,
) -> Result<(), TelegramError> {
    // Always answer, so the button stops spinning, stale or not; a failed
    // answer (late: "query is too old") must not drop the press.
    bot.answer_callback(query.id.clone());
    let Some(message) = &query.message else {
        return Ok(());
    };
    if convert::forged_press(&query) {
        tracing::warn!("a button press from outside its private chat was ignored");
        return Ok(());
    }
    let chat = message.chat().id;
    // The pressed keyboard goes, so a button is not pressed twice by
    // mistake (a second press of a stale button changes nothing anyway).
    bot.remove_keyboard(chat, message.id());
    if let Some(number) = query
        .data
        .as_deref()
        .and_then(|d| d.strip_prefix(convert::CLAIM_PREFIX))
        .and_then(|n| n.parse().ok())
    {
        let topic = match message {
            teloxide::types::MaybeInaccessibleMessage::Regular(m) => desk::topic_of(m),
            teloxide::types::MaybeInaccessibleMessage::Inaccessible(_) => None,
        };
        let action = StaffAction::Claim(number);
        return staff_action(&bot, &app, &query.from, action, (chat, topic)).await;
    }
    let Some(incoming) = convert::incoming_callback(&query, update.id, app.clock.now()) else {
        return Ok(());
    };
    respond(&bot, &me, &app, chat, incoming).await
}

/// Hands a message to the engine and sends what it returns, in order.
async fn respond<S: Store>(
    bot: &Tg,
    me: &Me,
    app: &Arc<App<S>>,
    chat: ChatId,
    incoming: Incoming,
) -> Result<(), TelegramError> {
    let outcome = app.handle(incoming).await;
    let mut failed = None;
    for reply in &outcome.replies {
        let (text, markup) = convert::render(reply, me);
        if let Err(e) = bot.send_html(chat, &text, markup.as_ref()).await {
            // Refused, or its fate unknown: not sent again, and the rest
            // would read out of place without it.
            tracing::error!(
                error = send::describe(&e),
                replies = outcome.replies.len(),
                "a reply to a patient could not be delivered"
            );
            failed = Some(e);
            break;
        }
    }
    // Staff alerts go whatever happened to the patient's copy.
    app.after_replies(&outcome);
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
