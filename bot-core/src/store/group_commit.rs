//! Group commit: many writers, one disk flush.
//!
//! A durable write must not return before its batch is on disk, and a disk
//! flush costs far more than the write (a quarter of a millisecond here,
//! against microseconds). Writers that arrive while a flush runs wait for
//! the next one, which then covers all of them: with many patients writing
//! at once, the flushes per second stay bounded while the writes per
//! second grow.

use std::sync::{Condvar, Mutex, MutexGuard};

/// Counts batches applied and batches known to be on disk.
#[derive(Debug, Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Batches applied so far (each batch's ticket is its number).
    applied: u64,
    /// Every batch up to this one is on disk.
    durable: u64,
    /// A flush is running.
    flushing: bool,
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called once a batch is applied (in memory): its ticket.
    pub fn applied(&self) -> u64 {
        let mut state = self.lock();
        state.applied += 1;
        state.applied
    }

    /// Returns once the batch with `ticket` is on disk: after a flush that
    /// began after the batch was applied, run by this caller if no flush is
    /// running, else by whoever runs the next one.
    pub fn wait_durable<E>(&self, ticket: u64, flush: impl Fn() -> Result<(), E>) -> Result<(), E> {
        let mut state = self.lock();
        loop {
            if state.durable >= ticket {
                return Ok(());
            }
            if state.flushing {
                state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Lead: everything applied so far goes to disk with this flush.
            let covers = state.applied;
            state.flushing = true;
            drop(state);
            let result = flush();
            state = self.lock();
            state.flushing = false;
            if result.is_ok() {
                state.durable = state.durable.max(covers);
            }
            self.changed.notify_all();
            result?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn concurrent_writers_share_flushes_and_none_returns_before_its_batch_is_flushed() {
        let commit = GroupCommit::default();
        let flushes = AtomicU64::new(0);
        // What the last completed flush covered, as the flush itself saw it.
        let on_disk = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        let ticket = commit.applied();
                        commit
                            .wait_durable(ticket, || {
                                let covers = commit.lock().applied;
                                std::thread::sleep(std::time::Duration::from_millis(1));
                                flushes.fetch_add(1, Ordering::SeqCst);
                                on_disk.fetch_max(covers, Ordering::SeqCst);
                                Ok::<(), ()>(())
                            })
                            .unwrap();
                        assert!(on_disk.load(Ordering::SeqCst) >= ticket);
                    }
                });
            }
        });
        let flushes = flushes.load(Ordering::SeqCst);
        assert!(flushes < 400, "{flushes} flushes for 400 writes");
        assert!(flushes > 0);
    }

    #[test]
    fn a_failed_flush_is_reported_and_the_next_writer_flushes_again() {
        let commit = GroupCommit::default();
        let ticket = commit.applied();
        assert_eq!(
            commit.wait_durable(ticket, || Err("disk full")),
            Err("disk full")
        );
        assert_eq!(commit.wait_durable(ticket, || Ok::<(), &str>(())), Ok(()));
        // Already on disk: no flush needed.
        assert_eq!(commit.wait_durable(ticket, || Err("not called")), Ok(()));
    }
}
