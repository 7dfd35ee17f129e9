use std::path::Path;

use frontdesk_core::knowledge::read_topic_list;

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
    Ok(())
}
