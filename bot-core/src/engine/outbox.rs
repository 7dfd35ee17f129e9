//! Staff alerts that must reach a desk whatever happens to the patient's
//! message, and what the adapters report back about deliveries.
//!
//! An alert (an emergency, an urgent worry, a ticket opened) is written to
//! the outbox in the same batch as the step that raised it, and handed to
//! the adapters with a [`Receipt::Alert`]. The first desk that takes it
//! removes it. One still there when a later run starts (this one stopped
//! before a desk took it), or [`RETRY_AFTER`] after it was last handed out
//! (a desk refused it, or the sends are stuck), is handed out again by the
//! minute's tick. So an alert can reach a desk twice, never zero times,
//! until [`GIVE_UP_AFTER`]: by then no desk has taken anything for days, and
//! it is dropped with an error in the log rather than kept for ever.
//!
//! Store writes also pass through here ([`Engine::apply`]), which counts
//! failures in a row: after [`UNUSABLE_AFTER`] of them the store is
//! unusable, and `serve` stops with an error.

use std::sync::atomic::Ordering;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::records::{decode, encode, keys};
use super::{Engine, EngineError};
use crate::delivery::{Delivery, DeskEvent, ErasedBy, Receipt};
use crate::ids::{ChatKey, Platform};
use crate::ports::{Batch, Store, StoreError};

/// An alert not confirmed this long after it was handed out is sent again.
pub const RETRY_AFTER: SignedDuration = SignedDuration::from_mins(5);
/// An alert no desk has taken in this long is dropped (and logged).
pub const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(48);
/// Failed writes in a row after which the store is taken as unusable.
pub const UNUSABLE_AFTER: u32 = 3;

/// A staff alert for the desks, with the receipt that clears it from the
/// outbox once a desk took it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub event: DeskEvent,
    pub receipt: Receipt,
}

impl Alert {
    pub fn delivery(&self) -> Delivery {
        Delivery::Desk {
            event: self.event.clone(),
            receipt: Some(self.receipt.clone()),
        }
    }
}

/// An alert waiting in the outbox.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Pending {
    event: DeskEvent,
    pub(super) created: Timestamp,
    /// The run that last handed it out, and when.
    run: u64,
    handed_out: Timestamp,
}

