//! One simulated web visitor: a few typed questions, then the health screen
//! by its buttons, ten messages in all with think time between them, over
//! the chat's API as the panel uses it. Along the way it drops its event
//! stream at random moments and resumes it (`after=N` or `Last-Event-ID`),
//! and sends one message twice with the same `seq`. At the end it reads its
//! whole mailbox afresh (`after=0`), the truth its stream is checked
//! against.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use frontdesk_testkit::{ScreenMove, next_screen_move};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::patient::Rng;
use crate::webapi::{Api, Input, Line, Posted, Resume, Streamed};

/// Messages each visitor sends (not counting its one resend).
pub const MESSAGES: usize = 10;

/// Questions on the knowledge file's topics, in our own words (the encoder
/// decides them); each visitor asks three.
const QUESTIONS: [&str; 12] = [
    "what is dry needling exactly?",
    "is this the same thing as acupuncture",
    "will dry needling be painful?",
    "are there any side effects afterwards",
    "how long does one session take",
    "how many sessions will i need",
    "what clothes should i wear for my appointment",
    "what should i do after the treatment",
    "how soon will i feel better",
    "are the needles sterile and single use?",
    "what kind of problems can it help with",
    "what are the benefits of dry needling",
];

/// Plain messages that are not questions on a topic; each visitor says one.
const PLAIN: [&str; 5] = [
    "hello",
    "hi there, I have a quick question",
    "thanks!",
    "ok",
    "good morning",
];

/// How a visitor paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// It starts at a random moment within this.
    pub ramp: Duration,
    /// It thinks between a reply and its next message for a random time in
    /// this range.
    pub think: (Duration, Duration),
    /// It gives up when a reply does not come within this.
    pub step_timeout: Duration,
    /// Whether it drops its stream and resends a message (off for the
    /// reference visitor).
    pub disturb: bool,
}

/// What a message was, for latency with and without the sentence encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Typed text: the encoder runs on it.
    Typed,
    /// A button press or a command (`/screen`): no encoder.
    Button,
}

/// One message the visitor sent.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub kind: Option<Kind>,
    /// The POST's round trip (the first one, for the resent message).
    pub posted: Option<Duration>,
    /// From the POST to the first clinic line after the patient's own.
    pub reply: Option<Duration>,
    /// The stream was closed (a drop of ours, or serve ended it) between the
    /// POST and the reply: the reply's latency then includes reconnecting,
    /// and is reported apart.
    pub across_reconnect: bool,
    /// Not 200: the status.
    pub refused: Option<u16>,
}

/// What one visitor did and saw.
#[derive(Debug, Default)]
pub struct Visit {
    pub steps: Vec<Step>,
    /// Resends (same `seq` again) and their round trips.
    pub resends: usize,
    pub resend_posted: Vec<Duration>,
    /// Statuses of resends that were refused.
    pub resends_refused: Vec<u16>,
    /// The `seq` that was sent twice, and whether the two were sent at once
    /// (else the second after the first's answer).
    pub resent_seq: Option<u64>,
    pub resent_together: bool,
    /// Every line number the streams delivered, in order of arrival.
    pub received: Vec<u64>,
    /// The first copy of each line received.
    pub lines: HashMap<u64, Line>,
    /// The mailbox read afresh at the end (`after=0`).
    pub truth: Vec<Line>,
    /// Streams opened (the first one included).
    pub connections: usize,
    /// Reconnections after a drop of ours, by how they resumed.
    pub resumed_after: usize,
    pub resumed_last_event_id: usize,
    /// Streams the server ended, or that failed, while wanted.
    pub stream_ended: usize,
    pub connect_failures: usize,
    /// A reply did not come in time (the visitor stopped there), or
    /// something else went wrong (`error`).
    pub timed_out: bool,
    pub error: Option<String>,
    /// Why streams ended or did not open (the first few).
    pub notes: Vec<String>,
}

/// An open stream: its reading task and what it sends.
struct Stream {
    task: JoinHandle<()>,
    rx: mpsc::UnboundedReceiver<Streamed>,
}

/// What a POST task hands back.
struct PostDone {
    resend: bool,
    took: Duration,
    result: anyhow::Result<Posted>,
}

/// What the visitor waits for.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// A moment (think time).
    Time(Instant),
    /// The current step's POSTs answered and its reply received.
    Answered,
    /// Lines up to this number seen, every planned drop done and the stream
    /// open again.
    Seen(u64),
}

