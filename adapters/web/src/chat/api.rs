//! The chat's API, used by the panel (`assets/chat/panel.js`):
//!
//! - `POST /chat/api/messages`: a patient's message or button press, with
//!   the page's own number for it (a resend is taken once); answers the
//!   visitor's token, new on the first message. Same origin only.
//! - `POST /chat/api/start-over`: forgets the visitor's chat, as `/forget`
//!   confirmed does. Same origin only.
//! - `GET /chat/api/events?visitor=TOKEN&after=N`: the chat's mailbox after
//!   number `N` (`Last-Event-ID` wins), then each new line, as server-sent
//!   events numbered as in the mailbox; and `typing` events while staff
//!   write. Refused to pages on origins other than the bot's own and the
//!   clinic's listed sites.

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use frontdesk_core::engine::FORGET_YES;
use frontdesk_core::engine::mailbox::{Line, Posted, Received, Said};
use frontdesk_core::{ChatKey, Choice, Incoming, Input, Locale, Platform, ReplyKind, Store};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::visitor::Visitor;
use super::{MAX_CHARS, Shared, Wake};
use crate::console::auth::ClientAddress;

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

pub async fn message<S: Store>(
    State(chat): State<Shared<S>>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Json(message): Json<NewMessage>,
) -> Response {
    if !same_origin(&chat.settings, &headers) {
        return refuse(StatusCode::FORBIDDEN, "not from the chat's own page");
    }
    let said = match (&message.text, &message.choice) {
        (Some(text), None) if text.chars().count() > MAX_CHARS => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "message too long");
        }
        (Some(text), None) if !text.trim().is_empty() => Said::Text(text.clone()),
        (None, Some(choice)) if choice.len() <= 200 => Said::Choice(choice.clone()),
        _ => return refuse(StatusCode::BAD_REQUEST, "a text or a choice"),
    };
    let now = chat.app.clock.now();
    let Some(secret) = chat.secret().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
    };
    let limits = chat.settings.chat;
    let known = message
        .visitor
        .as_deref()
        .and_then(|token| Visitor::parse(token, &secret, now));
    let visitor = match known {
        Some(visitor) => visitor,
        None if chat
            .visitors
            .take(&address, limits.new_visitors_per_address) =>
        {
            Visitor::new(now)
        }
        None => return refuse(StatusCode::TOO_MANY_REQUESTS, "too many new visitors"),
    };
    if !chat.messages.take(&visitor.id, limits.messages_per_visitor) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many messages");
    }
    let Ok(key) = ChatKey::new(Platform::Web, &visitor.id) else {
        return refuse(StatusCode::BAD_REQUEST, "a text or a choice");
    };
    let taken = Json(Taken {
        visitor: visitor.token(&secret),
    });
    // One message of a visitor at a time, from its line to its answer: the
    // answers stay in order, and a resend sees whether it was answered.
    let _turn = chat.turn(&visitor.id).lock().await;
    let (seq, line_key, line) = (message.seq, key.clone(), said.clone());
    let received = chat
        .blocking(move |engine| engine.post_patient(&line_key, seq, &line, now))
        .await;
    match received {
        Some(Ok(Received::New(_))) => chat.live.posted(key.clone()),
        Some(Ok(Received::Answered)) => return taken.into_response(),
        // The bot stopped before answering: the engine answers it now, or,
        // if it had taken it, says again where the patient is.
        Some(Ok(Received::Unanswered)) => {}
        _ => return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again"),
    }
    let input = match said {
        Said::Text(text) => Input::from_text(&text),
        Said::Choice(id) => Input::Choice(id),
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
    taken.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartOver {
    visitor: String,
}

/// Deletes what is kept about the visitor's chat, as `/forget` confirmed
/// does (its desks are told, its ticket closed); the page then drops the
/// visitor's id. 204 whether or not there was anything to delete.
pub async fn start_over<S: Store>(
    State(chat): State<Shared<S>>,
    headers: HeaderMap,
    Json(start): Json<StartOver>,
) -> Response {
    if !same_origin(&chat.settings, &headers) {
        return refuse(StatusCode::FORBIDDEN, "not from the chat's own page");
    }
    let now = chat.app.clock.now();
    let Some(secret) = chat.secret().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
    };
    let Some(key) = Visitor::parse(&start.visitor, &secret, now)
        .and_then(|v| ChatKey::new(Platform::Web, &v.id).ok())
    else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let incoming = Incoming::private(key, Input::Choice(FORGET_YES.into()), now, "Web visitor");
    // Its reply ("done") is not posted: the mailbox is gone with the rest.
    let response = chat.app.handle(incoming).await;
    chat.app.after_replies(&response);
    StatusCode::NO_CONTENT.into_response()
}

/// Whether a request comes from a page served by this `serve` (the chat's
/// panel, framed by the clinic's site).
fn same_origin(settings: &crate::Settings, headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    origin.is_some_and(|o| crate::console::own_origin(settings, o, host))
}

/// Whether a page may open a chat's live stream: one of the bot's own, or
/// of the clinic's listed sites. A browser sends no `Origin` on a
/// same-origin `GET`, and always sends one across origins.
fn may_follow(settings: &crate::Settings, sites: &[String], headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let origin = origin.to_str().unwrap_or_default();
    same_origin(settings, headers) || sites.iter().any(|site| site == origin)
}

#[derive(Deserialize)]
pub struct Follow {
    visitor: String,
    #[serde(default)]
    after: u64,
}

/// One mailbox line as the panel shows it.
#[derive(Serialize)]
struct Shown<'a> {
    number: u64,
    from: &'static str,
    kind: Option<ReplyKind>,
    text: &'a str,
    choices: &'a [Choice],
}

fn event(posted: &Posted) -> Event {
    let shown = match &posted.line {
        Line::Clinic(reply) => Shown {
            number: posted.number,
            from: "clinic",
            kind: Some(reply.kind),
            text: &reply.text,
            choices: &reply.choices,
        },
        Line::Patient { text, .. } => Shown {
            number: posted.number,
            from: "patient",
            kind: None,
            text,
            choices: &[],
        },
    };
    Event::default()
        .id(posted.number.to_string())
        .data(serde_json::to_string(&shown).unwrap_or_default())
}

pub async fn events<S: Store>(
    State(chat): State<Shared<S>>,
    headers: HeaderMap,
    Query(follow): Query<Follow>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Response> {
    let sites = chat.app.engine.knowledge().clinic.web_chat.sites.clone();
    if !may_follow(&chat.settings, &sites, &headers) {
        return Err(refuse(StatusCode::FORBIDDEN, "not from the clinic's site"));
    }
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
    let woken = chat.live.subscribe();
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
                    let chat_key = key.clone();
                    let new = chat
                        .blocking(move |engine| engine.mailbox_after(&chat_key, after))
                        .await;
                    let Some(Ok(new)) = new else { return None };
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
                        Ok(Wake::Posted(chat_key)) => read = chat_key == key,
                        Ok(Wake::Typing(chat_key)) if chat_key == key => {
                            let typing = Event::default().event("typing").data("staff");
                            return Some((vec![Ok(typing)], (chat, key, after, woken, read)));
                        }
                        Ok(Wake::Typing(_)) => {}
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
