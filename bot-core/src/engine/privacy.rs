//! Forgetting a patient: `/forget` in the chat (after a confirmation) or
//! `frontdesk forget --patient CHAT` for staff. Every record of the chat goes
//! in one atomic batch: its conversation state, completed screens, tickets
//! with their transcripts, the questions it could not get answered, and the
//! link between the chat and its appointments (the bookings stay: they are
//! the clinic's calendar, not the chat's data).

use jiff::Timestamp;

use super::records::{decode, keys};
use super::{Alert, Engine, EngineError, Response, info};
use crate::chat::{Choice, Incoming, Input};
use crate::delivery::{Delivery, DeskEvent, ErasedBy};
use crate::handoff::Ticket;
use crate::ids::{ChatKey, Platform};
use crate::ports::{Batch, Store};

/// Button ids of the confirmation.
pub const FORGET_YES: &str = "forget:yes";
pub const FORGET_NO: &str = "forget:no";

/// What a patient asked about their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PrivacyAction {
    /// `/forget`: asks for a confirmation.
    Ask,
    Confirmed,
    Declined,
}

impl PrivacyAction {
    pub(super) fn of(incoming: &Incoming) -> Option<PrivacyAction> {
        if incoming.shared {
            return None;
        }
        match &incoming.input {
            Input::Command(crate::chat::Command::Forget) => Some(PrivacyAction::Ask),
            Input::Choice(id) if id == FORGET_YES => Some(PrivacyAction::Confirmed),
            Input::Choice(id) if id == FORGET_NO => Some(PrivacyAction::Declined),
            _ => None,
        }
    }
}

/// What a forget deleted, for staff and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Records deleted.
    pub records: usize,
    /// Appointments unlinked from the chat.
    pub appointments: usize,
    /// Open tickets closed by the deletion.
    pub closed_tickets: Vec<u64>,
    /// The forum topics and threads the patient's tickets had at the
    /// desks, to delete there too.
    pub desk_places: Vec<(Platform, String)>,
}

impl<S: Store> Engine<S> {
    /// Answers `/forget` and its confirmation buttons. The caller holds the
    /// chat's lock.
    pub(super) fn privacy_action(
        &self,
        action: PrivacyAction,
        incoming: &Incoming,
    ) -> Result<Response, EngineError> {
        let knowledge = self.knowledge();
        // A record that cannot be read must not stop its own deletion.
        let locale = self
            .locale_of(&incoming.chat, incoming.locale_hint)
            .unwrap_or(incoming.locale_hint.unwrap_or(crate::ids::Locale::En));
        let m = knowledge.messages(locale);
        let mut out = Response::default();
        match action {
            PrivacyAction::Ask => {
                let mut reply = info(&m.forget_check);
                // Its buttons are the latest prompt: typed too.
                reply.numbered = true;
                reply.choices = vec![
                    Choice {
                        id: FORGET_YES.into(),
                        label: m.forget_yes_button.clone(),
                    },
                    Choice {
                        id: FORGET_NO.into(),
                        label: m.forget_no_button.clone(),
                    },
                ];
                out.replies.push(reply);
            }
            PrivacyAction::Declined => out.replies.push(info(&m.forget_kept)),
            PrivacyAction::Confirmed => {
                let (forgotten, erasures) = self.forget_locked(&incoming.chat, incoming.at)?;
                out.desk = closed_by_deletion(&forgotten);
                out.alerts = erasures;
                out.replies.push(info(&m.forgotten));
            }
        }
        Ok(out)
    }

    /// Deletes every record of a chat at `at` (for staff: `frontdesk
    /// forget`); returns what the desks should be given: the tickets it
    /// closed, and the deletion of their topics and threads (kept in the
    /// outbox until each desk takes it).
    pub fn forget(
        &self,
        chat: &ChatKey,
        at: Timestamp,
    ) -> Result<(Forgotten, Vec<Delivery>), EngineError> {
        let _chat = self.lock_chat(chat);
        let (forgotten, erasures) = self.forget_locked(chat, at)?;
        let deliveries = erasures
            .iter()
            .map(Alert::delivery)
            .chain(
                closed_by_deletion(&forgotten)
                    .into_iter()
                    .map(Delivery::desk),
            )
            .collect();
        Ok((forgotten, deliveries))
    }

