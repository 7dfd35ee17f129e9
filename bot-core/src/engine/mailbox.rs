//! Mailboxes for chats whose platform keeps no history of its own (the web
//! chat): every line of the conversation, the patient's and the bot's and
//! staff's, is written here with a number that grows by one, before any
//! connection carries it.
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
    pub line: Line,
}

/// Who said what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Line {
    /// The bot's or a staff member's message.
    Clinic(Reply),
    /// What the patient wrote, or the label of the button they pressed,
    /// with the page's own number for the message.
    Patient { seq: u64, text: String },
}

/// What became of a patient's line.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// Written, with its number: the bot has yet to answer it.
    New(Posted),
    /// A resend of a line already there and answered: nothing to do.
    Answered,
    /// A resend of a line already there whose answer is not (the bot
    /// stopped between the two): it is to be answered.
    Unanswered,
}

/// What a patient sent, as the mailbox shows it.
#[derive(Debug, Clone)]
pub enum Said {
    Text(String),
    /// A button's id: shown as the button's label.
    Choice(String),
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
        let _chat = self.lock_chat(chat);
        let kept = self.kept(chat)?;
        let lines = replies.iter().cloned().map(Line::Clinic).collect();
        self.append(chat, kept, lines, at)
    }

    /// Writes what the patient sent, numbered `seq` by their page, unless
    /// a line numbered `seq` or later is there already (a resend): then
    /// says whether the bot's answer to it is there too.
    pub fn post_patient(
        &self,
        chat: &ChatKey,
        seq: u64,
        said: &Said,
        at: Timestamp,
    ) -> Result<Received, EngineError> {
        let _chat = self.lock_chat(chat);
        let kept = self.kept(chat)?;
        let mut label = None;
        let mut answered = false;
        for posted in kept.iter().rev() {
            match (&posted.line, said) {
                (Line::Patient { seq: last, .. }, _) if *last > seq => {
                    return Ok(Received::Answered);
                }
                (Line::Patient { seq: last, .. }, _) if *last == seq => {
                    return Ok(if answered {
                        Received::Answered
                    } else {
                        Received::Unanswered
                    });
                }
                (Line::Clinic(reply), said) => {
                    answered = true;
                    if let (Said::Choice(id), None) = (said, label) {
                        label = reply.choices.iter().find(|c| &c.id == id).map(|c| &c.label);
                    }
                }
                _ => {}
            }
        }
        let text = match said {
            Said::Text(text) => text.clone(),
            Said::Choice(id) => label.unwrap_or(id).clone(),
        };
        let line = Line::Patient { seq, text };
        let posted = self.append(chat, kept, vec![line], at)?;
        Ok(Received::New(posted.into_iter().next().expect("one line")))
    }

    /// The chat's mailbox, oldest first (the caller holds its lock).
    fn kept(&self, chat: &ChatKey) -> Result<Vec<Posted>, EngineError> {
        let items = self.store.scan_prefix(&keys::of(&self.name(chat)))?;
        items
            .iter()
            .map(|(key, bytes)| decode(key, bytes))
            .collect()
    }

    /// Numbers `lines` after the last one kept, writes them, and drops the
    /// oldest beyond [`KEEP`], in one batch.
    fn append(
        &self,
        chat: &ChatKey,
        kept: Vec<Posted>,
        lines: Vec<Line>,
        at: Timestamp,
    ) -> Result<Vec<Posted>, EngineError> {
        let name = self.name(chat);
        let last = kept.last().map_or(0, |p| p.number);
        let posted: Vec<Posted> = lines
            .into_iter()
            .zip(last + 1..)
            .map(|(line, number)| Posted { number, at, line })
            .collect();
        let mut batch = Batch::default();
        for item in &posted {
            batch.put(keys::item(&name, item.number), encode(item));
        }
        let excess = (kept.len() + posted.len()).saturating_sub(KEEP);
        for old in kept.into_iter().take(excess) {
            batch.delete(keys::item(&name, old.number));
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
        let text = |p: &Posted| match &p.line {
            Line::Clinic(reply) => reply.text.clone(),
            Line::Patient { text, .. } => format!("> {text}"),
        };
        posted.iter().map(text).collect()
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
    fn the_patients_lines_are_kept_once_each_with_a_buttons_label_and_a_resend_knows_if_answered() {
        let engine = engine();
        let chat = ChatKey::parse("web:v1").unwrap();
        let now = Timestamp::now();
        let said = |seq, what: Said| engine.post_patient(&chat, seq, &what, now).unwrap();
        let new = |received| matches!(received, Received::New(_));
        assert!(new(said(1, Said::Text("does it hurt?".into()))));
        assert_eq!(
            said(1, Said::Text("does it hurt?".into())),
            Received::Unanswered
        );
        let mut question = reply("Are you pregnant?");
        question.choices = vec![crate::chat::Choice {
            id: "screen:no".into(),
            label: "No".into(),
        }];
        engine.post(&chat, &[question], now).unwrap();
        assert_eq!(
            said(1, Said::Text("does it hurt?".into())),
            Received::Answered
        );
        assert!(new(said(2, Said::Choice("screen:no".into()))));
        assert!(new(said(3, Said::Choice("gone".into()))));
        assert_eq!(
            said(2, Said::Choice("screen:no".into())),
            Received::Answered,
            "older"
        );
        assert_eq!(
            texts(&engine.mailbox_after(&chat, 0).unwrap()),
            ["> does it hurt?", "Are you pregnant?", "> No", "> gone"]
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
        engine.forget(&gone, now).unwrap();
        assert!(engine.mailbox_after(&gone, 0).unwrap().is_empty());
        engine
            .post(
                &old,
                &[reply("long ago")],
                now - KEPT_FOR - SignedDuration::from_hours(1),
            )
            .unwrap();
        engine.post(&old, &[reply("today")], now).unwrap();
        let report = engine.sweep(now).unwrap().0;
        assert_eq!(report.mailbox, 1);
        assert_eq!(texts(&engine.mailbox_after(&old, 0).unwrap()), ["today"]);
    }
}
