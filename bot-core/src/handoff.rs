//! Hand-off to staff: who counts as staff, tickets, and what staff may do.
//!
//! A ticket opens when a patient asks for a person. Staff claim it, reply
//! (relayed to the patient, whatever platform either side is on), and close
//! it. Only configured staff can act; anyone else is refused politely and
//! nothing changes. What goes to a desk is the minimum: ticket number, the
//! patient's display name and platform, why they asked, and the bot's last
//! few messages; never screening answers.

use std::collections::HashMap;
use std::sync::RwLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::appointments::DigestLine;
use crate::dialogue::{HandoffReason, Reply};
use crate::emergency::RedFlag;
use crate::ids::{ChatKey, Platform};

/// One staff member and their accounts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    pub name: String,
    /// Telegram user id.
    #[serde(default)]
    pub telegram: Option<String>,
    /// Discord user id.
    #[serde(default)]
    pub discord: Option<String>,
}

/// Staff and desks (`desk.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// Re-announce an unclaimed ticket after this many minutes.
    #[serde(default = "default_reannounce")]
    pub reannounce_after_minutes: u32,
    #[serde(default)]
    pub staff: Vec<StaffMember>,
    /// Discord roles whose members count as staff.
    #[serde(default)]
    pub discord_staff_roles: Vec<String>,
    /// The Discord channel tickets are posted to.
    #[serde(default)]
    pub discord_channel: Option<String>,
    /// The Telegram group tickets are posted to.
    #[serde(default)]
    pub telegram_group: Option<String>,
}

fn default_reannounce() -> u32 {
    15
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            reannounce_after_minutes: default_reannounce(),
            staff: Vec::new(),
            discord_staff_roles: Vec::new(),
            discord_channel: None,
            telegram_group: None,
        }
    }
}

/// Who is asking to act, as the platform says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    pub user_id: String,
    /// Discord role ids (empty elsewhere).
    pub roles: Vec<String>,
    pub display_name: String,
}

impl DeskConfig {
    /// The staff name of an actor, or `None` if they are not staff.
    pub fn staff_name(&self, who: &Actor) -> Option<String> {
        let listed = self.staff.iter().find(|m| {
            let id = match who.platform {
                Platform::Telegram => &m.telegram,
                Platform::Discord => &m.discord,
                Platform::Terminal => return false,
            };
            id.as_deref() == Some(who.user_id.as_str())
        });
        if let Some(m) = listed {
            return Some(m.name.clone());
        }
        let by_role = who.platform == Platform::Discord
            && who
                .roles
                .iter()
                .any(|r| self.discord_staff_roles.contains(r));
        by_role.then(|| who.display_name.clone())
    }
}

/// Who said a line of a ticket's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Patient,
    Staff(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub from: Speaker,
    pub text: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Claimed {
        by: String,
        platform: Platform,
        user_id: String,
        at: Timestamp,
    },
    Closed {
        by: String,
        at: Timestamp,
    },
}

/// A patient's request for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: u64,
    pub chat: ChatKey,
    pub patient: String,
    pub reason: HandoffReason,
    pub opened: Timestamp,
    pub announced: Timestamp,
    pub status: TicketStatus,
    /// The bot's last few messages before the hand-off (never the patient's
    /// answers), for context at the desk.
    pub recent: Vec<String>,
    pub transcript: Vec<Line>,
    /// An emergency was flagged during the hand-off.
    pub emergency: bool,
}

impl Ticket {
    pub fn claimed_by(&self) -> Option<&str> {
        match &self.status {
            TicketStatus::Claimed { by, .. } => Some(by),
            _ => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.status, TicketStatus::Closed { .. })
    }
}

/// What a staff member asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffAction {
    Claim(u64),
    Reply(u64, String),
    Close(u64),
    Queue,
    /// The full answers of the ticket's patient's latest screen, privately.
    Screening(u64),
    /// Appointments on a clinic-local day (`today`, `tomorrow`, `2026-12-01`),
    /// or the next seven days.
    Appointments(Option<String>),
    /// `/book 2026-12-01 09:30 Ana Ruiz [no-needling]`.
    Book {
        start: String,
        patient: String,
        needling: bool,
    },
    /// `/unbook ID`: cancels an appointment.
    Unbook(String),
    /// Today's digest, now.
    Digest,
}

