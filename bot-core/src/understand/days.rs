//! The day a question about opening hours names, if it names one: "are you
//! open on the 24th", "¿abrís el 24?", "open on thanksgiving?", "hours on
//! friday", "12/24", "tomorrow". A date reader, not a classifier: whether
//! the question is about hours is the classifier's call; this only says
//! which day, the next such day from today.
//!
//! Read in this order, the first that matches wins: a date in digits
//! ("12/24", "2026-12-24"), a month and a day ("december 24", "24 de
//! diciembre"), one of the clinic's named closed days, a holiday patients
//! name ([`HOLIDAYS`]), a day of the month ("the 24th", "el 24"), a weekday
//! ("on friday", "el sábado", not "on fridays" or "los sábados", which ask
//! about every one), then "today" and "tomorrow".

use std::sync::LazyLock;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use regex::Regex;

use crate::knowledge::{Clinic, DateOrder};
use crate::text::{fold, folded_pattern};

/// How a holiday's date is found in a year.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The same month and day every year.
    Fixed(i8, i8),
    /// The `n`th weekday of a month (Thanksgiving: the fourth Thursday of November).
    Nth(i8, Weekday, i8),
    /// The last weekday of a month (Memorial Day).
    Last(i8, Weekday),
    /// Days after another rule's date (Black Friday).
    After(&'static Rule, i8),
}

const THANKSGIVING: Rule = Rule::Nth(11, Weekday::Thursday, 4);

/// Holidays by the names patients write, folded, one a line; a longer name
/// before a shorter one it holds ("christmas eve" before "christmas").
/// Whether the clinic closes on one is the clinic's `closed_on`, never this.
const HOLIDAYS: &[(&str, Rule)] = &[
    (
        r"christmas eve|xmas eve|nochebuena|vispera de navidad",
        Rule::Fixed(12, 24),
    ),
    (r"christmas|xmas|navidad", Rule::Fixed(12, 25)),
    (r"boxing day", Rule::Fixed(12, 26)),
    (
        r"new years eve|nye|nochevieja|fin de ano",
        Rule::Fixed(12, 31),
    ),
    (r"new years?( day)?|ano nuevo", Rule::Fixed(1, 1)),
    (
        r"(the )?(4th|fourth) of july|july (4th|fourth)|independence day",
        Rule::Fixed(7, 4),
    ),
    (r"halloween", Rule::Fixed(10, 31)),
    (r"veterans day", Rule::Fixed(11, 11)),
    (r"black friday", Rule::After(&THANKSGIVING, 1)),
    (r"thanksgiving|accion de gracias", THANKSGIVING),
    (r"memorial day", Rule::Last(5, Weekday::Monday)),
    (r"labou?r day", Rule::Nth(9, Weekday::Monday, 1)),
    (
        r"mlk day|martin luther king( jr)?( day)?",
        Rule::Nth(1, Weekday::Monday, 3),
    ),
    (r"presidents day", Rule::Nth(2, Weekday::Monday, 3)),
];

/// Month names and their short forms, English and Spanish, folded.
const MONTHS: [&str; 12] = [
    "january|jan|enero",
    "february|feb|febrero",
    "march|mar|marzo",
    "april|apr|abril",
    "may|mayo",
    "june|jun|junio",
    "july|jul|julio",
    "august|aug|agosto",
    "september|sept|sep|septiembre|setiembre",
    "october|oct|octubre",
    "november|nov|noviembre",
    "december|dec|diciembre",
];

/// Weekday names, Monday first, English and Spanish, folded.
const WEEKDAYS: [&str; 7] = [
    "monday|mon|lunes",
    "tuesday|tues?|martes",
    "wednesday|weds?|miercoles",
    "thursday|thu|thurs?|jueves",
    "friday|fri|viernes",
    "saturday|sat|sabado",
    "sunday|sun|domingo",
];

const ORDINAL: &str = r"(\d{1,2})(?: ?(?:st|nd|rd|th))?";

