//! A message that only names a part of the body ("left arm", "hombro",
//! "dolor de espalda"): no topic answers it, and one word is no ground to
//! guess one ("left arm" was answered with the session length, "hombro"
//! asked back with opening hours). It gets the fallback, which offers a
//! person. (Asking back with what the clinic treats was tried: labels
//! written independently call these unanswerable, and it scored lower.)

/// Parts of the body, in English and Spanish (folded).
#[rustfmt::skip]
const PARTS: &[&str] = &[
    "neck", "back", "spine", "shoulder", "shoulders", "arm", "arms", "elbow", "elbows", "wrist",
    "wrists", "hand", "hands", "finger", "fingers", "thumb", "hip", "hips", "knee", "knees",
    "leg", "legs", "thigh", "thighs", "hamstring", "hamstrings", "calf", "calves", "shin",
    "shins", "ankle", "ankles", "foot", "feet", "heel", "heels", "toe", "toes", "jaw", "head",
    "glute", "glutes", "buttock", "buttocks", "bum", "butt", "ribs", "groin", "forearm",
    "achilles", "tendon", "muscle", "muscles", "trap", "traps", "lumbar", "cuello", "espalda",
    "lumbares", "cervicales", "columna", "hombro", "hombros", "brazo", "brazos", "codo", "codos",
    "muneca", "munecas", "mano", "manos", "dedo", "dedos", "cadera", "caderas", "rodilla",
    "rodillas", "pierna", "piernas", "muslo", "muslos", "gemelo", "gemelos", "pantorrilla",
    "tobillo", "tobillos", "pie", "pies", "talon", "mandibula", "cabeza", "gluteo", "gluteos",
    "nalga", "costillas", "antebrazo", "tendon", "musculo", "musculos", "trapecio",
];

/// Words that may go with a part: a side, an article, a plain complaint.
#[rustfmt::skip]
const WITH: &[&str] = &[
    "left", "right", "both", "my", "the", "a", "lower", "upper", "mid", "middle", "pain",
    "ache", "aches", "aching", "sore", "stiff", "stiffness", "tight", "problem", "problems",
    "issue", "issues", "and", "izquierdo", "izquierda", "derecho", "derecha", "ambos", "ambas",
    "mi", "mis", "el", "la", "los", "las", "de", "del", "y", "dolor", "molestia", "molestias",
    "contractura", "tension", "baja", "bajo", "alta", "alto", "zona",
];

/// Longest message read as a body part alone, in words.
const MAX_WORDS: usize = 5;

/// Whether a [`crate::text::fold`]ed message names a part of the body and
/// nothing else but a side or a plain complaint.
pub fn only_a_body_part(folded: &str) -> bool {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    (1..=MAX_WORDS).contains(&words.len())
        && words.iter().any(|w| PARTS.contains(w))
        && words.iter().all(|w| PARTS.contains(w) || WITH.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn a_body_part_alone_is_recognised_and_a_question_about_it_is_not() {
        for text in [
            "left arm",
            "Hombro",
            "dolor de espalda",
            "my lower back",
            "knees!",
        ] {
            assert!(only_a_body_part(&fold(text)), "{text}");
        }
        for text in [
            "can you treat my knee",
            "does it hurt in the neck",
            "pain",
            "back to work tomorrow?",
            "",
        ] {
            assert!(!only_a_body_part(&fold(text)), "{text}");
        }
    }
}
