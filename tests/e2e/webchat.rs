//! The web chat in a real browser (issue 26, being built): the demo page's
//! widget opens the panel, a question gets its answer, and the answer is
//! shown again after a reload, once; what a patient types is text.

use std::time::Duration;

use fantoccini::Locator;

use crate::helpers::{PAGE_WAIT, spawn_console};

/// Opens the demo page's chat and enters its frame.
async fn open_chat(browser: &crate::helpers::Browser, url: &str) {
    browser.goto(&format!("{url}/demo")).await;
    browser.click("button.frontdesk-launcher").await;
    let frame = browser.wait_for("iframe.frontdesk-panel", PAGE_WAIT).await;
    frame.enter_frame().await.expect("the panel's frame");
    browser.wait_for("#text", PAGE_WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_on_the_demo_pages_chat_gets_its_answer_and_a_reload_shows_it_once() {
    let console = spawn_console(&[]).await;
    let browser = console.browser().await;
    open_chat(&browser, &console.url).await;
    let stored = browser
        .execute("return window.localStorage.length;", vec![])
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored before the patient writes");

    browser.fill("#text", "does dry needling hurt?").await;
    browser.click("#send button[type=submit]").await;
    let answer = browser
        .wait_for_text("#messages li.bot", "needle", PAGE_WAIT)
        .await;
    assert!(!answer.is_empty());
    let bot_messages = browser
        .find_all(Locator::Css("#messages li.bot"))
        .await
        .unwrap()
        .len();

    // A reload: the same replies, each once, from the mailbox.
    browser.refresh().await.unwrap();
    open_chat(&browser, &console.url).await;
    browser
        .wait_for_text("#messages li.bot", "needle", PAGE_WAIT)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = browser
        .find_all(Locator::Css("#messages li.bot"))
        .await
        .unwrap()
        .len();
    assert_eq!(again, bot_messages);
    browser.assert_no_script_ran("the chat panel").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_a_patient_types_in_the_chat_is_shown_as_text_and_nothing_asks_another_host() {
    let console = spawn_console(&[]).await;
    let browser = console.browser().await;
    open_chat(&browser, &console.url).await;
    let typed = "<img src=x onerror=alert(1)> <script>alert(2)</script>";
    browser.fill("#text", typed).await;
    browser.click("#send button[type=submit]").await;
    let mine = browser
        .wait_for_text("#messages li.me", "onerror", PAGE_WAIT)
        .await;
    assert_eq!(mine, typed);
    // The bot answers (whatever it makes of it), and no element was made.
    browser.wait_for("#messages li.bot", PAGE_WAIT).await;
    assert!(
        browser
            .find_all(Locator::Css("#messages img, #messages script"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(browser.alert_text().await, None);
    browser.assert_no_script_ran("the chat panel").await;
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
