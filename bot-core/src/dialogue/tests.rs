//! The dialogue's transition table and the screen, driven through [`step`]
//! on the shipped knowledge folder.

use jiff::Timestamp;

use super::*;
use crate::chat::{Clearance, Command, Incoming, Input, ReplyKind};
use crate::screening::Answer;
use crate::testing::shipped;

/// [`super::step`] with the shipped folder's classifier.
fn step(k: &Knowledge, conversation: Conversation, incoming: &Incoming) -> Transition {
    super::step(k, &crate::testing::classifier(), conversation, incoming)
}

fn incoming(input: Input) -> Incoming {
    Incoming {
        chat: ChatKey::parse("terminal:test").unwrap(),
        input,
        at: Timestamp::UNIX_EPOCH,
        locale_hint: None,
        shared: false,
        display_name: None,
        sequence: None,
    }
}

fn text(t: &str) -> Input {
    Input::from_text(t)
}

fn topic(id: &str) -> TopicId {
    TopicId::parse(id).unwrap()
}

/// (state before, input, state after, kinds of the replies sent, staff event?)
#[test]
fn the_dialogue_follows_its_transition_table() {
    let k = shipped();
    let clarifying = State::Clarifying;
    let handed_off = State::HandedOff { screen: None };
    let table: Vec<(State, Input, State, Vec<ReplyKind>, bool)> = vec![
        (
            State::Idle,
            text("does it hurt?"),
            State::Idle,
            vec![ReplyKind::Answer],
            false,
        ),
        (
            State::Idle,
            text("how long"),
            clarifying.clone(),
            vec![ReplyKind::Clarify],
            false,
        ),
        (
            State::Idle,
            text("do you do botox"),
            State::OfferedHuman,
            vec![ReplyKind::Fallback],
            false,
        ),
        (
            State::Idle,
            text("my chest hurts and i cant breathe"),
            State::Idle,
            vec![ReplyKind::Emergency],
            true,
        ),
        (
            clarifying.clone(),
            text("I can't breathe"),
            State::Idle,
            vec![ReplyKind::Emergency],
            true,
        ),
        (
            clarifying.clone(),
            Input::Choice("topic:hours".into()),
            State::Idle,
            vec![ReplyKind::Answer],
            false,
        ),
        (
            clarifying.clone(),
            text("does it hurt"),
            State::Idle,
            vec![ReplyKind::Answer],
            false,
        ),
        (
            State::OfferedHuman,
            text("yes please"),
            handed_off.clone(),
            vec![ReplyKind::Handoff],
            true,
        ),
        (
            State::OfferedHuman,
            text("no thanks"),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::OfferedHuman,
            Input::Choice("human".into()),
            handed_off.clone(),
            vec![ReplyKind::Handoff],
            true,
        ),
        (
            State::Idle,
            text("/human"),
            handed_off.clone(),
            vec![ReplyKind::Handoff],
            true,
        ),
        // With a person: quiet, but emergencies are still answered.
        (
            handed_off.clone(),
            text("does it hurt?"),
            handed_off.clone(),
            vec![],
            false,
        ),
        (
            handed_off.clone(),
            text("I can't breathe"),
            handed_off.clone(),
            vec![ReplyKind::Emergency],
            true,
        ),
        (
            handed_off.clone(),
            text("/stop"),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        // Asking again while waiting says so instead of silence.
        (
            handed_off.clone(),
            text("/human"),
            handed_off.clone(),
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            text("/start"),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            text("/frobnicate"),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            text("   "),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            text("hello"),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            text("should i stop taking my warfarin"),
            State::OfferedHuman,
            vec![ReplyKind::Fallback],
            false,
        ),
        (
            clarifying.clone(),
            Input::Choice("topic:no-such-topic".into()),
            clarifying.clone(),
            vec![ReplyKind::Info],
            false,
        ),
        (
            State::Idle,
            Input::Choice("<script>".into()),
            State::Idle,
            vec![ReplyKind::Info],
            false,
        ),
    ];
    for (before, input, after, kinds, staff) in table {
        let conv = Conversation {
            state: before.clone(),
            ..Conversation::default()
        };
        let step = step(&k, conv, &incoming(input.clone()));
        let got: Vec<ReplyKind> = step.replies.iter().map(|r| r.kind).collect();
        assert_eq!(step.conversation.state, after, "{before:?} + {input:?}");
        assert_eq!(got, kinds, "{before:?} + {input:?}");
        assert_eq!(!step.staff.is_empty(), staff, "{before:?} + {input:?}");
    }
}

#[test]
fn a_typed_number_presses_the_offered_button() {
    let k = shipped();
    let first = step(&k, Conversation::default(), &incoming(text("how long")));
    let second_choice = first.replies[0].choices[1].id.clone();
    let pressed = step(&k, first.conversation, &incoming(text("2")));
    assert_eq!(
        pressed.replies[0]
            .topic
            .as_ref()
            .map(|t| format!("topic:{t}")),
        Some(second_choice)
    );
}

#[test]
fn unanswered_questions_are_recorded_but_emergencies_carry_no_text() {
    let k = shipped();
    let s = step(
        &k,
        Conversation::default(),
        &incoming(text("do you do botox")),
    );
    assert_eq!(s.unanswered.as_deref(), Some("do you do botox"));
    let s = step(
        &k,
        Conversation::default(),
        &incoming(text("I want to end my life")),
    );
    assert_eq!(s.replies[0].kind, ReplyKind::Emergency);
    assert!(
        s.replies[0].text.contains("988"),
        "the crisis line is given"
    );
    let event = serde_json::to_string(&s.staff[0]).unwrap();
    assert!(!event.contains("end my life"), "{event}");
}

#[test]
fn the_bot_answers_in_the_patients_language_until_one_is_chosen() {
    let k = shipped();
    let s = step(&k, Conversation::default(), &incoming(text("¿duele?")));
    assert_eq!(s.conversation.locale, Some(Locale::Es));
    assert_eq!(
        s.replies[0].text,
        k.topics()[k.topic_index(&topic("does-it-hurt")).unwrap()]
            .text(Locale::Es)
            .answer
    );
    // An "ok" or a "bye" is in both languages: it switches nothing.
    for word in ["ok", "bye", "super"] {
        let s = step(&k, s.conversation.clone(), &incoming(text(word)));
        assert_eq!(s.conversation.locale, Some(Locale::Es), "{word}");
    }
    let s = step(&k, s.conversation, &incoming(text("/language en")));
    assert!(s.conversation.locale_pinned);
    let s = step(&k, s.conversation, &incoming(text("¿duele?")));
    assert_eq!(
        s.conversation.locale,
        Some(Locale::En),
        "a chosen language sticks"
    );
}

#[test]
fn commands_are_parsed_with_arguments_and_bot_suffixes() {
    assert_eq!(
        Input::from_text("/start@FrontdeskBot abc123"),
        Input::Command(Command::Start {
            payload: Some("abc123".into())
        })
    );
    assert_eq!(
        Input::from_text("/LANGUAGE es"),
        Input::Command(Command::Language(Some("es".into())))
    );
    assert_eq!(Input::from_text("/"), Input::Text("/".into()));
    assert_eq!(
        Action::parse("topic:does-it-hurt").map(|a| a.id()),
        Some("topic:does-it-hurt".into())
    );
    assert_eq!(Action::parse("topic:../../etc"), None);
}

// --- The health screen ---------------------------------------------

/// Answers to screen questions by id.
type Answers<'a> = &'a [(&'a str, &'a str)];

/// Drives a chat through a list of inputs (`!id` presses a button).
fn drive(k: &Knowledge, conv: Conversation, inputs: &[&str]) -> (Conversation, Vec<Transition>) {
    let mut conv = conv;
    let mut steps = Vec::new();
    for input in inputs {
        let input = match input.strip_prefix('!') {
            Some(id) => Input::Choice(id.to_owned()),
            None => Input::from_text(input),
        };
        let s = step(k, conv, &incoming(input));
        conv = s.conversation.clone();
        steps.push(s);
    }
    (conv, steps)
}

/// Runs a whole screen, answering each question by id (default "no",
/// consent "yes"); returns every step.
fn screen_with(k: &Knowledge, answers: &[(&str, &str)]) -> Vec<Transition> {
    let (mut conv, mut steps) = drive(k, Conversation::default(), &["/screen"]);
    for _ in 0..80 {
        let last = steps.last().unwrap().replies.last().unwrap();
        let Some(q) = last.question.clone() else {
            return steps;
        };
        let answer = answers
            .iter()
            .find(|(id, _)| *id == q)
            .map(|(_, a)| *a)
            .unwrap_or(if q == "consent" { "yes" } else { "no" });
        let (c, mut s) = drive(k, conv, &[answer]);
        conv = c;
        steps.append(&mut s);
    }
    panic!("the screen did not end");
}

fn record(steps: &[Transition]) -> &ScreenRecord {
    steps
        .iter()
        .find_map(|s| s.screen.as_ref())
        .expect("a completed screen")
}

/// The answer a completed screen recorded to a question.
fn answer_to<'a>(r: &'a ScreenRecord, question: &str) -> Option<&'a Answer> {
    r.answers
        .iter()
        .find(|a| a.question == question)
        .map(|a| &a.answer)
}

