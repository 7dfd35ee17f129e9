//! `loadtest`: N simulated patients at once against the real `frontdesk
//! serve`, on the test kit's fake Telegram Bot API; reports throughput, reply
//! latency, lost, duplicated and out-of-order replies, and the bot's memory.
//! With `--web`, N visitors of the web chat instead, over its HTTP API on
//! loopback, with dropped and resumed event streams and resent messages.
//!
//! ```sh
//! cargo build --release -p frontdesk -p frontdesk-load
//! target/release/loadtest --patients 1000            # throttle off
//! target/release/loadtest --patients 1000 --throttle # Telegram's limits
//! target/release/loadtest --web --patients 500       # the web chat
//! ```
//!
//! # Layout
//!
//! - [`bot`]: the `frontdesk serve` child process.
//! - [`patient`]: one patient's script (questions, then the health screen).
//! - [`run`]: the reference walk, the load, the accounting.
//! - [`report`]: percentiles, lost/duplicated/out-of-order, the report.
//! - [`rss`]: the bot's memory and CPU time from `/proc`.
//! - [`web`]: the web mode's run: serve on its listener only, a reference
//!   visitor, the load, serve's memory.
//! - [`visitor`]: one web visitor's script, its stream's drops and
//!   resumptions, its resend, and its stream checked against its mailbox.
//! - [`webapi`]: the web chat's HTTP API as a page uses it, and a
//!   server-sent events parser.
//! - [`webreport`]: the web mode's figures and report.

mod bot;
mod patient;
mod report;
mod rss;
mod run;
mod visitor;
mod web;
mod webapi;
mod webreport;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Load-test Frontdesk's Telegram adapter against a fake Bot API, or its web
/// chat (`--web`).
#[derive(Debug, Parser)]
struct Args {
    /// Patients at once (web visitors with `--web`).
    #[arg(long, default_value_t = 100)]
    patients: usize,
    /// The web chat instead of Telegram: each visitor sends 10 messages over
    /// the chat's HTTP API on loopback, drops and resumes its event stream,
    /// and resends one message.
    #[arg(long)]
    web: bool,
    /// With `--web`: the whole run fails after this many seconds.
    #[arg(long, default_value_t = 300)]
    deadline_secs: u64,
    /// Think time between a reply and the patient's next message, uniformly
    /// in MIN-MAX milliseconds (`0-0` for a saturation run).
    #[arg(long, default_value = "1000-3000", value_parser = parse_range)]
    think_ms: (u64, u64),
    /// Patients start at random moments within this many seconds.
    #[arg(long, default_value_t = 5.0)]
    ramp_secs: f64,
    /// A patient whose reply has not come after this many seconds stops.
    #[arg(long, default_value_t = 30)]
    step_timeout_secs: u64,
    /// Keep Telegram's production rate limits (the bot's default).
    #[arg(long, conflicts_with = "web")]
    throttle: bool,
    /// The `frontdesk` binary [default: `frontdesk` next to this executable].
    #[arg(long)]
    bot: Option<PathBuf>,
    /// The knowledge folder [default: the repository's `faq/`].
    #[arg(long)]
    faq: Option<PathBuf>,
    /// Write the bot's log (at info) to this file.
    #[arg(long)]
    log: Option<PathBuf>,
    /// The seed of the patients' think times and start moments
    /// [default: from the clock].
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

fn parse_range(s: &str) -> Result<(u64, u64), String> {
    let (min, max) = s.split_once('-').ok_or("expected MIN-MAX")?;
    let (min, max): (u64, u64) = (
        min.trim().parse().map_err(|e| format!("{e}"))?,
        max.trim().parse().map_err(|e| format!("{e}"))?,
    );
    if min > max {
        return Err("MIN is above MAX".into());
    }
    Ok((min, max))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot = bot::BotOptions {
        binary: args.bot.map_or_else(bot::default_binary, Ok)?,
        faq: args.faq.unwrap_or_else(bot::default_faq),
        throttle: args.throttle,
        log: args.log,
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let ramp = Duration::from_secs_f64(args.ramp_secs);
    let think = (
        Duration::from_millis(args.think_ms.0),
        Duration::from_millis(args.think_ms.1),
    );
    let step_timeout = Duration::from_secs(args.step_timeout_secs);
    if args.web {
        let config = web::Config {
            bot,
            visitors: args.patients,
            pace: visitor::Pace {
                ramp,
                think,
                step_timeout,
                disturb: true,
            },
            seed,
            deadline: Duration::from_secs(args.deadline_secs),
        };
        let report = web::run(&config).await?;
        if args.json {
            println!("{}", report.json());
        } else {
            println!("{report}");
        }
        let failures = report.load.failures();
        if !failures.is_empty() {
            eprintln!("loadtest: FAILED: {}", failures.join(", "));
            std::process::exit(1);
        }
        return Ok(());
    }
    let config = run::Config {
        bot,
        patients: args.patients,
        pace: patient::Pace {
            ramp,
            think,
            step_timeout,
        },
        seed,
    };
    let report = run::run(&config).await?;
    if args.json {
        println!("{}", report.json());
    } else {
        println!("{report}");
    }
    Ok(())
}
