//! Text normalisation shared by the matcher and the emergency rules: folding
//! case and accents, splitting into words, and guessing English or Spanish.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use regex::Regex;

use crate::ids::Locale;

/// Lower-cases, folds compatibility forms (full-width letters, ligatures),
/// strips accents and invisible format characters (zero-width spaces and
/// joiners, soft hyphens, direction marks), turns every other
/// non-alphanumeric run into one space and trims. Apostrophes are dropped
/// inside words ("can't" becomes "cant") so contractions stay one word.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) || is_format(c) || matches!(c, '\'' | '’' | '`' | '´') {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Compiles a fixed pattern that reads [`fold`]ed text, with `\w` and `\b`
/// meaning ASCII letters, digits and `_`.
///
/// Folding strips accents, so English and Spanish words are ASCII by then.
/// With Unicode's classes instead, the triage rules (many `(\w+ ){0,8}`
/// gaps) compiled to 46 MB of automata in 0.3 s and read a message in
/// 24 µs; with ASCII ones, 2 MB in 23 ms and 5 µs. A word in another
/// script is not a word to these patterns, which name only English and
/// Spanish words.
///
/// # Panics
///
/// If the pattern does not compile: patterns are constants in the code, and
/// every one is compiled by the tests.
pub fn folded_pattern(pattern: &str) -> Regex {
    let ascii = pattern
        .replace(r"\w", r"(?-u:\w)")
        .replace(r"\b", r"(?-u:\b)");
    Regex::new(&ascii).unwrap_or_else(|e| panic!("a fixed pattern does not compile: {e}"))
}

/// A list of short patterns compiled as one [`folded_pattern`], each
/// matched as whole words: the form every rule list (triage signs, their
/// context, a clinician's advice) is written in, one pattern a line.
///
/// # Panics
///
/// If a pattern does not compile: the lists are constants covered by tests.
pub fn folded_words<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Regex {
    let joined: Vec<&str> = patterns.into_iter().collect();
    folded_pattern(&format!(r"\b(?:{})\b", joined.join("|")))
}

/// Unicode's format characters (general category Cf) that appear in chat:
/// invisible, so they must not split or hide a word.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Guesses the language of a message from its function words and Spanish-only
/// marks. Returns `None` when the message gives no clue either way.
pub fn detect_locale(text: &str) -> Option<Locale> {
    let (es, en) = locale_evidence(text);
    match es.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Locale::Es),
        std::cmp::Ordering::Less => Some(Locale::En),
        std::cmp::Ordering::Equal => None,
    }
}

/// The language a text is clearly written in: two signs more of one than
/// the other ("me" alone is Spanish and English; "nickel, jewelry makes me
/// itch" is not clearly Spanish). A conversation's language changes only on
/// this.
pub fn clear_locale(text: &str) -> Option<Locale> {
    let (es, en) = locale_evidence(text);
    if es >= en + 2 {
        Some(Locale::Es)
    } else if en >= es + 2 {
        Some(Locale::En)
    } else {
        None
    }
}

/// Signs of Spanish and of English in a text.
fn locale_evidence(text: &str) -> (i32, i32) {
    let mut es: i32 = 0;
    let mut en: i32 = 0;
    if text.contains(['¿', '¡', 'ñ', 'Ñ']) {
        es += 2;
    }
    if text.contains(['á', 'é', 'í', 'ó', 'ú']) {
        es += 1;
    }
    for word in fold(text).split(' ') {
        if ES_MARKERS.contains(&word) {
            es += 1;
        }
        if EN_MARKERS.contains(&word) {
            en += 1;
        }
    }
    (es, en)
}

/// Words that are far more common in one language than the other; used only to
/// guess the language, never to match.
const ES_MARKERS: &[&str] = &[
    "que",
    "es",
    "la",
    "el",
    "los",
    "las",
    "de",
    "del",
    "puedo",
    "tengo",
    "estoy",
    "como",
    "cuanto",
    "cuanta",
    "cuantas",
    "cuantos",
    "cuando",
    "donde",
    "duele",
    "mi",
    "me",
    "una",
    "para",
    "con",
    "por",
    "hay",
    "son",
    "esta",
    "usted",
    "ustedes",
    "tienen",
    "hacen",
    "aceptan",
    "seguro",
    "puncion",
    "seca",
    "agujas",
    "aguja",
    "embarazada",
    "hola",
    "gracias",
    "si",
    "y",
    "o",
    "en",
    "se",
    "lo",
    "le",
    "al",
    "pero",
    "muy",
    "necesito",
    "quiero",
    "hablar",
    "persona",
    "cita",
    "horario",
    "cuesta",
    "precio",
    "despues",
    "antes",
    "dolor",
    "mucho",
    "ayuda",
    "duelen",
    "sirve",
    "debo",
    "tomo",
    "estar",
    "ser",
    "nada",
    "bueno",
    "favor",
    "abren",
];