struct Visitor {
    api: Api,
    rng: Rng,
    pace: Pace,
    token: Option<String>,
    stream: Option<Stream>,
    /// When to open the stream (again), and how to resume it.
    reopen: Option<(Instant, Resume)>,
    /// Moments at which to drop the stream.
    drops: Vec<Instant>,
    /// The highest line number received.
    seen: u64,
    /// The server's lines say who they are from.
    has_from: bool,
    /// The clinic's latest line (its choices are the buttons to press).
    last_clinic: Option<Line>,
    /// The step being waited for: sent at, `seen` then, the patient's own
    /// line's number once it came.
    current: Option<(Instant, u64, Option<u64>)>,
    posts: JoinSet<PostDone>,
    visit: Visit,
}

/// Runs one visitor to the end; never panics on the server's failures (they
/// are in the returned [`Visit`]).
pub async fn visit(api: Api, pace: Pace, mut rng: Rng) -> Visit {
    tokio::time::sleep(rng.between(Duration::ZERO, pace.ramp)).await;
    let mut visitor = Visitor {
        api,
        rng,
        pace,
        token: None,
        stream: None,
        reopen: None,
        drops: Vec::new(),
        seen: 0,
        has_from: false,
        last_clinic: None,
        current: None,
        posts: JoinSet::new(),
        visit: Visit::default(),
    };
    if let Err(e) = visitor.run().await {
        visitor.visit.timed_out = true;
        visitor.visit.error = Some(format!("{e:#}"));
    }
    visitor.close().await;
    visitor.visit
}

impl Visitor {
    async fn run(&mut self) -> anyhow::Result<()> {
        let mut questions: Vec<&str> = QUESTIONS.to_vec();
        let mut typed = Vec::new();
        for _ in 0..3 {
            let i = self.pick(questions.len());
            typed.push(questions.swap_remove(i));
        }
        typed.insert(self.pick(4), PLAIN[self.pick(PLAIN.len())]);
        // Where the resend and the drops fall.
        let resend_seq = 2 + self.pick(MESSAGES - 1) as u64;
        let together = self.pick(2) == 0;
        let drops = 1 + self.pick(2);
        let mut drop_steps = Vec::new();
        while self.pace.disturb && drop_steps.len() < drops {
            let step = 1 + self.pick(MESSAGES);
            if !drop_steps.contains(&step) {
                drop_steps.push(step);
            }
        }
        // Drops fall within a step's reply and think time.
        let window = self.pace.think.1.max(Duration::from_millis(1500));

        for seq in 1..=MESSAGES as u64 {
            let input = match typed.get(seq as usize - 1) {
                Some(text) => Input::Text((*text).to_owned()),
                None if seq as usize == typed.len() + 1 => Input::Text("/screen".to_owned()),
                None => self.screen_move(&mut questions),
            };
            if seq > 1 {
                let think = self.rng.between(self.pace.think.0, self.pace.think.1);
                // At no think time, a moment for a reply's later lines.
                let think = think.max(Duration::from_millis(20));
                self.pump(Until::Time(Instant::now() + think)).await?;
            }
            let kind = match &input {
                Input::Text(t) if !t.starts_with('/') => Kind::Typed,
                _ => Kind::Button,
            };
            let sent_at = Instant::now();
            self.current = Some((sent_at, self.seen, None));
            self.visit.steps.push(Step {
                kind: Some(kind),
                // Not following the mailbox now (after a drop): the reply
                // waits for the reconnection.
                across_reconnect: seq > 1 && self.stream.is_none(),
                ..Step::default()
            });
            if drop_steps.contains(&(seq as usize)) {
                self.drops
                    .push(sent_at + self.rng.between(Duration::ZERO, window));
            }
            let resend = self.pace.disturb && seq == resend_seq;
            if resend {
                self.visit.resent_seq = Some(seq);
                self.visit.resent_together = together;
            }
            self.spawn_post(seq, &input, false);
            if resend && together {
                // As a page that timed out and sent again while the first
                // was still on its way.
                self.spawn_post(seq, &input, true);
            }
            let mut answered = self.pump(Until::Answered).await?;
            if answered && resend && !together {
                // As a page whose answer was lost: the same message again.
                self.spawn_post(seq, &input, true);
                answered = self.pump(Until::Answered).await?;
            }
            self.current = None;
            if !answered {
                self.visit.timed_out = true;
                break;
            }
        }
        // Whatever happened, the truth is what the mailbox holds now.
        let Some(token) = self.token.clone() else {
            anyhow::bail!("no message was taken");
        };
        self.visit.truth = self.read_mailbox(&token).await?;
        let last = self.visit.truth.last().map_or(0, |l| l.number);
        if !self.pump(Until::Seen(last)).await? {
            self.visit.timed_out = true;
        }
        Ok(())
    }

