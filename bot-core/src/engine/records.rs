//! Where the engine keeps things: the store's key layout, and typed reads
//! and writes of the records (JSON values; the store may encrypt them).

use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, UnansweredEntry, UnansweredSummary};
use crate::dialogue::{Conversation, ScreenRecord};
use crate::ids::ChatKey;
use crate::ports::{Store, StoreError};
use crate::text::fold;

/// A chat as the store's record keys name it: its id (`telegram:42`), or,
/// when the store is encrypted, a keyed hash of the id, so the files never
/// show who talked to the clinic (see [`RecordNames`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChatName(String);

impl ChatName {
    /// The name as it is found in a key.
    pub(super) fn from_key_part(part: &str) -> ChatName {
        ChatName(part.to_owned())
    }
}

impl std::fmt::Display for ChatName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How chats are named in record keys: as they are, or by HMAC-SHA256
/// under a secret the store derives from its data key (hex, 64
/// characters). The hash cannot be turned back into the id; every record
/// that needs the chat itself holds it in its (encrypted) value.
#[derive(Clone)]
pub(super) struct RecordNames {
    secret: Option<[u8; 32]>,
}

impl std::fmt::Debug for RecordNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordNames")
            .field("hashed", &self.secret.is_some())
            .finish()
    }
}

impl RecordNames {
    pub(super) fn new(secret: Option<[u8; 32]>) -> RecordNames {
        RecordNames { secret }
    }

    pub(super) fn hashed(&self) -> bool {
        self.secret.is_some()
    }

    pub(super) fn of(&self, chat: &ChatKey) -> ChatName {
        match &self.secret {
            None => ChatName(chat.to_string()),
            Some(secret) => {
                let digest = crate::store::cipher::hmac_sha256(secret, chat.to_string().as_bytes());
                ChatName(digest.iter().map(|b| format!("{b:02x}")).collect())
            }
        }
    }
}

/// The store's keys. Chats' records carry the chat's [`ChatName`]; scans
/// by prefix list a kind of record.
pub(super) mod keys {
    use super::ChatName;
    use jiff::Timestamp;

    pub const UNANSWERED: &str = "unanswered/";
    pub const SCREENS: &str = "screen/";
    pub const TICKETS: &str = "ticket/";
    pub const APPOINTMENTS: &str = "appt/";
    pub const CONVERSATIONS: &str = "conv/";
    pub const OPEN_TICKETS: &str = "ticket-open/";
    pub const CHAT_APPOINTMENTS: &str = "appt-chat/";
    /// Staff alerts no desk has taken yet.
    pub const ALERTS: &str = "alert/";
    /// Set once every chat's records are named by their keyed hash.
    pub const HASHED_NAMES: &str = "meta/hashed-chat-names";

    pub fn appointment(id: &str) -> String {
        format!("{APPOINTMENTS}{id}")
    }

    /// The appointment a link code belongs to.
    pub fn link_code(code: &str) -> String {
        format!("appt-code/{code}")
    }

    /// The appointments linked to a chat (empty values; the id is the key's end).
    pub fn chat_appointments(chat: &ChatName) -> String {
        format!("{CHAT_APPOINTMENTS}{chat}/")
    }

    pub fn chat_appointment(chat: &ChatName, id: &str) -> String {
        format!("{}{id}", chat_appointments(chat))
    }

    /// The day's digest was sent (or decided).
    pub fn digest(day: jiff::civil::Date) -> String {
        format!("meta/digest/{day}")
    }

    /// A chat's completed screens.
    pub fn screens_of(chat: &ChatName) -> String {
        format!("{SCREENS}{chat}/")
    }
    pub const TICKET_COUNTER: &str = "meta/ticket-counter";

    /// An alert by its id, which starts with the chat's name.
    pub fn alert(id: &str) -> String {
        format!("{ALERTS}{id}")
    }

    pub fn alerts_of(chat: &ChatName) -> String {
        format!("{ALERTS}{chat}/")
    }

    /// Where a ticket lives on a desk platform (a forum topic, a thread).
    pub fn desk_thread(platform: crate::ids::Platform, number: u64) -> String {
        format!("desk-thread/{platform}/{number:010}")
    }

    /// The ticket a desk platform's topic or thread belongs to.
    pub fn thread_ticket(platform: crate::ids::Platform, thread: &str) -> String {
        format!("desk-thread-ticket/{platform}/{thread}")
    }

    pub fn ticket(number: u64) -> String {
        format!("{TICKETS}{number:010}")
    }

    /// The open ticket of a chat, if any.
    pub fn open_ticket(chat: &ChatName) -> String {
        format!("{OPEN_TICKETS}{chat}")
    }

    pub fn conversation(chat: &ChatName) -> String {
        format!("{CONVERSATIONS}{chat}")
    }

    /// Per chat, then in time order.
    pub fn screen(chat: &ChatName, at: Timestamp) -> String {
        format!("{}{:020}", screens_of(chat), at.as_nanosecond())
    }

    /// Time first so a scan lists them in order; the chat keeps keys unique.
    pub fn unanswered(chat: &ChatName, at: Timestamp) -> String {
        format!("{UNANSWERED}{:020}/{chat}", at.as_nanosecond())
    }