fn asked(steps: &[Transition]) -> Vec<String> {
    steps
        .iter()
        .flat_map(|s| &s.replies)
        .filter_map(|r| r.question.clone())
        .collect()
}

#[test]
fn each_outcome_follows_from_the_answers() {
    let k = shipped();
    let cases: &[(Answers, Clearance, &[&str])] = &[
        (&[], Clearance::Clear, &[]),
        (
            &[
                ("blood_thinners", "yes"),
                ("blood_thinner_which", "warfarin"),
                ("inr", "2.4 last week"),
            ],
            Clearance::Review,
            &["blood_thinners"],
        ),
        (
            &[("needle_fear", "yes")],
            Clearance::Decline,
            &["needle_phobia"],
        ),
        (
            &[("unwell_today", "yes")],
            Clearance::Reschedule,
            &["unwell_or_fever"],
        ),
        (
            &[("red_flags_now", "yes")],
            Clearance::Emergency,
            &["red_flags_now"],
        ),
        (
            &[
                ("diabetes", "yes"),
                ("diabetes_controlled", "yes"),
                ("anything_else", "my left knee is the sore one"),
            ],
            Clearance::Clear,
            &["diabetes", "note_for_clinician"],
        ),
    ];
    for (answers, outcome, flags) in cases {
        let steps = screen_with(&k, answers);
        let r = record(&steps);
        assert_eq!(r.outcome, *outcome, "{answers:?}");
        assert_eq!(r.flags, *flags, "{answers:?}");
        let last = steps.last().unwrap();
        let kind = if *outcome == Clearance::Emergency {
            ReplyKind::Emergency
        } else {
            ReplyKind::Outcome
        };
        assert_eq!(last.replies.last().unwrap().kind, kind);
        assert_eq!(last.conversation.state, State::Idle);
        let event = last
            .staff
            .iter()
            .find(|e| matches!(e, StaffEvent::ScreenCompleted { .. }))
            .unwrap();
        let json = serde_json::to_string(event).unwrap();
        assert!(
            !json.contains("knee"),
            "staff events carry flag names only: {json}"
        );
    }
}

