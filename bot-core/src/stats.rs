//! The clinic's numbers: what the bot and the desk did, counted per
//! clinic day, for the console's Numbers page and its CSV.
//!
//! The engine writes one [`Usage`] record for each thing it counts, in the
//! same store batch as the change it counts (a message handled, a ticket
//! opened, a reminder taken by the platform…). A record holds the kind of
//! thing, and where it applies the language, the topic id, the alert's
//! category, the screen's outcome or a duration in seconds: never a chat,
//! a name, a time finer than the clinic day (in its key), or anything
//! anybody wrote. So the records are not patient data: the retention sweep
//! and `/forget` leave them, and the figures of a past period stay the same
//! after conversations are deleted.
//!
//! Pure: [`DayCounts`] adds records up, [`Numbers`] is a period's figures
//! and its CSV (RFC 4180).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::chat::{Clearance, RedFlag, Reply, ReplyKind, Urgency};
use crate::ids::{Locale, TopicId};

/// What a patient's message came to, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A topic's answer.
    Answered,
    /// "Did you mean…?": the bot asked which topic.
    AskedBack,
    /// The bot could not answer (and offered a person).
    FellBack,
    /// The emergency answer.
    Emergency,
    /// Anything else: small talk, the health screen, a message to staff
    /// during a hand-off, a command.
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Answered,
        Outcome::AskedBack,
        Outcome::FellBack,
        Outcome::Emergency,
        Outcome::Other,
    ];

    /// As in the CSV.
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::AskedBack => "asked_back",
            Outcome::FellBack => "fell_back",
            Outcome::Emergency => "emergency",
            Outcome::Other => "other",
        }
    }

    /// For staff.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::AskedBack => "asked back",
            Outcome::FellBack => "fell back",
            Outcome::Emergency => "emergency answer",
            Outcome::Other => "other",
        }
    }

    /// What the bot's replies to one message came to: an emergency answer
    /// first, then a topic's answer, a question back, a fallback.
    pub fn of(replies: &[Reply]) -> (Outcome, Option<TopicId>) {
        let has = |kind: ReplyKind| replies.iter().any(|r| r.kind == kind);
        if has(ReplyKind::Emergency) {
            return (Outcome::Emergency, None);
        }
        if let Some(answer) = replies.iter().find(|r| r.kind == ReplyKind::Answer) {
            return (Outcome::Answered, answer.topic.clone());
        }
        if has(ReplyKind::Clarify) {
            (Outcome::AskedBack, None)
        } else if has(ReplyKind::Fallback) {
            (Outcome::FellBack, None)
        } else {
            (Outcome::Other, None)
        }
    }
}

/// One counted thing, as stored. Holds no chat, name, text or time (the
/// clinic day is in its key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Usage {
    /// A chat's first message (a new chat, or one whose state was deleted).
    ConversationStarted,
    /// A patient's message the conversation handled.
    Message {
        outcome: Outcome,
        /// The language the bot answered in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<String>,
        /// The topic answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
    },
    Emergency {
        flag: RedFlag,
    },
    Urgent {
        urgency: Urgency,
    },
    HandoffOpened,
    /// A ticket's first staff reply, this long after it opened.
    FirstStaffReply {
        seconds: i64,
    },
    /// A ticket closed (by staff or the patient), this long after it opened.
    HandoffClosed {
        seconds: i64,
    },
    ScreenCompleted {
        outcome: Clearance,
    },
    /// The platform took a reminder.
    ReminderSent,
    /// A patient confirmed a visit (once a visit).
    ReminderConfirmed,
}

impl Usage {
    pub fn message(outcome: Outcome, locale: Option<Locale>, topic: Option<&TopicId>) -> Usage {
        Usage::Message {
            outcome,
            locale: locale.map(|l| l.as_str().to_owned()),
            topic: topic.map(|t| t.as_str().to_owned()),
        }
    }
}

/// Answers, questions back, fallbacks… of one language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    #[serde(default)]
    pub answered: u64,
    #[serde(default)]
    pub asked_back: u64,
    #[serde(default)]
    pub fell_back: u64,
    #[serde(default)]
    pub emergency: u64,
    #[serde(default)]
    pub other: u64,
}

