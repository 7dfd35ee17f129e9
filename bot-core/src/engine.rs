//! The engine: the one entry point adapters call. It serialises messages per
//! chat, loads the chat's [`Conversation`] from the store, runs the pure
//! [`dialogue::step`], and writes the new state and any records in one atomic
//! batch before returning what to send.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::dialogue::{self, Conversation, Incoming, Reply, ReplyKind, ScreenRecord, StaffEvent};
use crate::ids::{ChatKey, Locale};
use crate::knowledge::Knowledge;
use crate::ports::{Batch, Store, StoreError};
use crate::text::fold;

/// Why an engine operation failed (message handling itself never fails: the
/// patient gets a polite message and the error is logged).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to send after one incoming message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub replies: Vec<Reply>,
    pub staff: Vec<StaffEvent>,
}

/// A question the bot could not answer, as logged for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredEntry {
    pub chat: ChatKey,
    pub text: String,
    pub at: Timestamp,
}

/// Unanswered questions grouped by wording, for staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredSummary {
    /// The most recent wording of the question.
    pub text: String,
    pub count: usize,
    pub last_seen: Timestamp,
}

const LOCK_STRIPES: usize = 64;

/// The platform-neutral bot.
pub struct Engine<S: Store> {
    store: S,
    knowledge: RwLock<Arc<Knowledge>>,
    /// Messages of one chat are handled one at a time (read-modify-write of its
    /// state); chats are spread over a fixed set of locks.
    stripes: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
}

mod keys {
    use crate::ids::ChatKey;
    use jiff::Timestamp;

    pub const UNANSWERED: &str = "unanswered/";
    pub const SCREENS: &str = "screen/";

    pub fn conversation(chat: &ChatKey) -> String {
        format!("conv/{chat}")
    }

    /// Per chat, then in time order.
    pub fn screen(chat: &ChatKey, at: Timestamp) -> String {
        format!("{SCREENS}{chat}/{:020}", at.as_nanosecond())
    }

    /// Time first so a scan lists them in order; the chat keeps keys unique.
    pub fn unanswered(chat: &ChatKey, at: Timestamp) -> String {
        format!("{UNANSWERED}{:020}/{chat}", at.as_nanosecond())
    }
}

impl<S: Store> Engine<S> {
    pub fn new(store: S, knowledge: Arc<Knowledge>) -> Engine<S> {
        Engine {
            store,
            knowledge: RwLock::new(knowledge),
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: Default::default(),
        }
    }

    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Swaps in a newly loaded knowledge folder; conversations carry on.
    pub fn replace_knowledge(&self, knowledge: Arc<Knowledge>) {
        *self.knowledge.write().unwrap_or_else(|e| e.into_inner()) = knowledge;
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one message from a patient.
    pub fn handle(&self, incoming: &Incoming) -> Outcome {
        let knowledge = self.knowledge();
        let stripe = &self.stripes[self.hasher.hash_one(&incoming.chat) as usize % LOCK_STRIPES];
        let _guard = stripe.lock().unwrap_or_else(|e| e.into_inner());

        let conversation = match self.conversation(&incoming.chat) {
            Ok(c) => c.unwrap_or_default(),
            Err(e) => {
                tracing::error!(chat = %incoming.chat, error = %e, "cannot load conversation");
                return internal_error(&knowledge, incoming, Vec::new(), Vec::new());
            }
        };
        let step = dialogue::step(&knowledge, conversation, incoming);
        let mut batch = Batch::default();
        batch.put(
            keys::conversation(&incoming.chat),
            encode(&step.conversation),
        );
        if let Some(text) = step.unanswered {
            let entry = UnansweredEntry {
                chat: incoming.chat.clone(),
                text,
                at: incoming.at,
            };
            batch.put(
                keys::unanswered(&incoming.chat, incoming.at),
                encode(&entry),
            );
        }
        if let Some(record) = &step.screen {
            batch.put(keys::screen(&record.chat, record.completed), encode(record));
        }
        if let Err(e) = self.store.apply(batch) {
            tracing::error!(chat = %incoming.chat, error = %e, "cannot save conversation");
            // An emergency answer goes out whatever happens to storage.
            let emergencies = step
                .replies
                .into_iter()
                .filter(|r| r.kind == ReplyKind::Emergency)
                .collect();
            return internal_error(&knowledge, incoming, emergencies, step.staff);
        }
        Outcome {
            replies: step.replies,
            staff: step.staff,
        }
    }

    /// The stored state of a chat, if it has one.
    pub fn conversation(&self, chat: &ChatKey) -> Result<Option<Conversation>, EngineError> {
        let key = keys::conversation(chat);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(None);
        };
        decode(&key, &bytes).map(Some)
    }

    /// Completed health screens, newest first.
    pub fn screenings(&self) -> Result<Vec<ScreenRecord>, EngineError> {
        let mut list = self
            .store
            .scan_prefix(keys::SCREENS)?
            .into_iter()
            .map(|(key, bytes)| decode::<ScreenRecord>(&key, &bytes))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by_key(|s| std::cmp::Reverse(s.completed));
        Ok(list)
    }

    /// Unanswered questions, most frequent first.
    pub fn unanswered(&self) -> Result<Vec<UnansweredSummary>, EngineError> {
        let mut groups: std::collections::HashMap<String, UnansweredSummary> = Default::default();
        for (key, bytes) in self.store.scan_prefix(keys::UNANSWERED)? {
            let entry: UnansweredEntry = decode(&key, &bytes)?;
            let group = groups
                .entry(fold(&entry.text))
                .or_insert_with(|| UnansweredSummary {
                    text: entry.text.clone(),
                    count: 0,
                    last_seen: entry.at,
                });
            group.count += 1;
            if entry.at >= group.last_seen {
                group.last_seen = entry.at;
                group.text = entry.text;
            }
        }
        let mut list: Vec<_> = groups.into_values().collect();
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.last_seen.cmp(&a.last_seen))
                .then(a.text.cmp(&b.text))
        });
        Ok(list)
    }
}

