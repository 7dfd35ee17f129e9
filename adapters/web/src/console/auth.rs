//! Logging in and out, and who is asking: the [`Staff`] extractor finds
//! the live session a request's cookie stands for (else the request goes
//! to the login page). Failed logins are throttled per account and per
//! address, in memory: a restart forgets them, and Argon2id makes each
//! guess slow anyway.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_core::accounts::{
    Account, AuditAction, AuditEntry, Permission, Session, SessionToken,
};
use frontdesk_core::handoff::Actor;
use frontdesk_core::{Platform, Store};
use serde::Deserialize;

use super::guard::{self, Failure};
use super::{Shared, pages};

/// Failed logins allowed per account in [`WINDOW`]; the next is refused,
/// right password or not.
pub const PER_ACCOUNT: usize = 5;
/// Failed logins allowed per address in [`WINDOW`] (several staff may
/// share one address).
pub const PER_ADDRESS: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(60);

/// Recent failed logins, by account name and by address.
pub struct Throttle {
    failures: crate::limit::SlidingWindow,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            failures: crate::limit::SlidingWindow::new(WINDOW),
        }
    }
}

impl Throttle {
    /// Whether a login for this account from this address may be tried now.
    pub fn allows(&self, account: &str, address: &str) -> bool {
        self.failures.count(&account_key(account)) < PER_ACCOUNT
            && self.failures.count(&address_key(address)) < PER_ADDRESS
    }

    pub fn failed(&self, account: &str, address: &str) {
        self.failures.record(&account_key(account));
        self.failures.record(&address_key(address));
    }
}

fn account_key(name: &str) -> String {
    format!("account {}", name.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address {address}")
}

/// A logged-in member of staff, from a request's session cookie.
pub struct Staff {
    pub account: Account,
    pub session: Session,
    pub token: SessionToken,
    pub address: String,
}

impl Staff {
    /// The engine's name for this person at a desk.
    pub fn actor(&self) -> Actor {
        Actor {
            platform: Platform::Console,
            user_id: self.account.name.to_string(),
            roles: Vec::new(),
            display_name: self.account.name.to_string(),
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.account.role.may(permission)
    }

    pub fn require(&self, permission: Permission) -> Result<(), Failure> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Failure::Forbidden(
                "Your role cannot open this page. Ask the clinic's admin if you need it.",
            ))
        }
    }

    /// An audit entry for something this person did.
    pub fn did(&self, at: jiff::Timestamp, action: AuditAction) -> AuditEntry {
        AuditEntry::new(at, self.account.name.to_string(), action).from(self.address.clone())
    }

    /// What the pages' header shows and every form carries.
    pub fn nav(&self) -> pages::Nav {
        pages::Nav {
            name: self.account.name.to_string(),
            role: self.account.role.as_str(),
            csrf: self.session.csrf.clone(),
            audit: self.may(Permission::ReadAudit),
            numbers: self.may(Permission::ReadNumbers),
            teach: self.may(Permission::TeachBot),
        }
    }

    /// Where notices for this session are kept.
    pub fn key(&self) -> String {
        self.token.digest()
    }
}

impl<S: Store> FromRequestParts<Shared<S>> for Staff {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, console: &Shared<S>) -> Result<Staff, Failure> {
        let token = session_cookie(&parts.headers, &console.settings).ok_or(Failure::LogIn)?;
        let (now, limits) = (console.app.clock.now(), console.settings.sessions);
        let lookup = token.clone();
        let found = console
            .blocking(move |engine| engine.session(&lookup, now, limits))
            .await??;
        let (session, account) = found.ok_or(Failure::LogIn)?;
        Ok(Staff {
            account,
            session,
            token,
            address: client_address(parts),
        })
    }
}

/// The browser's address (see [`client_address`]).
pub struct ClientAddress(pub String);

impl<T: Sync> FromRequestParts<T> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &T) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts)))
    }
}

/// The browser's address: the peer's, or behind a proxy on this machine,
/// the last address the proxy added to `X-Forwarded-For`.
fn client_address(parts: &Parts) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    match (peer, forwarded) {
        (Some(ip), Some(forwarded)) if ip.is_loopback() => forwarded,
        (Some(ip), _) => ip.to_string(),
        (None, _) => "unknown".into(),
    }
}

