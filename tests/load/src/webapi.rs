//! The web chat's API as a page uses it, over plain HTTP/1.1 on loopback
//! (hyper-util's client): `POST /chat/api/messages` with the page's
//! `Origin`, and `GET /chat/api/events` read as server-sent events by a
//! small line parser. A stream is read by its own task, which stamps each
//! event with the moment it was parsed, so a visitor busy elsewhere does
//! not make replies look late.

use std::time::Instant;

use anyhow::Context;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The chat's API at one `serve`'s listener.
#[derive(Clone)]
pub struct Api {
    client: Client<HttpConnector, String>,
    /// `http://127.0.0.1:PORT`: the base of every URL, and the `Origin`
    /// the page would send.
    origin: String,
}

/// What a visitor sends: typed text, or a button's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    Choice(String),
}

/// How a `POST /chat/api/messages` went.
#[derive(Debug, Clone)]
pub enum Posted {
    /// 200, with the visitor's token.
    Taken(String),
    /// Any other status (429 over a limit, 413 too long, 403 wrong origin).
    Refused(u16),
}

/// How a stream asks for what it missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// `?after=N`.
    Query(u64),
    /// The `Last-Event-ID: N` header, as a browser's `EventSource` sends it
    /// on its own reconnection (with `after=0` in the query).
    LastEventId(u64),
}

/// One message event of the stream: a line of the visitor's mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    /// `Some(true)` from the patient, `Some(false)` from the clinic, `None`
    /// when the server does not say (counted as the clinic's).
    pub from_patient: Option<bool>,
    pub kind: String,
    pub text: String,
    /// The choices' ids.
    pub choices: Vec<String>,
}

/// What a stream's task reports.
#[derive(Debug)]
pub enum Streamed {
    /// A message event, and when it was parsed.
    Line(Instant, Line),
    /// The stream ended or failed (not sent when the task is aborted).
    Ended(String),
}

impl Api {
    pub fn new(address: std::net::SocketAddr) -> Api {
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .build_http();
        Api {
            client,
            origin: format!("http://{address}"),
        }
    }

    /// Sends one message. `visitor` is the token kept from an earlier answer
    /// (none on the first message).
    pub async fn post(
        &self,
        visitor: Option<&str>,
        seq: u64,
        input: &Input,
    ) -> anyhow::Result<Posted> {
        let mut body = json!({"seq": seq, "language": "en"});
        if let Some(token) = visitor {
            body["visitor"] = json!(token);
        }
        match input {
            Input::Text(text) => body["text"] = json!(text),
            Input::Choice(id) => body["choice"] = json!(id),
        }
        let request = http::Request::post(format!("{}/chat/api/messages", self.origin))
            .header(http::header::ORIGIN, &self.origin)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())?;
        let response = self.client.request(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        if status != http::StatusCode::OK {
            return Ok(Posted::Refused(status.as_u16()));
        }
        let answer: Value = serde_json::from_slice(&bytes).context("the answer is not JSON")?;
        let token = answer["visitor"]
            .as_str()
            .context("the answer has no visitor token")?;
        Ok(Posted::Taken(token.to_owned()))
    }

    /// Opens the visitor's stream and reads it in a task of its own, which
    /// sends every message event on the channel until the stream ends or
    /// the task is aborted (which closes the connection).
    pub async fn follow(
        &self,
        visitor: &str,
        resume: Resume,
    ) -> anyhow::Result<(
        tokio::task::JoinHandle<()>,
        mpsc::UnboundedReceiver<Streamed>,
    )> {
        let after = match resume {
            Resume::Query(n) => n,
            Resume::LastEventId(_) => 0,
        };
        let mut request = http::Request::get(format!(
            "{}/chat/api/events?visitor={visitor}&after={after}",
            self.origin
        ))
        .header(http::header::ACCEPT, "text/event-stream");
        if let Resume::LastEventId(n) = resume {
            request = request.header("last-event-id", n.to_string());
        }
        let response = self.client.request(request.body(String::new())?).await?;
        anyhow::ensure!(
            response.status() == http::StatusCode::OK,
            "the events stream answered {}",
            response.status()
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let mut body = response.into_body();
        let task = tokio::spawn(async move {
            let mut parser = Parser::default();
            let why = loop {
                match body.frame().await {
                    None => break "the stream ended".to_owned(),
                    Some(Err(e)) => break format!("the stream failed: {e}"),
                    Some(Ok(frame)) => {
                        let Ok(data) = frame.into_data() else {
                            continue;
                        };
                        let at = Instant::now();
                        for event in parser.feed(&data) {
                            match event.line() {
                                Ok(Some(line)) => {
                                    let _ = tx.send(Streamed::Line(at, line));
                                }
                                Ok(None) => {}
                                Err(e) => {
                                    let _ = tx.send(Streamed::Ended(format!("{e:#}")));
                                    return;
                                }
                            }
                        }
                    }
                }
            };
            let _ = tx.send(Streamed::Ended(why));
        });
        Ok((task, rx))
    }
}

/// One server-sent event, as dispatched at its blank line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub id: Option<String>,
    /// `event:`; `None` for the default `message`.
    pub event: Option<String>,
    pub data: String,
}

