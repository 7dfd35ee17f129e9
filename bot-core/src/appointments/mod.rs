//! Appointments: who, when (in the clinic's time zone), whether the visit
//! includes needling, and whether it still stands. Imported from the clinic's
//! calendar export or added by staff.
//!
//! An import is all or nothing: every row that cannot be read is reported
//! with its line and reason, and then nothing is imported. An appointment's id
//! is derived from the patient and the start time, so importing the same file
//! again changes nothing.
//!
//! # Layout
//!
//! - `mod.rs`: the [`Appointment`] model, CSV import, link codes.
//! - [`ics`]: reading appointments from an iCalendar export, with line
//!   numbers.
//! - [`reminders`]: reminder settings and the pure decision of which
//!   reminders (and which daily digest) are due.
//!
//! The engine's side (storing, linking chats, sending what is due) is in
//! `engine/appointments.rs`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::chat::Clearance;
use crate::ids::{ChatKey, Platform};
use crate::knowledge::clinic::DateOrder;

pub mod ics;
pub mod reminders;

use reminders::Mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Booked,
    Cancelled,
}

/// One appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    /// How the clinic's calendar names the patient.
    pub patient: String,
    pub start: Timestamp,
    pub needling: bool,
    pub status: Status,
    /// The one-time code that links a chat to this appointment.
    pub link_code: String,
    /// The chat linked to it, once the patient has used the code.
    #[serde(default)]
    pub chat: Option<ChatKey>,
    /// What happened to each reminder, by offset key.
    #[serde(default)]
    pub reminders: BTreeMap<String, Mark>,
    /// When the patient confirmed they will come.
    #[serde(default)]
    pub confirmed: Option<Timestamp>,
    /// When the patient asked for another time.
    #[serde(default)]
    pub reschedule_requested: Option<Timestamp>,
}

impl Appointment {
    /// Still booked and not yet started.
    pub fn is_upcoming(&self, now: Timestamp) -> bool {
        self.status == Status::Booked && self.start > now
    }
}

/// What moving a visit came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    /// Moved: the visit as it is now.
    To(Appointment),
    NotFound,
    /// Cancelled (or otherwise not booked): not moved.
    NotBooked,
    /// The new time has passed.
    Past,
    /// The patient already has a visit at the new time.
    Taken,
}

/// Where a visit's health screen stands, for the staff digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenStatus {
    /// The visit has no needling: no screen needed.
    NotNeeded,
    /// No chat is linked, so the bot cannot ask.
    NotLinked,
    NotStarted,
    InProgress,
    Done(Clearance),
}

impl ScreenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ScreenStatus::NotNeeded => "no needling",
            ScreenStatus::NotLinked => "chat not linked",
            ScreenStatus::NotStarted => "screen not started",
            ScreenStatus::InProgress => "screen in progress",
            ScreenStatus::Done(Clearance::Clear) => "no flags",
            ScreenStatus::Done(Clearance::Review) => "clinician review needed",
            ScreenStatus::Done(Clearance::Reschedule) => "unwell: reschedule",
            ScreenStatus::Done(Clearance::Decline) => "needling declined",
            ScreenStatus::Done(Clearance::Emergency) => "emergency reported",
        }
    }

    /// Whether the screen is done, so reminders stop asking for it.
    pub fn is_done(self) -> bool {
        matches!(self, ScreenStatus::Done(_) | ScreenStatus::NotNeeded)
    }
}

/// One line of the staff's daily digest. The minimum staff need: no answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    /// Clinic-local "09:30".
    pub time: String,
    pub patient: String,
    pub platform: Option<Platform>,
    pub screen: ScreenStatus,
    pub confirmed: bool,
    pub cancelled: bool,
    pub reschedule_requested: bool,
}

/// An appointment as read from a file or typed by staff, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub patient: String,
    pub start: Timestamp,
    pub needling: bool,
}

