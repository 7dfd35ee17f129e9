//! The questions the bot could not answer, for the clinician and the admin
//! to teach it from: grouped by near-identical wording, newest first, each
//! with the topic the bot finds it most like and how sure it is. A group is
//! added as a wording of a topic (the guess pre-selected), added to out of
//! scope, or dismissed; the engine checks and writes the knowledge folder
//! through the console's [`frontdesk_core::Teacher`], and the page then
//! says what the bot answers to the question now. Recent changes can be
//! undone. Only the question's text is shown: no name, no chat.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_core::accounts::{AuditAction, Permission};
use frontdesk_core::engine::{LessonError, Settle};
use frontdesk_core::knowledge::teach::{Example, TeachError};
use frontdesk_core::{Locale, Store, TopicId, Verdict};
use serde::Deserialize;

use super::auth::Staff;
use super::guard::{self, Failure};
use super::inbox::{clinic_time, language};
use super::pages::{self, LessonRow, QuestionRow, TopicChoice};
use super::{Console, Shared};

/// How many recent changes the page lists (to undo).
const LESSONS_SHOWN: usize = 20;
/// How many groups the page lists (the newest; each is read by the model
/// for its guess).
const GROUPS_SHOWN: usize = 100;

pub async fn page<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
) -> Result<Response, Failure> {
    staff.require(Permission::TeachBot)?;
    let ((groups, total), lessons) = console
        .blocking(|engine| {
            Ok::<_, frontdesk_core::EngineError>((
                engine.question_groups(GROUPS_SHOWN)?,
                engine.lessons(LESSONS_SHOWN)?,
            ))
        })
        .await??;
    let now = console.app.clock.now();
    console
        .audit(staff.did(now, AuditAction::UnansweredViewed))
        .await;
    let knowledge = console.app.engine.knowledge();
    let topics: Vec<TopicChoice> = knowledge
        .topics()
        .iter()
        .map(|t| TopicChoice {
            id: t.id.to_string(),
            question: t.text(Locale::En).question.clone(),
        })
        .collect();
    let questions: Vec<QuestionRow> = groups
        .into_iter()
        .map(|g| QuestionRow {
            id: g.id,
            text: g.text,
            count: g.count,
            last_seen: clinic_time(&console, g.last_seen),
            spanish: g.locale == Locale::Es,
            guess: g.guess.as_ref().map(|(topic, _)| topic.to_string()),
            guess_question: g
                .guess
                .as_ref()
                .and_then(|(topic, _)| knowledge.topic(topic))
                .map(|t| t.text(Locale::En).question.clone()),
            sure: g.guess.map_or(0, |(_, p)| (p * 100.0).round() as u8),
        })
        .collect();
    let lessons = lessons
        .into_iter()
        .map(|l| LessonRow {
            id: l.id,
            at: clinic_time(&console, l.at),
            by: l.by,
            what: match &l.example {
                Some(Example::Topic {
                    topic,
                    locale,
                    text,
                }) => {
                    format!(
                        "{text:?} added as a {} wording of {topic}",
                        language(Some(*locale))
                    )
                }
                Some(Example::OutOfScope { locale, text }) => {
                    format!(
                        "{text:?} added to out of scope ({})",
                        language(Some(*locale))
                    )
                }
                None => format!("{} question(s) dismissed", l.questions),
            },
            undone: l.undone.is_some(),
        })
        .collect();
    Ok(pages::render(&pages::Unanswered {
        nav: staff.nav(),
        notice: console.take_notice(&staff.key()),
        more: total.saturating_sub(questions.len()),
        questions,
        topics,
        lessons,
    }))
}

/// A decision on one group: the form's token, and for a wording its topic
/// and language, for out of scope its language.
#[derive(Deserialize)]
pub struct TeachForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    language: String,
}

