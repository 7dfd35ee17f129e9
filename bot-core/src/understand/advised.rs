//! A doctor's or another clinician's advice against needling: "my GP said
//! no needles till my platelets are up, just book me", "el traumatólogo me
//! dijo que esperara". The bot never books such a patient or encourages
//! them: the clinical team must review it first, and the team is offered.
//!
//! A message is such advice when it names a clinician *and* says they
//! advised against something (not to, to wait, to avoid, no needles,
//! "me lo desaconsejó"). Both lists are short patterns on folded text, one
//! a line; a rule in code, because no edit of the knowledge folder may let
//! the bot book past a doctor's advice.

use regex::Regex;

/// Who gives clinical advice.
const CLINICIAN: &[&str] = &[
    r"doctors?|docs?|dr|gp|physicians?|surgeons?|consultants?|specialists?",
    r"\w+ologists?|midwife|ob|obgyn|nurses?|physios?|physiotherapists?|therapists?",
    r"medic[oa]s?|doctora?s?|cirujan[oa]s?|especialistas?|\w+olog[oa]s?",
    r"matrona|partera|fisios?|kines?|kinesiolog[oa]s?|enfermer[oa]s?|terapeutas?",
    r"(en|de) la (clinica|mutua|seguridad social)",
];

/// Advice against needling, exercise or treatment, or to wait.
const AGAINST: &[&str] = &[
    // "said not to have any", "told me no needles"
    r"(said|says|told me|tells me|told us) (\w+ ){0,2}not to (have|get|do|start|book|try|go|come|exercise|train|run|play|lift|work|be)",
    r"(said|says|told me|tells me|told us) (\w+ ){0,2}no (\w+ )?(needl\w*|needles|acupuncture|exercise|treatment|sport)",
    // "said to wait", "told me to hold off", "wants me to rest"
    r"(said|says|told me|tells me|wants me|advised me|asked me|recommended) (\w+ ){0,2}(to )?(wait|hold off|avoid|rest|stop|stay off)",
    // "said I shouldn't have needling"
    r"(i )?(shouldnt|should not|must not|mustnt|cant|cannot|am not allowed to) (have|get|do|start) (\w+ ){0,2}(needl\w*|needles|acupuncture|exercise|treatment|anything)",
    r"advised (me )?against|warned me (off|against|not)",
    r"(doesnt|does not|didnt|did not) want me (having|to have|to get|getting|to start|doing)",
    r"(was|been|were) told (\w+ ){0,5}(not to|to wait|to avoid|to hold off|no )",
    r"not (yet )?(cleared|allowed|approved|signed off)|(hasnt|has not|havent|have not) (cleared|approved|signed off)",
    // "me dijo que esperara", "dice que mejor no"
    r"(dijo|dice|ha dicho|dijeron|recomendo|recomienda|aconsejo|pidio|indico) (\w+ ){0,2}que (no|esper\w*|evit\w*|mejor no|nada)",
    r"(dijo|dice|dijeron|ha dicho) (\w+ ){0,3}(nada de|sin) (puncion|agujas|pinchazos|ejercicio|deporte)",
    r"desaconsej\w*|(me lo|lo ha|lo) prohibi\w*|me (ha )?prohibido",
    r"no quiere que (me )?(pinchen|haga|hagan|empiece|vaya)|quiere que espere",
    r"no me conviene|mejor no hacer nada",
];

/// The compiled lists. Built once and passed in.
#[derive(Debug)]
pub struct Advice {
    clinician: Regex,
    against: Regex,
}

impl Default for Advice {
    fn default() -> Self {
        Self::new()
    }
}

impl Advice {
    pub fn new() -> Advice {
        Advice {
            clinician: crate::text::folded_words(CLINICIAN.iter().copied()),
            against: crate::text::folded_words(AGAINST.iter().copied()),
        }
    }

    /// Whether a folded message says a clinician advised against it.
    pub fn against(&self, folded: &str) -> bool {
        self.clinician.is_match(folded) && self.against.is_match(folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn advised(text: &str) -> bool {
        Advice::new().against(&fold(text))
    }

    #[test]
    fn a_clinicians_advice_against_is_heard_in_english_and_spanish() {
        for text in [
            "my doctor told me not to have needles but i want it anyway, just book me",
            "the surgeon said to wait 8 weeks after the op, can I come next week?",
            "my cardiologist advised against it but I'd like to try",
            "GP doesn't want me having needles while my INR is high, book me anyway",
            "el médico me dijo que no me hiciera punción pero quiero ir igual",
            "la ginecóloga dice que mejor no hasta el segundo trimestre, ¿me dais cita?",
            "el traumatólogo me lo desaconsejó, pero reservo igual",
        ] {
            assert!(advised(text), "{text}");
        }
    }

    #[test]
    fn a_clinician_named_without_advice_against_is_not() {
        for text in [
            "my doctor recommended dry needling for my neck",
            "my GP said no need to worry about the bruise",
            "the physio told me it might be sore for a day",
            "I can't come on Tuesday, I have a doctor's appointment",
            "mi médico me recomendó la punción seca",
            "el fisio me dijo que iría bien para la espalda",
            "my friend said not to eat before it, is that true?",
        ] {
            assert!(!advised(text), "{text}");
        }
    }
}
