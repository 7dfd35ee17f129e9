//! One web-chat load run: `frontdesk serve` with no chat platform (its
//! listener only, on loopback) and a settings file that lets every visitor
//! come from 127.0.0.1; then one reference visitor alone, then N visitors
//! at once, then the figures. The whole run is bounded in time.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::AsyncBufReadExt;
use tokio::sync::{oneshot, watch};

use crate::bot::{Bot, BotOptions};
use crate::patient::Rng;
use crate::rss;
use crate::visitor::{self, Pace, Visit};
use crate::webapi::Api;
use crate::webreport::{Figures, WebReport};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub bot: BotOptions,
    pub visitors: usize,
    pub pace: Pace,
    pub seed: u64,
    /// The whole run fails after this.
    pub deadline: Duration,
}

/// The settings serve runs with: all visitors come from one address.
const SETTINGS: &str = "\
# Written by loadtest --web: every load visitor comes from 127.0.0.1.
[web_chat]
visitors_per_address_per_hour = 100000
";

/// What serve's log has told so far.
#[derive(Debug, Clone, Default)]
struct Told {
    /// "understanding: …": whether the model is loading.
    model_loading: Option<bool>,
    /// "the semantic classifier is answering", and when.
    semantic_ready: Option<Instant>,
    /// Warnings and errors (the first few kept).
    warnings: usize,
    errors: usize,
    first_problems: Vec<String>,
}

pub async fn run(config: &Config) -> anyhow::Result<WebReport> {
    let folder = tempfile::tempdir().context("cannot make a temporary folder")?;
    let settings = folder.path().join("frontdesk.toml");
    std::fs::write(&settings, SETTINGS).context("cannot write the settings")?;
    let started = Instant::now();
    let (mut bot, stderr) = Bot::spawn_web(&config.bot, &settings)?;
    let (address_tx, address_rx) = oneshot::channel();
    let (told_tx, told_rx) = watch::channel(Told::default());
    let log = tokio::spawn(read_log(
        stderr,
        config.bot.log.clone(),
        address_tx,
        told_tx,
    ));
    let measured = tokio::time::timeout(
        config.deadline,
        measure(config, &mut bot, started, address_rx, told_rx),
    )
    .await;
    bot.stop().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), log).await;
    match measured {
        Ok(report) => report,
        Err(_) => anyhow::bail!(
            "the run did not finish within {} s (--deadline-secs)",
            config.deadline.as_secs()
        ),
    }
}

