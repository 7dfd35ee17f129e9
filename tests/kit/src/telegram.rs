//! A fake Telegram Bot API server on loopback, speaking the real wire format
//! (`POST /bot<TOKEN>/<method>`, JSON in, `{"ok": …, "result": …}` out), so the
//! real teloxide client is what the tests exercise.
//!
//! Scripted users send messages and press buttons (queued as updates for
//! `getUpdates`); tests read what the bot sent. A group can be made a forum
//! (topics on): `createForumTopic`, `closeForumTopic` and `sendMessage`
//! into a topic then work as Telegram's do, a deleted or closed topic
//! refusing posts. Faults can be injected per
//! method: 429 with `retry_after`, 5xx, and slow responses.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// The token the fake accepts.
pub const TOKEN: &str = "123456:TEST-token_for-the-fake";
/// The bot's user id and username.
pub const BOT_ID: i64 = 999_000;
pub const BOT_USERNAME: &str = "frontdesk_test_bot";

/// A fault to inject into the next call(s) of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `parameters.retry_after` in seconds.
    TooManyRequests { retry_after: u32 },
    /// An HTTP 5xx with Telegram's JSON error body.
    ServerError(u16),
    /// Answer normally, but only after this long.
    Slow(Duration),
    /// Do what was asked, then answer 200 with a body that is not JSON (a
    /// proxy that mangles responses): the call took effect, and the bot
    /// cannot tell.
    GarbledAfterAccepting,
    /// A 400 with this description, as Telegram rejects a call for good
    /// ("Bad Request: query is too old…" for a late callback answer).
    Rejected(&'static str),
    /// Do what was asked, then answer 200 with the body `null`.
    NullAfterAccepting,
    /// A proxy's HTML 502 page; Telegram never saw the call.
    HtmlBadGateway,
    /// Do what was asked, then lose the connection halfway through the
    /// answer (as a timeout after accepting would): the bot cannot tell
    /// whether the call took effect.
    DroppedAfterAccepting,
}

/// A message the bot sent (or a later edit of it).
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub message_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
    /// The `reply_markup` as sent, if any.
    pub reply_markup: Option<Value>,
    /// The forum topic it was sent in, if any.
    pub thread_id: Option<i64>,
    /// When the fake received the `sendMessage` (an edit keeps its
    /// message's time): for measuring reply latency.
    pub at: Instant,
}

/// Two messages are equal when they say the same thing to the same chat,
/// whenever they were sent.
impl PartialEq for Sent {
    fn eq(&self, other: &Sent) -> bool {
        (
            self.chat_id,
            self.message_id,
            &self.text,
            &self.parse_mode,
            &self.reply_markup,
            self.thread_id,
        ) == (
            other.chat_id,
            other.message_id,
            &other.text,
            &other.parse_mode,
            &other.reply_markup,
            other.thread_id,
        )
    }
}

impl Sent {
    /// The callback data of every inline button, in order.
    pub fn buttons(&self) -> Vec<String> {
        self.reply_markup
            .as_ref()
            .and_then(|m| m["inline_keyboard"].as_array())
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .filter_map(|b| b["callback_data"].as_str().map(str::to_owned))
            .collect()
    }

    /// The text with Telegram's HTML entities decoded, as a patient sees it.
    pub fn plain_text(&self) -> String {
        html_to_plain(&self.text)
    }
}

/// Text in Telegram's HTML parse mode (without tags) as a patient sees it.
fn html_to_plain(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A scripted Telegram user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub language_code: Option<String>,
}

impl User {
    pub fn new(id: i64, first_name: &str) -> User {
        User {
            id,
            first_name: first_name.to_owned(),
            language_code: Some("en".into()),
        }
    }

    pub fn speaking(mut self, language_code: &str) -> User {
        self.language_code = Some(language_code.to_owned());
        self
    }

