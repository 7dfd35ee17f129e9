//! The console's routes without a browser (the browser tests are in the
//! workspace's e2e binary): headers on every answer, sessions ending on a
//! clock the test moves, and roles.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use frontdesk_core::accounts::{AccountName, Password, Role};
use frontdesk_core::{Knowledge, ManualClock, MemoryStore};
use http_body_util::BodyExt;
use jiff::SignedDuration;
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:8080";

struct Console {
    router: Router,
    engine: Arc<frontdesk_core::Engine<MemoryStore>>,
    clock: Arc<ManualClock>,
    _stop: tokio::sync::watch::Sender<bool>,
}

fn console(accounts: &[(&str, Role)]) -> Console {
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    let knowledge = Arc::new(Knowledge::load(&faq).unwrap());
    let engine = Arc::new(frontdesk_core::Engine::new(
        MemoryStore::default(),
        knowledge,
    ));
    let clock = Arc::new(ManualClock::new(jiff::Timestamp::now()));
    for (name, role) in accounts {
        let password = Password::parse("a long password").unwrap();
        engine
            .add_account(
                &AccountName::parse(name).unwrap(),
                *role,
                &password,
                clock.now(),
            )
            .unwrap();
    }
    let app = Arc::new(frontdesk_shell::App {
        engine: engine.clone(),
        clock: clock.clone(),
        router: Arc::new(frontdesk_core::Router::default()),
    });
    let settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    Console {
        router: frontdesk_web::console::router(
            app,
            settings,
            frontdesk_web::chat::Live::default(),
            stopped,
        ),
        engine,
        clock,
        _stop: stop,
    }
}

use frontdesk_core::Clock;

