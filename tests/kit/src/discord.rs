//! A fake Discord on loopback: the REST API under `/api/v10` and a gateway
//! websocket, speaking Discord's real wire format so the real serenity client
//! is what the tests exercise.
//!
//! REST: `GET /gateway` (a loopback `ws://` URL), channel messages, DM channel
//! creation, interaction callbacks and follow-ups, command registration, and
//! threads (started in channels that allow them, archived and locked by
//! `PATCH`, deleted by `DELETE`, refusing posts once archived or deleted).
//! Gateway: HELLO, IDENTIFY → READY, heartbeats and ACKs, MESSAGE_CREATE and
//! INTERACTION_CREATE dispatches with increasing sequence numbers, and RESUME
//! after a dropped connection (replaying what was missed). REST calls can be
//! answered with 429 and Discord's `Retry-After` and bucket headers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

pub const TOKEN: &str = "fake-discord-token.for-tests";
pub const BOT_ID: u64 = 900_000_000_000_000_001;
pub const APP_ID: u64 = 900_000_000_000_000_002;
/// The server threads are made in.
pub const GUILD_ID: u64 = 5;

/// A scripted Discord user.
#[derive(Debug, Clone)]
pub struct DiscordUser {
    pub id: u64,
    pub name: String,
}

impl DiscordUser {
    pub fn new(id: u64, name: &str) -> DiscordUser {
        DiscordUser {
            id,
            name: name.to_owned(),
        }
    }

    fn json(&self) -> Value {
        json!({"id": self.id.to_string(), "username": self.name, "discriminator": "0",
               "global_name": self.name, "avatar": null})
    }
}

/// A message the bot created.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub channel_id: u64,
    pub id: u64,
    pub content: String,
    pub components: Value,
    pub allowed_mentions: Value,
    /// The nonce the bot gave, as it gave it.
    pub nonce: Value,
    pub at: Instant,
}

impl SentMessage {
    /// The custom ids of its buttons, in order.
    pub fn buttons(&self) -> Vec<String> {
        self.components
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().into_iter().flatten())
            .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// The content with Discord's markdown escapes removed, as a user sees it.
    pub fn shown(&self) -> String {
        let mut out = String::new();
        let mut escaped = false;
        for c in self.content.chars() {
            if c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            escaped = false;
            out.push(c);
        }
        out
    }
}

enum Out {
    Text(String),
    Binary(Vec<u8>),
    Close,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    seq: u64,
    /// Every dispatch as sent, for RESUME.
    events: Vec<(u64, String)>,
    connection: Option<mpsc::UnboundedSender<Out>>,
    identified: bool,
    identifies: usize,
    resumes: usize,
    dm_channels: HashMap<u64, u64>,
    sent: Vec<SentMessage>,
    callbacks: Vec<(String, Value)>,
    commands: Vec<Value>,
    rate_limits: usize,
    /// Message posts to create and then answer with a 502, as a gateway
    /// that timed out after Discord acted.
    fail_after_creating: usize,
    /// Messages created with `enforce_nonce`, by channel and nonce:
    /// Discord answers a repeat with the first message, creating nothing.
    nonces: HashMap<(u64, String), u64>,
    message_posts: Vec<Instant>,
    /// Message posts refused with a 4xx other than 429: their parameters.
    rejected: Vec<Value>,
    /// Message posts to take and never answer (the connection stays open),
    /// by channel.
    hang: HashMap<u64, usize>,
    /// Channels where the bot may start threads.
    thread_channels: std::collections::HashSet<u64>,
    /// Threads not deleted, by id.
    threads: HashMap<u64, Thread>,
    /// Threads deleted by hand.
    deleted_threads: std::collections::HashSet<u64>,
}

/// A thread the bot started in a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: u64,
    pub parent: u64,
    pub name: String,
    pub archived: bool,
    pub locked: bool,
}

