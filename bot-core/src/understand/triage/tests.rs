//! Triage by category and by the ways a sign is explained away, in both
//! languages; and the figures on the project's labelled triage set.

use super::*;
use crate::text::fold;

fn tier(text: &str) -> Triage {
    Triager::new().check(&fold(text))
}

#[test]
fn every_tier_one_category_is_an_emergency_in_english_and_spanish() {
    let cases = [
        (
            "My chest hurts and I can't breathe",
            RedFlag::ChestOrBreathing,
        ),
        (
            "crushing pressure in my chest and my left arm aches",
            RedFlag::ChestOrBreathing,
        ),
        (
            "me duele el pecho y no puedo respirar",
            RedFlag::ChestOrBreathing,
        ),
        ("my lips are going blue", RedFlag::ChestOrBreathing),
        (
            "had my upper back needled this morning and now it hurts when i breathe in",
            RedFlag::Pneumothorax,
        ),
        (
            "me duele al respirar desde la sesión de ayer",
            RedFlag::Pneumothorax,
        ),
        (
            "my husband collapsed after his treatment",
            RedFlag::Collapse,
        ),
        ("se desmayó y no despierta", RedFlag::Collapse),
        (
            "my mum is suddenly confused and not making sense",
            RedFlag::Confusion,
        ),
        (
            "mi padre está muy desorientado, no sabe dónde está",
            RedFlag::Confusion,
        ),
        (
            "my face is drooping and my speech is slurred",
            RedFlag::Stroke,
        ),
        ("tengo la cara caída y no puedo hablar", RedFlag::Stroke),
        (
            "worst headache of my life, came on suddenly",
            RedFlag::ThunderclapHeadache,
        ),
        (
            "el peor dolor de cabeza de mi vida, de repente",
            RedFlag::ThunderclapHeadache,
        ),
        ("my son is having a seizure right now", RedFlag::Seizure),
        ("mi hija está teniendo una convulsión", RedFlag::Seizure),
        (
            "my throat is swelling up after a bee sting",
            RedFlag::Allergy,
        ),
        ("se me hincha la garganta", RedFlag::Allergy),
        (
            "the needle spot is bleeding and it won't stop",
            RedFlag::Bleeding,
        ),
        ("no para de sangrar", RedFlag::Bleeding),
        (
            "the bruise on my thigh has doubled in 20 minutes",
            RedFlag::Bleeding,
        ),
        (
            "sharp catch under my shoulder blade on every deep breath since the needles",
            RedFlag::Pneumothorax,
        ),
        (
            "he had 15 of the oxycodone with half a bottle of whisky",
            RedFlag::Overdose,
        ),
        ("i took too many of my pills with vodka", RedFlag::Overdose),
        (
            "mi hermano se tomó una caja entera de pastillas",
            RedFlag::Overdose,
        ),
        ("I want to end my life", RedFlag::SelfHarm),
        ("ya no quiero vivir", RedFlag::SelfHarm),
        (
            "my dad fell off a ladder and hit his head, he keeps vomiting",
            RedFlag::SeriousInjury,
        ),
        (
            "mi madre tuvo un accidente de coche",
            RedFlag::SeriousInjury,
        ),
        ("back pain and numb between my legs", RedFlag::CaudaEquina),
        (
            "me duele la espalda y no siento las piernas",
            RedFlag::CaudaEquina,
        ),
    ];
    for (text, flag) in cases {
        assert_eq!(tier(text), Triage::Emergency(flag), "{text}");
    }
}

#[test]
fn every_tier_two_category_is_urgent_in_english_and_spanish() {
    let cases = [
        (
            "my knee is swollen and hot where you needled it 3 days ago",
            Urgency::Infection,
        ),
        (
            "there's pus coming out of the needle spot",
            Urgency::Infection,
        ),
        ("la zona está roja y caliente y supura", Urgency::Infection),
        (
            "my hand is still numb since the session yesterday",
            Urgency::NerveSymptoms,
        ),
        (
            "sigo con hormigueo en la pierna desde la punción",
            Urgency::NerveSymptoms,
        ),
        (
            "my calf is swollen and sore, only the left one",
            Urgency::Clot,
        ),
        ("tengo la pantorrilla hinchada y me duele", Urgency::Clot),
        (
            "I fainted after the treatment but I'm fine now",
            Urgency::FaintRecovered,
        ),
        (
            "me desmayé después de la sesión, ya estoy bien",
            Urgency::FaintRecovered,
        ),
        ("I have a fever and feel really unwell", Urgency::Fever),
        ("tengo fiebre y escalofríos", Urgency::Fever),
        ("needle broke in my skin", Urgency::NeedleProblem),
        ("se rompió la aguja", Urgency::NeedleProblem),
        // Retained needles, weakness counted in hours, an infection in
        // other words, a faint told by someone with the patient.
        (
            "just noticed one of the needles still stuck in my shoulder",
            Urgency::NeedleProblem,
        ),
        (
            "encontré una aguja clavada en la espalda al ducharme",
            Urgency::NeedleProblem,
        ),
        (
            "since the needling on my wrist i cannot grip a cup, it's been six hours",
            Urgency::NerveSymptoms,
        ),
        (
            "tengo el brazo débil desde la sesión, ya van ocho horas",
            Urgency::NerveSymptoms,
        ),
        (
            "el pinchazo está colorado y me arde al tocarlo",
            Urgency::Infection,
        ),
        (
            "my wife went pale and woozy after her needling, she's ok now",
            Urgency::FaintRecovered,
        ),
        (
            "left calf hard and swollen, the other leg is fine",
            Urgency::Clot,
        ),
        // Numbness told from its start, and a broken needle told the other
        // way round.
        (
            "desde anoche tengo los dedos entumecidos",
            Urgency::NerveSymptoms,
        ),
        (
            "since my session on tuesday my foot has been numb",
            Urgency::NerveSymptoms,
        ),
        ("creo que se partió la aguja", Urgency::NeedleProblem),
    ];
    for (text, urgency) in cases {
        assert_eq!(tier(text), Triage::Urgent(urgency), "{text}");
    }
}

