//! The engine's appointment work: import, linking a chat by code, the
//! patient's confirm/cancel/reschedule, reminders, the staff digest and the
//! staff's appointment commands.
//!
//! Every read-modify-write of an appointment holds the appointments lock
//! (after the chat's lock and the tickets lock, when those are taken), so a
//! reminder's mark and a patient's answer never overwrite each other.

use jiff::Timestamp;
use jiff::civil::Date;

use super::{Engine, EngineError, Outcome, StaffOutcome, decode, encode, info, keys};
use crate::appointments::{
    Appointment, DigestLine, NewAppointment, PatientAction, ScreenStatus, Status, link_code,
    parse_local,
};
use crate::dialogue::{Action, Choice, Conversation, Incoming, Reply, ReplyKind, State};
use crate::handoff::{
    Delivery, DeskEvent, Receipt, StaffAction, desk_text, digest_line, text as staff_text,
};
use crate::ids::{ChatKey, Locale, Platform};
use crate::knowledge::Knowledge;
use crate::ports::{Batch, Store};
use crate::reminders::{Decision, Mark, Notice, SkipReason, digest_day, passed, plan};

impl<S: Store> Engine<S> {
    /// Stores new appointments all together, or none. One already stored (same
    /// patient, same start) is left as it is. Returns (added, unchanged).
    pub fn import_appointments(
        &self,
        rows: &[NewAppointment],
    ) -> Result<(usize, usize), EngineError> {
        let _appointments = self.lock_appointments();
        let mut batch = Batch::default();
        let (mut added, mut unchanged) = (0, 0);
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let id = row.id();
            if !seen.insert(id.clone()) || self.appointment(&id)?.is_some() {
                unchanged += 1;
                continue;
            }
            let appointment = Appointment {
                id: id.clone(),
                patient: row.patient.trim().to_owned(),
                start: row.start,
                needling: row.needling,
                status: Status::Booked,
                link_code: link_code(),
                chat: None,
                reminders: Default::default(),
                confirmed: None,
                reschedule_requested: None,
            };
            batch.put(keys::link_code(&appointment.link_code), encode(&id));
            batch.put(keys::appointment(&id), encode(&appointment));
            added += 1;
        }
        self.store.apply(batch)?;
        Ok((added, unchanged))
    }

    /// One appointment by id.
    pub fn appointment(&self, id: &str) -> Result<Option<Appointment>, EngineError> {
        let key = keys::appointment(id);
        match self.store.get(&key)? {
            Some(bytes) => decode(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Every appointment, soonest first.
    pub fn appointments(&self) -> Result<Vec<Appointment>, EngineError> {
        let mut list = self
            .store
            .scan_prefix(keys::APPOINTMENTS)?
            .into_iter()
            .map(|(key, bytes)| decode::<Appointment>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by_key(|a| a.start);
        Ok(list)
    }

    /// Marks an appointment cancelled; `false` if there is no such id.
    pub fn cancel_appointment(&self, id: &str) -> Result<bool, EngineError> {
        let _appointments = self.lock_appointments();
        let Some(mut appointment) = self.appointment(id)? else {
            return Ok(false);
        };
        appointment.status = Status::Cancelled;
        self.save_appointment(&appointment)?;
        Ok(true)
    }

    fn save_appointment(&self, appointment: &Appointment) -> Result<(), EngineError> {
        let mut batch = Batch::default();
        batch.put(keys::appointment(&appointment.id), encode(appointment));
        self.store.apply(batch)?;
        Ok(())
    }

    /// Links the chat to the appointment a code belongs to. `Ok(None)` when
    /// the text is not a known code at all (typed text goes on as usual); a
    /// reply otherwise, including for a used or expired code. A code works
    /// once, for one chat, until the appointment starts. Reminders whose
    /// moment has passed are marked, so the first one sent is a current one.
    pub(super) fn link(
        &self,
        code: &str,
        incoming: &Incoming,
    ) -> Result<Option<Reply>, EngineError> {
        let knowledge = self.knowledge();
        let locale = self.locale_of(&incoming.chat, incoming.locale_hint)?;
        let m = knowledge.messages(locale);
        let is_command = matches!(incoming.input, crate::dialogue::Input::Command(_));
        let Some(bytes) = self.store.get(&keys::link_code(code))? else {
            return Ok(is_command.then(|| info(&m.link_invalid)));
        };
        let id: String = decode(&keys::link_code(code), &bytes)?;
        let _appointments = self.lock_appointments();
        let Some(mut appointment) = self.appointment(&id)? else {
            return Ok(Some(info(&m.link_invalid)));
        };
        let usable = appointment.is_upcoming(incoming.at)
            && appointment
                .chat
                .as_ref()
                .is_none_or(|c| *c == incoming.chat);
        if !usable {
            return Ok(Some(info(&m.link_invalid)));
        }
        appointment.chat = Some(incoming.chat.clone());
        let tz = &knowledge.clinic.time_zone;
        for key in passed(knowledge.reminders(), tz, appointment.start, incoming.at) {
            appointment.reminders.entry(key).or_insert(Mark::Skipped {
                at: incoming.at,
                why: SkipReason::BeforeLink,
            });
        }
        let mut batch = Batch::default();
        batch.put(keys::appointment(&id), encode(&appointment));
        batch.put(keys::chat_appointment(&incoming.chat, &id), Vec::new());
        self.store.apply(batch)?;
        let when = describe(&knowledge, appointment.start, locale);
        let mut reply = info(&m.link_ok.replace("{when}", &when));
        if appointment.needling {
            reply
                .choices
                .push(choice(Action::ScreenStart.id(), &m.screen_button));
        }
        Ok(Some(reply))
    }

    /// A patient's confirm, cancel or reschedule, from a reminder's button
    /// (`appointment` names it) or a command (the chat's next appointment).
    /// Only the chat linked to an appointment can act on it.
    pub(super) fn patient_action(
        &self,
        action: PatientAction,
        appointment: Option<&str>,
        incoming: &Incoming,
    ) -> Result<Outcome, EngineError> {
        let knowledge = self.knowledge();
        let chat = &incoming.chat;
        let locale = self.locale_of(chat, incoming.locale_hint)?;
        let m = knowledge.messages(locale);
        // Lock order: the chat (held by the caller), tickets, appointments.
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let _appointments = self.lock_appointments();
        let found = match appointment {
            Some(id) => self.appointment(id)?,
            None => self.next_appointment_of(chat, incoming.at)?,
        }
        .filter(|a| a.chat.as_ref() == Some(chat) && a.is_upcoming(incoming.at));
        let Some(mut appointment) = found else {
            return Ok(Outcome {
                replies: vec![info(&m.no_appointment)],
                ..Outcome::default()
            });
        };
        let when = describe(&knowledge, appointment.start, locale);
        let say = |text: &str| info(&text.replace("{when}", &when));
        let mut out = Outcome::default();
        let mut batch = Batch::default();
        match action {
            PatientAction::Confirm => {
                appointment.confirmed = Some(incoming.at);
                out.replies.push(say(&m.appointment_confirmed));
            }
            PatientAction::Cancel => {
                let mut reply = say(&m.cancel_check);
                reply.choices = vec![
                    choice(
                        PatientAction::CancelConfirmed.button_id(&appointment.id),
                        &m.cancel_yes_button,
                    ),
                    choice(
                        PatientAction::Keep.button_id(&appointment.id),
                        &m.keep_button,
                    ),
                ];
                out.replies.push(reply);
            }
            PatientAction::Keep => out.replies.push(say(&m.appointment_kept)),
            PatientAction::CancelConfirmed => {
                appointment.status = Status::Cancelled;
                out.replies.push(say(&m.appointment_cancelled));
                out.desk.push(DeskEvent::AppointmentCancelled {
                    patient: appointment.patient.clone(),
                    platform: chat.platform(),
                    when: staff_when(&knowledge, appointment.start),
                });
            }
            PatientAction::Reschedule => {
                appointment.reschedule_requested = Some(incoming.at);
                let reply = say(&m.reschedule_requested);
                let mut conversation = self.conversation(chat)?.unwrap_or_default();
                if conversation.state == State::HandedOff {
                    // Already with a person: they read it on the ticket.
                    if let Some(ticket) = self.open_ticket_of(chat)? {
                        out.desk.push(DeskEvent::PatientWrote {
                            number: ticket.number,
                            text: format!(
                                "(asks to move the appointment on {})",
                                staff_when(&knowledge, appointment.start)
                            ),
                            claimed_by: None,
                        });
                    }
                } else {
                    conversation.state = State::HandedOff;
                    let mut recent = conversation.recent.clone();
                    recent.push(reply.text.clone());
                    let patient = incoming
                        .display_name
                        .clone()
                        .unwrap_or_else(|| appointment.patient.clone());
                    out.desk.push(self.open_ticket(
                        chat,
                        patient,
                        crate::dialogue::HandoffReason::Reschedule,
                        recent,
                        incoming.at,
                        &mut batch,
                    )?);
                    batch.put(keys::conversation(chat), encode(&conversation));
                }
                out.replies.push(reply);
            }
        }
        batch.put(keys::appointment(&appointment.id), encode(&appointment));
        self.store.apply(batch)?;
        Ok(out)
    }

    /// The chat's soonest appointment still to come.
    fn next_appointment_of(
        &self,
        chat: &ChatKey,
        now: Timestamp,
    ) -> Result<Option<Appointment>, EngineError> {
        let mut soonest: Option<Appointment> = None;
        for (key, _) in self.store.scan_prefix(&keys::chat_appointments(chat))? {
            let id = key.rsplit('/').next().unwrap_or_default();
            if let Some(a) = self.appointment(id)?.filter(|a| a.is_upcoming(now)) {
                if soonest.as_ref().is_none_or(|s| a.start < s.start) {
                    soonest = Some(a);
                }
            }
        }
        Ok(soonest)
    }

    /// Where an appointment's health screen stands. A screen counts when it
    /// was completed within the configured days before the visit.
    pub fn screen_status(&self, appointment: &Appointment) -> Result<ScreenStatus, EngineError> {
        if !appointment.needling {
            return Ok(ScreenStatus::NotNeeded);
        }
        let Some(chat) = &appointment.chat else {
            return Ok(ScreenStatus::NotLinked);
        };
        let valid = self.knowledge().reminders().screen_valid;
        let since = appointment
            .start
            .checked_sub(valid)
            .unwrap_or(Timestamp::MIN);
        // Keys sort by completion time: the last one is the latest.
        let latest = self
            .store
            .scan_prefix(&keys::screens_of(chat))?
            .into_iter()
            .map(|(key, bytes)| decode::<crate::dialogue::ScreenRecord>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .rfind(|r| r.completed >= since && r.completed <= appointment.start);
        if let Some(record) = latest {
            return Ok(ScreenStatus::Done(record.outcome));
        }
        let screening = matches!(
            self.conversation(chat)?,
            Some(Conversation {
                state: State::Screening(_),
                ..
            })
        );
        Ok(if screening {
            ScreenStatus::InProgress
        } else {
            ScreenStatus::NotStarted
        })
    }

    /// Decides the reminders due at `now` and returns them to send. Each
    /// decision is stored (durably, with the store's flush) before this
    /// returns, and a decided reminder is never decided again: a crash after
    /// this call and before the send loses that reminder rather than sending
    /// it twice. Chats on platforms `serves` says no adapter runs for wait.
    pub fn due_reminders(
        &self,
        now: Timestamp,
        serves: &dyn Fn(Platform) -> bool,
    ) -> Result<Vec<Delivery>, EngineError> {
        let knowledge = self.knowledge();
        let settings = knowledge.reminders();
        let _appointments = self.lock_appointments();
        let mut batch = Batch::default();
        let mut deliveries = Vec::new();
        for mut appointment in self.appointments()? {
            let Some(chat) = appointment.chat.clone() else {
                continue;
            };
            if !serves(chat.platform()) {
                continue;
            }
            // Handed to a sender by an earlier run that stopped before the
            // platform took it: never sent again, and staff are told (again,
            // if the run telling them stopped too).
            let mut doubted = false;
            for (key, mark) in appointment.reminders.iter_mut() {
                let at = match *mark {
                    Mark::Sending { at, run } if run != self.run => at,
                    Mark::InDoubt {
                        at,
                        notice: Notice::Sending { run },
                    } if run != self.run => at,
                    _ => continue,
                };
                let notice = Notice::Sending { run: self.run };
                *mark = Mark::InDoubt { at, notice };
                doubted = true;
                deliveries.push(Delivery::Desk {
                    event: DeskEvent::ReminderInDoubt {
                        patient: appointment.patient.clone(),
                        platform: chat.platform(),
                        when: staff_when(&knowledge, appointment.start),
                    },
                    receipt: Some(Receipt::DoubtReported {
                        appointment: appointment.id.clone(),
                        key: key.clone(),
                    }),
                });
            }
            if doubted {
                batch.put(keys::appointment(&appointment.id), encode(&appointment));
            }
            if !appointment.is_upcoming(now) {
                continue;
            }
            let tz = &knowledge.clinic.time_zone;
            let decisions = plan(settings, tz, appointment.start, &appointment.reminders, now);
            if decisions.is_empty() {
                continue;
            }
            let first = !appointment.reminders.values().any(Mark::went);
            let mut send = None;
            for decision in decisions {
                match decision {
                    Decision::Send { key } => {
                        let mark = Mark::Sending {
                            at: now,
                            run: self.run,
                        };
                        appointment.reminders.insert(key.clone(), mark);
                        send = Some(key);
                    }
                    Decision::Skip { key, why } => {
                        appointment
                            .reminders
                            .insert(key, Mark::Skipped { at: now, why });
                    }
                }
            }
            if let Some(key) = send {
                let locale = self.locale_of(&chat, None)?;
                let screen_done = self.screen_status(&appointment)?.is_done();
                let reply = reminder(&knowledge, &appointment, locale, first, screen_done);
                let receipt = Receipt::Reminder {
                    appointment: appointment.id.clone(),
                    key,
                };
                deliveries.push(Delivery::ToChat {
                    chat,
                    reply,
                    receipt: Some(receipt),
                });
            }
            batch.put(keys::appointment(&appointment.id), encode(&appointment));
        }
        self.store.apply(batch)?;
        Ok(deliveries)
    }

    /// Records that the platform took a delivery that asked for a receipt.
    pub fn delivered(&self, receipt: &Receipt, at: Timestamp) -> Result<(), EngineError> {
        let (Receipt::Reminder { appointment, key } | Receipt::DoubtReported { appointment, key }) =
            receipt;
        let _appointments = self.lock_appointments();
        let Some(mut record) = self.appointment(appointment)? else {
            return Ok(()); // deleted meanwhile (unbooked, forgotten)
        };
        let Some(mark) = record.reminders.get_mut(key) else {
            return Ok(());
        };
        match (receipt, *mark) {
            (Receipt::Reminder { .. }, Mark::Sending { .. }) => *mark = Mark::Sent { at },
            (Receipt::DoubtReported { .. }, Mark::InDoubt { at: sent, .. }) => {
                *mark = Mark::InDoubt {
                    at: sent,
                    notice: Notice::Sent,
                }
            }
            _ => return Ok(()),
        }
        let mut batch = Batch::default();
        batch.put(keys::appointment(appointment), encode(&record));
        self.store.apply(batch)?;
        Ok(())
    }

    /// Today's digest for the desks, once a day from the configured time
    /// before opening until closing (so a restart during the day still
    /// sends it). Marked before it is returned, like reminders.
    pub fn due_digest(&self, now: Timestamp) -> Result<Option<DeskEvent>, EngineError> {
        let knowledge = self.knowledge();
        let Some(day) = digest_day(knowledge.reminders(), &knowledge.clinic, now) else {
            return Ok(None);
        };
        let _appointments = self.lock_appointments();
        let marker = keys::digest(day);
        if self.store.get(&marker)?.is_some() {
            return Ok(None);
        }
        let event = self.digest(day)?;
        let mut batch = Batch::default();
        batch.put(marker, encode(&now));
        self.store.apply(batch)?;
        Ok(Some(event))
    }

    /// The appointments of a clinic-local day with their screens' status.
    pub fn digest(&self, day: Date) -> Result<DeskEvent, EngineError> {
        let knowledge = self.knowledge();
        let tz = &knowledge.clinic.time_zone;
        let mut lines = Vec::new();
        for a in self.appointments()? {
            let start = a.start.to_zoned(tz.clone());
            if start.date() != day {
                continue;
            }
            lines.push(self.digest_entry(&a, "%H:%M")?);
        }
        let day = knowledge.clinic.describe_day(day, Locale::En);
        Ok(DeskEvent::Digest { day, lines })
    }

    /// Staff's appointment commands (the caller has checked they are staff).
    pub(super) fn staff_appointments(
        &self,
        action: &StaffAction,
        at: Timestamp,
    ) -> Result<StaffOutcome, EngineError> {
        let knowledge = self.knowledge();
        let tz = &knowledge.clinic.time_zone;
        let today = at.to_zoned(tz.clone()).date();
        let mut out = StaffOutcome::default();
        match action {
            StaffAction::Appointments(day) => {
                out.to_staff = self.list_for_staff(day.as_deref(), at)?
            }
            StaffAction::Book {
                start,
                patient,
                needling,
            } => match parse_local(start, tz) {
                Err(e) => out.to_staff.push(e.to_string()),
                Ok(start) => {
                    let row = NewAppointment {
                        patient: patient.clone(),
                        start,
                        needling: *needling,
                    };
                    self.import_appointments(std::slice::from_ref(&row))?;
                    let stored = self.appointment(&row.id())?;
                    if let Some(a) = stored {
                        out.to_staff.push(format!(
                            "Booked {} on {} [{}]. Give the patient the link code {} (Telegram: t.me/<bot>?start={}).",
                            a.patient,
                            staff_when(&knowledge, a.start),
                            a.id,
                            a.link_code,
                            a.link_code
                        ));
                    }
                }
            },
            StaffAction::Unbook(id) => {
                if self.cancel_appointment(id)? {
                    out.to_staff.push(format!("Cancelled appointment {id}."));
                } else {
                    out.to_staff.push(staff_text::NO_SUCH_APPOINTMENT.into());
                }
            }
            StaffAction::Digest => {
                out.to_staff.push(desk_text(&self.digest(today)?));
            }
            _ => {}
        }
        Ok(out)
    }

    /// `/appointments [day]`: one line per appointment on the day (or the
    /// next seven days), with its id and, while unlinked, its link code.
    fn list_for_staff(&self, day: Option<&str>, at: Timestamp) -> Result<Vec<String>, EngineError> {
        let tz = self.knowledge().clinic.time_zone.clone();
        let today = at.to_zoned(tz.clone()).date();
        let days: Vec<Date> = match day.map(str::to_lowercase).as_deref() {
            None => (0..7)
                .filter_map(|d| today.checked_add(jiff::Span::new().days(d)).ok())
                .collect(),
            Some("today") | Some("hoy") => vec![today],
            Some("tomorrow") | Some("mañana") => today.tomorrow().into_iter().collect(),
            Some(text) => match text.parse::<Date>() {
                Ok(d) => vec![d],
                Err(_) => return Ok(vec![staff_text::BAD_DAY.into()]),
            },
        };
        let mut lines = Vec::new();
        for a in self.appointments()? {
            let date = a.start.to_zoned(tz.clone()).date();
            if !days.contains(&date) || (a.start <= at && date != today) {
                continue;
            }
            let mut text = format!(
                "{} [{}]",
                digest_line(&self.digest_entry(&a, "%a %d %b %H:%M")?),
                a.id
            );
            if a.chat.is_none() && a.status == Status::Booked {
                text.push_str(&format!(" link code {}", a.link_code));
            }
            lines.push(text);
        }
        if lines.is_empty() {
            lines.push(staff_text::NO_APPOINTMENTS.into());
        }
        Ok(lines)
    }

    /// An appointment as staff read it, its time in `time_format`.
    fn digest_entry(&self, a: &Appointment, time_format: &str) -> Result<DigestLine, EngineError> {
        let tz = self.knowledge().clinic.time_zone.clone();
        Ok(DigestLine {
            time: a.start.to_zoned(tz).strftime(time_format).to_string(),
            patient: a.patient.clone(),
            platform: a.chat.as_ref().map(ChatKey::platform),
            screen: self.screen_status(a)?,
            confirmed: a.confirmed.is_some(),
            cancelled: a.status == Status::Cancelled,
            reschedule_requested: a.reschedule_requested.is_some(),
        })
    }

    /// The language a chat is answered in.
    pub(super) fn locale_of(
        &self,
        chat: &ChatKey,
        hint: Option<Locale>,
    ) -> Result<Locale, EngineError> {
        Ok(self
            .conversation(chat)?
            .and_then(|c| c.locale)
            .or(hint)
            .unwrap_or(Locale::En))
    }

    pub(super) fn lock_appointments(&self) -> std::sync::MutexGuard<'_, ()> {
        self.appointments_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// A reminder: when and where; on the first one, what to wear and how to
/// prepare; how to answer; and, while the screen is not done, a button to
/// start it.
fn reminder(
    knowledge: &Knowledge,
    appointment: &Appointment,
    locale: Locale,
    first: bool,
    screen_done: bool,
) -> Reply {
    let m = knowledge.messages(locale);
    let when = describe(knowledge, appointment.start, locale);
    let mut text = m.reminder.replace("{when}", &when);
    let tips: Vec<&str> = knowledge
        .reminders()
        .include_topics
        .iter()
        .filter_map(|id| knowledge.topic(id))
        .map(|t| t.text(locale).answer.as_str())
        .collect();
    if first && !tips.is_empty() {
        text.push_str(&format!("\n\n{}\n{}", m.reminder_tips, tips.join("\n\n")));
    }
    text.push_str(&format!("\n\n{}", m.reminder_reply));
    let mut reply = Reply::outside_dialogue(ReplyKind::Reminder, text);
    if !screen_done {
        reply.text.push_str(&format!("\n\n{}", m.reminder_screen));
        reply
            .choices
            .push(choice(Action::ScreenStart.id(), &m.screen_button));
    }
    let id = &appointment.id;
    reply.choices.extend([
        choice(PatientAction::Confirm.button_id(id), &m.confirm_button),
        choice(
            PatientAction::Reschedule.button_id(id),
            &m.reschedule_button,
        ),
        choice(PatientAction::Cancel.button_id(id), &m.cancel_button),
    ]);
    reply
}

fn choice(id: String, label: &str) -> Choice {
    Choice {
        id,
        label: label.to_owned(),
    }
}

/// "Tuesday 1 December, 09:30" in the patient's language.
fn describe(knowledge: &Knowledge, at: Timestamp, locale: Locale) -> String {
    let zoned = at.to_zoned(knowledge.clinic.time_zone.clone());
    knowledge.clinic.describe_date(&zoned, locale)
}

/// "Tue 2026-12-01 09:30" for staff.
fn staff_when(knowledge: &Knowledge, at: Timestamp) -> String {
    at.to_zoned(knowledge.clinic.time_zone.clone())
        .strftime("%a %Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::Input;
    use crate::handoff::Actor;
    use crate::store::{MemoryStore, SledStore};
    use crate::testing::shipped;

    fn at(local: &str) -> Timestamp {
        parse_local(local, &shipped().clinic.time_zone).unwrap()
    }

    fn message(chat: &str, input: Input, now: Timestamp) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input,
            at: now,
            locale_hint: None,
            shared: false,
            display_name: Some("Ana".into()),
            sequence: None,
        }
    }

    fn say(chat: &str, text: &str, now: Timestamp) -> Incoming {
        message(chat, Input::from_text(text), now)
    }

    fn press(chat: &str, id: &str, now: Timestamp) -> Incoming {
        message(chat, Input::Choice(id.to_owned()), now)
    }

    /// Books a needling visit and links `chat` to it at `now`.
    fn booked_and_linked<S: Store>(
        engine: &Engine<S>,
        chat: &str,
        start: &str,
        now: Timestamp,
    ) -> Appointment {
        let row = NewAppointment {
            patient: "Ana Ruiz".into(),
            start: at(start),
            needling: true,
        };
        engine
            .import_appointments(std::slice::from_ref(&row))
            .unwrap();
        let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
        let out = engine.handle(&say(chat, &format!("/start {code}"), now));
        assert!(out.replies[0].text.contains("linked"), "{out:?}");
        engine.appointment(&row.id()).unwrap().unwrap()
    }

    /// Ticks every 10 minutes from `from` to `to`; returns the reminders
    /// sent, with the clinic-local time they went.
    fn run<S: Store>(engine: &Engine<S>, from: Timestamp, to: Timestamp) -> Vec<(String, Reply)> {
        let tz = shipped().clinic.time_zone.clone();
        let mut sent = Vec::new();
        let mut now = from;
        while now <= to {
            for d in engine.due_reminders(now, &|_| true).unwrap() {
                if let Delivery::ToChat { reply, .. } = d {
                    let local = now.to_zoned(tz.clone()).strftime("%a %H:%M %Z").to_string();
                    sent.push((local, reply));
                }
            }
            now = now
                .checked_add(jiff::SignedDuration::from_mins(10))
                .unwrap();
        }
        sent
    }

    fn has_screen_button(reply: &Reply) -> bool {
        reply
            .choices
            .iter()
            .any(|c| c.id == Action::ScreenStart.id())
    }

    #[test]
    fn reminders_go_at_the_right_local_times_across_the_dst_change() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        // Clocks go back at 02:00 on Sunday 1 November 2026.
        booked_and_linked(
            &engine,
            "telegram:1",
            "2026-11-03 09:00",
            at("2026-10-20 10:00"),
        );
        let sent = run(&engine, at("2026-10-20 10:00"), at("2026-11-03 09:00"));
        let times: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
        // The 2-hour reminder (07:00) waits for the end of quiet hours.
        assert_eq!(times, ["Sat 09:00 EDT", "Mon 09:00 EST", "Tue 08:00 EST"]);
        let (_, first) = &sent[0];
        assert_eq!(first.kind, ReplyKind::Reminder);
        assert!(
            first.text.contains("Tuesday 3 November, 09:00"),
            "{}",
            first.text
        );
        assert!(first.text.contains("1200 Harbor View Drive"), "where");
        assert!(
            first.text.contains("Loose, comfortable clothes"),
            "what to wear"
        );
        assert!(first.text.contains("light meal"), "what to eat");
        assert!(!sent[1].1.text.contains("light meal"), "tips once only");
    }

    #[test]
    fn the_screen_prompt_is_dropped_once_the_screen_is_done() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let chat = "telegram:2";
        booked_and_linked(&engine, chat, "2026-12-04 15:00", at("2026-11-25 10:00"));
        let sent = run(&engine, at("2026-11-25 10:00"), at("2026-12-02 10:00"));
        assert_eq!(sent.len(), 1);
        assert!(has_screen_button(&sent[0].1), "screen not done yet");
        // The patient completes the screen.
        let mut now = at("2026-12-02 10:00");
        let mut out = engine.handle(&press(chat, &Action::ScreenStart.id(), now));
        while let Some(q) = out.replies.last().and_then(|r| r.question.clone()) {
            now = now.checked_add(jiff::SignedDuration::from_secs(5)).unwrap();
            let answer = if q == "consent" { "yes" } else { "no" };
            out = engine.handle(&say(chat, answer, now));
        }
        let sent = run(&engine, now, at("2026-12-04 15:00"));
        assert_eq!(sent.len(), 2);
        assert!(sent.iter().all(|(_, r)| !has_screen_button(r)));
        assert!(
            !sent[0].1.text.contains("health questions"),
            "{}",
            sent[0].1.text
        );
    }

    #[test]
    fn after_downtime_the_useful_reminder_is_sent_and_the_stale_one_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            let a = booked_and_linked(
                &engine,
                "discord:3",
                "2026-12-04 15:00",
                at("2026-11-25 10:00"),
            );
            assert_eq!(
                run(&engine, at("2026-11-25 10:00"), at("2026-12-01 16:00")).len(),
                1
            );
            a.id
        };
        // Down from Tuesday until 90 minutes before the visit on Friday.
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let sent = run(&engine, at("2026-12-04 13:30"), at("2026-12-04 15:00"));
        assert_eq!(sent.len(), 1, "only the 2-hour reminder");
        assert_eq!(sent[0].0, "Fri 13:30 EST");
        let marks = engine.appointment(&id).unwrap().unwrap().reminders;
        assert_eq!(
            marks.get("P1D"),
            Some(&Mark::Skipped {
                at: at("2026-12-04 13:30"),
                why: SkipReason::Superseded
            })
        );
    }

    #[test]
    fn a_crash_between_deciding_and_sending_never_sends_the_reminder_twice() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-12-01 15:00");
        {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            booked_and_linked(
                &engine,
                "telegram:4",
                "2026-12-04 15:00",
                at("2026-11-25 10:00"),
            );
            let decided = engine.due_reminders(now, &|_| true).unwrap();
            assert_eq!(decided.len(), 1);
            // The process dies here: the reminder is never handed over.
            drop(decided);
        }
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        // Not sent again; the desks are told it may not have arrived, once.
        let after = engine.due_reminders(now, &|_| true).unwrap();
        assert!(
            matches!(&after[..], [Delivery::Desk { event: DeskEvent::ReminderInDoubt { when, .. }, .. }] if when == "Fri 2026-12-04 15:00"),
            "{after:?}"
        );
        assert!(engine.due_reminders(now, &|_| true).unwrap().is_empty());
        let id = engine.appointments().unwrap()[0].id.clone();
        let marks = engine.appointment(&id).unwrap().unwrap().reminders;
        assert!(
            matches!(marks.get("P3D"), Some(Mark::InDoubt { .. })),
            "{marks:?}"
        );
        let sent = run(&engine, now, at("2026-12-04 15:00"));
        let times: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            times,
            ["Thu 15:00 EST", "Fri 13:00 EST"],
            "the later ones, once each"
        );
    }

    #[test]
    fn a_reminder_the_platform_took_is_marked_sent_and_never_doubted_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-12-01 15:00");
        {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            booked_and_linked(
                &engine,
                "telegram:4",
                "2026-12-04 15:00",
                at("2026-11-25 10:00"),
            );
            let decided = engine.due_reminders(now, &|_| true).unwrap();
            let [
                Delivery::ToChat {
                    receipt: Some(receipt),
                    ..
                },
            ] = &decided[..]
            else {
                panic!("one reminder with a receipt: {decided:?}");
            };
            engine.delivered(receipt, now).unwrap();
            // A second receipt (a retry's) changes nothing.
            engine.delivered(receipt, at("2026-12-01 15:05")).unwrap();
            let id = engine.appointments().unwrap()[0].id.clone();
            let marks = engine.appointment(&id).unwrap().unwrap().reminders;
            assert_eq!(marks.get("P3D"), Some(&Mark::Sent { at: now }));
        }
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        assert!(engine.due_reminders(now, &|_| true).unwrap().is_empty());
    }

    #[test]
    fn reminders_wait_while_no_adapter_serves_the_patients_platform() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        booked_and_linked(
            &engine,
            "discord:5",
            "2026-12-04 15:00",
            at("2026-11-25 10:00"),
        );
        let now = at("2026-12-01 15:00");
        let telegram_only = |p: Platform| p == Platform::Telegram;
        assert!(
            engine
                .due_reminders(now, &telegram_only)
                .unwrap()
                .is_empty()
        );
        assert_eq!(engine.due_reminders(now, &|_| true).unwrap().len(), 1);
    }

    #[test]
    fn a_patient_confirms_cancels_or_asks_to_reschedule_and_staff_hear_of_it() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let now = at("2026-12-01 15:00");
        let a = booked_and_linked(
            &engine,
            "telegram:6",
            "2026-12-04 15:00",
            at("2026-11-25 10:00"),
        );

        let out = engine.handle(&press(
            "telegram:6",
            &PatientAction::Confirm.button_id(&a.id),
            now,
        ));
        assert!(
            out.replies[0]
                .text
                .contains("See you on Friday 4 December, 15:00")
        );
        assert!(out.desk.is_empty());
        assert!(
            engine
                .appointment(&a.id)
                .unwrap()
                .unwrap()
                .confirmed
                .is_some()
        );

        // Someone else's chat cannot act on it, even with the right id.
        let out = engine.handle(&press(
            "telegram:99",
            &PatientAction::CancelConfirmed.button_id(&a.id),
            now,
        ));
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).no_appointment
        );
        assert_eq!(
            engine.appointment(&a.id).unwrap().unwrap().status,
            Status::Booked
        );

        // Cancel asks first; "keep" keeps it.
        let out = engine.handle(&say("telegram:6", "/cancel", now));
        let ids: Vec<&str> = out.replies[0]
            .choices
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                PatientAction::CancelConfirmed.button_id(&a.id),
                PatientAction::Keep.button_id(&a.id)
            ]
        );
        engine.handle(&press("telegram:6", ids[1], now));
        assert_eq!(
            engine.appointment(&a.id).unwrap().unwrap().status,
            Status::Booked
        );

        // Reschedule: the team gets a ticket and the patient a person.
        let out = engine.handle(&say("telegram:6", "/reschedule", now));
        assert!(matches!(
            &out.desk[..],
            [DeskEvent::Opened { reason: crate::dialogue::HandoffReason::Reschedule, recent, .. }]
                if recent.last().is_some_and(|r| r.contains("Friday 4 December"))
        ));
        let conv = engine
            .conversation(&ChatKey::parse("telegram:6").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(conv.state, State::HandedOff);

        // Cancel for good: the desks are told.
        let out = engine.handle(&press(
            "telegram:6",
            &PatientAction::CancelConfirmed.button_id(&a.id),
            now,
        ));
        assert!(out.replies[0].text.contains("is cancelled"));
        assert!(matches!(
            &out.desk[..],
            [DeskEvent::AppointmentCancelled { when, .. }] if when == "Fri 2026-12-04 15:00"
        ));
        assert_eq!(
            engine.appointment(&a.id).unwrap().unwrap().status,
            Status::Cancelled
        );
        // No reminders for a cancelled visit.
        assert!(run(&engine, now, at("2026-12-04 15:00")).is_empty());
    }

    #[test]
    fn the_digest_lists_todays_visits_with_screen_status_once_before_opening() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let linked = "2026-11-25 10:00";
        booked_and_linked(&engine, "telegram:7", "2026-12-07 09:00", at(linked));
        let not_linked = NewAppointment {
            patient: "Ben Li".into(),
            start: at("2026-12-07 11:30"),
            needling: false,
        };
        let other_day = NewAppointment {
            patient: "Cam Ode".into(),
            start: at("2026-12-08 09:00"),
            needling: true,
        };
        engine
            .import_appointments(&[not_linked, other_day])
            .unwrap();
        // The patient starts the screen but does not finish it.
        engine.handle(&say("telegram:7", "/screen", at("2026-12-06 20:00")));

        // Monday: the desk opens at 08:00, the digest is due at 07:30.
        assert_eq!(engine.due_digest(at("2026-12-07 07:29")).unwrap(), None);
        let Some(DeskEvent::Digest { day, lines }) =
            engine.due_digest(at("2026-12-07 07:30")).unwrap()
        else {
            panic!("a digest at 07:30")
        };
        assert_eq!(day, "Monday 7 December");
        let text: Vec<String> = lines.iter().map(digest_line).collect();
        assert_eq!(
            text,
            [
                "09:00 Ana Ruiz: screen in progress",
                "11:30 Ben Li: no needling"
            ]
        );
        assert_eq!(
            engine.due_digest(at("2026-12-07 09:00")).unwrap(),
            None,
            "once a day"
        );
        // Sunday the clinic is closed: no digest.
        assert_eq!(engine.due_digest(at("2026-12-06 09:00")).unwrap(), None);
    }

    #[test]
    fn staff_book_list_and_unbook_at_the_desk_and_others_are_refused() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let now = at("2026-12-01 10:00");
        let maria = Actor {
            platform: Platform::Telegram,
            user_id: "5000001".into(),
            roles: Vec::new(),
            display_name: "Maria".into(),
        };
        let stranger = Actor {
            user_id: "42".into(),
            ..maria.clone()
        };
        let book = crate::handoff::parse_staff_command("/book 2026-12-02 09:30 Ana Ruiz").unwrap();
        let out = engine.handle_staff(&stranger, &book, now).unwrap();
        assert_eq!(out.to_staff, [staff_text::NOT_STAFF]);
        assert!(engine.appointments().unwrap().is_empty());

        let out = engine.handle_staff(&maria, &book, now).unwrap();
        let a = &engine.appointments().unwrap()[0];
        assert!(out.to_staff[0].contains(&a.link_code), "{:?}", out.to_staff);
        let list = StaffAction::Appointments(Some("tomorrow".into()));
        let out = engine.handle_staff(&maria, &list, now).unwrap();
        assert!(
            out.to_staff[0].starts_with("Wed 02 Dec 09:30 Ana Ruiz: chat not linked"),
            "{:?}",
            out.to_staff
        );
        let bad = StaffAction::Book {
            start: "2026-03-08 02:30".into(),
            patient: "X".into(),
            needling: true,
        };
        let out = engine.handle_staff(&maria, &bad, now).unwrap();
        assert!(
            out.to_staff[0].contains("does not exist"),
            "{:?}",
            out.to_staff
        );
        let out = engine
            .handle_staff(&maria, &StaffAction::Unbook(a.id.clone()), now)
            .unwrap();
        assert!(out.to_staff[0].starts_with("Cancelled"));
        assert_eq!(
            engine.appointment(&a.id).unwrap().unwrap().status,
            Status::Cancelled
        );
    }
}
