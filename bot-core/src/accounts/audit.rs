//! The audit log: who did what and when, from the console and the command
//! line. An entry names the record acted on (a ticket number, a chat, an
//! account), never what anybody wrote.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    LogIn,
    LogInFailed,
    LogInThrottled,
    LogOut,
    TicketViewed,
    TicketClaimed,
    TicketReplied,
    TicketClosed,
    ScreenOpened,
    ScreenDownloaded,
    StaffAdded,
    StaffRemoved,
    PasswordReset,
    PatientForgotten,
    AppointmentsImported,
    AppointmentAdded,
    AppointmentCancelled,
    AppointmentMoved,
    BackupTaken,
    AuditExported,
    AuditViewed,
    NumbersViewed,
    NumbersExported,
    UnansweredViewed,
    QuestionsTaught,
    QuestionsDismissed,
    LessonUndone,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::LogIn => "log in",
            AuditAction::LogInFailed => "failed log in",
            AuditAction::LogInThrottled => "log in refused (too many attempts)",
            AuditAction::LogOut => "log out",
            AuditAction::TicketViewed => "ticket viewed",
            AuditAction::TicketClaimed => "ticket claimed",
            AuditAction::TicketReplied => "ticket replied to",
            AuditAction::TicketClosed => "ticket closed",
            AuditAction::ScreenOpened => "screen opened",
            AuditAction::ScreenDownloaded => "screen downloaded",
            AuditAction::StaffAdded => "staff added",
            AuditAction::StaffRemoved => "staff removed",
            AuditAction::PasswordReset => "password reset",
            AuditAction::PatientForgotten => "patient forgotten",
            AuditAction::AppointmentsImported => "appointments imported",
            AuditAction::AppointmentAdded => "appointment added",
            AuditAction::AppointmentCancelled => "appointment cancelled",
            AuditAction::AppointmentMoved => "appointment moved",
            AuditAction::BackupTaken => "backup taken",
            AuditAction::AuditExported => "audit log exported",
            AuditAction::AuditViewed => "audit log viewed",
            AuditAction::NumbersViewed => "numbers viewed",
            AuditAction::NumbersExported => "numbers exported",
            AuditAction::UnansweredViewed => "unanswered questions viewed",
            AuditAction::QuestionsTaught => "knowledge folder taught",
            AuditAction::QuestionsDismissed => "unanswered questions dismissed",
            AuditAction::LessonUndone => "teaching undone",
        }
    }

    /// Every action, in the order of the log's vocabulary.
    pub const ALL: [AuditAction; 27] = [
        AuditAction::LogIn,
        AuditAction::LogInFailed,
        AuditAction::LogInThrottled,
        AuditAction::LogOut,
        AuditAction::TicketViewed,
        AuditAction::TicketClaimed,
        AuditAction::TicketReplied,
        AuditAction::TicketClosed,
        AuditAction::ScreenOpened,
        AuditAction::ScreenDownloaded,
        AuditAction::StaffAdded,
        AuditAction::StaffRemoved,
        AuditAction::PasswordReset,
        AuditAction::PatientForgotten,
        AuditAction::AppointmentsImported,
        AuditAction::AppointmentAdded,
        AuditAction::AppointmentCancelled,
        AuditAction::AppointmentMoved,
        AuditAction::BackupTaken,
        AuditAction::AuditExported,
        AuditAction::AuditViewed,
        AuditAction::NumbersViewed,
        AuditAction::NumbersExported,
        AuditAction::UnansweredViewed,
        AuditAction::QuestionsTaught,
        AuditAction::QuestionsDismissed,
        AuditAction::LessonUndone,
    ];

    /// The action's id, as stored and in a filter (`ticket_viewed`).
    pub fn id(self) -> &'static str {
        match self {
            AuditAction::LogIn => "log_in",
            AuditAction::LogInFailed => "log_in_failed",
            AuditAction::LogInThrottled => "log_in_throttled",
            AuditAction::LogOut => "log_out",
            AuditAction::TicketViewed => "ticket_viewed",
            AuditAction::TicketClaimed => "ticket_claimed",
            AuditAction::TicketReplied => "ticket_replied",
            AuditAction::TicketClosed => "ticket_closed",
            AuditAction::ScreenOpened => "screen_opened",
            AuditAction::ScreenDownloaded => "screen_downloaded",
            AuditAction::StaffAdded => "staff_added",
            AuditAction::StaffRemoved => "staff_removed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PatientForgotten => "patient_forgotten",
            AuditAction::AppointmentsImported => "appointments_imported",
            AuditAction::AppointmentAdded => "appointment_added",
            AuditAction::AppointmentCancelled => "appointment_cancelled",
            AuditAction::AppointmentMoved => "appointment_moved",
            AuditAction::BackupTaken => "backup_taken",
            AuditAction::AuditExported => "audit_exported",
            AuditAction::AuditViewed => "audit_viewed",
            AuditAction::NumbersViewed => "numbers_viewed",
            AuditAction::NumbersExported => "numbers_exported",
            AuditAction::UnansweredViewed => "unanswered_viewed",
            AuditAction::QuestionsTaught => "questions_taught",
            AuditAction::QuestionsDismissed => "questions_dismissed",
            AuditAction::LessonUndone => "lesson_undone",
        }
    }

    /// The action with this id.
    pub fn parse(id: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.id() == id)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The account, or "command line" for the CLI (the account name typed
    /// at a failed login is kept only when it is a valid name).
    pub who: String,
    pub action: AuditAction,
    /// What was acted on: "ticket #4", "telegram:77", "account maria".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The browser's address, for console actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl AuditEntry {
    pub fn new(at: Timestamp, who: impl Into<String>, action: AuditAction) -> AuditEntry {
        AuditEntry {
            at,
            who: who.into(),
            action,
            target: None,
            from: None,
        }
    }

    pub fn on(mut self, target: impl Into<String>) -> AuditEntry {
        self.target = Some(target.into());
        self
    }

    pub fn from(mut self, address: impl Into<String>) -> AuditEntry {
        self.from = Some(address.into());
        self
    }
}

