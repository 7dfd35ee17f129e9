//! The console's Numbers page in a real browser, against the real
//! `frontdesk serve`: patients ask on the fake Telegram, and the page's
//! charts (SVG drawn by the server) have bars whose counts are what the
//! test sent; a desk account has no link to it and is refused.

use fantoccini::Locator;
use frontdesk_testkit::telegram::User;

use crate::helpers::{Browser, PAGE_WAIT, spawn_console, status};

const DESK: (&str, &str, &str) = ("dana", "desk", "dana-password-1");
const CLINICIAN: (&str, &str, &str) = ("cleo", "clinician", "cleo-password-1");

/// The counts of a chart's bars, in order (their `data-count`).
async fn bars(browser: &Browser, chart: &str) -> Vec<u64> {
    let mut counts = Vec::new();
    let rects = browser
        .find_all(Locator::Css(&format!("svg#{chart} rect")))
        .await
        .unwrap();
    for rect in rects {
        let count = rect.attr("data-count").await.unwrap().unwrap();
        counts.push(count.parse().unwrap());
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_numbers_page_shows_bars_that_match_the_messages_and_conversations_the_test_sent() {
    let console = spawn_console(&[DESK, CLINICIAN]).await;
    let (pat, sam, ana) = (
        User::new(941, "Pat"),
        User::new(942, "Sam"),
        User::new(943, "Ana"),
    );
    let asked = [
        (&pat, "does dry needling hurt?"),
        (&pat, "how much does a session cost?"),
        (&sam, "what should I wear to my appointment"),
        (&ana, "¿duele la punción seca?"),
        (&sam, "do you do botox"),
        (&ana, "gracias"),
    ];
    for (patient, text) in asked {
        console.says(patient, text).await;
    }
    let (messages, conversations) = (asked.len() as u64, 3);

    let browser = console.browser().await;
    console.log_in_as(&browser, DESK).await;
    assert!(
        browser
            .find(Locator::Css("a[href=\"/numbers\"]"))
            .await
            .is_err(),
        "no link for the desk"
    );
    browser.goto(&console.page("/numbers")).await;
    assert_eq!(status(&browser).await, 403);
    browser.goto(&console.page("/inbox")).await;
    console.log_out(&browser).await;

    console.log_in_as(&browser, CLINICIAN).await;
    browser.click("a[href=\"/numbers\"]").await;
    browser.wait_for("svg#chart-messages", PAGE_WAIT).await;
    // The last seven clinic days, today's last.
    let per_day = bars(&browser, "chart-messages").await;
    assert_eq!(per_day.len(), 7, "{per_day:?}");
    assert_eq!(per_day[6], messages, "{per_day:?}");
    assert_eq!(per_day.iter().sum::<u64>(), messages);
    let started = bars(&browser, "chart-conversations").await;
    assert_eq!(started[6], conversations, "{started:?}");
    // Each answered question is one topic bar's worth; botox and thanks
    // are not topics.
    let topics = bars(&browser, "chart-topics").await;
    let answered: u64 = topics.iter().sum();
    assert!((3..=4).contains(&answered), "{topics:?}");
    let totals = browser.text_of("#numbers-totals").await;
    assert!(
        totals.contains("3 conversations started and 6 messages"),
        "{totals}"
    );
    // No patient's words or names anywhere on the page.
    let page = browser.source().await.unwrap();
    for said in ["Pat", "Sam", "botox", "punción"] {
        assert!(!page.contains(said), "{said} is on the page");
    }
    browser.assert_no_script_ran("the numbers page").await;
    let audit = console.stop().await.audit();
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "numbers_viewed" && e["who"] == "cleo"),
        "{audit:#?}"
    );
}
