//! The clinic's own facts (name, phone, hours, time zone, prices, policies), read
//! from `clinic.toml` and validated once into a typed [`Clinic`]. Knowledge-file
//! answers refer to these facts by `{placeholder}`.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Deserialize;

use crate::ids::Locale;

/// What is wrong with a clinic file, before file and line are attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClinicError {
    #[error("unknown time zone {0:?} (use an IANA name such as America/New_York)")]
    TimeZone(String),
    #[error("opening hours {0:?} must be \"HH:MM-HH:MM\" or \"closed\"")]
    Hours(String),
    #[error("opening hours {0:?} close before they open")]
    HoursOrder(String),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("facts.{locale} lacks {key:?}, which facts.{other} has")]
    MissingFact {
        locale: Locale,
        other: Locale,
        key: String,
    },
    #[error("facts.{0} is missing")]
    MissingFacts(Locale),
    #[error("fact name {0:?} must be lower-case letters, digits and underscores")]
    FactName(String),
    #[error(
        "web_chat site {0:?} must be an origin such as \"https://clinic.example\" (scheme and \
         host, an optional port, no path)"
    )]
    Site(String),
    #[error("web_chat colour {0:?} must be #RRGGBB, such as \"#1f4e5f\"")]
    Colour(String),
    #[error("web_chat position {0:?} must be \"right\" or \"left\"")]
    Position(String),
    #[error("date_order {0:?} must be \"month/day\" or \"day/month\"")]
    DateOrder(String),
    #[error("closed_on date {0:?} must be a date such as \"2026-11-26\"")]
    ClosedOn(String),
}

/// How the clinic's spreadsheets write a date with slashes: 12/08/2026 is
/// December 8 in the US, 12 August elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// The raw file, exactly as a clinic writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClinic {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub booking_url: String,
    pub emergency_number: String,
    #[serde(default)]
    pub crisis_line: Option<String>,
    pub time_zone: toml::Spanned<String>,
    /// ISO country code ("US", "GB", "AU"…): decides American or British
    /// English and the order of day and month. When absent: American where
    /// the emergency number is 911, British elsewhere.
    #[serde(default)]
    pub country: Option<String>,
    /// "month/day" or "day/month": how calendar exports write dates with
    /// slashes. When absent: month first for an American clinic (see
    /// `country`), day first elsewhere.
    #[serde(default)]
    pub date_order: Option<toml::Spanned<String>>,
    pub hours: toml::Spanned<RawHours>,
    pub facts: toml::Spanned<BTreeMap<String, BTreeMap<String, String>>>,
    #[serde(default)]
    pub web_chat: RawWebChat,
}

/// `[web_chat]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebChat {
    #[serde(default)]
    sites: Vec<toml::Spanned<String>>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    colour: Option<toml::Spanned<String>>,
    #[serde(default)]
    position: Option<toml::Spanned<String>>,
}

/// How the web chat looks, and which sites may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebChat {
    /// Origins allowed to embed the chat ("https://clinic.example"),
    /// beside the bot's own address.
    pub sites: Vec<String>,
    /// The panel's title: the clinic's name unless set.
    pub title: String,
    /// The launcher's and the panel's colour, `#rrggbb`.
    pub colour: String,
    /// Where the launcher sits: bottom right, or bottom left.
    pub left: bool,
}

impl RawWebChat {
    fn validate(self, clinic_name: &str, errors: &mut Vec<Spanned<ClinicError>>) -> WebChat {
        let mut sites = Vec::new();
        for site in self.sites {
            match origin(site.get_ref()) {
                Some(origin) => sites.push(origin),
                None => errors.push((ClinicError::Site(site.get_ref().clone()), site.span())),
            }
        }
        let colour = match self.colour {
            None => "#1f4e5f".to_owned(),
            Some(c) => {
                let text = c.get_ref().trim();
                let ok = text.len() == 7
                    && text.starts_with('#')
                    && text[1..].bytes().all(|b| b.is_ascii_hexdigit());
                if !ok {
                    errors.push((ClinicError::Colour(text.to_owned()), c.span()));
                }
                text.to_ascii_lowercase()
            }
        };
        let left = match self.position {
            None => false,
            Some(p) => match p.get_ref().trim() {
                "right" => false,
                "left" => true,
                other => {
                    errors.push((ClinicError::Position(other.to_owned()), p.span()));
                    false
                }
            },
        };
        WebChat {
            sites,
            title: self
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| clinic_name.to_owned()),
            colour,
            left,
        }
    }
}

