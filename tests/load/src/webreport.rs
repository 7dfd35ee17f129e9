//! The web mode's figures: reply and POST latency (typed text, on which
//! the sentence encoder runs, apart from button presses and commands),
//! the streams' delivery against each mailbox, serve's memory.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};

use crate::report::{Latencies, ms};
use crate::rss::mib;
use crate::visitor::{Delivery, Kind, Visit};

/// What a set of visitors did and saw.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub visitors: usize,
    pub finished: usize,
    pub timed_out: usize,
    /// The first few distinct errors visitors met (why one stopped, why a
    /// stream ended or did not open).
    pub errors: Vec<String>,
    /// Messages sent (the resends apart).
    pub messages: usize,
    /// Refused POSTs (resends too) by status.
    pub refused: BTreeMap<u16, usize>,
    /// Messages taken whose reply never came.
    pub unanswered: usize,
    pub resends: usize,
    pub resends_together: usize,
    /// The clinic's lines the streams delivered (each once).
    pub replies: usize,
    /// From the POST to the first clinic line after the patient's own, on
    /// the stream: all, typed, buttons and commands; the replies whose
    /// stream was dropped meanwhile are apart.
    pub reply: Latencies,
    pub reply_typed: Latencies,
    pub reply_button: Latencies,
    pub reply_across_reconnect: Latencies,
    /// The first messages' (among the above): their stream is opened after
    /// the POST, so opening it is in their latency.
    pub reply_first: Latencies,
    /// The POST's round trip (serve answers once the engine has handled
    /// the message and its replies are in the mailbox).
    pub post: Latencies,
    pub post_typed: Latencies,
    pub post_button: Latencies,
    pub post_resend: Latencies,
    pub connections: usize,
    pub resumed_after: usize,
    pub resumed_last_event_id: usize,
    pub stream_ended: usize,
    pub connect_failures: usize,
    pub delivery: Delivery,
    /// The server's lines say who they are from (the patient's own lines
    /// are in the mailbox).
    pub has_from: bool,
}

impl Figures {
    pub fn of(visits: &[Visit]) -> Figures {
        let mut f = Figures {
            visitors: visits.len(),
            ..Figures::default()
        };
        let mut reply: [Vec<Duration>; 5] = Default::default();
        let mut post: [Vec<Duration>; 4] = Default::default();
        for visit in visits {
            if visit.timed_out {
                f.timed_out += 1;
            } else {
                f.finished += 1;
            }
            let error = visit.error.iter().map(|e| format!("stopped: {e}"));
            for e in error.chain(visit.notes.iter().map(|n| format!("stream: {n}"))) {
                if f.errors.len() < 5 && !f.errors.contains(&e) {
                    f.errors.push(e);
                }
            }
            f.messages += visit.steps.len();
            f.resends += visit.resends;
            f.resends_together += usize::from(visit.resent_together && visit.resends > 0);
            post[3].extend(&visit.resend_posted);
            for status in &visit.resends_refused {
                *f.refused.entry(*status).or_default() += 1;
            }
            for (i, step) in visit.steps.iter().enumerate() {
                let typed = step.kind == Some(Kind::Typed);
                let by_kind = if typed { 1 } else { 2 };
                if let Some(status) = step.refused {
                    *f.refused.entry(status).or_default() += 1;
                } else if step.reply.is_none() {
                    f.unanswered += 1;
                }
                if let Some(d) = step.posted {
                    post[0].push(d);
                    post[by_kind].push(d);
                }
                if let Some(d) = step.reply {
                    if step.across_reconnect {
                        reply[3].push(d);
                    } else {
                        reply[0].push(d);
                        reply[by_kind].push(d);
                        if i == 0 {
                            reply[4].push(d);
                        }
                    }
                }
            }
            f.replies += visit
                .lines
                .values()
                .filter(|l| l.from_patient != Some(true))
                .count();
            f.connections += visit.connections;
            f.resumed_after += visit.resumed_after;
            f.resumed_last_event_id += visit.resumed_last_event_id;
            f.stream_ended += visit.stream_ended;
            f.connect_failures += visit.connect_failures;
            f.delivery.add(visit.delivery());
            f.has_from |= visit.truth.iter().any(|l| l.from_patient.is_some());
        }
        let [r0, r1, r2, r3, r4] = reply;
        (
            f.reply,
            f.reply_typed,
            f.reply_button,
            f.reply_across_reconnect,
            f.reply_first,
        ) = (
            Latencies::of(r0),
            Latencies::of(r1),
            Latencies::of(r2),
            Latencies::of(r3),
            Latencies::of(r4),
        );
        let [p0, p1, p2, p3] = post;
        (f.post, f.post_typed, f.post_button, f.post_resend) = (
            Latencies::of(p0),
            Latencies::of(p1),
            Latencies::of(p2),
            Latencies::of(p3),
        );
        f
    }