impl NewAppointment {
    /// The stable id: the same patient at the same time is the same
    /// appointment, however often it is imported.
    pub fn id(&self) -> String {
        // FNV-1a: stable across Rust versions, unlike the standard hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let key = format!("{}\u{0}{}", self.patient.trim().to_lowercase(), self.start);
        for byte in key.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("a{hash:016x}")
    }
}

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// Why a date and time cannot be an appointment start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "{0:?} is not a date and time like 2026-12-01 14:30 or, from a spreadsheet, 12/01/2026 2:30 PM"
    )]
    Format(String),
    #[error("{0} does not exist in the clinic's time zone (clocks jump forward then)")]
    Skipped(String),
    #[error(
        "{0} happens twice in the clinic's time zone (clocks go back then); give the time after the change"
    )]
    Ambiguous(String),
}

/// A clinic-local date and time ("2026-12-01 14:30") as an instant. Times a
/// daylight-saving change skips or repeats are refused rather than guessed.
pub fn parse_local(text: &str, tz: &TimeZone) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    let civil: DateTime = text
        .replacen(' ', "T", 1)
        .parse()
        .map_err(|_| TimeError::Format(text.to_owned()))?;
    at_local(civil, text, tz)
}

/// A calendar export's date and time in the clinic's time: ISO
/// ("2026-12-08 14:30") or as spreadsheets write them, the date with
/// slashes, dots or dashes in the clinic's `order` and a 24-hour or am/pm
/// time ("12/08/2026, 2:30 PM", "8.12.26 14:30", "12/8/2026 2:30:00 pm").
pub fn parse_exported(text: &str, tz: &TimeZone, order: DateOrder) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    if let Ok(t) = parse_local(text, tz) {
        return Ok(t);
    }
    let civil = spreadsheet_time(text, order).ok_or_else(|| TimeError::Format(text.to_owned()))?;
    at_local(civil, text, tz)
}