impl Outcomes {
    pub fn get(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Answered => self.answered,
            Outcome::AskedBack => self.asked_back,
            Outcome::FellBack => self.fell_back,
            Outcome::Emergency => self.emergency,
            Outcome::Other => self.other,
        }
    }

    fn slot(&mut self, outcome: Outcome) -> &mut u64 {
        match outcome {
            Outcome::Answered => &mut self.answered,
            Outcome::AskedBack => &mut self.asked_back,
            Outcome::FellBack => &mut self.fell_back,
            Outcome::Emergency => &mut self.emergency,
            Outcome::Other => &mut self.other,
        }
    }

    pub fn total(&self) -> u64 {
        Outcome::ALL.iter().map(|o| self.get(*o)).sum()
    }

    /// Of the messages that asked something (answered, asked back or fell
    /// back), the share that came to `outcome`, in percent.
    pub fn share(&self, outcome: Outcome) -> Option<f64> {
        let questions = self.answered + self.asked_back + self.fell_back;
        (questions > 0).then(|| 100.0 * self.get(outcome) as f64 / questions as f64)
    }

    fn merge(&mut self, other: &Outcomes) {
        for outcome in Outcome::ALL {
            *self.slot(outcome) += other.get(outcome);
        }
    }
}

/// The language key of messages whose language is not known yet.
pub const UNKNOWN_LANGUAGE: &str = "unknown";

/// Everything counted on one clinic day (or, added up, over a period).
/// Maps are keyed by id: a language (`en`), a topic id, an alert's
/// category (`chest_or_breathing`), a screen's outcome (`review`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    #[serde(default)]
    pub conversations: u64,
    #[serde(default)]
    pub messages: u64,
    #[serde(default)]
    pub by_language: BTreeMap<String, Outcomes>,
    #[serde(default)]
    pub topics: BTreeMap<String, u64>,
    #[serde(default)]
    pub emergencies: BTreeMap<String, u64>,
    #[serde(default)]
    pub urgent: BTreeMap<String, u64>,
    #[serde(default)]
    pub handoffs: u64,
    /// Seconds from a ticket's opening to its first staff reply, one each.
    #[serde(default)]
    pub first_replies: Vec<i64>,
    /// Seconds from a ticket's opening to its close, one each.
    #[serde(default)]
    pub closes: Vec<i64>,
    #[serde(default)]
    pub screens: BTreeMap<String, u64>,
    #[serde(default)]
    pub reminders_sent: u64,
    #[serde(default)]
    pub reminders_confirmed: u64,
}

impl DayCounts {
    /// Counts one record.
    pub fn add(&mut self, usage: &Usage) {
        match usage {
            Usage::ConversationStarted => self.conversations += 1,
            Usage::Message {
                outcome,
                locale,
                topic,
            } => {
                self.messages += 1;
                let language = locale.as_deref().unwrap_or(UNKNOWN_LANGUAGE);
                *self
                    .by_language
                    .entry(language.to_owned())
                    .or_default()
                    .slot(*outcome) += 1;
                if let Some(topic) = topic {
                    *self.topics.entry(topic.clone()).or_default() += 1;
                }
            }
            Usage::Emergency { flag } => *self.emergencies.entry(id_of(flag)).or_default() += 1,
            Usage::Urgent { urgency } => *self.urgent.entry(id_of(urgency)).or_default() += 1,
            Usage::HandoffOpened => self.handoffs += 1,
            Usage::FirstStaffReply { seconds } => self.first_replies.push(*seconds),
            Usage::HandoffClosed { seconds } => self.closes.push(*seconds),
            Usage::ScreenCompleted { outcome } => {
                *self.screens.entry(id_of(outcome)).or_default() += 1
            }
            Usage::ReminderSent => self.reminders_sent += 1,
            Usage::ReminderConfirmed => self.reminders_confirmed += 1,
        }
    }

