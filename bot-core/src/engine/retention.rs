//! The retention sweep: deletes every record that [`crate::retention`] says
//! has been kept long enough, once a clinic-local day from [`Engine::tick`]
//! (its first tick of the day: just after midnight when the bot runs all the
//! time, or at start when it was down then). It sends nothing to anyone and
//! logs counts, never text.
//!
//! The records go in one atomic batch, each with the keys that point at it,
//! as in `privacy.rs`: an appointment with its link code (`appt-code/`) and
//! its chat link (`appt-chat/`), a ticket with its open-ticket index
//! (`ticket-open/`, which a closed ticket should no longer have). The batch
//! also marks the day (`meta/retention/DAY`), so a sweep that fails is tried
//! again at the next tick and one that succeeded is not run again that day.
//!
//! Then, one chat at a time under the chat's lock, the conversation states of
//! the chats that lost records: a screen left unfinished too long is dropped,
//! and the bot's last few messages (which may quote a screen's outcome or a
//! visit's time) are cleared. When nothing of the chat is left and it is idle,
//! its conversation state is deleted too.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::records::{ChatName, decode, encode, keys};
use super::{Alert, Engine, EngineError, UnansweredEntry};
use crate::appointments::Appointment;
use crate::delivery::{Delivery, ErasedBy};
use crate::dialogue::{Conversation, ScreenRecord, State};
use crate::handoff::{Ticket, TicketStatus};
use crate::ids::Platform;
use crate::ports::{Batch, Store};
use crate::retention::{Record, visit_for};

/// The day's sweep has run.
fn marker(day: Date) -> String {
    format!("meta/retention/{day}")
}

/// What a sweep deleted (or, in a preview, would delete).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Appointments, with their link codes and chat links.
    pub appointments: usize,
    /// Completed health screens.
    pub screens: usize,
    /// Unfinished health screens dropped from conversation states.
    pub unfinished_screens: usize,
    /// Closed hand-off tickets with their transcripts.
    pub tickets: usize,
    pub unanswered: usize,
    /// Staff alerts no desk took in two days.
    pub alerts: usize,
    /// Lines of the staff audit log.
    pub audit: usize,
    /// Console sessions that had ended.
    pub sessions: usize,
    /// Web chat messages kept for a visitor past their time.
    pub mailbox: usize,
    /// Conversation states deleted because nothing else of the chat was left.
    pub conversations: usize,
    /// Records that could not be read and were left in place (their keys
    /// are logged).
    pub unreadable: usize,
}

impl SweepReport {
    /// Records deleted, conversation states dropped included.
    pub fn total(&self) -> usize {
        self.appointments
            + self.screens
            + self.unfinished_screens
            + self.tickets
            + self.unanswered
            + self.alerts
            + self.audit
            + self.sessions
            + self.mailbox
            + self.conversations
    }
}

/// What happens to one chat's conversation state.
#[derive(Debug, Default)]
struct ChatPlan {
    /// Some of the chat's records are deleted.
    swept: bool,
    /// Some of the chat's records stay.
    kept: bool,
    /// The start of its unfinished screen, which is due.
    unfinished: Option<Timestamp>,
    /// Its conversation's last lines (kept for the desk's context) are a
    /// day old: they go, the rest of its state stays.
    stale_context: bool,
}

/// How long a conversation's last lines are kept for a hand-off's context.
const CONTEXT_KEPT: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Whether a conversation's last lines are due to go at `now`: a day after
/// they last changed, unless a person has the chat.
fn stale_context(conversation: &Conversation, now: Timestamp) -> bool {
    !conversation.recent.is_empty()
        && !conversation.state.is_handed_off()
        && conversation
            .recent_at
            .is_none_or(|at| now.duration_since(at) > CONTEXT_KEPT)
}

#[derive(Default)]
struct Plan {
    batch: Batch,
    report: SweepReport,
    chats: BTreeMap<ChatName, ChatPlan>,
    /// The desk topics and threads of the tickets it deletes.
    places: Vec<(Platform, String)>,
}

