//! A real headless browser for the staff console's tests: Debian's
//! `chromium` driven through its `chromedriver` over WebDriver
//! ([`spawn_browser`], [`Browser`]). Each browser gets its own chromedriver on
//! a loopback port and a fresh temporary profile, starts with the flags that
//! keep it off the network (the tests run in a network namespace with only
//! loopback), and is killed with its chromium when the [`Browser`] is dropped.
//! At most [`MAX_BROWSERS`] run at once, whatever number of tests cargo runs in
//! parallel. The helpers wait with a deadline and panic with what they were
//! waiting for, so a failing test says which element or text never came.

// The console's tests each use some of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::Deref;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Where Debian puts them (`apt-get install chromium chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Headless, and nothing that reaches out to the network on its own.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--window-size=1280,900",
];

/// How many browsers may run at once: each chromium is several processes and
/// a few hundred megabytes, and CI has two cores.
pub const MAX_BROWSERS: usize = 2;
static BROWSERS: Semaphore = Semaphore::const_new(MAX_BROWSERS);

/// How long chromedriver and chromium get to start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One headless chromium under its own chromedriver. Derefs to the
/// [`fantoccini::Client`] for anything the helpers below do not cover.
pub struct Browser {
    client: Client,
    driver: Child,
    /// Where chromedriver listens, and the session it runs there.
    port: u16,
    session: Option<String>,
    /// chromedriver's own output, for the panic message when it fails.
    driver_output: Arc<Mutex<Vec<String>>>,
    _profile: tempfile::TempDir,
    _permit: SemaphorePermit<'static>,
}

/// Starts chromedriver on a free loopback port and a headless chromium with a
/// fresh profile, waiting for a free slot first (see [`MAX_BROWSERS`]).
pub async fn spawn_browser() -> Browser {
    let permit = BROWSERS
        .acquire()
        .await
        .expect("the browser semaphore is never closed");
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "the browser tests need {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver (.ci/run does it)"
    );
    let (mut driver, port, driver_output) = start_chromedriver();
    let profile = tempfile::Builder::new()
        .prefix("frontdesk-chromium-")
        .tempdir()
        .expect("temporary chromium profile");
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| arg.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        // The browser console, read by `console_log`.
        "goog:loggingPrefs": { "browser": "ALL" },
        // An alert stays open for `alert_text` to see instead of being
        // dismissed by the next command.
        "unhandledPromptBehavior": "ignore",
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities);
    let driver_url = format!("http://127.0.0.1:{port}");
    let connect = builder.connect(&driver_url);
    let client = match tokio::time::timeout(START_TIMEOUT, connect).await {
        Ok(Ok(client)) => client,
        failed => {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!(
                "no chromium session ({failed:?}); chromedriver said:\n{}",
                driver_output.lock().unwrap().join("\n")
            );
        }
    };
    let session = client.session_id().await.ok().flatten();
    Browser {
        client,
        driver,
        port,
        session,
        driver_output,
        _profile: profile,
        _permit: permit,
    }
}

/// Starts chromedriver in its own process group (so that dropping the
/// [`Browser`] kills chromium with it) and returns it with its port.
///
/// chromedriver 148 takes `--port=0` and prints the port it got; older ones
/// may not, so on any doubt it is given a port found free by binding
/// 127.0.0.1:0, retried if another process took it in between.
fn start_chromedriver() -> (Child, u16, Arc<Mutex<Vec<String>>>) {
    let mut last_output = Vec::new();
    for attempt in 0..5 {
        let port = if attempt == 0 {
            0
        } else {
            let listener =
                TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
            listener.local_addr().unwrap().port()
        };
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut driver = command
            .spawn()
            .unwrap_or_else(|error| panic!("{CHROMEDRIVER}: {error}"));
        let output = Arc::new(Mutex::new(Vec::new()));
        let (ready, port_said) = std::sync::mpsc::channel();
        // Keep reading both pipes for the driver's whole life, so that it
        // never blocks on a full pipe; the line with the port goes to `ready`.
        for pipe in [
            Box::new(driver.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(driver.stderr.take().unwrap()),
        ] {
            let output = Arc::clone(&output);
            let ready = ready.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Some(rest) = line.split(" started successfully on port ").nth(1) {
                        let said = rest.trim_end_matches('.').trim().parse::<u16>().ok();
                        let _ = ready.send(said);
                    }
                    output.lock().unwrap().push(line);
                }
                // The pipe closed: chromedriver is gone.
                let _ = ready.send(None);
            });
        }
        drop(ready);
        let said = port_said.recv_timeout(START_TIMEOUT).ok().flatten();
        let port = match said {
            Some(said) if said != 0 && (port == 0 || said == port) => said,
            _ => {
                kill_group(&mut driver);
                last_output = output.lock().unwrap().clone();
                continue;
            }
        };
        // It prints the line once it listens; still, wait until it answers.
        let deadline = Instant::now() + START_TIMEOUT;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver never answered on {address}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        return (driver, port, output);
    }
    panic!(
        "chromedriver did not start; it said:\n{}",
        last_output.join("\n")
    );
}

