//! What a free-text message is, in the order the brief sets: an emergency first,
//! then things the bot must never answer (advice about medicines), then FAQ
//! matching with its three outcomes: answer, ask back, or fall back.

use regex::Regex;

use std::sync::Arc;

use super::advised::Advice;
use super::matcher::Matcher;
use super::medicine::Medicines;
use super::semantic::{Classes, SMALL_TALK, Semantic};
use super::smalltalk::SmallTalk;
use super::triage::{Assessment, Triage, Triager};
use crate::chat::{RedFlag, Urgency};
use crate::ids::{Locale, TopicId};
use crate::knowledge::Knowledge;
use crate::text::{detect_locale, fold};

/// Answer outright at or above this score…
pub const ANSWER_MIN: f32 = 0.42;
/// …when the runner-up is at least this far behind; otherwise ask back.
pub const ANSWER_MARGIN: f32 = 0.04;
/// Below this, the message is out of scope.
pub const CLARIFY_MIN: f32 = 0.24;
/// Above the clarify floor, a lead this wide is answered even below
/// `ANSWER_MIN` (long messages score lower, but one topic can still stand out).
pub const WIDE_LEAD: f32 = 0.10;
/// A message with more unknown than known words is only matched above this.
pub const UNFAMILIAR_MAX: f32 = 0.5;
/// Topics within this distance of the best are offered when asking back.
pub const CLARIFY_SPREAD: f32 = 0.16;

/// The decision for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Emergency(RedFlag),
    /// Asks nothing: thanks, a greeting, a goodbye, an "ok".
    SmallTalk(SmallTalk),
    /// Asks for a person in words: the hand-off starts.
    Human,
    /// Asks whether to start, stop or change a medicine: never answered.
    MedicineAdvice,
    /// A doctor or another clinician advised against needling (or to
    /// wait): never booked or encouraged; the clinical team reviews first.
    AdvisedAgainst,
    Answer {
        topic: usize,
        score: f32,
    },
    /// Unsure between two or three topics.
    Clarify {
        candidates: Vec<usize>,
        score: f32,
    },
    Fallback {
        score: f32,
        /// Read as outside the clinic's subjects, not merely unsure: such a
        /// message stands on its own and is never read with the
        /// conversation's context.
        outside: bool,
    },
}

/// A verdict, whether the message is urgent (triage tier 2: told to contact
/// the clinic or a doctor today, then answered as usual), and the language
/// the message is written in, where its words tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub verdict: Verdict,
    pub urgent: Option<Urgency>,
    pub locale: Option<Locale>,
}

/// The kind of small talk a model's reading names, if one kind is at least
/// [`SMALL_TALK_MIN`] likely.
fn small_talk(p: &[f32; SMALL_TALK.len() + 1]) -> Option<SmallTalk> {
    SMALL_TALK
        .iter()
        .zip(p)
        .find(|&(_, &p)| p >= SMALL_TALK_MIN)
        .map(|(&kind, _)| kind)
}

/// The parts of `text` each of `ends` closes (the end kept), trimmed of
/// spaces and opening marks, with three letters at least.
fn parts<'a>(text: &'a str, ends: &[char]) -> Vec<&'a str> {
    text.split_inclusive(ends)
        .map(|p| p.trim_matches(|c: char| c == '¿' || c == '¡' || c.is_whitespace()))
        .filter(|p| p.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect()
}

/// The fixed safety rules around the matcher.
#[derive(Debug)]
struct Rules {
    triage: Triager,
    medicines: Medicines,
    advice: Advice,
    person: Regex,
}

impl Rules {
    fn new() -> Rules {
        Rules {
            triage: Triager::new(),
            medicines: Medicines::new(),
            advice: Advice::new(),
            person: super::smalltalk::person_pattern(),
        }
    }
}

/// With a semantic model: answer at or above this probability…
pub const SEMANTIC_ANSWER_MIN: f32 = 0.40;
/// …when the runner-up topic is at least this far behind…
pub const SEMANTIC_MARGIN: f32 = 0.08;
/// …and the out-of-scope class is below this share of the best topic's
/// probability; otherwise ask back ("can I shower after?" reads a little
/// like after-care and a lot like nothing the folder answers).
pub const SEMANTIC_OUTSIDE_SHARE: f32 = 0.5;
/// A message the model falls back on with the out-of-scope class at least
/// this likely (and above every topic) stands on its own: it is not read
/// again with the conversation's context ("what's the capital of
/// Australia?" after the how-it-works answer). Short follow-ups ("and on
/// Saturdays?") often lean a little to out of scope, never this much.
pub const SEMANTIC_OUTSIDE_SURE: f32 = 0.5;
/// The learned small-talk reader is heard where one kind of small talk is
/// at least this likely (more likely than anything else).
pub const SMALL_TALK_MIN: f32 = 0.5;
/// Below this, the message is out of scope.
pub const SEMANTIC_CLARIFY_MIN: f32 = 0.20;
/// Topics offered when asking back: within this share of the best.
pub const SEMANTIC_SPREAD: f32 = 0.35;
/// Where the model is unsure of every topic, the lexical matcher's answer
/// is taken if it is among the model's this many most likely topics.
pub const SEMANTIC_CONFIRM_TOP: usize = 3;

