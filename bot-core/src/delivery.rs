//! Getting messages where they belong: a [`Delivery`] is a message for a
//! patient's chat or a [`DeskEvent`] for every staff desk, optionally with a
//! [`Receipt`] the adapter confirms once the platform took it; the
//! [`Router`] hands each to the adapter of its platform.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::appointments::DigestLine;
use crate::chat::{HandoffReason, RedFlag, Reply, Urgency};
use crate::ids::{ChatKey, Locale, Platform};

/// What every desk should show. Carries no screening answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "desk_event", rename_all = "snake_case")]
pub enum DeskEvent {
    Opened {
        number: u64,
        patient: String,
        platform: Platform,
        reason: HandoffReason,
        recent: Vec<String>,
        /// Whether the chat is one others read (a group or server channel).
        shared: bool,
        /// The patient's language when it opened.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<Locale>,
    },
    Reannounced {
        number: u64,
        patient: String,
        platform: Platform,
        waiting_minutes: i64,
    },
    Claimed {
        number: u64,
        by: String,
    },
    /// A patient wrote during a claimed hand-off: for the claimer's thread.
    PatientWrote {
        number: u64,
        text: String,
        claimed_by: Option<(Platform, String)>,
    },
    EmergencyDuringHandoff {
        number: u64,
        flag: RedFlag,
    },
    /// A patient with no open ticket got the emergency answer: the
    /// category only, never what they wrote.
    Emergency {
        patient: String,
        platform: Platform,
        flag: RedFlag,
    },
    /// A patient was told to contact the clinic or a doctor today.
    Urgent {
        patient: String,
        platform: Platform,
        urgency: Urgency,
    },
    Closed {
        number: u64,
        by: String,
    },
    /// Tickets were deleted (by the patient, or by retention): the forum
    /// topics or threads they had at `platform`'s desk, which hold the
    /// patient's words, are deleted there too. For that desk only.
    Erased {
        platform: Platform,
        places: Vec<String>,
        by: ErasedBy,
    },
    /// A patient cancelled their appointment from the chat.
    AppointmentCancelled {
        patient: String,
        platform: Platform,
        /// Clinic-local "Tue 2026-12-01 09:30".
        when: String,
    },
    /// The bot stopped abruptly while sending a reminder: it may not have
    /// reached the patient, and it is not sent again.
    ReminderInDoubt {
        patient: String,
        platform: Platform,
        /// Clinic-local "Tue 2026-12-01 09:30".
        when: String,
    },
    /// A reminder was due for a visit on a day the clinic is closed: it
    /// was not sent.
    VisitOnClosedDay {
        patient: String,
        /// Clinic-local, in the clinic's convention.
        when: String,
        /// The closure's name ("Thanksgiving"), if it has one.
        closure: Option<String>,
    },
    /// A staff member's reply may not have reached the patient (the
    /// platform refused it, or its fate is unknown).
    RelayFailed {
        number: u64,
        /// What went wrong, in words without the message.
        why: String,
    },
    /// The bot cannot write to its store (a full disk, a read-only one):
    /// patients are told to call.
    StoreFailing,
    /// An edit to the knowledge folder did not load; the bot keeps the last
    /// good version.
    KnowledgeRejected {
        /// Each problem as "file:line:column: reason".
        error: String,
    },
    /// Today's appointments with each screen's status, before opening.
    Digest {
        /// Clinic-local "Tuesday 1 December".
        day: String,
        lines: Vec<DigestLine>,
    },
}

impl DeskEvent {
    /// The ticket this event belongs to, if any: it goes where that ticket
    /// lives at a desk (its forum topic or thread) when it has one.
    pub fn ticket(&self) -> Option<u64> {
        match self {
            DeskEvent::Opened { number, .. }
            | DeskEvent::Reannounced { number, .. }
            | DeskEvent::Claimed { number, .. }
            | DeskEvent::PatientWrote { number, .. }
            | DeskEvent::EmergencyDuringHandoff { number, .. }
            | DeskEvent::Closed { number, .. }
            | DeskEvent::RelayFailed { number, .. } => Some(*number),
            DeskEvent::Emergency { .. }
            | DeskEvent::Urgent { .. }
            | DeskEvent::AppointmentCancelled { .. }
            | DeskEvent::ReminderInDoubt { .. }
            | DeskEvent::VisitOnClosedDay { .. }
            | DeskEvent::Erased { .. }
            | DeskEvent::StoreFailing
            | DeskEvent::KnowledgeRejected { .. }
            | DeskEvent::Digest { .. } => None,
        }
    }

    /// Whether this must reach a desk (kept in the outbox until one takes
    /// it), rather than keep a desk up to date.
    pub fn is_alert(&self) -> bool {
        matches!(
            self,
            DeskEvent::Opened { .. }
                | DeskEvent::Emergency { .. }
                | DeskEvent::EmergencyDuringHandoff { .. }
                | DeskEvent::Urgent { .. }
                | DeskEvent::Erased { .. }
        )
    }

    /// The one platform whose desk this is for, when it is not for every
    /// desk.
    pub fn only_for(&self) -> Option<Platform> {
        match self {
            DeskEvent::Erased { platform, .. } => Some(*platform),
            _ => None,
        }
    }
}

