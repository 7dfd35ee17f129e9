//! The day's visits and the coming week's, in the clinic's time and
//! convention, each with where its health screen stands and whether the
//! patient's chat is linked (or the code that links it). Every role sees
//! it: the desk runs the day from it, and imports the clinic calendar's
//! export (CSV or iCalendar) here, all or nothing, as `frontdesk
//! appointments import` does, adds a visit by hand and cancels one.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_core::Store;
use frontdesk_core::accounts::{AuditAction, Permission};
use frontdesk_core::appointments::{Moved, NewAppointment, Status, parse_local, read_calendar};
use serde::Deserialize;

use super::auth::Staff;
use super::guard::{self, Failure};
use super::pages::{self, Imported, VisitDay, VisitRow};
use super::{Console, Shared};

/// Today and the six days after it.
const DAYS: i64 = 7;

pub async fn page<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
) -> Result<Response, Failure> {
    render(&console, &staff, None).await
}

/// A calendar file uploaded (`file`, with the form's `csrf`): read whole,
/// imported only if every row reads, and the page shown with what
/// happened.
pub async fn import<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    mut form: Multipart,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    let unreadable = || Failure::Forbidden("The upload could not be read. Choose the file again.");
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let name = field.file_name().unwrap_or("calendar.csv").to_owned();
                let text = field.text().await.map_err(|_| unreadable())?;
                file = Some((name, text));
            }
            _ => {}
        }
    }
    guard::csrf(&staff.session, &csrf)?;
    let Some((name, text)) = file.filter(|(_, text)| !text.trim().is_empty()) else {
        let outcome = Imported {
            errors: vec!["Choose a calendar file (CSV or .ics) first.".to_owned()],
            ..Imported::default()
        };
        return render(&console, &staff, Some(outcome)).await;
    };
    let now = console.app.clock.now();
    let clinic = console.app.engine.knowledge().clinic.clone();
    let outcome = match read_calendar(&name, &text, &clinic, now) {
        Err(errors) => Imported {
            errors: errors.iter().map(|e| format!("{name}, {e}")).collect(),
            ..Imported::default()
        },
        Ok(calendar) => {
            let (added, unchanged) = console
                .blocking(move |engine| engine.import_appointments(&calendar.rows))
                .await??;
            console
                .audit(
                    staff
                        .did(now, AuditAction::AppointmentsImported)
                        .on(name.clone()),
                )
                .await;
            Imported {
                errors: Vec::new(),
                warnings: calendar.warnings,
                cancelled: calendar.cancelled,
                summary: Some(format!("Imported {added} new, {unchanged} already there.")),
            }
        }
    };
    render(&console, &staff, Some(outcome)).await
}

/// A visit typed in: the patient as the calendar names them, the start in
/// the clinic's time (a `datetime-local` field), and whether it has
/// needling (a checkbox: absent when unticked).
#[derive(Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    start: String,
    needling: Option<String>,
}

pub async fn add<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Form(form): Form<VisitForm>,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    guard::csrf(&staff.session, &form.csrf)?;
    let zone = console.app.engine.knowledge().clinic.time_zone.clone();
    let patient = form.patient.trim().to_owned();
    let notice = match parse_local(&form.start, &zone) {
        _ if patient.is_empty() => "Write the patient's name as the calendar has it.".to_owned(),
        Err(e) => format!("Not added: {e}."),
        Ok(start) => {
            let row = NewAppointment {
                patient: patient.clone(),
                start,
                needling: form.needling.is_some(),
            };
            let (_, stored) = console.blocking(move |engine| engine.book(&row)).await??;
            let now = console.app.clock.now();
            console
                .audit(staff.did(now, AuditAction::AppointmentAdded).on(stored.id))
                .await;
            format!(
                "{patient} is booked; their link code is {}.",
                stored.link_code
            )
        }
    };
    console.notice_for(&staff.key(), notice);
    Ok(Redirect::to("/visits").into_response())
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
}

pub async fn cancel<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    guard::csrf(&staff.session, &form.csrf)?;
    let key = id.clone();
    if !console
        .blocking(move |engine| engine.cancel_appointment(&key))
        .await??
    {
        return Err(Failure::NotFound);
    }
    let now = console.app.clock.now();
    console
        .audit(staff.did(now, AuditAction::AppointmentCancelled).on(id))
        .await;
    console.notice_for(&staff.key(), "The visit is cancelled.".to_owned());
    Ok(Redirect::to("/visits").into_response())
}

/// A visit's new start, in the clinic's time (a `datetime-local` field).
#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start: String,
}

pub async fn move_visit<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    guard::csrf(&staff.session, &form.csrf)?;
    let knowledge = console.app.engine.knowledge();
    let clinic = &knowledge.clinic;
    let now = console.app.clock.now();
    let start = match parse_local(&form.start, &clinic.time_zone) {
        Ok(start) => start,
        Err(e) => {
            console.notice_for(&staff.key(), format!("Not moved: {e}."));
            return Ok(Redirect::to("/visits").into_response());
        }
    };
    let key = id.clone();
    let moved = console
        .blocking(move |engine| engine.move_appointment(&key, start, now))
        .await??;
    let notice = match moved {
        Moved::To(visit) => {
            console
                .audit(
                    staff
                        .did(now, AuditAction::AppointmentMoved)
                        .on(visit.id.clone()),
                )
                .await;
            format!(
                "{} is moved to {}; the link code stays {}.",
                visit.patient,
                clinic.show(visit.start),
                visit.link_code
            )
        }
        Moved::NotFound => return Err(Failure::NotFound),
        Moved::NotBooked => "Not moved: the visit is cancelled.".to_owned(),
        Moved::Past => "Not moved: the new time has passed.".to_owned(),
        Moved::Taken => "Not moved: the patient already has a visit at that time.".to_owned(),
    };
    console.notice_for(&staff.key(), notice);
    Ok(Redirect::to("/visits").into_response())
}

async fn render<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    imported: Option<Imported>,
) -> Result<Response, Failure> {
    let knowledge = console.app.engine.knowledge();
    let clinic = &knowledge.clinic;
    let today = console
        .app
        .clock
        .now()
        .to_zoned(clinic.time_zone.clone())
        .date();
    let visits = console
        .blocking(move |engine| engine.visits(today, DAYS))
        .await??;
    let mut days: Vec<VisitDay> = Vec::new();
    for (visit, screen) in visits {
        let start = visit.start.to_zoned(clinic.time_zone.clone());
        let day = clinic.describe_day(start.date(), frontdesk_core::Locale::En);
        if days.last().is_none_or(|d| d.day != day) {
            days.push(VisitDay {
                day,
                visits: Vec::new(),
            });
        }
        let cancelled = visit.status == Status::Cancelled;
        let row = VisitRow {
            id: visit.id,
            time: clinic.show_time(visit.start),
            patient: visit.patient,
            needling: visit.needling,
            cancelled,
            screen: if cancelled {
                "cancelled"
            } else {
                screen.as_str()
            },
            linked: visit.chat.map(|c| c.platform().to_string()),
            links: console
                .app
                .router
                .start_links(&visit.link_code)
                .into_iter()
                .map(|(platform, url)| (platform.to_string(), url))
                .collect(),
            code: visit.link_code,
            start: start.strftime("%Y-%m-%dT%H:%M").to_string(),
        };
        if let Some(d) = days.last_mut() {
            d.visits.push(row);
        }
    }
    Ok(pages::render(&pages::Visits {
        nav: staff.nav(),
        notice: console.take_notice(&staff.key()),
        days,
        imported,
    }))
}