impl Thread {
    /// The thread as Discord's REST API returns a channel.
    fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(), "type": 11, "guild_id": GUILD_ID.to_string(),
            "parent_id": self.parent.to_string(), "name": self.name,
            "owner_id": BOT_ID.to_string(), "last_message_id": null,
            "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
            "thread_metadata": {
                "archived": self.archived, "auto_archive_duration": 10080,
                "archive_timestamp": timestamp(), "locked": self.locked,
            },
            "total_message_sent": 0, "flags": 0,
        })
    }
}

struct Shared {
    inner: Mutex<Inner>,
    new_sent: Notify,
    ready: Notify,
    ws_url: Mutex<String>,
}

/// A running fake Discord. Dropping it stops the server.
pub struct FakeDiscord {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn bot_user() -> Value {
    json!({"id": BOT_ID.to_string(), "username": "frontdesk", "discriminator": "0",
           "global_name": "Frontdesk", "avatar": null, "bot": true})
}

fn timestamp() -> &'static str {
    "2026-11-21T09:00:00.000000+00:00"
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_id: 1_000,
                ..Inner::default()
            }),
            new_sent: Notify::new(),
            ready: Notify::new(),
            ws_url: Mutex::new(String::new()),
        });
        let app = Router::new()
            .route("/gateway", axum::routing::get(gateway))
            .fallback(rest)
            .with_state(shared.clone());
        let (addr, server) = crate::serve_on_loopback(app).await;
        *shared.ws_url.lock().unwrap() = format!("ws://{addr}/gateway");
        FakeDiscord {
            addr,
            shared,
            server,
        }
    }

    /// The base URL the client's REST requests go to (its "proxy").
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the bot has identified and received READY.
    pub async fn wait_ready(&self) {
        for _ in 0..600 {
            let notified = self.shared.ready.notified();
            if self.inner().identified {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
        }
        panic!("the bot never connected to the fake gateway");
    }

    fn dispatch(&self, kind: &str, data: Value) {
        self.dispatch_text(|seq| json!({"op": 0, "s": seq, "t": kind, "d": data}).to_string());
    }

    /// Sends a dispatch frame built from its sequence number.
    fn dispatch_text(&self, build: impl FnOnce(u64) -> String) {
        let mut inner = self.inner();
        inner.seq += 1;
        let seq = inner.seq;
        let event = build(seq);
        inner.events.push((seq, event.clone()));
        if inner.identified
            && let Some(conn) = &inner.connection
        {
            let _ = conn.send(Out::Text(event));
        }
    }

    fn id(&self) -> u64 {
        let mut inner = self.inner();
        inner.next_id += 1;
        inner.next_id
    }

    /// The DM channel between the bot and a user.
    pub fn dm_channel(&self, user: &DiscordUser) -> u64 {
        let mut inner = self.inner();
        let next = 700_000 + inner.dm_channels.len() as u64;
        *inner.dm_channels.entry(user.id).or_insert(next)
    }

    /// A user sends the bot a direct message; returns the DM channel id.
    pub fn user_dm(&self, user: &DiscordUser, text: &str) -> u64 {
        let channel = self.dm_channel(user);
        let id = self.id();
        self.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": id.to_string(), "channel_id": channel.to_string(), "author": user.json(),
                "content": text, "timestamp": timestamp(), "edited_timestamp": null,
                "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
                "attachments": [], "embeds": [], "pinned": false, "type": 0,
            }),
        );
        channel
    }

    /// A user sends the bot a direct message whose `content` is `content` as
    /// it stands between the JSON string's quotes, for what `serde_json`
    /// cannot build (a lone surrogate escape such as `\ud800`); returns the DM
    /// channel id.
    pub fn user_dm_raw(&self, user: &DiscordUser, content: &str) -> u64 {
        const HOLE: &str = "frontdesk-raw-content-goes-here";
        let channel = self.dm_channel(user);
        let id = self.id();
        let data = json!({
            "id": id.to_string(), "channel_id": channel.to_string(), "author": user.json(),
            "content": HOLE, "timestamp": timestamp(), "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": false, "type": 0,
        });
        self.dispatch_text(|seq| {
            json!({"op": 0, "s": seq, "t": "MESSAGE_CREATE", "d": data})
                .to_string()
                .replacen(HOLE, content, 1)
        });
        channel
    }

    /// Sends these bytes to the bot as one binary gateway frame (Discord's
    /// zlib-compressed payloads), not kept for RESUME.
    pub fn binary_frame(&self, bytes: Vec<u8>) {
        let inner = self.inner();
        if let Some(conn) = &inner.connection {
            let _ = conn.send(Out::Binary(bytes));
        }
    }

    /// A user writes in a server channel, mentioning the bot or not.
    pub fn channel_message(
        &self,
        guild: u64,
        channel: u64,
        user: &DiscordUser,
        text: &str,
        mention: bool,
    ) {
        let id = self.id();
        let (content, mentions) = if mention {
            (format!("<@{BOT_ID}> {text}"), json!([bot_user()]))
        } else {
            (text.to_owned(), json!([]))
        };
        self.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": id.to_string(), "channel_id": channel.to_string(),
                "guild_id": guild.to_string(), "author": user.json(),
                "content": content, "timestamp": timestamp(), "edited_timestamp": null,
                "tts": false, "mention_everyone": false, "mentions": mentions, "mention_roles": [],
                "attachments": [], "embeds": [], "pinned": false, "type": 0,
            }),
        );
    }

    /// A user presses a button on a message the bot sent (in a DM).
    pub fn press(&self, user: &DiscordUser, message: &SentMessage, custom_id: &str) {
        self.component_press(None, user, message, custom_id);
    }

    /// A user presses a button on a message the bot sent in a server channel
    /// (anyone who can see the channel can press it).
    pub fn press_in_server(
        &self,
        guild: u64,
        user: &DiscordUser,
        message: &SentMessage,
        custom_id: &str,
    ) {
        self.component_press(Some(guild), user, message, custom_id);
    }

    /// A component interaction: in a DM the presser is `user`, in a server
    /// a `member` of the guild.
    fn component_press(
        &self,
        guild: Option<u64>,
        user: &DiscordUser,
        message: &SentMessage,
        custom_id: &str,
    ) {
        let id = self.id();
        let mut body = json!({
            "id": id.to_string(), "application_id": APP_ID.to_string(), "type": 3,
            "data": {"custom_id": custom_id, "component_type": 2},
            "channel_id": message.channel_id.to_string(),
            "token": format!("itoken-{id}"), "version": 1, "message": self.message_json(message),
            "locale": "en-US", "entitlements": [], "attachment_size_limit": 10485760,
            "app_permissions": "0",
        });
        match guild {
            None => body["user"] = user.json(),
            Some(guild) => {
                body["guild_id"] = json!(guild.to_string());
                body["member"] = json!({
                    "user": user.json(), "roles": [], "joined_at": timestamp(),
                    "deaf": false, "mute": false, "flags": 0,
                });
            }
        }
        self.dispatch("INTERACTION_CREATE", body);
    }

    /// A user runs a slash command, in a server (`guild`) or in a DM.
    pub fn slash_command(
        &self,
        guild: Option<u64>,
        channel: u64,
        user: &DiscordUser,
        name: &str,
        options: Value,
    ) {
        let id = self.id();
        let mut interaction = json!({
            "id": id.to_string(), "application_id": APP_ID.to_string(), "type": 2,
            "data": {"id": "800", "name": name, "type": 1, "options": options},
            "channel_id": channel.to_string(), "token": format!("itoken-{id}"), "version": 1,
            "locale": "en-US", "entitlements": [], "attachment_size_limit": 10485760,
            "app_permissions": "0",
        });
        match guild {
            Some(g) => {
                interaction["guild_id"] = json!(g.to_string());
                interaction["member"] = json!({
                    "user": user.json(), "roles": [], "joined_at": timestamp(),
                    "deaf": false, "mute": false, "flags": 0,
                });
            }
            None => interaction["user"] = user.json(),
        }
        self.dispatch("INTERACTION_CREATE", interaction);
    }

    /// Waits for `n` interaction callbacks in all.
    pub async fn wait_callbacks(&self, n: usize) -> Vec<(String, Value)> {
        for _ in 0..300 {
            let callbacks = self.callbacks();
            if callbacks.len() >= n {
                return callbacks;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} interaction callbacks");
    }

    fn message_json(&self, m: &SentMessage) -> Value {
        json!({
            "id": m.id.to_string(), "channel_id": m.channel_id.to_string(), "author": bot_user(),
            "content": m.content, "timestamp": timestamp(), "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": false, "type": 0,
            "components": m.components,
        })
    }

    /// Drops the gateway connection abruptly (the bot should resume).
    pub fn drop_gateway(&self) {
        let mut inner = self.inner();
        inner.identified = false;
        if let Some(conn) = inner.connection.take() {
            let _ = conn.send(Out::Close);
        }
    }

    /// Answers the next `times` message posts with 429 and `Retry-After`.
    pub fn rate_limit_messages(&self, times: usize) {
        self.inner().rate_limits += times;
    }

    /// Creates the next `times` posted messages, then answers each with a
    /// 502: the client cannot tell the message exists.
    pub fn fail_after_creating(&self, times: usize) {
        self.inner().fail_after_creating += times;
    }

    /// Takes the next `times` message posts to `channel` and answers none
    /// of them (for an hour), creating nothing: a Discord that never
    /// answers. Posts elsewhere (the desk's) go on as usual.
    pub fn hang_message_posts(&self, channel: u64, times: usize) {
        *self.inner().hang.entry(channel).or_default() += times;
    }

    /// Lets the bot start threads in `channel` (elsewhere Discord answers
    /// 403 Missing Permissions, as for a bot without the permission).
    pub fn allow_threads(&self, channel: u64) {
        self.inner().thread_channels.insert(channel);
    }

    /// The threads not deleted, in the order made.
    pub fn threads(&self) -> Vec<Thread> {
        let mut list: Vec<Thread> = self.inner().threads.values().cloned().collect();
        list.sort_by_key(|t| t.id);
        list
    }

    /// A staff member deletes a thread by hand.
    pub fn delete_thread(&self, thread: u64) {
        let mut inner = self.inner();
        inner.threads.remove(&thread);
        inner.deleted_threads.insert(thread);
    }

    /// A user answers one of the bot's messages in a server channel with
    /// Discord's "Reply".
    pub fn channel_reply(
        &self,
        guild: u64,
        channel: u64,
        user: &DiscordUser,
        text: &str,
        to: &SentMessage,
    ) {
        let id = self.id();
        self.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": id.to_string(), "channel_id": channel.to_string(),
                "guild_id": guild.to_string(), "author": user.json(),
                "content": text, "timestamp": timestamp(), "edited_timestamp": null,
                "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
                "attachments": [], "embeds": [], "pinned": false, "type": 19,
                "message_reference": {"message_id": to.id.to_string(),
                    "channel_id": to.channel_id.to_string(), "guild_id": guild.to_string()},
                "referenced_message": message_json(to),
            }),
        );
    }

    /// When each message post arrived (rate-limited ones included).
    pub fn message_posts(&self) -> Vec<Instant> {
        self.inner().message_posts.clone()
    }

    /// Message posts the fake refused (empty or over 2,000 characters), with
    /// their parameters.
    pub fn rejected(&self) -> Vec<Value> {
        self.inner().rejected.clone()
    }

    pub fn identifies(&self) -> usize {
        self.inner().identifies
    }

    pub fn resumes(&self) -> usize {
        self.inner().resumes
    }

    pub fn sent_to(&self, channel: u64) -> Vec<SentMessage> {
        self.inner()
            .sent
            .iter()
            .filter(|m| m.channel_id == channel)
            .cloned()
            .collect()
    }

    /// Waits (a minute at most) for the next message to a channel after
    /// `already` seen ones.
    pub async fn next_to(&self, channel: u64, already: usize) -> SentMessage {
        self.next_to_within(channel, already, Duration::from_secs(60))
            .await
    }

    /// [`FakeDiscord::next_to`], waiting up to `wait`.
    pub async fn next_to_within(
        &self,
        channel: u64,
        already: usize,
        wait: Duration,
    ) -> SentMessage {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.shared.new_sent.notified();
            let sent = self.sent_to(channel);
            if sent.len() > already {
                return sent[already].clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no message to channel {channel} after {already}");
            }
        }
    }

    /// Interaction callbacks: (interaction id, body).
    pub fn callbacks(&self) -> Vec<(String, Value)> {
        self.inner().callbacks.clone()
    }

    /// Command lists registered with PUT .../commands.
    pub fn commands(&self) -> Vec<Value> {
        self.inner().commands.clone()
    }
}