static ISO: LazyLock<Regex> = LazyLock::new(|| folded_pattern(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"));
static SLASHED: LazyLock<Regex> =
    LazyLock::new(|| folded_pattern(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b"));
/// "12-31": a dash also writes hours ("open 9-5?"), so read as a date only
/// when one number cannot be an hour on a 12-hour clock.
static DASHED: LazyLock<Regex> =
    LazyLock::new(|| folded_pattern(r"\b(\d{1,2})-(\d{1,2})(?:-(\d{4}|\d{2}))?\b"));
/// The day after or before the day named: "the day after christmas".
static DAY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| folded_pattern(r"\b(?:day after|dia despues|dia siguiente)\b"));
static DAY_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| folded_pattern(r"\b(?:day before|dia antes)\b"));
static MONTH_DAY: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    MONTHS
        .iter()
        .map(|m| folded_pattern(&format!(r"\b(?:{m}) {ORDINAL}\b")))
        .collect()
});
static DAY_MONTH: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    MONTHS
        .iter()
        .map(|m| folded_pattern(&format!(r"\b{ORDINAL} (?:of |de )?(?:{m})\b")))
        .collect()
});
static HOLIDAY: LazyLock<Vec<(Regex, Rule)>> = LazyLock::new(|| {
    HOLIDAYS
        .iter()
        .map(|&(names, when)| (folded_pattern(&format!(r"\b(?:{names})\b")), when))
        .collect()
});
/// A day of the month alone: "the 24th", "24th", "on the 24", "el 24", "el
/// día 24" (not "the 30 minute visit").
static DAY_OF_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    folded_pattern(
        r"\b(?:on the (\d{1,2})|(\d{1,2}) ?(?:st|nd|rd|th)|(?:el|dia) (?:dia )?(\d{1,2}))\b",
    )
});
static WEEKDAY: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    WEEKDAYS
        .iter()
        .map(|d| folded_pattern(&format!(r"\b(los |next |proximo )?(?:{d})( que viene)?\b")))
        .collect()
});
static TODAY: LazyLock<Regex> = LazyLock::new(|| folded_pattern(r"\b(?:today|tonight|hoy)\b"));
/// "mañana" is tomorrow, but "la mañana" is the morning.
static TOMORROW: LazyLock<Regex> =
    LazyLock::new(|| folded_pattern(r"\b(?:(la )?manana|tomorrow|tmrw|tmr)\b"));
static AFTER_TOMORROW: LazyLock<Regex> = LazyLock::new(|| folded_pattern(r"\bpasado manana\b"));

/// A day a question names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub date: Date,
    /// Named as a holiday ("thanksgiving") that is not one of the clinic's
    /// closed days: the clinic may not have listed that year's yet.
    pub holiday: bool,
}

/// The day `text` asks about, from `today` on (the clinic's date); `None`
/// when it names none, or names one already past.
pub fn named_day(text: &str, today: Date, clinic: &Clinic) -> Option<Asked> {
    let folded = fold(text);
    let shift: i64 = if DAY_AFTER.is_match(&folded) {
        1
    } else if DAY_BEFORE.is_match(&folded) {
        -1
    } else {
        0
    };
    let asked = named(text, &folded, today, clinic)?;
    if shift == 0 {
        return Some(asked);
    }
    let date = asked.date.checked_add(shift.days()).ok()?;
    Some(Asked {
        date,
        holiday: asked.holiday && clinic.closure(date).is_none(),
    })
    .filter(|asked| asked.date >= today)
}

