//! Questions about taking, dosing, stopping or prescribing a medicine: the
//! bot never answers them (a pharmacist or the prescriber does).
//!
//! A medicine question is an *asked act* on a *medicine*. The act is a
//! verb asked about: "can I take", "should I stop", "is it ok to use",
//! "any point taking", "¿puedo tomarme…?", "hay que dejar…". The medicine
//! is a name from a list, a word shaped like a drug's name (its ending:
//! -profen, -cillin, -statin, -caine…), or a kind of medicine ("painkiller",
//! "inhaler", "vitamin D", "pomada"). The act must reach the medicine:
//! within a few words of it, or through "it" or a Spanish clitic
//! ("tomarlo") when the medicine was named elsewhere in the message. So
//! "my GP prescribed naproxen" (no act asked) and "can I have needling if I
//! take warfarin" (the act is on needling) are not medicine questions; the
//! second is the knowledge folder's question about blood thinners.
//!
//! Dosing ("how many can I take") and asking the clinic to prescribe are
//! medicine questions whatever medicine they name, or none.

use regex::Regex;

/// A medicine, by name, by the shape of its name, or by its kind.
const MEDICINE: &str = concat!(
    r"(\b(ibuprofen|ibuprofeno|advil|motrin|nurofen|aspirin|aspirina|paracetamol|",
    r"acetaminophen|tylenol|panadol|naproxen|naproxeno|aleve|diclofenac|diclofenaco|voltaren|",
    r"arnica|nolotil|metamizol|dipirona|enantyum|dexketoprofeno|codeine|codeina|tramadol|",
    r"oxycodone|morphine|morfina|celebrex|meloxicam|ketorolac|gabapentin|pregabalin|lyrica|",
    r"warfarin|coumadin|sintrom|acenocumarol|xarelto|eliquis|pradaxa|clopidogrel|plavix|",
    r"heparin|heparina|metformin|metformina|insulin|insulina|ozempic|ventolin|salbutamol|",
    r"albuterol|prednisone|prednisona|prednisolone|cortisone|cortisona|steroids?|",
    r"corticoides?|zoloft|prozac|valium|xanax|benadryl|zyrtec|claritin|allegra|cetirizine|",
    r"cetirizina|loratadine|loratadina|melatonin|melatonina|cbd|thc|glucosamine|glucosamina|",
    r"chondroitin|collagen|colageno|magnesium|magnesio|zinc|iron supplements?|calcium|",
    r"creatine|creatina|probiotics?|ginkgo|ginseng|turmeric|curcuma|fish oil|omega 3|",
    r"st johns wort|hierba de san juan|antibiotics?|antibioticos?|antihistamines?|",
    r"antihistaminicos?|anti ?inflammator(y|ies)|antiinflamatorios?|anti inflamatorios?|",
    r"muscle relaxants?|relajantes? musculares?|relajante|sleeping pills?|blood thinners?|",
    r"anticoagulants?|anticoagulantes?|antidepressants?|antidepresivos?|statins?|ssris?|",
    r"beta blockers?|betabloqueantes?|chemo|chemotherapy|quimio|painkillers?|pain killers?|pain relievers?|",
    r"pain meds?|analgesicos?|calmantes?|medicine|medicines|medication|medications|meds|",
    r"pills?|tablets?|capsules?|supplements?|vitamins?|vitamina?s? [a-z0-9]{1,3}|drugs?|",
    r"inhaler|puffer|cream|ointment|gel|drops|syrup|medicina|medicinas|medicamentos?|",
    r"pastillas?|capsulas?|comprimidos?|suplementos?|gotas|crema|pomada|inhalador|jarabe|",
    r"(lidocaine|pain|nicotine|medicated|voltaren|diclofenac) patch(es)?|parches?|",
    r"something for (the )?pain|algo para el dolor|deep heat|tiger balm|bengay|biofreeze|",
    r"icy hot|flector|calpol|hrt|the pill|birth control|contraceptives?|anticonceptiv\w*|",
    r"pildoras?|pre ?workout|balm|balsamo|pregabalina|gabapentina)\b",
    r"|\b[a-z]{2,}(profen|fenac|coxib|cillin|mycin|cycline|floxacin|azepam|zolam|pril|sartan|",
    r"olol|dipine|statin|prazole|tidine|tadine|oxetine|triptan|caine|parin|xaban|gatran|",
    r"codone|morphone|setron|lukast|dronate|formin|gliptin|semide|thiazide|conazole|",
    r"solone|olona|cilina|micina|statina|prazol|caina|alina|profeno|fenaco|sartan|triptan|",
    r"parina|xaban)\b)",
);

