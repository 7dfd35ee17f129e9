//! A web visitor's id, as the browser keeps it: a random id, when it
//! expires, and an HMAC-SHA256 of both under the store's visitor secret,
//! as `ID.EXPIRY.SIGNATURE` (base64url, unix seconds, hex). Made when a
//! visitor first writes, never before; a forged, altered or expired one is
//! refused, and the visitor starts anew.

use jiff::{SignedDuration, Timestamp};

/// How long a visitor id lasts without being renewed.
pub const LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A visitor whose id checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// The chat's id: `web:ID`.
    pub id: String,
    pub expires: Timestamp,
}

impl Visitor {
    /// A new visitor, valid for [`LIFETIME`] from `now`.
    pub fn new(now: Timestamp) -> Visitor {
        // Whole seconds: what the token carries.
        let expires = now.saturating_add(LIFETIME).unwrap_or(now).as_second();
        Visitor {
            id: frontdesk_core::accounts::session::random_text()[..22].to_owned(),
            expires: Timestamp::from_second(expires).unwrap_or(now),
        }
    }

    /// The id as the browser keeps it, signed.
    pub fn token(&self, secret: &[u8; 32]) -> String {
        let body = format!("{}.{}", self.id, self.expires.as_second());
        format!("{body}.{}", signature(secret, &body))
    }

    /// The visitor a kept token stands for, if it is ours and still valid.
    pub fn parse(token: &str, secret: &[u8; 32], now: Timestamp) -> Option<Visitor> {
        let (body, sig) = token.rsplit_once('.')?;
        let (id, expires) = body.split_once('.')?;
        let id_ok = (16..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let expected = signature(secret, body);
        // Constant time over the signature's length.
        let same = sig.len() == expected.len()
            && sig
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        let expires = Timestamp::from_second(expires.parse().ok()?).ok()?;
        (id_ok && same && expires > now).then(|| Visitor {
            id: id.to_owned(),
            expires,
        })
    }
}

fn signature(secret: &[u8; 32], body: &str) -> String {
    frontdesk_core::store::cipher::hmac_sha256(secret, body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 32] = [7; 32];

    #[test]
    fn a_visitors_token_reads_back_until_it_expires() {
        let now = Timestamp::now();
        let visitor = Visitor::new(now);
        let token = visitor.token(&SECRET);
        assert_eq!(Visitor::parse(&token, &SECRET, now), Some(visitor.clone()));
        let later = now.saturating_add(LIFETIME).unwrap();
        assert_eq!(Visitor::parse(&token, &SECRET, later), None, "expired");
    }

    #[test]
    fn a_forged_or_altered_token_is_refused() {
        let now = Timestamp::now();
        let token = Visitor::new(now).token(&SECRET);
        assert_eq!(
            Visitor::parse(&token, &[8; 32], now),
            None,
            "another secret"
        );
        let (body, sig) = token.rsplit_once('.').unwrap();
        let (id, expires) = body.split_once('.').unwrap();
        let longer = format!("{id}.{}.{sig}", expires.parse::<i64>().unwrap() + 3600);
        assert_eq!(Visitor::parse(&longer, &SECRET, now), None, "expiry moved");
        let other = format!("AAAAAAAAAAAAAAAAAAAAAA.{expires}.{sig}");
        assert_eq!(Visitor::parse(&other, &SECRET, now), None, "another id");
        for junk in ["", "a.b", "a.b.c", "../../x.1.00", &format!("{body}.")] {
            assert_eq!(Visitor::parse(junk, &SECRET, now), None, "{junk:?}");
        }
    }
}