    pub fn reconnects(&self) -> usize {
        self.resumed_after + self.resumed_last_event_id
    }

    /// Lines lost or shown twice, anywhere.
    pub fn lost(&self) -> usize {
        self.delivery.lost + self.delivery.mailbox_gaps
    }

    pub fn duplicated(&self) -> usize {
        self.delivery.duplicated
            + self.delivery.extra_own_lines
            + self.delivery.resends_answered_again
    }

    /// What makes a run fail, in words; empty when it passed.
    pub fn failures(&self) -> Vec<String> {
        let d = &self.delivery;
        [
            (self.delivery.lost, "lines lost on the streams"),
            (d.mailbox_gaps, "gaps in the mailboxes' numbers"),
            (d.duplicated, "lines delivered twice"),
            (d.extra_own_lines, "patient's lines kept twice"),
            (d.resends_answered_again, "resends answered again"),
            (d.out_of_order, "lines out of order"),
            (d.differing, "lines differing from the mailbox"),
            (self.unanswered, "messages never answered"),
            (self.timed_out, "visitors that did not finish"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect()
    }

    fn json(&self) -> Value {
        json!({
            "visitors": self.visitors,
            "finished": self.finished,
            "timed_out": self.timed_out,
            "errors": self.errors,
            "messages": self.messages,
            "refused": self.refused.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "unanswered": self.unanswered,
            "resends": self.resends,
            "resends_together": self.resends_together,
            "replies_received": self.replies,
            "reply_latency": latencies(&self.reply),
            "reply_latency_typed": latencies(&self.reply_typed),
            "reply_latency_button": latencies(&self.reply_button),
            "reply_latency_across_reconnect": latencies(&self.reply_across_reconnect),
            "reply_latency_first_message": latencies(&self.reply_first),
            "post_latency": latencies(&self.post),
            "post_latency_typed": latencies(&self.post_typed),
            "post_latency_button": latencies(&self.post_button),
            "post_latency_resend": latencies(&self.post_resend),
            "connections": self.connections,
            "reconnects": self.reconnects(),
            "reconnects_after": self.resumed_after,
            "reconnects_last_event_id": self.resumed_last_event_id,
            "streams_ended_by_server": self.stream_ended,
            "connect_failures": self.connect_failures,
            "lost": self.lost(),
            "duplicated": self.duplicated(),
            "delivery": {
                "lost_on_streams": self.delivery.lost,
                "mailbox_gaps": self.delivery.mailbox_gaps,
                "duplicated_on_streams": self.delivery.duplicated,
                "own_lines_kept_twice": self.delivery.extra_own_lines,
                "resends_answered_again": self.delivery.resends_answered_again,
                "out_of_order": self.delivery.out_of_order,
                "differing": self.delivery.differing,
                "clinic_lines_in_mailboxes": self.delivery.clinic_lines,
            },
            "patient_lines_in_mailbox": self.has_from,
        })
    }
}

/// Everything one web run measured.
#[derive(Debug, Clone, Default)]
pub struct WebReport {
    pub visitors: usize,
    pub think_ms: (u64, u64),
    pub ramp_secs: f64,
    pub seed: u64,
    /// From serve's start to "the semantic classifier is answering" (none:
    /// the model was not loading).
    pub model_ready: Option<Duration>,
    /// One visitor alone, no think time, nothing dropped or resent.
    pub alone: Figures,
    /// The load: all visitors at once.
    pub load: Figures,
    pub wall: Duration,
    /// serve's resident memory, in bytes: 1 s after the model was answering,
    /// after the reference visitor, the most sampled (every 100 ms) during
    /// the load, the high-water mark (`VmHWM`) and at the end.
    pub rss_after_start: u64,
    pub rss_after_reference: u64,
    pub rss_load_most: u64,
    pub rss_peak: u64,
    pub rss_end: u64,
    pub store_bytes: u64,
    pub bot_cpu: Duration,
    pub generator_cpu: Duration,
    /// The whole machine's busy CPU time during the load: what is not
    /// serve's or the generator's is other work sharing the cores.
    pub machine_cpu: Duration,
    pub max_threads: usize,
    /// serve's log during the whole run.
    pub serve_warnings: usize,
    pub serve_errors: usize,
    pub serve_problems: Vec<String>,
}

impl WebReport {
    /// CPU the machine spent on other work during the load.
    fn other_cpu(&self) -> Duration {
        self.machine_cpu
            .saturating_sub(self.bot_cpu)
            .saturating_sub(self.generator_cpu)
    }

    pub fn json(&self) -> Value {
        let mib = |b: u64| (mib(b) * 10.0).round() / 10.0;
        json!({
            "mode": "web",
            "visitors": self.visitors,
            "messages_per_visitor": crate::visitor::MESSAGES,
            "think_ms": [self.think_ms.0, self.think_ms.1],
            "ramp_secs": self.ramp_secs,
            "seed": self.seed,
            "model_ready_secs": self.model_ready.map(|d| d.as_secs_f64()),
            "encoder_share_alone_ms": ms(self.alone.reply_typed.p50.saturating_sub(self.alone.reply_button.p50)),
            "alone": self.alone.json(),
            "load": self.load.json(),
            "wall_secs": self.wall.as_secs_f64(),
            "messages_per_sec": self.load.messages as f64 / self.wall.as_secs_f64().max(1e-9),
            "rss_mib": {
                "after_start": mib(self.rss_after_start),
                "after_reference": mib(self.rss_after_reference),
                "most_during_load": mib(self.rss_load_most),
                "peak": mib(self.rss_peak),
                "end": mib(self.rss_end),
            },
            "store_mib": mib(self.store_bytes),
            "cpu_secs": {
                "serve": self.bot_cpu.as_secs_f64(),
                "generator": self.generator_cpu.as_secs_f64(),
                "other": self.other_cpu().as_secs_f64(),
                "machine_busy": self.machine_cpu.as_secs_f64(),
            },
            "serve_max_threads": self.max_threads,
            "serve_log": {"warnings": self.serve_warnings, "errors": self.serve_errors, "first": self.serve_problems},
            "failures": self.load.failures(),
        })
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn latencies(l: &Latencies) -> Value {
    json!({
        "count": l.count, "p50_ms": ms(l.p50), "p90_ms": ms(l.p90),
        "p99_ms": ms(l.p99), "max_ms": ms(l.max),
    })
}

/// `p50 …, p90 …, p99 …, max … ms (N)`.
struct Shown<'a>(&'a Latencies);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.0;
        write!(
            f,
            "p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1} ms ({})",
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max),
            l.count
        )
    }
}