impl Console {
    async fn send(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    async fn log_in(&self, name: &str) -> String {
        let request = Request::post("/login")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("name={name}&password=a+long+password")))
            .unwrap();
        let (status, headers, _) = self.send(request).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let cookie = headers[header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    async fn get(&self, path: &str, cookie: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }
}

#[tokio::test]
async fn every_answer_carries_a_strict_content_security_policy_and_no_sniffing() {
    let console = console(&[("maria", Role::Desk)]);
    let cookie = console.log_in("maria").await;
    for path in [
        "/login",
        "/inbox",
        "/screens",
        "/nowhere",
        "/assets/console.js",
    ] {
        let (_, headers, _) = console.get(path, &cookie).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    }
    let (_, _, page) = console.get("/inbox", &cookie).await;
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "nothing inline"
    );
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_stays_ended() {
    let console = console(&[("maria", Role::Desk)]);
    let cookie = console.log_in("maria").await;
    console.clock.advance(SignedDuration::from_mins(29));
    let (status, _, _) = console.get("/inbox", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    console.clock.advance(SignedDuration::from_mins(31));
    let (status, headers, _) = console.get("/inbox", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    console.clock.advance(SignedDuration::from_mins(-40));
    let (status, _, _) = console.get("/inbox", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "deleted, not just expired");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_login_however_busy() {
    let console = console(&[("maria", Role::Desk)]);
    let cookie = console.log_in("maria").await;
    for _ in 0..(12 * 4 - 1) {
        console.clock.advance(SignedDuration::from_mins(15));
        let (status, _, _) = console.get("/inbox", &cookie).await;
        assert_eq!(status, StatusCode::OK);
    }
    console.clock.advance(SignedDuration::from_mins(15));
    let (status, _, _) = console.get("/inbox", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_change_from_another_origin_or_without_one_is_refused_before_anything_else() {
    let console = console(&[("maria", Role::Desk)]);
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        let body = Body::from("name=maria&password=a+long+password");
        let (status, headers, _) = console.send(request.body(body).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
        assert!(headers.get(header::SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn pages_need_a_login_and_the_login_cookie_is_http_only_and_strict() {
    let console = console(&[("maria", Role::Desk)]);
    for path in ["/inbox", "/tickets/1", "/screens", "/events"] {
        let (status, headers, _) = console.get(path, "frontdesk=nothing").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers[header::LOCATION], "/login", "{path}");
    }
    let request = Request::post("/login")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=maria&password=a+long+password"))
        .unwrap();
    let (_, headers, _) = console.send(request).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "on loopback: {cookie}");
}

#[tokio::test]
async fn only_clinicians_and_admins_open_a_screen_and_desk_staff_see_outcomes_only() {
    let console = console(&[("desk1", Role::Desk), ("doc", Role::Clinician)]);
    let desk = console.log_in("desk1").await;
    let doc = console.log_in("doc").await;
    let (_, _, desk_list) = console.get("/screens", &desk).await;
    assert!(desk_list.contains("outcomes only"));
    // Whatever the id, a desk account is refused before the store is read.
    let (status, _, _) = console
        .get("/screens/74656c656772616d3a37372f31", &desk)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = console
        .get("/screens/74656c656772616d3a37372f31", &doc)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "allowed, and there is no such screen"
    );
}

#[tokio::test]
async fn only_the_admin_reads_the_audit_log_filtered_by_person_and_action_and_every_reading_is_logged()
 {
    let console = console(&[
        ("desk1", Role::Desk),
        ("doc", Role::Clinician),
        ("boss", Role::Admin),
    ]);
    let desk = console.log_in("desk1").await;
    let doc = console.log_in("doc").await;
    let boss = console.log_in("boss").await;
    for cookie in [&desk, &doc] {
        let (status, _, _) = console.get("/audit", cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = console.get("/audit.csv", cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, _, inbox) = console.get("/inbox", cookie).await;
        assert!(!inbox.contains("href=\"/audit\""), "no link for their role");
    }

    let (status, _, page) = console.get("/audit", &boss).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/audit\""), "the admin's nav links it");
    // Three log-ins, and the page just opened.
    assert!(page.contains("4 entries"), "{page}");
    let (_, _, logins) = console.get("/audit?who=doc&action=log_in", &boss).await;
    assert!(logins.contains("1 entry"), "{logins}");
    assert!(logins.contains("<td>doc</td><td>log in</td>"), "{logins}");
    assert!(!logins.contains("<td>desk1</td>"));
    let (_, _, bad) = console.get("/audit?day=yesterday", &boss).await;
    assert!(bad.contains("A day is written"), "{bad}");

    let (status, headers, csv) = console.get("/audit.csv?action=audit_viewed", &boss).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("audit.csv")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "time,who,action,target,from");
    assert_eq!(lines.len(), 1 + 3, "three page views: {csv}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",boss,audit log viewed,"))
    );
    let (_, _, exports) = console.get("/audit?action=audit_exported", &boss).await;
    assert!(
        exports.contains("1 entry"),
        "the export is logged: {exports}"
    );
}

#[tokio::test]
async fn the_visits_page_lists_this_weeks_visits_by_clinic_day_with_screen_and_link_status() {
    let console = console(&[("desk1", Role::Desk)]);
    let desk = console.log_in("desk1").await;
    let zone = console.engine.knowledge().clinic.time_zone.clone();
    let today = console.clock.now().to_zoned(zone.clone()).date();
    let on = |days: i64, time: &str| {
        format!(
            "{} {time}",
            today.saturating_add(jiff::Span::new().days(days))
        )
    };
    let csv = format!(
        "patient,start,needling\nAna <b>Ruiz</b>,{},yes\nBen,{},no\nCal,{},yes\n",
        on(1, "09:30"),
        on(2, "11:00"),
        on(9, "10:00")
    );
    let rows = frontdesk_core::appointments::parse_csv(&csv, &zone).unwrap();
    console.engine.import_appointments(&rows).unwrap();
    let ana = console.engine.appointments().unwrap()[0].clone();

    let (status, _, page) = console.get("/visits", &desk).await;
    assert_eq!(status, StatusCode::OK);
    let tomorrow = console.engine.knowledge().clinic.describe_day(
        rows[0].start.to_zoned(zone).date(),
        frontdesk_core::Locale::En,
    );
    assert!(page.contains(&format!("<h2>{tomorrow}</h2>")), "{page}");
    assert!(
        page.contains(
            "<td>09:30</td><td>Ana &#60;b&#62;Ruiz&#60;/b&#62;</td><td>yes</td><td>chat not linked</td>"
        ),
        "the name as text: {page}"
    );
    assert!(page.contains(&format!("<code>{}</code>", ana.link_code)));
    assert!(
        page.contains("<td>Ben</td><td>no</td><td>no needling</td>"),
        "{page}"
    );
    // As a cell: the forms' random token may hold the letters "Cal".
    assert!(!page.contains("<td>Cal</td>"), "nine days away: {page}");
}

/// Uploads `text` as the file `name` to the visits page's import form.
async fn upload(console: &Console, cookie: &str, name: &str, text: &str) -> (StatusCode, String) {
    let csrf = form_token(console, cookie, "/visits").await;
    let boundary = "frontdesk-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/visits/import")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, _, page) = console.send(request).await;
    (status, page)
}

#[tokio::test]
async fn a_calendar_with_one_bad_row_imports_nothing_and_names_the_row_and_a_good_one_imports() {
    let console = console(&[("desk1", Role::Desk)]);
    let desk = console.log_in("desk1").await;
    let zone = console.engine.knowledge().clinic.time_zone.clone();
    let tomorrow = console
        .clock
        .now()
        .to_zoned(zone)
        .date()
        .saturating_add(jiff::Span::new().days(1));
    let bad = format!("patient,start\nAna,{tomorrow} 09:30\nBen,next tuesday\n");
    let (status, page) = upload(&console, &desk, "week.csv", &bad).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Nothing was imported"), "{page}");
    assert!(
        page.contains("week.csv, line 3: "),
        "the row's line: {page}"
    );
    assert!(console.engine.appointments().unwrap().is_empty());

    let good = format!("patient,start\nAna,{tomorrow} 09:30\nBen,{tomorrow} 10:00\n");
    let (_, page) = upload(&console, &desk, "week.csv", &good).await;
    assert!(page.contains("Imported 2 new, 0 already there."), "{page}");
    assert!(page.contains("<td>10:00</td><td>Ben</td>"), "{page}");
    let (_, page) = upload(&console, &desk, "week.csv", &good).await;
    assert!(page.contains("Imported 0 new, 2 already there."), "{page}");
    assert_eq!(console.engine.appointments().unwrap().len(), 2);

    // Without the form's token, nothing is read.
    let forged = format!("patient,start\nEve,{tomorrow} 11:00\n");
    let boundary = "b";
    let request = Request::post("/visits/import")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &desk)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=b")
        .body(Body::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n{forged}\r\n--{boundary}--\r\n"
        )))
        .unwrap();
    let (status, _, _) = console.send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(console.engine.appointments().unwrap().len(), 2);
}

