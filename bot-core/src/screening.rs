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
//!
//! Reading typed answers: a leading yes or no answers the question being
//! asked, and the rest of the message is kept with it as its [`Detail`]
//! ("sí, fibrilación auricular"), never read as the answer to another
//! question. An age answers a question about age by its value ("I'm 52"
//! to "Are you under 18?" is no). On a free-text question, "nothing" in any
//! words, punctuation or a lone (reflexive) number is an empty answer.

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

/// One answer as given: the question, the answer the rules read, and what
/// the patient wrote beyond it, which is what the clinician needs ("yes" to
/// the heart question, with "fibrilación auricular"). Read from a record as
/// a bare `[question, answer]` pair too (what earlier versions stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AnsweredRecord")]
pub struct Answered {
    pub question: String,
    pub answer: Answer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AnsweredRecord {
    Pair(String, Answer),
    Answered {
        question: String,
        answer: Answer,
        #[serde(default)]
        detail: Option<Detail>,
    },
}

impl From<AnsweredRecord> for Answered {
    fn from(record: AnsweredRecord) -> Answered {
        match record {
            AnsweredRecord::Pair(question, answer) => Answered {
                question,
                answer,
                detail: None,
            },
            AnsweredRecord::Answered {
                question,
                answer,
                detail,
            } => Answered {
                question,
                answer,
                detail,
            },
        }
    }
}

impl Answered {
    pub fn new(question: impl Into<String>, answer: Answer) -> Answered {
        Answered {
            question: question.into(),
            answer,
            detail: None,
        }
    }
}

impl fmt::Display for Answered {
    /// `heart: yes (fibrilación auricular)`, as staff read it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.question, self.answer)?;
        match &self.detail {
            Some(detail) => write!(f, " ({})", detail.as_str()),
            None => Ok(()),
        }
    }
}

/// What a patient wrote with an answer beyond the answer itself, in their
/// own words, bounded: "fibrilación auricular" in "sí, fibrilación
/// auricular".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Detail(String);

impl Detail {
    /// Longest detail kept, in characters.
    pub const MAX_CHARS: usize = 500;

