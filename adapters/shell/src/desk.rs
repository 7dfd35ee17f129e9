//! Staff desks with a place per ticket: a forum topic in a Telegram group
//! with topics, a thread in a Discord channel. What goes where is decided
//! here once, for every platform; the adapter only opens, posts to and
//! closes places ([`Places`]).
//!
//! - A ticket's first post (its card) opens its place; the ticket's later
//!   posts go there, and a closed ticket's place is closed.
//! - A place deleted by hand is opened again at the ticket's next post,
//!   starting with the ticket's story so far, so nothing is lost.
//! - A desk that cannot have places (a group without topics, a channel
//!   where threads are not allowed) gets every post in its main room, as
//!   does a ticket that had none.
//! - A patient who deletes their data takes their tickets' places with
//!   them: deleted, not closed.
//! - Words a staff member writes in a ticket's place, or in reply to one
//!   of its posts, are for that ticket's patient
//!   ([`handoff::desk_message`]); [`ticket_at`] finds the ticket of a place.

use std::future::Future;

use frontdesk_core::handoff::{self, render};
use frontdesk_core::{DeskEvent, Platform, Store};

use crate::App;

/// Why a post did not go where it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostError {
    /// The place is gone (deleted by hand).
    Gone,
    /// The place is closed to new posts.
    Closed,
    /// The platform refused the post, or its fate is unknown: in words
    /// that hold no message.
    Failed(String),
}

/// A desk's places, as one platform makes them.
pub trait Places: Send + Sync {
    /// Opens a place titled `title`, and says its id; `None` when this
    /// desk has no places or one could not be made (said in the log).
    fn open(&self, title: &str) -> impl Future<Output = Option<String>> + Send;

    /// Posts plain `text` (the adapter escapes it) in `place`, or in the
    /// desk's main room; with a Claim button for ticket `claim`.
    fn post(
        &self,
        place: Option<&str>,
        text: &str,
        claim: Option<u64>,
    ) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Closes `place` (best effort: the ticket is closed whatever happens).
    fn close(&self, place: &str) -> impl Future<Output = ()> + Send;

    /// Deletes `place` with everything in it (the patient deleted their
    /// data, or retention deleted the ticket); best effort, said in the log
    /// when it fails.
    fn remove(&self, place: &str) -> impl Future<Output = ()> + Send;
}

/// Posts a desk event where it belongs at `desk`, a desk on `platform`:
/// `Err` in words when it did not get there.
pub async fn post<S: Store>(
    app: &App<S>,
    desk: &impl Places,
    platform: Platform,
    event: &DeskEvent,
) -> Result<(), String> {
    let text = handoff::desk_text(event);
    let claim = match event {
        DeskEvent::Opened { number, .. } | DeskEvent::Reannounced { number, .. } => Some(*number),
        _ => None,
    };
    // The router gives an erasure to its own platform's desk only.
    if let DeskEvent::Erased { places, .. } = event {
        for place in places {
            desk.remove(place).await;
        }
    }
    let Some(number) = event.ticket() else {
        return desk.post(None, &text, claim).await.map_err(words);
    };
    let place = place_of(app, platform, number).await;
    let outcome = match (&place, event) {
        (None, DeskEvent::Opened { patient, .. }) => {
            match open(app, desk, platform, number, patient).await {
                Some(new) => {
                    let card = format!("{text}\n{}", render::topic_hint(number));
                    desk.post(Some(&new), &card, claim).await
                }
                None => desk.post(None, &text, claim).await,
            }
        }
        (None, _) => desk.post(None, &text, claim).await,
        (Some(here), _) => match desk.post(Some(here), &text, claim).await {
            Err(PostError::Gone) => reopen(app, desk, platform, number, &text, claim).await,
            Err(PostError::Closed) => desk.post(None, &text, claim).await,
            sent => sent,
        },
    };
    if let (DeskEvent::Closed { .. }, Some(_)) = (event, &place) {
        // The place it was last posted in (made again, perhaps).
        if let Some(last) = place_of(app, platform, number).await {
            desk.close(&last).await;
        }
    }
    outcome.map_err(words)
}

/// Where ticket `number` lives at this desk, if it has a place.
async fn place_of<S: Store>(app: &App<S>, platform: Platform, number: u64) -> Option<String> {
    app.blocking(move |e| e.desk_thread(platform, number))
        .await
        .and_then(Result::ok)
        .flatten()
}

/// Opens a place for ticket `number` and remembers it.
async fn open<S: Store>(
    app: &App<S>,
    desk: &impl Places,
    platform: Platform,
    number: u64,
    patient: &str,
) -> Option<String> {
    let place = desk.open(&render::topic_title(number, patient)).await?;
    let id = place.clone();
    let kept = app
        .blocking(move |e| e.set_desk_thread(platform, number, &id))
        .await;
    if !matches!(kept, Some(Ok(()))) {
        // Posted there all the same; the ticket's next posts go to the
        // main room.
        tracing::error!(ticket = number, "could not record a ticket's desk place");
    }
    Some(place)
}

/// The ticket's place was deleted: a new one, starting with the story so
/// far, then the post that found it gone.
async fn reopen<S: Store>(
    app: &App<S>,
    desk: &impl Places,
    platform: Platform,
    number: u64,
    text: &str,
    claim: Option<u64>,
) -> Result<(), PostError> {
    let found = app
        .blocking(move |e| {
            Ok::<_, frontdesk_core::EngineError>((e.ticket(number)?, e.ticket_story(number)?))
        })
        .await
        .and_then(Result::ok);
    let Some((Some(ticket), Some(story))) = found else {
        return desk.post(None, text, claim).await;
    };
    tracing::info!(
        ticket = number,
        "a ticket's desk place was gone; opened again"
    );
    let Some(new) = open(app, desk, platform, number, &ticket.patient).await else {
        return desk.post(None, text, claim).await;
    };
    let unclaimed = ticket.claimed_by().is_none().then_some(number);
    let card = format!(
        "{}\n{story}\n{}",
        render::TOPIC_RECREATED,
        render::topic_hint(number)
    );
    desk.post(Some(&new), &card, unclaimed).await?;
    desk.post(Some(&new), text, claim).await
}

fn words(e: PostError) -> String {
    match e {
        PostError::Gone => "the desk's place for it was gone".into(),
        PostError::Closed => "the desk's place for it was closed".into(),
        PostError::Failed(why) => why,
    }
}

/// The ticket whose place at a desk on `platform` is `place` (a topic or
/// thread id), if it is one.
pub async fn ticket_at<S: Store>(app: &App<S>, platform: Platform, place: &str) -> Option<u64> {
    let place = place.to_owned();
    app.blocking(move |e| e.ticket_in_thread(platform, &place))
        .await
        .and_then(Result::ok)
        .flatten()
}
