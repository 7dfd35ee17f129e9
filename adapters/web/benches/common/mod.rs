//! What the console's benchmarks share: the console over an engine, as
//! `serve` builds it, and a logged-in session.

use std::sync::Arc;

use axum::Router as Console;
use axum::body::Body;
use axum::http::{Request, header};
use frontdesk_core::{Clock, Engine, Router, SledStore, SystemClock};
use tower::ServiceExt;

/// The console's router over `engine`, on the address the benchmarks use,
/// with the app its handlers hold.
pub fn console(engine: &Arc<Engine<SledStore>>) -> (Console, Arc<frontdesk_shell::App<SledStore>>) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = Arc::new(frontdesk_shell::App {
        engine: engine.clone(),
        clock,
        router: Arc::new(Router::default()),
    });
    let settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Never stopped: the console lives as long as the benchmark.
    std::mem::forget(stop);
    let console = frontdesk_web::console::router(
        app.clone(),
        settings,
        frontdesk_web::chat::Live::default(),
        stopped,
    );
    (console, app)
}

/// Logs `name` in with "a long password"; the session's cookie.
pub async fn log_in(console: &Console, name: &str) -> String {
    let login = Request::post("/login")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name={name}&password=a+long+password")))
        .unwrap();
    let response = console.clone().oneshot(login).await.unwrap();
    response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
