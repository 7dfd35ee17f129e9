//! The day's visits and the coming week's, in the clinic's time and
//! convention, each with where its health screen stands and whether the
//! patient's chat is linked (or the code that links it). Every role sees
//! it: the desk runs the day from it.

use axum::extract::State;
use axum::response::Response;
use frontdesk_core::Store;
use frontdesk_core::appointments::Status;

use super::Shared;
use super::auth::Staff;
use super::guard::Failure;
use super::pages::{self, VisitDay, VisitRow};

/// Today and the six days after it.
const DAYS: i64 = 7;

pub async fn page<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
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
            time: start.strftime("%H:%M").to_string(),
            patient: visit.patient,
            needling: visit.needling,
            cancelled,
            screen: if cancelled {
                "cancelled"
            } else {
                screen.as_str()
            },
            linked: visit.chat.map(|c| c.platform().to_string()),
            code: visit.link_code,
        };
        if let Some(d) = days.last_mut() {
            d.visits.push(row);
        }
    }
    Ok(pages::render(&pages::Visits {
        nav: staff.nav(),
        days,
    }))
}