    fn json(&self) -> Value {
        let mut u = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(l) = &self.language_code {
            u["language_code"] = json!(l);
        }
        u
    }
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    next_message_id: i64,
    /// Updates not yet confirmed by an offset.
    updates: Vec<Value>,
    /// The bytes to send instead of the JSON of these updates (by update id),
    /// for what `serde_json` cannot build: see [`FakeTelegram::raw_update`].
    raw: HashMap<i64, Vec<u8>>,
    chats: HashMap<i64, Value>,
    /// Every message the bot sent, latest version, and where each id is.
    messages: Vec<Sent>,
    message_index: HashMap<i64, usize>,
    /// sendMessage calls that succeeded, in order, and their positions by chat.
    sent: Vec<Sent>,
    sent_by_chat: HashMap<i64, Vec<usize>>,
    /// Wakes the waiters for one chat's messages (see [`FakeTelegram::wait_for`]):
    /// with a thousand patients waiting, waking all at every send would cost
    /// more than the bot.
    chat_waiters: HashMap<i64, Arc<Notify>>,
    /// Updates never yet handed to the bot, by id: the chat each is in.
    unfetched: HashMap<i64, i64>,
    /// When each chat's updates were first handed to the bot, in order.
    fetched: HashMap<i64, Vec<Instant>>,
    edits: Vec<Sent>,
    /// Supergroups with topics turned on.
    forums: std::collections::HashSet<i64>,
    /// Forum topics not deleted, by (chat, thread id): name, and closed.
    topics: HashMap<(i64, i64), (String, bool)>,
    /// Topics the bot deleted (`deleteForumTopic`), in order.
    deleted_topics: Vec<(i64, i64)>,
    callback_answers: Vec<String>,
    commands: Vec<Value>,
    /// Calls answered with a 4xx other than 429: (method, parameters).
    rejected: Vec<(String, Value)>,
    /// Faults to inject: (method, only for this chat, fault).
    faults: VecDeque<(String, Option<i64>, Fault)>,
    calls: HashMap<String, usize>,
}

struct Shared {
    inner: Mutex<Inner>,
    new_update: Notify,
}

