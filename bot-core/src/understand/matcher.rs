//! The FAQ matcher: ranks knowledge-file topics for a patient's message.
//!
//! Each language has its own index. A message is folded (case, accents,
//! punctuation), split into words, stripped of function words, mapped through
//! the clinic's lexicon (patients' words → the knowledge file's words, phrases
//! included), stemmed with the Snowball stemmer, and spelling-corrected against
//! the index's vocabulary (symmetric-delete lookup, so it stays fast).
//!
//! A topic's score blends two idf-weighted measures: how well the message
//! matches its closest phrasing (cosine over sets of terms), and how much of
//! the message the topic's words cover. Words the index has never seen count
//! against coverage, so a question about something the clinic does not cover
//! scores low and falls back instead of being forced onto a topic.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use crate::ids::Locale;
use crate::knowledge::{LexiconSet, Topic};
use crate::text::{fold, is_stopword};

/// Weight of a word the index has never seen (a term found in exactly one
/// topic weighs about 3.9).
const UNKNOWN_WEIGHT: f32 = 2.2;
/// How much a term that appears only in a topic's answer counts toward coverage.
const ANSWER_TERM_FACTOR: f32 = 0.35;
/// A phrasing needs a word at least this rare to take part (a word in every
/// topic weighs ln 2 ≈ 0.69; one in a third of them about 1.4).
const MIN_DISTINCTIVE_IDF: f32 = 1.2;
/// An alternate phrasing counts slightly less than the canonical question, so
/// that the canonical wording wins a tie.
const PHRASING_FACTOR: f32 = 0.96;
/// How much of a term's coverage weight depends on its share of the topic's
/// phrasings (the rest is flat).
const SALIENCE_SHARE: f32 = 0.5;
/// Words longer than this are never spelling-corrected (the number of delete
/// variants grows with the square of the length).
const MAX_CORRECTED_LEN: usize = 24;
/// Only this much of a message is matched: enough for any real question, and
/// a 100 KB paste costs no more than a long paragraph.
pub const MAX_MATCHED_CHARS: usize = 2000;
/// How much a spelling-corrected word counts when matching.
const CORRECTED_FACTOR: f32 = 0.7;
/// The word out-of-scope phrases are read as (no stemmer changes it).
const OUT_OF_SCOPE: &str = "outofscope";
/// Blend between best-phrasing similarity and topic coverage.
const PHRASING_SHARE: f32 = 0.5;

/// A topic with its score, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Index into the knowledge's topic list.
    pub topic: usize,
    pub score: f32,
}

/// The matcher's view of one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The language whose index matched best.
    pub locale: Locale,
    /// Up to five topics, best first.
    pub top: Vec<Scored>,
    /// The message names something the clinic has said it does not handle.
    pub out_of_scope: bool,
    /// Content words recognised / not recognised.
    pub known: usize,
    pub unknown: usize,
}

/// The matcher over a knowledge file, one index per language.
#[derive(Debug)]
pub struct Matcher {
    en: LangIndex,
    es: LangIndex,
}

/// A multi-word phrase and the canonical words it stands for.
type Phrase = (Vec<String>, Vec<String>);

struct LangIndex {
    locale: Locale,
    stemmer: Stemmer,
    /// Folded single word (or its stem) → canonical word(s).
    synonyms: HashMap<String, Vec<String>>,
    /// First word of a multi-word phrase → the phrases starting with it.
    phrases: HashMap<String, Vec<Phrase>>,
    out_of_scope: HashSet<String>,
    /// Stem → term id.
    terms: HashMap<String, u32>,
    idf: Vec<f32>,
    max_idf: f32,
    /// Per term: the phrasings (docs) containing it.
    postings: Vec<Vec<u32>>,
    /// Per term: topics whose questions or phrasings contain it, with how
    /// characteristic the term is of the topic (share of its phrasings).
    topic_postings: Vec<Vec<(u16, f32)>>,
    /// Per term: topics that have it only in their answer.
    answer_postings: Vec<Vec<u16>>,
    doc_topic: Vec<u16>,
    doc_weight: Vec<f32>,
    /// 1 for a topic's canonical question, a little less for other phrasings.
    doc_boost: Vec<f32>,
    topics: usize,
    speller: Speller,
}

impl std::fmt::Debug for LangIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LangIndex")
            .field("locale", &self.locale)
            .field("terms", &self.terms.len())
            .field("docs", &self.doc_topic.len())
            .finish_non_exhaustive()
    }
}

