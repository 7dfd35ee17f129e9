//! Sending with retries, and what a failure means.
//!
//! A request is retried only when Telegram certainly did not act on it:
//! a 429 (after exactly `retry_after`) and a connection that could not be
//! made. A call that is safe to repeat ([`repeatable`]: reading, or
//! setting something to the same value) is also retried after a 5xx, a
//! proxy's error page, an answer that does not parse, or a connection lost
//! after the request went out. A message ([`send`]) is not: Telegram has no
//! idempotency key, so a message whose fate is unknown is never sent again
//! (it could reach the patient twice); the caller reports it undelivered.
//! A request Telegram rejected for a reason that will not change (bad
//! request, forbidden) is not retried. No attempt starts after
//! [`SEND_DEADLINE`].
//!
//! A 2xx answer whose body is not JSON (teloxide's `InvalidJson`) means
//! Telegram did what was asked and something between mangled the answer: a
//! message is then taken as delivered. A proxy's HTML error page reaches
//! teloxide the same way; its body starts with `<`, and for a message it
//! means "fate unknown".
//!
//! Each chat's replies are sent one after another (the dispatcher handles
//! a chat's updates in order and each send is awaited), so order within a
//! chat is kept.
//!
//! Errors are logged by kind only ([`describe`]): teloxide's own text holds
//! the response body (which can be a patient's words) or the request URL
//! (which holds the bot's token).

use std::future::Future;
use std::time::Duration;

use teloxide::{ApiError, RequestError};

/// Attempts before giving up on one request.
pub const MAX_ATTEMPTS: u32 = 12;
/// No retry starts this long after the first attempt.
pub const SEND_DEADLINE: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether a call may be made twice with no harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// Sending a message: a second copy would reach the patient.
    Send,
    /// Reading, or setting something to the same value again.
    Repeatable,
}

/// Sends a message, retrying only what certainly did not take effect,
/// within [`SEND_DEADLINE`]. `Ok(None)`: Telegram took it but its answer
/// could not be read. An error: Telegram refused it, or its fate is
/// unknown; either way it is not sent again.
pub async fn send<F, Fut, T>(op: F) -> Result<Option<T>, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    with_retries(Call::Send, op).await
}

/// Makes a call that is safe to repeat, retrying what [`retry_delay`]
/// allows (an answer that does not parse included) within
/// [`SEND_DEADLINE`].
pub async fn repeatable<F, Fut, T>(mut op: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    loop {
        // A repeatable call never ends unconfirmed: this loops once.
        if let Some(value) = with_retries(Call::Repeatable, &mut op).await? {
            return Ok(value);
        }
    }
}

async fn with_retries<F, Fut, T>(call: Call, mut op: F) -> Result<Option<T>, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let started = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(value) => return Ok(Some(value)),
            Err(e) if call == Call::Send && is_mangled_success(&e) => {
                tracing::warn!(
                    error = describe(&e),
                    "Telegram's answer to a message did not parse; taken as delivered"
                );
                return Ok(None);
            }
            Err(e) => {
                attempt += 1;
                let delay = match call {
                    Call::Send => retry_send_delay(&e, attempt),
                    Call::Repeatable => retry_delay(&e, attempt),
                };
                match delay {
                    Some(wait)
                        if attempt < MAX_ATTEMPTS && started.elapsed() + wait < SEND_DEADLINE =>
                    {
                        tracing::warn!(
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            error = describe(&e),
                            "Telegram request failed; retrying"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    _ => return Err(e),
                }
            }
        }
    }
}

/// A 2xx whose body is not JSON: Telegram acted, something between
/// mangled its answer. (A proxy's error page, which starts with `<`, is
/// not one.)
fn is_mangled_success(error: &RequestError) -> bool {
    matches!(error, RequestError::InvalidJson { raw, .. } if !raw.trim_start().starts_with('<'))
}