#[test]
fn an_emergency_answer_ends_the_screen_at_once() {
    let steps = screen_with(&shipped(), &[("red_flags_now", "yes")]);
    assert_eq!(asked(&steps), ["consent", "red_flags_now"]);
    assert!(steps.last().unwrap().staff.iter().any(|e| matches!(
        e,
        StaffEvent::Emergency {
            flag: RedFlag::ReportedInScreen,
            ..
        }
    )));
}

#[test]
fn follow_ups_are_asked_only_when_their_parent_answer_calls_for_them() {
    let k = shipped();
    let pregnant = asked(&screen_with(
        &k,
        &[("pregnant", "yes"), ("pregnancy_weeks", "20")],
    ));
    assert!(pregnant.contains(&"pregnancy_weeks".to_owned()));
    assert!(pregnant.contains(&"pregnancy_complications".to_owned()));
    assert!(!pregnant.contains(&"trying_to_conceive".to_owned()));
    let not = asked(&screen_with(&k, &[]));
    assert!(!not.contains(&"pregnancy_weeks".to_owned()));
    assert!(!not.contains(&"inr".to_owned()));
    let unsure = asked(&screen_with(&k, &[("pregnant", "not sure")]));
    assert!(unsure.contains(&"trying_to_conceive".to_owned()));

    let early = screen_with(
        &k,
        &[("pregnant", "yes"), ("pregnancy_weeks", "about 8 weeks")],
    );
    assert_eq!(record(&early).outcome, Clearance::Decline);
    assert!(record(&early).flags.contains(&"first_trimester".to_owned()));
}

/// The questions of `asked` that are about pregnancy.
fn about_pregnancy(k: &Knowledge, asked: &[String]) -> Vec<String> {
    asked
        .iter()
        .filter(|id| {
            let q = k.screening().question(id).unwrap();
            q.text(Locale::En).contains("pregnan") || id.contains("pregnan")
        })
        .cloned()
        .collect()
}

#[test]
fn a_man_or_a_no_to_pregnancy_is_asked_about_pregnancy_once() {
    let k = shipped();
    for no in ["no", "nope", "I'm a man", "no, soy hombre", "No, I'm male"] {
        let asked = asked(&screen_with(&k, &[("pregnant", no)]));
        assert_eq!(about_pregnancy(&k, &asked), ["pregnant"], "{no}");
    }
}