async fn gateway(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| session(socket, shared))
}

async fn session(socket: WebSocket, shared: Arc<Shared>) {
    let (tx, rx) = mpsc::unbounded_channel();
    shared.inner.lock().unwrap().connection = Some(tx.clone());
    converse(socket, &shared, rx).await;
    // The session is over: nothing more goes to it until the client is back.
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    if inner
        .connection
        .as_ref()
        .is_some_and(|c| c.same_channel(&tx))
    {
        inner.connection = None;
        inner.identified = false;
    }
}

async fn converse(mut socket: WebSocket, shared: &Shared, mut rx: mpsc::UnboundedReceiver<Out>) {
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(WsMessage::Text(text))) = incoming else {
                    if matches!(incoming, Some(Ok(_))) { continue; }
                    break;
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                let replies = on_frame(shared, &frame);
                for reply in replies {
                    if socket.send(WsMessage::Text(reply.into())).await.is_err() {
                        return;
                    }
                }
            }
            out = rx.recv() => match out {
                Some(Out::Text(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Binary(bytes)) => {
                    if socket.send(WsMessage::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close) | None => break,
            }
        }
    }
}

/// The answers to one frame from the client.
fn on_frame(shared: &Shared, frame: &Value) -> Vec<String> {
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    match frame["op"].as_u64() {
        Some(1) => vec![json!({"op": 11}).to_string()],
        Some(2) => {
            let token = frame["d"]["token"].as_str().unwrap_or_default();
            if token.strip_prefix("Bot ").unwrap_or(token) != TOKEN {
                return vec![json!({"op": 9, "d": false}).to_string()];
            }
            inner.identifies += 1;
            inner.identified = true;
            inner.seq += 1;
            let ws_url = shared.ws_url.lock().unwrap().clone();
            let ready = json!({"op": 0, "s": inner.seq, "t": "READY", "d": {
                "v": 10, "user": bot_user(), "guilds": [], "session_id": "fake-session",
                "resume_gateway_url": ws_url, "shard": [0, 1],
                "application": {"id": APP_ID.to_string(), "flags": 0},
            }});
            shared.ready.notify_waiters();
            vec![ready.to_string()]
        }
        Some(6) => {
            let from = frame["d"]["seq"].as_u64().unwrap_or(0);
            inner.resumes += 1;
            inner.identified = true;
            let mut out: Vec<String> = inner
                .events
                .iter()
                .filter(|(s, _)| *s > from)
                .map(|(_, e)| e.clone())
                .collect();
            inner.seq += 1;
            out.push(json!({"op": 0, "s": inner.seq, "t": "RESUMED", "d": {}}).to_string());
            shared.ready.notify_waiters();
            out
        }
        _ => Vec::new(),
    }
}

