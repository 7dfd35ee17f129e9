//! Messages that ask nothing: thanks, a greeting, a goodbye, an "ok"; and
//! requests for a person in the patient's own words.
//!
//! Small talk is recognised by its words, not by a pattern per sentence: a
//! message is small talk when every word of it (ten at most) is a word of
//! thanks, greeting, goodbye or acknowledgement, or a filler that goes with
//! them ("so much", "for the help", "de nuevo"). Any other word ("hi, how
//! much is it?") makes it a question. Which kind it is goes by the
//! strongest word present: thanks, then goodbye, then greeting, then
//! acknowledgement ("ok thanks" thanks, "ok bye" says goodbye).

use regex::Regex;

/// What a message that asks nothing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    Ack,
}

#[rustfmt::skip]
const THANKS: &[&str] = &[
    "thanks", "thank", "thx", "thnx", "thanx", "ty", "tysm", "tyvm", "cheers", "appreciated",
    "appreciate", "gracias", "grax", "agradezco", "agradecido", "agradecida", "mil", "ta",
    "thankyou", "thanku", "tks",
];
#[rustfmt::skip]
const GOODBYE: &[&str] = &[
    "bye", "byebye", "goodbye", "cya", "later", "adios", "chao", "chau", "ciao", "luego",
    "pronto", "vemos", "goodnight", "night", "take", "care", "hasta", "despido", "tomorrow",
    "farewell", "bb", "ttyl",
];
#[rustfmt::skip]
const GREETING: &[&str] = &[
    "hi", "hello", "hey", "hiya", "heya", "howdy", "greetings", "morning", "afternoon",
    "evening", "hola", "buenas", "buenos", "buen", "dias", "tardes", "noches", "saludos", "que",
    "tal", "holi", "hallo", "hei", "sup",
];
#[rustfmt::skip]
const ACK: &[&str] = &[
    "ok", "okay", "okey", "oki", "okie", "k", "kk", "got", "understood", "perfect", "great",
    "cool", "nice", "alright", "fine", "sure", "noted", "excellent", "awesome", "sounds",
    "good", "brilliant", "lovely", "vale", "entendido", "perfecto", "genial", "listo", "claro",
    "bueno", "acuerdo", "entiendo", "excelente", "super", "yes", "yep", "si", "gotcha", "gotit",
    "veo", "va", "makes", "sense", "right", "roger", "thumbsup", "thats",
];
/// Words that go with the others and say nothing on their own.
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "so", "much", "very", "a", "lot", "you", "u", "ya", "again", "there", "bot", "guys", "all",
    "for", "the", "your", "help", "info", "information", "it", "that", "and", "then", "to",
    "have", "day", "see", "well", "oh", "ah", "hasta", "nos", "manana", "muchas", "muchisimas",
    "tanto", "por", "todo", "la", "informacion", "ayuda", "de", "nuevo", "y", "pues", "muy",
    "bien", "everyone", "team", "folks", "pls", "please", "lol", "haha", "jaja", "wow",
    "everything", "now", "i", "im", "will", "do", "is", "usted", "tu", "tenga", "un", "una",
    "igualmente", "too", "me", "otra", "eso", "es", "really", "kindly", "many", "helpful",
    "useful", "x", "xx", "best", "youre", "talk", "just", "was", "what", "needed", "how", "are",
    "doing", "como", "esta", "estas",
];

/// Longest message taken as small talk, in words.
const MAX_WORDS: usize = 10;

/// Small-talk words only Spanish uses.
#[rustfmt::skip]
const SPANISH: &[&str] = &[
    "gracias", "grax", "agradezco", "agradecido", "agradecida", "mil", "adios", "chao", "chau",
    "luego", "pronto", "vemos", "hasta", "despido", "hola", "holi", "buenas", "buenos", "buen",
    "dias", "tardes", "noches", "saludos", "que", "tal", "vale", "entendido", "perfecto",
    "genial", "listo", "claro", "bueno", "acuerdo", "entiendo", "excelente", "veo", "nos",
    "manana", "muchas", "muchisimas", "tanto", "por", "todo", "la", "informacion", "ayuda",
    "de", "nuevo", "y", "pues", "muy", "bien", "usted", "tu", "tenga", "un", "una",
    "igualmente", "otra", "eso", "es", "como", "esta", "estas", "si",
];