/// A verb asked about, as it opens a question in English or Spanish.
const ACT: &str = concat!(
    r"(\b(can|could|should|may|do|shall|must|need to|have to|ought to) ",
    r"(i|we|you|he|she|they|my (mum|mom|mother|dad|father|son|daughter|wife|husband|partner|",
    r"kid|child)) (still |also |just |even |safely |then |keep |continue |need to |have to |be |",
    r"really need to |still need to )?",
    r"(take|taking|use|using|apply|rub|put|keep taking|keep using|continue|continue taking|",
    r"stop|stop taking|quit|skip|pause|hold|come off|get off|combine|mix|increase|decrease|",
    r"double|swap|switch|carry on|keep on|need|drink)",
    r"|\b(ok|okay|safe|fine|alright|good|bad|wise|better|dangerous|a problem|possible|",
    r"allowed|a good idea|a bad idea|necessary|best|important|recommended) ",
    r"(for me |for him |for her |for them )?to (take|use|apply|rub|put|keep taking|stop|skip|",
    r"combine|mix|continue|pause)",
    r"|\b(any point|worth|point|ok|okay|safe|fine|bad|good) (in )?(taking|using|applying|",
    r"rubbing|putting|stopping|skipping|combining|mixing)",
    r"|\b(puedo|podria|debo|deberia|tengo que|hay que|hay q|se puede|conviene|es bueno|",
    r"es malo|es seguro|esta bien|es recomendable|es necesario|pasa algo si|que pasa si|",
    r"necesito|sirve|vale la pena|es buena idea|es mala idea|seria bueno|hace falta) ",
    r"(seguir )?(tomar|tomarme|tomarlo|tomarla|tomarlos|",
    r"tomarlas|tomo|usar|usarlo|usarla|usarme|poner|ponerme|ponerle|ponermelo|ponermela|aplicar|",
    r"aplicarme|aplicarlo|untar|untarme|dejar|dejarlo|dejarla|dejo|suspender|suspenderlo|",
    r"suspenderla|suspendo|parar|mezclar|mezclarlo|combinar|tomando|usando|dejar de tomar|",
    r"seguir tomando|seguir con))\b",
);

/// An act on "it", or a Spanish verb that carries its object ("tomarlo").
const ON_IT: &str = r"( (it|them|this|that|these|those|lo|la|los|las)\b)";
const CARRIES_IT: &str = r"\b(tomarlo|tomarla|tomarlos|tomarlas|usarlo|usarla|ponermelo|ponermela|aplicarlo|aplicarla|dejarlo|dejarla|suspenderlo|suspenderla|mezclarlo|mezclarla)\b";

/// Stopping or skipping, as a bare question: "stopping my aspirin before?".
const BARE_STOP: &str = r"\b(stop|stopping|skip|skipping|pause|pausing|quit|quitting|come off|coming off|hold off|dejar de tomar|suspender|suspendo|dejo)( taking| using| on)?\b";

/// Whether needling is safe, asked beside a medicine: "I'm on warfarin, is
/// dry needling safe for me?" is the knowledge folder's question.
const NEEDLING_SAFE: &str = r"\b((is|are|es|son|sera) (the )?(dry )?(needling|needles|it|la puncion|las agujas|la puncion seca)( \w+)? (safe|ok|okay|fine|seguro|segura|un problema|a problem)|(ok|okay|safe|fine) (for me )?to (have|get|do) (dry )?(needling|needles|it|the needles|a session|treatment))\b";