impl Plan {
    fn chat(&mut self, chat: ChatName, swept: bool) {
        let plan = self.chats.entry(chat).or_default();
        if swept {
            plan.swept = true;
        } else {
            plan.kept = true;
        }
    }

    /// Decodes a record, or counts and logs it as unreadable (one broken
    /// record must not stop the whole sweep, every day).
    fn read<T: for<'de> serde::Deserialize<'de>>(&mut self, key: &str, bytes: &[u8]) -> Option<T> {
        match decode(key, bytes) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(%key, "the retention sweep cannot read a record and left it");
                self.report.unreadable += 1;
                None
            }
        }
    }
}

/// Whether the conversation is in the unfinished screen the plan found due.
fn in_due_screen(conversation: &Conversation, started: Option<Timestamp>) -> bool {
    matches!(&conversation.state, State::Screening(p) if Some(p.started) == started)
}

impl<S: Store> Engine<S> {
    /// Deletes every record due at `now` and returns what went, and what
    /// the desks should be given: the deletion of the deleted tickets'
    /// topics and threads (kept in the outbox until each desk takes it).
    pub fn sweep(&self, now: Timestamp) -> Result<(SweepReport, Vec<Delivery>), EngineError> {
        Ok(self.run_sweep(now, None)?.unwrap_or_default())
    }

    /// What [`Engine::sweep`] would delete at `now`; deletes nothing.
    pub fn preview_sweep(&self, now: Timestamp) -> Result<SweepReport, EngineError> {
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let _appointments = self.lock_appointments();
        Ok(self.plan_sweep(now)?.report)
    }

    /// Sweeps at most once per clinic-local day: the first call of each day
    /// sweeps, later ones that day return `None`.
    pub fn due_sweep(
        &self,
        now: Timestamp,
    ) -> Result<Option<(SweepReport, Vec<Delivery>)>, EngineError> {
        let day = now
            .to_zoned(self.knowledge().clinic.time_zone.clone())
            .date();
        let marker = marker(day);
        if self.store.get(&marker)?.is_some() {
            return Ok(None);
        }
        self.run_sweep(now, Some(marker))
    }

    /// [`Engine::due_sweep`] for [`Engine::tick`]: a failure is logged, and
    /// the sweep is tried again at the next tick.
    pub(super) fn sweep_when_due(&self, now: Timestamp) -> Vec<Delivery> {
        match self.due_sweep(now) {
            Ok(swept) => swept.map(|(_, desk)| desk).unwrap_or_default(),
            Err(e) => {
                tracing::error!(error = %e, "the retention sweep failed; it is tried again at the next tick");
                Vec::new()
            }
        }
    }

    /// Sweeps, marking the day with `marker` unless it is already marked.
    fn run_sweep(
        &self,
        now: Timestamp,
        marker: Option<String>,
    ) -> Result<Option<(SweepReport, Vec<Delivery>)>, EngineError> {
        // Lock order as everywhere: tickets, then appointments; the chats'
        // locks only once these are released.
        let (mut report, chats, erasures) = {
            let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
            let _appointments = self.lock_appointments();
            if let Some(marker) = &marker {
                if self.store.get(marker)?.is_some() {
                    return Ok(None);
                }
            }
            let mut plan = self.plan_sweep(now)?;
            if let Some(marker) = marker {
                plan.batch.put(marker, encode(&now));
            }
            let erasures =
                self.erasures_to_outbox(plan.places, ErasedBy::Retention, now, &mut plan.batch);
            self.apply(plan.batch)?;
            (plan.report, plan.chats, erasures)
        };
        report.unfinished_screens = 0;
        report.conversations = 0;
        for (chat, plan) in chats
            .into_iter()
            .filter(|(_, p)| p.swept || p.stale_context)
        {
            self.tidy_conversation(&chat, &plan, now, &mut report)?;
        }
        tracing::info!(
            appointments = report.appointments,
            screens = report.screens,
            unfinished_screens = report.unfinished_screens,
            tickets = report.tickets,
            unanswered = report.unanswered,
            alerts = report.alerts,
            conversations = report.conversations,
            unreadable = report.unreadable,
            "retention sweep done"
        );
        // What the sweep deleted (and anything a failed erase after a
        // `/forget` left behind) leaves the store's files now.
        self.erase_deleted();
        Ok(Some((
            report,
            erasures.iter().map(Alert::delivery).collect(),
        )))
    }

