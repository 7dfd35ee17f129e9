//! The web chat's API without a browser: a first message makes a visitor,
//! the patient's lines and the replies come from the chat's mailbox as
//! numbered events, a resend is taken once, a forged visitor or a foreign
//! page is refused, a staff reply and "staff is writing" reach the web
//! patient, the limits hold, and "start over" forgets the chat.

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

struct Chat {
    router: Router,
    app: Arc<App>,
    live: frontdesk_web::chat::Live,
    _stop: tokio::sync::watch::Sender<bool>,
}

fn chat() -> (Router, Arc<App>, tokio::sync::watch::Sender<bool>) {
    let chat = chat_with(frontdesk_web::ChatLimits::default());
    (chat.router, chat.app, chat._stop)
}

fn chat_with(limits: frontdesk_web::ChatLimits) -> Chat {
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
    let mut settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    settings.chat = limits;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let live = frontdesk_web::chat::Live::default();
    Chat {
        router: frontdesk_web::chat::router(app.clone(), settings, live.clone(), stopped),
        app,
        live,
        _stop: stop,
    }
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
    let (status, text) = stream(router, visitor, after, None).await;
    let shown = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    (status, shown)
}

/// What a live stream sends at once, as text, from a page on `origin`.
async fn stream(
    router: &Router,
    visitor: &str,
    after: u64,
    origin: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::get(format!("/chat/api/events?visitor={visitor}&after={after}"));
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let request = request.body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    if !status.is_success() {
        return (status, String::new());
    }
    (status, read_now(response).await)
}

