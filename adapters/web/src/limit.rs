//! Counting what happened recently, by key, in a sliding window: failed
//! logins per account and per address (the console), messages per address
//! (the web chat). In memory: a restart forgets the counts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Events by key within the last `window`.
pub struct SlidingWindow {
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SlidingWindow {
    pub fn new(window: Duration) -> SlidingWindow {
        SlidingWindow {
            window,
            hits: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        // Old events, and keys left with none, are dropped as we go.
        let now = Instant::now();
        hits.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < self.window);
            !times.is_empty()
        });
        hits
    }

    /// How many events `key` had within the window.
    pub fn count(&self, key: &str) -> usize {
        self.lock().get(key).map_or(0, VecDeque::len)
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str) {
        self.lock()
            .entry(key.to_owned())
            .or_default()
            .push_back(Instant::now());
    }

    /// Counts one event for `key` if it had fewer than `max`; whether it did.
    pub fn take(&self, key: &str, max: usize) -> bool {
        let mut hits = self.lock();
        let times = hits.entry(key.to_owned()).or_default();
        if times.len() >= max {
            return false;
        }
        times.push_back(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_counted_by_key_and_forgotten_after_the_window() {
        let window = SlidingWindow::new(Duration::from_millis(200));
        assert!(window.take("a", 2));
        assert!(window.take("a", 2));
        assert!(!window.take("a", 2), "the third within the window");
        window.record("b");
        assert_eq!((window.count("a"), window.count("b")), (2, 1));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(window.count("a"), 0);
        assert!(window.take("a", 2));
    }
}
