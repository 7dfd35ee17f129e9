//! The Discord adapter of Frontdesk, on serenity.
//!
//! Patients talk to the bot in direct messages; in a server's channels it
//! answers general questions when mentioned and moves anything personal (the
//! screen, a hand-off) to a direct message. This crate only converts: every
//! decision is bot-core's.
//!
//! # Layout
//!
//! - [`Settings`] and [`http`]: the token, and the HTTP client (serenity's rate
//!   limiter always on in production; a proxy URL for tests turns it off, since
//!   serenity ignores a proxy while its rate limiter is on).
//! - [`convert`]: escaping Discord markdown, buttons as message components.
//! - `desk`: the staff channel's threads, one per ticket, where threads
//!   are allowed.
//! - [`Handler`]: serenity's event handler: messages, button interactions and
//!   slash commands in, replies out.
//!
//! Gateway intents needed: `DIRECT_MESSAGES`, `GUILD_MESSAGES` and the
//! privileged `MESSAGE_CONTENT` (enable "Message Content Intent" in the
//! Developer Portal's Bot page).

pub mod convert;
mod desk;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use frontdesk_core::handoff::{self, Actor, StaffAction};
use frontdesk_core::{
    ChatKey, Command, Delivery, Incoming, Input, Platform, ReplyKind, Response, StaffEvent, Store,
};
pub use frontdesk_shell::App;
use frontdesk_shell::Lanes;
use serenity::all::{
    ChannelId, ClientBuilder, CommandInteraction, CommandOptionType, ComponentInteraction, Context,
    CreateAllowedMentions, CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EventHandler,
    GatewayIntents, Http, HttpBuilder, Interaction, Message, Ready, User, UserId,
};
use serenity::async_trait;

/// The intents the bot asks for.
pub const INTENTS: GatewayIntents = GatewayIntents::DIRECT_MESSAGES
    .union(GatewayIntents::GUILD_MESSAGES)
    .union(GatewayIntents::MESSAGE_CONTENT);

/// Why the Discord adapter stopped.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("Discord client: {0}")]
    Serenity(#[from] serenity::Error),
}

/// The bot token: never printed, never logged.
pub type Token = frontdesk_core::Secret;

/// How to run the adapter.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    /// Send every REST request to this base URL instead of discord.com (the
    /// tests' fake). This turns serenity's rate limiter off, which is only
    /// right where something else limits the rate: never in production.
    pub api_proxy: Option<String>,
}

/// The Discord channel that serves as a staff desk, if configured.
fn desk_channel<S: Store>(app: &App<S>) -> Option<ChannelId> {
    app.engine
        .knowledge()
        .desk()
        .discord_channel
        .as_deref()
        .and_then(|c| c.parse().ok())
        .map(ChannelId::new)
}

/// The REST client: nothing the bot sends can ping anyone unless it says so.
pub fn http(settings: &Settings) -> Http {
    let mut builder = HttpBuilder::new(settings.token.expose())
        .default_allowed_mentions(CreateAllowedMentions::new());
    if let Some(proxy) = &settings.api_proxy {
        builder = builder.proxy(proxy).ratelimiter_disabled(true);
    }
    builder.build()
}

/// Runs the adapter until `shutdown` completes.
pub async fn run<S: Store>(
    app: Arc<App<S>>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DiscordError> {
    // The configured client is used for everything, the gateway URL included:
    // serenity falls back to the real gateway when it cannot fetch that URL.
    // Events of one channel are handled in order, each channel on its own.
    let inbound = Lanes::new(SETTLE);
    let mut client = ClientBuilder::new_with_http(http(&settings), INTENTS)
        .event_handler(Handler {
            app: app.clone(),
            me: Arc::new(OnceLock::new()),
            inbound: inbound.clone(),
        })
        .await?;
    // Deliveries for Discord from anywhere (desk posts, reminders, replies
    // from a Telegram desk): one queue per channel, so one that fails holds
    // up only itself.
    let outbound = Lanes::new(Duration::ZERO);
    {
        let (outbound, http, app_) = (outbound.clone(), client.http.clone(), app.clone());
        app.router.register(Platform::Discord, move |d| {
            let Some(channel) = destination(&app_, &d) else {
                return;
            };
            let (http, app) = (http.clone(), app_.clone());
            outbound.push(
                channel,
                async move { deliver(&http, &app, channel, d).await },
            );
        });
    }
    let manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        manager.shutdown_all().await;
    });
    let result = client.start().await;
    // Stopped taking events: let the ones in hand finish, then the queues.
    let drained = async {
        inbound.idle().await;
        app.router.unregister(Platform::Discord);
        outbound.idle().await;
    };
    if tokio::time::timeout(DRAIN, drained).await.is_err() {
        tracing::warn!(
            channels = inbound.busy() + outbound.busy(),
            "events or sends still queued at stop were dropped"
        );
    }
    result?;
    Ok(())
}

