//! The engine's side of the numbers: usage records ([`Usage`]) written in
//! the batch of the change they count, read back per clinic day, and rolled
//! up once a day.
//!
//! Keys: `stats/{clinic day}/{run}-{n}` for each record, append-only (two
//! chats never write the same key, so no counter is read, changed and
//! written back), and `stats-day/{clinic day}` for a day's records added
//! up. At the first tick of each clinic day the records of earlier days are
//! added into their day's sum and deleted, in one batch, so reading a
//! period reads about one record a day. A record written for a day already
//! rolled up (a message handled just after midnight) is simply added at the
//! next roll-up; until then a read adds it to the day's sum. The retention
//! sweep and `/forget` do not touch either prefix: nothing in them names a
//! patient.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use jiff::civil::Date;

use super::records::{decode, encode};
use super::{Engine, EngineError};
use crate::ports::{Batch, Store};
use crate::stats::{DayCounts, Numbers, Usage};

/// One record a counted thing.
const RECORDS: &str = "stats/";
/// One record a past day, its records added up.
const DAYS: &str = "stats-day/";

/// The longest period [`Engine::numbers`] reads, in days.
pub const MAX_DAYS: i32 = 800;

fn day_prefix(day: Date) -> String {
    format!("{RECORDS}{day}/")
}

fn day_sum(day: Date) -> String {
    format!("{DAYS}{day}")
}

/// The day in a record's key.
fn day_of(key: &str) -> Option<Date> {
    key.strip_prefix(RECORDS)?.split('/').next()?.parse().ok()
}

impl<S: Store> Engine<S> {
    /// Adds a usage record for `at`'s clinic day to the batch.
    pub(super) fn count(&self, batch: &mut Batch, at: Timestamp, usage: Usage) {
        let day = at
            .to_zoned(self.knowledge().clinic.time_zone.clone())
            .date();
        let n = self.stats_seq.fetch_add(1, Ordering::Relaxed);
        let key = format!("{}{:016x}-{n:012}", day_prefix(day), self.run);
        batch.put(key, encode(&usage));
    }

    /// The figures of the clinic days `from` to `to` (both included). An
    /// empty period when `to` is before `from`; at most [`MAX_DAYS`] days.
    pub fn numbers(&self, from: Date, to: Date) -> Result<Numbers, EngineError> {
        let to = to.min(from.saturating_add(jiff::Span::new().days(MAX_DAYS - 1)));
        let _stats = self.stats_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut counted = BTreeMap::new();
        let mut day = from;
        while day <= to {
            let mut counts: DayCounts = self.get(&day_sum(day))?.unwrap_or_default();
            for (key, bytes) in self.store.scan_prefix(&day_prefix(day))? {
                counts.add(&decode::<Usage>(&key, &bytes)?);
            }
            if counts != DayCounts::default() {
                counted.insert(day, counts);
            }
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        Ok(Numbers::new(from, to, counted))
    }

    /// Adds the records of clinic days before `now`'s into their days'
    /// sums and deletes them, in one batch. Returns how many were added.
    pub fn roll_up_numbers(&self, now: Timestamp) -> Result<usize, EngineError> {
        let today = now
            .to_zoned(self.knowledge().clinic.time_zone.clone())
            .date();
        let _stats = self.stats_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut past: BTreeMap<Date, Vec<(String, Usage)>> = BTreeMap::new();
        for (key, bytes) in self.store.scan_prefix(RECORDS)? {
            let Some(day) = day_of(&key).filter(|d| *d < today) else {
                continue;
            };
            let usage = match decode::<Usage>(&key, &bytes) {
                Ok(usage) => usage,
                Err(e) => {
                    // Left in place (and counted by no read) rather than
                    // stopping every later roll-up.
                    tracing::error!(%key, error = %e, "a usage record cannot be read");
                    continue;
                }
            };
            past.entry(day).or_default().push((key, usage));
        }
        let mut batch = Batch::default();
        let mut rolled = 0;
        for (day, records) in past {
            let mut counts: DayCounts = self.get(&day_sum(day))?.unwrap_or_default();
            for (key, usage) in records {
                counts.add(&usage);
                batch.delete(key);
                rolled += 1;
            }
            batch.put(day_sum(day), encode(&counts));
        }
        if !batch.is_empty() {
            self.apply(batch)?;
        }
        Ok(rolled)
    }

    /// Rolls the numbers up at the first tick of each clinic day (and the
    /// first tick of a run). A failure is logged and tried again next tick.
    pub(super) fn roll_up_when_due(&self, now: Timestamp) {
        let today = now
            .to_zoned(self.knowledge().clinic.time_zone.clone())
            .date();
        {
            let rolled = self.stats_rolled.lock().unwrap_or_else(|e| e.into_inner());
            if *rolled == Some(today) {
                return;
            }
        }
        match self.roll_up_numbers(now) {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(records = n, "usage records added into their days");
                }
                *self.stats_rolled.lock().unwrap_or_else(|e| e.into_inner()) = Some(today);
            }
            Err(e) => tracing::error!(error = %e, "cannot roll up the numbers"),
        }
    }
}

