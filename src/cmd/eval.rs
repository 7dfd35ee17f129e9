use std::path::Path;

use anyhow::Context;
use frontdesk_core::Classifier;
use frontdesk_core::understand::eval::{
    CaseResult, evaluate, evaluate_conversations, evaluate_triage, is_conversations_file,
    is_triage_file, parse_cases, parse_conversations, parse_triage_cases,
};

use crate::cli::Cli;

pub fn run(cli: &Cli, file: &Path, summary: bool) -> anyhow::Result<()> {
    let knowledge = super::load_knowledge(&cli.faq)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let classifier = crate::understanding::classifier(cli.understanding, &knowledge)?;
    eprintln!(
        "classifier: {}",
        if classifier.is_semantic() {
            "semantic"
        } else {
            "lexical"
        }
    );
    if is_triage_file(&text) {
        return triage(&classifier, &text, file, summary);
    }
    if is_conversations_file(&text) {
        let turns = parse_conversations(&text)
            .with_context(|| format!("{} is malformed", file.display()))?;
        let (first, later) = evaluate_conversations(&classifier, &knowledge, &turns);
        // Per turn, and per language where the conversation names it
        // (`en-…`, `es-…`).
        for (name, report) in [("first turns", &first), ("later turns", &later)] {
            println!(
                "{name}: {:.3} ({} turns)",
                report.accuracy(),
                report.results.len()
            );
        }
        // The conversations of first turns and of later turns, in the
        // reports' order.
        let of = |first: bool| {
            turns
                .iter()
                .filter(move |t| (t.turn == 1) == first)
                .map(|t| t.conversation.as_str())
        };
        for language in ["en", "es"] {
            let score = |report: &frontdesk_core::understand::eval::Report, first: bool| {
                let scores: Vec<f64> = report
                    .results
                    .iter()
                    .zip(of(first))
                    .filter(|(_, conversation)| conversation.starts_with(language))
                    .map(|(r, _)| r.score)
                    .collect();
                let n = scores.len();
                (scores.iter().sum::<f64>() / n.max(1) as f64, n)
            };
            let ((f, fc), (l, lc)) = (score(&first, true), score(&later, false));
            if fc + lc > 0 {
                println!("  {language}: first turns {f:.3} ({fc}), later turns {l:.3} ({lc})");
            }
        }
        if !summary {
            print_misses(first.results.iter().chain(&later.results));
        }
        return Ok(());
    }
    let cases = parse_cases(&text).with_context(|| format!("{} is malformed", file.display()))?;
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
    if !confusions.is_empty() && !summary {
        println!("worst confusions (expected -> got, count):");
        for (expected, got, n) in confusions.iter().take(15) {
            println!("  {expected} -> {got}  x{n}");
        }
    }
    if !summary {
        print_misses(&report.results);
    }
    println!(
        "overall accuracy: {:.3} ({} queries)",
        report.accuracy(),
        report.results.len()
    );
    Ok(())
}

/// Triage figures: per tier, how many got the emergency answer, the urgent
/// answer or neither; recall per tier and false alarms.
fn triage(classifier: &Classifier, text: &str, file: &Path, summary: bool) -> anyhow::Result<()> {
    let cases =
        parse_triage_cases(text).with_context(|| format!("{} is malformed", file.display()))?;
    let report = evaluate_triage(classifier, &cases);
    println!("tier  messages  emergency  urgent  routine  right");
    for (i, t) in report.tiers.iter().enumerate() {
        let tier = i as u8 + 1;
        println!(
            "{tier:>4}  {:>8}  {:>9}  {:>6}  {:>7}  {}/{}",
            t.messages,
            t.as_emergency,
            t.as_urgent,
            t.as_routine,
            t.right(tier),
            t.messages
        );
    }
    let [one, two, three] = &report.tiers;
    println!(
        "emergencies caught: {}/{}; urgent (or emergency) answers for tier 2: {}/{}; \
         false alarms on tier 3: {} emergency, {} urgent of {}",
        one.as_emergency,
        one.messages,
        two.as_emergency + two.as_urgent,
        two.messages,
        three.as_emergency,
        three.as_urgent,
        three.messages
    );
    if !summary {
        for (case, got) in &report.wrong {
            println!(
                "  line {:>3} tier {} ({}) got {got}: {:?}",
                case.line, case.tier, case.category, case.message
            );
        }
    }
    Ok(())
}

/// The results that were not fully right, with their messages (never for a
/// held-out set: `--summary` leaves them out).
fn print_misses<'a>(results: impl IntoIterator<Item = &'a CaseResult>) {
    let mut misses = results.into_iter().filter(|o| o.score < 1.0).peekable();
    if misses.peek().is_none() {
        return;
    }
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
