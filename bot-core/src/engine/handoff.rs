//! The engine's side of hand-offs: opening a ticket when the dialogue hands
//! a chat to staff, relaying the patient's messages to it, closing it, and
//! the staff's actions (claim, reply, close, read a screen, the queue).
//!
//! Ticket numbers and records change one at a time under the tickets lock,
//! taken after the chat's lock.

use jiff::Timestamp;

use super::records::{decode, encode, keys};
use super::stats::seconds_between;
use super::{Engine, EngineError, StaffResponse};
use crate::chat::{HandoffReason, Incoming, Reply, ReplyKind, StaffEvent};
use crate::delivery::{Delivery, DeskEvent, Receipt};
use crate::dialogue::{HandoffChange, Transition, back_from_staff};
use crate::handoff::{
    Actor, Line, Speaker, StaffAction, Ticket, TicketAlert, TicketStatus, render,
};
use crate::ids::{ChatKey, Locale, Platform};
use crate::ports::{Batch, Store};
use crate::stats::Usage;

/// What a new ticket starts with.
pub(super) struct NewTicket {
    pub patient: String,
    pub reason: HandoffReason,
    /// The bot's last messages, for context at the desk.
    pub recent: Vec<String>,
    pub at: Timestamp,
    /// Opened from a chat others read.
    pub shared: bool,
    pub locale: Option<Locale>,
    /// Emergency or urgent answers given in the message that opened it.
    pub alerts: Vec<TicketAlert>,
}

/// The emergency and urgent answers among a step's staff events.
fn alerts_in(events: &[StaffEvent], at: Timestamp) -> Vec<TicketAlert> {
    events
        .iter()
        .filter_map(|event| match *event {
            StaffEvent::Emergency { flag, .. } => Some(TicketAlert::Emergency { flag, at }),
            StaffEvent::Urgent { urgency, .. } => Some(TicketAlert::Urgent { urgency, at }),
            _ => None,
        })
        .collect()
}

impl<S: Store> Engine<S> {
    /// Opens, feeds or closes the chat's ticket as the step requires.
    pub(super) fn ticket_changes(
        &self,
        incoming: &Incoming,
        transition: &Transition,
        was_handed_off: bool,
        batch: &mut Batch,
        desk: &mut Vec<DeskEvent>,
    ) -> Result<(), EngineError> {
        let chat = &incoming.chat;
        let patient = || {
            incoming
                .display_name
                .clone()
                .unwrap_or_else(|| chat.to_string())
        };
        // Staff hear of every emergency and urgent worry; during a hand-off
        // an emergency is flagged on the ticket instead (below).
        for event in &transition.staff {
            match *event {
                StaffEvent::Emergency { flag, .. } if !was_handed_off => {
                    desk.push(DeskEvent::Emergency {
                        patient: patient(),
                        platform: chat.platform(),
                        flag,
                    })
                }
                StaffEvent::Urgent { urgency, .. } => desk.push(DeskEvent::Urgent {
                    patient: patient(),
                    platform: chat.platform(),
                    urgency,
                }),
                _ => {}
            }
        }
        if let Some(HandoffChange::Open(reason)) = transition.handoff {
            let patient = patient();
            let recent = transition.conversation.recent.clone();
            let opened = NewTicket {
                patient,
                reason,
                recent,
                at: incoming.at,
                shared: incoming.shared,
                locale: transition.conversation.locale,
                alerts: alerts_in(&transition.staff, incoming.at),
            };
            desk.push(self.open_ticket(chat, opened, batch)?);
            return Ok(());
        }
        if !was_handed_off {
            return Ok(());
        }
        let Some(mut ticket) = self.open_ticket_of(chat)? else {
            return Ok(());
        };
        if let Some(HandoffChange::Relay(text)) = &transition.handoff {
            ticket.transcript.push(Line {
                from: Speaker::Patient,
                text: text.clone(),
                at: incoming.at,
                in_doubt: false,
            });
            desk.push(DeskEvent::PatientWrote {
                number: ticket.number,
                text: text.clone(),
                claimed_by: match &ticket.status {
                    TicketStatus::Claimed {
                        platform, user_id, ..
                    } => Some((*platform, user_id.clone())),
                    _ => None,
                },
            });
        }
        ticket
            .alerts
            .extend(alerts_in(&transition.staff, incoming.at));
        for event in &transition.staff {
            if let StaffEvent::Emergency { flag, .. } = event {
                ticket.emergency = true;
                desk.push(DeskEvent::EmergencyDuringHandoff {
                    number: ticket.number,
                    flag: *flag,
                });
            }
        }
        if transition.handoff == Some(HandoffChange::End) {
            ticket.status = TicketStatus::Closed {
                by: "the patient".into(),
                at: incoming.at,
            };
            let seconds = seconds_between(ticket.opened, incoming.at);
            self.count(batch, incoming.at, Usage::HandoffClosed { seconds });
            batch.delete(keys::open_ticket(&self.name(chat)));
            desk.push(DeskEvent::Closed {
                number: ticket.number,
                by: "the patient".into(),
            });
        }
        batch.put(keys::ticket(ticket.number), encode(&ticket));
        Ok(())
    }