fn rest_error(status: StatusCode, message: &str) -> Response {
    rest_error_code(status, message, 0)
}

/// An error with Discord's JSON error code.
fn rest_error_code(status: StatusCode, message: &str, code: u32) -> Response {
    (
        status,
        axum::Json(json!({"message": message, "code": code})),
    )
        .into_response()
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some(&format!("Bot {TOKEN}")) {
        return rest_error(StatusCode::UNAUTHORIZED, "401: Unauthorized");
    }
    let path = uri.path().trim_start_matches("/api/v10").to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let params: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let ws_url = shared.ws_url.lock().unwrap().clone();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => axum::Json(json!({"url": ws_url})).into_response(),
        ("GET", ["gateway", "bot"]) => axum::Json(json!({
            "url": ws_url, "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
        }))
        .into_response(),
        ("PUT", ["applications", _, "commands"]) => {
            let mut inner = shared.inner.lock().unwrap();
            inner.commands.push(params.clone());
            let list: Vec<Value> = params
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| {
                    let mut c = c.clone();
                    c["id"] = json!((800 + i).to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    c["type"] = json!(1);
                    c["default_member_permissions"] = Value::Null;
                    c
                })
                .collect();
            axum::Json(Value::Array(list)).into_response()
        }
        ("POST", ["users", "@me", "channels"]) => {
            let recipient: u64 = params["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or(params["recipient_id"].as_u64())
                .unwrap_or(0);
            let mut inner = shared.inner.lock().unwrap();
            let next = 700_000 + inner.dm_channels.len() as u64;
            let channel = *inner.dm_channels.entry(recipient).or_insert(next);
            axum::Json(json!({
                "id": channel.to_string(), "type": 1, "last_message_id": null,
                "recipients": [{"id": recipient.to_string(), "username": "patient", "discriminator": "0", "avatar": null}],
            }))
            .into_response()
        }
        ("POST", ["channels", channel, "threads"]) => {
            let parent: u64 = channel.parse().unwrap_or(0);
            let mut inner = shared.inner.lock().unwrap();
            if !inner.thread_channels.contains(&parent) {
                return rest_error_code(StatusCode::FORBIDDEN, "Missing Permissions", 50013);
            }
            let name = params["name"].as_str().unwrap_or_default().to_owned();
            if !(1..=100).contains(&name.chars().count()) {
                return rest_error_code(StatusCode::BAD_REQUEST, "Invalid Form Body", 50035);
            }
            inner.next_id += 1;
            let thread = Thread {
                id: inner.next_id,
                parent,
                name,
                archived: false,
                locked: false,
            };
            inner.threads.insert(thread.id, thread.clone());
            (StatusCode::CREATED, axum::Json(thread.json())).into_response()
        }
        ("DELETE", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            let mut inner = shared.inner.lock().unwrap();
            let Some(thread) = inner.threads.remove(&id) else {
                return rest_error_code(StatusCode::NOT_FOUND, "Unknown Channel", 10003);
            };
            inner.deleted_threads.insert(id);
            axum::Json(thread.json()).into_response()
        }
        ("PATCH", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            let mut inner = shared.inner.lock().unwrap();
            let Some(thread) = inner.threads.get_mut(&id) else {
                return rest_error_code(StatusCode::NOT_FOUND, "Unknown Channel", 10003);
            };
            if let Some(archived) = params["archived"].as_bool() {
                thread.archived = archived;
            }
            if let Some(locked) = params["locked"].as_bool() {
                thread.locked = locked;
            }
            axum::Json(thread.json()).into_response()
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            {
                let inner = shared.inner.lock().unwrap();
                if inner.deleted_threads.contains(&channel) {
                    return rest_error_code(StatusCode::NOT_FOUND, "Unknown Channel", 10003);
                }
                if inner.threads.get(&channel).is_some_and(|t| t.archived) {
                    return rest_error_code(StatusCode::BAD_REQUEST, "Thread is archived", 50083);
                }
            }
            let hang = {
                let mut inner = shared.inner.lock().unwrap();
                let left = inner.hang.entry(channel).or_default();
                let hang = *left > 0;
                if hang {
                    *left -= 1;
                    inner.message_posts.push(Instant::now());
                }
                hang
            };
            if hang {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            }
            post_message(&shared, channel, &params)
        }
        ("POST", ["interactions", id, _token, "callback"]) => {
            shared.inner.lock().unwrap().callbacks.push(((*id).to_owned(), params));
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["webhooks", _, _]) => {
            // A follow-up to an interaction: shown in the interaction's channel.
            post_message(&shared, 0, &params)
        }
        _ => rest_error(StatusCode::NOT_FOUND, "404: Not Found"),
    }
}

