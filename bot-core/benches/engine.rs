//! Engine throughput: patient messages per second through
//! [`Engine::handle`] with the sled store, mixing FAQ questions and health
//! screen answers over many patients, on several threads at once (the
//! adapters run each message on a blocking thread, so this is how the bot
//! uses the engine).
//!
//! Three settings: durable writes (every batch on disk before `handle`
//! returns, the default) on 2 threads and on 32 threads (more writers share
//! each disk flush), and the same work without waiting for the flush, to
//! show what durability costs. Criterion reports the throughput in
//! messages (elements) per second.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, SledStore};

/// What one patient sends: three questions, then the whole screen ("yes"
/// to consent, "no" to everything after; the engine re-asks where "no" is
/// not an answer, which is work too).
const SCRIPT: &[&str] = &[
    "does dry needling hurt?",
    "what should I wear to my appointment",
    "is it the same as acupuncture",
    "/screen",
    "yes",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
    "no",
];

/// Messages per measured round.
const ROUND: u64 = 2_000;

fn engine(dir: &Path, durable: bool) -> Arc<Engine<SledStore>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let knowledge = Knowledge::load(&root.join("../faq")).expect("knowledge loads");
    let store = SledStore::open(dir)
        .expect("store opens")
        .with_durability(durable);
    Arc::new(Engine::new(store, Arc::new(knowledge)))
}

/// Sends `ROUND` messages on `threads` threads, each thread walking its own
/// patients through the script; new patients every round.
fn round(engine: &Arc<Engine<SledStore>>, threads: u64, patients: &AtomicU64) -> Duration {
    let per_thread = ROUND / threads;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut sent = 0;
                while sent < per_thread {
                    let id = patients.fetch_add(1, Ordering::Relaxed);
                    let chat = ChatKey::parse(&format!("telegram:{id}")).unwrap();
                    for text in SCRIPT.iter().take((per_thread - sent) as usize) {
                        black_box(engine.handle(&Incoming::private(
                            chat.clone(),
                            Input::from_text(text),
                            jiff::Timestamp::now(),
                            "Pat",
                        )));
                        sent += 1;
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(ROUND));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (name, durable, threads) in [
        ("durable, 2 threads", true, 2),
        ("durable, 32 threads", true, 32),
        ("no flush, 2 threads", false, 2),
    ] {
        let dir = tempfile::tempdir().expect("temporary folder");
        let engine = engine(dir.path(), durable);
        let patients = AtomicU64::new(1);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| round(&engine, threads, &patients)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