    /// Adds a new ticket for the chat to the batch; the caller holds the
    /// tickets lock. Returns what the desks should show.
    pub(super) fn open_ticket(
        &self,
        chat: &ChatKey,
        new: NewTicket,
        batch: &mut Batch,
    ) -> Result<DeskEvent, EngineError> {
        let NewTicket {
            patient,
            reason,
            recent,
            at,
            shared,
            locale,
            alerts,
        } = new;
        let number = match self.store.get(keys::TICKET_COUNTER)? {
            Some(bytes) => decode::<u64>(keys::TICKET_COUNTER, &bytes)? + 1,
            None => 1,
        };
        let ticket = Ticket {
            number,
            chat: chat.clone(),
            patient: patient.clone(),
            reason,
            opened: at,
            announced: at,
            status: TicketStatus::Open,
            recent: recent.clone(),
            transcript: Vec::new(),
            emergency: alerts
                .iter()
                .any(|a| matches!(a, TicketAlert::Emergency { .. })),
            shared,
            locale,
            alerts,
            patient_told_again: false,
        };
        batch.put(keys::TICKET_COUNTER, encode(&number));
        batch.put(keys::open_ticket(&self.name(chat)), encode(&number));
        self.count(batch, at, Usage::HandoffOpened);
        batch.put(keys::ticket(number), encode(&ticket));
        Ok(DeskEvent::Opened {
            number,
            patient,
            platform: chat.platform(),
            reason,
            recent,
            shared,
            locale,
        })
    }

    pub(super) fn open_ticket_of(&self, chat: &ChatKey) -> Result<Option<Ticket>, EngineError> {
        match self.get::<u64>(&keys::open_ticket(&self.name(chat)))? {
            Some(number) => self.ticket(number),
            None => Ok(None),
        }
    }

    /// A ticket by number.
    pub fn ticket(&self, number: u64) -> Result<Option<Ticket>, EngineError> {
        self.get(&keys::ticket(number))
    }

    /// Where ticket `number` lives at `platform`'s desk (a Telegram forum
    /// topic's id, a Discord thread's), if it has a place of its own.
    pub fn desk_thread(
        &self,
        platform: Platform,
        number: u64,
    ) -> Result<Option<String>, EngineError> {
        self.get(&keys::desk_thread(platform, number))
    }

    /// Records that ticket `number` lives in `thread` at `platform`'s desk,
    /// in place of any earlier one (a topic deleted by hand, made again).
    pub fn set_desk_thread(
        &self,
        platform: Platform,
        number: u64,
        thread: &str,
    ) -> Result<(), EngineError> {
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Batch::default();
        if let Some(old) = self.desk_thread(platform, number)? {
            batch.delete(keys::thread_ticket(platform, &old));
        }
        batch.put(keys::desk_thread(platform, number), encode(&thread));
        batch.put(keys::thread_ticket(platform, thread), encode(&number));
        Ok(self.apply(batch)?)
    }

    /// The ticket whose place at `platform`'s desk is `thread`.
    pub fn ticket_in_thread(
        &self,
        platform: Platform,
        thread: &str,
    ) -> Result<Option<u64>, EngineError> {
        self.get(&keys::thread_ticket(platform, thread))
    }

    /// Adds forgetting where a ticket lived at the desks to `batch`, and
    /// says where that was.
    pub(super) fn drop_desk_threads(
        &self,
        number: u64,
        batch: &mut Batch,
    ) -> Result<Vec<(Platform, String)>, EngineError> {
        let mut places = Vec::new();
        for platform in [Platform::Telegram, Platform::Discord] {
            if let Some(thread) = self.desk_thread(platform, number)? {
                batch.delete(keys::desk_thread(platform, number));
                batch.delete(keys::thread_ticket(platform, &thread));
                places.push((platform, thread));
            }
        }
        Ok(places)
    }

