//! Emergency red flags, checked before anything else on every patient message.
//!
//! The rules live in code, not in the clinic-editable files: they are safety
//! critical, they are covered by tests, and an edit to a data file must never be
//! able to switch one off. They run on folded text (lower case, no accents, no
//! punctuation, "can't" written "cant"), in English and Spanish.
//!
//! A question *about* a risk ("can needling puncture a lung?") is not an
//! emergency, but anything that reads as happening to the writer is: when in
//! doubt, the rule errs towards the emergency answer.

use regex::Regex;

use crate::chat::RedFlag;

const RULES: &[(RedFlag, &str)] = &[
    (
        RedFlag::SelfHarm,
        r"\b(kill|killing|hurt|hurting|harm|harming|cut|cutting|end|ending) myself\b|\bkms\b|\bunalive|\bend(ing)? (my life|it all|my own life)\b|\bsuicid|\bwant(ing)? to die\b|\bwish i (was|were) dead\b|\bdont want to (live|be alive|be here anymore)\b|\bself ?harm|\bno quiero vivir\b|\bquitarme la vida\b|\bmatarme\b|\bhacerme dano\b|\bquiero morir(me)?\b|\bacabar con (mi vida|todo)\b",
    ),
    (
        RedFlag::ChestOrBreathing,
        r"\bchest\b.{0,25}\b(pain|pains|hurt|hurts|hurting|tight|tightness|pressure|ache|aching|crushing|sharp)\b|\b(pain|pressure|tightness)\b.{0,15}\b(in|on|across) (my |the )?chest\b|\b(cant|cannot|can not|couldnt|unable to|struggling to|struggle to|trouble|hard to|difficult to|difficulty|hard time|problems?) ?(breath|breathe|breathing)\b|\bshort(ness)? of breath\b|\bbreathless|\bout of breath\b|\bgasping\b|\bcatch my breath\b|\b(lips|face|fingers) (are |is )?(turning |going )?blue\b|\bheart attack\b|\bcollapsed lung\b|\bpneumothorax\b|\b(dolor|presion|opresion|punzada) (en el|de|del|en mi) pecho\b|\b(me )?duele (el|mi) pecho\b|\bno puedo respirar\b|\bme falta (el )?aire\b|\bfalta de aire\b|\bdificultad para respirar\b|\bme ahogo\b|\bataque (al|de) corazon\b|\binfarto\b|\blabios morados\b|\bpulmon colapsado\b|\bneumotorax\b",
    ),
    (
        RedFlag::Bleeding,
        r"\b(bleeding|bleed|blood)\b.{0,30}\b(wont|will not|doesnt|does not|cant|cannot|isnt|is not|not) (stop|stopping)\b|\b(heavy|heavily|lots of|so much|a lot of|uncontrolled|severe|pouring) (bleeding|blood)\b|\bbleeding (heavily|a lot|badly|everywhere)\b|\bgushing\b|\b(swelling|bruise|lump)\b.{0,20}\b(growing|getting bigger|spreading) (fast|quickly|rapidly)\b|\bno (para|deja) de sangrar\b|\bsangr\w*\b.{0,25}\b(mucho|no para|no se detiene|no deja de|sin parar|a chorros)\b|\bmucha sangre\b",
    ),
    (
        RedFlag::Stroke,
        r"\bface\b.{0,15}\b(droop|drooping|droopy)\b|\bdrooping\b|\bslurr(ed|ing)\b|\bhaving a stroke\b|\b(a|mini) stroke\b|\b(cant|cannot|can not) (move|feel|lift) (my |his |her |their )?(arm|leg|face|one side)\b|\bsudden (weakness|numbness|confusion)\b|\bone side of my (face|body)\b|\bcara (caida|torcida|paralizada)\b|\bno pued[eo] (hablar|mover (el|la|mi|su) (brazo|pierna))\b|\bhabla (arrastrada|rara)\b|\bderrame cerebral\b|\bictus\b|\bembolia\b",
    ),
    (
        RedFlag::Allergy,
        r"\b(throat|tongue|lips?|face)\b.{0,12}\b(swelling|swollen|closing|swelled|tight)\b|\b(cant|cannot|can not|unable to) swallow\b|\bswelling (of|in) (my )?(throat|tongue|lips?|face)\b|\banaphyla|\bepipen\b|\b(severe|bad|serious|having an) allergic reaction\b|\b(garganta|lengua|labios|cara)\b.{0,12}\b(hinchad|inflamad|cerrando|cierra)|\bse me (hincha|cierra|esta cerrando|inflama) (la|los) (garganta|lengua|labios)\b|\b(hinchando|hinchado|hinchada|hinchandose|inflamando|inflamado|inflamada|cerrando)\b.{0,15}\b(garganta|lengua|labios|cara)\b|\bno puedo (tragar|respirar bien)\b|\banafila|\breaccion alergica (grave|fuerte|severa)\b",
    ),
    (
        RedFlag::Collapse,
        r"\b(collapsed|unconscious|unresponsive|wont wake up|not waking up|isnt breathing|not breathing|stopped breathing)\b|\bfainted\b.{0,30}\b(confused|chest|wont|not waking)\b|\b(se desmayo|inconsciente|no responde|no despierta|se desplomo|no respira)\b",
    ),
];

