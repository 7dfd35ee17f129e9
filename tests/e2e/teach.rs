//! Teaching the bot from the console's unanswered questions, in a real
//! browser against the real `frontdesk serve` and patients on the fake
//! Telegram: a question that fell back is added as a wording of a topic
//! and then answered; a change that would break the folder is refused with
//! its reason and the folder left byte for byte; undo restores it; the
//! desk cannot open the page.

use fantoccini::Locator;
use frontdesk_testkit::telegram::User;

use crate::helpers::{PAGE_WAIT, TestBot, faq_copy, spawn_console_on, status};

const DESK: (&str, &str, &str) = ("dana", "desk", "dana-password-1");
const CLINICIAN: (&str, &str, &str) = ("cleo", "clinician", "cleo-password-1");

/// A question the shipped folder does not answer.
const MURAL: &str = "who painted the mural in your waiting room";
const FALLBACK: &str = "I'm not sure I can answer that one";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_that_fell_back_is_taught_from_the_page_and_then_answered_on_telegram() {
    let faq = faq_copy();
    let bot = TestBot {
        data: tempfile::tempdir().unwrap(),
        faq: faq.path().to_owned(),
    };
    let console = spawn_console_on(bot, &[DESK, CLINICIAN], &[]).await;
    let knowledge = faq.path().join("knowledge.toml");
    let shipped = std::fs::read(&knowledge).unwrap();
    let pat = User::new(801, "Pat");
    let first = console.says(&pat, MURAL).await;
    assert!(first.plain_text().contains(FALLBACK), "{}", first.text);

    let browser = console.browser().await;
    // Not the desk's page.
    console.log_in(&browser, DESK.0, DESK.2).await;
    browser.goto(&console.page("/unanswered")).await;
    assert_eq!(status(&browser).await, 403);
    browser.goto(&console.page("/inbox")).await;
    console.log_out(&browser).await;

    console.log_in(&browser, CLINICIAN.0, CLINICIAN.2).await;
    browser.goto(&console.page("/unanswered")).await;
    let asked = browser
        .wait_for_text("li.question .asked", MURAL, PAGE_WAIT)
        .await;
    assert_eq!(asked, MURAL);
    assert!(!browser.text_of("main").await.contains("Pat"), "no name");

    // Meanwhile somebody put the question in a topic by hand: adding it to
    // another topic would leave it in two, and is refused.
    let text = String::from_utf8(shipped.clone()).unwrap();
    let by_hand = text.replacen(
        "phrasings = [\n",
        &format!("phrasings = [\n  \"{MURAL}\",\n"),
        1,
    );
    std::fs::write(&knowledge, &by_hand).unwrap();
    choose_topic(&browser, "location").await;
    browser.click("li.question form.teach button").await;
    let refused = browser
        .wait_for_text("#teach-notice", "Nothing was changed", PAGE_WAIT)
        .await;
    assert!(
        refused.contains("knowledge.toml, line") && refused.contains("what-is-dry-needling"),
        "{refused}"
    );
    assert_eq!(std::fs::read_to_string(&knowledge).unwrap(), by_hand);
    std::fs::write(&knowledge, &shipped).unwrap();

    // Added as a wording of the topic the clinician chose.
    choose_topic(&browser, "location").await;
    browser.click("li.question form.teach button").await;
    let added = browser
        .wait_for_text("#teach-notice", "Added.", PAGE_WAIT)
        .await;
    assert!(added.contains("now answers"), "{added}");
    assert!(browser.find(Locator::Css("#no-questions")).await.is_ok());
    let ana = User::new(802, "Ana");
    let answer = console.says(&ana, MURAL).await;
    assert!(
        answer.plain_text().contains("Harbor View"),
        "{}",
        answer.text
    );

    // Undone: the folder as it was, the question listed again, and the
    // bot falls back on it again.
    browser.click("#lessons form.undo button").await;
    browser
        .wait_for_text("#teach-notice", "Undone", PAGE_WAIT)
        .await;
    assert_eq!(std::fs::read(&knowledge).unwrap(), shipped, "byte for byte");
    browser
        .wait_for_text("li.question .asked", MURAL, PAGE_WAIT)
        .await;
    let ben = User::new(803, "Ben");
    let again = console.says(&ben, MURAL).await;
    assert!(again.plain_text().contains(FALLBACK), "{}", again.text);
    // A patient's HTML is the question's text on the page, and never runs.
    let xss = "<img src=x onerror=alert(1)> <script>alert(2)</script> do u have a sauna?";
    let eve = User::new(804, "Eve");
    console.says(&eve, xss).await;
    browser.goto(&console.page("/unanswered")).await;
    let shown = browser
        .wait_for_text("li.question .asked", "sauna", PAGE_WAIT)
        .await;
    assert_eq!(shown, xss);
    browser
        .assert_no_script_ran("the unanswered questions")
        .await;
    let audit = console.stop().await.audit();
    for action in ["unanswered_viewed", "questions_taught", "lesson_undone"] {
        assert!(
            audit
                .iter()
                .any(|e| e["action"] == action && e["who"] == "cleo"),
            "{action}: {audit:?}"
        );
    }
}

/// Picks `topic` in the first question's topic list.
async fn choose_topic(browser: &crate::helpers::Browser, topic: &str) {
    browser
        .wait_for("li.question form.teach select[name=topic]", PAGE_WAIT)
        .await
        .select_by_value(topic)
        .await
        .expect("the topic is in the list");
}
