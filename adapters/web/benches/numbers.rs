//! The Numbers page over a busy month (issue 28's target): 100,000
//! patients' messages over 30 clinic days in a sled store, past days rolled
//! up as serve's tick does and today's records left as they are, then
//!
//! - the page's server time for those 30 days (request in, whole body
//!   out, through the router with its middleware and the audit entry it
//!   writes), median and p99 over 500 requests;
//! - the same for the CSV export;
//! - `Engine::numbers` alone.
//!
//! Run with `cargo bench -p frontdesk-web --bench numbers`. Target: the
//! page's p99 under 200 ms. The store is seeded without a flush per batch
//! (`with_durability(false)`), which only makes the seeding faster: what
//! is measured reads.

mod common;

use std::sync::Arc;
use std::time::Instant;

use frontdesk_core::accounts::{AccountName, Password, Role};
use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, Platform, SledStore, Store};

const MESSAGES: u64 = 100_000;
const DAYS: u64 = 30;
/// Messages each patient writes (all on one day).
const PER_PATIENT: u64 = 5;
const THREADS: u64 = 4;

/// What patients write: answers, a question back, fallbacks, Spanish,
/// small talk.
const SAID: [&str; 10] = [
    "does dry needling hurt?",
    "how much does a session cost?",
    "what should I wear to my appointment",
    "how long",
    "¿duele la punción seca?",
    "do you do botox",
    "thanks!",
    "is there parking?",
    "¿cuánto cuesta?",
    "can my dog get needled",
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    let knowledge = Arc::new(Knowledge::load(&faq).unwrap());
    let zone = knowledge.clinic.time_zone.clone();
    let store = SledStore::open(dir.path()).unwrap().with_durability(false);
    let engine = Arc::new(Engine::new(store, knowledge));
    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);

    let seeding = Instant::now();
    let patients = MESSAGES / PER_PATIENT;
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                for n in (t..patients).step_by(THREADS as usize) {
                    // Spread over the 30 days up to now, today included.
                    let ago = (n % DAYS) as i32;
                    let at = now - day * ago;
                    let chat =
                        ChatKey::new(Platform::Telegram, &(1_000_000 + n).to_string()).unwrap();
                    for m in 0..PER_PATIENT {
                        let text = SAID[((n + m * 3) % SAID.len() as u64) as usize];
                        engine.handle(&Incoming::private(
                            chat.clone(),
                            Input::from_text(text),
                            at,
                            "Pat",
                        ));
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let rolled = engine.roll_up_numbers(now).unwrap();
    let today = now.to_zoned(zone).date();
    let from = today
        .checked_sub(jiff::Span::new().days(DAYS as i64 - 1))
        .unwrap();
    let numbers = engine.numbers(from, today).unwrap();
    assert_eq!(numbers.total.messages, MESSAGES);
    println!(
        "seeded {MESSAGES} messages over {DAYS} days in {:.1} s; {rolled} usage records \
         rolled up into past days, {} of today's left",
        seeding.elapsed().as_secs_f64(),
        engine.store().scan_prefix("stats/").unwrap().len(),
    );

    let name = AccountName::parse("cleo").unwrap();
    let password = Password::parse("a long password").unwrap();
    engine
        .add_account(&name, Role::Clinician, &password, now)
        .unwrap();
    let (console, _app) = common::console(&engine);
    let cookie = common::log_in(&console, "cleo").await;

    for (path, what) in [
        ("/numbers", "numbers page, 30 days, 100,000 messages"),
        ("/numbers.csv", "numbers CSV, 30 days, 100,000 messages"),
    ] {
        let uri = format!("{path}?from={from}&to={today}");
        let mut times = common::time_page(&console, &cookie, &uri, 2_000, 500).await;
        common::report(what, &mut times);
    }

    let mut times = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        let numbers = engine.numbers(from, today).unwrap();
        times.push(started.elapsed());
        assert_eq!(numbers.total.messages, MESSAGES);
    }
    common::report("Engine::numbers alone", &mut times);
}