    fn note(&mut self, note: String) {
        if self.visit.notes.len() < 3 {
            self.visit.notes.push(note);
        }
    }

    fn pick(&mut self, n: usize) -> usize {
        let micros = self
            .rng
            .between(Duration::ZERO, Duration::from_micros(n as u64 - 1));
        micros.as_micros() as usize
    }

    /// The next answer in the screen, from the clinic's latest buttons; a
    /// question once the screen is over.
    fn screen_move(&mut self, questions: &mut Vec<&str>) -> Input {
        let buttons = self
            .last_clinic
            .as_ref()
            .map(|l| l.choices.clone())
            .unwrap_or_default();
        match next_screen_move(&buttons, &[]) {
            ScreenMove::Press(id) => Input::Choice(id),
            ScreenMove::Type(text) => Input::Text(text.to_owned()),
            ScreenMove::Done => {
                let i = self.pick(questions.len());
                Input::Text(questions.swap_remove(i).to_owned())
            }
        }
    }

    fn spawn_post(&mut self, seq: u64, input: &Input, resend: bool) {
        let (api, token, input) = (self.api.clone(), self.token.clone(), input.clone());
        self.posts.spawn(async move {
            let started = Instant::now();
            let result = api.post(token.as_deref(), seq, &input).await;
            PostDone {
                resend,
                took: started.elapsed(),
                result,
            }
        });
    }

    fn reached(&self, until: Until) -> bool {
        match until {
            Until::Time(t) => Instant::now() >= t,
            Until::Answered => {
                let step = self.visit.steps.last();
                self.posts.is_empty()
                    && step.is_some_and(|s| s.reply.is_some() || s.refused.is_some())
            }
            Until::Seen(n) => self.seen >= n && self.drops.is_empty() && self.stream.is_some(),
        }
    }

