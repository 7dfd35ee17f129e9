//! Messages that ask nothing: thanks, a greeting, a goodbye, an "ok"; and
//! requests for a person in the patient's own words.
//!
//! Small talk is read as a sequence of known phrases, not matched against
//! a pattern per sentence. Each phrase of the message is one of:
//! small talk of a kind ("thank you", "see you", "buen día", "fair
//! enough"); a word that changes nothing ("so much", a weekday, "doc",
//! "this is"); or a sign that the message is more than small talk: a
//! question ("what", "can I", "¿cuánto?"), a worry or a turn ("hurts",
//! "worse", "but"), a request ("I need", "one more thing"). Any such sign
//! makes it a message to answer. Which kind it is goes by the strongest
//! kind present (thanks, then goodbye, then greeting, then "ok"), and each
//! kind takes its own amount of words it does not know: thanks may go on
//! ("thanks Maria, that was really helpful for my back"), a goodbye or a
//! greeting may carry a name or a day ("see you Monday at 10", "hello,
//! this is Margaret Jones"), an "ok" nothing.

use crate::ids::Locale;
use regex::Regex;

/// What a message that asks nothing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    Ack,
}

/// Phrases by language: English's, Spanish's, and those both use.
struct Phrases {
    en: &'static [&'static str],
    es: &'static [&'static str],
    any: &'static [&'static str],
}

