//! The audit log for the admin: who read or changed what, filtered by
//! person, action and day (in the clinic's time zone), newest first, and
//! exported as CSV with the same filter. Reading and exporting it are
//! themselves written to the log.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use frontdesk_core::Store;
use frontdesk_core::accounts::audit::to_csv;
use frontdesk_core::accounts::{AuditAction, AuditEntry, AuditFilter, Permission};
use serde::Deserialize;

use super::auth::Staff;
use super::guard::Failure;
use super::inbox::clinic_time;
use super::pages::{self, AuditChoice, AuditRow};
use super::{Console, Shared};

/// The most entries a page shows; the export has them all.
const PAGE_ROWS: usize = 500;

/// The filter as the form sends it: empty fields match everything.
#[derive(Debug, Default, Deserialize)]
pub struct Form {
    #[serde(default)]
    who: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    day: String,
}

impl Form {
    /// The filter, or what is wrong with the form.
    fn filter(&self) -> Result<AuditFilter, &'static str> {
        fn some(text: &str) -> Option<&str> {
            Some(text.trim()).filter(|t| !t.is_empty())
        }
        Ok(AuditFilter {
            who: some(&self.who).map(str::to_owned),
            action: match some(&self.action) {
                None => None,
                Some(id) => Some(AuditAction::parse(id).ok_or("There is no such action.")?),
            },
            day: match some(&self.day) {
                None => None,
                Some(day) => Some(day.parse().map_err(|_| "A day is written 2026-12-07.")?),
            },
        })
    }

    /// The same filter as a query string, for the export link.
    fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("who", &self.who),
            ("action", &self.action),
            ("day", &self.day),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        query.finish()
    }
}

pub async fn page<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Query(form): Query<Form>,
) -> Result<Response, Failure> {
    staff.require(Permission::ReadAudit)?;
    let log = read(&console, &staff, AuditAction::AuditViewed).await?;
    let mut people: Vec<String> = log.iter().map(|e| e.who.clone()).collect();
    people.sort();
    people.dedup();
    let (rows, error, shown_of) = match form.filter() {
        Ok(filter) => {
            let zone = &console.app.engine.knowledge().clinic.time_zone;
            let kept: Vec<&AuditEntry> = log
                .iter()
                .rev()
                .filter(|e| filter.matches(e, zone))
                .collect();
            let rows = kept
                .iter()
                .take(PAGE_ROWS)
                .map(|e| AuditRow {
                    at: clinic_time(&console, e.at),
                    who: e.who.clone(),
                    action: e.action.as_str(),
                    target: e.target.clone().unwrap_or_default(),
                    from: e.from.clone().unwrap_or_default(),
                })
                .collect();
            (rows, None, kept.len())
        }
        Err(why) => (Vec::new(), Some(why), 0),
    };
    let choice = |value: String, label: String, chosen: bool| AuditChoice {
        value,
        label,
        chosen,
    };
    Ok(pages::render(&pages::Audit {
        nav: staff.nav(),
        people: people
            .into_iter()
            .map(|p| choice(p.clone(), p.clone(), p == form.who.trim()))
            .collect(),
        actions: AuditAction::ALL
            .iter()
            .map(|a| {
                choice(
                    a.id().to_owned(),
                    a.as_str().to_owned(),
                    a.id() == form.action.trim(),
                )
            })
            .collect(),
        day: form.day.trim().to_owned(),
        error,
        matching: shown_of,
        rows,
        export: format!("/audit.csv?{}", form.query()),
    }))
}

pub async fn export<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Query(form): Query<Form>,
) -> Result<Response, Failure> {
    staff.require(Permission::ReadAudit)?;
    let filter = form.filter().map_err(Failure::Forbidden)?;
    let log = read(&console, &staff, AuditAction::AuditExported).await?;
    let zone = &console.app.engine.knowledge().clinic.time_zone;
    let csv = to_csv(log.iter().filter(|e| filter.matches(e, zone)), zone);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// The whole log, oldest first, after writing that `staff` read it.
async fn read<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    action: AuditAction,
) -> Result<Vec<AuditEntry>, Failure> {
    let now = console.app.clock.now();
    console.audit(staff.did(now, action)).await;
    Ok(console.blocking(|engine| engine.audit_log()).await??)
}
