//! The engine's appointment work: import, linking a chat by code, the
//! patient's confirm/cancel/reschedule, reminders, the staff digest and the
//! staff's appointment commands.
//!
//! Every read-modify-write of an appointment holds the appointments lock
//! (after the chat's lock and the tickets lock, when those are taken), so a
//! reminder's mark and a patient's answer never overwrite each other.

use jiff::Timestamp;
use jiff::civil::Date;

use super::records::{decode, encode, keys};
use super::{Engine, EngineError, Response, StaffResponse, info};
use crate::appointments::reminders::{
    Decision, Mark, Notice, SkipReason, digest_day, passed, plan,
};
use crate::appointments::{
    Appointment, DigestLine, Moved, NewAppointment, ScreenStatus, Status, link_code, parse_local,
};
use crate::chat::{Action, Choice, Incoming, PatientAction, Reply, ReplyKind};
use crate::delivery::{Delivery, DeskEvent, Receipt};
use crate::handoff::{StaffAction, desk_text, digest_line, render};
use crate::ids::{ChatKey, Locale, Platform};
use crate::knowledge::Knowledge;
use crate::ports::{Batch, Store, StoreError};

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
        self.apply(batch)?;
        Ok((added, unchanged))
    }

    /// Books one visit typed in by staff: stored unless the same patient
    /// is already booked at that start. Returns whether it was new, and the
    /// appointment as stored (with its link code).
    pub fn book(&self, row: &NewAppointment) -> Result<(bool, Appointment), EngineError> {
        let (added, _) = self.import_appointments(std::slice::from_ref(row))?;
        let key = keys::appointment(&row.id());
        let stored = self
            .appointment(&row.id())?
            .ok_or(StoreError::Backend(format!(
                "{key:?} was not there right after it was written"
            )))?;
        Ok((added == 1, stored))
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

    /// The visits of the `days` clinic days from `from`, soonest first, each
    /// with where its health screen stands (cancelled ones too: the desk
    /// sees them as cancelled).
    pub fn visits(
        &self,
        from: Date,
        days: i64,
    ) -> Result<Vec<(Appointment, ScreenStatus)>, EngineError> {
        let zone = &self.knowledge().clinic.time_zone;
        let until = from.saturating_add(jiff::Span::new().days(days));
        self.appointments()?
            .into_iter()
            .filter(|a| {
                let day = a.start.to_zoned(zone.clone()).date();
                from <= day && day < until
            })
            .map(|a| {
                let status = self.screen_status(&a)?;
                Ok((a, status))
            })
            .collect()
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

    /// Moves a booked visit to `start`: the same patient, needling, link
    /// code and linked chat, under the id of its new time (so the
    /// calendar's next export, with the new time, is the same visit); its
    /// reminders start afresh and a confirmation of the old time no longer
    /// counts. The old time's record goes, in the same batch.
    pub fn move_appointment(
        &self,
        id: &str,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Moved, EngineError> {
        let _appointments = self.lock_appointments();
        let Some(old) = self.appointment(id)? else {
            return Ok(Moved::NotFound);
        };
        if old.status != Status::Booked {
            return Ok(Moved::NotBooked);
        }
        if start <= now {
            return Ok(Moved::Past);
        }
        let new_id = NewAppointment {
            patient: old.patient.clone(),
            start,
            needling: old.needling,
        }
        .id();
        if self.appointment(&new_id)?.is_some() {
            return Ok(Moved::Taken);
        }
        let moved = Appointment {
            id: new_id.clone(),
            start,
            reminders: Default::default(),
            confirmed: None,
            reschedule_requested: None,
            ..old
        };
        let mut batch = Batch::default();
        batch.delete(keys::appointment(id));
        batch.put(keys::link_code(&moved.link_code), encode(&new_id));
        batch.put(keys::appointment(&new_id), encode(&moved));
        self.apply(batch)?;
        Ok(Moved::To(moved))
    }

    fn save_appointment(&self, appointment: &Appointment) -> Result<(), EngineError> {
        let mut batch = Batch::default();
        batch.put(keys::appointment(&appointment.id), encode(appointment));
        self.apply(batch)?;
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
        // A ten-letter word is not taken for a code; a command's payload,
        // or something written as codes are, is.
        let sure = match &incoming.input {
            crate::chat::Input::Command(_) => true,
            crate::chat::Input::Text(t) => crate::appointments::looks_like_code(t),
            crate::chat::Input::Choice(_) => false,
        };
        let Some(bytes) = self.store.get(&keys::link_code(code))? else {
            return Ok(sure.then(|| info(&m.link_invalid)));
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
        batch.put(
            keys::chat_appointment(&self.name(&incoming.chat), &id),
            Vec::new(),
        );
        self.apply(batch)?;
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
    ) -> Result<Response, EngineError> {
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
            return Ok(Response {
                replies: vec![info(&m.no_appointment)],
                ..Response::default()
            });
        };
        let when = describe(&knowledge, appointment.start, locale);
        let say = |text: &str| info(&text.replace("{when}", &when));
        let mut out = Response::default();
        let mut batch = Batch::default();
        match action {
            PatientAction::Confirm => {
                // Counted once a visit, however often it is confirmed.
                if appointment.confirmed.is_none() {
                    let usage = crate::stats::Usage::ReminderConfirmed;
                    self.count(&mut batch, incoming.at, usage);
                }
                appointment.confirmed = Some(incoming.at);
                out.replies.push(say(&m.appointment_confirmed));
            }
            PatientAction::Cancel => {
                let mut reply = say(&m.cancel_check);
                // Its buttons are the latest prompt: typed too.
                reply.numbered = true;
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
                if conversation.state.is_handed_off() {
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
                    conversation.state = std::mem::take(&mut conversation.state).hand_off();
                    let mut recent = conversation.recent.clone();
                    recent.push(reply.text.clone());
                    let patient = incoming
                        .display_name
                        .clone()
                        .unwrap_or_else(|| appointment.patient.clone());
                    let opened = super::handoff::NewTicket {
                        patient,
                        reason: crate::chat::HandoffReason::Reschedule,
                        recent,
                        at: incoming.at,
                        shared: incoming.shared,
                        locale: conversation.locale,
                        alerts: Vec::new(),
                    };
                    out.desk.push(self.open_ticket(chat, opened, &mut batch)?);
                    batch.put(keys::conversation(&self.name(chat)), encode(&conversation));
                }
                out.replies.push(reply);
            }
        }
        batch.put(keys::appointment(&appointment.id), encode(&appointment));
        let (alerts, desk) =
            self.to_outbox(chat, std::mem::take(&mut out.desk), incoming.at, &mut batch);
        (out.alerts, out.desk) = (alerts, desk);
        self.apply(batch)?;
        Ok(out)
    }

    /// The chat's soonest appointment still to come.
    fn next_appointment_of(
        &self,
        chat: &ChatKey,
        now: Timestamp,
    ) -> Result<Option<Appointment>, EngineError> {
        let mut soonest: Option<Appointment> = None;
        for (key, _) in self
            .store
            .scan_prefix(&keys::chat_appointments(&self.name(chat)))?
        {
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
            .scan_prefix(&keys::screens_of(&self.name(chat)))?
            .into_iter()
            .map(|(key, bytes)| decode::<crate::dialogue::ScreenRecord>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .rfind(|r| r.completed >= since && r.completed <= appointment.start);
        if let Some(record) = latest {
            return Ok(ScreenStatus::Done(record.outcome));
        }
        // A screen waiting for a hand-off to end is in progress too.
        let screening = self
            .conversation(chat)?
            .is_some_and(|c| c.state.screen().is_some());
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
            let mut doubted = Vec::new();
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
                doubted.push(key.clone());
            }
            for key in &doubted {
                deliveries.push(doubt_notice(&knowledge, &appointment, &chat, key));
            }
            if !doubted.is_empty() {
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
            let closed = knowledge
                .clinic
                .closure(appointment.start.to_zoned(tz.clone()).date());
            let told = appointment.reminders.values().any(|m| {
                matches!(
                    m,
                    Mark::Skipped {
                        why: SkipReason::ClosedDay,
                        ..
                    }
                )
            });
            for decision in decisions {
                match decision {
                    Decision::Send { key } if closed.is_some() => {
                        // A visit on a closed day: no reminder to come in;
                        // the desk is told, once.
                        let why = SkipReason::ClosedDay;
                        appointment
                            .reminders
                            .insert(key, Mark::Skipped { at: now, why });
                        if !told {
                            let closure = closed.and_then(|c| c.name.clone());
                            deliveries.push(Delivery::desk(DeskEvent::VisitOnClosedDay {
                                patient: appointment.patient.clone(),
                                when: staff_when(&knowledge, appointment.start),
                                closure,
                            }));
                        }
                    }
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
        self.apply(batch)?;
        Ok(deliveries)
    }

    /// Records that the platform took a reminder or the desks' notice of one.
    pub(super) fn reminder_delivered(
        &self,
        receipt: &Receipt,
        at: Timestamp,
    ) -> Result<(), EngineError> {
        let (Receipt::Reminder { appointment, key } | Receipt::DoubtReported { appointment, key }) =
            receipt
        else {
            return Ok(());
        };
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
        if matches!(receipt, Receipt::Reminder { .. }) {
            self.count(&mut batch, at, crate::stats::Usage::ReminderSent);
        }
        batch.put(keys::appointment(appointment), encode(&record));
        self.apply(batch)?;
        Ok(())
    }

    /// A reminder the platform refused or may not have taken: it is not
    /// sent again, and the desks are told (with a receipt, as at a start
    /// after an abrupt stop).
    pub(super) fn reminder_undelivered(
        &self,
        appointment: &str,
        key: &str,
    ) -> Result<Vec<Delivery>, EngineError> {
        let knowledge = self.knowledge();
        let _appointments = self.lock_appointments();
        let Some(mut record) = self.appointment(appointment)? else {
            return Ok(Vec::new());
        };
        let (Some(mark), Some(chat)) = (record.reminders.get_mut(key), record.chat.clone()) else {
            return Ok(Vec::new());
        };
        let Mark::Sending { at: sent, .. } = *mark else {
            return Ok(Vec::new());
        };
        *mark = Mark::InDoubt {
            at: sent,
            notice: Notice::Sending { run: self.run },
        };
        let notice = doubt_notice(&knowledge, &record, &chat, key);
        let mut batch = Batch::default();
        batch.put(keys::appointment(appointment), encode(&record));
        self.apply(batch)?;
        Ok(vec![notice])
    }

    /// Today's digest for the desks, once a day from the configured time
    /// before opening until closing (so a restart during the day still
    /// sends it). Marked before it is returned, like reminders.
    pub fn due_digest(&self, now: Timestamp) -> Result<Option<DeskEvent>, EngineError> {
        let knowledge = self.knowledge();
        let Some(day) = digest_day(
            knowledge.reminders(),
            knowledge
                .clinic
                .open_period(now.to_zoned(knowledge.clinic.time_zone.clone()).date()),
            now,
        ) else {
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
        self.apply(batch)?;
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
            lines.push(self.digest_entry(&a, false)?);
        }
        let day = knowledge.clinic.describe_day(day, Locale::En);
        Ok(DeskEvent::Digest { day, lines })
    }

    /// Staff's appointment commands (the caller has checked they are staff).
    pub(super) fn staff_appointments(
        &self,
        action: &StaffAction,
        at: Timestamp,
    ) -> Result<StaffResponse, EngineError> {
        let knowledge = self.knowledge();
        let tz = &knowledge.clinic.time_zone;
        let today = at.to_zoned(tz.clone()).date();
        let mut out = StaffResponse::default();
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
                    out.to_staff.push(render::NO_SUCH_APPOINTMENT.into());
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
                Err(_) => return Ok(vec![render::BAD_DAY.into()]),
            },
        };
        let mut lines = Vec::new();
        for a in self.appointments()? {
            let date = a.start.to_zoned(tz.clone()).date();
            if !days.contains(&date) || (a.start <= at && date != today) {
                continue;
            }
            let mut text = format!("{} [{}]", digest_line(&self.digest_entry(&a, true)?), a.id);
            if a.chat.is_none() && a.status == Status::Booked {
                text.push_str(&format!(" link code {}", a.link_code));
            }
            lines.push(text);
        }
        if lines.is_empty() {
            lines.push(render::NO_APPOINTMENTS.into());
        }
        Ok(lines)
    }

    /// An appointment as staff read it, its time of day (with its day when
    /// `dated`) in the clinic's convention.
    fn digest_entry(&self, a: &Appointment, dated: bool) -> Result<DigestLine, EngineError> {
        let clinic = &self.knowledge().clinic;
        Ok(DigestLine {
            time: if dated {
                clinic.show(a.start)
            } else {
                clinic.show_time(a.start)
            },
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
/// The desks' notice that a reminder may not have arrived, with the
/// receipt that records they were told.
fn doubt_notice(
    knowledge: &Knowledge,
    appointment: &Appointment,
    chat: &ChatKey,
    key: &str,
) -> Delivery {
    Delivery::Desk {
        event: DeskEvent::ReminderInDoubt {
            patient: appointment.patient.clone(),
            platform: chat.platform(),
            when: staff_when(knowledge, appointment.start),
        },
        receipt: Some(Receipt::DoubtReported {
            appointment: appointment.id.clone(),
            key: key.to_owned(),
        }),
    }
}

fn staff_when(knowledge: &Knowledge, at: Timestamp) -> String {
    knowledge.clinic.show(at)
}

#[cfg(test)]
mod tests;