/// A running fake Bot API. Dropping it stops the server.
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts a fake on 127.0.0.1, on a port the system picks.
    pub async fn start() -> FakeTelegram {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_update_id: 1,
                next_message_id: 1,
                ..Inner::default()
            }),
            new_update: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", axum::routing::any(handle))
            .with_state(shared.clone());
        let (addr, server) = crate::serve_on_loopback(app).await;
        FakeTelegram {
            addr,
            shared,
            server,
        }
    }

    /// The base URL to give the client (`TELOXIDE_API_URL`).
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push_update(&self, build: impl FnOnce(&mut Inner, i64) -> Value) {
        let mut inner = self.inner();
        let id = inner.next_update_id;
        inner.next_update_id += 1;
        let mut update = build(&mut inner, id);
        update["update_id"] = json!(id);
        let chat = [
            "/message/chat/id",
            "/callback_query/message/chat/id",
            "/callback_query/from/id",
        ]
        .iter()
        .find_map(|p| update.pointer(p)?.as_i64());
        if let Some(chat) = chat {
            inner.unfetched.insert(id, chat);
        }
        inner.updates.push(update);
        drop(inner);
        self.shared.new_update.notify_waiters();
    }

    /// A user writes to the bot in a private chat.
    pub fn user_says(&self, user: &User, text: &str) {
        let chat = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        self.message_update(chat, user, text, None);
    }

    /// A user writes in a group chat (`group_id` negative, as Telegram's are).
    pub fn group_message(&self, group_id: i64, user: &User, text: &str) {
        let chat = json!({"id": group_id, "type": "group", "title": "Clinic patients"});
        self.message_update(chat, user, text, None);
    }

    fn message_update(&self, chat: Value, user: &User, text: &str, reply_to: Option<Value>) {
        let from = user.json();
        let text = text.to_owned();
        self.push_update(move |inner, _| {
            let message_id = inner.next_message_id;
            inner.next_message_id += 1;
            let chat_id = chat["id"].as_i64().unwrap_or_default();
            inner.chats.insert(chat_id, chat.clone());
            let mut message = json!({
                "message_id": message_id,
                "date": now(),
                "chat": chat,
                "from": from,
                "text": text,
            });
            if let Some(r) = reply_to {
                message["reply_to_message"] = r;
            }
            json!({"message": message})
        });
    }

    /// Turns a group into a supergroup with topics (a forum), as staff do
    /// in the group's settings.
    pub fn make_forum(&self, group_id: i64) {
        let mut inner = self.inner();
        inner.forums.insert(group_id);
        inner.chats.insert(group_id, forum_chat(group_id));
    }

    /// The forum topics of a chat not deleted, in the order made: (thread
    /// id, name, closed).
    pub fn topics(&self, chat_id: i64) -> Vec<(i64, String, bool)> {
        let inner = self.inner();
        let mut list: Vec<_> = inner
            .topics
            .iter()
            .filter(|((chat, _), _)| *chat == chat_id)
            .map(|((_, thread), (name, closed))| (*thread, name.clone(), *closed))
            .collect();
        list.sort();
        list
    }

    /// The forum topics the bot deleted, in order: (chat, thread id).
    pub fn deleted_topics(&self) -> Vec<(i64, i64)> {
        self.inner().deleted_topics.clone()
    }

    /// A staff member deletes a forum topic by hand.
    pub fn delete_topic(&self, chat_id: i64, thread_id: i64) {
        self.inner().topics.remove(&(chat_id, thread_id));
    }

    /// What the bot sent in one forum topic, in order.
    pub fn sent_in_topic(&self, chat_id: i64, thread_id: i64) -> Vec<Sent> {
        self.sent_to(chat_id)
            .into_iter()
            .filter(|m| m.thread_id == Some(thread_id))
            .collect()
    }

    /// A user writes in a forum topic of a group with topics.
    pub fn topic_message(&self, group_id: i64, thread_id: i64, user: &User, text: &str) {
        let from = user.json();
        let text = text.to_owned();
        self.push_update(move |inner, _| {
            let message_id = inner.next_message_id;
            inner.next_message_id += 1;
            json!({"message": {
                "message_id": message_id, "message_thread_id": thread_id,
                "is_topic_message": true, "date": now(), "chat": forum_chat(group_id),
                "from": from, "text": text,
            }})
        });
    }

    /// A user answers one of the bot's messages in a group with Telegram's
    /// "Reply".
    pub fn group_reply(&self, group_id: i64, user: &User, text: &str, to: &Sent) {
        let chat = json!({"id": group_id, "type": "group", "title": "Clinic desk"});
        let replied = {
            let inner = self.inner();
            message_json(&inner, to)
        };
        self.message_update(chat, user, text, Some(replied));
    }

    /// A user presses an inline button on a message the bot sent.
    pub fn user_presses(&self, user: &User, message: &Sent, data: &str) {
        let from = user.json();
        let data = data.to_owned();
        let message_id = message.message_id;
        self.push_update(move |inner, id| {
            let msg = inner
                .message_index
                .get(&message_id)
                .map(|&i| message_json(inner, &inner.messages[i]))
                .unwrap_or(Value::Null);
            json!({"callback_query": {
                "id": format!("cb{id}"),
                "from": from,
                "message": msg,
                "chat_instance": "instance",
                "data": data,
            }})
        });
    }

    /// Queues an update whose JSON is written byte for byte: `fields` is what
    /// follows `{"update_id":N,` up to the closing brace. For what `serde_json`
    /// cannot build: lone surrogate escapes, bytes that are not UTF-8, shapes
    /// the client does not know.
    pub fn raw_update(&self, fields: &[u8]) {
        let fields = fields.to_vec();
        self.push_update(move |inner, id| {
            let mut raw = format!("{{\"update_id\":{id},").into_bytes();
            raw.extend_from_slice(&fields);
            raw.push(b'}');
            inner.raw.insert(id, raw);
            json!({})
        });
    }

    /// A user writes to the bot in a private chat, the message's `text` being
    /// `text` as it stands between the JSON string's quotes (escapes and raw
    /// bytes included): see [`FakeTelegram::raw_update`].
    pub fn user_says_raw(&self, user: &User, text: &[u8]) {
        const HOLE: &str = "frontdesk-raw-text-goes-here";
        let chat = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        let from = user.json();
        let text = text.to_vec();
        let chat_id = user.id;
        self.push_update(move |inner, id| {
            let message_id = inner.next_message_id;
            inner.next_message_id += 1;
            inner.chats.insert(chat_id, chat.clone());
            let update = json!({"update_id": id, "message": {
                "message_id": message_id, "date": now(), "chat": chat, "from": from, "text": HOLE,
            }});
            let body = update.to_string();
            let hole = serde_json::to_string(HOLE).unwrap_or_default();
            let (before, after) = body.split_once(&hole).unwrap_or((&body, ""));
            let mut raw = before.as_bytes().to_vec();
            raw.push(b'"');
            raw.extend_from_slice(&text);
            raw.push(b'"');
            raw.extend_from_slice(after.as_bytes());
            inner.raw.insert(id, raw);
            json!({})
        });
    }

    /// Makes the next `times` calls of `method` fail (or be slow) this way.
    pub fn inject(&self, method: &str, fault: Fault, times: usize) {
        self.inject_where(method, None, fault, times);
    }

    /// As [`FakeTelegram::inject`], for calls to one chat only.
    pub fn inject_for(&self, chat_id: i64, method: &str, fault: Fault, times: usize) {
        self.inject_where(method, Some(chat_id), fault, times);
    }

    fn inject_where(&self, method: &str, chat: Option<i64>, fault: Fault, times: usize) {
        let mut inner = self.inner();
        for _ in 0..times {
            inner
                .faults
                .push_back((method.to_ascii_lowercase(), chat, fault));
        }
    }

    /// How many times `method` was called, failed calls included.
    pub fn calls(&self, method: &str) -> usize {
        self.inner()
            .calls
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Every message the bot has sent to a chat, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.sent_to_since(chat_id, 0)
    }

    /// The messages the bot has sent to a chat after the first `already`.
    pub fn sent_to_since(&self, chat_id: i64, already: usize) -> Vec<Sent> {
        let inner = self.inner();
        let Some(positions) = inner.sent_by_chat.get(&chat_id) else {
            return Vec::new();
        };
        positions
            .iter()
            .skip(already)
            .map(|&i| inner.sent[i].clone())
            .collect()
    }

    /// Waits until the bot has sent `n` messages to a chat in all, then returns
    /// them; `None` on timeout.
    pub async fn wait_for(&self, chat_id: i64, n: usize, timeout: Duration) -> Option<Vec<Sent>> {
        self.wait_since(chat_id, 0, n, timeout).await
    }

    /// Waits until the bot has sent `n` messages to a chat after the first
    /// `already`, then returns those (all of them, if more came); `None` on
    /// timeout. Only this chat's messages wake the waiter.
    pub async fn wait_since(
        &self,
        chat_id: i64,
        already: usize,
        n: usize,
        timeout: Duration,
    ) -> Option<Vec<Sent>> {
        let deadline = tokio::time::Instant::now() + timeout;
        let waiters = self
            .inner()
            .chat_waiters
            .entry(chat_id)
            .or_default()
            .clone();
        loop {
            let notified = waiters.notified();
            let sent = self.sent_to_since(chat_id, already);
            if sent.len() >= n {
                return Some(sent);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Waits for the next message to a chat after the `already` seen ones.
    pub async fn next_to(&self, chat_id: i64, already: usize) -> Sent {
        let sent = self
            .wait_for(chat_id, already + 1, Duration::from_secs(60))
            .await
            .unwrap_or_else(|| panic!("no message to {chat_id} after {already}"));
        sent[already].clone()
    }

    /// Waits for the first message to a chat whose plain text contains
    /// `needle`, whatever else (a day's digest) was posted there before it.
    pub async fn first_to_containing(&self, chat_id: i64, needle: &str) -> Sent {
        let mut seen = 0;
        loop {
            let next = self.next_to(chat_id, seen).await;
            if next.plain_text().contains(needle) {
                return next;
            }
            seen += 1;
        }
    }

    /// The ids of the callback queries the bot answered.
    pub fn callback_answers(&self) -> Vec<String> {
        self.inner().callback_answers.clone()
    }

    /// Edits the bot made (text or keyboard), in order.
    pub fn edits(&self) -> Vec<Sent> {
        self.inner().edits.clone()
    }

    /// The commands menus set with setMyCommands (each call's parameters).
    pub fn commands(&self) -> Vec<Value> {
        self.inner().commands.clone()
    }

    /// Calls the fake refused with a 4xx other than 429 (a message Telegram
    /// would not accept: bad HTML, too long, empty), with their parameters.
    pub fn rejected(&self) -> Vec<(String, Value)> {
        self.inner().rejected.clone()
    }

    /// When the bot first fetched (with getUpdates) the `nth` update (from 0)
    /// of a chat, if it has: to tell time spent waiting to be polled from
    /// time spent in the bot.
    pub fn fetched_at(&self, chat_id: i64, nth: usize) -> Option<Instant> {
        self.inner().fetched.get(&chat_id)?.get(nth).copied()
    }

    /// Updates the bot has not confirmed yet.
    pub fn pending_updates(&self) -> usize {
        self.inner().updates.len()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME})
}

fn forum_chat(group_id: i64) -> Value {
    json!({"id": group_id, "type": "supergroup", "title": "Clinic desk", "is_forum": true})
}

fn message_json(inner: &Inner, m: &Sent) -> Value {
    // A chat nobody has written in yet: negative ids are groups.
    let chat = inner.chats.get(&m.chat_id).cloned().unwrap_or_else(|| {
        if m.chat_id < 0 {
            json!({"id": m.chat_id, "type": "group", "title": "Group"})
        } else {
            json!({"id": m.chat_id, "type": "private", "first_name": "Patient"})
        }
    });
    let mut msg = json!({
        "message_id": m.message_id,
        "date": now(),
        "chat": chat,
        "from": bot_user(),
        "text": m.plain_text(),
    });
    if let Some(markup) = &m.reply_markup {
        msg["reply_markup"] = markup.clone();
    }
    if let Some(thread) = m.thread_id {
        msg["message_thread_id"] = json!(thread);
        msg["is_topic_message"] = json!(true);
    }
    msg
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn error(status: StatusCode, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    (status, axum::Json(body)).into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if bot != format!("bot{TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized", None);
    }
    let method = method.to_ascii_lowercase();
    let params: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return error(StatusCode::BAD_REQUEST, "Bad Request: invalid JSON", None),
        }
    };
    let fault = {
        let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner.calls.entry(method.clone()).or_default() += 1;
        let chat = params["chat_id"].as_i64();
        let at = inner
            .faults
            .iter()
            .position(|(m, c, _)| *m == method && c.is_none_or(|c| Some(c) == chat));
        at.and_then(|i| inner.faults.remove(i)).map(|(_, _, f)| f)
    };
    match fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too Many Requests: retry after {retry_after}"),
                Some(json!({"retry_after": retry_after})),
            );
        }
        Some(Fault::ServerError(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
            return error(status, "Bad Gateway", None);
        }
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Rejected(description)) => {
            return error(StatusCode::BAD_REQUEST, description, None);
        }
        Some(Fault::HtmlBadGateway) => {
            let page = "<html><head><title>502 Bad Gateway</title></head>\
                        <body><center><h1>502 Bad Gateway</h1></center></body></html>";
            let headers = [(axum::http::header::CONTENT_TYPE, "text/html")];
            return (StatusCode::BAD_GATEWAY, headers, page).into_response();
        }
        Some(
            Fault::GarbledAfterAccepting | Fault::NullAfterAccepting | Fault::DroppedAfterAccepting,
        )
        | None => {}
    }
    let response = answer(&shared, &method, &params).await;
    match fault {
        Some(Fault::GarbledAfterAccepting) => {
            return (StatusCode::OK, "{\"ok\":tru<html>garbled").into_response();
        }
        Some(Fault::NullAfterAccepting) => return (StatusCode::OK, "null").into_response(),
        Some(Fault::DroppedAfterAccepting) => {
            // Promises more than it sends: the server ends the connection
            // once the short body is out, and the client reads an error.
            let headers = [(axum::http::header::CONTENT_LENGTH, "4096")];
            return (StatusCode::OK, headers, "{\"ok\":true,").into_response();
        }
        _ => {}
    }
    let status = response.status();
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.rejected.push((method, params));
    }
    response
}