/// `https://host[:port]` as an origin (lower-case, no trailing slash), or
/// `None` for anything else: a path, a wildcard, a quote or a space could
/// widen the `frame-ancestors` it goes into.
fn origin(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then_some(text)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHours {
    mon: toml::Spanned<String>,
    tue: toml::Spanned<String>,
    wed: toml::Spanned<String>,
    thu: toml::Spanned<String>,
    fri: toml::Spanned<String>,
    sat: toml::Spanned<String>,
    sun: toml::Spanned<String>,
    /// Days the clinic is closed, such as a public holiday.
    #[serde(default)]
    closed_on: Vec<toml::Spanned<RawClosure>>,
    /// A break within every open day ("13:00-14:00"), when the desk is
    /// closed.
    #[serde(default, rename = "break")]
    pause: Option<toml::Spanned<String>>,
}

/// `{ date = "2026-11-26", name = "Thanksgiving", name_es = "Acción de
/// Gracias" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClosure {
    date: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    name_es: Option<String>,
}

/// A day the clinic is closed, with its name if it has one (in Spanish
/// too, if given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub date: Date,
    pub name: Option<String>,
    pub name_es: Option<String>,
}

/// When the clinic is open on one weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHours {
    pub opens: Time,
    pub closes: Time,
}

/// American or British English: spelling ("hemophilia", "haemophilia")
/// and date order ("Tuesday, December 1", "Tuesday 1 December").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum English {
    American,
    British,
}

/// British and American spellings of words the clinic's texts use.
const SPELLINGS: &[(&str, &str)] = &[
    ("lymphoedema", "lymphedema"),
    ("oedema", "edema"),
    ("haemophilia", "hemophilia"),
    ("haematoma", "hematoma"),
    ("haemorrhage", "hemorrhage"),
    ("anaemia", "anemia"),
    ("paediatric", "pediatric"),
    ("orthopaedic", "orthopedic"),
    ("oestrogen", "estrogen"),
    ("foetus", "fetus"),
    ("tumour", "tumor"),
    ("centre", "center"),
    ("colour", "color"),
    ("favour", "favor"),
    ("behaviour", "behavior"),
    ("programme", "program"),
    ("organise", "organize"),
    ("recognise", "recognize"),
    ("ageing", "aging"),
    ("litre", "liter"),
    ("manoeuvre", "maneuver"),
];

impl English {
    fn of_country(code: &str) -> English {
        match code {
            "US" | "PR" | "PH" => English::American,
            _ => English::British,
        }
    }