impl Matcher {
    pub fn build(topics: &[Topic], en: &LexiconSet, es: &LexiconSet) -> Matcher {
        Matcher {
            en: LangIndex::build(Locale::En, topics, en),
            es: LangIndex::build(Locale::Es, topics, es),
        }
    }

    /// Ranks topics for a message. `hint` is the language the message seems to
    /// be in; that index wins unless the other one matches clearly better.
    pub fn rank(&self, text: &str, hint: Option<Locale>) -> Ranking {
        let end = text
            .char_indices()
            .nth(MAX_MATCHED_CHARS)
            .map_or(text.len(), |(i, _)| i);
        let folded = fold(&text[..end]);
        let en = self.en.rank(&folded);
        let es = self.es.rank(&folded);
        let best = |r: &Ranking| r.top.first().map_or(0.0, |s| s.score);
        let prefer_es = match hint {
            Some(Locale::Es) => best(&es) + 0.15 >= best(&en),
            Some(Locale::En) => best(&es) > best(&en) + 0.15,
            None => best(&es) > best(&en),
        };
        if prefer_es { es } else { en }
    }
}

impl LangIndex {
    fn build(locale: Locale, topics: &[Topic], lexicon: &LexiconSet) -> LangIndex {
        let algorithm = match locale {
            Locale::En => Algorithm::English,
            Locale::Es => Algorithm::Spanish,
        };
        let mut index = LangIndex {
            locale,
            stemmer: Stemmer::create(algorithm),
            synonyms: HashMap::new(),
            phrases: HashMap::new(),
            out_of_scope: HashSet::new(),
            terms: HashMap::new(),
            idf: Vec::new(),
            max_idf: 1.0,
            postings: Vec::new(),
            topic_postings: Vec::new(),
            answer_postings: Vec::new(),
            doc_topic: Vec::new(),
            doc_weight: Vec::new(),
            doc_boost: Vec::new(),
            topics: topics.len(),
            speller: Speller::default(),
        };
        let mut vocabulary: HashSet<String> = HashSet::new();
        // A variant's stem stands for it too ("pins" → "pin"), unless that stem
        // is also a canonical word's ("segura" must not swallow "seguro").
        let canonical_stems: HashSet<String> = lexicon
            .synonyms
            .keys()
            .flat_map(|k| fold(k).split(' ').map(str::to_owned).collect::<Vec<_>>())
            .map(|w| index.stemmer.stem(&w).into_owned())
            .collect();
        for (canonical, variants) in &lexicon.synonyms {
            let target: Vec<String> = fold(canonical)
                .split(' ')
                .filter(|w| !is_stopword(locale, w))
                .map(str::to_owned)
                .collect();
            vocabulary.extend(target.iter().cloned());
            for variant in variants {
                let words: Vec<String> = fold(variant).split(' ').map(str::to_owned).collect();
                match words.as_slice() {
                    [] => {}
                    [one] => {
                        vocabulary.insert(one.clone());
                        let stem = index.stemmer.stem(one).into_owned();
                        if !canonical_stems.contains(&stem) {
                            index.synonyms.insert(stem, target.clone());
                        }
                        index.synonyms.insert(one.clone(), target.clone());
                    }
                    [first, ..] => {
                        vocabulary.extend(words.iter().cloned());
                        index
                            .phrases
                            .entry(first.clone())
                            .or_default()
                            .push((words.clone(), target.clone()));
                    }
                }
            }
        }
        // Out-of-scope phrases become phrases for one reserved word.
        let reserved = index.stemmer.stem(OUT_OF_SCOPE).into_owned();
        index.out_of_scope.insert(reserved);
        for entry in &lexicon.out_of_scope {
            let words: Vec<String> = fold(entry).split(' ').map(str::to_owned).collect();
            vocabulary.extend(words.iter().cloned());
            match words.as_slice() {
                [] => {}
                [one] => {
                    index
                        .out_of_scope
                        .insert(index.stemmer.stem(one).into_owned());
                }
                [first, ..] => index
                    .phrases
                    .entry(first.clone())
                    .or_default()
                    .push((words.clone(), vec![OUT_OF_SCOPE.to_owned()])),
            }
        }

        // Docs: each topic's question and phrasings. Terms from the answer are
        // kept apart, as weaker evidence.
        let mut doc_terms: Vec<Vec<u32>> = Vec::new();
        let mut topic_terms: Vec<HashSet<u32>> = vec![HashSet::new(); topics.len()];
        let mut answer_terms: Vec<HashSet<u32>> = vec![HashSet::new(); topics.len()];
        for (t, topic) in topics.iter().enumerate() {
            let text = topic.text(locale);
            for (n, doc) in std::iter::once(&text.question)
                .chain(&text.phrasings)
                .enumerate()
            {
                let folded = fold(doc);
                vocabulary.extend(folded.split(' ').map(str::to_owned));
                let mut ids: Vec<u32> = index
                    .analyse(&folded, None)
                    .into_iter()
                    .map(|(stem, _)| index.intern(stem))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                topic_terms[t].extend(ids.iter().copied());
                index.doc_topic.push(t as u16);
                index
                    .doc_boost
                    .push(if n == 0 { 1.0 } else { PHRASING_FACTOR });
                doc_terms.push(ids);
            }
            let folded = fold(&text.answer);
            vocabulary.extend(folded.split(' ').map(str::to_owned));
            for (stem, _) in index.analyse(&folded, None) {
                let id = index.intern(stem);
                answer_terms[t].insert(id);
            }
        }
        let n_terms = index.terms.len();
        index.postings = vec![Vec::new(); n_terms];
        index.topic_postings = vec![Vec::new(); n_terms];
        index.answer_postings = vec![Vec::new(); n_terms];
        for (d, ids) in doc_terms.iter().enumerate() {
            for &id in ids {
                index.postings[id as usize].push(d as u32);
            }
        }
        let mut docs_per_topic = vec![0usize; topics.len()];
        let mut term_docs_in_topic: HashMap<(u32, u16), usize> = HashMap::new();
        for (d, ids) in doc_terms.iter().enumerate() {
            let t = index.doc_topic[d];
            docs_per_topic[t as usize] += 1;
            for &id in ids {
                *term_docs_in_topic.entry((id, t)).or_default() += 1;
            }
        }
        for (t, ids) in topic_terms.iter().enumerate() {
            for &id in ids {
                let share =
                    term_docs_in_topic[&(id, t as u16)] as f32 / docs_per_topic[t].max(1) as f32;
                let salience = 1.0 - SALIENCE_SHARE + SALIENCE_SHARE * share.sqrt();
                index.topic_postings[id as usize].push((t as u16, salience));
            }
        }
        for (t, ids) in answer_terms.iter().enumerate() {
            for &id in ids.difference(&topic_terms[t]) {
                index.answer_postings[id as usize].push(t as u16);
            }
        }
        let n = topics.len().max(1) as f32;
        index.idf = (0..n_terms)
            .map(|id| {
                let df = index.topic_postings[id].len() as f32
                    + ANSWER_TERM_FACTOR * index.answer_postings[id].len() as f32;
                (1.0 + n / df.max(ANSWER_TERM_FACTOR)).ln()
            })
            .collect();
        index.max_idf = index.idf.iter().copied().fold(1.0, f32::max);
        index.doc_weight = doc_terms
            .iter()
            .map(|ids| ids.iter().map(|&id| index.idf[id as usize]).sum())
            .collect();
        // A phrasing with no distinctive word ("what will dry needling do for
        // me") cannot tell its topic from any other: leave it out of matching.
        // The canonical question always stays.
        for (d, ids) in doc_terms.iter().enumerate() {
            let informative = ids
                .iter()
                .any(|&id| index.idf[id as usize] >= MIN_DISTINCTIVE_IDF);
            if !informative && index.doc_boost[d] < 1.0 {
                index.doc_boost[d] = 0.0;
            }
        }
        for word in &vocabulary {
            if !word.is_empty() {
                index.speller.insert(word);
            }
        }
        for word in crate::text::stopwords(locale) {
            index.speller.insert(word);
        }
        index
    }