/// Kills chromedriver and everything it started (chromium and its helpers
/// share its process group), then reaps chromedriver.
fn kill_group(driver: &mut Child) {
    #[cfg(unix)]
    // SAFETY: kill(2) on the process group this module created for the driver.
    unsafe {
        libc::kill(-(driver.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for Browser {
    /// Ends the session (chromedriver closes chromium and reaps it), then
    /// kills whatever is left. Blocking, on purpose: the test's runtime may be
    /// on its way out, and a plain HTTP request needs none.
    fn drop(&mut self) {
        if let Some(session) = &self.session {
            delete_session(self.port, session);
        }
        kill_group(&mut self.driver);
    }
}

/// `DELETE /session/{id}` to chromedriver, waiting at most a few seconds.
fn delete_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // The answer comes once chromium is gone; chromedriver keeps the
    // connection open after it, so read just the one response.
    let mut response = Vec::new();
    let mut buffer = [0; 1024];
    while let Ok(read @ 1..) = stream.read(&mut buffer) {
        response.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return;
            }
        }
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// One line of the browser's console, as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO` or `DEBUG`.
    pub level: String,
    /// Where it came from (`javascript`, `security` for a CSP refusal,
    /// `network`, `console-api` for `console.log`), and the text.
    pub source: String,
    pub message: String,
}

/// chromedriver's `POST /session/{id}/se/log` (not in the W3C protocol, which
/// has no way to read the console).
#[derive(Debug)]
struct ReadLog;

impl WebDriverCompatibleCommand for ReadLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

impl Browser {
    /// The WebDriver client, for anything not below.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("opening {url}: {error}"));
    }

    /// The rendered text of the first element matching `css` (what a person
    /// sees: no markup, hidden parts left out).
    pub async fn text_of(&self, css: &str) -> String {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css:?}: {error}"));
        element
            .text()
            .await
            .unwrap_or_else(|error| panic!("the text of {css:?}: {error}"))
    }

    /// Waits until an element matches `css`, and returns it.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        self.client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css:?} within {timeout:?}: {error}"))
    }

    /// Waits until the first element matching `css` shows text containing
    /// `needle`, and returns its whole text.
    pub async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                // The element may be replaced between find and text.
                // The live part is swapped while it is read: any error
                // here is retried until the deadline, and then reported.
                match element.text().await {
                    Ok(text) if text.contains(needle) => return text,
                    Ok(text) => last = Some(text),
                    Err(error) => last = Some(format!("(cannot read it: {error})")),
                }
            }
            if Instant::now() >= deadline {
                panic!("{css:?} never showed {needle:?} within {timeout:?}; last text: {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `value` into the field matching `css`, replacing what was there.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.wait_for(css, Duration::from_secs(5)).await;
        field
            .clear()
            .await
            .unwrap_or_else(|error| panic!("clearing {css:?}: {error}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|error| panic!("typing into {css:?}: {error}"));
    }

    /// Clicks the element matching `css`, as a person would (it must be
    /// visible and not covered).
    pub async fn click(&self, css: &str) {
        self.wait_for(css, Duration::from_secs(5))
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("clicking {css:?}: {error}"));
    }

    /// The cookies the current page's site has set, with their flags
    /// (`http_only()`, `same_site()`, `secure()`), HttpOnly ones included.
    pub async fn cookies(&self) -> Vec<Cookie<'static>> {
        self.client
            .get_all_cookies()
            .await
            .unwrap_or_else(|error| panic!("reading the cookies: {error}"))
    }

    /// The cookie called `name` on the current page's site, if any.
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.cookies()
            .await
            .into_iter()
            .find(|cookie| cookie.name() == name)
    }

    /// The text of the JavaScript `alert` (or `confirm`, `prompt`) open now,
    /// if any: an XSS payload such as `<img src=x onerror=alert(1)>` that ran
    /// leaves one open.
    pub async fn alert_text(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => Some(text),
            Err(error) if error.is_no_such_alert() => None,
            Err(error) => panic!("asking for an alert: {error}"),
        }
    }

    /// Panics if a JavaScript dialog is open, or the console has a script
    /// error: one that threw, or one the Content-Security-Policy refused (an
    /// injected inline handler blocked by the CSP is still an injection).
    /// Failed requests (`source: "network"`, such as the favicon's 404) are
    /// not script errors. `what` names the page in the message.
    pub async fn assert_no_script_ran(&self, what: &str) {
        if let Some(text) = self.alert_text().await {
            panic!("{what}: an alert opened, saying {text:?}");
        }
        let errors: Vec<_> = self
            .console_log()
            .await
            .into_iter()
            .filter(|entry| entry.level == "SEVERE" && entry.source != "network")
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: script errors in the browser console: {errors:#?}"
        );
    }

    /// The browser console since the last call (chromedriver hands each line
    /// out once): `console.log` calls, uncaught errors, CSP refusals, failed
    /// requests.
    pub async fn console_log(&self) -> Vec<ConsoleEntry> {
        let value = self
            .client
            .issue_cmd(ReadLog)
            .await
            .unwrap_or_else(|error| panic!("reading the browser console: {error}"));
        let field =
            |entry: &Value, name: &str| entry[name].as_str().unwrap_or_default().to_string();
        value
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| ConsoleEntry {
                        level: field(entry, "level"),
                        source: field(entry, "source"),
                        message: field(entry, "message"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What chromedriver has printed, to explain a failure.
    pub fn driver_output(&self) -> String {
        self.driver_output.lock().unwrap().join("\n")
    }
}