    /// Puts a staff member's words in the ticket's transcript and on their
    /// way to the patient; `false` (and the staff member told why) when
    /// they must not go: the ticket came from a shared chat.
    fn relay(
        &self,
        ticket: &mut Ticket,
        name: String,
        text: &str,
        at: Timestamp,
        batch: &mut Batch,
        out: &mut StaffResponse,
    ) -> bool {
        if ticket.shared {
            out.to_staff.push(render::SHARED_CHAT.into());
            return false;
        }
        let first = !ticket
            .transcript
            .iter()
            .any(|line| matches!(line.from, Speaker::Staff(_)));
        if first {
            let seconds = seconds_between(ticket.opened, at);
            self.count(batch, at, Usage::FirstStaffReply { seconds });
        }
        ticket.transcript.push(Line {
            from: Speaker::Staff(name),
            text: text.to_owned(),
            at,
            in_doubt: false,
        });
        out.to_patients.push(Delivery::ToChat {
            chat: ticket.chat.clone(),
            reply: Reply::outside_dialogue(
                ReplyKind::FromStaff,
                format!("{}: {text}", self.knowledge().clinic.name),
            ),
            receipt: Some(Receipt::Relay {
                ticket: ticket.number,
            }),
        });
        true
    }

    /// A ticket's story for staff, as `/history` tells it: why it opened,
    /// its alerts, the conversation before and what was said since.
    pub fn ticket_story(&self, number: u64) -> Result<Option<String>, EngineError> {
        let knowledge = self.knowledge();
        Ok(self
            .ticket(number)?
            .map(|ticket| story(&ticket, &knowledge.clinic)))
    }

