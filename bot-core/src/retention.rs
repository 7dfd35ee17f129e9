//! How long the bot keeps patients' records (`retention.toml`), and the pure
//! decision of whether one record is due for deletion at a moment.
//!
//! The bot's records are a transient working copy: the clinical record lives
//! in the clinic's own system. Once a day a sweep
//! ([`crate::Engine::due_sweep`]) deletes every record these rules say is due:
//!
//! - an appointment, its link code and its link to a chat:
//!   `days_after_visit` after its start, cancelled or not;
//! - a health screen, completed or left unfinished: `days_after_visit` after
//!   the visit it counts for (the latest, if it counts for several), or after
//!   it was completed (started) when it counts for no visit;
//! - a closed hand-off ticket with its transcript: `days_after_ticket_closed`
//!   after it was closed. An open ticket is never deleted;
//! - an unanswered question: `days_after_unanswered_question` after it was
//!   asked;
//! - a line of the staff audit log: `days_audit_log` after it was written
//!   (six years by default, as HIPAA keeps its documentation). Console
//!   sessions end within a day and are deleted once ended, and a web chat's
//!   messages kept for the visitor to come back to go after a week
//!   (`engine::mailbox`).
//!
//! One limit covers a visit's appointment and its screens, so the appointment
//! a screen is judged by is never deleted before the screen.
//!
//! Every limit is a whole number of days from [`MIN_DAYS`] to [`MAX_DAYS`].
//! There is no "never" and no "at once": a missing value gets its default,
//! and zero, a negative or an absurd number is refused with its line.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

/// The shortest limit: records are deleted at the first sweep a day after
/// their moment, never at once.
pub const MIN_DAYS: i64 = 1;
/// The longest limit (ten years): anything longer is surely a typo, and the
/// clinic's own system is the place for long-term records.
pub const MAX_DAYS: i64 = 3650;

/// What is wrong with `retention.toml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error(
        "{field} must be a number of days from {MIN_DAYS} to {MAX_DAYS} (ten years), not {value}; \
         records cannot be kept for ever, nor deleted at once"
    )]
    Days { field: &'static str, value: i64 },
}

/// `retention.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    #[serde(default = "default_visit")]
    days_after_visit: toml::Spanned<i64>,
    #[serde(default = "default_ticket")]
    days_after_ticket_closed: toml::Spanned<i64>,
    #[serde(default = "default_unanswered")]
    days_after_unanswered_question: toml::Spanned<i64>,
    #[serde(default = "default_audit")]
    days_audit_log: toml::Spanned<i64>,
}

fn default_audit() -> toml::Spanned<i64> {
    toml::Spanned::new(0..0, 6 * 365)
}

fn default_visit() -> toml::Spanned<i64> {
    toml::Spanned::new(0..0, 30)
}

fn default_ticket() -> toml::Spanned<i64> {
    toml::Spanned::new(0..0, 30)
}

fn default_unanswered() -> toml::Spanned<i64> {
    toml::Spanned::new(0..0, 90)
}

impl Default for RawRetention {
    fn default() -> Self {
        RawRetention {
            days_after_visit: default_visit(),
            days_after_ticket_closed: default_ticket(),
            days_after_unanswered_question: default_unanswered(),
            days_audit_log: default_audit(),
        }
    }
}

/// The validated retention settings: how long each kind of record is kept
/// after the moment it is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Appointments and the health screens for them, after the visit.
    pub after_visit: SignedDuration,
    /// Closed tickets and their transcripts, after the close.
    pub after_ticket_closed: SignedDuration,
    /// Unanswered questions, after they were asked.
    pub after_unanswered: SignedDuration,
    /// Lines of the staff audit log, after they were written.
    pub audit_log: SignedDuration,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RawRetention::default()
            .validate()
            .expect("the default retention settings are valid")
    }
}

impl RawRetention {
    pub(crate) fn validate(
        self,
    ) -> Result<RetentionSettings, Vec<crate::appointments::reminders::Spanned<RetentionError>>>
    {
        let mut errors = Vec::new();
        let mut days = |field: &'static str, value: &toml::Spanned<i64>| {
            let n = *value.get_ref();
            if (MIN_DAYS..=MAX_DAYS).contains(&n) {
                SignedDuration::from_hours(n * 24)
            } else {
                errors.push((RetentionError::Days { field, value: n }, value.span()));
                SignedDuration::ZERO
            }
        };
        let settings = RetentionSettings {
            after_visit: days("days_after_visit", &self.days_after_visit),
            after_ticket_closed: days("days_after_ticket_closed", &self.days_after_ticket_closed),
            after_unanswered: days(
                "days_after_unanswered_question",
                &self.days_after_unanswered_question,
            ),
            audit_log: days("days_audit_log", &self.days_audit_log),
        };
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

/// A record, described by the moments its deletion is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Appointment {
        start: Timestamp,
    },
    /// A health screen completed at `done` (an unfinished one: started at
    /// `done`), counting for the visit that starts at `visit`, if any (see
    /// [`visit_for`]).
    Screen {
        done: Timestamp,
        visit: Option<Timestamp>,
    },
    /// A hand-off ticket, closed at `closed` (`None` while it is open).
    Ticket {
        closed: Option<Timestamp>,
    },
    Unanswered {
        asked: Timestamp,
    },
    AuditEntry {
        written: Timestamp,
    },
}

