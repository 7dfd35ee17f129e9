//! A completed health screen as a FHIR R4 `QuestionnaireResponse` (JSON),
//! for a clinician to attach to the patient's record.
//!
//! One item per answer, in the order given. Its `linkId` is the question's
//! id from `screening.toml` (every question has one, validated as it loads,
//! so the id is stable across rewordings and reorderings), and its `text` is
//! the question in the language the screen was taken in, as the screen words
//! it now (the record keeps ids, not sentences; a question since removed from
//! the screen is shown by its id). Answers map to the R4 `value[x]` types:
//! yes and no are `valueBoolean`, a number `valueInteger` (`valueDecimal`
//! beyond 32 bits), free text `valueString`, a choice a `valueCoding` with
//! the choice id as code and its label as display; "not sure" and "not
//! applicable" ("I'm a man" to the pregnancy question) are the
//! `data-absent-reason` codes `asked-unknown` and `not-applicable`.
//!
//! What the patient wrote beyond the answer ("fibrilación auricular" in "sí,
//! fibrilación auricular") is an item nested under that answer, with linkId
//! `<id>.detail`: R4 lets an answer carry child items, and this keeps the
//! boolean a boolean rather than adding a second answer to a question that
//! takes one. The screen's outcome and flags are a group item, linkId
//! `screen.outcome`, first in the list, with `screen.outcome.clearance` (a
//! coding) and `screen.outcome.flags` (one string per flag). Question ids
//! cannot contain a dot, so none of these can collide with a question's.
//!
//! There is no `Questionnaire` resource to point at, so `questionnaire` is
//! left out, and the codings of our own values carry no `system`. Empty
//! strings and lists are never written (FHIR forbids them): a blank
//! free-text answer is an item without an answer. `language` is the one the
//! screen ended in, which words every question's text.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::chat::Clearance;
use crate::dialogue::ScreenRecord;
use crate::ids::Locale;
use crate::screening::{Answer, Answered, Kind, NOT_APPLICABLE_VALUE, Screening};

/// The code system of FHIR's reasons for a missing value.
pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";

/// A FHIR R4 `QuestionnaireResponse`, the parts Frontdesk fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    pub resource_type: ResourceType,
    pub status: Status,
    /// When the screen was completed.
    pub authored: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// The language the screen was taken in (`en`, `es`).
    pub language: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
}

/// The only resource type written here; anything else fails to read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceType {
    QuestionnaireResponse,
}

/// FHIR's `QuestionnaireResponseStatus` value set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InProgress,
    Completed,
    Amended,
    EnteredInError,
    Stopped,
}

/// A reference by display name only: the clinic's record system links it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub display: String,
}

/// One question and its answers, or a group of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub link_id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<ItemAnswer>,
    /// Child items of a group (never together with `answer`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
}

/// One answer, with items nested under it (the patient's detail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemAnswer {
    #[serde(flatten)]
    pub value: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
}

/// The `value[x]` types this export uses, a subset of those R4 allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    #[serde(rename = "valueBoolean")]
    Boolean(bool),
    #[serde(rename = "valueInteger")]
    Integer(i32),
    #[serde(rename = "valueDecimal")]
    Decimal(serde_json::Number),
    #[serde(rename = "valueString")]
    String(String),
    #[serde(rename = "valueCoding")]
    Coding(Coding),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// The record as a `QuestionnaireResponse`, its questions worded by
/// `screening` (the knowledge folder's), its subject shown as
/// `subject_display` (left out when blank).
pub fn questionnaire_response(
    record: &ScreenRecord,
    screening: &Screening,
    subject_display: &str,
) -> QuestionnaireResponse {
    let subject_display = subject_display.trim();
    let mut item = vec![outcome_item(record)];
    item.extend(
        record
            .answers
            .iter()
            .map(|a| answer_item(a, screening, record.locale)),
    );
    QuestionnaireResponse {
        resource_type: ResourceType::QuestionnaireResponse,
        status: Status::Completed,
        authored: record.completed,
        subject: (!subject_display.is_empty()).then(|| Reference {
            display: subject_display.to_owned(),
        }),
        language: record.locale.as_str().to_owned(),
        item,
    }
}

