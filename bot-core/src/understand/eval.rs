//! Measuring the matcher against labelled questions: a TSV with a header and
//! `query<TAB>expected` rows, where expected is a topic id, `none` (out of
//! scope) or `emergency`.
//!
//! Scoring: a topic scores 1 when answered with that topic and 0.5 when it is
//! among the clarify candidates; `none` scores 1 on a fallback; `emergency`
//! scores 1 on an emergency.

use std::collections::BTreeMap;

use super::classify::{Classifier, Verdict};
use crate::ids::{Locale, TopicId};
use crate::knowledge::Knowledge;

/// A malformed evaluation file.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("the file has no header line")]
    Empty,
}

/// What a labelled question should get.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expected {
    Topic(TopicId),
    None,
    Emergency,
}

impl Expected {
    pub fn label(&self) -> &str {
        match self {
            Expected::Topic(t) => t.as_str(),
            Expected::None => "none",
            Expected::Emergency => "emergency",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    pub line: usize,
    pub query: String,
    pub expected: Expected,
}

/// The rows of a TSV after its header, with their line numbers (1-based),
/// blank lines skipped.
fn rows(text: &str) -> Result<impl Iterator<Item = (usize, &str)>, EvalError> {
    let mut lines = text.lines().enumerate();
    lines.next().ok_or(EvalError::Empty)?;
    Ok(lines
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| (n + 1, line)))
}

/// Parses an evaluation TSV (first line is a header).
pub fn parse_cases(text: &str) -> Result<Vec<Case>, EvalError> {
    let mut cases = Vec::new();
    for (line_no, line) in rows(text)? {
        let err = |message: String| EvalError::Line {
            line: line_no,
            message,
        };
        let (query, expected) = line
            .split_once('\t')
            .ok_or_else(|| err("expected query<TAB>expected_id".into()))?;
        let expected = match expected.trim() {
            "none" => Expected::None,
            "emergency" => Expected::Emergency,
            id => Expected::Topic(TopicId::parse(id).map_err(|e| err(e.to_string()))?),
        };
        cases.push(Case {
            line: line_no,
            query: query.to_owned(),
            expected,
        });
    }
    Ok(cases)
}

/// What one question got.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    /// What the bot did, as a label: a topic id, `clarify(a|b)`, `fallback`,
    /// `emergency` or `greeting`.
    pub got: String,
    pub score: f64,
}

/// Results for one expected class.
#[derive(Debug, Clone, Default)]
pub struct ClassResult {
    pub queries: usize,
    pub score: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
    pub classes: BTreeMap<String, ClassResult>,
}

impl Report {
    pub fn accuracy(&self) -> f64 {
        if self.results.is_empty() {
            return 0.0;
        }
        self.results.iter().map(|o| o.score).sum::<f64>() / self.results.len() as f64
    }

    /// (emergencies answered as emergencies, emergencies labelled).
    pub fn emergencies(&self) -> (usize, usize) {
        let labelled = self
            .results
            .iter()
            .filter(|r| r.case.expected == Expected::Emergency);
        let caught = labelled.clone().filter(|r| r.got == "emergency").count();
        (caught, labelled.count())
    }

    /// (expected, got, count) for everything not fully right, most frequent
    /// first.
    pub fn confusions(&self) -> Vec<(String, String, usize)> {
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for o in self.results.iter().filter(|o| o.score < 1.0) {
            *counts
                .entry((o.case.expected.label().to_owned(), o.got.clone()))
                .or_default() += 1;
        }
        let mut list: Vec<_> = counts.into_iter().map(|((e, g), n)| (e, g, n)).collect();
        list.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.cmp(b)));
        list
    }
}

/// What the bot did, as a label: a topic id, `clarify(a|b)`, `fallback`
/// (out of scope or advice about medicines), `emergency` or `greeting`.
pub fn label(knowledge: &Knowledge, verdict: &Verdict) -> String {
    let id = |i: usize| knowledge.topics()[i].id.as_str();
    match verdict {
        Verdict::Emergency(_) => "emergency".into(),
        Verdict::Answer { topic, .. } => id(*topic).into(),
        Verdict::Clarify { candidates, .. } => {
            let ids: Vec<&str> = candidates.iter().map(|&i| id(i)).collect();
            format!("clarify({})", ids.join("|"))
        }
        Verdict::Fallback { .. } | Verdict::MedicineAdvice | Verdict::AdvisedAgainst => {
            "fallback".into()
        }
        Verdict::SmallTalk(_) => "greeting".into(),
        Verdict::Human => "human".into(),
    }
}

