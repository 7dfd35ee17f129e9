//! Triage by category and by the ways a sign is explained away, in both
//! languages; and the figures on the project's labelled triage set.

use super::*;
use crate::Locale;
use crate::text::fold;
use Triage::{Emergency, Routine, Urgent};

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

/// Checks every case, and reports all the failures at once.
fn assert_triage(cases: &[(&str, Triage)]) {
    let triager = Triager::new();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(text, expected)| {
            let got = triager.check(&fold(text));
            (got != expected).then(|| format!("expected {expected:?}, got {got:?}: {text}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn chest_pain_or_breathlessness_is_reported_now_but_not_denied_past_told_asked_or_an_idiom() {
    let chest = Emergency(RedFlag::ChestOrBreathing);
    #[rustfmt::skip]
    let cases = [
        ("I've got a crushing pain in my chest and I'm sweating buckets", chest),
        ("my dad can't catch his breath and his lips look blue", chest),
        ("tengo una opresión en el pecho desde hace media hora", chest),
        ("mi madre se ahoga, le falta el aire", chest),
        ("neck is sore after the session, no chest pain, breathing fine", Routine),
        ("me duele el cuello pero sin dolor en el pecho ni falta de aire", Routine),
        ("I had a heart attack in 2019, fully recovered, can I still have dry needling?", Routine),
        ("tuve un infarto hace cinco años y ahora estoy bien, ¿puedo hacerme punción seca?", Routine),
        ("my neighbour got chest pain after acupuncture once, is that common?", Routine),
        ("a mi amiga le dio dolor en el pecho después de una punción, ¿es normal?", Routine),
        ("can dry needling cause chest pain?", Routine),
        ("¿es posible tener falta de aire después de la punción?", Routine),
        ("the price of your packages nearly gave me a heart attack", Routine),
        ("casi me da un infarto al ver la factura", Routine),
        // A heart attack told in Spanish the way the idiom is, but literal.
        ("a mi padre le dio un infarto, está en el suelo", chest),
    ];
    assert_triage(&cases);
}

#[test]
fn a_collapsed_lung_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let lung = Emergency(RedFlag::Pneumothorax);
    #[rustfmt::skip]
    let cases = [
        ("had needles in my upper back yesterday and now I get a sharp pain under my shoulder blade every time I breathe in", lung),
        ("since the needling this morning it hurts to take a deep breath", lung),
        ("desde la punción en el hombro me duele el costado al respirar hondo", lung),
        ("me pincharon cerca de la clavícula y ahora me duele al respirar", lung),
        ("a bit achy where you needled my shoulder but it doesn't hurt when I breathe in", Routine),
        ("me molesta la espalda, pero no me duele al respirar", Routine),
        ("I had a collapsed lung years ago, all recovered now, is needling near the chest ok?", Routine),
        ("tuve un neumotórax hace años, ya estoy totalmente recuperado", Routine),
        ("a girl at work ended up with a collapsed lung after needling, how common is that?", Routine),
        ("mi vecina tuvo un neumotórax después de la punción seca, ¿es frecuente?", Routine),
        ("can needling the top of the shoulder puncture a lung?", Routine),
        ("¿se puede perforar un pulmón con la punción seca?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_collapse_is_reported_now_but_not_denied_past_told_asked_or_an_idiom() {
    let collapse = Emergency(RedFlag::Collapse);
    #[rustfmt::skip]
    let cases = [
        ("my husband collapsed in the waiting room and he's not responding", collapse),
        ("she passed out and she isn't waking up", collapse),
        ("mi padre se desplomó en la cocina y no reacciona", collapse),
        ("mi abuela está inconsciente en el sofá", collapse),
        ("I felt a bit woozy at home but I never collapsed or lost consciousness", Routine),
        ("se mareó pero no perdió el conocimiento en ningún momento", Routine),
        ("I collapsed at the gym a few years ago, it was dehydration and I'm fine now", Routine),
        ("mi abuelo se desplomó hace dos años por la tensión, ahora está bien", Routine),
        ("a guy at my gym collapsed after a massage, is that a risk with needling?", Routine),
        ("una amiga se quedó inconsciente en una sesión de acupuntura, ¿es normal?", Routine),
        ("is it possible to end up unconscious from dry needling?", Routine),
        ("¿es posible quedar inconsciente durante la punción?", Routine),
        ("I nearly collapsed when I saw the invoice", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn sudden_confusion_is_reported_now_but_not_denied_past_told_asked_or_an_idiom() {
    let confusion = Emergency(RedFlag::Confusion);
    #[rustfmt::skip]
    let cases = [
        ("my mum is suddenly really confused, she doesn't know where she is", confusion),
        ("dad is so drowsy and hard to wake this afternoon", confusion),
        ("mi abuela está desorientada de repente y dice cosas sin sentido", confusion),
        ("mi padre no sabe qué día es y no me reconoce", confusion),
        ("my dad is sleepy after the treatment but he's not hard to wake and he's making sense", Routine),
        ("mi madre está cansada pero no está confundida", Routine),
        ("my grandad got very confused after an operation a few years ago, he's fine now, can he have needling?", Routine),
        ("mi padre estuvo desorientado hace unos meses por una infección, ahora está bien", Routine),
        ("my friend's husband got really confused after acupuncture, is that common?", Routine),
        ("mi vecina se quedó muy desorientada tras una sesión, ¿eso es normal?", Routine),
        ("is it possible for dry needling to leave an older person very confused?", Routine),
        ("¿es posible quedarse desorientado después de la punción?", Routine),
        ("I'm so confused by your booking page, where do I pick a time?", Routine),
        ("estoy muy confundida con los horarios, ¿abrís el sábado?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_stroke_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let stroke = Emergency(RedFlag::Stroke);
    #[rustfmt::skip]
    let cases = [
        ("all of a sudden my left arm went weak and my words are coming out slurred", stroke),
        ("my wife's face is drooping on one side and she can't lift her right arm", stroke),
        ("a mi marido se le está cayendo la cara de un lado y arrastra las palabras", stroke),
        ("de repente no puedo mover el brazo derecho y hablo raro", stroke),
        ("my arm's a bit stiff but no drooping and my speech is fine", Routine),
        ("no tengo la cara torcida, solo me duele el cuello", Routine),
        ("I had a mini stroke in 2020 and fully recovered, is dry needling safe for me?", Routine),
        ("mi madre tuvo un ictus hace tres años, ¿puede venir a punción?", Routine),
        ("a friend of mine had a stroke after having his neck cracked, is that a risk with needling?", Routine),
        ("a mi tío le dio un ictus después de una manipulación del cuello, ¿hay riesgo con la punción?", Routine),
        ("can needling in the neck cause a stroke?", Routine),
        ("¿la punción en el cuello puede provocar un ictus?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_numb_arm_after_a_session_is_a_nerve_worry_and_a_weak_arm_for_months_is_not_a_stroke() {
    let nerve = Urgent(Urgency::NerveSymptoms);
    let stroke = Emergency(RedFlag::Stroke);
    #[rustfmt::skip]
    let cases = [
        ("my arm went numb during the session yesterday and it still hasn't come back", nerve),
        ("my hand has been numb since the needling this morning and it's not wearing off", nerve),
        ("se me durmió el brazo después de la punción y sigue dormido", nerve),
        ("no siento bien la mano desde la sesión de ayer, sigue igual", nerve),
        ("I can't lift my arm above my head, it's been like that for months, can needling help?", Routine),
        ("I haven't been able to raise my left arm properly for two years since a fall", Routine),
        ("no puedo levantar el brazo desde hace meses por el hombro, ¿la punción ayuda?", Routine),
        ("llevo seis meses que no puedo levantar bien el brazo", Routine),
        ("no puedo mover el brazo desde hace meses", Routine),
        ("no puedo mover el brazo desde la sesión de ayer", nerve),
        ("I've had knee pain for months but suddenly I can't move my right arm", stroke),
        ("me duele la rodilla desde hace meses, pero de repente no puedo levantar el brazo", stroke),
        ("suddenly my right arm is weak and my speech is slurred", stroke),
        ("de repente tengo el brazo izquierdo sin fuerza y se me traban las palabras", stroke),
    ];
    assert_triage(&cases);
}

#[test]
fn a_thunderclap_headache_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let headache = Emergency(RedFlag::ThunderclapHeadache);
    #[rustfmt::skip]
    let cases = [
        ("I've suddenly got the worst headache of my life and I keep throwing up", headache),
        ("my wife's headache came on out of nowhere like a bang and her neck is stiff", headache),
        ("a mi mujer le vino de golpe un dolor de cabeza brutal y tiene el cuello rígido", headache),
        ("tengo el peor dolor de cabeza de mi vida, empezó hace diez minutos", headache),
        ("my head aches a little after the neck session but it's not the worst headache I've had", Routine),
        ("sin dolor de cabeza repentino ni cuello rígido, solo cansancio", Routine),
        ("I had a thunderclap headache in 2016, it was investigated and all clear", Routine),
        ("hace años tuve el peor dolor de cabeza de mi vida, era una migraña y ya se me pasó", Routine),
        ("my colleague got a sudden splitting headache after neck needling, is that a known side effect?", Routine),
        ("a mi amiga le dio un dolor de cabeza insoportable tras la punción, ¿es normal?", Routine),
        ("can dry needling in the neck cause a sudden severe headache?", Routine),
        ("¿la punción en el cuello puede dar un dolor de cabeza repentino?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_seizure_is_reported_now_but_not_denied_past_told_asked_or_an_idiom() {
    let seizure = Emergency(RedFlag::Seizure);
    #[rustfmt::skip]
    let cases = [
        ("my husband went stiff and started jerking on the floor", seizure),
        ("my daughter is fitting and her eyes rolled back", seizure),
        ("mi hijo está convulsionando en el suelo", seizure),
        ("a mi hijo le dio un ataque epiléptico ahora mismo", seizure),
        ("he just felt dizzy, no fitting or convulsions", Routine),
        ("se mareó un poco pero sin convulsiones", Routine),
        ("I had a seizure as a teenager, fine now and off all medication", Routine),
        ("tuve convulsiones de pequeño pero hace años que estoy bien desde entonces", Routine),
        ("my cousin had a fit during acupuncture once, is that a risk for me?", Routine),
        ("mi vecino tuvo una convulsión en una sesión de acupuntura, ¿es peligroso?", Routine),
        ("can needling trigger convulsions in someone with epilepsy?", Routine),
        ("¿la punción puede provocar convulsiones?", Routine),
        ("my husband nearly had a fit when he saw the bill", Routine),
        ("a mi madre le va a dar un ataque cuando vea la factura", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_severe_allergic_reaction_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let allergy = Emergency(RedFlag::Allergy);
    #[rustfmt::skip]
    let cases = [
        ("my lips and tongue are swelling up after the cream you used", allergy),
        ("hives all over and I feel like I'm going to faint", allergy),
        ("se me está hinchando la cara y me cuesta tragar", allergy),
        ("a mi hija se le cierra la garganta", allergy),
        ("itchy rash where the tape was, but no swelling of my lips or throat", Routine),
        ("tengo un poco de picor pero no tengo la garganta hinchada", Routine),
        ("I had anaphylaxis to a wasp sting years ago, I carry an EpiPen but all fine since", Routine),
        ("de niño tuve una reacción alérgica grave a los cacahuetes, desde entonces sin problemas", Routine),
        ("my sister's friend had a severe allergic reaction to the gloves at a clinic, is latex a risk?", Routine),
        ("a mi prima se le puso la cara hinchada con una crema del fisio, ¿es normal?", Routine),
        ("is it possible to get a severe allergic reaction to dry needling?", Routine),
        ("¿se puede tener una reacción alérgica grave a las agujas?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn severe_bleeding_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let bleeding = Emergency(RedFlag::Bleeding);
    #[rustfmt::skip]
    let cases = [
        ("the spot where you needled my calf won't stop bleeding, I'm on warfarin", bleeding),
        ("blood is soaking through the plaster and it hasn't slowed down", bleeding),
        ("tomo Sintrom y el moratón del muslo está creciendo muy rápido", bleeding),
        ("sigue saliendo mucha sangre aunque aprieto", bleeding),
        ("a tiny spot of blood when the needle came out, it stopped straight away, no heavy bleeding", Routine),
        ("salió una gotita de sangre pero no sangra mucho", Routine),
        ("in 2018 I had heavy bleeding after a tooth extraction, it was all treated", Routine),
        ("hace dos años sangré mucho tras una operación, pero ya está resuelto", Routine),
        ("my friend on blood thinners had heavy bleeding after dry needling, is that a risk for me?", Routine),
        ("a mi vecina le salió mucha sangre después de la punción, ¿es normal?", Routine),
        ("can dry needling cause heavy bleeding if I'm on warfarin?", Routine),
        ("¿hay riesgo de sangrar mucho con la punción si tomo anticoagulantes?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn an_overdose_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let overdose = Emergency(RedFlag::Overdose);
    #[rustfmt::skip]
    let cases = [
        ("I took too many painkillers with wine an hour ago", overdose),
        ("my son swallowed a handful of my sleeping tablets", overdose),
        ("mi madre se ha tomado muchas pastillas para dormir", overdose),
        ("creo que tomé el doble de la dosis de tramadol", overdose),
        ("I took my usual dose, definitely not an overdose", Routine),
        ("tomé un ibuprofeno como siempre, no es una sobredosis ni nada", Routine),
        ("I overdosed on paracetamol as a teenager, it's long behind me and I'm fine now", Routine),
        ("hace años tuve una sobredosis, ahora estoy bien", Routine),
        ("my friend ended up in hospital with an overdose of painkillers, is that common?", Routine),
        ("leí que alguien tuvo una sobredosis de relajantes musculares, ¿hay riesgo?", Routine),
        ("can you overdose on ibuprofen if you take it for a week?", Routine),
        ("¿es posible una sobredosis de ibuprofeno?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn an_overdose_with_drowsiness_is_an_overdose_whose_answer_carries_the_crisis_line() {
    let overdose = Emergency(RedFlag::Overdose);
    #[rustfmt::skip]
    let cases = [
        ("my son swallowed a handful of my sleeping tablets and now he's really drowsy", overdose),
        ("I took a whole box of paracetamol and I can barely keep my eyes open", overdose),
        ("mi madre se ha tomado muchas pastillas y está muy adormilada", overdose),
        ("mi hermano se tomó un montón de calmantes y no hay manera de despertarlo", overdose),
    ];
    assert_triage(&cases);
    let knowledge = crate::testing::shipped();
    let line = knowledge
        .clinic
        .crisis_line
        .as_deref()
        .expect("the shipped clinic has a crisis line");
    for locale in [Locale::En, Locale::Es] {
        let answer = knowledge.messages(locale).emergency_for(RedFlag::Overdose);
        assert!(answer.contains(line), "{locale:?}: {answer}");
    }
}

/// Self-harm is set aside only where it is over and done with: a question,
/// an idiom, a denial or someone else's words about it still count.
#[test]
fn self_harm_counts_however_it_is_said_unless_it_is_over_and_done_with_or_denied_outright() {
    let self_harm = Emergency(RedFlag::SelfHarm);
    #[rustfmt::skip]
    let cases = [
        ("honestly everyone would be better off without me", self_harm),
        ("I've started saving up my tablets", self_harm),
        ("I just want to go to sleep and not wake up", self_harm),
        ("is it normal to feel like I want to die because of the pain?", self_harm),
        ("this back pain makes me want to kill myself", self_harm),
        ("I'm not suicidal or anything, just exhausted by the pain", Triage::Routine),
        ("if i dont answer on friday dont worry, ill be gone by then", self_harm),
        ("no se preocupen si no contesto, ya no voy a estar", self_harm),
        ("my brother keeps saying he wants to end it all", self_harm),
        ("ya no le veo sentido a nada", self_harm),
        ("estoy harta de vivir así", self_harm),
        ("me quiero morir con este dolor", self_harm),
        ("mi hijo habla de suicidarse", self_harm),
        ("¿es normal tener ganas de morirse con tanto dolor?", self_harm),
        ("I used to self harm when I was younger, I've been fine ever since", Routine),
        ("cuando era adolescente me autolesionaba, pero estoy bien desde hace años", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_serious_injury_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let injury = Emergency(RedFlag::SeriousInjury);
    #[rustfmt::skip]
    let cases = [
        ("my husband was knocked down by a van on his bike", injury),
        ("I banged my head and I've been sick twice", injury),
        ("mi hijo se cayó de la escalera y se golpeó la cabeza, está vomitando", injury),
        ("acabamos de tener un accidente de coche", injury),
        ("I slipped on the stairs but didn't hit my head and I'm not being sick", Routine),
        ("me caí en la calle pero no me golpeé la cabeza ni vomité", Routine),
        ("I was in a bad car accident in 2012, fully recovered, but my neck gets stiff", Routine),
        ("tuve un accidente de tráfico hace años y me quedó dolor de cuello, ¿la punción me puede ayudar?", Routine),
        ("someone I know fell off a ladder and hurt his back, is needling common after that?", Routine),
        ("mi primo tuvo un accidente de moto el año pasado, ¿la punción le ayudaría?", Routine),
        ("what are the risks of dry needling after a car accident?", Routine),
        ("¿es peligrosa la punción después de un accidente de tráfico?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn cauda_equina_is_reported_now_but_not_denied_past_told_or_asked_about() {
    let cauda = Emergency(RedFlag::CaudaEquina);
    #[rustfmt::skip]
    let cases = [
        ("lower back pain is worse today and I've lost control of my bladder", cauda),
        ("my back went this morning and both my legs feel weak and numb", cauda),
        ("me duele mucho la espalda y tengo dormida la zona entre las piernas", cauda),
        ("con este dolor de espalda no puedo orinar desde ayer", cauda),
        ("back is sore after the session but no numbness in my groin", Routine),
        ("me duele la espalda pero sin hormigueo en los genitales", Routine),
        ("years ago I lost control of my bladder with a disc problem, it was operated on and I've been fine since", Routine),
        ("hace tres años se me escapaba la orina por una hernia discal, ya está resuelto", Routine),
        ("my aunt had numbness in her groin after a back injection, can that happen with needling?", Routine),
        ("leí que a una mujer se le quedaron dormidas las nalgas tras una punción lumbar, ¿es peligroso?", Routine),
        ("can needling my lower back cause numbness in the saddle area?", Routine),
        ("¿la punción lumbar puede provocar que se quede entumecida la zona entre las piernas?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn an_infection_is_urgent_now_but_not_denied_past_told_or_asked_about() {
    let infection = Urgent(Urgency::Infection);
    #[rustfmt::skip]
    let cases = [
        ("the needle spot on my shoulder is red and hot and there's yellow pus", infection),
        ("there's a red streak going up my arm from where you needled", infection),
        ("donde me pinchaste está rojo y caliente y me ha salido pus", infection),
        ("la rojez del pinchazo se extiende cada día más", infection),
        ("a little bruise where the needle went in, no pus", Routine),
        ("tengo un moratón pequeño, sin pus", Routine),
        ("I had an infection from a tattoo years ago, all cleared", Routine),
        ("hace un año tuve una infección en la rodilla, ya está curada", Routine),
        ("my friend's needle spot got infected after acupuncture, how common is that?", Routine),
        ("a mi compañera le salió pus en un pinchazo, ¿es normal?", Routine),
        ("what are the chances of an infection from the needles?", Routine),
        ("¿hay riesgo de infección con la punción seca?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn numbness_that_has_not_passed_is_urgent_now_but_not_denied_past_told_or_asked_about() {
    let nerve = Urgent(Urgency::NerveSymptoms);
    #[rustfmt::skip]
    let cases = [
        ("my fingers have been tingling since the session yesterday", nerve),
        ("since the needling my foot is still numb", nerve),
        ("tengo la pierna dormida desde la punción y no se me pasa", nerve),
        ("sigo con la mano entumecida desde la sesión", nerve),
        ("a bit achy after needling but no pins and needles since the session", Routine),
        ("sin hormigueo desde la sesión, solo algo de agujetas", Routine),
        ("I had pins and needles in my hand since a treatment years ago, it resolved", Routine),
        ("tuve el brazo dormido después de la punción hace años, pero se me pasó", Routine),
        ("my colleague's fingers stayed tingly for days after needling, is that normal?", Routine),
        ("a mi vecina se le quedó la pierna dormida después de la punción, ¿es normal?", Routine),
        ("could the needles leave my hand numb for a few hours afterwards?", Routine),
        ("¿es posible que se quede la pierna dormida después de la punción?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_clot_is_urgent_now_but_not_denied_past_told_or_asked_about() {
    let clot = Urgent(Urgency::Clot);
    #[rustfmt::skip]
    let cases = [
        ("my left calf has been swollen and tender since my long flight", clot),
        ("my calf is swollen but not hot", clot),
        ("my right leg is swollen and painful, only on that side", clot),
        ("tengo la pantorrilla izquierda hinchada y me duele al andar", clot),
        ("tengo el gemelo hinchado pero no caliente", clot),
        ("se me hinchó una pierna y me duele la pantorrilla", clot),
        ("calf is tight from the needling, but not swollen or hot", Routine),
        ("me duele el gemelo de la punción pero no está hinchado", Routine),
        ("I had a DVT in my leg in 2017, treated with blood thinners and fine now", Routine),
        ("tuve una trombosis en la pierna hace años, ya está resuelta", Routine),
        ("my mum's friend got a blood clot after a massage, is that a risk with needling?", Routine),
        ("a mi abuela le salió un coágulo después de un masaje, ¿hay riesgo con la punción?", Routine),
        ("can dry needling in the calf cause a blood clot?", Routine),
        ("¿la punción en el gemelo puede provocar una trombosis?", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_faint_now_recovered_is_urgent_but_not_denied_past_told_asked_or_an_idiom() {
    let faint = Urgent(Urgency::FaintRecovered);
    #[rustfmt::skip]
    let cases = [
        ("I felt really lightheaded and nearly fainted at the end of my session, I'm ok now at home", faint),
        ("my wife passed out after her treatment, she's sitting up and talking now", faint),
        ("me mareé mucho durante la sesión y casi me desmayo, ya estoy bien", faint),
        ("mi hijo se desmayó después de la punción, ahora está bien", faint),
        ("I wasn't dizzy or faint after the treatment at all", Routine),
        ("no me mareé durante la sesión", Routine),
        ("a friend passed out after dry needling, is that common?", Routine),
        ("una amiga se desmayó durante la punción, ¿es normal?", Routine),
        ("can you faint during the needling?", Routine),
        ("¿es normal marearse durante la sesión?", Routine),
        ("I nearly fainted when the receptionist told me the price", Routine),
        ("casi me desmayo al ver la factura", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_fever_is_urgent_now_but_not_denied_past_told_asked_or_an_idiom() {
    let fever = Urgent(Urgency::Fever);
    #[rustfmt::skip]
    let cases = [
        ("since yesterday I've had a fever and chills and I feel awful", fever),
        ("temperature of 38.6 and shivering, feel rough", fever),
        ("tengo 38,5 de fiebre y me encuentro fatal", fever),
        ("mi padre tiene escalofríos y está muy decaído", fever),
        ("I feel a bit poorly but no fever", Routine),
        ("estoy cansado pero sin fiebre ni escalofríos", Routine),
        ("I had a high temperature and felt awful last month with the flu, all better now", Routine),
        ("la semana pasada tuve fiebre y escalofríos, ya se me pasó", Routine),
        ("my friend got a fever and felt terrible after acupuncture, does that happen often?", Routine),
        ("a mi amiga le dio fiebre y escalofríos después de la acupuntura, ¿es normal?", Routine),
        ("is it normal to get chills and feel rough the day after needling?", Routine),
        ("¿es normal tener escalofríos después de la punción?", Routine),
        ("my hay fever is making me feel awful, can I still come in?", Routine),
        ("tengo fiebre del heno y me encuentro fatal", Routine),
    ];
    assert_triage(&cases);
}

#[test]
fn a_needle_problem_is_urgent_now_but_not_denied_past_told_or_asked_about() {
    let needle = Urgent(Urgency::NeedleProblem);
    #[rustfmt::skip]
    let cases = [
        ("I think part of the needle snapped off under my skin", needle),
        ("there's still a needle in my back, I only noticed at home", needle),
        ("creo que se quedó un trozo de aguja dentro", needle),
        ("mi marido tiene una aguja todavía clavada en el hombro", needle),
        ("no needle left in, I checked, just a small red dot", Routine),
        ("no se rompió ninguna aguja, solo me quedó un puntito rojo", Routine),
        ("a needle broke during acupuncture in China years ago, they got it out straight away", Routine),
        ("hace años se me rompió una aguja en una sesión, me la sacaron y todo bien", Routine),
        ("my friend said a needle broke off in her back once, does that happen?", Routine),
        ("mi vecina dice que se le quedó una aguja dentro, ¿es posible?", Routine),
        ("what happens if a needle gets stuck in the muscle?", Routine),
        ("¿y si se queda un trozo de aguja dentro?", Routine),
    ];
    assert_triage(&cases);
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

#[test]
#[rustfmt::skip]
fn sudden_words_in_a_question_a_faint_years_ago_and_a_few_pills_are_not_emergencies() {
    use RedFlag::*;
    use Urgency::*;
    assert_triage(&[
        ("I fainted after a needling session years ago, I've been fine since", Triage::Routine),
        ("hace años me desmayé después de la sesión de punción, pero estoy bien desde entonces", Triage::Routine),
        ("a mi amiga le vino de repente un dolor de cabeza insoportable tras la punción, ¿es normal?", Triage::Routine),
        ("I took 2 paracetamol before the session, is that ok?", Triage::Routine),
        ("me tomé 2 ibuprofenos antes de venir, pasa algo?", Triage::Routine),
        ("fainted at the clinic this afternoon but I'm fine now, sitting and talking", Triage::Urgent(FaintRecovered)),
        ("I took 30 paracetamol an hour ago", Triage::Emergency(Overdose)),
        ("my daughter says she doesn't want to live anymore", Triage::Emergency(SelfHarm)),
        ("mi hijo dice que se quiere morir", Triage::Emergency(SelfHarm)),
        ("since my flight my left calf is swollen, red and hurts to walk on", Triage::Urgent(Clot)),
        ("I've had knee pain for 6 months but suddenly I can't move my right arm", Triage::Emergency(Stroke)),
        ("se me durmió el brazo después de la punción y sigue igual", Triage::Urgent(NerveSymptoms)),
    ]);
}

#[test]
#[rustfmt::skip]
fn spanish_urgent_worries_are_read_in_everyday_words() {
    use Urgency::*;
    assert_triage(&[
        ("el sitio donde me pincharon está rojo y calentito, y hoy más hinchado", Triage::Urgent(Infection)),
        ("me dio calentura después de la sesión y el brazo me late", Triage::Urgent(Infection)),
        ("desde que me pusieron las agujas en el cuello tengo los dedos acorchados y ya es de noche", Triage::Urgent(NerveSymptoms)),
        ("tengo el chamorro derecho hinchado y caliente, respiro bien", Triage::Urgent(Clot)),
        ("después del vuelo largo la pantorrilla izquierda me duele y está más grande", Triage::Urgent(Clot)),
        ("perdí el conocimiento un momento en la camilla pero ya estoy bien y sentada", Triage::Urgent(FaintRecovered)),
        ("tengo fiebre y estoy decaído, me duele todo el cuerpo", Triage::Urgent(Fever)),
        ("no puedo ir mañana, tengo un resfriado sin fiebre", Triage::Routine),
        ("un puntito rojo donde me pincharon que ya casi no se ve", Triage::Routine),
    ]);
}

#[test]
fn a_panic_attack_alone_is_no_emergency_and_the_model_does_not_read_one_into_it() {
    let triager = Triager::new();
    for text in [
        "I think I'm having a panic attack",
        "creo que me está dando un ataque de pánico",
    ] {
        let assessment = triager.assess(&fold(text));
        assert_eq!(assessment.triage, Triage::Routine, "{text}");
        let read = assessment.without_idioms.expect("the phrase is taken out");
        assert!(
            !read.contains("panic") && !read.contains("panico"),
            "{read}"
        );
    }
    assert_eq!(
        tier("having a panic attack and crushing chest pain going down my arm"),
        Triage::Emergency(RedFlag::ChestOrBreathing)
    );
}
