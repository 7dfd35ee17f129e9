//! The web chat for patients on the clinic's own site (issue 26, being
//! built; `docs/webchat.md` has the plan). Built so far: the visitor's
//! signed id ([`visitor`]) and the chat's API, on the console's listener:
//!
//! - `POST /chat/api/messages`: a patient's message or button press, with
//!   the visitor's own sequence number (a resend is taken once); answers
//!   the visitor's token, new on the first message;
//! - `GET /chat/api/events?visitor=TOKEN&after=N`: the replies, as
//!   server-sent events numbered as in the chat's mailbox
//!   (`Last-Event-ID` wins over `after`), from the store, so none is lost
//!   or shown twice across reconnections and restarts.
//!
//! The pages (`pages`): the panel the widget frames (`/chat/`), which
//! only the clinic's listed sites and the bot's own pages may frame, the
//! widget's script and styles, and a demo page (`/demo`).
//!
//! Replies from staff reach the chat through the router (`Platform::Web`):
//! they are written to the mailbox, which confirms their receipt.

mod pages;
pub mod visitor;

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_core::engine::mailbox::Posted;
use frontdesk_core::{ChatKey, Delivery, Incoming, Input, Locale, Platform, Store};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use visitor::Visitor;

/// The longest message a patient may send, as on the other platforms.
pub const MAX_CHARS: usize = 2000;

/// Messages one address may send in [`PER`]; more are refused (429) and
/// the patient told to wait or call.
pub const MESSAGES_PER_ADDRESS: usize = 30;
pub const PER: std::time::Duration = std::time::Duration::from_secs(60);

/// What the chat's routes share.
pub struct Chat<S: Store> {
    app: Arc<frontdesk_shell::App<S>>,
    settings: crate::Settings,
    /// A chat whose mailbox has something new (a hint: the mailbox is
    /// the truth).
    posted: broadcast::Sender<ChatKey>,
    stopped: tokio::sync::watch::Receiver<bool>,
    /// Recent messages by address, for [`MESSAGES_PER_ADDRESS`].
    recent: crate::limit::SlidingWindow,
}

type Shared<S> = Arc<Chat<S>>;

/// The chat's routes, and its delivery for `Platform::Web` on the router.
pub fn router<S: Store>(
    app: Arc<frontdesk_shell::App<S>>,
    settings: crate::Settings,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let chat: Shared<S> = Arc::new(Chat {
        app: app.clone(),
        settings,
        posted: broadcast::channel(1024).0,
        stopped,
        recent: crate::limit::SlidingWindow::new(PER),
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
        .route("/chat/widget.js", get(pages::widget_js))
        .route("/chat/panel.js", get(pages::panel_js))
        .route("/chat/panel.css", get(pages::panel_css))
        .route("/chat/demo.css", get(pages::demo_css))
        .route("/demo", get(pages::demo::<S>))
        .route("/chat/api/messages", post(message::<S>))
        .route("/chat/api/events", get(events::<S>))
        .with_state(chat)
}

impl<S: Store> Chat<S> {
    /// The secret visitors' ids are signed with (read off the async
    /// workers: it may be made and written on first use).
    async fn secret(&self) -> Option<[u8; 32]> {
        let engine = self.app.engine.clone();
        match tokio::task::spawn_blocking(move || engine.visitor_secret()).await {
            Ok(Ok(secret)) => Some(secret),
            _ => {
                tracing::error!("cannot read the web chat's visitor secret");
                None
            }
        }
    }

    /// Writes replies to the chat's mailbox and wakes its streams.
    async fn post(&self, chat: ChatKey, replies: Vec<frontdesk_core::Reply>) -> bool {
        if replies.is_empty() {
            return true;
        }
        let (engine, now, key) = (self.app.engine.clone(), self.app.clock.now(), chat.clone());
        let posted = tokio::task::spawn_blocking(move || engine.post(&key, &replies, now)).await;
        let ok = matches!(posted, Ok(Ok(_)));
        if ok {
            let _ = self.posted.send(chat);
        } else {
            tracing::error!("cannot write a web chat's reply to its mailbox");
        }
        ok
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The token the page keeps; none before the first message.
    #[serde(default)]
    visitor: Option<String>,
    /// The page's own count of messages sent, so a resend is taken once.
    seq: u64,
    #[serde(default)]
    text: Option<String>,
    /// A button's id, as the bot gave it.
    #[serde(default)]
    choice: Option<String>,
    /// The browser's language, as a first guess.
    #[serde(default)]
    language: Option<String>,
}

#[derive(Serialize)]
struct Taken {
    visitor: String,
}

#[derive(Serialize)]
struct Refused {
    error: &'static str,
}

fn refuse(status: StatusCode, error: &'static str) -> Response {
    (status, Json(Refused { error })).into_response()
}

async fn message<S: Store>(
    State(chat): State<Shared<S>>,
    crate::console::auth::ClientAddress(address): crate::console::auth::ClientAddress,
    headers: HeaderMap,
    Json(message): Json<NewMessage>,
) -> Response {
    if !same_origin(&chat.settings, &headers) {
        return refuse(StatusCode::FORBIDDEN, "not from the chat's own page");
    }
    if !chat.recent.take(&address, MESSAGES_PER_ADDRESS) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many messages");
    }
    let input = match (&message.text, &message.choice) {
        (Some(text), None) if text.chars().count() > MAX_CHARS => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "message too long");
        }
        (Some(text), None) if !text.trim().is_empty() => Input::from_text(text),
        (None, Some(choice)) if choice.len() <= 200 => Input::Choice(choice.clone()),
        _ => return refuse(StatusCode::BAD_REQUEST, "a text or a choice"),
    };
    let now = chat.app.clock.now();
    let Some(secret) = chat.secret().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
    };
    let visitor = message
        .visitor
        .as_deref()
        .and_then(|token| Visitor::parse(token, &secret, now))
        .unwrap_or_else(|| Visitor::new(now));
    let Ok(key) = ChatKey::new(Platform::Web, &visitor.id) else {
        return refuse(StatusCode::BAD_REQUEST, "a text or a choice");
    };
    let mut incoming = Incoming::private(key.clone(), input, now, "Web visitor");
    incoming.sequence = Some(message.seq);
    incoming.locale_hint = message
        .language
        .as_deref()
        .and_then(|l| Locale::parse(l.get(..2)?).ok());
    let response = chat.app.handle(incoming).await;
    chat.post(key, response.replies.clone()).await;
    chat.app.after_replies(&response);
    Json(Taken {
        visitor: visitor.token(&secret),
    })
    .into_response()
}

