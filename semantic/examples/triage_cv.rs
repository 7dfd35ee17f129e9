//! Chooses the model's emergency threshold honestly: five-fold
//! cross-validation over the built-in triage examples (each fold's messages
//! read by a model trained without them), combined with the rules as the bot
//! combines them, for a range of thresholds:
//! `cargo run --release --example triage_cv -p frontdesk-semantic`.
//!
//! Prints, per threshold, tier 1 answered as emergencies, tier 2 answered as
//! urgent or emergency, and tier-3 false alarms.

use std::path::Path;
use std::sync::Arc;

use frontdesk_core::understand::Assessment;
use frontdesk_core::understand::classify::{TRIAGE_THRESHOLDS, TriageThresholds};
use frontdesk_core::understand::semantic::training_examples;
use frontdesk_core::{Classifier, Knowledge};
use frontdesk_semantic::softmax;
use frontdesk_semantic::{
    EmbeddingCache, Encoder, MINILM, TrainOptions, embed_all, model, triage_examples,
};

const FOLDS: usize = 5;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let knowledge = Knowledge::load(&root.join("faq")).expect("the shipped folder loads");
    let dir = model::model_dir(&MINILM).expect("a model folder");
    let encoder = Arc::new(Encoder::load(&dir, MINILM.name).expect("the model is installed"));
    let mut cache = EmbeddingCache::for_user(encoder.id());
    let folder = training_examples(&knowledge);
    let examples = triage_examples(&folder);
    // The built-in examples come first, then the folder's texts (tier 3,
    // always trained on).
    let builtin = examples.len() - folder.len();
    let texts = examples.iter().map(|(t, _)| t.as_str());
    let xs = embed_all(&encoder, &mut cache, texts).expect("embeds");
    let ys: Vec<usize> = examples.iter().map(|&(_, y)| y).collect();
    let rules = Classifier::new(&knowledge);
    // Other training options can be tried: `BALANCE=0.25 EPOCHS=300 …`.
    let defaults = TrainOptions::default();
    let option = |name: &str, default: f32| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<f32>().ok())
            .unwrap_or(default)
    };
    let options = TrainOptions {
        balance: option("BALANCE", defaults.balance),
        epochs: option("EPOCHS", defaults.epochs as f32) as usize,
        l2: option("L2", defaults.l2),
        ..defaults
    };
    // Each built-in example: its tier, what the rules made of it, and the
    // out-of-fold probabilities of the message as the model reads it
    // (without its idioms).
    let mut read = Vec::with_capacity(builtin);
    for fold in 0..FOLDS {
        let train: Vec<usize> = (0..examples.len())
            .filter(|&i| i >= builtin || i % FOLDS != fold)
            .collect();
        let tx: Vec<Vec<f32>> = train.iter().map(|&i| xs[i].clone()).collect();
        let ty: Vec<usize> = train.iter().map(|&i| ys[i]).collect();
        let model = softmax::train(&tx, &ty, 3, &options);
        for i in (0..builtin).filter(|i| i % FOLDS == fold) {
            let assessment = rules.assess(&examples[i].0);
            let p = match &assessment.without_idioms {
                Some(plain) => model.probabilities(&encoder.embed(&[plain]).expect("embeds")[0]),
                None => model.probabilities(&xs[i]),
            };
            read.push((ys[i] as u8 + 1, assessment, [p[0], p[1], p[2]], i));
        }
    }
    let count = |tier: u8| read.iter().filter(|r| r.0 == tier).count();
    println!(
        "{builtin} messages ({} tier 1, {} tier 2, {} tier 3), {FOLDS} folds",
        count(1),
        count(2),
        count(3)
    );
    println!("threshold  tier 1 caught  tier 2 caught  tier 3 false alarms (emergency, urgent)");
    for threshold in [0.4f32, 0.5, 0.6, 0.7, 0.8] {
        // As the classifier combines them: the rules first, then the model.
        let thresholds = TriageThresholds {
            emergency: threshold,
            over_set_aside: option("STRONG", TRIAGE_THRESHOLDS.over_set_aside),
            ..TRIAGE_THRESHOLDS
        };
        let got = |rules: &Assessment, p: &[f32; 3]| {
            rules.triage.tier().min(thresholds.model_tier(p, rules))
        };
        let tally = |tier: u8, want: &dyn Fn(u8) -> bool| {
            read.iter()
                .filter(|r| r.0 == tier && want(got(&r.1, &r.2)))
                .count()
        };
        println!(
            "{threshold:>9.2}  {:>13}  {:>13}  {}, {}",
            tally(1, &|g| g == 1),
            tally(2, &|g| g <= 2),
            tally(3, &|g| g == 1),
            tally(3, &|g| g == 2)
        );
    }
    // `SHOW=1`: the messages answered wrongly at the chosen thresholds,
    // with the rules' tier and the model's probabilities (built-in
    // examples only, never the held-out file).
    if std::env::var_os("SHOW").is_some() {
        for (tier, rules, p, i) in &read {
            let got = rules
                .triage
                .tier()
                .min(TRIAGE_THRESHOLDS.model_tier(p, rules));
            let wrong = match tier {
                1 => got != 1,
                2 => got > 2,
                _ => got < 3,
            };
            if wrong {
                println!(
                    "tier {tier} read {got} (rules {}, model {:.2} {:.2}): {}",
                    rules.triage.tier(),
                    p[0],
                    p[1],
                    examples[*i].0
                );
            }
        }
    }
}
