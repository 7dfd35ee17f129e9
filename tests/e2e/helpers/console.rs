//! The staff console as a clinic runs it: the real `frontdesk serve` on a
//! free loopback port, against the fake Telegram, with accounts added by
//! the command line first ([`spawn_console`], [`ConsoleBot`]); and what its
//! browser tests need on top of [`Browser`]: logging in, the HTTP status of
//! the page shown, knowing when a page's live stream is connected, and a
//! page on another origin ([`spawn_other_origin`]).

// Each console test uses some of these helpers.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use frontdesk_testkit::telegram::{FakeTelegram, Sent, User};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{Browser, TestBot, signal, spawn_bot, stderr};

/// How long serve gets to say where the console is.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the browser waits for a page or a live update.
pub const PAGE_WAIT: Duration = Duration::from_secs(20);

/// `frontdesk serve` with its console, on a temporary data folder.
pub struct ConsoleBot {
    pub bot: TestBot,
    pub fake: FakeTelegram,
    pub serve: tokio::process::Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// What serve has written to its standard error so far.
    log: Arc<Mutex<Vec<String>>>,
    /// serve's arguments, for a restart.
    args: Vec<String>,
}

/// Adds the accounts `(name, role, password)` to a fresh data folder, then
/// starts `frontdesk serve --listen 127.0.0.1:0` on it against a fake
/// Telegram, and returns once serve has said where the console is.
pub async fn spawn_console(accounts: &[(&str, &str, &str)]) -> ConsoleBot {
    spawn_console_on(spawn_bot(), accounts, &[]).await
}