#[rustfmt::skip]
const THANKS: Phrases = Phrases {
    en: &[
        "thanks", "thank", "thank you", "thank u", "thankyou", "thanku", "thanx", "thnx", "thnks",
        "thx", "tnx", "ty", "tysm", "tyvm", "tks", "cheers", "much obliged", "obliged",
        "many thanks", "appreciate it", "appreciated", "i appreciate", "much appreciated",
        "appreciate", "ta", "no thanks", "youre a star", "youre the best", "youre a legend",
        "youre a lifesaver", "lifesaver", "bless you", "kudos",
    ],
    es: &[
        "gracias", "grax", "grasias", "graciass", "mil gracias", "se agradece", "te lo agradezco",
        "se lo agradezco", "les agradezco", "agradezco", "agradecido", "agradecida",
        "muy amable", "que amable", "no gracias", "sos un genio", "eres un sol", "eres un crack",
        "sos un sol", "sos una genia", "eres una genia", "eres un genio",
    ],
    any: &["merci", "obrigado", "obrigada", "danke", "grazie"],
};
#[rustfmt::skip]
const GOODBYE: Phrases = Phrases {
    en: &[
        "byebye", "goodbye", "good bye", "cya", "see ya", "see you", "see u",
        "so long", "cheerio", "farewell", "later", "laters", "catch you later", "talk later",
        "talk soon", "speak soon", "ttyl", "gotta go", "got to go", "have to go",
        "i have to go", "must go", "take care", "have a good day", "have a nice day",
        "have a great day", "have a good one", "have a good weekend", "have a nice weekend",
        "have a great weekend", "have a good evening", "have a nice evening", "good night",
        "goodnight", "night", "nite", "gnight", "thats all", "thats it", "thats everything",
        "all for now", "thats all for now", "im done", "done for now", "until next time",
        "till then", "til then", "peace out", "signing off", "enjoy your day",
        "enjoy the weekend",
    ],
    es: &[
        "adios", "hasta luego", "hasta pronto", "hasta manana", "hasta la proxima",
        "hasta la vista", "hasta el", "hasta la", "nos vemos", "nos hablamos", "cuidate",
        "cuidese", "cuidense", "que tengas buen dia", "que tenga buen dia",
        "que tengan buen dia", "que tengas un buen dia", "que tenga un buen dia",
        "que tengan un buen dia", "que tengas buena tarde", "que tengan buena tarde",
        "que tengan buenas tardes", "buen fin de semana", "feliz fin de semana",
        "me despido", "eso es todo", "es todo", "nada mas", "nada mas por ahora",
        "por ahora es todo",
    ],
    any: &["bye", "bye bye", "bb", "chao", "chau", "ciao", "bai"],
};
#[rustfmt::skip]
const GREETING: Phrases = Phrases {
    en: &[
        "hi", "hello", "heya", "hiya", "howdy", "yo", "sup", "whats up", "wassup",
        "good morning", "morning", "good afternoon", "afternoon", "good evening", "evening",
        "gm", "greetings", "hi there", "hey there", "hello there", "how are you", "how are u",
        "how r u", "hows it going", "how is it going", "how are things", "hows things",
        "hey hey", "hallo", "hullo", "aloha",
    ],
    es: &[
        "hola", "holi", "holis", "buenas", "buenos dias", "buen dia", "buenas tardes",
        "buenas noches", "que tal", "que onda", "que hubo", "quiubo", "saludos", "como estas",
        "como esta", "como estan", "como va", "como le va", "alo", "hola que tal",
    ],
    any: &["hey", "ey", "ei", "hei", "ola"],
};
#[rustfmt::skip]
const ACK: Phrases = Phrases {
    en: &[
        "okay", "kay", "got it", "gotcha",
        "gotit", "understood", "i understand", "i see", "noted", "perfect", "great", "cool",
        "nice", "alright", "all right", "fine", "sure", "sure thing", "excellent", "awesome",
        "sounds good", "sounds great", "sounds fine", "sounds perfect", "good", "very good",
        "brilliant", "lovely", "makes sense", "that makes sense", "fair enough",
        "good to know", "nice to know", "that works", "works for me", "will do",
        "no problem", "no worries", "np", "all good", "right", "roger", "yes", "yep", "yeah",
        "yup", "ah ok", "oh ok", "ah i see", "oh i see", "thumbs up", "wonderful", "fab",
        "fantastic", "great stuff", "good stuff", "okay then", "ok then", "i get it",
        "get it", "got you", "gotchu", "copy that", "copy", "roger that", "crystal clear",
        "clear", "thats clear", "alrighty", "righto", "sweet", "okey dokey", "okie dokie",
        "aight", "ight", "mhm", "uh huh", "aha", "hmm ok", "oky", "cool cool", "good good",
        "all set", "im good", "thats fine", "thats great", "thats perfect", "thats good",
        "that helps", "ok good", "nice one",
    ],
    es: &[
        "vale", "entendido", "entiendo", "perfecto", "genial", "listo", "lista", "claro",
        "bueno", "de acuerdo", "deacuerdo", "dale", "sale", "va", "excelente", "ya veo",
        "tiene sentido", "con razon", "esta bien", "ta bien", "todo bien", "comprendo",
        "okis", "si", "de nada", "estupendo", "buenisimo", "ah vale", "ah ok", "ok dale",
        "muy bien", "me parece bien", "perfectisimo", "bien", "anotado", "apuntado",
        "entendi", "ya entendi", "queda claro", "me queda claro", "todo claro", "comprendido",
        "aja", "sisi", "de una", "okas", "ah ya", "ya esta", "ah bueno", "pues vale",
        "vale vale", "entonces vale", "me sirve", "sirve",
    ],
    any: &["ok", "okey", "oki", "okie", "okk", "oka", "k", "kk", "super"],
};