impl<S: Store> Engine<S> {
    /// Applies a batch, counting failed writes in a row (see
    /// [`Engine::store_usable`]).
    pub(super) fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let result = self.store.apply(batch);
        match &result {
            Ok(()) => self.write_failures.store(0, Ordering::Relaxed),
            Err(_) => {
                self.write_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    /// Whether this failure is the first of a streak (so staff are told
    /// once, not at every message).
    pub(super) fn first_write_failure(&self) -> bool {
        self.write_failures.load(Ordering::Relaxed) == 1
    }

    /// Whether the last write succeeded.
    pub(super) fn store_is_clean(&self) -> bool {
        self.write_failures.load(Ordering::Relaxed) == 0
    }

    /// False once [`UNUSABLE_AFTER`] writes in a row have failed (a full or
    /// read-only disk): the caller should stop, saying so.
    pub fn store_usable(&self) -> bool {
        self.write_failures.load(Ordering::Relaxed) < UNUSABLE_AFTER
    }

    /// Moves the alerts among `events` into the outbox (added to `batch`),
    /// returning them with their receipts; the rest are returned as they are.
    pub(super) fn to_outbox(
        &self,
        chat: &ChatKey,
        events: Vec<DeskEvent>,
        at: Timestamp,
        batch: &mut Batch,
    ) -> (Vec<Alert>, Vec<DeskEvent>) {
        let (alerts, rest): (Vec<_>, Vec<_>) = events.into_iter().partition(DeskEvent::is_alert);
        // The chat's (so forgetting it reaches its alerts).
        let alerts = self.outbox(&self.name(chat).to_string(), alerts, at, batch);
        (alerts, rest)
    }

    /// Erasures of the desk places `places` (by platform), for each
    /// platform's desk, written to the outbox in `batch` so that a desk
    /// that is not running now deletes them when it runs. Not the chat's:
    /// a later `/forget` of the same chat must not drop them.
    pub(super) fn erasures_to_outbox(
        &self,
        places: Vec<(Platform, String)>,
        by: ErasedBy,
        at: Timestamp,
        batch: &mut Batch,
    ) -> Vec<Alert> {
        let events = [Platform::Telegram, Platform::Discord]
            .into_iter()
            .filter_map(|platform| {
                let here: Vec<String> = places
                    .iter()
                    .filter(|(p, _)| *p == platform)
                    .map(|(_, place)| place.clone())
                    .collect();
                (!here.is_empty()).then_some(DeskEvent::Erased {
                    platform,
                    places: here,
                    by,
                })
            })
            .collect();
        self.outbox("erased", events, at, batch)
    }

    /// Writes `events` to the outbox as alerts of `owner` (a prefix of
    /// their ids), returning them with their receipts.
    fn outbox(
        &self,
        owner: &str,
        events: Vec<DeskEvent>,
        at: Timestamp,
        batch: &mut Batch,
    ) -> Vec<Alert> {
        events
            .into_iter()
            .map(|event| {
                // The owner's, then unique: the instant, this run, and a
                // count within the run.
                let id = format!(
                    "{owner}/{:020}-{:016x}-{}",
                    at.as_nanosecond(),
                    self.run,
                    self.alerts_made.fetch_add(1, Ordering::Relaxed)
                );
                let pending = Pending {
                    event: event.clone(),
                    created: at,
                    run: self.run,
                    handed_out: at,
                };
                batch.put(keys::alert(&id), encode(&pending));
                Alert {
                    event,
                    receipt: Receipt::Alert { id },
                }
            })
            .collect()
    }

    /// Alerts to hand out again at `now`: left by an earlier run, or not
    /// confirmed [`RETRY_AFTER`] after they were handed out.
    pub(super) fn due_alerts(&self, now: Timestamp) -> Result<Vec<Delivery>, EngineError> {
        let mut batch = Batch::default();
        let mut due = Vec::new();
        for (key, value) in self.store.scan_prefix(keys::ALERTS)? {
            let Ok(mut pending) = decode::<Pending>(&key, &value) else {
                tracing::error!("an unreadable staff alert was dropped");
                batch.delete(key);
                continue;
            };
            if now.duration_since(pending.created) > GIVE_UP_AFTER {
                tracing::error!("a staff alert no desk took in 48 hours was dropped");
                batch.delete(key);
                continue;
            }
            let stale = now.duration_since(pending.handed_out) >= RETRY_AFTER;
            if pending.run == self.run && !stale {
                continue;
            }
            pending.run = self.run;
            pending.handed_out = now;
            let id = key[keys::ALERTS.len()..].to_owned();
            due.push(Delivery::Desk {
                event: pending.event.clone(),
                receipt: Some(Receipt::Alert { id }),
            });
            batch.put(key, encode(&pending));
        }
        if !batch.is_empty() {
            self.apply(batch)?;
        }
        Ok(due)
    }

    /// How many alerts wait for a desk.
    pub fn pending_alerts(&self) -> Result<usize, EngineError> {
        Ok(self.store.scan_prefix(keys::ALERTS)?.len())
    }

    /// Records that the platform took a delivery that asked for a receipt.
    pub fn delivered(&self, receipt: &Receipt, at: Timestamp) -> Result<(), EngineError> {
        match receipt {
            Receipt::Reminder { .. } | Receipt::DoubtReported { .. } => {
                self.reminder_delivered(receipt, at)
            }
            Receipt::Alert { id } => {
                let mut batch = Batch::default();
                batch.delete(keys::alert(id));
                Ok(self.apply(batch)?)
            }
            Receipt::Relay { .. } => Ok(()),
        }
    }

    /// What to do about a delivery the platform refused, or whose fate is
    /// unknown (`why` says which, without any message text): staff are told
    /// of a failed reply and a reminder that may not have arrived; an alert
    /// waits for the next try.
    pub fn undelivered(&self, receipt: &Receipt, why: &str) -> Result<Vec<Delivery>, EngineError> {
        match receipt {
            Receipt::Relay { ticket } => {
                self.mark_reply_in_doubt(*ticket)?;
                Ok(vec![Delivery::desk(DeskEvent::RelayFailed {
                    number: *ticket,
                    why: why.to_owned(),
                })])
            }
            Receipt::Reminder { appointment, key } => self.reminder_undelivered(appointment, key),
            Receipt::Alert { .. } | Receipt::DoubtReported { .. } => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::chat::{Incoming, Input, ReplyKind};
    use crate::testing::shipped;
    use crate::{Locale, MemoryStore, SledStore};

    fn say(chat: &str, text: &str, at: Timestamp) -> Incoming {
        Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input: Input::from_text(text),
            at,
            locale_hint: None,
            shared: false,
            display_name: None,
            sequence: None,
        }
    }

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn alerts_in(deliveries: &[Delivery]) -> Vec<&DeskEvent> {
        deliveries
            .iter()
            .filter_map(|d| match d {
                Delivery::Desk {
                    event,
                    receipt: Some(Receipt::Alert { .. }),
                } => Some(event),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_alert_no_desk_took_is_sent_again_after_a_while_and_at_the_next_start_until_one_takes_it()
    {
        let dir = tempfile::tempdir().unwrap();
        {
            let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
            let out = engine.handle(&say(
                "telegram:5",
                "my friend collapsed and is not breathing",
                at(0),
            ));
            assert_eq!(out.replies[0].kind, ReplyKind::Emergency);
            assert!(matches!(
                out.alerts[..],
                [Alert {
                    event: DeskEvent::Emergency { .. },
                    ..
                }]
            ));
            // Still being sent by this run: not handed out twice.
            assert!(alerts_in(&engine.tick(at(1), &|_| true).unwrap()).is_empty());
            // Not confirmed five minutes on: handed out again.
            let again = engine.tick(at(5), &|_| true).unwrap();
            assert!(matches!(
                alerts_in(&again)[..],
                [DeskEvent::Emergency { .. }]
            ));
            assert!(alerts_in(&engine.tick(at(6), &|_| true).unwrap()).is_empty());
        }
        // A new run (after a crash) hands it out at its first tick.
        let engine = Engine::new(SledStore::open(dir.path()).unwrap(), shipped());
        assert!(
            alerts_in(&engine.tick(at(7), &|_| false).unwrap()).is_empty(),
            "no desk runs yet"
        );
        let restarted = engine.tick(at(7), &|_| true).unwrap();
        let receipt = restarted
            .iter()
            .find_map(|d| d.receipt().filter(|r| matches!(r, Receipt::Alert { .. })))
            .expect("the alert again");
        engine.delivered(receipt, at(7)).unwrap();
        assert_eq!(engine.pending_alerts().unwrap(), 0);
        assert!(alerts_in(&engine.tick(at(30), &|_| true).unwrap()).is_empty());
    }

    #[test]
    fn an_alert_no_desk_takes_for_two_days_is_dropped() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        engine.handle(&say("telegram:5", "/human", at(0)));
        assert_eq!(engine.pending_alerts().unwrap(), 1);
        let two_days = GIVE_UP_AFTER.as_mins();
        assert!(!alerts_in(&engine.tick(at(two_days), &|_| true).unwrap()).is_empty());
        assert!(alerts_in(&engine.tick(at(two_days + 1), &|_| true).unwrap()).is_empty());
        assert_eq!(engine.pending_alerts().unwrap(), 0);
    }

    #[test]
    fn a_failed_staff_reply_is_reported_to_the_desk_by_ticket_and_without_its_text() {
        let engine = Engine::new(MemoryStore::new(), shipped());
        let relay = Receipt::Relay { ticket: 4 };
        let told = engine
            .undelivered(&relay, "Telegram refused: bot was blocked by the user")
            .unwrap();
        let [
            Delivery::Desk {
                event,
                receipt: None,
            },
        ] = &told[..]
        else {
            panic!("one desk post: {told:?}");
        };
        let post = crate::handoff::render::desk_text(event);
        assert!(post.contains("#4") && post.contains("blocked"), "{post}");
    }

    /// A store whose writes fail while `failing` is set (a full disk).
    #[derive(Default)]
    struct FullDisk {
        inner: MemoryStore,
        failing: AtomicBool,
    }

    impl Store for FullDisk {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.inner.get(key)
        }
        fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
            self.inner.scan_prefix(prefix)
        }
        fn apply(&self, batch: Batch) -> Result<(), StoreError> {
            if self.failing.load(Ordering::Relaxed) {
                return Err(StoreError::Backend("No space left on device".into()));
            }
            self.inner.apply(batch)
        }
        fn flush(&self) -> Result<(), StoreError> {
            self.inner.flush()
        }
    }

    #[test]
    fn when_writes_fail_patients_are_told_to_call_staff_are_told_once_and_the_store_is_unusable() {
        let engine = Engine::new(FullDisk::default(), shipped());
        let call_us = shipped().messages(Locale::En).internal_error.clone();
        engine.store().failing.store(true, Ordering::Relaxed);

        let out = engine.handle(&say("telegram:1", "does it hurt?", at(0)));
        assert_eq!(out.replies.len(), 1);
        assert!(call_us.contains("call") && out.replies[0].text.starts_with(&call_us[..20]));
        assert_eq!(out.desk, [DeskEvent::StoreFailing]);
        assert!(engine.store_usable(), "one failure may pass");

        // An emergency is still answered, and still reaches the desks.
        let out = engine.handle(&say(
            "telegram:2",
            "my friend collapsed and is not breathing",
            at(1),
        ));
        assert_eq!(out.replies[0].kind, ReplyKind::Emergency);
        assert!(
            matches!(out.desk[..], [DeskEvent::Emergency { .. }]),
            "{out:?}"
        );
        assert!(out.alerts.is_empty(), "no outbox behind it");

        engine.handle(&say("telegram:3", "what should I wear?", at(2)));
        assert!(!engine.store_usable(), "three writes in a row failed");

        engine.store().failing.store(false, Ordering::Relaxed);
        let out = engine.handle(&say("telegram:3", "what should I wear?", at(3)));
        assert_ne!(out.replies[0].text, call_us);
        assert!(engine.store_usable());
    }
}