    /// The deletion itself, and the deletion of the tickets' desk places
    /// written to the outbox in the same batch; the caller holds the
    /// chat's lock.
    fn forget_locked(
        &self,
        chat: &ChatKey,
        at: Timestamp,
    ) -> Result<(Forgotten, Vec<Alert>), EngineError> {
        let _tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let _appointments = self.lock_appointments();
        let mut batch = Batch::default();
        let mut forgotten = Forgotten::default();
        let mut delete = |batch: &mut Batch, key: String| {
            batch.delete(key);
            forgotten.records += 1;
        };
        if self
            .store
            .get(&keys::conversation(&self.name(chat)))?
            .is_some()
        {
            delete(&mut batch, keys::conversation(&self.name(chat)));
        }
        for (key, _) in self
            .store
            .scan_prefix(&keys::screens_of(&self.name(chat)))?
        {
            delete(&mut batch, key);
        }
        for (key, _) in self.store.scan_prefix(&keys::alerts_of(&self.name(chat)))? {
            delete(&mut batch, key);
        }
        for (key, _) in self
            .store
            .scan_prefix(&super::mailbox::keys::of(&self.name(chat)))?
        {
            delete(&mut batch, key);
        }
        // Unanswered questions are keyed by time, then chat.
        let suffix = format!("/{}", self.name(chat));
        for (key, _) in self.store.scan_prefix(keys::UNANSWERED)? {
            if key.ends_with(&suffix) {
                delete(&mut batch, key);
            }
        }
        if self
            .store
            .get(&keys::open_ticket(&self.name(chat)))?
            .is_some()
        {
            delete(&mut batch, keys::open_ticket(&self.name(chat)));
        }
        let mut closed = Vec::new();
        for (key, bytes) in self.store.scan_prefix(keys::TICKETS)? {
            let ticket: Ticket = decode(&key, &bytes)?;
            if ticket.chat == *chat {
                if !ticket.is_closed() {
                    closed.push(ticket.number);
                }
                let places = self.drop_desk_threads(ticket.number, &mut batch)?;
                forgotten.desk_places.extend(places);
                delete(&mut batch, key);
            }
        }
        let mut unlinked = 0;
        for (key, _) in self
            .store
            .scan_prefix(&keys::chat_appointments(&self.name(chat)))?
        {
            let id = key.rsplit('/').next().unwrap_or_default().to_owned();
            delete(&mut batch, key);
            if let Some(mut appointment) = self.appointment(&id)? {
                if appointment.chat.as_ref() == Some(chat) {
                    appointment.chat = None;
                    batch.put(keys::appointment(&id), super::records::encode(&appointment));
                    unlinked += 1;
                }
            }
        }
        let erasures = self.erasures_to_outbox(
            forgotten.desk_places.clone(),
            ErasedBy::Patient,
            at,
            &mut batch,
        );
        self.apply(batch)?;
        self.erase_deleted();
        forgotten.appointments = unlinked;
        forgotten.closed_tickets = closed;
        tracing::info!(%chat, records = forgotten.records, "patient data deleted on request");
        Ok((forgotten, erasures))
    }
}

impl<S: Store> Engine<S> {
    /// Has the store remove deleted records from its files. A failure is
    /// logged, not returned: the records are deleted already, and the next
    /// daily sweep erases again.
    pub(super) fn erase_deleted(&self) {
        if let Err(e) = self.store.erase_deleted() {
            tracing::error!(error = %e, "deleted records are not yet erased from the store's files; the next sweep tries again");
        }
    }
}