/// What every desk should show. Carries no screening answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "desk_event", rename_all = "snake_case")]
pub enum DeskEvent {
    Opened {
        number: u64,
        patient: String,
        platform: Platform,
        reason: HandoffReason,
        recent: Vec<String>,
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
    Closed {
        number: u64,
        by: String,
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

/// What a delivery confirms once the platform has taken it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// One reminder (by its offset key) of one appointment.
    Reminder { appointment: String, key: String },
    /// The desks were told that reminder is in doubt.
    DoubtReported { appointment: String, key: String },
}

type Route = Box<dyn Fn(Delivery) + Send + Sync>;

/// Routes deliveries to the adapter of each platform, so a patient on
/// Telegram can be served from a Discord desk and the other way round.
/// Adapters register a sender for their platform at start.
#[derive(Default)]
pub struct Router {
    routes: RwLock<HashMap<Platform, Route>>,
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
            Delivery::Desk { .. } => routes.values().for_each(|route| route(delivery.clone())),
        }
    }
}

/// Reads a staff command typed at a desk: `/claim 3`, `/reply 3 text`,
/// `/close 3`, `/queue` (a `@botname` suffix is allowed).
pub fn parse_staff_command(text: &str) -> Option<StaffAction> {
    let text = text.trim();
    let rest = text.strip_prefix('/').or_else(|| text.strip_prefix('!'))?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = head.split('@').next()?.to_ascii_lowercase();
    let (number, after) = args
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((args.trim(), ""));
    let number = number.trim_start_matches('#').parse::<u64>().ok();
    match name.as_str() {
        "appointments" | "appts" => {
            let day = Some(args.trim().to_owned()).filter(|d| !d.is_empty());
            return Some(StaffAction::Appointments(day));
        }
        "book" => return parse_booking(args),
        "unbook" => {
            let id = args.trim();
            return (!id.is_empty() && !id.contains(char::is_whitespace))
                .then(|| StaffAction::Unbook(id.to_owned()));
        }
        "digest" => return Some(StaffAction::Digest),
        _ => {}
    }
    match (name.as_str(), number) {
        ("queue", _) => Some(StaffAction::Queue),
        ("claim", Some(n)) => Some(StaffAction::Claim(n)),
        ("close", Some(n)) => Some(StaffAction::Close(n)),
        ("screening", Some(n)) => Some(StaffAction::Screening(n)),
        ("reply", Some(n)) if !after.trim().is_empty() => {
            Some(StaffAction::Reply(n, after.trim().to_owned()))
        }
        _ => None,
    }
}

/// `2026-12-01 09:30 Ana Ruiz [no-needling]`.
fn parse_booking(args: &str) -> Option<StaffAction> {
    let mut words = args.split_whitespace();
    let start = format!("{} {}", words.next()?, words.next()?);
    let mut words: Vec<&str> = words.collect();
    let needling = match words.last() {
        Some(w) if w.eq_ignore_ascii_case("no-needling") => {
            words.pop();
            false
        }
        _ => true,
    };
    (!words.is_empty()).then(|| StaffAction::Book {
        start,
        patient: words.join(" "),
        needling,
    })
}

/// A desk event as one plain-text post (adapters escape it).
pub fn desk_text(event: &DeskEvent) -> String {
    let reason = |r: &HandoffReason| match r {
        HandoffReason::Asked => "asked for a person",
        HandoffReason::Unanswered => "the bot could not answer",
        HandoffReason::Screen => "needed help with the health questions",
        HandoffReason::Reschedule => "asks to move their appointment",
    };
    match event {
        DeskEvent::Opened {
            number,
            patient,
            platform,
            reason: why,
            recent,
        } => {
            let mut t = format!(
                "New ticket #{number}: {patient} on {platform} ({}).",
                reason(why)
            );
            if !recent.is_empty() {
                t.push_str("\nThe bot's last messages:");
                for line in recent {
                    let short: String = line.chars().take(120).collect();
                    t.push_str(&format!("\n- {short}"));
                }
            }
            t.push_str(&format!("\nClaim it with /claim {number}."));
            t
        }
        DeskEvent::Reannounced {
            number,
            patient,
            platform,
            waiting_minutes,
        } => format!(
            "Ticket #{number} ({patient} on {platform}) is still waiting after {waiting_minutes} min. /claim {number}"
        ),
        DeskEvent::Claimed { number, by } => format!("Ticket #{number} is claimed by {by}."),
        DeskEvent::PatientWrote { number, text, .. } => format!("#{number} patient: {text}"),
        DeskEvent::EmergencyDuringHandoff { number, flag } => format!(
            "EMERGENCY on ticket #{number}: {}. The patient was told to call emergency services.",
            flag.as_str()
        ),
        DeskEvent::Closed { number, by } => format!("Ticket #{number} was closed by {by}."),
        DeskEvent::AppointmentCancelled {
            patient,
            platform,
            when,
        } => format!("{patient} (on {platform}) cancelled their appointment on {when}."),
        DeskEvent::ReminderInDoubt {
            patient,
            platform,
            when,
        } => format!(
            "The bot restarted while sending {patient} (on {platform}) a reminder for {when}: it may not have arrived, and it is not sent again. Please check with the patient."
        ),
        DeskEvent::KnowledgeRejected { error } => format!(
            "An edit to the knowledge folder was not loaded; the bot keeps answering from the last good version. Fix this and save again:\n{error}"
        ),
        DeskEvent::Digest { day, lines } => {
            let mut t = format!("Appointments today, {day}:");
            if lines.is_empty() {
                t.push_str(" none.");
            }
            for line in lines {
                t.push_str(&format!("\n{}", digest_line(line)));
            }
            t
        }
    }
}

