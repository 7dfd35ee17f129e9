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