#[test]
fn denied_past_hypothetical_idiomatic_and_other_peoples_signs_are_routine() {
    for text in [
        "I'm sore after needling but no chest pain or breathing problems",
        "no me falta el aire, solo me duele un poco",
        "I fainted at a blood test years ago, is that a problem?",
        "I had a collapsed lung in 2015",
        "my mum had a stroke years ago, can she have needling?",
        "tuve una convulsión de niño",
        "can dry needling puncture a lung?",
        "what are the signs of a collapsed lung?",
        "what should I do if I get chest pain after needling?",
        "¿puede la punción causar falta de aire?",
        "my friend got a big bruise after needling, is that common?",
        "this price gives me a heart attack",
        "I'm dying to try it",
        "my back is killing me",
        "me muero de ganas de probarlo",
        "el precio me da un infarto",
        "does it hurt",
        "numbness and tingling down my leg, can needling help",
        "I faint when I see needles",
        "what would happen if I passed out on the table?",
        "my ribs ache after needling, breathing doesnt hurt though",
        "my hay fever is awful this week, can I still come?",
        "tengo fiebre del heno, ¿puedo ir igual?",
        "my calf kicked really hard when it was needled, is that normal?",
        "can needling help? my ankle is still weak from an old sprain",
    ] {
        assert_eq!(tier(text), Triage::Routine, "{text}");
    }
}

#[test]
fn a_recovery_a_denial_inside_a_sign_and_a_risk_question_set_the_sign_aside() {
    for text in [
        "had a small stroke back in 2018, fine now, does it matter for needling",
        "tuve un infarto hace años, ahora estoy estable, puedo hacerme la puncion",
        "my calf aches from the needling but it is not swollen",
        "zero chest pain, just a stiff neck",
        "could needling give me an infection?",
        "i almost passed out when i saw the price lol",
        "in my thirties i had a collapsed lung, is needling ok for my back",
    ] {
        assert_eq!(tier(text), Triage::Routine, "{text}");
    }
}

#[test]
fn a_sign_that_is_new_or_back_counts_whatever_came_before() {
    for (text, expected) in [
        (
            "my mum was perfectly fine at lunch and now suddenly doesnt know what day it is",
            Triage::Emergency(RedFlag::Confusion),
        ),
        (
            "my son just had a seizure, he has never had one before",
            Triage::Emergency(RedFlag::Seizure),
        ),
        (
            "i had a mini stroke years ago and fully recovered but right now my arm went numb",
            Triage::Emergency(RedFlag::Stroke),
        ),
        (
            "temperature of 39.2 and feel awful, can barely stand up",
            Triage::Urgent(Urgency::Fever),
        ),
    ] {
        assert_eq!(tier(text), expected, "{text}");
    }
}

#[test]
fn a_report_beside_a_question_or_a_no_still_counts() {
    assert_eq!(
        tier("my chest hurts, can needling cause that?"),
        Triage::Emergency(RedFlag::ChestOrBreathing)
    );
    assert_eq!(
        tier("no, I can't breathe"),
        Triage::Emergency(RedFlag::ChestOrBreathing)
    );
    assert_eq!(
        tier("my back is killing me and I can't feel my legs"),
        Triage::Emergency(RedFlag::CaudaEquina)
    );
    assert_eq!(
        tier(
            "is it possible to be short of breath after needling? it started an hour ago and it's getting worse"
        ),
        Triage::Emergency(RedFlag::ChestOrBreathing)
    );
}

#[test]
fn zero_width_and_full_width_characters_do_not_hide_an_emergency() {
    for text in [
        "ch\u{200B}est pain",
        "ｃｈｅｓｔ ｐａｉｎ",
        "my c\u{00AD}hest hurts",
        "\u{202E}i can\u{2019}t breathe",
    ] {
        assert!(matches!(tier(text), Triage::Emergency(_)), "{text:?}");
    }
}

/// One labelled triage message.
struct Labelled {
    text: String,
    tier: u8,
}

fn labelled(name: &str) -> Option<Vec<Labelled>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../eval")
        .join(name);
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut cols = l.split('\t');
                Labelled {
                    text: cols.next().unwrap_or_default().to_owned(),
                    tier: cols.next().and_then(|t| t.trim().parse().ok()).unwrap_or(3),
                }
            })
            .collect(),
    )
}

/// On the part of the labelled triage set the rules are tuned on: every
/// emergency gets the emergency answer, every urgent message the urgent or
/// emergency answer, and no tier-3 message either.
#[test]
fn on_the_tuning_part_of_the_triage_set_every_tier_is_answered_as_labelled() {
    let cases = labelled("triage-tune.tsv").expect("eval/triage-tune.tsv is in the repository");
    let triager = Triager::new();
    let mut misses = Vec::new();
    for case in &cases {
        let got = triager.check(&fold(&case.text));
        let right = matches!(
            (case.tier, got),
            (1, Triage::Emergency(_))
                | (2, Triage::Emergency(_) | Triage::Urgent(_))
                | (3, Triage::Routine)
        );
        if !right {
            misses.push(format!("tier {} got {got:?}: {}", case.tier, case.text));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {}:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
}