async fn answer(shared: &Shared, method: &str, params: &Value) -> Response {
    match method {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        })),
        "getwebhookinfo" => {
            let pending = shared.inner.lock().map(|i| i.updates.len()).unwrap_or(0);
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": pending}))
        }
        "deletewebhook" | "setwebhook" | "close" | "logout" | "deletemycommands" => ok(json!(true)),
        "getupdates" => get_updates(shared, params).await,
        "sendmessage" => send_message(shared, params),
        "createforumtopic" => create_topic(shared, params),
        "getchat" => get_chat(shared, params),
        "closeforumtopic" => close_topic(shared, params),
        "deleteforumtopic" => delete_topic(shared, params),
        "answercallbackquery" => {
            let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            let id = params["callback_query_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            inner.callback_answers.push(id);
            ok(json!(true))
        }
        "editmessagereplymarkup" | "editmessagetext" => edit_message(shared, params),
        "setmycommands" => {
            let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.commands.push(params.clone());
            ok(json!(true))
        }
        "getmycommands" => {
            let inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            ok(inner
                .commands
                .last()
                .map(|c| c["commands"].clone())
                .unwrap_or(json!([])))
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found: method not found", None),
    }
}

async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0));
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = shared.new_update.notified();
        {
            let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            // An offset confirms every update before it.
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            inner.raw.retain(|id, _| *id >= offset);
            if !inner.updates.is_empty() {
                let now = Instant::now();
                let batch: Vec<i64> = inner
                    .updates
                    .iter()
                    .take(limit)
                    .filter_map(|u| u["update_id"].as_i64())
                    .collect();
                for id in batch {
                    if let Some(chat) = inner.unfetched.remove(&id) {
                        inner.fetched.entry(chat).or_default().push(now);
                    }
                }
                // Written by hand, so that raw updates go out byte for byte.
                let mut body = br#"{"ok":true,"result":["#.to_vec();
                for (i, update) in inner.updates.iter().take(limit).enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    let id = update["update_id"].as_i64().unwrap_or(0);
                    match inner.raw.get(&id) {
                        Some(raw) => body.extend_from_slice(raw),
                        None => body.extend_from_slice(update.to_string().as_bytes()),
                    }
                }
                body.extend_from_slice(b"]}");
                return (
                    StatusCode::OK,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response();
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn chat_id_of(params: &Value) -> Option<i64> {
    params["chat_id"]
        .as_i64()
        .or_else(|| params["chat_id"].as_str()?.parse().ok())
}

fn send_message(shared: &Shared, params: &Value) -> Response {
    let Some(chat_id) = chat_id_of(params) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: chat_id is empty",
            None,
        );
    };
    let Some(text) = params["text"].as_str().filter(|t| !t.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message text is empty",
            None,
        );
    };
    let parse_mode = params["parse_mode"].as_str().map(str::to_owned);
    // Telegram counts the characters left after entities parsing.
    let shown = match parse_mode.as_deref() {
        Some("HTML") => html_to_plain(text),
        _ => text.to_owned(),
    };
    if shown.chars().count() > 4096 {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message is too long",
            None,
        );
    }
    if parse_mode.as_deref() == Some("HTML") && !valid_html(text) {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: can't parse entities: unsupported start tag",
            None,
        );
    }
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    let thread_id = params["message_thread_id"].as_i64();
    if let Some(thread) = thread_id.filter(|_| inner.forums.contains(&chat_id)) {
        match inner.topics.get(&(chat_id, thread)) {
            None => return no_such_topic(),
            Some((_, true)) => {
                return error(StatusCode::BAD_REQUEST, "Bad Request: TOPIC_CLOSED", None);
            }
            Some(_) => {}
        }
    }
    let message_id = inner.next_message_id;
    inner.next_message_id += 1;
    let sent = Sent {
        chat_id,
        message_id,
        text: text.to_owned(),
        parse_mode,
        reply_markup: params.get("reply_markup").cloned().filter(|v| !v.is_null()),
        thread_id,
        at: Instant::now(),
    };
    let (index, position) = (inner.messages.len(), inner.sent.len());
    inner.message_index.insert(message_id, index);
    inner.messages.push(sent.clone());
    inner.sent.push(sent.clone());
    inner
        .sent_by_chat
        .entry(chat_id)
        .or_default()
        .push(position);
    let result = message_json(&inner, &sent);
    let waiters = inner.chat_waiters.get(&chat_id).cloned();
    drop(inner);
    if let Some(waiters) = waiters {
        waiters.notify_waiters();
    }
    ok(result)
}