/// How long a stop waits for events in hand and queued sends (reminders,
/// desk posts). A reminder dropped here is reported to the desks as in
/// doubt at the next start; an alert is sent again.
const DRAIN: Duration = Duration::from_secs(10);

/// How long a channel with nothing queued waits before handling an event,
/// so that events serenity hands over out of order are sorted first.
const SETTLE: Duration = Duration::from_millis(15);

/// Where a delivery goes on Discord: the patient's channel, or the desk
/// channel (none: no desk channel is configured).
fn destination<S: Store>(app: &App<S>, delivery: &Delivery) -> Option<ChannelId> {
    match delivery {
        Delivery::ToChat { chat, .. } => chat.id().parse().ok().map(ChannelId::new),
        Delivery::Desk { .. } => desk_channel(app),
    }
}

/// Sends one delivery to `channel` (a desk post to its ticket's thread,
/// where it has one), then settles its receipt.
async fn deliver<S: Store>(http: &Arc<Http>, app: &App<S>, channel: ChannelId, d: Delivery) {
    let receipt = d.receipt().cloned();
    let outcome = match d {
        Delivery::ToChat { reply, .. } => send_message(http, channel, convert::message(&reply))
            .await
            .map_err(|e| {
                let why = describe(&e);
                tracing::error!(error = why, "a delivery could not be sent");
                why
            }),
        Delivery::Desk { event, .. } => {
            let desk = desk::Channel { http, channel };
            frontdesk_shell::desk::post(app, &desk, Platform::Discord, &event).await
        }
    };
    app.settle(receipt, outcome).await;
}

/// serenity's event handler. Each event is queued on its channel's lane
/// (ordered by its snowflake id) and handled there.
pub struct Handler<S: Store> {
    app: Arc<App<S>>,
    /// The bot's own user id, from READY.
    me: Arc<OnceLock<UserId>>,
    /// One queue of events per channel.
    inbound: Lanes<ChannelId>,
}

impl<S: Store> Clone for Handler<S> {
    fn clone(&self) -> Self {
        Handler {
            app: self.app.clone(),
            me: self.me.clone(),
            inbound: self.inbound.clone(),
        }
    }
}

fn commands() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new("ask")
            .description("Ask a question about dry needling or the clinic")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "question", "Your question")
                    .required(true),
            ),
        CreateCommand::new("screen").description("Health questions before dry needling"),
        CreateCommand::new("human").description("Talk to a person"),
        CreateCommand::new("language").description("English or Spanish"),
    ]
}

#[async_trait]
impl<S: Store> EventHandler for Handler<S> {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(shard = ?ready.shard, "Discord gateway ready");
        let _ = self.me.set(ready.user.id);
        if let Err(e) = serenity::all::Command::set_global_commands(&ctx.http, commands()).await {
            tracing::warn!(error = describe(&e), "could not register slash commands");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        let this = self.clone();
        let (channel, order) = (msg.channel_id, msg.id.get());
        self.inbound.push_ordered(
            channel,
            order,
            async move { this.on_message(&ctx, msg).await },
        );
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let this = self.clone();
        match interaction {
            Interaction::Component(press) => {
                let (channel, order) = (press.channel_id, press.id.get());
                // A desk post's Claim (desks are in servers): the button
                // stays for a colleague, who is told whose the ticket is.
                let claim = press.guild_id.and(convert::claimed(&press.data.custom_id));
                if let Some(number) = claim {
                    acknowledge_claim(&ctx, &press);
                    self.inbound.push_ordered(channel, order, async move {
                        this.on_claim(&ctx, press, number).await
                    });
                    return;
                }
                // Acknowledged at once (Discord allows three seconds); handled
                // in its channel's order.
                acknowledge(&ctx, &press);
                self.inbound.push_ordered(channel, order, async move {
                    this.on_press(&ctx, press).await
                });
            }
            Interaction::Command(command) => {
                let (channel, order) = (command.channel_id, command.id.get());
                self.inbound.push_ordered(channel, order, async move {
                    this.on_command(&ctx, command).await
                });
            }
            _ => {}
        }
    }
}