/// Which entries of the audit log to show: one person's, one action's, one
/// day's (in the clinic's time zone). What is left out matches every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub who: Option<String>,
    pub action: Option<AuditAction>,
    pub day: Option<Date>,
}

impl AuditFilter {
    pub fn matches(&self, entry: &AuditEntry, zone: &TimeZone) -> bool {
        self.who.as_ref().is_none_or(|who| *who == entry.who)
            && self.action.is_none_or(|action| action == entry.action)
            && self
                .day
                .is_none_or(|day| entry.at.to_zoned(zone.clone()).date() == day)
    }
}

/// Entries as CSV (RFC 4180): time in the clinic's zone, who, action,
/// target, address. A cell a spreadsheet would take for a formula (`=`,
/// `+`, `-`, `@`) is written with a leading apostrophe.
pub fn to_csv<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>, zone: &TimeZone) -> String {
    let mut out = String::from("time,who,action,target,from\r\n");
    for entry in entries {
        let at = entry
            .at
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z");
        let cells = [
            at.to_string(),
            entry.who.clone(),
            entry.action.as_str().to_owned(),
            entry.target.clone().unwrap_or_default(),
            entry.from.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV cell: quoted when it needs it, with a leading apostrophe when a
/// spreadsheet would take it for a formula.
pub(crate) fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: &str, who: &str, action: AuditAction) -> AuditEntry {
        AuditEntry::new(at.parse().unwrap(), who, action)
    }

    #[test]
    fn every_action_has_an_id_that_parses_back_to_it_and_matches_how_it_is_stored() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.id()), Some(action));
            let stored = serde_json::to_string(&action).unwrap();
            assert_eq!(stored, format!("\"{}\"", action.id()));
        }
        assert_eq!(AuditAction::parse("log in"), None);
    }

    #[test]
    fn a_filter_keeps_one_persons_one_actions_and_one_clinic_days_entries() {
        let zone = TimeZone::get("America/New_York").unwrap();
        // 03:30 UTC on the 5th is the evening of the 4th in New York.
        let late = entry("2026-12-05T03:30:00Z", "maria", AuditAction::LogIn);
        let next = entry("2026-12-05T15:00:00Z", "maria", AuditAction::TicketViewed);
        let other = entry("2026-12-05T15:00:00Z", "lee", AuditAction::LogIn);
        let all = [&late, &next, &other];
        let kept = |filter: &AuditFilter| -> Vec<&AuditEntry> {
            all.iter()
                .copied()
                .filter(|e| filter.matches(e, &zone))
                .collect()
        };
        assert_eq!(kept(&AuditFilter::default()).len(), 3);
        let maria = AuditFilter {
            who: Some("maria".into()),
            ..AuditFilter::default()
        };
        assert_eq!(kept(&maria), [&late, &next]);
        let logins = AuditFilter {
            action: Some(AuditAction::LogIn),
            ..AuditFilter::default()
        };
        assert_eq!(kept(&logins), [&late, &other]);
        let fourth = AuditFilter {
            day: Some(jiff::civil::date(2026, 12, 4)),
            ..AuditFilter::default()
        };
        assert_eq!(kept(&fourth), [&late]);
        let both = AuditFilter {
            who: Some("maria".into()),
            action: Some(AuditAction::LogIn),
            day: Some(jiff::civil::date(2026, 12, 5)),
        };
        assert!(kept(&both).is_empty());
    }

    #[test]
    fn the_csv_quotes_what_needs_it_and_defuses_what_a_spreadsheet_would_run() {
        let zone = TimeZone::get("America/New_York").unwrap();
        let a = entry("2026-12-05T15:00:00Z", "maria", AuditAction::TicketViewed)
            .on("ticket #4")
            .from("=HYPERLINK(\"x\")");
        let b = entry("2026-12-05T16:00:00Z", "lee", AuditAction::StaffAdded).on("account a,b");
        let csv = to_csv([&a, &b], &zone);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "time,who,action,target,from");
        assert_eq!(
            lines[1],
            "2026-12-05T10:00:00-05:00,maria,ticket viewed,ticket #4,\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(
            lines[2],
            "2026-12-05T11:00:00-05:00,lee,staff added,\"account a,b\","
        );
        assert_eq!(lines[3], "");
    }
}
