//! The bot under test: the real `frontdesk serve` binary as a child process,
//! on the fake Bot API and a fresh data folder, so that its memory and CPU
//! are its own.

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
        let mut command = tokio::process::Command::new(&options.binary);
        command
            .arg("--faq")
            .arg(&options.faq)
            .arg("--data")
            .arg(data.path())
            .arg("serve")
            .args((!options.throttle).then_some("--no-throttle"))
            // The staff console on a free port, so runs never collide.
            .args(["--listen", "127.0.0.1:0"])
            .env("TELEGRAM_BOT_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.api_url())
            .env_remove("DISCORD_BOT_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true);
        if options.log.is_some() && std::env::var_os("FRONTDESK_LOG").is_none() {
            command.env("FRONTDESK_LOG", "info");
        }
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
