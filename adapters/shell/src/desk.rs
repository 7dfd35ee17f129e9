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
//!   of its posts, are for that ticket's patient ([`staff_message`]).

use std::future::Future;

use frontdesk_core::handoff::{
    self, StaffAction, parse_staff_command, parse_staff_command_in, render,
};
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
    /// data); best effort, said in the log when it fails.
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
    if let DeskEvent::Erased { places } = event {
        for (_, place) in places.iter().filter(|(p, _)| *p == platform) {
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

/// What a staff member's message at a desk asks: a staff command, or
/// words for a ticket's patient when written in the place of ticket
/// `here` ([`ticket_at`]) or in reply to one of a ticket's posts
/// (`replied_to`, the post's text). `None`: chatter among staff, left
/// alone. A command the bot does not know is never sent to a patient.
pub fn staff_message(
    text: &str,
    here: Option<u64>,
    replied_to: Option<&str>,
) -> Option<StaffAction> {
    let command_like = text.trim_start().starts_with(['/', '!']);
    let words = |n: u64| {
        (!command_like && !text.trim().is_empty())
            .then(|| StaffAction::Write(n, text.trim().to_owned()))
    };
    match here {
        Some(number) => parse_staff_command_in(text, number).or_else(|| words(number)),
        None => parse_staff_command(text)
            .or_else(|| replied_to.and_then(render::ticket_of).and_then(words)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_a_tickets_place_or_in_reply_to_its_post_are_for_its_patient_and_chatter_is_not() {
        let write = |n: u64, t: &str| Some(StaffAction::Write(n, t.to_owned()));
        assert_eq!(staff_message(" Hi Pat ", Some(3), None), write(3, "Hi Pat"));
        assert_eq!(
            staff_message("/close", Some(3), None),
            Some(StaffAction::Close(3))
        );
        assert_eq!(
            staff_message("/claim 5", Some(3), None),
            Some(StaffAction::Claim(5))
        );
        assert_eq!(
            staff_message("/clsoe", Some(3), None),
            None,
            "a typo is no message"
        );
        assert_eq!(staff_message("   ", Some(3), None), None);
        let post = "#3 patient: is anyone there?";
        assert_eq!(
            staff_message("Yes, hi", None, Some(post)),
            write(3, "Yes, hi")
        );
        assert_eq!(
            staff_message("Yes, hi", None, Some("Appointments today:")),
            None
        );
        assert_eq!(staff_message("coffee anyone?", None, None), None, "chatter");
        assert_eq!(
            staff_message("/queue", None, Some(post)),
            Some(StaffAction::Queue)
        );
        assert_eq!(
            staff_message("!close", None, None),
            None,
            "no number, no place"
        );
    }
}