fn answer_item(answered: &Answered, screening: &Screening, locale: Locale) -> Item {
    let question = screening.question(&answered.question);
    let text = question.map_or(answered.question.as_str(), |q| q.text(locale));
    let value = match &answered.answer {
        Answer::Yes => Some(Value::Boolean(true)),
        Answer::No => Some(Value::Boolean(false)),
        Answer::Unsure => Some(absent("asked-unknown", "Asked But Unknown")),
        Answer::Choice(c) if c == NOT_APPLICABLE_VALUE => {
            Some(absent("not-applicable", "Not Applicable"))
        }
        Answer::Choice(c) => {
            let label = question.and_then(|q| match &q.kind {
                Kind::Choice(choices) => choices
                    .iter()
                    .find(|choice| &choice.id == c)
                    .map(|choice| choice.label(locale).to_owned()),
                _ => None,
            });
            Some(Value::Coding(Coding {
                system: None,
                code: c.clone(),
                display: label,
            }))
        }
        Answer::Number(n) => Some(match i32::try_from(*n) {
            Ok(n) => Value::Integer(n),
            Err(_) => Value::Decimal((*n).into()),
        }),
        Answer::Text(t) => non_blank(t).map(Value::String),
    };
    let detail = answered.detail.as_ref().and_then(|d| non_blank(d.as_str()));
    let answer = value.map(|value| ItemAnswer {
        value,
        item: detail
            .map(|detail| Item {
                link_id: format!("{}.detail", answered.question),
                text: labels(locale).detail.to_owned(),
                answer: vec![ItemAnswer::of(Value::String(detail))],
                item: Vec::new(),
            })
            .into_iter()
            .collect(),
    });
    Item {
        link_id: answered.question.clone(),
        text: text.to_owned(),
        answer: answer.into_iter().collect(),
        item: Vec::new(),
    }
}

fn outcome_item(record: &ScreenRecord) -> Item {
    let labels = labels(record.locale);
    let clearance = Item {
        link_id: "screen.outcome.clearance".into(),
        text: labels.clearance.into(),
        answer: vec![ItemAnswer::of(Value::Coding(Coding {
            system: None,
            code: clearance_code(record.outcome).into(),
            display: Some(record.outcome.as_str().into()),
        }))],
        item: Vec::new(),
    };
    let flags: Vec<ItemAnswer> = record
        .flags
        .iter()
        .filter_map(|f| non_blank(f))
        .map(|f| ItemAnswer::of(Value::String(f)))
        .collect();
    let flags = (!flags.is_empty()).then(|| Item {
        link_id: "screen.outcome.flags".into(),
        text: labels.flags.into(),
        answer: flags,
        item: Vec::new(),
    });
    Item {
        link_id: "screen.outcome".into(),
        text: labels.outcome.into(),
        answer: Vec::new(),
        item: std::iter::once(clearance).chain(flags).collect(),
    }
}

impl ItemAnswer {
    fn of(value: Value) -> ItemAnswer {
        ItemAnswer {
            value,
            item: Vec::new(),
        }
    }
}

/// The same words the record stores (`review`, `decline`).
fn clearance_code(clearance: Clearance) -> &'static str {
    match clearance {
        Clearance::Clear => "clear",
        Clearance::Review => "review",
        Clearance::Reschedule => "reschedule",
        Clearance::Decline => "decline",
        Clearance::Emergency => "emergency",
    }
}

fn absent(code: &str, display: &str) -> Value {
    Value::Coding(Coding {
        system: Some(DATA_ABSENT_REASON.into()),
        code: code.into(),
        display: Some(display.into()),
    })
}