fn named(text: &str, folded: &str, today: Date, clinic: &Clinic) -> Option<Asked> {
    let on_date = |date: Date| Asked {
        date,
        holiday: false,
    };
    // Digits first, before folding turns "/" and "-" into spaces.
    if let Some(date) = in_digits(&text.to_lowercase(), today, clinic.date_order) {
        return Some(on_date(date)).filter(|asked| asked.date >= today);
    }
    let number = |m: Option<regex::Match>| m.and_then(|m| m.as_str().parse::<i8>().ok());
    for (month, (month_day, day_month)) in MONTH_DAY.iter().zip(DAY_MONTH.iter()).enumerate() {
        let day = month_day
            .captures(folded)
            .or_else(|| day_month.captures(folded))
            .and_then(|c| number(c.get(1)));
        if let Some(day) = day {
            return next_on(today, |year| Date::new(year, month as i8 + 1, day).ok()).map(on_date);
        }
    }
    if let Some(date) = closure_named(folded, today, clinic) {
        return Some(on_date(date));
    }
    for (pattern, when) in HOLIDAY.iter() {
        if pattern.is_match(folded) {
            let date = next_on(today, |year| on(*when, year))?;
            let holiday = clinic.closure(date).is_none();
            return Some(Asked { date, holiday });
        }
    }
    if let Some(c) = DAY_OF_MONTH.captures(folded) {
        let day = number(c.get(1).or(c.get(2)).or(c.get(3)))?;
        return (0..=12)
            .filter_map(|n| today.first_of_month().checked_add(n.months()).ok())
            .filter_map(|month| month.with().day(day).build().ok())
            .find(|d| *d >= today)
            .map(on_date);
    }
    for (index, pattern) in WEEKDAY.iter().enumerate() {
        if let Some(c) = pattern.captures(folded) {
            let qualifier = c.get(1).map(|m| m.as_str().trim());
            if qualifier == Some("los") {
                // "los sábados": every Saturday, answered by the week's hours.
                return None;
            }
            let from = if qualifier.is_some() || c.get(2).is_some() {
                today.tomorrow().ok()?
            } else {
                today
            };
            let weekday = Weekday::from_monday_one_offset(index as i8 + 1).ok()?;
            return (0..7)
                .filter_map(|n| from.checked_add(n.days()).ok())
                .find(|d| d.weekday() == weekday)
                .map(on_date);
        }
    }
    if AFTER_TOMORROW.is_match(folded) {
        return today.checked_add(2.days()).ok().map(on_date);
    }
    if let Some(c) = TOMORROW.captures(folded)
        && c.get(1).is_none()
    {
        return today.tomorrow().ok().map(on_date);
    }
    TODAY.is_match(folded).then_some(on_date(today))
}

/// "12/24", "24/12/2026" (the clinic's order) or "2026-12-24".
fn in_digits(text: &str, today: Date, order: DateOrder) -> Option<Date> {
    let int = |c: &regex::Captures, i: usize| c.get(i)?.as_str().parse::<i16>().ok();
    if let Some(c) = ISO.captures(text) {
        return Date::new(int(&c, 1)?, int(&c, 2)? as i8, int(&c, 3)? as i8).ok();
    }
    let (c, dashed) = match SLASHED.captures(text) {
        Some(c) => (c, false),
        None => (DASHED.captures(text)?, true),
    };
    let (a, b) = (int(&c, 1)? as i8, int(&c, 2)? as i8);
    let (month, day) = match order {
        DateOrder::MonthFirst => (a, b),
        DateOrder::DayFirst => (b, a),
    };
    if dashed && c.get(3).is_none() && day <= 12 {
        return None;
    }
    match int(&c, 3) {
        Some(year) if year < 100 => Date::new(2000 + year, month, day).ok(),
        Some(year) => Date::new(year, month, day).ok(),
        None => next_on(today, |year| Date::new(year, month, day).ok()),
    }
}

/// One of the clinic's closed days named in `folded`: the longest name
/// that the text holds whole, soonest first.
fn closure_named(folded: &str, today: Date, clinic: &Clinic) -> Option<Date> {
    let padded = format!(" {folded} ");
    clinic
        .closures
        .iter()
        .filter(|c| c.date >= today)
        .flat_map(|c| {
            [&c.name, &c.name_es]
                .into_iter()
                .flatten()
                .map(|n| (fold(n), c.date))
        })
        .filter(|(name, _)| !name.is_empty() && padded.contains(&format!(" {name} ")))
        .max_by_key(|(name, date)| (name.len(), std::cmp::Reverse(*date)))
        .map(|(_, date)| date)
}

/// The first date from `today` on that `in_year` gives, this year or next.
fn next_on(today: Date, in_year: impl Fn(i16) -> Option<Date>) -> Option<Date> {
    (today.year()..=today.year() + 1)
        .filter_map(in_year)
        .find(|d| *d >= today)
}

