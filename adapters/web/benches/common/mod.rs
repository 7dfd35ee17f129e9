//! What the console's benchmarks share: the console over an engine, as
//! `serve` builds it, a logged-in session, timing a page, and the report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router as Console;
use axum::body::Body;
use axum::http::{Request, header};
use frontdesk_core::{Clock, Engine, Router, SledStore, SystemClock};
use http_body_util::BodyExt;
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

/// Times `runs` GETs of `uri` with the session `cookie`, each from request
/// to whole body, checking each answer is a page of at least `min_bytes`.
pub async fn time_page(
    console: &Console,
    cookie: &str,
    uri: &str,
    min_bytes: usize,
    runs: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let request = Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let started = Instant::now();
        let response = console.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_success());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        times.push(started.elapsed());
        assert!(body.len() > min_bytes);
    }
    times
}

/// Prints the median, p99 and maximum of `times`.
pub fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        times.len()
    );
}
