use std::path::Path;

use std::collections::HashMap;

use frontdesk_core::knowledge::read_topic_list;
use frontdesk_core::text::fold;
use frontdesk_core::understand::semantic::training_examples;
use frontdesk_core::{Knowledge, Verdict};

use crate::cli::Cli;

pub fn run(cli: &Cli, topics: Option<&Path>) -> anyhow::Result<()> {
    let knowledge = super::load_knowledge(&cli.faq)?;
    if let Some(path) = topics {
        let required = read_topic_list(path)?;
        let missing = knowledge.missing_topics(&required);
        if !missing.is_empty() {
            for id in &missing {
                eprintln!(
                    "{}: topic {id:?} listed in {} is missing",
                    cli.faq
                        .join(frontdesk_core::knowledge::KNOWLEDGE_FILE)
                        .display(),
                    path.display()
                );
            }
            anyhow::bail!("{} required topic(s) missing", missing.len());
        }
    }
    println!(
        "ok: {} topics in English and Spanish, clinic {:?} ({})",
        knowledge.topics().len(),
        knowledge.clinic.name,
        knowledge.clinic.time_zone_name
    );
    for value in knowledge.example_values() {
        println!("warning: {}: {value}", cli.faq.display());
    }
    for warning in knowledge.warnings() {
        println!("warning: {warning}");
    }
    println!("{}", crate::understanding::describe(cli.understanding));
    spanish(cli, &knowledge);
    confusable(cli, &knowledge)
}

/// Spanish wordings a topic should have at least: fewer, and Spanish
/// questions fall back (a quarter of the wordings read 0.59 to 0.67 where
/// three quarters read 0.83 to 0.86, in the study).
const MIN_SPANISH: usize = 12;
/// A Spanish wording this alike (character pieces) to another topic's
/// makes the two topics hard to tell apart.
const TOO_CLOSE: f32 = 0.8;

/// Topics with too few Spanish wordings, and Spanish wordings too close to
/// another topic's. Warnings only.
fn spanish(cli: &Cli, knowledge: &Knowledge) {
    let file = cli.faq.join(frontdesk_core::knowledge::KNOWLEDGE_FILE);
    let topics = knowledge.topics();
    let mut wordings: Vec<(usize, &str)> = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        let text = topic.text(frontdesk_core::Locale::Es);
        let own: Vec<&str> = std::iter::once(&text.question)
            .chain(&text.phrasings)
            .chain(&text.examples)
            .map(String::as_str)
            .collect();
        if own.len() < MIN_SPANISH {
            println!(
                "warning: {}: topic {} has {} Spanish wordings; write at least {MIN_SPANISH}, \
                 from several regions, or Spanish questions will fall back",
                file.display(),
                topic.id,
                own.len()
            );
        }
        wordings.extend(own.into_iter().map(|w| (i, w)));
    }
    let classes = frontdesk_core::understand::Classes::of(knowledge).count();
    let reader =
        frontdesk_semantic::ngram::NgramReader::train(&training_examples(knowledge), classes);
    let vectors: Vec<_> = wordings.iter().map(|(_, w)| reader.vector(w)).collect();
    let mut close = 0;
    for (a, (topic_a, text_a)) in wordings.iter().enumerate() {
        for (b, (topic_b, text_b)) in wordings.iter().enumerate().skip(a + 1) {
            let alike =
                frontdesk_semantic::ngram::NgramReader::similarity(&vectors[a], &vectors[b]);
            if topic_a != topic_b && alike >= TOO_CLOSE {
                close += 1;
                println!(
                    "close: {}: {text_a:?} of {} and {text_b:?} of {} are {alike:.2} alike",
                    file.display(),
                    topics[*topic_a].id,
                    topics[*topic_b].id
                );
            }
        }
    }
    println!(
        "Spanish: {} wordings; {close} pairs in two topics too alike to tell apart",
        wordings.len()
    );
}

/// Wordings that sit in two topics, and (with the model) wordings the
/// classifier puts in another topic than their own, so staff can fix their
/// data. Warnings only: the folder still loads.
fn confusable(cli: &Cli, knowledge: &Knowledge) -> anyhow::Result<()> {
    let file = cli.faq.join(frontdesk_core::knowledge::KNOWLEDGE_FILE);
    let examples = training_examples(knowledge);
    let topics = knowledge.topics();
    let mut first: HashMap<String, usize> = HashMap::new();
    for (text, class) in examples.iter().filter(|(_, c)| *c < topics.len()) {
        match first.insert(fold(text), *class) {
            Some(other) if other != *class => println!(
                "warning: {}: {text:?} is in two topics: {} and {}",
                file.display(),
                topics[other].id,
                topics[*class].id
            ),
            _ => {}
        }
    }
    let Some(classifier) =
        crate::understanding::classifier_for_folder(cli.understanding, knowledge)?
    else {
        return Ok(());
    };
    let mut confused = 0;
    for (text, class) in examples.iter().filter(|(_, c)| *c < topics.len()) {
        if let Verdict::Answer { topic, .. } = classifier.classify(text).verdict
            && topic != *class
        {
            confused += 1;
            println!(
                "confusable: {}: {text:?} of {} reads as {}",
                file.display(),
                topics[*class].id,
                topics[topic].id
            );
        }
    }
    println!("the semantic classifier puts {confused} of the folder's wordings in another topic");
    Ok(())
}