/// Whether a request comes from a page served by this `serve` (the chat's
/// panel, framed by the clinic's site).
fn same_origin(settings: &crate::Settings, headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    origin.is_some_and(|o| crate::console::own_origin(settings, o, host))
}

#[derive(Deserialize)]
pub struct Follow {
    visitor: String,
    #[serde(default)]
    after: u64,
}

#[derive(Serialize)]
struct Shown<'a> {
    number: u64,
    kind: frontdesk_core::ReplyKind,
    text: &'a str,
    choices: &'a [frontdesk_core::Choice],
}

fn event(posted: &Posted) -> Event {
    let shown = Shown {
        number: posted.number,
        kind: posted.reply.kind,
        text: &posted.reply.text,
        choices: &posted.reply.choices,
    };
    Event::default()
        .id(posted.number.to_string())
        .data(serde_json::to_string(&shown).unwrap_or_default())
}

async fn events<S: Store>(
    State(chat): State<Shared<S>>,
    headers: HeaderMap,
    Query(follow): Query<Follow>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Response> {
    let now = chat.app.clock.now();
    let Some(secret) = chat.secret().await else {
        return Err(refuse(StatusCode::SERVICE_UNAVAILABLE, "try again"));
    };
    let Some(key) = Visitor::parse(&follow.visitor, &secret, now)
        .and_then(|v| ChatKey::new(Platform::Web, &v.id).ok())
    else {
        return Err(refuse(StatusCode::FORBIDDEN, "no such visitor"));
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(follow.after);
    // Subscribed before the first read: nothing falls between them.
    let woken = chat.posted.subscribe();
    let state = (chat, key, after, woken, true);
    let stream = futures_util::stream::unfold(
        state,
        |(chat, key, mut after, mut woken, mut read)| async move {
            let mut stopped = chat.stopped.clone();
            loop {
                if *stopped.borrow_and_update() {
                    return None;
                }
                if read {
                    let (engine, chat_key) = (chat.app.engine.clone(), key.clone());
                    let new =
                        tokio::task::spawn_blocking(move || engine.mailbox_after(&chat_key, after))
                            .await;
                    let Ok(Ok(new)) = new else { return None };
                    read = false;
                    if !new.is_empty() {
                        after = new.last().map_or(after, |p| p.number);
                        let events: Vec<Result<Event, Infallible>> =
                            new.iter().map(|p| Ok(event(p))).collect();
                        return Some((events, (chat, key, after, woken, read)));
                    }
                }
                tokio::select! {
                    woke = woken.recv() => match woke {
                        Ok(chat_key) => read = chat_key == key,
                        Err(broadcast::error::RecvError::Lagged(_)) => read = true,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = stopped.changed() => {}
                }
            }
        },
    );
    let flat = futures_util::StreamExt::flat_map(stream, futures_util::stream::iter);
    Ok(Sse::new(flat).keep_alive(KeepAlive::default()))
}
