//! Where the engine keeps things: the store's key layout, and typed reads
//! and writes of the records (JSON values; the store may encrypt them).

use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, UnansweredEntry, UnansweredSummary};
use crate::dialogue::{Conversation, ScreenRecord};
use crate::ids::ChatKey;
use crate::ports::{Store, StoreError};
use crate::text::fold;

/// The store's keys. Chats' records carry the chat key; scans by prefix
/// list a kind of record.
pub(super) mod keys {
    use crate::ids::ChatKey;
    use jiff::Timestamp;

    pub const UNANSWERED: &str = "unanswered/";
    pub const SCREENS: &str = "screen/";
    pub const TICKETS: &str = "ticket/";
    pub const APPOINTMENTS: &str = "appt/";

    pub fn appointment(id: &str) -> String {
        format!("{APPOINTMENTS}{id}")
    }

    /// The appointment a link code belongs to.
    pub fn link_code(code: &str) -> String {
        format!("appt-code/{code}")
    }

    /// The appointments linked to a chat (empty values; the id is the key's end).
    pub fn chat_appointments(chat: &ChatKey) -> String {
        format!("appt-chat/{chat}/")
    }

    pub fn chat_appointment(chat: &ChatKey, id: &str) -> String {
        format!("{}{id}", chat_appointments(chat))
    }

    /// The day's digest was sent (or decided).
    pub fn digest(day: jiff::civil::Date) -> String {
        format!("meta/digest/{day}")
    }

    /// A chat's completed screens.
    pub fn screens_of(chat: &ChatKey) -> String {
        format!("{SCREENS}{chat}/")
    }
    pub const TICKET_COUNTER: &str = "meta/ticket-counter";

    pub fn ticket(number: u64) -> String {
        format!("{TICKETS}{number:010}")
    }

    /// The open ticket of a chat, if any.
    pub fn open_ticket(chat: &ChatKey) -> String {
        format!("ticket-open/{chat}")
    }

    pub fn conversation(chat: &ChatKey) -> String {
        format!("conv/{chat}")
    }

    /// Per chat, then in time order.
    pub fn screen(chat: &ChatKey, at: Timestamp) -> String {
        format!("{}{:020}", screens_of(chat), at.as_nanosecond())
    }

    /// Time first so a scan lists them in order; the chat keeps keys unique.
    pub fn unanswered(chat: &ChatKey, at: Timestamp) -> String {
        format!("{UNANSWERED}{:020}/{chat}", at.as_nanosecond())
    }
}

impl<S: Store> Engine<S> {
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
        self.get(&keys::conversation(chat))
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