#[test]
fn a_leading_yes_answers_the_question_asked_and_keeps_the_rest_as_its_detail() {
    let k = shipped();
    let steps = screen_with(
        &k,
        &[
            ("blood_thinners", "si tomo eliquis"),
            ("blood_thinner_which", "2"),
            ("heart", "sí, fibrilación auricular"),
            ("implants", "yes, I have a pacemaker since 2019"),
            ("implants_which", "pacemaker, left chest, 2019"),
        ],
    );
    let r = record(&steps);
    let detail = |q: &str| {
        let a = r.answers.iter().find(|a| a.question == q).unwrap();
        (
            a.answer.clone(),
            a.detail.as_ref().map(|d| d.as_str().to_owned()),
        )
    };
    assert_eq!(
        detail("blood_thinners"),
        (Answer::Yes, Some("tomo eliquis".into()))
    );
    assert_eq!(
        detail("heart"),
        (Answer::Yes, Some("fibrilación auricular".into()))
    );
    assert_eq!(
        detail("implants"),
        (Answer::Yes, Some("I have a pacemaker since 2019".into()))
    );
    // Never carried to another question: the follow-up is still asked,
    // and nothing about pregnancy was answered by it.
    assert!(asked(&steps).contains(&"blood_thinner_which".to_owned()));
    assert_eq!(
        answer_to(r, "blood_thinner_which"),
        Some(&Answer::Choice("apixaban".into()))
    );
    assert_eq!(answer_to(r, "pregnant"), Some(&Answer::No));
    assert!(
        !r.flags
            .iter()
            .any(|f| f.contains("pregnan") || f.contains("conceive"))
    );
    assert!(r.flags.contains(&"heart_condition".to_owned()));
}

#[test]
fn an_age_answers_are_you_under_18_by_its_value() {
    let k = shipped();
    for (age, minor) in [
        ("I'm 52", false),
        ("tengo 52", false),
        ("52", false),
        ("soy mayor de edad", false),
        ("i'm 16", true),
        ("tengo 16 años", true),
        ("16 years old", true),
    ] {
        let steps = screen_with(&k, &[("under_18", age)]);
        let asked = asked(&steps);
        assert_eq!(
            asked.iter().filter(|q| *q == "under_18").count(),
            1,
            "{age}: understood the first time"
        );
        assert_eq!(asked.contains(&"guardian".to_owned()), minor, "{age}");
        assert_eq!(
            record(&steps).flags.contains(&"minor".to_owned()),
            minor,
            "{age}"
        );
    }
}

#[test]
fn nothing_else_in_any_words_leaves_no_note_for_the_clinician() {
    let k = shipped();
    for nothing in [
        "2",
        "nada más, gracias",
        "no, that's all",
        "eso es todo",
        "nope",
        ".",
    ] {
        let steps = screen_with(&k, &[("anything_else", nothing)]);
        let r = record(&steps);
        assert_eq!(r.outcome, Clearance::Clear, "{nothing}");
        assert!(r.flags.is_empty(), "{nothing}: {:?}", r.flags);
        assert_eq!(answer_to(r, "anything_else"), Some(&Answer::No));
    }
    let steps = screen_with(&k, &[("anything_else", "my left knee is the sore one")]);
    assert_eq!(record(&steps).flags, ["note_for_clinician"]);
}

#[test]
fn a_go_ahead_is_read_in_any_words_of_both_languages() {
    for yes in [
        "si empecemos",
        "Yes, let's start!",
        "dale, empecemos",
        "ok let's go",
        "sí, vamos allá",
        "claro, empecemos con las preguntas",
        "let's start the health questions",
        "sure",
        "venga",
    ] {
        assert!(screen::go_ahead(&fold(yes)), "{yes}");
    }
    for not in [
        "no",
        "not now",
        "yes but how long does it take",
        "the questions",
        "",
    ] {
        assert!(!screen::go_ahead(&fold(not)), "{not}");
    }
}

#[test]
fn a_go_ahead_in_words_starts_the_screen_offered_by_its_button() {
    let k = shipped();
    for (ask, go) in [
        ("do i have to fill in a health form?", "yes let's start"),
        ("do i have to fill in a health form?", "ok, let's go"),
        (
            "¿tengo que llenar un cuestionario de salud?",
            "si empecemos",
        ),
        (
            "¿tengo que llenar un cuestionario de salud?",
            "dale, empecemos",
        ),
    ] {
        let (_, steps) = drive(&k, Conversation::default(), &[ask, go]);
        assert_eq!(steps[0].replies[0].choices[0].id, "screen:start", "{ask}");
        assert_eq!(
            steps[1].replies[0].question.as_deref(),
            Some("consent"),
            "{go}: {:?}",
            steps[1].replies
        );
    }
    // A no, or a go-ahead with no button offered, starts nothing.
    let (conv, _) = drive(
        &k,
        Conversation::default(),
        &["do i have to fill in a health form?", "no"],
    );
    assert!(!matches!(conv.state, State::Screening(_)));
    let (conv, _) = drive(&k, Conversation::default(), &["yes let's start"]);
    assert!(!matches!(conv.state, State::Screening(_)));
}