/// `getChat` (Bot API 7.3's `ChatFullInfo`): a group is a forum once
/// [`FakeTelegram::make_forum`] made it one.
fn get_chat(shared: &Shared, params: &Value) -> Response {
    let inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    let Some(chat_id) = chat_id_of(params) else {
        return error(StatusCode::BAD_REQUEST, "Bad Request: chat not found", None);
    };
    let mut chat = if inner.forums.contains(&chat_id) {
        forum_chat(chat_id)
    } else if chat_id < 0 {
        json!({"id": chat_id, "type": "group", "title": "Clinic desk"})
    } else {
        json!({"id": chat_id, "type": "private", "first_name": "Patient"})
    };
    chat["max_reaction_count"] = json!(11);
    chat["accent_color_id"] = json!(0);
    chat["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
        "unique_gifts": false, "premium_subscription": false});
    ok(chat)
}

/// `createForumTopic`: in a forum only; the topic's id is that of the
/// service message that opens it, as Telegram's are.
fn create_topic(shared: &Shared, params: &Value) -> Response {
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    let Some(chat_id) = chat_id_of(params).filter(|c| inner.forums.contains(c)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: the chat is not a forum",
            None,
        );
    };
    let name = params["name"].as_str().unwrap_or_default().to_owned();
    if !(1..=128).contains(&name.chars().count()) {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: TOPIC_TITLE_EMPTY",
            None,
        );
    }
    let thread = inner.next_message_id;
    inner.next_message_id += 1;
    inner
        .topics
        .insert((chat_id, thread), (name.clone(), false));
    ok(json!({"message_thread_id": thread, "name": name, "icon_color": 7_322_096}))
}

