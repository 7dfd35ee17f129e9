//! The console's routes without a browser (the browser tests are in the
//! workspace's e2e binary): headers on every answer, sessions ending on a
//! clock the test moves, and roles.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use frontdesk_core::accounts::{AccountName, AuditAction, Password, Role};
use frontdesk_core::knowledge::teach::{FolderChange, TeachError, change_folder};
use frontdesk_core::{Knowledge, ManualClock, MemoryStore};
use http_body_util::BodyExt;
use jiff::SignedDuration;
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:8080";

struct Console {
    router: Router,
    engine: Arc<frontdesk_core::Engine<MemoryStore>>,
    clock: Arc<ManualClock>,
    /// The knowledge folder the console teaches: a copy of the shipped one.
    faq: tempfile::TempDir,
    _stop: tokio::sync::watch::Sender<bool>,
}

/// What `serve` does with a change from the console, on the copy: checked
/// and written, then answered from.
struct CopyTeacher {
    dir: std::path::PathBuf,
    engine: Arc<frontdesk_core::Engine<MemoryStore>>,
}

impl std::fmt::Debug for CopyTeacher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyTeacher")
            .field("dir", &self.dir)
            .finish()
    }
}

impl frontdesk_core::Teacher for CopyTeacher {
    fn change(&self, change: &FolderChange) -> Result<(), TeachError> {
        let knowledge = change_folder(&self.dir, change)?;
        self.engine.replace_knowledge(Arc::new(knowledge));
        Ok(())
    }
}

fn console(accounts: &[(&str, Role)]) -> Console {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    let faq = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), faq.path().join(entry.file_name())).unwrap();
    }
    let knowledge = Arc::new(Knowledge::load(faq.path()).unwrap());
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
    let mut settings = frontdesk_web::Settings::new("127.0.0.1:8080".parse().unwrap());
    settings.teacher = Some(Arc::new(CopyTeacher {
        dir: faq.path().to_owned(),
        engine: engine.clone(),
    }));
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
        faq,
        _stop: stop,
    }
}

use frontdesk_core::Clock;

