//! One simulated patient: a few questions from the knowledge file, then the
//! whole health screen by buttons and text, waiting for each reply before
//! thinking and acting again.

use std::time::{Duration, Instant};

use frontdesk_testkit::telegram::{FakeTelegram, Sent, User};
use frontdesk_testkit::{ScreenMove, next_screen_move};

/// What every patient asks before the screen (faq/knowledge.toml's
/// does-it-hurt, what-to-wear and vs-acupuncture topics, in our own words).
pub const QUESTIONS: [&str; 3] = [
    "will dry needling be painful?",
    "what clothes should i wear for my appointment",
    "is this the same thing as acupuncture",
];

/// Every patient's first name: the bot's replies are then the same for all.
pub const FIRST_NAME: &str = "Robin";

/// When the bot's reply to a step is complete.
#[derive(Debug, Clone, Copy)]
pub enum Until<'a> {
    /// The reference walk: once no message has come for this long.
    Quiet(Duration),
    /// A load walk: once as many messages came as the reference walk got at
    /// the same step.
    Count(&'a [usize]),
}

/// How a patient paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// It starts at a random moment within this.
    pub ramp: Duration,
    /// It thinks between a reply and its next message for a random time in
    /// this range.
    pub think: (Duration, Duration),
    /// It gives up when a reply does not come within this.
    pub step_timeout: Duration,
}

/// One message the patient sent and the bot's reply to it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// From the patient's message to the reply's first message.
    pub first: Duration,
    /// From the patient's message to the reply's last message.
    pub full: Duration,
    /// From the patient's message to the bot fetching it (getUpdates).
    pub fetched: Option<Duration>,
    /// Messages in the reply.
    pub replies: usize,
}

/// What one patient did.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub steps: Vec<Step>,
    /// A reply did not come (in full) in time and the patient stopped there.
    pub timed_out: bool,
}

/// A small deterministic random source (xorshift), one per patient.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // SplitMix64 of the seed, so that nearby seeds diverge.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// Uniformly in `min..=max`.
    pub fn between(&mut self, min: Duration, max: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = max.saturating_sub(min).as_micros() as u64;
        min + Duration::from_micros(self.0 % (span + 1))
    }
}

enum Action {
    Say(String),
    Press(Box<Sent>, String),
}

/// The script: the questions, `/screen`, then the screen's questions as
/// `next_screen_move` answers them, until no question is pending.
fn next_action(step: usize, last: Option<&Sent>) -> Option<Action> {
    if let Some(question) = QUESTIONS.get(step) {
        return Some(Action::Say((*question).to_owned()));
    }
    if step == QUESTIONS.len() {
        return Some(Action::Say("/screen".to_owned()));
    }
    let last = last?;
    match next_screen_move(&last.buttons(), &[]) {
        ScreenMove::Press(data) => Some(Action::Press(Box::new(last.clone()), data)),
        ScreenMove::Type(text) => Some(Action::Say(text.to_owned())),
        ScreenMove::Done => None,
    }
}

/// Runs the script as `user`: starts within the ramp, and before each
/// message after the first thinks for a while.
pub async fn walk(
    fake: &FakeTelegram,
    user: &User,
    until: Until<'_>,
    pace: Pace,
    rng: &mut Rng,
) -> Walk {
    tokio::time::sleep(rng.between(Duration::ZERO, pace.ramp)).await;
    let mut walk = Walk::default();
    let mut seen = 0;
    let mut last: Option<Sent> = None;
    while let Some(action) = next_action(walk.steps.len(), last.as_ref()) {
        if !walk.steps.is_empty() {
            tokio::time::sleep(rng.between(pace.think.0, pace.think.1)).await;
        }
        let sent_at = Instant::now();
        match &action {
            Action::Say(text) => fake.user_says(user, text),
            Action::Press(on, data) => fake.user_presses(user, on, data),
        }
        let reply = match until {
            Until::Quiet(quiet) => reply_until_quiet(fake, user.id, seen, quiet, pace).await,
            Until::Count(counts) => {
                let n = counts.get(walk.steps.len()).copied().unwrap_or(1);
                fake.wait_since(user.id, seen, n, pace.step_timeout).await
            }
        };
        let Some(reply) = reply.filter(|r| !r.is_empty()) else {
            walk.timed_out = true;
            break;
        };
        let fetched = fake.fetched_at(user.id, walk.steps.len());
        walk.steps.push(Step {
            first: reply[0].at.saturating_duration_since(sent_at),
            full: reply[reply.len() - 1].at.saturating_duration_since(sent_at),
            fetched: fetched.map(|f| f.saturating_duration_since(sent_at)),
            replies: reply.len(),
        });
        seen += reply.len();
        last = reply.last().cloned();
    }
    walk
}

/// The messages after the first `seen`, once at least one came and then none
/// for `quiet`.
async fn reply_until_quiet(
    fake: &FakeTelegram,
    chat: i64,
    seen: usize,
    quiet: Duration,
    pace: Pace,
) -> Option<Vec<Sent>> {
    let mut reply = fake.wait_since(chat, seen, 1, pace.step_timeout).await?;
    while let Some(more) = fake.wait_since(chat, seen, reply.len() + 1, quiet).await {
        reply = more;
    }
    Some(reply)
}
