//! Reading appointments from an iCalendar (.ics) export, the format Google
//! Calendar, Outlook and Apple Calendar all export.
//!
//! Each event (VEVENT) is one appointment:
//!
//! - The patient is the event's title (SUMMARY), cut at the first " - ", " – "
//!   or " — ", so "Ana Ruiz - dry needling follow-up" is "Ana Ruiz".
//! - The start (DTSTART) is read in UTC when it ends in Z
//!   (`20261201T090000Z`), in the named zone when it has a TZID
//!   (`DTSTART;TZID=America/New_York:20261201T090000`), and in the clinic's
//!   time zone when it has neither. A TZID must be an IANA name; the file's
//!   own VTIMEZONE blocks are ignored. Times a daylight-saving change skips or
//!   repeats are refused rather than guessed, and all-day events have no start
//!   time, so they are refused too.
//! - The visit includes needling unless the title, description or categories
//!   say "no needling", "no-needling", "without needling" or "sin punción"
//!   (any case, accents optional).
//! - Cancelled events (STATUS:CANCELLED) are left out without complaint.
//!   Repeating events (RRULE or RDATE) are refused: export single
//!   appointments instead.
//!
//! Reminders inside an event (VALARM) and everything outside events are
//! skipped. As with the CSV import, an import is all or nothing: every problem
//! is reported with its line and reason, and then nothing is imported.
//!
//! This is hand-written rather than built on an iCalendar crate because the
//! report needs the line of each problem, which those crates do not give, and
//! only this small part of the format is needed.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::{NewAppointment, RowError};
use crate::text::fold;

/// Words in an event that mean the visit has no needling, as `fold` leaves
/// them (lower case, no accents, punctuation as spaces).
const NO_NEEDLING: [&str; 3] = ["no needling", "without needling", "sin puncion"];

/// What separates the patient from the rest of an event's title.
const TITLE_SEPARATORS: [&str; 3] = [" - ", " – ", " — "];

/// Reads the events of an iCalendar export as appointments; starts without a
/// zone are read in `tz`, the clinic's time zone. Every problem is reported;
/// any problem means nothing is returned.
/// How many events of an iCalendar file are cancelled (STATUS:CANCELLED on
/// the event itself): [`parse_ics`] leaves them out, and an import says how
/// many it skipped.
pub fn cancelled_events(text: &str) -> usize {
    let mut count = 0;
    // Inside an event: how deep in its sub-components, and whether it is
    // cancelled.
    let mut event: Option<(usize, bool)> = None;
    for line in unfold(text) {
        let upper = line.text.trim().to_ascii_uppercase();
        match (&mut event, upper.as_str()) {
            (None, "BEGIN:VEVENT") => event = Some((0, false)),
            (Some((0, cancelled)), "END:VEVENT") => {
                count += usize::from(*cancelled);
                event = None;
            }
            (Some((depth, _)), l) if l.starts_with("BEGIN:") => *depth += 1,
            (Some((depth, _)), l) if l.starts_with("END:") => *depth = depth.saturating_sub(1),
            (Some((0, cancelled)), l) if l.starts_with("STATUS") && l.ends_with(":CANCELLED") => {
                *cancelled = true
            }
            _ => {}
        }
    }
    count
}