/// Words that change nothing: filler, the addressee, a name's
/// introduction, a day or time, praise.
#[rustfmt::skip]
const BENIGN: Phrases = Phrases {
    en: &[
        "so", "much", "very", "a", "lot", "you", "u", "ya", "again", "there", "all", "for",
        "the", "your", "help", "info", "information", "it", "that", "and", "then", "to",
        "have", "day", "see", "well", "oh", "ah", "everyone", "everybody", "team", "folks",
        "pls", "please", "plz", "lol", "wow", "everything", "now", "i", "im", "ill", "will",
        "do", "is", "was", "too", "me", "my", "really", "kindly", "many", "x", "xx", "xxx",
        "best", "youre", "just", "what i needed", "just what i needed", "needed", "of", "with", "about", "this", "its",
        "am", "name", "here", "speaking", "an", "our", "us", "we", "be", "been", "so much",
        "doc", "doctor", "dr", "mate", "dear", "friend", "friends", "clinic", "guys", "gals",
        "buddy", "bro", "maam", "sir", "miss", "bot", "physio", "today", "tonight",
        "tomorrow", "tmrw", "tmr", "tmw", "next", "week", "weeks", "weekend", "month", "soon",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon",
        "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat", "sun", "pm",
        "oclock", "noon", "appointment", "appt", "appointments", "session", "visit", "on",
        "in", "at", "helpful", "useful", "kind", "quick", "fast", "patient", "amazing",
        "star", "legend", "as", "always", "once", "more", "heaps", "tons", "loads",
        "million", "bunch", "whole", "indeed", "truly", "sincerely", "greatly",
        "answers", "answer", "reply", "replies", "response", "quickly", "by", "way", "btw",
    ],
    es: &[
        "hasta", "nos", "manana", "muchas", "muchisimas", "tanto", "por", "todo", "la",
        "informacion", "ayuda", "de", "nuevo", "y", "pues", "muy", "usted", "tu",
        "tenga", "un", "una", "igualmente", "otra", "vez", "eso", "es", "como", "esta",
        "estas", "te", "le", "les", "lo", "me", "mi", "el", "los", "las", "a", "en", "con",
        "doctora", "dra", "equipo", "clinica", "amigo", "amiga", "chicos", "chicas", "gente",
        "todos", "todas", "senor", "senora", "senorita", "fisio", "soy", "llamo", "aqui",
        "hoy", "semana", "proxima", "proximo", "que", "viene", "cita", "sesion", "consulta",
        "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "luego",
        "pronto", "genio", "genia", "sol", "crack", "amable", "rapido", "rapida", "majo",
        "maja", "servicial", "ahora", "siempre", "verdad", "corazon", "responder",
        "respuesta", "respuestas", "atencion", "paciencia", "al", "del", "ya",
    ],
    any: &["jaja", "jajaja", "haha", "hahaha", "hehe", "xd", "top"],
};

/// Words that ask: a question word, or a verb before its subject.
#[rustfmt::skip]
const ASKING: Phrases = Phrases {
    en: &[
        "what", "whats", "when", "where", "wheres", "why", "which", "who", "whos", "how",
        "hows", "wat", "wut", "can i", "can you", "can u", "can we", "can someone",
        "could i", "could you", "could u", "could we", "do i", "do you", "do u", "do we",
        "does it", "does that", "does this", "is it", "is that", "is there", "is this",
        "are you", "are u", "are there", "will it", "will i", "will you", "would it",
        "would you", "should i", "shall i", "may i", "am i", "did you", "have you",
        "whether",
    ],
    es: &[
        "cuando", "donde", "cuanto", "cuanta", "cuantos", "cuantas", "cual", "cuales",
        "quien", "quienes", "por que", "puedo", "puede", "pueden", "podria", "podrian",
        "debo", "deberia", "tengo que", "hay que", "tienen", "tiene", "hacen", "aceptan",
        "cobran", "hay", "algun", "alguna", "si puedo",
    ],
    any: &[],
};

