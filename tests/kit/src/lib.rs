//! Fakes of the chat platforms' servers for Frontdesk's end-to-end tests and
//! load generator. Each listens on 127.0.0.1 port 0 and speaks the platform's
//! real wire protocol, so the real client libraries are what get tested.
//!
//! # Layout
//!
//! - [`discord`]: a fake Discord REST API and gateway websocket (HELLO,
//!   IDENTIFY/READY, heartbeats, dispatches, RESUME, injected 429s).
//! - [`telegram`]: a fake Telegram Bot API (getUpdates long polling,
//!   sendMessage, callbacks, edits, commands, injected faults).
//! - [`next_screen_move`]: how a scripted patient answers the health screen.

pub mod discord;
pub mod telegram;

/// Serves `app` on 127.0.0.1, on a port the system picks; the task ends when
/// aborted.
pub(crate) async fn serve_on_loopback(
    app: axum::Router,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, server)
}

/// The next move in a health screen, read from the buttons of the bot's
/// last message (the same ids on every platform).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenMove {
    Press(String),
    /// A free-text question: type this.
    Type(&'static str),
    /// No question is pending: the screen is over.
    Done,
}

/// Presses "yes" to consent and to the questions in `yes_to`, "no" to the
/// others, and the first answer on choice and number questions.
pub fn next_screen_move(buttons: &[String], yes_to: &[&str]) -> ScreenMove {
    let question = buttons
        .iter()
        .find_map(|b| b.strip_prefix("ans:"))
        .and_then(|b| b.split(':').next());
    let Some(question) = question else {
        return if buttons.iter().any(|b| b == "screen:stop") {
            ScreenMove::Type("no")
        } else {
            ScreenMove::Done
        };
    };
    let value = if question == "consent" || yes_to.contains(&question) {
        "yes"
    } else {
        "no"
    };
    let id = format!("ans:{question}:{value}");
    if buttons.contains(&id) {
        ScreenMove::Press(id)
    } else {
        let first = buttons.iter().find(|b| b.starts_with("ans:"));
        ScreenMove::Press(first.cloned().unwrap_or(id))
    }
}
