//! `frontdesk.toml`: how this installation runs, as opposed to what the
//! clinic says (the knowledge folder). Optional; every value has a default,
//! and a command-line flag wins over the file.
//!
//! ```toml
//! [console]
//! listen = "127.0.0.1:8080"
//! public_url = "https://clinic.example"
//! idle_minutes = 30
//! session_hours = 12
//!
//! [web_chat]
//! visitors_per_address_per_hour = 20
//! messages_per_visitor_per_minute = 60
//! ```

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub console: ConsoleSettings,
    #[serde(default)]
    pub web_chat: WebChatSettings,
}

/// Limits on the patients' web chat, against abuse.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebChatSettings {
    /// New visitors (first messages without a visitor id) from one address
    /// in an hour. A clinic's waiting room shares one address: not too few.
    #[serde(default = "default_visitors")]
    pub visitors_per_address_per_hour: usize,
    /// Messages from one visitor in a minute.
    #[serde(default = "default_messages")]
    pub messages_per_visitor_per_minute: usize,
}

fn default_visitors() -> usize {
    frontdesk_web::ChatLimits::default().new_visitors_per_address
}

fn default_messages() -> usize {
    frontdesk_web::ChatLimits::default().messages_per_visitor
}

impl Default for WebChatSettings {
    fn default() -> Self {
        WebChatSettings {
            visitors_per_address_per_hour: default_visitors(),
            messages_per_visitor_per_minute: default_messages(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    /// Where the staff console listens.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The address staff open behind a TLS proxy, such as
    /// `https://clinic.example`.
    #[serde(default)]
    pub public_url: Option<url::Url>,
    /// A session ends after this many minutes without a request.
    #[serde(default = "default_idle")]
    pub idle_minutes: u32,
    /// And this many hours after login in any case.
    #[serde(default = "default_session_hours")]
    pub session_hours: u32,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_idle() -> u32 {
    30
}

fn default_session_hours() -> u32 {
    12
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            listen: default_listen(),
            public_url: None,
            idle_minutes: default_idle(),
            session_hours: default_session_hours(),
        }
    }
}

impl Settings {
    /// The file, or the defaults when it does not exist and was not named.
    pub fn load(path: &Path, named: bool) -> anyhow::Result<Settings> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
                return Ok(Settings::default());
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        let settings: Settings =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let c = &settings.console;
        anyhow::ensure!(
            (1..=24 * 60).contains(&c.idle_minutes) && (1..=24).contains(&c.session_hours),
            "{}: idle_minutes must be 1 to 1440 and session_hours 1 to 24",
            path.display()
        );
        let w = &settings.web_chat;
        anyhow::ensure!(
            w.visitors_per_address_per_hour >= 1 && w.messages_per_visitor_per_minute >= 1,
            "{}: the web chat's limits must be at least 1",
            path.display()
        );
        Ok(settings)
    }

    /// The console's settings, with `--listen` over the file's.
    pub fn console(&self, listen: Option<SocketAddr>) -> frontdesk_web::Settings {
        let c = &self.console;
        let mut web = frontdesk_web::Settings::new(listen.unwrap_or(c.listen));
        web.public_url = c.public_url.clone();
        web.sessions = frontdesk_core::accounts::SessionLimits {
            idle: jiff::SignedDuration::from_mins(c.idle_minutes.into()),
            absolute: jiff::SignedDuration::from_hours(c.session_hours.into()),
        };
        web.chat = frontdesk_web::ChatLimits {
            new_visitors_per_address: self.web_chat.visitors_per_address_per_hour,
            messages_per_visitor: self.web_chat.messages_per_visitor_per_minute,
        };
        web
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_gives_the_defaults_unless_it_was_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontdesk.toml");
        let settings = Settings::load(&path, false).unwrap();
        assert_eq!(settings.console.listen.to_string(), "127.0.0.1:8080");
        assert!(Settings::load(&path, true).is_err());
    }

    #[test]
    fn an_unknown_key_or_a_silly_limit_is_refused_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontdesk.toml");
        std::fs::write(&path, "[console]\nlisten = \"127.0.0.1:9000\"\nport = 1\n").unwrap();
        let e = Settings::load(&path, true).unwrap_err().to_string();
        assert!(e.contains("frontdesk.toml") && e.contains("port"), "{e}");
        std::fs::write(&path, "[console]\nidle_minutes = 0\n").unwrap();
        assert!(Settings::load(&path, true).is_err());
        std::fs::write(
            &path,
            "[console]\nlisten = \"0.0.0.0:9000\"\npublic_url = \"https://clinic.example\"\n",
        )
        .unwrap();
        let web = Settings::load(&path, true).unwrap().console(None);
        assert_eq!(web.listen.port(), 9000);
        assert_eq!(web.chat.messages_per_visitor, 60, "the default");
        assert_eq!(web.public_url.unwrap().host_str(), Some("clinic.example"));
        std::fs::write(&path, "[web_chat]\nmessages_per_visitor_per_minute = 0\n").unwrap();
        assert!(Settings::load(&path, true).is_err());
        std::fs::write(&path, "[web_chat]\nvisitors_per_address_per_hour = 500\n").unwrap();
        let web = Settings::load(&path, true).unwrap().console(None);
        assert_eq!(web.chat.new_visitors_per_address, 500);
    }
}