pub fn parse_ics(text: &str, tz: &TimeZone) -> Result<Vec<NewAppointment>, Vec<RowError>> {
    let lines = unfold(text);
    let mut errors = Vec::new();
    let Some(first) = lines.first() else {
        return Err(vec![RowError {
            line: 1,
            reason: "the file is empty; expected an iCalendar (.ics) export".into(),
        }]);
    };
    if !is_marker(&first.text, "BEGIN", "VCALENDAR") {
        return Err(vec![RowError {
            line: first.number,
            reason: "the file does not start with BEGIN:VCALENDAR, so it is not an iCalendar \
                     (.ics) export"
                .into(),
        }]);
    }

    let mut rows = Vec::new();
    // The open components, innermost last, each with the line of its BEGIN.
    let mut open: Vec<(String, u64)> = Vec::new();
    // The event being read, from its BEGIN:VEVENT to its END:VEVENT.
    let mut event: Option<Event> = None;
    for line in &lines {
        let property = match Property::parse(&line.text, line.number) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match property.name.as_str() {
            "BEGIN" => {
                let component = property.value.trim().to_ascii_uppercase();
                let inside_calendar = open.last().is_some_and(|(c, _)| c == "VCALENDAR");
                if open.is_empty() && component != "VCALENDAR" {
                    errors.push(outside_calendar(&property));
                    continue;
                }
                if component == "VEVENT" && inside_calendar {
                    event = Some(Event::new(property.line));
                }
                open.push((component, property.line));
            }
            "END" => {
                let component = property.value.trim().to_ascii_uppercase();
                let Some(depth) = open.iter().rposition(|(c, _)| *c == component) else {
                    errors.push(RowError {
                        line: property.line,
                        reason: format!("END:{component} has no BEGIN:{component} before it"),
                    });
                    continue;
                };
                // Anything opened inside and never closed is reported, then
                // closed here so the rest of the file can still be read.
                for (inner, begin) in open.drain(depth + 1..).rev() {
                    errors.push(RowError {
                        line: begin,
                        reason: format!(
                            "BEGIN:{inner} is not closed: END:{inner} is missing before \
                             END:{component} on line {}",
                            property.line
                        ),
                    });
                    if event.as_ref().is_some_and(|e| e.begin_line == begin) {
                        event = None;
                    }
                }
                let begin = open.pop().map_or(0, |(_, line)| line);
                if event.as_ref().is_some_and(|e| e.begin_line == begin)
                    && let Some(done) = event.take()
                {
                    match done.finish(tz) {
                        Ok(Some(row)) => rows.push(row),
                        Ok(None) => {}
                        Err(mut problems) => errors.append(&mut problems),
                    }
                }
            }
            _ if open.is_empty() => errors.push(outside_calendar(&property)),
            _ => {
                // Only the event's own properties count, not a reminder's.
                let innermost = open.last().map(|(_, line)| *line);
                if let Some(event) = event.as_mut()
                    && innermost == Some(event.begin_line)
                {
                    event.add(property);
                }
            }
        }
    }
    for (component, begin) in open.iter().rev() {
        errors.push(RowError {
            line: *begin,
            reason: format!(
                "BEGIN:{component} is not closed: END:{component} is missing at the end of the \
                 file (was it cut short?)"
            ),
        });
    }

    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

fn outside_calendar(property: &Property) -> RowError {
    RowError {
        line: property.line,
        reason: format!(
            "{} is outside BEGIN:VCALENDAR … END:VCALENDAR",
            property.name
        ),
    }
}

/// Whether a content line is exactly `NAME:VALUE`, ignoring case and spaces.
fn is_marker(line: &str, name: &str, value: &str) -> bool {
    line.split_once(':').is_some_and(|(n, v)| {
        n.trim().eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value)
    })
}

/// A content line with its folded continuations joined, and the physical line
/// (from 1) it starts on.
#[derive(Debug, PartialEq, Eq)]
struct LogicalLine {
    number: u64,
    text: String,
}

/// Splits the file into content lines: CRLF or LF line ends, and a line that
/// starts with a space or tab continues the one before it (the space or tab is
/// dropped). Blank lines are skipped.
fn unfold(text: &str) -> Vec<LogicalLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<LogicalLine> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let (Some(rest), Some(last)) = (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            last.text.push_str(rest);
        } else if !raw.trim().is_empty() {
            lines.push(LogicalLine {
                number: index as u64 + 1,
                text: raw.to_owned(),
            });
        }
    }
    lines
}

/// One content line read as `NAME;PARAM=VALUE;PARAM="quoted":VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Property {
    /// Upper case.
    name: String,
    /// Names upper case; values without their quotes.
    params: Vec<(String, String)>,
    /// The raw value, still escaped.
    value: String,
    line: u64,
}