/// Acknowledges a button press, disabling the buttons so none can be
/// pressed twice: best effort, off the channel's queue, one try.
fn acknowledge(ctx: &Context, press: &ComponentInteraction) {
    let ack = CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new()
            .components(convert::disabled(&press.message.components)),
    );
    let (http, press) = (ctx.http.clone(), press.clone());
    tokio::spawn(async move {
        let answered = tokio::time::timeout(BEST_EFFORT, press.create_response(&http, ack)).await;
        match answered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::info!(error = describe(&e), "acknowledging a press failed"),
            Err(_) => tracing::info!("acknowledging a press timed out"),
        }
    });
}

/// Acknowledges a Claim press without changing its post: best effort, off
/// the channel's queue, one try.
fn acknowledge_claim(ctx: &Context, press: &ComponentInteraction) {
    let (http, press) = (ctx.http.clone(), press.clone());
    tokio::spawn(async move {
        let ack = CreateInteractionResponse::Acknowledge;
        let answered = tokio::time::timeout(BEST_EFFORT, press.create_response(&http, ack)).await;
        if !matches!(answered, Ok(Ok(()))) {
            tracing::info!("acknowledging a Claim press failed");
        }
    });
}

/// How long a best-effort call may take.
const BEST_EFFORT: Duration = Duration::from_secs(3);

impl<S: Store> Handler<S> {
    async fn on_message(&self, ctx: &Context, msg: Message) {
        // The ids desk.toml needs, for whoever sets up the desk, anywhere
        // (after a mention of the bot, or without).
        let bare = msg.content.trim_start();
        let bare = match bare.strip_prefix("<@") {
            Some(rest) => rest.split_once('>').map_or(bare, |(_, after)| after),
            None => bare,
        };
        if handoff::render::is_whoami(bare) {
            let roles: Vec<String> = msg
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
                .unwrap_or_default();
            let ids = handoff::render::whoami(
                Platform::Discord,
                &msg.author.id.get().to_string(),
                &msg.channel_id.get().to_string(),
                msg.guild_id.is_some(),
                &roles,
            );
            let message = convert::plain_message(convert::escape_markdown(&ids));
            if let Err(e) = send_message(&ctx.http, msg.channel_id, message).await {
                tracing::warn!(error = describe(&e), "could not answer /whoami");
            }
            return;
        }
        // The staff desk: its channel, and a ticket's thread in it.
        let place = msg.channel_id.get().to_string();
        let here = match msg.guild_id {
            Some(_) => frontdesk_shell::desk::ticket_at(&self.app, Platform::Discord, &place).await,
            None => None,
        };
        if here.is_some() || Some(msg.channel_id) == desk_channel(&self.app) {
            let replied_to = self.me.get().and_then(|me| {
                msg.referenced_message
                    .as_ref()
                    .filter(|r| r.author.id == *me)
                    .map(|r| r.content.as_str())
            });
            let action = handoff::desk_message(&msg.content, here, replied_to);
            if let Some(action) = action {
                let roles = msg.member.as_ref().map(|m| m.roles.as_slice());
                self.staff_action(ctx, &msg.author, roles, msg.channel_id, action)
                    .await;
            }
            return;
        }
        let Some(&me) = self.me.get() else {
            return;
        };
        let Some((text, shared)) = convert::addressed(&msg, me) else {
            return;
        };
        let incoming = self.incoming(msg.channel_id, Input::from_text(&text), shared, &msg.author);
        self.respond(ctx, msg.channel_id, &msg.author, incoming)
            .await;
    }

    /// A patient's message or press in `channel`, by `author`, whose
    /// display name (or user name) the desk sees.
    fn incoming(&self, channel: ChannelId, input: Input, shared: bool, author: &User) -> Incoming {
        Incoming {
            chat: ChatKey::new(Platform::Discord, &channel.get().to_string())
                .expect("a channel id is a valid chat id"),
            input,
            at: self.app.clock.now(),
            locale_hint: None,
            shared,
            display_name: Some(
                author
                    .global_name
                    .clone()
                    .unwrap_or_else(|| author.name.clone()),
            ),
            sequence: None,
        }
    }

    async fn handle(&self, incoming: Incoming) -> Response {
        self.app.handle(incoming).await
    }

    /// Runs a message through the engine and sends the replies to `channel`.
    /// Something personal asked in a shared channel is said there, then
    /// done in a direct message with its author ([`continues_in_dm`]).
    async fn respond(&self, ctx: &Context, channel: ChannelId, author: &User, incoming: Incoming) {
        let input = incoming.input.clone();
        let outcome = self.handle(incoming).await;
        self.send_all(ctx, channel, &outcome).await;
        if continues_in_dm(&input, &outcome) {
            self.continue_in_dm(ctx, author, input).await;
        }
    }

