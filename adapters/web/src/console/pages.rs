//! The pages' data: one struct a template (in `templates/`), holding text
//! already formatted for staff. Askama escapes every value in an HTML
//! template, so whatever a patient wrote is shown as text.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Renders a page, or says it could not.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
                .into_response()
        }
    }
}

/// The header of every page once logged in.
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    /// The session's token, for the forms.
    pub csrf: String,
    /// Whether the audit log is theirs to read (the admin).
    pub audit: bool,
    /// Whether the Numbers page is theirs to read (clinician, admin).
    pub numbers: bool,
    /// Whether the unanswered questions are theirs to teach from
    /// (clinician, admin).
    pub teach: bool,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub error: Option<&'static str>,
}

/// One open ticket in the inbox.
pub struct TicketRow {
    pub number: u64,
    pub patient: String,
    pub platform: &'static str,
    pub language: &'static str,
    pub reason: &'static str,
    pub alerts: Vec<String>,
    pub opened: String,
    pub waiting_minutes: i64,
    pub claimed_by: Option<String>,
    /// The conversation's latest message, either side.
    pub last: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub struct Inbox {
    pub nav: Nav,
    pub notice: Option<String>,
    pub live: InboxLive,
    /// The last live event before the page was read, to follow on from.
    pub seen: u64,
}

/// The part of the inbox the script refreshes, alone.
#[derive(Template)]
#[template(path = "inbox_live.html")]
pub struct InboxPart<'a> {
    pub live: &'a InboxLive,
}

/// The part of the inbox the script refreshes.
pub struct InboxLive {
    pub total: usize,
    pub rows: Vec<TicketRow>,
    /// Emergency and urgent answers since the bot started, newest first.
    pub alerts: Vec<AlertRow>,
}

pub struct AlertRow {
    pub at: String,
    pub emergency: bool,
    pub text: String,
}

/// A line of a ticket's conversation.
pub struct LineView {
    pub who: String,
    pub from_patient: bool,
    pub text: String,
    pub at: String,
    pub in_doubt: bool,
}

#[derive(Template)]
#[template(path = "ticket.html")]
pub struct TicketPage {
    pub nav: Nav,
    pub notice: Option<String>,
    pub live: TicketLive,
    pub seen: u64,
}

/// The part of a ticket's page the script refreshes, alone.
#[derive(Template)]
#[template(path = "ticket_live.html")]
pub struct TicketPart<'a> {
    pub live: &'a TicketLive,
}

/// The part of a ticket's page the script refreshes.
pub struct TicketLive {
    pub row: TicketRow,
    pub chat: String,
    pub closed: bool,
    /// The bot's messages before the hand-off.
    pub recent: Vec<String>,
    pub lines: Vec<LineView>,
    pub can_claim: bool,
    pub can_reply: bool,
    pub csrf: String,
}

pub struct ScreenRow {
    /// For the address of its page, when the reader may open it.
    pub id: Option<String>,
    pub chat: String,
    pub completed: String,
    pub outcome: &'static str,
    pub flags: String,
    pub language: &'static str,
}

pub struct UnfinishedRow {
    pub started: String,
    pub answers: usize,
    pub language: &'static str,
}

#[derive(Template)]
#[template(path = "screens.html")]
pub struct Screens {
    pub nav: Nav,
    pub done: Vec<ScreenRow>,
    pub unfinished: Vec<UnfinishedRow>,
    pub can_open: bool,
}

pub struct AnswerView {
    pub question: String,
    pub answer: String,
    pub detail: Option<String>,
}

