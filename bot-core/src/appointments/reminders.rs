//! Appointment reminders and the staff's daily digest: the settings
//! (`reminders.toml`) and the pure decisions of what is due at a moment.
//!
//! Each appointment has one reminder per configured offset ("3 days", "1 day",
//! "2 hours" before). An offset in days keeps the clock time across a
//! daylight-saving change (the 3-day reminder for a 09:00 visit goes at 09:00);
//! one in hours is exact elapsed time. A reminder due in quiet hours waits for
//! their end. A reminder is still useful until half of its lead time is gone
//! (a 2-hour reminder until an hour before the visit) and while no later
//! reminder is also due; otherwise it is skipped, never sent late.
//!
//! Every reminder gets a [`Mark`] once decided, and the engine stores the mark
//! (durably) before the reminder is handed to a platform. A mark is never
//! undone, so no reminder goes out twice, even when the process dies between
//! deciding and sending: the guarantee is at most once. See the README for
//! why that is the right side to err on.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, Zoned};
use serde::{Deserialize, Serialize};

use crate::ids::TopicId;

/// What is wrong with `reminders.toml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderError {
    #[error(
        "{0:?} is not a time before the visit like \"3 days\", \"1 day\" or \"2 hours\" (at most 30 days)"
    )]
    Offset(String),
    #[error("quiet hours must look like \"21:00-08:00\", not {0:?}")]
    Quiet(String),
    #[error("unknown topic id {0:?} (see knowledge.toml)")]
    Topic(String),
}

/// `reminders.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReminders {
    #[serde(default = "default_before")]
    before: Vec<toml::Spanned<String>>,
    #[serde(default)]
    quiet_hours: Option<toml::Spanned<String>>,
    #[serde(default = "default_digest")]
    digest_minutes_before_opening: u16,
    #[serde(default = "default_valid")]
    screen_valid_days: u16,
    #[serde(default)]
    include_topics: Vec<toml::Spanned<String>>,
}

fn default_before() -> Vec<toml::Spanned<String>> {
    ["3 days", "1 day", "2 hours"]
        .into_iter()
        .map(|s| toml::Spanned::new(0..0, s.to_owned()))
        .collect()
}

fn default_digest() -> u16 {
    30
}

fn default_valid() -> u16 {
    30
}

impl Default for RawReminders {
    fn default() -> Self {
        RawReminders {
            before: default_before(),
            quiet_hours: None,
            digest_minutes_before_opening: default_digest(),
            screen_valid_days: default_valid(),
            include_topics: Vec::new(),
        }
    }
}

/// How long before the visit a reminder goes.
#[derive(Debug, Clone)]
pub struct Offset {
    span: Span,
    /// The stable key of this reminder in an appointment's marks.
    key: String,
}

impl PartialEq for Offset {
    fn eq(&self, other: &Offset) -> bool {
        self.key == other.key
    }
}

impl Offset {
    /// "3 days", "1 day", "2 hours", "90 minutes", "2h"…
    pub fn parse(text: &str) -> Result<Offset, ReminderError> {
        let bad = || ReminderError::Offset(text.to_owned());
        let span: Span = text.trim().parse().map_err(|_| bad())?;
        let calendar = span.get_years() != 0 || span.get_months() != 0;
        let positive = span.signum() > 0;
        let total = span
            .total((jiff::Unit::Hour, jiff::civil::date(2026, 1, 1)))
            .map_err(|_| bad())?;
        if calendar || !positive || total > 30.0 * 24.0 {
            return Err(bad());
        }
        Ok(Offset {
            key: span.to_string(),
            span,
        })
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// When this reminder is scheduled for a visit at `start`.
    pub fn before(&self, start: &Zoned) -> Option<Zoned> {
        start.checked_sub(self.span).ok()
    }
}

/// Hours in which no reminder is sent, in the clinic's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: Time,
    pub to: Time,
}

impl QuietHours {
    /// "21:00-08:00": from 21:00 to 08:00 the next morning.
    pub fn parse(text: &str) -> Result<QuietHours, ReminderError> {
        let bad = || ReminderError::Quiet(text.to_owned());
        let (from, to) = text.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| t.trim().parse::<Time>().map_err(|_| bad());
        let (from, to) = (time(from)?, time(to)?);
        if from == to {
            return Err(bad());
        }
        Ok(QuietHours { from, to })
    }

    pub fn contains(&self, at: Time) -> bool {
        if self.from < self.to {
            self.from <= at && at < self.to
        } else {
            at >= self.from || at < self.to
        }
    }