/// The cookie's name: with the `__Host-` prefix where it is `Secure`.
fn cookie_name(settings: &crate::Settings) -> &'static str {
    if secure(settings) {
        "__Host-frontdesk"
    } else {
        "frontdesk"
    }
}

/// `Secure` unless the console is only on loopback without a public
/// HTTPS address.
fn secure(settings: &crate::Settings) -> bool {
    let https = settings
        .public_url
        .as_ref()
        .is_some_and(|u| u.scheme() == "https");
    https || !settings.listen.ip().is_loopback()
}

fn session_cookie(headers: &HeaderMap, settings: &crate::Settings) -> Option<SessionToken> {
    let name = cookie_name(settings);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| SessionToken::parse(v))
}

fn set_cookie(settings: &crate::Settings, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure(settings) { "; Secure" } else { "" };
    let cookie = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        cookie_name(settings)
    );
    HeaderValue::from_str(&cookie).expect("a cookie of URL-safe characters is a header value")
}

pub async fn login_page(staff: Result<Staff, Failure>) -> Response {
    if staff.is_ok() {
        return Redirect::to("/inbox").into_response();
    }
    pages::render(&pages::Login { error: None })
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
}

pub async fn log_in<S: Store>(
    State(console): State<Shared<S>>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Failure> {
    let now = console.app.clock.now();
    // The name as typed is kept in the audit log only when it is a valid
    // account name (never a password typed in the wrong box).
    let who = frontdesk_core::accounts::AccountName::parse(form.name.trim())
        .map_or_else(|_| "(not an account name)".to_owned(), |n| n.to_string());
    let refuse = |status: StatusCode, error: &'static str| {
        let mut page = pages::render(&pages::Login { error: Some(error) });
        *page.status_mut() = status;
        page
    };
    if !console.throttle.allows(&form.name, &address) {
        let entry = AuditEntry::new(now, who, AuditAction::LogInThrottled).from(address);
        console.audit(entry).await;
        return Ok(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts. Wait a minute, then try again.",
        ));
    }
    let (name, password) = (form.name.trim().to_owned(), form.password);
    let result = console
        .blocking(move |engine| engine.log_in(&name, &password, now))
        .await??;
    let Ok((token, _, account)) = result else {
        console.throttle.failed(&form.name, &address);
        let entry = AuditEntry::new(now, who, AuditAction::LogInFailed).from(address);
        console.audit(entry).await;
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "That name and password do not match an account.",
        ));
    };
    // Whatever session this browser had ends: the new one has a new id.
    if let Some(old) = session_cookie(&headers, &console.settings) {
        let _ = console.blocking(move |engine| engine.log_out(&old)).await;
    }
    let entry = AuditEntry::new(now, account.name.to_string(), AuditAction::LogIn).from(address);
    console.audit(entry).await;
    let max_age = console.settings.sessions.absolute.as_secs();
    let mut response = Redirect::to("/inbox").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&console.settings, token.as_str(), max_age),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn log_out<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Failure> {
    guard::csrf(&staff.session, &form.csrf)?;
    let token = staff.token.clone();
    console
        .blocking(move |engine| engine.log_out(&token))
        .await??;
    let now = console.app.clock.now();
    console.audit(staff.did(now, AuditAction::LogOut)).await;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&console.settings, "", 0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_minute_is_refused_for_that_account_only() {
        let throttle = Throttle::default();
        for _ in 0..PER_ACCOUNT {
            assert!(throttle.allows("maria", "10.0.0.1"));
            throttle.failed("maria", "10.0.0.1");
        }
        assert!(!throttle.allows("maria", "10.0.0.1"));
        assert!(
            !throttle.allows("Maria ", "10.0.0.2"),
            "whatever the address"
        );
        assert!(throttle.allows("lee", "10.0.0.1"));
    }

    #[test]
    fn one_address_trying_many_accounts_is_refused_too() {
        let throttle = Throttle::default();
        for n in 0..PER_ADDRESS {
            throttle.failed(&format!("user{n}"), "10.0.0.9");
        }
        assert!(!throttle.allows("someone-new", "10.0.0.9"));
        assert!(throttle.allows("someone-new", "10.0.0.8"));
    }
}