#[derive(Template)]
#[template(path = "screen.html")]
pub struct ScreenPage {
    pub nav: Nav,
    pub row: ScreenRow,
    pub started: String,
    pub answers: Vec<AnswerView>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct Audit {
    pub nav: Nav,
    pub people: Vec<AuditChoice>,
    pub actions: Vec<AuditChoice>,
    pub day: String,
    /// What is wrong with the filter, if anything.
    pub error: Option<&'static str>,
    /// How many entries match (the page shows at most 500).
    pub matching: usize,
    pub rows: Vec<AuditRow>,
    /// The CSV export of the same filter.
    pub export: String,
}

/// One option of a filter's list.
pub struct AuditChoice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub struct AuditRow {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub target: String,
    pub from: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
pub struct Visits {
    pub nav: Nav,
    /// What the last change did ("Ana is booked; their link code is …").
    pub notice: Option<String>,
    /// Days with visits, soonest first.
    pub days: Vec<VisitDay>,
    /// What an upload just did.
    pub imported: Option<Imported>,
}

/// The outcome of a calendar upload.
#[derive(Debug, Default)]
pub struct Imported {
    /// Rows that could not be read (nothing was imported), with file and line.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Cancelled events of an iCalendar file, left out.
    pub cancelled: usize,
    /// "Imported 3 new, 1 already there."
    pub summary: Option<String>,
}

pub struct VisitDay {
    /// "Tuesday, December 1" in the clinic's convention.
    pub day: String,
    pub visits: Vec<VisitRow>,
}

pub struct VisitRow {
    /// The appointment's id, for its cancel button.
    pub id: String,
    pub time: String,
    pub patient: String,
    pub needling: bool,
    pub cancelled: bool,
    /// Where the health screen stands ("screen not started", "no flags"…).
    pub screen: &'static str,
    /// The platform of the linked chat.
    pub linked: Option<String>,
    /// The code that links the patient's chat, while none is linked.
    pub code: String,
    /// Links that open the bot with the code, by platform (Telegram's
    /// `t.me/<bot>?start=` once its adapter runs).
    pub links: Vec<(String, String)>,
    /// The start as a `datetime-local` value, for moving it.
    pub start: String,
}

#[derive(Template)]
#[template(path = "numbers.html")]
pub struct Numbers {
    pub nav: Nav,
    /// What is wrong with the chosen period (the default one is shown).
    pub error: Option<&'static str>,
    pub from: String,
    pub to: String,
    /// The CSV export of the same period.
    pub export: String,
    pub conversations: u64,
    pub messages: u64,
    pub messages_chart: Chart,
    pub conversations_chart: Chart,
    pub languages: Vec<LanguageRow>,
    pub topics_chart: Chart,
    pub emergencies: Vec<CountRow>,
    pub urgent: Vec<CountRow>,
    pub handoffs: u64,
    pub first_replies: usize,
    /// The median time to the first staff reply ("12 min", or "–").
    pub first_reply: String,
    pub closed: usize,
    pub close: String,
    pub screens: Vec<CountRow>,
    pub reminders_sent: u64,
    pub reminders_confirmed: u64,
}

/// A bar chart drawn on the server: its bars' places and sizes in the
/// SVG's units.
pub struct Chart {
    /// The SVG's id (`chart-messages`).
    pub id: &'static str,
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// Bars lie along rows, labels on their left (else columns, labels
    /// under).
    pub rows: bool,
}

pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub count: u64,
    /// A day ("Mar 2") or a topic id: never a patient's words.
    pub label: String,
    /// Where the label is written, when it is.
    pub tick: Option<(f64, f64)>,
}

/// One language's share of answers, questions back and fallbacks.
pub struct LanguageRow {
    pub language: String,
    pub messages: u64,
    pub answered: String,
    pub asked_back: String,
    pub fell_back: String,
}

/// A category and its count.
pub struct CountRow {
    pub label: String,
    pub count: u64,
}

/// A topic to choose for a wording.
pub struct TopicChoice {
    pub id: String,
    pub question: String,
}

/// One group of near-identical unanswered questions.
pub struct QuestionRow {
    pub id: i64,
    /// The newest wording: the question alone, shown as text.
    pub text: String,
    pub count: usize,
    pub last_seen: String,
    pub spanish: bool,
    /// The topic the bot finds it most like, pre-selected.
    pub guess: Option<String>,
    pub guess_question: Option<String>,
    /// How sure, in percent.
    pub sure: u8,
}

/// A recent change made from the page.
pub struct LessonRow {
    pub id: i64,
    pub at: String,
    pub by: String,
    pub what: String,
    pub undone: bool,
}

#[derive(Template)]
#[template(path = "unanswered.html")]
pub struct Unanswered {
    pub nav: Nav,
    pub notice: Option<String>,
    pub questions: Vec<QuestionRow>,
    /// Older groups not listed (settle the newest first).
    pub more: usize,
    pub topics: Vec<TopicChoice>,
    pub lessons: Vec<LessonRow>,
}