fn internal_error(
    knowledge: &Knowledge,
    incoming: &Incoming,
    mut replies: Vec<Reply>,
    staff: Vec<StaffEvent>,
) -> Outcome {
    let locale = incoming.locale_hint.unwrap_or(Locale::En);
    replies.push(Reply {
        kind: ReplyKind::Info,
        text: knowledge.messages(locale).internal_error.clone(),
        choices: Vec::new(),
        topic: None,
        question: None,
        numbered: false,
    });
    Outcome { replies, staff }
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data structs to JSON cannot fail.
    serde_json::to_vec(value).expect("records serialise to JSON")
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, EngineError> {
    serde_json::from_slice(bytes).map_err(|e| {
        EngineError::Store(StoreError::Corrupt {
            key: key.to_owned(),
            reason: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::{Input, State};
    use crate::ids::ChatKey;
    use crate::store::{MemoryStore, SledStore};
    use crate::testing::shipped;

    fn say(chat: &str, text: &str, at: i64) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input: Input::from_text(text),
            at: Timestamp::from_second(at).unwrap(),
            locale_hint: None,
            shared: false,
        }
    }

    #[test]
    fn a_restart_resumes_every_conversation_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let offered = {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            engine.handle(&say("telegram:1", "¿duele?", 1));
            let out = engine.handle(&say("terminal:2", "how long", 2));
            assert!(matches!(
                engine
                    .conversation(&ChatKey::parse("terminal:2").unwrap())
                    .unwrap(),
                Some(Conversation {
                    state: State::Clarifying { .. },
                    ..
                })
            ));
            out.replies[0].choices[0].id.clone()
        };
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let out = engine.handle(&say("terminal:2", "1", 3));
        assert_eq!(out.replies[0].kind, ReplyKind::Answer);
        assert_eq!(
            format!("topic:{}", out.replies[0].topic.as_ref().unwrap()),
            offered,
            "the pending question survived the restart"
        );
        let es = engine
            .conversation(&ChatKey::parse("telegram:1").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(es.locale, Some(Locale::Es));
    }

    #[test]
    fn unanswered_questions_are_listed_most_frequent_first() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("terminal:a", "do you do botox", 1));
        engine.handle(&say("terminal:b", "Do you do Botox?", 2));
        engine.handle(&say("terminal:c", "can my dog get needled", 3));
        engine.handle(&say("terminal:c", "does it hurt", 4));
        let list = engine.unanswered().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].count, list[0].text.as_str()),
            (2, "Do you do Botox?")
        );
        assert_eq!(list[1].count, 1);
    }

    #[test]
    fn a_corrupt_conversation_record_gets_a_polite_reply_not_a_panic() {
        let store = MemoryStore::new();
        let mut batch = Batch::default();
        batch.put("conv/terminal:x", b"{not json".to_vec());
        store.apply(batch).unwrap();
        let engine = Engine::new(store, shipped());
        let out = engine.handle(&say("terminal:x", "does it hurt", 1));
        assert_eq!(out.replies.len(), 1);
        assert_eq!(
            out.replies[0].text,
            shipped().messages(Locale::En).internal_error
        );
    }

    #[test]
    fn concurrent_messages_in_many_chats_are_all_saved() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        std::thread::scope(|s| {
            for t in 0..4 {
                let engine = &engine;
                s.spawn(move || {
                    for i in 0..25 {
                        let out = engine.handle(&say(&format!("terminal:{t}-{i}"), "how long", i));
                        assert_eq!(out.replies[0].kind, ReplyKind::Clarify);
                    }
                });
            }
        });
        assert_eq!(engine.store().scan_prefix("conv/").unwrap().len(), 100);
    }

    #[test]
    fn a_screen_resumes_at_the_same_question_after_the_store_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            for (i, text) in ["/screen", "yes", "no", "no"].iter().enumerate() {
                engine.handle(&say("telegram:9", text, i as i64));
            }
        }
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        let out = engine.handle(&say("telegram:9", "/screen", 10));
        assert_eq!(
            out.replies.last().unwrap().question.as_deref(),
            Some("needle_fear")
        );
        let Some(Conversation {
            state: State::Screening(p),
            ..
        }) = engine
            .conversation(&ChatKey::parse("telegram:9").unwrap())
            .unwrap()
        else {
            panic!("still screening")
        };
        assert_eq!(p.answers.len(), 3, "previous answers kept");
    }

    #[test]
    fn completed_screens_are_stored_and_listed_newest_first() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let mut t = 0;
        for (chat, fear) in [("terminal:a", "no"), ("terminal:b", "yes")] {
            let mut next = "/screen".to_owned();
            loop {
                t += 1;
                let out = engine.handle(&say(chat, &next, t));
                let Some(q) = out.replies.last().and_then(|r| r.question.clone()) else {
                    break;
                };
                next = match q.as_str() {
                    "consent" => "yes".into(),
                    "needle_fear" => fear.into(),
                    _ => "no".into(),
                };
            }
        }
        let list = engine.screenings().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].chat.to_string(), "terminal:b");
        assert_eq!(list[0].outcome, crate::screening::Outcome::Decline);
        assert_eq!(list[1].outcome, crate::screening::Outcome::Clear);
    }
}
