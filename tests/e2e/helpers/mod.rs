//! What the end-to-end tests share: the real binary in a temporary data
//! folder ([`spawn_bot`], [`Chat`], [`LiveChat`]), one running bot per
//! platform against its fake ([`spawn_telegram_bot`], [`spawn_discord_bot`],
//! in `platforms.rs`), engines on temporary stores, and waits.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// How a scripted patient answers the health screen (shared with the load test).
pub use frontdesk_testkit::{ScreenMove, next_screen_move};

mod browser;
pub use browser::{Browser, spawn_browser};

mod console;
pub use console::{
    ConsoleBot, PAGE_WAIT, count_live_streams, live_updates, spawn_console, spawn_console_on,
    spawn_other_origin, status, wait_until_live,
};

mod webchat;
pub use webchat::{enter_panel, lines, settled_lines, spawn_web_chat, write};

mod platforms;
pub use platforms::{
    DiscordBot, TelegramBot, run_discord, run_telegram, spawn_discord_bot, spawn_telegram_bot,
    spawn_telegram_bot_with,
};

/// The knowledge folder shipped with the project.
pub fn faq_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// A copy of the shipped knowledge folder, to edit.
pub fn faq_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(faq_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// A bot with its own temporary data folder.
pub struct TestBot {
    pub data: tempfile::TempDir,
    pub faq: PathBuf,
}

/// Starts a fresh bot on the shipped knowledge folder.
pub fn spawn_bot() -> TestBot {
    TestBot {
        data: tempfile::tempdir().expect("temporary data folder"),
        faq: faq_dir(),
    }
}

impl TestBot {
    /// `frontdesk serve ARGS` on the fake Telegram with this bot's folders,
    /// logging at `info` to `log`.
    pub fn serve(
        &self,
        fake: &frontdesk_testkit::telegram::FakeTelegram,
        args: &[&str],
        log: Stdio,
    ) -> tokio::process::Child {
        let env = [
            ("TELEGRAM_BOT_TOKEN", frontdesk_testkit::telegram::TOKEN),
            ("TELOXIDE_API_URL", &fake.api_url()),
        ];
        self.serve_with(&env, &[&["--no-throttle"], args].concat(), log)
    }

    /// `frontdesk serve ARGS` with this bot's folders and only the platform
    /// settings in `env`, logging at `info` to `log`.
    pub fn serve_with(
        &self,
        env: &[(&str, &str)],
        args: &[&str],
        log: Stdio,
    ) -> tokio::process::Child {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"));
        for name in [
            "TELEGRAM_BOT_TOKEN",
            "TELOXIDE_API_URL",
            "DISCORD_BOT_TOKEN",
            "DISCORD_API_URL",
        ] {
            command.env_remove(name);
        }
        command
            // Answers must not change mid-test when a semantic model
            // finishes training: the semantic path has its own tests.
            .env("FRONTDESK_UNDERSTANDING", "lexical")
            .env("FRONTDESK_LOG", "info")
            .envs(env.iter().copied())
            .arg("--faq")
            .arg(&self.faq)
            .arg("--data")
            .arg(self.data.path())
            .arg("serve")
            .args(args)
            // Tests run in parallel: each console on a port of its own,
            // unless the test chose one.
            .args(
                (!args.contains(&"--listen"))
                    .then_some(["--listen", "127.0.0.1:0"])
                    .into_iter()
                    .flatten(),
            )
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("frontdesk serve starts")
    }
}

/// Sends a signal to a child process.
pub fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().expect("still running").to_string();
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// What one chat session printed.
pub struct Chat {
    /// One JSON object per bot message.
    pub replies: Vec<Value>,
    /// Staff events, one JSON object each.
    pub staff: Vec<Value>,
}

impl TestBot {
    /// Runs `frontdesk ARGS` with this bot's folders, feeding `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with_env(args, stdin, &[])
    }

    /// `run` with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            // Answers must not change mid-test when a semantic model
            // finishes training: the semantic path has its own tests.
            .env("FRONTDESK_UNDERSTANDING", "lexical")
            .envs(env.iter().copied())
            .arg("--faq")
            .arg(&self.faq)
            .arg("--data")
            .arg(self.data.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("frontdesk starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().expect("frontdesk finishes")
    }

    /// A `chat --json` session as patient `who`, one message per line.
    pub fn chat_as(&self, who: &str, lines: &[&str]) -> Chat {
        let mut input = lines.join("\n");
        input.push('\n');
        let out = self.run(&["chat", "--json", "--as", who], &input);
        assert!(out.status.success(), "chat failed: {}", stderr(&out));
        Chat {
            replies: json_lines(&out.stdout),
            staff: json_lines(&out.stderr),
        }
    }

    pub fn chat(&self, lines: &[&str]) -> Chat {
        self.chat_as("patient-1", lines)
    }
}

pub fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A live `chat --json` process, driven one message at a time.
pub struct LiveChat {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl TestBot {
    pub fn live_chat(&self, who: &str) -> LiveChat {
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            // Answers must not change mid-test when a semantic model
            // finishes training: the semantic path has its own tests.
            .env("FRONTDESK_UNDERSTANDING", "lexical")
            .arg("--faq")
            .arg(&self.faq)
            .arg("--data")
            .arg(self.data.path())
            .args(["chat", "--json", "--as", who])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("frontdesk starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        LiveChat {
            child,
            stdin,
            stdout,
        }
    }
}

impl LiveChat {
    /// Sends one line and reads replies up to the one that ends the bot's turn
    /// in the screen (a question, an outcome or an emergency answer).
    pub fn send(&mut self, line: &str) -> Vec<Value> {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut replies = Vec::new();
        for reply in self.stdout.by_ref() {
            let reply: Value = serde_json::from_str(&reply.unwrap()).unwrap();
            let last = matches!(
                reply["kind"].as_str(),
                Some("question" | "outcome" | "emergency")
            );
            replies.push(reply);
            if last {
                return replies;
            }
        }
        panic!("the bot stopped before answering {line:?}: {replies:?}");
    }

    /// Sends one line that gets exactly one reply, and returns it.
    pub fn say(&mut self, line: &str) -> Value {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let reply = self.stdout.next().expect("a reply").unwrap();
        serde_json::from_str(&reply).unwrap()
    }

    /// Answers screen questions by id (`default` for any other) until the
    /// screen ends or `until` is asked; returns the last reply.
    pub fn answer_screen(
        &mut self,
        answers: &[(&str, &str)],
        default: &str,
        until: Option<&str>,
    ) -> Value {
        let mut last = self.send("/screen").pop().unwrap();
        while let Some(q) = last["question"].as_str().map(str::to_owned) {
            if until == Some(q.as_str()) {
                break;
            }
            let answer = answers
                .iter()
                .find(|(id, _)| *id == q)
                .map(|(_, a)| (*a).to_owned())
                .unwrap_or_else(|| default.to_owned());
            last = self.send(&answer).pop().unwrap();
        }
        last
    }

    pub fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// An engine on the shipped knowledge and a sled store in `dir` (opened off
/// the async workers: sled may wait for a previous handle's lock).
pub async fn open_engine(
    dir: &Path,
) -> std::sync::Arc<frontdesk_core::Engine<frontdesk_core::SledStore>> {
    let knowledge = std::sync::Arc::new(frontdesk_core::Knowledge::load(&faq_dir()).unwrap());
    let path = dir.to_owned();
    let store =
        tokio::task::spawn_blocking(move || frontdesk_core::SledStore::open(&path).unwrap())
            .await
            .unwrap();
    std::sync::Arc::new(frontdesk_core::Engine::new(store, knowledge))
}

async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Adapters running in the background, stopped together the way SIGTERM
/// stops `frontdesk serve`.
#[derive(Default)]
pub struct Adapters {
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Adapters {
    /// The shutdown signal to give one more adapter's `run`.
    pub fn signal(&mut self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let stop = self
            .stop
            .get_or_insert_with(|| tokio::sync::watch::channel(false).0);
        stopped(stop.subscribe())
    }

    pub fn spawn(&mut self, adapter: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(adapter));
    }

    /// Signals every adapter to stop and waits for them all.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        for task in self.tasks.drain(..) {
            tokio::time::timeout(std::time::Duration::from_secs(30), task)
                .await
                .expect("the adapters stop")
                .unwrap();
        }
    }
}

/// Polls until `done` holds, failing with `what` after 30 seconds.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Waits until `count` has not changed for a moment (the bot has gone quiet).
pub async fn settled(count: impl Fn() -> usize) {
    let mut n = count();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let now = count();
        if now == n {
            return;
        }
        n = now;
    }
}

/// Checks what members of a shared chat were sent (each message's text as
/// shown): pointed to a private chat, never told a person is coming; and
/// that the store holds no ticket and no chat's link to an appointment.
pub fn assert_shared_chat_opened_nothing<S: frontdesk_core::Store>(
    shown: &[String],
    engine: &frontdesk_core::Engine<S>,
) {
    assert!(
        shown.iter().any(|m| m.contains("private chat")),
        "pointed to a private chat: {shown:?}"
    );
    for m in shown {
        assert!(!m.contains("front-desk team"), "{m}");
    }
    let keys: Vec<String> = engine
        .store()
        .snapshot()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        keys.iter()
            .all(|k| !k.starts_with("ticket") && !k.starts_with("appt-chat/")),
        "{keys:?}"
    );
}
