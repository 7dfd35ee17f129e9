//! The staff console: a server-rendered site for the clinic's staff. Every
//! page is readable without JavaScript; the one script only adds live
//! updates of the inbox (server-sent events).
//!
//! - `auth`: log in and out, the [`auth::Staff`] extractor (a live
//!   session, or a redirect to the login page), login throttling;
//! - `guard`: security headers on every response, the origin check on
//!   every change, the CSRF token of forms;
//! - `inbox`: open tickets, one ticket, claim, reply and close, and "staff
//!   is writing" for a web patient;
//! - `screens`: health screens, their answers and FHIR download;
//! - `visits`: today's visits and the coming week's, with screen status;
//! - `events`: the live stream of inbox changes, resumable;
//! - `unanswered`: the questions the bot could not answer, and teaching
//!   it from them (a wording, out of scope, dismissed; undone);
//! - `audit`: the audit log for the admin, filtered, and its CSV export;
//! - `numbers`: the clinic's numbers for a period, as SVG charts and
//!   tables, and their CSV export;
//! - `pages`: the templates' data, one struct a page.

mod audit;
pub(crate) mod auth;
mod events;
mod guard;
mod inbox;
mod numbers;
pub(crate) mod pages;
mod screens;
mod unanswered;
mod visits;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use frontdesk_core::accounts::AuditEntry;
use frontdesk_core::{Engine, Store};
use frontdesk_shell::App;

use crate::Settings;
pub use events::{Hub, InboxEvent};
pub use guard::{headers as security_headers, own_origin};
pub use pages::render;

/// What every handler shares.
pub struct Console<S: Store> {
    pub app: Arc<App<S>>,
    pub settings: Settings,
    pub throttle: auth::Throttle,
    pub hub: Arc<Hub>,
    /// The web chat's live streams: told when staff write to a web patient.
    pub live: crate::chat::Live,
    /// A message for a session's next page ("Claimed #4."), by session.
    notices: Mutex<HashMap<String, String>>,
    /// Set when the server stops: live streams end.
    stopped: tokio::sync::watch::Receiver<bool>,
}

type Shared<S> = Arc<Console<S>>;

/// Notices waiting for their session's next page, at most.
const MAX_NOTICES: usize = 1000;

impl<S: Store> Console<S> {
    /// Runs engine work (store reads and writes) off the async workers.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine<S>) -> T + Send + 'static,
    ) -> Result<T, guard::Failure> {
        self.app
            .blocking(work)
            .await
            .ok_or(guard::Failure::Internal)
    }

    /// Writes an audit entry; a failure is logged (the action was done).
    async fn audit(&self, entry: AuditEntry) {
        let written = self.blocking(move |engine| engine.audit(&entry)).await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::error!("cannot write to the audit log");
        }
    }

    fn notice_for(&self, session: &str, text: String) {
        let mut notices = self.lock_notices();
        // A notice is taken by the next page; those of sessions that never
        // came back are dropped rather than kept for ever.
        if notices.len() >= MAX_NOTICES {
            notices.clear();
        }
        notices.insert(session.to_owned(), text);
    }

    fn take_notice(&self, session: &str) -> Option<String> {
        self.lock_notices().remove(session)
    }

    fn lock_notices(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.notices.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every console route, behind the security headers and the origin check.
pub fn router<S: Store>(
    app: Arc<App<S>>,
    settings: Settings,
    live: crate::chat::Live,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let hub = Arc::new(Hub::new());
    {
        let hub = hub.clone();
        let clock = app.clock.clone();
        app.router.watch_desk(move |delivery| {
            if let frontdesk_core::Delivery::Desk { event, receipt } = delivery {
                let alert = match receipt {
                    Some(frontdesk_core::Receipt::Alert { id }) => Some(id),
                    _ => None,
                };
                hub.publish_desk(&event, alert, clock.now());
            }
        });
    }
    let console: Shared<S> = Arc::new(Console {
        app,
        settings,
        throttle: auth::Throttle::default(),
        hub,
        live,
        notices: Mutex::default(),
        stopped,
    });
    Router::new()
        .route("/", get(inbox::home))
        .route("/login", get(auth::login_page).post(auth::log_in::<S>))
        .route("/logout", post(auth::log_out::<S>))
        .route("/inbox", get(inbox::inbox::<S>))
        .route("/tickets/{number}", get(inbox::ticket::<S>))
        .route("/tickets/{number}/reply", post(inbox::reply::<S>))
        .route("/tickets/{number}/typing", post(inbox::typing::<S>))
        .route("/tickets/{number}/{change}", post(inbox::change::<S>))
        .route("/visits", get(visits::page::<S>))
        .route("/visits/import", post(visits::import::<S>))
        .route("/visits/add", post(visits::add::<S>))
        .route("/visits/{id}/cancel", post(visits::cancel::<S>))
        .route("/visits/{id}/move", post(visits::move_visit::<S>))
        .route("/screens", get(screens::list::<S>))
        .route("/screens/{id}", get(screens::show::<S>))
        .route("/screens/{id}/fhir", get(screens::fhir::<S>))
        .route("/events", get(events::stream::<S>))
        .route("/unanswered", get(unanswered::page::<S>))
        .route("/unanswered/{id}/{decision}", post(unanswered::teach::<S>))
        .route("/unanswered/undo/{id}", post(unanswered::undo::<S>))
        .route("/audit", get(audit::page::<S>))
        .route("/audit.csv", get(audit::export::<S>))
        .route("/numbers", get(numbers::page::<S>))
        .route("/numbers.csv", get(numbers::export::<S>))
        .route("/assets/console.css", get(guard::stylesheet))
        .route("/assets/console.js", get(guard::script))
        .fallback(guard::not_found)
        .layer(axum::middleware::from_fn_with_state(
            console.clone(),
            guard::same_origin::<S>,
        ))
        .layer(axum::middleware::from_fn(guard::headers))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(console)
}