    /// Runs `input` again in a direct message with `user`, where personal
    /// things may happen.
    async fn continue_in_dm(&self, ctx: &Context, user: &User, input: Input) {
        match retrying(|| user.id.create_dm_channel(&ctx.http)).await {
            Ok(dm) => {
                let outcome = self.handle(self.incoming(dm.id, input, false, user)).await;
                self.send_all(ctx, dm.id, &outcome).await;
            }
            Err(e) => tracing::warn!(error = describe(&e), "could not open a direct message"),
        }
    }

    /// A desk post's Claim button, pressed in the desk channel or a
    /// ticket's thread.
    async fn on_claim(&self, ctx: &Context, press: ComponentInteraction, number: u64) {
        let place = press.channel_id.get().to_string();
        let at_desk = Some(press.channel_id) == desk_channel(&self.app)
            || frontdesk_shell::desk::ticket_at(&self.app, Platform::Discord, &place)
                .await
                .is_some();
        if !at_desk {
            return;
        }
        let roles = press.member.as_ref().map(|m| m.roles.as_slice());
        let action = StaffAction::Claim(number);
        self.staff_action(ctx, &press.user, roles, press.channel_id, action)
            .await;
    }

    /// A staff member's command typed, or button pressed, in `channel` of
    /// the desk; the answers go there.
    async fn staff_action(
        &self,
        ctx: &Context,
        author: &User,
        roles: Option<&[serenity::all::RoleId]>,
        channel: ChannelId,
        action: StaffAction,
    ) {
        let actor = Actor {
            platform: Platform::Discord,
            user_id: author.id.get().to_string(),
            roles: roles
                .unwrap_or_default()
                .iter()
                .map(|r| r.get().to_string())
                .collect(),
            display_name: author.name.clone(),
        };
        let outcome = self.app.staff(actor, action).await;
        for text in &outcome.to_staff {
            let message = convert::plain_message(convert::escape_markdown(text));
            if let Err(e) = send_message(&ctx.http, channel, message).await {
                tracing::warn!(error = describe(&e), "could not answer a staff member");
            }
        }
        // Full screening answers: only to the staff member, by direct message.
        if !outcome.private.is_empty() {
            match retrying(|| author.id.create_dm_channel(&ctx.http)).await {
                Ok(dm) => {
                    for text in &outcome.private {
                        let message = convert::plain_message(convert::escape_markdown(text));
                        if let Err(e) = send_message(&ctx.http, dm.id, message).await {
                            tracing::warn!(
                                error = describe(&e),
                                "could not reach a staff member privately"
                            );
                        }
                    }
                }
                Err(e) => tracing::warn!(
                    error = describe(&e),
                    "could not open a DM with a staff member"
                ),
            }
        }
        self.app.after_staff(outcome);
    }

    /// Sends the replies in order, stopping at one that fails (the rest
    /// would read out of place); the staff alerts go whatever happened.
    async fn send_all(&self, ctx: &Context, channel: ChannelId, outcome: &Response) {
        for reply in &outcome.replies {
            let message = convert::message(reply);
            if let Err(e) = send_message(&ctx.http, channel, message).await {
                tracing::error!(
                    error = describe(&e),
                    replies = outcome.replies.len(),
                    "a reply to a patient could not be delivered"
                );
                break;
            }
        }
        self.app.after_replies(outcome);
    }

    async fn on_press(&self, ctx: &Context, press: ComponentInteraction) {
        let shared = press.guild_id.is_some();
        let incoming = self.incoming(
            press.channel_id,
            Input::Choice(press.data.custom_id.clone()),
            shared,
            &press.user,
        );
        self.respond(ctx, press.channel_id, &press.user, incoming)
            .await;
    }