#[test]
fn a_hand_off_mid_screen_keeps_its_answers_and_the_screen_resumes_after_it() {
    let k = shipped();
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["/screen", "yes", "no", "no", "/human"],
    );
    let pending = steps[3].replies[0].question.clone().unwrap();
    let State::HandedOff {
        screen: Some(paused),
    } = &conv.state
    else {
        panic!("the screen waits: {:?}", conv.state)
    };
    assert_eq!(paused.answers.len(), 3);
    // Quiet with a person; back with the bot, the screen goes on.
    let (conv, steps) = drive(&k, conv, &["does it hurt?", "/stop"]);
    assert!(steps[0].replies.is_empty());
    let back = &steps[1].replies;
    assert_eq!(back[0].text, k.messages(Locale::En).handoff_ended);
    assert_eq!(back[1].text, k.screening().text(Locale::En).resumed);
    assert_eq!(back[2].question.as_deref(), Some(pending.as_str()));
    assert_eq!(steps[1].handoff, Some(HandoffChange::End));
    // Its buttons can be typed again: "2" is No.
    let (conv, _) = drive(&k, conv, &["2"]);
    let State::Screening(p) = &conv.state else {
        panic!("{:?}", conv.state)
    };
    assert_eq!(p.answers.len(), 4);
    assert_eq!(p.answers[3].answer, Answer::No);

    // In Spanish, asked for in words.
    let (conv, _) = drive(
        &k,
        Conversation::default(),
        &["/screen", "sí", "no", "quiero hablar con una persona"],
    );
    assert!(matches!(&conv.state, State::HandedOff { screen: Some(p) } if p.answers.len() == 2));
    let mut back = conv;
    let replies = back_from_staff(&k, &mut back, Locale::Es);
    assert_eq!(replies[1].text, k.screening().text(Locale::Es).resumed);
    assert!(replies[2].question.is_some());
    assert!(matches!(&back.state, State::Screening(p) if p.answers.len() == 2));
    assert!(
        !back.offered.is_empty(),
        "its buttons are the latest prompt"
    );
}

#[test]
fn free_text_yes_and_no_work_in_both_languages() {
    let k = shipped();
    for (yes, no) in [("yep", "nope"), ("sí", "no"), ("i think so", "no, I don't")] {
        let steps = screen_with(&k, &[("epilepsy", yes), ("heart", no)]);
        let r = record(&steps);
        assert_eq!(answer_to(r, "epilepsy"), Some(&Answer::Yes), "{yes}");
        assert_eq!(answer_to(r, "heart"), Some(&Answer::No), "{no}");
    }
    let steps = screen_with(&k, &[("cancer", "no sé")]);
    assert_eq!(answer_to(record(&steps), "cancer"), Some(&Answer::Unsure));
}

#[test]
fn an_answer_not_understood_is_asked_again_then_a_person_is_offered() {
    let k = shipped();
    let (conv, steps) = drive(&k, Conversation::default(), &["/screen", "yes", "banana"]);
    let reask = &steps[2].replies[0];
    assert_eq!(reask.question.as_deref(), Some("red_flags_now"));
    assert!(reask.text.contains("Yes, No, Not sure"), "{}", reask.text);
    assert!(!reask.choices.iter().any(|c| c.id == "human"));
    let (_, steps) = drive(&k, conv, &["banana", "banana"]);
    let third = &steps[1].replies[0];
    assert!(
        third.choices.iter().any(|c| c.id == "human"),
        "after three tries"
    );
    assert_eq!(third.question.as_deref(), Some("red_flags_now"));
}

#[test]
fn back_restart_and_stop_move_through_the_screen() {
    let k = shipped();
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["/screen", "yes", "no", "back"],
    );
    assert_eq!(
        steps[3].replies[0].question.as_deref(),
        Some("red_flags_now")
    );
    let State::Screening(p) = &conv.state else {
        panic!()
    };
    assert_eq!(p.answers.len(), 1, "going back dropped the last answer");

    let (conv, steps) = drive(&k, conv, &["no", "!screen:back", "no", "/restart"]);
    assert_eq!(
        steps[1].replies[0].question.as_deref(),
        Some("red_flags_now")
    );
    assert_eq!(
        steps[3].replies.last().unwrap().question.as_deref(),
        Some("consent")
    );
    let State::Screening(p) = &conv.state else {
        panic!()
    };
    assert!(p.answers.is_empty());

    let (conv, steps) = drive(&k, conv, &["yes", "stop"]);
    assert_eq!(conv.state, State::Idle, "stopping keeps nothing");
    assert!(steps[1].screen.is_none());
    let (_, steps) = drive(&k, conv, &["/back"]);
    assert_eq!(
        steps[0].replies[0].text,
        k.screening().text(Locale::En).not_screening
    );
}

#[test]
fn refusing_consent_ends_the_screen_without_keeping_anything() {
    let k = shipped();
    let (conv, steps) = drive(&k, Conversation::default(), &["/screen", "no"]);
    assert_eq!(conv.state, State::Idle);
    assert!(steps[1].screen.is_none());
    assert!(steps[1].staff.is_empty());
}

#[test]
fn a_question_about_something_else_is_answered_then_the_screen_goes_on() {
    let k = shipped();
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["/screen", "yes", "does it hurt?"],
    );
    let replies = &steps[2].replies;
    assert_eq!(
        replies[0].topic.as_ref().map(|t| t.as_str()),
        Some("does-it-hurt")
    );
    assert_eq!(replies[1].question.as_deref(), Some("red_flags_now"));
    let State::Screening(p) = &conv.state else {
        panic!()
    };
    assert_eq!(p.tries, 0, "a digression is not a failed answer");
}

