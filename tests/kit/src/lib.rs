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
