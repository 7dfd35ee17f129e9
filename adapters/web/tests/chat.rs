//! The web chat's API without a browser: a first message makes a visitor,
//! replies come from the chat's mailbox as numbered events, a resend is
//! taken once, a forged visitor is refused, and a staff reply reaches the
//! web patient through the router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use frontdesk_core::handoff::{Actor, StaffAction};
use frontdesk_core::{ChatKey, Knowledge, MemoryStore, Platform, SystemClock};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:8080";

type App = frontdesk_shell::App<MemoryStore>;

fn chat() -> (Router, Arc<App>, tokio::sync::watch::Sender<bool>) {
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    let knowledge = Arc::new(Knowledge::load(&faq).unwrap());
    let app = Arc::new(frontdesk_shell::App {
        engine: Arc::new(frontdesk_core::Engine::new(
            MemoryStore::default(),
            knowledge,
        )),
        clock: Arc::new(SystemClock),
        router: Arc::new(frontdesk_core::Router::default()),
    });
    let settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    (
        frontdesk_web::chat::router(app.clone(), settings, stopped),
        app,
        stop,
    )
}

async fn send(router: &Router, body: Value, origin: &str) -> (StatusCode, Value) {
    let request = Request::post("/chat/api/messages")
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The events a stream gives at once (what is in the mailbox after `after`).
async fn events(router: &Router, visitor: &str, after: u64) -> (StatusCode, Vec<Value>) {
    let request = Request::get(format!("/chat/api/events?visitor={visitor}&after={after}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    if !status.is_success() {
        return (status, Vec::new());
    }
    let mut body = response.into_body();
    let mut text = String::new();
    // What is there is sent at once; then the stream waits.
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(std::time::Duration::from_millis(300), body.frame()).await
    {
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let shown = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    (status, shown)
}

#[tokio::test]
async fn a_first_message_makes_a_visitor_whose_replies_come_numbered_and_once() {
    let (router, _, _stop) = chat();
    let (status, taken) = send(&router, json!({"seq": 1, "text": "does it hurt?"}), ORIGIN).await;
    assert_eq!(status, StatusCode::OK);
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let (_, shown) = events(&router, &visitor, 0).await;
    assert!(!shown.is_empty());
    assert_eq!(shown[0]["number"], 1);
    let first = shown.len();

    // The same message again (a resend after a network error): taken once.
    let again = json!({"visitor": visitor, "seq": 1, "text": "does it hurt?"});
    let (status, _) = send(&router, again, ORIGIN).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(events(&router, &visitor, 0).await.1.len(), first);

    // From the last number shown, only what is new.
    let next = json!({"visitor": visitor, "seq": 2, "text": "how much is it"});
    send(&router, next, ORIGIN).await;
    let (_, new) = events(&router, &visitor, first as u64).await;
    assert!(!new.is_empty());
    assert_eq!(new[0]["number"], first as u64 + 1);
}

#[tokio::test]
async fn a_forged_visitor_another_origin_or_a_long_message_is_refused() {
    let (router, _, _stop) = chat();
    let (_, taken) = send(&router, json!({"seq": 1, "text": "hello"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap();
    let forged = format!("{}x", &visitor[..visitor.len() - 1]);
    assert_eq!(events(&router, &forged, 0).await.0, StatusCode::FORBIDDEN);
    let (_, renewed) = send(
        &router,
        json!({"visitor": forged, "seq": 2, "text": "hi"}),
        ORIGIN,
    )
    .await;
    assert_ne!(
        renewed["visitor"], taken["visitor"],
        "a forged id starts anew"
    );

    let (status, _) = send(
        &router,
        json!({"seq": 1, "text": "hi"}),
        "https://evil.example",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let long = "a".repeat(2001);
    let (status, _) = send(&router, json!({"seq": 1, "text": long}), ORIGIN).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_staff_reply_reaches_the_web_patient_through_the_router() {
    let (router, app, _stop) = chat();
    let (_, taken) = send(&router, json!({"seq": 1, "text": "/human"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let before = events(&router, &visitor, 0).await.1.len();
    let staff = Actor {
        platform: Platform::Console,
        user_id: "maria".into(),
        roles: Vec::new(),
        display_name: "maria".into(),
    };
    let now = jiff::Timestamp::now();
    let ticket = app.engine.open_tickets().unwrap()[0].clone();
    assert_eq!(ticket.chat.platform(), Platform::Web);
    for action in [
        StaffAction::Claim(ticket.number),
        StaffAction::Reply(ticket.number, "Hello from the desk".into()),
    ] {
        let response = app.engine.handle_staff(&staff, &action, now).unwrap();
        app.after_staff(response);
    }
    let mut shown = Vec::new();
    for _ in 0..50 {
        shown = events(&router, &visitor, before as u64).await.1;
        if !shown.is_empty() {
            break;
        }
    }
    assert!(
        shown[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("Hello from the desk"),
        "{shown:?}"
    );
    let chat = ChatKey::new(Platform::Web, ticket.chat.id()).unwrap();
    assert_eq!(
        app.engine.mailbox_after(&chat, 0).unwrap().len(),
        before + 1
    );
}

#[tokio::test]
async fn more_than_thirty_messages_a_minute_from_one_address_are_refused() {
    let (router, _, _stop) = chat();
    let (_, taken) = send(&router, json!({"seq": 1, "text": "hello"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let mut statuses = Vec::new();
    for seq in 2..=frontdesk_web::chat::MESSAGES_PER_ADDRESS as u64 + 1 {
        let body = json!({"visitor": visitor, "seq": seq, "text": "ok"});
        statuses.push(send(&router, body, ORIGIN).await.0);
    }
    assert!(
        statuses[..statuses.len() - 1]
            .iter()
            .all(|s| *s == StatusCode::OK)
    );
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
}