/// "12/08/2026, 2:30 PM" read in `order`.
fn spreadsheet_time(text: &str, order: DateOrder) -> Option<DateTime> {
    let lower = text
        .to_lowercase()
        .replace(',', " ")
        .replace("a.m.", "am")
        .replace("p.m.", "pm");
    let mut words = lower.split_whitespace();
    let date = words.next()?;
    let mut time: String = words.collect::<Vec<_>>().concat();
    let noon = if let Some(t) = time.strip_suffix("pm") {
        time = t.to_owned();
        Some(true)
    } else if let Some(t) = time.strip_suffix("am") {
        time = t.to_owned();
        Some(false)
    } else {
        None
    };
    let numbers = |text: &str, separators: &[char]| -> Option<Vec<i32>> {
        text.split(separators).map(|n| n.parse().ok()).collect()
    };
    let [a, b, c] = numbers(date, &['/', '.', '-'])?[..] else {
        return None;
    };
    let (year, month, day) = match order {
        _ if a > 999 => (a, b, c),
        DateOrder::MonthFirst => (c, a, b),
        DateOrder::DayFirst => (c, b, a),
    };
    let year = if year < 100 { 2000 + year } else { year };
    let clock = numbers(&time, &[':'])?;
    let (hour, minute, second) = match clock[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    let hour = match noon {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    let time = jiff::civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()?;
    Some(date.to_datetime(time))
}

/// A civil time in the clinic's zone, unless a clock change skips or
/// repeats it.
fn at_local(civil: DateTime, text: &str, tz: &TimeZone) -> Result<Timestamp, TimeError> {
    let ambiguous = tz.to_ambiguous_timestamp(civil);
    if ambiguous.is_ambiguous() {
        return Err(match ambiguous.offset() {
            jiff::tz::AmbiguousOffset::Gap { .. } => TimeError::Skipped(text.to_owned()),
            _ => TimeError::Ambiguous(text.to_owned()),
        });
    }
    ambiguous
        .unambiguous()
        .map_err(|_| TimeError::Format(text.to_owned()))
}

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "si" | "sí" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a CSV with a header naming `patient`, `start` (clinic-local
/// "YYYY-MM-DD HH:MM") and optionally `needling` (yes/no; yes if absent).
/// Every unreadable row is reported; any error means nothing is returned.
pub fn parse_csv(
    text: &str,
    tz: &TimeZone,
    order: DateOrder,
) -> Result<Vec<NewAppointment>, Vec<RowError>> {
    // Spreadsheets in many locales save with `;` (or a tab): the header
    // line says which.
    let header = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header_error = |reason: String| vec![RowError { line: 1, reason }];
    let headers = reader
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    // The first column whose name is one of `names` (any case, spaces or
    // underscores alike).
    let column = |names: &[&str]| {
        let plain = |h: &str| h.trim().to_lowercase().replace(['_', '-'], " ");
        headers
            .iter()
            .position(|h| names.contains(&plain(h).as_str()))
    };
    let patient_col = column(&[
        "patient",
        "patient name",
        "name",
        "client",
        "client name",
        "paciente",
        "nombre",
    ]);
    let start_col = column(&[
        "start",
        "start time",
        "starts",
        "date and time",
        "datetime",
        "date time",
        "when",
        "appointment",
        "inicio",
        "fecha y hora",
    ]);
    let date_col = column(&["date", "day", "fecha", "dia"]);
    let time_col = column(&["time", "hora"]);
    let start_of = match (start_col, date_col, time_col) {
        (Some(c), _, _) => Start::Column(c),
        (None, Some(d), Some(t)) => Start::DateAndTime(d, t),
        _ => Start::Missing,
    };
    let (Some(patient_col), false) = (patient_col, matches!(start_of, Start::Missing)) else {
        return Err(header_error(
            "the header must name the patient (patient, \"Patient Name\") and the start \
             (start, or Date and Time), and optionally needling"
                .into(),
        ));
    };
    let needling_col = column(&["needling", "dry needling", "puncion", "punción"]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or_default();
        let patient = field(patient_col);
        if patient.is_empty() {
            errors.push(RowError {
                line,
                reason: "the patient is missing".into(),
            });
            continue;
        }
        let start_text = match start_of {
            Start::Column(c) => field(c).to_owned(),
            Start::DateAndTime(d, t) => format!("{} {}", field(d), field(t)),
            Start::Missing => unreachable!("checked with the header"),
        };
        let start = match parse_exported(&start_text, tz, order) {
            Ok(t) => t,
            Err(e) => {
                errors.push(RowError {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let needling = match needling_col.map(field) {
            None | Some("") => true,
            Some(v) => match yes_no(v) {
                Some(b) => b,
                None => {
                    errors.push(RowError {
                        line,
                        reason: format!("needling must be yes or no, not {v:?}"),
                    });
                    continue;
                }
            },
        };
        rows.push(NewAppointment {
            patient: patient.to_owned(),
            start,
            needling,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Where a CSV row's start is.
#[derive(Clone, Copy)]
enum Start {
    Column(usize),
    DateAndTime(usize, usize),
    Missing,
}

/// What an import should point out without refusing it: visits already
/// past, and visits when the clinic is closed (a closed day, or out of
/// hours), as "Ana Ruiz, 2026-12-01 09:00: …" lines.
pub fn import_warnings(
    rows: &[NewAppointment],
    clinic: &crate::knowledge::clinic::Clinic,
    now: Timestamp,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for row in rows {
        let when = clinic.show(row.start);
        if row.start <= now {
            warnings.push(format!(
                "{}, {when}: this visit is in the past",
                row.patient
            ));
        } else if !clinic.is_open(row.start) {
            warnings.push(format!(
                "{}, {when}: the clinic is closed then (a closed day, or out of hours)",
                row.patient
            ));
        }
    }
    warnings
}

/// A one-time code to link a chat to an appointment: 10 characters of
/// Crockford's base32 (no I, L, O or U; 50 bits) from the operating system's
/// random source.
pub fn link_code() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 10];
    // The OS random source failing is not something to carry on from.
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect()
}

/// A link code as typed: Crockford base32 is read leniently (case, and the
/// look-alikes O→0, I and L→1). `None` if the text cannot be a code.
pub fn normalize_code(text: &str) -> Option<String> {
    let code: String = text
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    let ok = code.len() == 10
        && code
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'U'));
    ok.then_some(code)
}

/// Whether a message is shaped like a link code without being a valid one
/// (a letter or a group missed: "KKD5-DKEJ-H8"): one word of 6 to 16
/// letters, digits and dashes, with both letters and digits, and dashes or
/// capitals as codes are written. Such a message gets the invalid-code
/// reply and is not kept as an unanswered question.
pub fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    let len = t.chars().count();
    (6..=16).contains(&len)
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars().any(|c| c.is_ascii_alphabetic())
        && (t.contains('-') || !t.chars().any(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_semicolons_and_spreadsheet_headers_is_read() {
        let tz = ny();
        let text = "Patient Name;Date;Time;Dry Needling\nAna Ruiz;2026-12-01;09:30;no\n";
        let rows = parse_csv(text, &tz, DateOrder::MonthFirst).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].patient, "Ana Ruiz");
        assert!(!rows[0].needling);
        assert_eq!(rows[0].start, parse_local("2026-12-01 09:30", &tz).unwrap());
        let err = parse_csv("who,when?\nAna,soon\n", &tz, DateOrder::MonthFirst).unwrap_err();
        assert!(err[0].reason.contains("Patient Name"), "{}", err[0].reason);
    }

    #[test]
    fn an_import_points_out_past_visits_and_visits_when_the_clinic_is_closed() {
        let k = crate::testing::shipped();
        let tz = &k.clinic.time_zone;
        let row = |patient: &str, at: &str| NewAppointment {
            patient: patient.into(),
            start: parse_local(at, tz).unwrap(),
            needling: true,
        };
        let now = parse_local("2026-12-02 12:00", tz).unwrap();
        let rows = [
            row("Past", "2026-12-01 10:00"),
            row("Sunday", "2026-12-06 10:00"),
            row("Night", "2026-12-03 23:00"),
            row("Fine", "2026-12-03 10:00"),
        ];
        let warnings = import_warnings(&rows, &k.clinic, now);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].starts_with("Past,") && warnings[0].contains("past"));
        assert!(warnings[1].starts_with("Sunday,") && warnings[1].contains("closed"));
        assert!(warnings[2].starts_with("Night,") && warnings[2].contains("closed"));
    }

    #[test]
    fn a_mistyped_code_is_recognised_by_its_shape_and_words_and_numbers_are_not() {
        for code in [
            "KKD5-DKEJ-H8",
            "KKD5DKEJH",
            "kkd5-dkej-h8x2",
            "AB12CD34EF56",
        ] {
            assert!(looks_like_code(code), "{code}");
        }
        for text in [
            "hello", "ok", "2", "3pm", "covid19", "555-0142", "knee", "Q1",
        ] {
            assert!(!looks_like_code(text), "{text}");
        }
    }

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn local_times_are_read_in_the_clinics_time_zone_and_dst_edges_are_refused() {
        let t = parse_local("2026-12-01 14:30", &ny()).unwrap();
        assert_eq!(t.to_string(), "2026-12-01T19:30:00Z");
        assert!(matches!(
            parse_local("2026-03-08 02:30", &ny()),
            Err(TimeError::Skipped(_))
        ));
        assert!(matches!(
            parse_local("2026-11-01 01:30", &ny()),
            Err(TimeError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_local("tomorrow", &ny()),
            Err(TimeError::Format(_))
        ));
    }

    #[test]
    fn a_csv_with_bad_rows_reports_each_with_its_line_and_imports_nothing() {
        let csv = "patient,start,needling\nAna Ruiz,2026-12-01 09:00,yes\n,2026-12-01 10:00,no\nBen Li,2026-13-01 10:00,no\nCam Ode,2026-12-02 11:00,maybe\n";
        let errors = parse_csv(csv, &ny(), DateOrder::MonthFirst).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(errors[0].reason.contains("patient is missing"));
        assert!(errors[2].reason.contains("yes or no"));
    }

    #[test]
    fn a_good_csv_is_read_with_quoted_names_and_optional_needling() {
        let csv = "start,patient\n2026-12-01 09:00,\"Ruiz, Ana\"\n";
        let rows = parse_csv(csv, &ny(), DateOrder::MonthFirst).unwrap();
        assert_eq!(rows[0].patient, "Ruiz, Ana");
        assert!(rows[0].needling);
        assert_eq!(rows[0].id(), rows[0].clone().id(), "ids are stable");
    }

    #[test]
    fn typed_codes_are_read_leniently() {
        assert_eq!(normalize_code(" abcd-efgh0o "), Some("ABCDEFGH00".into()));
        assert_eq!(normalize_code("does it hurt"), None);
        assert_eq!(
            normalize_code("ABCDEFGHJU"),
            None,
            "U is not in the alphabet"
        );
    }

    #[test]
    fn link_codes_are_long_random_and_unambiguous() {
        let a = link_code();
        assert_eq!(a.len(), 10);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert!(!a.contains(['O', 'I', 'L', 'U']));
        assert_ne!(a, link_code());
    }

    #[test]
    fn spreadsheet_dates_and_times_are_read_in_the_clinics_order() {
        let tz = ny();
        let at = |text| parse_local(text, &tz).unwrap();
        for (text, order, expected) in [
            (
                "12/08/2026, 2:30 PM",
                DateOrder::MonthFirst,
                "2026-12-08 14:30",
            ),
            (
                "12/08/2026 2:30 pm",
                DateOrder::MonthFirst,
                "2026-12-08 14:30",
            ),
            (
                "12/8/2026 2:30:00 PM",
                DateOrder::MonthFirst,
                "2026-12-08 14:30",
            ),
            (
                "12/08/26 12:05 AM",
                DateOrder::MonthFirst,
                "2026-12-08 00:05",
            ),
            (
                "12/08/2026 12:15 p.m.",
                DateOrder::MonthFirst,
                "2026-12-08 12:15",
            ),
            (
                "12/08/2026 14:30",
                DateOrder::MonthFirst,
                "2026-12-08 14:30",
            ),
            (
                "12/08/2026, 2:30 PM",
                DateOrder::DayFirst,
                "2026-08-12 14:30",
            ),
            ("08.12.2026 09:00", DateOrder::DayFirst, "2026-12-08 09:00"),
            ("2026-12-08 09:00", DateOrder::DayFirst, "2026-12-08 09:00"),
            (
                "2026/12/08 9:00 am",
                DateOrder::DayFirst,
                "2026-12-08 09:00",
            ),
        ] {
            assert_eq!(parse_exported(text, &tz, order), Ok(at(expected)), "{text}");
        }
        for wrong in [
            "13/13/2026 10:00",
            "12/08/2026 13:00 PM",
            "12/08 10:00",
            "soon",
        ] {
            let refused = parse_exported(wrong, &tz, DateOrder::MonthFirst);
            assert!(
                matches!(refused, Err(TimeError::Format(_))),
                "{wrong}: {refused:?}"
            );
        }
        // A clock change is refused in these formats too.
        assert!(matches!(
            parse_exported("03/08/2026 2:30 AM", &tz, DateOrder::MonthFirst),
            Err(TimeError::Skipped(_))
        ));
    }

    #[test]
    fn a_us_export_with_date_and_time_columns_imports() {
        let csv = "Patient Name,Date,Time,Needling\nAna Ruiz,12/08/2026,2:30 PM,yes\n";
        let rows = parse_csv(csv, &ny(), DateOrder::MonthFirst).unwrap();
        assert_eq!(
            rows[0].start,
            parse_local("2026-12-08 14:30", &ny()).unwrap()
        );
    }
}

/// A calendar export read, before anything is stored: its visits, and what
/// is worth a look though they are imported all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub rows: Vec<NewAppointment>,
    pub warnings: Vec<String>,
    /// Cancelled events of an iCalendar file, left out.
    pub cancelled: usize,
}

/// Reads the calendar export named `name`: an iCalendar file if the name
/// ends in `.ics`, else a CSV. Any row that cannot be read makes the whole
/// file an error (every such row, with its line): nothing is imported
/// from a file half read.
pub fn read_calendar(
    name: &str,
    text: &str,
    clinic: &crate::knowledge::clinic::Clinic,
    now: Timestamp,
) -> Result<Calendar, Vec<RowError>> {
    let ics = std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ics"));
    let tz = &clinic.time_zone;
    let rows = if ics {
        ics::parse_ics(text, tz)?
    } else {
        parse_csv(text, tz, clinic.date_order)?
    };
    Ok(Calendar {
        warnings: import_warnings(&rows, clinic, now),
        cancelled: if ics { ics::cancelled_events(text) } else { 0 },
        rows,
    })
}
