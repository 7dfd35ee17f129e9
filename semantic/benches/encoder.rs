//! Speed of the semantic path, with the real model (skipped without it):
//! encoding one message, and classifying one free-text message end to end
//! (triage rules, encoding, both softmax regressions, the lexical matcher),
//! over the project's tuning questions; plus loading and training.
//!
//! `cargo bench -p frontdesk-semantic --bench encoder`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use frontdesk_core::understand::eval::parse_cases;
use frontdesk_core::{Classifier, Knowledge};
use frontdesk_semantic::{Encoder, MINILM, SemanticModel, model};

fn bench(c: &mut Criterion) {
    let dir = model::model_dir(&MINILM).expect("a model folder");
    if !model::is_present(&MINILM, &dir) {
        eprintln!(
            "skipped: no model in {} (frontdesk model fetch)",
            dir.display()
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let started = Instant::now();
    let encoder = Arc::new(Encoder::load(&dir, MINILM.name).unwrap());
    let load = started.elapsed();
    let knowledge = Knowledge::load(&root.join("faq")).unwrap();
    let started = Instant::now();
    let model = SemanticModel::train_for_user(encoder.clone(), &knowledge).unwrap();
    let train = started.elapsed();
    println!(
        "model load {:.0} ms; training with the embedding cache {:.0} ms",
        load.as_secs_f64() * 1e3,
        train.as_secs_f64() * 1e3
    );
    let classifier = Classifier::with_semantic(&knowledge, Arc::new(model));
    let text = std::fs::read_to_string(root.join("eval/questions-tune.tsv")).unwrap();
    let queries: Vec<String> = parse_cases(&text)
        .unwrap()
        .into_iter()
        .map(|c| c.query)
        .collect();

    // Alone, and as the bot reads a first message: alone, then the
    // questions inside a story when the whole is unclear.
    type Run<'a> = (&'static str, &'a dyn Fn(&str));
    let runs: [Run; 2] = [
        ("classify with the model", &|q| {
            black_box(classifier.classify(black_box(q)));
        }),
        ("read as the bot reads a first message", &|q| {
            black_box(classifier.classify_in_context(black_box(q), None));
        }),
    ];
    for (name, run) in runs {
        let mut times: Vec<f64> = queries
            .iter()
            .map(|q| {
                let start = Instant::now();
                run(q);
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        println!(
            "{name}: {} messages, median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            times.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
    c.bench_function("encode one short message", |b| {
        b.iter(|| encoder.embed(black_box(&["can I have dry needling if I am pregnant"])))
    });
    c.bench_function("classify one message with the model", |b| {
        b.iter(|| classifier.classify(black_box("is dry needling the same thing as acupuncture?")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
/// `criterion_main!`, with candle told the core count first (as `frontdesk`
/// does), before any thread starts.
fn main() {
    // SAFETY: first thing in main, before any other thread exists.
    unsafe { frontdesk_semantic::use_every_core() };
    benches();
    Criterion::default().configure_from_args().final_summary();
}
