//! Staff accounts for the console, their sessions and the audit log: the
//! pure part (names, roles, passwords, expiry rules, audit entries). The
//! engine keeps them in the store (`engine/accounts.rs`); the console
//! adapter decides nothing on its own but asks [`Role::may`].
//!
//! - this file: [`AccountName`], [`Role`] and [`Permission`], [`Password`]
//!   and its Argon2id hash, [`Account`];
//! - [`session`]: [`SessionToken`] (the cookie's secret, stored only as a
//!   hash), [`Session`] and its idle and absolute expiry;
//! - [`audit`]: [`AuditEntry`], who did what and when.

pub mod audit;
pub mod session;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use audit::{AuditAction, AuditEntry, AuditFilter};
pub use session::{Session, SessionLimits, SessionToken};

/// Why an account name, role or password is refused, or an account change
/// cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "account name {0:?} must be 1 to 32 lower-case letters, digits, dots, dashes or \
         underscores, starting with a letter"
    )]
    Name(String),
    #[error("unknown role {0:?} (expected admin, clinician or desk)")]
    Role(String),
    #[error("a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")]
    PasswordLength,
    #[error("there is already an account named {0}")]
    Exists(String),
    #[error("there is no account named {0}")]
    Unknown(String),
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// A console account's name, as staff type it at the login form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(text: &str) -> Result<AccountName, AccountError> {
        let ok = (1..=32).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(AccountName(text.to_owned()))
        } else {
            Err(AccountError::Name(text.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountName {
    type Error = AccountError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        AccountName::parse(&text)
    }
}

impl From<AccountName> for String {
    fn from(name: AccountName) -> String {
        name.0
    }
}

impl std::fmt::Display for AccountName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a console account may do. Each role may do everything the one
/// before it may, and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works tickets and appointments.
    Desk,
    /// Also reads health-screen answers.
    Clinician,
    /// Also manages staff accounts and reads the audit log.
    Admin,
}

/// Something the console guards by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    WorkTickets,
    ReadScreens,
    /// The unanswered questions, and teaching the bot from them.
    TeachBot,
    /// The Numbers page and its CSV: counts only, no patient data.
    ReadNumbers,
    ManageStaff,
    ReadAudit,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, AccountError> {
        match text.trim() {
            "desk" => Ok(Role::Desk),
            "clinician" => Ok(Role::Clinician),
            "admin" => Ok(Role::Admin),
            other => Err(AccountError::Role(other.chars().take(40).collect())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do that.
    pub fn may(self, permission: Permission) -> bool {
        let least = match permission {
            Permission::WorkTickets => Role::Desk,
            Permission::ReadScreens | Permission::TeachBot | Permission::ReadNumbers => {
                Role::Clinician
            }
            Permission::ManageStaff | Permission::ReadAudit => Role::Admin,
        };
        self >= least
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The shortest password accepted (NIST SP 800-63B asks for at least 8;
/// a clinic's console reads health records, so a little more).
pub const MIN_PASSWORD: usize = 10;
/// The longest: enough for any passphrase, short enough to hash quickly.
pub const MAX_PASSWORD: usize = 256;

/// A password as typed, wiped from memory when dropped and never printed.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn parse(text: &str) -> Result<Password, AccountError> {
        let length = text.chars().count();
        if (MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
            Ok(Password(Zeroizing::new(text.to_owned())))
        } else {
            Err(AccountError::PasswordLength)
        }
    }

    /// The Argon2id hash in PHC form (algorithm, parameters, salt, hash).
    pub fn hash(&self) -> Result<String, AccountError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
        hasher()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hash(e.to_string()))
    }

    /// Whether this is the password a PHC hash was made from (with the
    /// parameters the hash names).
    pub fn matches(&self, hash: &str) -> bool {
        PasswordHash::new(hash)
            .is_ok_and(|parsed| hasher().verify_password(self.0.as_bytes(), &parsed).is_ok())
    }
}

/// Argon2id with one of the settings OWASP's password storage cheat sheet
/// gives as equal in strength: 7 MiB and 5 passes (rather than 19 MiB and
/// 2), so that a login costs the console little memory.
fn hasher() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid Argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A console account. Only the password's hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: AccountName,
    pub role: Role,
    /// Argon2id, PHC form.
    pub password_hash: String,
    pub created: Timestamp,
    pub password_changed: Timestamp,
}

/// A hash to check wrong names against, so a login for an unknown account
/// takes as long as one with a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Password::parse("decoy-password-never-used")
            .and_then(|p| p.hash())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_short_lower_case_words() {
        for good in ["maria", "dr.lee", "front-desk_2"] {
            assert_eq!(AccountName::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "Maria",
            "2maria",
            "ma ria",
            "maría",
            &"a".repeat(33),
            "<b>",
        ] {
            assert!(AccountName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_role_may_do_what_the_one_below_may_and_more() {
        assert!(Role::Desk.may(Permission::WorkTickets));
        assert!(!Role::Desk.may(Permission::ReadScreens));
        assert!(Role::Clinician.may(Permission::ReadScreens));
        assert!(!Role::Clinician.may(Permission::ManageStaff));
        assert!(!Role::Clinician.may(Permission::ReadAudit));
        assert!(Role::Admin.may(Permission::ReadAudit));
        assert!(Role::Admin.may(Permission::WorkTickets));
        assert_eq!(Role::parse("clinician").unwrap(), Role::Clinician);
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn a_password_is_kept_as_an_argon2id_hash_that_only_it_matches() {
        let password = Password::parse("correct horse battery").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(password.matches(&hash));
        assert!(
            !Password::parse("correct horse battery!")
                .unwrap()
                .matches(&hash)
        );
        assert!(!password.matches("not a hash"));
        let again = password.hash().unwrap();
        assert_ne!(hash, again, "each hash has its own salt");
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn passwords_too_short_or_too_long_are_refused() {
        assert_eq!(
            Password::parse("short").unwrap_err(),
            AccountError::PasswordLength
        );
        assert!(Password::parse(&"x".repeat(MAX_PASSWORD + 1)).is_err());
        assert!(Password::parse("exactly10!").is_ok());
    }
}
