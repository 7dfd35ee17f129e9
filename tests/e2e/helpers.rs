use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The knowledge folder shipped with the project.
pub fn faq_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
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
