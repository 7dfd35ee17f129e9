//! Console accounts, sessions and the audit log in the store. Account
//! changes end the person's sessions; a session is looked up by its
//! token's digest and ends (is deleted) once expired.

use jiff::Timestamp;

use super::records::{decode, encode};
use super::{Engine, EngineError};
use crate::accounts::{
    Account, AccountError, AccountName, AuditEntry, Password, Session, SessionLimits, SessionToken,
};
use crate::ports::{Batch, Store};

pub(super) mod keys {
    pub const ACCOUNTS: &str = "staff/";
    pub const SESSIONS: &str = "session/";
    pub const AUDIT: &str = "audit/";

    pub fn account(name: &str) -> String {
        format!("{ACCOUNTS}{name}")
    }

    pub fn session(digest: &str) -> String {
        format!("{SESSIONS}{digest}")
    }

    /// In time order; the suffix keeps two entries of one nanosecond apart.
    pub fn audit(at: jiff::Timestamp, suffix: u64) -> String {
        format!("{AUDIT}{:020}-{suffix:016x}", at.as_nanosecond())
    }
}

/// A login that did not give a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// No such account, or the wrong password (not told apart).
    WrongCredentials,
}

impl<S: Store> Engine<S> {
    /// Adds a console account; refused if the name is taken.
    pub fn add_account(
        &self,
        name: &AccountName,
        role: crate::accounts::Role,
        password: &Password,
        at: Timestamp,
    ) -> Result<Account, EngineError> {
        let hash = password.hash()?;
        let _accounts = self.accounts_lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.account(name)?.is_some() {
            return Err(AccountError::Exists(name.to_string()).into());
        }
        let account = Account {
            name: name.clone(),
            role,
            password_hash: hash,
            created: at,
            password_changed: at,
        };
        let mut batch = Batch::default();
        batch.put(keys::account(name.as_str()), encode(&account));
        self.apply(batch)?;
        Ok(account)
    }

    pub fn account(&self, name: &AccountName) -> Result<Option<Account>, EngineError> {
        self.get(&keys::account(name.as_str()))
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>, EngineError> {
        self.store
            .scan_prefix(keys::ACCOUNTS)?
            .into_iter()
            .map(|(key, bytes)| decode(&key, &bytes))
            .collect()
    }

    /// Removes an account and ends its sessions.
    pub fn remove_account(&self, name: &AccountName) -> Result<(), EngineError> {
        let _accounts = self.accounts_lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.account(name)?.is_none() {
            return Err(AccountError::Unknown(name.to_string()).into());
        }
        let mut batch = self.end_sessions_of(name)?;
        batch.delete(keys::account(name.as_str()));
        self.apply(batch)?;
        Ok(())
    }

    /// Sets a new password and ends the account's sessions.
    pub fn reset_password(
        &self,
        name: &AccountName,
        password: &Password,
        at: Timestamp,
    ) -> Result<(), EngineError> {
        let hash = password.hash()?;
        let _accounts = self.accounts_lock.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mut account) = self.account(name)? else {
            return Err(AccountError::Unknown(name.to_string()).into());
        };
        account.password_hash = hash;
        account.password_changed = at;
        let mut batch = self.end_sessions_of(name)?;
        batch.put(keys::account(name.as_str()), encode(&account));
        self.apply(batch)?;
        Ok(())
    }

    /// Deletes of every session of an account.
    fn end_sessions_of(&self, name: &AccountName) -> Result<Batch, EngineError> {
        let mut batch = Batch::default();
        for (key, bytes) in self.store.scan_prefix(keys::SESSIONS)? {
            let session: Session = decode(&key, &bytes)?;
            if &session.account == name {
                batch.delete(key);
            }
        }
        Ok(batch)
    }

    /// Checks a name and password and starts a new session (a new token:
    /// nothing a browser held before login carries over). An unknown name
    /// costs as much time as a wrong password.
    pub fn log_in(
        &self,
        name: &str,
        password: &str,
        at: Timestamp,
    ) -> Result<Result<(SessionToken, Session, Account), LoginRefused>, EngineError> {
        let account = match AccountName::parse(name) {
            Ok(name) => self.account(&name)?,
            Err(_) => None,
        };
        let password = Password::parse(password).ok();
        let hash = account
            .as_ref()
            .map_or(crate::accounts::decoy_hash(), |a| a.password_hash.as_str());
        let matches = password.as_ref().is_some_and(|p| p.matches(hash));
        let Some(account) = account.filter(|_| matches) else {
            return Ok(Err(LoginRefused::WrongCredentials));
        };
        let token = SessionToken::generate();
        let session = Session::new(account.name.clone(), at);
        let mut batch = Batch::default();
        batch.put(keys::session(&token.digest()), encode(&session));
        self.apply(batch)?;
        Ok(Ok((token, session, account)))
    }

