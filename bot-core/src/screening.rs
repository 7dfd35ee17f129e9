//! The pre-visit health screen, defined as data (`faq/screening.toml`) so a
//! clinic can reword, reorder or add questions without code.
//!
//! A screen is a list of questions, each with a stable id, a kind (yes / no /
//! not sure, a choice, a number, free text), its text in English and Spanish,
//! and optionally a condition on an earlier answer (`ask_if`) that makes it a
//! follow-up. Rules map answers to an outcome and a flag for staff.
//!
//! Everything here is pure: which question comes next is derived from the
//! definition and the answers so far, so going back is dropping the last
//! answer, and a restart resumes at exactly the same question.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::chat::Clearance;
use crate::ids::Locale;
use crate::text::fold;

/// A patient's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    Unsure,
    Choice(String),
    Number(i64),
    Text(String),
}

impl Answer {
    /// The value conditions compare with: `yes`, `no`, `unsure`, a choice id.
    pub fn value(&self) -> Option<&str> {
        match self {
            Answer::Yes => Some("yes"),
            Answer::No => Some("no"),
            Answer::Unsure => Some("unsure"),
            Answer::Choice(c) => Some(c),
            Answer::Number(_) | Answer::Text(_) => None,
        }
    }

    /// A short form for staff views.
    pub fn display(&self) -> String {
        match self {
            Answer::Yes => "yes".into(),
            Answer::No => "no".into(),
            Answer::Unsure => "not sure".into(),
            Answer::Choice(c) => c.clone(),
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => t.clone(),
        }
    }
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    YesNo,
    Choice(Vec<ChoiceDef>),
    Number { min: i64, max: i64 },
    Text,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceDef {
    pub id: String,
    pub en: String,
    pub es: String,
}

impl ChoiceDef {
    pub fn label(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// A condition on an earlier answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub question: String,
    /// The answer is one of these values (`yes`, `no`, `unsure`, choice ids).
    #[serde(default)]
    pub is: Vec<String>,
    /// A number answer below this.
    #[serde(default)]
    pub below: Option<i64>,
    /// Any free-text answer other than "no" / "nothing".
    #[serde(default)]
    pub filled: bool,
}

impl Condition {
    fn holds(&self, answers: &[(String, Answer)]) -> bool {
        let Some((_, answer)) = answers.iter().find(|(q, _)| *q == self.question) else {
            return false;
        };
        (!self.is.is_empty()
            && answer
                .value()
                .is_some_and(|v| self.is.iter().any(|x| x == v)))
            || matches!((answer, self.below), (Answer::Number(n), Some(b)) if *n < b)
            || (self.filled && matches!(answer, Answer::Text(t) if !is_nothing(t)))
    }
}

/// One question of the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub kind: Kind,
    en: String,
    es: String,
    pub ask_if: Option<Condition>,
    /// Answers that end the screen at once, keeping nothing (consent refused).
    pub stop_if: Vec<String>,
}

impl Question {
    pub fn text(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// Maps answers to an outcome and a flag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub when: Condition,
    pub outcome: Clearance,
    pub flag: String,
}

/// The screen's own sentences in one language.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenText {
    pub yes: String,
    pub no: String,
    pub unsure: String,
    pub back: String,
    pub stop: String,
    pub reask_choice: String,
    pub reask_number: String,
    pub reask_text: String,
    pub offer_human: String,
    pub first_question: String,
    pub stopped: String,
    pub not_now: String,
    pub restarted: String,
    pub resumed: String,
    pub not_screening: String,
    pub outcome_clear: String,
    pub outcome_review: String,
    pub outcome_reschedule: String,
    pub outcome_decline: String,
}

impl ScreenText {
    pub fn outcome(&self, outcome: Clearance) -> &str {
        match outcome {
            Clearance::Clear => &self.outcome_clear,
            Clearance::Review => &self.outcome_review,
            Clearance::Reschedule => &self.outcome_reschedule,
            Clearance::Decline | Clearance::Emergency => &self.outcome_decline,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScreening {
    text: RawTexts,
    question: Vec<RawQuestion>,
    #[serde(default)]
    rule: Vec<toml::Spanned<Rule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTexts {
    en: ScreenText,
    es: ScreenText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum RawKind {
    YesNo,
    Choice,
    Number,
    Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: toml::Spanned<String>,
    kind: RawKind,
    en: String,
    es: String,
    #[serde(default)]
    choices: Vec<ChoiceDef>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    ask_if: Option<Condition>,
    #[serde(default)]
    stop_if: Vec<String>,
}

/// A problem in the screening file, with the byte span it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub span: std::ops::Range<usize>,
}

/// The validated screen.
#[derive(Debug, Clone)]
pub struct Screening {
    questions: Vec<Question>,
    rules: Vec<Rule>,
    en: ScreenText,
    es: ScreenText,
}

impl RawScreening {
    pub(crate) fn validate(self) -> Result<Screening, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut questions: Vec<Question> = Vec::new();
        let mut values: HashMap<String, HashSet<String>> = HashMap::new();
        for raw in self.question {
            let span = raw.id.span();
            let id = raw.id.into_inner();
            let mut problem = |message: String| {
                problems.push(Problem {
                    message: format!("question {id:?}: {message}"),
                    span: span.clone(),
                })
            };
            let id_ok = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !id_ok {
                problem("ids are lower-case letters, digits and underscores".into());
            }
            if values.contains_key(&id) {
                problem("this id is used twice".into());
            }
            if let Some(cond) = &raw.ask_if {
                match values.get(&cond.question) {
                    None => problem(format!(
                        "ask_if refers to {:?}, which is not an earlier question",
                        cond.question
                    )),
                    Some(allowed) => {
                        for v in cond.is.iter().filter(|v| !allowed.contains(*v)) {
                            problem(format!(
                                "ask_if: {:?} cannot answer {:?} with {v:?}",
                                cond.question, cond.question
                            ));
                        }
                    }
                }
            }
            let kind = match raw.kind {
                RawKind::YesNo => Kind::YesNo,
                RawKind::Text => Kind::Text,
                RawKind::Number => match (raw.min, raw.max) {
                    (Some(min), Some(max)) if min <= max => Kind::Number { min, max },
                    _ => {
                        problem("a number question needs min <= max".into());
                        Kind::Number { min: 0, max: 0 }
                    }
                },
                RawKind::Choice => {
                    let mut seen = HashSet::new();
                    for c in &raw.choices {
                        if !seen.insert(c.id.clone()) {
                            problem(format!("choice {:?} is listed twice", c.id));
                        }
                    }
                    if raw.choices.len() < 2 {
                        problem("a choice question needs at least two choices".into());
                    }
                    Kind::Choice(raw.choices)
                }
            };
            let allowed: HashSet<String> = match &kind {
                Kind::YesNo => ["yes", "no", "unsure", NOT_APPLICABLE_VALUE]
                    .map(String::from)
                    .into(),
                Kind::Choice(choices) => choices.iter().map(|c| c.id.clone()).collect(),
                Kind::Number { .. } => ["unsure".to_owned()].into(),
                Kind::Text => HashSet::new(),
            };
            for v in raw.stop_if.iter().filter(|v| !allowed.contains(*v)) {
                problem(format!("stop_if: {v:?} is not a possible answer"));
            }
            if raw.en.trim().is_empty() || raw.es.trim().is_empty() {
                problem("needs text in en and es".into());
            }
            values.insert(id.clone(), allowed);
            questions.push(Question {
                id,
                kind,
                en: raw.en.trim().to_owned(),
                es: raw.es.trim().to_owned(),
                ask_if: raw.ask_if,
                stop_if: raw.stop_if,
            });
        }
        if questions.is_empty() {
            problems.push(Problem {
                message: "the screen has no questions".into(),
                span: 0..0,
            });
        }
        let mut rules = Vec::new();
        for spanned in self.rule {
            let span = spanned.span();
            let rule = spanned.into_inner();
            let cond = &rule.when;
            match values.get(&cond.question) {
                None => problems.push(Problem {
                    message: format!("rule {:?}: no question {:?}", rule.flag, cond.question),
                    span: span.clone(),
                }),
                Some(allowed) => {
                    for v in cond.is.iter().filter(|v| !allowed.contains(*v)) {
                        problems.push(Problem {
                            message: format!(
                                "rule {:?}: {:?} cannot be answered {v:?}",
                                rule.flag, cond.question
                            ),
                            span: span.clone(),
                        });
                    }
                }
            }
            if cond.is.is_empty() && cond.below.is_none() && !cond.filled {
                problems.push(Problem {
                    message: format!("rule {:?}: `when` needs is, below or filled", rule.flag),
                    span,
                });
            }
            rules.push(rule);
        }
        if problems.is_empty() {
            Ok(Screening {
                questions,
                rules,
                en: self.text.en,
                es: self.text.es,
            })
        } else {
            Err(problems)
        }
    }
}

/// The result of reading a patient's message as an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Answer(Answer),
    /// Not an answer to this question.
    NotUnderstood,
}

impl Screening {
    /// Every English text of the screen in the clinic's English, once, as
    /// the folder loads.
    pub(crate) fn spell_english(&mut self, english: crate::knowledge::English) {
        for q in &mut self.questions {
            q.en = english.spell(&q.en);
            if let Kind::Choice(choices) = &mut q.kind {
                for c in choices {
                    c.en = english.spell(&c.en);
                }
            }
        }
        let t = &mut self.en;
        for field in [
            &mut t.yes,
            &mut t.no,
            &mut t.unsure,
            &mut t.back,
            &mut t.stop,
            &mut t.reask_choice,
            &mut t.reask_number,
            &mut t.reask_text,
            &mut t.offer_human,
            &mut t.first_question,
            &mut t.stopped,
            &mut t.not_now,
            &mut t.restarted,
            &mut t.resumed,
            &mut t.not_screening,
            &mut t.outcome_clear,
            &mut t.outcome_review,
            &mut t.outcome_reschedule,
            &mut t.outcome_decline,
        ] {
            *field = english.spell(field);
        }
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn text(&self, locale: Locale) -> &ScreenText {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }

    /// The next question to ask, given the answers so far (in the order they
    /// were given): the first unanswered question whose condition holds.
    pub fn next(&self, answers: &[(String, Answer)]) -> Option<&Question> {
        self.questions.iter().find(|q| {
            !answers.iter().any(|(id, _)| *id == q.id)
                && q.ask_if.as_ref().is_none_or(|c| c.holds(answers))
        })
    }

    /// The outcome and flags the rules give for these answers. Only answers to
    /// questions that are still asked count (a follow-up whose parent changed
    /// after going back is ignored).
    pub fn outcome(&self, answers: &[(String, Answer)]) -> (Clearance, Vec<String>) {
        let mut outcome = Clearance::Clear;
        let mut flags = Vec::new();
        for rule in self.rules.iter().filter(|r| r.when.holds(answers)) {
            outcome = outcome.max(rule.outcome);
            if !flags.contains(&rule.flag) {
                flags.push(rule.flag.clone());
            }
        }
        (outcome, flags)
    }

    /// Reads free text (or a number pressing a listed choice) as an answer.
    pub fn parse(&self, question: &Question, text: &str) -> Parsed {
        let folded = fold(text);
        match &question.kind {
            Kind::YesNo => yes_no(&folded).map_or(Parsed::NotUnderstood, Parsed::Answer),
            Kind::Choice(choices) => {
                if let Ok(n) = folded.parse::<usize>()
                    && let Some(c) = n.checked_sub(1).and_then(|i| choices.get(i))
                {
                    return Parsed::Answer(Answer::Choice(c.id.clone()));
                }
                let words: Vec<&str> = folded.split(' ').filter(|w| w.len() >= 3).collect();
                let hits: Vec<&ChoiceDef> = choices
                    .iter()
                    .filter(|c| {
                        let label = fold(&format!("{} {} {}", c.id.replace('_', " "), c.en, c.es));
                        folded == fold(&c.id)
                            || words.iter().any(|w| label.split(' ').any(|l| l == *w))
                    })
                    .collect();
                match hits.as_slice() {
                    [one] => Parsed::Answer(Answer::Choice(one.id.clone())),
                    _ => Parsed::NotUnderstood,
                }
            }
            Kind::Number { min, max } => {
                if is_unsure(&folded) {
                    return Parsed::Answer(Answer::Unsure);
                }
                let number = folded
                    .split(' ')
                    .find_map(|w| w.parse::<i64>().ok())
                    .filter(|n| (*min..=*max).contains(n));
                number.map_or(Parsed::NotUnderstood, |n| Parsed::Answer(Answer::Number(n)))
            }
            Kind::Text => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    Parsed::NotUnderstood
                } else {
                    // Free text is kept for the clinician, bounded.
                    Parsed::Answer(Answer::Text(trimmed.chars().take(1000).collect()))
                }
            }
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yea",
    "yep",
    "yup",
    "sure",
    "i do",
    "i am",
    "i have",
    "i think so",
    "correct",
    "affirmative",
    "definitely",
    "of course",
    "si",
    "claro",
    "creo que si",
    "asi es",
    "correcto",
    "afirmativo",
    "por supuesto",
    "tengo",
    "estoy",
    // Naming what applies is a yes: "I take Eliquis every morning".
    "i take",
    "i use",
    "im on",
    "i am on",
    "tomo",
    "estoy tomando",
    "once",
    "a few times",
    "sometimes",
    "una vez",
    "a veces",
    "alguna vez",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "nop",
    "nopes",
    "no way",
    "not at all",
    "not that i know",
    "en absoluto",
    "nah",
    "not really",
    "i dont",
    "i do not",
    "im not",
    "i am not",
    "i havent",
    "i have not",
    "never",
    "none",
    "negative",
    "no tengo",
    "no estoy",
    "negativo",
    "nunca",
    "para nada",
    "ninguno",
    "ninguna",
    "nada",
];
const UNSURE: &[&str] = &[
    "not sure",
    "unsure",
    "dont know",
    "i dont know",
    "do not know",
    "dunno",
    "idk",
    "maybe",
    "perhaps",
    "possibly",
    "no se",
    "no lo se",
    "tal vez",
    "quizas",
    "quiza",
    "no estoy seguro",
    "no estoy segura",
    "puede ser",
    "no sure",
    "im not sure",
    "i am not sure",
    "not certain",
];
const NOTHING: &[&str] = &[
    "no",
    "nope",
    "none",
    "nothing",
    "nothing else",
    "no thanks",
    "n a",
    "na",
    "nada",
    "nada mas",
    "ninguno",
    "ninguna",
    "no gracias",
    "thats all",
    "eso es todo",
];

/// Answers that say a yes/no question does not apply ("no, I'm a man" to
/// the pregnancy question): read as `not_applicable`, so the follow-ups
/// asked after a "no" are not asked either.
const NOT_APPLICABLE: &[&str] = &[
    "im a man",
    "i am a man",
    "im a guy",
    "im male",
    "i am male",
    "male",
    "man",
    "not applicable",
    "doesnt apply",
    "does not apply",
    "soy hombre",
    "soy un hombre",
    "soy varon",
    "hombre",
    "varon",
    "no aplica",
    "no me aplica",
];

/// The value of a yes/no answer that says the question does not apply.
pub const NOT_APPLICABLE_VALUE: &str = "not_applicable";

/// Reads yes / no / not sure from free text in English or Spanish. Unsure is
/// checked first ("no sé" starts with "no"); a leading word counts ("no, I
/// don't" is no).
pub fn yes_no(folded: &str) -> Option<Answer> {
    let starts = |list: &[&str]| {
        list.iter()
            .any(|p| folded == *p || folded.strip_prefix(p).is_some_and(|r| r.starts_with(' ')))
    };
    let rest = folded
        .strip_prefix("no ")
        .or_else(|| folded.strip_prefix("nope "))
        .unwrap_or(folded);
    if NOT_APPLICABLE.contains(&rest) {
        Some(Answer::Choice(NOT_APPLICABLE_VALUE.to_owned()))
    } else if starts(UNSURE) {
        Some(Answer::Unsure)
    } else if starts(NO) {
        Some(Answer::No)
    } else if starts(YES) {
        Some(Answer::Yes)
    } else {
        None
    }
}

fn is_unsure(folded: &str) -> bool {
    UNSURE.contains(&folded)
}

/// A free-text answer that says there is nothing to add.
pub fn is_nothing(text: &str) -> bool {
    NOTHING.contains(&fold(text).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_are_read_in_both_languages() {
        for (text, answer) in [
            ("yep", Answer::Yes),
            ("Yes, I take warfarin", Answer::Yes),
            ("i think so", Answer::Yes),
            ("Sí", Answer::Yes),
            ("nope", Answer::No),
            ("No, I don't", Answer::No),
            ("no sé", Answer::Unsure),
            ("not sure", Answer::Unsure),
            ("No estoy segura", Answer::Unsure),
        ] {
            assert_eq!(yes_no(&fold(text)), Some(answer), "{text}");
        }
        for (text, answer) in [
            ("nop", Answer::No),
            ("not at all", Answer::No),
            ("i take eliquis every morning", Answer::Yes),
            ("once, at the dentist", Answer::Yes),
            ("dunno really", Answer::Unsure),
            (
                "no, soy hombre",
                Answer::Choice(NOT_APPLICABLE_VALUE.into()),
            ),
            ("I'm a man", Answer::Choice(NOT_APPLICABLE_VALUE.into())),
        ] {
            assert_eq!(yes_no(&fold(text)), Some(answer), "{text}");
        }
        assert_eq!(yes_no(&fold("what does that mean?")), None);
        assert_eq!(yes_no(&fold("nobody told me")), None);
    }
}