    /// `at` itself, or the end of the quiet hours it falls in.
    pub fn defer(&self, at: &Zoned) -> Zoned {
        if !self.contains(at.time()) {
            return at.clone();
        }
        let end_on = |date: Date| date.to_datetime(self.to).to_zoned(at.time_zone().clone());
        match end_on(at.date()) {
            Ok(end) if end > *at => end,
            _ => at
                .date()
                .tomorrow()
                .ok()
                .and_then(|d| end_on(d).ok())
                .unwrap_or_else(|| at.clone()),
        }
    }
}

/// The validated reminder settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    /// Earliest first.
    pub before: Vec<Offset>,
    pub quiet: Option<QuietHours>,
    /// The digest goes this long before the desk opens.
    pub digest_lead: SignedDuration,
    /// A screen completed at most this long before the visit counts for it.
    pub screen_valid: SignedDuration,
    /// Topics whose answers the first reminder includes (what to wear, how
    /// to prepare).
    pub include_topics: Vec<TopicId>,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        let raw = RawReminders::default();
        raw.validate(|_| true)
            .expect("the default reminder settings are valid")
    }
}

/// A problem with the byte span of the value it concerns.
pub(crate) type Spanned<E> = (E, std::ops::Range<usize>);

impl RawReminders {
    pub(crate) fn validate(
        self,
        topic_exists: impl Fn(&TopicId) -> bool,
    ) -> Result<ReminderSettings, Vec<Spanned<ReminderError>>> {
        let mut errors = Vec::new();
        let mut before = Vec::new();
        for text in &self.before {
            match Offset::parse(text.get_ref()) {
                Ok(o) => before.push(o),
                Err(e) => errors.push((e, text.span())),
            }
        }
        // Earliest first: the longest lead first. A fixed date makes day
        // lengths comparable.
        let anchor = jiff::civil::date(2026, 1, 1);
        before.sort_by(|a, b| {
            let hours = |o: &Offset| o.span.total((jiff::Unit::Hour, anchor)).unwrap_or(0.0);
            hours(b).total_cmp(&hours(a))
        });
        before.dedup_by(|a, b| a.key == b.key);
        let quiet = match &self.quiet_hours {
            None => None,
            Some(text) => match QuietHours::parse(text.get_ref()) {
                Ok(q) => Some(q),
                Err(e) => {
                    errors.push((e, text.span()));
                    None
                }
            },
        };
        let mut include_topics = Vec::new();
        for text in &self.include_topics {
            match TopicId::parse(text.get_ref()) {
                Ok(id) if topic_exists(&id) => include_topics.push(id),
                _ => errors.push((ReminderError::Topic(text.get_ref().clone()), text.span())),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ReminderSettings {
            before,
            quiet,
            digest_lead: SignedDuration::from_mins(self.digest_minutes_before_opening.into()),
            screen_valid: SignedDuration::from_hours(i64::from(self.screen_valid_days) * 24),
            include_topics,
        })
    }
}

/// Why a reminder was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A later reminder was due too (after downtime or quiet hours).
    Superseded,
    /// Too little of its lead time was left.
    TooLate,
    /// Its moment had passed when the patient linked their chat.
    BeforeLink,
    /// The visit is on a day the clinic is closed (`closed_on`): the desk
    /// is told instead.
    ClosedDay,
}

/// What happened to one reminder of one appointment. Never undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum Mark {
    /// Decided and handed to the platform's sender by the run `run` of the
    /// bot; becomes `Sent` when the platform has taken it.
    Sending {
        at: Timestamp,
        run: u64,
    },
    /// The platform took it.
    Sent {
        at: Timestamp,
    },
    /// The bot stopped abruptly while it was `Sending`: the platform may or
    /// may not have it. Never sent again (that could send it twice); staff
    /// are told instead, at least once.
    InDoubt {
        at: Timestamp,
        notice: Notice,
    },
    Skipped {
        at: Timestamp,
        why: SkipReason,
    },
}

/// Telling the desks about a reminder in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Handed to the desks' senders by the run `run`; sent again by a later
    /// run if that one stopped before a desk took it.
    Sending { run: u64 },
    /// A desk took it.
    Sent,
}

impl Mark {
    /// Whether the reminder went (or may have gone) to the patient.
    pub fn went(&self) -> bool {
        !matches!(self, Mark::Skipped { .. })
    }
}

/// What to do about one reminder now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Send { key: String },
    Skip { key: String, why: SkipReason },
}

