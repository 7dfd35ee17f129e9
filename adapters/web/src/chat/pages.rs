//! The web chat's pages and files: the panel (framed by the clinic's site,
//! with a `frame-ancestors` of the bot's own origin and the sites listed in
//! `clinic.toml`), the widget's script and styles (coloured and placed as
//! `clinic.toml` says), and the demo page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use frontdesk_core::knowledge::MessageSet;
use frontdesk_core::{Locale, Store};
use serde::Deserialize;

use super::Shared;
use crate::console::render;

#[derive(Template)]
#[template(path = "chat_panel.html")]
struct Panel<'a> {
    lang: &'static str,
    title: &'a str,
    m: &'a MessageSet,
}

#[derive(Template)]
#[template(path = "demo.html")]
struct Demo {
    title: String,
}

#[derive(Deserialize)]
pub struct Lang {
    #[serde(default)]
    lang: String,
}

/// The language a browser asks for ("es-MX" is Spanish), English when it
/// is neither.
fn locale(lang: &str) -> Locale {
    lang.get(..2)
        .and_then(|l| Locale::parse(&l.to_ascii_lowercase()).ok())
        .unwrap_or(Locale::En)
}

/// `GET /chat/`: the panel, in the browser's language, its texts from
/// `messages.toml`.
pub async fn panel<S: Store>(State(chat): State<Shared<S>>, Query(lang): Query<Lang>) -> Response {
    let knowledge = chat.app.engine.knowledge();
    let web = &knowledge.clinic.web_chat;
    let locale = locale(&lang.lang);
    let page = Panel {
        lang: if locale == Locale::Es { "es" } else { "en" },
        title: &web.title,
        m: knowledge.messages(locale),
    };
    let mut response = render(&page);
    // Listed sites are checked origins (no space, quote or wildcard).
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self' {}",
        web.sites.join(" ")
    );
    if let Ok(value) = HeaderValue::from_str(policy.trim_end()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `GET /demo`: a page that looks like a clinic's, with the widget on it.
pub async fn demo<S: Store>(State(chat): State<Shared<S>>) -> Response {
    let knowledge = chat.app.engine.knowledge();
    let mut response = render(&Demo {
        title: knowledge.clinic.name.clone(),
    });
    // As strict as the console's, but for the chat's frame.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// The clinic's colour for the panel.
pub async fn theme<S: Store>(State(chat): State<Shared<S>>) -> Response {
    let knowledge = chat.app.engine.knowledge();
    let css = format!(
        ":root {{ --frontdesk-colour: {}; }}\n",
        knowledge.clinic.web_chat.colour
    );
    file("text/css", css)
}

/// The launcher's styles, in the clinic's colour and corner.
pub async fn widget_css<S: Store>(State(chat): State<Shared<S>>) -> Response {
    let knowledge = chat.app.engine.knowledge();
    let web = &knowledge.clinic.web_chat;
    let mut css = include_str!("../../assets/chat/widget.css").replace("#1f4e5f", &web.colour);
    if web.left {
        css = css.replace("right: 1rem", "left: 1rem");
    }
    file("text/css", css)
}

/// The widget's script, with the launcher's words in each language.
pub async fn widget_js<S: Store>(State(chat): State<Shared<S>>) -> Response {
    let knowledge = chat.app.engine.knowledge();
    let words = |locale| {
        let m = knowledge.messages(locale);
        serde_json::json!({ "launcher": m.chat_launcher, "title": knowledge.clinic.web_chat.title })
    };
    let texts = serde_json::json!({ "en": words(Locale::En), "es": words(Locale::Es) });
    let script =
        include_str!("../../assets/chat/widget.js").replace("/*TEXTS*/null", &texts.to_string());
    file("text/javascript", script)
}

pub async fn panel_js() -> Response {
    file(
        "text/javascript",
        include_str!("../../assets/chat/panel.js"),
    )
}

pub async fn panel_css() -> Response {
    file("text/css", include_str!("../../assets/chat/panel.css"))
}

pub async fn demo_css() -> Response {
    file("text/css", include_str!("../../assets/chat/demo.css"))
}

fn file(kind: &'static str, body: impl Into<String>) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body.into(),
    )
        .into_response()
}