/// Small-talk words both languages use ("ok", "bye", "super"): they say
/// nothing of the language.
#[rustfmt::skip]
const SHARED: &[&str] = &[
    "ok", "okey", "oki", "okie", "k", "kk", "super", "bye", "chao", "chau", "ciao", "hey", "x",
    "xx", "lol", "haha", "jaja", "wow", "bb", "no", "va", "mil",
];

/// The language small talk is in, where its words tell: Spanish when one
/// of its words is Spanish's only, English when one is English's only, and
/// nothing for words both share ("ok", "super"), so that one "ok" never
/// switches a conversation's language.
pub fn language(folded: &str) -> Option<crate::ids::Locale> {
    let words: Vec<String> = folded.split(' ').map(unstretched).collect();
    if words.iter().any(|w| SPANISH.contains(&w.as_str())) {
        Some(crate::ids::Locale::Es)
    } else if words
        .iter()
        .any(|w| is_known(w) && !SHARED.contains(&w.as_str()))
    {
        Some(crate::ids::Locale::En)
    } else {
        None
    }
}

/// Words that make a message a question whatever else it says.
#[rustfmt::skip]
const ASKING: &[&str] = &[
    "what", "when", "where", "why", "which", "who", "can", "could", "do", "does", "should",
    "is", "will", "would", "how", "long", "que", "cuando", "donde", "cuanto", "cuanta",
    "cuantos", "cuantas", "puedo", "puede", "debo", "hay", "tiene", "tienen", "cual", "quien",
    "por que", "not", "no", "pain", "dolor", "hurt", "hurts", "duele",
];

