//! Sending with retries.
//!
//! The guarantee: a request is retried only when Telegram did not act on it,
//! or most likely did not: 429 (after exactly `retry_after`), 5xx answers (a
//! JSON error or a proxy's error page), and connection failures. A request
//! Telegram rejected for a reason that will not change (bad request,
//! forbidden) is not retried. Each chat's replies are sent one after another
//! (the dispatcher handles a chat's updates in order and each send is awaited),
//! so order within a chat is kept. A client timeout is retried too: a lost
//! reply (an emergency answer, say) is worse than a rare duplicate.

use std::future::Future;
use std::time::Duration;

use teloxide::{ApiError, RequestError};

/// Attempts before giving up on one request.
pub const MAX_ATTEMPTS: u32 = 12;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs `op` until it succeeds, retrying what [`retry_delay`] allows.
pub async fn retrying<F, Fut, T>(mut op: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) => {
                attempt += 1;
                match retry_delay(&e, attempt) {
                    Some(wait) if attempt < MAX_ATTEMPTS => {
                        tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %e, "Telegram request failed; retrying");
                        tokio::time::sleep(wait).await;
                    }
                    _ => return Err(e),
                }
            }
        }
    }
}

/// How long to wait before retrying after this error, or `None` when it must
/// not be retried.
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
}
