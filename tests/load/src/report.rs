//! The figures: latency percentiles, and what each patient received compared
//! with the reference walk (lost, duplicated, out of order).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};

/// A latency distribution, nearest-rank percentiles.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latencies {
    pub count: usize,
    pub p50: Duration,
    /// Shown by the web mode's report only.
    pub p90: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latencies {
    pub fn of(mut samples: Vec<Duration>) -> Latencies {
        samples.sort_unstable();
        let rank = |p: f64| {
            let i = (p * samples.len() as f64).ceil() as usize;
            samples
                .get(i.saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        Latencies {
            count: samples.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p95: rank(0.95),
            p99: rank(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }

    fn json(&self) -> Value {
        json!({
            "count": self.count, "p50_ms": ms(self.p50), "p95_ms": ms(self.p95),
            "p99_ms": ms(self.p99), "max_ms": ms(self.max),
        })
    }
}

impl fmt::Display for Latencies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} replies)",
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max),
            self.count
        )
    }
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

/// How what patients received differs from the reference walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Reference messages a patient never received.
    pub lost: usize,
    /// Messages received beyond the reference (a multiset difference)…
    pub duplicated: usize,
    /// …of which this many are not in the reference at all.
    pub unexpected: usize,
    /// Adjacent received messages whose reference positions go backwards.
    pub out_of_order: usize,
}

impl Delivery {
    /// Compares one patient's messages with the reference, as multisets: the
    /// k-th copy of a text received stands for the k-th copy in the reference.
    pub fn compare(reference: &[String], received: &[String]) -> Delivery {
        let mut places: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, text) in reference.iter().enumerate().rev() {
            places.entry(text).or_default().push(i);
        }
        let mut delivery = Delivery::default();
        let mut last = None;
        for text in received {
            match places.get_mut(text.as_str()).and_then(Vec::pop) {
                Some(at) => {
                    if last.is_some_and(|l| at < l) {
                        delivery.out_of_order += 1;
                    }
                    last = Some(at);
                }
                None => {
                    delivery.duplicated += 1;
                    if !reference.contains(text) {
                        delivery.unexpected += 1;
                    }
                }
            }
        }
        delivery.lost = places.values().map(Vec::len).sum();
        delivery
    }

    pub fn add(&mut self, other: Delivery) {
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.unexpected += other.unexpected;
        self.out_of_order += other.out_of_order;
    }
}

/// Memory of the bot process, in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryFigures {
    /// Started and polling, before any patient.
    pub idle_start: u64,
    /// After the reference walk and 2 s idle.
    pub idle_after_reference: u64,
    /// The high-water mark (`VmHWM`) at the end.
    pub peak: u64,
    /// At the end, every conversation stored.
    pub end: u64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub patients: usize,
    pub throttle: bool,
    pub think_ms: (u64, u64),
    pub ramp_secs: f64,
    pub seed: u64,
    /// The reference walk: steps, and bot messages received in all.
    pub reference_steps: usize,
    pub reference_messages: usize,
    /// Reply latency of the reference walk (one patient, bot otherwise idle).
    pub reference_reply: Latencies,
    /// The load phase: from the first patient's start to the last one's end.
    pub wall: Duration,
    pub patient_messages: usize,
    pub bot_messages: usize,
    pub finished: usize,
    pub timed_out: usize,
    /// Patient's message to the first message of the bot's reply.
    pub first_reply: Latencies,
    /// Patient's message to the last message of the reply (a step may be an
    /// info line then a question).
    pub full_reply: Latencies,
    /// The first reply's latency in two parts: until the bot fetched the
    /// patient's message with getUpdates, then until its reply reached the fake.
    pub polled: Latencies,
    pub in_bot: Latencies,
    pub delivery: Delivery,
    pub memory: MemoryFigures,
    /// The bot's data folder at the end.
    pub store_bytes: u64,
    /// CPU used during the load phase.
    pub bot_cpu: Duration,
    pub generator_cpu: Duration,
    /// The most threads the bot had during the load phase.
    pub max_threads: usize,
    /// The fake's side: getUpdates calls during the load phase, and the most
    /// updates it held unconfirmed at once.
    pub get_updates: usize,
    pub max_pending_updates: usize,
}

