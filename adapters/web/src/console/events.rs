//! Live updates: every change to the inbox (a ticket opened, claimed,
//! written to, closed; an alert) is an event with an increasing id, sent
//! to every open console page as a server-sent event. A browser that lost
//! its connection comes back with `Last-Event-ID` and gets what it missed,
//! or, when that is no longer kept (or the bot restarted), a `reset`
//! telling it to reload its part of the page. Events name a ticket number
//! at most: the pages fetch what changed, so no patient text goes through
//! here.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use frontdesk_core::{DeskEvent, Store};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::Shared;
use super::auth::Staff;

/// Events kept for browsers that come back.
const KEPT: usize = 1024;
/// How often a live stream checks that its session is still live.
const SESSION_CHECK: Duration = Duration::from_secs(30);

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEvent {
    pub id: u64,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<u64>,
}

/// Where events are published and from where streams resume.
pub struct Hub {
    state: Mutex<HubState>,
    sender: broadcast::Sender<InboxEvent>,
}

struct HubState {
    next: u64,
    kept: VecDeque<InboxEvent>,
    alerts: VecDeque<RecentAlert>,
}

/// Alerts listed at the top of the inbox (since the bot started).
const ALERTS_SHOWN: usize = 20;

/// An emergency or urgent answer given to a patient, for the inbox: the
/// category, the patient's name and platform, never what they wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentAlert {
    /// The outbox's id, which tells a repeat of the same alert.
    pub id: Option<String>,
    pub at: jiff::Timestamp,
    pub emergency: bool,
    pub text: String,
}

/// What a stream starts with.
#[derive(Debug, PartialEq, Eq)]
pub enum Resume {
    /// The events after the browser's last one (none for a new page).
    Replay(Vec<InboxEvent>),
    /// Too much was missed: reload, then follow from `latest`.
    Reset { latest: u64 },
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        // Ids go on growing across restarts (milliseconds since 1970,
        // times a thousand), so a browser from before a restart is behind
        // and told to reset, never mistaken for up to date.
        let start = jiff::Timestamp::now().as_millisecond().max(0) as u64 * 1000;
        Hub {
            state: Mutex::new(HubState {
                next: start + 1,
                kept: VecDeque::with_capacity(KEPT),
                alerts: VecDeque::with_capacity(ALERTS_SHOWN),
            }),
            sender: broadcast::channel(KEPT).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn publish(&self, kind: &'static str, ticket: Option<u64>) {
        let mut state = self.lock();
        let event = InboxEvent {
            id: state.next,
            kind,
            ticket,
        };
        state.next += 1;
        if state.kept.len() == KEPT {
            state.kept.pop_front();
        }
        state.kept.push_back(event.clone());
        // No receiver is fine: no page is open.
        let _ = self.sender.send(event);
    }

    /// The latest alerts, newest first.
    pub fn recent_alerts(&self) -> Vec<RecentAlert> {
        self.lock().alerts.iter().rev().cloned().collect()
    }

    /// Keeps an alert for the inbox, once whatever how often it is sent.
    fn keep_alert(&self, alert: RecentAlert) {
        let mut state = self.lock();
        if alert.id.is_some() && state.alerts.iter().any(|a| a.id == alert.id) {
            return;
        }
        if state.alerts.len() == ALERTS_SHOWN {
            state.alerts.pop_front();
        }
        state.alerts.push_back(alert);
    }

    /// Publishes what a desk event changes in the inbox; an emergency or
    /// urgent answer is also kept for the inbox's alerts (`alert` is its
    /// outbox id, when it has one).
    pub fn publish_desk(&self, event: &DeskEvent, alert: Option<String>, at: jiff::Timestamp) {
        let kept = |emergency: bool, text: String| RecentAlert {
            id: alert.clone(),
            at,
            emergency,
            text,
        };
        match event {
            DeskEvent::Emergency {
                patient,
                platform,
                flag,
            } => self.keep_alert(kept(
                true,
                format!("Emergency ({}): {patient}, {platform}", flag.as_str()),
            )),
            DeskEvent::Urgent {
                patient,
                platform,
                urgency,
            } => self.keep_alert(kept(
                false,
                format!("Urgent ({}): {patient}, {platform}", urgency.as_str()),
            )),
            DeskEvent::EmergencyDuringHandoff { number, flag } => self.keep_alert(kept(
                true,
                format!("Emergency ({}) on ticket #{number}", flag.as_str()),
            )),
            _ => {}
        }
        self.publish_change(event);
    }

    fn publish_change(&self, event: &DeskEvent) {
        let (kind, ticket) = match event {
            DeskEvent::Opened { number, .. } => ("opened", Some(*number)),
            DeskEvent::Reannounced { number, .. }
            | DeskEvent::Claimed { number, .. }
            | DeskEvent::PatientWrote { number, .. }
            | DeskEvent::RelayFailed { number, .. } => ("ticket", Some(*number)),
            DeskEvent::EmergencyDuringHandoff { number, .. } => ("alert", Some(*number)),
            DeskEvent::Closed { number, .. } => ("closed", Some(*number)),
            DeskEvent::Emergency { .. } | DeskEvent::Urgent { .. } => ("alert", None),
            _ => return,
        };
        self.publish(kind, ticket);
    }

    /// Where a stream starts, and the channel it follows from there on
    /// (taken together, so nothing falls between them).
    pub fn resume(&self, last: Option<u64>) -> (Resume, broadcast::Receiver<InboxEvent>) {
        let state = self.lock();
        let receiver = self.sender.subscribe();
        let latest = state.next - 1;
        let resume = match last {
            None => Resume::Replay(Vec::new()),
            Some(last) if last == latest => Resume::Replay(Vec::new()),
            Some(last) if last > latest => Resume::Reset { latest },
            Some(last) => match state.kept.front() {
                Some(first) if first.id <= last + 1 => {
                    Resume::Replay(state.kept.iter().filter(|e| e.id > last).cloned().collect())
                }
                _ => Resume::Reset { latest },
            },
        };
        (resume, receiver)
    }

    /// The id of the latest event.
    pub fn latest(&self) -> u64 {
        self.lock().next - 1
    }
}

fn message(event: &InboxEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .data(serde_json::to_string(event).unwrap_or_default())
}

fn reset(latest: u64) -> Event {
    Event::default()
        .id(latest.to_string())
        .event("reset")
        .data("{}")
}

#[derive(Deserialize)]
pub struct After {
    /// The last event the page's content reflects.
    after: Option<u64>,
}

/// `GET /events[?after=ID]`: the live stream, for any logged-in role.
/// `Last-Event-ID` (a reconnection) wins over `after` (the page's own).
pub async fn stream<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    headers: HeaderMap,
    Query(after): Query<After>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(after.after);
    let (resume, receiver) = console.hub.resume(last);
    let first: Vec<Event> = match resume {
        Resume::Replay(events) => events.iter().map(message).collect(),
        Resume::Reset { latest } => vec![reset(latest)],
    };
    let state = (
        console,
        staff,
        receiver,
        tokio::time::interval(SESSION_CHECK),
    );
    let live = futures_util::stream::unfold(
        state,
        |(console, staff, mut receiver, mut check)| async move {
            let mut stopped = console.stopped.clone();
            loop {
                if *stopped.borrow_and_update() {
                    return None;
                }
                let next = tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(event) => message(&event),
                        Err(broadcast::error::RecvError::Lagged(_)) => reset(console.hub.latest()),
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = stopped.changed() => continue,
                    _ = check.tick() => {
                        if !still_live(&console, &staff).await {
                            return None;
                        }
                        continue;
                    }
                };
                return Some((Ok(next), (console, staff, receiver, check)));
            }
        },
    );
    let first = futures_util::stream::iter(first.into_iter().map(Ok));
    Sse::new(futures_util::StreamExt::chain(first, live)).keep_alive(KeepAlive::default())
}

