//! Console sessions, kept on the server: the browser holds only a random
//! token, and the store only that token's SHA-256, so a copy of the store
//! (or a backup) cannot be used to log in. A session ends after a time
//! without use (idle) and after a fixed time whatever happens (absolute).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AccountName;

/// The secret a browser holds for its session (the cookie's value): 32
/// random bytes, base64url. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A new random token.
    pub fn generate() -> SessionToken {
        SessionToken(random_text())
    }

    /// A token as a cookie carries it: 43 base64url characters, or nothing.
    pub fn parse(text: &str) -> Option<SessionToken> {
        let ok = text.len() == 43
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SessionToken(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keys the session by: the token's SHA-256, in hex.
    pub fn digest(&self) -> String {
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// 32 random bytes as base64url without padding (43 characters).
pub fn random_text() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// One logged-in browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub account: AccountName,
    /// The token every form of this session carries (synchroniser token).
    pub csrf: String,
    pub created: Timestamp,
    /// The last request, to within [`SEEN_EVERY`].
    pub seen: Timestamp,
}

/// How often a session's last use is written (not at every request).
pub const SEEN_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ended after this long without a request.
    pub idle: SignedDuration,
    /// Ended this long after login, in use or not.
    pub absolute: SignedDuration,
}

impl Default for SessionLimits {
    /// A working day: 30 minutes idle, 12 hours in all.
    fn default() -> Self {
        SessionLimits {
            idle: SignedDuration::from_mins(30),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

impl Session {
    pub fn new(account: AccountName, at: Timestamp) -> Session {
        Session {
            account,
            csrf: random_text(),
            created: at,
            seen: at,
        }
    }

    /// Whether the session has ended by `now`.
    pub fn expired(&self, now: Timestamp, limits: SessionLimits) -> bool {
        let idle = now.duration_since(self.seen) >= limits.idle;
        let old = now.duration_since(self.created) >= limits.absolute;
        idle || old
    }

    /// Whether a request at `now` should be written as the last use.
    pub fn due_for_touch(&self, now: Timestamp) -> bool {
        now.duration_since(self.seen) >= SEEN_EVERY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_mins(minutes)
    }

    #[test]
    fn a_session_ends_when_idle_too_long_or_too_old_whichever_comes_first() {
        let limits = SessionLimits::default();
        let mut session = Session::new(AccountName::parse("maria").unwrap(), at(0));
        assert!(!session.expired(at(29), limits));
        assert!(session.expired(at(30), limits), "idle");
        for minute in (20..720).step_by(20) {
            session.seen = at(minute);
            assert!(!session.expired(at(minute + 1), limits));
        }
        session.seen = at(719);
        assert!(session.expired(at(720), limits), "absolute, though in use");
    }

    #[test]
    fn tokens_are_random_and_only_their_digest_is_a_key() {
        let (a, b) = (SessionToken::generate(), SessionToken::generate());
        assert_ne!(a, b);
        assert_eq!(SessionToken::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.digest().len(), 64);
        assert!(!a.digest().contains(a.as_str()));
        assert_eq!(SessionToken::parse("short"), None);
        assert_eq!(
            SessionToken::parse(&format!("{}=", &a.as_str()[..42])),
            None
        );
        assert!(!format!("{a:?}").contains(a.as_str()));
    }
}
