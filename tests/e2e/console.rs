//! The staff console in a real browser, against the real `frontdesk serve`
//! and a patient on the fake Telegram: logging in and out, the live inbox,
//! working a ticket, health screens by role (and their audit), and what an
//! attacker might try: a patient's HTML, a forged form, guessed passwords,
//! a stolen cookie after logout.

use std::time::Duration;

use fantoccini::Locator;
use frontdesk_testkit::telegram::User;

use crate::helpers::{
    Browser, ConsoleBot, PAGE_WAIT, ScreenMove, count_live_streams, live_updates, next_screen_move,
    spawn_browser, spawn_console, spawn_other_origin, status, wait_until_live,
};

const DESK: (&str, &str, &str) = ("dana", "desk", "dana-password-1");
const CLINICIAN: (&str, &str, &str) = ("cleo", "clinician", "cleo-password-1");
const ADMIN: (&str, &str, &str) = ("ada", "admin", "ada-password-1");

/// The name the engine puts before a staff member's reply to a patient.
const CLINIC: &str = "Bayside Physio & Chiropractic";

const XSS: &str = "<img src=x onerror=alert(1)>";

/// The console's login form, as served (its page's referrer policy must
/// let the browser send the page's origin with the form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_on_the_login_page_as_served_reaches_the_inbox() {
    let console = spawn_console(&[DESK]).await;
    let browser = spawn_browser().await;
    let (name, _, password) = DESK;
    console.submit_login(&browser, name, password).await;
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/inbox",
        "{}",
        browser.text_of("body").await
    );
}

/// Ticket 1 is still unclaimed after a refused claim, and the session's
/// own page (with its token, from its origin) claims it as dana.
async fn unclaimed_until_its_own_page_claims_it(console: &ConsoleBot, browser: &Browser) {
    assert_eq!(ticket_status(console, browser, 1).await, "unclaimed");
    browser.click("#claim").await;
    browser
        .wait_for_text("#status", "claimed by dana", PAGE_WAIT)
        .await;
}

