//! One load run: the fake Bot API and the bot, the reference walk, then N
//! patients at once, then the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use frontdesk_testkit::telegram::{FakeTelegram, User};

use crate::bot::{Bot, BotOptions};
use crate::patient::{self, FIRST_NAME, Pace, Rng, Until, Walk};
use crate::report::{Delivery, Latencies, MemoryFigures, Report};
use crate::rss;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub bot: BotOptions,
    pub patients: usize,
    pub pace: Pace,
    pub seed: u64,
}

/// The reference patient's chat; load patients' chats follow this one.
const REFERENCE_CHAT: i64 = 1;
const FIRST_LOAD_CHAT: i64 = 100_000;

pub async fn run(config: &Config) -> anyhow::Result<Report> {
    let fake = Arc::new(FakeTelegram::start().await);
    let mut bot = Bot::spawn(&config.bot, &fake)?;
    let result = measure(config, &fake, &mut bot).await;
    bot.stop().await;
    result
}

async fn measure(
    config: &Config,
    fake: &Arc<FakeTelegram>,
    bot: &mut Bot,
) -> anyhow::Result<Report> {
    let mut report = Report {
        patients: config.patients,
        throttle: config.bot.throttle,
        think_ms: (
            config.pace.think.0.as_millis() as u64,
            config.pace.think.1.as_millis() as u64,
        ),
        ramp_secs: config.pace.ramp.as_secs_f64(),
        seed: config.seed,
        ..Report::default()
    };
    let pid = bot.pid;
    let rss_now = || rss::memory(pid).map_or(0, |m| m.rss);

    wait_until_polling(fake, bot).await?;
    report.memory.idle_start = rss_now();

    eprintln!("reference walk…");
    let (reference, counts) = reference_walk(config, fake, &mut report).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.memory.idle_after_reference = rss_now();

    eprintln!("{} patients…", config.patients);
    let walks = load(config, fake, pid, counts, &mut report).await?;

    // Late messages (duplicates, or replies after a timeout) count too.
    eprintln!("waiting for the bot to go quiet…");
    settle(fake, config.pace.step_timeout * 10).await;
    bot.check_running()?;
    report.store_bytes = bot.data_bytes();
    if let Some(m) = rss::memory(pid) {
        report.memory = MemoryFigures {
            peak: m.peak,
            end: m.rss,
            ..report.memory
        };
    }
    account(&walks, fake, &reference, &mut report);
    Ok(report)
}