#[test]
fn a_red_flag_mid_screen_gets_the_emergency_answer_and_keeps_the_answers() {
    let k = shipped();
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["/screen", "yes", "no", "I can't breathe"],
    );
    let last = &steps[3];
    assert_eq!(last.replies[0].kind, ReplyKind::Emergency);
    let r = last.screen.as_ref().unwrap();
    assert_eq!(r.outcome, Clearance::Emergency);
    assert_eq!(r.answers.len(), 2);
    assert_eq!(conv.state, State::Idle);
}

#[test]
fn buttons_answer_only_the_question_being_asked() {
    let k = shipped();
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["/screen", "!ans:consent:yes", "!ans:consent:yes"],
    );
    assert_eq!(
        steps[1].replies[0].question.as_deref(),
        Some("red_flags_now")
    );
    assert_eq!(
        steps[2].replies[0].text,
        k.messages(Locale::En).stale_button
    );
    let State::Screening(p) = &conv.state else {
        panic!()
    };
    assert_eq!(p.answers.len(), 1, "a stale press changes nothing");
    let (_, steps) = drive(&k, conv, &["!ans:red_flags_now:maybe"]);
    assert_eq!(
        steps[0].replies[0].text,
        k.messages(Locale::En).stale_button
    );
}

#[test]
fn a_number_typed_for_a_number_question_is_the_answer_not_a_button() {
    let steps = screen_with(&shipped(), &[("pregnant", "yes"), ("pregnancy_weeks", "2")]);
    let r = record(&steps);
    assert_eq!(answer_to(r, "pregnancy_weeks"), Some(&Answer::Number(2)));
    let steps = screen_with(&shipped(), &[("needle_fear", "1")]);
    assert_eq!(answer_to(record(&steps), "needle_fear"), Some(&Answer::Yes));
}

#[test]
fn the_screening_answer_offers_to_start_the_screen() {
    let k = shipped();
    let (_, steps) = drive(
        &k,
        Conversation::default(),
        &["do i have to fill in a health form?"],
    );
    let reply = &steps[0].replies[0];
    assert_eq!(
        reply.topic.as_ref().map(|t| t.as_str()),
        Some(SCREENING_TOPIC)
    );
    assert_eq!(reply.choices[0].id, "screen:start");
    let (_, steps) = drive(&k, Conversation::default(), &["1"]);
    assert_ne!(
        steps[0].replies[0].kind,
        ReplyKind::Question,
        "nothing offered yet"
    );
}

#[test]
fn nothing_personal_happens_in_a_shared_chat() {
    let k = shipped();
    for input in ["/screen", "/human", "!screen:start", "!human"] {
        let mut incoming = incoming(match input.strip_prefix('!') {
            Some(id) => Input::Choice(id.into()),
            None => Input::from_text(input),
        });
        incoming.shared = true;
        let s = step(&k, Conversation::default(), &incoming);
        assert_eq!(s.replies[0].kind, ReplyKind::MoveToPrivate, "{input}");
        assert_eq!(s.conversation.state, State::Idle);
        assert!(s.staff.is_empty());
    }
    let mut faq = incoming(text("does it hurt?"));
    faq.shared = true;
    assert_eq!(
        step(&k, Conversation::default(), &faq).replies[0].kind,
        ReplyKind::Answer
    );
}

#[test]
fn typed_words_numbers_and_codes_in_a_shared_chat_open_nothing_in_any_state() {
    let k = shipped();
    let states = [
        State::Idle,
        State::Clarifying,
        // States a shared chat can no longer reach, as an older version
        // may have stored them.
        State::OfferedHuman,
        State::HandedOff { screen: None },
        State::Screening(ScreenProgress {
            answers: Vec::new(),
            tries: 0,
            started: Timestamp::UNIX_EPOCH,
        }),
    ];
    let typed = [
        "yes",
        "sí",
        "ok",
        "1",
        "2",
        "no",
        "do you do botox",
        "my name is Ana, I take warfarin",
        "ABCD-EF2345",
        "/start ABCDEF2345",
    ];
    for state in states {
        for (member, words) in typed.iter().enumerate() {
            let mut conversation = Conversation {
                state: state.clone(),
                offered: vec!["human".into(), "screen:start".into()],
                ..Conversation::default()
            };
            // Someone else's earlier message left an offer behind.
            conversation.locale = Some(Locale::En);
            let mut message = incoming(text(words));
            message.shared = true;
            message.display_name = Some(format!("member {member}"));
            let s = step(&k, conversation, &message);
            let context = format!("{state:?} / {words}");
            assert!(s.handoff.is_none(), "{context}");
            assert!(s.screen.is_none(), "{context}");
            assert!(
                matches!(s.conversation.state, State::Idle | State::Clarifying),
                "{context}: {:?}",
                s.conversation.state
            );
            assert!(
                s.staff
                    .iter()
                    .all(|e| !matches!(e, StaffEvent::HumanRequested { .. })),
                "{context}"
            );
            for reply in &s.replies {
                assert!(
                    reply
                        .choices
                        .iter()
                        .all(|c| c.id != "human" && c.id != "screen:start"),
                    "{context}: {reply:?}"
                );
            }
        }
    }
}