/// Whether the stream's session has not ended meanwhile (log out, expiry,
/// a password change).
async fn still_live<S: Store>(console: &Shared<S>, staff: &Staff) -> bool {
    let (token, now, limits) = (
        staff.token.clone(),
        console.app.clock.now(),
        console.settings.sessions,
    );
    matches!(
        console
            .blocking(move |engine| engine.session(&token, now, limits))
            .await,
        Ok(Ok(Some(_)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_that_comes_back_gets_what_it_missed_and_nothing_twice() {
        let hub = Hub::new();
        hub.publish("opened", Some(1));
        let (_, _) = hub.resume(None);
        let seen = hub.latest();
        hub.publish("ticket", Some(1));
        hub.publish("closed", Some(1));
        let (resume, _) = hub.resume(Some(seen));
        let Resume::Replay(missed) = resume else {
            panic!("{resume:?}")
        };
        assert_eq!(
            missed.iter().map(|e| e.kind).collect::<Vec<_>>(),
            ["ticket", "closed"]
        );
        assert_eq!(hub.resume(Some(hub.latest())).0, Resume::Replay(Vec::new()));
    }

    #[test]
    fn a_browser_too_far_behind_or_from_another_run_is_told_to_reset() {
        let hub = Hub::new();
        let first = hub.latest();
        for n in 0..(KEPT as u64 + 5) {
            hub.publish("ticket", Some(n));
        }
        assert!(matches!(hub.resume(Some(first)).0, Resume::Reset { .. }));
        assert!(matches!(
            hub.resume(Some(hub.latest() + 10)).0,
            Resume::Reset { .. }
        ));
    }

    #[test]
    fn events_published_after_a_stream_starts_reach_it() {
        let hub = Hub::new();
        let (_, mut receiver) = hub.resume(None);
        hub.publish_desk(
            &DeskEvent::Claimed {
                number: 7,
                by: "Maria".into(),
            },
            None,
            jiff::Timestamp::now(),
        );
        let event = receiver.try_recv().unwrap();
        assert_eq!((event.kind, event.ticket), ("ticket", Some(7)));
    }

    #[test]
    fn an_alert_sent_again_is_listed_once_and_never_with_the_patients_words() {
        let hub = Hub::new();
        let emergency = DeskEvent::Emergency {
            patient: "Pat".into(),
            platform: frontdesk_core::Platform::Telegram,
            flag: frontdesk_core::RedFlag::ChestOrBreathing,
        };
        let now = jiff::Timestamp::now();
        hub.publish_desk(&emergency, Some("a1".into()), now);
        hub.publish_desk(&emergency, Some("a1".into()), now);
        hub.publish_desk(&emergency, Some("a2".into()), now);
        let alerts = hub.recent_alerts();
        assert_eq!(alerts.len(), 2);
        assert!(alerts[0].emergency);
        assert!(
            alerts[0].text.starts_with("Emergency (") && alerts[0].text.ends_with("Pat, telegram")
        );
    }
}