/// A whole response body, as text.
async fn body_text(response: axum::response::Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// What a live stream sends at once (then it waits).
async fn read_now(response: axum::response::Response) -> String {
    let mut body = response.into_body();
    let mut text = String::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(std::time::Duration::from_millis(300), body.frame()).await
    {
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    text
}

#[tokio::test]
async fn a_first_message_makes_a_visitor_whose_lines_come_numbered_and_once() {
    let (router, _, _stop) = chat();
    let (status, taken) = send(&router, json!({"seq": 1, "text": "does it hurt?"}), ORIGIN).await;
    assert_eq!(status, StatusCode::OK);
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let (_, shown) = events(&router, &visitor, 0).await;
    assert_eq!(shown[0]["number"], 1);
    assert_eq!(shown[0]["from"], "patient", "the patient's own line first");
    assert_eq!(shown[0]["text"], "does it hurt?");
    assert!(shown.len() >= 2 && shown[1..].iter().all(|s| s["from"] == "clinic"));
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
    assert_eq!(new[0]["number"], first as u64 + 1);
    assert_eq!(new[0]["text"], "how much is it");
    assert_eq!(new[1]["from"], "clinic");
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
async fn over_a_visitors_message_limit_or_an_addresss_new_visitor_limit_the_chat_refuses() {
    let chat = chat_with(frontdesk_web::ChatLimits {
        new_visitors_per_address: 2,
        messages_per_visitor: 3,
    });
    let router = &chat.router;
    let (_, taken) = send(router, json!({"seq": 1, "text": "hello"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let mut statuses = Vec::new();
    for seq in 2..=4 {
        let body = json!({"visitor": visitor, "seq": seq, "text": "ok"});
        statuses.push(send(router, body, ORIGIN).await.0);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let refused = events(router, &visitor, 0).await.1;
    assert!(
        !refused.iter().any(|s| s["number"] == 7),
        "the refused message was not taken: {refused:?}"
    );

    // One more visitor from the address, and no third.
    let (status, _) = send(router, json!({"seq": 1, "text": "hi"}), ORIGIN).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(router, json!({"seq": 1, "text": "hi"}), ORIGIN).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "too many new visitors");
}

#[tokio::test]
async fn a_live_stream_is_refused_to_a_page_on_an_origin_the_clinic_did_not_list() {
    let (router, _, _stop) = chat();
    let (_, taken) = send(&router, json!({"seq": 1, "text": "hello"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap();
    let from = |origin| stream(&router, visitor, 0, origin);
    assert_eq!(
        from(Some("https://evil.example")).await.0,
        StatusCode::FORBIDDEN
    );
    // faq/clinic.toml lists this site.
    let (status, text) = from(Some("https://bayside-physio.example")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("hello"));
    assert_eq!(from(Some(ORIGIN)).await.0, StatusCode::OK);
    assert_eq!(from(None).await.0, StatusCode::OK, "same origin sends none");
}

#[tokio::test]
async fn staff_writing_to_a_web_patient_shows_on_their_stream_and_on_no_other() {
    let chat = chat_with(frontdesk_web::ChatLimits::default());
    let router = &chat.router;
    let mut visitors = Vec::new();
    for _ in 0..2 {
        let (_, taken) = send(router, json!({"seq": 1, "text": "hello"}), ORIGIN).await;
        visitors.push(taken["visitor"].as_str().unwrap().to_owned());
    }
    let open = |visitor: &str| {
        let request = Request::get(format!("/chat/api/events?visitor={visitor}&after=99"))
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request)
    };
    let (one, other) = (
        open(&visitors[0]).await.unwrap(),
        open(&visitors[1]).await.unwrap(),
    );
    // The visitor's chat: its id is the token's part before the first dot.
    let id = visitors[0].split('.').next().unwrap();
    chat.live.typing(&ChatKey::new(Platform::Web, id).unwrap());
    assert!(read_now(one).await.contains("event: typing"));
    assert!(!read_now(other).await.contains("event: typing"));
}

#[tokio::test]
async fn starting_over_forgets_the_chat_and_only_from_the_chats_own_page() {
    let chat = chat_with(frontdesk_web::ChatLimits::default());
    let router = &chat.router;
    let (_, taken) = send(router, json!({"seq": 1, "text": "/human"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    assert_eq!(chat.app.engine.open_tickets().unwrap().len(), 1);
    let start_over = |origin: &'static str, visitor: String| {
        let request = Request::post("/chat/api/start-over")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "visitor": visitor }).to_string()))
            .unwrap();
        router.clone().oneshot(request)
    };
    let refused = start_over("https://evil.example", visitor.clone())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(!events(router, &visitor, 0).await.1.is_empty());

    let done = start_over(ORIGIN, visitor.clone()).await.unwrap();
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert!(
        events(router, &visitor, 0).await.1.is_empty(),
        "the mailbox is gone"
    );
    assert!(
        chat.app.engine.open_tickets().unwrap().is_empty(),
        "its ticket closed"
    );
    let id = visitor.split('.').next().unwrap();
    let key = ChatKey::new(Platform::Web, id).unwrap();
    assert!(chat.app.engine.conversation(&key).unwrap().is_none());
    let forged = start_over(ORIGIN, "nobody.0.x".into()).await.unwrap();
    assert_eq!(forged.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_panel_speaks_the_browsers_language_with_the_words_of_messages_toml() {
    let (router, app, _stop) = chat();
    let page = |lang: &'static str| {
        let request = Request::get(format!("/chat/?lang={lang}"))
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request)
    };
    let response = page("es-MX").await.unwrap();
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'self' https://bayside-physio.example"));
    let html = body_text(response).await;
    let knowledge = app.engine.knowledge();
    let spanish = knowledge.messages(frontdesk_core::Locale::Es);
    assert!(html.contains("lang=\"es\""));
    assert!(html.contains(&spanish.chat_send), "{html}");
    assert!(html.contains(&spanish.chat_start_over));
    let english = body_text(page("fr").await.unwrap()).await;
    let words = knowledge.messages(frontdesk_core::Locale::En);
    assert!(english.contains(&words.chat_send) && english.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_staff_member_typing_in_the_console_shows_on_the_web_patients_stream() {
    use frontdesk_core::accounts::{AccountName, Password, Role};
    let chat = chat_with(frontdesk_web::ChatLimits::default());
    let name = AccountName::parse("maria").unwrap();
    let password = Password::parse("a long password").unwrap();
    let now = jiff::Timestamp::now();
    chat.app
        .engine
        .add_account(&name, Role::Desk, &password, now)
        .unwrap();
    let settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let console =
        frontdesk_web::console::router(chat.app.clone(), settings, chat.live.clone(), stopped);
    let (_, taken) = send(&chat.router, json!({"seq": 1, "text": "/human"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();

    let form = |path: &str, cookie: Option<&str>, body: String| {
        let mut request = Request::post(path)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        console
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
    };
    let login = form("/login", None, "name=maria&password=a+long+password".into())
        .await
        .unwrap();
    let cookie = login.headers()[header::SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = Request::get("/tickets/1")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let page = console.clone().oneshot(page).await.unwrap();
    let html = body_text(page).await;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();

    let request = Request::get(format!("/chat/api/events?visitor={visitor}&after=99"))
        .body(Body::empty())
        .unwrap();
    let stream = chat.router.clone().oneshot(request).await.unwrap();
    let refused = form("/tickets/1/typing", Some(&cookie), "csrf=wrong".into())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let typing = form("/tickets/1/typing", Some(&cookie), format!("csrf={csrf}"))
        .await
        .unwrap();
    assert_eq!(typing.status(), StatusCode::NO_CONTENT);
    let text = read_now(stream).await;
    assert_eq!(text.matches("event: typing").count(), 1, "{text}");
}

#[tokio::test]
async fn a_resend_in_the_health_screen_even_at_the_same_moment_is_answered_once() {
    let (router, _, _stop) = chat();
    let (_, taken) = send(&router, json!({"seq": 1, "text": "/screen"}), ORIGIN).await;
    let visitor = taken["visitor"].as_str().unwrap().to_owned();
    let consent = json!({"visitor": visitor, "seq": 2, "choice": "ans:consent:yes"});
    let (one, two) = tokio::join!(
        send(&router, consent.clone(), ORIGIN),
        send(&router, consent.clone(), ORIGIN)
    );
    assert_eq!((one.0, two.0), (StatusCode::OK, StatusCode::OK));
    let lines = events(&router, &visitor, 0).await.1;
    send(&router, consent, ORIGIN).await;
    assert_eq!(events(&router, &visitor, 0).await.1, lines, "nothing new");
    let from: Vec<&str> = lines.iter().map(|l| l["from"].as_str().unwrap()).collect();
    assert_eq!(
        from,
        ["patient", "clinic", "patient", "clinic"],
        "one question after the consent: {lines:?}"
    );
}
