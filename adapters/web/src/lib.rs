//! The web side of Frontdesk, an adapter like the chat platforms: HTTP in,
//! the engine's calls, HTML out. On one listener it serves the staff
//! console (log in, the live inbox of hand-off tickets, claiming and
//! answering them, the health screens for clinicians) and the patients'
//! web chat (a widget on the clinic's site, its panel and API).
//!
//! Layout:
//! - this file: [`Settings`] and [`run`], the listener;
//! - [`chat`]: the patients' web chat: the panel and widget, its API, the
//!   visitor's signed id;
//! - [`console`]: the console's routes, one file per feature (`auth`,
//!   `inbox`, `screens`, `events`), with the request guards (`guard`) and
//!   the pages (`pages`, templates in `templates/`, which escape by
//!   default);
//! - [`limit`]: the sliding-window counts behind login throttling and the
//!   web chat's limits;
//! - `assets/`: the console's one stylesheet and one script, served from
//!   the binary (a strict Content-Security-Policy allows nothing inline).
//!
//! Handlers only turn requests into engine calls (through the same
//! [`frontdesk_shell::App`] the chat adapters use) and results into pages.

pub mod chat;
pub mod console;
pub mod limit;

use std::net::SocketAddr;
use std::sync::Arc;

use frontdesk_core::Store;
use frontdesk_core::accounts::SessionLimits;

/// Why the web listener stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("the web listener failed: {0}")]
    Serve(std::io::Error),
}

/// How the console is reached and how long its sessions last.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (behind a TLS reverse proxy in production).
    pub listen: SocketAddr,
    /// The address staff type in the browser when it is not `listen`
    /// itself (behind a proxy: `https://clinic.example`). Requests that
    /// change anything must come from this origin.
    pub public_url: Option<url::Url>,
    pub sessions: SessionLimits,
    pub chat: ChatLimits,
    /// Changes the knowledge folder from the unanswered-questions page;
    /// without one the page lists and dismisses only.
    pub teacher: Option<Arc<dyn frontdesk_core::Teacher>>,
}

impl Settings {
    pub fn new(listen: SocketAddr) -> Settings {
        Settings {
            listen,
            public_url: None,
            sessions: SessionLimits::default(),
            chat: ChatLimits::default(),
            teacher: None,
        }
    }
}

/// Limits on the web chat, against abuse (the 2,000-character cap on a
/// message is the same on every platform, [`chat::MAX_CHARS`]).
#[derive(Debug, Clone, Copy)]
pub struct ChatLimits {
    /// New visitors from one address in an hour.
    pub new_visitors_per_address: usize,
    /// Messages from one visitor in a minute.
    pub messages_per_visitor: usize,
}

impl Default for ChatLimits {
    fn default() -> Self {
        ChatLimits {
            new_visitors_per_address: 20,
            // The health screen is some twenty questions, answered by
            // buttons as fast as a patient reads.
            messages_per_visitor: 60,
        }
    }
}

/// Serves the console until `stop` completes. `bound` is told the address
/// actually bound (port 0 picks one).
pub async fn run<S: Store>(
    app: Arc<frontdesk_shell::App<S>>,
    settings: Settings,
    bound: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| WebError::Bind {
            address: settings.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(WebError::Serve)?;
    let mut settings = settings;
    settings.listen = address;
    bound(address);
    tracing::info!(%address, "staff console listening");
    // Live streams end on the stop signal too, so that the graceful
    // shutdown does not wait for browsers that keep them open.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let live = chat::Live::default();
    let router = console::router(app.clone(), settings.clone(), live.clone(), stopped.clone())
        .merge(chat::router(app, settings, live, stopped.clone()))
        .layer(axum::middleware::from_fn(console::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024));
    tokio::spawn(async move {
        stop.await;
        let _ = stopping.send(true);
    });
    let mut stopped = stopped;
    // Live streams send a few small writes at once: no waiting for the
    // browser's acknowledgement before each (Nagle's delay, some 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|s| *s).await;
    })
    .await
    .map_err(WebError::Serve)
}