    fn intern(&mut self, stem: String) -> u32 {
        let next = self.terms.len() as u32;
        *self.terms.entry(stem).or_insert(next)
    }

    /// Folded text → content stems, after phrases, synonyms and (for queries)
    /// spelling correction. Unknown words are counted in `unknown` when given.
    fn analyse(&self, folded: &str, mut unknown: Option<&mut Vec<String>>) -> Vec<(String, f32)> {
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            if let Some((len, target)) = self.phrase_at(&words[i..]) {
                out.extend(
                    target
                        .iter()
                        .map(|w| (self.stemmer.stem(w).into_owned(), 1.0)),
                );
                i += len;
                continue;
            }
            let word = words[i];
            i += 1;
            if is_stopword(self.locale, word) {
                continue;
            }
            let stems = self.word_stems(word);
            match (stems, unknown.as_deref_mut()) {
                (Some(stems), _) => out.extend(stems.into_iter().map(|s| (s, 1.0))),
                (None, None) => out.push((self.stemmer.stem(word).into_owned(), 1.0)),
                (None, Some(unknown)) => match self.speller.correct(word) {
                    Some(fixed) if is_stopword(self.locale, fixed) => {}
                    Some(fixed) => match self.word_stems(fixed) {
                        Some(stems) => out.extend(stems.into_iter().map(|s| (s, CORRECTED_FACTOR))),
                        None => note_unknown(unknown, word),
                    },
                    None => note_unknown(unknown, word),
                },
            }
        }
        out
    }

    fn phrase_at<'a>(&'a self, words: &[&str]) -> Option<(usize, &'a [String])> {
        let candidates = self.phrases.get(words[0])?;
        candidates
            .iter()
            .filter(|(phrase, _)| {
                phrase.len() <= words.len() && phrase.iter().zip(words).all(|(p, w)| p == w)
            })
            .max_by_key(|(phrase, _)| phrase.len())
            .map(|(phrase, target)| (phrase.len(), target.as_slice()))
    }

    /// The stems a single word stands for, if the index knows it (directly, as
    /// a synonym, or as an out-of-scope word).
    fn word_stems(&self, word: &str) -> Option<Vec<String>> {
        let stem = self.stemmer.stem(word);
        if let Some(target) = self
            .synonyms
            .get(word)
            .or_else(|| self.synonyms.get(stem.as_ref()))
        {
            return Some(
                target
                    .iter()
                    .map(|w| self.stemmer.stem(w).into_owned())
                    .collect(),
            );
        }
        if self.terms.contains_key(stem.as_ref()) || self.out_of_scope.contains(stem.as_ref()) {
            return Some(vec![stem.into_owned()]);
        }
        None
    }

    fn rank(&self, folded: &str) -> Ranking {
        let mut unknown_words = Vec::new();
        let stems = self.analyse(folded, Some(&mut unknown_words));
        let out_of_scope = stems.iter().any(|(s, _)| self.out_of_scope.contains(s));
        // Each known term once, with the surest reading of it.
        let mut ids: Vec<(u32, f32)> = stems
            .iter()
            .filter_map(|(s, sure)| Some((*self.terms.get(s)?, *sure)))
            .collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        ids.dedup_by_key(|(id, _)| *id);
        let unknown = unknown_words.len()
            + stems
                .iter()
                .filter(|(s, _)| !self.terms.contains_key(s))
                .count();
        let query_weight: f32 = ids
            .iter()
            .map(|&(id, _)| self.idf[id as usize])
            .sum::<f32>()
            + UNKNOWN_WEIGHT * unknown as f32;
        let mut ranking = Ranking {
            locale: self.locale,
            top: Vec::new(),
            out_of_scope,
            known: ids.len(),
            unknown,
        };
        if ids.is_empty() {
            return ranking;
        }
        let mut doc_match = vec![0f32; self.doc_topic.len()];
        let mut coverage = vec![0f32; self.topics];
        for &(id, sure) in &ids {
            // A corrected word is weaker evidence: it matches with less weight
            // but still counts fully in the message's total.
            let w = self.idf[id as usize] * sure;
            for &d in &self.postings[id as usize] {
                doc_match[d as usize] += w;
            }
            // Salience matters for distinctive terms, not for "dry needling".
            let rarity = self.idf[id as usize] / self.max_idf;
            for &(t, salience) in &self.topic_postings[id as usize] {
                coverage[t as usize] += w * (1.0 - rarity * (1.0 - salience));
            }
            for &t in &self.answer_postings[id as usize] {
                coverage[t as usize] += ANSWER_TERM_FACTOR * w;
            }
        }
        let mut best_doc = vec![0f32; self.topics];
        for (d, &m) in doc_match.iter().enumerate() {
            if m > 0.0 {
                let cos = self.doc_boost[d] * m / (query_weight * self.doc_weight[d]).sqrt();
                let t = self.doc_topic[d] as usize;
                best_doc[t] = best_doc[t].max(cos);
            }
        }
        let mut scored: Vec<Scored> = (0..self.topics)
            .filter(|&t| coverage[t] > 0.0)
            .map(|t| Scored {
                topic: t,
                score: PHRASING_SHARE * best_doc[t]
                    + (1.0 - PHRASING_SHARE) * coverage[t] / query_weight,
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.topic.cmp(&b.topic)));
        scored.truncate(5);
        ranking.top = scored;
        ranking
    }
}