impl Event {
    /// The mailbox line of a message event; `None` for other events (such as
    /// `typing`) and for events without data.
    pub fn line(&self) -> anyhow::Result<Option<Line>> {
        if self.event.as_deref().is_some_and(|e| e != "message") || self.data.is_empty() {
            return Ok(None);
        }
        let value: Value = serde_json::from_str(&self.data)
            .with_context(|| format!("an event's data is not JSON: {}", self.data))?;
        let number = value["number"]
            .as_u64()
            .with_context(|| format!("an event without a number: {}", self.data))?;
        if let Some(id) = &self.id {
            anyhow::ensure!(
                id.trim() == number.to_string(),
                "an event's id {id} is not its number {number}"
            );
        }
        let from_patient = match value["from"].as_str() {
            Some("patient") => Some(true),
            Some(_) => Some(false),
            None => None,
        };
        let choices = value["choices"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(Line {
            number,
            from_patient,
            kind: value["kind"].as_str().unwrap_or_default().to_owned(),
            text: value["text"].as_str().unwrap_or_default().to_owned(),
            choices,
        }))
    }
}

/// The text/event-stream format, fed in chunks cut anywhere: lines end at
/// CR, LF or CRLF; `field: value` lines (one space after the colon
/// dropped); a line starting with `:` is a comment (a keep-alive); a blank
/// line dispatches the event.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of a line not yet ended.
    partial: Vec<u8>,
    /// The previous chunk ended in CR: a LF first in this one is the same
    /// line end.
    after_cr: bool,
    event: Event,
    /// `data:` lines seen for the event being built.
    has_data: bool,
}

impl Parser {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &b in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match b {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.partial);
                    if let Some(event) = self.line(&String::from_utf8_lossy(&line)) {
                        events.push(event);
                    }
                }
                _ => self.partial.push(b),
            }
        }
        events
    }

    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let had_data = std::mem::take(&mut self.has_data);
            return had_data.then_some(event);
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => {
                if self.has_data {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(value);
                self.has_data = true;
            }
            "id" => self.event.id = Some(value.to_owned()),
            "event" => self.event.event = Some(value.to_owned()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_across_chunks_and_line_ends() {
        let stream = "data: {\"number\":1}\nid: 1\n\n: keep-alive\n\nevent: typing\ndata: {}\n\r\nid:2\r\ndata:{\"number\":2,\r\ndata: \"from\":\"patient\"}\r\r";
        for cut in [1, 2, 3, 7, 1000] {
            let mut parser = Parser::default();
            let mut events = Vec::new();
            for chunk in stream.as_bytes().chunks(cut) {
                events.extend(parser.feed(chunk));
            }
            assert_eq!(events.len(), 3, "chunks of {cut}: {events:?}");
            assert_eq!(events[0].id.as_deref(), Some("1"));
            assert_eq!(events[1].event.as_deref(), Some("typing"));
            assert_eq!(events[2].data, "{\"number\":2,\n\"from\":\"patient\"}");
            let lines: Vec<Line> = events
                .iter()
                .filter_map(|e| e.line().expect("valid"))
                .collect();
            assert_eq!(lines.len(), 2);
            assert_eq!(lines[0].from_patient, None);
            assert_eq!((lines[1].number, lines[1].from_patient), (2, Some(true)));
        }
    }

    #[test]
    fn an_id_that_is_not_the_number_is_an_error() {
        let event = Event {
            id: Some("3".into()),
            event: None,
            data: "{\"number\":4,\"from\":\"clinic\"}".into(),
        };
        assert!(event.line().is_err());
    }
}