/// Waits until the bot has started and polls the fake.
async fn wait_until_polling(fake: &FakeTelegram, bot: &mut Bot) -> anyhow::Result<()> {
    let started = Instant::now();
    while fake.calls("getUpdates") < 2 {
        bot.check_running()?;
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the bot did not poll the fake within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// One patient alone, with the bot otherwise idle: the texts it received
/// are what every patient should get, and how many messages made each
/// step's reply is when a load patient's reply is complete.
async fn reference_walk(
    config: &Config,
    fake: &FakeTelegram,
    report: &mut Report,
) -> anyhow::Result<(Vec<String>, Arc<[usize]>)> {
    // The production throttle sends a chat at most one message a second and
    // 20 a minute: a reply may wait most of a minute.
    let quiet = Duration::from_millis(if config.bot.throttle { 1500 } else { 500 });
    let alone = Pace {
        ramp: Duration::ZERO,
        think: (Duration::ZERO, Duration::ZERO),
        step_timeout: config.pace.step_timeout.max(Duration::from_secs(90)),
    };
    let user = User::new(REFERENCE_CHAT, FIRST_NAME);
    let walked = patient::walk(fake, &user, Until::Quiet(quiet), alone, &mut Rng::new(0)).await;
    anyhow::ensure!(
        !walked.timed_out && walked.steps.len() > patient::QUESTIONS.len() + 1,
        "the reference walk did not finish the screen ({} steps)",
        walked.steps.len()
    );
    let texts: Vec<String> = fake
        .sent_to(REFERENCE_CHAT)
        .iter()
        .map(|m| m.plain_text())
        .collect();
    report.reference_steps = walked.steps.len();
    report.reference_messages = texts.len();
    report.reference_reply = Latencies::of(walked.steps.iter().map(|s| s.first).collect());
    let counts = walked.steps.iter().map(|s| s.replies).collect();
    Ok((texts, counts))
}

/// All the patients at once; returns what each did. Records the phase's
/// wall time, CPU, polling, and the most updates pending and bot threads.
async fn load(
    config: &Config,
    fake: &Arc<FakeTelegram>,
    pid: u32,
    counts: Arc<[usize]>,
    report: &mut Report,
) -> anyhow::Result<Vec<Walk>> {
    let polls_before = fake.calls("getUpdates");
    let (cpu_bot, cpu_me) = (rss::cpu(Some(pid)), rss::cpu(None));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (fake, done) = (fake.clone(), done.clone());
        async move {
            let (mut pending, mut threads) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                pending = pending.max(fake.pending_updates());
                threads = threads.max(rss::memory(pid).map_or(0, |m| m.threads as usize));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (pending, threads)
        }
    });
    let started = Instant::now();
    let tasks: Vec<_> = (0..config.patients)
        .map(|i| {
            let (fake, counts, pace) = (fake.clone(), counts.clone(), config.pace);
            let mut rng = Rng::new(config.seed.wrapping_add(i as u64 + 1));
            let user = User::new(FIRST_LOAD_CHAT + i as i64, FIRST_NAME);
            tokio::spawn(async move {
                patient::walk(&fake, &user, Until::Count(&counts), pace, &mut rng).await
            })
        })
        .collect();
    let mut walks = Vec::with_capacity(tasks.len());
    for task in tasks {
        walks.push(task.await.context("a patient panicked")?);
    }
    report.wall = started.elapsed();
    report.bot_cpu = diff(rss::cpu(Some(pid)), cpu_bot);
    report.generator_cpu = diff(rss::cpu(None), cpu_me);
    report.get_updates = fake.calls("getUpdates") - polls_before;
    done.store(true, Ordering::Relaxed);
    (report.max_pending_updates, report.max_threads) = sampler.await.unwrap_or_default();
    Ok(walks)
}

/// Latencies, and each patient's messages against the reference.
fn account(walks: &[Walk], fake: &FakeTelegram, reference: &[String], report: &mut Report) {
    let (mut first, mut full, mut polled, mut in_bot) = (vec![], vec![], vec![], vec![]);
    for (i, walk) in walks.iter().enumerate() {
        report.patient_messages += walk.steps.len() + usize::from(walk.timed_out);
        if walk.timed_out {
            report.timed_out += 1;
        } else {
            report.finished += 1;
        }
        for step in &walk.steps {
            first.push(step.first);
            full.push(step.full);
            if let Some(fetched) = step.fetched {
                polled.push(fetched);
                in_bot.push(step.first.saturating_sub(fetched));
            }
        }
        let received: Vec<String> = fake
            .sent_to(FIRST_LOAD_CHAT + i as i64)
            .iter()
            .map(|m| m.plain_text())
            .collect();
        report.bot_messages += received.len();
        report.delivery.add(Delivery::compare(reference, &received));
    }
    report.first_reply = Latencies::of(first);
    report.full_reply = Latencies::of(full);
    report.polled = Latencies::of(polled);
    report.in_bot = Latencies::of(in_bot);
}

fn diff(after: Option<Duration>, before: Option<Duration>) -> Duration {
    after
        .zip(before)
        .map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b))
}

/// Waits until the bot has sent nothing for 2 s (at most `limit`).
async fn settle(fake: &FakeTelegram, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut sent = fake.calls("sendMessage");
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = fake.calls("sendMessage");
        if now == sent {
            return;
        }
        sent = now;
    }
}