/// Records a word the index does not know. One- and two-letter fragments
/// (the "b" of a pasted `<b>`, a stray "xx") say nothing about the subject,
/// so they do not count against the message.
fn note_unknown(unknown: &mut Vec<String>, word: &str) {
    if word.chars().count() > 2 || word.chars().all(|c| c.is_ascii_digit()) {
        unknown.push(word.to_owned());
    }
}

/// Spelling correction by symmetric deletes: every vocabulary word is stored
/// under itself and each form with one letter deleted (two for long words), so
/// a misspelt word finds its candidates by a few hash look-ups rather than by
/// comparing against the whole vocabulary.
#[derive(Default)]
struct Speller {
    words: Vec<String>,
    known: HashSet<String>,
    deletes: HashMap<String, Vec<u32>>,
}

impl Speller {
    fn max_distance(len: usize) -> usize {
        match len {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        }
    }

    fn insert(&mut self, word: &str) {
        if word.chars().count() > MAX_CORRECTED_LEN || !self.known.insert(word.to_owned()) {
            return;
        }
        let id = self.words.len() as u32;
        self.words.push(word.to_owned());
        let chars: Vec<char> = word.chars().collect();
        for variant in deletes(&chars, Self::max_distance(chars.len()).min(2)) {
            self.deletes.entry(variant).or_default().push(id);
        }
    }

