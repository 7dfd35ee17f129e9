//! The web chat as a clinic runs it: the clinic's site on an origin of its
//! own (another loopback port) with the widget's one tag, a copy of the
//! knowledge folder that lists that site, and `frontdesk serve` with its
//! console and the fake Telegram's desk ([`spawn_web_chat`], [`WebChat`]);
//! and what the browser tests do in the chat's panel.

// Each web chat test uses some of these helpers.
#![allow(dead_code)]

use std::ops::{Deref, DerefMut};

use fantoccini::Locator;

use super::console::{Site, spawn_console_on, spawn_site};
use super::{Browser, ConsoleBot, PAGE_WAIT, TestBot, faq_copy};

/// A clinic's site with the web chat, and the serve behind it.
pub struct WebChat {
    pub console: ConsoleBot,
    /// The clinic's site, listed in `[web_chat] sites`.
    pub site: Site,
    _faq: tempfile::TempDir,
    _settings: tempfile::TempDir,
}

impl Deref for WebChat {
    type Target = ConsoleBot;
    fn deref(&self) -> &ConsoleBot {
        &self.console
    }
}

impl DerefMut for WebChat {
    fn deref_mut(&mut self) -> &mut ConsoleBot {
        &mut self.console
    }
}

/// Starts the clinic's site and serve, with `settings` as serve's
/// `frontdesk.toml` (empty for the defaults).
pub async fn spawn_web_chat(settings: &str) -> WebChat {
    let site = spawn_site().await;
    let faq = faq_copy();
    let clinic = faq.path().join("clinic.toml");
    let text = std::fs::read_to_string(&clinic).unwrap();
    let listed = text.replace(
        "sites = [\"https://bayside-physio.example\"]",
        &format!("sites = [\"{}\"]", site.url),
    );
    assert_ne!(listed, text, "faq/clinic.toml lists a site to replace");
    std::fs::write(&clinic, listed).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("frontdesk.toml");
    std::fs::write(&file, settings).unwrap();
    let bot = TestBot {
        data: tempfile::tempdir().unwrap(),
        faq: faq.path().to_owned(),
    };
    let console = spawn_console_on(bot, &[], &["--settings", file.to_str().unwrap()]).await;
    *site.page.lock().unwrap() = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Bayside Physio</title>\
         <script src=\"{}/chat/widget.js\" async></script></head>\
         <body><h1>Bayside Physio &amp; Chiropractic</h1><p>Welcome.</p></body></html>",
        console.url
    );
    WebChat {
        console,
        site,
        _faq: faq,
        _settings: folder,
    }
}

impl WebChat {
    /// Opens the clinic's site, presses the chat's launcher, and enters
    /// the panel's frame.
    pub async fn open(&self, browser: &Browser) {
        browser.goto(&self.site.url).await;
        enter_panel(browser).await;
    }
}

/// Presses the launcher on the page shown and enters the panel's frame.
pub async fn enter_panel(browser: &Browser) {
    browser.click("button.frontdesk-launcher").await;
    let frame = browser.wait_for("iframe.frontdesk-panel", PAGE_WAIT).await;
    frame.enter_frame().await.expect("the panel's frame");
    browser.wait_for("#text", PAGE_WAIT).await;
}

/// The patient types `text` and sends it.
pub async fn write(browser: &Browser, text: &str) {
    browser.fill("#text", text).await;
    browser.click("#send button[type=submit]").await;
}

/// The texts of the panel's lines matching `css` (`li.bot`, `li.me`).
pub async fn lines(browser: &Browser, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for line in browser
        .find_all(Locator::Css(&format!("#messages {css}")))
        .await
        .unwrap()
    {
        texts.push(line.text().await.unwrap_or_default());
    }
    texts
}

/// Waits until the panel shows `count` lines matching `css`, and a moment
/// more, then returns them (so that a line shown twice would show).
pub async fn settled_lines(browser: &Browser, css: &str, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + PAGE_WAIT;
    loop {
        let now = lines(browser, css).await;
        if now.len() >= count || std::time::Instant::now() > deadline {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            return lines(browser, css).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