/// The text as FHIR takes a string: never empty or only whitespace.
fn non_blank(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The texts of the items this export adds, in the screen's language.
struct Labels {
    detail: &'static str,
    outcome: &'static str,
    clearance: &'static str,
    flags: &'static str,
}

fn labels(locale: Locale) -> Labels {
    match locale {
        Locale::En => Labels {
            detail: "In the patient's words",
            outcome: "Outcome of the health screen",
            clearance: "Outcome",
            flags: "Flags for the clinician",
        },
        Locale::Es => Labels {
            detail: "En palabras del paciente",
            outcome: "Resultado del cuestionario de salud",
            clearance: "Resultado",
            flags: "Avisos para el clínico",
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use super::*;
    use crate::ids::ChatKey;
    use crate::screening::Parsed;
    use crate::testing::shipped;

    fn record(locale: Locale, answers: Vec<Answered>) -> ScreenRecord {
        ScreenRecord {
            chat: ChatKey::parse("telegram:42").unwrap(),
            started: "2025-03-04T09:10:00Z".parse().unwrap(),
            completed: "2025-03-04T09:15:30Z".parse().unwrap(),
            outcome: Clearance::Review,
            flags: vec!["heart_condition".into(), "blood_thinners".into()],
            answers,
            locale,
        }
    }

    fn json_of(record: &ScreenRecord, subject: &str) -> Json {
        serde_json::to_value(questionnaire_response(
            record,
            shipped().screening(),
            subject,
        ))
        .unwrap()
    }

    /// The answered question's item, by linkId.
    fn item<'a>(json: &'a Json, link_id: &str) -> &'a Json {
        json["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == link_id)
            .unwrap_or_else(|| panic!("no item {link_id} in {json:#}"))
    }

    /// The answer a patient gives to `question` by typing `text`, with its
    /// detail, as the screen reads it.
    fn typed(question: &str, text: &str) -> Answered {
        let knowledge = shipped();
        let screening = knowledge.screening();
        let q = screening.question(question).unwrap();
        match screening.parse(q, text) {
            Parsed::Answer { answer, detail } => Answered {
                question: question.into(),
                answer,
                detail,
            },
            Parsed::NotUnderstood => panic!("{text:?} does not answer {question}"),
        }
    }

    /// Breaches of the R4 rules this export must keep: the resource type,
    /// the status value set, an RFC 3339 `authored`, every item with a
    /// linkId and text, never answers and child items on one item (qrs-1),
    /// sibling linkIds distinct, exactly one allowed `value[x]` per answer,
    /// and no empty strings or lists anywhere (ele-1).
    fn r4_problems(json: &Json) -> Vec<String> {
        let mut problems = Vec::new();
        if json["resourceType"] != "QuestionnaireResponse" {
            problems.push("resourceType".into());
        }
        let statuses = [
            "in-progress",
            "completed",
            "amended",
            "entered-in-error",
            "stopped",
        ];
        if !statuses.iter().any(|s| json["status"] == *s) {
            problems.push(format!("status {}", json["status"]));
        }
        if json["authored"]
            .as_str()
            .is_none_or(|a| a.parse::<Timestamp>().is_err())
        {
            problems.push(format!("authored {}", json["authored"]));
        }
        empties(json, "$", &mut problems);
        items(&json["item"], &mut problems);
        problems
    }

    fn empties(json: &Json, at: &str, problems: &mut Vec<String>) {
        match json {
            Json::String(s) if s.trim().is_empty() => problems.push(format!("{at}: empty string")),
            Json::Array(a) if a.is_empty() => problems.push(format!("{at}: empty list")),
            Json::Array(a) => a
                .iter()
                .for_each(|v| empties(v, &format!("{at}[]"), problems)),
            Json::Object(o) => o
                .iter()
                .for_each(|(k, v)| empties(v, &format!("{at}.{k}"), problems)),
            _ => {}
        }
    }

    fn items(list: &Json, problems: &mut Vec<String>) {
        let Some(list) = list.as_array() else {
            return;
        };
        let mut seen = std::collections::HashSet::new();
        for item in list {
            let link_id = item["linkId"].as_str().unwrap_or_default();
            if link_id.is_empty() || !seen.insert(link_id) {
                problems.push(format!("linkId missing or repeated: {item}"));
            }
            if !item["text"].is_string() {
                problems.push(format!("{link_id}: no text"));
            }
            if item.get("answer").is_some() && item.get("item").is_some() {
                problems.push(format!("{link_id}: answer and item (qrs-1)"));
            }
            for answer in item["answer"].as_array().into_iter().flatten() {
                let values: Vec<&String> = answer
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| k.starts_with("value"))
                    .collect();
                let allowed = [
                    "valueBoolean",
                    "valueDecimal",
                    "valueInteger",
                    "valueDate",
                    "valueDateTime",
                    "valueTime",
                    "valueString",
                    "valueUri",
                    "valueAttachment",
                    "valueCoding",
                    "valueQuantity",
                    "valueReference",
                ];
                if values.len() != 1 || !allowed.contains(&values[0].as_str()) {
                    problems.push(format!("{link_id}: answer values {values:?}"));
                }
                items(&answer["item"], problems);
            }
            items(&item["item"], problems);
        }
    }

    #[test]
    fn yes_and_no_answers_are_booleans_in_a_completed_response_authored_at_completion() {
        let r = record(
            Locale::En,
            vec![
                Answered::new("consent", Answer::Yes),
                Answered::new("pregnant", Answer::No),
            ],
        );
        let json = json_of(&r, "Ana García");
        assert_eq!(json["resourceType"], "QuestionnaireResponse");
        assert_eq!(json["status"], "completed");
        assert_eq!(json["authored"], "2025-03-04T09:15:30Z");
        assert_eq!(json["subject"], json!({ "display": "Ana García" }));
        assert_eq!(json["language"], "en");
        assert_eq!(
            item(&json, "consent")["answer"],
            json!([{ "valueBoolean": true }])
        );
        assert_eq!(
            item(&json, "pregnant"),
            &json!({
                "linkId": "pregnant",
                "text": "Are you pregnant, or could you be?",
                "answer": [{ "valueBoolean": false }],
            })
        );
        assert_eq!(r4_problems(&json), Vec::<String>::new());
    }

    #[test]
    fn a_spanish_yes_with_words_beyond_it_keeps_them_as_an_item_under_the_answer() {
        let heart = typed("heart", "sí, fibrilación auricular");
        assert_eq!(heart.answer, Answer::Yes);
        let json = json_of(&record(Locale::Es, vec![heart]), "Ana García");
        assert_eq!(json["language"], "es");
        assert_eq!(
            item(&json, "heart"),
            &json!({
                "linkId": "heart",
                "text": shipped().screening().question("heart").unwrap().text(Locale::Es),
                "answer": [{
                    "valueBoolean": true,
                    "item": [{
                        "linkId": "heart.detail",
                        "text": "En palabras del paciente",
                        "answer": [{ "valueString": "fibrilación auricular" }],
                    }],
                }],
            })
        );
        assert!(
            item(&json, "heart")["text"]
                .as_str()
                .unwrap()
                .starts_with("¿Tiene algún problema de corazón")
        );
        assert_eq!(r4_problems(&json), Vec::<String>::new());
    }

    #[test]
    fn the_outcome_and_flags_are_a_group_item_before_the_answers() {
        let json = json_of(
            &record(Locale::En, vec![Answered::new("heart", Answer::Yes)]),
            "Ana García",
        );
        assert_eq!(
            json["item"][0],
            json!({
                "linkId": "screen.outcome",
                "text": "Outcome of the health screen",
                "item": [
                    {
                        "linkId": "screen.outcome.clearance",
                        "text": "Outcome",
                        "answer": [{ "valueCoding": {
                            "code": "review",
                            "display": "clinician review needed",
                        } }],
                    },
                    {
                        "linkId": "screen.outcome.flags",
                        "text": "Flags for the clinician",
                        "answer": [
                            { "valueString": "heart_condition" },
                            { "valueString": "blood_thinners" },
                        ],
                    },
                ],
            })
        );
        let mut clear = record(Locale::En, vec![Answered::new("heart", Answer::No)]);
        clear.outcome = Clearance::Clear;
        clear.flags.clear();
        let json = json_of(&clear, "Ana García");
        let outcome = &json["item"][0]["item"];
        assert_eq!(outcome.as_array().unwrap().len(), 1, "{outcome:#}");
        assert_eq!(outcome[0]["answer"][0]["valueCoding"]["code"], "clear");
        assert_eq!(r4_problems(&json), Vec::<String>::new());
    }

    #[test]
    fn free_text_that_looks_like_markup_or_json_is_carried_as_the_same_string() {
        let tricky =
            r#"<b>bold</b> <script>alert("x")</script> {"valueBoolean": true, "item": []} \n & é"#;
        let json = json_of(
            &record(
                Locale::En,
                vec![Answered::new("anything_else", Answer::Text(tricky.into()))],
            ),
            "</subject> \"quoted\"",
        );
        assert_eq!(
            item(&json, "anything_else")["answer"],
            json!([{ "valueString": tricky }])
        );
        assert_eq!(json["subject"]["display"], "</subject> \"quoted\"");
        let text = serde_json::to_string(&json).unwrap();
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            item(&back, "anything_else")["answer"][0]["valueString"],
            tricky
        );
    }

    #[test]
    fn every_kind_of_answer_is_one_value_of_a_type_r4_allows_and_reads_back_the_same() {
        let huge = i64::from(i32::MAX) + 1;
        let answers = vec![
            Answered::new("consent", Answer::Yes),
            Answered::new("under_18", Answer::No),
            Answered::new("pregnant", Answer::Unsure),
            Answered::new(
                "trying_to_conceive",
                Answer::Choice(NOT_APPLICABLE_VALUE.into()),
            ),
            Answered::new("blood_thinners", Answer::Yes),
            Answered::new("blood_thinner_which", Answer::Choice("warfarin".into())),
            Answered::new("inr", Answer::Text("2.4 last week".into())),
            Answered::new("pregnancy_weeks", Answer::Number(12)),
            Answered::new("lymph_where", Answer::Number(huge)),
            Answered::new("implants_which", Answer::Text("  ".into())),
            typed("fainting", "no sé, creo que una vez en un análisis"),
        ];
        for locale in Locale::ALL {
            let response = questionnaire_response(
                &record(locale, answers.clone()),
                shipped().screening(),
                "A",
            );
            let text = serde_json::to_string_pretty(&response).unwrap();
            let json: Json = serde_json::from_str(&text).unwrap();
            assert_eq!(r4_problems(&json), Vec::<String>::new(), "{text}");
            let back: QuestionnaireResponse = serde_json::from_str(&text).unwrap();
            assert_eq!(back, response);
            assert_eq!(json["item"].as_array().unwrap().len(), 1 + answers.len());
        }
        let json = json_of(&record(Locale::Es, answers), "A");
        let value = |id: &str| item(&json, id)["answer"][0].clone();
        assert_eq!(value("pregnant")["valueCoding"]["code"], "asked-unknown");
        assert_eq!(
            value("pregnant")["valueCoding"]["system"],
            DATA_ABSENT_REASON
        );
        assert_eq!(
            value("trying_to_conceive")["valueCoding"]["code"],
            "not-applicable"
        );
        assert_eq!(
            value("blood_thinner_which")["valueCoding"],
            json!({ "code": "warfarin", "display": "Warfarina (Coumadin, Sintrom)" })
        );
        assert_eq!(value("pregnancy_weeks"), json!({ "valueInteger": 12 }));
        assert_eq!(value("lymph_where"), json!({ "valueDecimal": huge }));
        assert_eq!(value("inr"), json!({ "valueString": "2.4 last week" }));
        assert!(item(&json, "implants_which").get("answer").is_none());
        assert_eq!(
            value("fainting")["item"][0]["answer"][0]["valueString"],
            "creo que una vez en un análisis"
        );
    }

    #[test]
    fn a_question_since_removed_from_the_screen_is_shown_by_its_id() {
        let json = json_of(
            &record(Locale::En, vec![Answered::new("old_question", Answer::Yes)]),
            "A",
        );
        assert_eq!(item(&json, "old_question")["text"], "old_question");
        assert_eq!(r4_problems(&json), Vec::<String>::new());
    }

    #[test]
    fn a_blank_subject_is_left_out_rather_than_written_empty() {
        let json = json_of(&record(Locale::En, vec![]), "   ");
        assert!(json.get("subject").is_none(), "{json:#}");
        assert_eq!(r4_problems(&json), Vec::<String>::new());
    }

    #[test]
    fn the_r4_checks_catch_two_values_an_answer_beside_items_and_an_empty_string() {
        let bad = json!({
            "resourceType": "QuestionnaireResponse",
            "status": "done",
            "authored": "yesterday",
            "item": [
                { "linkId": "a", "text": "A", "answer": [{ "valueBoolean": true, "valueString": "" }] },
                { "linkId": "a", "answer": [{ "valueBoolean": true }], "item": [] },
            ],
        });
        let problems = r4_problems(&bad);
        for expected in [
            "status",
            "authored",
            "answer values",
            "empty string",
            "empty list",
            "repeated",
            "no text",
            "qrs-1",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected} not in {problems:?}"
            );
        }
    }
}