/// Words that bring a worry or a turn: a symptom, a problem, a "but".
#[rustfmt::skip]
const CONCERN: Phrases = Phrases {
    en: &[
        "pain", "pains", "painful", "hurt", "hurts", "hurting", "sore", "ache", "aches",
        "aching", "swollen", "swelling", "bleed", "bleeding", "bled", "blood", "bruise",
        "bruising", "numb", "numbness", "tingling", "tingly", "weak", "weakness", "dizzy",
        "faint", "fainted", "fever", "feverish", "sick", "nausea", "vomit", "vomiting",
        "worse", "worsening", "worried", "worry", "worrying", "concerned", "scared", "afraid",
        "problem", "issue", "wrong", "red", "redness", "hot", "burning", "itchy", "itch",
        "rash", "infection", "infected", "pus", "emergency", "urgent", "broke", "broken",
        "stuck", "hospital", "allergic", "pregnant", "but", "however", "although", "though",
        "still", "except", "unfortunately", "sadly", "not", "dont", "doesnt", "didnt", "cant",
        "cannot", "couldnt", "wont", "isnt", "arent", "wasnt", "never", "no", "cancel",
        "late", "sorry", "diabetes", "diabetic", "pacemaker", "epilepsy", "cancer", "chemo",
        "hiv", "lymphedema", "lymphoedema", "hemophilia", "haemophilia", "asthma", "heart",
        "surgery", "operation", "injury", "fracture", "condition",
    ],
    es: &[
        "dolor", "dolores", "duele", "duelen", "doliendo", "dolorido", "dolorida", "molestia",
        "molestias", "hinchado", "hinchada", "hinchazon", "sangre", "sangra", "sangrando",
        "sangrado", "moraton", "morado", "hematoma", "entumecido", "entumecida", "hormigueo",
        "debil", "debilidad", "mareo", "mareado", "mareada", "fiebre", "enfermo", "enferma",
        "peor", "preocupa", "preocupado", "preocupada", "miedo", "problema", "rojo", "roja",
        "caliente", "pica", "picor", "infeccion", "pus", "urgente", "urgencia", "embarazada",
        "pero", "aunque", "todavia", "aun", "sigue", "sigo", "lamentablemente", "nunca",
        "tampoco", "cancelar", "tarde", "perdon", "disculpa", "disculpe", "no", "diabetes",
        "diabetico", "diabetica", "marcapasos", "epilepsia", "cancer", "quimio", "vih",
        "linfedema", "hemofilia", "asma", "corazon", "cirugia", "operacion", "lesion",
        "fractura",
    ],
    any: &[],
};

/// Words that ask for something more.
#[rustfmt::skip]
const REQUEST: Phrases = Phrases {
    en: &[
        "want", "wanna", "need", "needs", "id like", "i would like", "would like", "id love",
        "looking for", "question", "questions about", "one more thing", "another thing",
        "wondering", "wonder", "tell me", "send me", "book me", "let me know", "help me",
    ],
    es: &[
        "quiero", "quisiera", "queria", "necesito", "necesitaria", "busco", "pregunta",
        "preguntar", "duda", "una consulta", "otra cosa", "dime", "digame", "me gustaria",
        "ayudame", "ayudeme",
    ],
    any: &[],
};

/// A phrase's part in small talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Talk(SmallTalk),
    Benign,
    Asking,
    Concern,
    Request,
    Unknown,
}

/// Every table with its part, strongest small talk first: where two
/// phrases of one length start at a word, the earlier table's is read.
const TABLES: [(&Phrases, Part); 8] = [
    (&THANKS, Part::Talk(SmallTalk::Thanks)),
    (&GOODBYE, Part::Talk(SmallTalk::Goodbye)),
    (&GREETING, Part::Talk(SmallTalk::Greeting)),
    (&ACK, Part::Talk(SmallTalk::Ack)),
    (&ASKING, Part::Asking),
    (&CONCERN, Part::Concern),
    (&REQUEST, Part::Request),
    (&BENIGN, Part::Benign),
];

/// Longest message read as small talk, in words.
const MAX_WORDS: usize = 30;

/// One phrase of a message: its part and its language, if only one
/// language uses it.
#[derive(Debug, Clone, Copy)]
struct Read {
    part: Part,
    language: Option<Locale>,
}

/// A folded message read phrase by phrase, the longest known phrase at
/// each word; a stretched word ("thaaanks", "holaa") read as its
/// unstretched form.
fn read(folded: &str) -> Vec<Read> {
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(unstretched)
        .collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (len, read) = longest_at(&words[i..]).unwrap_or((
            1,
            Read {
                part: if words[i].bytes().all(|b| b.is_ascii_digit()) {
                    Part::Benign
                } else {
                    Part::Unknown
                },
                language: None,
            },
        ));
        // "que" opening a message asks ("¿qué hago?"); elsewhere it joins.
        let read = if i == 0 && words[i] == "que" && len == 1 {
            Read {
                part: Part::Asking,
                language: Some(Locale::Es),
            }
        } else {
            read
        };
        out.push(read);
        i += len;
    }
    out
}