/// Phrasing of a general question about a risk rather than a report.
const HYPOTHETICAL: &str = r"\b(can|could|does|do|will|would|might|may)\b.{0,40}\b(cause|causes|lead to|give you|result in|puncture|trigger)\b|\b(risk|risks|chance|chances|possible|possibility|likely|rare|common|danger|dangers|side effects?)\b|\b(what if|if i|if you|in case|what happens if)\b|\b(puede|pueden|podria|es posible|que pasa si|riesgo|riesgos|efectos secundarios)\b";
/// Words that make it about the writer, now.
const PRESENT: &str = r"\b(now|right now|currently|at the moment|this morning|this afternoon|tonight|today|since|ahora|hoy|ahorita|desde)\b";
const FIRST_PERSON: &str = r"\b(i|im|ive|my|me|tengo|estoy|me|mi|siento)\b";
const CONDITIONAL: &str = r"\b(if|when|in case|si|cuando)\b";

/// The compiled red-flag rules. Built once at start and passed in.
#[derive(Debug, Clone)]
pub struct RedFlags {
    rules: Vec<(RedFlag, Regex)>,
    hypothetical: Regex,
    present: Regex,
    first_person: Regex,
    conditional: Regex,
}

impl Default for RedFlags {
    fn default() -> Self {
        Self::new()
    }
}

impl RedFlags {
    pub fn new() -> RedFlags {
        // The patterns are constants covered by tests; a failure here is a bug.
        let compile = |p: &str| Regex::new(p).expect("red-flag pattern compiles");
        RedFlags {
            rules: RULES.iter().map(|&(f, p)| (f, compile(p))).collect(),
            hypothetical: compile(HYPOTHETICAL),
            present: compile(PRESENT),
            first_person: compile(FIRST_PERSON),
            conditional: compile(CONDITIONAL),
        }
    }

    /// The red flag raised by a message, already folded with [`crate::text::fold`].
    pub fn check(&self, folded: &str) -> Option<RedFlag> {
        let flag = self
            .rules
            .iter()
            .find(|(_, re)| re.is_match(folded))
            .map(|&(f, _)| f)?;
        if flag == RedFlag::SelfHarm {
            return Some(flag);
        }
        let about_writer = self.present.is_match(folded)
            || (self.first_person.is_match(folded) && !self.conditional.is_match(folded));
        if self.hypothetical.is_match(folded) && !about_writer {
            None
        } else {
            Some(flag)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn check(text: &str) -> Option<RedFlag> {
        RedFlags::new().check(&fold(text))
    }

    #[test]
    fn reports_of_emergencies_raise_the_right_flag() {
        let cases = [
            (
                "My chest hurts and I can't breathe",
                RedFlag::ChestOrBreathing,
            ),
            (
                "had needling on my upper back this morning and now I'm really short of breath",
                RedFlag::ChestOrBreathing,
            ),
            (
                "I think I'm having a heart attack",
                RedFlag::ChestOrBreathing,
            ),
            (
                "sharp pain in my chest when i breathe in",
                RedFlag::ChestOrBreathing,
            ),
            (
                "me duele el pecho y no puedo respirar",
                RedFlag::ChestOrBreathing,
            ),
            (
                "the needle spot is bleeding and it won't stop",
                RedFlag::Bleeding,
            ),
            ("no para de sangrar", RedFlag::Bleeding),
            ("estoy sangrando mucho y no para", RedFlag::Bleeding),
            (
                "my face is drooping and my speech is slurred",
                RedFlag::Stroke,
            ),
            ("tengo la cara caída y no puedo hablar", RedFlag::Stroke),
            (
                "my throat is swelling up after a bee sting",
                RedFlag::Allergy,
            ),
            ("se me hincha la garganta", RedFlag::Allergy),
            (
                "se me esta hinchando la garganta y la lengua no puedo tragar",
                RedFlag::Allergy,
            ),
            ("my lips are swelling and i cant swallow", RedFlag::Allergy),
            (
                "my husband collapsed after his treatment",
                RedFlag::Collapse,
            ),
            ("se desmayó y no despierta", RedFlag::Collapse),
            ("I want to end my life", RedFlag::SelfHarm),
            ("sometimes I think about killing myself", RedFlag::SelfHarm),
            ("ya no quiero vivir", RedFlag::SelfHarm),
        ];
        for (text, flag) in cases {
            assert_eq!(check(text), Some(flag), "{text}");
        }
    }

    #[test]
    fn questions_about_risks_are_not_emergencies() {
        for text in [
            "can dry needling puncture a lung?",
            "can needling cause a collapsed lung",
            "what is the risk of shortness of breath after needling",
            "what should I do if I get chest pain after needling?",
            "¿puede la punción causar falta de aire?",
            "does it hurt",
            "numbness and tingling down my leg, can needling help",
            "I faint when I see needles",
            "I'm on blood thinners, will I bleed a lot?",
        ] {
            assert_eq!(check(text), None, "{text}");
        }
    }

    #[test]
    fn a_risk_question_that_also_reports_symptoms_is_an_emergency() {
        assert_eq!(
            check("my chest hurts, can needling cause that?"),
            Some(RedFlag::ChestOrBreathing)
        );
        assert_eq!(
            check(
                "is it possible to be short of breath after needling? it started an hour ago and it's getting worse now"
            ),
            Some(RedFlag::ChestOrBreathing)
        );
    }
}
