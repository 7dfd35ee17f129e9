use std::path::Path;

use anyhow::Context;
use frontdesk_core::Classifier;
use frontdesk_core::understand::eval::{evaluate, parse_cases};

use crate::cli::Cli;

pub fn run(cli: &Cli, file: &Path) -> anyhow::Result<()> {
    let knowledge = super::load_knowledge(&cli.faq)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let cases = parse_cases(&text).with_context(|| format!("{} is malformed", file.display()))?;
    let classifier = Classifier::new(&knowledge);
    let report = evaluate(&classifier, &knowledge, &cases);

    println!("per class (queries, accuracy):");
    for (class, r) in &report.classes {
        println!(
            "  {class:<36} {:>3}  {:.3}",
            r.queries,
            r.score / r.queries as f64
        );
    }
    let confusions = report.confusions();
    if !confusions.is_empty() {
        println!("worst confusions (expected -> got, count):");
        for (expected, got, n) in confusions.iter().take(15) {
            println!("  {expected} -> {got}  x{n}");
        }
    }
    let misses: Vec<_> = report.results.iter().filter(|o| o.score < 1.0).collect();
    if !misses.is_empty() {
        println!("not fully right:");
        for o in misses {
            println!(
                "  line {:>3} [{:.1}] {:?}: expected {}, got {}",
                o.case.line,
                o.score,
                o.case.query,
                o.case.expected.label(),
                o.got
            );
        }
    }
    println!(
        "overall accuracy: {:.3} ({} queries)",
        report.accuracy(),
        report.results.len()
    );
    Ok(())
}
