//! Encryption at rest of the store's values, with XChaCha20-Poly1305
//! (RustCrypto's `chacha20poly1305`), a 32-byte [`DataKey`] and a fresh random
//! 24-byte nonce from the operating system for every value.
//!
//! A sealed value is laid out as
//!
//! ```text
//! b"FDE1" | nonce (24 bytes) | ciphertext | tag (16 bytes)
//! ```
//!
//! `FDE1` names the format (Frontdesk encryption, version 1). The prefix and
//! the record's key (`conv/telegram:42`) are the associated data: they are not
//! secret, but they are authenticated, so a value copied under another record's
//! key, or a value whose bytes were changed, does not open. Keys themselves
//! are not encrypted.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroize;

/// The prefix of every sealed value: the format's name and version.
pub const MAGIC: &[u8; 4] = b"FDE1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// The bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = MAGIC.len() + NONCE_LEN + TAG_LEN;

/// Why a key could not be read, or a value could not be sealed or opened.
///
/// No message ever includes a key or a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The text given as a key is not one; `reason` describes its shape only.
    #[error(
        "a data key is 64 hexadecimal characters, or 32 bytes in standard base64 \
         (44 characters); {reason}. Make one with `frontdesk keygen`"
    )]
    BadKey { reason: String },
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("the value is not encrypted (it does not start with FDE1)")]
    NotSealed,
    #[error("the value is too short to be an encrypted value")]
    Truncated,
    /// Wrong key, changed bytes, or a value moved to another record's key:
    /// authenticated encryption cannot tell these apart.
    #[error("the value cannot be decrypted: wrong key, or the value was changed or moved")]
    Open,
    #[error("the value is too large to encrypt")]
    Seal,
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The 32-byte key that encrypts the store. Its `Debug` never shows the key,
/// it has no `Display`, and its bytes are zeroed when it is dropped.
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A key for another purpose, derived from this one
    /// (HMAC-SHA256 of `purpose` under this key): it tells nothing of the
    /// data key, and the data key remains the only secret to keep.
    pub fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, purpose)
    }

    /// Reads a key written as 64 hexadecimal characters (any case) or as
    /// standard base64 of 32 bytes. Spaces and line ends around it are
    /// ignored, so a key read from a file with a final newline works.
    pub fn parse(text: &str) -> Result<DataKey, CipherError> {
        let text = text.trim();
        let bad = |reason: String| CipherError::BadKey { reason };
        if text.is_empty() {
            return Err(bad("this one is empty".into()));
        }
        if text.len() == 64 {
            if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(
                    "this one is 64 characters, but not all of them are hexadecimal digits".into(),
                ));
            }
            let mut key = [0u8; 32];
            for (byte, pair) in key.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
                *byte = (hex_digit(pair[0]) << 4) | hex_digit(pair[1]);
            }
            return Ok(DataKey(key));
        }
        match STANDARD.decode(text) {
            Ok(mut bytes) => {
                let found = bytes.len();
                let key = <[u8; 32]>::try_from(bytes.as_slice()).ok();
                bytes.zeroize();
                key.map(DataKey)
                    .ok_or_else(|| bad(format!("this one is base64 of {found} bytes, not 32")))
            }
            Err(_) => Err(bad(format!(
                "this one ({} characters) is neither",
                text.chars().count()
            ))),
        }
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> Result<DataKey, CipherError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| CipherError::Random(e.to_string()))?;
        Ok(DataKey(key))
    }

    /// The key as 64 lowercase hexadecimal characters, the form
    /// [`DataKey::parse`] reads and `frontdesk keygen` prints.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

fn hex_digit(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<hidden>)")
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The associated data of a value: the format prefix and the record's key.
fn associated_data(record: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(MAGIC.len() + record.len());
    aad.extend_from_slice(MAGIC);
    aad.extend_from_slice(record.as_bytes());
    aad
}

/// Whether `value` has the prefix of a sealed value (it may still not open).
pub fn is_sealed(value: &[u8]) -> bool {
    value.starts_with(MAGIC)
}