/// Classifies every case and scores it.
pub fn evaluate(classifier: &Classifier, knowledge: &Knowledge, cases: &[Case]) -> Report {
    let mut results = Vec::with_capacity(cases.len());
    let mut classes: BTreeMap<String, ClassResult> = BTreeMap::new();
    for case in cases {
        let verdict = classifier.classify_in_context(&case.query, None).verdict;
        let score = score_verdict(knowledge, &verdict, &case.expected);
        let got = label(knowledge, &verdict);
        let class = classes.entry(case.expected.label().to_owned()).or_default();
        class.queries += 1;
        class.score += score;
        results.push(CaseResult {
            case: case.clone(),
            got,
            score,
        });
    }
    Report { results, classes }
}

/// One turn of a labelled conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    pub conversation: String,
    pub turn: u32,
    pub case: Case,
}

/// Parses a conversations TSV: `conversation<TAB>turn<TAB>query<TAB>expected_id`
/// (first line is a header), turns in order.
pub fn parse_conversations(text: &str) -> Result<Vec<Turn>, EvalError> {
    let mut turns = Vec::new();
    for (line_no, line) in rows(text)? {
        let err = |message: &str| EvalError::Line {
            line: line_no,
            message: message.to_owned(),
        };
        let (conversation, rest) = line
            .split_once('\t')
            .ok_or_else(|| err("expected conversation<TAB>turn<TAB>query<TAB>expected_id"))?;
        let (turn, rest) = rest.split_once('\t').ok_or_else(|| err("no turn"))?;
        let turn: u32 = turn
            .trim()
            .parse()
            .map_err(|_| err("the turn is not a number"))?;
        let mut case = parse_cases(&format!("query\texpected_id\n{rest}"))
            .map_err(|_| err("expected query<TAB>expected_id after the turn"))?;
        let Some(mut case) = case.pop() else {
            return Err(err("no query"));
        };
        case.line = line_no;
        turns.push(Turn {
            conversation: conversation.to_owned(),
            turn,
            case,
        });
    }
    Ok(turns)
}

/// Whether a TSV's header names conversations.
pub fn is_conversations_file(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|h| h.starts_with("conversation\tturn\t"))
}

/// Plays each conversation as the bot does: each turn read with the topic
/// the bot answered last in that conversation (its question in the turn's
/// language). Scores first turns and later turns apart.
pub fn evaluate_conversations(
    classifier: &Classifier,
    knowledge: &Knowledge,
    turns: &[Turn],
) -> (Report, Report) {
    let (mut first, mut later) = (Report::default(), Report::default());
    let mut last: Option<(String, usize)> = None;
    for turn in turns {
        if last.as_ref().is_some_and(|(c, _)| *c != turn.conversation) || turn.turn == 1 {
            last = None;
        }
        let locale = crate::text::detect_locale(&turn.case.query).unwrap_or(Locale::En);
        let context = last
            .as_ref()
            .map(|(_, topic)| knowledge.topics()[*topic].text(locale).question.as_str());
        let verdict = classifier
            .classify_in_context(&turn.case.query, context)
            .verdict;
        match verdict {
            Verdict::Answer { topic, .. } => last = Some((turn.conversation.clone(), topic)),
            Verdict::Fallback { .. } | Verdict::Emergency(_) => last = None,
            _ => {}
        }
        let score = score_verdict(knowledge, &verdict, &turn.case.expected);
        let report = if turn.turn == 1 {
            &mut first
        } else {
            &mut later
        };
        let class = report
            .classes
            .entry(turn.case.expected.label().to_owned())
            .or_default();
        class.queries += 1;
        class.score += score;
        report.results.push(CaseResult {
            case: turn.case.clone(),
            got: label(knowledge, &verdict),
            score,
        });
    }
    (first, later)
}

/// How right a verdict is for what was expected: 1, 0.5 for asking back
/// with the right topic among the choices, or 0.
fn score_verdict(knowledge: &Knowledge, verdict: &Verdict, expected: &Expected) -> f64 {
    let id = |i: usize| &knowledge.topics()[i].id;
    match (verdict, expected) {
        (Verdict::Emergency(_), e) => score(*e == Expected::Emergency),
        (Verdict::Answer { topic, .. }, Expected::Topic(t)) => score(id(*topic) == t),
        (Verdict::Clarify { candidates, .. }, Expected::Topic(t))
            if candidates.iter().any(|&i| id(i) == t) =>
        {
            0.5
        }
        (Verdict::Fallback { .. } | Verdict::MedicineAdvice | Verdict::AdvisedAgainst, e) => {
            score(*e == Expected::None)
        }
        // Asking for a person in words now starts the hand-off the
        // topic's answer offered.
        (Verdict::Human, Expected::Topic(t)) => score(t.as_str() == crate::dialogue::TALK_TO_HUMAN),
        _ => 0.0,
    }
}