/// The token of the first form on `path`.
async fn form_token(console: &Console, cookie: &str, path: &str) -> String {
    let (_, _, page) = console.get(path, cookie).await;
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's token")
        .to_owned()
}

#[tokio::test]
async fn a_visit_added_by_hand_gets_its_link_code_and_a_cancelled_one_shows_as_cancelled() {
    let console = console(&[("desk1", Role::Desk)]);
    let desk = console.log_in("desk1").await;
    let zone = console.engine.knowledge().clinic.time_zone.clone();
    let tomorrow = console
        .clock
        .now()
        .to_zoned(zone)
        .date()
        .saturating_add(jiff::Span::new().days(1));
    let post = |path: String, body: String| {
        Request::post(path)
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, &desk)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let csrf = form_token(&console, &desk, "/visits").await;
    let body = format!("csrf={csrf}&patient=Ana+Ruiz&start={tomorrow}T09%3A30&needling=yes");
    let (status, headers, _) = console.send(post("/visits/add".into(), body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/visits");
    let ana = console.engine.appointments().unwrap().remove(0);
    assert_eq!(ana.patient, "Ana Ruiz");
    assert!(ana.needling);
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(
        page.contains(&format!("their link code is {}.", ana.link_code)),
        "{page}"
    );

    let bad = format!("csrf={csrf}&patient=Ben&start=tomorrow+morning");
    console.send(post("/visits/add".into(), bad)).await;
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(page.contains("Not added:"), "{page}");
    assert_eq!(console.engine.appointments().unwrap().len(), 1);

    let (status, _, _) = console
        .send(post(
            format!("/visits/{}/cancel", ana.id),
            "csrf=wrong".into(),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = console
        .send(post(
            format!("/visits/{}/cancel", ana.id),
            format!("csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(page.contains("<td>cancelled</td>"), "{page}");
    assert!(
        !page.contains(&format!("/visits/{}/cancel", ana.id)),
        "no second cancel"
    );
}
