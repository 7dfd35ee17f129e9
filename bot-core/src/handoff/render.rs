//! What staff read: desk posts as plain text (adapters escape them) and the
//! staff-facing sentences (the desk works in one language).

use crate::appointments::DigestLine;
use crate::chat::HandoffReason;
use crate::delivery::{DeskEvent, ErasedBy};
use crate::ids::Locale;

/// The most characters of a topic or thread title (Discord's limit;
/// Telegram's is 128).
const TITLE_CHARS: usize = 100;

/// The title of a ticket's forum topic or thread: its number and the
/// patient's display name.
pub fn topic_title(number: u64, patient: &str) -> String {
    let title = format!("#{number} {patient}");
    title.chars().take(TITLE_CHARS).collect()
}

/// What a ticket's topic or thread says below its card.
pub fn topic_hint(number: u64) -> String {
    format!(
        "Write here to answer the patient: the first to write claims ticket #{number}. /history for the conversation, /close when done."
    )
}

/// Said at the top of a ticket's topic or thread made again after the
/// first was deleted, before the ticket's story so far.
pub const TOPIC_RECREATED: &str = "This ticket's topic was deleted; here it is again.";

/// The ticket a desk post is about, read from its text: the `#N` that
/// starts it or follows the word "ticket" on its first line, as every post
/// of a ticket's event has it (a `#` in a patient's name is neither), and
/// Discord's escaped `\\#N` too. What a staff member's reply to that post
/// answers.
pub fn ticket_of(post: &str) -> Option<u64> {
    let first = post.lines().next()?;
    first.match_indices('#').find_map(|(at, _)| {
        let before = first[..at].trim_end_matches('\\').trim_end();
        let named = before.is_empty() || before.to_lowercase().ends_with("ticket");
        let digits: String = first[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        named.then(|| digits.parse().ok()).flatten()
    })
}

/// Why a ticket opened, for staff.
pub fn reason(why: &HandoffReason) -> &'static str {
    match why {
        HandoffReason::Asked => "asked for a person",
        HandoffReason::Unanswered => "the bot could not answer",
        HandoffReason::Screen => "needed help with the health questions",
        HandoffReason::Reschedule => "asks to move their appointment",
    }
}