    /// Reads the stream, drops and reopens it when planned, and takes the
    /// POSTs' answers, until `until`; false when the step timeout came
    /// first (for a time, always true).
    async fn pump(&mut self, until: Until) -> anyhow::Result<bool> {
        let deadline = match until {
            Until::Time(t) => t,
            _ => Instant::now() + self.pace.step_timeout,
        };
        loop {
            if self.reached(until) {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let next_drop = self.drops.iter().min().copied();
            let far = now + Duration::from_secs(3600);
            tokio::select! {
                streamed = recv(&mut self.stream) => match streamed {
                    Some(Streamed::Line(at, line)) => self.on_line(at, line),
                    Some(Streamed::Ended(why)) => {
                        self.visit.stream_ended += 1;
                        self.note(why);
                        self.close_stream().await;
                        self.reopen = Some((Instant::now(), Resume::Query(self.seen)));
                    }
                    None => {
                        self.close_stream().await;
                        self.reopen = Some((Instant::now(), Resume::Query(self.seen)));
                    }
                },
                _ = tokio::time::sleep_until(next_drop.unwrap_or(far).into()),
                    if next_drop.is_some() && self.stream.is_some() =>
                {
                    self.drops.retain(|d| Some(*d) != next_drop);
                    self.close_stream().await;
                    // A page reconnects after a short while, resuming after
                    // the last line it showed.
                    let pause = self.rng.between(Duration::ZERO, Duration::from_millis(500));
                    let resume = if self.pick(2) == 0 {
                        self.visit.resumed_after += 1;
                        Resume::Query(self.seen)
                    } else {
                        self.visit.resumed_last_event_id += 1;
                        Resume::LastEventId(self.seen)
                    };
                    self.reopen = Some((Instant::now() + pause, resume));
                }
                _ = tokio::time::sleep_until(self.reopen.map_or(far, |r| r.0).into()),
                    if self.reopen.is_some() && self.stream.is_none() =>
                {
                    self.open().await;
                }
                done = self.posts.join_next(), if !self.posts.is_empty() => {
                    let done = done.expect("not empty").map_err(|e| anyhow::anyhow!("a POST task failed: {e}"))?;
                    self.on_posted(done)?;
                }
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
        }
    }

    fn on_posted(&mut self, done: PostDone) -> anyhow::Result<()> {
        let posted = done.result?;
        if done.resend {
            self.visit.resends += 1;
            self.visit.resend_posted.push(done.took);
        } else if let Some(step) = self.visit.steps.last_mut() {
            step.posted = Some(done.took);
        }
        match posted {
            Posted::Taken(token) => {
                if self.token.is_none() {
                    // The first message: now there is a mailbox to follow.
                    self.reopen = Some((Instant::now(), Resume::Query(0)));
                }
                self.token = Some(token);
            }
            Posted::Refused(status) if done.resend => self.visit.resends_refused.push(status),
            Posted::Refused(status) => {
                if let Some(step) = self.visit.steps.last_mut() {
                    step.refused.get_or_insert(status);
                }
            }
        }
        Ok(())
    }

    fn on_line(&mut self, at: Instant, line: Line) {
        self.visit.received.push(line.number);
        self.seen = self.seen.max(line.number);
        self.has_from |= line.from_patient.is_some();
        let number = line.number;
        if line.from_patient == Some(true) {
            if let Some((_, baseline, own @ None)) = &mut self.current
                && number > *baseline
            {
                *own = Some(number);
            }
        } else {
            if let Some((sent_at, baseline, own)) = self.current
                && number > baseline
                && (!self.has_from || own.is_some_and(|o| number > o))
                && let Some(step) = self.visit.steps.last_mut()
                && step.reply.is_none()
            {
                step.reply = Some(at.saturating_duration_since(sent_at));
            }
            if self.last_clinic.as_ref().is_none_or(|l| l.number < number) {
                self.last_clinic = Some(line.clone());
            }
        }
        self.visit.lines.entry(number).or_insert(line);
    }

    /// Opens the stream as `reopen` says; on failure, tries again shortly.
    async fn open(&mut self) {
        let Some((_, resume)) = self.reopen.take() else {
            return;
        };
        let Some(token) = self.token.clone() else {
            return;
        };
        let opened = tokio::time::timeout(self.pace.step_timeout, self.api.follow(&token, resume))
            .await
            .map_err(|_| anyhow::anyhow!("opening the stream timed out"))
            .and_then(|r| r);
        match opened {
            Ok((task, rx)) => {
                self.visit.connections += 1;
                self.stream = Some(Stream { task, rx });
            }
            Err(e) => {
                self.visit.connect_failures += 1;
                self.note(format!("{e:#}"));
                self.reopen = Some((Instant::now() + Duration::from_millis(200), resume));
            }
        }
    }

    /// Closes the stream: its task is stopped, and the lines it had already
    /// read count as received (a page would have shown them).
    async fn close_stream(&mut self) {
        let Some(mut stream) = self.stream.take() else {
            return;
        };
        if let Some(step) = self.visit.steps.last_mut()
            && self.current.is_some()
            && step.reply.is_none()
        {
            step.across_reconnect = true;
        }
        stream.task.abort();
        let _ = (&mut stream.task).await;
        while let Ok(streamed) = stream.rx.try_recv() {
            if let Streamed::Line(at, line) = streamed {
                self.on_line(at, line);
            }
        }
    }

    async fn close(&mut self) {
        self.close_stream().await;
        self.posts.abort_all();
    }

    /// The whole mailbox, on a stream of its own from the start: every line
    /// is in it once the last POST was answered, and the server sends what
    /// it holds at once; read until nothing more comes.
    async fn read_mailbox(&self, token: &str) -> anyhow::Result<Vec<Line>> {
        let (task, mut rx) = self.api.follow(token, Resume::Query(0)).await?;
        let deadline = Instant::now() + self.pace.step_timeout;
        let mut lines: Vec<Line> = Vec::new();
        loop {
            // Quiet for a moment after the last line the visitor saw; longer
            // when that has not come (lost from the mailbox?).
            let reached = lines.last().is_some_and(|l| l.number >= self.seen);
            let quiet = Duration::from_millis(if reached { 300 } else { 2000 });
            let wait = quiet.min(deadline.saturating_duration_since(Instant::now()));
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(Streamed::Line(_, line))) => lines.push(line),
                Ok(Some(Streamed::Ended(why))) => {
                    task.abort();
                    anyhow::bail!("reading the mailbox: {why}");
                }
                Ok(None) | Err(_) => break,
            }
        }
        task.abort();
        Ok(lines)
    }
}

async fn recv(stream: &mut Option<Stream>) -> Option<Streamed> {
    match stream {
        Some(stream) => stream.rx.recv().await,
        None => std::future::pending().await,
    }
}