/// A medicine asked about in the passive ("can arnica cream be applied…")
/// or a Spanish first person asked ("¿me la tomo ya o me la salto?").
const PASSIVE: &str = r" be (applied|used|taken|rubbed|put on|combined|mixed)\b";
const FIRST_PERSON: &str = r"\b(me (la |lo |las |los )?(pongo|tomo|aplico|salto|unto)|(la|lo|las|los) (retomo|tomo|dejo|salto|ajusto|suspendo)|retomo|ajusto)\b";

/// A medicine followed by whether it is safe or good: "is arnica ok?".
const SAFE: &str = r"\b(ok|okay|safe|fine|alright|good|bad|bueno|buena|malo|mala|seguro|segura|recomendable|peligroso)\b";

/// Whether a medicine and the treatment mix: "will needling interact
/// with my antidepressants?".
const INTERACT: &str =
    r"\b(interact\w*|interfer\w*|clash\w*|interaccion\w*|interfier\w*|interferir)\b";

/// Dosing, whatever is named.
const DOSE: &str = concat!(
    r"\b(how much|how many|how often|what dose|what dosage|max dose|maximum dose)\b.{0,30}",
    r"\b(can|should|do|may|could) i (take|use)\b",
    r"|\bcuant[oa]s?\b.{0,30}\b(puedo|debo) (tomar|tomarme)\b",
    r"|\b(que|cual|cuanta) dosis\b",
    r"|\bcuant[oa]s? (\w+ )?(tomo|me tomo)\b",
);

/// Asking the clinic for a prescription.
const PRESCRIBE: &str = concat!(
    r"\b(can|could|will|would|do|does) (you|u|the [a-z]+|your [a-z]+|someone|anyone|they|",
    r"physios?|chiropractors?|clinicians?)( [a-z]+)? (prescribe|write (me )?(a )?prescription|",
    r"give me (a )?prescription)\b",
    r"|\b(prescribe me|a prescription for me|get a prescription from you)\b",
    r"|\b(me )?(pueden|puede|podrian|podria|pueden ustedes) (recetar|recetarme|hacer una receta|",
    r"dar una receta)\b|\brecetarme\b|\bme (recetan|receta|recetas)\b",
);

/// A question without its question mark: "are arnica tablets good for…".
const OPENS_A_QUESTION: &str = r"^(is|are|would|will|do|does|can|could|should|how much|how many|what|which|es|son|seria|sera|esta|estan|cuanto|cuanta|cual|que)\b";

/// The compiled patterns.
#[derive(Debug)]
pub struct Medicines {
    act_then_medicine: Regex,
    act_on_it: Regex,
    medicine_then_act: Regex,
    interact: Regex,
    medicine: Regex,
    bare_stop_then_medicine: Regex,
    medicine_then_safe: Regex,
    dose: Regex,
    prescribe: Regex,
    opens_a_question: Regex,
    passive: Regex,
    first_person: Regex,
    needling_safe: Regex,
}

impl Medicines {
    pub fn new() -> Medicines {
        let compile = crate::text::folded_pattern;
        Medicines {
            act_then_medicine: compile(&format!(r"{ACT}( \w+){{0,4}} {MEDICINE}")),
            act_on_it: compile(&format!(r"{ACT}{ON_IT}|{CARRIES_IT}")),
            medicine_then_act: compile(&format!(r"{MEDICINE}( \w+){{0,4}} {ACT}")),
            interact: compile(INTERACT),
            medicine: compile(MEDICINE),
            bare_stop_then_medicine: compile(&format!(r"{BARE_STOP}( \w+){{0,3}} {MEDICINE}")),
            medicine_then_safe: compile(&format!(r"{MEDICINE}( \w+){{0,5}} {SAFE}")),
            dose: compile(DOSE),
            prescribe: compile(PRESCRIBE),
            opens_a_question: compile(OPENS_A_QUESTION),
            passive: compile(&format!(r"{MEDICINE}( \w+){{0,2}}{PASSIVE}")),
            first_person: compile(FIRST_PERSON),
            needling_safe: compile(NEEDLING_SAFE),
        }
    }

