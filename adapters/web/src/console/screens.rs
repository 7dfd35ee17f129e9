//! Health screens: the list for every role (outcome and flags only), and
//! for clinicians each screen's answers, with the patient's own words, and
//! its FHIR R4 QuestionnaireResponse to attach to the clinic's record.
//! Every opening and download is in the audit log.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use frontdesk_core::accounts::{AuditAction, Permission};
use frontdesk_core::dialogue::ScreenRecord;
use frontdesk_core::{Locale, Store};

use super::auth::Staff;
use super::guard::Failure;
use super::inbox::{clinic_time, language};
use super::pages::{self, AnswerView, ScreenRow, UnfinishedRow};
use super::{Console, Shared};

pub async fn list<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
) -> Result<Response, Failure> {
    let can_open = staff.may(Permission::ReadScreens);
    let (done, unfinished) = console
        .blocking(|engine| {
            Ok::<_, frontdesk_core::EngineError>((
                engine.screen_records()?,
                engine.unfinished_screens()?,
            ))
        })
        .await??;
    let done = done
        .iter()
        .map(|(id, record)| screen_row(&console, can_open.then(|| url_id(id)), record))
        .collect();
    let unfinished = unfinished
        .iter()
        .map(|u| UnfinishedRow {
            started: clinic_time(&console, u.started),
            answers: u.answers,
            language: language(u.locale),
        })
        .collect();
    Ok(pages::render(&pages::Screens {
        nav: staff.nav(),
        done,
        unfinished,
        can_open,
    }))
}

pub async fn show<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let record = open(&console, &staff, &id, AuditAction::ScreenOpened).await?;
    let knowledge = console.app.engine.knowledge();
    let screening = knowledge.screening();
    let answers = record
        .answers
        .iter()
        .map(|a| AnswerView {
            question: screening
                .question(&a.question)
                .map_or_else(|| a.question.clone(), |q| q.text(Locale::En).to_owned()),
            answer: a.answer.to_string(),
            detail: a.detail.as_ref().map(|d| d.as_str().to_owned()),
        })
        .collect();
    Ok(pages::render(&pages::ScreenPage {
        nav: staff.nav(),
        row: screen_row(&console, Some(id), &record),
        started: clinic_time(&console, record.started),
        answers,
    }))
}

pub async fn fhir<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let record = open(&console, &staff, &id, AuditAction::ScreenDownloaded).await?;
    let knowledge = console.app.engine.knowledge();
    let resource = frontdesk_core::fhir::questionnaire_response(
        &record,
        knowledge.screening(),
        &record.chat.to_string(),
    );
    let body = serde_json::to_vec_pretty(&resource).map_err(|_| Failure::Internal)?;
    let file = format!(
        "attachment; filename=\"screen-{}.json\"",
        record.completed.as_second()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/fhir+json".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

/// A screen a clinician may read, by the id in its address; the reading
/// is audited.
async fn open<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    id: &str,
    action: AuditAction,
) -> Result<ScreenRecord, Failure> {
    staff.require(Permission::ReadScreens)?;
    let key = store_id(id).ok_or(Failure::NotFound)?;
    let record = console
        .blocking(move |engine| engine.screen_record(&key))
        .await??
        .ok_or(Failure::NotFound)?;
    let now = console.app.clock.now();
    console
        .audit(staff.did(now, action).on(record.chat.to_string()))
        .await;
    Ok(record)
}

fn screen_row<S: Store>(
    console: &Console<S>,
    id: Option<String>,
    record: &ScreenRecord,
) -> ScreenRow {
    ScreenRow {
        id,
        chat: record.chat.to_string(),
        completed: clinic_time(console, record.completed),
        outcome: record.outcome.as_str(),
        flags: if record.flags.is_empty() {
            "none".to_owned()
        } else {
            record.flags.join(", ")
        },
        language: language(Some(record.locale)),
    }
}

/// A screen's store id as one path segment: its bytes in hex.
fn url_id(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn store_id(hex: &str) -> Option<String> {
    if hex.len() % 2 != 0 || hex.len() > 512 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screens_id_goes_through_its_address_unchanged() {
        let id = "telegram:77/00000001764806400000000000";
        assert_eq!(store_id(&url_id(id)).as_deref(), Some(id));
        assert_eq!(store_id("zz"), None);
        assert_eq!(store_id("abc"), None);
    }
}