/// How one visitor's streams compare with its mailbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Mailbox lines the streams never delivered.
    pub lost: usize,
    /// Lines delivered more than once (each extra copy).
    pub duplicated: usize,
    /// Lines delivered after a higher number (first copies only).
    pub out_of_order: usize,
    /// Lines delivered that differ from the mailbox's, or are not in it.
    pub differing: usize,
    /// Numbers missing in the mailbox itself (not 1, 2, 3…).
    pub mailbox_gaps: usize,
    /// The patient's own lines beyond the messages sent (a resend kept
    /// twice); only when the server says who lines are from.
    pub extra_own_lines: usize,
    /// Resends answered again: the clinic's lines after the resent
    /// message's own line repeat one of them (the same text and choices).
    pub resends_answered_again: usize,
    /// Clinic lines in the mailbox.
    pub clinic_lines: usize,
}

impl Delivery {
    pub fn add(&mut self, other: Delivery) {
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
        self.differing += other.differing;
        self.mailbox_gaps += other.mailbox_gaps;
        self.extra_own_lines += other.extra_own_lines;
        self.resends_answered_again += other.resends_answered_again;
        self.clinic_lines += other.clinic_lines;
    }
}

impl Visit {
    /// The visitor's streams against its mailbox read afresh.
    pub fn delivery(&self) -> Delivery {
        let mut d = Delivery::default();
        let truth: HashMap<u64, &Line> = self.truth.iter().map(|l| (l.number, l)).collect();
        for (i, line) in self.truth.iter().enumerate() {
            if line.number != i as u64 + 1 {
                d.mailbox_gaps += 1;
            }
        }
        let mut delivered = std::collections::HashSet::new();
        let mut highest = 0;
        for &n in &self.received {
            if !delivered.insert(n) {
                d.duplicated += 1;
                continue;
            }
            if n < highest {
                d.out_of_order += 1;
            }
            highest = highest.max(n);
        }
        d.lost = truth.keys().filter(|n| !delivered.contains(n)).count();
        d.differing = self
            .lines
            .iter()
            .filter(|(n, line)| truth.get(n).is_none_or(|t| *t != *line))
            .count();
        d.clinic_lines = self
            .truth
            .iter()
            .filter(|l| l.from_patient != Some(true))
            .count();
        let has_from = self.truth.iter().any(|l| l.from_patient.is_some());
        if !has_from {
            return d;
        }
        let own = self.truth.iter().filter(|l| l.from_patient == Some(true));
        let taken = self.steps.iter().filter(|s| s.refused.is_none()).count();
        d.extra_own_lines = own.count().saturating_sub(taken);
        // The resent message's reply: the clinic's lines after its own line
        // (the seq-th), up to the next own line.
        if let Some(seq) = self.resent_seq {
            let reply = self
                .truth
                .iter()
                .skip_while({
                    let mut own = 0;
                    move |l| {
                        own += u64::from(l.from_patient == Some(true));
                        own < seq
                    }
                })
                .skip(1)
                .take_while(|l| l.from_patient != Some(true));
            let mut shown: Vec<(&str, &[String])> = Vec::new();
            for line in reply {
                let key = (line.text.as_str(), line.choices.as_slice());
                if shown.contains(&key) {
                    d.resends_answered_again = 1;
                }
                shown.push(key);
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(number: u64, patient: bool, text: &str) -> Line {
        Line {
            number,
            from_patient: Some(patient),
            kind: "info".into(),
            text: text.into(),
            choices: Vec::new(),
        }
    }

    #[test]
    fn delivery_counts_lost_duplicated_and_a_resend_answered_twice() {
        let truth = vec![
            line(1, true, "hello"),
            line(2, false, "Hi!"),
            line(3, true, "/screen"),
            line(4, false, "May I ask?"),
            line(5, false, "May I ask?"),
        ];
        let mut visit = Visit {
            steps: vec![Step::default(), Step::default()],
            resent_seq: Some(2),
            received: vec![1, 2, 2, 4, 3],
            truth: truth.clone(),
            ..Visit::default()
        };
        visit.lines = truth.iter().map(|l| (l.number, l.clone())).collect();
        let d = visit.delivery();
        assert_eq!(
            (d.lost, d.duplicated, d.out_of_order, d.differing),
            (1, 1, 1, 0)
        );
        assert_eq!(
            (d.extra_own_lines, d.resends_answered_again, d.clinic_lines),
            (0, 1, 3)
        );
        visit.received = vec![1, 2, 3, 4, 5];
        visit.lines.get_mut(&2).expect("there").text = "Hello!".into();
        let d = visit.delivery();
        assert_eq!((d.lost, d.duplicated, d.differing), (0, 0, 1));
    }
}
