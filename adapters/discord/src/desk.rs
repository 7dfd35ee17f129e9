//! The staff desk in a Discord channel: each ticket has its own thread in
//! it (archived and locked when the ticket closes); where threads are not
//! allowed, every post goes to the channel. Where each post goes is
//! [`frontdesk_shell::desk`]'s decision.

use std::sync::Arc;

use frontdesk_shell::desk::{Places, PostError};
use serenity::all::{AutoArchiveDuration, ChannelId, ChannelType, CreateThread, EditThread, Http};

use crate::{SEND_TIMEOUT, convert, describe, send_message};

/// Discord's error codes for a channel that is gone, and for a thread
/// that is archived.
const UNKNOWN_CHANNEL: isize = 10003;
const THREAD_ARCHIVED: isize = 50083;

/// The desk channel, with the client that posts to it.
pub struct Channel<'a> {
    pub http: &'a Arc<Http>,
    pub channel: ChannelId,
}

fn channel_of(place: &str) -> Option<ChannelId> {
    place.parse().ok().filter(|&id| id != 0).map(ChannelId::new)
}

fn code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.error.code)
        }
        _ => None,
    }
}

impl Places for Channel<'_> {
    async fn open(&self, title: &str) -> Option<String> {
        let thread = CreateThread::new(title)
            .kind(ChannelType::PublicThread)
            .auto_archive_duration(AutoArchiveDuration::OneWeek);
        // Tried once: a repeat after Discord acted would make two threads.
        let made =
            tokio::time::timeout(SEND_TIMEOUT, self.channel.create_thread(self.http, thread)).await;
        match made {
            Ok(Ok(thread)) => Some(thread.id.get().to_string()),
            Ok(Err(e)) => {
                tracing::info!(
                    error = describe(&e),
                    "no thread for a ticket (threads not allowed here); posting in the channel"
                );
                None
            }
            Err(_) => {
                tracing::warn!("making a ticket's thread got no answer; posting in the channel");
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
        let channel = match place {
            Some(place) => channel_of(place).ok_or(PostError::Gone)?,
            None => self.channel,
        };
        let mut message = convert::plain_message(convert::escape_markdown(text));
        // The button under the post's last piece.
        if let Some(number) = claim
            && let Some(last) = message.pop()
        {
            message.push(last.components(vec![convert::claim_button(number)]));
        }
        send_message(self.http, channel, message)
            .await
            .map_err(|e| match code(&e) {
                Some(UNKNOWN_CHANNEL) if place.is_some() => PostError::Gone,
                Some(THREAD_ARCHIVED) if place.is_some() => PostError::Closed,
                _ => {
                    let why = describe(&e);
                    tracing::error!(error = why, "a desk post could not be sent");
                    PostError::Failed(why)
                }
            })
    }

    async fn close(&self, place: &str) {
        let Some(thread) = channel_of(place) else {
            return;
        };
        let edit = EditThread::new().archived(true).locked(true);
        let closed = tokio::time::timeout(SEND_TIMEOUT, thread.edit_thread(self.http, edit)).await;
        match closed {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::info!(
                error = describe(&e),
                "a ticket's thread could not be closed"
            ),
            Err(_) => tracing::info!("closing a ticket's thread got no answer"),
        }
    }

    async fn remove(&self, place: &str) {
        let Some(thread) = channel_of(place) else {
            return;
        };
        let deleted = tokio::time::timeout(SEND_TIMEOUT, thread.delete(self.http)).await;
        match deleted {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(
                error = describe(&e),
                "an erased ticket's thread could not be deleted"
            ),
            Err(_) => tracing::warn!("deleting an erased ticket's thread got no answer"),
        }
    }
}