const EN_MARKERS: &[&str] = &[
    "the", "is", "i", "can", "do", "does", "what", "my", "it", "how", "you", "are", "a", "to",
    "of", "for", "have", "will", "im", "with", "and", "need", "should", "be", "get", "this",
    "your", "much", "hurt", "needle", "needles", "dry", "needling", "pain", "when", "where",
    "after", "before", "there", "any", "take", "on", "if", "hi", "hello", "thanks", "please",
    "want", "talk", "am", "was", "did", "help", "would", "could",
];

/// Function words carrying no topic, per language, sorted. The matcher drops them.
pub fn stopwords(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::En => EN_STOPWORDS,
        Locale::Es => ES_STOPWORDS,
    }
}

pub fn is_stopword(locale: Locale, word: &str) -> bool {
    stopwords(locale).binary_search(&word).is_ok()
}

// Sorted: looked up with binary search.
const EN_STOPWORDS: &[&str] = &[
    "a",
    "about",
    "actually",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anything",
    "are",
    "as",
    "at",
    "be",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "dont",
    "even",
    "exactly",
    "for",
    "from",
    "get",
    "going",
    "got",
    "had",
    "has",
    "have",
    "hello",
    "hey",
    "hi",
    "i",
    "id",
    "if",
    "ill",
    "im",
    "in",
    "is",
    "it",
    "its",
    "ive",
    "just",
    "kind",
    "know",
    "let",
    "lot",
    "may",
    "me",
    "might",
    "mine",
    "must",
    "my",
    "myself",
    "need",
    "needs",
    "of",
    "ok",
    "okay",
    "on",
    "or",
    "our",
    "please",
    "really",
    "shall",
    "should",
    "so",
    "some",
    "something",
    "sort",
    "tell",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "to",
    "too",
    "u",
    "um",
    "ur",
    "us",
    "very",
    "wanna",
    "want",
    "was",
    "we",
    "well",
    "were",
    "what",
    "whats",
    "which",
    "will",
    "would",
    "ya",
    "yeah",
    "you",
    "your",
    "youre",
];

const ES_STOPWORDS: &[&str] = &[
    "a", "al", "algo", "algun", "alguna", "alguno", "bien", "bueno", "como", "con", "de", "del",
    "el", "ella", "en", "era", "es", "esa", "ese", "eso", "esta", "este", "esto", "estoy", "favor",
    "gracias", "ha", "hay", "hola", "la", "las", "le", "les", "lo", "los", "me", "mi", "mis",
    "muy", "nos", "o", "para", "pero", "por", "pregunta", "puede", "pueden", "puedo", "que", "se",
    "ser", "si", "soy", "su", "sus", "te", "tengo", "ti", "tu", "un", "una", "unas", "uno", "unos",
    "usted", "ustedes", "y", "ya", "yo",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_pattern_finds_whole_words_of_folded_text() {
        let pattern = folded_pattern(r"\b(dolor|pain) (\w+ ){0,3}pecho\b");
        assert!(pattern.is_match(&fold("Tengo DOLÓR fuerte en el PÉCHO!")));
        assert!(!pattern.is_match(&fold("dolor en el pechos")));
        assert!(!pattern.is_match(&fold("dolor de espalda, y luego mucho calor en el pecho")));
    }

    #[test]
    fn folding_lowercases_strips_accents_and_punctuation() {
        assert_eq!(fold("¿La PUNCIÓN seca, duele?"), "la puncion seca duele");
        assert_eq!(fold("  I can't   breathe!!"), "i cant breathe");
        assert_eq!(fold("Año—niño"), "ano nino");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn language_is_guessed_from_function_words() {
        assert_eq!(detect_locale("¿duele?"), Some(Locale::Es));
        assert_eq!(
            detect_locale("estoy embarazada, puedo hacerlo"),
            Some(Locale::Es)
        );
        assert_eq!(detect_locale("does it hurt"), Some(Locale::En));
        assert_eq!(detect_locale("warfarin"), None);
    }

    #[test]
    fn stopword_lists_are_sorted_for_binary_search() {
        for list in [EN_STOPWORDS, ES_STOPWORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{:?}", list);
        }
    }
}