    /// `text` in this English: each listed word (also capitalised, and
    /// as the start of a longer word: "haemophiliac") in its spelling here.
    pub fn spell(self, text: &str) -> String {
        let mut out = text.to_owned();
        for &(british, american) in SPELLINGS {
            let (from, to) = match self {
                English::American => (british, american),
                English::British => (american, british),
            };
            for (f, t) in [
                (from.to_owned(), to.to_owned()),
                (capitalised(from), capitalised(to)),
            ] {
                out = replace_word_start(&out, &f, &t);
            }
        }
        out
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Replaces `from` where it starts a word.
fn replace_word_start(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let at_start = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphabetic());
        out.push_str(&rest[..i]);
        out.push_str(if at_start { to } else { from });
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

/// How many coming closed days an answer about hours lists.
pub const CLOSED_DAYS_TOLD: usize = 6;

/// The validated clinic configuration.
#[derive(Debug, Clone)]
pub struct Clinic {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub booking_url: String,
    pub emergency_number: String,
    /// A crisis line for thoughts of self-harm, where the clinic's country has one.
    pub crisis_line: Option<String>,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    /// The English the clinic's patients read.
    pub english: English,
    /// How calendar exports write dates with slashes.
    pub date_order: DateOrder,
    /// Monday first; `None` is closed.
    pub week: [Option<OpenHours>; 7],
    /// Days the clinic is closed, soonest first.
    pub closures: Vec<Closure>,
    /// A break within every open day.
    pub pause: Option<OpenHours>,
    facts: BTreeMap<Locale, BTreeMap<String, String>>,
    pub web_chat: WebChat,
}

/// A clinic problem with the byte span of the value it concerns.
pub(crate) type Spanned<E> = (E, std::ops::Range<usize>);

impl RawClinic {
    pub(crate) fn validate(self) -> Result<Clinic, Vec<Spanned<ClinicError>>> {
        let mut errors = Vec::new();
        let time_zone = match TimeZone::get(self.time_zone.get_ref()) {
            Ok(tz) => tz,
            Err(_) => {
                errors.push((
                    ClinicError::TimeZone(self.time_zone.get_ref().clone()),
                    self.time_zone.span(),
                ));
                TimeZone::UTC
            }
        };
        let hours = self.hours.into_inner();
        let mut week = [None; 7];
        for (slot, day) in week.iter_mut().zip([
            hours.mon, hours.tue, hours.wed, hours.thu, hours.fri, hours.sat, hours.sun,
        ]) {
            match parse_hours(day.get_ref()) {
                Ok(h) => *slot = h,
                Err(e) => errors.push((e, day.span())),
            }
        }
        let mut closures = Vec::new();
        for closure in hours.closed_on {
            let span = closure.span();
            let raw = closure.into_inner();
            match raw.date.trim().parse::<Date>() {
                Ok(date) => closures.push(Closure {
                    date,
                    name: raw.name.filter(|n| !n.trim().is_empty()),
                    name_es: raw.name_es.filter(|n| !n.trim().is_empty()),
                }),
                Err(_) => errors.push((ClinicError::ClosedOn(raw.date), span)),
            }
        }
        closures.sort_by_key(|c| c.date);
        let pause = match hours.pause {
            None => None,
            Some(text) => match parse_hours(text.get_ref()) {
                Ok(pause) => pause,
                Err(e) => {
                    errors.push((e, text.span()));
                    None
                }
            },
        };
        for (field, value) in [
            ("name", &self.name),
            ("phone", &self.phone),
            ("emergency_number", &self.emergency_number),
        ] {
            if value.trim().is_empty() {
                errors.push((ClinicError::Empty { field }, 0..0));
            }
        }
        let facts_span = self.facts.span();
        let mut facts = BTreeMap::new();
        for (tag, map) in self.facts.into_inner() {
            match Locale::parse(&tag) {
                Ok(locale) => {
                    for key in map.keys() {
                        let ok = !key.is_empty()
                            && key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                        if !ok {
                            errors.push((ClinicError::FactName(key.clone()), facts_span.clone()));
                        }
                    }
                    facts.insert(locale, map);
                }
                Err(_) => errors.push((ClinicError::FactName(tag), facts_span.clone())),
            }
        }
        for locale in Locale::ALL {
            if !facts.contains_key(&locale) {
                errors.push((ClinicError::MissingFacts(locale), facts_span.clone()));
            }
        }
        for (&a, b) in Locale::ALL.iter().zip(Locale::ALL.iter().rev()) {
            if let (Some(fa), Some(fb)) = (facts.get(&a), facts.get(b)) {
                for key in fb.keys().filter(|k| !fa.contains_key(*k)) {
                    errors.push((
                        ClinicError::MissingFact {
                            locale: a,
                            other: *b,
                            key: key.clone(),
                        },
                        facts_span.clone(),
                    ));
                }
            }
        }
        let web_chat = self.web_chat.validate(&self.name, &mut errors);
        let english = match self.country.as_deref().map(str::to_ascii_uppercase) {
            Some(c) => English::of_country(&c),
            None if self.emergency_number.trim() == "911" => English::American,
            None => English::British,
        };
        let date_order = match self
            .date_order
            .as_ref()
            .map(|o| (o.get_ref().trim(), o.span()))
        {
            None if english == English::American => DateOrder::MonthFirst,
            None | Some(("day/month", _)) => DateOrder::DayFirst,
            Some(("month/day", _)) => DateOrder::MonthFirst,
            Some((other, span)) => {
                errors.push((ClinicError::DateOrder(other.to_owned()), span));
                DateOrder::DayFirst
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Clinic {
            name: self.name,
            phone: self.phone,
            email: self.email,
            booking_url: self.booking_url,
            emergency_number: self.emergency_number,
            crisis_line: self.crisis_line,
            time_zone,
            time_zone_name: self.time_zone.into_inner(),
            english,
            date_order,
            week,
            closures,
            pause,
            facts,
            web_chat,
        })
    }
}

fn parse_hours(text: &str) -> Result<Option<OpenHours>, ClinicError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("closed") {
        return Ok(None);
    }
    let bad = || ClinicError::Hours(text.to_owned());
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let parse = |s: &str| Time::strptime("%H:%M", s.trim()).map_err(|_| bad());
    let (opens, closes) = (parse(a)?, parse(b)?);
    if closes <= opens {
        return Err(ClinicError::HoursOrder(text.to_owned()));
    }
    Ok(Some(OpenHours { opens, closes }))
}

impl Clinic {
    /// The value of a `{placeholder}` in an answer, in the given language.
    pub fn placeholder(&self, locale: Locale, name: &str) -> Option<String> {
        Some(match name {
            "name" => self.name.clone(),
            "phone" => self.phone.clone(),
            "email" => self.email.clone(),
            "booking_url" => self.booking_url.clone(),
            "emergency_number" => self.emergency_number.clone(),
            "crisis_line" => self.crisis_line.clone()?,
            "hours" => self.hours_text(locale),
            fact => self.facts.get(&locale)?.get(fact)?.clone(),
        })
    }

    /// Opening hours on one line, consecutive days with the same hours grouped:
    /// "Mon–Thu 8:00 AM–6:00 PM, Fri 8:00 AM–4:00 PM, Sun closed" (a US clinic; "08:00–18:00" elsewhere).
    pub fn hours_text(&self, locale: Locale) -> String {
        let names: [&str; 7] = match locale {
            Locale::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            Locale::Es => ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
        };
        let closed = match locale {
            Locale::En => "closed",
            Locale::Es => "cerrado",
        };
        let mut parts = Vec::new();
        let mut start = 0;
        while start < 7 {
            let mut end = start;
            while end + 1 < 7 && self.week[end + 1] == self.week[start] {
                end += 1;
            }
            let days = if end == start {
                names[start].to_owned()
            } else {
                format!("{}–{}", names[start], names[end])
            };
            let when = match self.week[start] {
                Some(h) => format!(
                    "{}–{}",
                    self.clock(h.opens, locale),
                    self.clock(h.closes, locale)
                ),
                None => closed.to_owned(),
            };
            parts.push(format!("{days} {when}"));
            start = end + 1;
        }
        let mut text = parts.join(", ");
        if let Some(pause) = self.pause {
            let (open, close) = (
                self.clock(pause.opens, locale),
                self.clock(pause.closes, locale),
            );
            text.push_str(&match locale {
                Locale::En => format!(" (closed {open}–{close})"),
                Locale::Es => format!(" (cerrado de {open} a {close})"),
            });
        }
        text
    }

    /// The clinic's date at `at`.
    pub fn today(&self, at: Timestamp) -> Date {
        at.to_zoned(self.time_zone.clone()).date()
    }

    /// The hours on one date, "8:00 AM–6:00 PM (closed 1:00 PM–2:00 PM)",
    /// or `None` when the clinic is closed that day.
    pub fn hours_on_date(&self, date: Date, locale: Locale) -> Option<String> {
        if self.closure(date).is_some() {
            return None;
        }
        let hours = self.hours_on(date.weekday())?;
        let mut text = format!(
            "{}–{}",
            self.clock(hours.opens, locale),
            self.clock(hours.closes, locale)
        );
        if let Some(pause) = self
            .pause
            .filter(|p| hours.opens < p.opens && p.closes < hours.closes)
        {
            let (from, to) = (
                self.clock(pause.opens, locale),
                self.clock(pause.closes, locale),
            );
            text.push_str(&match locale {
                Locale::En => format!(" (closed {from}–{to})"),
                Locale::Es => format!(" (cerrado de {from} a {to})"),
            });
        }
        Some(text)
    }

    /// A day, with the name of the closure on it if there is one: "Thursday,
    /// November 26 (Thanksgiving)".
    pub fn describe_closed_day(&self, date: Date, locale: Locale) -> String {
        let day = self.describe_day(date, locale);
        let name = self.closure(date).and_then(|c| match locale {
            Locale::Es => c.name_es.as_ref().or(c.name.as_ref()),
            Locale::En => c.name.as_ref(),
        });
        match name {
            Some(name) => format!("{day} ({name})"),
            None => day,
        }
    }

    /// The closed days from `today` on, at most [`CLOSED_DAYS_TOLD`], as
    /// one list: "Thursday, December 24 (Christmas Eve), Friday, December 25
    /// (Christmas Day)"; `None` when there are none.
    pub fn closed_days_text(&self, today: Date, locale: Locale) -> Option<String> {
        let days: Vec<String> = self
            .closures
            .iter()
            .filter(|c| c.date >= today)
            .take(CLOSED_DAYS_TOLD)
            .map(|c| self.describe_closed_day(c.date, locale))
            .collect();
        (!days.is_empty()).then(|| days.join("; "))
    }

    /// The front desk's open period (opens, closes) on the clinic-local day
    /// `days` after the day of `at`, if it opens that day.
    fn period(&self, at: &Zoned, days: i64) -> Option<(Zoned, Zoned)> {
        let day = at.date().checked_add(days.days()).ok()?;
        if self.closure(day).is_some() {
            return None;
        }
        let hours = self.hours_on(day.weekday())?;
        // A time that a daylight-saving change skips resolves to the next
        // valid instant ("compatible" disambiguation).
        let opens = day.at(hours.opens.hour(), hours.opens.minute(), 0, 0);
        let closes = day.at(hours.closes.hour(), hours.closes.minute(), 0, 0);
        Some((
            opens.to_zoned(self.time_zone.clone()).ok()?,
            closes.to_zoned(self.time_zone.clone()).ok()?,
        ))
    }

    /// The front desk's open period on a clinic-local date, if it opens.
    pub fn open_period(&self, date: Date) -> Option<(Zoned, Zoned)> {
        let noon = date.at(12, 0, 0, 0).to_zoned(self.time_zone.clone()).ok()?;
        self.period(&noon, 0)
    }

    /// An appointment's day and time as patients read it: "Tuesday 1
    /// December, 09:00" / "martes 1 de diciembre, 09:00".
    pub fn describe_date(&self, at: &Zoned, locale: Locale) -> String {
        format!(
            "{}, {}",
            self.describe_day(at.date(), locale),
            self.clock(at.time(), locale)
        )
    }

    /// A time of day in the clinic's convention: "3:00 PM" for an American
    /// clinic ("3:00 p. m." in Spanish), "15:00" elsewhere.
    pub fn clock(&self, time: Time, locale: Locale) -> String {
        match self.english {
            English::British => time.strftime("%H:%M").to_string(),
            English::American => {
                let (hour, minute) = (time.hour(), time.minute());
                let twelve = if hour % 12 == 0 { 12 } else { hour % 12 };
                let half = match (hour < 12, locale) {
                    (true, Locale::En) => "AM",
                    (false, Locale::En) => "PM",
                    (true, Locale::Es) => "a. m.",
                    (false, Locale::Es) => "p. m.",
                };
                format!("{twelve}:{minute:02} {half}")
            }
        }
    }

    /// A moment as staff read it (desks, the console, the command line):
    /// in the clinic's time zone and convention, to the minute: "Tue Dec 8
    /// 2026, 3:00 PM" for an American clinic, "Tue 8 Dec 2026, 15:00"
    /// elsewhere.
    pub fn show(&self, at: jiff::Timestamp) -> String {
        let local = at.to_zoned(self.time_zone.clone());
        let day = match self.english {
            English::American => local.strftime("%a %b %-d %Y"),
            English::British => local.strftime("%a %-d %b %Y"),
        };
        format!("{day}, {}", self.clock(local.time(), Locale::En))
    }

    /// A moment's time of day as staff read it, for lists of one day.
    pub fn show_time(&self, at: jiff::Timestamp) -> String {
        self.clock(at.to_zoned(self.time_zone.clone()).time(), Locale::En)
    }

    /// A day: "Tuesday 1 December" / "martes 1 de diciembre".
    pub fn describe_day(&self, date: Date, locale: Locale) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const MESES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        let day = weekday_name(date.weekday(), locale);
        let month = date.month() as usize - 1;
        match (locale, self.english) {
            (Locale::En, English::American) => format!("{day}, {} {}", MONTHS[month], date.day()),
            (Locale::En, English::British) => format!("{day} {} {}", date.day(), MONTHS[month]),
            (Locale::Es, _) => format!("{day} {} de {}", date.day(), MESES[month]),
        }
    }

    /// Whether the front desk is open at this moment.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let now = at.to_zoned(self.time_zone.clone());
        self.period(&now, 0)
            .is_some_and(|(opens, closes)| opens <= now && now < closes)
            && self.pause_around(&now).is_none()
    }