/// The decisions due at `now` for a visit at `start`, given the marks so
/// far. At most one `Send`. Pure.
pub fn plan(
    settings: &ReminderSettings,
    tz: &TimeZone,
    start: Timestamp,
    marks: &BTreeMap<String, Mark>,
    now: Timestamp,
) -> Vec<Decision> {
    let visit = start.to_zoned(tz.clone());
    // (key, scheduled) of every unmarked reminder whose moment has come,
    // earliest first.
    let due: Vec<(&str, Timestamp)> = settings
        .before
        .iter()
        .filter(|o| !marks.contains_key(o.key()))
        .filter_map(|o| {
            let scheduled = o.before(&visit)?;
            let effective = match &settings.quiet {
                Some(q) => q.defer(&scheduled),
                None => scheduled.clone(),
            };
            (effective.timestamp() <= now).then_some((o.key(), scheduled.timestamp()))
        })
        .collect();
    let Some(((last, scheduled), earlier)) = due.split_last() else {
        return Vec::new();
    };
    let mut decisions: Vec<Decision> = earlier
        .iter()
        .map(|(key, _)| Decision::Skip {
            key: (*key).to_owned(),
            why: SkipReason::Superseded,
        })
        .collect();
    let lead = start.duration_since(*scheduled);
    let left = start.duration_since(now);
    let quiet_now = settings
        .quiet
        .is_some_and(|q| q.contains(now.to_zoned(tz.clone()).time()));
    if left < lead / 2 {
        decisions.push(Decision::Skip {
            key: (*last).to_owned(),
            why: SkipReason::TooLate,
        });
    } else if !quiet_now {
        decisions.push(Decision::Send {
            key: (*last).to_owned(),
        });
    }
    decisions
}

/// The reminders whose moment has already passed at `now` (to mark when a
/// chat is linked, so the patient is not reminded of what they just read).
pub fn passed(
    settings: &ReminderSettings,
    tz: &TimeZone,
    start: Timestamp,
    now: Timestamp,
) -> Vec<String> {
    let visit = start.to_zoned(tz.clone());
    settings
        .before
        .iter()
        .filter(|o| o.before(&visit).is_none_or(|t| t.timestamp() <= now))
        .map(|o| o.key().to_owned())
        .collect()
}

