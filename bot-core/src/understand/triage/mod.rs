//! Triage in three tiers, checked before anything else on every patient
//! message (`shared/domain/red-flags.md` is the reference):
//!
//! 1. **emergency now** ([`Triage::Emergency`]): the emergency answer first,
//!    a staff alert with the category only;
//! 2. **urgent today** ([`Triage::Urgent`]): "contact us or a doctor today",
//!    a staff alert, and the conversation goes on;
//! 3. everything else ([`Triage::Routine`]).
//!
//! The rules live in code, not in the clinic-editable files: they are safety
//! critical, they are covered by tests, and an edit to a data file must never
//! be able to switch one off. They run on folded text ([`crate::text::fold`]:
//! compatibility forms, zero-width and format characters, accents and case
//! all folded away) in English and Spanish.
//!
//! A sign only counts where it is reported, not where it is denied ("sore but
//! no chest pain"), past and resolved ("I fainted at a blood test years
//! ago"), asked about as a risk ("can it collapse a lung?"), or an idiom
//! ("this price gives me a heart attack"). The present tense and the writer
//! or someone with them make it count again; when in doubt between tier 1
//! and tier 3, tier 1.

use std::borrow::Cow;

use regex::Regex;

use crate::chat::{RedFlag, Urgency};

mod context;
mod crisis;
mod signs;

/// One sign: what it stands for (for a reader of the rules), and a short
/// pattern on folded text.
type Sign = (&'static str, &'static str);

/// What a message needs before it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triage {
    Emergency(RedFlag),
    Urgent(Urgency),
    Routine,
}

impl Triage {
    /// 1 (emergency), 2 (urgent) or 3 (routine).
    pub fn tier(self) -> u8 {
        match self {
            Triage::Emergency(_) => 1,
            Triage::Urgent(_) => 2,
            Triage::Routine => 3,
        }
    }
}

/// What the rules make of a message, for a model that reads it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub triage: Triage,
    /// The message names an emergency sign that the rules set aside
    /// (denied, past and resolved, asked about, someone else's story): a
    /// model's emergency reading of the same words must not override that.
    pub emergency_set_aside: bool,
    /// The same for an urgent sign.
    pub urgent_set_aside: bool,
    /// The message without its idioms ("this traffic is killing me"), when
    /// it had any: what a model should read for triage.
    pub without_idioms: Option<String>,
}

struct Rule<C> {
    category: C,
    pattern: Regex,
}

/// The compiled triage rules. Built once and passed in.
pub struct Triager {
    /// Tried first and apart: self-harm is set aside only in narrow ways.
    self_harm: Regex,
    /// A limb numb or weak: a stroke unless tied to a treatment or old.
    stroke_limb: Regex,
    self_harm_denied: Regex,
    after_treatment: Regex,
    chronic: Regex,
    sudden: Regex,
    emergency: Vec<Rule<RedFlag>>,
    urgent: Vec<Rule<Urgency>>,
    idioms: Regex,
    negation: Regex,
    past: Regex,
    hypothetical: Regex,
    present: Regex,
    resolved: Regex,
    first_person: Regex,
    conditional: Regex,
    third_party: Regex,
}

impl std::fmt::Debug for Triager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Triager").finish_non_exhaustive()
    }
}

impl Default for Triager {
    fn default() -> Self {
        Self::new()
    }
}

/// The patterns are constants covered by tests; a failure here is a bug.
fn compile(pattern: &str) -> Regex {
    crate::text::folded_pattern(pattern)
}

/// A list of phrases, each matched as whole words.
fn any(phrases: &[&str]) -> Regex {
    crate::text::folded_words(phrases.iter().copied())
}

/// Signs, each matched as whole words.
fn of_signs(list: &[Sign]) -> Regex {
    crate::text::folded_words(list.iter().map(|&(_, pattern)| pattern))
}

impl Triager {
    pub fn new() -> Triager {
        // A denial ends right where the sign begins.
        let at_end = |phrases: &[&str]| compile(&format!(r"\b(?:{}) ?$", phrases.join("|")));
        Triager {
            self_harm: of_signs(crisis::SELF_HARM),
            stroke_limb: of_signs(signs::STROKE_LIMB),
            self_harm_denied: at_end(context::SELF_HARM_DENIAL),
            after_treatment: any(context::AFTER_TREATMENT),
            chronic: any(context::CHRONIC),
            sudden: any(context::SUDDEN),
            emergency: signs::EMERGENCY
                .iter()
                .map(|&(category, list)| Rule {
                    category,
                    pattern: of_signs(list),
                })
                .collect(),
            urgent: signs::URGENT
                .iter()
                .map(|&(category, list)| Rule {
                    category,
                    pattern: of_signs(list),
                })
                .collect(),
            idioms: any(context::IDIOMS),
            negation: compile(&format!(
                r"\b({})\b((?: \w+){{0,3}}) ?$",
                context::NEGATION.join("|")
            )),
            past: any(context::PAST),
            hypothetical: any(context::HYPOTHETICAL),
            present: any(context::PRESENT),
            resolved: any(context::RESOLVED),
            first_person: any(context::FIRST_PERSON),
            conditional: any(context::CONDITIONAL),
            third_party: any(context::THIRD_PARTY),
        }
    }