/// The longest known phrase that `words` start with, and its length.
fn longest_at(words: &[String]) -> Option<(usize, Read)> {
    let mut best: Option<(usize, Read)> = None;
    for (table, part) in TABLES {
        for (list, language) in [
            (table.en, Some(Locale::En)),
            (table.es, Some(Locale::Es)),
            (table.any, None),
        ] {
            for phrase in list {
                let len = phrase_len(phrase, words);
                if len > 0 && best.is_none_or(|(b, _)| len > b) {
                    best = Some((len, Read { part, language }));
                }
            }
        }
    }
    best
}

/// How many of `words` `phrase` covers from the start (0 when it does not).
fn phrase_len(phrase: &str, words: &[String]) -> usize {
    let mut n = 0;
    for part in phrase.split(' ') {
        match words.get(n) {
            Some(w) if w == part => n += 1,
            _ => return 0,
        }
    }
    n
}

/// Whether a single word is in any table.
fn is_known(word: &str) -> bool {
    TABLES.iter().any(|(table, _)| {
        [table.en, table.es, table.any]
            .iter()
            .any(|list| list.contains(&word))
    })
}

/// A word without the letters a chat stretches it by: "thaaanks",
/// "helloooo", "byeee", "graciass". A word not known as it is is tried
/// with every run of three letters or more cut to two, then to one, then
/// with every run cut to one.
fn unstretched(word: &str) -> String {
    if is_known(word) {
        return word.to_owned();
    }
    // (longest run kept as it is, length it is cut to)
    for (kept, cut) in [(2, 2), (2, 1), (1, 1)] {
        let candidate = cut_runs(word, kept, cut);
        if is_known(&candidate) {
            return candidate;
        }
    }
    word.to_owned()
}

/// `word` with each run of one letter longer than `kept` cut to `cut`.
fn cut_runs(word: &str, kept: usize, cut: usize) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|&&c| c == chars[i]).count();
        let n = if run > kept { cut } else { run };
        out.extend(std::iter::repeat_n(chars[i], n));
        i += run;
    }
    out
}

/// What a message that asks nothing is, if it is one: `folded` is the
/// message [`crate::text::fold`]ed, `asks` whether it had a question mark.
pub fn small_talk(folded: &str, asks: bool) -> Option<SmallTalk> {
    kind_of(&read(folded), folded, asks)
}

/// Small talk and its language ([`small_talk`] and [`language`]) from one
/// reading of the message.
pub fn heard(folded: &str, asks: bool) -> Option<(SmallTalk, Option<Locale>)> {
    let reads = read(folded);
    let kind = kind_of(&reads, folded, asks)?;
    Some((kind, language_of(&reads)))
}

/// The kind of small talk a message read as `reads` is, if it is some.
fn kind_of(reads: &[Read], folded: &str, asks: bool) -> Option<SmallTalk> {
    if reads.is_empty() || reads.len() > MAX_WORDS {
        return None;
    }
    let mut kind: Option<SmallTalk> = None;
    let mut unknown = 0;
    for r in reads {
        match r.part {
            Part::Asking | Part::Concern | Part::Request => return None,
            Part::Unknown => unknown += 1,
            Part::Benign => {}
            Part::Talk(talk) => {
                if kind.is_none_or(|k| strength(talk) > strength(k)) {
                    kind = Some(talk);
                }
            }
        }
    }
    let kind = kind?;
    // "hello?" and "ok?" are small talk; "thanks Maria?" is not.
    if asks && unknown > 0 {
        return None;
    }
    let words = folded.split(' ').filter(|w| !w.is_empty()).count();
    let fits = match kind {
        SmallTalk::Thanks => words <= 25 && unknown <= 8,
        SmallTalk::Goodbye => words <= 14 && unknown <= 2,
        SmallTalk::Greeting => words <= 8 && unknown <= 2,
        SmallTalk::Ack => words <= 8 && unknown == 0,
    };
    fits.then_some(kind)
}