    /// Whether a [`crate::text::fold`]ed message names a medicine at all.
    pub fn named(&self, folded: &str) -> bool {
        self.medicine.is_match(folded)
    }

    /// Whether a [`crate::text::fold`]ed message asks about taking, dosing,
    /// stopping or prescribing a medicine; `asks` says whether it had a
    /// question mark.
    pub fn asked(&self, folded: &str, asks: bool) -> bool {
        self.act_then_medicine.is_match(folded)
            || self.medicine_then_act.is_match(folded)
            || ((self.act_on_it.is_match(folded) || self.interact.is_match(folded))
                && self.medicine.is_match(folded))
            || self.dose.is_match(folded)
            || self.prescribe.is_match(folded)
            || self.passive.is_match(folded)
            || ((asks || self.opens_a_question.is_match(folded))
                && (self.bare_stop_then_medicine.is_match(folded)
                    || (self.medicine_then_safe.is_match(folded)
                        && !self.needling_safe.is_match(folded))))
            || (asks && self.first_person.is_match(folded) && self.medicine.is_match(folded))
    }
}

impl Default for Medicines {
    fn default() -> Medicines {
        Medicines::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn asked(m: &Medicines, text: &str) -> bool {
        m.asked(&fold(text), text.contains(['?', '¿']))
    }

    #[test]
    fn questions_about_taking_stopping_dosing_or_prescribing_a_medicine_are_recognised() {
        let m = Medicines::new();
        for text in [
            "should i stop taking my blood pressure pills",
            "can I skip my warfarin before the appointment",
            "¿debo dejar de tomar el anticoagulante?",
            "how many ibuprofen can i take at once",
            "cuantas pastillas de paracetamol puedo tomar al dia",
            "can I take ibuprofen after needling",
            "is it ok to use my asthma inhaler before the session",
            "I'm on atorvastatin, should I stop it for a few days first?",
            "tomo omeprazol, ¿puedo tomarlo el día de la sesión?",
            "is it worth taking magnesium for the soreness",
            "¿se puede poner una pomada en la zona después?",
            "could the physio prescribe something stronger for the pain",
            "¿me pueden recetar un relajante?",
            "stopping my fish oil before the visit?",
            "is amoxicillin ok with needling?",
            "are arnica tablets any good for the bruising",
            "which painkiller should I take after the session",
            "do I need to stop my meds the day before",
            "will the needling interact with my antidepressants?",
            "¿puedo seguir con el omeprazol?",
            "do I need antibiotics after the session?",
            "¿es buena idea seguir con el colágeno?",
            "can voltaren gel be applied over the spot?",
            "se me olvidó la pastilla, ¿me la tomo ya?",
            "el ibuprofeno, ¿cuánto tomo?",
        ] {
            assert!(asked(&m, text), "{text}");
        }
    }

    #[test]
    fn a_medicine_mentioned_without_an_asked_act_on_it_is_not_a_medicine_question() {
        let m = Medicines::new();
        for text in [
            "i take blood thinners can i have dry needling",
            "i'm on warfarin",
            "can I have dry needling if I take warfarin?",
            "my doctor prescribed tramadol last year and it did nothing",
            "I take a multivitamin every day, just so you know",
            "can I take a shower after the session?",
            "should I stop running before my appointment?",
            "does it hurt more than a flu shot?",
            "I'm on warfarin, can I still have needling?",
            "tomo xarelto, ¿es un problema para la punción?",
            "tomo sintrom, ¿puedo hacerme la punción?",
            "I'm on warfarin, is dry needling safe for me?",
            "I take clopidogrel, am I ok to have needles?",
            "how many times do I have to come back?",
        ] {
            assert!(!asked(&m, text), "{text}");
        }
    }
}