/// Encrypts `plaintext`, the value of the record `record`, under a fresh
/// random nonce.
pub fn seal(key: &DataKey, record: &str, plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| CipherError::Random(e.to_string()))?;
    let aad = associated_data(record);
    let ciphertext = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| CipherError::Seal)?;
    let mut sealed = Vec::with_capacity(MAGIC.len() + NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(MAGIC);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Decrypts a value [`seal`]ed for the record `record` with the same key.
pub fn open(key: &DataKey, record: &str, sealed: &[u8]) -> Result<Vec<u8>, CipherError> {
    let rest = sealed.strip_prefix(MAGIC).ok_or(CipherError::NotSealed)?;
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CipherError::Truncated);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| CipherError::Truncated)?;
    let aad = associated_data(record);
    key.cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| CipherError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key() -> DataKey {
        DataKey::parse(HEX).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_key_and_record() {
        let key = key();
        let sealed = seal(&key, "conv/telegram:42", b"my back hurts").unwrap();
        assert!(sealed.starts_with(b"FDE1"));
        assert_eq!(sealed.len(), b"my back hurts".len() + OVERHEAD);
        assert!(
            !sealed
                .windows(b"back hurts".len())
                .any(|w| w == b"back hurts"),
            "the plaintext is not in the sealed value"
        );
        assert_eq!(
            open(&key, "conv/telegram:42", &sealed).unwrap(),
            b"my back hurts"
        );
        assert_eq!(
            open(&key, "empty", &seal(&key, "empty", b"").unwrap()).unwrap(),
            b""
        );
    }

    #[test]
    fn sealing_the_same_value_twice_gives_different_bytes() {
        let key = key();
        assert_ne!(
            seal(&key, "k", b"same").unwrap(),
            seal(&key, "k", b"same").unwrap(),
            "each value gets its own random nonce"
        );
    }

    #[test]
    fn a_value_does_not_open_with_another_key() {
        let sealed = seal(&key(), "conv/telegram:42", b"secret").unwrap();
        let other = DataKey::generate().unwrap();
        assert_eq!(
            open(&other, "conv/telegram:42", &sealed),
            Err(CipherError::Open)
        );
    }

    #[test]
    fn a_value_with_any_byte_changed_does_not_open() {
        let key = key();
        let sealed = seal(&key, "screen/telegram:42/1", b"pregnant: yes").unwrap();
        for i in MAGIC.len()..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert_eq!(
                open(&key, "screen/telegram:42/1", &tampered),
                Err(CipherError::Open),
                "byte {i} was changed"
            );
        }
        let mut prefix = sealed.clone();
        prefix[3] = b'9';
        assert_eq!(
            open(&key, "screen/telegram:42/1", &prefix),
            Err(CipherError::NotSealed)
        );
        assert_eq!(
            open(&key, "screen/telegram:42/1", &sealed[..sealed.len() - 1]),
            Err(CipherError::Open)
        );
        assert_eq!(
            open(&key, "screen/telegram:42/1", &sealed[..20]),
            Err(CipherError::Truncated)
        );
    }

    #[test]
    fn a_value_moved_under_another_record_key_does_not_open() {
        let key = key();
        let sealed = seal(&key, "conv/telegram:42", b"state of 42").unwrap();
        assert_eq!(
            open(&key, "conv/telegram:43", &sealed),
            Err(CipherError::Open)
        );
    }

    #[test]
    fn a_plaintext_value_is_not_taken_for_a_sealed_one() {
        assert!(!is_sealed(br#"{"state":"idle"}"#));
        assert_eq!(
            open(&key(), "conv/x", br#"{"state":"idle"}"#),
            Err(CipherError::NotSealed)
        );
    }

    #[test]
    fn a_key_is_read_from_hex_in_any_case_or_from_base64() {
        let from_hex = key();
        let upper = DataKey::parse(&HEX.to_uppercase()).unwrap();
        let b64 = STANDARD.encode((0u8..32).collect::<Vec<u8>>());
        let from_b64 = DataKey::parse(&format!("  {b64}\n")).unwrap();
        assert_eq!(from_hex.to_hex(), HEX);
        assert_eq!(upper.to_hex(), HEX);
        assert_eq!(from_b64.to_hex(), HEX);
        let sealed = seal(&from_hex, "k", b"v").unwrap();
        assert_eq!(open(&from_b64, "k", &sealed).unwrap(), b"v");
    }

    #[test]
    fn a_text_that_is_not_a_key_is_refused_without_repeating_it() {
        let too_short = STANDARD.encode([7u8; 16]);
        let cases = [
            ("", "empty"),
            ("   \n", "empty"),
            (&HEX[..62], "neither"),
            (
                "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "not all of them are hexadecimal",
            ),
            ("correct horse battery staple", "neither"),
            (too_short.as_str(), "base64 of 16 bytes"),
        ];
        for (text, expected) in cases {
            let err = DataKey::parse(text).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, CipherError::BadKey { .. }), "{message}");
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(message.contains("frontdesk keygen"), "{message}");
            if text.trim().len() > 3 {
                assert!(!message.contains(text.trim()), "{message}");
            }
        }
    }

    #[test]
    fn the_debug_form_of_a_key_hides_it() {
        let key = key();
        let shown = format!("{key:?} {key:#?}");
        assert!(shown.contains("hidden"), "{shown}");
        assert!(!shown.contains("0102"), "{shown}");
        assert!(!shown.contains(&HEX[..16]), "{shown}");
    }

    #[test]
    fn generated_keys_differ_and_read_back() {
        let a = DataKey::generate().unwrap();
        let b = DataKey::generate().unwrap();
        assert_ne!(a.to_hex(), b.to_hex());
        assert_eq!(a.to_hex().len(), 64);
        assert_eq!(DataKey::parse(&a.to_hex()).unwrap().to_hex(), a.to_hex());
    }
}