/// Thanks, then goodbye, then greeting, then "ok": "ok thanks" thanks,
/// "ok bye" says goodbye, "good morning, thanks" thanks.
fn strength(talk: SmallTalk) -> u8 {
    match talk {
        SmallTalk::Thanks => 3,
        SmallTalk::Goodbye => 2,
        SmallTalk::Greeting => 1,
        SmallTalk::Ack => 0,
    }
}

/// The language small talk is in, where its phrases tell: Spanish when one
/// of them is Spanish's only, English when one is English's only, and
/// nothing for phrases both share ("ok", "chao", "super"), so that one
/// "ok" never switches a conversation's language.
pub fn language(folded: &str) -> Option<Locale> {
    language_of(&read(folded))
}

fn language_of(reads: &[Read]) -> Option<Locale> {
    let has = |l: Locale| {
        reads
            .iter()
            .any(|r| r.language == Some(l) && matches!(r.part, Part::Talk(_)))
    };
    if has(Locale::Es) {
        Some(Locale::Es)
    } else if has(Locale::En) {
        Some(Locale::En)
    } else {
        None
    }
}

/// Who a patient may ask for, in English or Spanish (folded).
macro_rules! person {
    () => {
        concat!(
            r"(person|human|humans|someone|somebody|anyone|anybody|staff|staff member|",
            r"member of staff|receptionists?|reception|front desk|agent|operator|people|team|",
            r"physios?|physiotherapists?|therapists?|practitioners?|chiros?|chiropractors?|",
            r"clinicians?|manager|owner|",
            r"supervisor|representative|rep|customer service|support|admin|office|secretary|boss|",
            r"whoever is in charge|someone in charge|dr \w+|doctor|persona|personas|alguien|humano|",
            r"recepcion|recepcionista|personal|equipo|fisio|fisioterapeuta|terapeuta|quiropractico|",
            r"quiro|agente|encargad[oa]|gerente|responsable|duen[oa]|doctora|dra \w+|medico|",
            r"secretaria|administracion)"
        )
    };
}

