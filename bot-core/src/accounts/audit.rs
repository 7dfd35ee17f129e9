//! The audit log: who did what and when, from the console and the command
//! line. An entry names the record acted on (a ticket number, a chat, an
//! account), never what anybody wrote.

use jiff::Timestamp;
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
    BackupTaken,
    AuditExported,
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
            AuditAction::BackupTaken => "backup taken",
            AuditAction::AuditExported => "audit log exported",
        }
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
