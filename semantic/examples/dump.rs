//! Dumps, for every row of a labelled TSV, what each part of the classifier
//! reads in it (JSON lines), for studying how to combine them:
//! `cargo run --example dump -p frontdesk-semantic -- FILE`.

use std::path::Path;
use std::sync::Arc;

use frontdesk_core::understand::eval::label;
use frontdesk_core::understand::semantic::Classes;
use frontdesk_core::{Classifier, Knowledge};
use frontdesk_semantic::{Encoder, MINILM, SemanticModel, model};

fn main() {
    let file = std::env::args().nth(1).expect("a TSV file");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let knowledge = Knowledge::load(&root.join("faq")).unwrap();
    let dir = model::model_dir(&MINILM).unwrap();
    let encoder = Arc::new(Encoder::load(&dir, MINILM.name).unwrap());
    let model = SemanticModel::train_for_user(encoder, &knowledge).unwrap();
    let model = Arc::new(model);
    let semantic = Classifier::with_semantic(&knowledge, model.clone());
    let lexical = Classifier::new(&knowledge);
    let classes = Classes::of(&knowledge);
    let ids: Vec<String> = knowledge
        .topics()
        .iter()
        .map(|t| t.id.to_string())
        .collect();
    let text = std::fs::read_to_string(file).unwrap();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let query = cols[0];
        let scores = model.predict(query).unwrap();
        let p = &scores.classes;
        let mut ranked: Vec<usize> = (0..classes.topics()).collect();
        ranked.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        let top: Vec<(String, f32)> = ranked
            .iter()
            .take(3)
            .map(|&i| (ids[i].clone(), p[i]))
            .collect();
        let lex_rank = lexical.matcher().rank(query, None);
        let lex_top: Vec<(String, f32)> = lex_rank
            .top
            .iter()
            .take(3)
            .map(|s| (ids[s.topic].clone(), s.score))
            .collect();
        let rules = lexical.triage(query).tier();
        println!(
            "{}",
            serde_json::json!({
                "query": query,
                "expected": cols.get(1).map(|s| s.trim()),
                "semantic": label(&knowledge, &semantic.classify(query).verdict),
                "lexical": label(&knowledge, &lexical.classify(query).verdict),
                "top": top,
                "outside": p[classes.out_of_scope()],
                "medicine": p[classes.medicine()],
                "tiers": scores.tiers,
                "rules": rules,
                "lex_top": lex_top,
                "lex_oos": lex_rank.out_of_scope,
                "lex_known": lex_rank.known,
                "lex_unknown": lex_rank.unknown,
            })
        );
    }
}