/// A request to talk to, or be contacted by, a person, in English,
/// Spanish or a mix of both, on [`crate::text::fold`]ed text: a verb of
/// talking with a person ("speak to Dr Patel", "a quick word with the
/// chiro", "talk con alguien"), a person asked to get in touch ("have one
/// of your practitioners reach out", "could the manager give me a call",
/// "¿alguien me puede escribir por wasap?"), a person wanted ("I want a
/// person", "human please", "¿me atiende alguien?"), or the bot refused
/// ("not a bot please", "rather than automated answers", "no quiero
/// hablar con una máquina").
pub const ASKS_FOR_A_PERSON: &str = concat!(
    // Talking with a person.
    r"\b(talk|speak|chat|communicate|discuss\w*|go over|sort (this|it|things) out|",
    r"get through|put me through|connect (me|us)|transfer me|pass me|a (quick )?word|",
    r"hablar|ablar|comunicarme|conversar|contactar|charlar|(tratar|resolver|ver) ",
    r"(esto|eso|el tema|lo)( directamente)? con)\b.{0,30}\b",
    person!(),
    r"\b",
    r"|\b(talk|speak|hablar|ablar) (to|with|con) (him|her|them|ella|ellos)\b",
    r"|\b(real|actual|live|proper) ",
    person!(),
    r"\b",
    // A person wanted, on its own or with "please".
    r"|^(hi |hello |hey |hola )?(a |an |una |un )?(human|person|real person|representative|rep|",
    r"agent|operator|receptionist|persona|humano|una persona|un humano)( now| please| pls| plz|",
    r"| por favor| porfa| ya)*$",
    r"|\b(human|person|representative|agent|operator|receptionist|persona|humano)",
    r"( now| please| pls| plz| por favor| porfa| ya)+\b",
    r"|\b(want|need|prefer|give me|get me|bring me|find me)( to talk to| to speak to)? ",
    r"(a |an |the )?(real |actual |live )?(human|person|somebody|someone|staff member|",
    r"member of staff|receptionist|reception|front desk|manager|representative|persona|",
    r"humano|alguien)\b",
    r"|\b(get|put) (a |an |the |one of your )?(real |actual |live )?",
    person!(),
    r" (on the (phone|line)|to (look|reply|respond|answer|call|check|read))\b",
    // A person asked to get in touch.
    r"|\b",
    person!(),
    r" (\w+ ){0,3}(to )?((reach out|get back|get in touch)\b|(email|message|whatsapp|wasap|",
    r"text|call|phone|ring|contact|reply|respond|answer)( to| with)? (me|us)\b)",
    r"|\bhave (one of )?(your |the |a |an )?",
    person!(),
    r" (to )?(reach out|call|contact|message|get back|get in touch|phone|ring|text|whatsapp|email)",
    r"|\b(reply|answer|response|call|message) from (a |an |the |one of your )?((real |actual )?",
    r"(human|person|someone|somebody|staff member|member of staff|receptionist|",
    r"representative|persona|humano|alguien)|(real|actual) ",
    person!(),
    r")\b",
    r"|\bis (there|this) (a |an )?(human|person|real person|someone)\b",
    r"|\bis (anybody|anyone|somebody|someone) (there|here|real|alive|reading)\b",
    r"|\b(anyone|someone|somebody|anybody) (i|we) (can|could) (\w+ )?(speak|talk|chat)\b",
    r"|\bis (the |your )?(owner|manager|boss|receptionist|physio|chiro|doctor|dr \w+) ",
    r"(around|there)\b",
    r"|\b(call|phone|ring|contact|text) me( back)?\b",
    r"|\bgive me a (call|ring|bell|phone call)\b",
    r"|\b(be |get )?(called|rung|phoned|contacted) (back )?by\b",
    r"|\b(get|request|arrange|book|schedule|want|need) a (call ?back|phone call|call from)\b",
    // The bot refused.
    r"|\b(not|no|dont|do not|hate|stop|tired of|sick of|enough of|done with)\b",
    r"( want| like)?( to talk to| to speak to| talking to| talking with| to type to| to write to|",
    r" to chat with| to deal with| typing to| writing to)?",
    r" (a |an |the |this |your |that )?(stupid |dumb |useless )?(bot|robot|chatbot|machine|",
    r"ai|automated)\b",
    r"|\b(bot|robot|chatbot|machine)\b.{0,12}\b(useless|stupid|dumb|rubbish|not helping|",
    r"no sirve|inutil|no ayuda|no me ayuda|no entiende)\b",
    r"|\b(rather than|instead of|not) (the |these |this |an? )?(automated|automatic|canned) ",
    r"(answers|replies|responses|thing|messages)\b|\binstead of this thing\b",
    r"|\brespuestas automaticas\b",
    r"|\bno quiero (hablar con |escribirle a |escribir a )?(un |una |el |la |este |esta )?",
    r"(bot|robot|maquina|contestador|chatbot|ia)\b",
    r"|\bquiero (hablar con )?(una persona|un humano|alguien (real|de verdad|del personal))\b",
    r"|\b(persona|humano) (real|de verdad)\b|\bde carne y hueso\b",
    r"|\b(hay|eres) (alguien|una persona|un humano)( (ahi|alli|por ahi|por alli|real|de verdad|",
    r"leyendo|atendiendo|disponible|al otro lado|ahi dentro))*$",
    r"|\balguien con (quien|el que|la que) (pueda|puedo|podria) hablar\b",
    r"|\b(me )?(atiende|atienda|atiendan|atenderme|puede atenderme|podria atenderme) ",
    r"(alguien|una persona|un humano)\b|\balguien (que )?(me )?(atienda|atiende|pueda atender)\b",
    r"|\balguien (me )?(puede|podria|pueda) (escribir|llamar|marcar|contactar|atender)\b",
    r"|\b(pasame|paseme|pasenme|ponme|pongame|comunicame|comuniqueme|me comunicas|",
    r"me comunica|me pasas|me pasa|me conectas|me conecta|me transfieres) con\b",
    r"|\b(llamenme|llamame|me (pueden|puede|podrian|podria) (llamar|marcar|contactar|",
    r"dar una llamada)|(que )?me llame(n)?|contactenme|contactame)\b",
    r"|\b(devolver|devuelvan|devuelva|devolverme) (la )?llamada\b",
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
            // Thanks may go on; a goodbye or a greeting may carry a day or
            // a name; stretched words are read unstretched.
            (
                "thanks Sam, that was so useful for my neck",
                Some(SmallTalk::Thanks),
            ),
            ("gracias por contestar tan rápido", Some(SmallTalk::Thanks)),
            ("see you on friday at 3", Some(SmallTalk::Goodbye)),
            ("nos vemos el jueves", Some(SmallTalk::Goodbye)),
            ("que tengan un buen día", Some(SmallTalk::Goodbye)),
            ("hello, this is Priya Shah", Some(SmallTalk::Greeting)),
            ("buen día", Some(SmallTalk::Greeting)),
            ("thaaaanks", Some(SmallTalk::Thanks)),
            ("heyyyy", Some(SmallTalk::Greeting)),
            ("fair enough", Some(SmallTalk::Ack)),
            ("tiene sentido", Some(SmallTalk::Ack)),
            // A question, a request or a worry after it is not small talk.
            ("hi, how much is it?", None),
            ("ok so what do I wear", None),
            ("thanks, I need to move my appointment", None),
            ("good morning, the needle spot is red and hot", None),
            ("gracias pero sigue doliendo", None),
            ("ok I'm on warfarin", None),
            ("thank you. I have diabetes by the way", None),
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
    fn small_talk_tells_its_language_only_by_words_one_language_has_alone() {
        for (text, expected) in [
            ("ok", None),
            ("ok ok", None),
            ("bye", None),
            ("hey", None),
            ("super", None),
            ("ok gracias", Some(Locale::Es)),
            ("vale, hasta luego", Some(Locale::Es)),
            ("ok thanks", Some(Locale::En)),
            ("see you", Some(Locale::En)),
        ] {
            assert_eq!(language(&fold(text)), expected, "{text}");
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
            "I don't want a bot, I want a real person",
            "this chatbot is useless",
            "could someone from the office give me a call",
            "can I speak to Dr Lee please",
            "can I talk con alguien?",
            "no quiero hablar con una máquina",
            "¿me comunicas con recepción?",
            "¿hay alguien de verdad por ahí?",
            "Could I have a quick word with Dr. Okafor?",
            "Kindly have one of your therapists reach out to me.",
            "can I get someone on the phone",
            "I'd rather get a reply from an actual staff member than automated answers",
            "human. now.",
            "¿me atiende alguien?",
            "¿alguien me puede escribir por wasap?",
            "prefiero tratar esto con una persona",
            "is the owner around?",
        ] {
            assert!(person.is_match(&fold(text)), "{text}");
        }
        for text in [
            "who will treat me, a physio or a chiropractor?",
            "do your staff speak spanish",
            "what should I call you",
            "¿hay alguien en la clínica que hable francés?",
            "is the physio who treats me a woman?",
            "does the physio call you after the session?",
            "is the physio in network with my insurance?",
            "do I need a physio referral?",
            "how do I get a physio appointment",
            "¿pueden tratar a alguien con diabetes?",
            "do you deal with people with back pain",
            "I got a message from the physio yesterday about my booking",
            "¿puedo hablar con el seguro sobre la factura?",
        ] {
            assert!(!person.is_match(&fold(text)), "{text}");
        }
    }
}