    /// The closest vocabulary word within the allowed distance, if any; ties go
    /// to the word that keeps the first letter, then to the shorter word,
    /// then to the first in alphabetical order (never to the order words
    /// were added in, which follows a HashSet's and changed every run).
    fn correct(&self, word: &str) -> Option<&str> {
        if let Some(known) = self.known.get(word) {
            return Some(known.as_str());
        }
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_CORRECTED_LEN {
            return None;
        }
        let max = Self::max_distance(chars.len());
        if max == 0 {
            return None;
        }
        // Ties go last to the word itself, so the answer never depends on
        // the order words were added in.
        let mut best: Option<(usize, bool, usize, &str)> = None;
        for variant in deletes(&chars, max) {
            let Some(ids) = self.deletes.get(&variant) else {
                continue;
            };
            for &id in ids {
                let candidate = &self.words[id as usize];
                let distance = strsim::osa_distance(word, candidate);
                if distance > max {
                    continue;
                }
                let first_differs = candidate.chars().next() != chars.first().copied();
                if first_differs && chars.len() < 6 {
                    continue;
                }
                let key = (distance, first_differs, candidate.len(), candidate.as_str());
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        best.map(|(.., word)| word)
    }
}

/// The word itself and every form with up to `depth` letters deleted.
fn deletes(chars: &[char], depth: usize) -> HashSet<String> {
    let mut out = HashSet::new();
    out.insert(chars.iter().collect::<String>());
    let mut frontier = vec![chars.to_vec()];
    for _ in 0..depth {
        let mut next = Vec::new();
        for w in &frontier {
            if w.len() <= 2 {
                continue;
            }
            for i in 0..w.len() {
                let mut v = w.clone();
                v.remove(i);
                if out.insert(v.iter().collect()) {
                    next.push(v);
                }
            }
        }
        frontier = next;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_misspelling_between_two_equally_close_words_is_corrected_the_same_whatever_the_order() {
        // "bant" is one letter from both, same length, same first letter.
        let mut one = Speller::default();
        let mut other = Speller::default();
        for word in ["bent", "band"] {
            one.insert(word);
        }
        for word in ["band", "bent"] {
            other.insert(word);
        }
        assert_eq!(one.correct("bant"), Some("band"));
        assert_eq!(other.correct("bant"), Some("band"));
    }

    use super::*;

    fn speller(words: &[&str]) -> Speller {
        let mut s = Speller::default();
        for w in words {
            s.insert(w);
        }
        s
    }

    #[test]
    fn the_speller_fixes_one_slip_in_a_short_word() {
        let s = speller(&["hurt", "pregnant", "acupuncture", "needle"]);
        assert_eq!(s.correct("hrut"), Some("hurt"));
        assert_eq!(s.correct("pregnat"), Some("pregnant"));
        assert_eq!(s.correct("acupunture"), Some("acupuncture"));
        assert_eq!(s.correct("accupunctur"), Some("acupuncture"));
        assert_eq!(s.correct("neddle"), Some("needle"));
    }

    #[test]
    fn a_huge_word_is_not_spelling_corrected() {
        let s = speller(&["hurt"]);
        assert_eq!(s.correct(&"a".repeat(100_000)), None);
    }

    #[test]
    fn the_speller_leaves_unrelated_words_alone() {
        let s = speller(&["hurt", "pregnant", "acupuncture"]);
        assert_eq!(s.correct("botox"), None);
        assert_eq!(s.correct("dog"), None);
        assert_eq!(
            s.correct("burt"),
            None,
            "first letter must match in short words"
        );
    }
}
