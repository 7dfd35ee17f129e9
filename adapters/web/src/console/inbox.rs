//! The inbox: open tickets oldest first, one ticket with its conversation,
//! and claim, reply and close. Actions go through the same engine call as
//! the Telegram and Discord desks ([`frontdesk_shell::App::staff`]), and
//! what they produce is routed the same way.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_core::accounts::{AuditAction, Permission};
use frontdesk_core::handoff::{Speaker, StaffAction, Ticket, TicketStatus};
use frontdesk_core::{HandoffReason, Locale, Store};
use serde::Deserialize;

use super::auth::Staff;
use super::guard::{self, Failure};
use super::pages::{self, LineView, TicketRow};
use super::{Console, Shared};

/// The most tickets the inbox lists (the oldest; the count says how many).
const SHOWN: usize = 200;

/// The longest reply, as for patients' messages.
const MAX_REPLY: usize = 2000;

#[derive(Deserialize)]
pub struct Part {
    part: Option<String>,
}

impl Part {
    fn live(&self) -> bool {
        self.part.as_deref() == Some("live")
    }
}

pub async fn home() -> Redirect {
    Redirect::to("/inbox")
}

pub async fn inbox<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Query(part): Query<Part>,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    // Taken before the store is read: the page's live stream starts here,
    // so a ticket opened meanwhile is not missed.
    let seen = console.hub.latest();
    let (total, tickets) = console
        .blocking(|engine| engine.open_tickets_page(SHOWN))
        .await??;
    let now = console.app.clock.now();
    let rows = tickets.iter().map(|t| row(&console, t, now)).collect();
    let alerts = console
        .hub
        .recent_alerts()
        .into_iter()
        .map(|a| pages::AlertRow {
            at: clinic_time(&console, a.at),
            emergency: a.emergency,
            text: a.text,
        })
        .collect();
    let live = pages::InboxLive {
        total,
        rows,
        alerts,
    };
    if part.live() {
        return Ok(pages::render(&pages::InboxPart { live: &live }));
    }
    let notice = console.take_notice(&staff.key());
    Ok(pages::render(&pages::Inbox {
        nav: staff.nav(),
        notice,
        live,
        seen,
    }))
}

pub async fn ticket<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(number): Path<u64>,
    Query(part): Query<Part>,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    let seen = console.hub.latest();
    let ticket = console
        .blocking(move |engine| engine.ticket(number))
        .await??
        .ok_or(Failure::NotFound)?;
    let now = console.app.clock.now();
    let live = ticket_live(&console, &staff, &ticket, now);
    if part.live() {
        return Ok(pages::render(&pages::TicketPart { live: &live }));
    }
    console
        .audit(
            staff
                .did(now, AuditAction::TicketViewed)
                .on(format!("ticket #{number}")),
        )
        .await;
    let notice = console.take_notice(&staff.key());
    Ok(pages::render(&pages::TicketPage {
        nav: staff.nav(),
        notice,
        live,
        seen,
    }))
}

#[derive(Deserialize)]
pub struct ActionForm {
    /// Missing, it is empty and refused as a wrong token (403).
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// What a button on a ticket's page asks for, besides a reply.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Claim,
    /// Closes the ticket: the patient is back with the bot.
    Close,
}

pub async fn change<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path((number, change)): Path<(u64, Change)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, Failure> {
    guard::csrf(&staff.session, &form.csrf)?;
    let (action, audited) = match change {
        Change::Claim => (StaffAction::Claim(number), AuditAction::TicketClaimed),
        Change::Close => (StaffAction::Close(number), AuditAction::TicketClosed),
    };
    act(&console, &staff, number, action, audited).await
}

pub async fn reply<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(number): Path<u64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, Failure> {
    guard::csrf(&staff.session, &form.csrf)?;
    let text = form.text.trim();
    let refuse = |notice: &str| {
        console.notice_for(&staff.key(), notice.to_owned());
        Ok(Redirect::to(&format!("/tickets/{number}")).into_response())
    };
    if text.is_empty() {
        return refuse("Write a reply first.");
    }
    if text.chars().count() > MAX_REPLY {
        return refuse("That reply is too long: keep it under 2,000 characters.");
    }
    // A platform that is not connected cannot take the reply: say so now
    // rather than lose it.
    let chat = console
        .blocking(move |engine| engine.ticket(number))
        .await??
        .map(|t| t.chat);
    if let Some(chat) = chat.filter(|c| !console.app.router.serves(c.platform())) {
        let notice = format!(
            "Not sent: {} is not connected to the bot right now.",
            chat.platform()
        );
        return refuse(&notice);
    }
    let action = StaffAction::Reply(number, text.to_owned());
    act(&console, &staff, number, action, AuditAction::TicketReplied).await
}