/// When a model's triage reading counts (chosen by cross-validation:
/// `semantic/examples/triage_cv.rs`, `docs/understanding.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriageThresholds {
    /// An emergency reading counts from this probability…
    pub emergency: f32,
    /// …an urgent one from this, when it leads tier 3…
    pub urgent: f32,
    /// …and either only from this one where the rules named a sign of that
    /// tier and set it aside ("no pus", "all recovered"); an emergency
    /// also only from this one where the rules read an urgent sign and no
    /// emergency ("the needle broke", "numb since the session").
    pub over_set_aside: f32,
}

pub const TRIAGE_THRESHOLDS: TriageThresholds = TriageThresholds {
    emergency: 0.6,
    urgent: 0.5,
    over_set_aside: 0.9,
};

impl TriageThresholds {
    /// The tier (1, 2 or 3) a model's triage probabilities add to what the
    /// rules made of the message: the most probable, a tier 1 or 2 needing
    /// its threshold, and 3 where the rules set such a sign aside and the
    /// model is not sure enough to be heard over them (2 where the rules
    /// read the message as urgent).
    pub fn model_tier(&self, tiers: &[f32; 3], rules: &Assessment) -> u8 {
        let [emergency, urgent, routine] = *tiers;
        if emergency >= self.emergency && emergency >= urgent {
            if emergency >= self.over_set_aside {
                1
            } else if matches!(rules.triage, Triage::Urgent(_)) {
                2
            } else if rules.emergency_set_aside {
                3
            } else {
                1
            }
        } else if urgent >= self.urgent && urgent > routine {
            if rules.urgent_set_aside && urgent < self.over_set_aside {
                3
            } else {
                2
            }
        } else {
            3
        }
    }
}

/// Decides what a free-text message is: the safety rules first, then the
/// semantic model trained on the folder when there is one, else the lexical
/// matcher. Built from a loaded folder (and again on every reload); owns
/// everything it needs.
pub struct Classifier {
    rules: Rules,
    matcher: Matcher,
    semantic: Option<Arc<dyn Semantic>>,
    classes: Classes,
    /// Per topic, its closest relative (offered with a lone weak candidate).
    first_related: Vec<Option<usize>>,
    /// Every wording of the folder (question, phrasings, examples; folded)
    /// with its topic: a message written exactly so that would fall back
    /// is that topic's, as staff taught it.
    wordings: std::collections::HashMap<String, usize>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("semantic", &self.semantic.is_some())
            .finish_non_exhaustive()
    }
}

/// Each folded wording of the folder's topics with its topic (the first
/// topic, should two share one).
fn wordings(knowledge: &Knowledge) -> std::collections::HashMap<String, usize> {
    let mut map = std::collections::HashMap::new();
    for (i, topic) in knowledge.topics().iter().enumerate() {
        for locale in Locale::ALL {
            let text = topic.text(locale);
            let all = std::iter::once(&text.question)
                .chain(&text.phrasings)
                .chain(&text.examples);
            for wording in all {
                map.entry(fold(wording)).or_insert(i);
            }
        }
    }
    map
}

impl Classifier {
    /// The lexical classifier (no model).
    pub fn new(knowledge: &Knowledge) -> Classifier {
        Classifier::build(knowledge, None)
    }

    /// With a semantic model trained on this folder's [`Classes`].
    pub fn with_semantic(knowledge: &Knowledge, semantic: Arc<dyn Semantic>) -> Classifier {
        Classifier::build(knowledge, Some(semantic))
    }

    /// Whether a semantic model decides topics (else the lexical matcher).
    pub fn is_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    fn build(knowledge: &Knowledge, semantic: Option<Arc<dyn Semantic>>) -> Classifier {
        let topics = knowledge.topics();
        Classifier {
            semantic,
            classes: Classes::of(knowledge),
            rules: Rules::new(),
            matcher: Matcher::build(
                topics,
                knowledge.lexicon(Locale::En),
                knowledge.lexicon(Locale::Es),
            ),
            first_related: topics
                .iter()
                .map(|t| {
                    t.related
                        .first()
                        .and_then(|id: &TopicId| knowledge.topic_index(id))
                })
                .collect(),
            wordings: wordings(knowledge),
        }
    }

    /// The topics, most probable first (ties in folder order).
    fn ranked(&self, p: &[f32]) -> Vec<usize> {
        let mut ranked: Vec<usize> = (0..self.classes.topics()).collect();
        ranked.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        ranked
    }

    /// The model falls back because no topic is likely enough, not because
    /// the message looks outside the clinic's subjects or about medicines.
    fn unsure(&self, p: &[f32], ranked: &[usize]) -> bool {
        let best = ranked.first().map_or(0.0, |&t| p[t]);
        best < SEMANTIC_CLARIFY_MIN
            && p[self.classes.out_of_scope()] <= best
            && p[self.classes.medicine()] <= best
    }