    /// Decides what is due at `now`; the caller holds the tickets and
    /// appointments locks.
    fn plan_sweep(&self, now: Timestamp) -> Result<Plan, EngineError> {
        let knowledge = self.knowledge();
        let settings = knowledge.retention();
        let valid = knowledge.reminders().screen_valid;
        let mut plan = Plan::default();

        // Appointments first: a screen is judged by the visit it was for.
        let mut visits: HashMap<ChatName, Vec<Timestamp>> = HashMap::new();
        for (key, bytes) in self.store.scan_prefix(keys::APPOINTMENTS)? {
            let Some(a) = plan.read::<Appointment>(&key, &bytes) else {
                continue;
            };
            let due = settings.is_due(Record::Appointment { start: a.start }, now);
            if let Some(chat) = &a.chat {
                visits.entry(self.name(chat)).or_default().push(a.start);
                plan.chat(self.name(chat), due);
            }
            if due {
                plan.batch.delete(key);
                plan.batch.delete(keys::link_code(&a.link_code));
                if let Some(chat) = &a.chat {
                    plan.batch
                        .delete(keys::chat_appointment(&self.name(chat), &a.id));
                }
                plan.report.appointments += 1;
            }
        }
        let visit_of = |chat: &ChatName, done: Timestamp| {
            visit_for(done, visits.get(chat).into_iter().flatten().copied(), valid)
        };

        for (key, bytes) in self.store.scan_prefix(keys::SCREENS)? {
            let Some(r) = plan.read::<ScreenRecord>(&key, &bytes) else {
                continue;
            };
            let record = Record::Screen {
                done: r.completed,
                visit: visit_of(&self.name(&r.chat), r.completed),
            };
            let due = settings.is_due(record, now);
            plan.chat(self.name(&r.chat), due);
            if due {
                plan.batch.delete(key);
                plan.report.screens += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(keys::TICKETS)? {
            let Some(t) = plan.read::<Ticket>(&key, &bytes) else {
                continue;
            };
            let closed = match t.status {
                TicketStatus::Closed { at, .. } => Some(at),
                _ => None,
            };
            let due = settings.is_due(Record::Ticket { closed }, now);
            plan.chat(self.name(&t.chat), due);
            if due {
                let index = keys::open_ticket(&self.name(&t.chat));
                let points_here = match self.store.get(&index)? {
                    Some(bytes) => decode::<u64>(&index, &bytes).ok() == Some(t.number),
                    None => false,
                };
                if points_here {
                    plan.batch.delete(index);
                }
                let places = self.drop_desk_threads(t.number, &mut plan.batch)?;
                plan.places.extend(places);
                plan.batch.delete(key);
                plan.report.tickets += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(keys::UNANSWERED)? {
            let Some(entry) = plan.read::<UnansweredEntry>(&key, &bytes) else {
                continue;
            };
            let due = settings.is_due(Record::Unanswered { asked: entry.at }, now);
            plan.chat(self.name(&entry.chat), due);
            if due {
                plan.batch.delete(key);
                plan.report.unanswered += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(keys::ALERTS)? {
            let Some(alert) = plan.read::<super::outbox::Pending>(&key, &bytes) else {
                continue;
            };
            if now.duration_since(alert.created) > super::outbox::GIVE_UP_AFTER {
                plan.batch.delete(key);
                plan.report.alerts += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(super::accounts::keys::AUDIT)? {
            let Some(entry) = plan.read::<crate::accounts::AuditEntry>(&key, &bytes) else {
                continue;
            };
            if settings.is_due(Record::AuditEntry { written: entry.at }, now) {
                plan.batch.delete(key);
                plan.report.audit += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(super::mailbox::keys::MAILBOXES)? {
            let Some(item) = plan.read::<super::mailbox::Posted>(&key, &bytes) else {
                continue;
            };
            if now.duration_since(item.at) > super::mailbox::KEPT_FOR {
                plan.batch.delete(key);
                plan.report.mailbox += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(super::accounts::keys::SESSIONS)? {
            let Some(session) = plan.read::<crate::accounts::Session>(&key, &bytes) else {
                continue;
            };
            // Whatever the limits in use, no session outlives a day.
            if now.duration_since(session.created) > jiff::SignedDuration::from_hours(24) {
                plan.batch.delete(key);
                plan.report.sessions += 1;
            }
        }

        for (key, bytes) in self.store.scan_prefix(keys::CONVERSATIONS)? {
            let chat = ChatName::from_key_part(&key[keys::CONVERSATIONS.len()..]);
            let Some(conversation) = plan.read::<Conversation>(&key, &bytes) else {
                continue;
            };
            if let State::Screening(p) = &conversation.state {
                let record = Record::Screen {
                    done: p.started,
                    visit: visit_of(&chat, p.started),
                };
                if settings.is_due(record, now) {
                    plan.report.unfinished_screens += 1;
                    let chat_plan = plan.chats.entry(chat.clone()).or_default();
                    chat_plan.swept = true;
                    chat_plan.unfinished = Some(p.started);
                }
            }
            if stale_context(&conversation, now) {
                plan.chats.entry(chat.clone()).or_default().stale_context = true;
            }
            if let Some(chat_plan) = plan.chats.get(&chat) {
                let idle = conversation.state == State::Idle
                    || in_due_screen(&conversation, chat_plan.unfinished);
                if chat_plan.swept && !chat_plan.kept && idle {
                    plan.report.conversations += 1;
                }
            }
        }
        Ok(plan)
    }

    /// Drops a due unfinished screen and the bot's last messages from the
    /// chat's state, or the whole state when nothing else of the chat is
    /// left and it is idle. Rechecked under the chat's lock: a patient who
    /// wrote meanwhile keeps what they are doing.
    fn tidy_conversation(
        &self,
        chat: &ChatName,
        plan: &ChatPlan,
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        let _chat = self.lock_name(chat);
        let key = keys::conversation(chat);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(());
        };
        let Ok(conversation) = decode::<Conversation>(&key, &bytes) else {
            return Ok(());
        };
        let unfinished = in_due_screen(&conversation, plan.unfinished);
        let mut batch = Batch::default();
        if plan.swept && !plan.kept && (conversation.state == State::Idle || unfinished) {
            batch.delete(key);
            report.conversations += 1;
        } else {
            let mut tidied = conversation.clone();
            // Rechecked: a patient who wrote meanwhile keeps today's lines.
            if plan.swept || stale_context(&conversation, now) {
                tidied.recent.clear();
                tidied.recent_at = None;
            }
            if unfinished {
                tidied.state = State::Idle;
                tidied.offered.clear();
            }
            if tidied == conversation {
                return Ok(());
            }
            batch.put(key, encode(&tidied));
        }
        if unfinished {
            report.unfinished_screens += 1;
        }
        self.apply(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::appointments::{NewAppointment, parse_local};
    use crate::chat::{Incoming, Input};
    use crate::delivery::DeskEvent;
    use crate::handoff::{Actor, StaffAction};
    use crate::ids::{ChatKey, Locale};
    use crate::knowledge::{Diagnostic, Knowledge, KnowledgeError, RETENTION_FILE};
    use crate::ports::{Clock, ManualClock};
    use crate::store::MemoryStore;
    use crate::testing::{faq_dir, shipped};

    fn at(local: &str) -> Timestamp {
        parse_local(local, &shipped().clinic.time_zone).unwrap()
    }

    fn days(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n * 24)
    }

    fn plus(t: Timestamp, by: SignedDuration) -> Timestamp {
        t.checked_add(by).unwrap()
    }

    fn second_before(t: Timestamp) -> Timestamp {
        plus(t, SignedDuration::from_secs(-1))
    }

    fn say(chat: &str, text: &str, now: Timestamp) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input: Input::from_text(text),
            at: now,
            locale_hint: None,
            shared: false,
            display_name: Some(format!("Zed Quinto {chat}")),
            sequence: None,
        }
    }

    fn maria() -> Actor {
        Actor {
            platform: Platform::Telegram,
            user_id: "5000001".into(),
            roles: Vec::new(),
            display_name: "Maria".into(),
        }
    }

    /// The moments of one patient's records.
    struct Patient {
        visit: Timestamp,
        asked: Timestamp,
        closed: Timestamp,
        appointment: Appointment,
    }

    /// A patient with every kind of record, from `from` on: an appointment
    /// linked to the chat, an unanswered question, a completed screen for
    /// the visit, and a hand-off ticket staff close.
    fn busy_patient(
        engine: &Engine<MemoryStore>,
        chat: &str,
        name: &str,
        from: Timestamp,
    ) -> Patient {
        let row = NewAppointment {
            patient: name.into(),
            start: plus(from, days(10)),
            needling: true,
        };
        engine
            .import_appointments(std::slice::from_ref(&row))
            .unwrap();
        let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
        let mut now = from;
        let mut next = |text: &str| {
            now = plus(now, SignedDuration::from_mins(1));
            let out = engine.handle(&say(chat, text, now));
            // A desk takes every alert at once.
            for alert in &out.alerts {
                engine.delivered(&alert.receipt, now).unwrap();
            }
            (out, now)
        };
        next(&format!("/start {code}"));
        let (_, asked) = next("do you do botox for wrinkles");
        let (mut out, _) = next("/screen");
        while let Some(q) = out.replies.last().and_then(|r| r.question.clone()) {
            out = next(match q.as_str() {
                "consent" => "yes",
                "anything_else" => "my left knee is the sore one",
                _ => "no",
            })
            .0;
        }
        let (out, _) = next("/human");
        let number = match out.desk_events().next() {
            Some(crate::delivery::DeskEvent::Opened { number, .. }) => *number,
            other => panic!("a ticket opened: {other:?}"),
        };
        let (_, said) = next("my knee still hurts, call me");
        let closed = plus(said, SignedDuration::from_mins(5));
        engine
            .handle_staff(&maria(), &StaffAction::Close(number), closed)
            .unwrap();
        Patient {
            visit: row.start,
            asked,
            closed,
            appointment: engine.appointment(&row.id()).unwrap().unwrap(),
        }
    }

    fn keys_with(engine: &Engine<MemoryStore>, prefix: &str) -> usize {
        engine.store().scan_prefix(prefix).unwrap().len()
    }

    #[test]
    fn records_just_inside_their_limit_are_kept_and_just_past_it_are_deleted() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let p = busy_patient(&engine, "telegram:41", "Ana Ruiz", at("2026-11-20 10:00"));
        let a = &p.appointment;
        let chat = ChatKey::parse("telegram:41").unwrap();
        let present = |key: &str| engine.store().get(key).unwrap().is_some();

        // The closed ticket: 30 days after it was closed.
        let limit = plus(p.closed, days(30));
        engine.sweep(second_before(limit)).unwrap();
        assert!(present(&keys::ticket(1)), "kept a second before");
        let report = engine.sweep(limit).unwrap().0;
        assert!(!present(&keys::ticket(1)), "deleted at the limit");
        assert_eq!((report.tickets, report.total()), (1, 1), "{report:?}");

        // The appointment and its screen: 30 days after the visit.
        let limit = plus(p.visit, days(30));
        engine.sweep(second_before(limit)).unwrap();
        assert!(present(&keys::appointment(&a.id)));
        assert!(present(&keys::link_code(&a.link_code)));
        assert!(present(&keys::chat_appointment(&engine.name(&chat), &a.id)));
        assert_eq!(
            keys_with(&engine, &keys::screens_of(&engine.name(&chat))),
            1
        );
        let report = engine.sweep(limit).unwrap().0;
        assert!(!present(&keys::appointment(&a.id)));
        assert!(!present(&keys::link_code(&a.link_code)));
        assert!(!present(&keys::chat_appointment(
            &engine.name(&chat),
            &a.id
        )));
        assert_eq!(
            keys_with(&engine, &keys::screens_of(&engine.name(&chat))),
            0
        );
        assert_eq!((report.appointments, report.screens), (1, 1));
        // The question is still kept, so the chat's state stays, without
        // the bot's last messages.
        let conversation = engine.conversation(&chat).unwrap().unwrap();
        assert!(conversation.recent.is_empty(), "{conversation:?}");
        assert_eq!(conversation.locale, Some(Locale::En));

        // The unanswered question: 90 days after it was asked; with it the
        // chat's last record goes, and its conversation state too.
        let limit = plus(p.asked, days(90));
        engine.sweep(second_before(limit)).unwrap();
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 1);
        let report = engine.sweep(limit).unwrap().0;
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 0);
        assert_eq!((report.unanswered, report.conversations), (1, 1));
        assert_eq!(engine.conversation(&chat).unwrap(), None);
    }

    #[test]
    fn the_sweep_runs_once_a_clinic_day_from_the_first_tick_of_the_day() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let old = at("2026-11-01 10:00");
        engine.handle(&say("discord:7", "do you do botox for wrinkles", old));
        let clock = ManualClock::new(at("2027-03-01 00:00"));
        let tick = || engine.tick(clock.now(), &|_| false).unwrap();
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 1);

        tick();
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 0, "swept at midnight");
        assert_eq!(keys_with(&engine, "meta/retention/2027-03-01"), 1);

        // Another old question later that day waits for tomorrow.
        engine.handle(&say("discord:8", "do you do botox for frown lines", old));
        clock.set(at("2027-03-01 23:59"));
        tick();
        assert_eq!(engine.due_sweep(clock.now()).unwrap(), None);
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 1, "once a day");
        clock.advance(SignedDuration::from_mins(1));
        tick();
        assert_eq!(keys_with(&engine, keys::UNANSWERED), 0, "the next day");
    }

    #[test]
    fn a_swept_tickets_topic_is_given_to_its_desk_to_delete_and_kept_until_taken() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let p = busy_patient(&engine, "telegram:41", "Ana Ruiz", at("2026-11-20 10:00"));
        engine.set_desk_thread(Platform::Telegram, 1, "57").unwrap();
        let waiting = engine.pending_alerts().unwrap();
        let (_, kept) = engine
            .sweep(second_before(plus(p.closed, days(30))))
            .unwrap();
        assert!(kept.is_empty(), "{kept:?}");
        let (report, desk) = engine.sweep(plus(p.closed, days(30))).unwrap();
        assert_eq!(report.tickets, 1);
        let [Delivery::Desk { event, receipt }] = desk.as_slice() else {
            panic!("one delivery for the Telegram desk: {desk:?}")
        };
        assert_eq!(
            event,
            &DeskEvent::Erased {
                platform: Platform::Telegram,
                places: vec!["57".into()],
                by: ErasedBy::Retention,
            }
        );
        assert_eq!(event.only_for(), Some(Platform::Telegram));
        assert_eq!(engine.desk_thread(Platform::Telegram, 1).unwrap(), None);
        assert_eq!(engine.pending_alerts().unwrap(), waiting + 1);
        let taken = receipt.as_ref().expect("with a receipt");
        engine.delivered(taken, plus(p.closed, days(30))).unwrap();
        assert_eq!(engine.pending_alerts().unwrap(), waiting);
    }

    #[test]
    fn an_open_ticket_is_never_swept_however_old() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let opened = at("2026-11-20 10:00");
        let out = engine.handle(&say("telegram:5", "/human", opened));
        engine.delivered(&out.alerts[0].receipt, opened).unwrap();
        engine.handle(&say("telegram:5", "please call me", plus(opened, days(1))));
        engine
            .handle_staff(&maria(), &StaffAction::Claim(1), plus(opened, days(2)))
            .unwrap();
        let before = engine.store().scan_prefix("").unwrap();
        let report = engine.sweep(plus(opened, days(3650))).unwrap().0;
        assert_eq!(report, SweepReport::default());
        assert_eq!(engine.store().scan_prefix("").unwrap(), before);
        assert_eq!(engine.open_tickets().unwrap().len(), 1);
    }

    #[test]
    fn a_sweep_leaves_nothing_of_an_expired_patient_and_no_one_elses_recent_record_changes() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let old = busy_patient(
            &engine,
            "telegram:777001",
            "Olga Vieja",
            at("2026-09-01 10:00"),
        );
        busy_patient(
            &engine,
            "discord:888002",
            "Rita Nueva",
            at("2026-12-20 10:00"),
        );
        let mentions = |needles: &[&str]| -> Vec<(String, Vec<u8>)> {
            engine
                .store()
                .scan_prefix("")
                .unwrap()
                .into_iter()
                .filter(|(k, v)| {
                    let v = String::from_utf8_lossy(v);
                    needles.iter().any(|n| k.contains(n) || v.contains(n))
                })
                .collect()
        };
        let old_marks = [
            "777001",
            "Olga Vieja",
            old.appointment.id.as_str(),
            old.appointment.link_code.as_str(),
        ];
        let recent_marks = ["888002", "Rita Nueva"];
        assert!(
            mentions(&old_marks).len() >= 7,
            "the old patient left records"
        );
        let recent_before = mentions(&recent_marks);

        let report = engine.sweep(at("2027-01-10 00:00")).unwrap().0;
        let left = mentions(&old_marks);
        assert!(
            left.is_empty(),
            "records of the old patient remain: {left:?}"
        );
        // Untouched, but for the conversation's last lines, a day old.
        let without_context = |records: Vec<(String, Vec<u8>)>| {
            records
                .into_iter()
                .map(|(k, v)| match k.starts_with("conv/") {
                    true => {
                        let mut c: Conversation = serde_json::from_slice(&v).unwrap();
                        c.recent.clear();
                        c.recent_at = None;
                        (k, serde_json::to_vec(&c).unwrap())
                    }
                    false => (k, v),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            without_context(mentions(&recent_marks)),
            without_context(recent_before),
            "untouched"
        );
        // Only the recent patient's words remain.
        assert_eq!(mentions(&["wrinkles"]).len(), 1);
        assert_eq!(mentions(&["knee"]).len(), 2, "a screen and a transcript");
        assert_eq!(
            (
                report.appointments,
                report.screens,
                report.tickets,
                report.conversations
            ),
            (1, 1, 1, 1),
            "{report:?}"
        );
    }

    #[test]
    fn an_unfinished_screen_is_dropped_and_the_chat_keeps_its_language() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let chat = ChatKey::parse("telegram:9").unwrap();
        let started = at("2026-11-20 10:00");
        let before = second_before(started);
        // A question the bot cannot answer stays for 90 days.
        engine.handle(&say("telegram:9", "¿hacen bótox para arrugas?", before));
        engine.handle(&say("telegram:9", "/screen", started));
        engine.handle(&say("telegram:9", "sí", plus(started, days(1))));
        assert!(matches!(
            engine.conversation(&chat).unwrap().unwrap().state,
            State::Screening(_)
        ));

        engine
            .sweep(second_before(plus(started, days(30))))
            .unwrap();
        assert!(matches!(
            engine.conversation(&chat).unwrap().unwrap().state,
            State::Screening(_)
        ));
        let report = engine.sweep(plus(started, days(30))).unwrap().0;
        assert_eq!(report.unfinished_screens, 1, "{report:?}");
        let conversation = engine.conversation(&chat).unwrap().unwrap();
        assert_eq!(conversation.state, State::Idle);
        assert!(conversation.recent.is_empty() && conversation.offered.is_empty());
        assert_eq!(conversation.locale, Some(Locale::Es), "kept");
    }

    #[test]
    fn a_conversations_last_lines_go_a_day_after_they_were_written_and_its_language_stays() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let chat = ChatKey::parse("telegram:12").unwrap();
        let asked = at("2026-12-01 10:00");
        engine.handle(&say(
            "telegram:12",
            "¿cuánto cuesta la punción seca?",
            asked,
        ));
        let lines = engine.conversation(&chat).unwrap().unwrap().recent;
        assert!(lines[0].starts_with("Patient: ¿cuánto cuesta"), "{lines:?}");
        engine
            .sweep(plus(asked, SignedDuration::from_hours(23)))
            .unwrap();
        assert_eq!(engine.conversation(&chat).unwrap().unwrap().recent, lines);
        engine
            .sweep(plus(asked, SignedDuration::from_hours(25)))
            .unwrap();
        let kept = engine.conversation(&chat).unwrap().unwrap();
        assert!(
            kept.recent.is_empty() && kept.recent_at.is_none(),
            "{kept:?}"
        );
        assert_eq!(kept.locale, Some(Locale::Es), "the rest of the state stays");
    }