/// A desk event as one plain-text post (adapters escape it).
pub fn desk_text(event: &DeskEvent) -> String {
    match event {
        DeskEvent::Opened {
            number,
            patient,
            platform,
            reason: why,
            recent,
            shared,
            locale,
        } => {
            let kind = if *shared {
                "a shared chat"
            } else {
                "a private chat"
            };
            let mut t = format!(
                "New ticket #{number}: {patient} on {platform} ({}), from {kind}",
                reason(why)
            );
            match locale {
                Some(Locale::Es) => t.push_str(", writing in Spanish."),
                Some(Locale::En) => t.push_str(", writing in English."),
                None => t.push('.'),
            }
            if !recent.is_empty() {
                t.push_str("\nThe conversation before:");
                for line in recent {
                    let short: String = line.chars().take(200).collect();
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
        DeskEvent::Emergency {
            patient,
            platform,
            flag,
        } => format!(
            "EMERGENCY: {patient} (on {platform}): {}. The patient was told to call emergency services now.",
            flag.as_str()
        ),
        DeskEvent::Urgent {
            patient,
            platform,
            urgency,
        } => format!(
            "URGENT: {patient} (on {platform}): {}. The patient was told to contact the clinic or a doctor today; please reach out to them.",
            urgency.as_str()
        ),
        DeskEvent::Closed { number, by } => format!("Ticket #{number} was closed by {by}."),
        DeskEvent::Erased {
            by: ErasedBy::Patient,
            ..
        } => "A patient deleted their data: the topics or threads of their tickets were deleted with it.".to_owned(),
        DeskEvent::Erased {
            by: ErasedBy::Retention,
            places,
            ..
        } => format!(
            "{} ticket topic(s) or thread(s) closed longer ago than the retention settings keep were deleted.",
            places.len()
        ),
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
            "A reminder to {patient} (on {platform}) for {when} may not have arrived (the bot stopped while sending it, or the platform refused it); it is not sent again. Please check with the patient."
        ),
        DeskEvent::VisitOnClosedDay {
            patient,
            when,
            closure,
        } => {
            let day = closure
                .as_deref()
                .map_or("a closed day".to_owned(), |name| format!("closed for {name}"));
            format!(
                "No reminder went to {patient} for their visit on {when}: the clinic is {day} then. Please move the visit or let them know."
            )
        }
        DeskEvent::RelayFailed { number, why } => format!(
            "Your reply on ticket #{number} may not have reached the patient ({why}). Please try again or contact them another way."
        ),
        DeskEvent::StoreFailing => "The bot cannot save to its data folder (the disk may be full or read-only). Patients writing now are asked to call the clinic. Please tell whoever runs the bot.".to_owned(),
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

/// Whether a message asks for the ids `desk.toml` needs: `/whoami` or
/// `!whoami` (a `@botname` suffix allowed), anywhere.
pub fn is_whoami(text: &str) -> bool {
    let text = text.trim();
    let Some(rest) = text.strip_prefix('/').or_else(|| text.strip_prefix('!')) else {
        return false;
    };
    rest.split('@')
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case("whoami"))
}

/// The answer to `/whoami`: the ids to put in `desk.toml`, for whoever
/// sets up the staff desk.
pub fn whoami(
    platform: crate::ids::Platform,
    user: &str,
    chat: &str,
    shared: bool,
    roles: &[String],
) -> String {
    use crate::ids::Platform;
    let mut t = format!("Your {platform} user id: {user}.");
    match (platform, shared) {
        (Platform::Telegram, true) => t.push_str(&format!(
            "\nThis group's id: {chat} (for telegram_group in desk.toml, to make it the staff desk)."
        )),
        (Platform::Discord, true) => t.push_str(&format!(
            "\nThis channel's id: {chat} (for discord_channel in desk.toml, to make it the staff desk)."
        )),
        _ => t.push_str(&format!("\nThis chat's id: {chat}.")),
    }
    if !roles.is_empty() {
        t.push_str(&format!("\nYour role ids here: {}.", roles.join(", ")));
    }
    t.push_str("\nStaff are listed in desk.toml by these user ids (or, on Discord, a role id).");
    t
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

pub const NOT_STAFF: &str =
    "Sorry, only the clinic's staff can do that. If you are a patient, send /human to reach us.";
pub const ACTION_FAILED: &str = "That did not work: the bot could not read or save its records. Please try again, and tell whoever runs the bot if it keeps happening.";
pub const NO_SUCH_TICKET: &str = "There is no open ticket with that number.";
pub const ALREADY_CLAIMED: &str = "That ticket is already claimed by";
pub const WRITTEN_ON_OTHERS: &str = "Not sent to the patient: this ticket is claimed by";
pub const NOT_YOURS: &str = "Claim the ticket before replying to it.";
pub const SHARED_CHAT: &str = "Not sent: this ticket came from a shared chat, where others would read your reply. Ask the patient to write to the bot privately, or call them.";
pub const CLAIMED: &str = "You have ticket";
pub const CLOSED: &str = "Ticket closed; the patient is back with the bot.";
pub const SENT: &str = "Sent.";
pub const QUEUE_EMPTY: &str = "No open tickets.";
pub const NO_SCREEN: &str = "This patient has no completed health screen.";
pub const SENT_PRIVATELY: &str = "Sent to you privately.";
pub const NO_SUCH_APPOINTMENT: &str = "There is no appointment with that id.";
pub const BAD_DAY: &str = "Give the day as today, tomorrow or a date like 2026-12-01.";
pub const NO_APPOINTMENTS: &str = "No appointments.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{HandoffReason, RedFlag};
    use crate::ids::Platform;

    #[test]
    fn a_reply_to_any_post_of_a_ticket_finds_that_ticket_and_no_other_post_names_one() {
        let opened = DeskEvent::Opened {
            number: 12,
            patient: "Ana #1 Ruiz".into(),
            platform: Platform::Telegram,
            reason: HandoffReason::Asked,
            recent: vec!["Patient: is #3 ok?".into()],
            shared: false,
            locale: Some(Locale::Es),
        };
        let card = desk_text(&opened);
        assert!(card.contains("writing in Spanish"), "{card}");
        let events = [
            opened,
            DeskEvent::PatientWrote {
                number: 12,
                text: "call me at #5".into(),
                claimed_by: None,
            },
            DeskEvent::Claimed {
                number: 12,
                by: "Maria".into(),
            },
            DeskEvent::EmergencyDuringHandoff {
                number: 12,
                flag: RedFlag::ChestOrBreathing,
            },
        ];
        for event in &events {
            assert_eq!(event.ticket(), Some(12));
            assert_eq!(ticket_of(&desk_text(event)), Some(12), "{event:?}");
        }
        let emergency = DeskEvent::Emergency {
            patient: "Lee #4".into(),
            platform: Platform::Discord,
            flag: RedFlag::ChestOrBreathing,
        };
        assert_eq!(emergency.ticket(), None);
        assert_eq!(ticket_of(&desk_text(&emergency)), None, "a # in a name");
        assert_eq!(ticket_of("New ticket \\#12: Ana"), Some(12), "escaped");
        assert_eq!(ticket_of(&desk_text(&DeskEvent::StoreFailing)), None);
        assert_eq!(
            ticket_of(&desk_text(&DeskEvent::KnowledgeRejected {
                error: "faq/x.toml:3:1: #4 is wrong".into()
            })),
            None
        );
        assert_eq!(topic_title(3, &"x".repeat(300)).chars().count(), 100);
        assert!(topic_title(3, "Ana").starts_with("#3 Ana"));
    }

    #[test]
    fn whoami_is_recognised_with_either_prefix_and_a_bot_suffix_and_names_the_desk_setting() {
        for text in ["/whoami", "!whoami", " /whoami@frontdesk_bot ", "/WhoAmI"] {
            assert!(is_whoami(text), "{text}");
        }
        for text in ["whoami", "/whoamix", "/who", "who am i"] {
            assert!(!is_whoami(text), "{text}");
        }
        let group = whoami(crate::Platform::Telegram, "42", "-1001", true, &[]);
        assert!(
            group.contains("42") && group.contains("-1001") && group.contains("telegram_group")
        );
        let roles = ["77".to_owned()];
        let channel = whoami(crate::Platform::Discord, "5", "9", true, &roles);
        assert!(
            channel.contains("discord_channel") && channel.contains("77"),
            "{channel}"
        );
    }
}