    /// The verdict from a semantic model's probabilities, its topics ranked.
    fn semantic_verdict(&self, p: &[f32], ranked: &[usize]) -> Verdict {
        let classes = self.classes;
        let (best, p1) = match ranked.first() {
            Some(&t) => (t, p[t]),
            None => {
                return Verdict::Fallback {
                    score: 0.0,
                    outside: false,
                };
            }
        };
        let p2 = ranked.get(1).map_or(0.0, |&t| p[t]);
        let medicine = p[classes.medicine()];
        let outside = p[classes.out_of_scope()];
        if medicine > p1 && medicine >= outside {
            return Verdict::MedicineAdvice;
        }
        if outside > p1 || p1 < SEMANTIC_CLARIFY_MIN {
            return Verdict::Fallback {
                score: p1,
                outside: outside > p1 && outside >= SEMANTIC_OUTSIDE_SURE,
            };
        }
        if p1 >= SEMANTIC_ANSWER_MIN
            && p1 - p2 >= SEMANTIC_MARGIN
            && outside < p1 * SEMANTIC_OUTSIDE_SHARE
        {
            return Verdict::Answer {
                topic: best,
                score: p1,
            };
        }
        let mut candidates: Vec<usize> = ranked
            .iter()
            .take(3)
            .copied()
            .filter(|&t| p[t] >= p1 * SEMANTIC_SPREAD)
            .collect();
        if candidates.len() < 2
            && let Some(related) = self.first_related[best]
        {
            candidates.push(related);
        }
        Verdict::Clarify {
            candidates,
            score: p1,
        }
    }

    /// The model's verdict, where the lexical matcher may settle it: its
    /// answer is taken if it is one of the model's close topics (asking
    /// back), or, where the model is unsure of every topic but does not read
    /// the message as out of scope, one of its likeliest.
    fn semantic_then_lexical(&self, p: &[f32], text: &str, detected: Option<Locale>) -> Verdict {
        let ranked = self.ranked(p);
        let semantic = self.semantic_verdict(p, &ranked);
        let settles: &[usize] = match &semantic {
            Verdict::Clarify { candidates, .. } => candidates,
            Verdict::Fallback { .. } if self.unsure(p, &ranked) => {
                &ranked[..SEMANTIC_CONFIRM_TOP.min(ranked.len())]
            }
            _ => &[],
        };
        let confirmed = if settles.is_empty() {
            None
        } else {
            match self.lexical_verdict(text, detected) {
                Verdict::Answer { topic, .. } if settles.contains(&topic) => Some(topic),
                _ => None,
            }
        };
        match (confirmed, semantic) {
            (Some(topic), Verdict::Clarify { score, .. } | Verdict::Fallback { score, .. }) => {
                Verdict::Answer { topic, score }
            }
            (_, semantic) => semantic,
        }
    }

    /// The lexical matcher, for explaining a verdict (`frontdesk ask`).
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// A message's triage tier (rules only).
    pub fn triage(&self, text: &str) -> Triage {
        self.rules.triage.check(&fold(text))
    }

    /// What the triage rules make of a message.
    pub fn assess(&self, text: &str) -> Assessment {
        self.rules.triage.assess(&fold(text))
    }

    /// A message read as the bot reads it in a conversation: `context` is
    /// the question of the topic last answered (the folder's own wording,
    /// never the patient's). The message is read alone first, and whatever
    /// it clearly is stands ("how much is it?" after the pain answer is
    /// about the price; "what's the capital of Australia?" is out of scope).
    /// A message that alone is asked back or falls back unsure is read
    /// again: first (when asked back) the questions inside it, if it tells
    /// a story around them, then the whole message after the context ("and
    /// how long does that last?"); a reading is taken if it answers. Triage
    /// is the message's own.
    pub fn classify_in_context(&self, text: &str, context: Option<&str>) -> Classified {
        let alone = self.classify(text);
        let unsure = matches!(
            alone.verdict,
            Verdict::Clarify { .. } | Verdict::Fallback { outside: false, .. }
        );
        if !unsure {
            return alone;
        }
        if let Verdict::Clarify { candidates, .. } = &alone.verdict
            && let Some(answer) = self.question_in_story(text, candidates)
        {
            return Classified {
                verdict: answer,
                ..alone
            };
        }
        let Some(context) = context else {
            return alone;
        };
        match self.classify(&format!("{context} {text}")).verdict {
            answer @ Verdict::Answer { .. } => Classified {
                verdict: answer,
                ..alone
            },
            _ => alone,
        }
    }

    /// Which of the `candidates` a story asking between them is about, by
    /// the question inside it ("My friend felt wiped out for a day after
    /// hers. Is that normal? She's fine now."): in a message of two or
    /// more sentences, the last two sentences that ask (last first), read
    /// alone; the first answered with confidence with one of them. Only a
    /// candidate: a question read out of its story must not answer what
    /// the whole message does not ask about ("can I bring my son? no
    /// babysitter" is not about the minimum age).
    fn question_in_story(&self, text: &str, candidates: &[usize]) -> Option<Verdict> {
        let sentences = parts(text, &['.', '!', '?', '\n']);
        if sentences.len() < 2 {
            return None;
        }
        sentences
            .iter()
            .rev()
            .filter(|s| s.ends_with('?'))
            // Each is read by the model again: two at most.
            .take(2)
            .find_map(|question| match self.classify(question).verdict {
                answer @ Verdict::Answer { topic, .. } if candidates.contains(&topic) => {
                    Some(answer)
                }
                _ => None,
            })
    }