    #[test]
    fn a_preview_counts_what_a_sweep_would_delete_and_deletes_nothing() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        busy_patient(&engine, "telegram:3", "Ana Ruiz", at("2026-09-01 10:00"));
        let before = engine.store().scan_prefix("").unwrap();
        let now = at("2027-01-10 00:00");
        let preview = engine.preview_sweep(now).unwrap();
        assert_eq!(engine.store().scan_prefix("").unwrap(), before);
        assert_eq!(engine.sweep(now).unwrap().0, preview);
        assert_eq!(preview.total(), 5, "{preview:?}");
    }

    /// A copy of the shipped knowledge folder with `retention.toml` edited.
    fn folder_with_retention(text: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(faq_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        let file = dir.path().join(RETENTION_FILE);
        match text {
            Some(text) => std::fs::write(file, text).unwrap(),
            None => std::fs::remove_file(file).unwrap(),
        }
        dir
    }

    #[test]
    fn a_bad_value_in_retention_toml_is_reported_with_file_and_line() {
        let shipped_text = std::fs::read_to_string(faq_dir().join(RETENTION_FILE)).unwrap();
        let edited = shipped_text.replace(
            "days_after_ticket_closed = 30",
            "days_after_ticket_closed = 0",
        );
        assert_ne!(edited, shipped_text);
        let dir = folder_with_retention(Some(&edited));
        let diagnostics: Vec<Diagnostic> = match Knowledge::load(dir.path()) {
            Err(KnowledgeError::Invalid(d)) => d,
            other => panic!("expected a validation error, got {other:?}"),
        };
        let line = edited
            .lines()
            .position(|l| l.starts_with("days_after_ticket_closed"))
            .unwrap()
            + 1;
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].file.ends_with(RETENTION_FILE));
        assert_eq!(diagnostics[0].line, line);
        assert!(
            diagnostics[0]
                .to_string()
                .contains("days_after_ticket_closed must be"),
            "{}",
            diagnostics[0]
        );

        let dir = folder_with_retention(Some("days_after_visit = 30\nkeep_for_ever = true\n"));
        assert!(matches!(
            Knowledge::load(dir.path()),
            Err(KnowledgeError::Invalid(d)) if d[0].line == 2
        ));

        let dir = folder_with_retention(None);
        let knowledge = Knowledge::load(dir.path()).unwrap();
        assert_eq!(
            knowledge.retention(),
            &crate::retention::RetentionSettings::default()
        );
        assert_eq!(
            shipped().retention(),
            knowledge.retention(),
            "the shipped file states the defaults"
        );
    }
}