impl Report {
    fn per_second(&self, n: usize) -> f64 {
        n as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    pub fn json(&self) -> Value {
        let mib = |b: u64| (crate::rss::mib(b) * 10.0).round() / 10.0;
        json!({
            "patients": self.patients,
            "throttle": self.throttle,
            "think_ms": [self.think_ms.0, self.think_ms.1],
            "ramp_secs": self.ramp_secs,
            "seed": self.seed,
            "reference": {
                "steps": self.reference_steps, "bot_messages": self.reference_messages,
                "latency": self.reference_reply.json(),
            },
            "wall_secs": self.wall.as_secs_f64(),
            "patient_messages": self.patient_messages,
            "bot_messages": self.bot_messages,
            "patient_messages_per_sec": self.per_second(self.patient_messages),
            "bot_messages_per_sec": self.per_second(self.bot_messages),
            "finished": self.finished,
            "timed_out": self.timed_out,
            "latency_first_reply": self.first_reply.json(),
            "latency_full_reply": self.full_reply.json(),
            "latency_until_fetched": self.polled.json(),
            "latency_fetched_to_reply": self.in_bot.json(),
            "lost": self.delivery.lost,
            "duplicated": self.delivery.duplicated,
            "unexpected": self.delivery.unexpected,
            "out_of_order": self.delivery.out_of_order,
            "rss_mib": {
                "idle_start": mib(self.memory.idle_start),
                "idle_after_reference": mib(self.memory.idle_after_reference),
                "peak": mib(self.memory.peak),
                "end": mib(self.memory.end),
            },
            "store_mib": mib(self.store_bytes),
            "cpu_secs": {"bot": self.bot_cpu.as_secs_f64(), "generator": self.generator_cpu.as_secs_f64()},
            "bot_max_threads": self.max_threads,
            "get_updates_calls": self.get_updates,
            "max_pending_updates": self.max_pending_updates,
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = crate::rss::mib;
        let throttle = if self.throttle { "on" } else { "off" };
        writeln!(
            f,
            "{} patients, throttle {throttle}, think {}-{} ms, ramp {} s, seed {}",
            self.patients, self.think_ms.0, self.think_ms.1, self.ramp_secs, self.seed
        )?;
        writeln!(
            f,
            "reference walk:   {} steps, {} bot messages; alone: {}",
            self.reference_steps, self.reference_messages, self.reference_reply
        )?;
        writeln!(
            f,
            "load phase:       {:.1} s; {} finished, {} timed out",
            self.wall.as_secs_f64(),
            self.finished,
            self.timed_out
        )?;
        writeln!(
            f,
            "throughput:       {:.1} patient messages/s ({}), {:.1} bot messages/s ({})",
            self.per_second(self.patient_messages),
            self.patient_messages,
            self.per_second(self.bot_messages),
            self.bot_messages
        )?;
        writeln!(f, "first reply:      {}", self.first_reply)?;
        writeln!(f, "full reply:       {}", self.full_reply)?;
        writeln!(f, "  until fetched:  {}", self.polled)?;
        writeln!(f, "  then in bot:    {}", self.in_bot)?;
        writeln!(
            f,
            "delivery:         {} lost, {} duplicated ({} not in the reference), {} out of order",
            self.delivery.lost,
            self.delivery.duplicated,
            self.delivery.unexpected,
            self.delivery.out_of_order
        )?;
        writeln!(
            f,
            "bot RSS:          idle at start {:.1} MiB, idle after the reference walk {:.1} MiB, peak {:.1} MiB, end {:.1} MiB (store on disk {:.1} MiB)",
            mib(self.memory.idle_start),
            mib(self.memory.idle_after_reference),
            mib(self.memory.peak),
            mib(self.memory.end),
            mib(self.store_bytes)
        )?;
        writeln!(
            f,
            "CPU in the load:  bot {:.1} s (at most {} threads), generator and fake {:.1} s",
            self.bot_cpu.as_secs_f64(),
            self.max_threads,
            self.generator_cpu.as_secs_f64()
        )?;
        write!(
            f,
            "fake Bot API:     {} getUpdates calls, at most {} updates pending",
            self.get_updates, self.max_pending_updates
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn lost_duplicated_and_out_of_order_are_counted_as_multisets() {
        let reference = texts(&["a", "b", "q", "c", "q"]);
        assert_eq!(
            Delivery::compare(&reference, &reference),
            Delivery::default()
        );
        let got = Delivery::compare(&reference, &texts(&["a", "q", "b", "c", "q", "q", "x"]));
        assert_eq!(
            got,
            Delivery {
                lost: 0,
                duplicated: 2,
                unexpected: 1,
                out_of_order: 1,
            }
        );
        let got = Delivery::compare(&reference, &texts(&["a", "b"]));
        assert_eq!(got.lost, 3);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let l = Latencies::of(samples);
        assert_eq!(
            (l.p50, l.p95, l.p99, l.max),
            (
                Duration::from_millis(50),
                Duration::from_millis(95),
                Duration::from_millis(99),
                Duration::from_millis(100)
            )
        );
        assert_eq!(Latencies::of(Vec::new()).count, 0);
    }
}