    /// The day's closure, if the clinic is closed on `date`.
    pub fn closure(&self, date: Date) -> Option<&Closure> {
        self.closures.iter().find(|c| c.date == date)
    }

    /// The end of the break `now` falls in, if it does.
    fn pause_around(&self, now: &Zoned) -> Option<Zoned> {
        let pause = self.pause?;
        let at = |t: Time| {
            now.date()
                .to_datetime(t)
                .to_zoned(self.time_zone.clone())
                .ok()
        };
        let (starts, ends) = (at(pause.opens)?, at(pause.closes)?);
        (starts <= *now && *now < ends).then_some(ends)
    }

    /// When the front desk next opens after `at` (in the clinic's time zone),
    /// or `None` if it never opens.
    pub fn next_opening(&self, at: Timestamp) -> Option<Zoned> {
        let now = at.to_zoned(self.time_zone.clone());
        if let Some(ends) = self.pause_around(&now)
            && self
                .period(&now, 0)
                .is_some_and(|(_, closes)| ends < closes)
        {
            return Some(ends);
        }
        (0..=14)
            .filter_map(|d| self.period(&now, d))
            .map(|(opens, _)| opens)
            .find(|opens| *opens > now)
    }

    /// A moment as patients read it: "Monday 8:00 AM" / "lunes 8:00 a. m.".
    pub fn describe(&self, at: &Zoned, locale: Locale) -> String {
        format!(
            "{} {}",
            weekday_name(at.weekday(), locale),
            self.clock(at.time(), locale)
        )
    }