/// The clinic-local day whose digest is due at `now`, if any: from the
/// digest lead before opening until closing, on days the clinic opens.
/// `today` is the clinic's opening and closing time on the clinic-local day
/// of `now` (none when it is closed all day).
pub fn digest_day(
    settings: &ReminderSettings,
    today: Option<(Zoned, Zoned)>,
    now: Timestamp,
) -> Option<Date> {
    let (opens, closes) = today?;
    let from = opens.timestamp().checked_sub(settings.digest_lead).ok()?;
    (from <= now && now < closes.timestamp()).then(|| opens.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    fn local(text: &str) -> Timestamp {
        crate::appointments::parse_local(text, &ny()).unwrap()
    }

    fn settings(quiet: Option<&str>) -> ReminderSettings {
        ReminderSettings {
            quiet: quiet.map(|q| QuietHours::parse(q).unwrap()),
            ..ReminderSettings::default()
        }
    }

    /// Runs the plan minute by minute from `from` to the visit, marking as
    /// the engine does; returns (clinic-local time, key) of every send.
    fn simulate(settings: &ReminderSettings, start: Timestamp, from: Timestamp) -> Vec<String> {
        let mut marks = BTreeMap::new();
        let mut sent = Vec::new();
        let mut now = from;
        while now < start {
            for d in plan(settings, &ny(), start, &marks, now) {
                match d {
                    Decision::Send { key } => {
                        sent.push(format!(
                            "{} {key}",
                            now.to_zoned(ny()).strftime("%Y-%m-%d %H:%M %Z")
                        ));
                        marks.insert(key, Mark::Sent { at: now });
                    }
                    Decision::Skip { key, why } => {
                        marks.insert(key, Mark::Skipped { at: now, why });
                    }
                }
            }
            now = now.checked_add(SignedDuration::from_mins(1)).unwrap();
        }
        sent
    }

    #[test]
    fn offsets_read_days_hours_and_minutes_and_refuse_the_rest() {
        assert!(Offset::parse("3 days").is_ok());
        assert!(Offset::parse("2h").is_ok());
        assert!(Offset::parse("90 minutes").is_ok());
        assert!(Offset::parse("1 month").is_err(), "months vary");
        assert!(Offset::parse("-2h").is_err());
        assert!(Offset::parse("45 days").is_err());
        assert!(Offset::parse("soon").is_err());
    }

    #[test]
    fn reminders_keep_the_clock_time_for_days_across_the_autumn_dst_change() {
        // Clocks go back on Sunday 1 November 2026 at 02:00.
        let start = local("2026-11-03 09:00");
        let sent = simulate(&settings(None), start, local("2026-10-25 12:00"));
        assert_eq!(
            sent,
            [
                "2026-10-31 09:00 EDT P3D",
                "2026-11-02 09:00 EST P1D",
                "2026-11-03 07:00 EST PT2H",
            ]
        );
    }

    #[test]
    fn reminders_keep_the_clock_time_across_the_spring_dst_change() {
        // Clocks go forward on Sunday 8 March 2026 at 02:00.
        let start = local("2026-03-09 10:00");
        let sent = simulate(&settings(None), start, local("2026-03-01 12:00"));
        assert_eq!(
            sent,
            [
                "2026-03-06 10:00 EST P3D",
                "2026-03-08 10:00 EDT P1D",
                "2026-03-09 08:00 EDT PT2H",
            ]
        );
    }

    #[test]
    fn a_reminder_due_in_quiet_hours_waits_for_the_morning_or_is_skipped() {
        let s = settings(Some("21:00-08:00"));
        // The 2-hour reminder for 09:30 would go at 07:30: it waits until
        // 08:00, when 90 minutes of its 2-hour lead are left (still useful).
        let sent = simulate(&s, local("2026-12-02 09:30"), local("2026-11-28 12:00"));
        assert_eq!(
            sent,
            [
                "2026-11-29 09:30 EST P3D",
                "2026-12-01 09:30 EST P1D",
                "2026-12-02 08:00 EST PT2H",
            ]
        );
        // For 08:30 it would go at 06:30; at 08:00 only 30 minutes are left,
        // too late to be useful, so it is skipped.
        let sent = simulate(&s, local("2026-12-02 08:30"), local("2026-11-28 12:00"));
        assert_eq!(
            sent,
            ["2026-11-29 08:30 EST P3D", "2026-12-01 08:30 EST P1D"]
        );
        // Back from downtime at night: the due reminder waits for the morning.
        let visit = local("2026-12-06 15:00");
        let night = local("2026-12-03 23:00");
        let decisions = plan(&s, &ny(), visit, &BTreeMap::new(), night);
        assert!(
            !decisions.iter().any(|d| matches!(d, Decision::Send { .. })),
            "{decisions:?}"
        );
        let morning = local("2026-12-04 08:00");
        assert_eq!(
            plan(&s, &ny(), visit, &BTreeMap::new(), morning).last(),
            Some(&Decision::Send { key: "P3D".into() })
        );
        // Quiet hours within a day work too.
        let lunch = QuietHours::parse("12:00-13:00").unwrap();
        assert!(lunch.contains(Time::constant(12, 30, 0, 0)));
        assert!(!lunch.contains(Time::constant(13, 0, 0, 0)));
        assert!(QuietHours::parse("21:00-21:00").is_err());
    }

    #[test]
    fn after_downtime_the_useful_reminder_is_sent_and_the_stale_ones_skipped() {
        let start = local("2026-12-04 15:00");
        let s = settings(None);
        let marks = BTreeMap::new();
        // Down from before the 3-day reminder until 90 minutes before the visit.
        let now = local("2026-12-04 13:30");
        assert_eq!(
            plan(&s, &ny(), start, &marks, now),
            [
                Decision::Skip {
                    key: "P3D".into(),
                    why: SkipReason::Superseded
                },
                Decision::Skip {
                    key: "P1D".into(),
                    why: SkipReason::Superseded
                },
                Decision::Send { key: "PT2H".into() },
            ]
        );
        // Back only 50 minutes before: even the 2-hour reminder is stale.
        let now = local("2026-12-04 14:10");
        assert_eq!(
            plan(&s, &ny(), start, &marks, now).last(),
            Some(&Decision::Skip {
                key: "PT2H".into(),
                why: SkipReason::TooLate
            })
        );
    }

    #[test]
    fn a_marked_reminder_is_never_decided_again() {
        let start = local("2026-12-04 15:00");
        let s = settings(None);
        let now = local("2026-12-01 15:00");
        let mut marks = BTreeMap::new();
        assert_eq!(
            plan(&s, &ny(), start, &marks, now),
            [Decision::Send { key: "P3D".into() }]
        );
        marks.insert("P3D".to_owned(), Mark::Sent { at: now });
        let later = local("2026-12-01 18:00");
        assert!(plan(&s, &ny(), start, &marks, later).is_empty());
    }

    #[test]
    fn the_settings_file_is_validated_with_spans() {
        let raw: RawReminders =
            toml::from_str("before = [\"2 hours\", \"3 weeks and a bit\"]\nquiet_hours = \"late\"\ninclude_topics = [\"what-to-wear\", \"nope\"]").unwrap();
        let errors = raw.validate(|t| t.as_str() == "what-to-wear").unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(matches!(errors[0].0, ReminderError::Offset(_)));
        assert!(errors[0].1.start > 0, "the span points at the value");
        assert!(matches!(errors[1].0, ReminderError::Quiet(_)));
        assert!(matches!(errors[2].0, ReminderError::Topic(_)));
    }
}