#[test]
fn a_question_the_bot_cannot_answer_in_a_shared_chat_points_to_a_private_chat() {
    let k = shipped();
    let mut message = incoming(text("do you do botox"));
    message.shared = true;
    let s = step(&k, Conversation::default(), &message);
    let kinds: Vec<ReplyKind> = s.replies.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [ReplyKind::Fallback, ReplyKind::MoveToPrivate]);
    assert_eq!(s.conversation.state, State::Idle);
}

#[test]
fn a_request_for_a_person_out_of_hours_says_when_the_desk_opens() {
    let k = shipped();
    let mut request = incoming(text("/human"));
    // Saturday 21 November 2026, 13:00 in New York: closed until Monday.
    request.at = "2026-11-21T18:00:00Z".parse().unwrap();
    let s = step(&k, Conversation::default(), &request);
    assert!(
        s.replies[0].text.contains("(Monday 8:00 AM)"),
        "{}",
        s.replies[0].text
    );
    // Monday 10:00 in New York: open.
    request.at = "2026-11-23T15:00:00Z".parse().unwrap();
    let s = step(&k, Conversation::default(), &request);
    assert!(
        s.replies[0]
            .text
            .contains("replies within about 30 minutes"),
        "{}",
        s.replies[0].text
    );
}

#[test]
fn the_screen_follows_the_patients_language() {
    let k = shipped();
    let (_, steps) = drive(&k, Conversation::default(), &["¿duele?", "/screen"]);
    let q = &steps[1].replies[0];
    assert_eq!(
        q.text,
        k.screening().question("consent").unwrap().text(Locale::Es)
    );
    assert_eq!(q.choices[0].label, "Sí");
}

#[test]
fn an_unanswered_question_is_kept_to_its_first_two_thousand_characters() {
    let k = shipped();
    let long = format!("do you do botox {}", "é".repeat(1_000_000));
    let s = step(&k, Conversation::default(), &incoming(text(&long)));
    let kept = s.unanswered.expect("recorded for staff");
    assert_eq!(kept.chars().count(), super::faq::UNANSWERED_MAX_CHARS);
    assert!(kept.starts_with("do you do botox"));
}

/// The quoted messages of each kind, and others of the same kind:
/// what the patient gets back, in their language.
#[test]
fn thanks_greetings_goodbyes_requests_for_a_person_and_medicine_questions_get_fitting_replies() {
    let k = shipped();
    let m = |l: Locale| k.messages(l);
    let (en, es) = (Locale::En, Locale::Es);
    let started = Conversation {
        recent: vec!["an earlier answer".into()],
        ..Conversation::default()
    };
    let table: Vec<(&str, Conversation, ReplyKind, String)> = vec![
        (
            "thanks!",
            started.clone(),
            ReplyKind::Info,
            m(en).smalltalk_thanks.clone(),
        ),
        (
            "ok thanks",
            started.clone(),
            ReplyKind::Info,
            m(en).smalltalk_thanks.clone(),
        ),
        (
            "gracias",
            started.clone(),
            ReplyKind::Info,
            m(es).smalltalk_thanks.clone(),
        ),
        (
            "bye",
            started.clone(),
            ReplyKind::Info,
            m(en).smalltalk_goodbye.clone(),
        ),
        (
            "hasta luego!",
            started.clone(),
            ReplyKind::Info,
            m(es).smalltalk_goodbye.clone(),
        ),
        (
            "good morning",
            started.clone(),
            ReplyKind::Info,
            m(en).smalltalk_greeting.clone(),
        ),
        (
            "got it 👍",
            started.clone(),
            ReplyKind::Info,
            m(en).smalltalk_ack.clone(),
        ),
        // A first hello gets the welcome, in the patient's language.
        (
            "hola buenas",
            Conversation::default(),
            ReplyKind::Info,
            m(es).welcome.clone(),
        ),
        (
            "can I talk to a real person pls",
            started.clone(),
            ReplyKind::Handoff,
            m(en).human_requested.clone(),
        ),
        (
            "quiero hablar con alguien de recepción",
            started.clone(),
            ReplyKind::Handoff,
            m(es).human_requested.clone(),
        ),
        (
            "can I take ibuprofen after needling",
            started.clone(),
            ReplyKind::Fallback,
            m(en).fallback_medicine.clone(),
        ),
        (
            "can you prescribe painkillers",
            started.clone(),
            ReplyKind::Fallback,
            m(en).fallback_medicine.clone(),
        ),
    ];
    for (said, conversation, kind, expected) in table {
        let t = step(&k, conversation, &incoming(text(said)));
        let first = &t.replies[0];
        assert_eq!(first.kind, kind, "{said}: {first:?}");
        // Placeholders are filled in, and a hand-off out of hours says when
        // the desk opens: compare the start.
        let start: String = expected.chars().take(8).collect();
        assert!(first.text.starts_with(&start), "{said}: {}", first.text);
        if kind == ReplyKind::Handoff {
            assert_eq!(
                t.handoff,
                Some(HandoffChange::Open(HandoffReason::Asked)),
                "{said}"
            );
        }
    }
}