    /// Opening hours on a weekday.
    pub fn hours_on(&self, day: Weekday) -> Option<OpenHours> {
        self.week[day.to_monday_zero_offset() as usize]
    }
}

fn weekday_name(day: Weekday, locale: Locale) -> &'static str {
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const ES: [&str; 7] = [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ];
    let i = day.to_monday_zero_offset() as usize;
    match locale {
        Locale::En => EN[i],
        Locale::Es => ES[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn american_and_british_english_differ_in_spelling_and_date_order() {
        let us = English::American;
        assert_eq!(
            us.spell("Haemophilia or lymphoedema? A haemophiliac's colour centre."),
            "Hemophilia or lymphedema? A hemophiliac's color center."
        );
        assert_eq!(
            English::British.spell("hemophilia and lymphedema"),
            "haemophilia and lymphoedema"
        );
        assert_eq!(
            us.spell("recentre"),
            "recentre",
            "only at the start of a word"
        );
        assert_eq!(English::of_country("US"), English::American);
        assert_eq!(English::of_country("GB"), English::British);
    }

    #[test]
    fn the_date_order_follows_the_country_unless_the_clinic_says_otherwise() {
        let shipped =
            std::fs::read_to_string(crate::testing::faq_dir().join("clinic.toml")).unwrap();
        let clinic = |extra: &str| {
            let text = shipped.replacen("[hours]", &format!("{extra}\n[hours]"), 1);
            toml::from_str::<RawClinic>(&text).unwrap().validate()
        };
        assert_eq!(
            clinic("").unwrap().date_order,
            DateOrder::MonthFirst,
            "911: American"
        );
        let uk = {
            let text = shipped.replace("country = \"US\"", "country = \"GB\"");
            toml::from_str::<RawClinic>(&text)
                .unwrap()
                .validate()
                .unwrap()
        };
        assert_eq!(uk.date_order, DateOrder::DayFirst);
        let set = clinic("date_order = \"day/month\"").unwrap();
        assert_eq!(set.date_order, DateOrder::DayFirst);
        let Err(errors) = clinic("date_order = \"ymd\"") else {
            panic!("accepted")
        };
        assert!(matches!(&errors[0].0, ClinicError::DateOrder(o) if o == "ymd"));
    }

    #[test]
    fn times_are_shown_in_the_clinics_convention_never_as_utc() {
        let shipped =
            std::fs::read_to_string(crate::testing::faq_dir().join("clinic.toml")).unwrap();
        let clinic = |text: &str| {
            toml::from_str::<RawClinic>(text)
                .unwrap()
                .validate()
                .unwrap()
        };
        let us = clinic(&shipped);
        let uk = clinic(&shipped.replace("country = \"US\"", "country = \"GB\""));
        let t = |h, m| Time::constant(h, m, 0, 0);
        assert_eq!(us.clock(t(15, 0), Locale::En), "3:00 PM");
        assert_eq!(us.clock(t(0, 5), Locale::En), "12:05 AM");
        assert_eq!(us.clock(t(12, 30), Locale::En), "12:30 PM");
        assert_eq!(us.clock(t(9, 0), Locale::Es), "9:00 a. m.");
        assert_eq!(uk.clock(t(15, 0), Locale::En), "15:00");
        // 20:00 UTC is 3 PM in New York.
        let at: jiff::Timestamp = "2026-12-08T20:00:00.123456789Z".parse().unwrap();
        assert_eq!(us.show(at), "Tue Dec 8 2026, 3:00 PM");
        assert_eq!(uk.show(at), "Tue 8 Dec 2026, 15:00");
        assert!(
            us.hours_text(Locale::En)
                .starts_with("Mon–Tue 8:00 AM–6:00 PM"),
            "{}",
            us.hours_text(Locale::En)
        );
    }

    #[test]
    fn closed_days_and_a_break_close_the_desk_and_are_told_with_the_hours() {
        let shipped =
            std::fs::read_to_string(crate::testing::faq_dir().join("clinic.toml")).unwrap();
        let with = |extra: &str| {
            let start = shipped.find("[hours]").unwrap();
            let end = start + shipped[start..].find("\n\n").unwrap();
            let hours = "[hours]\nmon = \"08:00-18:00\"\ntue = \"08:00-18:00\"\n\
                         wed = \"08:00-18:00\"\nthu = \"08:00-18:00\"\nfri = \"08:00-16:00\"\n\
                         sat = \"closed\"\nsun = \"closed\"\n";
            let text = format!("{}{hours}{extra}{}", &shipped[..start], &shipped[end..]);
            toml::from_str::<RawClinic>(&text).unwrap().validate()
        };
        let c = with(
            "break = \"13:00-14:00\"\nclosed_on = [\n  { date = \"2026-11-26\", name = \
             \"Thanksgiving\", name_es = \"Acción de Gracias\" },\n  { date = \"2026-12-24\" },\n]",
        )
        .unwrap();
        let at = |text: &str| crate::appointments::parse_local(text, &c.time_zone).unwrap();
        assert!(!c.is_open(at("2026-11-26 10:00")), "Thanksgiving");
        assert!(
            c.open_period("2026-11-26".parse().unwrap()).is_none(),
            "no digest"
        );
        assert!(c.is_open(at("2026-11-27 10:00")));
        assert!(!c.is_open(at("2026-11-27 13:30")), "the break");
        let back = c.next_opening(at("2026-11-27 13:30")).unwrap();
        assert_eq!(back.timestamp(), at("2026-11-27 14:00"));
        let after = c.next_opening(at("2026-11-25 19:00")).unwrap();
        assert_eq!(
            after.timestamp(),
            at("2026-11-27 08:00"),
            "past the holiday"
        );
        let en = c.hours_text(Locale::En);
        assert!(en.ends_with("(closed 1:00 PM–2:00 PM)"), "{en}");
        let date = |text: &str| text.parse::<Date>().unwrap();
        assert_eq!(
            c.closed_days_text(date("2026-11-01"), Locale::En)
                .as_deref(),
            Some("Thursday, November 26 (Thanksgiving); Thursday, December 24")
        );
        assert_eq!(
            c.closed_days_text(date("2026-11-27"), Locale::Es)
                .as_deref(),
            Some("jueves 24 de diciembre"),
            "past closed days are not told"
        );
        assert_eq!(c.closed_days_text(date("2026-12-25"), Locale::En), None);
        assert_eq!(c.hours_on_date(date("2026-11-26"), Locale::En), None);
        assert_eq!(
            c.hours_on_date(date("2026-11-28"), Locale::En),
            None,
            "Saturday"
        );
        assert_eq!(
            c.hours_on_date(date("2026-11-27"), Locale::En).as_deref(),
            Some("8:00 AM–4:00 PM (closed 1:00 PM–2:00 PM)")
        );
        let visit = crate::appointments::NewAppointment {
            patient: "Ana".into(),
            start: at("2026-12-24 10:00"),
            needling: true,
        };
        let warned = crate::appointments::import_warnings(&[visit], &c, at("2026-12-01 09:00"));
        assert!(warned[0].contains("closed then"), "{warned:?}");
        let Err(errors) = with("closed_on = [{ date = \"26/11/2026\" }]") else {
            panic!("accepted")
        };
        assert!(matches!(&errors[0].0, ClinicError::ClosedOn(d) if d == "26/11/2026"));
    }

    #[test]
    fn opening_hours_parse_or_explain() {
        assert_eq!(parse_hours("closed"), Ok(None));
        let h = parse_hours("08:00-18:30").unwrap().unwrap();
        assert_eq!(h.opens, Time::constant(8, 0, 0, 0));
        assert_eq!(h.closes, Time::constant(18, 30, 0, 0));
        assert!(matches!(
            parse_hours("8am to 6pm"),
            Err(ClinicError::Hours(_))
        ));
        assert!(matches!(
            parse_hours("18:00-08:00"),
            Err(ClinicError::HoursOrder(_))
        ));
    }

    fn clinic() -> Clinic {
        crate::testing::shipped().clinic.clone()
    }

    #[test]
    fn the_web_chats_sites_are_origins_and_its_colour_and_side_are_checked() {
        let raw = |text: &str| toml::from_str::<RawWebChat>(text).unwrap();
        let mut errors = Vec::new();
        let chat = raw(
            "sites = [\"https://Clinic.example/\", \"http://localhost:8000\"]\n\
                        colour = \"#AABBCC\"\nposition = \"left\"",
        )
        .validate("Bayside", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            chat.sites,
            ["https://clinic.example", "http://localhost:8000"]
        );
        assert_eq!((chat.colour.as_str(), chat.left), ("#aabbcc", true));
        assert_eq!(chat.title, "Bayside");
        for bad in [
            "sites = [\"clinic.example\"]",
            "sites = [\"https://clinic.example/chat\"]",
            "sites = [\"https://*.example\"]",
            "sites = [\"https://a.example 'unsafe-inline'\"]",
            "colour = \"red\"",
            "colour = \"#12345;\"",
            "position = \"top\"",
        ] {
            let mut errors = Vec::new();
            raw(bad).validate("Bayside", &mut errors);
            assert_eq!(errors.len(), 1, "{bad}");
        }
        let shipped = clinic().web_chat;
        assert_eq!(shipped.title, clinic().name);
    }

    fn at(s: &str) -> Timestamp {
        s.parse::<Zoned>()
            .map(|z| z.timestamp())
            .or_else(|_| s.parse::<Timestamp>())
            .unwrap()
    }

    #[test]
    fn the_desk_is_open_within_the_hours_in_the_clinics_time_zone() {
        let c = clinic(); // America/New_York, Mon 08:00-18:00, Sun closed
        assert!(c.is_open(at("2026-11-23T09:00[America/New_York]")));
        assert!(!c.is_open(at("2026-11-23T07:59[America/New_York]")));
        assert!(!c.is_open(at("2026-11-23T18:00[America/New_York]")));
        assert!(
            !c.is_open(at("2026-11-22T12:00[America/New_York]")),
            "Sunday"
        );
        // 13:30 UTC is 08:30 in New York in November.
        assert!(c.is_open(at("2026-11-23T13:30Z")));
    }

    #[test]
    fn the_next_opening_skips_closed_days_and_crosses_daylight_saving() {
        let c = clinic();
        let next = c
            .next_opening(at("2026-11-21T13:00[America/New_York]"))
            .unwrap(); // Saturday after closing
        assert_eq!(
            next.to_string(),
            "2026-11-23T08:00:00-05:00[America/New_York]"
        );
        assert_eq!(c.describe(&next, Locale::En), "Monday 8:00 AM");
        assert_eq!(c.describe(&next, Locale::Es), "lunes 8:00 a. m.");
        // Clocks go forward on Sunday 8 March 2026: Monday opens at 08:00 EDT.
        let next = c
            .next_opening(at("2026-03-07T20:00[America/New_York]"))
            .unwrap();
        assert_eq!(
            next.to_string(),
            "2026-03-09T08:00:00-04:00[America/New_York]"
        );
    }
}