/// One appointment as staff read it: "09:30 Ana Ruiz: no flags, confirmed".
pub fn digest_line(line: &DigestLine) -> String {
    let mut t = format!("{} {}: {}", line.time, line.patient, line.screen.as_str());
    if line.cancelled {
        t.push_str(", CANCELLED");
    } else if line.reschedule_requested {
        t.push_str(", asks to reschedule");
    } else if line.confirmed {
        t.push_str(", confirmed");
    }
    t
}

/// Staff-facing sentences (the desk works in one language).
pub mod text {
    pub const NOT_STAFF: &str = "Sorry, only the clinic's staff can do that. If you are a patient, send /human to reach us.";
    pub const NO_SUCH_TICKET: &str = "There is no open ticket with that number.";
    pub const ALREADY_CLAIMED: &str = "That ticket is already claimed by";
    pub const NOT_YOURS: &str = "Claim the ticket before replying to it.";
    pub const CLAIMED: &str = "You have ticket";
    pub const CLOSED: &str = "Ticket closed; the patient is back with the bot.";
    pub const SENT: &str = "Sent.";
    pub const QUEUE_EMPTY: &str = "No open tickets.";
    pub const NO_SCREEN: &str = "This patient has no completed health screen.";
    pub const SENT_PRIVATELY: &str = "Sent to you privately.";
    pub const NO_SUCH_APPOINTMENT: &str = "There is no appointment with that id.";
    pub const BAD_DAY: &str = "Give the day as today, tomorrow or a date like 2026-12-01.";
    pub const NO_APPOINTMENTS: &str = "No appointments.";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk() -> DeskConfig {
        DeskConfig {
            staff: vec![StaffMember {
                name: "Maria".into(),
                telegram: Some("111".into()),
                discord: Some("222".into()),
            }],
            discord_staff_roles: vec!["900".into()],
            ..DeskConfig::default()
        }
    }

    fn actor(platform: Platform, id: &str, roles: &[&str]) -> Actor {
        Actor {
            platform,
            user_id: id.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            display_name: "Someone".into(),
        }
    }

    #[test]
    fn staff_commands_are_read_with_their_ticket_number() {
        assert_eq!(parse_staff_command("/claim 3"), Some(StaffAction::Claim(3)));
        assert_eq!(
            parse_staff_command("/claim@frontdesk_bot #3"),
            Some(StaffAction::Claim(3))
        );
        assert_eq!(
            parse_staff_command("!reply 3 See you at 3 pm"),
            Some(StaffAction::Reply(3, "See you at 3 pm".into()))
        );
        assert_eq!(parse_staff_command("/queue"), Some(StaffAction::Queue));
        assert_eq!(
            parse_staff_command("/book 2026-12-01 09:30 Ana  Ruiz no-needling"),
            Some(StaffAction::Book {
                start: "2026-12-01 09:30".into(),
                patient: "Ana Ruiz".into(),
                needling: false
            })
        );
        assert_eq!(parse_staff_command("/book 2026-12-01 09:30"), None);
        assert_eq!(
            parse_staff_command("/appointments tomorrow"),
            Some(StaffAction::Appointments(Some("tomorrow".into())))
        );
        assert_eq!(parse_staff_command("/unbook a1 extra"), None, "one id only");
        assert_eq!(parse_staff_command("/reply 3"), None);
        assert_eq!(parse_staff_command("/claim three"), None);
        assert_eq!(parse_staff_command("claim 3"), None);
    }

    #[test]
    fn staff_are_recognised_by_their_accounts_or_a_discord_role_only() {
        let d = desk();
        assert_eq!(
            d.staff_name(&actor(Platform::Telegram, "111", &[])),
            Some("Maria".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "222", &[])),
            Some("Maria".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "5", &["900"])),
            Some("Someone".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "111", &[])),
            None,
            "a Telegram id on Discord"
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Telegram, "5", &["900"])),
            None,
            "roles are Discord's"
        );
        assert_eq!(d.staff_name(&actor(Platform::Terminal, "111", &[])), None);
    }
}
