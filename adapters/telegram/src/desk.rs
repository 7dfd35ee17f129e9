//! The staff desk in a Telegram group: in a group with topics (`getChat`
//! says `is_forum`), each ticket has its own forum topic (`createForumTopic`,
//! `closeForumTopic`); in one without, every post goes to the group. Where each post goes is
//! [`frontdesk_shell::desk`]'s decision.

use frontdesk_shell::desk::{Places, PostError};
use teloxide::prelude::*;
use teloxide::types::{ChatFullInfo, MessageId, ThreadId};
use teloxide::{ApiError, RequestError};

use crate::{Tg, convert, send};

/// The desk group, with the client that posts to it.
pub struct Group<'a> {
    pub bot: &'a Tg,
    pub chat: ChatId,
}

/// A topic's id as the store keeps it, and back.
pub fn place_of(thread: ThreadId) -> String {
    thread.0.0.to_string()
}

fn thread_of(place: &str) -> Option<ThreadId> {
    place.parse().ok().map(|id| ThreadId(MessageId(id)))
}

/// The topic a desk message was written in, if any (in a group without
/// topics, a reply's thread is no topic).
pub fn topic_of(msg: &Message) -> Option<ThreadId> {
    msg.thread_id.filter(|_| msg.is_topic_message)
}

/// Whether a chat is a supergroup with topics turned on.
fn is_forum(chat: &ChatFullInfo) -> bool {
    use teloxide::types::{ChatFullInfoKind, ChatFullInfoPublicKind};
    matches!(&chat.kind, ChatFullInfoKind::Public(public)
        if matches!(&public.kind, ChatFullInfoPublicKind::Supergroup(s) if s.is_forum))
}

/// What a refused post means for its topic.
fn refusal(error: &RequestError) -> PostError {
    if let RequestError::Api(ApiError::Unknown(description)) = error {
        let gone = [
            "message thread not found",
            "TOPIC_DELETED",
            "TOPIC_ID_INVALID",
        ];
        if gone.iter().any(|g| description.contains(g)) {
            return PostError::Gone;
        }
        if description.contains("TOPIC_CLOSED") {
            return PostError::Closed;
        }
    }
    let why = send::describe(error);
    tracing::error!(error = why, "a desk post could not be sent");
    PostError::Failed(why)
}

impl Places for Group<'_> {
    async fn open(&self, title: &str) -> Option<String> {
        // Topics can be turned on or off at any time: asked each time.
        let chat = with_client!(self.bot, b => send::repeatable(|| b.get_chat(self.chat).into_future()).await);
        match chat {
            Ok(chat) if is_forum(&chat) => {}
            Ok(_) => return None,
            Err(e) => {
                tracing::warn!(
                    error = send::describe(&e),
                    "could not ask whether the desk group has topics; posting in the group"
                );
                return None;
            }
        }
        // Not repeated when its fate is unknown: that could make two topics.
        let made = with_client!(self.bot, b => send::send(|| {
            b.create_forum_topic(self.chat, title).into_future()
        })
        .await);
        match made {
            Ok(Some(topic)) => Some(place_of(topic.thread_id)),
            Ok(None) => {
                tracing::warn!(
                    "a ticket's topic was made but its id not read; posting in the group"
                );
                None
            }
            Err(e) => {
                tracing::info!(
                    error = send::describe(&e),
                    "no topic for a ticket (a group without topics, or no right to make them); posting in the group"
                );
                None
            }
        }
    }

    async fn post(
        &self,
        place: Option<&str>,
        text: &str,
        claim: Option<u64>,
    ) -> Result<(), PostError> {
        let thread = match place {
            Some(place) => Some(thread_of(place).ok_or(PostError::Gone)?),
            None => None,
        };
        let html = teloxide::utils::html::escape(text);
        let markup = claim.map(convert::claim_button);
        self.bot
            .send_html_in(self.chat, thread, &html, markup.as_ref())
            .await
            .map_err(|e| refusal(&e))
    }

    async fn close(&self, place: &str) {
        let Some(thread) = thread_of(place) else {
            return;
        };
        let closed = with_client!(self.bot, b => send::repeatable(|| {
            b.close_forum_topic(self.chat, thread).into_future()
        })
        .await);
        if let Err(e) = closed {
            tracing::info!(
                error = send::describe(&e),
                "a ticket's topic could not be closed"
            );
        }
    }

    async fn remove(&self, place: &str) {
        let Some(thread) = thread_of(place) else {
            return;
        };
        let deleted = with_client!(self.bot, b => send::repeatable(|| {
            b.delete_forum_topic(self.chat, thread).into_future()
        })
        .await);
        if let Err(e) = deleted {
            tracing::warn!(
                error = send::describe(&e),
                "an erased ticket's topic could not be deleted"
            );
        }
    }
}