/// Whether a failed message certainly never reached Telegram, or Telegram
/// refused it for now without acting on it: only then is it sent again.
fn retry_send_delay(error: &RequestError, attempt: u32) -> Option<Duration> {
    match error {
        RequestError::RetryAfter(seconds) => Some(seconds.duration()),
        RequestError::Network(e) if e.is_connect() => Some(backoff(attempt)),
        RequestError::Api(ApiError::Unknown(description))
            if description.contains("Too Many Requests") =>
        {
            Some(backoff(attempt))
        }
        _ => None,
    }
}

/// A failure in words that hold no body, URL or token: its kind, and for
/// Telegram's refusals Telegram's own description.
pub fn describe(error: &RequestError) -> String {
    match error {
        RequestError::Api(api) => format!("Telegram refused: {api}"),
        RequestError::MigrateToChatId(_) => "the group became a supergroup".into(),
        RequestError::RetryAfter(seconds) => {
            format!("rate limited for {} s", seconds.seconds())
        }
        RequestError::Network(e) if e.is_timeout() => "the request timed out".into(),
        RequestError::Network(e) if e.is_connect() => "could not connect".into(),
        RequestError::Network(_) => "a network error".into(),
        RequestError::InvalidJson { .. } => "an answer that did not parse".into(),
        RequestError::Io(e) => format!("an I/O error ({:?})", e.kind()),
    }
}

/// How long to wait before retrying a call that is safe to repeat after
/// this error, or `None` when it must not be retried.
pub fn retry_delay(error: &RequestError, attempt: u32) -> Option<Duration> {
    match error {
        RequestError::RetryAfter(seconds) => Some(seconds.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Some(backoff(attempt))
        }
        RequestError::Api(ApiError::Unknown(description)) if is_server_error(description) => {
            Some(backoff(attempt))
        }
        _ => None,
    }
}

fn is_server_error(description: &str) -> bool {
    const SERVER: [&str; 5] = [
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
        "Too Many Requests",
    ];
    SERVER.iter().any(|s| description.contains(s))
}

fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::Seconds;

    #[test]
    fn retry_after_is_honoured_exactly_and_client_errors_are_not_retried() {
        let e = RequestError::RetryAfter(Seconds::from_seconds(3));
        assert_eq!(retry_delay(&e, 1), Some(Duration::from_secs(3)));
        let e = RequestError::Api(ApiError::Unknown("Bad Gateway".into()));
        assert_eq!(retry_delay(&e, 1), Some(FIRST_BACKOFF));
        assert_eq!(retry_delay(&e, 3), Some(FIRST_BACKOFF * 4));
        assert_eq!(retry_delay(&e, 30), Some(MAX_BACKOFF));
        let e = RequestError::Api(ApiError::BotBlocked);
        assert_eq!(retry_delay(&e, 1), None);
    }

    #[test]
    fn a_message_is_sent_again_only_when_telegram_certainly_did_not_act() {
        let e = RequestError::RetryAfter(Seconds::from_seconds(2));
        assert_eq!(retry_send_delay(&e, 1), Some(Duration::from_secs(2)));
        for unknown in ["Bad Gateway", "Internal Server Error", "Gateway Timeout"] {
            let e = RequestError::Api(ApiError::Unknown(unknown.into()));
            assert_eq!(retry_send_delay(&e, 1), None, "{unknown}");
        }
        let html = RequestError::InvalidJson {
            source: serde_json::from_str::<serde_json::Value>("<")
                .unwrap_err()
                .into(),
            raw: "<html><body>502 Bad Gateway</body></html>".into(),
        };
        assert!(!is_mangled_success(&html));
        assert_eq!(retry_send_delay(&html, 1), None);
        let garbled = RequestError::InvalidJson {
            source: serde_json::from_str::<serde_json::Value>("{")
                .unwrap_err()
                .into(),
            raw: "{\"ok\":tru".into(),
        };
        assert!(is_mangled_success(&garbled));
    }
}
