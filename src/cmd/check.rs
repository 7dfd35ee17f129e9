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
    confusable(cli, &knowledge)
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