impl RetentionSettings {
    /// When the record is to be deleted; `None` for never (an open ticket).
    pub fn expires(&self, record: Record) -> Option<Timestamp> {
        let (from, keep) = match record {
            Record::Appointment { start } => (start, self.after_visit),
            Record::Screen { done, visit } => (visit.unwrap_or(done).max(done), self.after_visit),
            Record::Ticket { closed } => (closed?, self.after_ticket_closed),
            Record::Unanswered { asked } => (asked, self.after_unanswered),
            Record::AuditEntry { written } => (written, self.audit_log),
        };
        from.checked_add(keep).ok()
    }

    /// Whether the record is due for deletion at `now`.
    pub fn is_due(&self, record: Record, now: Timestamp) -> bool {
        self.expires(record).is_some_and(|at| at <= now)
    }
}

/// The visit a screen done at `done` counts for: the latest of `visits` that
/// starts no earlier than `done` and at most `valid` after it (the rule the
/// staff digest uses to show a visit's screen as done).
pub fn visit_for(
    done: Timestamp,
    visits: impl IntoIterator<Item = Timestamp>,
    valid: SignedDuration,
) -> Option<Timestamp> {
    visits
        .into_iter()
        .filter(|&start| {
            let since = start.checked_sub(valid).unwrap_or(Timestamp::MIN);
            since <= done && done <= start
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> Timestamp {
        // 2026-11-01T00:00:00Z plus `n` days.
        Timestamp::from_second(1_793_491_200 + n * 86_400).unwrap()
    }

    fn minus_a_second(t: Timestamp) -> Timestamp {
        t.checked_sub(SignedDuration::from_secs(1)).unwrap()
    }

    #[test]
    fn each_record_is_due_exactly_its_limit_after_its_moment() {
        let s = RetentionSettings::default();
        let cases = [
            // (record, deleted when)
            (Record::Appointment { start: day(0) }, Some(day(30))),
            (
                Record::Screen {
                    done: day(0),
                    visit: None,
                },
                Some(day(30)),
            ),
            (
                Record::Screen {
                    done: day(0),
                    visit: Some(day(20)),
                },
                Some(day(50)),
            ),
            (
                Record::Ticket {
                    closed: Some(day(3)),
                },
                Some(day(33)),
            ),
            (Record::Ticket { closed: None }, None),
            (Record::Unanswered { asked: day(0) }, Some(day(90))),
        ];
        for (record, expires) in cases {
            assert_eq!(s.expires(record), expires, "{record:?}");
            if let Some(at) = expires {
                assert!(!s.is_due(record, minus_a_second(at)), "kept: {record:?}");
                assert!(s.is_due(record, at), "deleted: {record:?}");
            }
        }
    }

    #[test]
    fn an_open_ticket_is_never_due() {
        let s = RetentionSettings::default();
        let far = Timestamp::from_second(250_000_000_000).unwrap();
        assert!(!s.is_due(Record::Ticket { closed: None }, far));
    }

    #[test]
    fn a_screen_counts_for_the_latest_visit_within_its_validity() {
        let valid = SignedDuration::from_hours(30 * 24);
        let cases: [(&[i64], Option<i64>); 6] = [
            (&[], None),
            (&[5], Some(5)),
            (&[5, 12, 9], Some(12)),
            (&[-1], None),         // the visit was before the screen
            (&[31], None),         // too long after: the screen does not count
            (&[30, 31], Some(30)), // exactly at the edge counts
        ];
        for (visits, expected) in cases {
            assert_eq!(
                visit_for(day(0), visits.iter().map(|&d| day(d)), valid),
                expected.map(day),
                "{visits:?}"
            );
        }
    }

    #[test]
    fn the_settings_file_refuses_zero_negative_and_absurd_days_with_spans() {
        let raw: RawRetention = toml::from_str(
            "days_after_visit = 0\ndays_after_ticket_closed = -5\ndays_after_unanswered_question = 36500\n",
        )
        .unwrap();
        let errors = raw.validate().unwrap_err();
        let fields: Vec<&str> = errors
            .iter()
            .map(|(RetentionError::Days { field, .. }, _)| *field)
            .collect();
        assert_eq!(
            fields,
            [
                "days_after_visit",
                "days_after_ticket_closed",
                "days_after_unanswered_question"
            ]
        );
        assert!(errors.iter().all(|(_, span)| span.start > 0));
        assert!(errors[0].0.to_string().contains("not 0"));

        let raw: RawRetention = toml::from_str("days_after_visit = 7").unwrap();
        let s = raw.validate().unwrap();
        assert_eq!(s.after_visit, SignedDuration::from_hours(7 * 24));
        assert_eq!(
            s.after_unanswered,
            RetentionSettings::default().after_unanswered
        );
        assert!(toml::from_str::<RawRetention>("keep_forever = true").is_err());
    }
}