/// `POST /tickets/{n}/typing`: a staff member is writing a reply; a web
/// patient's panel shows it. Nothing is stored. 204.
pub async fn typing<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Path(number): Path<u64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, Failure> {
    guard::csrf(&staff.session, &form.csrf)?;
    let ticket = console
        .blocking(move |engine| engine.ticket(number))
        .await??;
    if let Some(ticket) = ticket.filter(|t| !t.is_closed()) {
        console.live.typing(&ticket.chat);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Carries out a staff action as any desk does, records it, and shows the
/// ticket again with what the engine answered.
async fn act<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    number: u64,
    action: StaffAction,
    audited: AuditAction,
) -> Result<Response, Failure> {
    staff.require(Permission::WorkTickets)?;
    let response = console.app.staff(staff.actor(), action).await;
    let notice = response.to_staff.join(" ");
    let changed = !response.to_patients.is_empty() || !response.desk.is_empty();
    console.app.after_staff(response);
    if changed {
        let now = console.app.clock.now();
        console
            .audit(staff.did(now, audited).on(format!("ticket #{number}")))
            .await;
        // A reply makes no desk event: the console's own pages hear of it.
        console.hub.publish("ticket", Some(number));
    }
    console.notice_for(&staff.key(), notice);
    Ok(Redirect::to(&format!("/tickets/{number}")).into_response())
}

fn row<S: Store>(console: &Console<S>, t: &Ticket, now: jiff::Timestamp) -> TicketRow {
    let last = t
        .transcript
        .last()
        .map(|l| l.text.clone())
        .or_else(|| t.recent.last().cloned());
    TicketRow {
        number: t.number,
        patient: t.patient.clone(),
        platform: t.chat.platform().as_str(),
        language: language(t.locale),
        reason: reason(t.reason),
        alerts: t.alerts.iter().map(|a| a.label()).collect(),
        opened: clinic_time(console, t.opened),
        waiting_minutes: now.duration_since(t.opened).as_mins(),
        claimed_by: t.claimed_by().map(str::to_owned),
        last,
    }
}

fn ticket_live<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    t: &Ticket,
    now: jiff::Timestamp,
) -> pages::TicketLive {
    let actor = staff.actor();
    let mine = t.is_claimed_by(&actor, console.app.engine.knowledge().desk());
    let mut row = row(console, t, now);
    if t.emergency && row.alerts.is_empty() {
        row.alerts.push("emergency".into());
    }
    pages::TicketLive {
        row,
        chat: t.chat.to_string(),
        closed: t.is_closed(),
        recent: t.recent.clone(),
        lines: t
            .transcript
            .iter()
            .map(|l| LineView {
                who: match &l.from {
                    Speaker::Patient => "Patient".to_owned(),
                    Speaker::Staff(name) => name.clone(),
                },
                from_patient: l.from == Speaker::Patient,
                text: l.text.clone(),
                at: clinic_time(console, l.at),
                in_doubt: l.in_doubt,
            })
            .collect(),
        can_claim: !mine,
        can_reply: mine || t.status == TicketStatus::Open,
        csrf: staff.session.csrf.clone(),
    }
}

/// A moment in the clinic's time zone and convention ("Fri Dec 4 2026,
/// 3:07 PM").
pub fn clinic_time<S: Store>(console: &Console<S>, at: jiff::Timestamp) -> String {
    console.app.engine.knowledge().clinic.show(at)
}

pub fn language(locale: Option<Locale>) -> &'static str {
    match locale {
        Some(Locale::En) => "English",
        Some(Locale::Es) => "Spanish",
        None => "language unknown",
    }
}

fn reason(reason: HandoffReason) -> &'static str {
    match reason {
        HandoffReason::Asked => "asked for a person",
        HandoffReason::Unanswered => "the bot could not answer",
        HandoffReason::Screen => "could not finish the health screen",
        HandoffReason::Reschedule => "wants to move an appointment",
    }
}