pub async fn teach<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path((id, decision)): Path<(i64, String)>,
    Form(form): Form<TeachForm>,
) -> Result<Response, Failure> {
    staff.require(Permission::TeachBot)?;
    guard::csrf(&staff.session, &form.csrf)?;
    let locale = Locale::parse(&form.language).unwrap_or(Locale::En);
    let settle = match decision.as_str() {
        "wording" => match TopicId::parse(form.topic.trim()) {
            Ok(topic) => Settle::Wording { topic, locale },
            Err(_) => return notice(&console, &staff, "Choose a topic first.".to_owned()),
        },
        "out-of-scope" => Settle::OutOfScope { locale },
        "dismiss" => Settle::Dismiss,
        _ => return Err(Failure::NotFound),
    };
    let (teacher, by, now) = (
        console.settings.teacher.clone(),
        staff.account.name.to_string(),
        console.app.clock.now(),
    );
    let done = console
        .blocking(move |engine| {
            let lesson = engine.settle_questions(teacher.as_deref(), id, settle, &by, now)?;
            // What the bot makes of the question now, with the folder changed.
            let text = lesson.example.as_ref().map(|e| e.text().to_owned());
            let reading = text.map(|t| engine.classifier().classify_in_context(&t, None).verdict);
            Ok::<_, LessonError>((lesson, reading))
        })
        .await?;
    let text = match done {
        Err(e) => not_changed(e)?,
        Ok((lesson, reading)) => {
            let action = match lesson.example {
                Some(_) => AuditAction::QuestionsTaught,
                None => AuditAction::QuestionsDismissed,
            };
            let on = match &lesson.example {
                Some(Example::Topic { topic, .. }) => format!("a wording of {topic}"),
                Some(Example::OutOfScope { .. }) => "out of scope".to_owned(),
                None => format!("{} question(s)", lesson.questions),
            };
            console.audit(staff.did(now, action).on(on)).await;
            match (&lesson.example, reading) {
                (None, _) => "Dismissed.".to_owned(),
                (Some(example), Some(verdict)) => {
                    format!(
                        "Added. The bot now {}",
                        reads(&console, example.text(), &verdict)
                    )
                }
                (Some(_), None) => "Added.".to_owned(),
            }
        }
    };
    notice(&console, &staff, text)
}

#[derive(Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    csrf: String,
}

pub async fn undo<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<UndoForm>,
) -> Result<Response, Failure> {
    staff.require(Permission::TeachBot)?;
    guard::csrf(&staff.session, &form.csrf)?;
    let (teacher, now) = (console.settings.teacher.clone(), console.app.clock.now());
    let done = console
        .blocking(move |engine| engine.undo_lesson(teacher.as_deref(), id, now))
        .await?;
    let text = match done {
        Err(e) => not_changed(e)?,
        Ok(_) => {
            console
                .audit(
                    staff
                        .did(now, AuditAction::LessonUndone)
                        .on(format!("change {id}")),
                )
                .await;
            "Undone: the folder is as it was, and the questions are listed again.".to_owned()
        }
    };
    notice(&console, &staff, text)
}

/// A change refused, in words for staff; the store failing is an error.
fn not_changed(error: LessonError) -> Result<String, Failure> {
    match error {
        LessonError::Engine(e) => Err(e.into()),
        LessonError::Folder(TeachError::Refused(why)) => Ok(format!("Nothing was changed: {why}")),
        other => Ok(format!("Nothing was changed: {other}")),
    }
}

/// What the bot does with `text` now, as the rest of a sentence.
fn reads<S: Store>(console: &Console<S>, text: &str, verdict: &Verdict) -> String {
    let knowledge = console.app.engine.knowledge();
    let question = |i: usize| format!("{:?}", knowledge.topics()[i].text(Locale::En).question);
    match verdict {
        Verdict::Answer { topic, .. } => {
            format!("answers {text:?} with the topic {}.", question(*topic))
        }
        Verdict::Clarify { candidates, .. } => format!(
            "asks back about {text:?} between {}.",
            candidates
                .iter()
                .map(|&i| question(i))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::Fallback { .. } => format!("does not answer {text:?} and offers the team."),
        _ => format!("reads {text:?} as something other than a question."),
    }
}

fn notice<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    text: String,
) -> Result<Response, Failure> {
    console.notice_for(&staff.key(), text);
    Ok(Redirect::to("/unanswered").into_response())
}