    /// The live session a token stands for, with its account. An expired
    /// session, or one whose account is gone, is ended and not returned.
    pub fn session(
        &self,
        token: &SessionToken,
        at: Timestamp,
        limits: SessionLimits,
    ) -> Result<Option<(Session, Account)>, EngineError> {
        let key = keys::session(&token.digest());
        let Some(mut session) = self.get::<Session>(&key)? else {
            return Ok(None);
        };
        let account = self.account(&session.account)?;
        let Some(account) = account.filter(|_| !session.expired(at, limits)) else {
            let mut batch = Batch::default();
            batch.delete(key);
            self.apply(batch)?;
            return Ok(None);
        };
        if session.due_for_touch(at) {
            session.seen = at;
            let mut batch = Batch::default();
            batch.put(key, encode(&session));
            self.apply(batch)?;
        }
        Ok(Some((session, account)))
    }

    /// Ends a session (logging out).
    pub fn log_out(&self, token: &SessionToken) -> Result<(), EngineError> {
        let mut batch = Batch::default();
        batch.delete(keys::session(&token.digest()));
        self.apply(batch)?;
        Ok(())
    }

    /// Adds a line to the audit log.
    pub fn audit(&self, entry: &AuditEntry) -> Result<(), EngineError> {
        let suffix = self
            .audit_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ^ self.run;
        let mut batch = Batch::default();
        batch.put(keys::audit(entry.at, suffix), encode(entry));
        self.apply(batch)?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, EngineError> {
        self.store
            .scan_prefix(keys::AUDIT)?
            .into_iter()
            .map(|(key, bytes)| decode(&key, &bytes))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::accounts::{AuditAction, Role};
    use crate::store::MemoryStore;

    fn engine() -> Engine<MemoryStore> {
        Engine::new(MemoryStore::default(), crate::testing::shipped())
    }

    fn at(minutes: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_mins(minutes)
    }

    fn name(text: &str) -> AccountName {
        AccountName::parse(text).unwrap()
    }

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    /// An engine with these accounts, each with "a long password", made at 0.
    fn with_accounts(accounts: &[(&str, Role)]) -> Engine<MemoryStore> {
        let engine = engine();
        for (who, role) in accounts {
            engine
                .add_account(&name(who), *role, &password("a long password"), at(0))
                .unwrap();
        }
        engine
    }

    /// A session of `who`, logged in with "a long password" at `when`.
    fn logged_in(engine: &Engine<MemoryStore>, who: &str, when: Timestamp) -> SessionToken {
        engine
            .log_in(who, "a long password", when)
            .unwrap()
            .unwrap()
            .0
    }

    #[test]
    fn a_login_with_the_right_password_gives_a_session_and_a_wrong_one_nothing() {
        let engine = with_accounts(&[("maria", Role::Desk)]);
        let refused = engine.log_in("maria", "a wrong password", at(1)).unwrap();
        assert_eq!(refused.unwrap_err(), LoginRefused::WrongCredentials);
        let unknown = engine.log_in("nobody", "a long password", at(1)).unwrap();
        assert_eq!(unknown.unwrap_err(), LoginRefused::WrongCredentials);
        let (token, _, account) = engine
            .log_in("maria", "a long password", at(1))
            .unwrap()
            .unwrap();
        assert_eq!(account.role, Role::Desk);
        let limits = SessionLimits::default();
        let (session, _) = engine.session(&token, at(2), limits).unwrap().unwrap();
        assert_eq!(session.account, name("maria"));
        let stored = engine.store.scan_prefix(keys::SESSIONS).unwrap();
        assert!(
            stored.iter().all(|(k, v)| !k.contains(token.as_str())
                && !String::from_utf8_lossy(v).contains(token.as_str())),
            "the store never holds the token itself"
        );
    }

    #[test]
    fn each_login_gets_a_new_token_and_logging_out_ends_only_that_session() {
        let engine = with_accounts(&[("maria", Role::Desk)]);
        let (first, second) = (
            logged_in(&engine, "maria", at(1)),
            logged_in(&engine, "maria", at(1)),
        );
        assert_ne!(first, second);
        engine.log_out(&first).unwrap();
        let limits = SessionLimits::default();
        assert!(engine.session(&first, at(2), limits).unwrap().is_none());
        assert!(engine.session(&second, at(2), limits).unwrap().is_some());
    }

    #[test]
    fn an_idle_session_ends_and_stays_ended() {
        let engine = with_accounts(&[("maria", Role::Desk)]);
        let token = logged_in(&engine, "maria", at(0));
        let limits = SessionLimits::default();
        assert!(engine.session(&token, at(20), limits).unwrap().is_some());
        assert!(
            engine.session(&token, at(45), limits).unwrap().is_some(),
            "seen at 20"
        );
        assert!(engine.session(&token, at(80), limits).unwrap().is_none());
        assert!(engine.session(&token, at(81), limits).unwrap().is_none());
        assert!(engine.store.scan_prefix(keys::SESSIONS).unwrap().is_empty());
    }

    #[test]
    fn a_password_reset_or_removal_ends_the_persons_sessions_only() {
        let engine = with_accounts(&[("maria", Role::Clinician), ("lee", Role::Clinician)]);
        let (maria, lee) = (
            logged_in(&engine, "maria", at(1)),
            logged_in(&engine, "lee", at(1)),
        );
        engine
            .reset_password(&name("maria"), &password("another password"), at(2))
            .unwrap();
        let limits = SessionLimits::default();
        assert!(engine.session(&maria, at(3), limits).unwrap().is_none());
        assert!(engine.session(&lee, at(3), limits).unwrap().is_some());
        assert!(
            engine
                .log_in("maria", "a long password", at(3))
                .unwrap()
                .is_err()
        );
        assert!(
            engine
                .log_in("maria", "another password", at(3))
                .unwrap()
                .is_ok()
        );
        engine.remove_account(&name("lee")).unwrap();
        assert!(engine.session(&lee, at(4), limits).unwrap().is_none());
        assert!(engine.account(&name("lee")).unwrap().is_none());
    }

    #[test]
    fn a_taken_name_or_an_unknown_account_is_refused_with_its_name() {
        let engine = engine();
        let add = || {
            engine.add_account(
                &name("maria"),
                Role::Desk,
                &password("a long password"),
                at(0),
            )
        };
        add().unwrap();
        let again = add().unwrap_err().to_string();
        assert!(again.contains("already an account named maria"), "{again}");
        let unknown = engine.remove_account(&name("lee")).unwrap_err().to_string();
        assert!(unknown.contains("no account named lee"), "{unknown}");
    }

    #[test]
    fn the_audit_log_keeps_entries_in_time_order() {
        let engine = engine();
        for (minute, action) in [
            (5, AuditAction::LogOut),
            (1, AuditAction::LogIn),
            (3, AuditAction::TicketClaimed),
        ] {
            engine
                .audit(&AuditEntry::new(at(minute), "maria", action).on("ticket #1"))
                .unwrap();
        }
        engine
            .audit(&AuditEntry::new(at(3), "lee", AuditAction::ScreenOpened))
            .unwrap();
        let log = engine.audit_log().unwrap();
        let minutes: Vec<i64> = log.iter().map(|e| e.at.as_second() / 60).collect();
        assert_eq!(minutes, [1, 3, 3, 5]);
    }

    #[test]
    fn the_sweep_deletes_audit_lines_past_their_retention_and_sessions_over_a_day_old() {
        let engine = engine();
        let now = Timestamp::now();
        let days = |n: i64| SignedDuration::from_hours(24 * n);
        let kept = engine.knowledge().retention().audit_log;
        let old = now - kept - days(1);
        let recent = now - days(10);
        for at in [old, recent] {
            engine
                .audit(&AuditEntry::new(at, "maria", AuditAction::LogIn))
                .unwrap();
        }
        engine
            .add_account(
                &name("maria"),
                Role::Desk,
                &password("a long password"),
                old,
            )
            .unwrap();
        let stale = logged_in(&engine, "maria", now - days(2));
        let fresh = logged_in(&engine, "maria", now);
        let report = engine.sweep(now).unwrap().0;
        assert_eq!((report.audit, report.sessions), (1, 1));
        let left: Vec<Timestamp> = engine.audit_log().unwrap().iter().map(|e| e.at).collect();
        assert_eq!(left, [recent]);
        let sessions = engine.store.scan_prefix(keys::SESSIONS).unwrap();
        assert_eq!(sessions.len(), 1);
        assert!(sessions[0].0.ends_with(&fresh.digest()));
        assert!(!sessions[0].0.ends_with(&stale.digest()));
    }
}
