//! Domain newtypes for things that are easy to mix up: which chat, which topic,
//! which language. Each has a `parse` constructor that is the only way in from text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a piece of text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("unknown platform {0:?} (expected terminal, telegram, discord or web)")]
    UnknownPlatform(String),
    #[error("chat key {0:?} must look like PLATFORM:ID, for example telegram:12345")]
    MalformedChatKey(String),
    #[error(
        "topic id {0:?} must be 1 to 64 lower-case letters, digits or dashes, starting with a letter"
    )]
    MalformedTopicId(String),
    #[error("unknown language {0:?} (expected en or es)")]
    UnknownLocale(String),
}

/// The chat platforms the bot can run on, and the staff console (where
/// staff act, never a patient's chat: no [`ChatKey`] names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Terminal,
    Telegram,
    Discord,
    /// The web chat on the clinic's own site: a visitor's id.
    Web,
    Console,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Terminal => "terminal",
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Web => "web",
            Platform::Console => "console",
        }
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        match s {
            "terminal" => Ok(Platform::Terminal),
            "telegram" => Ok(Platform::Telegram),
            "discord" => Ok(Platform::Discord),
            "web" => Ok(Platform::Web),
            "console" => Ok(Platform::Console),
            other => Err(IdError::UnknownPlatform(other.to_owned())),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One conversation: a platform plus that platform's id for the chat.
///
/// Written as `platform:id`, which is also how it is keyed in the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatKey {
    platform: Platform,
    id: String,
}

impl ChatKey {
    /// A chat key from its parts. The id must be non-empty, at most 128
    /// characters, and free of whitespace, control characters and `/`.
    pub fn new(platform: Platform, id: &str) -> Result<Self, IdError> {
        let ok = platform != Platform::Console
            && !id.is_empty()
            && id.len() <= 128
            && !id
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '/');
        if ok {
            Ok(ChatKey {
                platform,
                id: id.to_owned(),
            })
        } else {
            Err(IdError::MalformedChatKey(format!("{platform}:{id}")))
        }
    }

    /// Parses `platform:id`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (platform, id) = s
            .split_once(':')
            .ok_or_else(|| IdError::MalformedChatKey(s.to_owned()))?;
        ChatKey::new(Platform::parse(platform)?, id)
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for ChatKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

/// The id of a knowledge-file topic, such as `does-it-hurt`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicId(String);

impl TopicId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(TopicId(s.to_owned()))
        } else {
            Err(IdError::MalformedTopicId(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A language the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    En,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Es];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// Parses `en`, `es`, or a tag such as `es-MX` / `en_GB` (as Telegram's
    /// `language_code` gives it).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let primary = s
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" | "english" => Ok(Locale::En),
            "es" | "spanish" | "espanol" | "español" => Ok(Locale::Es),
            _ => Err(IdError::UnknownLocale(s.to_owned())),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential (a bot token): its `Debug` never shows it, so it cannot end up
/// in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

macro_rules! serde_via_parse {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_via_parse!(ChatKey);
serde_via_parse!(TopicId);
serde_via_parse!(Locale);
serde_via_parse!(Platform);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_keys_round_trip_through_text() {
        let key = ChatKey::parse("telegram:12345").unwrap();
        assert_eq!(key.platform(), Platform::Telegram);
        assert_eq!(key.id(), "12345");
        assert_eq!(key.to_string(), "telegram:12345");
    }

    #[test]
    fn malformed_chat_keys_are_rejected() {
        for bad in [
            "telegram",
            "fax:1",
            "discord:",
            "terminal:a b",
            "terminal:a/b",
        ] {
            assert!(ChatKey::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn topic_ids_must_be_kebab_case() {
        assert!(TopicId::parse("does-it-hurt").is_ok());
        for bad in ["", "Does-It-Hurt", "1abc", "has space", "ünï"] {
            assert!(TopicId::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = Secret::new("123456:ABC");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "123456:ABC");
    }

    #[test]
    fn locales_accept_platform_language_tags() {
        assert_eq!(Locale::parse("es-MX").unwrap(), Locale::Es);
        assert_eq!(Locale::parse("en_GB").unwrap(), Locale::En);
        assert!(Locale::parse("fr").is_err());
    }
}