fn post_message(shared: &Shared, channel: u64, params: &Value) -> Response {
    let mut inner = shared.inner.lock().unwrap();
    inner.message_posts.push(Instant::now());
    if inner.rate_limits > 0 {
        inner.rate_limits -= 1;
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"message": "You are being rate limited.", "retry_after": 1.0, "global": false})),
        )
            .into_response();
        let h = response.headers_mut();
        for (name, value) in [
            ("retry-after", "1"),
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "1.000"),
            ("x-ratelimit-bucket", "fake-bucket"),
            ("x-ratelimit-scope", "user"),
        ] {
            h.insert(name, HeaderValue::from_static(value));
        }
        return response;
    }
    let content = params["content"].as_str().unwrap_or_default().to_owned();
    if content.is_empty() || content.chars().count() > 2000 {
        inner.rejected.push(params.clone());
        return rest_error(StatusCode::BAD_REQUEST, "Invalid Form Body");
    }
    // Discord's documented limit on a nonce given as a string.
    if params["nonce"]
        .as_str()
        .is_some_and(|n| n.chars().count() > 25)
    {
        inner.rejected.push(params.clone());
        return rest_error(StatusCode::BAD_REQUEST, "Invalid Form Body");
    }
    let nonce = match (&params["nonce"], params["enforce_nonce"].as_bool()) {
        (Value::String(n), Some(true)) => Some(n.clone()),
        (Value::Number(n), Some(true)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(&id) = nonce
        .as_ref()
        .and_then(|n| inner.nonces.get(&(channel, n.clone())))
    {
        // Created before: the same message again, nothing new.
        let first = inner.sent.iter().find(|m| m.id == id).cloned();
        if let Some(first) = first {
            return axum::Json(message_json(&first)).into_response();
        }
    }
    inner.next_id += 1;
    if let Some(n) = nonce {
        let id = inner.next_id;
        inner.nonces.insert((channel, n), id);
    }
    let sent = SentMessage {
        channel_id: channel,
        id: inner.next_id,
        content,
        components: params.get("components").cloned().unwrap_or(json!([])),
        allowed_mentions: params
            .get("allowed_mentions")
            .cloned()
            .unwrap_or(Value::Null),
        nonce: params["nonce"].clone(),
        at: Instant::now(),
    };
    inner.sent.push(sent.clone());
    let fail = inner.fail_after_creating > 0;
    if fail {
        inner.fail_after_creating -= 1;
    }
    drop(inner);
    shared.new_sent.notify_waiters();
    if fail {
        return rest_error(StatusCode::BAD_GATEWAY, "502: Bad Gateway");
    }
    axum::Json(message_json(&sent)).into_response()
}

/// A created message as Discord's REST API returns it.
fn message_json(sent: &SentMessage) -> Value {
    json!({
        "id": sent.id.to_string(), "channel_id": sent.channel_id.to_string(), "author": bot_user(),
        "content": sent.content, "timestamp": timestamp(), "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "components": sent.components,
    })
}
