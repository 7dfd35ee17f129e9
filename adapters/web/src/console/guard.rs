//! What guards every request: security headers on each response, the
//! origin check on each change (POST), the CSRF token a form carries, and
//! the console's two static files.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use frontdesk_core::Store;
use frontdesk_core::accounts::Session;

use super::Shared;

/// Nothing inline, nothing from elsewhere, never in a frame.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";

/// Why a request was not served.
#[derive(Debug)]
pub enum Failure {
    /// Not logged in: to the login page.
    LogIn,
    /// Logged in, but not allowed (role, token, origin).
    Forbidden(&'static str),
    NotFound,
    /// The store failed; logged where it happened.
    Internal,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::LogIn => axum::response::Redirect::to("/login").into_response(),
            Failure::Forbidden(why) => (StatusCode::FORBIDDEN, why).into_response(),
            Failure::NotFound => (StatusCode::NOT_FOUND, "Not found.").into_response(),
            Failure::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; nothing was changed. Try again, and tell whoever runs \
                 the bot if it goes on.",
            )
                .into_response(),
        }
    }
}

impl From<frontdesk_core::EngineError> for Failure {
    fn from(e: frontdesk_core::EngineError) -> Failure {
        tracing::error!(error = %e, "console request failed");
        Failure::Internal
    }
}

/// Security headers on every response; pages are never cached.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // A page that sets its own policy (the web chat's panel, which the
    // clinic's site frames) keeps it; every other is never framed.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it a browser sends `Origin: null` with the
    // console's own forms, and the origin check would refuse them all.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Refuses any request that may change something (anything but GET and
/// HEAD) unless its `Origin` is the console's own.
pub async fn same_origin<S: Store>(
    State(console): State<Shared<S>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let ours = origin.is_some_and(|origin| own_origin(&console.settings, origin, host));
    if !ours {
        tracing::warn!("a change from another origin was refused");
        return Failure::Forbidden("This request did not come from the console's own page.")
            .into_response();
    }
    next.run(request).await
}

/// Whether `origin` is the console's: the public URL's origin when one is
/// set; else the listening address (or `localhost` on its port), or, when
/// listening on every interface, the host the browser asked for.
pub fn own_origin(settings: &crate::Settings, origin: &str, host: Option<&str>) -> bool {
    if let Some(url) = &settings.public_url {
        return url.origin().ascii_serialization() == origin;
    }
    let listen = settings.listen;
    let mut allowed = vec![
        format!("http://{listen}"),
        format!("http://localhost:{}", listen.port()),
    ];
    if listen.ip().is_unspecified() {
        allowed.extend(host.map(|h| format!("http://{h}")));
    }
    allowed.iter().any(|a| a == origin)
}

/// Checks the token a form sent against its session's.
pub fn csrf(session: &Session, sent: &str) -> Result<(), Failure> {
    let (a, b) = (session.csrf.as_bytes(), sent.as_bytes());
    // Constant time over the token's length.
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        tracing::warn!("a form without its session's token was refused");
        Err(Failure::Forbidden(
            "This form has expired or did not come from the console. Go back, reload the page \
             and try again.",
        ))
    }
}

pub async fn stylesheet() -> impl IntoResponse {
    asset("text/css", include_str!("../../assets/console.css"))
}

pub async fn script() -> impl IntoResponse {
    asset("text/javascript", include_str!("../../assets/console.js"))
}

fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub async fn not_found() -> Failure {
    Failure::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(listen: &str, public: Option<&str>) -> crate::Settings {
        let mut s = crate::Settings::new(listen.parse().unwrap());
        s.public_url = public.map(|p| p.parse().unwrap());
        s
    }

    #[test]
    fn only_the_consoles_own_origin_may_change_anything() {
        let local = settings("127.0.0.1:8080", None);
        assert!(own_origin(&local, "http://127.0.0.1:8080", None));
        assert!(own_origin(&local, "http://localhost:8080", None));
        assert!(!own_origin(&local, "http://127.0.0.1:8081", None));
        assert!(!own_origin(&local, "https://evil.example", None));
        assert!(!own_origin(&local, "null", None));
        let proxied = settings("127.0.0.1:8080", Some("https://clinic.example/"));
        assert!(own_origin(&proxied, "https://clinic.example", None));
        assert!(!own_origin(&proxied, "http://clinic.example", None));
        assert!(!own_origin(&proxied, "http://127.0.0.1:8080", None));
        let everywhere = settings("0.0.0.0:8080", None);
        assert!(own_origin(
            &everywhere,
            "http://10.0.0.5:8080",
            Some("10.0.0.5:8080")
        ));
        assert!(!own_origin(
            &everywhere,
            "http://evil.example",
            Some("10.0.0.5:8080")
        ));
    }

    #[test]
    fn a_form_must_carry_its_sessions_token() {
        let session = Session::new(
            frontdesk_core::accounts::AccountName::parse("maria").unwrap(),
            jiff::Timestamp::UNIX_EPOCH,
        );
        assert!(csrf(&session, &session.csrf.clone()).is_ok());
        assert!(csrf(&session, "").is_err());
        assert!(csrf(&session, &session.csrf[1..]).is_err());
    }
}