fn score(right: bool) -> f64 {
    if right { 1.0 } else { 0.0 }
}

/// One labelled triage message: `message<TAB>tier<TAB>category`.
#[derive(Debug, Clone)]
pub struct TriageCase {
    pub line: usize,
    pub message: String,
    /// 1 emergency, 2 urgent, 3 routine.
    pub tier: u8,
    pub category: String,
}

/// Whether a TSV's header is a triage set's.
pub fn is_triage_file(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|h| h.split('\t').nth(1).is_some_and(|c| c.trim() == "tier"))
}

/// Parses a triage TSV (first line is a header).
pub fn parse_triage_cases(text: &str) -> Result<Vec<TriageCase>, EvalError> {
    let mut cases = Vec::new();
    for (line_no, line) in rows(text)? {
        let cols: Vec<&str> = line.split('\t').collect();
        let tier = cols
            .get(1)
            .and_then(|t| t.trim().parse::<u8>().ok())
            .filter(|t| (1..=3).contains(t))
            .ok_or_else(|| EvalError::Line {
                line: line_no,
                message: "the second column must be the tier: 1, 2 or 3".into(),
            })?;
        cases.push(TriageCase {
            line: line_no,
            message: cols[0].to_owned(),
            tier,
            category: cols.get(2).map_or("", |c| c.trim()).to_owned(),
        });
    }
    Ok(cases)
}

/// How the messages of one tier were triaged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierResult {
    pub messages: usize,
    pub as_emergency: usize,
    pub as_urgent: usize,
    pub as_routine: usize,
}

impl TierResult {
    /// Tier 1: the emergency answer. Tier 2: the urgent or emergency
    /// answer. Tier 3: neither.
    pub fn right(&self, tier: u8) -> usize {
        match tier {
            1 => self.as_emergency,
            2 => self.as_emergency + self.as_urgent,
            _ => self.as_routine,
        }
    }
}

/// Triage figures per tier, and the messages not triaged as labelled.
#[derive(Debug, Clone, Default)]
pub struct TriageReport {
    /// Index 0 is tier 1.
    pub tiers: [TierResult; 3],
    pub wrong: Vec<(TriageCase, &'static str)>,
}

/// Triages every case as the bot does: the rules, and the semantic model
/// when the classifier has one.
pub fn evaluate_triage(classifier: &Classifier, cases: &[TriageCase]) -> TriageReport {
    let mut report = TriageReport::default();
    for case in cases {
        let classified = classifier.classify(&case.message);
        let got = match (&classified.verdict, classified.urgent) {
            (Verdict::Emergency(_), _) => "emergency",
            (_, Some(_)) => "urgent",
            _ => "routine",
        };
        let tier = &mut report.tiers[usize::from(case.tier - 1)];
        tier.messages += 1;
        match got {
            "emergency" => tier.as_emergency += 1,
            "urgent" => tier.as_urgent += 1,
            _ => tier.as_routine += 1,
        }
        let right = match case.tier {
            1 => got == "emergency",
            2 => got != "routine",
            _ => got == "routine",
        };
        if !right {
            report.wrong.push((case.clone(), got));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversations_are_played_in_order_with_first_and_later_turns_apart() {
        let text = "conversation\tturn\tquery\texpected_id\n\
                    en-1\t1\thow much does dry needling cost?\tcost\n\
                    en-1\t2\tis that per session?\tcost\n\
                    en-2\t1\tdoes it hurt?\tdoes-it-hurt\n";
        assert!(is_conversations_file(text));
        let turns = parse_conversations(text).unwrap();
        assert_eq!(turns.len(), 3);
        assert_eq!((turns[1].conversation.as_str(), turns[1].turn), ("en-1", 2));
        let k = crate::testing::shipped();
        let (first, later) = evaluate_conversations(&crate::testing::classifier(), &k, &turns);
        assert_eq!((first.results.len(), later.results.len()), (2, 1));
        assert_eq!(later.results[0].got, "cost", "read with the price");
        let bad = "conversation\tturn\tquery\texpected_id\nen-1\tone\thi\tcost\n";
        assert!(matches!(
            parse_conversations(bad),
            Err(EvalError::Line { line: 2, .. })
        ));
    }
}