/// Tells the desks that open tickets went with the patient's data.
fn closed_by_deletion(forgotten: &Forgotten) -> Vec<DeskEvent> {
    forgotten
        .closed_tickets
        .iter()
        .map(|&number| DeskEvent::Closed {
            number,
            by: "the patient, who deleted their data".into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointments::{NewAppointment, parse_local};
    use crate::chat::ReplyKind;
    use crate::store::MemoryStore;
    use crate::testing::shipped;

    fn message(chat: &str, input: Input, second: i64) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input,
            at: parse_local("2026-11-20 10:00", &shipped().clinic.time_zone)
                .unwrap()
                .checked_add(jiff::SignedDuration::from_secs(second))
                .unwrap(),
            locale_hint: None,
            shared: false,
            display_name: Some(format!("Zed Quinto {chat}")),
            sequence: None,
        }
    }

    fn say(chat: &str, text: &str, second: i64) -> Incoming {
        message(chat, Input::from_text(text), second)
    }

    /// Leaves every kind of record a chat can have.
    fn busy_patient<S: Store>(engine: &Engine<S>, chat: &str) {
        let row = NewAppointment {
            patient: format!("Ana Ruiz {}", chat.len()),
            start: parse_local("2026-12-01 09:00", &shipped().clinic.time_zone).unwrap(),
            needling: true,
        };
        engine
            .import_appointments(std::slice::from_ref(&row))
            .unwrap();
        let code = engine.appointment(&row.id()).unwrap().unwrap().link_code;
        let mut t = 0;
        let mut next = |text: &str| {
            t += 1;
            engine.handle(&say(chat, text, t))
        };
        next(&format!("/start {code}"));
        next("do you do botox for wrinkles");
        let mut out = next("/screen");
        while let Some(q) = out.replies.last().and_then(|r| r.question.clone()) {
            out = next(if q == "consent" { "yes" } else { "no" });
        }
        next("/human");
        next("my knee still hurts, call me");
    }

    #[test]
    fn forget_deletes_every_record_of_the_chat_and_nothing_of_anyone_else() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        busy_patient(&engine, "telegram:777001");
        busy_patient(&engine, "discord:888002");
        let before = engine.store().scan_prefix("").unwrap();
        let mentions = |entries: &[(String, Vec<u8>)], needle: &str| {
            entries
                .iter()
                .filter(|(k, v)| k.contains(needle) || String::from_utf8_lossy(v).contains(needle))
                .count()
        };
        assert!(mentions(&before, "777001") >= 7, "the patient left records");

        let out = engine.handle(&say("telegram:777001", "/forget", 100));
        let ids: Vec<&str> = out.replies[0]
            .choices
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, [FORGET_YES, FORGET_NO]);
        // Asking deletes nothing (the conversation only remembers the
        // question's buttons, so a typed "yes" answers it).
        let keys = |records: &[(String, Vec<u8>)]| -> Vec<String> {
            records.iter().map(|(k, _)| k.clone()).collect()
        };
        assert_eq!(
            keys(&engine.store().scan_prefix("").unwrap()),
            keys(&before),
            "asking deletes nothing"
        );
        let out = engine.handle(&message(
            "telegram:777001",
            Input::Choice(FORGET_YES.into()),
            101,
        ));
        assert_eq!(
            out.replies[0].text,
            shipped().messages(crate::ids::Locale::En).forgotten
        );
        assert!(
            matches!(&out.desk[..], [DeskEvent::Closed { number: 1, .. }]),
            "{:?}",
            out.desk
        );

        let after = engine.store().scan_prefix("").unwrap();
        let left: Vec<&String> = after
            .iter()
            .filter(|(k, v)| k.contains("777001") || String::from_utf8_lossy(v).contains("777001"))
            .map(|(k, _)| k)
            .collect();
        assert!(left.is_empty(), "records of the patient remain: {left:?}");
        assert_eq!(mentions(&after, "888002"), mentions(&before, "888002"));
        // The booking stays, unlinked; the next message starts afresh.
        let appointments = engine.appointments().unwrap();
        assert_eq!(appointments.iter().filter(|a| a.chat.is_none()).count(), 1);
        let out = engine.handle(&say("telegram:777001", "does it hurt", 102));
        assert_eq!(
            out.replies[0].kind,
            ReplyKind::Answer,
            "not handed off any more"
        );
    }

    #[test]
    fn a_patient_can_forget_even_an_unreadable_record_and_no_keeps_everything() {
        let store = MemoryStore::new();
        let mut batch = Batch::default();
        batch.put("conv/telegram:5", b"{broken".to_vec());
        store.apply(batch).unwrap();
        let engine = Engine::new(store, shipped());
        engine.handle(&message("telegram:5", Input::Choice(FORGET_NO.into()), 1));
        assert_eq!(engine.store().scan_prefix("conv/").unwrap().len(), 1);
        engine.handle(&say("telegram:5", "/forget", 2));
        engine.handle(&message("telegram:5", Input::Choice(FORGET_YES.into()), 3));
        assert!(engine.store().scan_prefix("").unwrap().is_empty());
    }

    #[test]
    fn in_a_group_forget_moves_to_a_private_chat_and_deletes_nothing() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("telegram:-100", "do you do botox", 1));
        let mut ask = message("telegram:-100", Input::Choice(FORGET_YES.into()), 2);
        ask.shared = true;
        let out = engine.handle(&ask);
        assert_eq!(out.replies[0].kind, ReplyKind::MoveToPrivate);
        assert!(
            !engine
                .store()
                .scan_prefix("unanswered/")
                .unwrap()
                .is_empty()
        );
    }

    /// Every byte of every file under `dir`, as the disk holds them.
    fn raw_files(dir: &std::path::Path) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                bytes.extend(raw_files(&path));
            } else {
                bytes.extend(std::fs::read(&path).unwrap());
            }
        }
        bytes
    }

    fn holds(bytes: &[u8], text: &str) -> bool {
        bytes.windows(text.len()).any(|w| w == text.as_bytes())
    }

    #[test]
    fn after_forget_no_byte_of_the_patients_chat_id_or_words_is_left_in_the_data_folder() {
        for encrypted in [false, true] {
            let key = encrypted.then(|| crate::store::DataKey::generate().unwrap());
            let data = tempfile::tempdir().unwrap();
            let store = crate::store::SledStore::open_with(&data.path().join("sled"), key);
            let engine = Engine::new(store.unwrap(), shipped());
            busy_patient(&engine, "telegram:777001");
            busy_patient(&engine, "discord:888002");
            // Relayed to the ticket; every message writes the records again.
            for i in 0..40 {
                engine.handle(&say(
                    "telegram:777001",
                    "my pharmacist is zebraquartz",
                    100 + i,
                ));
            }
            let before = raw_files(data.path());
            // Encrypted, no chat id is ever in clear text (record keys name
            // chats by a keyed hash); plain, the search finds it.
            assert_eq!(holds(&before, "777001"), !encrypted);
            assert_eq!(holds(&before, "zebraquartz"), !encrypted);

            engine.handle(&message(
                "telegram:777001",
                Input::from_text("/forget"),
                200,
            ));
            engine.handle(&message(
                "telegram:777001",
                Input::Choice(FORGET_YES.into()),
                201,
            ));

            let after = raw_files(data.path());
            assert!(!holds(&after, "777001"), "encrypted: {encrypted}");
            assert!(!holds(&after, "zebraquartz"));
            assert_eq!(holds(&after, "888002"), !encrypted);
            let other = ChatKey::parse("discord:888002").unwrap();
            assert!(
                engine.conversation(&other).unwrap().is_some(),
                "the other patient is kept"
            );
        }
    }

    #[test]
    fn after_a_staff_forget_and_a_restart_the_patient_is_still_gone_from_the_files() {
        let data = tempfile::tempdir().unwrap();
        let path = data.path().join("sled");
        {
            let engine = Engine::new(crate::store::SledStore::open(&path).unwrap(), shipped());
            busy_patient(&engine, "telegram:777001");
            busy_patient(&engine, "discord:888002");
            engine
                .forget(
                    &ChatKey::parse("telegram:777001").unwrap(),
                    Timestamp::now(),
                )
                .unwrap();
        }
        let engine = Engine::new(crate::store::SledStore::open(&path).unwrap(), shipped());
        let after = raw_files(data.path());
        assert!(!holds(&after, "777001"));
        assert_eq!(
            engine
                .store()
                .scan_prefix("screen/discord:888002/")
                .unwrap()
                .len(),
            1
        );
        busy_patient(&engine, "telegram:999003");
        assert!(
            holds(&raw_files(data.path()), "999003"),
            "the store still writes"
        );
    }

    #[test]
    fn a_retention_sweep_leaves_no_byte_of_the_records_it_deleted() {
        let data = tempfile::tempdir().unwrap();
        let path = data.path().join("sled");
        let engine = Engine::new(crate::store::SledStore::open(&path).unwrap(), shipped());
        for i in 0..20 {
            engine.handle(&say(
                "telegram:555004",
                "do you sell zebraquartz crystals",
                i,
            ));
        }
        // Declines the offer of a person: nothing else is kept of the chat.
        engine.handle(&say("telegram:555004", "no", 21));
        engine.handle(&say("telegram:555005", "does it hurt", 30));
        assert!(holds(&raw_files(data.path()), "zebraquartz"));
        // 100 days later: past the 90 days unanswered questions are kept.
        let later = parse_local("2027-03-01 10:00", &shipped().clinic.time_zone).unwrap();
        let report = engine.sweep(later).unwrap().0;
        assert!(report.unanswered >= 1, "{report:?}");
        let after = raw_files(data.path());
        assert!(!holds(&after, "zebraquartz"));
        assert!(!holds(&after, "555004"));
    }

    #[test]
    fn an_encrypted_store_with_chat_ids_in_its_keys_is_renamed_once_and_keeps_every_record() {
        let data = tempfile::tempdir().unwrap();
        let path = data.path().join("sled");
        let key = || crate::store::DataKey::parse(&"ab".repeat(32)).unwrap();
        let chat = ChatKey::parse("telegram:777001").unwrap();
        {
            // As an older version wrote it: the chat id in the keys.
            let store = crate::store::SledStore::open_encrypted(&path, key()).unwrap();
            let mut batch = Batch::default();
            batch.put("conv/telegram:777001", br#"{"locale":"es"}"#.to_vec());
            let entry = super::super::UnansweredEntry {
                chat: chat.clone(),
                text: "zebraquartz".into(),
                at: jiff::Timestamp::UNIX_EPOCH,
                settled: None,
            };
            batch.put(
                "unanswered/00000000000000000000/telegram:777001",
                super::super::records::encode(&entry),
            );
            store.apply(batch).unwrap();
        }
        assert!(holds(&raw_files(data.path()), "777001"));
        let store = crate::store::SledStore::open_encrypted(&path, key()).unwrap();
        let engine = Engine::new(store, shipped());
        assert_eq!(engine.migrate_record_names().unwrap(), 2);
        assert_eq!(engine.migrate_record_names().unwrap(), 0, "once");
        assert!(!holds(&raw_files(data.path()), "777001"));
        let conversation = engine.conversation(&chat).unwrap().unwrap();
        assert_eq!(conversation.locale, Some(crate::ids::Locale::Es));
        assert_eq!(engine.unanswered().unwrap()[0].text, "zebraquartz");
        engine.forget(&chat, Timestamp::now()).unwrap();
        // Only the store's note that its names are hashed is left.
        let left: Vec<String> = engine
            .store()
            .scan_prefix("")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(left, [keys::HASHED_NAMES]);
    }
}