/// [`spawn_console`] on `bot`'s folders, with more arguments to serve.
pub async fn spawn_console_on(
    bot: TestBot,
    accounts: &[(&str, &str, &str)],
    args: &[&str],
) -> ConsoleBot {
    for (name, role, password) in accounts {
        let out = bot.run(
            &["staff", "add", name, "--role", role, "--password-stdin"],
            &format!("{password}\n"),
        );
        assert!(out.status.success(), "staff add {name}: {}", stderr(&out));
    }
    let fake = FakeTelegram::start().await;
    let args = [args, &["--listen", "127.0.0.1:0"]].concat();
    let (serve, url, log) = start_serve(&bot, &fake, &args).await;
    ConsoleBot {
        bot,
        fake,
        serve,
        url,
        log,
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

/// Starts serve and reads its log for its whole life (so the pipe never
/// fills), until it says where the console is.
async fn start_serve(
    bot: &TestBot,
    fake: &FakeTelegram,
    args: &[&str],
) -> (tokio::process::Child, String, Arc<Mutex<Vec<String>>>) {
    let mut serve = bot.serve(fake, args, Stdio::piped());
    let pipe = serve
        .stderr
        .take()
        .expect("serve's standard error is piped");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (found, address) = tokio::sync::oneshot::channel();
    {
        let log = log.clone();
        tokio::spawn(async move {
            let mut found = Some(found);
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = console_address(&line)
                    && let Some(found) = found.take()
                {
                    let _ = found.send(url);
                }
                log.lock().unwrap().push(line);
            }
        });
    }
    let url = match tokio::time::timeout(START_TIMEOUT, address).await {
        Ok(Ok(url)) => url,
        _ => panic!(
            "serve never said where the console is; it said:\n{}",
            log.lock().unwrap().join("\n")
        ),
    };
    (serve, url, log)
}

/// The console's address in serve's line "the staff console is at
/// http://127.0.0.1:PORT/", without the trailing slash.
fn console_address(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("the staff console is at ")?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http://")
        .then(|| url.trim_end_matches('/').to_owned())
}

impl ConsoleBot {
    /// The console page at `path` ("/inbox").
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// What serve has logged so far, to explain a failure.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Logs in as a test account `(name, role, password)`.
    pub async fn log_in_as(&self, browser: &Browser, (name, _, password): (&str, &str, &str)) {
        self.log_in(browser, name, password).await;
    }

    /// Fills in the login form and submits it; the browser is on whatever
    /// page the console answered with.
    pub async fn submit_login(&self, browser: &Browser, name: &str, password: &str) {
        browser.goto(&self.page("/login")).await;
        browser.fill("#name", name).await;
        browser.fill("#password", password).await;
        browser.click("#log-in").await;
        self.wait_for_page(browser, "#tickets, #no-tickets, #login-error, body > pre")
            .await;
    }

    /// Waits until the browser shows an element matching `css`; on timeout,
    /// panics with the page the browser shows and serve's log.
    pub async fn wait_for_page(&self, browser: &Browser, css: &str) {
        let deadline = Instant::now() + PAGE_WAIT;
        while browser.find(fantoccini::Locator::Css(css)).await.is_err() {
            if Instant::now() >= deadline {
                let url = browser.current_url().await.map(|u| u.to_string());
                let page = browser.source().await.unwrap_or_default();
                panic!(
                    "no {css:?} within {PAGE_WAIT:?}; the browser is at {url:?}, showing:\n\
                     {page}\nserve said:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Logs in, and checks the inbox came.
    pub async fn log_in(&self, browser: &Browser, name: &str, password: &str) {
        self.submit_login(browser, name, password).await;
        let url = browser.current_url().await.unwrap();
        assert_eq!(
            url.path(),
            "/inbox",
            "{name} was not let in: {}",
            browser.source().await.unwrap_or_default()
        );
    }

    /// Logs out with the header's button, and waits for the login page.
    pub async fn log_out(&self, browser: &Browser) {
        browser.click("header form.who button[type=submit]").await;
        self.wait_for_page(browser, "#log-in").await;
    }

    /// The patient asks for a person and is told the front desk is coming;
    /// returns what they were told.
    pub async fn hand_off(&self, patient: &User, words: &str) -> Sent {
        let answer = self.says(patient, words).await;
        assert!(
            answer.plain_text().contains("front-desk team"),
            "{words:?} did not reach a person: {}",
            answer.text
        );
        answer
    }

    /// The patient writes; returns the bot's next message to them.
    pub async fn says(&self, patient: &User, text: &str) -> Sent {
        let before = self.fake.sent_to(patient.id).len();
        self.fake.user_says(patient, text);
        self.fake.next_to(patient.id, before).await
    }

    /// The patient presses a button; returns the bot's next message.
    pub async fn presses(&self, patient: &User, on: &Sent, data: &str) -> Sent {
        let before = self.fake.sent_to(on.chat_id).len();
        self.fake.user_presses(patient, on, data);
        self.fake.next_to(on.chat_id, before).await
    }

    /// Kills serve (SIGKILL: no chance to finish anything).
    pub async fn kill(&mut self) {
        signal(&self.serve, "KILL");
        let _ = tokio::time::timeout(Duration::from_secs(30), self.serve.wait())
            .await
            .expect("serve dies on SIGKILL");
    }

    /// Starts serve again, after [`ConsoleBot::kill`], on the same data
    /// folder and address, as a supervisor would.
    pub async fn restart(&mut self) {
        let address = self.url.trim_start_matches("http://").to_owned();
        let mut args: Vec<&str> = Vec::new();
        let mut given = self.args.iter();
        while let Some(arg) = given.next() {
            if arg == "--listen" {
                given.next();
            } else {
                args.push(arg);
            }
        }
        args.extend(["--listen", &address]);
        let (serve, url, log) = start_serve(&self.bot, &self.fake, &args).await;
        assert_eq!(url, self.url, "serve came back on its address");
        let before = std::mem::take(&mut *self.log.lock().unwrap());
        log.lock().unwrap().splice(0..0, before);
        self.serve = serve;
        self.log = log;
    }

    /// Stops serve with SIGTERM and waits for it to exit (successfully);
    /// the data folder is then free for the command line.
    pub async fn stop(mut self) -> Stopped {
        signal(&self.serve, "TERM");
        let status = tokio::time::timeout(Duration::from_secs(30), self.serve.wait())
            .await
            .expect("serve stops after SIGTERM")
            .expect("serve's exit status");
        let log = self.log();
        assert!(status.success(), "serve exited with {status}:\n{log}");
        Stopped { bot: self.bot, log }
    }
}

/// The data folder of a console that has stopped.
pub struct Stopped {
    pub bot: TestBot,
    pub log: String,
}

impl Stopped {
    /// `frontdesk ARGS` on the stopped console's data folder; panics unless
    /// it succeeds, and returns its standard output.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.bot.run(args, "");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `frontdesk audit --json`, one entry each.
    pub fn audit(&self) -> Vec<Value> {
        super::json_lines(self.run(&["audit", "--json"]).as_bytes())
    }
}

/// The HTTP status of the page the browser shows (its navigation's).
pub async fn status(browser: &Browser) -> u16 {
    let value = browser
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return n ? n.responseStatus : 0;",
            vec![],
        )
        .await
        .expect("the page's navigation timing");
    value.as_u64().unwrap_or_default() as u16
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one DevTools
/// protocol command.
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl ConsoleBot {
    /// A browser for this console.
    pub async fn browser(&self) -> Browser {
        super::spawn_browser().await
    }
}

/// Runs `source` at the start of every document the browser opens from now
/// on, before the page's own scripts.
async fn on_every_page(browser: &Browser, source: &str) {
    browser
        .issue_cmd(DevTools {
            command: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": source }),
        })
        .await
        .expect("chromedriver runs DevTools commands");
}

/// From now on, every page the browser opens counts its live streams that
/// have connected in `window.__liveStreams` (the console's script opens
/// one `EventSource`; a stream's events reach it only once connected, so a
/// test waits for this before making a change the page should show).
pub async fn count_live_streams(browser: &Browser) {
    let source = "(() => {
        const Real = window.EventSource;
        if (!Real) return;
        window.__liveStreams = 0;
        const Counted = function (url, options) {
            const stream = new Real(url, options);
            stream.addEventListener('open', () => { window.__liveStreams += 1; });
            return stream;
        };
        Counted.prototype = Real.prototype;
        window.EventSource = Counted;
    })();";
    on_every_page(browser, source).await;
}

/// Waits until the page's live stream is connected (see
/// [`count_live_streams`], which must have been called before the page
/// was opened).
pub async fn wait_until_live(browser: &Browser) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let open = browser
            .execute("return window.__liveStreams || 0;", vec![])
            .await
            .expect("reading the live stream count");
        if open.as_u64().unwrap_or_default() >= 1 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page's live stream never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The number in the live region's `data-updates` (how many live refreshes
/// the script has made; 0 before the first).
pub async fn live_updates(browser: &Browser) -> u64 {
    browser
        .execute(
            "return Number(document.querySelector('#live').dataset.updates || '0');",
            vec![],
        )
        .await
        .expect("reading data-updates")
        .as_u64()
        .unwrap_or_default()
}

/// A page served on another loopback port (another origin), for
/// cross-origin attacks on the console and chat.
pub async fn spawn_other_origin(html: String) -> (String, tokio::task::JoinHandle<()>) {
    let site = spawn_site().await;
    *site.page.lock().unwrap() = html;
    (site.url, site.task)
}

/// A web site on its own loopback port: every path answers [`Site::page`],
/// which a test may set once it knows what to put there.
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub page: Arc<Mutex<String>>,
    pub task: tokio::task::JoinHandle<()>,
}

pub async fn spawn_site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let page = Arc::new(Mutex::new(String::new()));
    let serving = page.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let html = serving.lock().unwrap().clone();
            tokio::spawn(async move {
                // Read the request's head; the body (if any) does not matter.
                let mut head = Vec::new();
                let mut buffer = [0; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Site { url, page, task }
}