/// A holiday's date in `year`.
fn on(rule: Rule, year: i16) -> Option<Date> {
    match rule {
        Rule::Fixed(month, day) => Date::new(year, month, day).ok(),
        Rule::Nth(month, weekday, n) => Date::new(year, month, 1)
            .ok()?
            .nth_weekday_of_month(n, weekday)
            .ok(),
        Rule::Last(month, weekday) => Date::new(year, month, 1)
            .ok()?
            .nth_weekday_of_month(-1, weekday)
            .ok(),
        Rule::After(rule, days) => on(*rule, year)?.checked_add(i64::from(days).days()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn clinic(order: DateOrder) -> Clinic {
        let mut clinic = crate::testing::shipped().clinic.clone();
        clinic.date_order = order;
        clinic
    }

    /// Monday 7 December 2026.
    const TODAY: Date = date(2026, 12, 7);

    fn day(text: &str) -> Option<Date> {
        named_day(text, TODAY, &clinic(DateOrder::MonthFirst)).map(|asked| asked.date)
    }

    #[test]
    fn a_date_a_month_and_day_or_a_day_of_the_month_is_the_next_such_day() {
        for (text, expected) in [
            ("are you open on 12/24?", date(2026, 12, 24)),
            ("hours on 1/2", date(2027, 1, 2)),
            ("open 2026-12-31?", date(2026, 12, 31)),
            ("open on december 24th?", date(2026, 12, 24)),
            ("Are you open Dec. 26", date(2026, 12, 26)),
            ("are you open the 24th of december", date(2026, 12, 24)),
            ("¿abrís el 24 de diciembre?", date(2026, 12, 24)),
            ("¿abrís el 24?", date(2026, 12, 24)),
            ("are you open on the 3rd", date(2027, 1, 3)),
            ("open on the 9th?", date(2026, 12, 9)),
            ("¿atienden el día 2?", date(2027, 1, 2)),
            ("are you open march 3", date(2027, 3, 3)),
            ("open 12-31?", date(2026, 12, 31)),
            ("the day after christmas?", date(2026, 12, 26)),
            ("¿y el día después de Navidad?", date(2026, 12, 26)),
        ] {
            assert_eq!(day(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn the_clinics_closed_days_and_holidays_are_read_by_name() {
        for (text, expected) in [
            ("are you open on thanksgiving", date(2027, 11, 25)),
            ("open on christmas eve?", date(2026, 12, 24)),
            ("are you open christmas", date(2026, 12, 25)),
            ("what about new year's day", date(2027, 1, 1)),
            ("new years eve hours?", date(2026, 12, 31)),
            ("¿abren en Nochebuena?", date(2026, 12, 24)),
            ("¿abren el Año Nuevo?", date(2027, 1, 1)),
            ("open on memorial day?", date(2027, 5, 31)),
            ("are you open black friday", date(2027, 11, 26)),
            ("july 4th?", date(2027, 7, 4)),
        ] {
            assert_eq!(day(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn a_weekday_is_the_next_one_and_every_weekday_is_none() {
        for (text, expected) in [
            ("are you open on saturday", Some(date(2026, 12, 12))),
            ("hours monday?", Some(date(2026, 12, 7))),
            ("open next monday?", Some(date(2026, 12, 14))),
            ("¿el lunes que viene abren?", Some(date(2026, 12, 14))),
            ("open sat?", Some(date(2026, 12, 12))),
            ("open the day after tomorrow?", Some(date(2026, 12, 9))),
            ("are you open 9-5 on friday", Some(date(2026, 12, 11))),
            ("¿abren el sábado por la mañana?", Some(date(2026, 12, 12))),
            ("are you open today", Some(TODAY)),
            ("¿abren mañana?", Some(date(2026, 12, 8))),
            ("are you open tomorrow morning", Some(date(2026, 12, 8))),
            ("¿abren pasado mañana?", Some(date(2026, 12, 9))),
            ("are you open on saturdays", None),
            ("¿abren los sábados?", None),
            ("¿abren por la mañana?", None),
            ("what are your opening hours", None),
            ("I have 2 questions about the 30 minute session", None),
        ] {
            assert_eq!(day(text), expected, "{text}");
        }
    }

    #[test]
    fn slashed_dates_follow_the_clinics_order_and_past_ones_are_none() {
        let british = clinic(DateOrder::DayFirst);
        assert_eq!(
            named_day("open on 24/12?", TODAY, &british).map(|a| a.date),
            Some(date(2026, 12, 24))
        );
        assert_eq!(day("open on 24/12?"), None, "no month 24");
        assert_eq!(day("were you open on 11/26/2026"), None);
        assert_eq!(day("open 2026-11-26?"), None);
    }
}