/// Opens ticket `number`'s page and returns its status line.
async fn ticket_status(console: &ConsoleBot, browser: &Browser, number: u64) -> String {
    browser
        .goto(&console.page(&format!("/tickets/{number}")))
        .await;
    browser.text_of("#status").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_password_opens_the_inbox_with_an_httponly_strict_cookie_and_a_wrong_one_does_not()
 {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    let (name, _, password) = DESK;

    console
        .submit_login(&browser, name, "not-the-password")
        .await;
    let error = browser.text_of("#login-error").await;
    assert_eq!(error, "That name and password do not match an account.");
    assert_eq!(status(&browser).await, 401);
    assert!(
        browser
            .find(Locator::Css("#tickets, #no-tickets"))
            .await
            .is_err()
    );
    assert!(
        browser.cookie("frontdesk").await.is_none(),
        "a wrong password gets no session: {:?}",
        browser.cookies().await
    );
    browser.goto(&console.page("/inbox")).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");

    console.log_in(&browser, name, password).await;
    assert!(
        browser.find(Locator::Css("#no-tickets")).await.is_ok(),
        "the empty inbox"
    );
    assert!(browser.text_of("header").await.contains("dana (desk)"));
    let cookie = browser
        .cookie("frontdesk")
        .await
        .expect("a session cookie named frontdesk");
    assert_eq!(cookie.http_only(), Some(true), "{cookie}");
    assert_eq!(
        format!("{:?}", cookie.same_site()),
        "Some(Strict)",
        "{cookie}"
    );
    assert_ne!(cookie.secure(), Some(true), "no Secure on plain loopback");
    assert_eq!(cookie.path(), Some("/"), "{cookie}");
    assert!(cookie.value().len() >= 32, "a long random token: {cookie}");
    assert!(
        !cookie.value().contains(password) && !cookie.value().contains(name),
        "{cookie}"
    );
    // HttpOnly: the page's scripts cannot read it.
    let visible = browser
        .execute("return document.cookie;", vec![])
        .await
        .unwrap();
    assert!(
        !visible.as_str().unwrap_or_default().contains("frontdesk"),
        "{visible}"
    );
    browser.assert_no_script_ran("the inbox").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_asking_for_a_person_appears_in_the_open_inbox_without_a_reload() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    count_live_streams(&browser).await;
    console.log_in_as(&browser, DESK).await;
    browser.wait_for("#no-tickets", PAGE_WAIT).await;
    wait_until_live(&browser).await;
    browser
        .execute("window.__marker = 1", vec![])
        .await
        .unwrap();
    assert_eq!(live_updates(&browser).await, 0);

    let pat = User::new(701, "Patricia");
    console.hand_off(&pat, "I want to talk to a person").await;

    let row = browser
        .wait_for("tr.ticket[data-ticket=\"1\"]", PAGE_WAIT)
        .await;
    let text = row.text().await.unwrap();
    assert!(text.contains("#1"), "{text}");
    assert!(text.contains("Patricia"), "{text}");
    assert!(text.contains("telegram"), "{text}");
    assert!(text.contains("unclaimed"), "{text}");
    assert!(browser.find(Locator::Css("#no-tickets")).await.is_err());
    let marker = browser
        .execute("return window.__marker;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, 1, "the page was reloaded");
    assert!(live_updates(&browser).await >= 1, "data-updates grew");
    assert_eq!(browser.current_url().await.unwrap().path(), "/inbox");

    // A second patient: a second row, still without a reload.
    let before = live_updates(&browser).await;
    let sam = User::new(702, "Samuel");
    console.hand_off(&sam, "/human").await;
    browser
        .wait_for("tr.ticket[data-ticket=\"2\"]", PAGE_WAIT)
        .await;
    assert_eq!(
        browser
            .find_all(Locator::Css("tr.ticket"))
            .await
            .unwrap()
            .len(),
        2
    );
    let marker = browser
        .execute("return window.__marker;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, 1, "the page was reloaded");
    assert!(live_updates(&browser).await > before);
    browser.assert_no_script_ran("the live inbox").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_and_a_reply_from_the_ticket_page_reach_the_patient_on_telegram() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    count_live_streams(&browser).await;
    let pat = User::new(711, "Pat");
    console.hand_off(&pat, "/human").await;

    console.log_in_as(&browser, DESK).await;
    browser.click("tr.ticket[data-ticket=\"1\"] a").await;
    browser.wait_for("#claim", PAGE_WAIT).await;
    assert_eq!(browser.text_of("#status").await, "unclaimed");
    // What the patient writes now comes into the open ticket page.
    wait_until_live(&browser).await;
    console.fake.user_says(&pat, "is my appointment at 3?");
    browser
        .wait_for_text("#transcript", "is my appointment at 3?", PAGE_WAIT)
        .await;

    browser.click("#claim").await;
    browser
        .wait_for_text("#status", "claimed by", PAGE_WAIT)
        .await;
    assert_eq!(browser.text_of("#status").await, "claimed by dana");
    assert_eq!(browser.current_url().await.unwrap().path(), "/tickets/1");
    assert!(
        browser.find(Locator::Css("#claim")).await.is_err(),
        "no claim button on one's own ticket"
    );

    let before = console.fake.sent_to(pat.id).len();
    browser.fill("#reply-text", "Yes, 3 pm. See you!").await;
    browser.click("#send").await;
    let reply = console.fake.next_to(pat.id, before).await;
    assert_eq!(reply.plain_text(), format!("{CLINIC}: Yes, 3 pm. See you!"));
    browser
        .wait_for_text("#transcript", "Yes, 3 pm. See you!", PAGE_WAIT)
        .await;
    assert_eq!(browser.text_of("#status").await, "claimed by dana");
    assert_eq!(
        console.fake.sent_to(pat.id).len(),
        before + 1,
        "the reply was sent once"
    );

    // The inbox says who has it.
    browser.goto(&console.page("/inbox")).await;
    let row = browser.text_of("tr.ticket[data-ticket=\"1\"]").await;
    assert!(row.contains("claimed by dana"), "{row}");
    browser.assert_no_script_ran("the ticket page").await;
}

/// Takes a patient through the whole health screen on the fake Telegram,
/// pressing "no" to everything but consent, and typing a yes with words to
/// the implants question and the implant's name to the question after it.
async fn screen_with_a_pacemaker(console: &ConsoleBot, patient: &User) {
    let mut last = console.says(patient, "/screen").await;
    let mut after_implants = false;
    for _ in 0..80 {
        let question = last
            .buttons()
            .iter()
            .find_map(|b| b.strip_prefix("ans:").map(str::to_owned))
            .and_then(|b| b.split(':').next().map(str::to_owned));
        if question.as_deref() == Some("implants") {
            last = console
                .says(patient, "yes, I have a pacemaker since 2019")
                .await;
            after_implants = true;
            continue;
        }
        last = match next_screen_move(&last.buttons(), &[]) {
            ScreenMove::Press(id) => console.presses(patient, &last, &id).await,
            ScreenMove::Type(_) if after_implants => {
                after_implants = false;
                console.says(patient, "pacemaker, left chest").await
            }
            ScreenMove::Type(text) => console.says(patient, text).await,
            ScreenMove::Done => return,
        };
    }
    panic!("the screen did not end: {}", last.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_account_cannot_open_screen_answers_and_a_clinicians_reading_is_audited() {
    let console = spawn_console(&[DESK, CLINICIAN]).await;
    let browser = console.browser().await;
    let pat = User::new(721, "Pat");
    screen_with_a_pacemaker(&console, &pat).await;

    // The desk sees the outcome, with no way in.
    console.log_in_as(&browser, DESK).await;
    browser.goto(&console.page("/screens")).await;
    let list = browser.text_of("#screens").await;
    assert!(list.contains("telegram:721"), "{list}");
    assert!(
        browser
            .find_all(Locator::Css("#screens a[href^=\"/screens/\"]"))
            .await
            .unwrap()
            .is_empty(),
        "no link to the answers for the desk"
    );
    console.log_out(&browser).await;

    // The clinician opens the answers, with the patient's own words.
    console.log_in_as(&browser, CLINICIAN).await;
    browser.goto(&console.page("/screens")).await;
    let link = browser
        .wait_for("#screens a[href^=\"/screens/\"]", PAGE_WAIT)
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("a link to the screen");
    browser.goto(&console.page(&link)).await;
    assert_eq!(status(&browser).await, 200);
    let answers = browser.text_of("#answers").await;
    assert!(
        answers.contains("I have a pacemaker since 2019"),
        "{answers}"
    );
    assert!(answers.contains("pacemaker, left chest"), "{answers}");
    assert!(browser.text_of("h1").await.contains("telegram:721"));
    console.log_out(&browser).await;

    // The desk, given the address, is refused the answers and the download.
    console.log_in_as(&browser, DESK).await;
    for path in [link.clone(), format!("{link}/fhir")] {
        browser.goto(&console.page(&path)).await;
        assert_eq!(status(&browser).await, 403, "{path}");
        let body = browser.text_of("body").await;
        assert!(
            body.contains("Your role cannot open this page"),
            "{path}: {body}"
        );
        assert!(!body.contains("pacemaker"), "{path}: {body}");
    }

    let stopped = console.stop().await;
    let audit = stopped.audit();
    let opened: Vec<_> = audit
        .iter()
        .filter(|e| e["action"] == "screen_opened")
        .collect();
    assert_eq!(opened.len(), 1, "{audit:#?}");
    assert_eq!(opened[0]["who"], "cleo");
    assert_eq!(opened[0]["target"], "telegram:721");
    assert_eq!(opened[0]["from"], "127.0.0.1");
    assert!(
        audit
            .iter()
            .filter(|e| e["who"] == "dana")
            .all(|e| e["action"] != "screen_opened" && e["action"] != "screen_downloaded"),
        "{audit:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patients_html_is_shown_as_text_on_the_inbox_and_the_ticket_page_and_never_runs() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    count_live_streams(&browser).await;
    let pat = User::new(731, "Mallory");
    console.hand_off(&pat, "/human").await;
    console.log_in_as(&browser, DESK).await;
    browser
        .wait_for("tr.ticket[data-ticket=\"1\"]", PAGE_WAIT)
        .await;
    wait_until_live(&browser).await;

    // Sent while handed off: it goes to the ticket, and the inbox's live
    // refresh brings it in.
    console.fake.user_says(&pat, XSS);
    let last = browser
        .wait_for_text("tr.ticket[data-ticket=\"1\"] .last", "onerror", PAGE_WAIT)
        .await;
    assert_eq!(last, XSS);
    assert!(
        browser
            .find_all(Locator::Css("#tickets img"))
            .await
            .unwrap()
            .is_empty(),
        "no image element was made"
    );
    assert!(browser.source().await.unwrap().contains("&lt;img src=x"));
    assert_eq!(browser.alert_text().await, None);
    browser
        .assert_no_script_ran("the inbox after a live refresh")
        .await;

    // The inbox loaded afresh.
    browser.refresh().await.unwrap();
    assert_eq!(
        browser.text_of("tr.ticket[data-ticket=\"1\"] .last").await,
        XSS
    );
    assert!(
        browser
            .source()
            .await
            .unwrap()
            .contains("&lt;img src=x onerror=alert(1)&gt;")
    );
    browser.assert_no_script_ran("the inbox").await;

    // The ticket page.
    browser.goto(&console.page("/tickets/1")).await;
    let transcript = browser.text_of("#transcript").await;
    assert!(transcript.contains(XSS), "{transcript}");
    assert!(
        browser
            .find_all(Locator::Css("#main img"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        browser
            .source()
            .await
            .unwrap()
            .contains("&lt;img src=x onerror=alert(1)&gt;")
    );
    assert_eq!(browser.alert_text().await, None);
    browser.assert_no_script_ran("the ticket page").await;

    // A script element in a message is text too.
    let script = "<script>alert(2)</script> hi";
    console.fake.user_says(&pat, script);
    let transcript = browser
        .wait_for_text("#transcript", "alert(2)", PAGE_WAIT)
        .await;
    assert!(transcript.contains(script), "{transcript}");
    assert!(
        browser
            .source()
            .await
            .unwrap()
            .contains("&lt;script&gt;alert(2)&lt;/script&gt;")
    );
    assert_eq!(browser.alert_text().await, None);
    browser
        .assert_no_script_ran("the ticket page with a script")
        .await;

    // Nothing the pages loaded came from another host.
    let foreign = browser
        .execute(
            "return performance.getEntriesByType('resource')\
               .map(e => e.name).filter(n => !n.startsWith(location.origin));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(foreign, serde_json::json!([]), "requests to other hosts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_without_its_sessions_csrf_token_is_refused_and_the_ticket_stays_unclaimed() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    console.hand_off(&User::new(741, "Pat"), "/human").await;
    console.log_in_as(&browser, DESK).await;

    // A token that is not the session's.
    browser.goto(&console.page("/tickets/1")).await;
    browser
        .execute(
            "document.querySelector('#claim').form.elements.csrf.value = 'forged-token';",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#claim").await;
    browser.wait_for("body", PAGE_WAIT).await;
    assert_eq!(status(&browser).await, 403);
    assert!(
        browser
            .text_of("body")
            .await
            .contains("did not come from the console"),
        "{}",
        browser.source().await.unwrap()
    );
    assert_eq!(ticket_status(&console, &browser, 1).await, "unclaimed");

    // No token at all.
    browser
        .execute(
            "document.querySelector('#claim').form.elements.csrf.remove();",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#claim").await;
    browser.wait_for("body", PAGE_WAIT).await;
    // Refused before anything is done.
    let refused = status(&browser).await;
    let said = browser.text_of("body").await;
    assert_eq!(refused, 403, "a claim without a token: {said}");
    assert!(!said.contains("Claimed"), "{said}");
    // With its token, the same button works (so it was the token).
    unclaimed_until_its_own_page_claims_it(&console, &browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_posted_from_another_origin_is_refused_even_with_the_sessions_token() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    console.hand_off(&User::new(751, "Pat"), "/human").await;
    console.log_in_as(&browser, DESK).await;
    browser.goto(&console.page("/tickets/1")).await;
    let token = browser
        .execute(
            "return document.querySelector('#claim').form.elements.csrf.value;",
            vec![],
        )
        .await
        .unwrap();
    let token = token.as_str().expect("the form's token").to_owned();
    assert!(!token.is_empty());

    let page = format!(
        "<!doctype html><title>Win a prize</title>\
         <form method=\"post\" action=\"{}/tickets/1/claim\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <button type=\"submit\" id=\"prize\">Claim your prize</button></form>",
        console.url
    );
    let (other, server) = spawn_other_origin(page).await;
    assert_ne!(other, console.url);
    browser.goto(&format!("{other}/prize")).await;
    browser.click("#prize").await;
    browser
        .wait_for_text(
            "body",
            "did not come from the console's own page",
            PAGE_WAIT,
        )
        .await;
    assert_eq!(status(&browser).await, 403);
    assert_eq!(
        browser.current_url().await.unwrap().as_str(),
        console.page("/tickets/1/claim")
    );
    server.abort();

    // The same session's own page still claims it.
    unclaimed_until_its_own_page_claims_it(&console, &browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_login_in_a_minute_after_five_wrong_passwords_is_refused_even_with_the_right_one()
{
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    let (name, _, password) = DESK;
    for attempt in 1..=5 {
        console
            .submit_login(&browser, name, &format!("wrong-password-{attempt}"))
            .await;
        assert_eq!(
            browser.text_of("#login-error").await,
            "That name and password do not match an account.",
            "attempt {attempt}"
        );
        assert_eq!(status(&browser).await, 401, "attempt {attempt}");
    }
    console.submit_login(&browser, name, password).await;
    let error = browser.text_of("#login-error").await;
    assert!(error.starts_with("Too many failed attempts"), "{error}");
    assert_eq!(status(&browser).await, 429);
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");
    assert!(browser.cookie("frontdesk").await.is_none());
    browser.goto(&console.page("/inbox")).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");

    let stopped = console.stop().await;
    let actions: Vec<String> = stopped
        .audit()
        .iter()
        .filter(|e| e["who"] == "dana")
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "log_in_failed",
            "log_in_failed",
            "log_in_failed",
            "log_in_failed",
            "log_in_failed",
            "log_in_throttled"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_by_logging_out_cannot_be_used_again_with_its_old_cookie() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    console.log_in_as(&browser, DESK).await;
    // The cookie as the browser keeps it (value, path, flags), to put back.
    let old = browser.cookie("frontdesk").await.expect("a session cookie");
    assert!(!old.value().is_empty());

    // Put back while the session lives, the cookie is all it takes.
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&console.page("/inbox")).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");
    browser.add_cookie(old.clone()).await.unwrap();
    browser.goto(&console.page("/inbox")).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/inbox");

    console.log_out(&browser).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");
    assert!(
        browser.cookie("frontdesk").await.is_none(),
        "logging out clears the cookie"
    );

    browser.add_cookie(old.clone()).await.unwrap();
    assert_eq!(
        browser
            .cookie("frontdesk")
            .await
            .map(|c| c.value().to_owned()),
        Some(old.value().to_owned()),
        "the old cookie is back"
    );
    for path in ["/inbox", "/tickets/1", "/screens"] {
        browser.goto(&console.page(path)).await;
        assert_eq!(
            browser.current_url().await.unwrap().path(),
            "/login",
            "{path}"
        );
        browser.wait_for("#log-in", Duration::from_secs(5)).await;
    }
    browser.assert_no_script_ran("the login page").await;
}

/// Maria is on the Telegram desk (`faq/desk.toml`: user 5000001) and her
/// console account is linked to her (`console = "maria"`).
const MARIA: (&str, &str, &str) = ("maria", "desk", "maria-password-1");
const TELEGRAM_DESK: i64 = -1001000000001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_at_the_telegram_desk_shows_in_the_console_and_the_cli_agrees_while_serve_runs() {
    let console = spawn_console(&[MARIA, DESK]).await;
    let pat = User::new(733, "Pat");
    console.hand_off(&pat, "/human").await;
    let browser = console.browser().await;
    count_live_streams(&browser).await;
    console.log_in_as(&browser, MARIA).await;
    browser.goto(&console.page("/tickets/1")).await;
    browser.wait_for("#claim", PAGE_WAIT).await;
    wait_until_live(&browser).await;

    // Claimed at the Telegram desk: the open page shows it live.
    let maria_on_telegram = User::new(5_000_001, "Maria");
    console
        .fake
        .group_message(TELEGRAM_DESK, &maria_on_telegram, "/claim 1");
    browser
        .wait_for_text("#status", "claimed by Maria (front desk)", PAGE_WAIT)
        .await;

    // The command line, through the running bot, says the same.
    let tickets = console.bot.run(&["tickets", "--json"], "");
    assert!(
        tickets.status.success(),
        "{}",
        String::from_utf8_lossy(&tickets.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&tickets.stdout).unwrap();
    assert_eq!(rows[0]["number"], 1);
    assert_eq!(rows[0]["claimed_by"], "Maria (front desk)");

    // Her console account may answer what she claimed on Telegram...
    browser.goto(&console.page("/tickets/1")).await;
    let before = console.fake.sent_to(pat.id).len();
    browser
        .fill("#reply-text", "Maria here, from the front desk.")
        .await;
    browser.click("#send").await;
    let reply = console.fake.next_to(pat.id, before).await;
    assert_eq!(
        reply.plain_text(),
        format!("{CLINIC}: Maria here, from the front desk.")
    );

    // ...and another desk account sees it taken and cannot reply.
    browser.goto(&console.page("/inbox")).await;
    console.log_out(&browser).await;
    console.log_in_as(&browser, DESK).await;
    browser.goto(&console.page("/tickets/1")).await;
    browser.wait_for("#claim", PAGE_WAIT).await;
    assert!(
        browser.find(Locator::Css("#send")).await.is_err(),
        "no reply box on someone else's ticket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_answer_given_to_a_patient_without_a_ticket_shows_in_the_inbox_by_category_only()
 {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    count_live_streams(&browser).await;
    console.log_in_as(&browser, DESK).await;
    wait_until_live(&browser).await;
    let words = "crushing chest pain right now and my left arm is numb";
    let pat = User::new(744, "Pat");
    console.says(&pat, words).await;
    let alerts = browser
        .wait_for_text("#alerts", "Emergency", PAGE_WAIT)
        .await;
    assert!(alerts.contains("Pat, telegram"), "{alerts}");
    assert!(
        !alerts.contains("crushing"),
        "the category, never the words: {alerts}"
    );
    assert!(
        browser.find(Locator::Css("#no-tickets")).await.is_ok(),
        "no ticket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_filters_the_audit_log_by_action_and_a_desk_account_cannot_open_it() {
    let console = spawn_console(&[DESK, ADMIN]).await;
    let browser = console.browser().await;
    console.log_in_as(&browser, DESK).await;
    assert!(
        browser
            .find(Locator::Css("a[href=\"/audit\"]"))
            .await
            .is_err(),
        "no link for the desk"
    );
    browser.goto(&console.page("/audit")).await;
    assert_eq!(status(&browser).await, 403);
    browser.goto(&console.page("/inbox")).await;
    console.log_out(&browser).await;

    console.log_in_as(&browser, ADMIN).await;
    browser.click("a[href=\"/audit\"]").await;
    browser.wait_for("#audit", PAGE_WAIT).await;
    browser
        .wait_for("select[name=action]", PAGE_WAIT)
        .await
        .select_by_value("log_out")
        .await
        .unwrap();
    browser.click("#audit-filter button").await;
    let rows = browser
        .wait_for_text("#audit-count", "1 entry", PAGE_WAIT)
        .await;
    let table = browser.text_of("#audit").await;
    assert!(
        table.contains("dana") && table.contains("log out"),
        "{rows}: {table}"
    );
    assert!(!table.contains("ada"), "{table}");

    // What the admin types into the filter comes back as text.
    let typed = "\"><img src=x onerror=alert(1)>";
    browser
        .goto(&console.page(&format!(
            "/audit?day={}",
            typed.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
        )))
        .await;
    let error = browser.text_of(".error").await;
    assert!(error.contains("A day is written"), "{error}");
    assert!(
        browser.find(Locator::Css("img")).await.is_err(),
        "no image made"
    );
    browser
        .assert_no_script_ran("a filter with HTML in it")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_uploaded_on_the_visits_page_imports_all_or_nothing_and_shows_screen_status() {
    let console = spawn_console(&[DESK]).await;
    let browser = console.browser().await;
    console.log_in_as(&browser, DESK).await;
    let tomorrow = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("America/New_York").unwrap())
        .date()
        .saturating_add(jiff::Span::new().days(1));
    let dir = tempfile::tempdir().unwrap();
    let upload = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let bad = upload(
        "bad.csv",
        format!("patient,start,needling\nAna,{tomorrow} 09:30,yes\nBen,someday,yes\n"),
    );
    browser.click("a[href=\"/visits\"]").await;
    browser.fill("#import input[type=file]", &bad).await;
    browser.click("#import button").await;
    let errors = browser
        .wait_for_text("#import-errors", "bad.csv, line 3", PAGE_WAIT)
        .await;
    assert!(errors.contains("someday"), "{errors}");
    assert!(
        browser.find(Locator::Css(".visits")).await.is_err(),
        "nothing imported"
    );

    let good = upload(
        "good.csv",
        format!("patient,start,needling\nAna,{tomorrow} 09:30,yes\nBen,{tomorrow} 10:15,no\n"),
    );
    browser.fill("#import input[type=file]", &good).await;
    browser.click("#import button").await;
    browser
        .wait_for_text("#import-result", "Imported 2 new", PAGE_WAIT)
        .await;
    let visits = browser.text_of(".visits").await;
    assert!(
        visits.contains("9:30 AM") && visits.contains("chat not linked"),
        "{visits}"
    );
    assert!(
        visits.contains("10:15 AM") && visits.contains("no needling"),
        "{visits}"
    );
    // Each unlinked visit offers the link that opens the bot with its code.
    let link = browser
        .wait_for("a.start-link", PAGE_WAIT)
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    let prefix = format!(
        "https://t.me/{}?start=",
        frontdesk_testkit::telegram::BOT_USERNAME
    );
    let code = link
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{link}"));
    assert!(visits.contains(code), "{visits}");
}