impl<S: Store> Engine<S> {
    /// The usage records of one message the dialogue handled: the chat's
    /// start when `new`, the message with its outcome, language and topic,
    /// its emergency and urgent alerts, and a screen it completed. (A
    /// hand-off it opened or ended is counted with the ticket.)
    pub(super) fn count_message(
        &self,
        new: bool,
        incoming: &crate::chat::Incoming,
        transition: &crate::dialogue::Transition,
        batch: &mut Batch,
    ) {
        let at = incoming.at;
        if new {
            self.count(batch, at, Usage::ConversationStarted);
        }
        let (outcome, topic) = crate::stats::Outcome::of(&transition.replies);
        // The language the bot answers in (as the dialogue picks it).
        let locale = (transition.conversation.locale)
            .or(incoming.locale_hint)
            .unwrap_or(crate::ids::Locale::En);
        let usage = Usage::message(outcome, Some(locale), topic.as_ref());
        self.count(batch, at, usage);
        for event in &transition.staff {
            match *event {
                crate::chat::StaffEvent::Emergency { flag, .. } => {
                    self.count(batch, at, Usage::Emergency { flag })
                }
                crate::chat::StaffEvent::Urgent { urgency, .. } => {
                    self.count(batch, at, Usage::Urgent { urgency })
                }
                _ => {}
            }
        }
        if let Some(record) = &transition.screen {
            let outcome = record.outcome;
            self.count(batch, at, Usage::ScreenCompleted { outcome });
        }
    }
}