    /// In a message that asks two things ("does it hurt? and how much is
    /// it?"), the topic of a question other than the one `answered`, when
    /// that question alone is answered with confidence. Questions are
    /// split at question marks only: a second topic is offered, never
    /// answered, so a wrong split costs a button.
    pub fn second_question(&self, text: &str, answered: usize) -> Option<usize> {
        let questions = parts(text, &['?', '¿']);
        if questions.len() < 2 {
            return None;
        }
        questions
            .iter()
            .find_map(|question| match self.classify(question).verdict {
                Verdict::Answer { topic, .. } if topic != answered => Some(topic),
                _ => None,
            })
    }

    /// The topic a message is most like and how sure the reader is of it
    /// (0 to 1), whatever the verdict: for staff teaching the bot from
    /// what it did not answer. The model's probability when it runs, else
    /// the matcher's score.
    pub fn guess(&self, text: &str) -> Option<(usize, f32)> {
        if let Some(scores) = self.semantic.as_ref().and_then(|m| m.scores(text)) {
            let ranked = self.ranked(&scores.classes);
            return ranked.first().map(|&t| (t, scores.classes[t]));
        }
        let ranking = self.matcher.rank(text, detect_locale(text));
        ranking
            .top
            .first()
            .map(|s| (s.topic, s.score.clamp(0.0, 1.0)))
    }

    /// Classifies one free-text message on its own.
    pub fn classify(&self, text: &str) -> Classified {
        let folded = fold(text);
        let detected = detect_locale(text);
        let rules = &self.rules;
        let assessment = rules.triage.assess(&folded);
        let urgent = match assessment.triage {
            Triage::Emergency(flag) => {
                return Classified {
                    verdict: Verdict::Emergency(flag),
                    urgent: None,
                    locale: detected,
                };
            }
            Triage::Urgent(urgency) => Some(urgency),
            Triage::Routine => None,
        };
        let verdict = |verdict| Classified {
            verdict,
            urgent,
            locale: detected,
        };
        let asks = text.contains(['?', '¿']);
        // Small talk never names a medicine ("thanks, I take aspirin").
        let talk =
            super::smalltalk::heard(&folded, asks).filter(|_| !rules.medicines.named(&folded));
        if let Some((talk, language)) = talk {
            return Classified {
                verdict: Verdict::SmallTalk(talk),
                urgent,
                locale: language.or(detected),
            };
        }
        if rules.person.is_match(&folded) {
            return verdict(Verdict::Human);
        }
        if rules.advice.against(&folded) {
            return verdict(Verdict::AdvisedAgainst);
        }
        if rules.medicines.asked(&folded, asks) {
            return verdict(Verdict::MedicineAdvice);
        }
        if super::body::only_a_body_part(&folded) {
            return verdict(Verdict::Fallback {
                score: 0.0,
                outside: false,
            });
        }
        let scores = self
            .semantic
            .as_ref()
            .and_then(|m| m.scores(text))
            .filter(|s| s.classes.len() == self.classes.count());
        // The model can only add to the rules' triage: an emergency or an
        // urgent worry the rules did not recognise, in words they did not
        // set aside ("all recovered", "no pus", an idiom). It was trained
        // and checked on English: it raises no alarm on another language.
        let reading = match (&assessment.without_idioms, &self.semantic) {
            _ if detected != Some(Locale::En) => None,
            (Some(plain), Some(model)) => model.scores(plain).map(|s| (s.tiers, s.red_flag)),
            _ => scores.as_ref().map(|s| (s.tiers, s.red_flag)),
        };
        let model_tier =
            reading.map(|(tiers, flag)| (TRIAGE_THRESHOLDS.model_tier(&tiers, &assessment), flag));
        let urgent = match model_tier {
            Some((1, flag)) => {
                return Classified {
                    verdict: Verdict::Emergency(flag),
                    urgent: None,
                    locale: detected,
                };
            }
            Some((2, _)) if urgent.is_none() => Some(Urgency::Unrecognised),
            _ => urgent,
        };
        // The learned reader hears the small talk the rules did not
        // ("cheerio", "much obliged"), never over a medicine named.
        let talk = scores.as_ref().and_then(|s| small_talk(&s.small_talk));
        if let Some(talk) = talk.filter(|_| !rules.medicines.named(&folded)) {
            return Classified {
                verdict: Verdict::SmallTalk(talk),
                urgent,
                locale: detected,
            };
        }
        // The lexical matcher runs only where it decides: without a model,
        // to settle which of the model's close topics is meant, or where the
        // model is unsure of every topic (it reads Spanish less well) but
        // does not think the message is outside the clinic's subjects.
        let verdict = match scores {
            None => self.lexical_verdict(text, detected),
            Some(scores) => self.semantic_then_lexical(&scores.classes, text, detected),
        };
        // What would fall back but is a wording of the folder word for word
        // (as staff taught it from the unanswered questions) is its topic's.
        let verdict = match (verdict, self.wordings.get(&folded)) {
            (Verdict::Fallback { .. }, Some(&topic)) => Verdict::Answer { topic, score: 1.0 },
            (verdict, _) => verdict,
        };
        Classified {
            verdict,
            urgent,
            locale: detected,
        }
    }

