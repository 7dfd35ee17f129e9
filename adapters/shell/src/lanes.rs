//! One queue of work per destination (a chat, a channel, a desk), each
//! worked through in order by a task of its own that ends when its queue is
//! empty: a slow or failing destination holds up only itself.
//!
//! Each job carries an order number; a queue runs its jobs lowest first.
//! Jobs pushed with [`Lanes::push`] are numbered as they come. Discord hands
//! each gateway event to its handler on a task of its own, so two events of
//! one channel can reach [`Lanes::push_ordered`] in either order: there the
//! number is the event's snowflake id, and a queue that was empty waits
//! [`Lanes::new`]'s `settle` before its first job, so that events of one
//! instant are sorted before any runs.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Queues of jobs by destination `K`. Cloning shares the queues.
pub struct Lanes<K> {
    shared: Arc<Shared<K>>,
}

impl<K> Clone for Lanes<K> {
    fn clone(&self) -> Self {
        Lanes {
            shared: self.shared.clone(),
        }
    }
}

struct Shared<K> {
    queues: Mutex<HashMap<K, BTreeMap<u64, Job>>>,
    /// Numbers for [`Lanes::push`].
    next: AtomicU64,
    settle: Duration,
    /// Woken when the last queue empties.
    idle: Notify,
    runtime: tokio::runtime::Handle,
}

impl<K: Eq + Hash + Clone + Send + 'static> Lanes<K> {
    /// Queues whose tasks run on the current Tokio runtime. A queue that
    /// was empty waits `settle` before its first job (zero: none).
    pub fn new(settle: Duration) -> Lanes<K> {
        Lanes {
            shared: Arc::new(Shared {
                queues: Mutex::new(HashMap::new()),
                next: AtomicU64::new(0),
                settle,
                idle: Notify::new(),
                runtime: tokio::runtime::Handle::current(),
            }),
        }
    }

    /// Adds a job after every job pushed before it for `key`. Callable from
    /// any thread.
    pub fn push(&self, key: K, job: impl Future<Output = ()> + Send + 'static) {
        // Far above any snowflake, so the two kinds never mix in one queue.
        let order = (1 << 63) | self.shared.next.fetch_add(1, Ordering::Relaxed);
        self.push_ordered(key, order, job);
    }

    /// Adds a job to run in `order` among the jobs queued for `key`.
    pub fn push_ordered(&self, key: K, order: u64, job: impl Future<Output = ()> + Send + 'static) {
        let mut queues = self.lock();
        if let Some(queue) = queues.get_mut(&key) {
            queue.insert(order, Box::pin(job));
            return;
        }
        queues.insert(key.clone(), BTreeMap::from([(order, Box::pin(job) as Job)]));
        drop(queues);
        let shared = self.shared.clone();
        self.shared.runtime.spawn(async move {
            if !shared.settle.is_zero() {
                tokio::time::sleep(shared.settle).await;
            }
            Lanes { shared }.work(key).await;
        });
    }

    /// Runs `key`'s jobs until its queue is empty, then removes it.
    async fn work(self, key: K) {
        loop {
            let job = {
                let mut queues = self.lock();
                let Some(queue) = queues.get_mut(&key) else {
                    return;
                };
                match queue.pop_first() {
                    Some((_, job)) => job,
                    None => {
                        queues.remove(&key);
                        if queues.is_empty() {
                            self.shared.idle.notify_waiters();
                        }
                        return;
                    }
                }
            };
            // On a task of its own, so a job that panics ends only itself.
            if let Err(e) = self.shared.runtime.spawn(job).await {
                tracing::error!(error = %e, "a queued job failed");
            }
        }
    }

    /// Completes once every queue is empty and its last job done.
    pub async fn idle(&self) {
        loop {
            let notified = self.shared.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// How many destinations have work queued or running.
    pub fn busy(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, BTreeMap<u64, Job>>> {
        self.shared.queues.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stuck_destination_holds_up_only_itself_and_each_keeps_its_order() {
        let lanes = Lanes::new(Duration::ZERO);
        let (log_tx, mut log) = tokio::sync::mpsc::unbounded_channel();
        let (release, stuck) = tokio::sync::oneshot::channel::<()>();
        let tx = log_tx.clone();
        lanes.push("stuck", async move {
            let _ = stuck.await;
            let _ = tx.send("stuck 1");
        });
        let tx = log_tx.clone();
        lanes.push("stuck", async move {
            let _ = tx.send("stuck 2");
        });
        for n in ["other 1", "other 2", "other 3"] {
            let tx = log_tx.clone();
            lanes.push("other", async move {
                let _ = tx.send(n);
            });
        }
        for expected in ["other 1", "other 2", "other 3"] {
            assert_eq!(log.recv().await, Some(expected));
        }
        assert_eq!(lanes.busy(), 1, "only the stuck destination is still busy");
        release.send(()).unwrap();
        assert_eq!(log.recv().await, Some("stuck 1"));
        assert_eq!(log.recv().await, Some("stuck 2"));
        lanes.idle().await;
        assert_eq!(lanes.busy(), 0);
    }

    #[tokio::test]
    async fn jobs_pushed_out_of_order_within_the_settle_time_run_in_order() {
        let lanes = Lanes::new(Duration::from_millis(20));
        let (tx, mut log) = tokio::sync::mpsc::unbounded_channel();
        for n in [30u64, 10, 20] {
            let tx = tx.clone();
            lanes.push_ordered(7, n, async move {
                let _ = tx.send(n);
            });
        }
        lanes.idle().await;
        let got: Vec<u64> = std::iter::from_fn(|| log.try_recv().ok()).collect();
        assert_eq!(got, [10, 20, 30]);
    }

    #[tokio::test]
    async fn a_job_that_panics_does_not_stop_the_ones_after_it() {
        let lanes = Lanes::new(Duration::ZERO);
        let (tx, mut log) = tokio::sync::mpsc::unbounded_channel();
        lanes.push(1, async { panic!("a failing job") });
        lanes.push(1, async move {
            let _ = tx.send("after");
        });
        assert_eq!(log.recv().await, Some("after"));
        lanes.idle().await;
    }
}