/// Whole seconds from `from` to `to`.
pub(super) fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs().max(0)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use jiff::SignedDuration;

    use super::*;
    use crate::chat::{Incoming, Input, ReplyKind, StaffEvent};
    use crate::delivery::DeskEvent;
    use crate::handoff::{Actor, StaffAction};
    use crate::ids::{ChatKey, Platform};
    use crate::store::{MemoryStore, SledStore};
    use crate::testing::shipped;

    fn at(local: &str) -> Timestamp {
        crate::appointments::parse_local(local, &shipped().clinic.time_zone).unwrap()
    }

    fn maria() -> Actor {
        Actor {
            platform: Platform::Discord,
            user_id: "1300000000000000011".into(),
            roles: Vec::new(),
            display_name: "Maria".into(),
        }
    }

    /// What the test counts itself, from the engine's answers alone.
    #[derive(Default, Debug, PartialEq)]
    struct Tally {
        conversations: BTreeMap<Date, u64>,
        messages: BTreeMap<Date, u64>,
        /// (language, answered, asked back, fell back, emergency, other)
        by_language: BTreeMap<String, [u64; 5]>,
        topics: BTreeMap<String, u64>,
        emergencies: u64,
        urgent: u64,
        handoffs: u64,
        first_replies: Vec<i64>,
        closes: Vec<i64>,
        screens: BTreeMap<String, u64>,
    }

    struct Seeder<'a, S: Store> {
        engine: &'a Engine<S>,
        seen: HashSet<String>,
        tally: Tally,
    }

    impl<S: Store> Seeder<'_, S> {
        /// Says it, counts what came of it, and returns the screen's
        /// question the bot asked, if any.
        fn say(&mut self, chat: &str, text: &str, when: Timestamp) -> Option<String> {
            let incoming = Incoming {
                chat: ChatKey::parse(chat).unwrap(),
                input: Input::from_text(text),
                at: when,
                locale_hint: None,
                shared: false,
                display_name: Some("Pat Doe".into()),
                sequence: None,
            };
            let out = self.engine.handle(&incoming);
            let day = when.to_zoned(shipped().clinic.time_zone.clone()).date();
            let t = &mut self.tally;
            if self.seen.insert(chat.to_owned()) {
                *t.conversations.entry(day).or_default() += 1;
            }
            *t.messages.entry(day).or_default() += 1;
            let kinds: Vec<ReplyKind> = out.replies.iter().map(|r| r.kind).collect();
            let slot = if kinds.contains(&ReplyKind::Emergency) {
                3
            } else if let Some(answer) = out.replies.iter().find(|r| r.kind == ReplyKind::Answer) {
                let topic = answer.topic.as_ref().unwrap().to_string();
                *t.topics.entry(topic).or_default() += 1;
                0
            } else if kinds.contains(&ReplyKind::Clarify) {
                1
            } else if kinds.contains(&ReplyKind::Fallback) {
                2
            } else {
                4
            };
            let locale = self
                .engine
                .conversation(&incoming.chat)
                .unwrap()
                .and_then(|c| c.locale)
                .map_or("en".to_owned(), |l| l.as_str().to_owned());
            t.by_language.entry(locale).or_default()[slot] += 1;
            for event in &out.staff {
                match event {
                    StaffEvent::Emergency { .. } => t.emergencies += 1,
                    StaffEvent::Urgent { .. } => t.urgent += 1,
                    StaffEvent::ScreenCompleted { outcome, .. } => {
                        let id = serde_json::to_value(outcome).unwrap();
                        *t.screens
                            .entry(id.as_str().unwrap().to_owned())
                            .or_default() += 1;
                    }
                    _ => {}
                }
            }
            let opened = out
                .desk_events()
                .filter(|e| matches!(e, DeskEvent::Opened { .. }))
                .count();
            t.handoffs += opened as u64;
            out.replies.last().and_then(|r| r.question.clone())
        }
    }

    /// Three clinic days of patients: questions in both languages, a
    /// question back, fallbacks, an emergency, an urgent worry, a hand-off
    /// answered and closed by staff, one the patient ends, and a screen.
    fn seed<S: Store>(engine: &Engine<S>) -> Tally {
        let mut s = Seeder {
            engine,
            seen: HashSet::new(),
            tally: Tally::default(),
        };
        let day1 = at("2026-03-02 09:00");
        let min = |t: Timestamp, m: i64| t.checked_add(SignedDuration::from_mins(m)).unwrap();
        s.say("telegram:1", "does dry needling hurt?", day1);
        s.say("telegram:1", "how much does it cost", min(day1, 1));
        s.say("telegram:2", "¿duele la punción seca?", min(day1, 2));
        s.say("telegram:3", "how long", min(day1, 3));
        s.say("telegram:3", "1", min(day1, 4));
        s.say("discord:4", "do you do botox", min(day1, 5));
        s.say(
            "discord:5",
            "my husband collapsed and is not breathing",
            min(day1, 6),
        );
        // A hand-off, answered after 10 minutes and closed after 30.
        s.say("telegram:6", "/human", min(day1, 10));
        s.say("telegram:6", "is 3 pm ok?", min(day1, 11));
        let maria = maria();
        engine
            .handle_staff(&maria, &StaffAction::Claim(1), min(day1, 15))
            .unwrap();
        engine
            .handle_staff(&maria, &StaffAction::Reply(1, "Yes.".into()), min(day1, 20))
            .unwrap();
        engine
            .handle_staff(
                &maria,
                &StaffAction::Reply(1, "See you.".into()),
                min(day1, 25),
            )
            .unwrap();
        engine
            .handle_staff(&maria, &StaffAction::Close(1), min(day1, 40))
            .unwrap();
        s.tally.first_replies.push(600);
        s.tally.closes.push(1800);

        let day2 = at("2026-03-03 14:00");
        s.say("telegram:1", "what should I wear to my appointment", day2);
        s.say(
            "telegram:7",
            "the needle spot is red, hot and oozing pus since yesterday",
            min(day2, 1),
        );
        s.say("discord:8", "can my dog get needled", min(day2, 2));
        // The health screen, "yes" to consent and "no" to the rest.
        let mut next = "/screen";
        for n in 3.. {
            let asked = s.say("telegram:9", next, min(day2, n));
            match asked.as_deref() {
                None => break,
                Some("consent") => next = "yes",
                Some(_) => next = "no",
            }
        }

        let day3 = at("2026-03-04 23:30");
        s.say("telegram:2", "¿cuánto cuesta?", day3);
        s.say("terminal:10", "/human", min(day3, 1));
        s.say("terminal:10", "/stop", min(day3, 5));
        s.tally.closes.push(240);
        s.tally
    }

    fn counted(numbers: &Numbers) -> Tally {
        let total = &numbers.total;
        let per_day = |f: fn(&DayCounts) -> u64| {
            numbers
                .days
                .iter()
                .map(|(d, c)| (*d, f(c)))
                .filter(|(_, n)| *n > 0)
                .collect()
        };
        let mut first_replies = total.first_replies.clone();
        let mut closes = total.closes.clone();
        first_replies.sort_unstable();
        closes.sort_unstable_by(|a, b| b.cmp(a));
        Tally {
            conversations: per_day(|c| c.conversations),
            messages: per_day(|c| c.messages),
            by_language: total
                .by_language
                .iter()
                .map(|(l, o)| {
                    let slots = [o.answered, o.asked_back, o.fell_back, o.emergency, o.other];
                    (l.clone(), slots)
                })
                .collect(),
            topics: total.topics.clone(),
            emergencies: total.emergency_alerts(),
            urgent: total.urgent_alerts(),
            handoffs: total.handoffs,
            first_replies,
            closes,
            screens: total.screens.clone(),
        }
    }

    #[test]
    fn the_numbers_match_a_count_made_from_the_answers_and_survive_a_retention_sweep() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let tally = seed(&engine);
        // The script reached what it meant to: every kind of figure is there.
        assert!(tally.by_language.contains_key("es"));
        let en = tally.by_language["en"];
        assert!(
            en[0] > 0 && en[1] > 0 && en[2] > 0 && en[3] > 0,
            "{tally:?}"
        );
        assert!(tally.emergencies > 0 && tally.urgent > 0);
        assert_eq!(tally.handoffs, 2);
        assert_eq!(tally.screens.values().sum::<u64>(), 1);

        let (from, to) = (jiff::civil::date(2026, 3, 1), jiff::civil::date(2026, 3, 7));
        let numbers = engine.numbers(from, to).unwrap();
        assert_eq!(numbers.days.len(), 7);
        assert_eq!(counted(&numbers), tally);

        // Rolled up into one record a day: the same figures.
        let rolled = engine.roll_up_numbers(at("2026-03-05 00:01")).unwrap();
        assert!(rolled > 30, "{rolled}");
        assert!(engine.store().scan_prefix(RECORDS).unwrap().is_empty());
        assert_eq!(engine.numbers(from, to).unwrap(), numbers);

        // Half a year on, the sweep deletes the tickets, screens,
        // unanswered questions and the conversations of those chats; the
        // figures stay.
        let later = at("2026-09-30 12:00");
        let swept = engine.sweep(later).unwrap().0;
        assert!(swept.tickets == 2 && swept.screens == 1, "{swept:?}");
        assert!(swept.unanswered > 0 && swept.conversations > 0, "{swept:?}");
        assert_eq!(engine.numbers(from, to).unwrap(), numbers);
        assert_eq!(counted(&engine.numbers(from, to).unwrap()), tally);
    }

    #[test]
    fn records_written_after_a_days_roll_up_are_added_to_it_and_a_read_counts_both() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let day = jiff::civil::date(2026, 3, 2);
        let morning = at("2026-03-02 09:00");
        let say = |chat: &str, text: &str| {
            engine.handle(&Incoming::private(
                ChatKey::parse(chat).unwrap(),
                Input::from_text(text),
                morning,
                "Pat",
            ))
        };
        say("telegram:1", "does dry needling hurt?");
        engine.roll_up_numbers(at("2026-03-03 00:00")).unwrap();
        // Handled late (a message of just before midnight).
        say("telegram:2", "does dry needling hurt?");
        let numbers = engine.numbers(day, day).unwrap();
        assert_eq!(
            (numbers.total.conversations, numbers.total.messages),
            (2, 2)
        );
        engine.roll_up_numbers(at("2026-03-03 00:01")).unwrap();
        assert_eq!(engine.numbers(day, day).unwrap(), numbers);
        // Reopened: the figures are on disk.
        drop(engine);
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        assert_eq!(engine.numbers(day, day).unwrap(), numbers);
    }

    #[test]
    fn a_usage_record_names_no_chat_no_patient_and_holds_no_words() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        seed(&engine);
        let records = engine.store().scan_prefix(RECORDS).unwrap();
        assert!(!records.is_empty());
        for (key, value) in records {
            let text = format!("{key} {}", String::from_utf8_lossy(&value));
            for personal in [
                "telegram", "discord", "terminal", "Pat", "husband", "pus", "3 pm", "dog",
            ] {
                assert!(!text.contains(personal), "{text}");
            }
        }
    }

    #[test]
    fn a_reminder_the_platform_took_and_a_visits_confirmation_are_counted_once_each() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let row = crate::appointments::NewAppointment {
            patient: "Ana Ruiz".into(),
            start: at("2026-12-04 15:00"),
            needling: true,
        };
        engine
            .import_appointments(std::slice::from_ref(&row))
            .unwrap();
        let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
        let chat = ChatKey::parse("telegram:6").unwrap();
        let link = Input::from_text(&format!("/start {code}"));
        engine.handle(&Incoming::private(
            chat.clone(),
            link,
            at("2026-11-25 10:00"),
            "Ana",
        ));

        let now = at("2026-12-01 15:00");
        let decided = engine.due_reminders(now, &|_| true).unwrap();
        let [
            crate::Delivery::ToChat {
                receipt: Some(receipt),
                ..
            },
        ] = &decided[..]
        else {
            panic!("one reminder: {decided:?}");
        };
        // Decided is not sent: only the platform's receipt counts, once.
        let day = jiff::civil::date(2026, 12, 1);
        assert_eq!(engine.numbers(day, day).unwrap().total.reminders_sent, 0);
        engine.delivered(receipt, now).unwrap();
        engine.delivered(receipt, now).unwrap();
        let confirm = crate::chat::PatientAction::Confirm.button_id(&row.id());
        for _ in 0..2 {
            let press = Input::Choice(confirm.clone());
            engine.handle(&Incoming::private(chat.clone(), press, now, "Ana"));
        }
        let numbers = engine.numbers(day, day).unwrap();
        assert_eq!(numbers.total.reminders_sent, 1);
        assert_eq!(numbers.total.reminders_confirmed, 1);
    }
}