    /// The detail of a typed answer: the message without its leading
    /// answer phrase ("yes", "no sé", "tengo"), if what is left says more
    /// than an answer or a thanks.
    pub fn parse(text: &str) -> Option<Detail> {
        let words: Vec<&str> = text.split_whitespace().collect();
        // The longest leading run of words that is an answer phrase.
        let lead = (1..=words.len().min(4))
            .rev()
            .find(|&n| is_answer_phrase(&fold(&words[..n].join(" "))))
            .unwrap_or(0);
        let rest = words[lead..].join(" ");
        let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        let folded = fold(rest);
        if folded.is_empty() || is_answer_phrase(&folded) || is_nothing(rest) {
            return None;
        }
        Some(Detail(rest.chars().take(Self::MAX_CHARS).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phrase that is only an answer: "yes", "i dont", "no lo se".
fn is_answer_phrase(folded: &str) -> bool {
    [YES, NO, UNSURE, NOT_APPLICABLE]
        .iter()
        .any(|list| list.contains(&folded))
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Yes / no / not sure. With `age_under`, the question asks whether the
    /// patient is under that age, and an age typed answers it by its value.
    YesNo {
        age_under: Option<i64>,
    },
    Choice(Vec<ChoiceDef>),
    Number {
        min: i64,
        max: i64,
    },
    /// Free text. A lone number typed is a reflexive button number, so an
    /// empty answer, unless the question `takes_numbers` (an INR reading).
    Text {
        takes_numbers: bool,
    },
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
    fn holds(&self, answers: &[Answered]) -> bool {
        let Some(Answered { answer, .. }) = answers.iter().find(|a| a.question == self.question)
        else {
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
    en: toml::Spanned<String>,
    es: toml::Spanned<String>,
    #[serde(default)]
    choices: Vec<ChoiceDef>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    /// On `yes_no`: the question asks whether the patient is under this age.
    #[serde(default)]
    age_under: Option<i64>,
    /// On `text`: a lone number is an answer (a reading), not "nothing".
    #[serde(default)]
    takes_numbers: bool,
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
    /// Wordings that load but confuse patients, for `frontdesk check`.
    warnings: Vec<Problem>,
}

/// Warnings about a question's wording: asked in the negative (a "NOT" or
/// "NO" in capitals, which patients misread and answer the wrong way), or
/// two questions in one (two question marks), which one yes or no cannot
/// answer.
fn wording_warnings(id: &str, text: &toml::Spanned<String>) -> Vec<Problem> {
    let mut warnings = Vec::new();
    let mut warn = |message: String| {
        warnings.push(Problem {
            message: format!("question {id:?}: {message}"),
            span: text.span(),
        })
    };
    let shouted = text
        .get_ref()
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| matches!(*w, "NOT" | "NO"));
    if let Some(word) = shouted {
        warn(format!(
            "{word:?} in capitals asks in the negative; ask the positive way round"
        ));
    }
    if text.get_ref().matches('?').count() >= 2 {
        warn("two question marks ask two things at once; ask one per question".into());
    }
    warnings
}

impl RawScreening {
    pub(crate) fn validate(self) -> Result<Screening, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
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
            if raw.age_under.is_some() && !matches!(raw.kind, RawKind::YesNo) {
                problem("age_under is for yes_no questions".into());
            }
            if raw
                .age_under
                .is_some_and(|age| !(1..=MAX_AGE).contains(&age))
            {
                problem(format!("age_under is an age from 1 to {MAX_AGE}"));
            }
            if raw.takes_numbers && !matches!(raw.kind, RawKind::Text) {
                problem("takes_numbers is for text questions".into());
            }
            let kind = match raw.kind {
                RawKind::YesNo => Kind::YesNo {
                    age_under: raw.age_under,
                },
                RawKind::Text => Kind::Text {
                    takes_numbers: raw.takes_numbers,
                },
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
                Kind::YesNo { .. } => ["yes", "no", "unsure", NOT_APPLICABLE_VALUE]
                    .map(String::from)
                    .into(),
                Kind::Choice(choices) => choices.iter().map(|c| c.id.clone()).collect(),
                Kind::Number { .. } => ["unsure".to_owned()].into(),
                Kind::Text { .. } => HashSet::new(),
            };
            for v in raw.stop_if.iter().filter(|v| !allowed.contains(*v)) {
                problem(format!("stop_if: {v:?} is not a possible answer"));
            }
            if raw.en.get_ref().trim().is_empty() || raw.es.get_ref().trim().is_empty() {
                problem("needs text in en and es".into());
            }
            warnings.extend(wording_warnings(&id, &raw.en));
            warnings.extend(wording_warnings(&id, &raw.es));
            values.insert(id.clone(), allowed);
            questions.push(Question {
                id,
                kind,
                en: raw.en.get_ref().trim().to_owned(),
                es: raw.es.get_ref().trim().to_owned(),
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
                warnings,
            })
        } else {
            Err(problems)
        }
    }
}

/// The result of reading a patient's message as an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// The answer, with what the message says beyond it.
    Answer {
        answer: Answer,
        detail: Option<Detail>,
    },
    /// Not an answer to this question.
    NotUnderstood,
}

impl Parsed {
    fn plain(answer: Answer) -> Parsed {
        Parsed::Answer {
            answer,
            detail: None,
        }
    }
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

    /// Wordings that load but confuse patients, with their spans.
    pub(crate) fn warnings(&self) -> &[Problem] {
        &self.warnings
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
    pub fn next(&self, answers: &[Answered]) -> Option<&Question> {
        self.questions.iter().find(|q| {
            !answers.iter().any(|a| a.question == q.id)
                && q.ask_if.as_ref().is_none_or(|c| c.holds(answers))
        })
    }

    /// The outcome and flags the rules give for these answers. Only answers to
    /// questions that are still asked count (a follow-up whose parent changed
    /// after going back is ignored).
    pub fn outcome(&self, answers: &[Answered]) -> (Clearance, Vec<String>) {
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
            Kind::YesNo { age_under } => {
                let answer = age_under
                    .and_then(|limit| age_answer(&folded, limit))
                    .or_else(|| yes_no(&folded));
                match answer {
                    // "No, I'm a man" says all there is to say.
                    Some(answer @ Answer::Choice(_)) => Parsed::plain(answer),
                    Some(answer) => Parsed::Answer {
                        answer,
                        detail: Detail::parse(text),
                    },
                    None => Parsed::NotUnderstood,
                }
            }
            Kind::Choice(choices) => {
                if let Ok(n) = folded.parse::<usize>()
                    && let Some(c) = n.checked_sub(1).and_then(|i| choices.get(i))
                {
                    return Parsed::plain(Answer::Choice(c.id.clone()));
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
                    [one] => Parsed::plain(Answer::Choice(one.id.clone())),
                    _ => Parsed::NotUnderstood,
                }
            }
            Kind::Number { min, max } => {
                if is_unsure(&folded) {
                    return Parsed::plain(Answer::Unsure);
                }
                let number = number_in(&folded).filter(|n| (*min..=*max).contains(n));
                number.map_or(Parsed::NotUnderstood, |n| Parsed::plain(Answer::Number(n)))
            }
            Kind::Text { takes_numbers } => {
                let trimmed = text.trim();
                let reflexive_number = !takes_numbers && is_lone_number(&folded);
                if trimmed.is_empty() {
                    Parsed::NotUnderstood
                } else if is_nothing(trimmed) || reflexive_number {
                    // Nothing to add: no note for the clinician.
                    Parsed::plain(Answer::No)
                } else {
                    // Free text is kept for the clinician, bounded.
                    Parsed::plain(Answer::Text(trimmed.chars().take(1000).collect()))
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
/// Answers to a free-text question that add nothing, once the words of
/// [`FILLER`] are taken off either end ("no, nothing else, thanks").
const NOTHING: &[&str] = &[
    "none",
    "nothing",
    "nothing else",
    "nothing more",
    "nothing to add",
    "nothing at all",
    "nothing further",
    "nothing more to add",
    "nothing i can think of",
    "nothing comes to mind",
    "cant think of anything",
    "i think thats all",
    "i think thats it",
    "thats about it",
    "that would be all",
    "all done",
    "not really",
    "not that i know",
    "not that i can think of",
    "i dont think so",
    "thats all",
    "thats it",
    "thats everything",
    "that is all",
    "all good",
    "im good",
    "im fine",
    "all fine",
    "n a",
    "na",
    "nil",
    "nada",
    "nada mas",
    "nada que anadir",
    "nada mas que anadir",
    "nada mas que decir",
    "nada que agregar",
    "nada mas que agregar",
    "no tengo nada mas que anadir",
    "no hay mas",
    "sin mas",
    "ya esta",
    "nada especial",
    "nada en especial",
    "no hay nada",
    "no hay nada mas",
    "no tengo nada",
    "no tengo nada mas",
    "no creo",
    "eso es todo",
    "es todo",
    "eso seria todo",
    "todo bien",
    "estoy bien",
    "ninguno",
    "ninguna",
    "ninguna otra",
];

/// Words around "nothing" that change nothing: "no", "nope", thanks and
/// please, in either language.
const FILLER: &[&str] = &[
    "no", "nope", "nop", "nah", "ok", "okay", "so", "well", "um", "hmm", "thanks", "thank", "you",
    "thx", "ty", "please", "gracias", "muchas", "por", "favor", "vale", "bueno", "pues",
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

/// A free-text answer that says there is nothing to add, in any words:
/// "no", "nope", "nada más, gracias", "no, that's all thanks", or only
/// punctuation.
pub fn is_nothing(text: &str) -> bool {
    let folded = fold(text);
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    // Thanks come last, "no" first: "no, no hay nada más, gracias".
    loop {
        if words.is_empty() || NOTHING.contains(&words.join(" ").as_str()) {
            return true;
        }
        if words.last().is_some_and(|w| FILLER.contains(w)) {
            words.pop();
        } else if FILLER.contains(&words[0]) {
            words.remove(0);
        } else {
            return false;
        }
    }
}

/// A message that is only a number ("2", "3."): on a free-text question,
/// the number of a button pressed out of habit.
fn is_lone_number(folded: &str) -> bool {
    !folded.is_empty() && folded.chars().all(|c| c.is_ascii_digit() || c == ' ')
}

/// Oldest age read as an age.
const MAX_AGE: i64 = 120;

/// Saying one is under the age of majority (checked before [`ADULT`]:
/// "no soy mayor de edad").
const MINOR: &[&str] = &[
    "menor de edad",
    "soy menor",
    "no soy mayor",
    "a minor",
    "not an adult",
    "not yet 18",
];
/// Saying one is of age.
const ADULT: &[&str] = &[
    "mayor de edad",
    "soy mayor",
    "an adult",
    "soy adulto",
    "soy adulta",
];
/// Words before a number that make it a bound: "under 18", "más de 30",
/// "I turn 18 next month" (17 now).
const BELOW: &[&str] = &[
    "under", "below", "less", "turn", "turning", "be", "menos", "menor", "cumplo", "cumplire",
];
const ABOVE: &[&str] = &["over", "above", "more", "older", "mas", "mayor"];

/// An age typed to a question asking whether the patient is under `limit`
/// ("I'm 52", "tengo 16 años", "sixteen", "soy mayor de edad"): yes when it
/// is below the limit.
fn age_answer(folded: &str, limit: i64) -> Option<Answer> {
    let padded = format!(" {folded} ");
    let says = |phrases: &[&str]| phrases.iter().any(|p| padded.contains(&format!(" {p} ")));
    // The age of majority is 18.
    if says(MINOR) && limit >= 18 {
        return Some(Answer::Yes);
    }
    if says(ADULT) && limit <= 18 {
        return Some(Answer::No);
    }
    let words: Vec<&str> = folded.split(' ').collect();
    let at = words.iter().position(|w| number_in(w).is_some())?;
    let age = number_in(&words[at..].join(" ")).filter(|n| (1..=MAX_AGE).contains(n))?;
    let bound = at.checked_sub(1).map(|i| words[i]);
    // "Under 18" is at most 17; "over 18", at least 19.
    let age = match bound {
        Some(w) if BELOW.contains(&w) => age - 1,
        Some(w) if ABOVE.contains(&w) => age + 1,
        _ => age,
    };
    Some(if age < limit { Answer::Yes } else { Answer::No })
}

/// Number words, English and Spanish, folded. "One" and "uno" count only
/// after a ten ("twenty one"): alone they are rarely a number.
const UNITS: &[(&str, i64)] = &[
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veintiuno", 21),
    ("veintidos", 22),
    ("veintitres", 23),
    ("veinticuatro", 24),
    ("veinticinco", 25),
    ("veintiseis", 26),
    ("veintisiete", 27),
    ("veintiocho", 28),
    ("veintinueve", 29),
];
const TENS: &[(&str, i64)] = &[
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("veinte", 20),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("sesenta", 60),
    ("setenta", 70),
    ("ochenta", 80),
    ("noventa", 90),
];

/// The first number in folded text: in digits ("52", "16yo") or in words
/// ("sixteen", "fifty two", "cincuenta y dos").
fn number_in(folded: &str) -> Option<i64> {
    let value = |table: &[(&str, i64)], w: &str| table.iter().find(|(t, _)| *t == w).map(|p| p.1);
    let words: Vec<&str> = folded.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
        if let Some(n) = value(UNITS, word) {
            return Some(n);
        }
        if let Some(tens) = value(TENS, word) {
            // "fifty two", "cincuenta y dos", "twenty-one".
            let mut rest = words[i + 1..].iter().copied();
            let next = match rest.next() {
                Some("y" | "and") => rest.next(),
                other => other,
            };
            let unit = next
                .and_then(|w| match w {
                    "one" | "uno" | "un" | "una" => Some(1),
                    w => value(UNITS, w).filter(|n| *n < 10),
                })
                .unwrap_or(0);
            return Some(tens + unit);
        }
    }
    None
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

    fn shipped_screen() -> Screening {
        let text = std::fs::read_to_string(crate::testing::faq_dir().join("screening.toml"));
        let raw: RawScreening = toml::from_str(&text.unwrap()).unwrap();
        raw.validate().unwrap()
    }

    /// The answer and detail `text` gives to the shipped question `id`.
    fn read(screen: &Screening, id: &str, text: &str) -> (Answer, Option<String>) {
        match screen.parse(screen.question(id).unwrap(), text) {
            Parsed::Answer { answer, detail } => (answer, detail.map(|d| d.as_str().to_owned())),
            Parsed::NotUnderstood => panic!("{id}: {text:?} not understood"),
        }
    }

    #[test]
    fn an_age_answers_the_under_18_question_by_its_value_in_both_languages() {
        let screen = shipped_screen();
        for (text, answer) in [
            ("52", Answer::No),
            ("I'm 52", Answer::No),
            ("tengo 52", Answer::No),
            ("i'm 16", Answer::Yes),
            ("tengo 16 años", Answer::Yes),
            ("16 years old", Answer::Yes),
            ("tengo cuarenta y cinco años", Answer::No),
            ("I'll be 18 next month", Answer::Yes),
            ("16yo", Answer::Yes),
            ("18", Answer::No),
            ("sixteen", Answer::Yes),
            ("dieciséis", Answer::Yes),
            ("fifty-two", Answer::No),
            ("cincuenta y dos", Answer::No),
            ("soy mayor de edad", Answer::No),
            ("no soy mayor de edad", Answer::Yes),
            ("I'm an adult", Answer::No),
            ("yes, I'm under 18", Answer::Yes),
            ("no, over 18", Answer::No),
            ("no", Answer::No),
            ("sí", Answer::Yes),
        ] {
            assert_eq!(read(&screen, "under_18", text).0, answer, "{text}");
        }
        assert_eq!(
            read(&screen, "under_18", "tengo 16 años").1.as_deref(),
            Some("16 años"),
            "the age is kept for the clinician"
        );
        // Only an age question reads a number: "52" does not answer another.
        assert_eq!(
            screen.parse(screen.question("heart").unwrap(), "52"),
            Parsed::NotUnderstood
        );
    }

    #[test]
    fn a_leading_yes_or_no_answers_the_question_and_the_rest_is_kept_as_its_detail() {
        let screen = shipped_screen();
        for (text, answer, detail) in [
            (
                "sí, fibrilación auricular",
                Answer::Yes,
                Some("fibrilación auricular"),
            ),
            (
                "yes, I have a pacemaker since 2019",
                Answer::Yes,
                Some("I have a pacemaker since 2019"),
            ),
            ("si tomo eliquis", Answer::Yes, Some("tomo eliquis")),
            (
                "I take Eliquis every morning",
                Answer::Yes,
                Some("Eliquis every morning"),
            ),
            (
                "not sure, maybe a murmur",
                Answer::Unsure,
                Some("maybe a murmur"),
            ),
            (
                "no, but I had one in 2015",
                Answer::No,
                Some("but I had one in 2015"),
            ),
            ("yes", Answer::Yes, None),
            ("Sí, gracias", Answer::Yes, None),
            ("yes I do", Answer::Yes, None),
            ("no, I don't", Answer::No, None),
            ("nope, never", Answer::No, None),
        ] {
            let read = read(&screen, "heart", text);
            assert_eq!(read, (answer, detail.map(str::to_owned)), "{text}");
        }
        // "No, I'm a man" only says the question does not apply.
        assert_eq!(
            read(&screen, "pregnant", "no, soy hombre"),
            (Answer::Choice(NOT_APPLICABLE_VALUE.into()), None)
        );
    }

    #[test]
    fn nothing_in_any_words_is_an_empty_answer_to_a_free_text_question() {
        let screen = shipped_screen();
        for text in [
            "no",
            "Nope.",
            "nothing",
            "Nothing else, thanks",
            "no, that's all",
            "that's it",
            "no thank you",
            "nada",
            "nada más, gracias",
            "No, no hay nada más",
            "eso es todo",
            "no gracias",
            "ninguna",
            "nah that's it",
            "no, no tengo nada más que añadir",
            "N/A",
            "2",
            "3.",
            "?",
            "...",
        ] {
            assert_eq!(
                read(&screen, "anything_else", text),
                (Answer::No, None),
                "{text}"
            );
        }
        for text in [
            "my left knee is the sore one",
            "no pain today but my back aches",
        ] {
            assert_eq!(
                read(&screen, "anything_else", text).0,
                Answer::Text(text.into())
            );
        }
        // An INR reading can be a lone number.
        assert_eq!(read(&screen, "inr", "2").0, Answer::Text("2".into()));
    }

    #[test]
    fn a_question_in_the_negative_or_asking_two_things_is_warned_about_at_its_line() {
        assert!(shipped_screen().warnings().is_empty(), "the shipped screen");
        let text = std::fs::read_to_string(crate::testing::faq_dir().join("screening.toml"))
            .unwrap()
            .replacen(
                "Do you have epilepsy or seizures?",
                "Do you have epilepsy? Or seizures?",
                1,
            )
            .replacen("¿Tiene diabetes?", "¿NO tiene diabetes controlada?", 1);
        let raw: RawScreening = toml::from_str(&text).unwrap();
        let screen = raw.validate().expect("warnings do not stop loading");
        let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let found: Vec<(usize, &str)> = screen
            .warnings()
            .iter()
            .map(|w| {
                (
                    text[..w.span.start].matches('\n').count() + 1,
                    w.message.as_str(),
                )
            })
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, line("¿NO tiene diabetes"));
        assert!(found[0].1.contains("\"NO\" in capitals"), "{found:?}");
        assert_eq!(found[1].0, line("Do you have epilepsy? Or"));
        assert!(found[1].1.contains("two question marks"), "{found:?}");
    }

    #[test]
    fn answers_stored_as_bare_pairs_by_earlier_versions_still_read() {
        let old = r#"[["heart",{"kind":"yes"}],["anything_else",{"kind":"text","value":"knee"}]]"#;
        let read: Vec<Answered> = serde_json::from_str(old).unwrap();
        assert_eq!(read[0], Answered::new("heart", Answer::Yes));
        let mut with_detail = read[0].clone();
        with_detail.detail = Detail::parse("sí, fibrilación auricular");
        let json = serde_json::to_string(&with_detail).unwrap();
        assert_eq!(
            serde_json::from_str::<Answered>(&json).unwrap(),
            with_detail
        );
        assert_eq!(
            with_detail.to_string(),
            "heart: yes (fibrilación auricular)"
        );
    }
}
