//! The console with a full inbox (issue 25's targets): 10,000 open tickets
//! in a sled store, then
//!
//! - the inbox page's server time (request in, whole body out, through the
//!   router with its middleware), median and p99 over 500 requests;
//! - a patient's message to the inbox event: from the message entering the
//!   engine to the server-sent event leaving the console's `/events` body,
//!   median and p99 over 200 new tickets;
//! - the process's resident memory before the console exists (after the
//!   engine made the inbox's store reads, so sled's cache is counted as
//!   serve's) and after it served all of that (its share of `serve`).
//!
//! Run with `cargo bench -p frontdesk-web --bench inbox`. Targets: p99
//! under 50 ms, event under 200 ms, under 20 MB.

mod common;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use frontdesk_core::accounts::{AccountName, Password, Role};
use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, Platform, SledStore};
use http_body_util::BodyExt;
use tower::ServiceExt;

const TICKETS: usize = 10_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn patient(n: usize, text: &str) -> Incoming {
    let chat = ChatKey::new(Platform::Telegram, &(1_000_000 + n).to_string()).unwrap();
    Incoming::private(
        chat,
        Input::from_text(text),
        jiff::Timestamp::now(),
        &format!("Patient {n}"),
    )
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    let knowledge = Arc::new(Knowledge::load(&faq).unwrap());
    let engine = Arc::new(Engine::new(SledStore::open(dir.path()).unwrap(), knowledge));

    let seeding = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                for n in (t..TICKETS).step_by(2) {
                    engine.handle(&patient(n, "/human"));
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let (open, _) = engine.open_tickets_page(0).unwrap();
    assert_eq!(open, TICKETS);
    println!(
        "seeded {open} open tickets in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let name = AccountName::parse("maria").unwrap();
    let password = Password::parse("a long password").unwrap();
    engine
        .add_account(&name, Role::Desk, &password, jiff::Timestamp::now())
        .unwrap();

    // The store's reads (sled's cache) belong to serve, whatever desk
    // asks: made once before measuring the console's share.
    for _ in 0..50 {
        engine.open_tickets_page(200).unwrap();
    }
    let before = rss_kib();
    let (console, app) = common::console(&engine);

    let cookie = common::log_in(&console, "maria").await;

    println!(
        "resident memory after logging in: {:.1} MB",
        rss_kib() as f64 / 1024.0
    );
    let mut times = common::time_page(&console, &cookie, "/inbox", 10_000, 500).await;
    common::report("inbox page, 10,000 open tickets", &mut times);
    println!(
        "resident memory after the inbox requests: {:.1} MB",
        rss_kib() as f64 / 1024.0
    );

    let request = Request::get("/events")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let mut events = console.clone().oneshot(request).await.unwrap().into_body();
    let mut latencies = Vec::new();
    for n in TICKETS..TICKETS + 200 {
        let started = Instant::now();
        let engine = engine.clone();
        let response = tokio::task::spawn_blocking(move || engine.handle(&patient(n, "/human")))
            .await
            .unwrap();
        app.after_replies(&response);
        loop {
            let frame = events.frame().await.unwrap().unwrap();
            if let Ok(data) = frame.into_data() {
                if String::from_utf8_lossy(&data).contains("\"opened\"") {
                    break;
                }
            }
        }
        latencies.push(started.elapsed());
    }
    common::report("patient message to inbox event", &mut latencies);
    let after = rss_kib();
    println!(
        "resident memory: {:.1} MB before the console, {:.1} MB after (console's share {:.1} MB)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0
    );
}
