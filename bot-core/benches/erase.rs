//! What deletion that reaches the disk costs: `/forget` (or `frontdesk
//! forget`) on a store holding 10,000 patients, each of whom asked three
//! questions and completed the health screen. Every forget rewrites the
//! live records into a fresh folder ([`SledStore::rewrite`]), during which
//! messages wait; this is how long they wait. Prints the store's size on
//! disk before and after.
//!
//! `cargo bench -p frontdesk-core --bench erase`

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use frontdesk_core::{ChatKey, Engine, Incoming, Input, Knowledge, SledStore};

const PATIENTS: u64 = 10_000;

/// Three questions and the whole screen ("yes" to consent, then "no").
fn script() -> Vec<&'static str> {
    let mut script = vec![
        "does dry needling hurt?",
        "what should I wear to my appointment",
        "do you do botox",
        "/screen",
        "yes",
    ];
    script.extend(["no"; 20]);
    script
}

fn mib(engine: &Engine<SledStore>) -> f64 {
    engine.store().size_on_disk().expect("sled tells its size") as f64 / (1 << 20) as f64
}

fn bench(c: &mut Criterion) {
    let data = tempfile::tempdir().expect("temporary folder");
    let path = data.path().join("sled");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let knowledge = Arc::new(Knowledge::load(&root.join("../faq")).expect("knowledge loads"));
    let store = SledStore::open(&path)
        .expect("store opens")
        .with_durability(false);
    let engine = Engine::new(store, knowledge);
    let started = Instant::now();
    let script = script();
    for id in 0..PATIENTS {
        let chat = ChatKey::parse(&format!("telegram:{}", 1_000_000 + id)).unwrap();
        for text in &script {
            engine.handle(&Incoming::private(
                chat.clone(),
                Input::from_text(text),
                jiff::Timestamp::now(),
                "Pat",
            ));
        }
    }
    println!(
        "{PATIENTS} patients written in {:.1} s; {:.1} MiB on disk",
        started.elapsed().as_secs_f64(),
        mib(&engine)
    );
    let mut next = 0;
    let mut group = c.benchmark_group("erase");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("forget one of 10,000 patients, files rewritten", |b| {
        b.iter(|| {
            let chat = ChatKey::parse(&format!("telegram:{}", 1_000_000 + next)).unwrap();
            next += 1;
            engine
                .forget(&chat, jiff::Timestamp::now())
                .expect("forgets")
        })
    });
    group.finish();
    println!("after {next} forgets: {:.1} MiB on disk", mib(&engine));
}

criterion_group!(benches, bench);
criterion_main!(benches);
