//! The web chat in a real browser, embedded as a clinic embeds it: the
//! widget's one tag on the clinic's site, served from an origin of its own
//! that `clinic.toml` lists, and the real `frontdesk serve` behind it
//! (with the fake Telegram's desk group as the staff desk).

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use frontdesk_testkit::telegram::User;
use frontdesk_testkit::{ScreenMove, next_screen_move};
use serde_json::{Value, json};

use crate::helpers::{
    Browser, PAGE_WAIT, enter_panel, lines, settled_lines, spawn_other_origin, spawn_web_chat,
    write,
};

/// The Telegram desk group of `faq/desk.toml`, and Maria on it.
const TELEGRAM_DESK: i64 = -1_001_000_000_001;
const MARIA: u64 = 5_000_001;

/// Every resource the page in view (or the frame entered) has fetched,
/// by address.
async fn fetched(browser: &Browser) -> Vec<String> {
    let names = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(names).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_on_the_clinics_own_site_gets_its_answer_and_no_other_host_is_asked() {
    let chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    browser.goto(&chat.site.url).await;
    let launcher = browser
        .wait_for("button.frontdesk-launcher", PAGE_WAIT)
        .await;
    assert_eq!(
        launcher.text().await.unwrap(),
        "Chat with us",
        "a named launcher"
    );
    enter_panel(&browser).await;
    let stored = browser
        .execute("return window.localStorage.length;", vec![])
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored before the patient writes");
    assert!(
        browser
            .find(Locator::Css("#panel[role=dialog][aria-modal=true]"))
            .await
            .is_ok()
    );
    assert!(
        browser
            .find(Locator::Css("#messages[aria-live=polite]"))
            .await
            .is_ok()
    );

    write(&browser, "does dry needling hurt?").await;
    browser
        .wait_for_text("#messages li.bot", "needle", PAGE_WAIT)
        .await;
    assert_eq!(
        settled_lines(&browser, "li.me", 1).await,
        ["does dry needling hurt?"],
        "the patient's line, once"
    );
    for name in fetched(&browser).await {
        assert!(name.starts_with(&chat.url), "the panel asked {name}");
    }
    // Escape closes the panel and gives the focus back to the launcher.
    browser
        .active_element()
        .await
        .unwrap()
        .send_keys(&char::from(Key::Escape).to_string())
        .await
        .unwrap();
    browser.enter_parent_frame().await.unwrap();
    let deadline = std::time::Instant::now() + PAGE_WAIT;
    let focused = loop {
        let focused = browser
            .execute(
                "return [document.activeElement.className, \
                   document.querySelector('iframe.frontdesk-panel').hidden];",
                vec![],
            )
            .await
            .unwrap();
        if focused[1] == true || std::time::Instant::now() > deadline {
            break focused;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(focused, json!(["frontdesk-launcher", true]));
    for name in fetched(&browser).await {
        assert!(
            name.starts_with(&chat.url) || name.starts_with(&chat.site.url),
            "the clinic's page asked {name}"
        );
    }
    browser.assert_no_script_ran("the chat panel").await;
}

/// The panel's last bot line: its mailbox number and its buttons' ids.
async fn last_buttons(browser: &Browser) -> (String, Vec<String>) {
    let last = browser
        .execute(
            "const lines = document.querySelectorAll('#messages li.bot'); \
             const last = lines[lines.length - 1]; \
             return [last.dataset.number, \
               Array.from(last.querySelectorAll('button')).map(b => b.dataset.choice)];",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(last).unwrap()
}

/// Waits until the bot's lines grow past `shown`, and returns their count.
async fn next_bot_line(browser: &Browser, shown: usize) -> usize {
    settled_lines(browser, "li.bot", shown + 1).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_screen_runs_on_buttons_and_a_reload_continues_at_the_same_question() {
    let chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    chat.open(&browser).await;
    write(&browser, "/screen").await;
    let mut shown = next_bot_line(&browser, 0).await;
    let mut reloaded = false;
    for step in 0..40 {
        let (number, buttons) = last_buttons(&browser).await;
        match next_screen_move(&buttons, &[]) {
            ScreenMove::Press(id) => {
                let css = format!("li[data-number=\"{number}\"] button[data-choice=\"{id}\"]");
                browser.click(&css).await;
            }
            ScreenMove::Type(text) => write(&browser, text).await,
            ScreenMove::Done => break,
        }
        shown = next_bot_line(&browser, shown).await;
        if step == 2 && !reloaded {
            // Mid-screen, the patient reloads the clinic's page.
            let question = lines(&browser, "li.bot").await.pop().unwrap();
            browser.enter_parent_frame().await.unwrap();
            browser.refresh().await.unwrap();
            enter_panel(&browser).await;
            let again = settled_lines(&browser, "li.bot", shown).await;
            assert_eq!(again.len(), shown, "each line once after the reload");
            assert_eq!(again.last(), Some(&question), "at the same question");
            reloaded = true;
        }
    }
    assert!(reloaded);
    let outcome = browser
        .execute(
            "return Array.from(document.querySelectorAll('#messages li.bot'))\
               .some(l => l.dataset.kind === 'outcome');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Value::Bool(true),
        "the screen ended with its outcome"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_while_serve_was_killed_is_answered_once_when_it_is_back() {
    let mut chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    chat.open(&browser).await;
    write(&browser, "does dry needling hurt?").await;
    let before = settled_lines(&browser, "li.bot", 2).await.len();

    chat.kill().await;
    write(&browser, "how much does a session cost?").await;
    chat.restart().await;
    let after = settled_lines(&browser, "li.bot", before + 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_more = lines(&browser, "li.bot").await;
    assert_eq!(after, after_more, "nothing came twice");
    assert!(after.len() > before, "the answer came: {after:?}");
    assert_eq!(
        lines(&browser, "li.me").await,
        ["does dry needling hurt?", "how much does a session cost?"],
        "each of the patient's lines once"
    );
    // And once after a reload, from the mailbox.
    browser.enter_parent_frame().await.unwrap();
    browser.refresh().await.unwrap();
    enter_panel(&browser).await;
    assert_eq!(settled_lines(&browser, "li.bot", after.len()).await, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_from_the_patient_and_from_the_desk_shows_as_text_and_never_runs() {
    let chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    chat.open(&browser).await;
    // The patient's own HTML: shown as typed, and again from the mailbox.
    let typed = "<img src=x onerror=alert(1)> <script>alert(2)</script> hi";
    write(&browser, typed).await;
    browser.wait_for("#messages li.bot", PAGE_WAIT).await;
    assert_eq!(settled_lines(&browser, "li.me", 1).await, [typed]);
    let before = lines(&browser, "li.bot").await.len();
    write(&browser, "can I talk to a real person?").await;
    let told = settled_lines(&browser, "li.bot", before + 1).await;
    assert!(
        told[before..].iter().any(|l| l.contains("front-desk team")),
        "{told:?}"
    );
    // (The day's digest may be posted to the desk first.)
    let post = chat.fake.first_to_containing(TELEGRAM_DESK, "on web").await;
    let maria = User::new(MARIA as i64, "Maria");
    let posted = chat.fake.sent_to(TELEGRAM_DESK).len();
    chat.fake.user_presses(&maria, &post, "desk:claim:1");
    chat.fake.next_to(TELEGRAM_DESK, posted).await;
    let reply = "<b>Hi</b> <img src=x onerror=alert(1)> see you at 3";
    chat.fake
        .group_message(TELEGRAM_DESK, &maria, &format!("/reply 1 {reply}"));
    let shown = browser
        .wait_for_text("#messages li.staff", "see you at 3", PAGE_WAIT)
        .await;
    assert!(shown.ends_with(reply), "{shown}");
    assert!(
        browser
            .find_all(Locator::Css("#messages img, #messages b, #messages script"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(browser.alert_text().await, None);
    browser.assert_no_script_ran("the chat panel").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_in_the_web_chat_gets_the_emergency_answer_and_the_desk_an_alert() {
    let chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    chat.open(&browser).await;
    write(&browser, "I have crushing chest pain and I can't breathe").await;
    let answer = browser
        .wait_for_text("#messages li.emergency", "911", PAGE_WAIT)
        .await;
    assert!(answer.starts_with("Call 911 now"), "{answer}");
    let alert = chat
        .fake
        .first_to_containing(TELEGRAM_DESK, "EMERGENCY")
        .await;
    let text = alert.plain_text();
    assert!(text.contains("EMERGENCY") && text.contains("web"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_an_origin_the_clinic_did_not_list_can_neither_frame_the_chat_nor_follow_it() {
    let chat = spawn_web_chat("").await;
    let browser = chat.browser().await;
    // A real visitor on the clinic's site, whose id the other page knows.
    chat.open(&browser).await;
    write(&browser, "does dry needling hurt?").await;
    browser
        .wait_for_text("#messages li.bot", "needle", PAGE_WAIT)
        .await;
    let visitor = browser
        .execute("return localStorage.getItem('frontdesk.visitor');", vec![])
        .await
        .unwrap();
    let visitor = visitor.as_str().unwrap().to_owned();

    let page = format!(
        "<!doctype html><html><head><script src=\"{url}/chat/widget.js\" async></script>\
         <script>\
           const s = new EventSource('{url}/chat/api/events?visitor={visitor}&after=0');\
           s.onmessage = () => document.body.dataset.read = 'yes';\
           s.onerror = () => document.body.dataset.stream = String(s.readyState);\
           fetch('{url}/chat/api/messages', {{method: 'POST', \
             headers: {{'Content-Type': 'application/json'}}, \
             body: JSON.stringify({{visitor: '{visitor}', seq: 99, text: 'from evil'}})}})\
             .then(r => document.body.dataset.post = String(r.status), \
                   () => document.body.dataset.post = 'refused');\
         </script></head><body><h1>Not the clinic</h1></body></html>",
        url = chat.url
    );
    let (other, server) = spawn_other_origin(page).await;
    browser.enter_parent_frame().await.unwrap();
    browser.goto(&other).await;
    let outcome = {
        let deadline = std::time::Instant::now() + PAGE_WAIT;
        loop {
            let seen = browser
                .execute(
                    "return [document.body.dataset.stream || '', document.body.dataset.post || '', \
                       document.body.dataset.read || ''];",
                    vec![],
                )
                .await
                .unwrap();
            if seen[0] != "" && seen[1] != "" || std::time::Instant::now() > deadline {
                break seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(
        outcome,
        json!(["2", "refused", ""]),
        "closed, refused, unread"
    );

    // The widget's frame shows nothing of the chat there.
    browser.click("button.frontdesk-launcher").await;
    let frame = browser.wait_for("iframe.frontdesk-panel", PAGE_WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    frame.enter_frame().await.unwrap();
    assert!(
        browser.find(Locator::Css("#text")).await.is_err(),
        "the panel must not load in an unlisted site's frame"
    );
    server.abort();

    // Nothing the other page sent was taken.
    browser.enter_parent_frame().await.unwrap();
    chat.open(&browser).await;
    let mine = settled_lines(&browser, "li.me", 1).await;
    assert_eq!(mine, ["does dry needling hurt?"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_message_limit_the_patient_is_told_to_wait_or_call_and_the_chat_goes_on() {
    let chat = spawn_web_chat("[web_chat]\nmessages_per_visitor_per_minute = 3\n").await;
    let browser = chat.browser().await;
    chat.open(&browser).await;
    let mut answers = 0;
    for question in ["hello", "does it hurt?", "how much is it?"] {
        write(&browser, question).await;
        answers = next_bot_line(&browser, answers).await;
    }
    write(&browser, "what should I wear?").await;
    let status = browser
        .wait_for_text("#status", "wait a minute", PAGE_WAIT)
        .await;
    assert!(status.contains("call us"), "{status}");
    browser.wait_for("#messages li.not-sent", PAGE_WAIT).await;
    assert_eq!(lines(&browser, "li.me").await.len(), 4);
    // The page still works: its lines are all there after a reload.
    browser.enter_parent_frame().await.unwrap();
    browser.refresh().await.unwrap();
    enter_panel(&browser).await;
    assert_eq!(
        settled_lines(&browser, "li.me", 3).await,
        ["hello", "does it hurt?", "how much is it?"]
    );
}