impl Console {
    /// The clinic day `n` days from the test's clock.
    fn day(&self, n: i64) -> jiff::civil::Date {
        let zone = self.engine.knowledge().clinic.time_zone.clone();
        self.clock
            .now()
            .to_zoned(zone)
            .date()
            .saturating_add(jiff::Span::new().days(n))
    }

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
    let rows = frontdesk_core::appointments::parse_csv(
        &csv,
        &zone,
        frontdesk_core::knowledge::clinic::DateOrder::MonthFirst,
    )
    .unwrap();
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
            "<td>9:30 AM</td><td>Ana &#60;b&#62;Ruiz&#60;/b&#62;</td><td>yes</td><td>chat not linked</td>"
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
    let tomorrow = console.day(1);
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
    assert!(page.contains("<td>10:00 AM</td><td>Ben</td>"), "{page}");
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
    let tomorrow = console.day(1);
    let post = |path: String, body: String| form(&path, &desk, body);
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

/// The counts of a chart's bars, in order (`data-count` of its `<rect>`s).
fn bar_counts(page: &str, chart: &str) -> Vec<u64> {
    let start = page
        .find(&format!("<svg id=\"{chart}\""))
        .unwrap_or_else(|| panic!("no chart {chart}: {page}"));
    let svg = &page[start..start + page[start..].find("</svg>").unwrap()];
    svg.split("data-count=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[tokio::test]
async fn clinicians_and_the_admin_read_the_numbers_and_their_csv_and_desk_staff_cannot() {
    let console = console(&[
        ("desk1", Role::Desk),
        ("doc", Role::Clinician),
        ("boss", Role::Admin),
    ]);
    let now = console.clock.now();
    let ask = |chat: &str, text: &str| {
        console.engine.handle(&frontdesk_core::Incoming::private(
            frontdesk_core::ChatKey::parse(chat).unwrap(),
            frontdesk_core::Input::from_text(text),
            now,
            "Pat <b>Doe</b>",
        ))
    };
    ask("telegram:1", "does dry needling hurt?");
    ask("telegram:1", "do you do botox");
    ask("telegram:2", "¿cuánto cuesta?");

    let desk = console.log_in("desk1").await;
    for path in ["/numbers", "/numbers.csv"] {
        let (status, _, _) = console.get(path, &desk).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, _, inbox) = console.get("/inbox", &desk).await;
    assert!(!inbox.contains("href=\"/numbers\""), "no link for the desk");

    for name in ["doc", "boss"] {
        let cookie = console.log_in(name).await;
        let (status, _, page) = console.get("/numbers", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("href=\"/numbers\""), "{name}'s nav links it");
        // Seven days, today's last: three messages in two conversations.
        assert_eq!(bar_counts(&page, "chart-messages"), [0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(
            bar_counts(&page, "chart-conversations"),
            [0, 0, 0, 0, 0, 0, 2]
        );
        assert_eq!(bar_counts(&page, "chart-topics").iter().sum::<u64>(), 2);
        assert!(
            !page.contains("Pat") && !page.contains("botox"),
            "no patient text"
        );
        assert!(!page.contains("style="), "no inline style");
    }

    let boss = console.log_in("boss").await;
    let zone = console.engine.knowledge().clinic.time_zone.clone();
    let today = now.to_zoned(zone).date();
    let (status, headers, csv) = console
        .get(&format!("/numbers.csv?from={today}&to={today}"), &boss)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "day,figure,item,value");
    assert!(
        lines.contains(&format!("{today},messages,,3").as_str()),
        "{csv}"
    );
    assert!(
        lines.contains(&format!("{today},conversations,,2").as_str()),
        "{csv}"
    );
    assert!(lines.contains(&"total,fell_back,en,1"), "{csv}");
    assert!(lines.contains(&"total,answered,es,1"), "{csv}");

    let (status, _, bad) = console
        .get("/numbers?from=2026-03-05&to=2026-03-01", &boss)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(bad.contains("The first day comes after the last."), "{bad}");
    let (status, _, _) = console.get("/numbers.csv?from=soon", &boss).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let log = console.engine.audit_log().unwrap();
    let did = |action| log.iter().filter(|e| e.action == action).count();
    use frontdesk_core::accounts::AuditAction;
    assert_eq!(did(AuditAction::NumbersViewed), 3);
    assert_eq!(did(AuditAction::NumbersExported), 1);
}

/// A patient's message through the engine, as a platform delivers it.
fn patient_asks(console: &Console, chat: &str, text: &str) {
    console.engine.handle(&frontdesk_core::Incoming {
        chat: frontdesk_core::ChatKey::parse(chat).unwrap(),
        input: frontdesk_core::Input::Text(text.to_owned()),
        at: console.clock.now(),
        locale_hint: None,
        shared: false,
        display_name: Some("Pat Doe".into()),
        sequence: None,
    });
}

/// The id of the page's first question group.
fn first_question(page: &str) -> String {
    page.split("class=\"question\" data-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a question on the page")
        .to_owned()
}

fn form(path: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

const MURAL: &str = "who painted the mural in your waiting room";

#[tokio::test]
async fn a_question_taught_as_a_wording_is_answered_and_undoing_it_restores_the_folder() {
    let console = console(&[("claire", Role::Clinician)]);
    let knowledge_file = console.faq.path().join("knowledge.toml");
    let before = std::fs::read(&knowledge_file).unwrap();
    patient_asks(&console, "telegram:41", MURAL);
    patient_asks(
        &console,
        "discord:42",
        "Who painted the mural in your waiting room?",
    );
    let claire = console.log_in("claire").await;
    let (status, _, page) = console.get("/unanswered", &claire).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Asked 2 time(s)"), "{page}");
    assert!(
        !page.contains("Pat Doe") && !page.contains("telegram:41"),
        "no one named"
    );
    let id = first_question(&page);
    let csrf = form_token(&console, &claire, "/unanswered").await;

    let (status, _, _) = console
        .send(form(
            &format!("/unanswered/{id}/wording"),
            &claire,
            "csrf=wrong&topic=location&language=en".to_owned(),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read(&knowledge_file).unwrap(), before);

    let body = format!("csrf={csrf}&topic=location&language=en");
    let (status, headers, _) = console
        .send(form(&format!("/unanswered/{id}/wording"), &claire, body))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/unanswered");
    let (_, _, page) = console.get("/unanswered", &claire).await;
    assert!(page.contains("Added. The bot now answers"), "{page}");
    assert!(page.contains("No unanswered questions."), "{page}");
    let answered = console.engine.classifier().classify(MURAL).verdict;
    let location = console
        .engine
        .knowledge()
        .topic_index(&frontdesk_core::TopicId::parse("location").unwrap());
    assert!(
        matches!(answered, frontdesk_core::Verdict::Answer { topic, .. } if Some(topic) == location),
        "{answered:?}"
    );
    let audit = console.engine.audit_log().unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == AuditAction::QuestionsTaught && e.who == "claire")
    );

    let lesson = page
        .split("action=\"/unanswered/undo/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an undo button")
        .to_owned();
    let (status, _, _) = console
        .send(form(
            &format!("/unanswered/undo/{lesson}"),
            &claire,
            format!("csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        std::fs::read(&knowledge_file).unwrap(),
        before,
        "byte for byte"
    );
    let (_, _, page) = console.get("/unanswered", &claire).await;
    assert!(
        page.contains("Undone") && page.contains("Asked 2 time(s)"),
        "{page}"
    );
    assert!(
        console
            .engine
            .audit_log()
            .unwrap()
            .iter()
            .any(|e| e.action == AuditAction::LessonUndone)
    );
}

#[tokio::test]
async fn a_wording_another_topic_has_is_refused_with_the_reason_and_nothing_changes() {
    let console = console(&[("ada", Role::Admin)]);
    patient_asks(&console, "telegram:43", MURAL);
    // Meanwhile somebody added it to a topic by hand.
    let knowledge_file = console.faq.path().join("knowledge.toml");
    let text = std::fs::read_to_string(&knowledge_file).unwrap();
    let edited = text.replacen(
        "phrasings = [\n",
        &format!("phrasings = [\n  \"{MURAL}\",\n"),
        1,
    );
    std::fs::write(&knowledge_file, &edited).unwrap();
    let ada = console.log_in("ada").await;
    let (_, _, page) = console.get("/unanswered", &ada).await;
    let id = first_question(&page);
    let csrf = form_token(&console, &ada, "/unanswered").await;
    let body = format!("csrf={csrf}&topic=cost&language=en");
    console
        .send(form(&format!("/unanswered/{id}/wording"), &ada, body))
        .await;
    let (_, _, page) = console.get("/unanswered", &ada).await;
    assert!(
        page.contains("Nothing was changed: knowledge.toml, line"),
        "{page}"
    );
    assert!(
        page.contains("also a wording of topic what-is-dry-needling"),
        "{page}"
    );
    assert_eq!(std::fs::read_to_string(&knowledge_file).unwrap(), edited);
    assert!(page.contains("Asked 1 time(s)"), "still listed");
}

#[tokio::test]
async fn the_desk_cannot_open_the_unanswered_questions_and_a_dismissal_needs_the_token() {
    let console = console(&[("dana", Role::Desk), ("ada", Role::Admin)]);
    patient_asks(&console, "telegram:44", MURAL);
    let dana = console.log_in("dana").await;
    let (status, _, _) = console.get("/unanswered", &dana).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, inbox) = console.get("/inbox", &dana).await;
    assert!(!inbox.contains("href=\"/unanswered\""));
    let ada = console.log_in("ada").await;
    let (_, _, page) = console.get("/unanswered", &ada).await;
    assert!(page.contains("href=\"/unanswered\""));
    let id = first_question(&page);
    let csrf = form_token(&console, &dana, "/inbox").await;
    let (status, _, _) = console
        .send(form(
            &format!("/unanswered/{id}/dismiss"),
            &dana,
            format!("csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not the desk's");
    let (status, _, _) = console
        .send(form(
            &format!("/unanswered/{id}/dismiss"),
            &ada,
            "csrf=".into(),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token");
    let csrf = form_token(&console, &ada, "/unanswered").await;
    console
        .send(form(
            &format!("/unanswered/{id}/dismiss"),
            &ada,
            format!("csrf={csrf}"),
        ))
        .await;
    let (_, _, page) = console.get("/unanswered", &ada).await;
    assert!(
        page.contains("Dismissed.") && page.contains("No unanswered questions."),
        "{page}"
    );
}

#[tokio::test]
async fn a_visit_moved_keeps_its_link_code_and_shows_the_link_that_opens_the_bot_with_it() {
    let console = console(&[("desk1", Role::Desk)]);
    let desk = console.log_in("desk1").await;
    let zone = console.engine.knowledge().clinic.time_zone.clone();
    let csrf = form_token(&console, &desk, "/visits").await;
    let body = format!(
        "csrf={csrf}&patient=Ana+Ruiz&start={}T09%3A30&needling=yes",
        console.day(1)
    );
    console.send(form("/visits/add", &desk, body)).await;
    let ana = console.engine.appointments().unwrap().remove(0);
    // The Telegram adapter says how its links start once it runs.
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(!page.contains("start-link"), "no platform, no link");

    let body = format!("csrf={csrf}&start={}T16%3A45", console.day(2));
    let (status, _, _) = console
        .send(form(
            &format!("/visits/{}/move", ana.id),
            &desk,
            body.clone(),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let moved = console.engine.appointments().unwrap().remove(0);
    assert_eq!(
        (moved.link_code.as_str(), moved.patient.as_str()),
        (ana.link_code.as_str(), "Ana Ruiz")
    );
    assert_eq!(
        moved
            .start
            .to_zoned(zone.clone())
            .strftime("%H:%M")
            .to_string(),
        "16:45"
    );
    assert_eq!(console.engine.appointments().unwrap().len(), 1);
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(
        page.contains(&format!("the link code stays {}", ana.link_code)),
        "{page}"
    );
    assert!(
        console
            .engine
            .audit_log()
            .unwrap()
            .iter()
            .any(|e| e.action == AuditAction::AppointmentMoved && e.who == "desk1")
    );

    let (status, _, _) = console
        .send(form(
            &format!("/visits/{}/move", moved.id),
            &desk,
            format!("csrf=wrong&start={}T10%3A00", console.day(3)),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let past = format!("csrf={csrf}&start={}T10%3A00", console.day(-1));
    console
        .send(form(&format!("/visits/{}/move", moved.id), &desk, past))
        .await;
    let (_, _, page) = console.get("/visits", &desk).await;
    assert!(
        page.contains("Not moved: the new time has passed."),
        "{page}"
    );
    assert_eq!(console.engine.appointments().unwrap(), [moved]);
}