/// The chat and topic a topic call names.
fn topic_in(params: &Value) -> Option<(i64, i64)> {
    Some((chat_id_of(params)?, params["message_thread_id"].as_i64()?))
}

fn no_such_topic() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "Bad Request: message thread not found",
        None,
    )
}

/// `deleteForumTopic`: the topic and every message in it.
fn delete_topic(shared: &Shared, params: &Value) -> Response {
    let Some((chat_id, thread)) = topic_in(params) else {
        return no_such_topic();
    };
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    if inner.topics.remove(&(chat_id, thread)).is_none() {
        return no_such_topic();
    }
    inner.deleted_topics.push((chat_id, thread));
    ok(json!(true))
}

fn close_topic(shared: &Shared, params: &Value) -> Response {
    let Some((chat_id, thread)) = topic_in(params) else {
        return no_such_topic();
    };
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    match inner.topics.get_mut(&(chat_id, thread)) {
        None => no_such_topic(),
        Some((_, true)) => error(
            StatusCode::BAD_REQUEST,
            "Bad Request: TOPIC_NOT_MODIFIED",
            None,
        ),
        Some((_, closed)) => {
            *closed = true;
            ok(json!(true))
        }
    }
}

fn edit_message(shared: &Shared, params: &Value) -> Response {
    let (Some(chat_id), Some(message_id)) = (chat_id_of(params), params["message_id"].as_i64())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message to edit not found",
            None,
        );
    };
    let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
    let Some(index) = inner
        .message_index
        .get(&message_id)
        .copied()
        .filter(|&i| inner.messages[i].chat_id == chat_id)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message to edit not found",
            None,
        );
    };
    let mut edited = inner.messages[index].clone();
    if let Some(text) = params["text"].as_str() {
        edited.text = text.to_owned();
    }
    edited.reply_markup = params.get("reply_markup").cloned().filter(|v| !v.is_null());
    inner.messages[index] = edited.clone();
    inner.edits.push(edited.clone());
    let result = message_json(&inner, &edited);
    ok(result)
}

/// Telegram's HTML parse mode accepts only a few tags, and `<`, `>` and `&`
/// must otherwise be escaped. This accepts text with no tags at all and only
/// the entities Telegram knows, which is what the bot must send.
fn valid_html(text: &str) -> bool {
    if text.contains(['<', '>']) {
        return false;
    }
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        rest = &rest[i + 1..];
        let ok = ["lt;", "gt;", "amp;", "quot;", "#39;"]
            .iter()
            .any(|e| rest.starts_with(e));
        if !ok {
            return false;
        }
    }
    true
}