    /// Tickets not yet closed, oldest first.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>, EngineError> {
        Ok(self.open_tickets_page(usize::MAX)?.1)
    }

    /// How many tickets are open, and the `limit` oldest of them. Read
    /// through the index of open tickets (one per chat), so closed tickets
    /// cost nothing however many there are.
    pub fn open_tickets_page(&self, limit: usize) -> Result<(usize, Vec<Ticket>), EngineError> {
        let mut numbers = self
            .store
            .scan_prefix(keys::OPEN_TICKETS)?
            .into_iter()
            .map(|(key, bytes)| decode::<u64>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?;
        numbers.sort_unstable();
        numbers.dedup();
        let mut list = Vec::new();
        for number in numbers.iter().take(limit) {
            if let Some(ticket) = self.ticket(*number)?.filter(|t| !t.is_closed()) {
                list.push(ticket);
            }
        }
        Ok((numbers.len(), list))
    }

    /// Marks a ticket's latest staff reply as one that may not have
    /// reached the patient.
    pub(super) fn mark_reply_in_doubt(&self, number: u64) -> Result<(), EngineError> {
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mut ticket) = self.ticket(number)? else {
            return Ok(());
        };
        let latest = ticket
            .transcript
            .iter_mut()
            .rev()
            .find(|line| matches!(line.from, Speaker::Staff(_)));
        if let Some(line) = latest {
            line.in_doubt = true;
            let mut batch = Batch::default();
            batch.put(keys::ticket(number), encode(&ticket));
            self.apply(batch)?;
        }
        Ok(())
    }

    /// Unclaimed tickets waiting longer than the desk's re-announce time, to
    /// post again; marks them announced now.
    pub fn due_reannouncements(&self, now: Timestamp) -> Result<Vec<DeskEvent>, EngineError> {
        let wait = jiff::SignedDuration::from_mins(
            self.knowledge().desk().reannounce_after_minutes.into(),
        );
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Batch::default();
        let mut events = Vec::new();
        for mut ticket in self.open_tickets()? {
            let due = ticket.status == TicketStatus::Open
                && ticket
                    .announced
                    .saturating_add(wait)
                    .is_ok_and(|t| t <= now);
            if due {
                ticket.announced = now;
                events.push(DeskEvent::Reannounced {
                    number: ticket.number,
                    patient: ticket.patient.clone(),
                    platform: ticket.chat.platform(),
                    waiting_minutes: now.duration_since(ticket.opened).as_mins(),
                });
                batch.put(keys::ticket(ticket.number), encode(&ticket));
            }
        }
        self.apply(batch)?;
        Ok(events)
    }

    /// Patients whose ticket nobody has claimed within the desk's reply
    /// time, counted in opening hours (from the ticket's opening, or from
    /// today's opening if it came in while closed): told once, in their
    /// language, that the team has their message. Only where `serves`
    /// says the patient's platform runs; marked before it is returned.
    pub fn due_waiting_notices(
        &self,
        now: Timestamp,
        serves: &dyn Fn(Platform) -> bool,
    ) -> Result<Vec<Delivery>, EngineError> {
        let knowledge = self.knowledge();
        let clinic = &knowledge.clinic;
        if !clinic.is_open(now) {
            return Ok(Vec::new());
        }
        let within = jiff::SignedDuration::from_mins(knowledge.desk().reply_within_minutes.into());
        let today = now.to_zoned(clinic.time_zone.clone()).date();
        let opened_today = clinic
            .open_period(today)
            .map(|(opens, _)| opens.timestamp());
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Batch::default();
        let mut out = Vec::new();
        for mut ticket in self.open_tickets()? {
            let waiting_since = opened_today.map_or(ticket.opened, |o| o.max(ticket.opened));
            let due = ticket.status == TicketStatus::Open
                && !ticket.patient_told_again
                && !ticket.shared
                && serves(ticket.chat.platform())
                && waiting_since.saturating_add(within).is_ok_and(|t| t <= now);
            if !due {
                continue;
            }
            ticket.patient_told_again = true;
            let m = knowledge.messages(ticket.locale.unwrap_or(Locale::En));
            let reply = Reply::new(ReplyKind::Handoff, &m.human_still_waiting);
            out.push(Delivery::to_chat(ticket.chat.clone(), reply));
            batch.put(keys::ticket(ticket.number), encode(&ticket));
        }
        self.apply(batch)?;
        Ok(out)
    }

    /// A staff member's action. Only configured staff may act: anyone else
    /// gets a polite refusal and nothing changes.
    pub fn handle_staff(
        &self,
        who: &Actor,
        action: &StaffAction,
        at: Timestamp,
    ) -> Result<StaffResponse, EngineError> {
        let knowledge = self.knowledge();
        let mut out = StaffResponse::default();
        let Some(name) = knowledge.desk().staff_name(who) else {
            out.to_staff.push(render::NOT_STAFF.into());
            return Ok(out);
        };
        let number = match action {
            StaffAction::Appointments(_)
            | StaffAction::Book { .. }
            | StaffAction::Unbook(_)
            | StaffAction::Digest => return self.staff_appointments(action, at),
            StaffAction::Queue => {
                let list = self.open_tickets()?;
                if list.is_empty() {
                    out.to_staff.push(render::QUEUE_EMPTY.into());
                }
                for t in list {
                    out.to_staff.push(format!(
                        "#{} {} ({}), waiting {} min, {}",
                        t.number,
                        t.patient,
                        t.chat.platform(),
                        at.duration_since(t.opened).as_mins(),
                        t.claimed_by()
                            .map_or("unclaimed".to_owned(), |b| format!("claimed by {b}")),
                    ));
                }
                return Ok(out);
            }
            StaffAction::Claim(n)
            | StaffAction::Reply(n, _)
            | StaffAction::Write(n, _)
            | StaffAction::Close(n)
            | StaffAction::Screening(n)
            | StaffAction::History(n) => *n,
        };
        // Locks in the same order as `handle`: the patient's chat, then tickets.
        let chat = self.ticket(number)?.map(|t| t.chat);
        let _chat = chat.as_ref().map(|c| self.lock_chat(c));
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mut ticket) = self.ticket(number)?.filter(|t| !t.is_closed()) else {
            out.to_staff.push(render::NO_SUCH_TICKET.into());
            return Ok(out);
        };
        let mine = ticket.is_claimed_by(who, knowledge.desk());
        let mut batch = Batch::default();
        match action {
            StaffAction::Claim(_) => {
                if let Some(by) = ticket.claimed_by().filter(|_| !mine) {
                    out.to_staff
                        .push(format!("{} {by}.", render::ALREADY_CLAIMED));
                    return Ok(out);
                }
                ticket.status = TicketStatus::Claimed {
                    by: name.clone(),
                    platform: who.platform,
                    user_id: who.user_id.clone(),
                    at,
                };
                out.to_staff.push(format!("{} #{number}.", render::CLAIMED));
                out.desk.push(DeskEvent::Claimed { number, by: name });
            }
            StaffAction::Reply(_, text) => {
                if !mine {
                    out.to_staff.push(render::NOT_YOURS.into());
                    return Ok(out);
                }
                if !self.relay(&mut ticket, name, text, at, &mut batch, &mut out) {
                    return Ok(out);
                }
                out.to_staff.push(render::SENT.into());
            }
            StaffAction::Write(_, text) => {
                // Written where the ticket lives: the first to write claims
                // it; nobody is told "Sent." after every message there.
                if let Some(by) = ticket.claimed_by().filter(|_| !mine) {
                    out.to_staff
                        .push(format!("{} {by}.", render::WRITTEN_ON_OTHERS));
                    return Ok(out);
                }
                if ticket.shared {
                    out.to_staff.push(render::SHARED_CHAT.into());
                    return Ok(out);
                }
                if !mine {
                    ticket.status = TicketStatus::Claimed {
                        by: name.clone(),
                        platform: who.platform,
                        user_id: who.user_id.clone(),
                        at,
                    };
                    out.desk.push(DeskEvent::Claimed {
                        number,
                        by: name.clone(),
                    });
                }
                self.relay(&mut ticket, name, text, at, &mut batch, &mut out);
            }
            StaffAction::Close(_) => {
                ticket.status = TicketStatus::Closed {
                    by: name.clone(),
                    at,
                };
                let seconds = seconds_between(ticket.opened, at);
                self.count(&mut batch, at, Usage::HandoffClosed { seconds });
                batch.delete(keys::open_ticket(&self.name(&ticket.chat)));
                // The patient is back with the bot (their chat is locked
                // above), and a screen the hand-off paused goes on.
                let mut conversation = self.conversation(&ticket.chat)?.unwrap_or_default();
                let locale = conversation.locale.unwrap_or(Locale::En);
                let replies = back_from_staff(&knowledge, &mut conversation, locale);
                batch.put(
                    keys::conversation(&self.name(&ticket.chat)),
                    encode(&conversation),
                );
                for reply in replies {
                    out.to_patients
                        .push(Delivery::to_chat(ticket.chat.clone(), reply));
                }
                out.to_staff.push(render::CLOSED.into());
                out.desk.push(DeskEvent::Closed { number, by: name });
            }
            StaffAction::History(_) => {
                out.to_staff.push(story(&ticket, &knowledge.clinic));
                return Ok(out);
            }
            StaffAction::Screening(_) => {
                let latest = self
                    .screenings()?
                    .into_iter()
                    .find(|r| r.chat == ticket.chat);
                match latest {
                    None => out.to_staff.push(render::NO_SCREEN.into()),
                    Some(record) => {
                        let mut text = format!(
                            "Ticket #{number}, health screen of {}: {} ({}).",
                            knowledge.clinic.show(record.completed),
                            record.outcome.as_str(),
                            record.flags.join(", ")
                        );
                        for answered in &record.answers {
                            text.push_str(&format!("\n{answered}"));
                        }
                        out.private.push(text);
                        out.to_staff.push(render::SENT_PRIVATELY.into());
                    }
                }
                return Ok(out);
            }
            _ => unreachable!("handled above"),
        }
        batch.put(keys::ticket(number), encode(&ticket));
        self.apply(batch)?;
        Ok(out)
    }
}

/// A ticket's story for staff: why it opened, its alerts, the conversation
/// before the hand-off (both sides, alerts by category) and what was said
/// since, in order.
fn story(ticket: &Ticket, clinic: &crate::knowledge::Clinic) -> String {
    let number = ticket.number;
    let mut text = format!(
        "Ticket #{number}: {} on {}, opened {} ({}).",
        ticket.patient,
        ticket.chat.platform(),
        clinic.show(ticket.opened),
        render::reason(&ticket.reason),
    );
    for alert in &ticket.alerts {
        text.push_str(&format!("\n[{}]", alert.label()));
    }
    if !ticket.recent.is_empty() {
        text.push_str("\nBefore the hand-off:");
        for line in &ticket.recent {
            text.push_str(&format!("\n- {line}"));
        }
    }
    if !ticket.transcript.is_empty() {
        text.push_str("\nSince:");
        for line in &ticket.transcript {
            let who = match &line.from {
                Speaker::Patient => "Patient".to_owned(),
                Speaker::Staff(name) => name.clone(),
            };
            let when = clinic.show_time(line.at);
            text.push_str(&format!("\n- {when} {who}: {}", line.text));
        }
    }
    text
}
