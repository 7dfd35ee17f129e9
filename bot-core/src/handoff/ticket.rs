//! Tickets (a patient's request for a person, with its transcript) and the
//! staff commands that act on them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::chat::{HandoffReason, RedFlag, Urgency};
use crate::ids::{ChatKey, Locale, Platform};

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
    /// A staff reply the platform refused, or whose fate is unknown: it
    /// may not have reached the patient.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_doubt: bool,
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
    /// Opened from a chat others read. A shared chat cannot open a ticket
    /// (`dialogue::shared_step`); should one exist all the same, staff
    /// replies are not delivered to it.
    #[serde(default)]
    pub shared: bool,
    /// The patient's language when the ticket opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// Emergency and urgent answers the patient got when the ticket opened
    /// and while it was open (the category, never the words).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<TicketAlert>,
    /// The patient was told again that the team has their message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub patient_told_again: bool,
}

/// An emergency or urgent answer given around a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TicketAlert {
    Emergency { flag: RedFlag, at: Timestamp },
    Urgent { urgency: Urgency, at: Timestamp },
}

impl TicketAlert {
    /// "emergency: chest pain" / "urgent: infection", for staff.
    pub fn label(&self) -> String {
        match self {
            TicketAlert::Emergency { flag, .. } => format!("emergency: {}", flag.as_str()),
            TicketAlert::Urgent { urgency, .. } => format!("urgent: {}", urgency.as_str()),
        }
    }
}

impl Ticket {
    /// Whether `who` holds this ticket: claimed by that account, or by
    /// another account of the same `desk.toml` staff member (a Telegram
    /// claim answered from the console).
    pub fn is_claimed_by(
        &self,
        who: &crate::handoff::Actor,
        desk: &crate::handoff::DeskConfig,
    ) -> bool {
        matches!(&self.status, TicketStatus::Claimed { platform, user_id, .. }
            if (*platform == who.platform && *user_id == who.user_id)
                || desk.same_member(who, (*platform, user_id)))
    }

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
    /// Words written where the ticket lives at a desk (its forum topic or
    /// thread, or a reply to one of its posts): they claim the ticket if
    /// nobody has, then go to the patient as a reply.
    Write(u64, String),
    Close(u64),
    Queue,
    /// The full answers of the ticket's patient's latest screen, privately.
    Screening(u64),
    /// The ticket's story: why it opened, the conversation before it (both
    /// sides, alerts by category) and what was said since, in order.
    History(u64),
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
        ("history", Some(n)) => Some(StaffAction::History(n)),
        ("reply", Some(n)) if !after.trim().is_empty() => {
            Some(StaffAction::Reply(n, after.trim().to_owned()))
        }
        _ => None,
    }
}

/// Reads a staff command typed where ticket `number` lives (its topic or
/// thread), where the number may be left out: `/close` there is
/// `/close number`, `/reply text` is `/reply number text`.
pub fn parse_staff_command_in(text: &str, number: u64) -> Option<StaffAction> {
    if let Some(action) = parse_staff_command(text) {
        return Some(action);
    }
    let text = text.trim();
    let rest = text.strip_prefix('/').or_else(|| text.strip_prefix('!'))?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    parse_staff_command(&format!("/{head} {number} {args}"))
}

/// What a staff member's message at a desk asks: a staff command, or
/// words for a ticket's patient when written in the place of ticket
/// `here` (the adapter looks it up) or in reply to one of a ticket's posts
/// (`replied_to`, the post's text). `None`: chatter among staff, left
/// alone. A command the bot does not know is never sent to a patient.
pub fn desk_message(
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
        None => parse_staff_command(text).or_else(|| {
            replied_to
                .and_then(super::render::ticket_of)
                .and_then(words)
        }),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn in_a_tickets_topic_its_number_may_be_left_out() {
        assert_eq!(
            parse_staff_command_in("/close", 7),
            Some(StaffAction::Close(7))
        );
        assert_eq!(
            parse_staff_command_in("/history@frontdesk_bot", 7),
            Some(StaffAction::History(7))
        );
        assert_eq!(
            parse_staff_command_in("/reply See you at 3", 7),
            Some(StaffAction::Reply(7, "See you at 3".into()))
        );
        assert_eq!(
            parse_staff_command_in("/close 4", 7),
            Some(StaffAction::Close(4)),
            "a number given is the one meant"
        );
        assert_eq!(
            parse_staff_command_in("/queue", 7),
            Some(StaffAction::Queue)
        );
        assert_eq!(
            parse_staff_command_in("close", 7),
            None,
            "words are no command"
        );
        assert_eq!(parse_staff_command_in("/nonsense", 7), None);
    }

    #[test]
    fn words_in_a_tickets_place_or_in_reply_to_its_post_are_for_its_patient_and_chatter_is_not() {
        let write = |n: u64, t: &str| Some(StaffAction::Write(n, t.to_owned()));
        assert_eq!(desk_message(" Hi Pat ", Some(3), None), write(3, "Hi Pat"));
        assert_eq!(
            desk_message("/close", Some(3), None),
            Some(StaffAction::Close(3))
        );
        assert_eq!(
            desk_message("/claim 5", Some(3), None),
            Some(StaffAction::Claim(5))
        );
        assert_eq!(
            desk_message("/clsoe", Some(3), None),
            None,
            "a typo is no message"
        );
        assert_eq!(desk_message("   ", Some(3), None), None);
        let post = "#3 patient: is anyone there?";
        assert_eq!(
            desk_message("Yes, hi", None, Some(post)),
            write(3, "Yes, hi")
        );
        assert_eq!(
            desk_message("Yes, hi", None, Some("Appointments today:")),
            None
        );
        assert_eq!(desk_message("coffee anyone?", None, None), None, "chatter");
        assert_eq!(
            desk_message("/queue", None, Some(post)),
            Some(StaffAction::Queue)
        );
        assert_eq!(
            desk_message("!close", None, None),
            None,
            "no number, no place"
        );
    }
}
