//! Fuzzes the text parsers that read what staff type or import: staff desk
//! commands, the appointments CSV and the iCalendar import, all on the same
//! input (lossy UTF-8).
//!
//! Invariants: no panic; a parsed staff reply or booking has non-empty text;
//! every import problem has a line from 1 to the number of lines (plus one,
//! for "missing at the end"); an import that succeeds has a non-empty patient
//! for every appointment.

#![no_main]

use std::sync::OnceLock;

use frontdesk_core::appointments::{RowError, parse_csv};
use frontdesk_core::handoff::{StaffAction, parse_staff_command};
use frontdesk_core::appointments::ics::parse_ics;
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;

fn new_york() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get("America/New_York").expect("the tz database has New York"))
}

fn check_lines(what: &str, text: &str, errors: &[RowError]) {
    let lines = text.split('\n').count() as u64;
    for e in errors {
        assert!(
            (1..=lines + 1).contains(&e.line),
            "{what}: line {} of {lines}: {}",
            e.line,
            e.reason
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let tz = new_york();

    match parse_staff_command(&text) {
        Some(StaffAction::Reply(_, reply)) => assert!(!reply.trim().is_empty()),
        Some(StaffAction::Book { start, patient, .. }) => {
            assert!(!start.trim().is_empty() && !patient.trim().is_empty())
        }
        Some(StaffAction::Unbook(id)) => assert!(!id.is_empty()),
        _ => {}
    }

    match parse_csv(&text, tz, frontdesk_core::knowledge::clinic::DateOrder::MonthFirst) {
        Ok(rows) => assert!(rows.iter().all(|r| !r.patient.is_empty())),
        Err(errors) => {
            assert!(!errors.is_empty());
            check_lines("csv", &text, &errors);
        }
    }

    match parse_ics(&text, tz) {
        Ok(rows) => assert!(rows.iter().all(|r| !r.patient.is_empty())),
        Err(errors) => {
            assert!(!errors.is_empty());
            check_lines("ics", &text, &errors);
        }
    }
});