impl fmt::Display for WebReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (load, alone) = (&self.load, &self.alone);
        writeln!(
            f,
            "web chat: {} visitors x {} messages, think {}-{} ms, ramp {} s, seed {}",
            self.visitors,
            crate::visitor::MESSAGES,
            self.think_ms.0,
            self.think_ms.1,
            self.ramp_secs,
            self.seed
        )?;
        match self.model_ready {
            Some(d) => writeln!(
                f,
                "serve:            the sentence encoder answering {:.1} s after start",
                d.as_secs_f64()
            )?,
            None => writeln!(
                f,
                "serve:            NO sentence encoder (the lexical matcher answers)"
            )?,
        }
        writeln!(
            f,
            "alone (1 visitor, no think time): reply to typed {}; to buttons {}; the encoder's share about {:.1} ms (typed p50 - buttons p50)",
            Shown(&alone.reply_typed),
            Shown(&alone.reply_button),
            ms(alone.reply_typed.p50.saturating_sub(alone.reply_button.p50))
        )?;
        writeln!(
            f,
            "load phase:       {:.1} s; {} visitors finished, {} did not",
            self.wall.as_secs_f64(),
            load.finished,
            load.timed_out
        )?;
        let refused: Vec<String> = load
            .refused
            .iter()
            .map(|(status, n)| format!("{n}x{status}"))
            .collect();
        writeln!(
            f,
            "messages:         {} sent ({:.1}/s) and {} resent ({} at once, {} after the answer); refused: {}; {} unanswered; {} replies received",
            load.messages,
            load.messages as f64 / self.wall.as_secs_f64().max(1e-9),
            load.resends,
            load.resends_together,
            load.resends - load.resends_together,
            if refused.is_empty() {
                "none".to_owned()
            } else {
                refused.join(", ")
            },
            load.unanswered,
            load.replies
        )?;
        writeln!(f, "reply latency:    {}", Shown(&load.reply))?;
        writeln!(f, "  typed text:     {}", Shown(&load.reply_typed))?;
        writeln!(f, "  buttons, /cmds: {}", Shown(&load.reply_button))?;
        writeln!(
            f,
            "  first messages (stream opened after the POST): {}",
            Shown(&load.reply_first)
        )?;
        writeln!(
            f,
            "  over a reconnect (not above): {}",
            Shown(&load.reply_across_reconnect)
        )?;
        writeln!(f, "POST round trip:  {}", Shown(&load.post))?;
        writeln!(f, "  typed text:     {}", Shown(&load.post_typed))?;
        writeln!(f, "  buttons, /cmds: {}", Shown(&load.post_button))?;
        writeln!(f, "  resends:        {}", Shown(&load.post_resend))?;
        writeln!(
            f,
            "streams:          {} opened; {} reconnects ({} with after=N, {} with Last-Event-ID); {} ended by serve, {} failed to open",
            load.connections,
            load.reconnects(),
            load.resumed_after,
            load.resumed_last_event_id,
            load.stream_ended,
            load.connect_failures
        )?;
        let d = &load.delivery;
        writeln!(
            f,
            "delivery:         {} lost, {} duplicated ({} lost and {} shown twice on the streams, {} gaps in the mailboxes, {} patient's lines kept twice, {} resends answered again), {} out of order, {} differing from the mailbox",
            load.lost(),
            load.duplicated(),
            d.lost,
            d.duplicated,
            d.mailbox_gaps,
            d.extra_own_lines,
            d.resends_answered_again,
            d.out_of_order,
            d.differing
        )?;
        if !load.has_from {
            writeln!(
                f,
                "                  (serve does not say who lines are from: the resend checks were not made)"
            )?;
        }
        writeln!(
            f,
            "serve RSS:        after start{} {:.1} MiB, after the reference visitor {:.1} MiB, most during the load {:.1} MiB, peak (VmHWM) {:.1} MiB, end {:.1} MiB (store on disk {:.1} MiB)",
            if self.model_ready.is_some() {
                " (model loaded)"
            } else {
                ""
            },
            mib(self.rss_after_start),
            mib(self.rss_after_reference),
            mib(self.rss_load_most),
            mib(self.rss_peak),
            mib(self.rss_end),
            mib(self.store_bytes)
        )?;
        writeln!(
            f,
            "CPU in the load:  serve {:.1} s (at most {} threads), generator {:.1} s, other processes {:.1} s; the machine busy {:.1} s of {:.1} s ({} cores)",
            self.bot_cpu.as_secs_f64(),
            self.max_threads,
            self.generator_cpu.as_secs_f64(),
            self.other_cpu().as_secs_f64(),
            self.machine_cpu.as_secs_f64(),
            self.wall.as_secs_f64() * cores() as f64,
            cores()
        )?;
        write!(
            f,
            "serve's log:      {} warnings, {} errors",
            self.serve_warnings, self.serve_errors
        )?;
        for line in &self.serve_problems {
            write!(f, "\n  {line}")?;
        }
        for error in &load.errors {
            write!(f, "\nvisitor:          {error}")?;
        }
        Ok(())
    }
}
