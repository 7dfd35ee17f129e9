//! Matching speed: how long one patient message takes to classify (emergency
//! rules, safety rules and FAQ matching), over a set of real-looking queries.
//!
//! Queries come from the development set when it is present beside the
//! repository (`../shared/eval/dev.tsv`), else from the shipped paraphrase
//! fixture. Criterion reports the time for the whole set; the per-query
//! figure is printed at the start.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use frontdesk_core::Knowledge;
use frontdesk_core::understand::eval::parse_cases;

fn queries() -> (String, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev = root.join("../../shared/eval/dev.tsv");
    let path = if dev.exists() {
        dev
    } else {
        root.join("tests/fixtures/paraphrases.tsv")
    };
    let text = std::fs::read_to_string(&path).expect("query file");
    let queries = parse_cases(&text)
        .expect("query file parses")
        .into_iter()
        .map(|c| c.query)
        .collect();
    (path.display().to_string(), queries)
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let knowledge = Knowledge::load(&root.join("../faq")).expect("knowledge loads");
    let classifier = frontdesk_core::Classifier::new(&knowledge);
    let (source, queries) = queries();

    // The median of per-query times, each averaged over many runs.
    let mut per_query: Vec<f64> = queries
        .iter()
        .map(|q| {
            let runs = 200;
            let start = Instant::now();
            for _ in 0..runs {
                black_box(classifier.classify(black_box(q)));
            }
            start.elapsed().as_secs_f64() / runs as f64
        })
        .collect();
    per_query.sort_by(f64::total_cmp);
    let at = |p: f64| per_query[((per_query.len() - 1) as f64 * p).round() as usize] * 1e6;
    println!(
        "classify: {} queries from {source}: median {:.1} µs, p90 {:.1} µs, max {:.1} µs per query",
        per_query.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );

    c.bench_function("classify the whole query set", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(classifier.classify(black_box(q)));
            }
        })
    });
    // An hours answer reads the day its question names: the dated
    // questions' held-out set (text only), each asked on 7 December 2026.
    let days: Vec<String> = std::fs::read_to_string(root.join("../eval/days-holdout.tsv"))
        .expect("the dated questions")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next().map(str::to_owned))
        .collect();
    let today = jiff::civil::date(2026, 12, 7);
    c.bench_function("read the day of each dated question (30)", |b| {
        b.iter(|| {
            for q in &days {
                black_box(frontdesk_core::understand::days::named_day(
                    black_box(q),
                    today,
                    &knowledge.clinic,
                ));
            }
        })
    });
    c.bench_function("load the knowledge folder", |b| {
        b.iter(|| Knowledge::load(black_box(&root.join("../faq"))).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
