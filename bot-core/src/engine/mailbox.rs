//! Mailboxes for chats whose platform keeps no history of its own (the web
//! chat): every message for the patient, the bot's and staff's, is written
//! here with a number that grows by one, before any connection carries it.
//! A browser that lost its connection, or a bot that restarted (even one
//! killed mid-send), asks for what came after the last number it showed,
//! so each message is shown once, none lost. A mailbox keeps its latest
//! [`KEEP`] messages for [`KEPT_FOR`]; `/forget` empties it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::records::{decode, encode};
use super::{Engine, EngineError};
use crate::chat::Reply;
use crate::ids::ChatKey;
use crate::ports::{Batch, Store};

/// Messages kept per chat (the oldest go first).
pub const KEEP: usize = 200;
/// How long a message is kept for a visitor to come back to.
pub const KEPT_FOR: SignedDuration = SignedDuration::from_hours(7 * 24);

/// One message in a mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Posted {
    /// 1, 2, 3… within the chat.
    pub number: u64,
    pub at: Timestamp,
    pub reply: Reply,
}

pub(super) mod keys {
    use super::super::records::ChatName;

    pub const MAILBOXES: &str = "mailbox/";
    pub const SECRET: &str = "meta/visitor-secret";

    pub fn of(chat: &ChatName) -> String {
        format!("{MAILBOXES}{chat}/")
    }

    pub fn item(chat: &ChatName, number: u64) -> String {
        format!("{}{number:020}", of(chat))
    }
}

impl<S: Store> Engine<S> {
    /// Writes `replies` to the chat's mailbox, in order, and returns them
    /// numbered. Called with the replies of one message at a time.
    pub fn post(
        &self,
        chat: &ChatKey,
        replies: &[Reply],
        at: Timestamp,
    ) -> Result<Vec<Posted>, EngineError> {
        let name = self.name(chat);
        let _chat = self.lock_chat(chat);
        let kept = self.store.scan_prefix(&keys::of(&name))?;
        let last = match kept.last() {
            Some((key, bytes)) => decode::<Posted>(key, bytes)?.number,
            None => 0,
        };
        let mut batch = Batch::default();
        let posted: Vec<Posted> = replies
            .iter()
            .zip(last + 1..)
            .map(|(reply, number)| Posted {
                number,
                at,
                reply: reply.clone(),
            })
            .collect();
        for item in &posted {
            batch.put(keys::item(&name, item.number), encode(item));
        }
        let excess = (kept.len() + posted.len()).saturating_sub(KEEP);
        for (key, _) in kept.into_iter().take(excess) {
            batch.delete(key);
        }
        self.apply(batch)?;
        Ok(posted)
    }

    /// The secret that signs web visitors' ids: 32 random bytes made on
    /// first use and kept in the store (encrypted with it, when it is).
    pub fn visitor_secret(&self) -> Result<[u8; 32], EngineError> {
        let _made_once = self.accounts_lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(secret) = self.get::<Vec<u8>>(keys::SECRET)? {
            if let Ok(secret) = <[u8; 32]>::try_from(secret) {
                return Ok(secret);
            }
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source works");
        let mut batch = Batch::default();
        batch.put(keys::SECRET, encode(&secret.to_vec()));
        self.apply(batch)?;
        Ok(secret)
    }

    /// The messages after number `after`, oldest first.
    pub fn mailbox_after(&self, chat: &ChatKey, after: u64) -> Result<Vec<Posted>, EngineError> {
        let from = keys::item(&self.name(chat), after.saturating_add(1));
        let mut list = Vec::new();
        for (key, bytes) in self.store.scan_prefix(&keys::of(&self.name(chat)))? {
            if key >= from {
                list.push(decode(&key, &bytes)?);
            }
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ReplyKind;
    use crate::store::MemoryStore;

    fn engine() -> Engine<MemoryStore> {
        Engine::new(MemoryStore::default(), crate::testing::shipped())
    }

    fn reply(text: &str) -> Reply {
        Reply::new(ReplyKind::Answer, text)
    }

    fn texts(posted: &[Posted]) -> Vec<String> {
        posted.iter().map(|p| p.reply.text.clone()).collect()
    }

    #[test]
    fn messages_are_numbered_in_order_and_read_back_after_any_number() {
        let engine = engine();
        let chat = ChatKey::parse("web:v1").unwrap();
        let now = Timestamp::now();
        let first = engine.post(&chat, &[reply("a"), reply("b")], now).unwrap();
        assert_eq!(first.iter().map(|p| p.number).collect::<Vec<_>>(), [1, 2]);
        engine.post(&chat, &[reply("c")], now).unwrap();
        assert_eq!(
            texts(&engine.mailbox_after(&chat, 0).unwrap()),
            ["a", "b", "c"]
        );
        assert_eq!(texts(&engine.mailbox_after(&chat, 2).unwrap()), ["c"]);
        assert!(engine.mailbox_after(&chat, 3).unwrap().is_empty());
        let other = ChatKey::parse("web:v2").unwrap();
        assert!(
            engine.mailbox_after(&other, 0).unwrap().is_empty(),
            "one chat's only"
        );
    }

    #[test]
    fn a_mailbox_keeps_its_latest_messages_and_numbers_go_on() {
        let engine = engine();
        let chat = ChatKey::parse("web:v1").unwrap();
        let now = Timestamp::now();
        for n in 0..KEEP + 5 {
            engine.post(&chat, &[reply(&n.to_string())], now).unwrap();
        }
        let kept = engine.mailbox_after(&chat, 0).unwrap();
        assert_eq!(kept.len(), KEEP);
        assert_eq!(kept[0].number, 6);
        assert_eq!(kept.last().unwrap().number, (KEEP + 5) as u64);
    }

    #[test]
    fn the_visitor_secret_is_made_once_and_kept() {
        let (one, another) = (engine(), engine());
        let secret = one.visitor_secret().unwrap();
        assert_eq!(one.visitor_secret().unwrap(), secret);
        assert_ne!(secret, [0; 32]);
        assert_ne!(
            another.visitor_secret().unwrap(),
            secret,
            "each store its own"
        );
    }

    #[test]
    fn forgetting_a_chat_empties_its_mailbox_and_the_sweep_drops_old_messages() {
        let engine = engine();
        let (gone, old) = (
            ChatKey::parse("web:v1").unwrap(),
            ChatKey::parse("web:v2").unwrap(),
        );
        let now = Timestamp::now();
        engine.post(&gone, &[reply("hello")], now).unwrap();
        engine.forget(&gone).unwrap();
        assert!(engine.mailbox_after(&gone, 0).unwrap().is_empty());
        engine
            .post(
                &old,
                &[reply("long ago")],
                now - KEPT_FOR - SignedDuration::from_hours(1),
            )
            .unwrap();
        engine.post(&old, &[reply("today")], now).unwrap();
        let report = engine.sweep(now).unwrap();
        assert_eq!(report.mailbox, 1);
        assert_eq!(texts(&engine.mailbox_after(&old, 0).unwrap()), ["today"]);
    }
}
