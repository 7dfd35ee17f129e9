use std::io::{BufRead, Write};

use frontdesk_core::understand::SmallTalk;
use frontdesk_core::{Classifier, Knowledge, Locale, Verdict};

use serde::Serialize;

use crate::cli::Cli;

#[derive(Serialize)]
struct Answer<'a> {
    kind: &'static str,
    /// The emergency's or the urgent worry's category, for those kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'static str>,
    topic: Option<&'a str>,
    candidates: Vec<&'a str>,
    score: f32,
    text: &'a str,
}

pub fn run(cli: &Cli, json: bool, explain: bool, words: &[String]) -> anyhow::Result<()> {
    let knowledge = super::load_knowledge(&cli.faq)?;
    let classifier = crate::understanding::classifier(cli.understanding, &knowledge)?;
    let mut out = std::io::stdout().lock();
    if words.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            answer(&knowledge, &classifier, &line, json, &mut out)?;
            if explain {
                self::explain(&knowledge, &classifier, &line, &mut out)?;
            }
        }
    } else {
        let query = words.join(" ");
        answer(&knowledge, &classifier, &query, json, &mut out)?;
        if explain {
            self::explain(&knowledge, &classifier, &query, &mut out)?;
        }
    }
    Ok(())
}

fn answer(
    k: &Knowledge,
    c: &Classifier,
    query: &str,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let classified = c.classify_in_context(query, None);
    let locale = classified.locale.unwrap_or(Locale::En);
    let m = k.messages(locale);
    let topic = |i: usize| k.topics()[i].id.as_str();
    let answered = match &classified.verdict {
        // As the chat answers it today.
        Verdict::Answer { topic: t, .. } => frontdesk_core::dialogue::topic_answer(
            k,
            &k.topics()[*t],
            locale,
            Some(query),
            jiff::Timestamp::now(),
        ),
        _ => String::new(),
    };
    let a = match &classified.verdict {
        Verdict::Emergency(flag) => Answer {
            kind: "emergency",
            category: Some(flag.as_str()),
            topic: None,
            candidates: vec![],
            score: 1.0,
            text: m.emergency_for(*flag),
        },
        Verdict::Answer { topic: t, score } => Answer {
            kind: "answer",
            category: None,
            topic: Some(topic(*t)),
            candidates: vec![],
            score: *score,
            text: &answered,
        },
        Verdict::Clarify { candidates, score } => Answer {
            kind: "clarify",
            category: None,
            topic: None,
            candidates: candidates.iter().map(|&i| topic(i)).collect(),
            score: *score,
            text: &m.clarify,
        },
        Verdict::Fallback { score, .. } => Answer {
            kind: "fallback",
            category: None,
            topic: None,
            candidates: vec![],
            score: *score,
            text: &m.fallback,
        },
        Verdict::MedicineAdvice => Answer {
            kind: "fallback",
            category: None,
            topic: None,
            candidates: vec![],
            score: 0.0,
            text: &m.fallback_medicine,
        },
        Verdict::AdvisedAgainst => Answer {
            kind: "advised-against",
            category: None,
            topic: None,
            candidates: vec![],
            score: 0.0,
            text: &m.advised_against,
        },
        Verdict::SmallTalk(talk) => Answer {
            kind: "smalltalk",
            category: None,
            topic: None,
            candidates: vec![],
            score: 0.0,
            text: match talk {
                SmallTalk::Greeting => &m.smalltalk_greeting,
                SmallTalk::Thanks => &m.smalltalk_thanks,
                SmallTalk::Goodbye => &m.smalltalk_goodbye,
                SmallTalk::Ack => &m.smalltalk_ack,
            },
        },
        Verdict::Human => Answer {
            kind: "handoff",
            category: None,
            topic: None,
            candidates: vec![],
            score: 0.0,
            text: &m.human_requested,
        },
    };
    // Urgent (triage tier 2): the urgent reply comes first, then the answer.
    let a = match classified.urgent {
        Some(urgency) if a.kind != "emergency" => Answer {
            kind: "urgent",
            category: Some(urgency.as_str()),
            text: &m.urgent,
            ..a
        },
        _ => a,
    };
    if json {
        serde_json::to_writer(&mut *out, &a)?;
        writeln!(out)?;
    } else {
        let what = a
            .topic
            .map(str::to_owned)
            .unwrap_or_else(|| a.candidates.join(", "));
        writeln!(out, "[{} {} {:.2}] {}", a.kind, what, a.score, a.text)?;
    }
    Ok(())
}

fn explain(k: &Knowledge, c: &Classifier, query: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let ranking = c
        .matcher()
        .rank(query, frontdesk_core::text::detect_locale(query));
    writeln!(
        out,
        "  index {}, {} known / {} unknown words{}",
        ranking.locale,
        ranking.known,
        ranking.unknown,
        if ranking.out_of_scope {
            ", out of scope"
        } else {
            ""
        }
    )?;
    for s in &ranking.top {
        writeln!(out, "  {:.3}  {}", s.score, k.topics()[s.topic].id)?;
    }
    Ok(())
}