#[test]
fn a_follow_up_is_read_with_the_topic_answered_last_and_a_new_question_alone() {
    let k = shipped();
    let answered = |s: &Transition| s.replies.iter().find_map(|r| r.topic.clone());
    let (conv, steps) = drive(
        &k,
        Conversation::default(),
        &["how much does dry needling cost?", "is that per session?"],
    );
    assert_eq!(answered(&steps[0]), Some(topic("cost")));
    assert_eq!(
        answered(&steps[1]),
        Some(topic("cost")),
        "read with the price"
    );
    assert_eq!(conv.last_topic, Some(topic("cost")));

    // A question that stands on its own is answered as itself.
    let (conv, steps) = drive(&k, conv, &["and does insurance cover it?"]);
    assert_eq!(answered(&steps[0]), Some(topic("insurance")));
    // What the bot cannot answer ends the context: the next unsure
    // message is not read with an old topic.
    let (conv, _) = drive(&k, conv, &["do you sell gift vouchers for massages"]);
    assert_eq!(conv.last_topic, None);
    let alone = drive(&k, Conversation::default(), &["is that per session?"]).1;
    let after_fallback = drive(&k, conv, &["is that per session?"]).1;
    assert_eq!(
        answered(&after_fallback[0]),
        answered(&alone[0]),
        "no context left"
    );
}

#[test]
fn a_message_asking_two_things_is_answered_on_one_and_offered_the_other() {
    let k = shipped();
    let (_, steps) = drive(
        &k,
        Conversation::default(),
        &["does dry needling hurt? and how much does a session cost?"],
    );
    let replies = &steps[0].replies;
    let answered = replies.iter().find_map(|r| r.topic.clone()).unwrap();
    let also = replies.last().unwrap();
    let m = k.messages(Locale::En);
    assert_eq!(also.text, m.also_asked);
    let offered: Vec<&str> = also.choices.iter().map(|c| c.id.as_str()).collect();
    let both = [topic("does-it-hurt"), topic("cost")];
    assert!(both.contains(&answered), "{answered}");
    let other = both.iter().find(|t| **t != answered).unwrap();
    assert_eq!(offered, [Action::Topic(other.clone()).id()], "{also:?}");

    // One question: nothing more.
    let (_, steps) = drive(&k, Conversation::default(), &["does dry needling hurt?"]);
    assert!(steps[0].replies.iter().all(|r| r.text != m.also_asked));
}

#[test]
fn a_question_about_hours_on_a_named_day_is_answered_for_that_day_first() {
    let k = shipped();
    // Monday 7 December 2026, 10:00 in New York.
    let ask = |question: &str| {
        let mut message = incoming(text(question));
        message.at = "2026-12-07T15:00:00Z".parse().unwrap();
        let s = step(&k, Conversation::default(), &message);
        assert_eq!(s.replies[0].topic, Some(topic("hours")), "{question}");
        s.replies[0].text.clone()
    };
    let christmas_eve = ask("are you open on the 24th?");
    assert!(
        christmas_eve.starts_with("We're closed on Thursday, December 24 (Christmas Eve)."),
        "{christmas_eve}"
    );
    let spanish = ask("¿abrís el 24?");
    assert!(
        spanish.starts_with("El jueves 24 de diciembre (Nochebuena) estamos cerrados."),
        "{spanish}"
    );
    let saturday = ask("what are your hours on saturday?");
    assert!(
        saturday.starts_with("On Saturday, December 12 we're open 9:00 AM–12:00 PM."),
        "{saturday}"
    );
    // The shipped closed days end on New Year's Day 2027: next
    // Thanksgiving may not be listed yet, so it is not called open.
    let thanksgiving = ask("are you open on thanksgiving?");
    assert!(
        thanksgiving.starts_with("Our opening hours are"),
        "{thanksgiving}"
    );
    let general = ask("what are your opening hours?");
    assert!(general.starts_with("Our opening hours are"), "{general}");
    assert!(
        general.ends_with(
            "Days we're closed: Thursday, December 24 (Christmas Eve); Friday, December 25 \
             (Christmas Day); Friday, January 1 (New Year's Day)."
        ),
        "past ones left out: {general}"
    );
}