async fn measure(
    config: &Config,
    bot: &mut Bot,
    started: Instant,
    address: oneshot::Receiver<SocketAddr>,
    mut told: watch::Receiver<Told>,
) -> anyhow::Result<WebReport> {
    let pid = bot.pid;
    let address = tokio::select! {
        a = address => a.context("serve ended before it told its address (see --log)")?,
        _ = tokio::time::sleep(Duration::from_secs(60)) => anyhow::bail!("serve did not tell its address within 60 s"),
    };
    let mut report = WebReport {
        visitors: config.visitors,
        think_ms: (
            config.pace.think.0.as_millis() as u64,
            config.pace.think.1.as_millis() as u64,
        ),
        ramp_secs: config.pace.ramp.as_secs_f64(),
        seed: config.seed,
        ..WebReport::default()
    };
    // The model: loading when serve says so, then waited for.
    let loading = tokio::time::timeout(
        Duration::from_secs(60),
        told.wait_for(|t| t.model_loading.is_some()),
    )
    .await
    .context("serve did not say what understands messages")?
    .context("serve's log ended")?
    .model_loading
    .unwrap_or(false);
    if loading {
        eprintln!("waiting for the sentence encoder…");
        let ready = tokio::time::timeout(
            Duration::from_secs(180),
            told.wait_for(|t| t.semantic_ready.is_some()),
        )
        .await
        .context("the semantic classifier was not answering within 180 s")?
        .context("serve's log ended")?
        .semantic_ready;
        report.model_ready = ready.map(|r| r.saturating_duration_since(started));
    }
    bot.check_running()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.rss_after_start = rss::memory(pid).map_or(0, |m| m.rss);

    let api = Api::new(address);
    eprintln!("reference visitor…");
    let alone = Pace {
        think: (Duration::ZERO, Duration::ZERO),
        ramp: Duration::ZERO,
        disturb: false,
        ..config.pace
    };
    let reference = visitor::visit(api.clone(), alone, Rng::new(config.seed)).await;
    anyhow::ensure!(
        !reference.timed_out && reference.steps.len() == visitor::MESSAGES,
        "the reference visitor did not finish: {}",
        reference.error.as_deref().unwrap_or("a reply did not come")
    );
    report.alone = Figures::of(std::slice::from_ref(&reference));
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.rss_after_reference = rss::memory(pid).map_or(0, |m| m.rss);

    eprintln!("{} visitors…", config.visitors);
    let (cpu_bot, cpu_me, busy) = (rss::cpu(Some(pid)), rss::cpu(None), rss::machine_busy());
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let done = done.clone();
        async move {
            let (mut most, mut threads) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                if let Some(m) = rss::memory(pid) {
                    most = most.max(m.rss);
                    threads = threads.max(m.threads as usize);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (most, threads)
        }
    });
    let load_started = Instant::now();
    let tasks: Vec<_> = (0..config.visitors)
        .map(|i| {
            let rng = Rng::new(config.seed.wrapping_add(i as u64 + 1));
            tokio::spawn(visitor::visit(api.clone(), config.pace, rng))
        })
        .collect();
    let mut visits: Vec<Visit> = Vec::with_capacity(tasks.len());
    for task in tasks {
        visits.push(task.await.context("a visitor panicked")?);
    }
    report.wall = load_started.elapsed();
    report.bot_cpu = diff(rss::cpu(Some(pid)), cpu_bot);
    report.generator_cpu = diff(rss::cpu(None), cpu_me);
    report.machine_cpu = diff(rss::machine_busy(), busy);
    done.store(true, Ordering::Relaxed);
    (report.rss_load_most, report.max_threads) = sampler.await.unwrap_or_default();
    bot.check_running()?;
    if let Some(m) = rss::memory(pid) {
        report.rss_peak = m.peak;
        report.rss_end = m.rss;
    }
    report.store_bytes = bot.data_bytes();
    report.load = Figures::of(&visits);
    let told = told.borrow().clone();
    report.serve_warnings = told.warnings;
    report.serve_errors = told.errors;
    report.serve_problems = told.first_problems;
    Ok(report)
}

/// Reads serve's log: to the file asked for, and what it tells.
async fn read_log(
    stderr: tokio::process::ChildStderr,
    file: Option<PathBuf>,
    address: oneshot::Sender<SocketAddr>,
    told: watch::Sender<Told>,
) {
    let mut file = match file.as_deref().map(create) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            eprintln!("{e:#}");
            None
        }
        None => None,
    };
    let mut address = Some(address);
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(f) = &mut file {
            let _ = writeln!(f, "{line}");
        }
        if let Some(a) = console_address(&line)
            && let Some(tx) = address.take()
        {
            let _ = tx.send(a);
        }
        told.send_modify(|t| {
            if line.contains("understanding: ") {
                t.model_loading = Some(line.contains("(loading)"));
            }
            if line.contains("the semantic classifier is answering") {
                t.semantic_ready = Some(Instant::now());
            }
            let (warn, error) = (line.contains(" WARN "), line.contains(" ERROR "));
            t.warnings += usize::from(warn);
            t.errors += usize::from(error);
            if (warn || error) && t.first_problems.len() < 5 {
                t.first_problems.push(line.clone());
            }
        });
    }
    if let Some(f) = &mut file {
        let _ = f.flush();
    }
}

/// The log file (written as lines come: small writes, buffered).
fn create(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

/// The address in serve's "the staff console is at http://ADDRESS/".
fn console_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("the staff console is at http://")?;
    rest.split('/').next()?.parse().ok()
}

fn diff(after: Option<Duration>, before: Option<Duration>) -> Duration {
    after
        .zip(before)
        .map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_address_is_read_from_the_log_line() {
        let line = "2026-05-01T10:00:00.000000Z  INFO frontdesk::cmd::serve: the staff console is at http://127.0.0.1:41234/ address=127.0.0.1:41234";
        assert_eq!(
            console_address(line),
            Some("127.0.0.1:41234".parse().expect("an address"))
        );
        assert_eq!(console_address("staff console listening"), None);
    }
}