impl Property {
    fn parse(text: &str, line: u64) -> Result<Self, RowError> {
        let error = || RowError {
            line,
            reason: format!(
                "{:?} is not an iCalendar line like NAME:value",
                shorten(text)
            ),
        };
        // The value starts after the first colon outside quotes.
        let mut quoted = false;
        let mut colon = None;
        for (i, c) in text.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ':' if !quoted => {
                    colon = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let colon = colon.ok_or_else(error)?;
        let (head, value) = (&text[..colon], &text[colon + 1..]);
        let mut parts = split_unquoted(head, ';').into_iter();
        let name = parts.next().unwrap_or_default().trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(error());
        }
        let params = parts
            .map(|param| {
                let (key, value) = param.split_once('=').unwrap_or((param, ""));
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                (key.trim().to_ascii_uppercase(), value.to_owned())
            })
            .collect();
        Ok(Property {
            name: name.to_ascii_uppercase(),
            params,
            value: value.to_owned(),
            line,
        })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value read as TEXT: `\\`, `\;`, `\,` and `\n` (or `\N`) unescaped.
    fn text(&self) -> String {
        let mut out = String::with_capacity(self.value.len());
        let mut chars = self.value.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(escaped @ ('\\' | ';' | ',')) => out.push(escaped),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        out
    }
}

/// Splits at `separator` where it is not inside double quotes.
fn split_unquoted(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A long line cut for an error message.
fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The properties of one VEVENT that matter, gathered until its END.
#[derive(Debug)]
struct Event {
    begin_line: u64,
    start: Option<Property>,
    summary: Option<Property>,
    /// SUMMARY, DESCRIPTION and CATEGORIES, unescaped, for the needling words.
    notes: Vec<String>,
    cancelled: bool,
    /// The line of the first RRULE or RDATE.
    repeats: Option<u64>,
}

impl Event {
    fn new(begin_line: u64) -> Self {
        Event {
            begin_line,
            start: None,
            summary: None,
            notes: Vec::new(),
            cancelled: false,
            repeats: None,
        }
    }

    /// Keeps what matters of one property. Where a property that should appear
    /// once appears twice, the first counts.
    fn add(&mut self, property: Property) {
        match property.name.as_str() {
            "DTSTART" => {
                self.start.get_or_insert(property);
            }
            "SUMMARY" => {
                self.notes.push(property.text());
                self.summary.get_or_insert(property);
            }
            "DESCRIPTION" | "CATEGORIES" => self.notes.push(property.text()),
            "STATUS" => self.cancelled = property.value.trim().eq_ignore_ascii_case("CANCELLED"),
            "RRULE" | "RDATE" => {
                self.repeats.get_or_insert(property.line);
            }
            _ => {}
        }
    }

    /// The appointment, `None` for a cancelled event, or every problem.
    fn finish(self, tz: &TimeZone) -> Result<Option<NewAppointment>, Vec<RowError>> {
        if self.cancelled {
            return Ok(None);
        }
        let mut errors = Vec::new();
        if let Some(line) = self.repeats {
            errors.push(RowError {
                line,
                reason: "repeating events are not supported; export single appointments".into(),
            });
        }
        let start = match &self.start {
            None => {
                errors.push(RowError {
                    line: self.begin_line,
                    reason: "the event has no start time (DTSTART)".into(),
                });
                None
            }
            Some(property) => match start_time(property, tz) {
                Ok(t) => Some(t),
                Err(reason) => {
                    errors.push(RowError {
                        line: property.line,
                        reason,
                    });
                    None
                }
            },
        };
        let patient = self
            .summary
            .as_ref()
            .map(|summary| patient(&summary.text()));
        if patient.as_deref().is_none_or(str::is_empty) {
            errors.push(RowError {
                line: self.summary.as_ref().map_or(self.begin_line, |s| s.line),
                reason: "the patient (SUMMARY) is missing".into(),
            });
        }
        match (patient, start) {
            (Some(patient), Some(start)) if errors.is_empty() => Ok(Some(NewAppointment {
                patient,
                start,
                needling: !self.notes.iter().any(|note| says_no_needling(note)),
            })),
            _ => Err(errors),
        }
    }
}

/// The patient's name from an event title: the part before the first
/// separator, trimmed.
fn patient(title: &str) -> String {
    let cut = TITLE_SEPARATORS
        .iter()
        .filter_map(|separator| title.find(separator))
        .min()
        .unwrap_or(title.len());
    title[..cut].trim().to_owned()
}

fn says_no_needling(text: &str) -> bool {
    let words = format!(" {} ", fold(text));
    NO_NEEDLING
        .iter()
        .any(|marker| words.contains(&format!(" {marker} ")))
}

/// The instant a DTSTART names, or why it cannot be an appointment start.
fn start_time(property: &Property, clinic: &TimeZone) -> Result<Timestamp, String> {
    let value = property.value.trim();
    let all_day = property
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()));
    if all_day {
        return Err("an all-day event has no start time".into());
    }
    let (local, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(local) => (local, true),
        None => (value, false),
    };
    let civil = basic_date_time(local).ok_or_else(|| {
        format!("the start {value:?} is not a date and time like 20261201T090000")
    })?;
    if utc {
        return TimeZone::UTC
            .to_ambiguous_timestamp(civil)
            .unambiguous()
            .map_err(|e| e.to_string());
    }
    match property.param("TZID") {
        None => resolve(civil, clinic, "the clinic's time zone"),
        Some(tzid) => {
            let name = tzid.trim().trim_matches('"');
            let name = name.strip_prefix('/').unwrap_or(name);
            let zone = TimeZone::get(name).map_err(|_| {
                format!(
                    "the time zone {name:?} is unknown; export the calendar with IANA time zone \
                     names like America/New_York"
                )
            })?;
            resolve(civil, &zone, name)
        }
    }
}