/// Why tickets' desk places were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasedBy {
    /// The patient deleted their data.
    Patient,
    /// The tickets were closed longer ago than the retention settings keep.
    Retention,
}

/// Something to send from one adapter's work to wherever it belongs.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A message for a patient's chat, on that chat's platform. With a
    /// receipt, the adapter hands it to [`crate::Engine::delivered`] once
    /// the platform has taken the message.
    ToChat {
        chat: ChatKey,
        reply: Reply,
        receipt: Option<Receipt>,
    },
    /// An update for every staff desk (a receipt as for `ToChat`, from the
    /// first desk that takes it).
    Desk {
        event: DeskEvent,
        receipt: Option<Receipt>,
    },
}

impl Delivery {
    /// A message for a patient's chat that needs no receipt.
    pub fn to_chat(chat: ChatKey, reply: Reply) -> Delivery {
        Delivery::ToChat {
            chat,
            reply,
            receipt: None,
        }
    }

    /// A desk update that needs no receipt.
    pub fn desk(event: DeskEvent) -> Delivery {
        Delivery::Desk {
            event,
            receipt: None,
        }
    }

    /// What to hand to [`crate::Engine::delivered`] once sent.
    pub fn receipt(&self) -> Option<&Receipt> {
        match self {
            Delivery::ToChat { receipt, .. } | Delivery::Desk { receipt, .. } => receipt.as_ref(),
        }
    }
}

/// What a delivery confirms once the platform has taken it, or reports to
/// [`crate::Engine::undelivered`] when it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// One reminder (by its offset key) of one appointment.
    Reminder { appointment: String, key: String },
    /// The desks were told that reminder is in doubt.
    DoubtReported { appointment: String, key: String },
    /// A staff alert in the outbox (by its record id): confirmed, it is
    /// removed; unconfirmed, it is sent again.
    Alert { id: String },
    /// A staff member's reply on this ticket: if it fails, staff are told.
    Relay { ticket: u64 },
}

type Route = Box<dyn Fn(Delivery) + Send + Sync>;

/// Routes deliveries to the adapter of each platform, so a patient on
/// Telegram can be served from a Discord desk and the other way round.
/// Adapters register a sender for their platform at start.
#[derive(Default)]
pub struct Router {
    routes: RwLock<HashMap<Platform, Route>>,
    /// Desks that are no chat platform (the staff console): they see every
    /// desk event and serve no patient's chat.
    watchers: RwLock<Vec<Route>>,
    /// Per platform, the link that opens a chat with the bot with a code
    /// in it, up to the code (Telegram's `https://t.me/<bot>?start=`), as
    /// its adapter learnt it at start.
    start_links: RwLock<HashMap<Platform, String>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router").finish_non_exhaustive()
    }
}

impl Router {
    pub fn register(&self, platform: Platform, route: impl Fn(Delivery) + Send + Sync + 'static) {
        self.routes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(platform, Box::new(route));
    }

    /// Whether an adapter for this platform is running.
    /// Stops routing to a platform whose adapter is stopping: its sender
    /// is dropped, so the adapter's queue ends once drained.
    pub fn unregister(&self, platform: Platform) {
        self.routes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&platform);
    }

    /// Says how a link with a code opens a chat with the bot on `platform`:
    /// `prefix` followed by the code.
    pub fn set_start_link(&self, platform: Platform, prefix: String) {
        self.start_links
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(platform, prefix);
    }

    /// The links that open a chat with the bot and hand it `code` (a
    /// patient's link code), by platform.
    pub fn start_links(&self, code: &str) -> Vec<(Platform, String)> {
        let links = self.start_links.read().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<_> = links
            .iter()
            .map(|(platform, prefix)| (*platform, format!("{prefix}{code}")))
            .collect();
        list.sort();
        list
    }

    /// Adds a desk that is no chat platform: it gets every desk delivery.
    pub fn watch_desk(&self, route: impl Fn(Delivery) + Send + Sync + 'static) {
        self.watchers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(route));
    }

    pub fn serves(&self, platform: Platform) -> bool {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&platform)
    }

    /// Delivers to the chat's platform, or (desk events) to every platform.
    pub fn deliver(&self, delivery: Delivery) {
        let routes = self.routes.read().unwrap_or_else(|e| e.into_inner());
        match &delivery {
            Delivery::ToChat { chat, .. } => match routes.get(&chat.platform()) {
                Some(route) => route(delivery),
                None => tracing::warn!(%chat, "no adapter runs for this chat's platform"),
            },
            Delivery::Desk { event, .. } => {
                // A watcher sees the receipt (an alert's id tells a repeat)
                // but never confirms it: an alert stays in the outbox until
                // a chat desk takes it.
                let watchers = self.watchers.read().unwrap_or_else(|e| e.into_inner());
                watchers.iter().for_each(|watch| watch(delivery.clone()));
                match event.only_for() {
                    Some(platform) => {
                        if let Some(route) = routes.get(&platform) {
                            route(delivery.clone());
                        }
                    }
                    None => routes.values().for_each(|route| route(delivery.clone())),
                }
            }
        }
    }
}
