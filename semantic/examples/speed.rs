//! Quick timing of one-message encoding and classification (not a benchmark:
//! see benches/encoder.rs): `cargo run --release --example speed -p frontdesk-semantic`.
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use frontdesk_core::understand::eval::parse_cases;
use frontdesk_core::{Classifier, Knowledge};
use frontdesk_semantic::{EmbeddingCache, Encoder, MINILM, SemanticModel, TrainOptions, model};

fn main() {
    // SAFETY: first thing in main, before any other thread exists.
    unsafe { frontdesk_semantic::use_every_core() };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let knowledge = Knowledge::load(&root.join("faq")).unwrap();
    let dir = model::model_dir(&MINILM).unwrap();
    let encoder = Arc::new(Encoder::load(&dir, MINILM.name).unwrap());
    let cache_dir = dirs::cache_dir().unwrap().join("frontdesk/embeddings");
    let mut cache = EmbeddingCache::open(&cache_dir, encoder.id());
    let sample = "What should I wear to my appointment?";
    let fresh = encoder.embed(&[sample]).unwrap().remove(0);
    if let Some(cached) = cache.get(sample) {
        let diff = fresh
            .iter()
            .zip(cached)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("largest difference from the cached embedding: {diff:e}");
    }
    let t = Instant::now();
    let model = SemanticModel::train(
        encoder.clone(),
        &knowledge,
        &mut cache,
        &TrainOptions::default(),
    )
    .unwrap();
    println!("train (cached) {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let classifier = Classifier::with_semantic(&knowledge, Arc::new(model));
    let text = std::fs::read_to_string(root.join("eval/questions-tune.tsv")).unwrap();
    let queries: Vec<String> = parse_cases(&text)
        .unwrap()
        .into_iter()
        .map(|c| c.query)
        .collect();
    for (name, f) in [
        (
            "encode",
            &(|q: &str| {
                encoder.embed(&[q]).unwrap();
            }) as &dyn Fn(&str),
        ),
        ("classify", &|q: &str| {
            classifier.classify(q);
        }),
        ("rules", &|q: &str| {
            classifier.triage(q);
        }),
    ] {
        let mut times: Vec<f64> = queries
            .iter()
            .map(|q| {
                let s = Instant::now();
                f(q);
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        println!(
            "{name}: median {:.2} ms, p90 {:.2}, p99 {:.2}, max {:.2}",
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
}