    /// Adds another day's (or period's) counts to these.
    pub fn merge(&mut self, other: &DayCounts) {
        fn merge_map(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
            for (key, count) in from {
                *into.entry(key.clone()).or_default() += count;
            }
        }
        self.conversations += other.conversations;
        self.messages += other.messages;
        for (language, outcomes) in &other.by_language {
            self.by_language
                .entry(language.clone())
                .or_default()
                .merge(outcomes);
        }
        merge_map(&mut self.topics, &other.topics);
        merge_map(&mut self.emergencies, &other.emergencies);
        merge_map(&mut self.urgent, &other.urgent);
        self.handoffs += other.handoffs;
        self.first_replies.extend(&other.first_replies);
        self.closes.extend(&other.closes);
        merge_map(&mut self.screens, &other.screens);
        self.reminders_sent += other.reminders_sent;
        self.reminders_confirmed += other.reminders_confirmed;
    }

    /// Every language's outcomes added up.
    pub fn outcomes(&self) -> Outcomes {
        let mut all = Outcomes::default();
        self.by_language.values().for_each(|o| all.merge(o));
        all
    }

    pub fn emergency_alerts(&self) -> u64 {
        self.emergencies.values().sum()
    }

    pub fn urgent_alerts(&self) -> u64 {
        self.urgent.values().sum()
    }

    pub fn screens_completed(&self) -> u64 {
        self.screens.values().sum()
    }

    /// Topics by how often they were answered, most first (then by id).
    pub fn top_topics(&self, at_most: usize) -> Vec<(&str, u64)> {
        let mut list: Vec<(&str, u64)> =
            self.topics.iter().map(|(t, n)| (t.as_str(), *n)).collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        list.truncate(at_most);
        list
    }
}

/// A unit enum's serde id (`chest_or_breathing`).
fn id_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(id)) => id,
        _ => "unknown".to_owned(),
    }
}

/// The staff's words for an emergency's category id.
pub fn emergency_label(id: &str) -> String {
    serde_json::from_value::<RedFlag>(serde_json::Value::String(id.to_owned()))
        .map_or_else(|_| id.to_owned(), |f| f.as_str().to_owned())
}

/// The staff's words for an urgent worry's category id.
pub fn urgent_label(id: &str) -> String {
    serde_json::from_value::<Urgency>(serde_json::Value::String(id.to_owned()))
        .map_or_else(|_| id.to_owned(), |u| u.as_str().to_owned())
}

/// The staff's words for a screen outcome's id.
pub fn screen_label(id: &str) -> String {
    serde_json::from_value::<Clearance>(serde_json::Value::String(id.to_owned()))
        .map_or_else(|_| id.to_owned(), |c| c.as_str().to_owned())
}

/// The median of some durations in seconds, if there are any.
pub fn median(seconds: &[i64]) -> Option<i64> {
    if seconds.is_empty() {
        return None;
    }
    let mut sorted = seconds.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2
    } else {
        sorted[mid]
    })
}

/// The figures of a period: every clinic day from `from` to `to` (both
/// included, days with nothing too), and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbers {
    pub from: Date,
    pub to: Date,
    pub days: Vec<(Date, DayCounts)>,
    pub total: DayCounts,
}

impl Numbers {
    /// The period's figures from each day's counts (days missing from
    /// `counted` had nothing).
    pub fn new(from: Date, to: Date, mut counted: BTreeMap<Date, DayCounts>) -> Numbers {
        let mut days = Vec::new();
        let mut total = DayCounts::default();
        let mut day = from;
        while day <= to {
            let counts = counted.remove(&day).unwrap_or_default();
            total.merge(&counts);
            days.push((day, counts));
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        Numbers {
            from,
            to,
            days,
            total,
        }
    }

    /// The same figures as CSV (RFC 4180), one figure a row:
    /// `day,figure,item,value`. Each day's rows, then the period's with
    /// `total` as the day. `item` is the language, topic, category or
    /// outcome where the figure has one; durations are medians in seconds.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("day,figure,item,value\r\n");
        let days = self.days.iter().map(|(d, c)| (d.to_string(), c));
        for (day, counts) in days.chain(std::iter::once(("total".to_owned(), &self.total))) {
            let mut row = |figure: &str, item: &str, value: String| {
                let cells = [day.as_str(), figure, item, value.as_str()];
                let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                out.push_str(&line.join(","));
                out.push_str("\r\n");
            };
            row("conversations", "", counts.conversations.to_string());
            row("messages", "", counts.messages.to_string());
            for (language, outcomes) in &counts.by_language {
                for outcome in Outcome::ALL {
                    row(outcome.id(), language, outcomes.get(outcome).to_string());
                }
            }
            for (topic, count) in counts.top_topics(usize::MAX) {
                row("topic", topic, count.to_string());
            }
            for (flag, count) in &counts.emergencies {
                row("emergency_alert", flag, count.to_string());
            }
            for (urgency, count) in &counts.urgent {
                row("urgent_alert", urgency, count.to_string());
            }
            row("handoffs", "", counts.handoffs.to_string());
            row(
                "first_staff_replies",
                "",
                counts.first_replies.len().to_string(),
            );
            let seconds = |s: Option<i64>| s.map(|s| s.to_string()).unwrap_or_default();
            row(
                "first_staff_reply_median_seconds",
                "",
                seconds(median(&counts.first_replies)),
            );
            row("handoffs_closed", "", counts.closes.len().to_string());
            row("close_median_seconds", "", seconds(median(&counts.closes)));
            for (outcome, count) in &counts.screens {
                row("screens", outcome, count.to_string());
            }
            row("reminders_sent", "", counts.reminders_sent.to_string());
            row(
                "reminders_confirmed",
                "",
                counts.reminders_confirmed.to_string(),
            );
        }
        out
    }
}