/// What a message that asks nothing is, if it is one: `folded` is the
/// message [`crate::text::fold`]ed, `asks` whether it had a question mark.
///
/// Every word known (above), or, for a message with no question mark and
/// no asking word, one unknown word in three at most (two at most) beside a
/// word of thanks, goodbye or greeting ("thanks so much doc!").
pub fn small_talk(folded: &str, asks: bool) -> Option<SmallTalk> {
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(unstretched)
        .collect();
    let unknown = words.iter().filter(|w| !is_known(w)).count();
    let strict = unknown == 0 && (1..=MAX_WORDS).contains(&words.len());
    // Loosely: short, not asking, a third of it unknown at most.
    let loose = !asks
        && words.len() <= 6
        && (1..=2).contains(&unknown)
        && unknown * 3 <= words.len()
        && !words.iter().any(|w| ASKING.contains(&w.as_str()));
    if !strict && !loose {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(THANKS) {
        Some(SmallTalk::Thanks)
    } else if has(GOODBYE) {
        Some(SmallTalk::Goodbye)
    } else if has(GREETING) {
        Some(SmallTalk::Greeting)
    } else if strict && has(ACK) {
        Some(SmallTalk::Ack)
    } else {
        None
    }
}

/// Whether a word is one of small talk's (any list).
fn is_known(word: &str) -> bool {
    [THANKS, GOODBYE, GREETING, ACK, FILLER]
        .iter()
        .any(|list| list.contains(&word))
}

/// A word without the letters a chat stretches it by ("heyyy", "holaa",
/// "graciass"): a word not known as it is loses its last letter while that
/// repeats the one before it.
fn unstretched(word: &str) -> String {
    let known = is_known;
    let mut w = word.to_owned();
    while !known(&w) && w.len() > 2 && w.as_bytes()[w.len() - 1] == w.as_bytes()[w.len() - 2] {
        w.pop();
    }
    if known(&w) { w } else { word.to_owned() }
}

/// A request to talk to, or be contacted by, a person, in English or
/// Spanish, on [`crate::text::fold`]ed text.
pub const ASKS_FOR_A_PERSON: &str = concat!(
    r"\b(talk|speak|chat|communicate|get through|put me through|connect me|transfer me)\b.{0,25}",
    r"\b(person|human|humans|someone|somebody|anyone|anybody|staff|receptionist|reception|",
    r"front desk|agent|operator|people|team|physio|physiotherapist|therapist|chiropractor|",
    r"clinician|manager|owner)\b",
    r"|\b(real|actual|live) (person|human|people|agent)\b",
    r"|^(a |an )?(human|person|real person|agent|operator|receptionist)( please| pls| plz)?$",
    r"|\bget me (someone|somebody|a person|a human|reception|the front desk)\b",
    r"|\b(someone|somebody|anyone) (from [a-z ]{1,20} )?(to )?(reach out|get back|get in touch|",
    r"email|message|whatsapp|text|call|phone|ring|contact)\b.{0,8}\bme\b",
    r"|\bis (there|this) (a |an )?(human|person|real person|someone)\b",
    r"|\b(someone|somebody|anyone|you|staff|the team) (from the clinic )?(please )?",
    r"(call|phone|ring|contact|text) me\b",
    r"|\b(call|phone|ring|contact) me( back)?\b",
    r"|\b(hablar|comunicarme|conversar|contactar|charlar)\b.{0,20}",
    r"\b(persona|personas|alguien|humano|recepcion|recepcionista|personal|equipo|fisio|",
    r"fisioterapeuta|terapeuta|quiropractico|agente|encargad[oa])\b",
    r"|\b(persona|humano) (real|de verdad)\b",
    r"|\b(hay|eres) (alguien|una persona|un humano)\b",
    r"|\b(pasame|paseme|ponme|pongame|comunicame|comuniqueme) con\b",
    r"|\b(llamenme|llamame|me (pueden|puede|podrian|podria) (llamar|contactar)|",
    r"(que )?me llame(n)?|contactenme|contactame)\b",
);

/// The compiled [`ASKS_FOR_A_PERSON`].
pub fn person_pattern() -> Regex {
    crate::text::folded_pattern(ASKS_FOR_A_PERSON)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn thanks_goodbyes_greetings_and_acknowledgements_are_told_apart_and_questions_are_not_small_talk()
     {
        let cases = [
            ("Thanks!", Some(SmallTalk::Thanks)),
            ("ok thanks", Some(SmallTalk::Thanks)),
            ("muchas gracias por la ayuda 🙏", Some(SmallTalk::Thanks)),
            ("bye", Some(SmallTalk::Goodbye)),
            ("hasta luego!", Some(SmallTalk::Goodbye)),
            ("good morning", Some(SmallTalk::Greeting)),
            ("hola buenas", Some(SmallTalk::Greeting)),
            ("ok", Some(SmallTalk::Ack)),
            ("perfecto, entendido", Some(SmallTalk::Ack)),
            ("hi, how much is a session?", None),
            ("thanks, what should I wear?", None),
            ("is it good for back pain", None),
            ("thanks so much doc!", Some(SmallTalk::Thanks)),
            ("thanks, my knee still hurts", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                small_talk(&fold(text), text.contains('?')),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn a_person_asked_for_in_words_is_recognised_and_questions_about_staff_are_not() {
        let person = person_pattern();
        for text in [
            "can I talk to a real person pls",
            "I'd like to speak with someone at reception",
            "is there a human there?",
            "can someone call me back",
            "quiero hablar con alguien del equipo",
            "me pueden llamar?",
        ] {
            assert!(person.is_match(&fold(text)), "{text}");
        }
        for text in [
            "who will treat me, a physio or a chiropractor?",
            "do your staff speak spanish",
            "what should I call you",
        ] {
            assert!(!person.is_match(&fold(text)), "{text}");
        }
    }
}
