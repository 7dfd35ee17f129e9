//! The bot under test: the real `frontdesk serve` binary as a child process,
//! on a fresh data folder, so that its memory and CPU are its own: on the
//! fake Bot API, or (web mode) with no chat platform, its listener only.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::Context;
use frontdesk_testkit::telegram::{FakeTelegram, TOKEN};

/// Where to find things and how to run the bot.
#[derive(Debug, Clone)]
pub struct BotOptions {
    /// The `frontdesk` binary.
    pub binary: PathBuf,
    /// The knowledge folder.
    pub faq: PathBuf,
    /// Telegram's production rate limits (off: `--no-throttle`).
    pub throttle: bool,
    /// Where the bot's log goes (at `info`, unless `FRONTDESK_LOG` says
    /// otherwise); nowhere when `None`.
    pub log: Option<PathBuf>,
}

/// A running `frontdesk serve`; killed when dropped.
pub struct Bot {
    child: tokio::process::Child,
    pub pid: u32,
    data: tempfile::TempDir,
}

impl Bot {
    pub fn spawn(options: &BotOptions, fake: &FakeTelegram) -> anyhow::Result<Bot> {
        let data = tempfile::tempdir().context("cannot make a temporary data folder")?;
        let stderr = match &options.log {
            Some(path) => Stdio::from(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ),
            None => Stdio::null(),
        };
        let mut command = serve_command(options, data.path());
        command
            .args((!options.throttle).then_some("--no-throttle"))
            // The staff console on a free port, so runs never collide.
            .args(["--listen", "127.0.0.1:0"])
            .env("TELEGRAM_BOT_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.api_url())
            .env_remove("DISCORD_BOT_TOKEN")
            .stderr(stderr);
        if options.log.is_some() && std::env::var_os("FRONTDESK_LOG").is_none() {
            command.env("FRONTDESK_LOG", "info");
        }
        Bot::start(command, options, data)
    }

    /// The bot with no chat platform, so the listener (staff console and
    /// web chat) is its only door, on a free loopback port, with the given
    /// settings file. Its log (at `info`) comes back as a pipe: the web mode
    /// reads the listener's address and the model's readiness from it.
    pub fn spawn_web(
        options: &BotOptions,
        settings: &Path,
    ) -> anyhow::Result<(Bot, tokio::process::ChildStderr)> {
        let data = tempfile::tempdir().context("cannot make a temporary data folder")?;
        let mut command = serve_command(options, data.path());
        command
            .args(["--listen", "127.0.0.1:0"])
            .arg("--settings")
            .arg(settings)
            .env_remove("TELEGRAM_BOT_TOKEN")
            .env_remove("DISCORD_BOT_TOKEN")
            .stderr(Stdio::piped());
        if std::env::var_os("FRONTDESK_LOG").is_none() {
            command.env("FRONTDESK_LOG", "info");
        }
        let mut bot = Bot::start(command, options, data)?;
        let stderr = bot.child.stderr.take().context("no pipe from the bot")?;
        Ok((bot, stderr))
    }

    fn start(
        mut command: tokio::process::Command,
        options: &BotOptions,
        data: tempfile::TempDir,
    ) -> anyhow::Result<Bot> {
        let child = command.spawn().with_context(|| {
            format!(
                "cannot start {} (build it with `cargo build --release -p frontdesk -p frontdesk-load`, or give --bot)",
                options.binary.display()
            )
        })?;
        let pid = child.id().context("the bot exited at once")?;
        Ok(Bot { child, pid, data })
    }

    /// The size of the bot's data folder (its store) on disk.
    pub fn data_bytes(&self) -> u64 {
        fn size(dir: &Path) -> u64 {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return 0;
            };
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        size(self.data.path())
    }

    /// Fails if the bot has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => anyhow::bail!("the bot exited: {status}"),
            None => Ok(()),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// `frontdesk --faq FAQ --data DATA serve`, its output nowhere until said
/// otherwise, killed with its handle.
fn serve_command(options: &BotOptions, data: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(&options.binary);
    command
        .arg("--faq")
        .arg(&options.faq)
        .arg("--data")
        .arg(data)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// `frontdesk` next to this executable (`target/release/frontdesk` when both
/// are built with `--release`).
pub fn default_binary() -> anyhow::Result<PathBuf> {
    Ok(std::env::current_exe()
        .context("cannot find this executable")?
        .with_file_name("frontdesk"))
}

/// The repository's shipped knowledge folder.
pub fn default_faq() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq")
}
