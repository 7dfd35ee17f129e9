//! Who counts as staff, and where the staff desks are (`desk.toml`).

use serde::Deserialize;

use crate::ids::Platform;

/// One staff member and their accounts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    pub name: String,
    /// Telegram user id.
    #[serde(default)]
    pub telegram: Option<String>,
    /// Discord user id.
    #[serde(default)]
    pub discord: Option<String>,
    /// Staff console account name, so one person is one staff member on
    /// every desk.
    #[serde(default)]
    pub console: Option<String>,
}

/// Staff and desks (`desk.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// Re-announce an unclaimed ticket after this many minutes.
    #[serde(default = "default_reannounce")]
    pub reannounce_after_minutes: u32,
    /// How soon, during opening hours, patients are told a person replies;
    /// one still waiting after that long is told again, once.
    #[serde(default = "default_reply_within")]
    pub reply_within_minutes: u32,
    #[serde(default)]
    pub staff: Vec<StaffMember>,
    /// Discord roles whose members count as staff.
    #[serde(default)]
    pub discord_staff_roles: Vec<String>,
    /// The Discord channel tickets are posted to.
    #[serde(default)]
    pub discord_channel: Option<String>,
    /// The Telegram group tickets are posted to.
    #[serde(default)]
    pub telegram_group: Option<String>,
}

fn default_reannounce() -> u32 {
    15
}

fn default_reply_within() -> u32 {
    30
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            reannounce_after_minutes: default_reannounce(),
            reply_within_minutes: default_reply_within(),
            staff: Vec::new(),
            discord_staff_roles: Vec::new(),
            discord_channel: None,
            telegram_group: None,
        }
    }
}

/// Who is asking to act, as the platform says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    pub user_id: String,
    /// Discord role ids (empty elsewhere).
    pub roles: Vec<String>,
    pub display_name: String,
}

impl DeskConfig {
    /// The staff name of an actor, or `None` if they are not staff.
    /// Whoever acts from the terminal is staff: they run the bot on the
    /// data folder and can read every record with the command line anyway.
    /// So is a console account (the console logged them in): by the name
    /// of the staff member it is linked to, else by the account's name.
    pub fn staff_name(&self, who: &Actor) -> Option<String> {
        if who.platform == Platform::Terminal {
            return Some(format!("{} (at the terminal)", who.display_name));
        }
        if let Some(m) = self.member(who) {
            return Some(m.name.clone());
        }
        if who.platform == Platform::Console {
            return Some(who.user_id.clone());
        }
        let by_role = who.platform == Platform::Discord
            && who
                .roles
                .iter()
                .any(|r| self.discord_staff_roles.contains(r));
        by_role.then(|| who.display_name.clone())
    }

    /// The listed staff member an actor's account belongs to.
    pub fn member(&self, who: &Actor) -> Option<&StaffMember> {
        self.staff.iter().find(|m| {
            let id = match who.platform {
                Platform::Telegram => &m.telegram,
                Platform::Discord => &m.discord,
                Platform::Console => &m.console,
                Platform::Terminal | Platform::Web => return false,
            };
            id.as_deref() == Some(who.user_id.as_str())
        })
    }

    /// Whether two accounts (platform and user id) are one listed person.
    pub fn same_member(&self, a: &Actor, b: (Platform, &str)) -> bool {
        let other = Actor {
            platform: b.0,
            user_id: b.1.to_owned(),
            roles: Vec::new(),
            display_name: String::new(),
        };
        self.member(a)
            .zip(self.member(&other))
            .is_some_and(|(x, y)| std::ptr::eq(x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk() -> DeskConfig {
        DeskConfig {
            staff: vec![StaffMember {
                name: "Maria".into(),
                telegram: Some("111".into()),
                discord: Some("222".into()),
                console: Some("maria".into()),
            }],
            discord_staff_roles: vec!["900".into()],
            ..DeskConfig::default()
        }
    }

    fn actor(platform: Platform, id: &str, roles: &[&str]) -> Actor {
        Actor {
            platform,
            user_id: id.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            display_name: "Someone".into(),
        }
    }

    #[test]
    fn staff_are_recognised_by_their_accounts_or_a_discord_role_only() {
        let d = desk();
        assert_eq!(
            d.staff_name(&actor(Platform::Telegram, "111", &[])),
            Some("Maria".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "222", &[])),
            Some("Maria".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "5", &["900"])),
            Some("Someone".into())
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Discord, "111", &[])),
            None,
            "a Telegram id on Discord"
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Telegram, "5", &["900"])),
            None,
            "roles are Discord's"
        );
        assert!(
            d.staff_name(&actor(Platform::Terminal, "111", &[]))
                .is_some_and(|n| n.ends_with("(at the terminal)")),
            "the terminal's user runs the bot"
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Console, "maria", &[])),
            Some("Maria".into()),
            "a linked console account"
        );
        assert_eq!(
            d.staff_name(&actor(Platform::Console, "lee", &[])),
            Some("lee".into()),
            "a console account is staff by its own name"
        );
        assert!(d.same_member(
            &actor(Platform::Console, "maria", &[]),
            (Platform::Telegram, "111")
        ));
        assert!(!d.same_member(
            &actor(Platform::Console, "lee", &[]),
            (Platform::Telegram, "111")
        ));
    }
}