/// `YYYYMMDDTHHMMSS`, the form iCalendar writes local dates and times in.
fn basic_date_time(text: &str) -> Option<DateTime> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse::<i16>().ok())
            .flatten()
    };
    if bytes.len() != 15 || !bytes[8].eq_ignore_ascii_case(&b'T') {
        return None;
    }
    let small = |range| digits(range).and_then(|n| i8::try_from(n).ok());
    DateTime::new(
        digits(0..4)?,
        small(4..6)?,
        small(6..8)?,
        small(9..11)?,
        small(11..13)?,
        small(13..15)?,
        0,
    )
    .ok()
}

/// A local date and time in `zone` as an instant, refusing times a
/// daylight-saving change skips or repeats, as `parse_local` does.
fn resolve(civil: DateTime, zone: &TimeZone, zone_name: &str) -> Result<Timestamp, String> {
    let shown = civil.strftime("%Y-%m-%d %H:%M");
    let ambiguous = zone.to_ambiguous_timestamp(civil);
    match ambiguous.offset() {
        AmbiguousOffset::Gap { .. } => Err(format!(
            "{shown} does not exist in {zone_name} (clocks jump forward then)"
        )),
        AmbiguousOffset::Fold { .. } => Err(format!(
            "{shown} happens twice in {zone_name} (clocks go back then), so the start is unclear"
        )),
        AmbiguousOffset::Unambiguous { .. } => ambiguous.unambiguous().map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    /// The shape of a Google Calendar export, trimmed.
    const GOOGLE: &str = "\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Clinic
X-WR-TIMEZONE:America/New_York
BEGIN:VTIMEZONE
TZID:America/New_York
X-LIC-LOCATION:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=America/New_York:20261201T090000
DTEND;TZID=America/New_York:20261201T100000
DTSTAMP:20261120T120000Z
UID:1abc@google.com
BEGIN:VALARM
ACTION:EMAIL
SUMMARY:Alarm notification
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H30M0S
END:VALARM
DESCRIPTION:Lower back\\, left side\\; bring the referral\\nThanks
STATUS:CONFIRMED
SUMMARY:Ana Ruiz - dry needling follow-up for the lower back and the left sh
 oulder\\, second visit
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART:20261202T153000Z
DTEND:20261202T163000Z
UID:2def@google.com
SUMMARY:Ruiz\\, Ben
LOCATION:Room 2\\, first floor
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=\"/America/Chicago\":20261203T080000
UID:3ghi@google.com
SUMMARY:Cam Ode
END:VEVENT
END:VCALENDAR
";

    #[test]
    fn a_google_calendar_export_is_read_with_zones_folding_alarms_and_escapes() {
        let rows = parse_ics(GOOGLE, &ny()).unwrap();
        let read: Vec<(&str, String, bool)> = rows
            .iter()
            .map(|r| (r.patient.as_str(), r.start.to_string(), r.needling))
            .collect();
        assert_eq!(
            read,
            [
                ("Ana Ruiz", "2026-12-01T14:00:00Z".to_owned(), true),
                ("Ruiz, Ben", "2026-12-02T15:30:00Z".to_owned(), true),
                ("Cam Ode", "2026-12-03T14:00:00Z".to_owned(), true),
            ]
        );
    }

    #[test]
    fn a_floating_start_is_read_in_the_clinics_time_zone() {
        let ics = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261201T143000\nSUMMARY:Ana Ruiz\nEND:VEVENT\nEND:VCALENDAR\n";
        let rows = parse_ics(ics, &ny()).unwrap();
        assert_eq!(rows[0].start.to_string(), "2026-12-01T19:30:00Z");
    }

    #[test]
    fn cancelled_events_are_counted_and_a_cancelled_reminder_inside_an_event_is_not() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nBEGIN:VALARM\r\nSTATUS:CANCELLED\r\nEND:VALARM\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(cancelled_events(ics), 1);
    }

    #[test]
    fn a_cancelled_event_is_skipped_without_an_error() {
        let ics = "\
BEGIN:VCALENDAR
BEGIN:VEVENT
DTSTART:20261201T140000Z
SUMMARY:Ana Ruiz
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T150000Z
SUMMARY:Ben Li
STATUS:CONFIRMED
END:VEVENT
END:VCALENDAR
";
        let rows = parse_ics(ics, &ny()).unwrap();
        let patients: Vec<&str> = rows.iter().map(|r| r.patient.as_str()).collect();
        assert_eq!(patients, ["Ben Li"]);
    }

    #[test]
    fn no_needling_is_found_in_the_title_description_or_categories_in_any_case_or_accent() {
        let ics = "\
BEGIN:VCALENDAR
BEGIN:VEVENT
DTSTART:20261201T140000Z
SUMMARY:Ana Ruiz – No-Needling
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T150000Z
SUMMARY:Ben Li
DESCRIPTION:Massage only\\, without needling this time
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T160000Z
SUMMARY:Cam Ode — revisión
CATEGORIES:Fisioterapia,SIN PUNCION
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T170000Z
SUMMARY:Dee Paz
DESCRIPTION:sin punción
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T180000Z
SUMMARY:Eli Sol - dry needling
DESCRIPTION:Knows the needling routine
END:VEVENT
END:VCALENDAR
";
        let rows = parse_ics(ics, &ny()).unwrap();
        let read: Vec<(&str, bool)> = rows
            .iter()
            .map(|r| (r.patient.as_str(), r.needling))
            .collect();
        assert_eq!(
            read,
            [
                ("Ana Ruiz", false),
                ("Ben Li", false),
                ("Cam Ode", false),
                ("Dee Paz", false),
                ("Eli Sol", true),
            ]
        );
    }

    #[test]
    fn bad_events_are_reported_each_with_its_line_and_nothing_is_imported() {
        let ics = "\
BEGIN:VCALENDAR
BEGIN:VEVENT
DTSTART:20261201T140000Z
SUMMARY:Fine Patient
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261201
SUMMARY:Ana Ruiz
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Eastern Standard Time:20261201T090000
SUMMARY:Ben Li
END:VEVENT
BEGIN:VEVENT
DTSTART:20261201T090000Z
DESCRIPTION:who is this?
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=America/New_York:20261201T090000
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Cam Ode
END:VEVENT
BEGIN:VEVENT
DTSTART:20260308T023000
SUMMARY:Dee Paz
END:VEVENT
END:VCALENDAR
";
        let errors = parse_ics(ics, &ny()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [7, 11, 14, 20, 24], "{errors:#?}");
        assert_eq!(errors[0].reason, "an all-day event has no start time");
        assert!(
            errors[1]
                .reason
                .contains("\"Eastern Standard Time\" is unknown")
        );
        assert!(errors[1].reason.contains("IANA"));
        assert_eq!(errors[2].reason, "the patient (SUMMARY) is missing");
        assert_eq!(
            errors[3].reason,
            "repeating events are not supported; export single appointments"
        );
        assert_eq!(
            errors[4].reason,
            "2026-03-08 02:30 does not exist in the clinic's time zone (clocks jump forward then)"
        );
    }

    #[test]
    fn a_repeated_time_when_clocks_go_back_is_refused_in_the_named_zone() {
        let ics = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=America/New_York:20261101T013000\nSUMMARY:Ana Ruiz\nEND:VEVENT\nEND:VCALENDAR\n";
        let errors = parse_ics(ics, &TimeZone::UTC).unwrap_err();
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0]
                .reason
                .contains("happens twice in America/New_York")
        );
    }

    #[test]
    fn an_event_without_a_start_is_reported_at_its_begin_line() {
        let ics = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Ana Ruiz\nEND:VEVENT\nEND:VCALENDAR\n";
        let errors = parse_ics(ics, &ny()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].reason.contains("DTSTART"));
    }

    #[test]
    fn a_file_cut_short_or_not_a_calendar_is_reported_with_a_line() {
        let cut = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261201T140000Z\nSUMMARY:Ana Ruiz\n";
        let errors = parse_ics(cut, &ny()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2]);
        assert!(errors[0].reason.contains("END:VCALENDAR is missing"));
        assert!(errors[1].reason.contains("END:VEVENT is missing"));

        let unclosed = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261201T140000Z\nSUMMARY:Ana Ruiz\nEND:VEVENT\n";
        let errors = parse_ics(unclosed, &ny()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].reason.contains("END:VCALENDAR is missing"));

        let csv = "patient,start\nAna Ruiz,2026-12-01 09:00\n";
        let errors = parse_ics(csv, &ny()).unwrap_err();
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].reason.contains("BEGIN:VCALENDAR"));

        assert_eq!(parse_ics("", &ny()).unwrap_err()[0].line, 1);
    }

    #[test]
    fn crlf_line_ends_are_read_like_lf_and_lines_are_counted_the_same() {
        let crlf = GOOGLE.replace('\n', "\r\n");
        assert_eq!(
            parse_ics(&crlf, &ny()).unwrap(),
            parse_ics(GOOGLE, &ny()).unwrap()
        );
        let bad = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261201\r\nSUMMARY:Ana\r\n  Ruiz\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let errors = parse_ics(bad, &ny()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
    }

    #[test]
    fn property_lines_are_split_at_the_first_colon_outside_quotes() {
        let p = Property::parse(
            "dtstart;x-note=\"a:b;c\";TZID=America/New_York:20261201T090000",
            5,
        )
        .unwrap();
        assert_eq!(p.name, "DTSTART");
        assert_eq!(p.param("X-NOTE"), Some("a:b;c"));
        assert_eq!(p.param("TZID"), Some("America/New_York"));
        assert_eq!(p.value, "20261201T090000");
        let summary = Property::parse("SUMMARY:a\\\\b\\;c\\,d\\Ne", 1).unwrap();
        assert_eq!(summary.text(), "a\\b;c,d\ne");
        assert_eq!(Property::parse("no colon here", 9).unwrap_err().line, 9);
    }
}