/// One CSV cell (see [`crate::accounts::audit::to_csv`]): quoted when it
/// needs it, and defused when a spreadsheet would take it for a formula.
fn csv_cell(text: &str) -> String {
    crate::accounts::audit::csv_cell(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_days_counts_add_up_records_and_merge_with_another_days() {
        let mut day = DayCounts::default();
        for usage in [
            Usage::ConversationStarted,
            Usage::message(
                Outcome::Answered,
                Some(Locale::En),
                Some(&TopicId::parse("price").unwrap()),
            ),
            Usage::message(Outcome::FellBack, Some(Locale::Es), None),
            Usage::message(Outcome::Other, None, None),
            Usage::Emergency {
                flag: RedFlag::Stroke,
            },
            Usage::FirstStaffReply { seconds: 60 },
            Usage::ScreenCompleted {
                outcome: Clearance::Review,
            },
        ] {
            day.add(&usage);
        }
        assert_eq!((day.conversations, day.messages), (1, 3));
        assert_eq!(day.by_language["en"].answered, 1);
        assert_eq!(day.by_language["es"].fell_back, 1);
        assert_eq!(day.by_language[UNKNOWN_LANGUAGE].other, 1);
        assert_eq!(day.topics["price"], 1);
        assert_eq!(
            emergency_label(day.emergencies.keys().next().unwrap()),
            "signs of stroke"
        );
        assert_eq!(screen_label("review"), "clinician review needed");
        let mut both = day.clone();
        both.merge(&day);
        assert_eq!((both.messages, both.topics["price"]), (6, 2));
        assert_eq!(both.first_replies, [60, 60]);
        assert_eq!(both.outcomes().total(), 6);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5, 1, 3]), Some(3));
        assert_eq!(median(&[4, 1, 3, 10]), Some(3));
    }

    #[test]
    fn a_period_lists_every_day_and_its_csv_has_a_row_per_figure_and_the_totals() {
        let from = jiff::civil::date(2026, 3, 1);
        let to = jiff::civil::date(2026, 3, 3);
        let mut counted = BTreeMap::new();
        let mut second = DayCounts::default();
        second.add(&Usage::ConversationStarted);
        second.add(&Usage::message(Outcome::AskedBack, Some(Locale::En), None));
        counted.insert(jiff::civil::date(2026, 3, 2), second);
        let numbers = Numbers::new(from, to, counted);
        assert_eq!(numbers.days.len(), 3);
        assert_eq!(numbers.days[0].1, DayCounts::default());
        assert_eq!(numbers.total.messages, 1);
        let csv = numbers.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "day,figure,item,value");
        assert!(lines.contains(&"2026-03-02,conversations,,1"));
        assert!(lines.contains(&"2026-03-02,asked_back,en,1"));
        assert!(lines.contains(&"total,messages,,1"));
        assert!(lines.contains(&"2026-03-01,messages,,0"));
        assert_eq!(lines.last(), Some(&""));
    }
}