    /// The tier of a message, already folded with [`crate::text::fold`].
    pub fn check(&self, folded: &str) -> Triage {
        self.assess(folded).triage
    }

    /// The tier of a message, and what the rules set aside, in one pass
    /// over the signs.
    pub fn assess(&self, folded: &str) -> Assessment {
        let text = self.idioms.replace_all(folded, " ");
        // The idioms that only guard against a sign's words ("by accident")
        // leave nothing for a model to read differently.
        let without_idioms = match &text {
            Cow::Owned(plain)
                if self.idioms.find_iter(folded).any(|m| {
                    !matches!(
                        m.as_str(),
                        "sin querer" | "without meaning to" | "by accident"
                    )
                }) =>
            {
                Some(plain.clone())
            }
            _ => None,
        };
        let answer = |triage| Assessment {
            triage,
            emergency_set_aside: false,
            urgent_set_aside: false,
            without_idioms: without_idioms.clone(),
        };
        // Self-harm is explained away only where it is over and done with
        // ("I used to self harm as a teenager, I'm fine now") or denied
        // right before it ("not suicidal or anything"; not "don't worry,
        // I'll be gone by then"): never by a question, an idiom or someone
        // else's story.
        let over = self.past.is_match(&text) && self.resolved_since(&text);
        let denied = |m: regex::Match| self.self_harm_denied.is_match(&text[..m.start()]);
        let mut self_harm = self.self_harm.find_iter(&text).peekable();
        let named = self_harm.peek().is_some();
        if named && !over && !self_harm.all(denied) {
            return answer(Triage::Emergency(RedFlag::SelfHarm));
        }
        // Over and done with ("an embolism in 2018, fully resolved"): a
        // model's alarm is heard only when it is very sure.
        let mut routine = Assessment {
            emergency_set_aside: over || named,
            urgent_set_aside: over,
            ..answer(Triage::Routine)
        };
        for rule in &self.emergency {
            match self.reading(&rule.pattern, &text, true) {
                Reading::Reported => return answer(Triage::Emergency(rule.category)),
                Reading::SetAside => routine.emergency_set_aside = true,
                Reading::Absent => {}
            }
        }
        // A limb gone numb or weak is a stroke's sign, unless it is tied to
        // a treatment (then it is numbness that has not passed, tier 2) or
        // has been so for months (a physio's question).
        match self.reading(&self.stroke_limb, &text, true) {
            Reading::Reported if self.chronic.is_match(&text) && !self.sudden.is_match(&text) => {}
            Reading::Reported if self.after_treatment.is_match(&text) => {
                return answer(Triage::Urgent(Urgency::NerveSymptoms));
            }
            Reading::Reported => return answer(Triage::Emergency(RedFlag::Stroke)),
            Reading::SetAside => routine.emergency_set_aside = true,
            Reading::Absent => {}
        }
        for rule in &self.urgent {
            // Fainting "and fine now" is what the category is about: being
            // fine again does not set it aside (years ago does).
            let resolved_discounts = rule.category != Urgency::FaintRecovered;
            match self.reading(&rule.pattern, &text, resolved_discounts) {
                Reading::Reported => return answer(Triage::Urgent(rule.category)),
                Reading::SetAside => routine.urgent_set_aside = true,
                Reading::Absent => {}
            }
        }
        routine
    }

    /// Whether the pattern matches, and if so whether somewhere it is
    /// neither denied nor explained away.
    fn reading(&self, pattern: &Regex, text: &str, resolved_discounts: bool) -> Reading {
        let mut found = Reading::Absent;
        for m in pattern.find_iter(text) {
            if !self.denied(&text[..m.start()])
                && !denied_within(m.as_str())
                && !self.discounted(text, m.start(), m.end(), resolved_discounts)
            {
                return Reading::Reported;
            }
            found = Reading::SetAside;
        }
        found
    }