    /// The lexical matcher's verdict.
    fn lexical_verdict(&self, text: &str, detected: Option<Locale>) -> Verdict {
        let ranking = self.matcher.rank(text, detected);
        let best = ranking.top.first().copied();
        match best {
            None => Verdict::Fallback {
                score: 0.0,
                outside: false,
            },
            // Mostly words the knowledge folder has never seen: not our subject.
            Some(best)
                if ranking.out_of_scope
                    || (ranking.unknown > ranking.known && best.score < UNFAMILIAR_MAX) =>
            {
                Verdict::Fallback {
                    score: best.score,
                    outside: true,
                }
            }
            Some(best) if best.score < CLARIFY_MIN => Verdict::Fallback {
                score: best.score,
                outside: false,
            },
            Some(best) => {
                let second = ranking.top.get(1).map_or(0.0, |s| s.score);
                let lead = best.score - second;
                if (best.score >= ANSWER_MIN && lead >= ANSWER_MARGIN) || lead >= WIDE_LEAD {
                    Verdict::Answer {
                        topic: best.topic,
                        score: best.score,
                    }
                } else {
                    let mut candidates: Vec<usize> = ranking
                        .top
                        .iter()
                        .take(3)
                        .filter(|s| s.score >= best.score - CLARIFY_SPREAD)
                        .map(|s| s.topic)
                        .collect();
                    if candidates.len() < 2 {
                        // One weak candidate: offer it with its closest relative.
                        if let Some(related) = self.first_related[best.topic] {
                            candidates.push(related);
                        }
                    }
                    Verdict::Clarify {
                        candidates,
                        score: best.score,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::eval::{evaluate, parse_cases};
    use super::super::semantic::Scores;
    use crate::testing::{classifier, shipped};

    fn topic_of(k: &Knowledge, text: &str) -> Option<String> {
        match classifier().classify(text).verdict {
            Verdict::Answer { topic, .. } => Some(k.topics()[topic].id.to_string()),
            _ => None,
        }
    }

    #[test]
    fn the_matcher_reads_messages_the_way_patients_write_them() {
        let k = shipped();
        let cases = [
            // casing, punctuation, typos
            ("DOES IT HURT???", "does-it-hurt"),
            ("does it hrut", "does-it-hurt"),
            ("is it like acupunture", "vs-acupuncture"),
            // very short
            ("pregnant ok?", "pregnancy"),
            ("parking?", "location"),
            // slang and synonyms
            ("r the pins big", "needle-size"),
            ("what could go wrong, bruising?", "side-effects"),
            (
                "got a massive knot under my shoulder blade, what even is that",
                "trigger-points",
            ),
            ("on xarelto, problem?", "blood-thinners"),
            // a long, rambling message
            (
                "hi there, so I've been getting these headaches for months now, mostly from my neck and shoulders being tight from sitting at a desk all day, would needling help with that at all",
                "headaches-migraines",
            ),
            // Spanish
            ("¿duele?", "does-it-hurt"),
            ("estoy embarazada, puedo hacerme la puncion", "pregnancy"),
            ("cuanto cuesta una sesion", "cost"),
        ];
        for (text, expected) in cases {
            assert_eq!(topic_of(&k, text).as_deref(), Some(expected), "{text}");
        }
    }

    /// A model that reads every message the same way.
    struct Fixed(Scores);

    /// A model's small-talk reading of a message that is not small talk.
    const NOTHING_SAID: [f32; 5] = [0.0, 0.0, 0.0, 0.0, 1.0];

    impl Semantic for Fixed {
        fn scores(&self, _: &str) -> Option<Scores> {
            Some(self.0.clone())
        }
    }

    /// A classifier whose model is unsure: `spread` over the given topics
    /// (first most likely), `outside` for out of scope.
    fn unsure_model(k: &Knowledge, topics: &[&str], outside: f32) -> Classifier {
        let classes = Classes::of(k);
        let mut p = vec![0.001; classes.count()];
        for (rank, id) in topics.iter().enumerate() {
            let i = k.topic_index(&TopicId::parse(id).unwrap()).unwrap();
            p[i] = 0.15 - rank as f32 * 0.02;
        }
        p[classes.out_of_scope()] = outside;
        Classifier::with_semantic(
            k,
            Arc::new(Fixed(Scores {
                classes: p,
                tiers: [0.0, 0.0, 1.0],
                red_flag: RedFlag::ChestOrBreathing,
                small_talk: NOTHING_SAID,
            })),
        )
    }

    #[test]
    fn a_wording_of_the_folder_word_for_word_is_answered_where_the_model_would_fall_back() {
        let k = crate::testing::shipped();
        // A model that reads everything as out of scope.
        let c = unsure_model(&k, &[], 0.9);
        let cost = k.topic_index(&TopicId::parse("cost").unwrap()).unwrap();
        let wording = k.topics()[cost].text(Locale::En).phrasings[0].to_uppercase() + "?";
        assert_eq!(
            c.classify(&wording).verdict,
            Verdict::Answer {
                topic: cost,
                score: 1.0
            }
        );
        let near = format!("{wording} for my dog");
        assert!(
            matches!(c.classify(&near).verdict, Verdict::Fallback { .. }),
            "only word for word"
        );
    }

    /// A model sure of one topic at `p`, with `outside` for out of scope.
    fn leaning_model(k: &Knowledge, topic: &str, p: f32, outside: f32) -> Classifier {
        let classes = Classes::of(k);
        let mut probabilities = vec![0.001; classes.count()];
        probabilities[k.topic_index(&TopicId::parse(topic).unwrap()).unwrap()] = p;
        probabilities[classes.out_of_scope()] = outside;
        Classifier::with_semantic(
            k,
            Arc::new(Fixed(Scores {
                classes: probabilities,
                tiers: [0.0, 0.0, 1.0],
                red_flag: RedFlag::ChestOrBreathing,
                small_talk: NOTHING_SAID,
            })),
        )
    }

    /// A model that reads the message alone as out of scope at `outside`
    /// (and no topic), and the message after a context as `topic`.
    struct InContext {
        alone: Scores,
        with_context: Scores,
    }

    impl Semantic for InContext {
        fn scores(&self, text: &str) -> Option<Scores> {
            Some(if text.starts_with("Context.") {
                self.with_context.clone()
            } else {
                self.alone.clone()
            })
        }
    }

    fn in_context_model(k: &Knowledge, topic: &str, outside: f32) -> Classifier {
        let classes = Classes::of(k);
        let scores = |p: Vec<f32>| Scores {
            classes: p,
            tiers: [0.0, 0.0, 1.0],
            red_flag: RedFlag::ChestOrBreathing,
            small_talk: NOTHING_SAID,
        };
        let mut alone = vec![0.01; classes.count()];
        alone[classes.out_of_scope()] = outside;
        let mut with_context = vec![0.001; classes.count()];
        with_context[k.topic_index(&TopicId::parse(topic).unwrap()).unwrap()] = 0.9;
        Classifier::with_semantic(
            k,
            Arc::new(InContext {
                alone: scores(alone),
                with_context: scores(with_context),
            }),
        )
    }

    /// A model that reads every message as `small_talk` with triage `tiers`
    /// and no topic.
    fn talking_model(k: &Knowledge, small_talk: [f32; 5], tiers: [f32; 3]) -> Classifier {
        let classes = Classes::of(k);
        Classifier::with_semantic(
            k,
            Arc::new(Fixed(Scores {
                classes: vec![1.0 / classes.count() as f32; classes.count()],
                tiers,
                red_flag: RedFlag::Collapse,
                small_talk,
            })),
        )
    }

    #[test]
    fn the_learned_reader_hears_small_talk_the_rules_miss_but_not_over_a_medicine_or_an_emergency()
    {
        let k = shipped();
        let routine = [0.0, 0.0, 1.0];
        let goodbye = [0.1, 0.0, 0.7, 0.0, 0.2];
        // Words the small-talk rules do not know.
        let text = "the weather in town is lovely today";
        let rules_only = classifier().classify(text).verdict;
        assert!(
            !matches!(rules_only, Verdict::SmallTalk(_)),
            "{rules_only:?}"
        );
        let heard = talking_model(&k, goodbye, routine).classify(text);
        assert_eq!(heard.verdict, Verdict::SmallTalk(SmallTalk::Goodbye));
        let unsure = talking_model(&k, [0.3, 0.0, 0.4, 0.0, 0.3], routine).classify(text);
        assert!(
            !matches!(unsure.verdict, Verdict::SmallTalk(_)),
            "{unsure:?}"
        );
        let medicine =
            talking_model(&k, goodbye, routine).classify("the weather is lovely, ibuprofen");
        assert!(
            !matches!(medicine.verdict, Verdict::SmallTalk(_)),
            "{medicine:?}"
        );
        let emergency = talking_model(&k, goodbye, [0.99, 0.0, 0.01]).classify(text);
        assert_eq!(emergency.verdict, Verdict::Emergency(RedFlag::Collapse));
    }

    /// A model sure of a topic for the one message `sure_of`, unsure of
    /// every other.
    struct SureOf {
        sure_of: &'static str,
        sure: Scores,
        unsure: Scores,
    }

    impl Semantic for SureOf {
        fn scores(&self, text: &str) -> Option<Scores> {
            Some(if text == self.sure_of {
                self.sure.clone()
            } else {
                self.unsure.clone()
            })
        }
    }

    /// Asks back between cost and insurance on every message but
    /// `sure_of`, which it reads as `topic`.
    fn story_model(k: &Knowledge, sure_of: &'static str, topic: &str) -> Classifier {
        let classes = Classes::of(k);
        let index = |id: &str| k.topic_index(&TopicId::parse(id).unwrap()).unwrap();
        let scores = |p: Vec<f32>| Scores {
            classes: p,
            tiers: [0.0, 0.0, 1.0],
            red_flag: RedFlag::ChestOrBreathing,
            small_talk: NOTHING_SAID,
        };
        let mut sure = vec![0.001; classes.count()];
        sure[index(topic)] = 0.9;
        let mut unsure = vec![0.01; classes.count()];
        unsure[index("cost")] = 0.3;
        unsure[index("insurance")] = 0.25;
        Classifier::with_semantic(
            k,
            Arc::new(SureOf {
                sure_of,
                sure: scores(sure),
                unsure: scores(unsure),
            }),
        )
    }

    #[test]
    fn the_question_inside_a_story_settles_which_topic_the_story_was_asked_back_between() {
        let k = shipped();
        let insurance = k.topic_index(&TopicId::parse("insurance").unwrap());
        // Words no matcher knows, so that only the model decides.
        let story = "Zzq wibble frob. Blorp snark? Quux.";
        let read = story_model(&k, "Blorp snark?", "insurance").classify_in_context(story, None);
        assert!(
            matches!(read.verdict, Verdict::Answer { topic, .. } if Some(topic) == insurance),
            "{:?}",
            read.verdict
        );
        // A question read out of its story answers only what the whole
        // was asked back between.
        let elsewhere = story_model(&k, "Blorp snark?", "hours").classify_in_context(story, None);
        assert!(
            matches!(elsewhere.verdict, Verdict::Clarify { .. }),
            "{:?}",
            elsewhere.verdict
        );
        // A story that asks nothing is not cut into pieces.
        let told = story_model(&k, "Blorp snark.", "insurance")
            .classify_in_context("Zzq wibble frob. Blorp snark.", None);
        assert!(
            matches!(told.verdict, Verdict::Clarify { .. }),
            "{:?}",
            told.verdict
        );
    }

    #[test]
    fn a_message_read_as_outside_the_clinics_subjects_is_not_read_again_with_the_context() {
        let k = shipped();
        let cost = k.topic_index(&TopicId::parse("cost").unwrap());
        // Words no matcher knows, so that only the model decides.
        let text = "zzq wibble frob";
        let unsure = in_context_model(&k, "cost", 0.15).classify_in_context(text, Some("Context."));
        assert!(
            matches!(unsure.verdict, Verdict::Answer { topic, .. } if Some(topic) == cost),
            "an unsure message is read with the context: {:?}",
            unsure.verdict
        );
        let outside = in_context_model(&k, "cost", 0.6).classify_in_context(text, Some("Context."));
        assert!(
            matches!(outside.verdict, Verdict::Fallback { outside: true, .. }),
            "a message the model reads as out of scope stands alone: {:?}",
            outside.verdict
        );
    }

    #[test]
    fn the_model_answers_only_when_the_message_reads_much_less_like_something_the_folder_does_not_answer()
     {
        let k = shipped();
        // Words no matcher knows, so that only the model decides.
        let text = "zzq wibble frob";
        let after_care = k.topic_index(&TopicId::parse("after-care").unwrap());
        let clear = leaning_model(&k, "after-care", 0.6, 0.1).classify(text);
        assert!(
            matches!(clear.verdict, Verdict::Answer { topic, .. } if Some(topic) == after_care),
            "{:?}",
            clear.verdict
        );
        let shadowed = leaning_model(&k, "after-care", 0.6, 0.35).classify(text);
        assert!(
            !matches!(shadowed.verdict, Verdict::Answer { .. }),
            "{:?}",
            shadowed.verdict
        );
        let weak = leaning_model(&k, "after-care", 0.38, 0.0).classify(text);
        assert!(
            !matches!(weak.verdict, Verdict::Answer { .. }),
            "{:?}",
            weak.verdict
        );
    }

    #[test]
    fn where_the_model_is_unsure_the_matchers_answer_counts_only_among_its_likely_topics() {
        let k = shipped();
        let text = "¿cuánto cuesta una sesión?";
        let answered = |c: &Classifier| match c.classify(text).verdict {
            Verdict::Answer { topic, .. } => Some(k.topics()[topic].id.to_string()),
            _ => None,
        };
        // The matcher reads "cost"; the model has it third: answered.
        let model = unsure_model(&k, &["insurance", "booking", "cost"], 0.05);
        assert_eq!(answered(&model).as_deref(), Some("cost"));
        // Not among the model's three most likely: the model's fallback stands.
        let model = unsure_model(&k, &["insurance", "booking", "hours", "cost"], 0.05);
        assert_eq!(answered(&model), None);
        // The model reads it as out of scope: it stands too.
        let model = unsure_model(&k, &["cost", "insurance"], 0.4);
        assert!(matches!(
            model.classify(text).verdict,
            Verdict::Fallback { .. }
        ));
    }

    /// A model that reads an emergency of `flag`'s kind with probability
    /// `p` in everything.
    fn alarmed_model(k: &Knowledge, p: f32, flag: RedFlag) -> Classifier {
        let mut classes = vec![0.0; Classes::of(k).count()];
        classes[0] = 1.0;
        Classifier::with_semantic(
            k,
            Arc::new(Fixed(Scores {
                classes,
                tiers: [p, 0.0, 1.0 - p],
                red_flag: flag,
                small_talk: NOTHING_SAID,
            })),
        )
    }

    #[test]
    fn a_models_alarm_is_not_heard_over_a_sign_the_rules_set_aside_unless_it_is_very_sure() {
        let k = shipped();
        let denied =
            "my shoulder is sore since the needling but no chest pain and i can breathe fine";
        let unsure = alarmed_model(&k, 0.7, RedFlag::Stroke);
        assert!(!matches!(
            unsure.classify(denied).verdict,
            Verdict::Emergency(_)
        ));
        // Words the rules do not know: the model adds the emergency, and
        // names its category.
        assert_eq!(
            unsure
                .classify("everything went grey and my mouth is doing weird things")
                .verdict,
            Verdict::Emergency(RedFlag::Stroke)
        );
        let sure = alarmed_model(&k, 0.95, RedFlag::ChestOrBreathing);
        assert_eq!(
            sure.classify(denied).verdict,
            Verdict::Emergency(RedFlag::ChestOrBreathing)
        );
    }

    #[test]
    fn a_model_trained_on_english_raises_no_alarm_on_spanish() {
        let k = shipped();
        let sure = alarmed_model(&k, 0.99, RedFlag::SelfHarm);
        assert_eq!(
            sure.classify("i just want everything to be quiet for good")
                .verdict,
            Verdict::Emergency(RedFlag::SelfHarm)
        );
        for text in [
            "tengo que cancelar la cita del jueves, me cambiaron el turno",
            "¿es verdad que te pueden pinchar el pulmón? lo vi en un vídeo",
        ] {
            assert!(
                !matches!(sure.classify(text).verdict, Verdict::Emergency(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_models_alarm_over_a_sign_the_rules_read_as_urgent_stays_urgent_unless_it_is_very_sure() {
        let k = shipped();
        let broken = "the needle broke and i think the tip is still in there";
        let unsure = alarmed_model(&k, 0.7, RedFlag::Bleeding).classify(broken);
        assert_eq!(
            unsure.verdict,
            Verdict::Answer {
                topic: 0,
                score: 1.0
            }
        );
        assert_eq!(unsure.urgent, Some(Urgency::NeedleProblem));
        assert_eq!(
            alarmed_model(&k, 0.95, RedFlag::Bleeding)
                .classify(broken)
                .verdict,
            Verdict::Emergency(RedFlag::Bleeding)
        );
    }

    #[test]
    fn a_body_part_alone_falls_back_instead_of_guessing_a_topic() {
        for text in ["left arm", "hombro", "dolor de espalda", "my knee"] {
            assert!(
                matches!(
                    classifier().classify(text).verdict,
                    Verdict::Fallback { .. }
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn thanks_that_name_a_medicine_are_not_small_talk() {
        let c = classifier();
        assert_eq!(
            c.classify("thanks so much").verdict,
            Verdict::SmallTalk(SmallTalk::Thanks)
        );
        for text in [
            "thanks, I take aspirin every day btw",
            "ok gracias, tomo sintrom",
        ] {
            assert!(
                !matches!(c.classify(text).verdict, Verdict::SmallTalk(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn spanish_questions_are_recognised_as_spanish() {
        assert_eq!(classifier().classify("¿duele?").locale, Some(Locale::Es));
        assert_eq!(
            classifier().classify("does it hurt").locale,
            Some(Locale::En)
        );
    }

    #[test]
    fn unsure_matches_ask_back_with_two_or_three_topics() {
        match classifier().classify("how long").verdict {
            Verdict::Clarify { candidates, .. } => assert!((2..=3).contains(&candidates.len())),
            other => panic!("expected clarify, got {other:?}"),
        }
    }

    #[test]
    fn out_of_scope_questions_fall_back_and_risk_questions_are_answered() {
        let k = shipped();
        for text in [
            "do you do botox",
            "can my cat get needled",
            "what is the best pizza in town",
        ] {
            assert!(
                matches!(
                    classifier().classify(text).verdict,
                    Verdict::Fallback { .. }
                ),
                "{text}"
            );
        }
        assert_eq!(
            topic_of(&k, "can needling give you a collapsed lung?").as_deref(),
            Some("side-effects")
        );
    }

    #[test]
    fn an_emergency_wins_over_a_question_in_the_same_message() {
        let verdict = classifier()
            .classify("my chest hurts and I can't breathe, does needling cause that?")
            .verdict;
        assert_eq!(verdict, Verdict::Emergency(RedFlag::ChestOrBreathing));
    }

    fn accuracy_on(path: &std::path::Path) -> (f64, usize, usize) {
        let text = std::fs::read_to_string(path).unwrap();
        let cases = parse_cases(&text).unwrap();
        let report = evaluate(&classifier(), &shipped(), &cases);
        let (caught, emergencies) = report.emergencies();
        (report.accuracy(), emergencies, caught)
    }

    #[test]
    fn independent_paraphrases_score_at_least_0_85_with_every_emergency_caught() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paraphrases.tsv");
        let (accuracy, emergencies, caught) = accuracy_on(&path);
        assert!(accuracy >= 0.85, "accuracy {accuracy:.3}");
        assert_eq!(caught, emergencies);
    }

    /// The project's development set lives outside the repository (in the
    /// shared folder CI checks out beside it).
    #[test]
    fn the_development_set_scores_at_least_0_90_with_every_emergency_caught() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/dev.tsv");
        if !path.exists() {
            eprintln!("skipped: {} not present", path.display());
            return;
        }
        let (accuracy, emergencies, caught) = accuracy_on(&path);
        assert!(accuracy >= 0.90, "accuracy {accuracy:.3}");
        assert_eq!(caught, emergencies);
    }
}