    async fn on_command(&self, ctx: &Context, command: CommandInteraction) {
        let input = match command.data.name.as_str() {
            "ask" => Input::Text(
                command
                    .data
                    .options
                    .first()
                    .and_then(|o| o.value.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            ),
            "screen" => Input::Command(Command::Screen),
            "human" => Input::Command(Command::Human),
            "language" => Input::Command(Command::Language(None)),
            other => Input::Command(Command::Unknown(other.to_owned())),
        };
        let shared = command.guild_id.is_some();
        let outcome = self
            .handle(self.incoming(command.channel_id, input.clone(), shared, &command.user))
            .await;
        // Answered ephemerally in servers: only the asker sees it.
        let mut replies = outcome.replies.iter();
        if let Some(first) = replies.next() {
            let response = convert::interaction_message(first).ephemeral(shared);
            let response = CreateInteractionResponse::Message(response);
            if let Err(e) = command.create_response(&ctx.http, response).await {
                tracing::warn!(error = describe(&e), "could not answer a slash command");
            }
        }
        for reply in replies {
            let followup = CreateInteractionResponseFollowup::new()
                .content(convert::escape_markdown(&reply.text))
                .components(convert::buttons(reply))
                .allowed_mentions(CreateAllowedMentions::new())
                .ephemeral(shared);
            if let Err(e) = command.create_followup(&ctx.http, followup).await {
                tracing::warn!(error = describe(&e), "could not send a follow-up");
            }
        }
        outcome.staff.iter().for_each(StaffEvent::log);
        if shared && continues_in_dm(&input, &outcome) {
            self.continue_in_dm(ctx, &command.user, input).await;
        }
    }
}

/// Sends a message's pieces (see [`convert::split_content`]) one after
/// another, each with retries; stops at the first that fails.
async fn send_message(
    http: &Arc<Http>,
    channel: ChannelId,
    pieces: Vec<serenity::all::CreateMessage>,
) -> Result<(), serenity::Error> {
    for piece in pieces {
        // Discord creates a message once per nonce: a retry after a 5xx
        // that came after Discord acted returns the first copy. A string,
        // 16 characters (Discord takes at most 25).
        let piece = piece
            .nonce(serenity::all::Nonce::String(format!(
                "{:016x}",
                fresh_nonce()
            )))
            .enforce_nonce(true);
        retrying(|| async {
            // A send Discord never answers is abandoned, so the chat's
            // next message is not held up behind it for good.
            match tokio::time::timeout(SEND_TIMEOUT, channel.send_message(http, piece.clone()))
                .await
            {
                Ok(sent) => sent,
                Err(_) => Err(serenity::Error::Other(NO_ANSWER)),
            }
        })
        .await?;
    }
    Ok(())
}

/// How long a send waits for Discord's answer before it is abandoned.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);
const NO_ANSWER: &str = "Discord did not answer within 60 s; the send was abandoned";

/// Whether what was used in a shared channel is done again in a direct
/// message with its author: a command or button the bot moved to a
/// private chat. Typed words never are: a "yes" or a "1" typed in a channel
/// must not act on the author's private conversation.
fn continues_in_dm(input: &Input, outcome: &Response) -> bool {
    !matches!(input, Input::Text(_))
        && outcome
            .replies
            .iter()
            .any(|r| r.kind == ReplyKind::MoveToPrivate)
}

/// A number no other message of this bot carries in the minutes Discord
/// remembers nonces: the time in nanoseconds hashed under a fresh random
/// key (std seeds each `RandomState` at random), so neither two messages
/// nor two processes collide but by a 64-bit chance.
fn fresh_nonce() -> u64 {
    use std::hash::BuildHasher;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::collections::hash_map::RandomState::new().hash_one(now)
}

/// Retries what serenity's own rate limiter did not absorb: a 429 or a 5xx
/// (when the rate limiter is off, or a server error), with backoff of at least
/// a second and one request at a time, never a burst.
pub async fn retrying<F, Fut, T>(mut op: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut wait = Duration::from_secs(1);
    for attempt in 1.. {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) if attempt < 8 && is_transient(&e) => {
                tracing::warn!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    error = describe(&e),
                    "Discord request failed; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// A failure in words that hold no body and no URL.
pub fn describe(e: &serenity::Error) -> String {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => format!(
            "Discord answered {} ({})",
            r.status_code.as_u16(),
            r.error.message
        ),
        serenity::Error::Http(HttpError::Request(r)) if r.is_timeout() => {
            "the request timed out".into()
        }
        serenity::Error::Http(HttpError::Request(r)) if r.is_connect() => {
            "could not connect".into()
        }
        serenity::Error::Http(HttpError::Request(_)) => "a network error".into(),
        serenity::Error::Json(_) => "an answer that did not parse".into(),
        serenity::Error::Gateway(_) => "a gateway error".into(),
        serenity::Error::Model(m) => format!("a message Discord would refuse ({m})"),
        serenity::Error::Other(why) => (*why).to_owned(),
        _ => "a Discord client error".into(),
    }
}

fn is_transient(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.as_u16() == 429 || r.status_code.is_server_error()
        }
        serenity::Error::Http(serenity::http::HttpError::Request(r)) => {
            r.is_connect() || r.is_timeout()
        }
        _ => false,
    }
}