    /// Where the chat's name is in a key of a chat's record, if it is one:
    /// `(before, name, after)`.
    pub fn chat_part(key: &str) -> Option<(&str, &str, &str)> {
        for prefix in [CONVERSATIONS, OPEN_TICKETS] {
            if let Some(name) = key.strip_prefix(prefix) {
                return Some((prefix, name, ""));
            }
        }
        for prefix in [SCREENS, CHAT_APPOINTMENTS, ALERTS] {
            if let Some(rest) = key.strip_prefix(prefix) {
                let (name, _) = rest.split_once('/')?;
                return Some((prefix, name, &rest[name.len()..]));
            }
        }
        if let Some(rest) = key.strip_prefix(UNANSWERED) {
            let (time, name) = rest.split_once('/')?;
            return Some((&key[..UNANSWERED.len() + time.len() + 1], name, ""));
        }
        None
    }
}

impl<S: Store> Engine<S> {
    /// With a data key, renames every chat's records from the chat's id to
    /// its keyed hash, once: a store written before chat ids were hashed
    /// holds them under the old names. Run at start, before any message.
    /// One atomic batch (all renamed or none, so no backup is needed, and a
    /// backup would put the ids back on disk), then the old names are
    /// erased from the files. Returns how many records were renamed.
    pub fn migrate_record_names(&self) -> Result<usize, EngineError> {
        // Once done, the marker spares every later start a full scan.
        if !self.names.hashed() || self.store.get(keys::HASHED_NAMES)?.is_some() {
            return Ok(0);
        }
        let mut batch = crate::ports::Batch::default();
        batch.put(keys::HASHED_NAMES, encode(&true));
        let mut renamed = 0;
        for (key, value) in self.store.snapshot()? {
            let Some((before, name, after)) = keys::chat_part(&key) else {
                continue;
            };
            // A hash is 64 hexadecimal digits, never `platform:id`.
            let Ok(chat) = ChatKey::parse(name) else {
                continue;
            };
            let new = format!("{before}{}{after}", self.name(&chat));
            batch.delete(key);
            batch.put(new, value);
            renamed += 1;
        }
        self.apply(batch)?;
        if renamed > 0 {
            self.store.erase_deleted()?;
            tracing::info!(
                records = renamed,
                "chat ids in record keys replaced by keyed hashes"
            );
        }
        Ok(renamed)
    }

    /// A record by key, if there is one.
    pub(super) fn get<T: for<'de> Deserialize<'de>>(
        &self,
        key: &str,
    ) -> Result<Option<T>, EngineError> {
        match self.store.get(key)? {
            Some(bytes) => decode(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The stored state of a chat, if it has one.
    pub fn conversation(&self, chat: &ChatKey) -> Result<Option<Conversation>, EngineError> {
        self.get(&keys::conversation(&self.name(chat)))
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

    /// Completed health screens, newest first, each with the id
    /// [`Engine::screen_record`] finds it by.
    pub fn screen_records(&self) -> Result<Vec<(String, ScreenRecord)>, EngineError> {
        let mut list = self
            .store
            .scan_prefix(keys::SCREENS)?
            .into_iter()
            .map(|(key, bytes)| {
                let record = decode::<ScreenRecord>(&key, &bytes)?;
                Ok((key[keys::SCREENS.len()..].to_owned(), record))
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        list.sort_by_key(|(_, s)| std::cmp::Reverse(s.completed));
        Ok(list)
    }

    /// A completed screen by the id [`Engine::screen_records`] gave.
    pub fn screen_record(&self, id: &str) -> Result<Option<ScreenRecord>, EngineError> {
        if id.is_empty() || id.contains("..") {
            return Ok(None);
        }
        self.get(&format!("{}{id}", keys::SCREENS))
    }

    /// Screens started and not finished (a hand-off may have paused one),
    /// newest first: when each started and how many answers it has.
    pub fn unfinished_screens(&self) -> Result<Vec<UnfinishedScreen>, EngineError> {
        let mut list = Vec::new();
        for (key, bytes) in self.store.scan_prefix(keys::CONVERSATIONS)? {
            let conversation: Conversation = decode(&key, &bytes)?;
            if let Some(progress) = conversation.state.screen() {
                list.push(UnfinishedScreen {
                    started: progress.started,
                    answers: progress.answers.len(),
                    locale: conversation.locale,
                });
            }
        }
        list.sort_by_key(|s| std::cmp::Reverse(s.started));
        Ok(list)
    }

    /// Unanswered questions no lesson settled, most frequent first.
    pub fn unanswered(&self) -> Result<Vec<UnansweredSummary>, EngineError> {
        let mut groups: std::collections::HashMap<String, UnansweredSummary> = Default::default();
        for (key, bytes) in self.store.scan_prefix(keys::UNANSWERED)? {
            let entry: UnansweredEntry = decode(&key, &bytes)?;
            if entry.settled.is_some() {
                continue;
            }
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

/// A health screen a patient started and has not finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnfinishedScreen {
    pub started: jiff::Timestamp,
    pub answers: usize,
    pub locale: Option<crate::ids::Locale>,
}

pub(super) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data structs to JSON cannot fail.
    serde_json::to_vec(value).expect("records serialise to JSON")
}

pub(super) fn decode<T: for<'de> Deserialize<'de>>(
    key: &str,
    bytes: &[u8],
) -> Result<T, EngineError> {
    serde_json::from_slice(bytes).map_err(|e| {
        EngineError::Store(StoreError::Corrupt {
            key: key.to_owned(),
            reason: e.to_string(),
        })
    })
}