    /// Whether the words before a sign deny it: a negation in the same
    /// clause, at most three words before, with no new subject in between
    /// ("no chest pain", "sin dolor de pecho"; not "no, i cant breathe").
    fn denied(&self, before: &str) -> bool {
        let clause = before.rsplit(" but ").next().unwrap_or(before);
        let clause = clause.rsplit(" pero ").next().unwrap_or(clause);
        self.negation.captures(clause).is_some_and(|c| {
            let between = c.get(2).map_or("", |m| m.as_str());
            !between.split_whitespace().any(|w| {
                matches!(
                    w,
                    "i" | "im"
                        | "my"
                        | "he"
                        | "she"
                        | "hes"
                        | "shes"
                        | "we"
                        | "they"
                        | "yo"
                        | "el"
                        | "ella"
                        | "mi"
                        | "now"
                        | "ahora"
                )
            })
        })
    }

    /// Whether the message says things are resolved, with nothing after
    /// that saying they are back ("fully recovered, but right now my hand
    /// went numb"; a bare "now" is only how things are: "all recovered, on
    /// aspirin now").
    fn resolved_since(&self, text: &str) -> bool {
        self.resolved
            .find_iter(text)
            .last()
            .is_some_and(|resolved| {
                !self
                    .present
                    .find_iter(&text[resolved.end()..])
                    .any(|m| !matches!(m.as_str(), "now" | "ahora" | "today" | "hoy"))
            })
    }

    /// Whether a sign (at `start..end`) is past and resolved, a question
    /// about a risk or someone else's story, with nothing that says it is
    /// happening to the writer (or someone with them) now.
    fn discounted(&self, text: &str, start: usize, end: usize, resolved_discounts: bool) -> bool {
        if resolved_discounts && self.resolved_since(text) {
            return true;
        }
        // Something says it is happening now ("since this morning", "worse
        // now"): a report, even beside the past or a question. "Suddenly"
        // only tells how it came: not that it is now, in a question or an
        // old story ("my friend suddenly got a headache after it, normal?").
        if self
            .present
            .find_iter(text)
            .any(|m| !self.sudden.is_match(m.as_str()))
        {
            return false;
        }
        if self.past.is_match(text) {
            return true;
        }
        if !self.hypothetical.is_match(text) {
            return false;
        }
        // "my chest hurts, can needling cause that?" is a report with a
        // question; "can it cause chest pain?" is only the question.
        let before = &text[..start];
        // The four words before the sign, and the sign.
        let lead_start = last_words_start(before, 4);
        // The question runs into the sign ("could it give me an infection"):
        // asked about, not reported.
        if self
            .hypothetical
            .find_iter(before)
            .any(|h| h.end() > lead_start)
        {
            return true;
        }
        let about_writer = self.first_person.is_match(&text[lead_start..end])
            && !self.conditional.is_match(before)
            && !self.third_party.is_match(text);
        !about_writer
    }
}

/// How a sign's pattern reads in a message.
enum Reading {
    Absent,
    /// Named, but denied or explained away everywhere it is.
    SetAside,
    Reported,
}

/// Whether a sign that spans several words takes back its own last
/// word ("calf is sore but not swollen", "pero no esta hinchado"), or
/// ends in a pain it denies ("breathing fine, no sharp pain", "breathing
/// doesnt hurt").
fn denied_within(sign: &str) -> bool {
    let words: Vec<&str> = sign.split_whitespace().collect();
    let tail = &words[words.len().saturating_sub(4)..];
    let denies = |w: &str| {
        matches!(
            w,
            "no" | "not"
                | "doesnt"
                | "dont"
                | "didnt"
                | "isnt"
                | "never"
                | "without"
                | "sin"
                | "ni"
        )
    };
    if let [.., before, last] = tail
        && matches!(
            *last,
            "pain" | "hurt" | "hurts" | "painful" | "dolor" | "duele"
        )
        && (denies(before)
            || tail.len() >= 3
                && denies(tail[tail.len() - 3])
                && matches!(
                    *before,
                    "sharp" | "real" | "bad" | "much" | "any" | "severe" | "chest" | "me"
                ))
    {
        return true;
    }
    tail.windows(2).any(|pair| {
        matches!(pair[0], "but" | "pero" | "though" | "aunque")
            && matches!(
                pair[1],
                "not" | "no" | "isnt" | "arent" | "without" | "sin" | "ni"
            )
    })
}

/// Where the last `n` words of `text` begin (its end if it has none).
fn last_words_start(text: &str, n: usize) -> usize {
    text.split_whitespace()
        .rev()
        .take(n)
        .last()
        .map_or(text.len(), |word| {
            word.as_ptr() as usize - text.as_ptr() as usize
        })
}

#[cfg(test)]
mod tests;
