//! End-to-end tests: the real `frontdesk` binary, driven the way a person or a
//! script drives it. Each test gets its own temporary data folder, so tests are
//! independent and run in parallel.

mod helpers;

mod kill;

mod admin;
mod backup;
mod cli;
mod console;
mod desks;
mod discord;
mod encryption;
mod files;
mod handoff;
mod hostile;
mod numbers;
mod reminders;
mod safety;
mod screen;
mod serve;
mod teach;
mod telegram;
mod terminal;
mod webchat;
